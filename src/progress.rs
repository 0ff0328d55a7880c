//! How far a long pass has got, for a progress bar that the library never draws.
//!
//! Audit, replay, export and import over a large ledger take seconds. The library
//! counts the entries it has handled in a [`Progress`] that the caller handed
//! in; the command line reads the count from another thread and draws a bar on
//! stderr when that is a terminal (`src/cli/progress.rs`). Counting is one
//! relaxed atomic add per batch of entries, so a pass nobody watches pays
//! nothing noticeable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A shared count of entries handled. Clones share the count.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    /// A count at zero.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Adds `entries` to the count.
    pub fn advance(&self, entries: u64) {
        self.0.fetch_add(entries, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn done(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn clones_share_one_count() {
        let progress = Progress::new();
        let watcher = progress.clone();
        progress.advance(3);
        progress.advance(4);
        assert_eq!(watcher.done(), 7);
    }
}
