//! Reading the log in bulk, decoded on every core.
//!
//! A rebuild of the projections folds every entry in order, and the audit checks
//! them in order, but unpacking and decoding an entry (with its canonical-form
//! check) depends on its bytes alone. So [`Journal::prepared_segments`] reads
//! stored segments in batches of a few MiB and prepares each batch on every core
//! while its caller takes the batch before: [`Journal::entries`] decodes them
//! for a fold, the audit (`audit.rs`) summarises them for its checks. Ids and
//! stored bytes are not kept by `entries`, since a fold needs neither;
//! [`Journal::scan`] gives them, one entry at a time, where they are wanted.

use super::layout::{segment_first_seq, unframe, SEGMENT_PREFIX};
use super::{decode_checked, packing, Journal, ReadError};
use crate::entry::{Entry, Seq};
use crate::parallel::Background;

/// How many stored segment bytes go into one batch (small in unit tests, so
/// that small ledgers span many batches).
const BATCH_BYTES: usize = if cfg!(test) { 64 << 10 } else { 4 << 20 };

/// A segment as stored: its first seq (`None` if its key is malformed) and its
/// stored (usually packed) bytes.
pub(super) struct StoredSegment {
    pub(super) first: Option<u64>,
    pub(super) stored: Vec<u8>,
}

/// One segment's entries in the range, or why it could not be read.
type Decoded = Result<Vec<Entry>, ReadError>;

impl Journal {
    /// Reads the stored segments in key order from `start` up to the first
    /// that starts at seq `limit` or later, in batches of about
    /// [`BATCH_BYTES`]. Each batch is prepared on every core (`prepare`, one
    /// segment at a time) while `take` receives the batch before, in order;
    /// `take` returns false to stop.
    pub(super) fn prepared_segments<R, F>(
        &self,
        start: &[u8],
        limit: u64,
        prepare: F,
        take: &mut dyn FnMut(Vec<R>) -> bool,
    ) -> Result<(), ReadError>
    where
        R: Send + 'static,
        F: Fn(StoredSegment) -> R + Send + Sync + Copy + 'static,
    {
        let mut batch: Vec<StoredSegment> = Vec::new();
        let mut batch_bytes = 0;
        let mut in_flight: Option<Background<R>> = None;
        let mut stopped = false;
        self.store
            .scan(SEGMENT_PREFIX, start, &mut |key, segment| {
                let first = segment_first_seq(key).map(Seq::get);
                if first.is_some_and(|first| first >= limit) {
                    return false;
                }
                batch_bytes += segment.len();
                batch.push(StoredSegment {
                    first,
                    stored: segment.to_vec(),
                });
                if batch_bytes >= BATCH_BYTES {
                    batch_bytes = 0;
                    let next = Background::map_owned(std::mem::take(&mut batch), 2, prepare);
                    if let Some(previous) = in_flight.replace(next) {
                        if !take(previous.join()) {
                            stopped = true;
                            return false;
                        }
                    }
                }
                true
            })?;
        if !stopped {
            let last = Background::map_owned(batch, 2, prepare);
            for preparing in in_flight.into_iter().chain([last]) {
                if !take(preparing.join()) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Visits the entries with seqs in `from..to` (and below the head) in log
    /// order, until `visit` returns false. Same entries and errors as
    /// [`Journal::scan`], decoded on every core.
    pub fn entries(
        &self,
        from: Seq,
        to: Seq,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<(), ReadError> {
        let (from, end) = (from.get(), to.get().min(self.head.size));
        if from >= end {
            return Ok(());
        }
        let start = self.segment_key_at_or_before(Seq::new(from))?;
        let mut failure = None;
        self.prepared_segments(
            &start,
            end,
            move |segment| decode_segment(segment, from, end),
            &mut |batch: Vec<Decoded>| {
                for segment in batch {
                    match segment {
                        Err(e) => {
                            failure = Some(e);
                            return false;
                        }
                        Ok(entries) => {
                            for entry in entries {
                                if !visit(entry) {
                                    return false;
                                }
                            }
                        }
                    }
                }
                true
            },
        )?;
        failure.map_or(Ok(()), Err)
    }
}

/// The entries of one stored segment with seqs in `from..end`.
fn decode_segment(segment: StoredSegment, from: u64, end: u64) -> Decoded {
    let Some(first) = segment.first else {
        // A segment under a malformed key: as `Journal::scan` reports it.
        return Err(ReadError::Segment {
            seq: Seq::new(from),
        });
    };
    let damaged = || ReadError::Segment {
        seq: Seq::new(first),
    };
    let framed = packing::unpack(&segment.stored).ok_or_else(damaged)?;
    let frames = unframe(&framed).ok_or_else(damaged)?;
    let mut entries = Vec::with_capacity(frames.len());
    for (seq, bytes) in (first..).zip(frames) {
        if seq >= end {
            break;
        }
        if seq >= from {
            entries.push(decode_checked(Seq::new(seq), bytes)?);
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use crate::entry::Seq;
    use crate::journal::{AppendOptions, Journal};
    use crate::synth::Corpus;
    use crate::time::{FixedClock, Timestamp};

    /// A ledger of `n` synthetic facts, appended in batches of `batch`.
    fn ledger(n: u64, batch: usize) -> Journal {
        let mut journal = Journal::in_memory("entries-test").unwrap();
        let clock = FixedClock(Timestamp::from_micros(1_700_000_000_000_000));
        let options = AppendOptions {
            recorded_by: "test".into(),
            durable: false,
            dry_run: false,
        };
        let facts: Vec<_> = Corpus::new(8, n).collect();
        for chunk in facts.chunks(batch) {
            journal.append(chunk.to_vec(), &clock, &options).unwrap();
        }
        journal
    }

    fn by_scan(journal: &Journal, from: u64, to: u64) -> Vec<crate::entry::Entry> {
        let mut out = Vec::new();
        journal
            .scan(Seq::new(from), &mut |record| {
                if record.entry.seq.get() >= to {
                    return false;
                }
                out.push(record.entry);
                true
            })
            .unwrap();
        out
    }

    fn by_entries(journal: &Journal, from: u64, to: u64) -> Vec<crate::entry::Entry> {
        let mut out = Vec::new();
        journal
            .entries(Seq::new(from), Seq::new(to), &mut |entry| {
                out.push(entry);
                true
            })
            .unwrap();
        out
    }

    #[test]
    fn entries_are_the_entries_scan_gives_for_any_range() {
        // Batches of 300 facts make segments that start off the 1,024 grid, and
        // 6,300 facts make several batches of stored segments (64 KiB each in
        // unit tests).
        let journal = ledger(6_300, 300);
        let size = journal.head().size;
        for (from, to) in [
            (0, size),
            (0, 1),
            (699, 1501),
            (1024, 1025),
            (5_000, u64::MAX),
            (size, size + 5),
        ] {
            let got = by_entries(&journal, from, to);
            assert_eq!(got, by_scan(&journal, from, to), "range {from}..{to}");
            let expected = to.min(size).saturating_sub(from);
            assert_eq!(got.len() as u64, expected, "range {from}..{to}");
        }
    }

    #[test]
    fn a_visit_that_stops_is_not_called_again() {
        let journal = ledger(6_000, 1_000);
        let mut seen = 0;
        journal
            .entries(Seq::new(0), Seq::new(u64::MAX), &mut |_| {
                seen += 1;
                seen < 2_345
            })
            .unwrap();
        assert_eq!(seen, 2_345);
    }
}
