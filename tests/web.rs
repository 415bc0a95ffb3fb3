//! The widget mounted in headless Chromium (wasm-bindgen-test): what the customer sees.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p baton-widget --test web`
//!
//! The endpoint points at a closed port, so every request fails fast: these tests cover what
//! the widget paints on its own, before and without any server — which is the point of
//! running the engine in the browser.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use baton_engine::Candidate;
use baton_widget::{mount_with, AnswerFuture, Question, Responder};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Answers every question with the same candidate.
struct Scripted(Candidate);

impl Responder for Scripted {
    fn answer(&self, _q: Question) -> AnswerFuture {
        let c = self.0.clone();
        Box::pin(async move { Ok(c) })
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document")
}

/// A fresh host element with an open shadow root, as the loader makes it.
fn host(site: &str) -> ShadowRoot {
    if let Ok(Some(s)) = web_sys::window().expect("window").local_storage() {
        let _ = s.clear();
    }
    let host = document().create_element("div").expect("div");
    host.set_attribute("data-test-site", site).expect("attr");
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .expect("shadow root")
}

fn boot(site: &str) -> String {
    format!(
        r#"{{"attrs":{{"site":"{site}","endpoint":"http://127.0.0.1:9/v1"}},"lang":"en","url":"http://test/","title":"t","queue":[["open"]]}}"#
    )
}

/// Lets Leptos flush its effects and the spawned tasks run.
async fn tick(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("timer");
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn find(root: &ShadowRoot, sel: &str) -> Option<web_sys::Element> {
    root.query_selector(sel).ok().flatten()
}

fn html(root: &ShadowRoot) -> String {
    root.inner_html()
}

async fn send(root: &ShadowRoot, text: &str) {
    let input: HtmlInputElement = find(root, "#baton-input").expect("input").unchecked_into();
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    tick(0).await;
    let form: HtmlFormElement = find(root, "form.composer").expect("form").unchecked_into();
    form.request_submit().expect("submit");
}

fn weak(text: &str) -> Rc<dyn Responder> {
    Rc::new(Scripted(Candidate {
        text: text.into(),
        confidence: 0.12,
        grounded: Some(false),
        sources: Vec::new(),
    }))
}

fn strong(text: &str) -> Rc<dyn Responder> {
    Rc::new(Scripted(Candidate {
        text: text.into(),
        confidence: 0.93,
        grounded: Some(true),
        sources: vec!["kb:shipping-times".into()],
    }))
}

#[wasm_bindgen_test]
async fn human_button_is_present_from_the_start_and_after_every_step() {
    let root = host("t1");
    mount_with(
        root.clone(),
        &boot("t1"),
        None,
        Some(strong("Orders ship in 1-2 days.")),
    )
    .expect("mounts");
    tick(20).await;
    let visible = |root: &ShadowRoot| {
        find(root, "button.human")
            .map(|b| b.unchecked_into::<HtmlElement>().offset_parent().is_some())
            .unwrap_or(false)
    };
    assert!(visible(&root), "person button visible on open");
    send(&root, "how long does shipping take").await;
    tick(50).await;
    assert!(
        html(&root).contains("Orders ship in 1-2 days."),
        "the strong answer is shown"
    );
    assert!(
        visible(&root),
        "person button still visible after an answer"
    );
}

#[wasm_bindgen_test]
async fn withheld_answer_never_reaches_the_dom() {
    let root = host("t2");
    mount_with(
        root.clone(),
        &boot("t2"),
        None,
        Some(weak("WEAK-GUESS-7731")),
    )
    .expect("mounts");
    tick(20).await;
    // Watch every mutation, so a flash of the weak answer would be caught too.
    let seen = Rc::new(std::cell::RefCell::new(String::new()));
    let log = seen.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
        for r in records.iter() {
            let r: web_sys::MutationRecord = r.unchecked_into();
            let added = r.added_nodes();
            for i in 0..added.length() {
                if let Some(n) = added.item(i) {
                    log.borrow_mut()
                        .push_str(&n.text_content().unwrap_or_default());
                }
            }
        }
    });
    let observer = web_sys::MutationObserver::new(cb.as_ref().unchecked_ref()).expect("observer");
    let opts = web_sys::MutationObserverInit::new();
    opts.set_child_list(true);
    opts.set_subtree(true);
    opts.set_character_data(true);
    observer
        .observe_with_options(&root, &opts)
        .expect("observe");
    send(
        &root,
        "my blender makes a grinding noise after the firmware update",
    )
    .await;
    tick(80).await;
    observer.disconnect();
    assert!(
        !html(&root).contains("WEAK-GUESS-7731"),
        "withheld answer in the DOM"
    );
    assert!(
        !seen.borrow().contains("WEAK-GUESS-7731"),
        "withheld answer flashed in the DOM"
    );
    assert!(
        find(&root, ".status .handoff").is_some(),
        "a withheld answer hands over instead"
    );
}

#[wasm_bindgen_test]
async fn handoff_notice_appears_on_the_button_without_a_server() {
    let root = host("t3");
    mount_with(root.clone(), &boot("t3"), None, Some(strong("ok"))).expect("mounts");
    tick(20).await;
    assert!(find(&root, ".status .handoff").is_none());
    let button: HtmlElement = find(&root, "button.human")
        .expect("button")
        .unchecked_into();
    button.click();
    tick(0).await;
    let notice = find(&root, ".status .handoff").expect("handoff notice painted");
    let text = notice.text_content().unwrap_or_default();
    assert!(
        text.contains("Connecting you to a person") || text.contains("saved"),
        "{text}"
    );
    assert!(
        html(&root).contains("notice connecting"),
        "the transcript says so too"
    );
}

#[wasm_bindgen_test]
async fn asking_for_a_person_in_words_paints_the_handoff_in_the_same_task() {
    let root = host("t4");
    mount_with(root.clone(), &boot("t4"), None, Some(strong("ok"))).expect("mounts");
    tick(20).await;
    send(&root, "I want to talk to a human please").await;
    // No timer tick: only Leptos' microtask flush between Enter and this check.
    let p = js_sys::Promise::resolve(&JsValue::NULL);
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    assert!(
        find(&root, ".status .handoff").is_some(),
        "handoff painted before any network"
    );
}
