//! `MemoryStore`: the `Store` in a `BTreeMap`, for tests and dry runs.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Pair, Store, StoreError, Write};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

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
        Ok(map
            .range(prefix.to_vec()..=key.to_vec())
            .next_back()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone())))
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        // The visitor may read the store (the audit reads Merkle nodes while it
        // scans entries), so pairs are copied out a few at a time and visited
        // without the lock held.
        const CHUNK: usize = 256;
        let mut start = from.to_vec();
        loop {
            let chunk: Vec<Pair> = {
                let map = self.map()?;
                map.range(start.clone()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .take(CHUNK)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            let full = chunk.len() == CHUNK;
            for (k, v) in &chunk {
                if !visit(k, v) {
                    return Ok(());
                }
            }
            match chunk.last() {
                Some((last, _)) if full => {
                    start = last.clone();
                    start.push(0);
                }
                _ => return Ok(()),
            }
        }
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
