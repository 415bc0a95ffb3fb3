//! The transcript: a `role="log"` live region, so new messages are announced. Only what the
//! session put in `messages()` is rendered — withheld answers never get there.
use baton_engine::{Feedback, Role};
use leptos::prelude::*;

use crate::app::use_ctl;
use crate::session::{Body, Message, Notice};
use crate::ui::icons;

/// Every visible line, oldest first, with the greeting on top.
#[component]
pub(crate) fn MessageList() -> impl IntoView {
    let ctl = use_ctl();
    let s = ctl.strings();
    let log: NodeRef<leptos::html::Div> = NodeRef::new();
    // Keep the newest line in view (syncs with the DOM only).
    Effect::new(move |_| {
        ctl.session.with(|s| s.messages().len());
        ctl.busy.get();
        // After this render has reached the DOM.
        request_animation_frame(move || {
            if let Some(el) = log.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });
    view! {
        <div class="log" role="log" aria-live="polite" aria-relevant="additions" node_ref=log tabindex="0">
            <p class="msg bot greeting">{move || ctl.greeting.get()}</p>
            <For
                each=move || ctl.session.with(|s| s.messages().to_vec())
                key=Message::version
                children=move |m| line(m)
            />
            <Show when=move || ctl.busy.get()>
                <p class="typing" aria-label=s.typing>
                    <span></span>
                    <span></span>
                    <span></span>
                </p>
            </Show>
        </div>
    }
}

fn line(m: Message) -> AnyView {
    let ctl = use_ctl();
    let s = ctl.strings();
    match m.body {
        Body::Text {
            role: Role::Customer,
            text,
            pending,
            ..
        } => view! {
            <p class="msg me" class:pending=pending>
                <span class="sr">{s.you} ": "</span>
                {text}
                {pending.then(|| view! { <span class="sub">{s.sending}</span> })}
            </p>
        }
        .into_any(),
        Body::Text {
            role: Role::Bot,
            text,
            sources,
            feedback,
            ..
        } => {
            let id = m.id;
            let link = sources.first().and_then(|src| {
                let svc_article = ctl_article(src);
                svc_article.map(|(title, url)| match url {
                    Some(url) => {
                        view! { <a href=url target="_blank" rel="noopener">{title}</a> }.into_any()
                    }
                    None => view! { <span>{title}</span> }.into_any(),
                })
            });
            view! {
                <div class="msg bot">
                    <span class="sr">{s.assistant} ": "</span>
                    <p>{text}</p>
                    {link.map(|l| view! { <p class="src">{s.source} ": " {l}</p> })}
                    <div class="rate">
                        {match feedback {
                            Some(_) => view! { <span class="sub">{s.thanks_feedback}</span> }.into_any(),
                            None => view! {
                                <button type="button" aria-label=s.helpful on:click=move |_| ctl.feedback(id, Feedback::Helpful)>
                                    {icons::thumb(false)}
                                </button>
                                <button type="button" aria-label=s.not_helpful on:click=move |_| ctl.feedback(id, Feedback::NotHelpful)>
                                    {icons::thumb(true)}
                                </button>
                            }
                            .into_any(),
                        }}
                    </div>
                </div>
            }
            .into_any()
        }
        Body::Text { text, .. } => view! {
            <p class="msg agent">
                <span class="sr">{s.agent} ": "</span>
                {text}
            </p>
        }
        .into_any(),
        Body::Notice(n) => {
            let (class, text) = match n {
                Notice::Connecting => ("notice connecting", s.connecting.to_owned()),
                Notice::Offer => ("notice", s.offer.to_owned()),
                Notice::AgentJoined { agent } => ("notice", format!("{agent} {}", s.agent_joined)),
                Notice::Ended => ("notice", s.ended.to_owned()),
            };
            view! { <p class=class>{text}</p> }.into_any()
        }
    }
}

/// Title and link of a KB source, if the built-in responder knows it.
fn ctl_article(source: &str) -> Option<(String, Option<String>)> {
    use_ctl().article(source)
}
