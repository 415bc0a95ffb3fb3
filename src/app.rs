//! The root component and `Ctl`, the handle every component gets from context. `Ctl` turns
//! user actions into `ChatSession` calls (read the clock once, call, act on the `Outcome`)
//! and performs the I/O the session asks for: responder, outbox, live channel, storage.
use std::cell::RefCell;
use std::rc::Rc;

use baton_engine::{Candidate, Feedback, HandoffV1, Millis, Page, Policy};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::embed::{Command, EmbedConfig, Position};
use crate::i18n::{Locale, Strings};
use crate::ids::{uuid_v7, Rng};
use crate::outbox::{Delivery, Kind, Outbox, Reconnect};
use crate::responder::{Question, RemoteResponder, Responder, SiteKb};
use crate::session::{ChatSession, Outcome};
use crate::storage;
use crate::transport::{self, Live, LiveEvent};
use crate::ui::{
    composer::Composer, csat::Csat, handoff_notice::HandoffNotice, human_button::HumanButton,
    launcher::Launcher, message_list::MessageList,
};

/// Non-reactive services, one per mounted widget.
pub(crate) struct Services {
    cfg: EmbedConfig,
    outbox: RefCell<Outbox>,
    responder: Rc<dyn Responder>,
    kb: Option<SiteKb>,
    live: RefCell<Option<Live>>,
    reconnect: RefCell<Reconnect>,
    live_timer: RefCell<Option<TimeoutHandle>>,
    timer: RefCell<Option<TimeoutHandle>>,
    rng: RefCell<Rng>,
    emit: Option<js_sys::Function>,
}

/// The handle components use; `Copy`, so handlers stay one-liners.
#[derive(Clone, Copy)]
pub(crate) struct Ctl {
    /// The conversation model.
    pub(crate) session: RwSignal<ChatSession, LocalStorage>,
    /// Whether the panel is open.
    pub(crate) open: RwSignal<bool>,
    /// A question is with the responder.
    pub(crate) busy: RwSignal<bool>,
    /// Panel title (the site's name once the config arrives).
    pub(crate) title: RwSignal<String>,
    /// First line of the panel.
    pub(crate) greeting: RwSignal<String>,
    /// UI language.
    pub(crate) locale: Locale,
    /// The panel was open before a reload: reopen it without stealing focus from the page.
    pub(crate) reopened: bool,
    /// The live channel keeps failing (see `Reconnect`): the status line says so.
    pub(crate) live_down: RwSignal<bool>,
    svc: StoredValue<Rc<Services>, LocalStorage>,
}

/// The site config answer (`GET /v1/sites/{site}/config`).
#[derive(Deserialize)]
struct SiteConfig {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    greeting: Option<String>,
    #[serde(default)]
    policy: Option<Policy>,
}

/// The handoff answer (`POST /v1/handoffs`).
#[derive(Deserialize)]
struct HandoffAck {
    customer_token: String,
}

#[derive(Serialize)]
struct EscalateDetail<'a> {
    conversation_id: &'a str,
    bundle_id: &'a str,
    reasons: &'a [baton_engine::Reason],
    route: &'a baton_engine::Route,
}

/// Everything `mount` hands to the app.
pub(crate) struct Init {
    pub(crate) cfg: EmbedConfig,
    pub(crate) page: Page,
    pub(crate) queue: Vec<Command>,
    pub(crate) emit: Option<js_sys::Function>,
    pub(crate) responder: Option<Rc<dyn Responder>>,
}

impl Ctl {
    /// Restores the session and outbox from storage and applies the queued commands.
    pub(crate) fn new(init: Init) -> Ctl {
        let Init {
            cfg,
            page,
            queue,
            emit,
            responder,
        } = init;
        let seed = storage::seed();
        let now = clock::now();
        let skey = storage::key(&cfg.site, "session");
        let mut policy = Policy::default();
        if let Some(t) = cfg.refund_threshold {
            policy.refund_threshold = t;
        }
        let session = storage::load(&skey)
            .and_then(|json| ChatSession::restore(&cfg.site, &json, seed))
            .unwrap_or_else(|| ChatSession::new(&cfg.site, policy, page, now, seed));
        let outbox = storage::load(&storage::key(&cfg.site, "outbox"))
            .map(|json| Outbox::restore(&json, seed ^ 0x5eed))
            .unwrap_or_else(|| Outbox::new(seed ^ 0x5eed));
        let kb = SiteKb::new(
            format!("{}/sites/{}/kb", cfg.endpoint, cfg.site),
            cfg.locale,
        );
        let (responder, kb): (Rc<dyn Responder>, Option<SiteKb>) = match (responder, &cfg.responder)
        {
            (Some(r), _) => (r, None),
            (None, Some(url)) => (Rc::new(RemoteResponder::new(url.clone())), None),
            (None, None) => (Rc::new(kb.clone()), Some(kb)),
        };
        let strings = cfg.locale.strings();
        let reopened = storage::load(&storage::key(&cfg.site, "open")).as_deref() == Some("1");
        let ctl = Ctl {
            session: RwSignal::new_local(session),
            open: RwSignal::new(reopened),
            reopened,
            live_down: RwSignal::new(false),
            busy: RwSignal::new(false),
            title: RwSignal::new(strings.title.to_owned()),
            greeting: RwSignal::new(
                cfg.greeting
                    .clone()
                    .unwrap_or_else(|| strings.greeting.to_owned()),
            ),
            locale: cfg.locale,
            svc: StoredValue::new_local(Rc::new(Services {
                cfg,
                outbox: RefCell::new(outbox),
                responder,
                kb,
                live: RefCell::new(None),
                reconnect: RefCell::new(Reconnect::default()),
                live_timer: RefCell::new(None),
                timer: RefCell::new(None),
                rng: RefCell::new(Rng::seeded(seed.rotate_left(17))),
                emit,
            })),
        };
        for cmd in queue {
            ctl.command(cmd);
        }
        ctl
    }

    fn svc(self) -> Rc<Services> {
        self.svc.get_value()
    }

    /// The UI strings.
    pub(crate) fn strings(self) -> &'static Strings {
        self.locale.strings()
    }

    /// Title and link of a KB source, for the "Source:" line under a bot answer.
    pub(crate) fn article(self, source: &str) -> Option<(String, Option<String>)> {
        self.svc().kb.as_ref()?.article(source)
    }

    /// The widget's corner.
    pub(crate) fn position(self) -> Position {
        self.svc().cfg.position
    }

    /// Fetches the site config and KB, reconnects the live channel, resumes the outbox.
    fn start(self) {
        let svc = self.svc();
        let url = format!("{}/sites/{}/config", svc.cfg.endpoint, svc.cfg.site);
        leptos::task::spawn_local(async move {
            if let Ok(conf) = transport::get_json::<SiteConfig>(&url).await {
                if let Some(name) = conf.name.filter(|n| !n.is_empty()) {
                    self.title.set(name);
                }
                if self.svc().cfg.greeting.is_none() {
                    if let Some(g) = conf.greeting.filter(|g| !g.is_empty()) {
                        self.greeting.set(g);
                    }
                }
                if let Some(mut policy) = conf.policy {
                    if let Some(t) = self.svc().cfg.refund_threshold {
                        policy.refund_threshold = t;
                    }
                    self.session.update(|s| s.adopt_policy(policy));
                }
            }
        });
        if let Some(kb) = svc.kb.clone() {
            leptos::task::spawn_local(async move {
                kb.load().await;
            });
        }
        // The engine builds its lexicons on first use; do that now, off the click path, so the
        // customer's first Enter pays only for the decision itself.
        set_timeout(
            || {
                let mut warm = baton_engine::Conversation::new(Policy::default());
                let _ = warm.customer_message(Millis(0), "hello, where is my order?");
            },
            std::time::Duration::from_millis(0),
        );
        if let Some(token) = self.session.with_untracked(|s| {
            // A closed conversation has nothing more to say live.
            (!s.ended()).then(|| s.handoff().token().map(str::to_owned))?
        }) {
            self.open_live(&token);
        }
        if let Some(w) = web_sys::window() {
            let on_online = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                self.svc().outbox.borrow_mut().retry_now(clock::now());
                self.pump();
            });
            let _ = w.add_event_listener_with_callback(
                "online",
                wasm_bindgen::JsCast::unchecked_ref(on_online.as_ref()),
            );
            // Lives as long as the page: the widget has no teardown short of `shutdown`.
            on_online.forget();
            // Another tab of this conversation saved the session: show the same chat here.
            let skey = storage::key(&svc.cfg.site, "session");
            let on_storage =
                wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
                    move |ev: wasm_bindgen::JsValue| {
                        let key = js_sys::Reflect::get(&ev, &"key".into()).ok();
                        if key.and_then(|k| k.as_string()).as_deref() == Some(skey.as_str()) {
                            self.adopt_stored(false);
                        }
                    },
                );
            let _ = w.add_event_listener_with_callback(
                "storage",
                wasm_bindgen::JsCast::unchecked_ref(on_storage.as_ref()),
            );
            on_storage.forget();
        }
        self.pump();
    }

    /// Saves the transcript and the outbox.
    fn persist(self) {
        let svc = self.svc();
        let site = &svc.cfg.site;
        self.session
            .with_untracked(|s| storage::save(&storage::key(site, "session"), &s.to_json()));
        storage::save(
            &storage::key(site, "outbox"),
            &svc.outbox.borrow().to_json(),
        );
    }

    /// Opens or closes the panel.
    pub(crate) fn set_open(self, open: bool) {
        self.open.set(open);
        let key = storage::key(&self.svc().cfg.site, "open");
        if open {
            storage::save(&key, "1");
        } else {
            storage::remove(&key);
        }
    }

    /// One call of the JS API.
    pub(crate) fn command(self, cmd: Command) {
        match cmd {
            Command::Identify(id) => self.session.update(|s| s.identify(id)),
            Command::Open => self.set_open(true),
            Command::Close => self.set_open(false),
            Command::Handoff { reason } => {
                self.set_open(true);
                self.handoff(reason.as_deref());
            }
            Command::Shutdown => {
                let svc = self.svc();
                storage::remove(&storage::key(&svc.cfg.site, "session"));
                storage::remove(&storage::key(&svc.cfg.site, "open"));
                self.stop_live();
            }
        }
    }

    /// The customer pressed Enter.
    pub(crate) fn send(self, text: String) {
        let now = clock::now();
        let outcome = self.session.try_update(|s| s.send(now, &text)).flatten();
        if let Some(outcome) = outcome {
            self.after_customer(now);
            self.act(outcome);
        }
    }

    /// "Talk to a person".
    pub(crate) fn press_human(self) {
        self.handoff(None);
    }

    /// A handoff by the button or by the site (`Baton('handoff', {reason})`).
    fn handoff(self, reason: Option<&str>) {
        let now = clock::now();
        if let Some(outcome) = self.session.try_update(|s| s.press_human(now, reason)) {
            self.act(outcome);
        }
    }

    /// 👍/👎.
    pub(crate) fn feedback(self, id: u32, verdict: Feedback) {
        let now = clock::now();
        if let Some(outcome) = self.session.try_update(|s| s.feedback(now, id, verdict)) {
            let detail = serde_json::to_value(verdict).unwrap_or_default();
            self.event(now, "feedback", Some(detail));
            self.act(outcome);
        }
    }

    /// "End chat": the customer is done (bot-resolved unless a human had it).
    pub(crate) fn end(self) {
        let now = clock::now();
        if self.session.try_update(|s| s.end(now)) == Some(true) {
            self.event(now, "resolved", None);
            self.persist();
            self.pump();
        }
    }

    /// CSAT 1–5.
    pub(crate) fn rate(self, rating: u8) {
        let now = clock::now();
        if let Some(Some(r)) = self.session.try_update(|s| s.rate(rating)) {
            let svc = self.svc();
            let (cid, token) = self.session.with_untracked(|s| {
                (
                    s.conversation_id().to_owned(),
                    s.handoff().token().map(str::to_owned),
                )
            });
            let body = serde_json::json!({
                "site": svc.cfg.site, "conversation_id": cid, "rating": r, "token": token,
            });
            svc.outbox.borrow_mut().push(
                now,
                Kind::Csat,
                format!("csat:{cid}"),
                format!("{}/csat", svc.cfg.endpoint),
                body.to_string(),
            );
            self.persist();
            self.pump();
        }
    }

    /// Starts over after a finished conversation.
    pub(crate) fn new_chat(self) {
        let svc = self.svc();
        self.stop_live();
        let now = clock::now();
        let seed = storage::seed();
        self.session.update(|s| {
            let mut policy = Policy::default();
            if let Some(t) = svc.cfg.refund_threshold {
                policy.refund_threshold = t;
            }
            *s = ChatSession::new(&svc.cfg.site, policy, s.page().clone(), now, seed);
        });
        self.persist();
    }

    fn after_customer(self, now: Millis) {
        let svc = self.svc();
        if self.session.try_update(|s| s.take_start()) == Some(true) {
            let (cid, page) = self
                .session
                .with_untracked(|s| (s.conversation_id().to_owned(), s.page().clone()));
            let body = serde_json::json!({
                "site": svc.cfg.site, "conversation_id": cid, "started_at": now, "page": page,
            });
            svc.outbox.borrow_mut().push(
                now,
                Kind::Conversation,
                format!("conv:{cid}"),
                format!("{}/conversations", svc.cfg.endpoint),
                body.to_string(),
            );
        }
        self.event(now, "customer_message", None);
    }

    /// Queues a dashboard event.
    fn event(self, now: Millis, kind: &str, detail: Option<serde_json::Value>) {
        let svc = self.svc();
        let cid = self
            .session
            .with_untracked(|s| s.conversation_id().to_owned());
        let mut body = serde_json::json!({ "site": svc.cfg.site, "kind": kind, "at": now });
        if let Some(d) = detail {
            body["detail"] = d;
        }
        let key = format!("ev:{}", uuid_v7(now, &mut svc.rng.borrow_mut()));
        svc.outbox.borrow_mut().push(
            now,
            Kind::Event,
            key,
            format!("{}/conversations/{cid}/events", svc.cfg.endpoint),
            body.to_string(),
        );
    }

    /// Performs what the session asked for.
    fn act(self, outcome: Outcome) {
        match outcome {
            Outcome::Ask(text) => self.ask(text),
            Outcome::Show | Outcome::Withhold => {}
            Outcome::Escalate(bundle) => self.escalate(*bundle),
            Outcome::Relay { id, text } => {
                let token = self
                    .session
                    .with_untracked(|s| s.handoff().token().map(str::to_owned));
                if let Some(token) = token {
                    self.relay(clock::now(), id, &text, &token);
                }
                // Otherwise the session holds it until the handoff is acknowledged.
            }
        }
        self.persist();
        self.pump();
    }

    fn ask(self, message: String) {
        let svc = self.svc();
        let q = self.session.with_untracked(|s| Question {
            site: svc.cfg.site.clone(),
            conversation_id: s.conversation_id().to_owned(),
            locale: self.locale.tag().to_owned(),
            message,
            history: s.history(),
        });
        self.busy.set(true);
        let responder = svc.responder.clone();
        leptos::task::spawn_local(async move {
            // A responder that cannot answer yields an ungrounded zero-confidence candidate:
            // the engine withholds it and hands over, which is the honest outcome.
            let candidate = responder.answer(q).await.unwrap_or(Candidate {
                text: String::new(),
                confidence: 0.0,
                grounded: Some(false),
                sources: Vec::new(),
            });
            let now = clock::now();
            self.busy.set(false);
            if let Some(outcome) = self.session.try_update(|s| s.candidate(now, candidate)) {
                let kind = match outcome {
                    Outcome::Show => Some("bot_answer"),
                    Outcome::Escalate(_) => Some("withheld"),
                    _ => None,
                };
                if let Some(kind) = kind {
                    self.event(now, kind, None);
                }
                self.act(outcome);
            }
        });
    }

    fn escalate(self, bundle: HandoffV1) {
        clock::mark("baton:handoff");
        let svc = self.svc();
        let body = serde_json::to_string(&bundle).unwrap_or_default();
        svc.outbox.borrow_mut().push(
            bundle.created_at,
            Kind::Handoff,
            bundle.id.clone(),
            format!("{}/handoffs", svc.cfg.endpoint),
            body,
        );
        if let Some(emit) = &svc.emit {
            let detail = EscalateDetail {
                conversation_id: &bundle.conversation_id,
                bundle_id: &bundle.id,
                reasons: &bundle.reasons,
                route: &bundle.route,
            };
            let json = serde_json::to_string(&detail).unwrap_or_default();
            let _ = emit.call2(
                &wasm_bindgen::JsValue::NULL,
                &"escalate".into(),
                &json.into(),
            );
        }
    }

    fn relay(self, now: Millis, id: u32, text: &str, token: &str) {
        let svc = self.svc();
        let (cid, key) = self.session.with_untracked(|s| {
            let cid = s.conversation_id().to_owned();
            (cid, s.relay_key(id))
        });
        let body = serde_json::json!({ "token": token, "text": text });
        svc.outbox.borrow_mut().push(
            now,
            Kind::Message,
            key,
            format!("{}/conversations/{cid}/messages", svc.cfg.endpoint),
            body.to_string(),
        );
    }

    /// Sends whatever the outbox says is due and sets a timer for the next retry.
    fn pump(self) {
        let svc = self.svc();
        let now = clock::now();
        let due = svc.outbox.borrow_mut().due(now);
        for entry in due {
            leptos::task::spawn_local(async move {
                let key = entry.idempotency_key();
                let result = transport::request("POST", &entry.url, Some(&entry.body), key).await;
                let status = result.as_ref().ok().map(|(s, _)| *s);
                let now = clock::now();
                let delivery = self
                    .svc()
                    .outbox
                    .borrow_mut()
                    .settle(now, &entry.key, status);
                match (entry.kind, delivery) {
                    (Kind::Handoff, Delivery::Acked) => {
                        let body = result.map(|(_, b)| b).unwrap_or_default();
                        if let Ok(ack) = serde_json::from_str::<HandoffAck>(&body) {
                            self.delivered(now, ack.customer_token);
                        }
                    }
                    (Kind::Handoff, Delivery::Retry) => {
                        self.session.update(|s| s.handoff_retrying())
                    }
                    (Kind::Handoff, Delivery::Rejected) => {
                        let body = result.map(|(_, b)| b).unwrap_or_default();
                        let code = transport::error_code(&body).unwrap_or_default();
                        if code == "already_escalated" {
                            // Another tab of this conversation got there first: take its
                            // token if it has shared it, else wait for it (storage event).
                            self.session.update(|s| s.handoff_taken());
                            self.adopt_stored(true);
                        } else {
                            self.session.update(|s| s.handoff_rejected());
                            let msg = format!("baton: the server refused the handoff ({code})");
                            web_sys::console::warn_1(&msg.into());
                        }
                    }
                    (Kind::Message, Delivery::Acked) => {
                        if let Some(id) = entry.key.rsplit(':').next().and_then(|i| i.parse().ok())
                        {
                            self.session.update(|s| s.relayed(id));
                        }
                    }
                    _ => {}
                }
                self.persist();
                self.pump();
            });
        }
        let next = svc.outbox.borrow().poll_timeout();
        if let Some(old) = svc.timer.borrow_mut().take() {
            old.clear();
        }
        if let Some(at) = next {
            let wait = std::time::Duration::from_millis(at.since(now).max(50));
            if let Ok(h) = set_timeout_with_handle(move || self.pump(), wait) {
                *svc.timer.borrow_mut() = Some(h);
            }
        }
    }

    fn delivered(self, now: Millis, token: String) {
        let held = self
            .session
            .try_update(|s| s.handoff_delivered(token.clone()))
            .unwrap_or_default();
        for (id, text) in held {
            self.relay(now, id, &text, &token);
        }
        self.open_live(&token);
    }

    fn open_live(self, token: &str) {
        let svc = self.svc();
        let (cid, after) = self
            .session
            .with_untracked(|s| (s.conversation_id().to_owned(), s.live_after()));
        let mut url = format!(
            "{}/conversations/{cid}/live?token={}",
            svc.cfg.endpoint,
            js_sys::encode_uri_component(token)
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={after}"));
        }
        let token = token.to_owned();
        let live = transport::live(
            &url,
            move |seq, ev| self.on_live(seq, ev),
            move |up| self.live_up(up, &token),
        );
        *svc.live.borrow_mut() = live.ok();
    }

    /// The live stream opened (`up`) or failed. A failure is retried on `Reconnect`'s
    /// schedule, quietly; the customer hears about it only once it looks lasting.
    fn live_up(self, up: bool, token: &str) {
        let svc = self.svc();
        if up {
            svc.reconnect.borrow_mut().opened();
            self.live_down.set(false);
            return;
        }
        let wait = svc.reconnect.borrow_mut().failed(&mut svc.rng.borrow_mut());
        self.live_down.set(svc.reconnect.borrow().unavailable());
        let token = token.to_owned();
        let reopen = move || {
            let current = self.session.with_untracked(|s| {
                (!s.ended()).then(|| s.handoff().token().map(str::to_owned))?
            });
            if current.as_deref() == Some(token.as_str()) {
                self.open_live(&token);
            }
        };
        let timer = set_timeout_with_handle(reopen, std::time::Duration::from_millis(wait));
        let old = std::mem::replace(&mut *svc.live_timer.borrow_mut(), timer.ok());
        if let Some(old) = old {
            old.clear();
        }
    }

    /// Takes over the session another tab of this conversation saved, so every tab shows
    /// one chat: the handoff made in either, its live token, the agent's messages (each tab
    /// keeps its own live stream; event ids keep a message from showing twice). Adopting
    /// does not save, so two tabs never echo each other. With `need_token`, only a session
    /// of this conversation that already holds the live token is taken.
    fn adopt_stored(self, need_token: bool) {
        let svc = self.svc();
        let Some(theirs) = storage::load(&storage::key(&svc.cfg.site, "session"))
            .and_then(|json| ChatSession::restore(&svc.cfg.site, &json, storage::seed()))
        else {
            return;
        };
        let live_token =
            |s: &ChatSession| (!s.ended()).then(|| s.handoff().token().map(str::to_owned))?;
        let (ours, same) = self.session.with_untracked(|s| {
            (
                live_token(s),
                s.conversation_id() == theirs.conversation_id(),
            )
        });
        let token = live_token(&theirs);
        if need_token && (token.is_none() || !same) {
            return;
        }
        self.session.set(theirs);
        if token != ours {
            match token {
                Some(t) => self.open_live(&t),
                None => self.stop_live(),
            }
        }
    }

    /// Closes the live channel and forgets any pending reopen.
    fn stop_live(self) {
        let svc = self.svc();
        svc.live.borrow_mut().take();
        if let Some(t) = svc.live_timer.borrow_mut().take() {
            t.clear();
        }
        self.live_down.set(false);
    }

    fn on_live(self, seq: Option<u64>, ev: LiveEvent) {
        let now = clock::now();
        if self.session.try_update(|s| s.live_seen(seq)) != Some(true) {
            return;
        }
        match ev {
            LiveEvent::AgentJoined { agent } => {
                self.session.update(|s| s.agent_joined(now, &agent))
            }
            LiveEvent::Message { text } => self.session.update(|s| s.agent_message(now, &text)),
            LiveEvent::Closed => {
                self.session.update(|s| {
                    s.end(now);
                });
                self.stop_live();
            }
        }
        self.persist();
    }
}

/// The component tree's handle, provided by `App`.
pub(crate) fn use_ctl() -> Ctl {
    // Every component lives under `App`, which provides it first (a proven invariant).
    expect_context::<Ctl>()
}

/// The widget root: launcher + panel.
#[component]
pub(crate) fn App(ctl: Ctl) -> impl IntoView {
    provide_context(ctl);
    ctl.start();
    let s = ctl.strings();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && ctl.open.get_untracked() {
            ctl.set_open(false);
            // Back to the launcher, so a keyboard user is not dropped at the top of the page.
            let launcher = ev
                .current_target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .and_then(|el| el.query_selector("button.launcher").ok().flatten())
                .and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b).ok());
            if let Some(b) = launcher {
                let _ = b.focus();
            }
        }
    };
    view! {
        <div class="baton" class:left=move || ctl.position() == Position::BottomLeft on:keydown=on_key>
            <section
                id="baton-panel"
                class="panel"
                class:handed=move || ctl.session.with(|s| s.escalated())
                role="dialog"
                aria-label=move || ctl.title.get()
                hidden=move || !ctl.open.get()
            >
                <div class="head">
                    <span class="avatar" aria-hidden="true">{crate::ui::icons::chat()}</span>
                    <h2>{move || ctl.title.get()}</h2>
                    <button
                        type="button"
                        class="end"
                        on:click=move |_| ctl.end()
                        hidden=move || ctl.session.with(|s| s.ended())
                    >
                        {s.end_chat}
                    </button>
                    <button type="button" class="x" aria-label=s.close_chat on:click=move |_| ctl.set_open(false)>
                        {crate::ui::icons::close()}
                    </button>
                </div>
                <MessageList/>
                <HandoffNotice/>
                <Csat/>
                <div class="foot">
                    <HumanButton/>
                    <Composer/>
                </div>
            </section>
            <Launcher/>
        </div>
    }
}
