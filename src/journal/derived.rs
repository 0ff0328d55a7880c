//! Where derived data (projection snapshots) lives. A ledger on disk keeps each
//! piece as a file in `<ledger>/derived/`, replaced by writing a temporary file
//! and renaming it over the old one, so a reader sees the old bytes or the new,
//! never a mix. It is not kept in sled: sled re-reads on every open each large
//! value written since its own last snapshot, so a projection snapshot of a
//! million facts stored there cost every command hundreds of megabytes of reads
//! (docs/performance.md). A ledger in a store of its own (in memory, or the
//! stores tests inject) keeps derived data under `p/‖name` in that store.
//!
//! Derived data is never hashed and never flushed: losing or damaging it costs
//! a catch-up or a rebuild, never a fact (each snapshot carries its own digest
//! and cursor, checked before use).

use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Path, PathBuf};

use super::error::ReadError;
use super::layout;
use crate::store::{Store, Write};

/// The directory inside a ledger that holds derived files.
pub const DIR: &str = "derived";

/// Where a journal's derived data goes.
#[derive(Debug)]
pub enum Derived {
    /// Files in this directory.
    Files(PathBuf),
    /// Keys `p/‖name` in the journal's store.
    InStore,
}

impl Derived {
    /// Derived files for the ledger in `ledger_dir`.
    pub fn beside(ledger_dir: &Path) -> Derived {
        Derived::Files(ledger_dir.join(DIR))
    }

    /// The bytes stored under `name`, if any.
    pub fn get(&self, store: &dyn Store, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        match self {
            Derived::InStore => Ok(store.get(&key(name))?),
            Derived::Files(dir) => match std::fs::read(dir.join(name)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                Err(source) => Err(ReadError::Derived {
                    path: dir.join(name),
                    source,
                }),
            },
        }
    }

    /// At most the first `len` bytes stored under `name`: read from the front
    /// of the file, or cut from the stored value.
    pub fn get_prefix(
        &self,
        store: &dyn Store,
        name: &str,
        len: usize,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        let Derived::Files(dir) = self else {
            return Ok(self.get(store, name)?.map(|mut bytes| {
                bytes.truncate(len);
                bytes
            }));
        };
        let path = dir.join(name);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReadError::Derived { path, source }),
        };
        let mut bytes = Vec::with_capacity(len);
        std::io::Read::take(file, len as u64)
            .read_to_end(&mut bytes)
            .map_err(|source| ReadError::Derived { path, source })?;
        Ok(Some(bytes))
    }

    /// Replaces the bytes under `name`: in one store write, or by writing a
    /// temporary file and renaming it over the old one.
    pub fn put(&self, store: &dyn Store, name: &str, value: Vec<u8>) -> Result<(), ReadError> {
        match self {
            Derived::InStore => Ok(store.commit(vec![Write::Put(key(name), value)])?),
            Derived::Files(_) => self.put_pieces(store, name, &[&value]),
        }
    }

    /// [`Derived::put`] of the bytes of `pieces` one after another: a file is
    /// written piece by piece, with no copy of them joined (a store value is
    /// one buffer, so there they are joined).
    pub fn put_pieces(
        &self,
        store: &dyn Store,
        name: &str,
        pieces: &[&[u8]],
    ) -> Result<(), ReadError> {
        match self {
            Derived::InStore => self.put(store, name, pieces.concat()),
            Derived::Files(dir) => {
                let failed = |path: &Path, source| ReadError::Derived {
                    path: path.to_path_buf(),
                    source,
                };
                std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
                let path = dir.join(name);
                let temporary = dir.join(format!("{name}.tmp"));
                let written = std::fs::File::create(&temporary)
                    .and_then(|mut file| pieces.iter().try_for_each(|piece| file.write_all(piece)));
                written.map_err(|e| failed(&temporary, e))?;
                std::fs::rename(&temporary, &path).map_err(|e| failed(&path, e))
            }
        }
    }
}

fn key(name: &str) -> Vec<u8> {
    let mut key = layout::DERIVED_PREFIX.to_vec();
    key.extend_from_slice(name.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn files_are_replaced_whole_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let derived = Derived::beside(dir.path());
        assert_eq!(derived.get(&store, "picture").unwrap(), None);
        derived.put(&store, "picture", vec![1; 10]).unwrap();
        derived.put(&store, "cursor", vec![2]).unwrap();
        derived.put(&store, "picture", vec![3, 4, 5, 6]).unwrap();
        assert_eq!(
            derived.get(&store, "picture").unwrap(),
            Some(vec![3, 4, 5, 6])
        );
        assert_eq!(derived.get(&store, "cursor").unwrap(), Some(vec![2]));
        assert_eq!(
            derived.get_prefix(&store, "picture", 2).unwrap(),
            Some(vec![3, 4])
        );
        assert_eq!(
            derived.get_prefix(&store, "picture", 99).unwrap(),
            Some(vec![3, 4, 5, 6])
        );
        assert_eq!(derived.get_prefix(&store, "absent", 2).unwrap(), None);
        let names: Vec<_> = std::fs::read_dir(dir.path().join(DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
        assert!(
            store.get(&key("picture")).unwrap().is_none(),
            "not in the store"
        );
    }

    #[test]
    fn pieces_are_stored_as_their_bytes_joined() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let pieces: [&[u8]; 4] = [&[1, 2], &[], &[3], &[4, 5, 6]];
        for derived in [Derived::beside(dir.path()), Derived::InStore] {
            derived.put(&store, "picture", vec![9; 20]).unwrap();
            derived.put_pieces(&store, "picture", &pieces).unwrap();
            assert_eq!(
                derived.get(&store, "picture").unwrap(),
                Some(vec![1, 2, 3, 4, 5, 6]),
                "{derived:?}"
            );
        }
    }

    #[test]
    fn in_a_store_they_are_keys() {
        let store = MemoryStore::default();
        Derived::InStore.put(&store, "picture", vec![7, 8]).unwrap();
        assert_eq!(store.get(&key("picture")).unwrap(), Some(vec![7, 8]));
        assert_eq!(
            Derived::InStore.get(&store, "picture").unwrap(),
            Some(vec![7, 8])
        );
        assert_eq!(
            Derived::InStore.get_prefix(&store, "picture", 1).unwrap(),
            Some(vec![7])
        );
    }
}
