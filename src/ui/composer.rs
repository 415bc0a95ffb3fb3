//! The message input. Enter sends; the engine runs synchronously on send, so an escalation
//! is painted in the same frame.
use leptos::html::Input;
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::ui::icons;

/// Text input + send button.
#[component]
pub(crate) fn Composer() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    let (text, set_text) = signal(String::new());
    let input: NodeRef<Input> = NodeRef::new();
    // Focus the input whenever the customer opens the panel (keyboard users land where they
    // type) — but not when it merely reopens after a reload, which would steal the page's focus.
    Effect::new(move |prev: Option<bool>| {
        let open = ctl.open.get();
        if open && (prev.is_some() || !ctl.reopened) {
            request_animation_frame(move || {
                if let Some(el) = input.get_untracked() {
                    let _ = el.focus();
                    crate::clock::mark("baton:input-ready");
                }
            });
        }
        open
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if !t.trim().is_empty() {
            set_text.set(String::new());
            ctl.send(t);
        }
    };
    view! {
        <form class="composer" on:submit=submit>
            <label class="sr" for="baton-input">{s.placeholder}</label>
            <input
                id="baton-input"
                node_ref=input
                type="text"
                autocomplete="off"
                maxlength="2000"
                placeholder=s.placeholder
                prop:value=move || text.get()
                on:input=move |ev| set_text.set(event_target_value(&ev))
                disabled=move || ctl.session.with(|s| s.ended())
            />
            <button type="submit" class="send" aria-label=s.send>
                {icons::send()}
            </button>
        </form>
    }
}
