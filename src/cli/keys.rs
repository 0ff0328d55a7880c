//! Reading the key and checkpoint files the audit commands take: a signer key
//! file, a verifier key given inline or as a file, and a signed checkpoint file.
//! Each failure names the file and what is wrong with it.

use std::fs;
use std::path::Path;

use anyhow::Context as _;
use sitrep::note::{SignedCheckpoint, SigningKey, VerifierKey};

/// The signer key in `path` (written by `sitrep keygen`).
pub fn signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    SigningKey::parse(&text).with_context(|| format!("the key file {}", path.display()))
}

/// A verifier key: the text itself (`name+id+key`), or a file holding it.
pub fn verifier_key(given: &str) -> anyhow::Result<VerifierKey> {
    if let Ok(key) = VerifierKey::parse(given) {
        return Ok(key);
    }
    let path = Path::new(given);
    if path.is_file() {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read the public key file {}", path.display()))?;
        return VerifierKey::parse(&text)
            .with_context(|| format!("the public key file {}", path.display()));
    }
    VerifierKey::parse(given)
        .with_context(|| "--pubkey is neither a verifier key nor a readable file".to_owned())
}

/// The signed checkpoint in `path`.
pub fn checkpoint(path: &Path) -> anyhow::Result<SignedCheckpoint> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the checkpoint {}", path.display()))?;
    SignedCheckpoint::parse(&text).with_context(|| format!("the checkpoint {}", path.display()))
}

/// Writes `text` to `path` via a temporary file beside it, so that a reader
/// never sees half a file.
pub fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    fs::write(&tmp, text).with_context(|| format!("cannot write {}", path.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}
