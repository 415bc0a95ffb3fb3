//! The agent console over real HTTP: login, sessions, CSRF, brute force, queue membership,
//! escaping of customer-controlled text, claim/reply/close.
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::util::{bundle, new_id, post_json, Server, Sink, SiteOptions};

/// Ada works every queue; Bob only `returns-only`, a queue the test bundle never routes to.
pub const ADA: (&str, &str) = ("ada@agents.test", "ada-correct-horse");
pub const BOB: (&str, &str) = ("bob@agents.test", "bob-battery-staple");

/// The test site with two agents.
pub fn start() -> Server {
    start_with(SiteOptions::default())
}

/// The test site with two agents and `opts` (webhooks).
pub fn start_with(opts: SiteOptions) -> Server {
    Server::start_with(SiteOptions {
        extra: format!(
            r#"
[[agents]]
email = "{}"
name = "Ada"
password = "{}"
queues = ["*"]

[[agents]]
email = "{}"
name = "Bob"
password = "{}"
queues = ["returns-only"]
"#,
            ADA.0, ADA.1, BOB.0, BOB.1
        ),
        ..opts
    })
}

/// A browser stand-in: keeps the session cookie, never follows redirects.
pub struct Agent {
    http: reqwest::Client,
    base: String,
    pub session: Option<String>,
}

/// A response as the tests look at it.
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The first `name="csrf"` hidden field of the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no csrf field in:\n{}", self.body));
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// Value of a `Set-Cookie` for `name`, if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                let first = c.split(';').next()?;
                let (k, v) = first.split_once('=')?;
                (k == name && !v.is_empty()).then(|| v.to_owned())
            })
    }
}

async fn page(resp: reqwest::Response) -> Page {
    Page {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

impl Agent {
    pub fn new(s: &Server) -> Agent {
        Agent {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.base.clone(),
            session: None,
        }
    }

    fn cookie_header(&self, extra: Option<String>) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = &self.session {
            parts.push(format!("baton_session={s}"));
        }
        parts.extend(extra);
        parts.join("; ")
    }

    /// Fetches the login form, then posts it. Returns the answer to the POST.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        self.login_with(email, password, &[]).await
    }

    /// `login` with extra request headers on the POST.
    pub async fn login_with(
        &mut self,
        email: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> Page {
        let form = page(
            self.http
                .get(format!("{}/console/login", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let login_cookie = form.cookie("baton_login").expect("login cookie");
        let mut req = self
            .http
            .post(format!("{}/console/login", self.base))
            .header(
                "Cookie",
                self.cookie_header(Some(format!("baton_login={login_cookie}"))),
            )
            .form(&[
                ("csrf", form.csrf().as_str()),
                ("email", email),
                ("password", password),
            ]);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let answer = page(req.send().await.unwrap()).await;
        if let Some(s) = answer.cookie("baton_session") {
            self.session = Some(s);
        }
        answer
    }

    pub async fn get(&self, path: &str) -> Page {
        page(
            self.http
                .get(format!("{}{path}", self.base))
                .header("Cookie", self.cookie_header(None))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header(None))
            .form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        page(req.send().await.unwrap()).await
    }

    /// A raw request with this agent's cookie (for streams).
    pub fn request(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header(None))
    }
}

/// Posts a handoff; returns (handoff id, conversation id, queue, customer token).
pub async fn handoff(s: &Server, b: &Value) -> (String, String, String, String) {
    let (status, _, body) =
        post_json(&reqwest::Client::new(), &s.url("/v1/handoffs"), b, None).await;
    assert_eq!(status, 201, "{body}");
    (
        b["id"].as_str().unwrap().to_owned(),
        b["conversation_id"].as_str().unwrap().to_owned(),
        body["route"]["queue"].as_str().unwrap().to_owned(),
        body["customer_token"].as_str().unwrap().to_owned(),
    )
}

/// A bundle whose customer asks for a person in words, so the reason carries a text span.
pub fn worded_bundle() -> Value {
    use baton_engine::{BundleMeta, Conversation, Customer, Decision, Millis, Page, Policy};
    let mut c = Conversation::new(Policy::default());
    let t0 = 1_764_000_000_000u64;
    let d = c.customer_message(
        Millis(t0),
        "My tent pole broke, I want to talk to a human please",
    );
    assert!(matches!(d, Decision::Escalate { .. }), "{d:?}");
    let b = c.bundle(BundleMeta {
        id: new_id(),
        created_at: Millis(t0 + 1_000),
        site: crate::util::SITE.to_owned(),
        conversation_id: new_id(),
        page: Page {
            url: "https://shop.example/tents".into(),
            title: "Tents".into(),
            locale: "en".into(),
        },
        customer: Customer::default(),
    });
    serde_json::to_value(b).unwrap()
}

/// A fresh handoff from the engine-built test bundle.
pub async fn new_handoff(s: &Server) -> (String, String, String, String) {
    handoff(s, &bundle(&new_id(), &new_id())).await
}

#[tokio::test]
async fn login_succeeds_with_the_right_password_only() {
    let s = start();
    let mut a = Agent::new(&s);
    let wrong = a.login(ADA.0, "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.cookie("baton_session").is_none());
    assert!(wrong.body.contains("Wrong email or password"));
    let unknown = a.login("nobody@agents.test", ADA.1).await;
    assert_eq!(unknown.status, 401);

    let ok = a.login(ADA.0, ADA.1).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), Some("/console"));
    let set = ok
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("baton_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );

    let home = a.get("/console").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Ada"));
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!home.body.contains("<script>"), "no inline script");

    let logout = a.post("/console/logout", &[("csrf", &home.csrf())]).await;
    assert_eq!(logout.status, 303);
    assert_eq!(a.get("/console").await.status, 303, "the session is gone");
    assert!(!set.contains("Secure"), "plain HTTP: {set}");

    // Behind a TLS-terminating proxy the session cookie is Secure.
    let tls = a
        .login_with(ADA.0, ADA.1, &[("X-Forwarded-Proto", "https")])
        .await;
    let set = tls
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("baton_session="))
        .unwrap();
    assert!(set.contains("; Secure"), "{set}");
}

#[tokio::test]
async fn every_console_page_requires_a_session() {
    let s = start();
    let (id, _, queue, _) = new_handoff(&s).await;
    let mut anon = Agent::new(&s);
    for path in [
        "/console".to_owned(),
        "/console/dashboard".to_owned(),
        format!("/console/queues/testshop/{queue}"),
        format!("/console/handoffs/{id}"),
        format!("/console/handoffs/{id}/live"),
    ] {
        let p = anon.get(&path).await;
        assert_eq!(p.status, 303, "{path}");
        assert_eq!(p.location(), Some("/console/login"), "{path}");
    }
    let p = anon
        .post(&format!("/console/handoffs/{id}/claim"), &[("csrf", "x")])
        .await;
    assert_eq!(p.status, 303);
    anon.session = Some("forged-session-value".into());
    assert_eq!(anon.get("/console").await.status, 303);

    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let view = ada.get(&format!("/console/handoffs/{id}")).await;
    assert!(view.body.contains("Claim conversation"), "still unclaimed");
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let s = start();
    let (id, _, _, _) = new_handoff(&s).await;
    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let view = ada.get(&format!("/console/handoffs/{id}")).await;
    let csrf = view.csrf();
    let claim = format!("/console/handoffs/{id}/claim");

    assert_eq!(ada.post(&claim, &[]).await.status, 403);
    assert_eq!(ada.post(&claim, &[("csrf", "guess")]).await.status, 403);
    let cross = ada
        .post_with(
            &claim,
            &[("csrf", &csrf)],
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, 403, "cross-origin POST with a valid token");
    // Another agent's token does not work in this session either.
    let mut bob = Agent::new(&s);
    bob.login(BOB.0, BOB.1).await;
    let bobs = bob.get("/console").await.csrf();
    assert_eq!(ada.post(&claim, &[("csrf", &bobs)]).await.status, 403);
    assert!(ada
        .get(&format!("/console/handoffs/{id}"))
        .await
        .body
        .contains("Claim conversation"));

    // The login form has its own token (double submit): a forged login POST fails.
    let forged = reqwest::Client::new()
        .post(s.url("/console/login"))
        .form(&[("csrf", "x"), ("email", ADA.0), ("password", ADA.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let ok = ada.post(&claim, &[("csrf", &csrf)]).await;
    assert_eq!(ok.status, 303);
}

#[tokio::test]
async fn brute_force_logins_are_slowed_then_refused() {
    let s = start();
    let mut attacker = Agent::new(&s);
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(attacker.login(ADA.0, "guess").await.status, 401);
    }
    let spent = started.elapsed();
    // 250 + 500 + 1000 + 2000 + 2000 ms of added delay.
    assert!(spent >= Duration::from_millis(5_500), "{spent:?}");
    let locked = attacker.login(ADA.0, ADA.1).await;
    assert_eq!(locked.status, 429, "even the right password waits");
    assert!(locked.headers.contains_key("retry-after"));
    assert!(locked.cookie("baton_session").is_none());
    // Other accounts are not locked out by attacks on Ada.
    let mut bob = Agent::new(&s);
    assert_eq!(bob.login(BOB.0, BOB.1).await.status, 303);
}

#[tokio::test]
async fn agents_only_see_their_own_queues() {
    let s = start();
    let (id, _, queue, _) = new_handoff(&s).await;
    assert_ne!(queue, "returns-only");
    let mut bob = Agent::new(&s);
    bob.login(BOB.0, BOB.1).await;
    let home = bob.get("/console").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("returns-only"));
    assert!(!home
        .body
        .contains(&format!("/console/queues/testshop/{queue}")));
    assert_eq!(
        bob.get(&format!("/console/queues/testshop/{queue}"))
            .await
            .status,
        403
    );
    assert_eq!(
        bob.get(&format!("/console/handoffs/{id}")).await.status,
        403
    );
    assert_eq!(
        bob.get(&format!("/console/handoffs/{id}/live"))
            .await
            .status,
        403
    );
    let csrf = home.csrf();
    let claim = bob
        .post(&format!("/console/handoffs/{id}/claim"), &[("csrf", &csrf)])
        .await;
    assert_eq!(claim.status, 403);
    assert_eq!(
        bob.get("/console/queues/othersite/returns-only")
            .await
            .status,
        403
    );

    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let q = ada.get(&format!("/console/queues/testshop/{queue}")).await;
    assert_eq!(q.status, 200);
    assert!(q.body.contains(&format!("/console/handoffs/{id}")));
    assert_eq!(
        ada.get(&format!("/console/handoffs/{id}")).await.status,
        200
    );
}

/// Payloads from the XSS corpus: tags, attribute breakouts, SVG, javascript: URLs.
const XSS: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "'><iframe src=javascript:alert(1)>",
    "</textarea><script>alert(2)</script>",
];

fn hostile_bundle() -> Value {
    let mut b = bundle(&new_id(), &new_id());
    let all = XSS.join(" ");
    b["customer"]["name"] = Value::String(format!("Eve {}", XSS[1]));
    b["customer"]["email"] = Value::String(format!("{}@x.example", XSS[2]));
    b["customer"]["attributes"]["plan"] = Value::String(XSS[3].into());
    b["page"]["title"] = Value::String(format!("Tents {}", XSS[0]));
    b["page"]["url"] = Value::String(format!("https://shop.example/?q={}", XSS[1]));
    b["transcript"][0]["text"] = Value::String(format!("My tent pole snapped {all}"));
    b
}

fn assert_escaped(html: &str, what: &str) {
    for p in XSS {
        assert!(!html.contains(p), "{what}: raw payload {p:?} in page");
    }
    for raw in ["<script>alert", "<img src=x", "<svg/onload", "<iframe"] {
        assert!(!html.contains(raw), "{what}: {raw:?} unescaped");
    }
}

#[tokio::test]
async fn customer_text_is_escaped_in_console_and_dashboard() {
    let s = start();
    let (id, cid, queue, token) = handoff(&s, &hostile_bundle()).await;
    let sent = post_json(
        &reqwest::Client::new(),
        &s.url(&format!("/v1/conversations/{cid}/messages")),
        &serde_json::json!({"token": token, "text": XSS.join(" ")}),
        None,
    )
    .await;
    assert_eq!(sent.0, 202);
    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;

    let view = ada.get(&format!("/console/handoffs/{id}")).await;
    assert_eq!(view.status, 200);
    assert_escaped(&view.body, "handoff view");
    assert!(view.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(view
        .body
        .contains("Eve &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));

    let q = ada.get(&format!("/console/queues/testshop/{queue}")).await;
    assert_escaped(&q.body, "queue page");
    assert!(q.body.contains("Eve &quot;&gt;&lt;img"));

    let dash = ada.get("/console/dashboard").await;
    assert_eq!(dash.status, 200);
    assert_escaped(&dash.body, "dashboard");
    assert!(
        dash.body
            .contains("Tents &lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile page title is shown, escaped"
    );
}

#[tokio::test]
async fn claim_reply_close_and_the_clean_handoff_rate() {
    let s = start();
    let (id, _, _, _) = handoff(&s, &worded_bundle()).await;
    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let path = format!("/console/handoffs/{id}");
    let csrf = ada.get(&path).await.csrf();

    let early = ada
        .post(&format!("{path}/reply"), &[("csrf", &csrf), ("text", "hi")])
        .await;
    assert_eq!(early.status, 409, "replying needs a claim");
    assert_eq!(
        ada.post(&format!("{path}/claim"), &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert_eq!(
        ada.post(&format!("{path}/claim"), &[("csrf", &csrf)])
            .await
            .status,
        409,
        "claimed once"
    );
    let reply = ada
        .post_with(
            &format!("{path}/reply"),
            &[("csrf", &csrf), ("text", "Hello from Ada")],
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let blank = ada
        .post(
            &format!("{path}/reply"),
            &[("csrf", &csrf), ("text", "   ")],
        )
        .await;
    assert_eq!(blank.status, 400);

    let view = ada.get(&path).await;
    // Reasons come before the summary, the attempts, the customer and the transcript.
    let at = |needle: &str| {
        view.body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("<h2>Why this reached you</h2>") < at("<h2>Summary</h2>"));
    assert!(at("<h2>Summary</h2>") < at("<h2>What the bot tried</h2>"));
    assert!(at("<h2>What the bot tried</h2>") < at("<h2>Customer"));
    assert!(at("<h2>Customer") < at("<h2>Conversation</h2>"));
    assert!(
        view.body.contains("<mark>"),
        "the evidence span is highlighted"
    );
    assert!(view.body.contains("Hello from Ada"), "replies are stored");
    assert!(view
        .body
        .contains("Did you have to ask the customer to repeat anything?"));

    let unanswered = ada.post(&format!("{path}/close"), &[("csrf", &csrf)]).await;
    assert_eq!(unanswered.status, 400, "closing needs the answer");
    let closed = ada
        .post(
            &format!("{path}/close"),
            &[("csrf", &csrf), ("repeat", "no")],
        )
        .await;
    assert_eq!(closed.status, 303);
    let dash = ada.get("/console/dashboard").await;
    assert!(dash
        .body
        .contains("100 % of closed handoffs needed nothing repeated (1 of 1)"));
}

#[tokio::test]
async fn dead_lettered_webhooks_are_listed_on_the_dashboard() {
    let sink = Sink::start(500).await;
    let s = start_with(SiteOptions {
        webhooks: format!(
            "[[webhooks]]\nname = \"desk\"\nkind = \"helpdesk\"\nurl = \"{}\"\nmax_attempts = 1\n",
            sink.url
        ),
        ..SiteOptions::default()
    });
    let (id, _, _, _) = new_handoff(&s).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.metric("baton_webhook_dead_letters ").await < 1.0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let dash = ada.get("/console/dashboard").await;
    let section = &dash.body[dash.body.find("dead-letters").expect("section")..];
    assert!(
        section.contains(&format!("/console/handoffs/{id}")),
        "{section}"
    );
    assert!(section.contains("<td>desk</td>"));
}
