//! Entry ids and the hashing that makes them (DESIGN §4).
//!
//! `id = BLAKE3(0x00 ‖ entry_bytes)`: the 0x00 prefix is the RFC 9162 leaf
//! domain separator, so an id is at once the chain link (the next entry's `prev`)
//! and the entry's Merkle leaf hash. The genesis value that seq 0 points back at is
//! derived from the ledger's origin string with its own domain prefix, so no entry
//! id can collide with it.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::codec::{Decode, Encode};

/// The prefix hashed before an entry's canonical bytes (RFC 9162 leaf prefix).
pub const LEAF_PREFIX: u8 = 0x00;
/// The context string of the genesis value: `BLAKE3(GENESIS_CONTEXT ‖ origin)`.
pub const GENESIS_CONTEXT: &[u8] = b"sitrep genesis v1\n";
/// The shortest id prefix accepted on the command line, in hex characters.
pub const MIN_PREFIX_HEX: usize = 8;

/// A 32-byte BLAKE3 digest: an entry id, a `prev` link or the genesis value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Id([u8; 32]);

impl Id {
    /// Wraps raw digest bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Id {
        Id(bytes)
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The id of an entry whose canonical encoding is `entry_bytes`.
    pub fn of_entry(entry_bytes: &[u8]) -> Id {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[LEAF_PREFIX]);
        hasher.update(entry_bytes);
        Id(*hasher.finalize().as_bytes())
    }

    /// The `prev` of seq 0 in a ledger with this origin.
    pub fn genesis(origin: &str) -> Id {
        let mut hasher = blake3::Hasher::new();
        hasher.update(GENESIS_CONTEXT);
        hasher.update(origin.as_bytes());
        Id(*hasher.finalize().as_bytes())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// The first `n` hex characters, as shown in listings.
    pub fn short(&self) -> String {
        let mut hex = self.to_hex();
        hex.truncate(12);
        hex
    }

    /// Parses a full 64-character hex id.
    pub fn parse_hex(text: &str) -> Option<Id> {
        let prefix = IdPrefix::parse(text).ok()?;
        (prefix.len_hex == 64).then_some(Id(prefix.bytes))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.short())
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

/// A git-style abbreviation of an id: 8 to 64 hex characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdPrefix {
    bytes: [u8; 32],
    len_hex: usize,
}

/// Why a string is not an id prefix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdPrefixError {
    /// Fewer than `MIN_PREFIX_HEX` characters.
    #[error("id prefix `{0}` is too short; give at least {MIN_PREFIX_HEX} hex characters")]
    TooShort(String),
    /// More than 64 characters.
    #[error("id `{0}` is longer than 64 hex characters")]
    TooLong(String),
    /// A character that is not 0-9 or a-f.
    #[error("`{0}` is not a hex id prefix (only 0-9 and a-f are allowed)")]
    NotHex(String),
}

impl IdPrefix {
    /// Parses 8–64 hex characters (either case).
    pub fn parse(text: &str) -> Result<IdPrefix, IdPrefixError> {
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(IdPrefixError::NotHex(text.to_owned()));
        }
        if text.len() < MIN_PREFIX_HEX {
            return Err(IdPrefixError::TooShort(text.to_owned()));
        }
        if text.len() > 64 {
            return Err(IdPrefixError::TooLong(text.to_owned()));
        }
        let mut bytes = [0u8; 32];
        for (i, c) in text.bytes().enumerate() {
            let nibble = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => c - b'A' + 10,
            };
            bytes[i / 2] |= if i % 2 == 0 { nibble << 4 } else { nibble };
        }
        Ok(IdPrefix {
            bytes,
            len_hex: text.len(),
        })
    }

    /// True when `id` starts with this prefix.
    pub fn matches(&self, id: &Id) -> bool {
        let full = self.len_hex / 2;
        if id.0[..full] != self.bytes[..full] {
            return false;
        }
        self.len_hex % 2 == 0 || (id.0[full] & 0xf0) == self.bytes[full]
    }

    /// The prefix as bytes, rounded down to whole bytes (what an index can seek on).
    pub fn whole_bytes(&self) -> &[u8] {
        &self.bytes[..self.len_hex / 2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_prefix_is_hashed_before_the_bytes() {
        let expected = blake3::hash(&[0x00, b'a', b'b']);
        assert_eq!(Id::of_entry(b"ab").as_bytes(), expected.as_bytes());
    }

    #[test]
    fn an_id_is_the_merkle_leaf_hash_of_the_entry_bytes() {
        use crate::merkle::{Blake3, Hasher};
        for bytes in [&b""[..], b"ab", &[0u8; 300]] {
            assert_eq!(Id::of_entry(bytes).as_bytes(), &Blake3.leaf(bytes));
        }
    }

    #[test]
    fn genesis_depends_on_origin() {
        assert_ne!(Id::genesis("a"), Id::genesis("b"));
        assert_eq!(Id::genesis("a"), Id::genesis("a"));
    }

    #[test]
    fn hex_round_trips_and_prefixes_match() {
        let id = Id::of_entry(b"x");
        assert_eq!(Id::parse_hex(&id.to_hex()), Some(id));
        let hex = id.to_hex();
        assert!(IdPrefix::parse(&hex[..9]).unwrap().matches(&id));
        assert!(IdPrefix::parse(&hex[..8].to_uppercase())
            .unwrap()
            .matches(&id));
        let other = Id::of_entry(b"y");
        assert!(!IdPrefix::parse(&hex[..12]).unwrap().matches(&other));
    }

    #[test]
    fn short_and_non_hex_prefixes_are_refused() {
        let matched = matches!(IdPrefix::parse("abc"), Err(IdPrefixError::TooShort(_)));
        assert!(matched);
        let matched = matches!(IdPrefix::parse("zzzzzzzz"), Err(IdPrefixError::NotHex(_)));
        assert!(matched);
    }
}
