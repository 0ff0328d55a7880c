//! BLAKE3 of bytes written a few at a time, gathered into batches first.
//!
//! BLAKE3 hashes a long input several 1 KiB chunks at once, but a short one a
//! 64-byte block at a time. The digests that are taken of long streams of
//! small writes — a state as bincode encodes it a few bytes at a time
//! (`codec::hash_state`), a view's JSON form as its rows are pushed or
//! serialised (`projection::table`) — go through one [`StreamedHash`], which
//! hands the hasher [`BATCH`] bytes at a time.

/// How many written bytes are gathered before they are hashed.
pub const BATCH: usize = 64 << 10;

/// A BLAKE3 hasher fed in batches of [`BATCH`] bytes.
#[derive(Clone, Debug)]
pub struct StreamedHash {
    hasher: blake3::Hasher,
    /// Bytes written and not hashed yet.
    pending: Vec<u8>,
}

impl Default for StreamedHash {
    fn default() -> StreamedHash {
        StreamedHash::new()
    }
}

impl StreamedHash {
    /// Nothing written yet.
    pub fn new() -> StreamedHash {
        StreamedHash {
            hasher: blake3::Hasher::new(),
            pending: Vec::new(),
        }
    }

    /// Adds `bytes` to what is hashed.
    pub fn update(&mut self, bytes: &[u8]) {
        if self.pending.is_empty() && bytes.len() >= BATCH {
            self.hasher.update(bytes);
            return;
        }
        if self.pending.capacity() == 0 {
            self.pending.reserve(BATCH + 4096);
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= BATCH {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
    }

    /// The digest of everything written so far; more may be written after.
    pub fn finalize(&self) -> blake3::Hash {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.pending);
        hasher.finalize()
    }
}

/// Two hashes are equal when what was written to them hashes the same.
impl PartialEq for StreamedHash {
    fn eq(&self, other: &StreamedHash) -> bool {
        self.finalize() == other.finalize()
    }
}

impl std::io::Write for StreamedHash {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl bincode::enc::write::Writer for StreamedHash {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.update(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the sizes of the writes — none, small ones across many
    /// batches, one longer than a batch after a small one, one longer than
    /// a batch first — the digest is BLAKE3 of the bytes written.
    #[test]
    fn the_digest_is_blake3_of_the_bytes_written() {
        let bytes: Vec<u8> = (0..3 * BATCH + 777).map(|i| (i % 251) as u8).collect();
        let pieces: [&[usize]; 4] = [&[], &[7; 20_000], &[3, 2 * BATCH, 100], &[BATCH + 1, 9]];
        for sizes in pieces {
            let mut hash = StreamedHash::new();
            let mut at = 0;
            for &size in sizes {
                hash.update(&bytes[at..at + size]);
                at += size;
            }
            assert_eq!(hash.finalize(), blake3::hash(&bytes[..at]), "{sizes:?}");
            let mut again = StreamedHash::new();
            again.update(&bytes[..at]);
            assert_eq!(hash, again, "{sizes:?}");
        }
    }

    /// Taking the digest does not end the stream.
    #[test]
    fn more_may_be_written_after_a_digest() {
        let mut hash = StreamedHash::new();
        hash.update(b"ab");
        assert_eq!(hash.finalize(), blake3::hash(b"ab"));
        hash.update(b"cd");
        assert_eq!(hash.finalize(), blake3::hash(b"abcd"));
    }
}
