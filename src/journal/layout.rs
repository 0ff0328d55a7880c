//! Where the journal keeps things in the store: key prefixes, the metadata
//! records, and the framing of entry segments.
//!
//! ```text
//! m/format            u16 BE   the storage layout version (LAYOUT_VERSION)
//! m/origin            UTF-8    the origin string the genesis value is derived from
//! m/head              u64 BE size ‖ 32-byte last id ‖ i64 BE last recorded_at:
//!                     the stored head, which the tail extends (tail.rs)
//! m/runs              the index run manifest (see index.rs)
//! m/pending           layout 2 only: index records and Merkle nodes not yet
//!                     in runs (pending.rs)
//! e ‖ u64 BE seq      a segment: the entries from that seq on, each framed as
//!                     u32 BE length ‖ canonical bytes; at most SEGMENT_ENTRIES;
//!                     stored packed as one zstd frame from 1 KiB (packing.rs)
//! x ‖ family ‖ …      index chunks (see index.rs)
//! f ‖ family ‖ run id the filter of an index run (see run_filter.rs)
//! t ‖ level ‖ u64 BE  a node run: the permanent Merkle nodes of one level from
//!                     that index on, 32 bytes each; at most NODE_RUN (tree.rs)
//! c ‖ u64 BE size ‖ u32 BE key id
//!                     a signed checkpoint: verifier key ‖ "\n" ‖ signed note
//! p/ ‖ name           derived data (projection snapshots): never hashed, never
//!                     part of the log, always recomputable from it
//! ```
//!
//! Since layout 5 the sled store keeps the large values of the keys under
//! `e`, `t`, `x` and `f` in its value file (`store/value_file.rs`), and
//! sled only where each lies: these are written once and never changed.
//!
//! Entries are stored many to a value because sled costs per key (DESIGN §4, and
//! measured again in docs/performance.md): one value per batch segment keeps bulk
//! appends near sled's byte bandwidth instead of its per-key rate.

use crate::entry::Seq;
use crate::hash::Id;
use crate::time::Timestamp;

/// Metadata key: the storage layout version.
pub const META_FORMAT: &[u8] = b"m/format";
/// The storage layout this sitrep writes: 2 since the sled store keeps values
/// over 4 KiB apart from the small ones (`store/sled_store.rs`), 3 since every
/// index run written has its filter stored beside it (`run_filter.rs`), 4
/// since index runs are compact (5-byte seqs, and 8 bytes of each digest in
/// the fact-key and entry-id families; `index.rs`), 5 since the large values
/// of segments, node runs, index chunks and run filters are kept in the
/// store's value file, sled holding where each lies
/// (`store/value_file.rs`). Layouts 1 (every value under its own key), 2, 3
/// and 4 read the same (a run without a filter is searched by seeking, a run
/// of 24-byte records as such, a value sled holds itself is read there); the
/// first commit to such a ledger raises it, so that a sitrep from before
/// reads `m/format` and refuses the ledger instead of missing the values it
/// cannot find, deleting a run and leaving its filter behind, misreading a
/// compact run, or reading a locator as the value it points at.
pub const LAYOUT_VERSION: u16 = 5;
/// The oldest layout this sitrep reads.
pub const OLDEST_LAYOUT: u16 = 1;
/// Metadata key: origin string.
pub const META_ORIGIN: &[u8] = b"m/origin";
/// Metadata key: head record.
pub const META_HEAD: &[u8] = b"m/head";
/// Metadata key: index run manifest.
pub const META_RUNS: &[u8] = b"m/runs";
/// Metadata key (layout 2): the index records and Merkle nodes of the last few
/// small appends, not yet in runs (pending.rs).
pub const META_PENDING: &[u8] = b"m/pending";
/// Prefix of derived-data keys (projection snapshots).
pub const DERIVED_PREFIX: &[u8] = b"p/";
/// Prefix of segment keys.
pub const SEGMENT_PREFIX: &[u8] = b"e";
/// The most entries one segment value holds.
pub const SEGMENT_ENTRIES: usize = 1024;
/// Prefix of Merkle node-run keys.
pub const NODE_PREFIX: &[u8] = b"t";
/// The most nodes one node-run value holds.
pub const NODE_RUN: usize = 1024;
/// Prefix of stored-checkpoint keys.
pub const CHECKPOINT_PREFIX: &[u8] = b"c";

/// The key prefix of the node runs of one level.
pub fn node_level_prefix(level: u32) -> Vec<u8> {
    let mut key = NODE_PREFIX.to_vec();
    // Levels are below 64, so one byte holds them.
    key.push(u8::try_from(level).unwrap_or(u8::MAX));
    key
}

/// The key of the node run of `level` starting at node `first`.
pub fn node_key(level: u32, first: u64) -> Vec<u8> {
    let mut key = node_level_prefix(level);
    key.extend_from_slice(&first.to_be_bytes());
    key
}

/// The first node index of a node run, from its key.
pub fn node_first_index(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(2..10)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// The key of a stored checkpoint.
pub fn checkpoint_key(size: u64, key_id: u32) -> Vec<u8> {
    let mut key = CHECKPOINT_PREFIX.to_vec();
    key.extend_from_slice(&size.to_be_bytes());
    key.extend_from_slice(&key_id.to_be_bytes());
    key
}

/// The key of the segment starting at `first`.
pub fn segment_key(first: Seq) -> Vec<u8> {
    let mut key = SEGMENT_PREFIX.to_vec();
    key.extend_from_slice(&first.to_be_bytes());
    key
}

/// The first seq of a segment, from its key.
pub fn segment_first_seq(key: &[u8]) -> Option<Seq> {
    let bytes: [u8; 8] = key.get(1..9)?.try_into().ok()?;
    Some(Seq::new(u64::from_be_bytes(bytes)))
}

/// Appends one framed entry to a segment value.
pub fn frame_into(segment: &mut Vec<u8>, entry_bytes: &[u8]) {
    // Entries are bounded by codec::MAX_ENTRY_BYTES, far below u32::MAX.
    let len = u32::try_from(entry_bytes.len()).unwrap_or(u32::MAX);
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(entry_bytes);
}

/// The entry at `offset` in a segment and the frames after it, found by hopping
/// over frame lengths. `None` if the segment is shorter or a frame is torn.
pub fn frame_at(segment: &[u8], offset: usize) -> Option<(&[u8], &[u8])> {
    let mut rest = segment;
    for _ in 0..offset {
        let len_bytes: [u8; 4] = rest.get(..4)?.try_into().ok()?;
        let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
        rest = rest.get(4 + len..)?;
    }
    let len_bytes: [u8; 4] = rest.get(..4)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    Some((rest.get(4..4 + len)?, &rest[4 + len..]))
}

/// Splits a segment value into its framed entries. `None` if a frame is torn.
pub fn unframe(segment: &[u8]) -> Option<Vec<&[u8]>> {
    Some(
        frame_ranges(segment)?
            .into_iter()
            .map(|range| &segment[range])
            .collect(),
    )
}

/// Where each framed entry of a segment value is in it. `None` if a frame is
/// torn.
pub fn frame_ranges(segment: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < segment.len() {
        let len_bytes: [u8; 4] = segment.get(at..at + 4)?.try_into().ok()?;
        let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
        let body = at + 4..(at + 4).checked_add(len)?;
        segment.get(body.clone())?;
        at = body.end;
        out.push(body);
    }
    Some(out)
}

/// The ledger's head: how many entries, and the last one's id and clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of entries; also the next seq.
    pub size: u64,
    /// The last entry's id, or the genesis value of an empty ledger.
    pub last_id: Id,
    /// The last entry's `recorded_at` (the epoch for an empty ledger).
    pub last_recorded_at: Timestamp,
}

impl Head {
    /// The head of an empty ledger with this genesis value.
    pub fn empty(genesis: Id) -> Head {
        Head {
            size: 0,
            last_id: genesis,
            last_recorded_at: Timestamp::from_micros(0),
        }
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48);
        out.extend_from_slice(&self.size.to_be_bytes());
        out.extend_from_slice(self.last_id.as_bytes());
        out.extend_from_slice(&self.last_recorded_at.as_micros().to_be_bytes());
        out
    }

    /// Reads the stored form.
    pub fn decode(bytes: &[u8]) -> Option<Head> {
        if bytes.len() != 48 {
            return None;
        }
        let size = u64::from_be_bytes(bytes[..8].try_into().ok()?);
        let id: [u8; 32] = bytes[8..40].try_into().ok()?;
        let at = i64::from_be_bytes(bytes[40..48].try_into().ok()?);
        Some(Head {
            size,
            last_id: Id::from_bytes(id),
            last_recorded_at: Timestamp::from_micros(at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_torn_frames_are_detected() {
        let mut seg = Vec::new();
        frame_into(&mut seg, b"abc");
        frame_into(&mut seg, b"");
        frame_into(&mut seg, b"de");
        assert_eq!(
            unframe(&seg).unwrap(),
            vec![&b"abc"[..], &b""[..], &b"de"[..]]
        );
        assert!(unframe(&seg[..seg.len() - 1]).is_none());
    }

    #[test]
    fn head_round_trips() {
        let head = Head {
            size: 7,
            last_id: Id::of_entry(b"x"),
            last_recorded_at: Timestamp::from_micros(-5),
        };
        assert_eq!(Head::decode(&head.encode()), Some(head));
        assert!(segment_key(Seq::new(1)) < segment_key(Seq::new(256)));
    }
}
