//! `SledStore`: the `Store` on sled 0.34.7, one tree, atomic batches.
//!
//! All ledger data lives in sled's default tree so that one `sled::Batch` covers
//! every key a commit touches (sled's batches are atomic per tree). sled holds an
//! exclusive file lock while open, which is how a second process is kept out;
//! the holder writes its process id to `OWNER_FILE` beside the database, so that
//! a process turned away can say which process has the ledger.
//!
//! Small values are kept under their own key and large ones apart, in the
//! bulk region (`bulk_region.rs`); readers see one ordered map. The large
//! values that are written once and never changed are not kept in sled at
//! all but in the value file beside it, sled holding where each lies
//! (`value_file.rs`).

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::bulk_region::{bulk_key, plain_from, Firsts, Region, BULK};
use super::value_file::{Locator, ValueFile};
use super::{cut_to, Pair, Store, StoreError, Write, SMALL_VALUE_MAX};

/// A sled database holding one ledger.
pub struct SledStore {
    db: sled::Db,
    dir: std::path::PathBuf,
    /// The identity of the database file when it was opened (Unix: device and
    /// inode), to notice the directory being removed or replaced under us.
    identity: Option<(u64, u64)>,
    /// Where the first key of each prefix asked about is, so that a lookup
    /// asks only the region that can answer. Held across every commit and
    /// every seek that fills it, so that the two never interleave.
    firsts: Mutex<Firsts>,
    /// Commits since the last flush (see [`FLUSH_AFTER_COMMITS`]).
    unflushed: AtomicU32,
    /// Where the large values of keys under [`FILED_PREFIXES`] are kept.
    values: ValueFile,
}

/// The first bytes of the keys whose large values go to the value file
/// (`value_file.rs`): the journal's entry segments, Merkle node runs, index
/// chunks and run filters, each written once and never changed (a run's
/// chunks and filter are deleted when a merge absorbs it). A journal test
/// holds this to the journal's layout.
pub const FILED_PREFIXES: [u8; 4] = [b'e', b't', b'x', b'f'];

/// The most commits left unflushed: the next one flushes first.
///
/// sled 0.34.7 can hang under a quick run of small commits (upstream issue
/// #1412): a commit that needs a new log segment waits, holding the segment
/// lock, for a file truncation queued in sled's I/O thread pool, while every
/// thread of that pool waits for the same lock to finish an earlier write.
/// Flushing every so often bounds the writes outstanding. With runs of
/// single appends without `durable` on a ledger of 200,000 facts, 4 of 7 runs
/// hung without it and none of 14 with it (docs/performance.md, "What changed
/// in the eighth round"); the appends were no slower.
pub const FLUSH_AFTER_COMMITS: u32 = 32;

/// The device and inode of `dir/db`, where the platform has them.
fn identity(dir: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir.join("db")).ok()?;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// sled's page cache.
const SLED_CACHE_BYTES: u64 = 64 << 20;

/// The sled settings of a ledger database in `dir` (also what the benchmark's
/// raw-sled baseline opens with, so that it measures the same engine).
pub fn sled_config(dir: &Path) -> sled::Config {
    sled::Config::new()
        .path(dir)
        .mode(sled::Mode::HighThroughput)
        // sled's default page cache is 1 GiB; the journal keeps its own small
        // caches of segments and index chunks, and a million-fact ledger
        // must stay within 512 MiB (docs/performance.md).
        .cache_capacity(SLED_CACHE_BYTES)
}

impl SledStore {
    /// Opens (creating if absent) the sled database in `dir`.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let db = sled_config(dir).open().map_err(|e| open_error(dir, e))?;
        // Best effort: naming the holder is a courtesy, never a reason to fail.
        let _ = std::fs::write(dir.join(OWNER_FILE), format!("{}\n", std::process::id()));
        Ok(SledStore {
            db,
            dir: dir.to_path_buf(),
            identity: identity(dir),
            firsts: Mutex::default(),
            unflushed: AtomicU32::new(0),
            values: ValueFile::open(dir)?,
        })
    }
}

impl Drop for SledStore {
    /// Removes the owner file if it still names this process, so that a later
    /// refusal never names a process that has let go.
    fn drop(&mut self) {
        let path = self.dir.join(OWNER_FILE);
        let ours = std::fs::read_to_string(&path)
            .is_ok_and(|text| text.trim() == std::process::id().to_string());
        if ours {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The file in a ledger directory naming the process that last opened it.
pub const OWNER_FILE: &str = "sitrep.owner";

/// "process 1234" from the owner file, when there is one.
fn owner(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(OWNER_FILE)).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    Some(format!("process {pid}"))
}

fn open_error(dir: &Path, error: sled::Error) -> StoreError {
    let text = error.to_string();
    let locked = match &error {
        sled::Error::Io(io) => io.kind() == std::io::ErrorKind::WouldBlock || text.contains("lock"),
        _ => false,
    };
    if locked {
        StoreError::Locked {
            path: dir.display().to_string(),
            detail: match owner(dir) {
                Some(owner) => owner,
                None => text,
            },
        }
    } else if let sled::Error::Corruption { .. } = error {
        StoreError::Io(format!(
            "cannot open {}: its database is corrupted (the storage engine cannot read it); restore the ledger from a copy or an export",
            dir.display()
        ))
    } else {
        StoreError::Io(format!("cannot open {}: {text}", dir.display()))
    }
}

fn io(error: sled::Error) -> StoreError {
    StoreError::Io(error.to_string())
}

/// The last pair of `range` whose key starts with `prefix`.
fn last_in<K: AsRef<[u8]>>(
    db: &sled::Db,
    start: K,
    end: K,
    prefix: &[u8],
) -> Result<Option<(sled::IVec, sled::IVec)>, StoreError> {
    if start.as_ref() > end.as_ref() {
        return Ok(None);
    }
    match db.range(start..=end).next_back() {
        Some(pair) => {
            let (k, v) = pair.map_err(io)?;
            Ok(k.starts_with(prefix).then_some((k, v)))
        }
        None => Ok(None),
    }
}

impl SledStore {
    /// Whether a value of `len` bytes for `key` would leave the key stored in
    /// the other region as well, unless that is cleared in the same commit.
    fn held_elsewhere(&self, key: &[u8], len: usize) -> Result<bool, StoreError> {
        let other = Region::of_len(len).other();
        self.db.contains_key(other.stored_key(key)).map_err(io)
    }

    /// Writes `writes` as one atomic sled batch, each put in its region and
    /// cleared from the other; returns where each put went.
    fn apply_batch(&self, writes: Vec<Write>) -> Result<Vec<(Region, Vec<u8>)>, StoreError> {
        let mut batch = sled::Batch::default();
        let mut written = Vec::new();
        for write in writes {
            match write {
                Write::Put(key, value) => {
                    let region = Region::of_len(value.len());
                    let value = self.stored_value(&key, value)?;
                    batch.remove(region.other().stored_key(&key));
                    batch.insert(region.stored_key(&key), value);
                    written.push((region, key));
                }
                Write::Delete(key) => {
                    batch.remove(bulk_key(&key));
                    batch.remove(key);
                }
            }
        }
        // The values' bytes before the locators to them (see `flush`).
        self.values.sync()?;
        self.db.apply_batch(batch).map_err(io)?;
        Ok(written)
    }

    /// What sled stores for `key`'s `value`: the value, or where the value
    /// file keeps it.
    fn stored_value(&self, key: &[u8], value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let filed = key
            .first()
            .is_some_and(|first| FILED_PREFIXES.contains(first));
        if filed && Region::of_len(value.len()) == Region::Bulk && filing_on_this_thread() {
            Ok(self.values.append(&value)?.encode())
        } else {
            Ok(value)
        }
    }

    /// A value read from the bulk region: itself, or what its locator
    /// points at.
    fn bulk_value<'a>(&self, stored: &'a [u8]) -> Result<Cow<'a, [u8]>, StoreError> {
        match Locator::decode(stored) {
            Some(locator) => Ok(Cow::Owned(self.values.read(&locator)?)),
            None => Ok(Cow::Borrowed(stored)),
        }
    }

    fn firsts(&self) -> MutexGuard<'_, Firsts> {
        self.firsts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `region` may hold a key with `prefix` at or before `key`.
    fn may_hold(
        &self,
        firsts: &mut Firsts,
        region: Region,
        prefix: &[u8],
        key: &[u8],
    ) -> Result<bool, StoreError> {
        if let Some(first) = firsts.known(region, prefix) {
            return Ok(first.is_some_and(|first| first <= key));
        }
        let from = match region {
            Region::Plain => plain_from(prefix).to_vec(),
            Region::Bulk => bulk_key(prefix),
        };
        let first = match self.db.range(from..).next() {
            Some(pair) => {
                let (k, _) = pair.map_err(io)?;
                let key_of = match region {
                    Region::Plain => Some(&k[..]),
                    Region::Bulk => k.strip_prefix(&[BULK]),
                };
                key_of.filter(|k| k.starts_with(prefix)).map(<[u8]>::to_vec)
            }
            None => None,
        };
        let holds = first.as_deref().is_some_and(|first| first <= key);
        firsts.learn(region, prefix, first);
        Ok(holds)
    }
}

#[cfg(test)]
thread_local! {
    static FILING_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether commits made on this thread file large values (always, but in
/// tests that make the ledgers of an older sitrep).
fn filing_on_this_thread() -> bool {
    #[cfg(test)]
    return !FILING_OFF.get();
    #[cfg(not(test))]
    true
}

/// Runs `work` with the commits it makes on this thread keeping every value
/// in sled, as layout 4 and before did, to make the ledgers of an older
/// sitrep.
#[cfg(test)]
pub(crate) fn without_value_file<T>(work: impl FnOnce() -> T) -> T {
    FILING_OFF.set(true);
    let done = work();
    FILING_OFF.set(false);
    done
}

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.db.get(key).map_err(io)? {
            return Ok(Some(v.to_vec()));
        }
        match self.db.get(bulk_key(key)).map_err(io)? {
            Some(stored) => Ok(Some(self.bulk_value(&stored)?.into_owned())),
            None => Ok(None),
        }
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        self.read_last_at_or_before(prefix, key, &mut |_| 0..usize::MAX)
    }

    fn read_last_at_or_before(
        &self,
        prefix: &[u8],
        key: &[u8],
        part: &mut dyn FnMut(&[u8]) -> Range<usize>,
    ) -> Result<Option<Pair>, StoreError> {
        let (look_plain, look_bulk) = {
            let mut firsts = self.firsts();
            (
                self.may_hold(&mut firsts, Region::Plain, prefix, key)?,
                self.may_hold(&mut firsts, Region::Bulk, prefix, key)?,
            )
        };
        let plain = match look_plain {
            true => last_in(&self.db, plain_from(prefix), key, prefix)?,
            false => None,
        };
        let bulk = match look_bulk {
            true => {
                let bulk_prefix = bulk_key(prefix);
                last_in(&self.db, &bulk_prefix[..], &bulk_key(key)[..], &bulk_prefix)?
            }
            false => None,
        };
        let (k, stored, from_bulk) = match (plain, bulk) {
            (Some(plain), Some(bulk)) if plain.0[..] > bulk.0[1..] => (plain.0, plain.1, false),
            (_, Some(bulk)) => (bulk.0.subslice(1, bulk.0.len() - 1), bulk.1, true),
            (Some(plain), None) => (plain.0, plain.1, false),
            (None, None) => return Ok(None),
        };
        let part = part(&k);
        let bytes = match Locator::decode(&stored).filter(|_| from_bulk) {
            Some(locator) => self.values.read_part(&locator, part)?,
            None => stored[cut_to(part, stored.len())].to_vec(),
        };
        Ok(Some((k.to_vec(), bytes)))
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let mut plain = self.db.range(plain_from(from)..).peekable();
        let mut bulk = self.db.range(bulk_key(from)..vec![BULK + 1]).peekable();
        loop {
            // The smaller key of the two regions comes first; each key of the
            // ledger is in one region only.
            let from_bulk = match (plain.peek(), bulk.peek()) {
                (None, None) => break,
                (Some(Ok((p, _))), Some(Ok((b, _)))) => b[1..] < p[..],
                (_, Some(Err(_))) | (None, Some(_)) => true,
                (Some(_), _) => false,
            };
            let next = if from_bulk { bulk.next() } else { plain.next() };
            let Some(pair) = next else { break };
            let (k, v) = pair.map_err(io)?;
            let k = if from_bulk { &k[1..] } else { &k[..] };
            if !k.starts_with(prefix) {
                break;
            }
            let v = match from_bulk {
                true => self.bulk_value(&v)?,
                false => Cow::Borrowed(&v[..]),
            };
            if !visit(k, &v) {
                break;
            }
        }
        Ok(())
    }

    /// Only the plain region: the bulk region holds nothing small. (A
    /// ledger of layout 1 kept every value under its own key, so a large one
    /// is skipped here too.)
    fn scan_small(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        for pair in self.db.range(plain_from(from)..) {
            let (k, v) = pair.map_err(io)?;
            if !k.starts_with(prefix) {
                break;
            }
            if v.len() <= SMALL_VALUE_MAX && !visit(&k, &v) {
                break;
            }
        }
        Ok(())
    }

    /// Large values go to the bulk region and small ones under their own key;
    /// either way the key's other place is cleared in the same batch, so that
    /// every key is in one place only — except that a commit of one put to a
    /// key held nowhere else is a plain insert, with nothing to clear.
    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        for write in &writes {
            let (Write::Put(key, _) | Write::Delete(key)) = write;
            if key.first().is_none_or(|&b| b == BULK) {
                return Err(StoreError::Io(format!(
                    "refusing to write the key {key:02x?}: a ledger's keys are not empty and do not start with {BULK:#04x}"
                )));
            }
        }
        // Before the commit, so that a flush that fails leaves it unwritten.
        if self.unflushed.load(Ordering::Relaxed) >= FLUSH_AFTER_COMMITS {
            self.flush()?;
        }
        let mut firsts = self.firsts();
        let written = match <[Write; 1]>::try_from(writes) {
            // One value for a key held nowhere else (a small append's
            // segment): a plain insert, which sled makes durable with one
            // write and one sync where a batch takes two of each
            // (docs/performance.md, "What changed in the ninth round").
            Ok([Write::Put(key, value)]) if !self.held_elsewhere(&key, value.len())? => {
                let region = Region::of_len(value.len());
                let value = self.stored_value(&key, value)?;
                self.values.sync()?;
                self.db.insert(region.stored_key(&key), value).map_err(io)?;
                vec![(region, key)]
            }
            Ok(one) => self.apply_batch(Vec::from(one))?,
            Err(writes) => self.apply_batch(writes)?,
        };
        for (region, key) in written {
            firsts.wrote(region, &key);
        }
        self.unflushed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.unflushed.store(0, Ordering::Relaxed);
        // The value file first: sled's log must never be durable with a
        // locator that points past what the file holds.
        self.values.sync()?;
        self.db.flush().map(|_| ()).map_err(io)?;
        // Writes to a directory removed (or replaced) while open go to files no
        // one will ever read again: durable, but in no ledger. Say so.
        if self.identity.is_some() && identity(&self.dir) != self.identity {
            return Err(StoreError::Io(format!(
                "the ledger directory {} was removed or replaced while this command had it open; what it wrote since then is not in the ledger",
                self.dir.display()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::bulk_region::BULK_VALUE_MIN;
    use crate::store::scanned;
    use crate::store::value_file::VALUE_FILE;
    use crate::store::MemoryStore;

    /// Every pair `store.scan_small(prefix, from)` visits; none has a large
    /// value.
    fn scanned_small(store: &dyn Store, prefix: &[u8], from: &[u8]) -> Vec<Pair> {
        let mut out = Vec::new();
        store
            .scan_small(prefix, from, &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                true
            })
            .unwrap();
        assert!(out.iter().all(|(_, v)| v.len() <= SMALL_VALUE_MAX));
        out
    }

    /// What `read_last_at_or_before` reads of bytes `part`.
    fn read_part(
        store: &dyn Store,
        prefix: &[u8],
        key: &[u8],
        part: std::ops::Range<usize>,
    ) -> Option<Pair> {
        store
            .read_last_at_or_before(prefix, key, &mut |_| part.clone())
            .unwrap()
    }

    /// [`read_part`] of the whole value, checked against parts of it.
    fn visited(store: &dyn Store, prefix: &[u8], key: &[u8]) -> Option<Pair> {
        let whole = read_part(store, prefix, key, 0..usize::MAX);
        for part in [0..0, 0..1, 3..40, 4090..4200, 39_990..usize::MAX] {
            let expected = whole.as_ref().map(|(k, v)| {
                let part = cut_to(part.clone(), v.len());
                (k.clone(), v[part].to_vec())
            });
            assert_eq!(
                read_part(store, prefix, key, part.clone()),
                expected,
                "{part:?}"
            );
        }
        whole
    }

    #[test]
    fn reading_part_finds_what_last_at_or_before_copies() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        let memory = MemoryStore::default();
        let writes = || {
            // Under `b` sled keeps the values; under `t`, the value file.
            [b"a1".as_slice(), b"b1", b"b5", b"b9", b"c0", b"t1", b"t5"]
                .iter()
                .map(|k| {
                    let value = (0..40_000u32).map(|i| (i % 251) as u8);
                    Write::Put(k.to_vec(), k.iter().copied().chain(value).collect())
                })
                .collect::<Vec<_>>()
        };
        sled.commit(writes()).unwrap();
        memory.commit(writes()).unwrap();
        for prefix in [b"b".as_slice(), b"t"] {
            for tail in [b"".as_slice(), b"0", b"1", b"4", b"5", b"99", b"z"] {
                let key = [prefix, tail].concat();
                let expected = memory.last_at_or_before(prefix, &key).unwrap();
                assert_eq!(sled.last_at_or_before(prefix, &key).unwrap(), expected);
                assert_eq!(visited(&sled, prefix, &key), expected, "sled, {key:?}");
                assert_eq!(visited(&memory, prefix, &key), expected, "memory, {key:?}");
            }
        }
        assert_eq!(visited(&sled, b"b", b"b0"), None, "nothing at or before");
        assert!(visited(&sled, b"b", b"b7").is_some_and(|(k, _)| k == b"b5"));
        assert!(visited(&sled, b"t", b"t7").is_some_and(|(k, _)| k == b"t5"));
    }

    /// The first letters of the keys the property test writes: one whose
    /// large values sled keeps, two whose large values go to the value file.
    const LETTERS: [u8; 3] = [b'a', b'e', b'x'];

    /// A key from a small alphabet (so that writes collide and prefixes
    /// matter) and a value either side of [`BULK_VALUE_MIN`].
    fn op() -> impl proptest::strategy::Strategy<Value = Write> {
        use proptest::prelude::*;
        let key = (0usize..3, 0u8..6).prop_map(|(a, b)| vec![LETTERS[a], b'0' + b]);
        let len = prop_oneof![
            0usize..40,
            BULK_VALUE_MIN - 2..BULK_VALUE_MIN + 3,
            Just(40_000)
        ];
        prop_oneof![
            4 => (key.clone(), len, any::<u8>())
                .prop_map(|(k, len, fill)| Write::Put(k, vec![fill; len])),
            1 => key.prop_map(Write::Delete),
        ]
    }

    /// Every read the journal makes, on every prefix and bound of the alphabet.
    fn assert_reads_agree(sled: &SledStore, model: &MemoryStore) {
        let mut bounds: Vec<Vec<u8>> = vec![Vec::new(), b"z".to_vec()];
        for a in LETTERS {
            bounds.push(vec![a]);
            for b in b'0'..=b'6' {
                bounds.push(vec![a, b]);
            }
        }
        for key in &bounds {
            assert_eq!(
                sled.get(key).unwrap(),
                model.get(key).unwrap(),
                "get {key:?}"
            );
        }
        for prefix in [b"".as_slice(), b"a", b"e", b"x"] {
            for key in bounds.iter().filter(|k| k.starts_with(prefix)) {
                let expected = model.last_at_or_before(prefix, key).unwrap();
                assert_eq!(visited(sled, prefix, key), expected, "{prefix:?} ≤ {key:?}");
                assert_eq!(
                    scanned(sled, prefix, key),
                    scanned(model, prefix, key),
                    "scan {prefix:?} from {key:?}"
                );
                assert_eq!(
                    scanned_small(sled, prefix, key),
                    scanned_small(model, prefix, key),
                    "small values from {key:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Whichever region a value is kept in, and however often a key moves
        /// between them, the sled store reads like a plain ordered map, also
        /// after it is reopened.
        #[test]
        fn the_bulk_region_is_invisible_to_readers(
            batches in proptest::collection::vec(proptest::collection::vec(op(), 1..6), 1..12)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let model = MemoryStore::default();
            {
                let sled = SledStore::open(dir.path()).unwrap();
                for batch in &batches {
                    sled.commit(batch.clone()).unwrap();
                    model.commit(batch.clone()).unwrap();
                    assert_reads_agree(&sled, &model);
                }
                sled.flush().unwrap();
            }
            // Under a loaded test run, opening at once was refused as locked.
            let sled = crate::store::when_released(
                || SledStore::open(dir.path()),
                |e| matches!(e, StoreError::Locked { .. }),
            )
            .unwrap();
            assert_reads_agree(&sled, &model);
        }
    }

    #[test]
    fn large_values_are_kept_apart_and_small_ones_under_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        sled.commit(vec![
            Write::Put(b"p1".to_vec(), vec![1; BULK_VALUE_MIN + 1]),
            Write::Put(b"p2".to_vec(), vec![2; BULK_VALUE_MIN]),
        ])
        .unwrap();
        assert!(sled.db.get(b"p1").unwrap().is_none());
        assert_eq!(
            sled.db.get(bulk_key(b"p1")).unwrap().map(|v| v.len()),
            Some(BULK_VALUE_MIN + 1)
        );
        assert_eq!(
            sled.db.get(b"p2").unwrap().map(|v| v.len()),
            Some(BULK_VALUE_MIN)
        );
        // A key whose value changes size moves, and leaves nothing behind.
        sled.commit(vec![Write::Put(b"p1".to_vec(), vec![3; 10])])
            .unwrap();
        assert!(sled.db.get(bulk_key(b"p1")).unwrap().is_none());
        assert_eq!(sled.get(b"p1").unwrap(), Some(vec![3; 10]));
    }

    #[test]
    fn large_values_of_filed_prefixes_go_to_the_value_file_and_small_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        let large = vec![1; BULK_VALUE_MIN + 1];
        sled.commit(vec![
            Write::Put(b"e1".to_vec(), large.clone()),
            Write::Put(b"e2".to_vec(), vec![2; BULK_VALUE_MIN]),
        ])
        .unwrap();
        let stored = sled.db.get(bulk_key(b"e1")).unwrap().unwrap();
        assert!(Locator::decode(&stored).is_some(), "{} bytes", stored.len());
        assert_eq!(
            sled.db.get(b"e2").unwrap().map(|v| v.len()),
            Some(BULK_VALUE_MIN)
        );
        let file = std::fs::metadata(dir.path().join(VALUE_FILE)).unwrap();
        assert_eq!(file.len(), large.len() as u64);
        assert_eq!(sled.get(b"e1").unwrap(), Some(large));
    }

    #[test]
    fn a_value_file_that_lost_or_changed_bytes_is_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        let value: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        sled.commit(vec![Write::Put(b"e1".to_vec(), value.clone())])
            .unwrap();
        sled.flush().unwrap();
        let path = dir.path().join(VALUE_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[5_000] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let error = sled.get(b"e1").unwrap_err().to_string();
        assert!(error.contains("are not those the ledger wrote"), "{error}");
        std::fs::write(&path, &value[..9_000]).unwrap();
        let error = sled.get(b"e1").unwrap_err().to_string();
        assert!(error.contains("does not hold the 10000 bytes"), "{error}");
    }

    #[test]
    fn a_scan_of_small_values_skips_large_ones_in_either_region() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        sled.commit(vec![
            Write::Put(b"e1".to_vec(), vec![1; 10]),
            Write::Put(b"e2".to_vec(), vec![2; SMALL_VALUE_MAX + 1]),
            Write::Put(b"e4".to_vec(), vec![4; SMALL_VALUE_MAX]),
        ])
        .unwrap();
        // As layout 1 kept a large value: under its own key.
        sled.db.insert(b"e3", vec![3; SMALL_VALUE_MAX + 1]).unwrap();
        let keys: Vec<Vec<u8>> = scanned_small(&sled, b"e", b"e")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, [b"e1".to_vec(), b"e4".to_vec()]);
        assert_eq!(scanned(&sled, b"e", b"e").len(), 4);
    }

    #[test]
    fn a_key_in_the_bulk_regions_namespace_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        for bad in [vec![BULK, b'e'], Vec::new()] {
            let error = sled
                .commit(vec![
                    Write::Put(b"ok".to_vec(), vec![1]),
                    Write::Put(bad, vec![2]),
                ])
                .unwrap_err();
            assert!(
                error.to_string().contains("refusing to write the key"),
                "{error}"
            );
        }
        assert_eq!(sled.get(b"ok").unwrap(), None);
        // Not even to the value file.
        sled.commit(vec![
            Write::Put(b"e1".to_vec(), vec![1; BULK_VALUE_MIN + 1]),
            Write::Put(vec![BULK], vec![2]),
        ])
        .unwrap_err();
        let file = std::fs::metadata(dir.path().join(VALUE_FILE)).unwrap();
        assert_eq!(file.len(), 0);
    }

    #[test]
    fn every_so_many_commits_the_next_one_flushes_first() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        let commit = |i: u32| {
            sled.commit(vec![Write::Put(format!("k{i}").into_bytes(), vec![1])])
                .unwrap()
        };
        for i in 0..FLUSH_AFTER_COMMITS {
            commit(i);
        }
        assert_eq!(sled.unflushed.load(Ordering::Relaxed), FLUSH_AFTER_COMMITS);
        commit(FLUSH_AFTER_COMMITS);
        assert_eq!(sled.unflushed.load(Ordering::Relaxed), 1);
        sled.flush().unwrap();
        assert_eq!(sled.unflushed.load(Ordering::Relaxed), 0);
    }
}
