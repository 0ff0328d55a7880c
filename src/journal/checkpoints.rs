//! Signed checkpoints kept in the ledger (DESIGN §5), and signing a new one.
//!
//! A checkpoint is not part of the log — it attests the log — so it is stored
//! beside the entries under `c ‖ size ‖ key id`, as the signer's verifier key, a
//! newline, and the signed note, exactly as issued. The audit re-verifies every
//! stored checkpoint. Signing one first audits the whole ledger, proves it
//! consistent with the last checkpoint, and flushes: a key never vouches for a
//! state that is damaged or not yet on disk.

use super::layout::{checkpoint_key, CHECKPOINT_PREFIX};
use super::{AuditOptions, Journal, ReadError};
use crate::merkle::{self, Blake3, Hasher, ProofError};
use crate::note::{Checkpoint, NoteError, SignedCheckpoint, SigningKey, VerifierKey};
use crate::store::Write;

/// A checkpoint as stored, not yet parsed (the audit reports a damaged record
/// instead of failing on it).
#[derive(Clone, Debug)]
pub struct StoredCheckpoint {
    /// The size in its key.
    pub size: u64,
    /// The signer's key id in its key.
    pub key_id: u32,
    /// The stored value.
    pub value: Vec<u8>,
}

impl StoredCheckpoint {
    /// The verifier key and the signed checkpoint, or why the record is unreadable.
    pub fn parts(&self) -> Result<(VerifierKey, SignedCheckpoint), String> {
        let text = std::str::from_utf8(&self.value)
            .map_err(|_| "the stored record is not UTF-8".to_owned())?;
        let (key, note) = text
            .split_once('\n')
            .ok_or_else(|| "the stored record has no verifier key line".to_owned())?;
        let key = VerifierKey::parse(key).map_err(|e| format!("its stored verifier key: {e}"))?;
        let signed = SignedCheckpoint::parse(note).map_err(|e| e.to_string())?;
        if signed.checkpoint.size != self.size {
            return Err(format!(
                "it is stored under size {} but says size {}",
                self.size, signed.checkpoint.size
            ));
        }
        Ok((key, signed))
    }
}

/// Why a checkpoint was not signed.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The ledger does not audit clean.
    #[error("refusing to sign: the ledger does not audit clean ({first}); run `sitrep audit` for the full report")]
    NotClean {
        /// The first finding.
        first: String,
    },
    /// The new state is not an extension of the last checkpoint.
    #[error(
        "refusing to sign: the ledger is not consistent with its checkpoint at size {size}: {why}"
    )]
    Inconsistent {
        /// The earlier checkpoint's size.
        size: u64,
        /// What failed.
        why: String,
    },
    /// The key cannot sign for this ledger.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Reading or writing failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A proof could not be made.
    #[error(transparent)]
    Proof(#[from] ProofError<ReadError>),
}

/// A newly signed checkpoint and the one it extends.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The checkpoint.
    pub checkpoint: SignedCheckpoint,
    /// The size of the previous stored checkpoint it was proved consistent with.
    pub extends: Option<u64>,
}

impl Journal {
    /// Every stored checkpoint, by size.
    pub fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, ReadError> {
        let mut out = Vec::new();
        self.store
            .scan(CHECKPOINT_PREFIX, CHECKPOINT_PREFIX, &mut |key, value| {
                let size = key.get(1..9).and_then(|b| <[u8; 8]>::try_from(b).ok());
                let id = key.get(9..13).and_then(|b| <[u8; 4]>::try_from(b).ok());
                if let (Some(size), Some(id)) = (size, id) {
                    out.push(StoredCheckpoint {
                        size: u64::from_be_bytes(size),
                        key_id: u32::from_be_bytes(id),
                        value: value.to_vec(),
                    });
                }
                true
            })?;
        Ok(out)
    }

    /// Audits the ledger, proves it consistent with the latest stored checkpoint,
    /// flushes, signs its current size and root with `key`, and stores the result.
    pub fn sign_checkpoint(&mut self, key: &SigningKey) -> Result<Signed, CheckpointError> {
        let report = self.audit(&AuditOptions::default())?;
        if let Some(first) = report.first_problem() {
            return Err(CheckpointError::NotClean { first });
        }
        let size = self.head.size;
        let root = report.root;
        let previous = self
            .checkpoints()?
            .into_iter()
            .filter(|c| c.size <= size)
            .max_by_key(|c| c.size);
        let mut extends = None;
        if let Some(previous) = previous {
            let inconsistent = |why: String| CheckpointError::Inconsistent {
                size: previous.size,
                why,
            };
            let (_, old) = previous.parts().map_err(inconsistent)?;
            if previous.size == 0 {
                // Every log extends the empty one; its root must still be H("").
                if old.checkpoint.root != Blake3.empty() {
                    return Err(inconsistent("its root is not the empty tree's".to_owned()));
                }
            } else {
                let proof = self.consistency_proof(previous.size, size)?;
                merkle::verify_consistency(
                    &Blake3,
                    previous.size,
                    size,
                    &proof,
                    &old.checkpoint.root,
                    &root,
                )
                .map_err(|e| inconsistent(e.to_string()))?;
            }
            extends = Some(previous.size);
        }
        self.store.flush().map_err(ReadError::from)?;
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .sign(key)?;
        let verifier = key.verifier();
        let mut value = verifier.to_text().into_bytes();
        value.push(b'\n');
        value.extend_from_slice(checkpoint.to_text().as_bytes());
        let mut writes = vec![Write::Put(checkpoint_key(size, verifier.key_id()), value)];
        self.raise_layout(&mut writes);
        self.store.commit(writes).map_err(ReadError::from)?;
        self.layout = super::layout::LAYOUT_VERSION;
        self.store.flush().map_err(ReadError::from)?;
        Ok(Signed {
            checkpoint,
            extends,
        })
    }
}
