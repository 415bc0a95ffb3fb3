//! `/console` (my queues with counts and waiting times) and `/console/queues/{site}/{queue}`.
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use maud::{html, Markup};
use tokio::sync::broadcast;

use super::format::{timestamp, trigger_class, trigger_label, waited, DAY_MS};
use super::store::{queue_counts, queue_items, QueueCount};
use super::{page_with, ConsoleError};
use crate::auth::Agent;
use crate::state::{AppState, ServerEvent};

/// `GET /console`.
pub(crate) async fn overview(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Response, ConsoleError> {
    let now = state.clock.now().0 as i64;
    let today = now - now.rem_euclid(DAY_MS);
    let mut counts: Vec<QueueCount> = queue_counts(&state.db, today)
        .await?
        .into_iter()
        .filter(|q| agent.member_of(&q.site, &q.queue))
        .collect();
    // Named memberships show even before their first handoff.
    for (site, queue) in &agent.queues {
        if queue != "*" && !counts.iter().any(|q| &q.site == site && &q.queue == queue) {
            counts.push(QueueCount {
                site: site.clone(),
                queue: queue.clone(),
                ..QueueCount::default()
            });
        }
    }
    counts.sort_by(|a, b| (b.queued, &a.site, &a.queue).cmp(&(a.queued, &b.site, &b.queue)));
    let waiting: i64 = counts.iter().map(|q| q.queued).sum();
    let main = html! {
        div.pagehead {
            h1 { "Your queues" }
            p.muted {
                (waiting) " waiting · "
                (counts.iter().map(|q| q.claimed).sum::<i64>()) " in progress · "
                (counts.iter().map(|q| q.closed_today).sum::<i64>()) " closed today"
            }
        }
        @if counts.is_empty() {
            section.card { p.muted { "No queues yet. Handoffs appear here as soon as the widget sends one." } }
        }
        div.queues {
            @for q in &counts {
                a.card.queue href=(format!("/console/queues/{}/{}", q.site, q.queue)) {
                    div.qname { (q.queue) span.site { (q.site) } }
                    div.qstats {
                        div.stat.waiting[q.queued > 0] { b { (q.queued) } span { "waiting" } }
                        div.stat { b { (q.claimed) } span { "in progress" } }
                        div.stat { b { (q.closed_today) } span { "closed today" } }
                    }
                    div.oldest {
                        @if let Some(at) = q.oldest_queued_at {
                            "Longest wait: " strong data-since=(at) { (waited(now - at)) }
                        } @else {
                            "Nobody waiting"
                        }
                    }
                }
            }
        }
    };
    Ok(page_with(
        "Queues",
        Some(&agent),
        &[("live", "/console/live".into())],
        main,
    )
    .into_response())
}

/// `GET /console/queues/{site}/{queue}`: 403 unless the agent is a member.
pub(crate) async fn queue(
    State(state): State<AppState>,
    agent: Agent,
    Path((site, queue)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    if !agent.member_of(&site, &queue) {
        return Err(ConsoleError::Forbidden);
    }
    let now = state.clock.now().0 as i64;
    let items = queue_items(&state.db, &site, &queue).await?;
    let main = html! {
        div.pagehead {
            p.crumbs { a href="/console" { "Queues" } " / " (site) }
            h1 { (queue) }
            p.muted {
                (items.iter().filter(|i| i.status == "queued").count()) " waiting · "
                (items.iter().filter(|i| i.status != "queued").count()) " in progress"
            }
        }
        @if items.is_empty() {
            section.card { p.muted { "Nothing open in this queue." } }
        } @else {
            ol.items {
                @for item in &items {
                    li {
                        a.card.item href=(format!("/console/handoffs/{}", item.id)) {
                            div.itemhead {
                                span.prio.(item.priority) { (item.priority) }
                                strong.cust {
                                    (item.customer.as_deref().unwrap_or("Anonymous visitor"))
                                }
                                @if item.verified { span.badge.ok { "verified" } }
                                span.spacer {}
                                @if item.status == "queued" {
                                    span.wait title=(timestamp(item.received_at)) {
                                        "waiting " span data-since=(item.received_at) { (waited(now - item.received_at)) }
                                    }
                                } @else {
                                    span.claimed { "with " (item.agent.as_deref().unwrap_or("an agent")) }
                                }
                            }
                            div.reasons {
                                @for t in &item.triggers { (trigger_chip(*t)) }
                                @if item.triggers.is_empty() {
                                    @for t in &item.claimed { span.unconfirmed title="reported by the widget, not re-derived by the server" { (trigger_chip(*t)) } }
                                }
                            }
                            p.summary { (item.summary) }
                        }
                    }
                }
            }
        }
    };
    Ok(page_with(
        &queue,
        Some(&agent),
        &[("live", "/console/live".into())],
        main,
    )
    .into_response())
}

/// A small colored label for a trigger.
pub(crate) fn trigger_chip(t: baton_engine::Trigger) -> Markup {
    html! { span class=(format!("chip t-{}", trigger_class(t))) { (trigger_label(t)) } }
}

/// `GET /console/live`: `event: queued` whenever a handoff lands in one of the agent's
/// queues (the page reloads its list).
pub(crate) async fn live(State(state): State<AppState>, agent: Agent) -> Response {
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold((rx, agent), |(mut rx, agent)| async move {
        loop {
            match rx.recv().await {
                Ok(ServerEvent::HandoffQueued { site, queue, .. }) => {
                    if agent.member_of(&site, &queue) {
                        let data = serde_json::json!({ "site": site, "queue": queue });
                        let ev = Event::default().event("queued").data(data.to_string());
                        return Some((Ok::<Event, Infallible>(ev), (rx, agent)));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let ev = Event::default().event("queued").data("{}");
                    return Some((Ok(ev), (rx, agent)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream.boxed())
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
