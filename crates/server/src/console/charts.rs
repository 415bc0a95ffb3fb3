//! SVG charts drawn on the server: no script, no external file, styled by class from
//! `console.css` (presentation attributes only — inline `style` would break the CSP).
use maud::{html, Markup};

/// Plot area of the time charts (viewBox units).
const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 62.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

fn x_of(i: usize, n: usize) -> f64 {
    let step = (W - LEFT - 10.0) / n.max(1) as f64;
    LEFT + step * (i as f64 + 0.5)
}

fn y_of(v: f64, max: f64) -> f64 {
    let h = H - TOP - BOTTOM;
    TOP + h - (v / max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0) * h
}

/// Every `k`-th day label so they never overlap.
fn label_every(n: usize) -> usize {
    n.div_ceil(7).max(1)
}

/// One day of conversations: handled by the bot alone vs escalated.
pub struct DayBar {
    /// "Nov 25".
    pub label: String,
    /// Conversations that stayed with the bot.
    pub bot: i64,
    /// Conversations handed to a person.
    pub escalated: i64,
}

/// Stacked bars per day.
pub fn stacked_days(days: &[DayBar], title: &str) -> Markup {
    // A multiple of 4, so the four grid steps are whole numbers.
    let top = days
        .iter()
        .map(|d| d.bot + d.escalated)
        .max()
        .unwrap_or(0)
        .max(1);
    let max = (top + 3) / 4 * 4;
    let max = max as f64;
    let n = days.len();
    let bw = ((W - LEFT - 10.0) / n.max(1) as f64 * 0.62).max(2.0);
    let every = label_every(n);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(title) {
            title { (title) }
            (grid(max, false))
            @for (i, d) in days.iter().enumerate() {
                @let x = x_of(i, n) - bw / 2.0;
                @let y_total = y_of((d.bot + d.escalated) as f64, max);
                @let y_esc = y_of(d.escalated as f64, max);
                @let base = y_of(0.0, max);
                rect.bot x=(fmt(x)) y=(fmt(y_total)) width=(fmt(bw)) height=(fmt(y_esc - y_total)) {
                    title { (d.label) ": " (d.bot) " with the bot only" }
                }
                rect.esc x=(fmt(x)) y=(fmt(y_esc)) width=(fmt(bw)) height=(fmt(base - y_esc)) {
                    title { (d.label) ": " (d.escalated) " handed to a person" }
                }
                @if (n - 1 - i).is_multiple_of(every) {
                    text.axis x=(fmt(x_of(i, n))) y=(fmt(H - 6.0)) text-anchor="middle" { (d.label) }
                }
            }
        }
    }
}

/// A percentage per day (None = no data that day), with an optional goal band.
pub fn percent_line(
    labels: &[String],
    values: &[Option<f64>],
    band: Option<(f64, f64)>,
    title: &str,
) -> Markup {
    let n = values.len();
    let every = label_every(n);
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x_of(i, n), y_of(v, 1.0))))
        .collect();
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{},{}", if i == 0 { "M" } else { "L" }, fmt(*x), fmt(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(title) {
            title { (title) }
            @if let Some((lo, hi)) = band {
                rect.band x=(fmt(LEFT)) y=(fmt(y_of(hi, 1.0))) width=(fmt(W - LEFT - 10.0)) height=(fmt(y_of(lo, 1.0) - y_of(hi, 1.0))) {
                    title { "goal: " (fmt_pct(lo)) "–" (fmt_pct(hi)) }
                }
                text.bandlabel x=(fmt(W - 14.0)) y=(fmt(y_of(hi, 1.0) + 12.0)) text-anchor="end" { "goal " (fmt_pct(lo)) "–" (fmt_pct(hi)) }
            }
            (grid(1.0, true))
            @if !path.is_empty() { path.line d=(path) {} }
            @for (i, v) in values.iter().enumerate() {
                @if let Some(v) = v {
                    circle.dot cx=(fmt(x_of(i, n))) cy=(fmt(y_of(*v, 1.0))) r="3" {
                        title { (labels.get(i).map(String::as_str).unwrap_or("")) ": " (fmt_pct(*v)) }
                    }
                }
            }
            @for (i, l) in labels.iter().enumerate() {
                @if (n - 1 - i).is_multiple_of(every) {
                    text.axis x=(fmt(x_of(i, n))) y=(fmt(H - 6.0)) text-anchor="middle" { (l) }
                }
            }
        }
    }
}

fn grid(max: f64, percent: bool) -> Markup {
    html! {
        @for k in 0..=4 {
            @let v = max * f64::from(k) / 4.0;
            @let y = y_of(v, max);
            line.grid x1=(fmt(LEFT)) x2=(fmt(W - 10.0)) y1=(fmt(y)) y2=(fmt(y)) {}
            text.axis x=(fmt(LEFT - 6.0)) y=(fmt(y + 4.0)) text-anchor="end" {
                @if percent { (fmt_pct(v)) } @else { (format!("{}", v.round() as i64)) }
            }
        }
    }
}

/// Horizontal bars with a label and a count each.
pub fn hbars(items: &[(String, String, i64)], title: &str) -> Markup {
    let max = items.iter().map(|i| i.2).max().unwrap_or(0).max(1) as f64;
    let row = 30.0;
    let h = (items.len().max(1) as f64) * row + 6.0;
    let label_w = 200.0;
    let bar_w = W - label_w - 60.0;
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(title) {
            title { (title) }
            @for (i, (class, label, count)) in items.iter().enumerate() {
                @let y = i as f64 * row + 6.0;
                text.label x="0" y=(fmt(y + 15.0)) { (label) }
                rect.track x=(fmt(label_w)) y=(fmt(y + 2.0)) width=(fmt(bar_w)) height="18" rx="4" {}
                rect class=(format!("hbar {class}")) x=(fmt(label_w)) y=(fmt(y + 2.0)) width=(fmt((*count as f64 / max * bar_w).max(if *count > 0 { 3.0 } else { 0.0 }))) height="18" rx="4" {}
                text.value x=(fmt(label_w + bar_w + 8.0)) y=(fmt(y + 15.0)) { (count) }
            }
        }
    }
}

/// One share (0–1) as a bar over a track, with optional goal band.
pub fn meter(value: Option<f64>, band: Option<(f64, f64)>, title: &str) -> Markup {
    let w = W - 20.0;
    html! {
        svg.chart.meter viewBox=(format!("0 0 {W} 46")) role="img" aria-label=(title) {
            title { (title) }
            rect.track x="10" y="8" width=(fmt(w)) height="22" rx="6" {}
            @if let Some((lo, hi)) = band {
                rect.band x=(fmt(10.0 + lo * w)) y="4" width=(fmt((hi - lo) * w)) height="30" rx="4" {}
            }
            @if let Some(v) = value {
                rect.fill x="10" y="8" width=(fmt(v.clamp(0.0, 1.0) * w)) height="22" rx="6" {}
            }
            text.axis x="10" y="44" { "0 %" }
            text.axis x=(fmt(10.0 + w)) y="44" text-anchor="end" { "100 %" }
        }
    }
}

/// Average CSAT (1–5) for two groups side by side.
pub fn csat_pair(groups: &[(&str, Option<f64>, i64)], title: &str) -> Markup {
    let row = 40.0;
    let h = groups.len() as f64 * row + 10.0;
    let label_w = 200.0;
    let bar_w = W - label_w - 110.0;
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(title) {
            title { (title) }
            @for (i, (label, avg, n)) in groups.iter().enumerate() {
                @let y = i as f64 * row + 8.0;
                text.label x="0" y=(fmt(y + 17.0)) { (label) }
                rect.track x=(fmt(label_w)) y=(fmt(y + 4.0)) width=(fmt(bar_w)) height="20" rx="4" {}
                @if let Some(avg) = avg {
                    rect class=(format!("hbar csat{i}")) x=(fmt(label_w)) y=(fmt(y + 4.0)) width=(fmt((avg / 5.0).clamp(0.0, 1.0) * bar_w)) height="20" rx="4" {}
                    text.value x=(fmt(label_w + bar_w + 8.0)) y=(fmt(y + 18.0)) { (format!("{avg:.1}")) " / 5 (" (n) ")" }
                } @else {
                    text.value x=(fmt(label_w + bar_w + 8.0)) y=(fmt(y + 18.0)) { "no ratings" }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// "62 %".
pub fn fmt_pct(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}
