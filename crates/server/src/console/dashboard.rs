//! `/console/dashboard`: the numbers the product promises, per site, over the last 14 days.
//!
//! - conversations per day, split into bot-only and escalated;
//! - escalation share per day and its trend (last 7 days vs the 7 before);
//! - reasons breakdown (re-derived triggers of each handoff);
//! - auto-resolve rate: conversations the widget reported resolved without a human, over all
//!   conversations, against the 50–70 % goal band;
//! - clean-handoff rate: closed handoffs where the agent answered "no, I did not have to ask
//!   the customer to repeat anything";
//! - CSAT of escalated vs self-resolved conversations.
//!
//! Days are counted on the server's clock (`received_at`), never the widget's: a visitor's
//! wrong clock must not move a conversation to another day.
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use baton_engine::Trigger;
use maud::html;
use serde::Deserialize;
use sqlx::Row;

use super::charts::{csat_pair, fmt_pct, hbars, meter, percent_line, stacked_days, DayBar};
use super::format::{day_label, timestamp, trigger_class, trigger_label, DAY_MS, TRIGGERS};
use super::{page, ConsoleError};
use crate::auth::Agent;
use crate::db::Db;
use crate::state::AppState;

/// Days shown.
const DAYS: i64 = 14;
/// The auto-resolve goal band.
const GOAL: (f64, f64) = (0.5, 0.7);

/// `?site=`.
#[derive(Deserialize)]
pub(crate) struct SiteQuery {
    #[serde(default)]
    site: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Day {
    total: i64,
    escalated: i64,
    resolved: i64,
}

struct Stats {
    days: Vec<Day>,
    reasons: Vec<(Trigger, i64)>,
    handoffs: i64,
    clean: (i64, i64),
    csat_escalated: (i64, i64),
    csat_self: (i64, i64),
    pages: Vec<(String, String, i64)>,
    dead: Vec<DeadLetter>,
}

/// A webhook delivery that exhausted its retries (shown so someone forwards it by hand).
struct DeadLetter {
    handoff_id: String,
    webhook: String,
    attempts: i64,
    last_error: String,
    failed_at: i64,
}

async fn stats(db: &Db, site: &str, first_day: i64) -> Result<Stats, sqlx::Error> {
    let since = first_day * DAY_MS;
    let mut days = vec![Day::default(); DAYS as usize];
    let rows = sqlx::query(
        "SELECT received_at / 86400000, COUNT(*), CAST(SUM(escalated) AS BIGINT), \
         CAST(SUM(CASE WHEN resolved = 1 AND escalated = 0 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM conversations WHERE site = $1 AND received_at >= $2 GROUP BY received_at / 86400000",
    )
    .bind(site)
    .bind(since)
    .fetch_all(db.read())
    .await?;
    for r in rows {
        let day: i64 = r.try_get(0)?;
        if let Some(slot) = usize::try_from(day - first_day)
            .ok()
            .and_then(|i| days.get_mut(i))
        {
            *slot = Day {
                total: r.try_get(1)?,
                escalated: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
                resolved: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
            };
        }
    }
    let mut reasons: Vec<(Trigger, i64)> = TRIGGERS.iter().map(|t| (*t, 0)).collect();
    let rows = sqlx::query("SELECT triggers FROM handoffs WHERE site = $1 AND received_at >= $2")
        .bind(site)
        .bind(since)
        .fetch_all(db.read())
        .await?;
    let handoffs = rows.len() as i64;
    for r in rows {
        let triggers: String = r.try_get(0)?;
        let triggers: Vec<Trigger> = serde_json::from_str(&triggers).unwrap_or_default();
        for t in triggers {
            if let Some(slot) = reasons.iter_mut().find(|(k, _)| *k == t) {
                slot.1 += 1;
            }
        }
    }
    let r = sqlx::query(
        "SELECT COUNT(*), CAST(SUM(clean_handoff) AS BIGINT) FROM handoffs \
         WHERE site = $1 AND clean_handoff IS NOT NULL AND closed_at >= $2",
    )
    .bind(site)
    .bind(since)
    .fetch_one(db.read())
    .await?;
    let clean = (
        r.try_get::<i64, _>(0)?,
        r.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
    );
    let mut csat_escalated = (0, 0);
    let mut csat_self = (0, 0);
    let rows = sqlx::query(
        "SELECT escalated, COUNT(*), CAST(SUM(rating) AS BIGINT) FROM csat \
         WHERE site = $1 AND at >= $2 GROUP BY escalated",
    )
    .bind(site)
    .bind(since)
    .fetch_all(db.read())
    .await?;
    for r in rows {
        let pair = (
            r.try_get::<i64, _>(1)?,
            r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
        );
        if r.try_get::<i64, _>(0)? == 1 {
            csat_escalated = pair;
        } else {
            csat_self = pair;
        }
    }
    let pages = sqlx::query(
        "SELECT page_title, page_url, COUNT(*) FROM conversations \
         WHERE site = $1 AND escalated = 1 AND received_at >= $2 \
         GROUP BY page_title, page_url ORDER BY COUNT(*) DESC LIMIT 5",
    )
    .bind(site)
    .bind(since)
    .fetch_all(db.read())
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            r.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
            r.try_get::<i64, _>(2)?,
        ))
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let dead = sqlx::query(
        "SELECT handoff_id, webhook, attempts, last_error, failed_at FROM webhook_dead_letters \
         WHERE site = $1 ORDER BY failed_at DESC LIMIT 20",
    )
    .bind(site)
    .fetch_all(db.read())
    .await?
    .into_iter()
    .map(|r| {
        Ok(DeadLetter {
            handoff_id: r.try_get(0)?,
            webhook: r.try_get(1)?,
            attempts: r.try_get(2)?,
            last_error: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            failed_at: r.try_get(4)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Stats {
        dead,
        days,
        reasons,
        handoffs,
        clean,
        csat_escalated,
        csat_self,
        pages,
    })
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `GET /console/dashboard`.
pub(crate) async fn page_handler(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<SiteQuery>,
) -> Result<Response, ConsoleError> {
    let sites = agent.sites();
    let site = match q.site {
        Some(s) if sites.contains(&s) => s,
        Some(_) => return Err(ConsoleError::Forbidden),
        None => match sites.first() {
            Some(s) => s.clone(),
            None => return Err(ConsoleError::Forbidden),
        },
    };
    let site_name = state
        .sites
        .get(&site)
        .map_or_else(|| site.clone(), |s| s.name.clone());
    let today = (state.clock.now().0 as i64).div_euclid(DAY_MS);
    let first_day = today - DAYS + 1;
    let s = stats(&state.db, &site, first_day).await?;

    let labels: Vec<String> = (0..DAYS).map(|i| day_label(first_day + i)).collect();
    let bars: Vec<DayBar> = s
        .days
        .iter()
        .zip(&labels)
        .map(|(d, l)| DayBar {
            label: l.clone(),
            bot: d.total - d.escalated,
            escalated: d.escalated,
        })
        .collect();
    let esc_share: Vec<Option<f64>> = s.days.iter().map(|d| share(d.escalated, d.total)).collect();
    let auto: Vec<Option<f64>> = s.days.iter().map(|d| share(d.resolved, d.total)).collect();
    let sum = |days: &[Day], f: fn(&Day) -> i64| days.iter().map(f).sum::<i64>();
    let total = sum(&s.days, |d| d.total);
    let escalated = sum(&s.days, |d| d.escalated);
    let resolved = sum(&s.days, |d| d.resolved);
    let (prev, last) = s.days.split_at(s.days.len() - 7);
    let last_share = share(sum(last, |d| d.escalated), sum(last, |d| d.total));
    let prev_share = share(sum(prev, |d| d.escalated), sum(prev, |d| d.total));
    let trend = match (last_share, prev_share) {
        (Some(a), Some(b)) => {
            let pts = (a - b) * 100.0;
            if pts.abs() < 0.5 {
                "flat vs the week before".to_owned()
            } else if pts > 0.0 {
                format!("up {pts:.1} pts vs the week before")
            } else {
                format!("down {:.1} pts vs the week before", -pts)
            }
        }
        _ => "not enough data for a trend".to_owned(),
    };
    let auto_rate = share(resolved, total);
    let clean_rate = share(s.clean.1, s.clean.0);
    let avg = |(n, sum): (i64, i64)| (n > 0).then(|| sum as f64 / n as f64);
    let reason_items: Vec<(String, String, i64)> = s
        .reasons
        .iter()
        .map(|(t, n)| {
            (
                format!("t-{}", trigger_class(*t)),
                trigger_label(*t).to_owned(),
                *n,
            )
        })
        .collect();
    let pct = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), fmt_pct);

    let main = html! {
        div.pagehead {
            h1 { "Dashboard" }
            p.muted { (site_name) " · last " (DAYS) " days (UTC)" }
            @if sites.len() > 1 {
                nav.sites { @for s in &sites { a.current[*s == site] href=(format!("/console/dashboard?site={s}")) { (s) } } }
            }
        }
        div.kpis {
            div.card.kpi { span { "Conversations" } b { (total) } }
            div.card.kpi { span { "Escalated" } b { (pct(share(escalated, total))) } small { (trend) } }
            div.card.kpi.goal[auto_rate.is_some_and(|r| r >= GOAL.0 && r <= GOAL.1)] {
                span { "Auto-resolved" } b { (pct(auto_rate)) } small { "goal 50–70 %" }
            }
            div.card.kpi { span { "Clean handoffs" } b { (pct(clean_rate)) } small { (s.clean.0) " closed" } }
        }
        div.grid2 {
            section.card {
                h2 { "Conversations per day" }
                (stacked_days(&bars, "Conversations per day: bot only vs handed to a person"))
                p.legend { span.key.bot {} "bot only" span.key.esc {} "handed to a person" }
            }
            section.card {
                h2 { "Escalation share" }
                (percent_line(&labels, &esc_share, None, "Share of conversations escalated per day"))
                p.muted { (pct(share(escalated, total))) " overall · " (trend) }
            }
            section.card {
                h2 { "Why conversations escalate" }
                (hbars(&reason_items, "Reasons breakdown"))
                p.muted { (s.handoffs) " handoffs; one handoff can have several reasons" }
            }
            section.card {
                h2 { "Auto-resolve rate" }
                (percent_line(&labels, &auto, Some(GOAL), "Auto-resolve rate per day with the 50 to 70 percent goal band"))
                p.muted { (pct(auto_rate)) " of conversations resolved without a person · goal band 50–70 %" }
            }
            section.card {
                h2 { "Clean handoffs" }
                (meter(clean_rate, None, "Clean-handoff rate"))
                p.muted {
                    (pct(clean_rate)) " of closed handoffs needed nothing repeated ("
                    (s.clean.1) " of " (s.clean.0) ")"
                }
            }
            section.card {
                h2 { "Customer satisfaction" }
                (csat_pair(&[("Escalated", avg(s.csat_escalated), s.csat_escalated.0), ("Self-resolved", avg(s.csat_self), s.csat_self.0)], "Average CSAT, escalated vs self-resolved"))
            }
        }
        section.card {
            h2 { "Where handoffs start" }
            @if s.pages.is_empty() {
                p.muted { "No handoffs in this period." }
            } @else {
                table.pages {
                    thead { tr { th { "Page" } th { "Handoffs" } } }
                    tbody {
                        @for (title, url, n) in &s.pages {
                            tr {
                                td { strong { (if title.is_empty() { "(untitled)" } else { title }) } br; span.url { (url) } }
                                td { (n) }
                            }
                        }
                    }
                }
            }
        }
    };
    let main = html! {
        (main)
        section.card #dead-letters {
            h2 { "Webhook deliveries given up" }
            @if s.dead.is_empty() {
                p.muted { "None: every handoff reached its webhooks." }
            } @else {
                table.pages {
                    thead { tr { th { "Handoff" } th { "Webhook" } th { "Attempts" } th { "Last error" } th { "Failed" } } }
                    tbody {
                        @for d in &s.dead {
                            tr {
                                td { a href=(format!("/console/handoffs/{}", d.handoff_id)) { code { (d.handoff_id.chars().take(13).collect::<String>()) "…" } } }
                                td { (d.webhook) }
                                td { (d.attempts) }
                                td.url { (d.last_error) }
                                td { (timestamp(d.failed_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Dashboard", Some(&agent), main).into_response())
}
