//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys, and the
//! tlog-checkpoint bodies they carry (<https://c2sp.org/tlog-checkpoint>).
//!
//! Pure: the only I/O is the OS randomness behind [`SigningKey::generate`]. The
//! module owns three text formats and keeps them byte-exact: key texts (`keys`),
//! signed notes (`signed`), and checkpoint bodies (`checkpoint`). Parsers accept
//! exactly one spelling of every value (standard padded base64, decimal without
//! leading zeros), so anything they accept re-renders to the same bytes, and
//! they never panic on any input. Parsing is structural only: a note's
//! signatures are checked by [`verify_note`] / [`SignedCheckpoint::verify`]
//! against a key the caller trusts.

use std::fmt;

mod checkpoint;
mod keys;
mod signed;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use keys::{SigningKey, VerifierKey};
pub use signed::{verify_note, NoteSignature};

/// The largest note accepted, in bytes (1 MiB): a checkpoint is a few hundred.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// The most signature lines a note may carry (the limit of the Go reference
/// implementation, which bounds the work spent on a hostile note).
pub const MAX_SIGNATURES: usize = 100;

/// Which kind of key text an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A public key: `<name>+<key ID>+<base64 key>`.
    Verifier,
    /// A private key: `PRIVATE+KEY+<name>+<key ID>+<base64 seed>`.
    Signer,
}

impl KeyKind {
    /// The expected shape of the text, for error messages.
    fn form(self) -> &'static str {
        match self {
            KeyKind::Verifier => "<name>+<8 hex key ID>+<base64 key>",
            KeyKind::Signer => "PRIVATE+KEY+<name>+<8 hex key ID>+<base64 seed>",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Verifier => "verifier key",
            KeyKind::Signer => "signer key",
        })
    }
}

/// Why a key, a signed note or a checkpoint was refused.
///
/// `key` fields of key-text errors hold the text as given for verifier keys, and a
/// redacted form (`PRIVATE+KEY+<name>+<id>+…`) for signer keys: error messages
/// never repeat private key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    // ----- key names and key texts -----
    /// A key name must have at least one character.
    #[error("a key name may not be empty")]
    KeyNameEmpty,
    /// A key name contains whitespace, a control character or `+`.
    #[error("key name `{name}` may not contain spaces, control characters or `+` (it contains {})", describe_char(*.found))]
    BadKeyName {
        /// The name as given.
        name: String,
        /// The first offending character.
        found: char,
    },
    /// The key text does not have the expected `+`-separated fields.
    #[error("{kind} `{key}` is not of the form `{}`", .kind.form())]
    KeyFormat {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
    },
    /// The key ID field is not 8 hex digits.
    #[error("{kind} `{key}`: key ID `{id}` is not 8 hex digits")]
    KeyIdSyntax {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
        /// The key ID field as given.
        id: String,
    },
    /// The key ID in the text is not the one computed from the name and key.
    #[error("{kind} `{key}`: key ID {found:08x} does not match the key (expected {expected:08x})")]
    KeyIdMismatch {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
        /// The key ID written in the text.
        found: u32,
        /// The key ID of this name and key.
        expected: u32,
    },
    /// The key material is not standard padded base64.
    #[error("{kind} `{key}`: the key material is not standard padded base64 (RFC 4648 §4)")]
    KeyBase64 {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
    },
    /// The key material has the wrong length.
    #[error("{kind} `{key}`: the key material is {len} bytes; expected 33 (algorithm byte 0x01 and 32 key bytes)")]
    KeyLength {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
        /// The decoded length.
        len: usize,
    },
    /// The key material names an algorithm other than Ed25519.
    #[error("{kind} `{key}`: algorithm byte 0x{algorithm:02x} is not 0x01 (Ed25519), the only algorithm supported")]
    KeyAlgorithm {
        /// Verifier or signer key.
        kind: KeyKind,
        /// The key text (redacted for signer keys).
        key: String,
        /// The algorithm byte found.
        algorithm: u8,
    },
    /// The 32 bytes of a verifier key are not a usable Ed25519 public key.
    #[error("verifier key `{key}`: the 32 key bytes are not a usable Ed25519 public key (not a curve point, or a small-order one)")]
    KeyNotAPoint {
        /// The key text.
        key: String,
    },
    /// The operating system could not provide randomness for a new key.
    #[error("randomness unavailable: {0}")]
    Randomness(String),

    // ----- signed notes -----
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error(
        "the note is {len} bytes; notes larger than 1 MiB ({MAX_NOTE_BYTES} bytes) are refused"
    )]
    NoteTooLarge {
        /// The note's length in bytes.
        len: usize,
    },
    /// The note contains a control character other than a line feed.
    #[error("line {line}, column {column} of the note contains {}; the only control character allowed is the line feed", describe_char(*.found))]
    ControlCharacter {
        /// 1-based line of the note.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// The character.
        found: char,
    },
    /// There is no blank line between the note text and the signatures.
    #[error("the note has no blank line separating its text from the signatures")]
    NoBlankLine,
    /// Nothing follows the last blank line.
    #[error("the note has no signature lines after its last blank line")]
    NoSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("the note has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// The last signature line has no final line feed.
    #[error("signature line {line} does not end with a line feed")]
    UnterminatedSignature {
        /// 1-based signature line.
        line: usize,
    },
    /// A signature line does not start with `— `.
    #[error("signature line {line} does not start with `— ` (em dash, space)")]
    SignaturePrefix {
        /// 1-based signature line.
        line: usize,
    },
    /// A signature line is not `— <key name> <base64>`.
    #[error("signature line {line} is not of the form `— <key name> <base64 signature>`")]
    SignatureShape {
        /// 1-based signature line.
        line: usize,
    },
    /// A signature line's key name breaks the name rules.
    #[error("signature line {line}: `{name}` is not a valid key name (names are non-empty, without spaces, control characters or `+`)")]
    SignatureName {
        /// 1-based signature line.
        line: usize,
        /// The name as written.
        name: String,
    },
    /// A signature line's signature is not standard padded base64.
    #[error("signature line {line}: the signature is not standard padded base64 (RFC 4648 §4)")]
    SignatureBase64 {
        /// 1-based signature line.
        line: usize,
    },
    /// A signature line holds fewer than 5 bytes (a 4-byte key ID and a signature).
    #[error("signature line {line}: the signature is {len} bytes; at least 5 are needed (a 4-byte key ID and the signature)")]
    SignatureTooShort {
        /// 1-based signature line.
        line: usize,
        /// The decoded length.
        len: usize,
    },

    // ----- verification -----
    /// A signature line of the trusted key does not hold an Ed25519 signature.
    #[error("signature line {line} by `{key}` is {len} bytes; an Ed25519 signature line holds 68 (a 4-byte key ID and a 64-byte signature)")]
    SignatureLength {
        /// The key, as `name+keyid`.
        key: String,
        /// 1-based signature line.
        line: usize,
        /// The decoded length, key ID included.
        len: usize,
    },
    /// No signature line carries the trusted key's name and key ID.
    #[error("the {what} is not signed by key `{key}` (it carries signatures from: {})", .signers.join(", "))]
    NotSignedBy {
        /// "note" or "checkpoint".
        what: &'static str,
        /// The trusted key, as `name+keyid`.
        key: String,
        /// The keys that did sign, as `name+keyid`.
        signers: Vec<String>,
    },
    /// The trusted key's signature line does not verify over the note text.
    #[error(
        "the signature by `{key}` does not verify: the {what} was altered or signed by another key"
    )]
    BadSignature {
        /// "note" or "checkpoint".
        what: &'static str,
        /// The trusted key, as `name+keyid`.
        key: String,
    },

    // ----- checkpoint bodies -----
    /// The checkpoint text has fewer than three lines.
    #[error(
        "the checkpoint has {lines} line(s); it needs at least 3 (origin, tree size, root hash)"
    )]
    CheckpointTooShort {
        /// The number of lines found.
        lines: usize,
    },
    /// The origin is empty.
    #[error("line 1 of the checkpoint: the origin is empty")]
    OriginEmpty,
    /// The origin contains a control character (a line break included).
    #[error("checkpoint origin `{origin}` contains {}; an origin is one line of printable text", describe_char(*.found))]
    OriginControlCharacter {
        /// The origin as given.
        origin: String,
        /// The first control character.
        found: char,
    },
    /// The tree size is not a plain decimal number.
    #[error(
        "line 2 of the checkpoint: tree size `{text}` is not a decimal number (digits 0-9 only)"
    )]
    SizeNotDecimal {
        /// The line as written.
        text: String,
    },
    /// The tree size has a leading zero.
    #[error("line 2 of the checkpoint: tree size `{text}` has a leading zero")]
    SizeLeadingZero {
        /// The line as written.
        text: String,
    },
    /// The tree size does not fit in 64 bits.
    #[error("line 2 of the checkpoint: tree size `{text}` does not fit in 64 bits")]
    SizeOverflow {
        /// The line as written.
        text: String,
    },
    /// The root hash is not canonical standard padded base64.
    #[error(
        "line 3 of the checkpoint: root hash `{text}` is not standard padded base64 (RFC 4648 §4)"
    )]
    RootBase64 {
        /// The line as written.
        text: String,
    },
    /// The root hash does not decode to 32 bytes.
    #[error("line 3 of the checkpoint: root hash `{text}` is {len} bytes; expected 32")]
    RootLength {
        /// The line as written.
        text: String,
        /// The decoded length.
        len: usize,
    },
    /// An extension line is empty.
    #[error("line {line} of the checkpoint is empty; extension lines may not be")]
    EmptyExtensionLine {
        /// 1-based line of the checkpoint.
        line: usize,
    },
    /// `SignedCheckpoint::checkpoint` no longer matches the signed text.
    #[error("the checkpoint's origin, size or root was changed after it was parsed or signed: they no longer match the signed text")]
    CheckpointMismatch,
}

/// A character named for an error message: "a space", "`+`", "U+000D (carriage return)".
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '+' => "`+`".to_owned(),
        '\n' => "a line feed (U+000A)".to_owned(),
        '\r' => "a carriage return (U+000D)".to_owned(),
        '\t' => "a tab (U+0009)".to_owned(),
        _ => format!("the character U+{:04X}", u32::from(c)),
    }
}

/// At most 100 characters of `text`, for error messages about hostile input.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 100;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_character_boundaries() {
        let long = "é".repeat(150);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 101);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("abc"), "abc");
    }

    #[test]
    fn messages_are_sentences_naming_the_place() {
        let e = NoteError::SizeLeadingZero {
            text: "01".to_owned(),
        };
        assert_eq!(
            e.to_string(),
            "line 2 of the checkpoint: tree size `01` has a leading zero"
        );
        let e = NoteError::BadKeyName {
            name: "a b".to_owned(),
            found: ' ',
        };
        assert_eq!(
            e.to_string(),
            "key name `a b` may not contain spaces, control characters or `+` (it contains a space)"
        );
        let e = NoteError::KeyIdMismatch {
            kind: KeyKind::Verifier,
            key: "k+1a2b3c4d+AA".to_owned(),
            found: 0x1a2b_3c4d,
            expected: 0x0000_00ff,
        };
        assert_eq!(
            e.to_string(),
            "verifier key `k+1a2b3c4d+AA`: key ID 1a2b3c4d does not match the key (expected 000000ff)"
        );
    }
}
