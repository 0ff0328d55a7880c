//! `SledStore`: the `Store` on sled 0.34.7, one tree, atomic batches.
//!
//! All ledger data lives in sled's default tree so that one `sled::Batch` covers
//! every key a commit touches (sled's batches are atomic per tree). sled holds an
//! exclusive file lock while open, which is how a second process is kept out;
//! the holder writes its process id to `OWNER_FILE` beside the database, so that
//! a process turned away can say which process has the ledger.

use std::path::Path;

use super::{Pair, Store, StoreError, Write};

/// A sled database holding one ledger.
pub struct SledStore {
    db: sled::Db,
    dir: std::path::PathBuf,
    /// The identity of the database file when it was opened (Unix: device and
    /// inode), to notice the directory being removed or replaced under us.
    identity: Option<(u64, u64)>,
}

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

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(key).map_err(io)?.map(|v| v.to_vec()))
    }

    fn last_at_or_before(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Pair>, StoreError> {
        let mut found = None;
        self.visit_last_at_or_before(prefix, key, &mut |k, v| {
            found = Some((k.to_vec(), v.to_vec()));
        })?;
        Ok(found)
    }

    fn visit_last_at_or_before(
        &self,
        prefix: &[u8],
        key: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<bool, StoreError> {
        match self.db.range(prefix..=key).next_back() {
            Some(pair) => {
                let (k, v) = pair.map_err(io)?;
                let found = k.starts_with(prefix);
                if found {
                    visit(&k, &v);
                }
                Ok(found)
            }
            None => Ok(false),
        }
    }

    fn scan(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        for pair in self.db.range(from..) {
            let (k, v) = pair.map_err(io)?;
            if !k.starts_with(prefix) || !visit(&k, &v) {
                break;
            }
        }
        Ok(())
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for write in writes {
            match write {
                Write::Put(k, v) => batch.insert(k, v),
                Write::Delete(k) => batch.remove(k),
            }
        }
        self.db.apply_batch(batch).map_err(io)
    }

    fn flush(&self) -> Result<(), StoreError> {
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
    use crate::store::MemoryStore;

    /// What `visit_last_at_or_before` hands over, copied out.
    fn visited(store: &dyn Store, prefix: &[u8], key: &[u8]) -> Option<Pair> {
        let mut seen = None;
        let found = store
            .visit_last_at_or_before(prefix, key, &mut |k, v| {
                seen = Some((k.to_vec(), v.to_vec()));
            })
            .unwrap();
        assert_eq!(found, seen.is_some());
        seen
    }

    #[test]
    fn visiting_finds_what_last_at_or_before_copies() {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        let memory = MemoryStore::default();
        let writes = || {
            [b"a1".as_slice(), b"b1", b"b5", b"b9", b"c0"]
                .iter()
                .map(|k| Write::Put(k.to_vec(), [*k, &[7u8; 40_000]].concat()))
                .collect::<Vec<_>>()
        };
        sled.commit(writes()).unwrap();
        memory.commit(writes()).unwrap();
        for key in [b"b".as_slice(), b"b0", b"b1", b"b4", b"b5", b"b99", b"bz"] {
            let expected = memory.last_at_or_before(b"b", key).unwrap();
            assert_eq!(sled.last_at_or_before(b"b", key).unwrap(), expected);
            assert_eq!(visited(&sled, b"b", key), expected, "sled, {key:?}");
            assert_eq!(visited(&memory, b"b", key), expected, "memory, {key:?}");
        }
        assert_eq!(visited(&sled, b"b", b"b0"), None, "nothing at or before");
        assert!(visited(&sled, b"b", b"b7").is_some_and(|(k, _)| k == b"b5"));
    }
}
