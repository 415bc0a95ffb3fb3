//! Identifiers made in the browser: UUIDv7 for bundle ids (idempotency keys) and
//! conversation ids. Time and randomness are passed in so the format is unit-tested.
use baton_engine::Millis;

/// A small seeded PRNG (SplitMix64): deterministic in tests, seeded from the browser
/// (`crypto.getRandomValues` / `Math.random`) in the widget. Not for secrets.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rng(u64);

impl Rng {
    /// A generator that always yields the same sequence for the same seed.
    pub fn seeded(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in `0..bound` (`bound` > 0; returns 0 otherwise).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }
}

/// A UUIDv7 string: 48 bits of Unix milliseconds, then version, variant and random bits.
pub fn uuid_v7(now: Millis, rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    let ms = now.0 & 0xFFFF_FFFF_FFFF;
    let rand_a = (a >> 52) & 0x0FFF;
    let rand_b = b & 0x3FFF_FFFF_FFFF_FFFF;
    let hi = (ms << 16) | (0x7 << 12) | rand_a;
    let lo = (0b10 << 62) | rand_b;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_has_version_variant_and_time_prefix() {
        let mut rng = Rng::seeded(7);
        let id = uuid_v7(Millis(0x0190_1234_5678), &mut rng);
        assert_eq!(id.len(), 36);
        assert!(id.starts_with("01901234-5678-7"), "{id}");
        let variant = id.as_bytes()[19];
        assert!(matches!(variant, b'8' | b'9' | b'a' | b'b'), "{id}");
        assert_ne!(id, uuid_v7(Millis(0x0190_1234_5678), &mut rng));
    }

    #[test]
    fn rng_is_deterministic_per_seed() {
        let (mut a, mut b) = (Rng::seeded(42), Rng::seeded(42));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(Rng::seeded(1).next_u64(), Rng::seeded(2).next_u64());
        assert!((0..100).all(|_| a.below(10) < 10));
    }
}
