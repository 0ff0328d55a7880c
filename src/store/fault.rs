//! Fault injection at the `Store` seam (issue 5): wrappers that make any store
//! fail or forget, so that tests can prove what a ledger looks like after an I/O
//! error, a full disk or a power loss at every step of an operation.
//!
//! * [`FailingStore`] counts every operation (each call of `get`,
//!   `last_at_or_before`, `scan`, `commit` or `flush` is one) and, once armed with
//!   a [`Fault`], refuses the chosen one — and, for a lasting fault, those after
//!   it — with `StoreError::Io("injected fault at operation N (kind)")`, *without*
//!   performing it. Counting a clean run first tells a test how many fault points
//!   an operation has.
//! * [`VolatileStore`] is an in-memory store whose committed writes are visible at
//!   once but survive [`VolatileStore::crash`] only if a `flush` came after them:
//!   a model of power loss, where the page cache is gone and the disk keeps what
//!   was synced. Commits stay atomic across a crash: a crash restores exactly the
//!   state of the last flush.
//!
//! With no fault armed, a `FailingStore` behaves exactly like the store it wraps;
//! until it crashes, a `VolatileStore` behaves like any ordered map. Both are
//! `Sync` and are meant to be shared through `Arc`: the journal owns one handle,
//! the test keeps another to arm, crash, dump and reopen. [`dump`] reads a
//! whole store, for comparing states.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Pair, Store, StoreError, Write};

/// The kind of a store operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `Store::get`.
    Get,
    /// `Store::last_at_or_before`.
    LastAtOrBefore,
    /// `Store::scan`.
    Scan,
    /// `Store::commit`.
    Commit,
    /// `Store::flush`.
    Flush,
}

impl Op {
    /// Whether the operation writes (a full disk refuses these and only these).
    pub fn writes(self) -> bool {
        self == Op::Commit || self == Op::Flush
    }

    fn slot(self) -> usize {
        match self {
            Op::Get => 0,
            Op::LastAtOrBefore => 1,
            Op::Scan => 2,
            Op::Commit => 3,
            Op::Flush => 4,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Get => "get",
            Op::LastAtOrBefore => "last_at_or_before",
            Op::Scan => "scan",
            Op::Commit => "commit",
            Op::Flush => "flush",
        })
    }
}

/// Which operations an armed [`FailingStore`] refuses. Operations are counted
/// from 1 starting with the first one after [`FailingStore::arm`]; 0 means the
/// same as 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Operation n fails; the ones after it succeed (a transient I/O error).
    Once(u64),
    /// Operation n and every one after it fail (a device that went away).
    Persistent(u64),
    /// Every commit and flush from operation n on fails, while reads keep
    /// working (a full disk: it stays full until [`FailingStore::disarm`]).
    DiskFull(u64),
}

impl Fault {
    fn hits(self, ordinal: u64, op: Op) -> bool {
        match self {
            Fault::Once(n) => ordinal == n.max(1),
            Fault::Persistent(n) => ordinal >= n.max(1),
            Fault::DiskFull(n) => ordinal >= n.max(1) && op.writes(),
        }
    }
}

/// An operation a [`FailingStore`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injected {
    /// Its number, counted from 1 since the fault was armed.
    pub ordinal: u64,
    /// Its kind.
    pub op: Op,
}

/// How many operations of each kind a [`FailingStore`] has seen (refused ones
/// included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// `get` calls.
    pub get: u64,
    /// `last_at_or_before` calls.
    pub last_at_or_before: u64,
    /// `scan` calls.
    pub scan: u64,
    /// `commit` calls.
    pub commit: u64,
    /// `flush` calls.
    pub flush: u64,
}

impl OpCounts {
    /// All operations.
    pub fn total(&self) -> u64 {
        self.get + self.last_at_or_before + self.scan + self.commit + self.flush
    }
}

impl fmt::Display for OpCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} operations ({} get, {} last_at_or_before, {} scan, {} commit, {} flush)",
            self.total(),
            self.get,
            self.last_at_or_before,
            self.scan,
            self.commit,
            self.flush
        )
    }
}

#[derive(Default)]
struct Counter {
    /// Per `Op::slot`, since creation.
    counts: [u64; 5],
    /// The armed fault and the total count when it was armed.
    armed: Option<(Fault, u64)>,
    injected: u64,
    last: Option<Injected>,
}

/// A store that passes every operation to `inner` and counts it, until an armed
/// [`Fault`] makes it refuse one (see the module documentation).
pub struct FailingStore<S> {
    inner: S,
    counter: Mutex<Counter>,
}

impl<S: Store> FailingStore<S> {
    /// Wraps `inner`, counting, with no fault armed.
    pub fn new(inner: S) -> FailingStore<S> {
        FailingStore {
            inner,
            counter: Mutex::new(Counter::default()),
        }
    }

    /// The store underneath, which the faults never touch.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Arms `fault`, replacing any armed one; its operation numbers count from
    /// the next operation on.
    pub fn arm(&self, fault: Fault) {
        let mut counter = self.counter();
        let now = counter.counts.iter().sum();
        counter.armed = Some((fault, now));
    }

    /// Disarms: every later operation is passed through again.
    pub fn disarm(&self) {
        self.counter().armed = None;
    }

    /// Every operation seen since the store was wrapped, refused ones included.
    pub fn operations(&self) -> u64 {
        self.counter().counts.iter().sum()
    }

    /// The operations seen so far, by kind.
    pub fn counts(&self) -> OpCounts {
        let c = self.counter().counts;
        OpCounts {
            get: c[0],
            last_at_or_before: c[1],
            scan: c[2],
            commit: c[3],
            flush: c[4],
        }
    }

    /// How many operations have been refused since the store was wrapped.
    pub fn injected(&self) -> u64 {
        self.counter().injected
    }

    /// The last operation refused, if any.
    pub fn last_fault(&self) -> Option<Injected> {
        self.counter().last
    }

    /// The counter holds plain numbers that are never left half-updated, so a
    /// panic elsewhere while it was locked does not make it untrustworthy.
    fn counter(&self) -> MutexGuard<'_, Counter> {
        self.counter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts `op` and decides whether it runs.
    fn admit(&self, op: Op) -> Result<(), StoreError> {
        let mut counter = self.counter();
        counter.counts[op.slot()] += 1;
        let Some((fault, armed_at)) = counter.armed else {
            return Ok(());
        };
        let ordinal = counter.counts.iter().sum::<u64>() - armed_at;
        if !fault.hits(ordinal, op) {
            return Ok(());
        }
        counter.injected += 1;
        counter.last = Some(Injected { ordinal, op });
        let why = match fault {
            Fault::DiskFull(_) => ": no space left on the device",
            Fault::Once(_) | Fault::Persistent(_) => "",
        };
        Err(StoreError::Io(format!(
            "injected fault at operation {ordinal} ({op}){why}"
        )))
    }
}

impl<S: Store> Store for FailingStore<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.admit(Op::Get)?;
        self.inner.get(key)
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        self.admit(Op::LastAtOrBefore)?;
        self.inner.last_at_or_before(prefix, key)
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.admit(Op::Scan)?;
        self.inner.scan(prefix, from, visit)
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.admit(Op::Commit)?;
        self.inner.commit(writes)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.admit(Op::Flush)?;
        self.inner.flush()
    }
}

use super::memory::{self, Map};

/// For every key changed since the last flush, the value it had then (`None`:
/// it did not exist). Restoring these is exactly "lose what was not flushed".
type Undo = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The committed state and what a crash would restore.
#[derive(Default)]
struct Volatile {
    map: Map,
    undo: Undo,
}

/// An in-memory store that forgets, on [`crash`](VolatileStore::crash),
/// everything committed since the last flush (see the module documentation).
///
/// Reads always see the committed state. Each commit first records, for every
/// key it touches for the first time since the last flush, that key's flushed
/// value; a flush forgets those records and a crash writes them back. One lock
/// makes commit, flush and crash atomic with respect to each other and to reads.
///
/// A scan visits pairs with the lock released (it copies them out a few at a
/// time), so a visitor may call the store again — the journal's audit reads
/// Merkle nodes while it scans entries. Like sled's, a scan is not a snapshot:
/// a commit made while it runs may or may not be seen by its later pairs.
#[derive(Default)]
pub struct VolatileStore {
    state: Mutex<Volatile>,
}

impl VolatileStore {
    /// An empty store (nothing committed, nothing to lose).
    pub fn new() -> VolatileStore {
        VolatileStore::default()
    }

    /// How many keys have a committed but unflushed change (what a crash now
    /// would roll back).
    pub fn unflushed(&self) -> usize {
        self.state().undo.len()
    }

    /// Power loss: drops every write not followed by a flush, leaving exactly the
    /// state of the last flush (empty if there was none). Returns how many keys
    /// were rolled back. Handles opened on the store before the crash still read
    /// it, so reopen the ledger rather than trusting what a journal had in memory.
    pub fn crash(&self) -> usize {
        let mut state = self.state();
        let undo = std::mem::take(&mut state.undo);
        let rolled_back = undo.len();
        for (key, flushed) in undo {
            match flushed {
                Some(value) => state.map.insert(key, value),
                None => state.map.remove(&key),
            };
        }
        rolled_back
    }

    /// The state is never left half-updated by a panic: no code that can panic
    /// runs between the undo record and the change it covers, so a poisoned lock
    /// still guards a consistent state.
    fn state(&self) -> MutexGuard<'_, Volatile> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for VolatileStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.state().map.get(key).cloned())
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        Ok(memory::last_at_or_before(&self.state().map, prefix, key))
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        memory::scan_unlocked(prefix, from, visit, &mut |read| Ok(read(&self.state().map)))
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut state = self.state();
        let Volatile { map, undo } = &mut *state;
        for write in writes {
            let key = match &write {
                Write::Put(key, _) | Write::Delete(key) => key,
            };
            // Only the first change since the flush knows the flushed value.
            if !undo.contains_key(key) {
                undo.insert(key.clone(), map.get(key).cloned());
            }
            match write {
                Write::Put(key, value) => map.insert(key, value),
                Write::Delete(key) => map.remove(&key),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.state().undo.clear();
        Ok(())
    }
}

/// Every pair in `store`, in key order: the whole state, for comparing a store
/// before and after an operation.
pub fn dump(store: &dyn Store) -> Result<Vec<Pair>, StoreError> {
    let mut pairs = Vec::new();
    store.scan(b"", b"", &mut |key, value| {
        pairs.push((key.to_vec(), value.to_vec()));
        true
    })?;
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::scanned;
    use crate::store::MemoryStore;

    fn put(key: &str, value: &str) -> Write {
        Write::Put(key.as_bytes().to_vec(), value.as_bytes().to_vec())
    }

    fn del(key: &str) -> Write {
        Write::Delete(key.as_bytes().to_vec())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<Pair> {
        list.iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    /// One operation of each kind, in a fixed order; the results of those that ran.
    fn one_of_each(store: &dyn Store) -> Vec<Result<(), String>> {
        let mut seen = 0;
        vec![
            store.get(b"a").map(drop),
            store.last_at_or_before(b"", b"z").map(drop),
            store.scan(b"", b"", &mut |_, _| {
                seen += 1;
                true
            }),
            store.commit(vec![put("c", "3")]),
            store.flush(),
        ]
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
    }

    #[test]
    fn an_unarmed_failing_store_counts_every_operation_and_changes_nothing() {
        let store = FailingStore::new(MemoryStore::default());
        store.commit(vec![put("a", "1"), put("b", "2")]).unwrap();
        assert!(one_of_each(&store).iter().all(Result::is_ok));
        assert_eq!(store.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(
            store.last_at_or_before(b"", b"bz").unwrap(),
            Some((b"b".to_vec(), b"2".to_vec()))
        );
        assert_eq!(
            store.counts(),
            OpCounts {
                get: 2,
                last_at_or_before: 2,
                scan: 1,
                commit: 2,
                flush: 1,
            }
        );
        assert_eq!(store.operations(), 8);
        assert_eq!(store.injected(), 0);
        assert_eq!(
            dump(store.inner()).unwrap(),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
    }

    #[test]
    fn a_single_fault_refuses_exactly_the_nth_operation_without_performing_it() {
        for n in 1..=5u64 {
            let store = FailingStore::new(MemoryStore::default());
            store.commit(vec![put("a", "1")]).unwrap();
            store.arm(Fault::Once(n));
            let results = one_of_each(&store);
            for (i, result) in results.iter().enumerate() {
                if i as u64 + 1 == n {
                    let err = result.as_ref().unwrap_err();
                    assert!(
                        err.starts_with(&format!(
                            "storage error: injected fault at operation {n} ("
                        )),
                        "{err}"
                    );
                } else {
                    assert!(result.is_ok(), "operation {} after a fault at {n}", i + 1);
                }
            }
            let committed = store.inner().get(b"c").unwrap().is_some();
            assert_eq!(committed, n != 4, "the refused commit was not performed");
            assert_eq!(store.injected(), 1);
            assert_eq!(store.last_fault().map(|f| f.ordinal), Some(n));
            assert_eq!(store.operations(), 6, "refused operations are counted too");
        }
    }

    #[test]
    fn fault_messages_name_the_operation() {
        let store = FailingStore::new(MemoryStore::default());
        store.arm(Fault::Once(4));
        let results = one_of_each(&store);
        assert_eq!(
            results[3],
            Err("storage error: injected fault at operation 4 (commit)".to_owned())
        );
        assert_eq!(
            store.last_fault(),
            Some(Injected {
                ordinal: 4,
                op: Op::Commit
            })
        );
    }

    #[test]
    fn a_persistent_fault_refuses_everything_from_n_until_disarmed() {
        let store = FailingStore::new(MemoryStore::default());
        store.arm(Fault::Persistent(2));
        let results = one_of_each(&store);
        assert!(results[0].is_ok());
        assert!(results[1..].iter().all(Result::is_err), "{results:?}");
        assert_eq!(store.injected(), 4);
        assert!(store.inner().get(b"c").unwrap().is_none());
        store.disarm();
        assert!(one_of_each(&store).iter().all(Result::is_ok));
        assert_eq!(store.inner().get(b"c").unwrap(), Some(b"3".to_vec()));
    }

    #[test]
    fn a_full_disk_refuses_writes_from_n_and_keeps_reads_working() {
        let store = FailingStore::new(MemoryStore::default());
        store.commit(vec![put("a", "1")]).unwrap();
        // Operation 1 is a read: the disk is already full but reads still work.
        store.arm(Fault::DiskFull(1));
        let results = one_of_each(&store);
        assert!(results[..3].iter().all(Result::is_ok), "{results:?}");
        assert_eq!(
            results[3],
            Err(
                "storage error: injected fault at operation 4 (commit): no space left on the device"
                    .to_owned()
            )
        );
        assert!(results[4].is_err());
        assert_eq!(store.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert!(store.commit(vec![put("d", "4")]).is_err(), "it stays full");
        assert_eq!(dump(store.inner()).unwrap(), pairs(&[("a", "1")]));
    }

    #[test]
    fn arming_counts_from_the_next_operation_and_rearming_replaces_the_fault() {
        let store = FailingStore::new(MemoryStore::default());
        for _ in 0..3 {
            store.get(b"x").unwrap();
        }
        store.arm(Fault::Persistent(5));
        store.arm(Fault::Once(2));
        assert!(store.get(b"x").is_ok());
        assert!(store.get(b"x").is_err());
        assert!(
            store.get(b"x").is_ok(),
            "the replaced persistent fault is gone"
        );
        assert_eq!(store.operations(), 6);
        store.arm(Fault::Once(0));
        assert!(store.get(b"x").is_err(), "0 means the next operation");
    }

    #[test]
    fn a_shared_failing_store_is_armed_through_any_handle() {
        let store = Arc::new(FailingStore::new(MemoryStore::default()));
        let boxed: Box<dyn Store> = Box::new(Arc::clone(&store));
        store.arm(Fault::Once(1));
        assert!(boxed.commit(vec![put("a", "1")]).is_err());
        assert!(boxed.commit(vec![put("a", "1")]).is_ok());
        assert_eq!(store.counts().commit, 2);
    }

    #[test]
    fn a_crash_keeps_exactly_what_was_flushed() {
        let store = VolatileStore::new();
        store
            .commit(vec![put("a", "1"), put("b", "2"), put("c", "3")])
            .unwrap();
        store.flush().unwrap();
        store
            .commit(vec![put("a", "changed"), del("b"), put("d", "new")])
            .unwrap();
        store
            .commit(vec![put("a", "again"), put("b", "back")])
            .unwrap();
        // Reads see every commit before the flush.
        assert_eq!(
            dump(&store).unwrap(),
            pairs(&[("a", "again"), ("b", "back"), ("c", "3"), ("d", "new")])
        );
        assert_eq!(store.unflushed(), 3);
        assert_eq!(store.crash(), 3);
        assert_eq!(
            dump(&store).unwrap(),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        assert_eq!(store.unflushed(), 0);
        assert_eq!(store.crash(), 0, "a second crash loses nothing more");
    }

    #[test]
    fn a_crash_before_any_flush_leaves_an_empty_store() {
        let store = VolatileStore::new();
        store.commit(vec![put("a", "1")]).unwrap();
        store.crash();
        assert!(dump(&store).unwrap().is_empty());
    }

    /// A deterministic random walk of commits, flushes and crashes, checked
    /// against a model that keeps the committed and the flushed maps whole; every
    /// read is compared with a `MemoryStore` holding the committed map.
    #[test]
    fn random_commits_flushes_and_crashes_match_a_two_map_model() {
        let mut seed: u64 = 0x5eed;
        let mut next = move |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        // Keys under three one-byte prefixes, so that scans cross prefix edges.
        let key = |next: &mut dyn FnMut(u64) -> u64| vec![b"jkl"[next(3) as usize], next(12) as u8];
        let store = VolatileStore::new();
        let mut committed: Map = BTreeMap::new();
        let mut flushed = committed.clone();
        for step in 0..2_000 {
            match next(10) {
                0 => {
                    store.flush().unwrap();
                    flushed = committed.clone();
                }
                1 => {
                    store.crash();
                    committed = flushed.clone();
                }
                _ => {
                    let mut writes = Vec::new();
                    for _ in 0..=next(4) {
                        let key = key(&mut next);
                        if next(3) == 0 {
                            committed.remove(&key);
                            writes.push(Write::Delete(key));
                        } else {
                            let value = step.to_string().into_bytes();
                            committed.insert(key.clone(), value.clone());
                            writes.push(Write::Put(key, value));
                        }
                    }
                    store.commit(writes).unwrap();
                }
            }
            let model = MemoryStore::default();
            model
                .commit(
                    committed
                        .iter()
                        .map(|(k, v)| Write::Put(k.clone(), v.clone()))
                        .collect(),
                )
                .unwrap();
            assert_eq!(dump(&store).unwrap(), dump(&model).unwrap(), "step {step}");
            let probe = key(&mut next);
            let prefix = &probe[..1];
            assert_eq!(store.get(&probe).unwrap(), model.get(&probe).unwrap());
            assert_eq!(
                store.last_at_or_before(prefix, &probe).unwrap(),
                model.last_at_or_before(prefix, &probe).unwrap(),
                "step {step}"
            );
            assert_eq!(
                scanned(&store, prefix, &probe),
                scanned(&model, prefix, &probe),
                "step {step}"
            );
        }
    }

    #[test]
    fn a_volatile_scan_crosses_its_batches_stops_when_asked_and_lets_the_visitor_read() {
        let store = VolatileStore::new();
        let writes = (0..200u8)
            .map(|i| Write::Put(vec![b'e', i], vec![i]))
            .chain([Write::Put(b"f".to_vec(), b"other prefix".to_vec())])
            .collect();
        store.commit(writes).unwrap();
        let all = scanned(&store, b"e", b"e");
        assert_eq!(
            all.len(),
            200,
            "three batches and a bit, nothing past the prefix"
        );
        assert!(all.iter().enumerate().all(|(i, (k, _))| k[1] as usize == i));
        let from_middle = scanned(&store, b"e", &[b'e', 130]);
        assert_eq!(from_middle.first().map(|(k, _)| k[1]), Some(130));
        let mut visited = 0;
        store
            .scan(b"e", b"e", &mut |key, _| {
                // The journal's audit reads the store from inside a scan.
                assert!(store.get(key).unwrap().is_some());
                assert!(store.last_at_or_before(b"e", key).unwrap().is_some());
                visited += 1;
                visited < 70
            })
            .unwrap();
        assert_eq!(visited, 70, "the scan stopped when the visitor said so");
    }

    #[test]
    fn a_failing_store_over_a_volatile_one_models_a_crash_at_any_point() {
        let disk = Arc::new(VolatileStore::new());
        let store = FailingStore::new(Arc::clone(&disk));
        store.commit(vec![put("a", "1")]).unwrap();
        store.flush().unwrap();
        // The "process" dies at its flush: the commit before it is lost.
        store.arm(Fault::Persistent(2));
        store.commit(vec![put("a", "2")]).unwrap();
        assert!(store.flush().is_err());
        disk.crash();
        assert_eq!(dump(disk.as_ref()).unwrap(), pairs(&[("a", "1")]));
    }
}
