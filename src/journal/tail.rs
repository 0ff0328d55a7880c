//! The tail: the entries that small appends wrote past the stored head.
//!
//! A small append (pending.rs) writes its segment and nothing else: one sled
//! insert, which sled makes durable with one write and one sync, where any
//! batch costs it a second of each (docs/performance.md, "What
//! changed in the ninth round"). So `m/head` is the head as of the last commit
//! that wrote more than a segment, and the segments after it — at most
//! [`FOLD_AT`](super::pending::FOLD_AT) entries, each segment a small value
//! (append.rs) — are the tail. Opening a ledger reads them through
//! [`Store::scan_small`](crate::store::Store::scan_small), which does not pull
//! in the large segments of bulk appends beside them (a scan of both regions
//! did: 21% of a `project tallies` process at 1M went to reading them),
//! checks that they continue the log (each segment starts
//! where the log ends, each entry's seq and `prev` follow on), and derives
//! from their bytes what the small appends kept only in memory: the head,
//! their index records and the Merkle nodes they completed. A tail that does
//! not continue the log is damage, and the ledger is refused.
//!
//! Those derived records are what the appends worked out themselves — an
//! entry's id and key, and each incident key it is the first report of —
//! with one difference: whether an incident key the tail reports was
//! reported before the tail is not looked up here. That would read the
//! incident family's run filters (10 bits a key: 260 KB in 8 runs for the
//! 211,611 incident keys of the 1M bench ledger), which a read-only command
//! does not otherwise need. Each such key is kept unsettled with the first entry
//! of the tail that reports it (`Pending::unsettled_incidents`): it is a
//! known incident either way, and the append that folds the records into
//! runs keeps only the keys no run holds.

use std::sync::Arc;

use super::append::incident_keys_of;
use super::index::{text_digest, Digest, Family, DIGEST_LEN};
use super::layout::{segment_first_seq, segment_key, unframe, Head, SEGMENT_PREFIX};
use super::pending::Pending;
use super::{decode_record, packing, Journal};
use crate::entry::Seq;
use crate::fast_hash::HashSet;
use crate::merkle::Blake3;

impl Journal {
    /// Extends the head read from `m/head` by the tail, and adds the tail's
    /// index records and Merkle nodes to the pending ones. `Err`: why the
    /// tail does not continue the log.
    pub(super) fn take_up_tail(&mut self) -> Result<(), String> {
        let mut segments: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        self.store
            .scan_small(
                SEGMENT_PREFIX,
                &segment_key(Seq::new(self.head.size)),
                &mut |key, value| {
                    segments.push((key.to_vec(), value.to_vec()));
                    true
                },
            )
            .map_err(|e| e.to_string())?;
        if segments.is_empty() {
            return Ok(());
        }
        let mut head = self.head;
        let mut pending = Pending::clone(&self.pending);
        let mut frontier = self.frontier.clone();
        let mut reported: HashSet<Digest> = HashSet::default();
        for (key, value) in segments {
            let first = segment_first_seq(&key)
                .ok_or_else(|| format!("a segment key past the head is malformed: {key:02x?}"))?;
            if first.get() != head.size {
                return Err(format!(
                    "a segment starts at seq {first}, but the log ends before seq {}",
                    head.size
                ));
            }
            let unreadable = || format!("the segment at seq {first} is unreadable");
            let framed = packing::unpack(&value).ok_or_else(unreadable)?;
            for bytes in unframe(&framed).ok_or_else(unreadable)? {
                let seq = Seq::new(head.size);
                let record = decode_record(seq, bytes).map_err(|e| e.to_string())?;
                if record.entry.prev != head.last_id {
                    return Err(format!(
                        "seq {seq} names {} as the entry before it, but that is {}",
                        record.entry.prev, head.last_id
                    ));
                }
                let mut id_digest = [0u8; DIGEST_LEN];
                id_digest.copy_from_slice(&record.id.as_bytes()[..DIGEST_LEN]);
                pending.records.push((Family::EntryId, id_digest, seq));
                let fact = &record.entry.fact;
                let key_digest = text_digest(Family::FactKey, &fact.key);
                pending.records.push((Family::FactKey, key_digest, seq));
                for incident in incident_keys_of(&fact.body) {
                    let digest = text_digest(Family::IncidentKey, incident);
                    if reported.insert(digest)
                        && !pending.holds_record(Family::IncidentKey, &digest)
                    {
                        pending.unsettled_incidents.push((digest, seq));
                    }
                }
                if let Ok(frontier) = &mut frontier {
                    frontier.push(&Blake3, *record.id.as_bytes(), |level, index, hash| {
                        pending.nodes.push((level, index, *hash));
                    });
                }
                head = Head {
                    size: seq.get() + 1,
                    last_id: record.id,
                    last_recorded_at: record.entry.recorded_at,
                };
            }
        }
        self.head = head;
        self.pending = Arc::new(pending);
        self.frontier = frontier;
        Ok(())
    }
}
