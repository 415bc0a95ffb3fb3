//! The thin `localStorage` adapter: the transcript and the outbox survive a reload. Storage
//! can be missing or full (private mode, quota); the widget then works for this page view
//! only, so every call here is best-effort and never fails the caller.

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The storage key of one kind of record for a site.
pub(crate) fn key(site: &str, what: &str) -> String {
    format!("baton:{site}:{what}")
}

/// Reads a value.
pub(crate) fn load(key: &str) -> Option<String> {
    local()?.get_item(key).ok().flatten()
}

/// Writes a value (best-effort).
pub(crate) fn save(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

/// Removes a value (best-effort).
pub(crate) fn remove(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}

/// A seed for jitter and ids from the browser's CSPRNG-backed `Math.random`.
pub(crate) fn seed() -> u64 {
    let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (hi << 32) | lo
}
