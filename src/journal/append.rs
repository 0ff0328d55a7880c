//! Appending a batch: validate → resolve references → encode → hash → commit.
//!
//! Every fact is checked on its own, then against the ledger and the facts before
//! it in the same batch (a file may hold a source and the incidents it reports).
//! Only when every fact passes are seqs assigned and the entries, their index
//! records and Merkle nodes (as runs) and the head written in one atomic
//! commit — or, while few entries are unfolded, the segment alone, with the
//! records and nodes kept in memory (pending.rs, tail.rs). A fact whose
//! key is already recorded with the same content is reported as "already
//! recorded at seq N" and not written again.
//!
//! The in-order work runs in two halves side by side: this file's checks
//! against the ledger and the batch, on the calling thread, and the chaining of
//! the facts they accept (`chain.rs`), on a worker for a large batch.

use super::chain::{Chain, Chained, EncodedFacts, EncodedPart, Fresh, Handover, Lot, LOT};
use super::index::{text_digest, Digest, Family, IndexReader, MAX_ENTRIES};
use super::layout::{Head, LAYOUT_VERSION, META_HEAD, META_PENDING, META_RUNS};
use super::pending::{Pending, FOLD_AT};
use super::tree::NodeWrites;
use super::{AppendError, Journal, ReadError, ResolveError};
use crate::codec;
use crate::entry::Seq;
use crate::fact::{Fact, FactBody, FactKind, Problem, Reference};
use crate::fast_hash::{HashMap, HashSet};
use crate::hash::{Id, IdPrefix};
use crate::parallel;
use crate::store::{Write, SMALL_VALUE_MAX};
use crate::time::{Clock, Timestamp};
use smallvec::SmallVec;
use std::sync::Arc;

/// How to append.
#[derive(Clone, Debug)]
pub struct AppendOptions {
    /// Who is recording (stored in every entry).
    pub recorded_by: String,
    /// Flush to disk before reporting success.
    pub durable: bool,
    /// Validate and report, write nothing.
    pub dry_run: bool,
}

/// What happened to one fact of a batch.
///
/// Outcomes hold no keys: outcome `i` is input fact `i`'s, and a
/// million-fact import would otherwise copy a million keys only to drop them
/// (docs/performance.md, round 16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FactOutcome {
    /// Recorded (or, in a dry run, would be) at this seq with this id.
    Recorded {
        /// Its kind.
        kind: FactKind,
        /// Where it went.
        seq: Seq,
        /// Its id.
        id: Id,
    },
    /// The same fact was already recorded; nothing was written for it.
    AlreadyRecorded {
        /// Where it already is.
        seq: Seq,
    },
}

/// The result of an append.
#[derive(Clone, Debug)]
pub struct AppendReport {
    /// One outcome per input fact, in order.
    pub outcomes: Vec<FactOutcome>,
    /// The head after the append (unchanged by a dry run or an all-duplicate batch).
    pub head: Head,
    /// Whether anything was written.
    pub committed: bool,
}

/// What the batch knows about a fact: from the ledger or from earlier in the batch.
#[derive(Clone, Copy)]
struct Known {
    seq: Seq,
    kind: FactKind,
    /// Where the fact itself is, to tell a re-append from a conflicting key.
    whence: Whence,
}

/// Where a known fact is.
#[derive(Clone, Copy)]
enum Whence {
    /// In the ledger, at `Known::seq`; its key is at this index of
    /// [`KnownKeys::ledger_keys`].
    Ledger(usize),
    /// Earlier in this batch, at this index of its fresh facts.
    Batch(usize),
}

/// The facts a batch has met, by their key's index digest: the digest the
/// checks on every core already worked out for each fact's own key, so the
/// appending thread neither copies nor hashes a key string to remember a
/// fact. Every hit is confirmed against the key itself, so two keys that
/// share a digest are still told apart.
#[derive(Default)]
struct KnownKeys {
    by_digest: HashMap<Digest, Known>,
    /// The keys of the facts met in the ledger (a fresh fact's key is read
    /// from the batch).
    ledger_keys: Vec<String>,
    /// Facts whose digest another key had taken first. (No two keys are
    /// known to share the first 128 bits of their BLAKE3 digest.)
    shared_digest: Vec<(String, Known)>,
}

impl KnownKeys {
    /// The fact with this key and digest, if the batch has met it.
    fn get(&self, key: &str, digest: &Digest, fresh: &Accepted) -> Option<Known> {
        let known = self.by_digest.get(digest)?;
        if self.key_of(known, fresh) == Some(key) {
            return Some(*known);
        }
        self.shared_digest
            .iter()
            .find(|(shared, _)| shared == key)
            .map(|(_, known)| *known)
    }

    fn key_of<'a>(&'a self, known: &Known, fresh: &'a Accepted) -> Option<&'a str> {
        match known.whence {
            Whence::Ledger(at) => self.ledger_keys.get(at).map(String::as_str),
            Whence::Batch(at) => fresh.get(at).map(|f| f.fact.key.as_str()),
        }
    }

    /// Remembers a fact found in the ledger.
    fn found_in_ledger(&mut self, key: &str, digest: &Digest, seq: Seq, kind: FactKind) -> Known {
        let known = Known {
            seq,
            kind,
            whence: Whence::Ledger(self.ledger_keys.len()),
        };
        self.ledger_keys.push(key.to_owned());
        self.remember(key, digest, known);
        known
    }

    /// Remembers a fact of the batch, at index `at` of its fresh facts.
    fn accepted(&mut self, key: &str, digest: &Digest, seq: Seq, kind: FactKind, at: usize) {
        let known = Known {
            seq,
            kind,
            whence: Whence::Batch(at),
        };
        self.remember(key, digest, known);
    }

    fn remember(&mut self, key: &str, digest: &Digest, known: Known) {
        match self.by_digest.entry(*digest) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(known);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.shared_digest.push((key.to_owned(), known));
            }
        }
    }
}

/// The working state of one append.
struct Batch<'j> {
    journal: &'j Journal,
    reader: IndexReader<'j>,
    keys: KnownKeys,
    /// Incident keys known to be in the ledger or first reported in this
    /// batch, so that each is looked up in the index once.
    incident_keys: HashSet<String>,
    next_seq: u64,
}

/// Batches of at least this many facts are checked and encoded on every core.
const PARALLEL_FACTS: usize = 256;

/// What a fact gives on its own, before the ledger is consulted.
struct Alone {
    problem: Option<Problem>,
    key_digest: Digest,
}

/// Batches of at least this many facts chain on a worker thread beside the
/// checks ([`Chain`]); smaller ones chain on the calling thread, where a
/// single report's append pays no thread.
const PIPELINE_FACTS: usize = 2 * LOT;

/// How many lots may wait for the chaining worker.
const LOTS_IN_FLIGHT: usize = 4;

/// The fresh facts a batch has accepted so far: the lots handed over, and the
/// one being filled.
struct Accepted {
    lots: Vec<Lot>,
    filling: Vec<Fresh>,
    /// What a lot being filled is given room for: a batch of one report
    /// does not reserve room for [`LOT`] facts.
    room: usize,
    /// When the batch is recorded: read from the clock with the first lot.
    recorded_at: Option<Timestamp>,
}

impl Accepted {
    /// Room for a batch of `facts` facts.
    fn new(facts: usize) -> Accepted {
        let room = facts.min(LOT);
        Accepted {
            lots: Vec::new(),
            filling: Vec::with_capacity(room),
            room,
            recorded_at: None,
        }
    }

    /// How many facts have been accepted.
    fn len(&self) -> usize {
        self.lots.len() * LOT + self.filling.len()
    }

    /// The `at`-th accepted fact.
    fn get(&self, at: usize) -> Option<&Fresh> {
        match self.lots.get(at / LOT) {
            Some(lot) => lot.get(at % LOT),
            None => self.filling.get(at - self.lots.len() * LOT),
        }
    }

    /// Accepts one more, handing the lot over once it is full.
    fn push(&mut self, fresh: Fresh, stamp: &dyn Fn() -> Timestamp, handover: &mut Handover) {
        self.filling.push(fresh);
        if self.filling.len() == LOT {
            self.hand_over(stamp, handover);
        }
    }

    /// Hands over the lot being filled, if it holds anything.
    fn hand_over(&mut self, stamp: &dyn Fn() -> Timestamp, handover: &mut Handover) {
        if self.filling.is_empty() {
            return;
        }
        let recorded_at = *self.recorded_at.get_or_insert_with(stamp);
        let lot: Lot = Arc::new(std::mem::replace(
            &mut self.filling,
            Vec::with_capacity(self.room),
        ));
        handover.give(recorded_at, Arc::clone(&lot));
        self.lots.push(lot);
    }
}

impl Journal {
    /// Appends `facts` as one atomic batch.
    ///
    /// What depends on one fact alone — its check, its key's digest, its
    /// canonical bytes — is worked out on every core first. Then two halves
    /// run side by side: the checks against the ledger and the facts before it
    /// (references, keys, incident keys) in order on this thread, and the
    /// chaining of the facts they accept — entry bytes, seqs, the `prev`
    /// chain, ids, the Merkle frontier, packed segments — in order on a worker
    /// ([`Chain`]).
    pub fn append(
        &mut self,
        facts: Vec<Fact>,
        clock: &dyn Clock,
        options: &AppendOptions,
    ) -> Result<AppendReport, AppendError> {
        room_for(self.head.size, facts.len())?;
        let parts = parallel::map_parts(&facts, PARALLEL_FACTS, |part| {
            let alone: Vec<Alone> = part
                .iter()
                .map(|fact| Alone {
                    problem: fact.check().err(),
                    key_digest: text_digest(Family::FactKey, &fact.key),
                })
                .collect();
            (alone, EncodedPart::of(part))
        });
        let (alone, encoded): (Vec<Vec<Alone>>, Vec<EncodedPart>) = parts.into_iter().unzip();
        let alone: Vec<Alone> = alone.into_iter().flatten().collect();
        let encoded = EncodedFacts::of(encoded);
        let pipelined = facts.len() >= PIPELINE_FACTS;
        let chain = match &self.frontier {
            Ok(frontier) => Some(Chain::new(
                self.head,
                frontier.clone(),
                &options.recorded_by,
                &encoded,
                !options.dry_run,
            )),
            Err(_) => None,
        };
        let journal: &Journal = self;
        let last_recorded_at = journal.head.last_recorded_at;
        let stamp = || clock.now().max(last_recorded_at);
        let (accepted, chained) = std::thread::scope(|scope| {
            let (mut handover, worker) = match chain {
                Some(chain) if pipelined => {
                    let (lots, received) = std::sync::mpsc::sync_channel(LOTS_IN_FLIGHT);
                    let worker = scope.spawn(move || chain.run(received));
                    (Handover::Worker(lots), Some(worker))
                }
                Some(chain) => (Handover::Inline(Box::new(chain), Ok(())), None),
                None => (Handover::Nowhere, None),
            };
            let mut batch = Batch {
                journal,
                reader: journal.index_reader(),
                keys: KnownKeys::default(),
                incident_keys: HashSet::default(),
                next_seq: journal.head.size,
            };
            // The accepted facts are let go here, while the worker chains
            // the last lots (it frees those it still holds). This thread is
            // the longer half, so a pipelined batch's are freed on a thread
            // of their own, on the time the chaining leaves.
            let accepted =
                batch
                    .accept(facts, alone, &stamp, &mut handover)
                    .map(|(outcomes, fresh)| {
                        let len = fresh.len();
                        if pipelined {
                            parallel::free_in_background(fresh);
                        }
                        (outcomes, batch.reader, len)
                    });
            let chained = match (handover, worker) {
                (Handover::Inline(chain, state), _) => state.map(|()| Some(chain.finish())),
                (Handover::Worker(lots), Some(worker)) => {
                    drop(lots);
                    match worker.join() {
                        Ok(chained) => chained.map(Some),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                _ => Ok(None),
            };
            (accepted, chained)
        });
        // The checks' verdict comes first, as it would were the halves run
        // one after the other.
        let (mut outcomes, mut reader, fresh) = accepted?;
        if fresh == 0 {
            return Ok(AppendReport {
                outcomes,
                head: self.head,
                committed: false,
            });
        }
        let Some(chained) = chained? else {
            // Only a frontier that could not be loaded leaves a batch unchained.
            let why = self.frontier.as_ref().err().cloned().unwrap_or_default();
            return Err(AppendError::Tree(why));
        };
        for &(slot, id) in &chained.ids {
            if let FactOutcome::Recorded { id: slot_id, .. } = &mut outcomes[slot] {
                *slot_id = id;
            }
        }
        let pending_entries = self
            .pending
            .records
            .iter()
            .filter(|(family, _, _)| *family == Family::EntryId)
            .count() as u64;
        let entries = chained.ids.len() as u64;
        let Chained {
            head,
            frontier,
            nodes: batch_nodes,
            mut id_records,
            mut key_records,
            mut incident_records,
            segment_writes,
            framed_bytes,
            ..
        } = chained;
        // A batch that would leave more than FOLD_AT entries' records pending,
        // or whose segment is not a small value (the tail is read from small
        // values only: tail.rs), writes the pending records and nodes as runs
        // with its own, and the head; any other adds its own to them and
        // writes only its segment.
        let fold = pending_entries + entries > FOLD_AT || framed_bytes > SMALL_VALUE_MAX;
        let mut nodes = NodeWrites::default();
        if fold {
            for &(family, digest, seq) in &self.pending.records {
                match family {
                    Family::FactKey => key_records.push((digest, seq)),
                    Family::EntryId => id_records.push((digest, seq)),
                    Family::IncidentKey => incident_records.push((digest, seq)),
                }
            }
            incident_records.extend(reader.first_reports_among(&self.pending.unsettled_incidents)?);
            for (level, index, hash) in &self.pending.nodes {
                nodes.add(*level, *index, hash);
            }
            for (level, index, hash) in &batch_nodes {
                nodes.add(*level, *index, hash);
            }
        }

        if options.dry_run {
            return Ok(AppendReport {
                outcomes,
                head: self.head,
                committed: false,
            });
        }
        let mut writes: Vec<Write> = segment_writes;
        let mut manifest = self.manifest.clone();
        let pending = if fold {
            writes.extend(nodes.into_writes());
            let families = vec![
                (Family::FactKey, key_records),
                (Family::EntryId, id_records),
                (Family::IncidentKey, incident_records),
            ];
            reader.plan_add_families(families, &mut manifest, &mut writes)?;
            writes.push(Write::Put(META_RUNS.to_vec(), manifest.encode()));
            writes.push(Write::Put(META_HEAD.to_vec(), head.encode()));
            // Where a ledger of layout 2 kept its pending records.
            writes.push(Write::Delete(META_PENDING.to_vec()));
            Pending::default()
        } else {
            let mut pending = Pending::clone(&self.pending);
            let families = [
                (Family::FactKey, key_records),
                (Family::EntryId, id_records),
                (Family::IncidentKey, incident_records),
            ];
            for (family, records) in families {
                pending.records.extend(
                    records
                        .into_iter()
                        .map(|(digest, seq)| (family, digest, seq)),
                );
            }
            pending.nodes.extend(batch_nodes);
            // Only the segment: the records, the nodes and the head are
            // derived from it when the ledger is opened (tail.rs).
            pending
        };
        self.raise_layout(&mut writes);
        self.store.commit(writes)?;
        // The batch is in the store from here on: the journal follows it before
        // anything else can fail, or it would disagree with its own store.
        self.chunks.install_runs(reader.take_planned_runs());
        self.layout = LAYOUT_VERSION;
        self.head = head;
        self.manifest = manifest;
        self.pending = std::sync::Arc::new(pending);
        self.frontier = Ok(frontier);
        if options.durable {
            self.store
                .flush()
                .map_err(|source| AppendError::NotDurable {
                    size: head.size,
                    source,
                })?;
        }
        Ok(AppendReport {
            outcomes,
            head,
            committed: true,
        })
    }
}

/// Refuses a batch of `facts` that could take a ledger of `size` entries past
/// [`MAX_ENTRIES`] (the index keeps seqs in 5 bytes).
fn room_for(size: u64, facts: usize) -> Result<(), AppendError> {
    match size.checked_add(facts as u64) {
        Some(after) if after <= MAX_ENTRIES => Ok(()),
        _ => Err(AppendError::Full { size, facts }),
    }
}

/// A reference that failed: a problem to show the user, or a read failure.
pub(super) enum RefError {
    Problem(Problem),
    Read(ReadError),
}

impl From<ReadError> for RefError {
    fn from(e: ReadError) -> RefError {
        RefError::Read(e)
    }
}

fn lift(index: usize, e: RefError) -> AppendError {
    match e {
        RefError::Problem(problem) => AppendError::Invalid { index, problem },
        RefError::Read(read) => AppendError::Read(read),
    }
}

pub(super) fn incident_keys_of(body: &FactBody) -> Vec<&str> {
    match body {
        FactBody::Incident(i) => vec![i.incident.as_str()],
        FactBody::Correction(c) => incident_keys_of(&c.replacement),
        _ => Vec::new(),
    }
}

impl Batch<'_> {
    /// The fact with this key, earlier in the batch or in the ledger. A fact
    /// found in the ledger is remembered for the rest of the batch: a batch
    /// names the same sources and targets again and again.
    /// `fresh` holds the facts the batch has accepted so far.
    fn lookup_key(&mut self, key: &str, fresh: &Accepted) -> Result<Option<Known>, ReadError> {
        self.lookup_key_digest(key, &text_digest(Family::FactKey, key), fresh)
    }

    /// [`Batch::lookup_key`] with the key's index digest already worked out.
    fn lookup_key_digest(
        &mut self,
        key: &str,
        digest: &Digest,
        fresh: &Accepted,
    ) -> Result<Option<Known>, ReadError> {
        if let Some(known) = self.keys.get(key, digest, fresh) {
            return Ok(Some(known));
        }
        let seqs = self.reader.find(Family::FactKey, digest)?;
        for seq in seqs {
            if let Some(record) = self.journal.read(seq)? {
                if record.entry.fact.key == key {
                    let (seq, kind) = (record.entry.seq, record.entry.fact.kind());
                    return Ok(Some(self.keys.found_in_ledger(key, digest, seq, kind)));
                }
            }
        }
        Ok(None)
    }

    /// The index digest of the incident `key` if neither the batch nor the
    /// ledger knows it; `None` if one does. A key found in the ledger is
    /// remembered for the rest of the batch, so each is looked up once.
    fn unknown_incident(&mut self, key: &str) -> Result<Option<Digest>, ReadError> {
        if self.incident_keys.contains(key) {
            return Ok(None);
        }
        let digest = text_digest(Family::IncidentKey, key);
        if self.reader.find(Family::IncidentKey, &digest)?.is_empty() {
            return Ok(Some(digest));
        }
        self.incident_keys.insert(key.to_owned());
        Ok(None)
    }

    /// Remembers the incident keys a fact reports, and returns the index
    /// digests of those that neither the ledger nor the batch knew: only
    /// their first report goes into the incident-key index.
    fn note_incident_keys(&mut self, body: &FactBody) -> Result<Vec<Digest>, ReadError> {
        let mut first = Vec::new();
        for key in incident_keys_of(body) {
            if let Some(digest) = self.unknown_incident(key)? {
                self.incident_keys.insert(key.to_owned());
                first.push(digest);
            }
        }
        Ok(first)
    }

    /// The first half of an append: checks `facts` in order against the
    /// ledger and the facts before them, handing those to be written over to
    /// the chaining as it goes. Returns one outcome per fact and how many are
    /// to be written, or the first fact's problem.
    fn accept(
        &mut self,
        facts: Vec<Fact>,
        alone: Vec<Alone>,
        stamp: &dyn Fn() -> Timestamp,
        handover: &mut Handover,
    ) -> Result<(Vec<FactOutcome>, Accepted), AppendError> {
        let mut outcomes = Vec::with_capacity(facts.len());
        let mut fresh = Accepted::new(facts.len());
        for ((index, mut fact), alone) in facts.into_iter().enumerate().zip(alone) {
            let invalid = |problem: Problem| AppendError::Invalid { index, problem };
            if let Some(problem) = alone.problem {
                return Err(invalid(problem));
            }
            let rewritten = self
                .resolve_references(&mut fact, &fresh)
                .map_err(|e| lift(index, e))?;
            if let Some(known) = self.lookup_key_digest(&fact.key, &alone.key_digest, &fresh)? {
                let same = match known.whence {
                    Whence::Batch(at) => fresh.get(at).is_some_and(|f| f.fact == fact),
                    Whence::Ledger(_) => self
                        .journal
                        .read(known.seq)?
                        .is_some_and(|record| record.entry.fact == fact),
                };
                if same {
                    outcomes.push(FactOutcome::AlreadyRecorded { seq: known.seq });
                    continue;
                }
                return Err(invalid(Problem::at(
                    "key",
                    format!(
                        "key `{}` is already used by a different fact ({}) at seq {}; a key names one fact forever, so append a correction to change it",
                        fact.key, known.kind.with_article(), known.seq
                    ),
                )));
            }
            let seq = Seq::new(self.next_seq);
            self.next_seq += 1;
            let first_reports = self.note_incident_keys(&fact.body)?;
            self.keys
                .accepted(&fact.key, &alone.key_digest, seq, fact.kind(), fresh.len());
            outcomes.push(FactOutcome::Recorded {
                kind: fact.kind(),
                seq,
                id: Id::from_bytes([0; 32]),
            });
            let reencoded = rewritten.then(|| codec::encode_fact(&fact));
            let fresh_fact = Fresh {
                slot: index,
                fact,
                reencoded,
                key_digest: alone.key_digest,
                first_reports,
            };
            fresh.push(fresh_fact, stamp, handover);
        }
        fresh.hand_over(stamp, handover);
        Ok((outcomes, fresh))
    }

    /// Checks every reference and rewrites an id-prefix target to the
    /// target's key; says whether it did.
    fn resolve_references(&mut self, fact: &mut Fact, fresh: &Accepted) -> Result<bool, RefError> {
        let mut rewritten = false;
        if let Some(target) = fact.body.target().map(str::to_owned) {
            let (key, kind) = self.resolve_target(&target, fresh)?;
            check_target_kind(BodyShape::of(&fact.body), kind, &key)?;
            if key != target {
                if let Some(slot) = fact.body.target_mut() {
                    *slot = key.into();
                    rewritten = true;
                }
            }
        }
        if let FactBody::Correction(c) = &fact.body {
            if let Some(inner) = c.replacement.target() {
                // Inside a replacement the target must be a key: the replacement
                // is stored as written, so there is nothing to rewrite a prefix to.
                let path = "replacement.target";
                match self.lookup_key(inner, fresh)? {
                    Some(known) if known.kind.is_revisable() => {}
                    Some(known) => {
                        return Err(RefError::Problem(Problem::at(
                            path,
                            format!(
                                "`{inner}` is {}; point at the original fact instead",
                                known.kind.with_article()
                            ),
                        )))
                    }
                    None => {
                        return Err(RefError::Problem(Problem::at(
                            path,
                            format!("no fact with key `{inner}` in the ledger or earlier in this batch (inside a replacement, name the target by its key)"),
                        )))
                    }
                }
            }
        }
        // By position among the fact's references: a path is worked out
        // only for the message of one that fails.
        let mut refs: SmallVec<[(usize, Reference<'_>); 4]> = SmallVec::new();
        fact.body.each_reference(&mut |_, _, reference| {
            refs.push((refs.len(), reference));
        });
        for (at, reference) in refs {
            let (key, is_source) = match reference {
                Reference::Source(key) => (key, true),
                Reference::IncidentKey(key) => (key, false),
                Reference::Target(_) => continue,
            };
            let path = || {
                let named = fact.body.reference_at(at);
                named.map(|(path, _)| path).unwrap_or_default()
            };
            if is_source {
                match self.lookup_key(key, fresh)? {
                    Some(known) if known.kind == FactKind::Source => {}
                    Some(known) => {
                        return Err(RefError::Problem(Problem::at(
                            path(),
                            format!(
                                "`{key}` is {} (seq {}), not a source",
                                known.kind.with_article(),
                                known.seq
                            ),
                        )))
                    }
                    None => {
                        return Err(RefError::Problem(Problem::at(
                            path(),
                            format!(
                                "no source with key `{key}` in the ledger or earlier in this batch"
                            ),
                        )))
                    }
                }
            } else if self.unknown_incident(key)?.is_some() {
                return Err(RefError::Problem(Problem::at(
                    path(),
                    format!("no incident with key `{key}` has been reported in the ledger or earlier in this batch"),
                )));
            }
        }
        Ok(rewritten)
    }

    /// A target named by key, or by an id prefix of an entry in the ledger.
    fn resolve_target(
        &mut self,
        text: &str,
        fresh: &Accepted,
    ) -> Result<(String, FactKind), RefError> {
        if let Some(known) = self.lookup_key(text, fresh)? {
            return Ok((text.to_owned(), known.kind));
        }
        let problem = |message: String| RefError::Problem(Problem::at("target", message));
        let prefix = IdPrefix::parse(text).map_err(|reason| {
            problem(
                ResolveError::BadPrefix {
                    text: text.to_owned(),
                    reason,
                }
                .to_string(),
            )
        })?;
        let mut matches = self.journal.find_id_prefix(&prefix, 5)?;
        match matches.len() {
            0 => Err(problem(format!(
                "no fact with key or id prefix `{text}` in the ledger or earlier in this batch"
            ))),
            1 => {
                let record = matches.remove(0);
                Ok((record.entry.fact.key.to_string(), record.entry.fact.kind()))
            }
            _ => Err(problem(
                ResolveError::Ambiguous {
                    text: text.to_owned(),
                    matches: matches
                        .iter()
                        .map(|r| format!("seq {} ({})", r.entry.seq, r.id.short()))
                        .collect(),
                }
                .to_string(),
            )),
        }
    }
}

pub(super) fn check_target_kind(
    shape: BodyShape,
    target_kind: FactKind,
    key: &str,
) -> Result<(), RefError> {
    let problem = |path: &str, message: String| Err(RefError::Problem(Problem::at(path, message)));
    match shape.kind {
        FactKind::Retraction if target_kind == FactKind::Retraction => problem(
            "target",
            format!("`{key}` is itself a retraction; a retraction cannot be retracted"),
        ),
        FactKind::Retraction => Ok(()),
        _ if !target_kind.is_revisable() => problem(
            "target",
            format!("`{key}` is {}; point at the original fact instead", target_kind.with_article()),
        ),
        _ => match shape.replacement {
            Some(replacement) if replacement != target_kind => problem(
                "replacement.kind",
                format!(
                    "the replacement is {} but `{key}` is {}; a correction must replace a fact of the same kind",
                    replacement.with_article(),
                    target_kind.with_article()
                ),
            ),
            _ => Ok(()),
        },
    }
}

/// What [`check_target_kind`] needs of the revising fact: its kind and, for a
/// correction, its replacement's kind.
#[derive(Clone, Copy, Debug)]
pub(super) struct BodyShape {
    kind: FactKind,
    replacement: Option<FactKind>,
}

impl BodyShape {
    pub(super) fn of(body: &FactBody) -> BodyShape {
        BodyShape {
            kind: body.kind(),
            replacement: match body {
                FactBody::Correction(c) => Some(c.replacement.kind()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch is refused when it could take the ledger past 2^40 entries,
    /// and the message says how many there are and how many it can hold.
    #[test]
    fn a_batch_that_could_pass_the_most_entries_is_refused() {
        assert!(room_for(0, 10_000).is_ok());
        assert!(room_for(MAX_ENTRIES - 3, 3).is_ok());
        let refused = room_for(MAX_ENTRIES - 3, 4).unwrap_err();
        assert!(matches!(refused, AppendError::Full { facts: 4, .. }));
        let said = refused.to_string();
        assert!(said.contains("1099511627773 entries"), "{said}");
        assert!(said.contains("at most 2^40"), "{said}");
        assert!(room_for(u64::MAX, 1).is_err());
    }

    /// Two keys with one digest (which BLAKE3 will not give; made up here)
    /// are both remembered and each found under its own key; a third key
    /// with that digest is not mistaken for either.
    #[test]
    fn keys_that_share_a_digest_are_told_apart() {
        let digest: Digest = [7; 16];
        let none = Accepted::new(0);
        let mut keys = KnownKeys::default();
        keys.found_in_ledger("src-a", &digest, Seq::new(3), FactKind::Source);
        keys.found_in_ledger("inc-b", &digest, Seq::new(9), FactKind::Incident);
        let a = keys.get("src-a", &digest, &none).expect("the first key");
        assert_eq!((a.seq, a.kind), (Seq::new(3), FactKind::Source));
        let b = keys.get("inc-b", &digest, &none).expect("the second key");
        assert_eq!((b.seq, b.kind), (Seq::new(9), FactKind::Incident));
        assert!(keys.get("other", &digest, &none).is_none());
        assert!(keys.get("src-a", &[8; 16], &none).is_none());
    }
}
