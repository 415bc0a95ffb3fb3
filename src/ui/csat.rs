//! The 1–5 rating asked when a conversation ends (bot-resolved or closed by the agent).
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::ui::icons;

/// Five star buttons, then a thank-you and a way to start again.
#[component]
pub(crate) fn Csat() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    let ended = move || ctl.session.with(|s| s.ended());
    let rated = move || ctl.session.with(|s| s.rated());
    view! {
        <Show when=ended>
            <div class="csat">
                {move || match rated() {
                    None => {
                        view! {
                            <fieldset>
                                <legend>{s.csat_question}</legend>
                                <div class="stars">
                                    {(1..=5u8)
                                        .map(|n| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="star"
                                                    aria-label=format!("{n} {}", s.csat_of)
                                                    on:click=move |_| ctl.rate(n)
                                                >
                                                    {icons::star()}
                                                </button>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            </fieldset>
                        }
                            .into_any()
                    }
                    Some(_) => {
                        view! {
                            <p class="thanks">{s.csat_thanks}</p>
                            <button type="button" class="again" on:click=move |_| ctl.new_chat()>
                                {s.new_chat}
                            </button>
                        }
                            .into_any()
                    }
                }}
            </div>
        </Show>
    }
}
