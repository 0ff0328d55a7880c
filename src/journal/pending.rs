//! The derived records of the last few small appends, kept in memory.
//!
//! An append of a few entries would otherwise write, besides its segment, a
//! new index run in each family (and the merges they set off), a Merkle node
//! run per level it completes, the run manifest and the head: 6 to 22 sled
//! keys, where sled costs about 12 µs a key on top of the flush, and a batch
//! of several keys costs it a second write and sync
//! (docs/performance.md, rounds 8 and 9). Instead, while at most [`FOLD_AT`]
//! entries have arrived since the last fold, such an append writes only its
//! segment, and its index records and permanent Merkle nodes wait here, in
//! memory; a journal opened later derives them again from those segments
//! (the tail, tail.rs). The commit that would take them past [`FOLD_AT`]
//! writes them with its own as ordinary runs, with the head. Readers look
//! here after the runs.
//!
//! Layout 2 kept them in the store instead, rewritten whole by each small
//! append; a ledger of that layout is read with them, and its next fold
//! deletes the value.
//!
//! ```text
//! m/pending (layout 2): records count u32 BE ‖ records ‖ nodes
//!   record: family tag (1) ‖ digest (16) ‖ seq u64 BE
//!   node:   level (1) ‖ index u64 BE ‖ hash (32)
//! ```

use super::index::{Digest, Family, DIGEST_LEN};
use crate::entry::Seq;
use crate::merkle::Hash;

/// Entries whose records may wait; a commit that would leave more waiting
/// writes them all as runs. It also bounds the tail a journal reads when it
/// is opened (tail.rs).
pub const FOLD_AT: u64 = 16;

const RECORD_BYTES: usize = 1 + DIGEST_LEN + 8;
const NODE_BYTES: usize = 1 + 8 + 32;

/// Index records and Merkle nodes not yet in runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// Index records, in the order they were added.
    pub records: Vec<(Family, Digest, Seq)>,
    /// Permanent Merkle nodes, in the order they were completed.
    pub nodes: Vec<(u32, u64, Hash)>,
    /// Incident keys that entries of the tail report, each with the first
    /// entry of the tail that does, not yet looked up in the runs: a key here
    /// is a known incident either way, and whether that entry is its first
    /// report is settled when the records are folded into runs
    /// ([`IndexReader::first_reports_among`](super::index::IndexReader::first_reports_among)).
    /// Opening a ledger thus reads no index run for its tail (tail.rs).
    pub unsettled_incidents: Vec<(Digest, Seq)>,
}

impl Pending {
    /// The stored node `(level, index)`, if it is pending.
    pub fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.nodes
            .iter()
            .find(|(l, i, _)| *l == level && *i == index)
            .map(|(_, _, hash)| *hash)
    }

    /// The pending records of `family` whose digest starts with `prefix`,
    /// unsettled incident keys included.
    pub fn find_prefix<'p>(
        &'p self,
        family: Family,
        prefix: &'p [u8],
    ) -> impl Iterator<Item = (Digest, Seq)> + 'p {
        let unsettled: &[(Digest, Seq)] = match family {
            Family::IncidentKey => &self.unsettled_incidents,
            _ => &[],
        };
        self.records
            .iter()
            .filter(move |(f, _, _)| *f == family)
            .map(|(_, digest, seq)| (*digest, *seq))
            .chain(unsettled.iter().copied())
            .filter(move |(digest, _)| digest.starts_with(prefix))
    }

    /// Whether a settled record of `family` has exactly this digest.
    pub fn holds_record(&self, family: Family, digest: &Digest) -> bool {
        self.records
            .iter()
            .any(|(f, d, _)| *f == family && d == digest)
    }

    /// The stored form of layout 2 (tests make such ledgers).
    #[cfg(test)]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 + self.records.len() * RECORD_BYTES + self.nodes.len() * NODE_BYTES,
        );
        let count = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for (family, digest, seq) in &self.records {
            out.push(family.tag());
            out.extend_from_slice(digest);
            out.extend_from_slice(&seq.get().to_be_bytes());
        }
        for (level, index, hash) in &self.nodes {
            // Levels are below 64.
            out.push(u8::try_from(*level).unwrap_or(u8::MAX));
            out.extend_from_slice(&index.to_be_bytes());
            out.extend_from_slice(hash);
        }
        out
    }

    /// Reads the stored form; `None` if it is not one.
    pub fn decode(bytes: &[u8]) -> Option<Pending> {
        let count = usize::try_from(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?)).ok()?;
        let records_end = 4usize.checked_add(count.checked_mul(RECORD_BYTES)?)?;
        let (records, nodes) = (bytes.get(4..records_end)?, bytes.get(records_end..)?);
        if nodes.len() % NODE_BYTES != 0 {
            return None;
        }
        let records = records
            .chunks_exact(RECORD_BYTES)
            .map(|r| {
                Some((
                    Family::from_tag(r[0])?,
                    r[1..=DIGEST_LEN].try_into().ok()?,
                    Seq::new(u64::from_be_bytes(r[1 + DIGEST_LEN..].try_into().ok()?)),
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        let nodes = nodes
            .chunks_exact(NODE_BYTES)
            .map(|n| {
                Some((
                    u32::from(n[0]),
                    u64::from_be_bytes(n[1..9].try_into().ok()?),
                    n[9..].try_into().ok()?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Pending {
            records,
            nodes,
            unsettled_incidents: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_reads_back_and_a_torn_one_is_refused() {
        let pending = Pending {
            records: vec![
                (Family::FactKey, [1; 16], Seq::new(7)),
                (Family::IncidentKey, [2; 16], Seq::new(8)),
            ],
            nodes: vec![(0, 7, [3; 32]), (3, 0, [4; 32])],
            unsettled_incidents: Vec::new(),
        };
        let bytes = pending.encode();
        assert_eq!(Pending::decode(&bytes), Some(pending.clone()));
        assert_eq!(
            Pending::decode(&Pending::default().encode()),
            Some(Pending::default())
        );
        for cut in [0, 3, 10, bytes.len() - 1] {
            assert_eq!(Pending::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut bad_tag = bytes.clone();
        bad_tag[4] = b'?';
        assert_eq!(Pending::decode(&bad_tag), None);
        assert_eq!(pending.node(3, 0), Some([4; 32]));
        assert_eq!(pending.node(3, 1), None);
        let found: Vec<_> = pending.find_prefix(Family::FactKey, &[1, 1]).collect();
        assert_eq!(found, [([1; 16], Seq::new(7))]);
        assert_eq!(pending.find_prefix(Family::EntryId, &[]).count(), 0);
    }
}
