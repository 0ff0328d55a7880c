//! The narrow storage seam (DESIGN §4): ordered keys and values, one atomic
//! multi-key commit, a flush. The journal is written against `Store` alone so that
//! tests can run it in memory or inject faults, and a later backend can slot in.
//!
//! Keys are compared as bytes; the journal makes them big-endian so that byte
//! order is numeric order.

mod bulk_region;
mod fault;
mod memory;
mod sled_store;
mod value_file;

use std::ops::Range;

pub use fault::{dump, FailingStore, Fault, Injected, Op, OpCounts, VolatileStore};
pub use memory::MemoryStore;
#[cfg(test)]
pub(crate) use sled_store::without_value_file;
pub use sled_store::{sled_config, SledStore, FILED_PREFIXES, OWNER_FILE};
pub use value_file::VALUE_FILE;

/// What a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the ledger open.
    #[error("the ledger at {path} is in use by another process ({detail})")]
    Locked {
        /// The ledger directory.
        path: String,
        /// What the platform said.
        detail: String,
    },
    /// Any other I/O or storage-engine failure.
    #[error("storage error: {0}")]
    Io(String),
}

/// A key and its value.
pub type Pair = (Vec<u8>, Vec<u8>);

/// The largest value [`Store::scan_small`] visits: 4 KiB. The sled store keeps
/// larger values apart, in its bulk region.
pub const SMALL_VALUE_MAX: usize = 4 << 10;

/// One change in a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Set `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Remove `key`.
    Delete(Vec<u8>),
}

/// An ordered key-value store with atomic batches.
pub trait Store {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// The last pair whose key is `<= key` and starts with `prefix`.
    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError>;

    /// [`Store::last_at_or_before`], with only the bytes of the value that
    /// `part` picks for the key found (cut to the value's length): for one
    /// 32-byte Merkle node of a 32 KiB run, or for the key alone. A store
    /// that keeps large values in a file reads only those bytes.
    fn read_last_at_or_before(
        &self,
        prefix: &[u8],
        key: &[u8],
        part: &mut dyn FnMut(&[u8]) -> Range<usize>,
    ) -> Result<Option<Pair>, StoreError> {
        Ok(self.last_at_or_before(prefix, key)?.map(|(k, v)| {
            let part = cut_to(part(&k), v.len());
            let bytes = v[part].to_vec();
            (k, bytes)
        }))
    }

    /// Every pair whose key starts with `prefix` and is `>= from`, in key order,
    /// handed to `visit` until it returns `false`.
    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError>;

    /// [`Store::scan`] of the pairs whose value is at most
    /// [`SMALL_VALUE_MAX`] bytes, the others skipped: a store that keeps larger
    /// values apart (the sled store's bulk region) does not read them at all.
    /// For reading the journal's tail, whose segments are small, without
    /// pulling in the large segments beside it.
    fn scan_small(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.scan(prefix, from, &mut |key, value| {
            value.len() > SMALL_VALUE_MAX || visit(key, value)
        })
    }

    /// Applies every write, or none of them.
    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    /// Makes every committed write durable.
    fn flush(&self) -> Result<(), StoreError>;
}

/// `part` cut to a value of `len` bytes.
pub(crate) fn cut_to(part: Range<usize>, len: usize) -> Range<usize> {
    let end = part.end.min(len);
    part.start.min(end)..end
}

/// Every pair `store.scan(prefix, from)` visits, copied out (tests compare
/// stores by what they list).
/// Retries `attempt` while sled still holds the lock of a database this
/// process has just let go of (it releases it a few milliseconds after the
/// last handle is dropped), for at most ten seconds: for tests that close and
/// reopen a store. `locked` tells a refusal for the lock from any other
/// result.
#[cfg(test)]
pub(crate) fn when_released<T, E>(
    mut attempt: impl FnMut() -> Result<T, E>,
    locked: impl Fn(&E) -> bool,
) -> Result<T, E> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match attempt() {
            Err(e) if locked(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
pub(crate) fn scanned(store: &dyn Store, prefix: &[u8], from: &[u8]) -> Vec<Pair> {
    let mut out = Vec::new();
    let listed = store.scan(prefix, from, &mut |k, v| {
        out.push((k.to_vec(), v.to_vec()));
        true
    });
    if let Err(e) = listed {
        panic!("scanning {prefix:?} from {from:?}: {e}");
    }
    out
}

/// A shared store is a store: tests keep one handle to a store while a journal
/// owns another, to "reopen" it or to inspect what was committed.
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        (**self).last_at_or_before(prefix, key)
    }

    fn read_last_at_or_before(
        &self,
        prefix: &[u8],
        key: &[u8],
        part: &mut dyn FnMut(&[u8]) -> Range<usize>,
    ) -> Result<Option<Pair>, StoreError> {
        (**self).read_last_at_or_before(prefix, key, part)
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        (**self).scan(prefix, from, visit)
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        (**self).commit(writes)
    }

    fn flush(&self) -> Result<(), StoreError> {
        (**self).flush()
    }
}
