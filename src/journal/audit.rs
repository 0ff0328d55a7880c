//! `audit` (DESIGN §5): re-derive everything the log promises from the stored
//! bytes alone and name the first place where the store disagrees.
//!
//! One pass over the entry segments in key order re-hashes every entry, checks its
//! seq, `prev`, clock, canonical encoding, content and references, and pushes its
//! id into a fresh Merkle frontier; every permanent node that push produces is
//! compared with the stored node of the same position (read run by run, one
//! cursor per level). The root is taken at the size of every stored checkpoint and
//! of a trusted one, whose signatures are verified. Nothing is trusted from the
//! store but the bytes: the head record, the node runs and the checkpoints are all
//! checked against what the entries give.

use std::collections::HashMap;

use smallvec::SmallVec;

use super::append::{check_target_kind, incident_keys_of, BodyShape, RefError};
use super::entries::StoredSegment;
use super::layout::{frame_ranges, node_first_index, node_key, node_level_prefix, SEGMENT_PREFIX};
use super::packing;
use super::{Journal, ReadError};
use crate::codec;
use crate::entry::FORMAT_VERSION;
use crate::fact::{FactBody, FactKind, Reference};
use crate::fast_hash;
use crate::hash::Id;
use crate::merkle::{Blake3, Frontier, Hash, Hasher};
use crate::note::{SignedCheckpoint, VerifierKey};
use crate::store::Store;
use crate::time::Timestamp;

/// What to check besides the ledger itself.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// A checkpoint the auditor trusts, with the key it must be signed by: the
    /// ledger must extend it (catches truncation and forks).
    pub trusted: Option<(SignedCheckpoint, VerifierKey)>,
    /// The key every stored checkpoint must be signed by (otherwise each is
    /// checked against the verifier key stored with it).
    pub pubkey: Option<VerifierKey>,
    /// Counts the entries checked, for a progress bar.
    pub progress: crate::progress::Progress,
}

/// Where a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The entry at this seq (or the first entry a problem affects).
    Seq(u64),
    /// The head record.
    Head,
    /// The stored checkpoint at this size.
    Checkpoint(u64),
    /// The trusted checkpoint given to the audit.
    Trusted,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Seq(n) => write!(f, "seq {n}"),
            Place::Head => f.write_str("the head record"),
            Place::Checkpoint(size) => write!(f, "the stored checkpoint at size {size}"),
            Place::Trusted => f.write_str("the trusted checkpoint"),
        }
    }
}

/// One thing found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Where.
    pub place: Place,
    /// What, in one sentence.
    pub reason: String,
}

/// The most findings kept in a report (the count of all is kept too).
pub const MAX_FINDINGS: usize = 1000;

/// What an audit checked and found.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The ledger's origin.
    pub origin: String,
    /// Entries the head record says there are.
    pub size: u64,
    /// Entries read and checked.
    pub entries_checked: u64,
    /// Stored Merkle nodes compared.
    pub nodes_checked: u64,
    /// Stored checkpoints checked.
    pub checkpoints_checked: u64,
    /// Whether a trusted checkpoint was checked (and at which size).
    pub trusted_size: Option<u64>,
    /// The root recomputed from the entries.
    pub root: Hash,
    /// The last entry's id recomputed from its bytes (the genesis value if empty).
    pub head_id: Id,
    /// Findings, sorted by place, at most [`MAX_FINDINGS`].
    pub findings: Vec<Finding>,
    /// How many findings there were in all.
    pub finding_count: u64,
}

impl AuditReport {
    /// No finding.
    pub fn is_clean(&self) -> bool {
        self.finding_count == 0
    }

    /// The first finding, as one line: "seq 57: …".
    pub fn first_problem(&self) -> Option<String> {
        self.findings
            .first()
            .map(|f| format!("{}: {}", f.place, f.reason))
    }
}

/// Reads the node runs of one level in order, one store read per run.
struct NodeCursor {
    level: u32,
    /// The run in hand: its first index and hashes.
    first: u64,
    run: Vec<u8>,
}

impl NodeCursor {
    fn new(level: u32) -> NodeCursor {
        NodeCursor {
            level,
            first: 0,
            run: Vec::new(),
        }
    }

    /// The stored node `index` of this level, if the stored runs hold it.
    fn get(&mut self, store: &dyn Store, index: u64) -> Result<Option<Hash>, ReadError> {
        if let Some(hash) = self.in_hand(index) {
            return Ok(Some(hash));
        }
        let prefix = node_level_prefix(self.level);
        let found = store.last_at_or_before(&prefix, &node_key(self.level, index))?;
        let Some(first) = found.as_ref().and_then(|(key, _)| node_first_index(key)) else {
            return Ok(None);
        };
        if let Some((_, run)) = found {
            self.first = first;
            self.run = run;
        }
        Ok(self.in_hand(index))
    }

    fn in_hand(&self, index: u64) -> Option<Hash> {
        let offset = usize::try_from(index.checked_sub(self.first)?).ok()?;
        let bytes = self.run.get(offset * 32..offset * 32 + 32)?;
        <Hash>::try_from(bytes).ok()
    }
}

/// The state of the pass over the entries.
struct Pass<'j> {
    journal: &'j Journal,
    findings: Vec<Finding>,
    finding_count: u64,
    frontier: Frontier,
    cursors: Vec<NodeCursor>,
    nodes_checked: u64,
    /// Where the next entry is expected.
    next: u64,
    prev_id: Id,
    last_recorded_at: Option<Timestamp>,
    /// Fact keys seen (by 128-bit digest) and their kinds.
    keys: fast_hash::HashMap<u128, (u64, FactKind)>,
    incidents: fast_hash::HashSet<u128>,
    /// Sizes at which to take the root, and the roots taken.
    wanted_roots: HashMap<u64, Option<Hash>>,
    node_failure: Option<ReadError>,
}

/// A segment, with what its entries give on their own.
struct PreparedSegment {
    first: Option<u64>,
    /// The segment's frames, unpacked: the texts of a finding are decoded
    /// from them again (`Texts`).
    bytes: Vec<u8>,
    /// One per frame below the head, or why the segment has no frames to read.
    entries: Result<Vec<Prepared>, &'static str>,
}

/// What can be derived from one entry's bytes alone, on any core.
struct Prepared {
    id: Id,
    /// Where its frame is in the segment's bytes.
    frame: std::ops::Range<usize>,
    entry: Result<Summary, String>,
}

/// What the in-order checks need of a decoded entry: digests and kinds, no
/// text. The entry itself is dropped on the core that decoded it, and the
/// keys and paths a finding names are decoded again from its bytes, which
/// only a finding pays for. (With its key and each reference's path and key
/// as strings, a summary was half a dozen allocations made on one core and
/// freed on another: `sitrep audit` of a 1M ledger took 3.9 s of CPU that
/// way, 3.7 s this way.)
struct Summary {
    version: u16,
    seq: u64,
    prev: Id,
    recorded_at: Timestamp,
    /// Why the fact is invalid on its own, if it is.
    invalid: Option<String>,
    key_digest: u128,
    kind: FactKind,
    shape: BodyShape,
    /// Its references, its replacement's own target and the incident keys
    /// it reports: kept inline up to [`INLINE_LINKS`], so that most entries
    /// make no allocation here (and the in-order pass frees none that another
    /// core made).
    links: SmallVec<[Link; INLINE_LINKS]>,
}

/// How many links a summary keeps without allocating: an incident report
/// has two (its source, its incident key), a claim one more per incident.
const INLINE_LINKS: usize = 4;

/// What a fact names, by digest.
#[derive(Clone, Copy)]
enum Link {
    /// Its reference at this position of [`FactBody::references`].
    Reference {
        index: usize,
        kind: ReferenceKind,
        /// Whether it is inside a correction's replacement.
        in_replacement: bool,
        digest: u128,
    },
    /// A correction's replacement's own target.
    ReplacementTarget(u128),
    /// An incident key it reports.
    Reports(u128),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReferenceKind {
    Source,
    Target,
    IncidentKey,
}

fn prepare(bytes: &[u8], frame: std::ops::Range<usize>) -> Prepared {
    let id = Id::of_entry(bytes);
    let entry = match codec::decode_entry(bytes) {
        Err(codec::CodecError::NonCanonical) => Err(
            "the stored bytes are not the canonical encoding of the entry they decode to"
                .to_owned(),
        ),
        Err(e) => Err(format!("the stored bytes do not decode: {e}")),
        Ok(entry) => Ok(summarise(&entry)),
    };
    Prepared { id, frame, entry }
}

fn summarise(entry: &crate::entry::Entry) -> Summary {
    let body = &entry.fact.body;
    let mut links: SmallVec<[Link; INLINE_LINKS]> = SmallVec::new();
    body.each_reference(&mut |_, in_replacement, reference| {
        let kind = match reference {
            Reference::Source(_) => ReferenceKind::Source,
            Reference::Target(_) => ReferenceKind::Target,
            Reference::IncidentKey(_) => ReferenceKind::IncidentKey,
        };
        links.push(Link::Reference {
            index: links.len(),
            kind,
            in_replacement,
            digest: digest(reference.key()),
        });
    });
    if let FactBody::Correction(c) = body {
        if let Some(inner) = c.replacement.target() {
            links.push(Link::ReplacementTarget(digest(inner)));
        }
    }
    links.extend(
        incident_keys_of(body)
            .into_iter()
            .map(|key| Link::Reports(digest(key))),
    );
    Summary {
        version: entry.version,
        seq: entry.seq.get(),
        prev: entry.prev,
        recorded_at: entry.recorded_at,
        invalid: entry.fact.check().err().map(|p| p.to_string()),
        key_digest: digest(&entry.fact.key),
        kind: entry.fact.kind(),
        shape: BodyShape::of(body),
        links,
    }
}

/// The texts a finding about one entry names, decoded again from its
/// frame (which decoded once already, so decodes again).
struct Texts(Option<crate::entry::Entry>);

impl Texts {
    fn of(frame: &[u8]) -> Texts {
        Texts(codec::decode_entry(frame).ok())
    }

    fn key(&self) -> &str {
        self.0.as_ref().map_or("?", |entry| entry.fact.key.as_str())
    }

    /// The JSON path and the key of reference `index`.
    fn reference(&self, index: usize) -> (String, &str) {
        self.0
            .as_ref()
            .and_then(|entry| entry.fact.body.reference_at(index))
            .map_or(("?".to_owned(), "?"), |(path, reference)| {
                (path, reference.key())
            })
    }

    fn replacement_target(&self) -> &str {
        match self.0.as_ref().map(|entry| &entry.fact.body) {
            Some(FactBody::Correction(c)) => c.replacement.target().unwrap_or("?"),
            _ => "?",
        }
    }
}

/// Unpacks and unframes one stored segment and prepares its entries below the
/// head (`size`).
fn prepare_segment(segment: StoredSegment, size: u64) -> PreparedSegment {
    let StoredSegment { first, stored } = segment;
    let Some(at) = first else {
        return PreparedSegment {
            first,
            bytes: Vec::new(),
            entries: Err("is stored under a malformed key"),
        };
    };
    let Some(bytes) = packing::unpack(&stored) else {
        return PreparedSegment {
            first,
            bytes: Vec::new(),
            entries: Err("is damaged: it is a zstd frame that does not decompress, or not to the size and checksum it declares"),
        };
    };
    let Some(frames) = frame_ranges(&bytes) else {
        return PreparedSegment {
            first,
            bytes: Vec::new(),
            entries: Err("is torn: its frame lengths do not add up"),
        };
    };
    let keep = usize::try_from(size.saturating_sub(at)).unwrap_or(usize::MAX);
    let entries = frames
        .into_iter()
        .take(keep)
        .map(|frame| prepare(&bytes[frame.clone()], frame))
        .collect();
    PreparedSegment {
        first,
        bytes: bytes.into_owned(),
        entries: Ok(entries),
    }
}

fn digest(text: &str) -> u128 {
    let hash = blake3::hash(text.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    u128::from_be_bytes(bytes)
}

fn hex(hash: &Hash) -> String {
    Id::from_bytes(*hash).to_hex()
}

impl<'j> Pass<'j> {
    /// A pass over a ledger whose head record says it has `size` entries,
    /// taking the root at the sizes in `wanted_roots`.
    fn new(journal: &'j Journal, size: u64, wanted_roots: HashMap<u64, Option<Hash>>) -> Pass<'j> {
        Pass {
            journal,
            findings: Vec::new(),
            finding_count: 0,
            frontier: Frontier::new(),
            cursors: Vec::new(),
            nodes_checked: 0,
            next: 0,
            prev_id: journal.genesis,
            last_recorded_at: None,
            // One key per entry: room for them from the start, within reason
            // (the head's size is read from the store, and may be damaged).
            keys: fast_hash::map_with_capacity(usize::try_from(size.min(1 << 22)).unwrap_or(0)),
            incidents: fast_hash::HashSet::default(),
            wanted_roots,
            node_failure: None,
        }
    }

    fn find(&mut self, place: Place, reason: String) {
        self.finding_count += 1;
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(Finding { place, reason });
        }
    }

    /// Checks one stored frame at position `seq`, prepared by [`prepare`];
    /// `frame` is its bytes.
    fn entry(&mut self, seq: u64, prepared: Prepared, frame: &[u8]) {
        let Prepared { id, entry, .. } = prepared;
        match entry {
            Err(why) => self.find(Place::Seq(seq), why),
            Ok(entry) => {
                if entry.version != FORMAT_VERSION {
                    self.find(
                        Place::Seq(seq),
                        format!(
                            "format version {} where {FORMAT_VERSION} is the only one",
                            entry.version
                        ),
                    );
                }
                if entry.seq != seq {
                    self.find(
                        Place::Seq(seq),
                        format!(
                            "the entry stored at seq {seq} says it is seq {}: an entry is missing, duplicated or out of order",
                            entry.seq
                        ),
                    );
                }
                if entry.prev != self.prev_id {
                    let what = if seq == 0 {
                        "the genesis value".to_owned()
                    } else {
                        format!("the id of seq {}, {}", seq - 1, self.prev_id)
                    };
                    self.find(
                        Place::Seq(seq),
                        format!("prev is {} but must be {what}", entry.prev),
                    );
                }
                if let Some(last) = self.last_recorded_at {
                    if entry.recorded_at < last {
                        self.find(
                            Place::Seq(seq),
                            format!(
                                "recorded_at {} is earlier than the entry before ({last})",
                                entry.recorded_at
                            ),
                        );
                    }
                }
                self.last_recorded_at = Some(entry.recorded_at);
                if let Some(problem) = &entry.invalid {
                    self.find(Place::Seq(seq), format!("the fact is invalid: {problem}"));
                }
                self.fact(seq, &entry, frame);
            }
        }
        self.leaf(seq, id);
        self.prev_id = id;
        self.next = seq + 1;
    }

    /// Checks a batch of prepared segments in log order.
    fn segments(&mut self, prepared: Vec<PreparedSegment>) {
        for segment in prepared {
            let Some(first) = segment.first else {
                self.find(
                    Place::Seq(self.next),
                    "a segment is stored under a malformed key".to_owned(),
                );
                continue;
            };
            if first != self.next {
                let reason = if first > self.next {
                    format!("missing: no entry is stored here (the next stored segment starts at seq {first})")
                } else {
                    format!(
                        "stored twice: a segment starting at seq {first} overlaps the one before"
                    )
                };
                self.find(Place::Seq(self.next.min(first)), reason);
            }
            let entries = match segment.entries {
                Ok(entries) => entries,
                Err(why) => {
                    self.find(
                        Place::Seq(first),
                        format!("the segment starting at seq {first} {why}"),
                    );
                    self.next = self.next.max(first);
                    continue;
                }
            };
            for (seq, one) in (first..).zip(entries) {
                let frame = segment.bytes.get(one.frame.clone()).unwrap_or_default();
                self.entry(seq, one, frame);
            }
        }
    }

    /// Content and references of a fact, against the facts before it.
    /// `frame` is its bytes, decoded again for the texts of a finding.
    fn fact(&mut self, seq: u64, fact: &Summary, frame: &[u8]) {
        let decoded: std::cell::OnceCell<Texts> = std::cell::OnceCell::new();
        let texts = || decoded.get_or_init(|| Texts::of(frame));
        for link in &fact.links {
            match *link {
                Link::Reference {
                    index,
                    kind,
                    in_replacement,
                    digest,
                } => {
                    let named = || texts().reference(index);
                    let problem = match kind {
                        ReferenceKind::Source => match self.keys.get(&digest) {
                            Some((_, FactKind::Source)) => None,
                            Some((at, kind)) => {
                                let (path, key) = named();
                                Some(format!(
                                    "{path}: `{key}` is {} (seq {at}), not a source",
                                    kind.with_article()
                                ))
                            }
                            None => {
                                let (path, key) = named();
                                Some(format!("{path}: no source `{key}` before this entry"))
                            }
                        },
                        // A replacement's own target is checked below (it must be revisable).
                        ReferenceKind::Target if in_replacement => None,
                        // Whether the target's kind fits does not depend on its
                        // key, which only the message names.
                        ReferenceKind::Target => match self.keys.get(&digest) {
                            Some((_, kind)) if check_target_kind(fact.shape, *kind, "").is_ok() => {
                                None
                            }
                            Some((_, kind)) => {
                                match check_target_kind(fact.shape, *kind, named().1) {
                                    Err(RefError::Problem(p)) => Some(p.to_string()),
                                    _ => None,
                                }
                            }
                            None => {
                                let (path, key) = named();
                                Some(format!("{path}: no fact `{key}` before this entry"))
                            }
                        },
                        ReferenceKind::IncidentKey => {
                            (!self.incidents.contains(&digest)).then(|| {
                                let (path, key) = named();
                                format!("{path}: no incident `{key}` reported before this entry")
                            })
                        }
                    };
                    if let Some(problem) = problem {
                        self.find(Place::Seq(seq), format!("broken reference: {problem}"));
                    }
                }
                Link::ReplacementTarget(digest) => {
                    let ok = self
                        .keys
                        .get(&digest)
                        .is_some_and(|(_, kind)| kind.is_revisable());
                    if !ok {
                        self.find(
                            Place::Seq(seq),
                            format!(
                                "broken reference: replacement.target: no revisable fact `{}` before this entry",
                                texts().replacement_target()
                            ),
                        );
                    }
                }
                Link::Reports(_) => {}
            }
        }
        self.incidents
            .extend(fact.links.iter().filter_map(|link| match link {
                Link::Reports(digest) => Some(*digest),
                _ => None,
            }));
        if let Some((first, _)) = self.keys.get(&fact.key_digest) {
            let first = *first;
            let key = texts().key().to_owned();
            self.find(
                Place::Seq(seq),
                format!("key `{key}` is already used by seq {first}; a key names one fact forever"),
            );
        } else {
            self.keys.insert(fact.key_digest, (seq, fact.kind));
        }
    }

    /// Pushes an id into the recomputed tree and compares every node it completes
    /// with the stored one.
    fn leaf(&mut self, seq: u64, id: Id) {
        let mut completed: Vec<(u32, u64, Hash)> = Vec::new();
        self.frontier
            .push(&Blake3, *id.as_bytes(), |level, index, hash| {
                completed.push((level, index, *hash))
            });
        for (level, index, hash) in completed {
            self.compare_node(level, index, &hash);
        }
        if let Some(slot) = self.wanted_roots.get_mut(&(seq + 1)) {
            *slot = Some(self.frontier.root(&Blake3));
        }
    }

    fn compare_node(&mut self, level: u32, index: u64, expected: &Hash) {
        while self.cursors.len() <= level as usize {
            let next = self.cursors.len() as u32;
            self.cursors.push(NodeCursor::new(next));
        }
        let store = self.journal.store.as_ref();
        let pending = self.journal.pending.node(level, index);
        let stored = match pending.map_or_else(
            || self.cursors[level as usize].get(store, index),
            |hash| Ok(Some(hash)),
        ) {
            Ok(stored) => stored,
            Err(e) => {
                self.node_failure.get_or_insert(e);
                return;
            }
        };
        self.nodes_checked += 1;
        // A node is placed at the entry whose arrival completed it, so that
        // it sorts after any finding about the entries it covers.
        let first_seq = index << level;
        let last_seq = first_seq + (1u64 << level) - 1;
        match stored {
            None if level == 0 => self.find(
                Place::Seq(first_seq),
                "the Merkle tree has no leaf for this entry: it was not appended by sitrep".to_owned(),
            ),
            None => self.find(
                Place::Seq(last_seq),
                format!("the stored Merkle node at level {level}, index {index} (seq {first_seq} to {last_seq}) is missing"),
            ),
            Some(stored) if stored == *expected => {}
            Some(stored) if level == 0 => self.find(
                Place::Seq(first_seq),
                format!(
                    "the entry's bytes hash to {} but its stored Merkle leaf is {}: the entry was altered after it was written",
                    hex(expected),
                    hex(&stored)
                ),
            ),
            Some(stored) => self.find(
                Place::Seq(last_seq),
                format!(
                    "the stored Merkle node at level {level}, index {index} (seq {first_seq} to {last_seq}) is {} but the entries give {}",
                    hex(&stored),
                    hex(expected)
                ),
            ),
        }
    }
}

impl Journal {
    /// Audits the whole ledger. `Err` only when the store cannot be read at all;
    /// everything wrong with what it holds is a finding.
    pub fn audit(&self, options: &AuditOptions) -> Result<AuditReport, ReadError> {
        let size = self.head.size;
        let stored = self.checkpoints()?;
        let mut wanted_roots: HashMap<u64, Option<Hash>> =
            stored.iter().map(|c| (c.size, None)).collect();
        if let Some((trusted, _)) = &options.trusted {
            wanted_roots.insert(trusted.checkpoint.size, None);
        }
        wanted_roots.insert(0, Some(Blake3.empty()));
        let mut pass = Pass::new(self, size, wanted_roots);
        // Past the head is not part of the ledger; every stored segment below
        // it, under a malformed key too, is checked.
        self.prepared_segments(
            SEGMENT_PREFIX,
            size,
            move |segment| prepare_segment(segment, size),
            &mut |prepared| {
                let before = pass.next;
                pass.segments(prepared);
                options.progress.advance(pass.next.saturating_sub(before));
                true
            },
        )?;
        if let Some(e) = pass.node_failure.take() {
            return Err(e);
        }
        if pass.next < size {
            pass.find(
                Place::Seq(pass.next),
                format!(
                    "missing: the head record says there are {size} entries but the log ends after {}",
                    pass.next
                ),
            );
        }
        if pass.next == size && pass.prev_id != self.head.last_id {
            pass.find(
                Place::Head,
                format!(
                    "it names {} as the last id but seq {} hashes to {}",
                    self.head.last_id,
                    size.saturating_sub(1),
                    pass.prev_id
                ),
            );
        }
        let mut checkpoints_checked = 0;
        for record in &stored {
            checkpoints_checked += 1;
            let place = Place::Checkpoint(record.size);
            match record.parts() {
                Err(why) => pass.find(place, why),
                Ok((key, signed)) => {
                    let key = options.pubkey.clone().unwrap_or(key);
                    check_checkpoint(&mut pass, place, &signed, &key, record.size);
                }
            }
        }
        let mut trusted_size = None;
        if let Some((trusted, key)) = &options.trusted {
            trusted_size = Some(trusted.checkpoint.size);
            check_checkpoint(
                &mut pass,
                Place::Trusted,
                trusted,
                key,
                trusted.checkpoint.size,
            );
        }
        let mut findings = pass.findings;
        findings.sort_by_key(|f| f.place);
        Ok(AuditReport {
            origin: self.origin.clone(),
            size,
            entries_checked: pass.next.min(size),
            nodes_checked: pass.nodes_checked,
            checkpoints_checked,
            trusted_size,
            root: pass.frontier.root(&Blake3),
            head_id: pass.prev_id,
            findings,
            finding_count: pass.finding_count,
        })
    }
}

/// A checkpoint must be signed by `key`, name this ledger's origin, and give the
/// root the entries give at its size.
fn check_checkpoint(
    pass: &mut Pass<'_>,
    place: Place,
    signed: &SignedCheckpoint,
    key: &VerifierKey,
    size: u64,
) {
    let cp = &signed.checkpoint;
    if cp.origin != pass.journal.origin {
        pass.find(
            place,
            format!(
                "it is for the log `{}`, not this ledger's origin `{}`",
                cp.origin, pass.journal.origin
            ),
        );
    }
    let ledger_size = pass.journal.head.size;
    if size > ledger_size {
        pass.find(
            Place::Seq(ledger_size.min(pass.next)),
            format!(
                "missing: {place} covers {size} entries but the ledger has only {ledger_size}: the log was truncated"
            ),
        );
    }
    match pass.wanted_roots.get(&size).copied().flatten() {
        Some(root) if root == cp.root => {}
        Some(root) => pass.find(
            place,
            format!(
                "its root {} is not the ledger's root {} at size {size}: the first {size} entries were rewritten, removed or reordered since it was signed",
                hex(&cp.root),
                hex(&root)
            ),
        ),
        None => {}
    }
    // After the root: an altered root also breaks the signature, and the root is
    // the more telling of the two.
    if let Err(e) = signed.verify(key) {
        pass.find(place, e.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Seq};

    /// The findings the in-order checks make of these facts (one JSON line
    /// each, at seqs 0, 1, …), as the audit words them.
    fn findings_of(jsonl: &str) -> Vec<String> {
        let journal = Journal::in_memory("t").unwrap();
        let mut pass = Pass::new(&journal, 0, HashMap::new());
        let lines = crate::input::parse("t.jsonl", jsonl.as_bytes()).unwrap();
        for (seq, line) in (0u64..).zip(lines) {
            let entry = Entry {
                version: FORMAT_VERSION,
                seq: Seq::new(seq),
                prev: journal.genesis(),
                recorded_at: Timestamp::from_micros(0),
                recorded_by: "t".into(),
                fact: line.fact,
            };
            let bytes = codec::encode_entry(&entry);
            let summary = prepare(&bytes, 0..bytes.len()).entry.unwrap();
            pass.fact(seq, &summary, &bytes);
        }
        let findings = pass.findings.iter();
        findings
            .map(|f| format!("{}: {}", f.place, f.reason))
            .collect()
    }

    #[test]
    fn findings_name_the_paths_and_keys_decoded_again_from_the_entry() {
        let found = findings_of(concat!(
            r#"{"key":"s","kind":"source","publisher":"P","type":"wire","party":false}"#,
            "\n",
            r#"{"key":"i","kind":"incident","source":"nosuch","incident":"k1","direction":"other","occurred":"2024-03-01","target":{"name":"X"}}"#,
            "\n",
            r#"{"key":"s","kind":"source","publisher":"Q","type":"wire","party":false}"#,
            "\n",
            r#"{"key":"c","kind":"claim","source":"i","claimant":{"name":"G"},"incidents":["k1","k9"],"mode":"video","text":"t"}"#,
            "\n",
            r#"{"key":"d","kind":"denial","source":"s","denier":{"name":"G"},"target":"nosuch-t","type":"involvement","quote":"q"}"#,
            "\n",
            r#"{"key":"cor/a","kind":"correction","source":"s","target":"s","reason":"r","replacement":{"kind":"source","publisher":"R","type":"wire","party":false}}"#,
            "\n",
            r#"{"key":"cor/b","kind":"correction","source":"s","target":"cor/a","reason":"r","replacement":{"kind":"source","publisher":"R","type":"wire","party":false}}"#,
            "\n",
            r#"{"key":"cor/c","kind":"correction","source":"s","target":"d","reason":"r","replacement":{"kind":"denial","source":"s","denier":{"name":"G"},"target":"nosuch-r","type":"involvement","quote":"q"}}"#,
        ));
        assert_eq!(
            found,
            [
                "seq 1: broken reference: source: no source `nosuch` before this entry",
                "seq 2: key `s` is already used by seq 0; a key names one fact forever",
                "seq 3: broken reference: source: `i` is an incident (seq 1), not a source",
                "seq 3: broken reference: incidents[1]: no incident `k9` reported before this entry",
                "seq 4: broken reference: target: no fact `nosuch-t` before this entry",
                "seq 6: broken reference: at `target`: `cor/a` is a correction; point at the original fact instead",
                "seq 7: broken reference: replacement.target: no revisable fact `nosuch-r` before this entry",
            ]
        );
    }
}
