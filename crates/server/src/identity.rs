//! Who is who: the customer's `user_hash`, and the customer token that ties a browser to its
//! handoff for the live channel.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Whether `user_hash` is the hex HMAC-SHA256 of `customer_id` under the site's secret.
/// The comparison is constant-time (`verify_slice`), so a forger learns nothing from timing.
pub fn user_hash_ok(secret: &[u8], customer_id: &str, user_hash: &str) -> bool {
    let Ok(claimed) = hex::decode(user_hash.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(customer_id.as_bytes());
    mac.verify_slice(&claimed).is_ok()
}

/// The `user_hash` a site's backend computes for `customer_id` (demo page, tests, docs).
pub fn user_hash(secret: &[u8], customer_id: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(customer_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Issues and checks customer tokens.
///
/// A token is `HMAC(key, "customer_token\0" ‖ handoff_id)`: derived, not stored, so a
/// duplicate bundle gets the very same token back and every instance sharing the database
/// (which holds `key`, see `Db::setting_or_insert`) can check it.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

impl TokenKey {
    /// Name of the setting that holds the key (hex).
    pub const SETTING: &'static str = "customer_token_key";

    /// Wraps a key read from the settings table.
    pub fn from_hex(hex_key: &str) -> Option<Self> {
        hex::decode(hex_key)
            .ok()
            .filter(|k| k.len() >= 32)
            .map(TokenKey)
    }

    /// A fresh random key (hex), for the first start.
    pub fn generate_hex() -> Result<String, getrandom::Error> {
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key)?;
        Ok(hex::encode(key))
    }

    fn mac(&self, handoff_id: &str) -> HmacSha256 {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let mut mac = HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(b"customer_token\0");
        mac.update(handoff_id.as_bytes());
        mac
    }

    /// The customer token for a handoff.
    pub fn token(&self, handoff_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(handoff_id).finalize().into_bytes())
    }

    /// Whether `token` belongs to `handoff_id` (constant-time).
    pub fn check(&self, handoff_id: &str, token: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(token.trim()) {
            Ok(raw) => self.mac(handoff_id).verify_slice(&raw).is_ok(),
            Err(_) => false,
        }
    }
}

/// SHA-256 hex of some bytes (bundle fingerprints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_hash_round_trip_and_forgery() {
        let secret = b"0123456789abcdef-secret";
        let good = user_hash(secret, "cus_42");
        assert!(user_hash_ok(secret, "cus_42", &good));
        assert!(!user_hash_ok(secret, "cus_43", &good));
        assert!(!user_hash_ok(b"another-secret-of-16+", "cus_42", &good));
        assert!(!user_hash_ok(secret, "cus_42", "zz"));
        assert!(!user_hash_ok(secret, "cus_42", ""));
    }

    #[test]
    fn tokens_bind_to_the_handoff() {
        let key = TokenKey::from_hex(&"ab".repeat(32)).unwrap_or_else(|| unreachable!());
        let t = key.token("h1");
        assert!(key.check("h1", &t));
        assert!(!key.check("h2", &t));
        assert!(!key.check("h1", "not-a-token"));
    }
}
