//! The node runs of the upper levels of the Merkle tree, kept once read, so
//! that a process making many proofs or roots asks the store only for the
//! nodes near the leaves.
//!
//! A proof at 1M entries reads about 20 nodes, one per level, each a seek in
//! sled. The runs of the levels from [`CACHED_FROM_LEVEL`] up are few and
//! small (a bulk append of 10,000 entries completes 156 nodes at level 6,
//! 5 KiB), so they fit in a few megabytes; below it a run is up to 32 KiB and
//! a proof seldom meets the same one twice. Node runs are immutable once
//! committed (each batch starts its own run of each level), so a cached run
//! never goes stale while its journal is open.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::merkle::Hash;

/// The lowest level whose runs are kept.
pub(super) const CACHED_FROM_LEVEL: u32 = 6;

/// The most bytes of runs kept; past it the cache starts over.
const MAX_BYTES: usize = 16 << 20;

/// Runs by level, each by its first index.
#[derive(Default)]
pub(super) struct NodeRunCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    levels: Vec<BTreeMap<u64, Arc<Vec<u8>>>>,
    bytes: usize,
}

impl NodeRunCache {
    /// Node `(level, index)`, if a cached run holds it.
    pub(super) fn node(&self, level: u32, index: u64) -> Option<Hash> {
        let inner = self.inner.lock().ok()?;
        let runs = inner.levels.get(usize::try_from(level).ok()?)?;
        let (first, run) = runs.range(..=index).next_back()?;
        let offset = usize::try_from(index - first).ok()?.checked_mul(32)?;
        <Hash>::try_from(run.get(offset..offset + 32)?).ok()
    }

    /// Keeps the run of `level` starting at node `first`.
    pub(super) fn put(&self, level: u32, first: u64, run: &[u8]) {
        let (Ok(mut inner), Ok(level)) = (self.inner.lock(), usize::try_from(level)) else {
            return;
        };
        if inner.bytes + run.len() > MAX_BYTES {
            *inner = Inner::default();
        }
        if inner.levels.len() <= level {
            inner.levels.resize_with(level + 1, BTreeMap::new);
        }
        inner.bytes += run.len();
        inner.levels[level].insert(first, Arc::new(run.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_found_in_the_run_that_holds_it_and_nowhere_else() {
        let cache = NodeRunCache::default();
        let run: Vec<u8> = (0..3u8).flat_map(|i| [i; 32]).collect();
        cache.put(7, 10, &run);
        assert_eq!(cache.node(7, 10), Some([0; 32]));
        assert_eq!(cache.node(7, 12), Some([2; 32]));
        assert_eq!(cache.node(7, 13), None, "past the run's end");
        assert_eq!(cache.node(7, 9), None, "before its start");
        assert_eq!(cache.node(8, 10), None, "another level");
    }
}
