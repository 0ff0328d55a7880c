//! Reading a range of the log in bulk, decoded on every core.
//!
//! A rebuild of the projections folds every entry in order, but decoding an
//! entry (with its canonical-form check) depends on its bytes alone. So segments
//! are read from the store in batches of a few MiB, and each batch is unpacked
//! and decoded on every core while the caller folds the batch before it. Ids
//! and stored bytes are not kept, since a fold needs neither; [`Journal::scan`]
//! gives them, one entry at a time, where they are wanted.

use super::layout::{segment_first_seq, unframe, SEGMENT_PREFIX};
use super::{decode_checked, packing, Journal, ReadError};
use crate::entry::{Entry, Seq};
use crate::parallel::Background;

/// How many stored segment bytes go into one batch (small in unit tests, so
/// that small ledgers span many batches).
const BATCH_BYTES: usize = if cfg!(test) { 64 << 10 } else { 4 << 20 };

/// One segment's entries in the range, or why it could not be read.
type Decoded = Result<Vec<Entry>, ReadError>;

/// Hands decoded batches to the caller, in order, until it or a failure stops.
struct Delivery<'v> {
    visit: &'v mut dyn FnMut(Entry) -> bool,
    failure: Option<ReadError>,
}

impl Delivery<'_> {
    /// False once the caller or a failure has stopped the reading.
    fn deliver(&mut self, batch: Background<Decoded>) -> bool {
        for segment in batch.join() {
            match segment {
                Err(e) => {
                    self.failure = Some(e);
                    return false;
                }
                Ok(entries) => {
                    for entry in entries {
                        if !(self.visit)(entry) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}

impl Journal {
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
        let mut delivery = Delivery {
            visit,
            failure: None,
        };
        let mut batch: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut batch_bytes = 0;
        let mut in_flight: Option<Background<Decoded>> = None;
        let mut stopped = false;
        self.store
            .scan(SEGMENT_PREFIX, &start, &mut |key, segment| {
                let Some(first) = segment_first_seq(key) else {
                    delivery.failure = Some(ReadError::Segment {
                        seq: Seq::new(from),
                    });
                    stopped = true;
                    return false;
                };
                if first.get() >= end {
                    return false;
                }
                batch_bytes += segment.len();
                batch.push((first.get(), segment.to_vec()));
                if batch_bytes >= BATCH_BYTES {
                    batch_bytes = 0;
                    let next = decode_in_background(std::mem::take(&mut batch), from, end);
                    if let Some(previous) = in_flight.replace(next) {
                        if !delivery.deliver(previous) {
                            stopped = true;
                            return false;
                        }
                    }
                }
                true
            })?;
        if !stopped {
            let last = decode_in_background(batch, from, end);
            for decoding in in_flight.into_iter().chain([last]) {
                if !delivery.deliver(decoding) {
                    break;
                }
            }
        }
        delivery.failure.map_or(Ok(()), Err)
    }
}

/// Starts decoding a batch of stored segments on every core.
fn decode_in_background(batch: Vec<(u64, Vec<u8>)>, from: u64, end: u64) -> Background<Decoded> {
    Background::map_owned(batch, 2, move |(first, stored)| {
        decode_segment(first, &stored, from, end)
    })
}

/// The entries of one stored segment with seqs in `from..end`.
fn decode_segment(first: u64, stored: &[u8], from: u64, end: u64) -> Decoded {
    let damaged = || ReadError::Segment {
        seq: Seq::new(first),
    };
    let framed = packing::unpack(stored).ok_or_else(damaged)?;
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
