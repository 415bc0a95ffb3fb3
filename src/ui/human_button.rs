//! "Talk to a person": in the panel at all times, one press hands over with full context.
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::ui::icons;

/// The always-visible person button. After the handoff it stays (so the layout never jumps)
/// but is marked as already done — unless the server refused the bundle, when it tries again.
#[component]
pub(crate) fn HumanButton() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    let done = move || ctl.session.with(|s| !s.can_hand_over());
    view! {
        <button
            type="button"
            class="human"
            aria-disabled=move || if done() { "true" } else { "false" }
            on:click=move |_| ctl.press_human()
        >
            {icons::person()}
            <span>{s.talk_to_person}</span>
        </button>
    }
}
