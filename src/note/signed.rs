//! The signed-note envelope (C2SP signed-note): note text, a blank line, then
//! signature lines `— <key name> <base64(key ID ‖ signature)>\n`.
//!
//! Invariants kept by the parser: the whole note is at most [`MAX_NOTE_BYTES`],
//! holds no control character but the line feed, and splits at its *last* blank
//! line into a text ending in `\n` and 1 to [`MAX_SIGNATURES`] well-formed
//! signature lines (valid key name, canonical base64 of at least 5 bytes, final
//! `\n`). Lines from keys the caller does not ask about are kept but never
//! interpreted, as the format requires. Because base64 is canonical, rendering the
//! parsed signatures gives back the exact bytes that were parsed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::keys::{is_valid_name, SigningKey, VerifierKey};
use super::{NoteError, MAX_NOTE_BYTES, MAX_SIGNATURES};

/// What every signature line starts with: an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name written on the line.
    pub name: String,
    /// The key ID: the first 4 decoded bytes, big-endian.
    pub key_id: u32,
    /// The signature proper: the decoded bytes after the key ID (64 for Ed25519).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// `— <name> <base64(key ID ‖ signature)>\n`.
    pub(super) fn line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(bytes))
    }

    /// `key`'s signature of `text`.
    pub(super) fn sign(text: &str, key: &SigningKey) -> NoteSignature {
        NoteSignature {
            name: key.name().to_owned(),
            key_id: key.key_id(),
            signature: key.sign_bytes(text.as_bytes()).to_vec(),
        }
    }
}

/// A note split into its signed text and its signature lines, not yet verified.
pub(super) struct ParsedNote<'a> {
    /// The signed text, final line feed included, separating blank line excluded.
    pub(super) text: &'a str,
    /// The signature lines, in order.
    pub(super) signatures: Vec<NoteSignature>,
}

/// Ok when `note` is a well-formed signed note carrying a valid signature by
/// `key` (name and key ID both match). Signatures by other keys are ignored.
pub fn verify_note(note: &str, key: &VerifierKey) -> Result<(), NoteError> {
    let parsed = parse_note(note)?;
    verify_signatures(parsed.text, &parsed.signatures, key, "note")
}

/// Splits a signed note; checks its structure, not its signatures.
pub(super) fn parse_note(note: &str) -> Result<ParsedNote<'_>, NoteError> {
    check_size_and_characters(note)?;
    let split = note.rfind("\n\n").ok_or(NoteError::NoBlankLine)?;
    // `split` is the byte index of an ASCII line feed, so `split + 1` and
    // `split + 2` are character boundaries and within the string.
    let (text, rest) = note.split_at(split + 1);
    let signatures = &rest[1..];
    if signatures.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let mut parsed = Vec::new();
    for (index, raw) in signatures.split_inclusive('\n').enumerate() {
        let line = index + 1;
        if line > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let Some(raw) = raw.strip_suffix('\n') else {
            return Err(NoteError::UnterminatedSignature { line });
        };
        parsed.push(parse_signature_line(line, raw)?);
    }
    Ok(ParsedNote {
        text,
        signatures: parsed,
    })
}

/// Verifies every signature line of `key` over `text`; at least one is required.
pub(super) fn verify_signatures(
    text: &str,
    signatures: &[NoteSignature],
    key: &VerifierKey,
    what: &'static str,
) -> Result<(), NoteError> {
    let mut verified = false;
    for (index, signature) in signatures.iter().enumerate() {
        if signature.name != key.name() || signature.key_id != key.key_id() {
            continue;
        }
        let bytes: &[u8; 64] =
            signature
                .signature
                .as_slice()
                .try_into()
                .map_err(|_| NoteError::SignatureLength {
                    key: key.label(),
                    line: index + 1,
                    len: 4 + signature.signature.len(),
                })?;
        // Every line of this key must verify, not just one: two different lines
        // from one deterministic Ed25519 key mean one of them was forged.
        if !key.verifies(text.as_bytes(), bytes) {
            return Err(NoteError::BadSignature {
                what,
                key: key.label(),
            });
        }
        verified = true;
    }
    if verified {
        Ok(())
    } else {
        Err(NoteError::NotSignedBy {
            what,
            key: key.label(),
            signers: signatures
                .iter()
                .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                .collect(),
        })
    }
}

/// The size limit and the character rule of a whole note (or of a text about to
/// be signed).
pub(super) fn check_size_and_characters(note: &str) -> Result<(), NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::NoteTooLarge { len: note.len() });
    }
    for (index, line) in note.split('\n').enumerate() {
        // ASCII control characters: 0x00-0x1F and 0x7F (a line feed cannot
        // appear here, it is the separator).
        let control = line.chars().enumerate().find(|(_, c)| c.is_ascii_control());
        if let Some((column, found)) = control {
            return Err(NoteError::ControlCharacter {
                line: index + 1,
                column: column + 1,
                found,
            });
        }
    }
    Ok(())
}

/// Parses one signature line, without its line feed.
fn parse_signature_line(line: usize, raw: &str) -> Result<NoteSignature, NoteError> {
    let rest = raw
        .strip_prefix(SIG_PREFIX)
        .ok_or(NoteError::SignaturePrefix { line })?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(NoteError::SignatureShape { line })?;
    if !is_valid_name(name) {
        return Err(NoteError::SignatureName {
            line,
            name: super::shorten(name),
        });
    }
    if encoded.is_empty() {
        return Err(NoteError::SignatureShape { line });
    }
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| NoteError::SignatureBase64 { line })?;
    match bytes.split_first_chunk::<4>() {
        Some((id, signature)) if !signature.is_empty() => Ok(NoteSignature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes(*id),
            signature: signature.to_vec(),
        }),
        _ => Err(NoteError::SignatureTooShort {
            line,
            len: bytes.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // golang.org/x/mod/sumdb/note, example_test.go and the package documentation.
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIG_LINE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn go_note() -> String {
        format!("{GO_TEXT}\n{GO_SIG_LINE}")
    }

    fn go_verifier() -> VerifierKey {
        VerifierKey::parse(GO_VKEY).unwrap()
    }

    #[test]
    fn the_go_reference_note_verifies() {
        assert_eq!(verify_note(&go_note(), &go_verifier()), Ok(()));
        let note = go_note();
        let parsed = parse_note(&note).unwrap();
        assert_eq!(parsed.text, GO_TEXT);
        assert_eq!(parsed.signatures.len(), 1);
        assert_eq!(parsed.signatures[0].name, "PeterNeumann");
        assert_eq!(parsed.signatures[0].key_id, 0xc74f_20a3);
        assert_eq!(parsed.signatures[0].line(), GO_SIG_LINE);
    }

    #[test]
    fn signing_the_go_text_reproduces_the_go_signature_line() {
        let key = SigningKey::parse(GO_SKEY).unwrap();
        assert_eq!(NoteSignature::sign(GO_TEXT, &key).line(), GO_SIG_LINE);
    }

    #[test]
    fn one_changed_character_breaks_the_go_signature() {
        let altered = go_note().replacen("problem,", "problem;", 1);
        assert_ne!(altered, go_note());
        let matched = matches!(
            verify_note(&altered, &go_verifier()),
            Err(NoteError::BadSignature { what: "note", .. })
        );
        assert!(matched);
        // One flipped bit in the signature itself (past the 4-byte key ID).
        let altered = go_note().replacen("SNXg", "SNXh", 1);
        assert_ne!(altered, go_note());
        let matched = matches!(
            verify_note(&altered, &go_verifier()),
            Err(NoteError::BadSignature { .. })
        );
        assert!(matched);
    }

    #[test]
    fn other_keys_signatures_are_ignored_but_a_bad_line_of_ours_is_not() {
        let other = SigningKey::from_seed("other.example", [9; 32]).unwrap();
        let other_line = NoteSignature::sign(GO_TEXT, &other).line();
        // An unknown algorithm's line: only well-formedness is required.
        let foreign = "— foreign.example AAAAAAAA\n";
        let note = format!("{GO_TEXT}\n{other_line}{foreign}{GO_SIG_LINE}");
        assert_eq!(verify_note(&note, &go_verifier()), Ok(()));
        assert_eq!(verify_note(&note, &other.verifier()), Ok(()));

        // A second, forged line under the Go key's name and ID.
        let forged = NoteSignature {
            name: "PeterNeumann".to_owned(),
            key_id: 0xc74f_20a3,
            signature: other.sign_bytes(GO_TEXT.as_bytes()).to_vec(),
        };
        let note = format!("{}{}", go_note(), forged.line());
        let matched = matches!(
            verify_note(&note, &go_verifier()),
            Err(NoteError::BadSignature { .. })
        );
        assert!(matched);
        // Right name and ID but not 64 signature bytes.
        let short = NoteSignature {
            signature: vec![0; 10],
            ..forged
        };
        let note = format!("{}{}", go_note(), short.line());
        let matched = matches!(
            verify_note(&note, &go_verifier()),
            Err(NoteError::SignatureLength {
                line: 2,
                len: 14,
                ..
            })
        );
        assert!(matched);
    }

    #[test]
    fn a_note_without_our_key_is_not_signed_by_it() {
        let other = SigningKey::from_seed("other.example", [9; 32]).unwrap();
        let err = verify_note(&go_note(), &other.verifier()).unwrap_err();
        let matched = matches!(&err, NoteError::NotSignedBy { signers, .. } if signers == &["PeterNeumann+c74f20a3"]);
        assert!(matched, "{err}");
        // Same name, different key: the key ID tells them apart.
        let impostor = SigningKey::from_seed("PeterNeumann", [9; 32]).unwrap();
        let matched = matches!(
            verify_note(&go_note(), &impostor.verifier()),
            Err(NoteError::NotSignedBy { .. })
        );
        assert!(matched);
    }

    #[test]
    fn malformed_notes_are_refused_with_the_reason() {
        let p = |text: &str| parse_note(text).map(|_| ());
        assert_eq!(
            p(&go_note().replacen("\n\n", "\n", 1)),
            Err(NoteError::NoBlankLine)
        );
        assert_eq!(p(&format!("{GO_TEXT}\n")), Err(NoteError::NoSignatures));
        // A blank line after the signatures makes them part of the text.
        assert_eq!(p(&format!("{}\n", go_note())), Err(NoteError::NoSignatures));
        assert_eq!(
            p(go_note().trim_end_matches('\n')),
            Err(NoteError::UnterminatedSignature { line: 1 })
        );
        assert_eq!(
            p(&go_note().replacen("— ", "- ", 1)),
            Err(NoteError::SignaturePrefix { line: 1 })
        );
        assert_eq!(
            p(&format!("{GO_TEXT}\n— PeterNeumann\n")),
            Err(NoteError::SignatureShape { line: 1 })
        );
        assert_eq!(
            p(&format!("{GO_TEXT}\n— PeterNeumann \n")),
            Err(NoteError::SignatureShape { line: 1 })
        );
        assert_eq!(
            p(&format!("{GO_TEXT}\n— a+b AAAAAAAA\n")),
            Err(NoteError::SignatureName {
                line: 1,
                name: "a+b".to_owned()
            })
        );
        assert_eq!(
            p(&format!("{GO_TEXT}\n— a AAAAAA\n")),
            Err(NoteError::SignatureBase64 { line: 1 })
        );
        assert_eq!(
            p(&format!("{GO_TEXT}\n— a AAAAAA==\n")),
            Err(NoteError::SignatureTooShort { line: 1, len: 4 })
        );
        // Non-canonical base64 (nonzero trailing bits) would not round-trip.
        assert_eq!(
            p(&format!("{GO_TEXT}\n— a AAAAAAB=\n")),
            Err(NoteError::SignatureBase64 { line: 1 })
        );
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        let with_cr = go_note().replacen("problem,\n", "problem,\r\n", 1);
        assert_eq!(
            parse_note(&with_cr).map(|_| ()),
            Err(NoteError::ControlCharacter {
                line: 1,
                column: 57,
                found: '\r'
            })
        );
        let crlf = go_note().replace('\n', "\r\n");
        let matched = matches!(
            verify_note(&crlf, &go_verifier()),
            Err(NoteError::ControlCharacter { found: '\r', .. })
        );
        assert!(matched);
        let with_del = go_note().replacen("then", "th\u{7f}en", 1);
        let matched = matches!(
            parse_note(&with_del).map(|_| ()),
            Err(NoteError::ControlCharacter {
                line: 2,
                column: 3,
                ..
            })
        );
        assert!(matched);
    }

    #[test]
    fn size_and_signature_count_are_bounded() {
        let big = format!("{}\n{GO_SIG_LINE}", "a".repeat(MAX_NOTE_BYTES));
        let matched = matches!(
            parse_note(&big).map(|_| ()),
            Err(NoteError::NoteTooLarge { .. })
        );
        assert!(matched);
        let hundred = format!("{GO_TEXT}\n{}", GO_SIG_LINE.repeat(MAX_SIGNATURES));
        assert_eq!(verify_note(&hundred, &go_verifier()), Ok(()));
        let too_many = format!("{hundred}{GO_SIG_LINE}");
        let matched = matches!(
            parse_note(&too_many).map(|_| ()),
            Err(NoteError::TooManySignatures)
        );
        assert!(matched);
    }
}
