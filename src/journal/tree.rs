//! The ledger's Merkle tree in the store (DESIGN §5): the permanent nodes of each
//! batch are written in the same atomic commit as its entries, as *node runs* —
//! consecutive nodes of one level under one key, like entry segments — so that the
//! root at any size and any proof cost O(log n) reads, and the frontier of the tree
//! (one node per set bit of the size) is all an append needs to extend it.

use super::layout::{node_first_index, node_key, node_level_prefix, NODE_RUN};
use super::node_cache::{NodeRunCache, CACHED_FROM_LEVEL};
use super::pending::Pending;
use super::{Journal, ReadError};
use crate::merkle::{self, Blake3, Frontier, Hash, Nodes, ProofError};
use crate::store::{Store, Write};

/// The permanent nodes of a ledger of `size` entries, read from its store.
pub(super) struct StoredNodes<'s> {
    pub(super) store: &'s dyn Store,
    /// The nodes not yet in runs.
    pub(super) pending: &'s Pending,
    /// Upper-level runs already read, where the journal keeps them.
    pub(super) cache: Option<&'s NodeRunCache>,
    pub(super) size: u64,
}

impl Nodes for StoredNodes<'_> {
    type Error = ReadError;

    fn node(&self, level: u32, index: u64) -> Result<Hash, ReadError> {
        let missing = ReadError::Node {
            level,
            index,
            why: "missing",
        };
        // Only complete subtrees inside the ledger exist.
        if level >= 64 || index >= self.size >> level {
            return Err(missing);
        }
        if let Some(hash) = self.pending.node(level, index) {
            return Ok(hash);
        }
        let cache = self.cache.filter(|_| level >= CACHED_FROM_LEVEL);
        if let Some(hash) = cache.and_then(|cache| cache.node(level, index)) {
            return Ok(hash);
        }
        // Only the node's 32 bytes are read out of its run (up to 32 KiB),
        // unless the run is kept whole in the cache.
        let found = self.store.read_last_at_or_before(
            &node_level_prefix(level),
            &node_key(level, index),
            &mut |key| match (cache, node_first_index(key)) {
                (None, Some(first)) => node_bytes(index.saturating_sub(first)),
                _ => 0..usize::MAX,
            },
        )?;
        let Some((key, bytes)) = found else {
            return Err(missing);
        };
        let first = node_first_index(&key).ok_or(ReadError::Node {
            level,
            index,
            why: "under a malformed key",
        })?;
        // The node's place in the bytes read: the run's start, or itself.
        let at = match (cache, index.checked_sub(first)) {
            (_, None) => return Err(missing),
            (Some(cache), Some(at)) => {
                cache.put(level, first, &bytes);
                at
            }
            (None, Some(_)) => 0,
        };
        bytes
            .get(node_bytes(at))
            .and_then(|node| <Hash>::try_from(node).ok())
            .ok_or(missing)
    }
}

/// Where node `at` of a run lies in its bytes.
fn node_bytes(at: u64) -> std::ops::Range<usize> {
    let start = usize::try_from(at.saturating_mul(32)).unwrap_or(usize::MAX);
    start..start.saturating_add(32)
}

/// Reads the frontier of a tree of `size` leaves from its stored peaks.
pub(super) fn load_frontier(
    store: &dyn Store,
    pending: &Pending,
    size: u64,
) -> Result<Frontier, ReadError> {
    let nodes = StoredNodes {
        store,
        pending,
        cache: None,
        size,
    };
    let peaks = Frontier::peak_positions(size)
        .into_iter()
        .map(|(level, index)| nodes.node(level, index))
        .collect::<Result<Vec<_>, _>>()?;
    Frontier::from_peaks(size, peaks).ok_or(ReadError::Node {
        level: 0,
        index: size,
        why: "inconsistent with the head",
    })
}

/// The new nodes of a batch, grouped into runs per level, ready to commit.
#[derive(Default)]
pub(super) struct NodeWrites {
    /// Per level: runs as (first index, concatenated hashes).
    levels: Vec<Vec<(u64, Vec<u8>)>>,
}

impl NodeWrites {
    /// Records node `(level, index)`; nodes of a level arrive in index order.
    pub(super) fn add(&mut self, level: u32, index: u64, hash: &Hash) {
        let level = level as usize;
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        let runs = &mut self.levels[level];
        match runs.last_mut() {
            Some((first, run)) if index - *first < NODE_RUN as u64 => run.extend_from_slice(hash),
            _ => runs.push((index, hash.to_vec())),
        }
    }

    /// The store writes, one per run.
    pub(super) fn into_writes(self) -> impl Iterator<Item = Write> {
        self.levels
            .into_iter()
            .enumerate()
            .flat_map(|(level, runs)| {
                runs.into_iter().map(move |(first, run)| {
                    // Levels are below 64.
                    Write::Put(node_key(level as u32, first), run)
                })
            })
    }
}

impl Journal {
    fn stored_nodes(&self) -> StoredNodes<'_> {
        StoredNodes {
            store: self.store.as_ref(),
            pending: &self.pending,
            cache: Some(&self.node_runs),
            size: self.head.size,
        }
    }

    /// The Merkle root of the first `size` entries (`size` ≤ the head), from
    /// O(log n) stored nodes.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError<ReadError>> {
        if size > self.head.size {
            return Err(ProofError::SizeBeyondTree {
                size,
                available: self.head.size,
            });
        }
        merkle::root(&Blake3, &self.stored_nodes(), size).map_err(ProofError::Read)
    }

    /// The Merkle root of the whole ledger.
    pub fn root(&self) -> Result<Hash, ReadError> {
        merkle::root(&Blake3, &self.stored_nodes(), self.head.size)
    }

    /// The inclusion proof of entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, ProofError<ReadError>> {
        if size > self.head.size {
            return Err(ProofError::SizeBeyondTree {
                size,
                available: self.head.size,
            });
        }
        merkle::inclusion_proof(&Blake3, &self.stored_nodes(), index, size)
    }

    /// The consistency proof from the tree of `from` entries to that of `to`.
    pub fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<Hash>, ProofError<ReadError>> {
        if to > self.head.size {
            return Err(ProofError::SizeBeyondTree {
                size: to,
                available: self.head.size,
            });
        }
        merkle::consistency_proof(&Blake3, &self.stored_nodes(), from, to)
    }
}
