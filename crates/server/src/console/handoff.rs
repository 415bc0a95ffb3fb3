//! `/console/handoffs/{id}`: the handoff view, and claim / reply / close / live.
//!
//! The view is ordered so the agent never has to ask the customer to repeat: why it reached
//! them (each re-derived reason, with its evidence highlighted in the turn it came from),
//! the summary, what the bot tried and how it went, the customer record, and only then the
//! transcript followed by the live conversation.
use axum::extract::{Path, State};
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use baton_engine::{AttemptKind, AttemptOutcome, HandoffV1, Reason, Role};
use maud::{html, Markup};
use serde::Deserialize;

use super::format::{clock, split_span, timestamp, trigger_class, trigger_label, waited};
use super::store::{self, Detail};
use super::{page_with, redirect, ConsoleError};
use crate::auth::{same_origin, Agent};
use crate::relay::{self, Audience, HandoffRef, Kind, LiveRow};
use crate::state::AppState;

/// Loads a handoff the agent may see: 404 when missing, 403 when not their queue.
async fn load(state: &AppState, agent: &Agent, id: &str) -> Result<Detail, ConsoleError> {
    if id.len() > 64 {
        return Err(ConsoleError::NotFound);
    }
    let detail = store::detail(&state.db, id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if !agent.member_of(&detail.site, &detail.queue) {
        return Err(ConsoleError::Forbidden);
    }
    Ok(detail)
}

fn handoff_ref(d: &Detail) -> HandoffRef {
    HandoffRef {
        id: d.id.clone(),
        site: d.site.clone(),
        conversation_id: d.bundle.conversation_id.clone(),
        status: d.status.clone(),
    }
}

/// Stores what the agent did (joined, replied, closed) in the conversation's message log
/// and wakes its live streams (widget and console); returns the stored row's `seq`.
async fn relay_agent_event(
    state: &AppState,
    d: &Detail,
    agent: &Agent,
    kind: Kind,
    text: &str,
    now: i64,
) -> Result<i64, ConsoleError> {
    let seq = relay::append(&state.db, &handoff_ref(d), kind, Some(agent.id), text, now).await?;
    state.relay.publish(&d.id);
    Ok(seq)
}

/// `GET /console/handoffs/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let d = load(&state, &agent, &id).await?;
    let live = relay::rows_after(&state.db, &d.id, 0, i64::MAX).await?;
    let after = live.last().map_or(0, |r| r.seq);
    let now = state.clock.now().0 as i64;
    let b = &d.bundle;
    let who = b
        .customer
        .name
        .clone()
        .or_else(|| b.customer.email.clone())
        .unwrap_or_else(|| "Anonymous visitor".to_owned());
    let mine = d.status == "claimed" && d.agent_id == Some(agent.id);
    let main = html! {
        div.pagehead {
            p.crumbs {
                a href="/console" { "Queues" } " / "
                a href=(format!("/console/queues/{}/{}", d.site, d.queue)) { (d.queue) }
            }
            div.titlerow {
                h1 { (who) }
                span.prio.(d.priority) { (d.priority) }
                span.status.(d.status) id="status" { (status_label(&d.status)) }
            }
            p.muted {
                "Arrived " (timestamp(d.received_at))
                @if d.status == "queued" { " · waiting " span data-since=(d.received_at) { (waited(now - d.received_at)) } }
                @if let Some(name) = &d.agent_name {
                    " · with " (name)
                    @if let Some(at) = d.claimed_at { " since " (clock(at)) }
                }
                " · routed by rule " code { (d.rule) }
            }
            (actions(&agent, &d, mine))
        }
        div.handoff {
            div.context {
                (reasons_section(&d))
                section.card {
                    h2 { "Summary" }
                    p.summary { (b.summary) }
                    @if let Some(amount) = &b.amount {
                        p.muted { "Amount mentioned: " strong { (format_amount(amount.value)) " " (amount.currency.as_deref().unwrap_or("")) } }
                    }
                    p.muted { "Page: " (b.page.title) " — " span.url { (b.page.url) } }
                }
                (attempts_section(b))
                (customer_section(b))
            }
            div.conversation {
                section.card.chat {
                    h2 { "Conversation" }
                    (transcript(b, &d))
                    div.divider { span { "Handed to a person" } }
                    ol.live id="live" aria-live="polite" {
                        @for row in &live { (live_row(row)) }
                    }
                    @if mine {
                        form.reply id="reply" method="post" action=(format!("/console/handoffs/{}/reply", d.id)) {
                            input type="hidden" name="csrf" value=(agent.csrf);
                            label.sr for="reply-text" { "Reply to the customer" }
                            textarea id="reply-text" name="text" rows="3" maxlength="4000" required placeholder="Write to the customer…" {}
                            button.primary type="submit" { "Send" }
                        }
                    } @else if d.status == "queued" {
                        p.muted.center { "Claim this conversation to reply." }
                    }
                }
            }
        }
    };
    let data = [
        ("live", format!("/console/handoffs/{}/live", d.id)),
        ("after", after.to_string()),
        ("handoff", d.id.clone()),
    ];
    Ok(page_with(&who, Some(&agent), &data, main).into_response())
}

fn status_label(status: &str) -> &'static str {
    match status {
        "queued" => "Waiting",
        "claimed" => "In progress",
        "closed" => "Closed",
        _ => "Unknown",
    }
}

fn format_amount(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn actions(agent: &Agent, d: &Detail, mine: bool) -> Markup {
    html! {
        div.actions {
            @if d.status == "queued" {
                form method="post" action=(format!("/console/handoffs/{}/claim", d.id)) {
                    input type="hidden" name="csrf" value=(agent.csrf);
                    button.primary id="claim" type="submit" { "Claim conversation" }
                }
            }
            @if mine {
                form.close method="post" action=(format!("/console/handoffs/{}/close", d.id)) {
                    input type="hidden" name="csrf" value=(agent.csrf);
                    fieldset {
                        legend { "Did you have to ask the customer to repeat anything?" }
                        label.choice { input type="radio" name="repeat" value="no" required; " No" }
                        label.choice { input type="radio" name="repeat" value="yes"; " Yes" }
                    }
                    button.secondary id="close" type="submit" { "Close conversation" }
                }
            }
            @if d.status == "closed" {
                p.muted {
                    "Closed " (d.closed_at.map(timestamp).unwrap_or_default())
                    @match d.clean_handoff {
                        Some(1) => " · clean handoff (nothing asked again)",
                        Some(_) => " · the customer had to repeat something",
                        None => "",
                    }
                }
            }
        }
    }
}

/// Reasons the server re-derived, each with its evidence; the widget's unconfirmed claims
/// are listed apart.
fn reasons_section(d: &Detail) -> Markup {
    let v = &d.verification;
    let mut trusted: Vec<&Reason> = v.matched.iter().chain(&v.unexpected).collect();
    let fallback = trusted.is_empty() && v.missing.is_empty();
    if fallback {
        trusted = d.bundle.reasons.iter().collect();
    }
    html! {
        section.card.reasons id="reasons" {
            h2 { "Why this reached you" }
            @if trusted.is_empty() {
                p.muted { "The server could not confirm any reason from the transcript." }
            }
            ul.reasonlist {
                @for r in &trusted { li { (reason(&d.bundle, r)) } }
            }
            @if !v.missing.is_empty() {
                details.unconfirmed {
                    summary { "Reported by the widget but not confirmed (" (v.missing.len()) ")" }
                    ul.reasonlist { @for r in &v.missing { li { (reason(&d.bundle, r)) } } }
                }
            }
        }
    }
}

fn reason(b: &HandoffV1, r: &Reason) -> Markup {
    let e = &r.evidence;
    let turn = b.transcript.get(e.turn as usize);
    html! {
        div class=(format!("reason t-{}", trigger_class(r.trigger))) {
            div.reasonhead {
                strong { (trigger_label(r.trigger)) }
                span.muted { " · turn " (e.turn + 1) " · " code { (e.rule) }
                    @if let Some(score) = e.score { " · score " (format!("{score:.2}")) }
                }
            }
            @if let Some(t) = turn {
                blockquote.evidence {
                    span.role { (role_label(t.role)) ": " }
                    @if let Some(span) = e.span {
                        @let (before, marked, after) = split_span(&t.text, span.start, span.end);
                        (before) mark { (marked) } (after)
                    } @else {
                        (t.text)
                    }
                }
            }
        }
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Customer => "Customer",
        Role::Bot => "Bot",
        Role::Agent => "Agent",
        Role::System => "Baton",
    }
}

fn attempts_section(b: &HandoffV1) -> Markup {
    html! {
        section.card {
            h2 { "What the bot tried" }
            @if b.attempts.is_empty() {
                p.muted { "Nothing: the bot did not attempt an answer." }
            } @else {
                table.attempts {
                    thead { tr { th { "Turn" } th { "Tried" } th { "Confidence" } th { "Result" } } }
                    tbody {
                        @for a in &b.attempts {
                            tr {
                                td { (a.turn + 1) }
                                td {
                                    (attempt_kind(a.kind))
                                    @if let Some(src) = &a.source { " " code { (src) } }
                                }
                                td { @if let Some(c) = a.confidence { (format!("{:.0} %", c * 100.0)) } @else { "–" } }
                                td { (outcome(a.outcome)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn attempt_kind(k: AttemptKind) -> &'static str {
    match k {
        AttemptKind::KbArticle => "Answered from article",
        AttemptKind::Action => "Action",
        AttemptKind::Clarification => "Asked to clarify",
    }
}

fn outcome(o: AttemptOutcome) -> Markup {
    let (class, label) = match o {
        AttemptOutcome::Helped => ("ok", "helped"),
        AttemptOutcome::DidNotHelp => ("bad", "did not help"),
        AttemptOutcome::Withheld => ("warn", "withheld (low confidence)"),
        AttemptOutcome::Unknown => ("", "no signal"),
    };
    html! { span class=(format!("badge {class}")) { (label) } }
}

/// A JSON value as short text (order fields, attributes).
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".to_owned(),
        other => other.to_string(),
    }
}

fn customer_section(b: &HandoffV1) -> Markup {
    let c = &b.customer;
    html! {
        section.card.customer id="customer" {
            h2 { "Customer"
                @if c.verified {
                    span.badge.ok title="user_hash checked: this is the signed-in customer" { "verified" }
                } @else {
                    span.badge.warn title="identity not verified: the record is not loaded" { "not verified" }
                }
            }
            dl.kv {
                @if let Some(name) = &c.name { dt { "Name" } dd { (name) } }
                @if let Some(email) = &c.email { dt { "Email" } dd { (email) } }
                @if let Some(id) = &c.id { dt { "Customer id" } dd { code { (id) } } }
                @if let Some(status) = &c.account_status { dt { "Account" } dd { (status) } }
                @for (k, v) in &c.attributes { dt { (k) } dd { (json_text(v)) } }
            }
            @if !c.verified && c.id.is_some() {
                p.muted { "The widget named a customer id without a valid signature, so no record was loaded. Confirm identity before account changes." }
            }
            @if !c.orders.is_empty() {
                h3 { "Orders" }
                ul.orders {
                    @for o in &c.orders {
                        li {
                            @if let Some(obj) = o.as_object() {
                                @for (i, (k, v)) in obj.iter().enumerate() {
                                    @if i > 0 { " · " }
                                    span.k { (k) } " " strong { (json_text(v)) }
                                }
                            } @else { (json_text(o)) }
                        }
                    }
                }
            }
            @if !c.prior_tickets.is_empty() {
                h3 { "Prior tickets" }
                ul.tickets {
                    @for t in &c.prior_tickets {
                        li {
                            @let id = t.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                            @let at = t.get("at").and_then(|v| v.as_i64());
                            @let summary = t.get("summary").and_then(|v| v.as_str()).unwrap_or_default();
                            @let status = t.get("status").and_then(|v| v.as_str()).unwrap_or_default();
                            @if let Some(at) = at { span.muted { (timestamp(at)) " · " } }
                            span.badge { (status) } " "
                            a href=(format!("/console/handoffs/{id}")) { (summary) }
                        }
                    }
                }
            }
        }
    }
}

fn transcript(b: &HandoffV1, d: &Detail) -> Markup {
    let evidence_turns: Vec<u32> = d
        .verification
        .matched
        .iter()
        .chain(&d.verification.unexpected)
        .map(|r| r.evidence.turn)
        .collect();
    html! {
        ol.transcript {
            @for (i, t) in b.transcript.iter().enumerate() {
                @let class = transcript_class(t.role, evidence_turns.contains(&(i as u32)), t.withheld);
                li class=(class) {
                    div.meta {
                        span.role { (role_label(t.role)) }
                        span.time { (clock(t.at.0 as i64)) }
                        @if t.withheld { span.badge.warn { "withheld — never shown" } }
                        @if let Some(c) = t.confidence { span.badge { (format!("confidence {:.0} %", c * 100.0)) } }
                        @if t.grounded == Some(false) { span.badge.warn { "not grounded" } }
                    }
                    p.text { (t.text) }
                    @if !t.sources.is_empty() {
                        p.sources { @for s in &t.sources { code { (s) } " " } }
                    }
                }
            }
        }
    }
}

fn transcript_class(role: Role, evidence: bool, withheld: bool) -> String {
    let mut class = String::from(match role {
        Role::Customer => "msg customer",
        Role::Bot => "msg bot",
        Role::Agent => "msg agent",
        Role::System => "msg system",
    });
    if evidence {
        class.push_str(" evidence");
    }
    if withheld {
        class.push_str(" withheld");
    }
    class
}

fn live_row(row: &LiveRow) -> Markup {
    match row.kind {
        Kind::Customer | Kind::Agent => {
            let class = if row.kind == Kind::Customer {
                "msg customer"
            } else {
                "msg agent"
            };
            html! {
                li class=(class) data-seq=(row.seq) {
                    div.meta {
                        span.role { @if row.kind == Kind::Customer { "Customer" } @else { (row.agent.as_deref().unwrap_or("Agent")) } }
                        span.time { (clock(row.at)) }
                    }
                    p.text { (row.text) }
                }
            }
        }
        Kind::AgentJoined => html! {
            li.event data-seq=(row.seq) { (row.agent.as_deref().unwrap_or("An agent")) " joined · " (clock(row.at)) }
        },
        Kind::Closed => html! {
            li.event data-seq=(row.seq) { "Conversation closed · " (clock(row.at)) }
        },
    }
}

/// Forms with only the CSRF token.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/handoffs/{id}/claim`.
pub(crate) async fn claim(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    agent.check_csrf(&form.csrf)?;
    let d = load(&state, &agent, &id).await?;
    let now = state.clock.now().0 as i64;
    if !store::claim(&state.db, &d.id, agent.id, now).await? {
        return Err(ConsoleError::Conflict(
            "Someone else already claimed this conversation, or it is closed.".into(),
        ));
    }
    relay_agent_event(&state, &d, &agent, Kind::AgentJoined, "", now).await?;
    Ok(redirect(&format!("/console/handoffs/{}", d.id)))
}

/// The reply form.
#[derive(Deserialize)]
pub(crate) struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// `POST /console/handoffs/{id}/reply`: stored, then relayed to the widget. A request that
/// accepts JSON (the page's script) gets `202 {"seq"}` instead of a redirect.
pub(crate) async fn reply(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ReplyForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    agent.check_csrf(&form.csrf)?;
    let d = load(&state, &agent, &id).await?;
    if d.status != "claimed" || d.agent_id != Some(agent.id) {
        return Err(ConsoleError::Conflict(
            "Claim this conversation before replying.".into(),
        ));
    }
    let text =
        relay::check_text(&form.text).map_err(|e| ConsoleError::BadForm(format!("Reply: {e}")))?;
    let now = state.clock.now().0 as i64;
    let seq = relay_agent_event(&state, &d, &agent, Kind::Agent, text, now).await?;
    let wants_json = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        Ok((
            StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({ "seq": seq })),
        )
            .into_response())
    } else {
        Ok(redirect(&format!("/console/handoffs/{}#reply", d.id)))
    }
}

/// The close form: the one question.
#[derive(Deserialize)]
pub(crate) struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /console/handoffs/{id}/close`: records whether the customer had to repeat anything
/// (the clean-handoff rate) and tells the widget.
pub(crate) async fn close(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CloseForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    agent.check_csrf(&form.csrf)?;
    let clean = match form.repeat.as_str() {
        "no" => true,
        "yes" => false,
        _ => {
            return Err(ConsoleError::BadForm(
                "Answer the question: did you have to ask the customer to repeat anything?".into(),
            ))
        }
    };
    let d = load(&state, &agent, &id).await?;
    let now = state.clock.now().0 as i64;
    if !store::close(&state.db, &d.id, agent.id, clean, now).await? {
        return Err(ConsoleError::Conflict(
            "Only the agent working this conversation can close it.".into(),
        ));
    }
    relay_agent_event(&state, &d, &agent, Kind::Closed, "", now).await?;
    Ok(redirect(&format!("/console/handoffs/{}", d.id)))
}

/// `?after=` of the console's live stream.
#[derive(Deserialize)]
pub(crate) struct AfterQuery {
    #[serde(default)]
    after: i64,
}

/// `GET /console/handoffs/{id}/live`: every new row (customer and agent messages, joins,
/// close) after the page's last one.
pub(crate) async fn live(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<AfterQuery>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let d = load(&state, &agent, &id).await?;
    let after = relay::last_event_id(&headers).unwrap_or(q.after.max(0));
    Ok(relay::sse_response(
        &state,
        d.id,
        Audience::Agent,
        after,
        Vec::new(),
    ))
}
