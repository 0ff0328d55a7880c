//! The value file: the journal's large values that are written once and
//! never changed (entry segments, Merkle node runs, index chunks and run
//! filters) appended to one file beside sled's database, with sled keeping
//! only where each lies.
//!
//! sled keeps the values it holds in its page cache and rewrites the pages
//! that hold them; at a million facts it passed three bytes to `write()` for
//! every byte the ledger keeps, and its cache grew with the ledger because it
//! counts a page stored as a blob at the size of its pointer
//! (docs/performance.md, rounds 19 and 20). A value written once needs none
//! of that: it is appended here, and sled stores a [`Locator`] in its place.
//! The store syncs the file before the sled write that points into it
//! (`SledStore::commit`), so that sled never holds a locator, durable or
//! not, to bytes the disk may not have. Bytes no locator points at (an index
//! run merged away, a commit that failed after its values were appended) are
//! never read; they are the price of never rewriting the file.

use std::fs::{File, OpenOptions};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{cut_to, StoreError};

/// The file's name in the ledger directory.
pub const VALUE_FILE: &str = "values";

/// The first byte of a locator. A value that sled keeps itself in the bulk
/// region is always longer than [`Locator::LEN`], so a value of exactly that
/// length is a locator.
const TAG: u8 = 0xF5;

/// Where a value lies in the value file: its offset and length, and the first
/// 16 bytes of its BLAKE3 hash, so that a read of bytes that never reached the
/// disk is told from the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locator {
    offset: u64,
    len: u32,
    check: [u8; 16],
}

impl Locator {
    /// The encoded length: tag, offset, length, check.
    pub const LEN: usize = 1 + 8 + 4 + 16;

    /// The locator's bytes, as sled stores them.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.push(TAG);
        out.extend_from_slice(&self.offset.to_be_bytes());
        out.extend_from_slice(&self.len.to_be_bytes());
        out.extend_from_slice(&self.check);
        out
    }

    /// The locator `stored` is, if it is one.
    pub fn decode(stored: &[u8]) -> Option<Locator> {
        if stored.len() != Self::LEN || stored[0] != TAG {
            return None;
        }
        let offset = u64::from_be_bytes(stored[1..9].try_into().ok()?);
        let len = u32::from_be_bytes(stored[9..13].try_into().ok()?);
        let check = stored[13..29].try_into().ok()?;
        Some(Locator { offset, len, check })
    }
}

/// The first 16 bytes of `value`'s BLAKE3 hash.
fn check_of(value: &[u8]) -> [u8; 16] {
    let hash = blake3::hash(value);
    let mut check = [0u8; 16];
    check.copy_from_slice(&hash.as_bytes()[..16]);
    check
}

/// The open value file.
pub struct ValueFile {
    /// Written and read at given offsets, never through a shared cursor.
    file: File,
    /// Where the next value goes: the end of the last value written whole.
    /// A write that fails part way leaves it where it was, so the next
    /// value is written over what the failed one left.
    end: Mutex<u64>,
    /// Whether something was appended since the last sync.
    unsynced: AtomicBool,
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    StoreError::Io(format!(
        "{what} the ledger's value file ({VALUE_FILE}): {e}"
    ))
}

impl ValueFile {
    /// Opens (creating if absent) the value file in `dir`.
    pub fn open(dir: &Path) -> Result<ValueFile, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(VALUE_FILE))
            .map_err(|e| io("cannot open", e))?;
        let end = file.metadata().map_err(|e| io("cannot read", e))?.len();
        Ok(ValueFile {
            file,
            end: Mutex::new(end),
            unsynced: AtomicBool::new(false),
        })
    }

    /// Appends `value` and returns where it lies. Not durable until
    /// [`ValueFile::sync`].
    pub fn append(&self, value: &[u8]) -> Result<Locator, StoreError> {
        let len = u32::try_from(value.len()).map_err(|_| {
            StoreError::Io(format!("a value of {} bytes is too large", value.len()))
        })?;
        let mut end = self.end.lock().unwrap_or_else(|p| p.into_inner());
        write_at(&self.file, value, *end).map_err(|e| io("cannot write", e))?;
        let offset = *end;
        *end += u64::from(len);
        self.unsynced.store(true, Ordering::Release);
        Ok(Locator {
            offset,
            len,
            check: check_of(value),
        })
    }

    /// Makes every append durable (nothing to do if there was none since the
    /// last sync).
    pub fn sync(&self) -> Result<(), StoreError> {
        if self.unsynced.swap(false, Ordering::AcqRel) {
            if let Err(e) = self.file.sync_data() {
                self.unsynced.store(true, Ordering::Release);
                return Err(io("cannot sync", e));
            }
        }
        Ok(())
    }

    /// The value `locator` points at, checked against its hash.
    pub fn read(&self, locator: &Locator) -> Result<Vec<u8>, StoreError> {
        self.read_part(locator, 0..usize::MAX)
    }

    /// The bytes `part` of the value `locator` points at (cut to the value's
    /// length). The whole value is checked against its hash; a smaller part
    /// is not, which is what makes it cheap: one Merkle node of a 32 KiB
    /// run, which the proof or root it goes into checks in its turn.
    pub fn read_part(&self, locator: &Locator, part: Range<usize>) -> Result<Vec<u8>, StoreError> {
        let len = locator.len as usize;
        let part = cut_to(part, len);
        let mut value = vec![0u8; part.len()];
        read_at(&self.file, &mut value, locator.offset + part.start as u64).map_err(|e| {
            StoreError::Io(format!(
                "the ledger's value file ({VALUE_FILE}) does not hold the {} bytes at offset {} that the ledger refers to ({e})",
                locator.len, locator.offset
            ))
        })?;
        if part.len() == len && check_of(&value) != locator.check {
            return Err(StoreError::Io(format!(
                "the {} bytes at offset {} of the ledger's value file ({VALUE_FILE}) are not those the ledger wrote there",
                locator.len, locator.offset
            )));
        }
        Ok(value)
    }
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_write(buf, offset)? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => {
                buf = &buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locator_reads_back_and_nothing_else_passes_for_one() {
        let locator = Locator {
            offset: 0x0102_0304_0506_0708,
            len: 70_000,
            check: [9; 16],
        };
        let bytes = locator.encode();
        assert_eq!(bytes.len(), Locator::LEN);
        assert_eq!(Locator::decode(&bytes), Some(locator));
        let mut other_tag = bytes.clone();
        other_tag[0] ^= 1;
        assert_eq!(Locator::decode(&other_tag), None);
        assert_eq!(Locator::decode(&bytes[..Locator::LEN - 1]), None);
        assert_eq!(Locator::decode(&[bytes.clone(), vec![0]].concat()), None);
    }

    #[test]
    fn values_append_after_what_the_file_held_and_read_whole_or_in_part() {
        let dir = tempfile::tempdir().unwrap();
        let first = ValueFile::open(dir.path()).unwrap();
        let a = first.append(b"hello, ").unwrap();
        first.sync().unwrap();
        drop(first);
        let file = ValueFile::open(dir.path()).unwrap();
        let b = file.append(b"world").unwrap();
        assert_eq!((a.offset, b.offset), (0, 7));
        assert_eq!(file.read(&a).unwrap(), b"hello, ");
        assert_eq!(file.read(&b).unwrap(), b"world");
        assert_eq!(file.read_part(&b, 1..3).unwrap(), b"or");
        assert_eq!(file.read_part(&b, 3..usize::MAX).unwrap(), b"ld");
        assert_eq!(file.read_part(&b, 9..12).unwrap(), b"");
        // A part is not checked; the whole value is.
        let wrong = Locator {
            check: [0; 16],
            ..b
        };
        assert_eq!(file.read_part(&wrong, 0..4).unwrap(), b"worl");
        assert!(file.read(&wrong).is_err());
    }

    #[test]
    fn the_next_value_goes_over_what_a_failed_write_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = ValueFile::open(dir.path()).unwrap();
        let a = file.append(b"first").unwrap();
        // What a write that failed part way leaves: bytes past the end of
        // the last value written whole, which no locator points at.
        let path = dir.path().join(VALUE_FILE);
        let mut torn = std::fs::read(&path).unwrap();
        torn.extend_from_slice(b"torn, never acknowledged");
        std::fs::write(&path, &torn).unwrap();
        let b = file.append(b"second").unwrap();
        assert_eq!(b.offset, 5, "written where the first value ends");
        assert_eq!(file.read(&a).unwrap(), b"first");
        assert_eq!(file.read(&b).unwrap(), b"second");
        // A file opened afresh appends after everything it holds.
        drop(file);
        let reopened = ValueFile::open(dir.path()).unwrap();
        let c = reopened.append(b"third").unwrap();
        assert_eq!(c.offset, torn.len() as u64);
        assert_eq!(reopened.read(&b).unwrap(), b"second");
    }
}
