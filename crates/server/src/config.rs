//! Site configuration: one TOML file per site, read and validated once at start-up.
//!
//! A bad file fails `baton serve` before it listens, naming the file and the key
//! (`site.toml: policy.currency: must be a three-letter ISO 4217 code`). Relative paths
//! inside a file (`kb`, `customers`, `routing`) are resolved against that file's directory.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use baton_engine::{Policy, RoutingRules};
use serde::{Deserialize, Serialize};

use crate::origin::OriginPattern;

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {kind}")]
pub struct ConfigError {
    /// The offending file.
    pub file: PathBuf,
    /// What is wrong, naming the key.
    pub kind: String,
}

/// The `[[webhooks]]` payload formats Baton can speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// The whole enriched bundle as JSON, for a helpdesk or any custom receiver.
    Helpdesk,
    /// A Slack incoming-webhook message (`{"text": …}`).
    Slack,
}

impl WebhookKind {
    /// Stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Helpdesk => "helpdesk",
            WebhookKind::Slack => "slack",
        }
    }

    /// Parses the stored name.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "helpdesk" => Some(WebhookKind::Helpdesk),
            "slack" => Some(WebhookKind::Slack),
            _ => None,
        }
    }
}

/// One webhook target.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Name shown in the console and the dead-letter list.
    pub name: String,
    /// Payload format.
    pub kind: WebhookKind,
    /// Target URL (http or https).
    pub url: String,
    /// Only forward handoffs routed to these queues (empty: all).
    #[serde(default)]
    pub queues: Vec<String>,
    /// Give up (dead-letter) after this many failed attempts.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

fn default_max_attempts() -> u32 {
    6
}

/// Optional lookup of a verified customer in the site's CRM.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmHook {
    /// URL with `{id}` replaced by the (URL-encoded) customer id.
    pub url: String,
    /// Give up after this long; the handoff goes on without CRM data.
    #[serde(default = "default_crm_timeout")]
    pub timeout_ms: u64,
}

fn default_crm_timeout() -> u64 {
    800
}

/// How long to keep what customers wrote.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Transcripts (bundles, messages, events) older than this are deleted. 0 keeps forever.
    #[serde(default)]
    pub transcript_days: u32,
}

/// An agent account seeded at start (demo and first run); the password is hashed with argon2.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSeed {
    /// Login email.
    pub email: String,
    /// Display name shown to the customer ("Alex").
    pub name: String,
    /// Plain password, for demos only; printed on start.
    pub password: String,
    /// Queues of this site the agent works; `["*"]` for all.
    #[serde(default)]
    pub queues: Vec<String>,
}

/// The TOML file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: String,
    name: String,
    #[serde(default)]
    greeting: Option<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    identity_secret: Option<String>,
    #[serde(default)]
    identity_secret_env: Option<String>,
    #[serde(default)]
    kb: Option<PathBuf>,
    #[serde(default)]
    customers: Option<PathBuf>,
    #[serde(default)]
    routing: Option<PathBuf>,
    #[serde(default)]
    policy: Policy,
    #[serde(default)]
    webhooks: Vec<Webhook>,
    #[serde(default)]
    crm: Option<CrmHook>,
    #[serde(default)]
    retention: Option<Retention>,
    #[serde(default)]
    limits: crate::ratelimit::Limits,
    #[serde(default)]
    agents: Vec<AgentSeed>,
}

/// One knowledge-base article, as the widget's responder ranks it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Stable id; bot answers cite it as `kb:<id>`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Plain-text body.
    pub body: String,
    /// Link to the full article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Tags that help ranking.
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    articles: Vec<Article>,
}

/// A customer record in the server's store, seeded from `customers` (demo) or a CRM import.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRecord {
    /// The site's own customer id.
    pub id: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `suspended`, `closed`, …
    #[serde(default)]
    pub account_status: Option<String>,
    /// Plan, lifetime value, …
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Orders, newest first.
    #[serde(default)]
    pub orders: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomersFile {
    customers: Vec<CustomerRecord>,
}

/// A validated site.
#[derive(Debug)]
pub struct Site {
    /// Site id (`data-site`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// First bot message.
    pub greeting: String,
    /// Origins allowed to call `/v1` for this site.
    pub allowed_origins: Vec<OriginPattern>,
    /// HMAC key for `user_hash`; `None` means no identity can be verified.
    pub identity_secret: Option<Vec<u8>>,
    /// Engine policy, routing rules included.
    pub policy: Policy,
    /// Knowledge base.
    pub kb: Vec<Article>,
    /// `{"articles":[…]}` serialized once, served as is.
    pub kb_json: bytes::Bytes,
    /// `{"site","name","greeting","policy"}` serialized once, served as is.
    pub config_json: bytes::Bytes,
    /// Customer records to seed into the store.
    pub customers: Vec<CustomerRecord>,
    /// Webhook targets.
    pub webhooks: Vec<Webhook>,
    /// CRM lookup hook.
    pub crm: Option<CrmHook>,
    /// Retention policy.
    pub retention: Option<Retention>,
    /// Ingest rate limits (`[limits]`).
    pub limits: crate::ratelimit::Limits,
    /// Agent accounts to seed.
    pub agents: Vec<AgentSeed>,
}

impl Site {
    /// The routing rules in force.
    pub fn rules(&self) -> &RoutingRules {
        &self.policy.routing
    }

    /// Whether `origin` (an `Origin` header value) may call this site's endpoints.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|p| p.matches(origin))
    }
}

/// Every configured site, by id.
#[derive(Debug, Default)]
pub struct Sites {
    by_id: BTreeMap<String, Arc<Site>>,
}

impl Sites {
    /// Loads and validates every file; two files with one site id is an error.
    pub fn load(files: &[PathBuf]) -> Result<Self, ConfigError> {
        let mut by_id = BTreeMap::new();
        for file in files {
            let site = load_site(file)?;
            if by_id.contains_key(&site.id) {
                return Err(ConfigError {
                    file: file.clone(),
                    kind: format!("id: site `{}` is configured twice", site.id),
                });
            }
            by_id.insert(site.id.clone(), Arc::new(site));
        }
        Ok(Sites { by_id })
    }

    /// A site by id.
    pub fn get(&self, id: &str) -> Option<&Arc<Site>> {
        self.by_id.get(id)
    }

    /// Every site, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Site>> {
        self.by_id.values()
    }

    /// Whether any site allows `origin` (CORS answers before the site is known).
    pub fn any_allows_origin(&self, origin: &str) -> bool {
        self.by_id.values().any(|s| s.allows_origin(origin))
    }
}

fn load_site(file: &Path) -> Result<Site, ConfigError> {
    let err = |kind: String| ConfigError {
        file: file.to_owned(),
        kind,
    };
    let text = std::fs::read_to_string(file).map_err(|e| err(format!("cannot read: {e}")))?;
    let raw: RawSite = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let resolve = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_owned()
        } else {
            dir.join(p)
        }
    };

    if raw.id.is_empty()
        || raw.id.len() > 64
        || !raw
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(err(
            "id: must be 1-64 characters of letters, digits, `-` or `_`".into(),
        ));
    }
    let mut allowed_origins = Vec::new();
    for (i, o) in raw.allowed_origins.iter().enumerate() {
        let pattern = OriginPattern::parse(o)
            .map_err(|kind| err(format!("allowed_origins[{i}]: `{o}`: {kind}")))?;
        allowed_origins.push(pattern);
    }
    let identity_secret = match (&raw.identity_secret, &raw.identity_secret_env) {
        (Some(_), Some(_)) => {
            return Err(err(
                "identity_secret and identity_secret_env: set only one".into()
            ))
        }
        (Some(s), None) => Some(s.as_bytes().to_vec()),
        (None, Some(var)) => Some(
            std::env::var(var)
                .map_err(|_| err(format!("identity_secret_env: variable `{var}` is not set")))?
                .into_bytes(),
        ),
        (None, None) => None,
    };
    if identity_secret.as_ref().is_some_and(|s| s.len() < 16) {
        return Err(err("identity_secret: must be at least 16 bytes".into()));
    }

    let mut policy = raw.policy;
    if let Some(routing) = &raw.routing {
        let path = resolve(routing);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| err(format!("routing: cannot read {}: {e}", path.display())))?;
        policy.routing = crate::verify::routing_from_toml(&text)
            .map_err(|e| err(format!("routing: {}: {e}", path.display())))?;
    }
    policy
        .validate()
        .map_err(|e| err(format!("policy.{}: {}", e.field, e.kind)))?;

    let kb = match &raw.kb {
        Some(p) => {
            let path = resolve(p);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(format!("kb: cannot read {}: {e}", path.display())))?;
            let kb: KbFile = serde_json::from_str(&text)
                .map_err(|e| err(format!("kb: {}: {e}", path.display())))?;
            kb.articles
        }
        None => Vec::new(),
    };
    let customers = match &raw.customers {
        Some(p) => {
            let path = resolve(p);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(format!("customers: cannot read {}: {e}", path.display())))?;
            let file: CustomersFile = serde_json::from_str(&text)
                .map_err(|e| err(format!("customers: {}: {e}", path.display())))?;
            file.customers
        }
        None => Vec::new(),
    };
    for (i, w) in raw.webhooks.iter().enumerate() {
        if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
            return Err(err(format!("webhooks[{i}].url: must be an http(s) URL")));
        }
        if w.max_attempts == 0 {
            return Err(err(format!(
                "webhooks[{i}].max_attempts: must be at least 1"
            )));
        }
    }
    if let Some(crm) = &raw.crm {
        if !(crm.url.starts_with("http://") || crm.url.starts_with("https://")) {
            return Err(err("crm.url: must be an http(s) URL".into()));
        }
    }

    let greeting = raw
        .greeting
        .unwrap_or_else(|| format!("Hi! How can {} help you today?", raw.name));
    // Serialized from a struct, not `json!`: `json!` widens f32 to f64 (0.6 → 0.6000000238).
    #[derive(Serialize)]
    struct ConfigOut<'a> {
        site: &'a str,
        name: &'a str,
        greeting: &'a str,
        policy: &'a Policy,
    }
    let config_json = serde_json::to_vec(&ConfigOut {
        site: &raw.id,
        name: &raw.name,
        greeting: &greeting,
        policy: &policy,
    })
    .map_err(|e| err(format!("policy: cannot serialize: {e}")))?;
    #[derive(Serialize)]
    struct KbOut<'a> {
        articles: &'a [Article],
    }
    let kb_json = serde_json::to_vec(&KbOut { articles: &kb })
        .map_err(|e| err(format!("kb: cannot serialize: {e}")))?;

    Ok(Site {
        id: raw.id,
        name: raw.name,
        greeting,
        allowed_origins,
        identity_secret,
        policy,
        kb,
        kb_json: kb_json.into(),
        config_json: config_json.into(),
        customers,
        webhooks: raw.webhooks,
        crm: raw.crm,
        retention: raw.retention,
        limits: raw.limits,
        agents: raw.agents,
    })
}
