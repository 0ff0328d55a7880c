//! A run's filter: what lets a lookup skip an index run, or go straight to the
//! one chunk of it that may hold a digest, without asking the store.
//!
//! A filter is a Bloom filter over the run's record digests (10 bits per
//! record, 7 probes: about 1% false positives, never a false negative) and the
//! key of every chunk in order (its fences). It is worked out once, when the
//! run is planned (index.rs), and stored beside the run under its own key, so
//! that a journal opened later — every `sitrep append` opens one — reads a
//! run's filter once instead of seeking in the store for every lookup in it.
//! Runs written by a layout before 3 have no stored filter; a lookup in one
//! seeks as before, until a merge rewrites it.
//!
//! ```text
//! key:   f ‖ family ‖ run id (u64 BE)
//! value: u32 BE chunk count ‖ each chunk's first digest (the bytes the run
//!        keeps: 8 or 16) ‖ the Bloom filter's bits, u64 LE words
//! ```
//!
//! A stored filter is taken only when its sizes agree with the run the
//! manifest names (record count → chunks and words); one that does not is
//! ignored, and the lookup seeks as for an older run.

use super::index::{Digest, CHUNK_RECORDS, DIGEST_LEN};
use crate::entry::Seq;

/// Prefix of stored run filters.
pub const FILTER_PREFIX: u8 = b'f';

/// Bits per record, and probes per digest.
const BLOOM_BITS_PER_RECORD: usize = 10;
const BLOOM_PROBES: u64 = 7;

/// A Bloom filter over a run's record digests: no false negatives, about 1%
/// false positives. Digests are BLAKE3 outputs, so the two halves of a
/// 16-byte one serve as the two hashes of double hashing; for the 8 bytes a
/// compact fact-key or entry-id run keeps, the second hash is mixed from the
/// first.
pub struct Bloom {
    bits: Vec<u64>,
    /// The digest bytes its run keeps, and the filter hashes.
    digest_len: usize,
}

impl Bloom {
    /// A filter holding every digest in `records`, of which the run keeps
    /// `digest_len` bytes.
    pub fn of(records: &[(Digest, Seq)], digest_len: usize) -> Bloom {
        let mut bloom = Bloom {
            bits: vec![0; bloom_words(records.len() as u64)],
            digest_len,
        };
        for (digest, _) in records {
            for bit in bloom.positions(digest) {
                bloom.bits[bit / 64] |= 1 << (bit % 64);
            }
        }
        bloom
    }

    /// Whether `digest` may be among the records (false: it certainly is not).
    pub fn may_hold(&self, digest: &[u8]) -> bool {
        self.positions(digest)
            .all(|bit| self.bits[bit / 64] & (1 << (bit % 64)) != 0)
    }

    fn positions(&self, digest: &[u8]) -> impl Iterator<Item = usize> {
        let half = |range: std::ops::Range<usize>| {
            digest
                .get(range)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes)
        };
        let h1 = half(0..8);
        let h2 = match self.digest_len >= DIGEST_LEN {
            true => half(8..16),
            false => mix(h1),
        } | 1;
        let m = (self.bits.len() * 64) as u64;
        (0..BLOOM_PROBES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % m) as usize)
    }
}

/// A second hash from the first (SplitMix64's finaliser).
fn mix(h: u64) -> u64 {
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The words of the Bloom filter of a run of `records` records.
fn bloom_words(records: u64) -> usize {
    usize::try_from(records)
        .unwrap_or(usize::MAX)
        .saturating_mul(BLOOM_BITS_PER_RECORD)
        .div_ceil(64)
        .max(1)
}

/// What a lookup needs of a run besides its chunks: its Bloom filter (about
/// 1.25 bytes per record) and the key of every chunk, in order (its fences).
pub struct RunFilter {
    pub bloom: Bloom,
    pub fences: Vec<Vec<u8>>,
}

/// The key a run's filter is stored under: the run's chunk-key prefix
/// (`x ‖ family ‖ run id`, index.rs) with `f` in place of `x`.
pub fn filter_key(run_prefix: &[u8]) -> Vec<u8> {
    let mut key = run_prefix.to_vec();
    if let Some(first) = key.first_mut() {
        *first = FILTER_PREFIX;
    }
    key
}

impl RunFilter {
    /// The stored form; `skip` is the length of the run's chunk-key prefix,
    /// which every fence starts with and which is not stored.
    pub fn encode(&self, skip: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 + self.fences.len() * self.bloom.digest_len + self.bloom.bits.len() * 8,
        );
        let count = u32::try_from(self.fences.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for fence in &self.fences {
            out.extend_from_slice(fence.get(skip..).unwrap_or_default());
        }
        for word in &self.bloom.bits {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// Reads a stored filter of the run whose chunk keys start with
    /// `run_prefix`, which holds `records` records keeping `digest_len` bytes
    /// of their digests; `None` when its sizes do not agree with that run.
    pub fn decode(
        bytes: &[u8],
        run_prefix: &[u8],
        records: u64,
        digest_len: usize,
    ) -> Option<RunFilter> {
        let chunks = usize::try_from(records.div_ceil(CHUNK_RECORDS as u64)).ok()?;
        let words = bloom_words(records);
        let (count, rest) = bytes.split_first_chunk::<4>()?;
        if u32::from_be_bytes(*count) as usize != chunks
            || rest.len() != chunks * digest_len + words * 8
        {
            return None;
        }
        let (firsts, bits) = rest.split_at(chunks * digest_len);
        let fences = firsts
            .chunks_exact(digest_len)
            .map(|first| [run_prefix, first].concat())
            .collect();
        let bits = bits
            .chunks_exact(8)
            .map(|word| <[u8; 8]>::try_from(word).map(u64::from_le_bytes))
            .collect::<Result<Vec<u64>, _>>()
            .ok()?;
        Some(RunFilter {
            bloom: Bloom { bits, digest_len },
            fences,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::index::NARROW_DIGEST_LEN;

    /// A digest as the real families make them: uniform bytes.
    fn uniform(n: u32) -> Digest {
        let mut d = [0u8; DIGEST_LEN];
        d.copy_from_slice(&blake3::hash(&n.to_le_bytes()).as_bytes()[..DIGEST_LEN]);
        d
    }

    /// A digest as a compact fact-key run reads it back: its first 8 bytes.
    fn cut(mut digest: Digest) -> Digest {
        digest[NARROW_DIGEST_LEN..].fill(0);
        digest
    }

    #[test]
    fn a_bloom_filter_holds_every_digest_and_rules_out_most_others() {
        for (digest_len, kept) in [
            (DIGEST_LEN, uniform as fn(u32) -> Digest),
            (8, |n| cut(uniform(n))),
        ] {
            let records: Vec<(Digest, Seq)> = (0..20_000u32)
                .map(|n| (kept(n), Seq::new(u64::from(n))))
                .collect();
            let bloom = Bloom::of(&records, digest_len);
            assert!(records
                .iter()
                .all(|(d, _)| bloom.may_hold(&d[..digest_len])));
            let false_positives = (20_000..40_000u32)
                .filter(|&n| bloom.may_hold(&kept(n)[..digest_len]))
                .count();
            assert!(
                false_positives < 600,
                "{false_positives} of 20,000 with {digest_len}-byte digests"
            );
        }
    }

    fn filter_of(records: &[(Digest, Seq)], prefix: &[u8], digest_len: usize) -> RunFilter {
        RunFilter {
            bloom: Bloom::of(records, digest_len),
            fences: records
                .chunks(CHUNK_RECORDS)
                .map(|chunk| [prefix, &chunk[0].0[..digest_len]].concat())
                .collect(),
        }
    }

    #[test]
    fn a_stored_filter_reads_back_as_it_was_and_only_for_a_run_of_its_size() {
        let prefix = b"xK\0\0\0\0\0\0\0\x07";
        for digest_len in [DIGEST_LEN, NARROW_DIGEST_LEN] {
            let mut records: Vec<(Digest, Seq)> = (0..9_000u32)
                .map(|n| (uniform(n), Seq::new(u64::from(n))))
                .collect();
            records.sort_unstable();
            let filter = filter_of(&records, prefix, digest_len);
            let stored = filter.encode(prefix.len());
            let read = RunFilter::decode(&stored, prefix, 9_000, digest_len).unwrap();
            assert_eq!(read.fences, filter.fences);
            assert_eq!(read.fences.len(), 3);
            assert_eq!(read.bloom.bits, filter.bloom.bits);
            // A run of another size (a run id reused), of the other width, or
            // a cut value is not taken.
            let decode =
                |bytes: &[u8], records| RunFilter::decode(bytes, prefix, records, digest_len);
            assert!(decode(&stored, 8_000).is_none());
            assert!(decode(&stored, 12_000).is_none());
            assert!(decode(&stored[..stored.len() - 1], 9_000).is_none());
            assert!(decode(&stored[..3], 9_000).is_none());
            let other = DIGEST_LEN + NARROW_DIGEST_LEN - digest_len;
            assert!(RunFilter::decode(&stored, prefix, 9_000, other).is_none());
        }
    }

    #[test]
    fn filter_keys_name_family_and_run() {
        assert_eq!(
            filter_key(b"xK\0\0\0\0\0\0\x01\x02"),
            b"fK\0\0\0\0\0\0\x01\x02".to_vec()
        );
    }
}
