//! The embed contract: the script tag's `data-*` attributes → `EmbedConfig`, and the
//! `window.Baton(...)` command queue → `enum Command`. Everything from the host page is
//! untrusted input, so every field is validated here and nothing else re-parses it.
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::i18n::Locale;

/// Which corner the launcher sits in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// Bottom right (default).
    #[default]
    BottomRight,
    /// Bottom left.
    BottomLeft,
}

/// A brand colour, `#rrggbb`, validated so it can be put into CSS without injection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color {
    r: u8,
    g: u8,
    b: u8,
}

impl Color {
    /// Parses `#rgb` or `#rrggbb`.
    pub fn parse(s: &str) -> Option<Color> {
        let hex = s.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            3 => Some(Color {
                r: digit(0)? * 17,
                g: digit(1)? * 17,
                b: digit(2)? * 17,
            }),
            6 => Some(Color {
                r: pair(0)?,
                g: pair(2)?,
                b: pair(4)?,
            }),
            _ => None,
        }
    }

    /// `#rrggbb`.
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }

    /// Text colour on this background (white or near-black) with the better WCAG contrast,
    /// so a site owner's pale brand colour still gives readable buttons.
    pub fn on_color(self) -> &'static str {
        let l = self.luminance();
        let white = 1.05 / (l + 0.05);
        let dark = (l + 0.05) / (0.0137 + 0.05); // #1a1a1a
        if white >= dark {
            "#ffffff"
        } else {
            "#1a1a1a"
        }
    }
}

/// The widget's configuration, validated once from the script tag.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedConfig {
    /// Site id (`data-site`).
    pub site: String,
    /// API base URL without trailing slash (`data-endpoint`, e.g. `https://x/v1`).
    pub endpoint: String,
    /// Brand colour (`data-color`).
    pub color: Option<Color>,
    /// Launcher corner (`data-position`: `right` | `left`).
    pub position: Position,
    /// Greeting override (`data-greeting`).
    pub greeting: Option<String>,
    /// UI language (`data-locale`, else the page's `lang`, else English).
    pub locale: Locale,
    /// Refund threshold override (`data-refund-threshold`).
    pub refund_threshold: Option<f64>,
    /// Remote responder URL (`data-responder`); the built-in KB responder otherwise.
    pub responder: Option<String>,
}

/// Why the script tag cannot start the widget.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum EmbedError {
    /// `data-site` is missing or empty.
    #[error("data-site is required")]
    MissingSite,
    /// `data-endpoint` is missing or empty.
    #[error("data-endpoint is required")]
    MissingEndpoint,
    /// The boot JSON from the loader could not be read.
    #[error("bad boot data: {0}")]
    Boot(String),
}

/// What the loader hands to `mount`: the attributes plus page facts and the queued commands.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Boot {
    /// `data-*` attributes without the `data-` prefix.
    pub attrs: BTreeMap<String, String>,
    /// `document.documentElement.lang`.
    pub lang: String,
    /// `location.href`.
    pub url: String,
    /// `document.title`.
    pub title: String,
    /// Commands called before the widget loaded, in order.
    pub queue: Vec<serde_json::Value>,
}

impl Boot {
    /// Parses the loader's JSON.
    pub fn parse(json: &str) -> Result<Boot, EmbedError> {
        serde_json::from_str(json).map_err(|e| EmbedError::Boot(e.to_string()))
    }
}

impl EmbedConfig {
    /// Validates the attributes; optional ones that are malformed are ignored, not fatal,
    /// so one typo in `data-color` does not take the whole widget down.
    pub fn from_attrs(
        attrs: &BTreeMap<String, String>,
        page_lang: &str,
    ) -> Result<Self, EmbedError> {
        let get = |k: &str| attrs.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let site = get("site").ok_or(EmbedError::MissingSite)?.to_owned();
        let endpoint = get("endpoint")
            .ok_or(EmbedError::MissingEndpoint)?
            .trim_end_matches('/')
            .to_owned();
        let position = match get("position") {
            Some(p) if p.eq_ignore_ascii_case("left") || p.eq_ignore_ascii_case("bottom-left") => {
                Position::BottomLeft
            }
            _ => Position::BottomRight,
        };
        let refund_threshold = get("refund-threshold")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0);
        Ok(EmbedConfig {
            site,
            endpoint,
            color: get("color").and_then(Color::parse),
            position,
            greeting: get("greeting").map(|g| g.chars().take(300).collect()),
            locale: get("locale")
                .and_then(Locale::from_tag)
                .or_else(|| Locale::from_tag(page_lang))
                .unwrap_or_default(),
            refund_threshold,
            responder: get("responder").map(str::to_owned),
        })
    }
}

/// Who the customer is, from `Baton('identify', {...})`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Identity {
    /// The site's customer id.
    pub id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Plan / tier.
    pub plan: Option<String>,
    /// HMAC of `id` computed by the site's backend (verified server-side only).
    pub user_hash: Option<String>,
}

/// One call of the JS API. (`on` is handled by the loader, which owns the JS callbacks.)
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `Baton('identify', {id, email, name, plan, user_hash})`.
    Identify(Identity),
    /// `Baton('open')`.
    Open,
    /// `Baton('close')`.
    Close,
    /// `Baton('handoff', {reason})`: the site hands the customer over programmatically.
    Handoff {
        /// Free text shown to the agent.
        reason: Option<String>,
    },
    /// `Baton('shutdown')`: forget the customer (logout) and remove the widget.
    Shutdown,
}

/// A queued call that is not part of the API.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum CommandError {
    /// The first argument is not a known command name.
    #[error("unknown Baton command `{0}`")]
    Unknown(String),
    /// The argument does not have the expected shape.
    #[error("bad argument for `{0}`")]
    BadArgument(&'static str),
    /// Not an array of `[name, arg?]`.
    #[error("a command is an array [name, arg]")]
    Shape,
}

impl Command {
    /// Parses one queued call, `["name", arg?]`.
    pub fn parse(call: &serde_json::Value) -> Result<Command, CommandError> {
        let items = call.as_array().ok_or(CommandError::Shape)?;
        let name = items
            .first()
            .and_then(|v| v.as_str())
            .ok_or(CommandError::Shape)?;
        let arg = items.get(1).cloned().unwrap_or(serde_json::Value::Null);
        match name {
            "identify" => serde_json::from_value(arg)
                .map(Command::Identify)
                .map_err(|_| CommandError::BadArgument("identify")),
            "open" => Ok(Command::Open),
            "close" => Ok(Command::Close),
            "handoff" => Ok(Command::Handoff {
                reason: arg
                    .get("reason")
                    .and_then(|r| r.as_str())
                    .map(|r| r.chars().take(500).collect()),
            }),
            "shutdown" => Ok(Command::Shutdown),
            other => Err(CommandError::Unknown(other.chars().take(40).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn minimal_tag_gives_defaults() {
        let c =
            EmbedConfig::from_attrs(&attrs(&[("site", "demo"), ("endpoint", "/v1/")]), "").unwrap();
        assert_eq!(c.site, "demo");
        assert_eq!(c.endpoint, "/v1");
        assert_eq!(c.position, Position::BottomRight);
        assert_eq!(c.locale, Locale::En);
        assert_eq!(c.color, None);
        assert_eq!(c.responder, None);
    }

    #[test]
    fn missing_site_or_endpoint_is_an_error() {
        assert_eq!(
            EmbedConfig::from_attrs(&attrs(&[("endpoint", "/v1")]), ""),
            Err(EmbedError::MissingSite)
        );
        assert_eq!(
            EmbedConfig::from_attrs(&attrs(&[("site", "  ")]), ""),
            Err(EmbedError::MissingSite)
        );
        assert_eq!(
            EmbedConfig::from_attrs(&attrs(&[("site", "demo")]), ""),
            Err(EmbedError::MissingEndpoint)
        );
    }

    #[test]
    fn optional_attributes_are_validated_not_trusted() {
        let c = EmbedConfig::from_attrs(
            &attrs(&[
                ("site", "demo"),
                ("endpoint", "/v1"),
                ("color", "red;} body{display:none"),
                ("position", "left"),
                ("refund-threshold", "-5"),
                ("locale", "pt-BR"),
            ]),
            "de",
        )
        .unwrap();
        assert_eq!(c.color, None);
        assert_eq!(c.position, Position::BottomLeft);
        assert_eq!(c.refund_threshold, None);
        assert_eq!(c.locale, Locale::Pt);
    }

    #[test]
    fn locale_falls_back_to_page_lang() {
        let c = EmbedConfig::from_attrs(&attrs(&[("site", "d"), ("endpoint", "/v1")]), "fr-CA")
            .unwrap();
        assert_eq!(c.locale, Locale::Fr);
        let c =
            EmbedConfig::from_attrs(&attrs(&[("site", "d"), ("endpoint", "/v1")]), "ja").unwrap();
        assert_eq!(c.locale, Locale::En);
    }

    #[test]
    fn colors_parse_and_pick_readable_text() {
        assert_eq!(Color::parse("#fff").map(Color::css), Some("#ffffff".into()));
        assert_eq!(
            Color::parse("#0B5FFF").map(Color::css),
            Some("#0b5fff".into())
        );
        assert_eq!(Color::parse("0b5fff"), None);
        assert_eq!(Color::parse("#12345"), None);
        assert_eq!(
            Color::parse("#ffe066").map(Color::on_color),
            Some("#1a1a1a")
        );
        assert_eq!(
            Color::parse("#1d4ed8").map(Color::on_color),
            Some("#ffffff")
        );
    }

    #[test]
    fn commands_parse() {
        assert_eq!(Command::parse(&json!(["open"])), Ok(Command::Open));
        assert_eq!(Command::parse(&json!(["close", null])), Ok(Command::Close));
        assert_eq!(
            Command::parse(&json!(["identify", {"id": "u1", "email": "a@b.c", "plan": "pro"}])),
            Ok(Command::Identify(Identity {
                id: Some("u1".into()),
                email: Some("a@b.c".into()),
                plan: Some("pro".into()),
                ..Identity::default()
            }))
        );
        assert_eq!(
            Command::parse(&json!(["handoff", {"reason": "VIP"}])),
            Ok(Command::Handoff {
                reason: Some("VIP".into())
            })
        );
        assert_eq!(
            Command::parse(&json!(["handoff"])),
            Ok(Command::Handoff { reason: None })
        );
        assert_eq!(Command::parse(&json!(["shutdown"])), Ok(Command::Shutdown));
        assert_eq!(
            Command::parse(&json!(["fly"])),
            Err(CommandError::Unknown("fly".into()))
        );
        assert_eq!(Command::parse(&json!("open")), Err(CommandError::Shape));
        assert_eq!(
            Command::parse(&json!(["identify", "bob"])),
            Err(CommandError::BadArgument("identify"))
        );
    }

    #[test]
    fn boot_json_parses_with_missing_fields() {
        let b = Boot::parse(r#"{"attrs":{"site":"demo"},"queue":[["open"]]}"#).unwrap();
        assert_eq!(b.attrs.get("site").map(String::as_str), Some("demo"));
        assert_eq!(b.queue.len(), 1);
        assert!(Boot::parse("nope").is_err());
    }
}
