//! The one canonical encoder (DESIGN §4, STYLE habit 4): bincode 2.0.1, standard
//! configuration — little-endian, variable-length integers, no size limit on
//! encode, a 16 MiB limit on decode.
//!
//! This is the only file that names bincode. Every hashed type derives `Encode`
//! and `Decode` through the re-exports below, and its byte layout is specified in
//! docs/format.md; the known-answer vectors in fixtures/vectors/ catch any drift.

use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};

use crate::entry::{Entry, Seq};
use crate::fact::Fact;
use crate::hash::Id;
use crate::streamed_hash::StreamedHash;
use crate::time::Timestamp;

pub use bincode::{BorrowDecode, Decode, Encode};

/// The largest entry the decoder will read. Larger inputs are refused before any
/// allocation, so hostile bytes cannot make the decoder allocate gigabytes.
pub const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;

type DecodeConfig = Configuration<LittleEndian, Varint, Limit<MAX_ENTRY_BYTES>>;

fn encode_config() -> Configuration {
    config::standard()
}

fn decode_config() -> DecodeConfig {
    config::standard().with_limit::<MAX_ENTRY_BYTES>()
}

/// Why bytes could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not a valid encoding.
    #[error("bytes do not decode as an entry: {0}")]
    Malformed(String),
    /// A valid entry was followed by more bytes.
    #[error("{0} unexpected bytes after the end of the entry")]
    Trailing(usize),
    /// The bytes decode, but are not the canonical encoding of what they decode
    /// to (e.g. an integer written in a longer varint form than needed).
    #[error("bytes decode to an entry but are not its canonical encoding")]
    NonCanonical,
}

/// bincode's writer for a growing `Vec`, in one pass: `encode_to_vec` walks the
/// value twice (once to size it) and `encode_into_std_write` pays for
/// `io::Write` on every field.
struct VecSink<'a>(&'a mut Vec<u8>);

impl bincode::enc::write::Writer for VecSink<'_> {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Appends the canonical bytes of `value` to `out`.
fn encode_into<T: Encode>(value: T, out: &mut Vec<u8>) {
    // Encoding into a Vec cannot fail: the writer never errors and every type is
    // encodable. Should that ever change, the entry would be refused on append.
    let _ = bincode::encode_into_writer(value, VecSink(out), encode_config());
}

/// Appends the canonical bytes of `entry` to `out`.
pub fn encode_entry_into(entry: &Entry, out: &mut Vec<u8>) {
    encode_into(entry, out);
}

/// The canonical bytes of `entry`.
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_entry_into(entry, &mut out);
    out
}

/// The canonical bytes of a fact alone.
pub fn encode_fact(fact: &Fact) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    encode_fact_into(fact, &mut out);
    out
}

/// Appends the canonical bytes of a fact alone to `out`.
pub fn encode_fact_into(fact: &Fact, out: &mut Vec<u8>) {
    encode_into(fact, out);
}

/// The fields of an entry that come before its fact, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct EntryHead<'a> {
    /// `FORMAT_VERSION`.
    pub version: u16,
    /// Its position in the log.
    pub seq: Seq,
    /// The id of the entry before.
    pub prev: &'a Id,
    /// When the ledger took it.
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: &'a str,
}

/// Appends to `out` the canonical bytes of an entry's fields before its
/// fact. Followed by the fact's own ([`encode_fact_into`]) they are the very
/// bytes [`encode_entry_into`] writes for that entry, because an entry is
/// encoded as its fields one after another (docs/format.md). The append
/// encodes its facts on every core, then chains each entry from its borrowed
/// head and those bytes, without building an `Entry` that would own a copy
/// of the fact.
pub fn encode_entry_head_into(head: &EntryHead<'_>, out: &mut Vec<u8>) {
    let fields = (
        head.version,
        head.seq,
        head.prev,
        head.recorded_at,
        head.recorded_by,
    );
    encode_into(fields, out);
}

/// The largest derived state (a projection snapshot) the decoder will read.
pub const MAX_STATE_BYTES: usize = 1 << 30;

type StateConfig = Configuration<LittleEndian, Varint, Limit<MAX_STATE_BYTES>>;

/// The canonical bytes of derived state (a projection's fold state). Same
/// configuration as entries, so a state digest is as stable as an id.
pub fn encode_state<T: Encode>(state: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_state_into(state, &mut out);
    out
}

/// BLAKE3 of the bytes [`encode_state`] gives `state`, hashed as they are
/// encoded rather than held whole: a million-fact picture encodes to some
/// 350 MB, which `replay` used to allocate twice only to hash them.
pub fn hash_state<T: Encode>(state: &T) -> blake3::Hash {
    let mut hash = StreamedHash::new();
    // Hashing cannot fail, and every type here is encodable.
    let _ = bincode::encode_into_writer(state, &mut hash, encode_config());
    hash.finalize()
}

/// Appends the bytes [`encode_state`] gives `state` to `out`: for a file
/// written piece by piece without a buffer per piece.
pub fn encode_state_into<T: Encode>(state: &T, out: &mut Vec<u8>) {
    encode_into(state, out);
}

/// Decodes derived state written by [`encode_state`]; trailing bytes are an error.
pub fn decode_state<T: Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    whole(bytes, bincode::decode_from_slice(bytes, state_config()))
}

/// [`decode_state`] for state that borrows its strings from `bytes` instead
/// of copying them.
pub fn borrow_decode_state<'a, T: BorrowDecode<'a, ()>>(bytes: &'a [u8]) -> Result<T, CodecError> {
    whole(
        bytes,
        bincode::borrow_decode_from_slice(bytes, state_config()),
    )
}

/// Decodes exactly one entry. Trailing bytes and non-canonical forms (bincode
/// accepts over-long varints) are errors, so that one entry has one encoding and
/// therefore one id.
pub fn decode_entry(bytes: &[u8]) -> Result<Entry, CodecError> {
    let entry: Entry = whole(bytes, bincode::decode_from_slice(bytes, decode_config()))?;
    if !encodes_to(&entry, bytes) {
        return Err(CodecError::NonCanonical);
    }
    Ok(entry)
}

/// Whether the canonical bytes of `entry` are exactly `bytes`: encoded
/// against them as they are written, without building a copy, and stopped
/// at the first byte that differs. (Building the copy and comparing it:
/// `sitrep audit` of a 1M ledger took 4.6 s of CPU, against 3.9 s this way.)
fn encodes_to(entry: &Entry, bytes: &[u8]) -> bool {
    let mut same = SameAs { expected: bytes };
    bincode::encode_into_writer(entry, &mut same, encode_config()).is_ok()
        && same.expected.is_empty()
}

/// bincode's writer that compares what is written with `expected`, and
/// fails at the first difference; `expected` keeps what is not written yet.
struct SameAs<'a> {
    expected: &'a [u8],
}

impl bincode::enc::write::Writer for SameAs<'_> {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        match self.expected.split_at_checked(bytes.len()) {
            Some((head, rest)) if head == bytes => {
                self.expected = rest;
                Ok(())
            }
            _ => Err(bincode::error::EncodeError::Other(
                "differs from the bytes it was decoded from",
            )),
        }
    }
}

/// Decodes the first value of derived state written by [`encode_state`],
/// ignoring what follows it: for reading a leading field (a kept fact's seq)
/// without decoding the rest.
pub fn decode_state_prefix<T: Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    bincode::decode_from_slice(bytes, state_config())
        .map(|(value, _)| value)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

fn state_config() -> StateConfig {
    config::standard().with_limit::<MAX_STATE_BYTES>()
}

/// What bincode decoded from `bytes`, if it read them all.
fn whole<T>(
    bytes: &[u8],
    decoded: Result<(T, usize), bincode::error::DecodeError>,
) -> Result<T, CodecError> {
    let (value, used) = decoded.map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - used));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::FORMAT_VERSION;
    use crate::fact::{FactBody, Source, SourceType};

    fn sample() -> Entry {
        Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(0),
            prev: Id::genesis("test"),
            recorded_at: Timestamp::from_micros(1_700_000_000_000_000),
            recorded_by: "tester".into(),
            fact: Fact {
                key: "src".into(),
                body: FactBody::Source(Box::new(Source {
                    language: Some("en".into()),
                    ..Source::new("Wikipedia", SourceType::Encyclopedia)
                })),
            },
        }
    }

    /// The streamed hash of a state is BLAKE3 of its encoding: for a small
    /// value, for an empty one, and for a picture whose encoding runs over
    /// many hashing batches.
    #[test]
    fn hash_state_is_blake3_of_encode_state() {
        let picture = crate::projection::views::testing::synthetic_picture(3, 3_000);
        assert!(encode_state(&picture).len() > 3 * crate::streamed_hash::BATCH);
        let small: (u64, String) = (7, "seven".to_owned());
        let empty: Vec<u8> = Vec::new();
        assert_eq!(hash_state(&picture), blake3::hash(&encode_state(&picture)));
        assert_eq!(hash_state(&small), blake3::hash(&encode_state(&small)));
        assert_eq!(hash_state(&empty), blake3::hash(&encode_state(&empty)));
    }

    #[test]
    fn an_entry_encoded_in_parts_is_the_entry_encoded_whole() {
        let mut entries = vec![sample()];
        let mut prev = Id::genesis("parts");
        for (n, fact) in crate::synth::Corpus::new(4, 300).enumerate() {
            let entry = Entry {
                version: FORMAT_VERSION,
                seq: Seq::new(n as u64 * 977),
                prev,
                recorded_at: Timestamp::from_micros(1_700_000_000_000_000 + n as i64),
                recorded_by: "x".repeat(n % 200).into(),
                fact,
            };
            prev = Id::of_entry(&encode_entry(&entry));
            entries.push(entry);
        }
        for entry in entries {
            let head = EntryHead {
                version: entry.version,
                seq: entry.seq,
                prev: &entry.prev,
                recorded_at: entry.recorded_at,
                recorded_by: &entry.recorded_by,
            };
            let mut parts = vec![7];
            encode_entry_head_into(&head, &mut parts);
            encode_fact_into(&entry.fact, &mut parts);
            assert_eq!(parts[1..], encode_entry(&entry)[..], "seq {}", entry.seq);
        }
    }

    #[test]
    fn entries_round_trip_and_refuse_trailing_bytes() {
        let entry = sample();
        let mut bytes = encode_entry(&entry);
        assert_eq!(decode_entry(&bytes).unwrap(), entry);
        bytes.push(0);
        let matched = matches!(decode_entry(&bytes), Err(CodecError::Trailing(1)));
        assert!(matched);
    }

    #[test]
    fn an_entry_encodes_to_its_own_bytes_and_to_no_other() {
        let mut prev = Id::genesis("same");
        for (n, fact) in crate::synth::Corpus::new(9, 200).enumerate() {
            let entry = Entry {
                version: FORMAT_VERSION,
                seq: Seq::new(n as u64),
                prev,
                recorded_at: Timestamp::from_micros(n as i64),
                recorded_by: "x".into(),
                fact,
            };
            let bytes = encode_entry(&entry);
            prev = Id::of_entry(&bytes);
            assert!(encodes_to(&entry, &bytes), "seq {n}");
            assert!(
                !encodes_to(&entry, &bytes[..bytes.len() - 1]),
                "seq {n}, cut"
            );
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(!encodes_to(&entry, &longer), "seq {n}, longer");
            let mut changed = bytes.clone();
            let at = n * 7 % bytes.len();
            changed[at] ^= 1;
            assert!(!encodes_to(&entry, &changed), "seq {n}, byte {at} changed");
        }
    }

    #[test]
    fn over_long_varints_are_refused() {
        let bytes = encode_entry(&sample());
        // seq 0 is the byte 0x00 at offset 1; 0xfb 0x00 0x00 is the same value
        // as a u16 varint, which bincode alone would accept.
        let mut long = vec![bytes[0], 0xfb, 0x00, 0x00];
        long.extend_from_slice(&bytes[2..]);
        let matched = matches!(decode_entry(&long), Err(CodecError::NonCanonical));
        assert!(matched);
    }

    #[test]
    fn truncated_bytes_are_an_error_not_a_panic() {
        let bytes = encode_entry(&sample());
        for len in 0..bytes.len() {
            assert!(
                decode_entry(&bytes[..len]).is_err(),
                "prefix of {len} decoded"
            );
        }
    }

    #[test]
    fn integers_are_varints() {
        // u16 version 1 is the one-byte varint 0x01; seq 0 is 0x00.
        let bytes = encode_entry(&sample());
        assert_eq!(bytes[0], 0x01, "version");
        assert_eq!(bytes[1], 0x00, "seq 0");
    }
}
