//! How times, durations and trigger names read on console pages.
use baton_engine::Trigger;

/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;

/// "just now", "4 min", "2 h 5 min", "3 d 4 h".
pub fn waited(ms: i64) -> String {
    let mins = ms.max(0) / 60_000;
    match mins {
        0 => "just now".to_owned(),
        1..=59 => format!("{mins} min"),
        60..=1439 => format!("{} h {} min", mins / 60, mins % 60),
        _ => format!("{} d {} h", mins / 1440, (mins % 1440) / 60),
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Nov 25" for a day number.
pub fn day_label(day: i64) -> String {
    let (_, m, d) = civil(day);
    format!("{} {d}", MONTHS[(m as usize).saturating_sub(1) % 12])
}

/// "2026-11-25 14:03 UTC" for Unix ms.
pub fn timestamp(ms: i64) -> String {
    let (y, m, d) = civil(ms.div_euclid(DAY_MS));
    let in_day = ms.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{y}-{m:02}-{d:02} {:02}:{:02} UTC",
        in_day / 60,
        in_day % 60
    )
}

/// "14:03" for Unix ms.
pub fn clock(ms: i64) -> String {
    let in_day = ms.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", in_day / 60, in_day % 60)
}

/// What an agent reads for a trigger.
pub fn trigger_label(t: Trigger) -> &'static str {
    match t {
        Trigger::HumanRequest => "Asked for a person",
        Trigger::Restatement => "Bot failed twice",
        Trigger::LowConfidence => "Bot was unsure",
        Trigger::Frustration => "Frustrated",
        Trigger::HighRisk => "High-risk request",
    }
}

/// Stable CSS class suffix for a trigger.
pub fn trigger_class(t: Trigger) -> &'static str {
    match t {
        Trigger::HumanRequest => "human_request",
        Trigger::Restatement => "restatement",
        Trigger::LowConfidence => "low_confidence",
        Trigger::Frustration => "frustration",
        Trigger::HighRisk => "high_risk",
    }
}

/// Every trigger, in display order.
pub const TRIGGERS: [Trigger; 5] = [
    Trigger::HumanRequest,
    Trigger::Restatement,
    Trigger::LowConfidence,
    Trigger::Frustration,
    Trigger::HighRisk,
];

/// Splits `text` at a character span (the engine's `Span` counts Unicode scalar values),
/// clamped to the text: `(before, marked, after)`.
pub fn split_span(text: &str, start: u32, end: u32) -> (&str, &str, &str) {
    let byte_at = |n: u32| {
        text.char_indices()
            .nth(n as usize)
            .map_or(text.len(), |(i, _)| i)
    };
    let s = byte_at(start);
    let e = byte_at(end.max(start)).max(s);
    (&text[..s], &text[s..e], &text[e..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_417), (2025, 11, 25));
        assert_eq!(timestamp(1_764_079_380_000), "2025-11-25 14:03 UTC");
        assert_eq!(day_label(20_417), "Nov 25");
    }

    #[test]
    fn durations() {
        assert_eq!(waited(10_000), "just now");
        assert_eq!(waited(4 * 60_000), "4 min");
        assert_eq!(waited(125 * 60_000), "2 h 5 min");
        assert_eq!(waited((3 * 1440 + 4 * 60) * 60_000), "3 d 4 h");
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        assert_eq!(split_span("héllo wörld", 6, 11), ("héllo ", "wörld", ""));
        assert_eq!(split_span("abc", 1, 99), ("a", "bc", ""));
        assert_eq!(split_span("abc", 5, 2), ("abc", "", ""));
    }
}
