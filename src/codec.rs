//! The one canonical encoder (DESIGN §4, STYLE habit 4): bincode 2.0.1, standard
//! configuration — little-endian, variable-length integers, no size limit on
//! encode, a 16 MiB limit on decode.
//!
//! This is the only file that names bincode. Every hashed type derives `Encode`
//! and `Decode` through the re-exports below, and its byte layout is specified in
//! docs/format.md; the known-answer vectors in fixtures/vectors/ catch any drift.

use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};

use crate::entry::Entry;
use crate::fact::Fact;

pub use bincode::{Decode, Encode};

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

/// Appends the canonical bytes of `entry` to `out`.
pub fn encode_entry_into(entry: &Entry, out: &mut Vec<u8>) {
    // Encoding into a Vec cannot fail: the writer never errors and every type is
    // encodable. Should that ever change, the entry would be refused on append.
    let _ = bincode::encode_into_std_write(entry, out, encode_config());
}

/// The canonical bytes of `entry`.
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_entry_into(entry, &mut out);
    out
}

/// The canonical bytes of a fact alone (used to recognise a re-appended fact).
pub fn encode_fact(fact: &Fact) -> Vec<u8> {
    bincode::encode_to_vec(fact, encode_config()).unwrap_or_default()
}

/// The largest derived state (a projection snapshot) the decoder will read.
pub const MAX_STATE_BYTES: usize = 1 << 30;

type StateConfig = Configuration<LittleEndian, Varint, Limit<MAX_STATE_BYTES>>;

/// The canonical bytes of derived state (a projection's fold state). Same
/// configuration as entries, so a state digest is as stable as an id.
pub fn encode_state<T: Encode>(state: &T) -> Vec<u8> {
    bincode::encode_to_vec(state, encode_config()).unwrap_or_default()
}

/// Decodes derived state written by [`encode_state`]; trailing bytes are an error.
pub fn decode_state<T: Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    let config: StateConfig = config::standard().with_limit::<MAX_STATE_BYTES>();
    let (state, used): (T, usize) = bincode::decode_from_slice(bytes, config)
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - used));
    }
    Ok(state)
}

/// Decodes exactly one entry. Trailing bytes and non-canonical forms (bincode
/// accepts over-long varints) are errors, so that one entry has one encoding and
/// therefore one id.
pub fn decode_entry(bytes: &[u8]) -> Result<Entry, CodecError> {
    let (entry, used): (Entry, usize) = bincode::decode_from_slice(bytes, decode_config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - used));
    }
    if encode_entry(&entry) != bytes {
        return Err(CodecError::NonCanonical);
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Seq, FORMAT_VERSION};
    use crate::fact::{FactBody, Source, SourceType};
    use crate::hash::Id;
    use crate::time::Timestamp;

    fn sample() -> Entry {
        Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(0),
            prev: Id::genesis("test"),
            recorded_at: Timestamp::from_micros(1_700_000_000_000_000),
            recorded_by: "tester".into(),
            fact: Fact {
                key: "src".into(),
                body: FactBody::Source(Source {
                    language: Some("en".into()),
                    ..Source::new("Wikipedia", SourceType::Encyclopedia)
                }),
            },
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
