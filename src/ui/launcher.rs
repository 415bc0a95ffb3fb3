//! The round button in the corner. The loader paints an identical one before the wasm
//! arrives and removes it when this one mounts, so the swap is invisible.
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::ui::icons;

/// Opens and closes the panel; says which in its accessible name and `aria-expanded`.
#[component]
pub(crate) fn Launcher() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    view! {
        <button
            type="button"
            class="launcher"
            aria-controls="baton-panel"
            aria-expanded=move || if ctl.open.get() { "true" } else { "false" }
            aria-label=move || if ctl.open.get() { s.close_chat } else { s.open_chat }
            on:click=move |_| ctl.set_open(!ctl.open.get_untracked())
        >
            {move || if ctl.open.get() { icons::close().into_any() } else { icons::chat().into_any() }}
        </button>
    }
}
