//! C2SP tlog-checkpoint bodies and signed checkpoints.
//!
//! A checkpoint body is `<origin>\n<tree size>\n<base64 root>\n`, optionally
//! followed by non-empty extension lines. The size is decimal without sign or
//! leading zeros; the root is the canonical standard base64 of exactly 32 bytes.
//! A [`SignedCheckpoint`] keeps the exact signed text next to its parsed fields,
//! so extension lines we do not interpret still verify and re-render byte for
//! byte; [`SignedCheckpoint::verify`] also checks that the public fields still
//! match that text, so a successful verification vouches for them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::keys::{SigningKey, VerifierKey};
use super::signed::{check_size_and_characters, parse_note, verify_signatures, NoteSignature};
use super::{shorten, NoteError, MAX_NOTE_BYTES};

/// A Merkle tree head as a transparency log states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line: names the log, one line of printable text.
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The tree's root hash.
    pub root: [u8; 32],
}

/// A checkpoint with its signed-note signatures, as parsed or as signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint fields. [`SignedCheckpoint::verify`] refuses the whole if
    /// they were changed after parsing or signing.
    pub checkpoint: Checkpoint,
    /// The signed note text: the body, extension lines included, with its final
    /// line feed.
    text: String,
    /// The extension lines after the root line, without line feeds.
    extensions: Vec<String>,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Checkpoint {
    /// The checkpoint body: `origin\nsize\nbase64(root)\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Signs the body with `key`. The origin must be a non-empty line without
    /// control characters, and the signed note must fit the size limit.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedCheckpoint, NoteError> {
        check_origin(&self.origin)?;
        let text = self.body();
        check_size_and_characters(&text)?;
        let signed = SignedCheckpoint {
            checkpoint: self.clone(),
            signatures: vec![NoteSignature::sign(&text, key)],
            text,
            extensions: Vec::new(),
        };
        // Refused now rather than written out as a note `parse` would refuse.
        let len = signed.to_text().len();
        if len > MAX_NOTE_BYTES {
            return Err(NoteError::NoteTooLarge { len });
        }
        Ok(signed)
    }
}

impl SignedCheckpoint {
    /// Structural parse of the whole signed note; does NOT verify any signature.
    pub fn parse(text: &str) -> Result<SignedCheckpoint, NoteError> {
        let note = parse_note(text)?;
        let (checkpoint, extensions) = parse_body(note.text)?;
        Ok(SignedCheckpoint {
            checkpoint,
            text: note.text.to_owned(),
            extensions,
            signatures: note.signatures,
        })
    }

    /// The signed note: the text, a blank line, the signature lines. Exactly the
    /// bytes `parse` accepted or `sign` produced.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.line());
        }
        out
    }

    /// The signed text (the body, extension lines included).
    pub fn note_text(&self) -> &str {
        &self.text
    }

    /// The extension lines after the root hash, in order, without line feeds;
    /// kept so signatures over them verify, but not interpreted.
    pub fn extension_lines(&self) -> &[String] {
        &self.extensions
    }

    /// Ok when a signature line with this key's name AND key id verifies over the
    /// note text. Signatures from other keys are ignored (C2SP); a matching
    /// name+id whose signature fails is an error (BadSignature); no matching line
    /// is NotSignedBy.
    pub fn verify(&self, key: &VerifierKey) -> Result<(), NoteError> {
        // The body ends in a line feed, so a matching prefix means the text's
        // first three lines are exactly these fields.
        if !self.text.starts_with(&self.checkpoint.body()) {
            return Err(NoteError::CheckpointMismatch);
        }
        verify_signatures(&self.text, &self.signatures, key, "checkpoint")
    }
}

/// Parses a checkpoint body (a note text, ending in a line feed).
fn parse_body(text: &str) -> Result<(Checkpoint, Vec<String>), NoteError> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = body.split('\n').collect();
    let [origin, size, root, extensions @ ..] = lines.as_slice() else {
        return Err(NoteError::CheckpointTooShort { lines: lines.len() });
    };
    check_origin(origin)?;
    let size = parse_size(size)?;
    let root = parse_root(root)?;
    if let Some(index) = extensions.iter().position(|line| line.is_empty()) {
        return Err(NoteError::EmptyExtensionLine { line: index + 4 });
    }
    let checkpoint = Checkpoint {
        origin: (*origin).to_owned(),
        size,
        root,
    };
    let extensions = extensions.iter().map(|line| (*line).to_owned()).collect();
    Ok((checkpoint, extensions))
}

fn check_origin(origin: &str) -> Result<(), NoteError> {
    if origin.is_empty() {
        return Err(NoteError::OriginEmpty);
    }
    match origin.chars().find(|c| c.is_ascii_control()) {
        Some(found) => Err(NoteError::OriginControlCharacter {
            origin: shorten(origin),
            found,
        }),
        None => Ok(()),
    }
}

/// Decimal, no sign, no leading zero, at most `u64::MAX`.
fn parse_size(text: &str) -> Result<u64, NoteError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NoteError::SizeNotDecimal {
            text: shorten(text),
        });
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(NoteError::SizeLeadingZero {
            text: shorten(text),
        });
    }
    // Only digits remain, so the one way to fail is overflow.
    text.parse().map_err(|_| NoteError::SizeOverflow {
        text: shorten(text),
    })
}

/// Canonical standard base64 of exactly 32 bytes.
fn parse_root(text: &str) -> Result<[u8; 32], NoteError> {
    let bad = || NoteError::RootBase64 {
        text: shorten(text),
    };
    let bytes = STANDARD.decode(text).map_err(|_| bad())?;
    let root: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| NoteError::RootLength {
            text: shorten(text),
            len: bytes.len(),
        })?;
    // The decoder already refuses non-canonical trailing bits; this states the
    // invariant the round trip depends on.
    if STANDARD.encode(root) != text {
        return Err(bad());
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ORIGIN: &str = "example.com/sitrep";

    fn key() -> SigningKey {
        SigningKey::from_seed(ORIGIN, [42; 32]).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.to_owned(),
            size: 5,
            root: [0xab; 32],
        }
    }

    fn signed_text() -> String {
        checkpoint().sign(&key()).unwrap().to_text()
    }

    /// The note text with `body` as its text and a real signature by `key()`.
    fn sign_raw(body: &str) -> String {
        format!("{body}\n{}", NoteSignature::sign(body, &key()).line())
    }

    #[test]
    fn the_body_is_three_lines() {
        let body = Checkpoint {
            origin: "o".to_owned(),
            size: 0,
            root: [0; 32],
        }
        .body();
        assert_eq!(body, "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    }

    #[test]
    fn sign_then_text_then_parse_then_verify() {
        let signed = checkpoint().sign(&key()).unwrap();
        assert_eq!(signed.note_text(), checkpoint().body());
        assert_eq!(signed.verify(&key().verifier()), Ok(()));
        let text = signed.to_text();
        assert!(text.starts_with(&format!("{}\n— {ORIGIN} ", checkpoint().body())));
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        assert_eq!(parsed, signed);
        assert_eq!(parsed.to_text(), text);
        assert_eq!(parsed.verify(&key().verifier()), Ok(()));
        let reparsed_key = VerifierKey::parse(&key().verifier().to_text()).unwrap();
        assert_eq!(parsed.verify(&reparsed_key), Ok(()));
    }

    #[test]
    fn another_key_is_not_a_signer() {
        let parsed = SignedCheckpoint::parse(&signed_text()).unwrap();
        let other = SigningKey::from_seed(ORIGIN, [43; 32]).unwrap();
        let err = parsed.verify(&other.verifier()).unwrap_err();
        let matched = matches!(
            &err,
            NoteError::NotSignedBy {
                what: "checkpoint",
                ..
            }
        );
        assert!(matched, "{err}");
        assert!(err.to_string().starts_with(&format!(
            "the checkpoint is not signed by key `{}` (it carries signatures from: {ORIGIN}+",
            other.verifier().label()
        )));
    }

    #[test]
    fn an_altered_root_or_size_does_not_verify() {
        let text = signed_text();
        let root = STANDARD.encode([0xab; 32]);
        let other_root = STANDARD.encode([0xac; 32]);
        let altered = SignedCheckpoint::parse(&text.replacen(&root, &other_root, 1)).unwrap();
        assert_eq!(altered.checkpoint.root, [0xac; 32]);
        let matched = matches!(
            altered.verify(&key().verifier()),
            Err(NoteError::BadSignature {
                what: "checkpoint",
                ..
            })
        );
        assert!(matched);
        let altered = SignedCheckpoint::parse(&text.replacen("\n5\n", "\n6\n", 1)).unwrap();
        assert_eq!(altered.checkpoint.size, 6);
        let matched = matches!(
            altered.verify(&key().verifier()),
            Err(NoteError::BadSignature { .. })
        );
        assert!(matched);
    }

    #[test]
    fn changed_fields_no_longer_match_the_signed_text() {
        let mut signed = checkpoint().sign(&key()).unwrap();
        signed.checkpoint.size = 6;
        assert_eq!(
            signed.verify(&key().verifier()),
            Err(NoteError::CheckpointMismatch)
        );
    }

    #[test]
    fn malformed_sizes_are_refused() {
        let with_size = |size: &str| {
            SignedCheckpoint::parse(&sign_raw(&format!(
                "{ORIGIN}\n{size}\n{}\n",
                STANDARD.encode([1; 32])
            )))
        };
        assert!(with_size("0").is_ok());
        let leading = with_size("01");
        let ok = matches!(&leading, Err(NoteError::SizeLeadingZero { text }) if text == "01");
        assert!(ok, "{leading:?}");
        let matched = matches!(with_size("00"), Err(NoteError::SizeLeadingZero { .. }));
        assert!(matched);
        for bad in ["", "+5", "-1", "5 ", " 5", "0x5", "５"] {
            let matched = matches!(with_size(bad), Err(NoteError::SizeNotDecimal { .. }));
            assert!(matched, "{bad:?}");
        }
        assert_eq!(
            with_size("18446744073709551615").unwrap().checkpoint.size,
            u64::MAX
        );
        let matched = matches!(
            with_size("18446744073709551616"),
            Err(NoteError::SizeOverflow { .. })
        );
        assert!(matched);
    }

    #[test]
    fn malformed_roots_are_refused() {
        let with_root = |root: &str| SignedCheckpoint::parse(&sign_raw(&format!("o\n1\n{root}\n")));
        let matched = matches!(
            with_root(&STANDARD.encode([1; 31])),
            Err(NoteError::RootLength { len: 31, .. })
        );
        assert!(matched);
        let matched = matches!(
            with_root(&STANDARD.encode([1; 33])),
            Err(NoteError::RootLength { len: 33, .. })
        );
        assert!(matched);
        let unpadded = STANDARD.encode([1; 32]).replace('=', "");
        let matched = matches!(with_root(&unpadded), Err(NoteError::RootBase64 { .. }));
        assert!(matched);
        // Nonzero trailing bits: decodes leniently elsewhere, not here.
        let canonical = STANDARD.encode([0; 32]);
        let sloppy = canonical.replacen("A=", "B=", 1);
        let matched = matches!(with_root(&sloppy), Err(NoteError::RootBase64 { .. }));
        assert!(matched);
        let url_safe = STANDARD.encode([0xff; 32]).replace('/', "_");
        let matched = matches!(with_root(&url_safe), Err(NoteError::RootBase64 { .. }));
        assert!(matched);
    }

    #[test]
    fn malformed_notes_are_refused() {
        let text = signed_text();
        assert_eq!(
            SignedCheckpoint::parse(&text.replacen("\n\n", "\n", 1)),
            Err(NoteError::NoBlankLine)
        );
        let unsigned = format!("{}\n", checkpoint().body());
        assert_eq!(
            SignedCheckpoint::parse(&unsigned),
            Err(NoteError::NoSignatures)
        );
        let with_cr = text.replacen("\n5\n", "\n5\r\n", 1);
        let matched = matches!(
            SignedCheckpoint::parse(&with_cr),
            Err(NoteError::ControlCharacter {
                line: 2,
                column: 2,
                found: '\r'
            })
        );
        assert!(matched);
        assert_eq!(
            SignedCheckpoint::parse(&sign_raw("o\n1\n")),
            Err(NoteError::CheckpointTooShort { lines: 2 })
        );
        assert_eq!(
            SignedCheckpoint::parse(&sign_raw(&format!("\n1\n{}\n", STANDARD.encode([0; 32])))),
            Err(NoteError::OriginEmpty)
        );
    }

    #[test]
    fn extension_lines_are_kept_and_signed() {
        let body = format!(
            "{}extension one\n— looks like a signature\n",
            checkpoint().body()
        );
        let text = sign_raw(&body);
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        assert_eq!(parsed.checkpoint, checkpoint());
        assert_eq!(
            parsed.extension_lines(),
            ["extension one", "— looks like a signature"]
        );
        assert_eq!(parsed.note_text(), body);
        assert_eq!(parsed.to_text(), text);
        assert_eq!(parsed.verify(&key().verifier()), Ok(()));
        // Dropping an extension line breaks the signature.
        let dropped = text.replacen("extension one\n", "", 1);
        let matched = matches!(
            SignedCheckpoint::parse(&dropped)
                .unwrap()
                .verify(&key().verifier()),
            Err(NoteError::BadSignature { .. })
        );
        assert!(matched);
        let blank = sign_raw(&format!("{}\nafter a blank line\n", checkpoint().body()));
        assert_eq!(
            SignedCheckpoint::parse(&blank),
            Err(NoteError::EmptyExtensionLine { line: 4 })
        );
    }

    #[test]
    fn origins_that_cannot_be_one_line_are_not_signed() {
        let mut bad = checkpoint();
        bad.origin = "two\nlines".to_owned();
        let matched = matches!(
            bad.sign(&key()),
            Err(NoteError::OriginControlCharacter { found: '\n', .. })
        );
        assert!(matched);
        bad.origin = String::new();
        let matched = matches!(bad.sign(&key()), Err(NoteError::OriginEmpty));
        assert!(matched);
        bad.origin = "x".repeat(MAX_NOTE_BYTES);
        let matched = matches!(bad.sign(&key()), Err(NoteError::NoteTooLarge { .. }));
        assert!(matched);
    }

    // A signed tree head served by sum.golang.org (the Go checksum database, a
    // tlog-checkpoint log), with the database's public key as published in the Go
    // source (cmd/go/internal/modfetch/key.go). Nobody but the Go team can make
    // this signature, so it is a known answer from outside the project.
    const SUMDB_KEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    const SUMDB_CHECKPOINT: &str = "go.sum database tree\n\
        65209736\n\
        5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\
        \n\
        — sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n";

    #[test]
    fn a_real_sum_golang_org_checkpoint_verifies() {
        let key = VerifierKey::parse(SUMDB_KEY).unwrap();
        assert_eq!(key.key_id(), 0x033d_e0ae);
        let parsed = SignedCheckpoint::parse(SUMDB_CHECKPOINT).unwrap();
        assert_eq!(parsed.checkpoint.origin, "go.sum database tree");
        assert_eq!(parsed.checkpoint.size, 65_209_736);
        assert_eq!(parsed.to_text(), SUMDB_CHECKPOINT);
        assert_eq!(parsed.verify(&key), Ok(()));
        let altered = SUMDB_CHECKPOINT.replacen("65209736", "65209737", 1);
        let matched = matches!(
            SignedCheckpoint::parse(&altered).unwrap().verify(&key),
            Err(NoteError::BadSignature { .. })
        );
        assert!(matched);
    }

    /// A character-level edit of a string (so the result stays valid UTF-8).
    #[derive(Clone, Debug)]
    enum Edit {
        Delete(usize),
        Insert(usize, char),
        Replace(usize, char),
        Truncate(usize),
        Duplicate(usize, usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let special = prop_oneof![
            Just('\n'),
            Just('\r'),
            Just(' '),
            Just('+'),
            Just('='),
            Just('\u{2014}'),
            Just('0'),
            any::<char>(),
        ];
        prop_oneof![
            any::<usize>().prop_map(Edit::Delete),
            (any::<usize>(), special.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
            (any::<usize>(), special).prop_map(|(at, c)| Edit::Replace(at, c)),
            any::<usize>().prop_map(Edit::Truncate),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Duplicate(a, b)),
        ]
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for edit in edits {
            let len = chars.len().max(1);
            match *edit {
                Edit::Delete(at) if !chars.is_empty() => {
                    chars.remove(at % len);
                }
                Edit::Insert(at, c) => chars.insert(at % (chars.len() + 1), c),
                Edit::Replace(at, c) if !chars.is_empty() => chars[at % len] = c,
                Edit::Truncate(at) => chars.truncate(at % (chars.len() + 1)),
                Edit::Duplicate(a, b) if !chars.is_empty() => {
                    let (from, to) = (a % len, b % len);
                    let (from, to) = (from.min(to), from.max(to));
                    let copy: Vec<char> = chars[from..=to].to_vec();
                    chars.splice(to + 1..to + 1, copy);
                }
                _ => {}
            }
        }
        chars.into_iter().collect()
    }

    fn parse_everything(text: &str) -> Result<(), TestCaseError> {
        let _ = VerifierKey::parse(text);
        let _ = SigningKey::parse(text);
        let _ = super::super::verify_note(text, &key().verifier());
        if let Ok(parsed) = SignedCheckpoint::parse(text) {
            // Whatever parses re-renders to the same bytes, and its fields
            // match its text.
            prop_assert_eq!(parsed.to_text(), text);
            let verified = parsed.verify(&key().verifier());
            prop_assert!(!matches!(verified, Err(NoteError::CheckpointMismatch)));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parsers_never_panic_on_arbitrary_strings(text in any::<String>()) {
            parse_everything(&text)?;
        }

        #[test]
        fn parsers_never_panic_on_mutated_notes(
            edits in prop::collection::vec(edit(), 1..6),
            which in 0..4usize,
        ) {
            let valid = [
                signed_text(),
                sign_raw(&format!("{}ext\n", checkpoint().body())),
                key().to_text(),
                key().verifier().to_text(),
            ];
            let mutated = apply(&valid[which], &edits);
            parse_everything(&mutated)?;
            if which == 0 {
                // A mutation either breaks the parse, breaks the signature, or
                // leaves the checkpoint as signed.
                if let Ok(parsed) = SignedCheckpoint::parse(&mutated) {
                    if parsed.verify(&key().verifier()).is_ok() {
                        prop_assert_eq!(parsed.checkpoint, checkpoint());
                    }
                }
            }
        }

        #[test]
        fn any_checkpoint_round_trips(
            origin in "[^\\x00-\\x1f\\x7f]{1,40}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
        ) {
            let checkpoint = Checkpoint { origin, size, root };
            let signed = checkpoint.sign(&key()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parsed = SignedCheckpoint::parse(&signed.to_text())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&parsed.checkpoint, &checkpoint);
            prop_assert_eq!(parsed.verify(&key().verifier()), Ok(()));
        }
    }
}
