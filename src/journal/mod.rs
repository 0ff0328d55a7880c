//! The ledger itself (DESIGN §4): open or create it, append batches, read entries
//! by seq, id prefix or key, and scan them in order.
//!
//! Invariants kept here: seqs are gapless from 0; each entry's `prev` is the id of
//! the entry before it (the genesis value for seq 0); `recorded_at` never
//! decreases; a batch is committed as one atomic store write or not at all; fact
//! keys are unique forever. The journal is the one writer: sled's file lock keeps
//! other processes out while it is open.

mod append;
mod audit;
mod chain;
mod checkpoints;
mod derived;
mod entries;
mod error;
mod index;
mod layout;
mod node_cache;
mod packing;
mod pending;
mod run_filter;
mod segments;
mod tail;
#[cfg(test)]
mod tests;
mod tree;

use std::path::Path;

pub use append::{AppendOptions, AppendReport, FactOutcome};
pub use audit::{AuditOptions, AuditReport, Finding, Place, MAX_FINDINGS};
pub use checkpoints::{CheckpointError, Signed, StoredCheckpoint};
pub use derived::DIR as DERIVED_DIR;
pub use error::{AppendError, OpenError, ReadError, ResolveError};
pub use layout::Head;

use crate::codec;
use crate::entry::{Entry, Seq, FORMAT_VERSION};
use crate::hash::{Id, IdPrefix};
use crate::merkle::Frontier;
use crate::store::{MemoryStore, SledStore, Store, StoreError, Write};
use index::{text_digest, Family, IndexReader, Manifest};
use layout::{
    frame_at, segment_first_seq, segment_key, unframe, LAYOUT_VERSION, META_FORMAT, OLDEST_LAYOUT,
    SEGMENT_PREFIX,
};

/// One stored entry with its id and canonical bytes.
#[derive(Clone, Debug)]
pub struct Record {
    /// The decoded entry.
    pub entry: Entry,
    /// Its id, recomputed from `bytes`.
    pub id: Id,
    /// Its canonical bytes as stored.
    pub bytes: Vec<u8>,
}

/// An open ledger.
pub struct Journal {
    store: Box<dyn Store>,
    origin: String,
    genesis: Id,
    /// The storage layout the ledger is in (`m/format`).
    layout: u16,
    head: Head,
    manifest: Manifest,
    /// The index records and Merkle nodes not yet in runs (pending.rs):
    /// the tail's, and a layout-2 ledger's `m/pending`.
    pending: std::sync::Arc<pending::Pending>,
    /// The right edge of the Merkle tree, or why its stored peaks are unreadable
    /// (the ledger still opens, so that `audit` can say what is wrong).
    frontier: Result<Frontier, String>,
    /// Recently read segments (derived from the store, never authoritative).
    segments: segments::SegmentCache,
    /// Upper-level Merkle node runs read so far (never authoritative).
    node_runs: node_cache::NodeRunCache,
    /// Index chunks read so far (derived from the store, never authoritative).
    chunks: std::sync::Arc<index::ChunkCache>,
    /// Where projection snapshots go.
    derived: derived::Derived,
}

impl Journal {
    /// Creates a new ledger in `dir` (which must not exist or be empty).
    pub fn init(dir: &Path, origin: &str) -> Result<Journal, OpenError> {
        check_origin(origin)?;
        if dir.exists() {
            let is_empty_dir = dir
                .read_dir()
                .map(|mut entries| entries.next().is_none())
                .unwrap_or(false);
            if !is_empty_dir && looks_like_ledger(dir) {
                // A database with nothing in it is an `init` that was killed
                // before its first commit: finish it rather than refuse forever.
                let store = SledStore::open(dir)?;
                if is_blank(&store)? {
                    return Ok(Journal::create_in(Box::new(store), origin)?.in_dir(dir));
                }
            }
            if !is_empty_dir {
                let why = if looks_like_ledger(dir) {
                    "a ledger already exists there".to_owned()
                } else if dir.is_dir() {
                    "the directory is not empty".to_owned()
                } else {
                    "a file is in the way".to_owned()
                };
                return Err(OpenError::AlreadyExists {
                    path: dir.to_path_buf(),
                    why,
                });
            }
        }
        let store = SledStore::open(dir)?;
        Ok(Journal::create_in(Box::new(store), origin)?.in_dir(dir))
    }

    /// The journal of the ledger directory `dir`: its derived data goes to
    /// files there rather than into its store.
    fn in_dir(mut self, dir: &Path) -> Journal {
        self.derived = derived::Derived::beside(dir);
        self
    }

    /// A new ledger in memory (tests, dry runs, the library's users).
    pub fn in_memory(origin: &str) -> Result<Journal, OpenError> {
        check_origin(origin)?;
        Journal::create_in(Box::new(MemoryStore::default()), origin)
    }

    /// A new ledger in `store`, which must be empty (tests inject faulty or
    /// shared stores here; see `store::Store`).
    pub fn create_on(store: Box<dyn Store>, origin: &str) -> Result<Journal, OpenError> {
        check_origin(origin)?;
        Journal::create_in(store, origin)
    }

    /// Opens the ledger held in `store`; `label` names it in error messages.
    pub fn open_on(store: Box<dyn Store>, label: &Path) -> Result<Journal, OpenError> {
        Journal::open_store(store, label)
    }

    fn create_in(store: Box<dyn Store>, origin: &str) -> Result<Journal, OpenError> {
        let genesis = Id::genesis(origin);
        let head = Head::empty(genesis);
        store.commit(vec![
            layout_record(),
            Write::Put(layout::META_ORIGIN.to_vec(), origin.as_bytes().to_vec()),
            Write::Put(layout::META_HEAD.to_vec(), head.encode()),
            Write::Put(layout::META_RUNS.to_vec(), Vec::new()),
        ])?;
        store.flush()?;
        Ok(Journal {
            store,
            origin: origin.to_owned(),
            genesis,
            layout: LAYOUT_VERSION,
            head,
            manifest: Manifest::default(),
            pending: Default::default(),
            frontier: Ok(Frontier::new()),
            segments: Default::default(),
            node_runs: Default::default(),
            chunks: Default::default(),
            derived: derived::Derived::InStore,
        })
    }

    /// Opens the ledger in `dir`. Refuses, without creating or changing anything,
    /// a path that is not a ledger or a ledger of another format version.
    pub fn open(dir: &Path) -> Result<Journal, OpenError> {
        if !dir.exists() {
            return Err(OpenError::Missing {
                path: dir.to_path_buf(),
            });
        }
        if !looks_like_ledger(dir) {
            let why = if dir.is_dir() {
                "no ledger database in the directory (create one with `sitrep init`)"
            } else {
                "it is a file, not a ledger directory"
            };
            return Err(OpenError::NotALedger {
                path: dir.to_path_buf(),
                why: why.to_owned(),
            });
        }
        let store = SledStore::open(dir)?;
        Ok(Journal::open_store(Box::new(store), dir)?.in_dir(dir))
    }

    fn open_store(store: Box<dyn Store>, dir: &Path) -> Result<Journal, OpenError> {
        let damaged = |what: &str| OpenError::Damaged {
            path: dir.to_path_buf(),
            what: what.to_owned(),
        };
        let Some(format) = store.get(META_FORMAT)? else {
            return Err(OpenError::NotALedger {
                path: dir.to_path_buf(),
                why: "the database has no sitrep metadata".to_owned(),
            });
        };
        let found = <[u8; 2]>::try_from(format.as_slice())
            .map(u16::from_be_bytes)
            .map_err(|_| damaged("the format version record is unreadable"))?;
        if !(OLDEST_LAYOUT..=LAYOUT_VERSION).contains(&found) {
            return Err(OpenError::UnknownVersion {
                path: dir.to_path_buf(),
                found,
                oldest: OLDEST_LAYOUT,
                supported: LAYOUT_VERSION,
            });
        }
        let origin = store
            .get(layout::META_ORIGIN)?
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| damaged("the origin record is missing or not UTF-8"))?;
        let head = store
            .get(layout::META_HEAD)?
            .and_then(|b| Head::decode(&b))
            .ok_or_else(|| damaged("the head record is missing or unreadable"))?;
        let manifest = store
            .get(layout::META_RUNS)?
            .and_then(|b| Manifest::decode(&b))
            .ok_or_else(|| damaged("the index manifest is missing or unreadable"))?;
        let pending = match store.get(layout::META_PENDING)? {
            None => pending::Pending::default(),
            Some(bytes) => pending::Pending::decode(&bytes)
                .ok_or_else(|| damaged("the pending index records are unreadable"))?,
        };
        let frontier =
            tree::load_frontier(store.as_ref(), &pending, head.size).map_err(|e| e.to_string());
        let mut journal = Journal {
            store,
            genesis: Id::genesis(&origin),
            origin,
            layout: found,
            head,
            manifest,
            pending: std::sync::Arc::new(pending),
            frontier,
            segments: Default::default(),
            node_runs: Default::default(),
            chunks: Default::default(),
            derived: derived::Derived::InStore,
        };
        journal
            .take_up_tail()
            .map_err(|why| damaged(&format!("the log past the stored head: {why}")))?;
        Ok(journal)
    }

    /// The origin string this ledger was created with.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The value seq 0's `prev` points at.
    pub fn genesis(&self) -> Id {
        self.genesis
    }

    /// Size, last id and last recording time.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Adds to a commit's writes the raising of a ledger of an older layout
    /// to this one's (see [`LAYOUT_VERSION`]); once the commit succeeded, the
    /// caller sets `layout`.
    fn raise_layout(&self, writes: &mut Vec<Write>) {
        if self.layout != LAYOUT_VERSION {
            writes.push(layout_record());
        }
    }

    /// Makes everything committed durable.
    pub fn flush(&self) -> Result<(), ReadError> {
        Ok(self.store.flush()?)
    }

    /// Derived data stored beside the log under `name` (a projection snapshot).
    /// It is not hashed and not part of the log: whoever reads it must check it
    /// against the log (the projection engine checks its cursor).
    pub fn derived(&self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        self.derived.get(self.store.as_ref(), name)
    }

    /// At most the first `len` bytes of the derived data under `name` (a
    /// snapshot's header, without reading its state).
    pub fn derived_prefix(&self, name: &str, len: usize) -> Result<Option<Vec<u8>>, ReadError> {
        self.derived.get_prefix(self.store.as_ref(), name, len)
    }

    /// Replaces the derived data under `name`, whole (on disk, a file in
    /// `<ledger>/derived/`; see `derived.rs`). Not flushed: losing it costs a
    /// catch-up from an older snapshot, never a fact.
    pub fn put_derived(&self, name: &str, value: Vec<u8>) -> Result<(), ReadError> {
        self.derived.put(self.store.as_ref(), name, value)
    }

    /// [`Journal::put_derived`] of the bytes of `pieces` one after another,
    /// written piece by piece rather than joined first.
    pub fn put_derived_pieces(&self, name: &str, pieces: &[&[u8]]) -> Result<(), ReadError> {
        self.derived.put_pieces(self.store.as_ref(), name, pieces)
    }

    /// The entry at `seq`, or `None` past the head.
    pub fn read(&self, seq: Seq) -> Result<Option<Record>, ReadError> {
        if seq.get() >= self.head.size {
            return Ok(None);
        }
        let (first, segment) = match self.segments.get(seq) {
            Some(hit) => hit,
            None => {
                let (key, segment) = self
                    .store
                    .last_at_or_before(SEGMENT_PREFIX, &segment_key(seq))?
                    .ok_or(ReadError::Segment { seq })?;
                let first = segment_first_seq(&key).ok_or(ReadError::Segment { seq })?;
                let segment = packing::unpack(&segment)
                    .ok_or(ReadError::Segment { seq })?
                    .into_owned();
                let entries = segments::count_frames(&segment).ok_or(ReadError::Segment { seq })?;
                let segment = std::sync::Arc::new(segment);
                self.segments
                    .put(first.get(), entries, std::sync::Arc::clone(&segment));
                (first.get(), segment)
            }
        };
        let offset = usize::try_from(seq.get() - first).map_err(|_| ReadError::Segment { seq })?;
        let (bytes, _) = frame_at(&segment, offset).ok_or(ReadError::Segment { seq })?;
        decode_record(seq, bytes).map(Some)
    }

    /// Visits every entry from `from` on, in seq order, until `visit` returns false.
    pub fn scan(&self, from: Seq, visit: &mut dyn FnMut(Record) -> bool) -> Result<(), ReadError> {
        let size = self.head.size;
        let start = self.segment_key_at_or_before(from)?;
        let mut failure = None;
        self.store
            .scan(SEGMENT_PREFIX, &start, &mut |key, segment| {
                let Some(first) = segment_first_seq(key) else {
                    failure = Some(ReadError::Segment { seq: from });
                    return false;
                };
                let Some(framed) = packing::unpack(segment) else {
                    failure = Some(ReadError::Segment { seq: first });
                    return false;
                };
                let Some(frames) = unframe(&framed) else {
                    failure = Some(ReadError::Segment { seq: first });
                    return false;
                };
                for (i, bytes) in frames.into_iter().enumerate() {
                    let seq = Seq::new(first.get() + i as u64);
                    // Anything past the head is not part of the ledger (see docs/format.md).
                    if seq.get() >= size {
                        return false;
                    }
                    if seq < from {
                        continue;
                    }
                    match decode_record(seq, bytes) {
                        Ok(record) => {
                            if !visit(record) {
                                return false;
                            }
                        }
                        Err(e) => {
                            failure = Some(e);
                            return false;
                        }
                    }
                }
                true
            })?;
        failure.map_or(Ok(()), Err)
    }

    /// The key of the segment that holds `seq` (where a scan from `seq` starts).
    fn segment_key_at_or_before(&self, seq: Seq) -> Result<Vec<u8>, ReadError> {
        Ok(
            match self
                .store
                .last_at_or_before(SEGMENT_PREFIX, &segment_key(seq))?
            {
                Some((key, _)) => key,
                None => segment_key(seq),
            },
        )
    }

    /// The entry whose fact has this key.
    pub fn find_key(&self, key: &str) -> Result<Option<Record>, ReadError> {
        let mut reader = self.index_reader();
        let seqs = reader.find(Family::FactKey, &text_digest(Family::FactKey, key))?;
        for seq in seqs {
            if let Some(record) = self.read(seq)? {
                if record.entry.fact.key == key {
                    return Ok(Some(record));
                }
            }
        }
        Ok(None)
    }

    /// Whether an `Incident` with this incident key has been recorded.
    pub fn has_incident_key(&self, key: &str) -> Result<bool, ReadError> {
        let mut reader = self.index_reader();
        let seqs = reader.find(Family::IncidentKey, &text_digest(Family::IncidentKey, key))?;
        Ok(!seqs.is_empty())
    }

    /// The entries whose id starts with `prefix` (at most `limit`).
    pub fn find_id_prefix(
        &self,
        prefix: &IdPrefix,
        limit: usize,
    ) -> Result<Vec<Record>, ReadError> {
        let mut reader = self.index_reader();
        // The index keeps the first 8 or 16 bytes of each id (index.rs);
        // longer prefixes (up to a full id) are checked against the entry below.
        let whole = prefix.whole_bytes();
        let seek = &whole[..whole.len().min(index::DIGEST_LEN)];
        let hits = reader.find_prefix(Family::EntryId, seek, usize::MAX)?;
        let mut out = Vec::new();
        for (_, seq) in hits {
            if let Some(record) = self.read(seq)? {
                if prefix.matches(&record.id) {
                    out.push(record);
                    if out.len() >= limit {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Resolves what a user typed: a seq number (fewer than 8 digits), a fact key,
    /// or an id prefix of 8+ hex characters, in that order.
    pub fn resolve(&self, text: &str) -> Result<Record, ResolveError> {
        if !text.is_empty() && text.len() < 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = text
                .parse()
                .map_err(|_| ResolveError::NotFound(text.to_owned()))?;
            return self.read(Seq::new(n))?.ok_or(ResolveError::BeyondHead {
                seq: n,
                size: self.head.size,
            });
        }
        if let Some(record) = self.find_key(text)? {
            return Ok(record);
        }
        let prefix = IdPrefix::parse(text).map_err(|reason| ResolveError::BadPrefix {
            text: text.to_owned(),
            reason,
        })?;
        let mut matches = self.find_id_prefix(&prefix, 5)?;
        match matches.len() {
            0 => Err(ResolveError::NotFound(text.to_owned())),
            1 => Ok(matches.remove(0)),
            _ => Err(ResolveError::Ambiguous {
                text: text.to_owned(),
                matches: matches
                    .iter()
                    .map(|r| format!("seq {} ({})", r.entry.seq, r.id.short()))
                    .collect(),
            }),
        }
    }

    fn index_reader(&self) -> IndexReader<'_> {
        IndexReader::with_cache(
            self.store.as_ref(),
            self.manifest.clone(),
            std::sync::Arc::clone(&self.chunks),
        )
        .with_pending(std::sync::Arc::clone(&self.pending))
    }
}

/// The write that records this sitrep's storage layout in `m/format`.
fn layout_record() -> Write {
    Write::Put(META_FORMAT.to_vec(), LAYOUT_VERSION.to_be_bytes().to_vec())
}

fn decode_record(seq: Seq, bytes: &[u8]) -> Result<Record, ReadError> {
    Ok(Record {
        entry: decode_checked(seq, bytes)?,
        id: Id::of_entry(bytes),
        bytes: bytes.to_vec(),
    })
}

/// The entry stored at `seq`, refused unless its bytes are canonical and of
/// this format version.
fn decode_checked(seq: Seq, bytes: &[u8]) -> Result<Entry, ReadError> {
    let entry = codec::decode_entry(bytes).map_err(|source| ReadError::Decode { seq, source })?;
    if entry.version != FORMAT_VERSION {
        return Err(ReadError::Version {
            seq,
            version: entry.version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(entry)
}

/// [`crate::store::when_released`] for a ledger: for tests that close and
/// reopen one.
#[cfg(test)]
pub(crate) fn when_released<T>(
    attempt: impl FnMut() -> Result<T, OpenError>,
) -> Result<T, OpenError> {
    let locked = |e: &OpenError| matches!(e, OpenError::Store(StoreError::Locked { .. }));
    crate::store::when_released(attempt, locked)
}

/// True when the store holds no key at all.
fn is_blank(store: &SledStore) -> Result<bool, StoreError> {
    let mut any = false;
    store.scan(b"", b"", &mut |_, _| {
        any = true;
        false
    })?;
    Ok(!any)
}

/// sled keeps its data in `db` beside a `conf` file.
fn looks_like_ledger(dir: &Path) -> bool {
    dir.is_dir() && dir.join("db").is_file() && dir.join("conf").is_file()
}

fn check_origin(origin: &str) -> Result<(), OpenError> {
    let ok =
        !origin.trim().is_empty() && origin.len() <= 200 && !origin.chars().any(|c| c.is_control());
    if ok {
        Ok(())
    } else {
        Err(OpenError::BadOrigin(origin.to_owned()))
    }
}
