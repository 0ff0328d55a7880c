//! Lookup indexes as sorted runs (a small log-structured merge tree).
//!
//! sled pays per key, so one index key per fact would cap bulk appends at sled's
//! per-key rate (~80k random keys/s here, DESIGN §4). Instead each commit writes its
//! new index records as one sorted *run*, cut into chunks of `CHUNK_RECORDS` records
//! stored one chunk per key. Runs of a family are merged by size tier (tiers a
//! factor of `FAN_OUT` = 4 apart): once a new run and the newest stored runs of its
//! tier or below are four, they are merged into one run of the next tier, and so
//! on up. A family has at most three runs per tier, O(log n) in all, and each
//! record is rewritten O(log n) times over its life: about three quarters as often
//! as when two runs were merged at a time (2.95 against 3.76 writes a record for a
//! million facts in batches of 10,000; docs/performance.md, round 16). A bulk
//! append of N facts writes one run of N.
//!
//! Each run has a filter (`run_filter.rs`): a Bloom filter over its digests,
//! so that an exact lookup skips a run the filter rules out, which is most of
//! them (a new key is in no run, a referenced one in one), and the key of
//! every chunk, so that it goes straight to the one chunk that may hold a
//! digest. A run's filter is worked out when the run is planned and stored
//! beside it; a journal keeps the filters of the runs it committed, and reads
//! a stored one the first time it looks in a run from an earlier session. In a
//! run without one (written before layout 3) a lookup asks the store for the
//! last chunk starting at or before the digest: one seek, where listing the
//! run's chunks would read the whole run (sled keeps up to 16 values to a
//! page, so listing keys reads their values).
//!
//! A small append does not start a run: its records wait in memory
//! (`pending.rs`) until 16 entries' records are there, and a reader built by
//! the journal searches them after the runs.
//!
//! A record is a key digest and a big-endian seq. Families: `K` fact key →
//! seq, `I` entry id → seq, `N` incident key → seq of its first report. A run
//! written since layout 4 is *compact*: its seqs take 5 bytes (a ledger holds
//! at most [`MAX_ENTRIES`], 2^40, entries), and since every hit in the
//! fact-key and entry-id families is confirmed against the entry it points
//! at, their runs keep 8 bytes of each digest (13-byte records); incident-key
//! hits are taken as they are, so that family keeps 16 (21-byte records).
//! Runs written before layout 4 keep 16-byte digests and 8-byte seqs
//! (24-byte records) and are read as they are until a merge absorbs them.
//! With compact runs a million-fact import's ledger is 310 MB instead of
//! 380 MB (docs/performance.md, round 17).
//!
//! ```text
//! chunk key:  x ‖ family ‖ run id (u64 BE) ‖ first record's digest (as kept)
//! chunk value: records, sorted by (digest, seq)
//! manifest (m/runs): per run: tag u8 ‖ run id u64 BE ‖ record count u64 BE
//!                    (the family's tag, in lower case for a compact run)
//! run filter:  f ‖ family ‖ run id (see run_filter.rs)
//! ```

use smallvec::SmallVec;
use std::sync::{Arc, Mutex};

use super::pending::Pending;
use super::run_filter::{filter_key, Bloom, RunFilter};
use crate::entry::Seq;
use crate::fast_hash::HashMap;
use crate::parallel;
use crate::store::{Store, StoreError, Write};

/// The size of a digest in memory, and in the records of most runs.
pub const DIGEST_LEN: usize = 16;
/// The digest bytes a compact run of a family whose hits are confirmed keeps
/// of each record.
pub const NARROW_DIGEST_LEN: usize = 8;
/// The bytes of a seq in a compact run.
const COMPACT_SEQ_LEN: usize = 5;
/// The most entries a ledger holds: a compact run's seqs take 5 bytes.
pub const MAX_ENTRIES: u64 = 1 << (8 * COMPACT_SEQ_LEN);
/// Records per stored chunk.
pub const CHUNK_RECORDS: usize = 4096;
pub(super) const CHUNK_PREFIX: u8 = b'x';

/// A 16-byte digest: the first bytes of an id, or a keyed hash of a text key.
/// Read from a run that keeps [`NARROW_DIGEST_LEN`] bytes, its last 8 bytes
/// are zero.
pub type Digest = [u8; DIGEST_LEN];

/// One index family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Fact key → seq.
    FactKey,
    /// Entry id → seq.
    EntryId,
    /// Incident key → seq of its first report.
    IncidentKey,
}

impl Family {
    /// Its one-byte tag in stored keys and records.
    pub(super) fn tag(self) -> u8 {
        match self {
            Family::FactKey => b'K',
            Family::EntryId => b'I',
            Family::IncidentKey => b'N',
        }
    }

    /// The family of a stored tag.
    pub(super) fn from_tag(tag: u8) -> Option<Family> {
        match tag {
            b'K' => Some(Family::FactKey),
            b'I' => Some(Family::EntryId),
            b'N' => Some(Family::IncidentKey),
            _ => None,
        }
    }

    /// The digest bytes its compact runs keep: fewer where every caller
    /// confirms a hit against the entry it points at.
    fn compact_digest_len(self) -> usize {
        match self {
            Family::FactKey | Family::EntryId => NARROW_DIGEST_LEN,
            Family::IncidentKey => DIGEST_LEN,
        }
    }
}

/// The digest of a text key in a family (domain-separated, so a fact key and an
/// incident key with the same spelling never share a digest).
pub fn text_digest(family: Family, text: &str) -> Digest {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"sitrep index ");
    hasher.update(&[family.tag(), b'\n']);
    hasher.update(text.as_bytes());
    let mut out = [0u8; DIGEST_LEN];
    out.copy_from_slice(&hasher.finalize().as_bytes()[..DIGEST_LEN]);
    out
}

/// One run in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    family: Family,
    id: u64,
    count: u64,
    /// Whether it was written compact (layout 4).
    compact: bool,
}

impl Run {
    /// How its records are stored.
    fn shape(&self) -> Shape {
        Shape::of(self.family, self.compact)
    }

    /// Its tag in the manifest: its family's, in lower case if it is compact.
    fn tag(&self) -> u8 {
        match self.compact {
            true => self.family.tag().to_ascii_lowercase(),
            false => self.family.tag(),
        }
    }
}

/// How a run's records are stored: the bytes of its digest and of its seq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    digest_len: usize,
    seq_len: usize,
}

impl Shape {
    /// The shape of a run of `family`, compact or as written before layout 4.
    fn of(family: Family, compact: bool) -> Shape {
        match compact {
            true => Shape {
                digest_len: family.compact_digest_len(),
                seq_len: COMPACT_SEQ_LEN,
            },
            false => Shape {
                digest_len: DIGEST_LEN,
                seq_len: 8,
            },
        }
    }

    fn record_len(self) -> usize {
        self.digest_len + self.seq_len
    }

    /// The digest bytes record `i` of a chunk keeps.
    fn digest_at(self, chunk: &[u8], i: usize) -> &[u8] {
        let start = i * self.record_len();
        &chunk[start..start + self.digest_len]
    }

    /// Record `i` of a chunk (the digest's bytes past those kept are zero).
    /// Each copy has a length fixed in its branch, so that none is a call
    /// to `memcpy` (a lookup's search reads records in its inner loop).
    fn record_at(self, chunk: &[u8], i: usize) -> (Digest, Seq) {
        let rec = &chunk[i * self.record_len()..(i + 1) * self.record_len()];
        let (kept, seq_bytes) = rec.split_at(self.digest_len);
        let mut digest = [0u8; DIGEST_LEN];
        match self.digest_len {
            NARROW_DIGEST_LEN => digest[..NARROW_DIGEST_LEN].copy_from_slice(kept),
            _ => digest.copy_from_slice(kept),
        }
        let mut seq = [0u8; 8];
        match self.seq_len {
            COMPACT_SEQ_LEN => seq[8 - COMPACT_SEQ_LEN..].copy_from_slice(seq_bytes),
            _ => seq.copy_from_slice(seq_bytes),
        }
        (digest, Seq::new(u64::from_be_bytes(seq)))
    }

    /// Appends a record to a chunk value: `seq` must be below [`MAX_ENTRIES`]
    /// in a compact run (the append refuses a batch that would pass it).
    fn push_record(self, value: &mut Vec<u8>, digest: &Digest, seq: Seq) {
        value.extend_from_slice(&digest[..self.digest_len]);
        value.extend_from_slice(&seq.get().to_be_bytes()[8 - self.seq_len..]);
    }
}

/// The set of runs, as stored in `m/runs`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    runs: Vec<Run>,
}

impl Manifest {
    /// Reads the stored manifest.
    pub fn decode(bytes: &[u8]) -> Option<Manifest> {
        if bytes.len() % 17 != 0 {
            return None;
        }
        let runs = bytes
            .chunks_exact(17)
            .map(|c| {
                Some(Run {
                    family: Family::from_tag(c[0].to_ascii_uppercase())?,
                    id: u64::from_be_bytes(c[1..9].try_into().ok()?),
                    count: u64::from_be_bytes(c[9..17].try_into().ok()?),
                    compact: c[0].is_ascii_lowercase(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Manifest { runs })
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.runs.len() * 17);
        for run in &self.runs {
            out.push(run.tag());
            out.extend_from_slice(&run.id.to_be_bytes());
            out.extend_from_slice(&run.count.to_be_bytes());
        }
        out
    }

    fn runs_of(&self, family: Family) -> impl DoubleEndedIterator<Item = &Run> {
        self.runs.iter().filter(move |r| r.family == family)
    }

    fn next_run_id(&self) -> u64 {
        self.runs.iter().map(|r| r.id + 1).max().unwrap_or(0)
    }
}

#[cfg(test)]
thread_local! {
    static LAYOUT_3_RUNS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether readers made on this thread plan runs as layout 3 did.
fn planning_layout_3_runs() -> bool {
    #[cfg(test)]
    return LAYOUT_3_RUNS.get();
    #[cfg(not(test))]
    false
}

/// Runs `work` with the readers it makes on this thread planning runs as
/// layout 3 did (24-byte records, upper-case tags), to make the ledgers of an
/// older sitrep.
#[cfg(test)]
pub(super) fn with_layout_3_runs<T>(work: impl FnOnce() -> T) -> T {
    LAYOUT_3_RUNS.set(true);
    let done = work();
    LAYOUT_3_RUNS.set(false);
    done
}

/// The key prefix of one run's chunks: the chunk tag, the family's tag and the
/// run id, big endian. An array, not a `Vec`: every lookup makes one for each
/// run it looks in.
type RunPrefix = [u8; 10];

fn chunk_prefix(family: Family, run: u64) -> RunPrefix {
    let mut key = [0u8; 10];
    key[0] = CHUNK_PREFIX;
    key[1] = family.tag();
    key[2..].copy_from_slice(&run.to_be_bytes());
    key
}

/// Index chunks read so far, shared by every reader of one journal, and the
/// filters of the runs it committed or has looked in. Chunks and filters are
/// immutable under their key, except that a run id can be reused after a
/// merge deletes its run: [`IndexReader::plan_add`] forgets a run before it is
/// deleted. Bounded: when the chunks pass `CACHE_BYTES`, they start over.
#[derive(Default)]
pub struct ChunkCache {
    inner: Mutex<CacheInner>,
    /// Per run prefix: its filter, or `None` when the run has no usable stored
    /// one (kept when the chunks start over).
    filters: Mutex<HashMap<Vec<u8>, Option<Arc<RunFilter>>>>,
}

#[derive(Default)]
struct CacheInner {
    chunks: HashMap<Vec<u8>, Arc<Vec<u8>>>,
    bytes: usize,
}

/// A run planned by [`IndexReader::plan_add`]: its key prefix and its filter,
/// which the journal keeps once the commit that stores the run has succeeded.
pub struct PlannedRun {
    prefix: Vec<u8>,
    filter: Arc<RunFilter>,
}

/// The most chunk bytes a cache holds before it starts over.
const CACHE_BYTES: usize = 64 << 20;

impl ChunkCache {
    fn chunk(&self, key: &[u8]) -> Option<Arc<Vec<u8>>> {
        self.inner.lock().ok()?.chunks.get(key).cloned()
    }

    fn put_chunk(&self, key: &[u8], chunk: Arc<Vec<u8>>) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.bytes + chunk.len() > CACHE_BYTES {
                *inner = CacheInner::default();
            }
            inner.bytes += chunk.len();
            inner.chunks.insert(key.to_vec(), chunk);
        }
    }

    /// The filter of a run, if it was asked for before: `Some(None)` when the
    /// run has no usable stored filter.
    fn filter(&self, run_prefix: &[u8]) -> Option<Option<Arc<RunFilter>>> {
        self.filters.lock().ok()?.get(run_prefix).cloned()
    }

    fn keep_filter(&self, run_prefix: &[u8], filter: Option<Arc<RunFilter>>) {
        if let Ok(mut filters) = self.filters.lock() {
            filters.insert(run_prefix.to_vec(), filter);
        }
    }

    /// Keeps the filters of runs whose commit has succeeded.
    pub fn install_runs(&self, runs: Vec<PlannedRun>) {
        if let Ok(mut filters) = self.filters.lock() {
            filters.extend(runs.into_iter().map(|run| (run.prefix, Some(run.filter))));
        }
    }

    /// Forgets everything cached for one run (it is about to be deleted, and its
    /// id may be reused).
    fn forget_run(&self, run_prefix: &[u8]) {
        if let Ok(mut filters) = self.filters.lock() {
            filters.remove(run_prefix);
        }
        if let Ok(mut inner) = self.inner.lock() {
            let gone: Vec<Vec<u8>> = inner
                .chunks
                .keys()
                .filter(|k| k.starts_with(run_prefix))
                .cloned()
                .collect();
            for key in gone {
                if let Some(chunk) = inner.chunks.remove(&key) {
                    inner.bytes -= chunk.len();
                }
            }
        }
    }
}

/// Reads index runs through a [`ChunkCache`], so a batch that probes many keys
/// reads each chunk once, and later batches of the same journal reuse it.
pub struct IndexReader<'s> {
    store: &'s dyn Store,
    manifest: Manifest,
    cache: Arc<ChunkCache>,
    /// The records not yet in runs (`pending.rs`).
    pending: Arc<Pending>,
    /// The runs planned so far, to install once they are committed.
    planned: Vec<PlannedRun>,
    /// The filters this reader has taken from the cache, by run: a batch asks
    /// every run of a family for every new key, and a look along this short
    /// list costs less than the shared cache's lock and hash each time.
    filters: Vec<(Run, Option<Arc<RunFilter>>)>,
    /// Whether the runs it plans are compact (layout 4): always, but in tests
    /// that write runs as layout 3 did ([`with_layout_3_runs`]).
    compact_runs: bool,
}

impl<'s> IndexReader<'s> {
    /// A reader over the manifest stored in `store`, with a cache of its own.
    #[cfg(test)]
    pub fn new(store: &'s dyn Store, manifest: Manifest) -> IndexReader<'s> {
        IndexReader::with_cache(store, manifest, Arc::default())
    }

    /// A reader sharing `cache` with other readers of the same store.
    pub fn with_cache(
        store: &'s dyn Store,
        manifest: Manifest,
        cache: Arc<ChunkCache>,
    ) -> IndexReader<'s> {
        IndexReader {
            store,
            manifest,
            cache,
            pending: Arc::default(),
            planned: Vec::new(),
            filters: Vec::new(),
            compact_runs: !planning_layout_3_runs(),
        }
    }

    /// The reader that also finds the records waiting in `pending`.
    pub fn with_pending(self, pending: Arc<Pending>) -> IndexReader<'s> {
        IndexReader { pending, ..self }
    }

    /// The runs [`IndexReader::plan_add`] planned; the caller installs them
    /// ([`ChunkCache::install_runs`]) only after the commit holding them
    /// succeeded, since a failed batch's run id is reused.
    pub fn take_planned_runs(&mut self) -> Vec<PlannedRun> {
        std::mem::take(&mut self.planned)
    }

    /// Every seq recorded under a digest starting with `prefix` (1–16 bytes), at
    /// most `limit` of them.
    pub fn find_prefix(
        &mut self,
        family: Family,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Vec<(Digest, Seq)>, StoreError> {
        let mut found = Vec::new();
        self.find_prefix_in_runs(family, prefix, limit, &mut found)?;
        let room = limit.saturating_sub(found.len());
        found.extend(self.pending.find_prefix(family, prefix).take(room));
        Ok(found)
    }

    /// [`IndexReader::find_prefix`] in the runs alone, adding to `found`
    /// until it holds `limit`.
    fn find_prefix_in_runs(
        &mut self,
        family: Family,
        prefix: &[u8],
        limit: usize,
        found: &mut Vec<(Digest, Seq)>,
    ) -> Result<(), StoreError> {
        let runs: SmallVec<[Run; 16]> = self.manifest.runs_of(family).copied().collect();
        for run in runs {
            if found.len() >= limit {
                break;
            }
            let kept = self.filter_slot(run)?;
            let filter = self.filters[kept].1.as_deref();
            self.find_in_run(run, filter, prefix, limit, found)?;
        }
        Ok(())
    }

    /// Where the filter of `run` is in [`IndexReader::filters`], taken from
    /// the cache or the store the first time.
    fn filter_slot(&mut self, run: Run) -> Result<usize, StoreError> {
        if let Some(at) = self.filters.iter().position(|(kept, _)| *kept == run) {
            return Ok(at);
        }
        let filter = self.run_filter(run, &chunk_prefix(run.family, run.id))?;
        self.filters.push((run, filter));
        Ok(self.filters.len() - 1)
    }

    /// Of the incident keys the tail reports (`Pending::unsettled_incidents`),
    /// those no run holds: the first reports, to be written as records when
    /// the pending records are folded into runs.
    pub fn first_reports_among(
        &mut self,
        unsettled: &[(Digest, Seq)],
    ) -> Result<Vec<(Digest, Seq)>, StoreError> {
        let mut first = Vec::new();
        for &(digest, seq) in unsettled {
            let mut found = Vec::new();
            self.find_prefix_in_runs(Family::IncidentKey, &digest, 1, &mut found)?;
            if found.is_empty() {
                first.push((digest, seq));
            }
        }
        Ok(first)
    }

    /// The seqs recorded under this digest: under its first
    /// [`NARROW_DIGEST_LEN`] bytes in a compact run of a family whose callers
    /// confirm every hit, under exactly it otherwise.
    pub fn find(&mut self, family: Family, digest: &Digest) -> Result<Vec<Seq>, StoreError> {
        Ok(self
            .find_prefix(family, digest, usize::MAX)?
            .into_iter()
            .map(|(_, seq)| seq)
            .collect())
    }

    /// [`IndexReader::find_prefix_in_runs`] in one run, whose filter is
    /// `filter` (`None` when it has no usable stored one).
    fn find_in_run(
        &self,
        run: Run,
        filter: Option<&RunFilter>,
        prefix: &[u8],
        limit: usize,
        found: &mut Vec<(Digest, Seq)>,
    ) -> Result<(), StoreError> {
        let run_prefix = chunk_prefix(run.family, run.id);
        let skip = run_prefix.len();
        let shape = run.shape();
        let prefix = &prefix[..prefix.len().min(shape.digest_len)];
        // The chunk that may hold the first match is the last one starting at
        // or before the prefix (or the first, if none does); matches can run on
        // into the following chunks, and once a chunk starts past the prefix
        // range no later chunk can hold one.
        if let Some(filter) = filter {
            if prefix.len() == shape.digest_len && !filter.bloom.may_hold(prefix) {
                return Ok(());
            }
            let start = filter
                .fences
                .partition_point(|key| &key[skip..] <= prefix)
                .saturating_sub(1);
            let fences = &filter.fences[start..];
            self.search_chunks(fences, skip, shape, prefix, limit, found)?;
            return Ok(());
        }
        // A run without a filter: each next chunk is asked of the store, only
        // when the one before ended inside the prefix range.
        let mut next = self.chunk_at_or_before(&run_prefix, prefix)?;
        while let Some(key) = next.take() {
            let ended_inside = self.search_chunks([&key], skip, shape, prefix, limit, found)?;
            if ended_inside && found.len() < limit {
                next = self.chunk_after(&run_prefix, &key)?;
            }
        }
        Ok(())
    }

    /// The filter of `run`: kept in memory, else read from the store (once per
    /// run); `None` for a run without a usable stored filter.
    fn run_filter(
        &self,
        run: Run,
        run_prefix: &[u8],
    ) -> Result<Option<Arc<RunFilter>>, StoreError> {
        if let Some(kept) = self.cache.filter(run_prefix) {
            return Ok(kept);
        }
        let filter = self
            .store
            .get(&filter_key(run_prefix))?
            .and_then(|stored| {
                RunFilter::decode(&stored, run_prefix, run.count, run.shape().digest_len)
            })
            .map(Arc::new);
        self.cache.keep_filter(run_prefix, filter.clone());
        Ok(filter)
    }

    /// Searches the chunks under `keys`, whose records have `shape`, in
    /// order for digests starting with `prefix` (no longer than the digests
    /// they keep), until `limit` are found or a chunk starts or ends past
    /// the prefix range. Returns whether the last chunk searched ended
    /// inside it (its last record still matches, so the next chunk may too).
    fn search_chunks<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        skip: usize,
        shape: Shape,
        prefix: &[u8],
        limit: usize,
        found: &mut Vec<(Digest, Seq)>,
    ) -> Result<bool, StoreError> {
        for key in keys {
            let key = key.as_ref();
            let first = &key[skip..];
            if !(first.starts_with(prefix) || first < prefix) {
                return Ok(false);
            }
            let chunk = self.chunk(key)?;
            let n = chunk.len() / shape.record_len();
            let lo = partition_point(n, |i| shape.digest_at(&chunk, i) < prefix);
            for i in lo..n {
                if !shape.digest_at(&chunk, i).starts_with(prefix) {
                    return Ok(false);
                }
                found.push(shape.record_at(&chunk, i));
                if found.len() >= limit {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The key of the run's last chunk starting at or before `prefix`, else
    /// of its first chunk: one seek in the store, not a read of the run.
    fn chunk_at_or_before(
        &self,
        run_prefix: &[u8],
        prefix: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut seek = run_prefix.to_vec();
        seek.extend_from_slice(prefix);
        let found = self
            .store
            .read_last_at_or_before(run_prefix, &seek, &mut |_| 0..0)?;
        match found {
            Some((key, _)) => Ok(Some(key)),
            None => self.chunk_after(run_prefix, run_prefix),
        }
    }

    /// The key of the run's first chunk after `key` (from `run_prefix` itself:
    /// its first chunk).
    fn chunk_after(&self, run_prefix: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let mut from = key.to_vec();
        if key != run_prefix {
            // The smallest key greater than `key`.
            from.push(0);
        }
        let mut next = None;
        self.store.scan(run_prefix, &from, &mut |k, _| {
            next = Some(k.to_vec());
            false
        })?;
        Ok(next)
    }

    fn chunk(&self, key: &[u8]) -> Result<Arc<Vec<u8>>, StoreError> {
        if let Some(chunk) = self.cache.chunk(key) {
            return Ok(chunk);
        }
        let chunk = Arc::new(self.store.get(key)?.unwrap_or_default());
        self.cache.put_chunk(key, Arc::clone(&chunk));
        Ok(chunk)
    }

    /// A stored run's records, and the keys of the chunks they were read
    /// from: the keys a merge deletes, so that it need not read the chunks
    /// again to find them.
    fn load_run(&mut self, run: Run) -> Result<(LoadedRun, Vec<(Digest, Seq)>), StoreError> {
        let prefix = chunk_prefix(run.family, run.id);
        let shape = run.shape();
        let mut records = Vec::with_capacity(usize::try_from(run.count).unwrap_or(0));
        let mut chunk_keys = Vec::new();
        self.store.scan(&prefix, &prefix, &mut |key, chunk| {
            chunk_keys.push(key.to_vec());
            for i in 0..chunk.len() / shape.record_len() {
                records.push(shape.record_at(chunk, i));
            }
            true
        })?;
        Ok((LoadedRun { run, chunk_keys }, records))
    }

    /// The writes that add `records` to `family` as a new run, merging runs as the
    /// size rule demands, and the manifest that results. Nothing is written here.
    #[cfg(test)]
    pub fn plan_add(
        &mut self,
        family: Family,
        records: Vec<(Digest, Seq)>,
        manifest: &mut Manifest,
        writes: &mut Vec<Write>,
    ) -> Result<(), StoreError> {
        self.plan_add_families(vec![(family, records)], manifest, writes)
    }

    /// [`IndexReader::plan_add`] for each family in turn, with the same runs,
    /// ids and writes as one call after another. The runs each new run
    /// absorbs are read first, on this thread; the sorting, merging and Bloom
    /// filters, the heavy part, are worked out for the first family beside
    /// the others, on two cores, from [`SIDE_BY_SIDE_RECORDS`] records: the
    /// key and id families of a large batch hold a record per entry each.
    pub fn plan_add_families(
        &mut self,
        families: Vec<(Family, Vec<(Digest, Seq)>)>,
        manifest: &mut Manifest,
        writes: &mut Vec<Write>,
    ) -> Result<(), StoreError> {
        let mut merges = Vec::with_capacity(families.len());
        for (family, records) in families {
            if records.is_empty() {
                continue;
            }
            merges.push(self.absorbed(family, records, manifest)?);
        }
        let records: usize = merges.iter().map(Merge::records).sum();
        let merged: Vec<MergedRun> = match merges.len() {
            0 => return Ok(()),
            // A small batch's fold (its own few records and the small runs
            // they absorb) pays no thread.
            _ if records < SIDE_BY_SIDE_RECORDS || merges.len() == 1 => {
                merges.into_iter().map(Merge::work).collect()
            }
            _ => {
                let rest = merges.split_off(1);
                let (first, rest) = parallel::join(
                    || merges.into_iter().map(Merge::work).collect::<Vec<_>>(),
                    || rest.into_iter().map(Merge::work).collect::<Vec<_>>(),
                );
                first.into_iter().chain(rest).collect()
            }
        };
        for run in merged {
            self.plan_merged(run, manifest, writes)?;
        }
        Ok(())
    }

    /// The stored runs of `family` that a new run of `records` absorbs, newest
    /// first, read: while the newest stored runs of the tier of the records so
    /// far, or of a lower one, are at least `FAN_OUT - 1`, they are merged in.
    fn absorbed(
        &mut self,
        family: Family,
        records: Vec<(Digest, Seq)>,
        manifest: &Manifest,
    ) -> Result<Merge, StoreError> {
        let mut size = records.len() as u64;
        let mut absorbed = Vec::new();
        let newest_first: Vec<Run> = manifest.runs_of(family).rev().copied().collect();
        let mut at = 0;
        loop {
            let tier = tier_of(size);
            let same = newest_first[at..]
                .iter()
                .take_while(|run| tier_of(run.count) <= tier.min(TOP_ABSORBED_TIER))
                .count();
            if same < FAN_OUT - 1 {
                break;
            }
            for &run in &newest_first[at..at + same] {
                let (loaded, old) = self.load_run(run)?;
                size += old.len() as u64;
                absorbed.push((loaded, old));
            }
            at += same;
        }
        Ok(Merge {
            family,
            compact: self.compact_runs,
            records,
            absorbed,
        })
    }

    /// Deletes the runs `merged` absorbed and plans the new run's writes
    /// under the next run id.
    fn plan_merged(
        &mut self,
        merged: MergedRun,
        manifest: &mut Manifest,
        writes: &mut Vec<Write>,
    ) -> Result<(), StoreError> {
        let MergedRun {
            family,
            compact,
            records,
            absorbed,
            bloom,
        } = merged;
        for old in absorbed {
            let LoadedRun {
                run: old,
                chunk_keys,
            } = old;
            let prefix = chunk_prefix(old.family, old.id);
            self.cache.forget_run(&prefix);
            self.filters.retain(|(kept, _)| *kept != old);
            writes.push(Write::Delete(filter_key(&prefix)));
            writes.extend(chunk_keys.into_iter().map(Write::Delete));
            manifest.runs.retain(|r| *r != old);
        }
        let run = Run {
            family,
            id: manifest.next_run_id(),
            count: records.len() as u64,
            compact,
        };
        let prefix = chunk_prefix(family, run.id);
        let shape = run.shape();
        let mut fences = Vec::new();
        for chunk in records.chunks(CHUNK_RECORDS) {
            let mut key = prefix.to_vec();
            key.extend_from_slice(&chunk[0].0[..shape.digest_len]);
            fences.push(key.clone());
            let mut value = Vec::with_capacity(chunk.len() * shape.record_len());
            for &(digest, seq) in chunk {
                shape.push_record(&mut value, &digest, seq);
            }
            writes.push(Write::Put(key, value));
        }
        let filter = RunFilter { bloom, fences };
        writes.push(Write::Put(filter_key(&prefix), filter.encode(prefix.len())));
        self.planned.push(PlannedRun {
            prefix: prefix.to_vec(),
            filter: Arc::new(filter),
        });
        manifest.runs.push(run);
        Ok(())
    }
}

/// A family's new records and the stored runs they absorb (newest first,
/// with their records), before the merge.
struct Merge {
    family: Family,
    /// Whether the new run is compact.
    compact: bool,
    records: Vec<(Digest, Seq)>,
    absorbed: Vec<(LoadedRun, Vec<(Digest, Seq)>)>,
}

/// A stored run a merge absorbs, with the keys of its chunks as they were
/// read.
struct LoadedRun {
    run: Run,
    chunk_keys: Vec<Vec<u8>>,
}

/// A new run's records, sorted, with its Bloom filter and the runs it
/// absorbed: all but its id and its writes.
struct MergedRun {
    family: Family,
    compact: bool,
    records: Vec<(Digest, Seq)>,
    absorbed: Vec<LoadedRun>,
    bloom: Bloom,
}

/// How many records, new and absorbed, it takes to merge the families'
/// runs on two threads.
const SIDE_BY_SIDE_RECORDS: usize = 16_384;

impl Merge {
    /// The records the merge handles, new and absorbed.
    fn records(&self) -> usize {
        self.records.len()
            + self
                .absorbed
                .iter()
                .map(|(_, old)| old.len())
                .sum::<usize>()
    }

    /// Sorts the new records, merges the absorbed runs in and builds the
    /// filter. Where the new run keeps fewer bytes of each digest, every
    /// digest is cut to them first, so that the records are in the order they
    /// are stored in; a run absorbed that kept more (one written before
    /// layout 4) is sorted again once cut.
    fn work(self) -> MergedRun {
        let Merge {
            family,
            compact,
            mut records,
            absorbed,
        } = self;
        let digest_len = Shape::of(family, compact).digest_len;
        cut_digests(&mut records, digest_len);
        records.sort_unstable();
        let mut runs = Vec::with_capacity(absorbed.len());
        for (loaded, mut old) in absorbed {
            if loaded.run.shape().digest_len > digest_len {
                cut_digests(&mut old, digest_len);
                old.sort_unstable();
            }
            records = merge_sorted(old, records);
            runs.push(loaded);
        }
        let bloom = Bloom::of(&records, digest_len);
        MergedRun {
            family,
            compact,
            records,
            absorbed: runs,
            bloom,
        }
    }
}

/// Zeroes every digest's bytes past the `kept` a run keeps, as reading them
/// back from it does.
fn cut_digests(records: &mut [(Digest, Seq)], kept: usize) {
    if kept < DIGEST_LEN {
        for (digest, _) in records {
            digest[kept..].fill(0);
        }
    }
}

/// How many runs of a tier are merged into one of the next.
const FAN_OUT: usize = 4;

/// The highest tier whose runs are merged into larger ones. A run of a
/// higher tier (from 4^9 = 262,144 records) stays as it is: a merge holds
/// its runs' records in memory, so without a top tier the import's memory
/// grew with the ledger (docs/performance.md, round 20).
const TOP_ABSORBED_TIER: u32 = 8;

/// A run's size tier: runs of one tier are within a factor of [`FAN_OUT`].
fn tier_of(count: u64) -> u32 {
    count.max(1).ilog(FAN_OUT as u64)
}

fn merge_sorted(a: Vec<(Digest, Seq)>, b: Vec<(Digest, Seq)>) -> Vec<(Digest, Seq)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn partition_point(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn digest(n: u32) -> Digest {
        let mut d = [0u8; DIGEST_LEN];
        d[..4].copy_from_slice(&n.to_be_bytes());
        d
    }

    /// A digest as the real families make them: uniform bytes.
    fn uniform(n: u32) -> Digest {
        let mut d = [0u8; DIGEST_LEN];
        d.copy_from_slice(&blake3::hash(&n.to_le_bytes()).as_bytes()[..DIGEST_LEN]);
        d
    }

    /// Runs of three families planned together, large enough to be merged
    /// side by side, give the very manifest and writes that planning them
    /// one family after another gives, over stored runs that they absorb.
    #[test]
    fn families_planned_together_write_what_one_after_another_writes() {
        let store = MemoryStore::default();
        let mut manifest = Manifest::default();
        let records = |family: u32, from: u32, n: u32| -> Vec<(Digest, Seq)> {
            (from..from + n)
                .map(|i| (uniform(family * 1_000_000 + i), Seq::new(u64::from(i))))
                .collect()
        };
        let families = [Family::FactKey, Family::EntryId, Family::IncidentKey];
        // Stored runs first: three small batches of each family, all of the
        // new batch's tier, so that its run absorbs them.
        for from in [0, 5_000, 10_000] {
            let mut writes = Vec::new();
            let mut reader = IndexReader::new(&store, manifest.clone());
            for (tag, family) in (0u32..).zip(families) {
                reader
                    .plan_add(
                        family,
                        records(tag, from, 5_000),
                        &mut manifest,
                        &mut writes,
                    )
                    .unwrap();
            }
            store.commit(writes).unwrap();
        }
        assert_eq!(manifest.runs.len(), 9, "three stored runs a family");
        // Then a batch large enough for two threads, planned both ways.
        let batch = || {
            (0u32..)
                .zip(families)
                .map(|(tag, family)| (family, records(tag, 15_000, 12_000)))
                .collect::<Vec<_>>()
        };
        assert!(batch().iter().map(|(_, r)| r.len()).sum::<usize>() >= SIDE_BY_SIDE_RECORDS);
        let (mut together, mut together_writes) = (manifest.clone(), Vec::new());
        IndexReader::new(&store, manifest.clone())
            .plan_add_families(batch(), &mut together, &mut together_writes)
            .unwrap();
        let (mut apart, mut apart_writes) = (manifest.clone(), Vec::new());
        let mut reader = IndexReader::new(&store, manifest.clone());
        for (family, records) in batch() {
            reader
                .plan_add(family, records, &mut apart, &mut apart_writes)
                .unwrap();
        }
        assert_eq!(together, apart);
        assert_eq!(
            together.runs.len(),
            3,
            "each new run absorbs its stored ones"
        );
        assert_eq!(together_writes, apart_writes);
    }

    /// Twenty committed batches (so several runs and merges), with a planned
    /// batch that was never committed in between reusing a run id: every
    /// lookup finds exactly the records committed, through the filters the
    /// journal kept, through the filters stored beside the runs, and through
    /// seeks in runs without one (as a ledger of layout 2 has).
    #[test]
    fn lookups_through_kept_stored_or_no_filters_find_what_was_committed() {
        let store = MemoryStore::default();
        let cache = Arc::new(ChunkCache::default());
        let mut manifest = Manifest::default();
        let batch_of = |b: u32| -> Vec<(Digest, Seq)> {
            (0..500)
                .map(|i| (uniform(b * 500 + i), Seq::new(u64::from(b * 500 + i))))
                .collect()
        };
        for b in 0..20u32 {
            if b == 7 {
                // Planned, then abandoned (as when a commit fails).
                let mut abandoned = manifest.clone();
                let mut reader =
                    IndexReader::with_cache(&store, manifest.clone(), Arc::clone(&cache));
                reader
                    .plan_add(
                        Family::FactKey,
                        batch_of(1_000),
                        &mut abandoned,
                        &mut Vec::new(),
                    )
                    .unwrap();
                drop(reader.take_planned_runs());
            }
            let mut writes = Vec::new();
            let mut reader = IndexReader::with_cache(&store, manifest.clone(), Arc::clone(&cache));
            reader
                .plan_add(Family::FactKey, batch_of(b), &mut manifest, &mut writes)
                .unwrap();
            store.commit(writes).unwrap();
            cache.install_runs(reader.take_planned_runs());
        }
        assert!(!cache.filters.lock().unwrap().is_empty());
        // One stored filter per run, each read back by a reader of its own.
        let mut stored_filters = Vec::new();
        store
            .scan(b"f", b"f", &mut |key, _| {
                stored_filters.push(key.to_vec());
                true
            })
            .unwrap();
        let mut runs: Vec<Vec<u8>> = manifest
            .runs
            .iter()
            .map(|run| filter_key(&chunk_prefix(run.family, run.id)))
            .collect();
        runs.sort();
        assert_eq!(stored_filters, runs);
        let lookups = |reader: &mut IndexReader, how: &str| {
            for n in (0..10_000u32).chain(500_000..500_200) {
                let expected = match n < 10_000 {
                    true => vec![Seq::new(u64::from(n))],
                    false => Vec::new(),
                };
                assert_eq!(
                    reader.find(Family::FactKey, &uniform(n)).unwrap(),
                    expected,
                    "{n}, {how}"
                );
            }
        };
        lookups(
            &mut IndexReader::with_cache(&store, manifest.clone(), Arc::clone(&cache)),
            "filters kept",
        );
        // Per run asked about: whether it had a usable stored filter.
        let stored = |reader: &IndexReader| -> Vec<bool> {
            let filters = reader.cache.filters.lock().unwrap();
            filters.values().map(Option::is_some).collect()
        };
        let mut fresh = IndexReader::new(&store, manifest.clone());
        lookups(&mut fresh, "filters read from the store");
        assert_eq!(stored(&fresh), vec![true; manifest.runs.len()]);
        let deletes = stored_filters.into_iter().map(Write::Delete).collect();
        store.commit(deletes).unwrap();
        let mut seeking = IndexReader::new(&store, manifest.clone());
        lookups(&mut seeking, "no filters");
        assert_eq!(stored(&seeking), vec![false; manifest.runs.len()]);
    }

    fn add(store: &MemoryStore, manifest: &mut Manifest, records: Vec<(Digest, Seq)>) {
        let mut writes = Vec::new();
        let mut reader = IndexReader::new(store, manifest.clone());
        reader
            .plan_add(Family::FactKey, records, manifest, &mut writes)
            .unwrap();
        store.commit(writes).unwrap();
    }

    /// Equal batches make runs like the digits of their count in base 4 (four
    /// runs of a tier become one of the next), and the k-th batch writes 4^z
    /// batches' records, z the trailing zeros of k in base 4: 3.25 writes a
    /// record for 64 batches, where merging two at a time writes 4.
    #[test]
    fn four_runs_of_a_tier_merge_into_one_of_the_next() {
        let store = MemoryStore::default();
        let mut manifest = Manifest::default();
        let mut written = 0u64;
        let mut next = 0u32;
        for batch in 1..=64u64 {
            let records = (0..100)
                .map(|_| {
                    next += 1;
                    (uniform(next), Seq::new(u64::from(next)))
                })
                .collect();
            let before: Vec<Run> = manifest.runs.clone();
            add(&store, &mut manifest, records);
            let new_run: Vec<u64> = manifest
                .runs
                .iter()
                .filter(|run| !before.contains(run))
                .map(|run| run.count)
                .collect();
            let mut merged = 1;
            while batch % (merged * 4) == 0 {
                merged *= 4;
            }
            assert_eq!(new_run, vec![merged * 100], "batch {batch} writes one run");
            written += new_run[0];
            let mut digits = Vec::new();
            let (mut rest, mut size) = (batch, 100u64);
            while rest > 0 {
                digits.extend(std::iter::repeat_n(size, (rest % 4) as usize));
                rest /= 4;
                size *= 4;
            }
            digits.reverse();
            let sizes: Vec<u64> = manifest.runs.iter().map(|run| run.count).collect();
            assert_eq!(sizes, digits, "after {batch} batches");
            assert_only_live_runs_stored(&store, &manifest, batch);
        }
        assert_eq!(written, 20_800, "3.25 writes a record");
    }

    /// Every index chunk and stored filter belongs to a run of the manifest:
    /// a merge deleted all of what it absorbed.
    fn assert_only_live_runs_stored(store: &MemoryStore, manifest: &Manifest, batch: u64) {
        let live: Vec<RunPrefix> = manifest
            .runs
            .iter()
            .map(|run| chunk_prefix(run.family, run.id))
            .collect();
        let mut chunks = 0;
        for (key, _) in crate::store::scanned(store, &[CHUNK_PREFIX], &[CHUNK_PREFIX]) {
            assert!(
                live.iter().any(|run| key.starts_with(run)),
                "after {batch} batches: chunk {key:02x?} of no live run"
            );
            chunks += 1;
        }
        assert!(
            chunks >= live.len(),
            "after {batch} batches: {chunks} chunks"
        );
        let filters = [super::super::run_filter::FILTER_PREFIX];
        for (key, _) in crate::store::scanned(store, &filters, &filters) {
            assert!(
                live.iter().any(|run| key[1..] == run[1..]),
                "after {batch} batches: filter {key:02x?} of no live run"
            );
        }
    }

    #[test]
    fn runs_stay_logarithmic_and_every_record_is_found() {
        let store = MemoryStore::default();
        let mut manifest = Manifest::default();
        let mut next = 0u32;
        for batch in [1usize, 1, 1, 5000, 3, 1, 1, 9000, 2, 1] {
            let recs = (0..batch)
                .map(|_| {
                    next += 1;
                    (
                        digest(next.wrapping_mul(2_654_435_761)),
                        Seq::new(u64::from(next)),
                    )
                })
                .collect();
            add(&store, &mut manifest, recs);
        }
        let runs = manifest.runs_of(Family::FactKey).count();
        assert!(runs <= 6, "{runs} runs for {next} records");
        let tiers: Vec<u32> = manifest.runs.iter().map(|r| tier_of(r.count)).collect();
        assert!(tiers.windows(2).all(|w| w[0] >= w[1]), "tiers {tiers:?}");
        let mut reader = IndexReader::new(&store, manifest.clone());
        for n in 1..=next {
            let hits = reader
                .find(Family::FactKey, &digest(n.wrapping_mul(2_654_435_761)))
                .unwrap();
            assert_eq!(hits, vec![Seq::new(u64::from(n))], "record {n}");
        }
        assert!(reader.find(Family::FactKey, &digest(0)).unwrap().is_empty());
        assert_eq!(Manifest::decode(&manifest.encode()), Some(manifest));
    }

    /// A run this journal committed is searched through its fences, one
    /// without a stored filter by seeking the store: both find, for every
    /// prefix, exactly the records a scan of all of them finds, in the same
    /// order, in a run of layout 3 and in a compact one (whose fact-key
    /// digests are their first 8 bytes, and where a longer prefix is searched
    /// by its first 8).
    #[test]
    fn lookups_by_fences_and_by_seeking_find_what_a_scan_finds() {
        for compact in [false, true] {
            let store = MemoryStore::default();
            let cache = Arc::new(ChunkCache::default());
            let mut manifest = Manifest::default();
            let mut records: Vec<(Digest, Seq)> = (0..(3 * CHUNK_RECORDS + 17) as u32)
                .map(|n| (uniform(n), Seq::new(u64::from(n))))
                .collect();
            let mut writes = Vec::new();
            let mut plan = || {
                let mut reader =
                    IndexReader::with_cache(&store, manifest.clone(), Arc::clone(&cache));
                reader
                    .plan_add(Family::FactKey, records.clone(), &mut manifest, &mut writes)
                    .unwrap();
                reader.take_planned_runs()
            };
            let planned = match compact {
                true => plan(),
                false => with_layout_3_runs(plan),
            };
            store.commit(writes).unwrap();
            cache.install_runs(planned);
            assert_eq!(manifest.runs[0].compact, compact);
            let kept = Shape::of(Family::FactKey, compact).digest_len;
            cut_digests(&mut records, kept);
            records.sort_unstable();
            let mut by_fences = IndexReader::with_cache(&store, manifest.clone(), cache);
            let filter = filter_key(&chunk_prefix(Family::FactKey, manifest.runs[0].id));
            store.commit(vec![Write::Delete(filter)]).unwrap();
            let mut by_seeking = IndexReader::new(&store, manifest);
            let mut prefixes: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            prefixes.extend((0..300u32).map(|n| uniform(n * 7919)[..2].to_vec()));
            prefixes.extend((0..300u32).map(|n| uniform(n * 13)[..3].to_vec()));
            prefixes.extend((0..200u32).map(|n| uniform(n * 31).to_vec()));
            prefixes.extend((0..200u32).map(|n| uniform(n * 17)[..9].to_vec()));
            prefixes.extend([vec![0; DIGEST_LEN], vec![0xff; DIGEST_LEN]]);
            let mut hits = 0;
            for prefix in &prefixes {
                let searched = &prefix[..prefix.len().min(kept)];
                let expected: Vec<(Digest, Seq)> = records
                    .iter()
                    .filter(|(d, _)| d.starts_with(searched))
                    .copied()
                    .collect();
                hits += expected.len();
                for limit in [1, 3, usize::MAX] {
                    let wanted: Vec<_> = expected.iter().take(limit).copied().collect();
                    let fenced = by_fences
                        .find_prefix(Family::FactKey, prefix, limit)
                        .unwrap();
                    let sought = by_seeking
                        .find_prefix(Family::FactKey, prefix, limit)
                        .unwrap();
                    let how = format!("prefix {prefix:02x?}, compact {compact}");
                    assert_eq!(fenced, wanted, "through fences, {how}");
                    assert_eq!(sought, wanted, "by seeking, {how}");
                }
            }
            assert!(hits > 3 * CHUNK_RECORDS, "the prefixes found records");
        }
    }

    /// A ledger from before layout 4 has runs of 24-byte records: they are
    /// read beside the compact runs written after, and a merge that absorbs
    /// them writes a compact run holding every record. Compact incident-key
    /// runs keep whole digests.
    #[test]
    fn runs_of_layout_3_are_read_and_absorbed_into_compact_ones() {
        let store = MemoryStore::default();
        let mut manifest = Manifest::default();
        let batch = |b: u32, n: u32| -> Vec<(Digest, Seq)> {
            (b * 1_000..b * 1_000 + n)
                .map(|i| (uniform(i), Seq::new(u64::from(i))))
                .collect()
        };
        let plan = |manifest: &mut Manifest, family, records, layout_3: bool| {
            let mut writes = Vec::new();
            let planned = || {
                IndexReader::new(&store, manifest.clone())
                    .plan_add(family, records, manifest, &mut writes)
                    .unwrap()
            };
            match layout_3 {
                true => with_layout_3_runs(planned),
                false => planned(),
            }
            store.commit(writes).unwrap();
        };
        let finds_all = |manifest: &Manifest, records: &[(Digest, Seq)]| {
            let mut reader = IndexReader::new(&store, manifest.clone());
            for (digest, seq) in records {
                assert_eq!(reader.find(Family::FactKey, digest).unwrap(), vec![*seq]);
            }
            let stranger = uniform(999_999);
            assert!(reader.find(Family::FactKey, &stranger).unwrap().is_empty());
        };
        for b in 0..3 {
            plan(&mut manifest, Family::FactKey, batch(b, 1_000), true);
        }
        // A small compact run beside the three of layout 3: nothing merges.
        plan(&mut manifest, Family::FactKey, batch(3, 100), false);
        let compact: Vec<bool> = manifest.runs.iter().map(|run| run.compact).collect();
        assert_eq!(compact, [false, false, false, true]);
        assert_eq!(
            Manifest::decode(&manifest.encode()).as_ref(),
            Some(&manifest)
        );
        let mut all: Vec<_> = (0..3).flat_map(|b| batch(b, 1_000)).collect();
        all.extend(batch(3, 100));
        finds_all(&manifest, &all);
        // A batch of their tier absorbs them all into a compact run.
        plan(&mut manifest, Family::FactKey, batch(4, 1_000), false);
        all.extend(batch(4, 1_000));
        let runs: Vec<(u64, bool)> = manifest.runs.iter().map(|r| (r.count, r.compact)).collect();
        assert_eq!(runs, [(4_100, true)]);
        finds_all(&manifest, &all);
        plan(&mut manifest, Family::IncidentKey, batch(5, 10), false);
        assert!(manifest.runs[1].compact);
        let kept = manifest.runs[1].shape().digest_len;
        assert_eq!(kept, DIGEST_LEN, "incident-key hits are not confirmed");
        let mut reader = IndexReader::new(&store, manifest.clone());
        let whole = batch(5, 1)[0].0;
        assert_eq!(reader.find(Family::IncidentKey, &whole).unwrap().len(), 1);
        let mut near = whole;
        near[DIGEST_LEN - 1] ^= 1;
        assert!(reader.find(Family::IncidentKey, &near).unwrap().is_empty());
    }

    #[test]
    fn prefix_search_crosses_chunk_boundaries() {
        let store = MemoryStore::default();
        let mut manifest = Manifest::default();
        // 3 × CHUNK_RECORDS records sharing a 1-byte prefix span several chunks.
        let recs: Vec<_> = (0..(3 * CHUNK_RECORDS) as u32)
            .map(|n| {
                let mut d = digest(n);
                d[0] = 0xab;
                (d, Seq::new(u64::from(n)))
            })
            .collect();
        add(&store, &mut manifest, recs);
        let mut reader = IndexReader::new(&store, manifest);
        let all = reader
            .find_prefix(Family::FactKey, &[0xab], usize::MAX)
            .unwrap();
        assert_eq!(all.len(), 3 * CHUNK_RECORDS);
        assert_eq!(
            reader
                .find_prefix(Family::FactKey, &[0xab], 2)
                .unwrap()
                .len(),
            2
        );
        assert!(reader
            .find_prefix(Family::EntryId, &[0xab], 9)
            .unwrap()
            .is_empty());
    }
}
