//! The second half of an append: the facts the first half accepted, in order,
//! made into entries — canonical bytes (each fact's own were encoded on every
//! core before the halves began), seq and `prev`, id, Merkle nodes — and
//! framed into segments, each packed as soon as it is full.
//!
//! Nothing here consults the ledger, so it can run beside the first half (the
//! checks against the index and the batch, in `append.rs`) on a core of its
//! own: the first half hands over the facts it has accepted in small lots, and
//! this half chains them while the next lot is being checked. Small batches
//! (under 1,024 facts, as a report from the command line) run both halves on
//! the calling thread, one lot after the other, and start no thread.

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use super::index::Digest;
use super::layout::{frame_into, segment_key, Head, SEGMENT_ENTRIES};
use super::packing;
use super::AppendError;
use crate::codec;
use crate::entry::{Seq, FORMAT_VERSION};
use crate::fact::{Fact, Problem};
use crate::hash::Id;
use crate::merkle::{Blake3, Frontier, Hash};
use crate::store::Write;
use crate::time::Timestamp;

/// The canonical bytes of a batch's facts as given, encoded on every core
/// before the halves begin (the chaining half is the longer of the two):
/// one buffer per core's part of the batch, so no allocation per fact.
pub(super) struct EncodedFacts {
    /// Facts per part (the last part may hold fewer).
    per: usize,
    parts: Vec<EncodedPart>,
}

/// One contiguous part of a batch, encoded.
pub(super) struct EncodedPart {
    bytes: Vec<u8>,
    /// Where each fact's bytes end.
    ends: Vec<usize>,
}

impl EncodedPart {
    /// The facts of `part`, encoded one after another.
    pub fn of(part: &[Fact]) -> EncodedPart {
        let mut bytes = Vec::with_capacity(part.len() * 512);
        let mut ends = Vec::with_capacity(part.len());
        for fact in part {
            codec::encode_fact_into(fact, &mut bytes);
            ends.push(bytes.len());
        }
        EncodedPart { bytes, ends }
    }
}

impl EncodedFacts {
    /// The parts of a batch, in order, each but the last of the same length.
    pub fn of(parts: Vec<EncodedPart>) -> EncodedFacts {
        let per = parts.first().map_or(1, |part| part.ends.len().max(1));
        EncodedFacts { per, parts }
    }

    /// The bytes of the batch's `index`-th fact.
    fn get(&self, index: usize) -> &[u8] {
        let part = &self.parts[index / self.per];
        let within = index % self.per;
        let start = within.checked_sub(1).map_or(0, |before| part.ends[before]);
        &part.bytes[start..part.ends[within]]
    }
}

/// A fact the first half accepted, and what the second half needs with it.
pub(super) struct Fresh {
    /// Its index in the batch (and in the report's outcomes).
    pub slot: usize,
    /// The fact, references resolved.
    pub fact: Fact,
    /// Its canonical bytes when resolving its references rewrote it (a
    /// target named by an id prefix); otherwise they are the batch's
    /// [`EncodedFacts`] at `slot`.
    pub reencoded: Option<Vec<u8>>,
    /// Its key's index digest.
    pub key_digest: Digest,
    /// The index digests of the incident keys it is the first report of,
    /// in the ledger.
    pub first_reports: Vec<Digest>,
}

/// Accepted facts as the first half hands them over: the batch's fresh facts
/// [`LOT`] at a time, shared so that the first half can still compare a
/// repeated key with the fact it names.
pub(super) type Lot = Arc<Vec<Fresh>>;

/// A lot with the time the batch is recorded at. The first half reads the
/// clock once, when it hands over its first lot: a batch with nothing to write
/// never reads it.
pub(super) type Stamped = (Timestamp, Lot);

/// How many accepted facts go over in one lot.
pub(super) const LOT: usize = 512;

/// What chaining a batch gives the rest of the append.
pub(super) struct Chained {
    /// The head after the batch.
    pub head: Head,
    /// The tree's frontier after the batch.
    pub frontier: Frontier,
    /// The permanent Merkle nodes the batch completes, in order.
    pub nodes: Vec<(u32, u64, Hash)>,
    /// Each fresh fact's slot and id, in order.
    pub ids: Vec<(usize, Id)>,
    /// Index records: entry ids, fact keys, and incident keys first reported.
    pub id_records: Vec<(Digest, Seq)>,
    /// See `id_records`.
    pub key_records: Vec<(Digest, Seq)>,
    /// Index records of the incident keys first reported in the batch: each
    /// key's digest with the seq of its first report.
    pub incident_records: Vec<(Digest, Seq)>,
    /// The segments, each as a write of its packed bytes (none in a dry run).
    pub segment_writes: Vec<Write>,
    /// The segments' framed bytes before packing, summed.
    pub framed_bytes: usize,
}

/// The chaining state of one batch.
pub(super) struct Chain<'o> {
    recorded_by: &'o str,
    encoded: &'o EncodedFacts,
    /// Whether segments are packed into writes (not in a dry run).
    write: bool,
    chained: Chained,
    /// The segment being filled: its first seq and framed bytes.
    open: Option<(Seq, Vec<u8>)>,
    bytes: Vec<u8>,
}

impl<'o> Chain<'o> {
    /// Chaining that starts at `head` and `frontier`.
    pub fn new(
        head: Head,
        frontier: Frontier,
        recorded_by: &'o str,
        encoded: &'o EncodedFacts,
        write: bool,
    ) -> Chain<'o> {
        Chain {
            recorded_by,
            encoded,
            write,
            chained: Chained {
                head,
                frontier,
                nodes: Vec::new(),
                ids: Vec::new(),
                id_records: Vec::new(),
                key_records: Vec::new(),
                incident_records: Vec::new(),
                segment_writes: Vec::new(),
                framed_bytes: 0,
            },
            open: None,
            bytes: Vec::with_capacity(512),
        }
    }

    /// Chains a lot of fresh facts, in order, recorded at `recorded_at`.
    pub fn take(&mut self, recorded_at: Timestamp, lot: &[Fresh]) -> Result<(), AppendError> {
        for fresh in lot {
            self.one(recorded_at, fresh)?;
        }
        Ok(())
    }

    fn one(&mut self, recorded_at: Timestamp, fresh: &Fresh) -> Result<(), AppendError> {
        let chained = &mut self.chained;
        let seq = Seq::new(chained.head.size);
        chained
            .incident_records
            .extend(fresh.first_reports.iter().map(|&digest| (digest, seq)));
        chained.key_records.push((fresh.key_digest, seq));
        let entry_head = codec::EntryHead {
            version: FORMAT_VERSION,
            seq,
            prev: &chained.head.last_id,
            recorded_at,
            recorded_by: self.recorded_by,
        };
        self.bytes.clear();
        codec::encode_entry_head_into(&entry_head, &mut self.bytes);
        let fact_bytes = match &fresh.reencoded {
            Some(bytes) => bytes.as_slice(),
            None => self.encoded.get(fresh.slot),
        };
        self.bytes.extend_from_slice(fact_bytes);
        if self.bytes.len() > codec::MAX_ENTRY_BYTES {
            // The reader refuses entries over this size: never write one.
            return Err(AppendError::Invalid {
                index: fresh.slot,
                problem: Problem::at(
                    "key",
                    format!(
                        "the entry would take {} bytes; an entry may take at most {} (16 MiB)",
                        self.bytes.len(),
                        codec::MAX_ENTRY_BYTES
                    ),
                ),
            });
        }
        let id = Id::of_entry(&self.bytes);
        let nodes = &mut chained.nodes;
        chained
            .frontier
            .push(&Blake3, *id.as_bytes(), |level, index, hash| {
                nodes.push((level, index, *hash))
            });
        let mut digest = [0u8; 16];
        digest.copy_from_slice(&id.as_bytes()[..16]);
        chained.id_records.push((digest, seq));
        chained.ids.push((fresh.slot, id));
        chained.head = Head {
            size: seq.get() + 1,
            last_id: id,
            last_recorded_at: recorded_at,
        };
        match &mut self.open {
            Some((first, segment)) if seq.get() - first.get() < SEGMENT_ENTRIES as u64 => {
                frame_into(segment, &self.bytes);
            }
            _ => {
                self.close_segment();
                let mut segment = Vec::with_capacity(self.bytes.len() + 4);
                frame_into(&mut segment, &self.bytes);
                self.open = Some((seq, segment));
            }
        }
        Ok(())
    }

    /// Packs the segment being filled into its write.
    fn close_segment(&mut self) {
        if let Some((first, segment)) = self.open.take() {
            self.chained.framed_bytes += segment.len();
            if self.write {
                self.chained
                    .segment_writes
                    .push(Write::Put(segment_key(first), packing::pack(segment)));
            }
        }
    }

    /// Everything chained.
    pub fn finish(mut self) -> Chained {
        self.close_segment();
        self.chained
    }

    /// Chains every lot `lots` brings until the sender is dropped, then
    /// finishes; on a worker thread, beside the first half. After an error it
    /// keeps draining the lots, so the first half never waits on a full
    /// channel, and returns the error.
    pub fn run(mut self, lots: Receiver<Stamped>) -> Result<Chained, AppendError> {
        let mut failed = None;
        for (recorded_at, lot) in lots {
            if failed.is_none() {
                failed = self.take(recorded_at, &lot).err();
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(self.finish()),
        }
    }
}

/// Where the first half hands over its lots.
pub(super) enum Handover<'o> {
    /// Chained here, lot by lot; the first error is kept. (Boxed: a chain is
    /// large beside a sender.)
    Inline(Box<Chain<'o>>, Result<(), AppendError>),
    /// Chained on a worker.
    Worker(SyncSender<Stamped>),
    /// Not chained: the ledger's Merkle frontier could not be loaded, so the
    /// batch can only fail, once its facts have been checked.
    Nowhere,
}

impl Handover<'_> {
    /// Hands over one lot.
    pub fn give(&mut self, recorded_at: Timestamp, lot: Lot) {
        match self {
            Handover::Inline(chain, state) => {
                if state.is_ok() {
                    *state = chain.take(recorded_at, &lot);
                }
            }
            // The worker only goes away once the sender is dropped, so the
            // send cannot fail; were it to, the join reports the worker's end.
            Handover::Worker(lots) => {
                let _ = lots.send((recorded_at, lot));
            }
            Handover::Nowhere => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel;
    use crate::synth::Corpus;

    /// Each fact's bytes are found where its part put them, whatever the
    /// number of parts and wherever a part ends.
    #[test]
    fn encoded_facts_give_each_facts_own_bytes() {
        for n in [0, 1, 2, 255, 256, 1001] {
            let facts: Vec<Fact> = Corpus::new(9, n).collect();
            let encoded = EncodedFacts::of(parallel::map_parts(&facts, 2, EncodedPart::of));
            for (index, fact) in facts.iter().enumerate() {
                assert_eq!(
                    encoded.get(index),
                    codec::encode_fact(fact),
                    "{n} facts, #{index}"
                );
            }
        }
    }
}
