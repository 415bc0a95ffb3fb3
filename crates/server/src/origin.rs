//! `allowed_origins` patterns: `https://shop.example`, `http://127.0.0.1:*` (any port).
//!
//! Matching is exact on scheme and host (case-insensitive host) so `https://shop.example.evil`
//! never matches `https://shop.example`; only the port may be a wildcard.

/// The port part of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PortPattern {
    /// `:*` — any port, including none.
    Any,
    /// An explicit port, or the scheme's default when the pattern names none.
    Exact(u16),
}

/// One entry of `allowed_origins`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    port: PortPattern,
}

/// A parsed `Origin` header.
struct Origin<'a> {
    scheme: &'a str,
    host: String,
    port: u16,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Splits `scheme://host[:port]` (no path), returning the raw port text.
fn split(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = s.split_once("://")?;
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        return None;
    }
    // IPv6 literals: [::1]:8080
    if let Some(stripped) = rest.strip_prefix('[') {
        let (host, after) = stripped.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        return Some((scheme, host, port));
    }
    match rest.rsplit_once(':') {
        Some((host, port)) => Some((scheme, host, Some(port))),
        None => Some((scheme, rest, None)),
    }
}

impl OriginPattern {
    /// Parses a config entry; the error says what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (scheme, host, port) = split(s)
            .ok_or("expected scheme://host[:port] with no path, e.g. https://shop.example")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = default_port(&scheme).ok_or("scheme must be http or https")?;
        if host.is_empty() || host.contains('*') {
            return Err("host must be given exactly (only the port may be `*`)".into());
        }
        let port = match port {
            None => PortPattern::Exact(default),
            Some("*") => PortPattern::Any,
            Some(p) => PortPattern::Exact(p.parse().map_err(|_| format!("bad port `{p}`"))?),
        };
        Ok(OriginPattern {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether an `Origin` header value matches.
    pub fn matches(&self, origin: &str) -> bool {
        let Some(origin) = parse_origin(origin) else {
            return false;
        };
        origin.scheme == self.scheme
            && origin.host == self.host
            && match self.port {
                PortPattern::Any => true,
                PortPattern::Exact(p) => p == origin.port,
            }
    }
}

fn parse_origin(s: &str) -> Option<Origin<'_>> {
    let (scheme, host, port) = split(s)?;
    let default = default_port(scheme)?;
    let port = match port {
        None => default,
        Some(p) => p.parse().ok()?,
    };
    Some(Origin {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::OriginPattern;

    fn check(pattern: &str, origin: &str) -> bool {
        OriginPattern::parse(pattern).map(|p| p.matches(origin)) == Ok(true)
    }

    #[test]
    fn port_wildcard() {
        assert!(check("http://127.0.0.1:*", "http://127.0.0.1:5173"));
        assert!(check("http://127.0.0.1:*", "http://127.0.0.1"));
        assert!(!check("http://127.0.0.1:*", "https://127.0.0.1:5173"));
        assert!(!check("http://127.0.0.1:*", "http://127.0.0.2:5173"));
    }

    #[test]
    fn exact_and_default_ports() {
        assert!(check("https://shop.example", "https://shop.example"));
        assert!(check("https://shop.example", "https://SHOP.example:443"));
        assert!(!check("https://shop.example", "https://shop.example:8443"));
        assert!(!check("https://shop.example", "https://shop.example.evil"));
        assert!(!check("https://shop.example", "https://evil.shop.example"));
        assert!(!check("https://shop.example", "null"));
    }

    #[test]
    fn bad_patterns() {
        assert!(OriginPattern::parse("shop.example").is_err());
        assert!(OriginPattern::parse("https://*.shop.example").is_err());
        assert!(OriginPattern::parse("https://shop.example/path").is_err());
        assert!(OriginPattern::parse("ftp://shop.example").is_err());
        assert!(OriginPattern::parse("http://[::1]:*").is_ok());
    }
}
