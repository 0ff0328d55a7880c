//! Ed25519 note keys and their text forms (golang.org/x/mod/sumdb/note, C2SP
//! signed-note).
//!
//! A key has a name (non-empty, no whitespace, no control characters, no `+`) and
//! a key ID: the first 4 bytes, big-endian, of
//! `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`. The texts are
//! `<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>` (verifier) and
//! `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ seed)>` (signer). Parsing
//! recomputes the key ID and refuses a text whose ID does not match, so a value of
//! these types always holds a consistent name, ID and key. Private key material is
//! never printed: not by `Debug`, not in error messages.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};

use super::{shorten, KeyKind, NoteError};

/// The C2SP signature type byte of Ed25519 keys.
const ALG_ED25519: u8 = 0x01;
/// What precedes the name in a signer key text.
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// A private Ed25519 note key: signs notes and checkpoints.
pub struct SigningKey {
    name: String,
    key_id: u32,
    key: ed25519_dalek::SigningKey,
}

/// A public Ed25519 note key: checks signatures made by the matching [`SigningKey`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key: ed25519_dalek::VerifyingKey,
}

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate(name: &str) -> Result<SigningKey, NoteError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::Randomness(e.to_string()))?;
        SigningKey::from_seed(name, seed)
    }

    /// The key with this 32-byte Ed25519 seed (RFC 8032 private key): the same
    /// seed always gives the same key, which tests and examples rely on.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SigningKey, NoteError> {
        check_name(name)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(SigningKey {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ seed)>`, ignoring
    /// surrounding whitespace.
    pub fn parse(text: &str) -> Result<SigningKey, NoteError> {
        let text = text.trim();
        let kind = KeyKind::Signer;
        let label = signer_label(text);
        let fields = text.strip_prefix(PRIVATE_PREFIX).and_then(split_fields);
        let Some((name, id_hex, material)) = fields else {
            return Err(NoteError::KeyFormat { kind, key: label });
        };
        check_name(name)?;
        let claimed = parse_key_id(kind, &label, id_hex)?;
        let seed = decode_material(kind, &label, material)?;
        let key = SigningKey::from_seed(name, seed)?;
        if key.key_id != claimed {
            return Err(NoteError::KeyIdMismatch {
                kind,
                key: label,
                found: claimed,
                expected: key.key_id,
            });
        }
        Ok(key)
    }

    /// The signer key text, `PRIVATE+KEY+…`, without a line break. It is the
    /// secret: store it like a password.
    pub fn to_text(&self) -> String {
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_material(self.key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public half.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The key ID (see the module documentation).
    pub(super) fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 signature of `message` (deterministic, RFC 8032).
    pub(super) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    // By hand: the derived form would print the seed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl VerifierKey {
    /// Parses `<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>`, ignoring
    /// surrounding whitespace.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let text = text.trim();
        let kind = KeyKind::Verifier;
        let label = shorten(text);
        let Some((name, id_hex, material)) = split_fields(text) else {
            return Err(NoteError::KeyFormat { kind, key: label });
        };
        check_name(name)?;
        let claimed = parse_key_id(kind, &label, id_hex)?;
        let public = decode_material(kind, &label, material)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .ok()
            // A small-order key is refused: signatures under it prove nothing.
            .filter(|key| !key.is_weak())
            .ok_or_else(|| NoteError::KeyNotAPoint { key: label.clone() })?;
        let expected = key_id(name, &public);
        if claimed != expected {
            return Err(NoteError::KeyIdMismatch {
                kind,
                key: label,
                found: claimed,
                expected,
            });
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: expected,
            key,
        })
    }

    /// The verifier key text, `<name>+<8 hex key ID>+<base64 key>`.
    pub fn to_text(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_material(self.key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID (see the module documentation).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// `name+keyid`, as keys are named in error messages.
    pub(super) fn label(&self) -> String {
        format!("{}+{:08x}", self.name, self.key_id)
    }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    pub(super) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        // Strict verification (canonical S, no small-order R or key) refuses the
        // malleable signatures that RFC 8032's cofactorless check lets through;
        // an honest signer never produces them.
        self.key.verify_strict(message, &signature).is_ok()
    }
}

/// Checks the C2SP key name rules (plus: no control characters, which could not
/// appear in a note anyway).
pub(super) fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(NoteError::KeyNameEmpty);
    }
    match name
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || c == '+')
    {
        Some(found) => Err(NoteError::BadKeyName {
            name: shorten(name),
            found,
        }),
        None => Ok(()),
    }
}

/// True when `name` passes [`check_name`].
pub(super) fn is_valid_name(name: &str) -> bool {
    check_name(name).is_ok()
}

/// The C2SP key ID of an Ed25519 key.
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// `name`, `key ID`, `key material`: the first two `+` separate them (base64 may
/// itself contain `+`).
fn split_fields(text: &str) -> Option<(&str, &str, &str)> {
    let (name, rest) = text.split_once('+')?;
    let (id, material) = rest.split_once('+')?;
    Some((name, id, material))
}

/// The redacted form of a signer key text shown in errors: name and key ID only.
fn signer_label(text: &str) -> String {
    match text.strip_prefix(PRIVATE_PREFIX).and_then(split_fields) {
        Some((name, id, _)) => format!("{PRIVATE_PREFIX}{}+{}+…", shorten(name), shorten(id)),
        None => "(not shown: it may be private)".to_owned(),
    }
}

/// Parses exactly 8 hex digits.
fn parse_key_id(kind: KeyKind, label: &str, text: &str) -> Result<u32, NoteError> {
    let syntax = || NoteError::KeyIdSyntax {
        kind,
        key: label.to_owned(),
        id: shorten(text),
    };
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(syntax());
    }
    u32::from_str_radix(text, 16).map_err(|_| syntax())
}

/// Decodes `base64(0x01 ‖ 32 bytes)`.
fn decode_material(kind: KeyKind, label: &str, text: &str) -> Result<[u8; 32], NoteError> {
    let bytes = STANDARD.decode(text).map_err(|_| NoteError::KeyBase64 {
        kind,
        key: label.to_owned(),
    })?;
    let Some((&algorithm, key)) = bytes.split_first() else {
        return Err(NoteError::KeyLength {
            kind,
            key: label.to_owned(),
            len: 0,
        });
    };
    let key: [u8; 32] = key.try_into().map_err(|_| NoteError::KeyLength {
        kind,
        key: label.to_owned(),
        len: bytes.len(),
    })?;
    if algorithm != ALG_ED25519 {
        return Err(NoteError::KeyAlgorithm {
            kind,
            key: label.to_owned(),
            algorithm,
        });
    }
    Ok(key)
}

/// `base64(0x01 ‖ key)`.
fn encode_material(key: &[u8; 32]) -> String {
    let mut bytes = [0u8; 33];
    bytes[0] = ALG_ED25519;
    bytes[1..].copy_from_slice(key);
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    // golang.org/x/mod/sumdb/note, example_test.go and the package documentation.
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    #[test]
    fn go_reference_keys_parse_and_match() {
        let signer = SigningKey::parse(GO_SKEY).unwrap();
        let verifier = VerifierKey::parse(GO_VKEY).unwrap();
        assert_eq!(signer.verifier(), verifier);
        assert_eq!(verifier.key_id(), 0xc74f_20a3);
        assert_eq!(verifier.name(), "PeterNeumann");
        assert_eq!(signer.name(), "PeterNeumann");
        assert_eq!(signer.to_text(), GO_SKEY);
        assert_eq!(verifier.to_text(), GO_VKEY);
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let verifier = VerifierKey::parse(&format!("  {GO_VKEY}\n")).unwrap();
        assert_eq!(verifier.to_text(), GO_VKEY);
        let signer = SigningKey::parse(&format!("{GO_SKEY}\r\n")).unwrap();
        assert_eq!(signer.to_text(), GO_SKEY);
    }

    #[test]
    fn generated_keys_round_trip_through_text() {
        let a = SigningKey::generate("example.com/log").unwrap();
        let b = SigningKey::generate("example.com/log").unwrap();
        assert_ne!(a.to_text(), b.to_text(), "two draws gave the same seed");
        let parsed = SigningKey::parse(&a.to_text()).unwrap();
        assert_eq!(parsed.to_text(), a.to_text());
        assert_eq!(parsed.verifier(), a.verifier());
        let verifier = VerifierKey::parse(&a.verifier().to_text()).unwrap();
        assert_eq!(verifier, a.verifier());
        assert_ne!(a.verifier(), b.verifier());
    }

    #[test]
    fn from_seed_is_deterministic_and_the_name_enters_the_key_id() {
        let a = SigningKey::from_seed("a", [7; 32]).unwrap();
        let again = SigningKey::from_seed("a", [7; 32]).unwrap();
        let renamed = SigningKey::from_seed("b", [7; 32]).unwrap();
        assert_eq!(a.to_text(), again.to_text());
        assert_ne!(a.key_id(), renamed.key_id());
    }

    #[test]
    fn debug_shows_name_and_key_id_but_not_the_seed() {
        let key = SigningKey::parse(GO_SKEY).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("PeterNeumann"), "{debug}");
        assert!(debug.contains("c74f20a3"), "{debug}");
        assert!(!debug.contains("AYEKFALV"), "{debug}");
        let seed_hex: String = key.key.as_bytes()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!debug.contains(&seed_hex), "{debug}");
    }

    #[test]
    fn a_wrong_key_id_is_refused() {
        let text = GO_VKEY.replace("c74f20a3", "c74f20a4");
        let matched = matches!(
            VerifierKey::parse(&text),
            Err(NoteError::KeyIdMismatch {
                kind: KeyKind::Verifier,
                found: 0xc74f_20a4,
                expected: 0xc74f_20a3,
                ..
            })
        );
        assert!(matched);
        let text = GO_SKEY.replace("c74f20a3", "00000000");
        let matched = matches!(
            SigningKey::parse(&text),
            Err(NoteError::KeyIdMismatch {
                kind: KeyKind::Signer,
                found: 0,
                expected: 0xc74f_20a3,
                ..
            })
        );
        assert!(matched);
        // A different name changes the expected ID.
        let text = GO_VKEY.replace("PeterNeumann", "PeterNeuman");
        let matched = matches!(
            VerifierKey::parse(&text),
            Err(NoteError::KeyIdMismatch { .. })
        );
        assert!(matched);
    }

    #[test]
    fn malformed_key_texts_are_refused_with_the_reason() {
        let v = VerifierKey::parse;
        let matched = matches!(v("PeterNeumann"), Err(NoteError::KeyFormat { .. }));
        assert!(matched);
        let matched = matches!(v("PeterNeumann+c74f20a3"), Err(NoteError::KeyFormat { .. }));
        assert!(matched);
        let matched = matches!(
            v(&GO_VKEY.replace("c74f20a3", "c74f20a")),
            Err(NoteError::KeyIdSyntax { .. })
        );
        assert!(matched);
        let matched = matches!(
            v(&GO_VKEY.replace("c74f20a3", "c74f20ag")),
            Err(NoteError::KeyIdSyntax { .. })
        );
        assert!(matched);
        let matched = matches!(v(&format!("{GO_VKEY}!")), Err(NoteError::KeyBase64 { .. }));
        assert!(matched);
        // Unpadded base64 is not the standard encoding.
        let matched = matches!(
            v("PeterNeumann+c74f20a3+AQ"),
            Err(NoteError::KeyBase64 { .. })
        );
        assert!(matched);
        let matched = matches!(
            v("PeterNeumann+c74f20a3+AQ=="),
            Err(NoteError::KeyLength { len: 1, .. })
        );
        assert!(matched);
        let matched = matches!(
            v("PeterNeumann+c74f20a3+"),
            Err(NoteError::KeyLength { len: 0, .. })
        );
        assert!(matched);
        // Algorithm byte 0x02 instead of 0x01 (the key ID check comes later).
        let mut material = STANDARD
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap();
        material[0] = 0x02;
        let matched = matches!(
            v(&format!(
                "PeterNeumann+c74f20a3+{}",
                STANDARD.encode(&material)
            )),
            Err(NoteError::KeyAlgorithm {
                algorithm: 0x02,
                ..
            })
        );
        assert!(matched);
        // The identity point is small-order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = format!(
            "x+{:08x}+{}",
            key_id("x", &identity),
            encode_material(&identity)
        );
        let matched = matches!(v(&weak), Err(NoteError::KeyNotAPoint { .. }));
        assert!(matched);
        let matched = matches!(
            SigningKey::parse(GO_VKEY),
            Err(NoteError::KeyFormat {
                kind: KeyKind::Signer,
                ..
            })
        );
        assert!(matched);
    }

    #[test]
    fn bad_key_names_are_refused() {
        let matched = matches!(
            SigningKey::from_seed("a+b", [1; 32]),
            Err(NoteError::BadKeyName { found: '+', .. })
        );
        assert!(matched);
        let matched = matches!(
            SigningKey::generate("a b"),
            Err(NoteError::BadKeyName { found: ' ', .. })
        );
        assert!(matched);
        let matched = matches!(
            SigningKey::from_seed("a\u{a0}b", [1; 32]),
            Err(NoteError::BadKeyName {
                found: '\u{a0}',
                ..
            })
        );
        assert!(matched);
        let matched = matches!(
            SigningKey::from_seed("", [1; 32]),
            Err(NoteError::KeyNameEmpty)
        );
        assert!(matched);
        let matched = matches!(
            VerifierKey::parse(&GO_VKEY.replace("PeterNeumann", "Peter\u{2003}Neumann")),
            Err(NoteError::BadKeyName { .. })
        );
        assert!(matched);
        let matched = matches!(
            SigningKey::parse("PRIVATE+KEY++c74f20a3+AYEK"),
            Err(NoteError::KeyNameEmpty)
        );
        assert!(matched);
    }

    #[test]
    fn signer_key_errors_do_not_repeat_the_seed() {
        let text = GO_SKEY.replace("c74f20a3", "c74f20a4");
        let message = SigningKey::parse(&text).unwrap_err().to_string();
        assert!(!message.contains("AYEKFALV"), "{message}");
        assert!(
            message.contains("PRIVATE+KEY+PeterNeumann+c74f20a4+…"),
            "{message}"
        );
        let message = SigningKey::parse("AYEKFALVFGyNhPJEMzD1QIDr")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("AYEKFALV"), "{message}");
    }
}
