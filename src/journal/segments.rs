//! A small cache of recently read segments, so that reading one entry does not
//! copy and walk its whole segment again and again.
//!
//! Segments are immutable once committed: every batch starts a new segment key
//! at its first seq, and a segment is only read for seqs below the head, which
//! a failed commit never moves. A cached segment therefore never goes stale
//! while its journal is open. The cache keeps the last few segments read (an
//! append resolving references, `show`, `history`, a proof's leaf) and finds an
//! entry by hopping over frame lengths instead of splitting every frame.

use std::sync::{Arc, Mutex};

use super::layout::frame_at;
use crate::entry::Seq;

/// How many segments are kept (each holds up to 1,024 entries).
const CACHED_SEGMENTS: usize = 8;

/// One cached segment: its first seq, how many entries it holds, its bytes.
struct Cached {
    first: u64,
    entries: u64,
    bytes: Arc<Vec<u8>>,
}

/// The cache; most recently used last.
#[derive(Default)]
pub(super) struct SegmentCache {
    slots: Mutex<Vec<Cached>>,
}

impl SegmentCache {
    /// The cached segment holding `seq`, with its first seq.
    pub(super) fn get(&self, seq: Seq) -> Option<(u64, Arc<Vec<u8>>)> {
        let mut slots = self.slots.lock().ok()?;
        let at = slots
            .iter()
            .position(|c| (c.first..c.first + c.entries).contains(&seq.get()))?;
        let hit = slots.remove(at);
        let found = (hit.first, Arc::clone(&hit.bytes));
        slots.push(hit);
        Some(found)
    }

    /// Remembers a segment read from the store.
    pub(super) fn put(&self, first: u64, entries: u64, bytes: Arc<Vec<u8>>) {
        let Ok(mut slots) = self.slots.lock() else {
            return;
        };
        if slots.len() >= CACHED_SEGMENTS {
            slots.remove(0);
        }
        slots.push(Cached {
            first,
            entries,
            bytes,
        });
    }
}

/// How many frames a segment holds, `None` if a frame is torn.
pub(super) fn count_frames(segment: &[u8]) -> Option<u64> {
    let mut count = 0u64;
    let mut rest = segment;
    while !rest.is_empty() {
        let (_, tail) = frame_at(rest, 0)?;
        rest = tail;
        count += 1;
    }
    Some(count)
}
