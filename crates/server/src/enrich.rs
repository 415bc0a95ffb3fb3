//! Customer enrichment: what the server adds to `bundle.customer`, and only for a verified
//! identity. An unverified id is a claim anyone can type, so it never pulls a record.
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use baton_engine::Customer;
use serde::Deserialize;

use crate::config::{CrmHook, Site};
use crate::error::ApiError;
use crate::identity::user_hash_ok;
use crate::state::AppState;

/// How many earlier handoffs to attach as prior tickets.
const PRIOR_TICKETS: i64 = 10;

/// What a CRM answers for `GET {crm.url}` (every field optional).
#[derive(Debug, Default, Deserialize)]
struct CrmRecord {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    account_status: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    orders: Vec<serde_json::Value>,
}

/// Checks `user_hash`, clears fields only the server may fill, and fills them for a verified
/// customer from the store, the CRM hook and earlier handoffs.
pub async fn customer(
    state: &AppState,
    site: &Site,
    customer: &mut Customer,
) -> Result<(), ApiError> {
    // Server-only fields: whatever the browser put there is discarded.
    customer.verified = false;
    customer.orders.clear();
    customer.account_status = None;
    customer.prior_tickets.clear();
    let user_hash = customer.user_hash.take();

    let (Some(id), Some(hash)) = (customer.id.clone(), user_hash) else {
        return Ok(());
    };
    let verified = site
        .identity_secret
        .as_deref()
        .is_some_and(|secret| user_hash_ok(secret, &id, &hash));
    if !verified {
        state.metrics.identity_forged.fetch_add(1, Relaxed);
        return Ok(());
    }
    state.metrics.identity_verified.fetch_add(1, Relaxed);
    customer.verified = true;

    if let Some(record) = state.db.customer(&site.id, &id).await? {
        customer.email = record.email.or(customer.email.take());
        customer.name = record.name.or(customer.name.take());
        customer.account_status = record.account_status;
        customer.attributes.extend(record.attributes);
        customer.orders = record.orders;
    }
    if let Some(hook) = &site.crm {
        match crm_lookup(&state.http, hook, &id).await {
            Ok(Some(crm)) => {
                customer.email = crm.email.or(customer.email.take());
                customer.name = crm.name.or(customer.name.take());
                if crm.account_status.is_some() {
                    customer.account_status = crm.account_status;
                }
                customer.attributes.extend(crm.attributes);
                if !crm.orders.is_empty() {
                    customer.orders = crm.orders;
                }
            }
            Ok(None) => {}
            Err(err) => {
                state.metrics.crm_errors.fetch_add(1, Relaxed);
                tracing::warn!(site = %site.id, "CRM lookup failed: {err}");
            }
        }
    }
    let prior = state.db.prior_tickets(&site.id, &id, PRIOR_TICKETS).await?;
    customer.prior_tickets = prior
        .into_iter()
        .filter_map(|t| serde_json::to_value(t).ok())
        .collect();
    Ok(())
}

/// Looks the customer up in the site's CRM; `Ok(None)` for 404. Bounded by the hook's
/// timeout, so a slow CRM delays a handoff by at most that much and never fails it.
async fn crm_lookup(
    http: &reqwest::Client,
    hook: &CrmHook,
    id: &str,
) -> Result<Option<CrmRecord>, reqwest::Error> {
    let url = hook.url.replace("{id}", &percent_encode(id));
    let response = http
        .get(url)
        .timeout(Duration::from_millis(hook.timeout_ms))
        .send()
        .await?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let record = response.error_for_status()?.json::<CrmRecord>().await?;
    Ok(Some(record))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for a path segment.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
