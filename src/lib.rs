//! Baton's widget: mounted by the loader (`src/loader.js`, shipped as `pkg/baton.js`) inside
//! an open shadow root on the host page.
//!
//! The loader paints the launcher, imports this module when the browser is idle (or on the
//! first click) and calls [`mount`]; later `window.Baton(...)` calls arrive via [`command`].
//! Everything the widget decides comes from `baton_engine`; this crate renders, stores and
//! sends — it is the only place that touches the DOM, the browser clock and `localStorage`.
mod app;
mod clock;
mod embed;
mod i18n;
mod ids;
mod outbox;
mod responder;
mod session;
mod storage;
mod transport;
mod ui;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use embed::{Boot, Color, Command, EmbedConfig, EmbedError, Identity, Position};
pub use i18n::Locale;
pub use outbox::{Delivery, Entry, Kind, Outbox};
pub use responder::{AnswerFuture, Article, Kb, KbResponder, Question, Responder, ResponderError};
pub use session::{Body, ChatSession, Handoff, Message, Notice, Outcome};

struct Mounted {
    ctl: app::Ctl,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
    host: web_sys::Element,
}

thread_local! {
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
}

/// Mounts the widget into `root` (an open shadow root the loader made) from the loader's
/// boot JSON. `emit(name, json)` reports events (`escalate`) back to `Baton('on', …)`.
#[wasm_bindgen]
pub fn mount(
    root: web_sys::ShadowRoot,
    boot: &str,
    emit: Option<js_sys::Function>,
) -> Result<(), JsValue> {
    mount_with(root, boot, emit, None)
}

/// One `window.Baton(name, arg)` call after mount, as JSON `[name, arg]`.
#[wasm_bindgen]
pub fn command(call: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(call) else {
        return;
    };
    match Command::parse(&value) {
        Ok(Command::Shutdown) => shutdown(),
        Ok(cmd) => {
            let ctl = MOUNTED.with(|m| m.borrow().as_ref().map(|m| m.ctl));
            if let Some(ctl) = ctl {
                ctl.command(cmd);
            }
        }
        Err(e) => web_sys::console::warn_1(&format!("baton: {e}").into()),
    }
}

/// Forgets the customer (logout) and removes the widget from the page.
fn shutdown() {
    if let Some(m) = MOUNTED.with(|m| m.borrow_mut().take()) {
        m.ctl.command(Command::Shutdown);
        m.host.remove();
    }
}

/// `mount` with an optional responder override (tests inject a scripted one).
pub fn mount_with(
    root: web_sys::ShadowRoot,
    boot: &str,
    emit: Option<js_sys::Function>,
    responder: Option<Rc<dyn Responder>>,
) -> Result<(), JsValue> {
    let boot = Boot::parse(boot).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let cfg = EmbedConfig::from_attrs(&boot.attrs, &boot.lang)
        .map_err(|e| JsValue::from_str(&format!("baton: {e}")))?;
    let mut queue = Vec::new();
    let mut shut = false;
    for call in &boot.queue {
        match Command::parse(call) {
            Ok(Command::Shutdown) => shut = true,
            Ok(cmd) => queue.push(cmd),
            Err(e) => web_sys::console::warn_1(&format!("baton: {e}").into()),
        }
    }
    let page = baton_engine::Page {
        url: boot.url.clone(),
        title: boot.title.chars().take(200).collect(),
        locale: cfg.locale.tag().to_owned(),
    };
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("baton: no document"))?;
    let container: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("baton-root");
    if let Some(color) = cfg.color {
        let style = container.style();
        style.set_property("--brand", &color.css())?;
        style.set_property("--on-brand", color.on_color())?;
    }
    root.append_child(&container)?;
    let host = root.host();
    let slot: Rc<RefCell<Option<app::Ctl>>> = Rc::new(RefCell::new(None));
    let inner = slot.clone();
    let handle = leptos::mount::mount_to(container, move || {
        let ctl = app::Ctl::new(app::Init {
            cfg,
            page,
            queue,
            emit,
            responder,
        });
        *inner.borrow_mut() = Some(ctl);
        view! { <app::App ctl=ctl/> }.into_any()
    });
    let ctl = (*slot.borrow()).ok_or_else(|| JsValue::from_str("baton: mount failed"))?;
    MOUNTED.with(|m| {
        *m.borrow_mut() = Some(Mounted {
            ctl,
            _handle: handle,
            host,
        })
    });
    clock::mark("baton:mounted");
    if shut {
        shutdown();
    }
    Ok(())
}
