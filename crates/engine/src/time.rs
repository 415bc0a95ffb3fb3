use serde::{Deserialize, Serialize};

/// A point in time in milliseconds, always supplied by the caller.
///
/// The engine owns no clock: the widget passes the browser's clock, the server its own, and
/// `baton replay` a virtual one (`turn_index * 1000`). That is what makes decisions
/// replayable bit for bit.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// Milliseconds elapsed since `earlier`, saturating at zero if time went backwards.
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
