//! `MemoryStore`: the `Store` in a `BTreeMap`, for tests and dry runs; and the
//! two reads every map-backed store shares (`fault.rs` keeps its
//! `VolatileStore` in the same kind of map).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Mutex;

use super::{Pair, Store, StoreError, Write};

pub(super) type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// How many pairs a scan copies out per lock, so that the visitor runs unlocked.
const SCAN_CHUNK: usize = 64;

/// The last pair under `prefix` whose key is at or before `key`.
pub(super) fn last_at_or_before(map: &Map, prefix: &[u8], key: &[u8]) -> Option<Pair> {
    map.range::<[u8], _>((Bound::Included(prefix), Bound::Included(key)))
        .next_back()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
}

/// Lends a store's map to a reader while it holds the store's lock.
pub(super) type WithMap<'a> =
    dyn FnMut(&mut dyn FnMut(&Map) -> Vec<Pair>) -> Result<Vec<Pair>, StoreError> + 'a;

/// Visits the pairs under `prefix` from `from` on. The visitor may read the
/// store (the audit reads Merkle nodes while it scans entries), so `locked`
/// lends the map for one chunk at a time, and the chunk's copies are visited
/// with no lock held.
pub(super) fn scan_unlocked(
    prefix: &[u8],
    from: &[u8],
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    locked: &mut WithMap<'_>,
) -> Result<(), StoreError> {
    let mut start = Bound::Included(from.to_vec());
    loop {
        let chunk = locked(&mut |map| {
            map.range::<[u8], _>((start.as_ref().map(Vec::as_slice), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix))
                .take(SCAN_CHUNK)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })?;
        let complete = chunk.len() < SCAN_CHUNK;
        let mut last = None;
        for (key, value) in chunk {
            if !visit(&key, &value) {
                return Ok(());
            }
            last = Some(key);
        }
        match last {
            Some(key) if !complete => start = Bound::Excluded(key),
            _ => return Ok(()),
        }
    }
}

/// An in-memory ordered map; `flush` does nothing.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<Map>,
}

impl MemoryStore {
    fn map(&self) -> Result<std::sync::MutexGuard<'_, Map>, StoreError> {
        self.map
            .lock()
            .map_err(|_| StoreError::Io("memory store poisoned by a panic".into()))
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map()?.get(key).cloned())
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        let map = self.map()?;
        Ok(last_at_or_before(&map, prefix, key))
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        scan_unlocked(prefix, from, visit, &mut |read| {
            let map = self.map()?;
            Ok(read(&map))
        })
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut map = self.map()?;
        for write in writes {
            match write {
                Write::Put(k, v) => {
                    map.insert(k, v);
                }
                Write::Delete(k) => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
