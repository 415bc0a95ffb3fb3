//! The browser's wall clock, read in one place so everything else takes `now` as an argument
//! (the engine owns no clock, and the pure modules here are tested with a virtual one).
use baton_engine::Millis;

/// Unix time in milliseconds from `Date.now()`.
pub(crate) fn now() -> Millis {
    // Date.now() is a non-negative integral f64 well inside u64 range.
    Millis(js_sys::Date::now() as u64)
}

/// A high-resolution timestamp for performance marks (`performance.now()`), 0 if unavailable.
pub(crate) fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}
