//! The honest status line under the transcript: connecting, queued (offline), delivered,
//! refused, or which person joined.
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::session::Handoff;

/// Status of the handoff, announced politely to screen readers.
#[component]
pub(crate) fn HandoffNotice() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    let line = move || {
        ctl.session.with(|sess| {
            if sess.ended() {
                return None;
            }
            if ctl.live_down.get() && sess.handoff().token().is_some() {
                return Some(("offline", s.live_unavailable.to_owned()));
            }
            match sess.handoff() {
                Handoff::None => None,
                Handoff::Queued {
                    retrying: false, ..
                } => Some(("connecting", s.connecting.to_owned())),
                Handoff::Queued { retrying: true, .. } => Some(("queued", s.queued.to_owned())),
                Handoff::Delivered { .. } | Handoff::Elsewhere => {
                    Some(("delivered", s.delivered.to_owned()))
                }
                Handoff::Failed => Some(("failed", s.handoff_failed.to_owned())),
                Handoff::AgentJoined { agent, .. } => {
                    Some(("joined", format!("{agent} {}", s.agent_joined)))
                }
            }
        })
    };
    view! {
        <div class="status" role="status">
            {move || {
                line()
                    .map(|(state, text)| {
                        view! {
                            <p class="handoff" data-state=state>
                                <span class="dot" aria-hidden="true"></span>
                                {text}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
