//! Self-contained proof files (DESIGN §5): what `sitrep prove` writes and
//! `sitrep verify-proof` checks offline, with nothing but the file, the hash
//! function and (optionally) a signed checkpoint and its key.
//!
//! Both kinds are one JSON object (docs/format.md §15). Hashes are 64 lower-case
//! hex characters, like entry ids; an inclusion proof carries the entry's
//! canonical bytes in standard base64, so the verifier recomputes the leaf hash
//! itself and can show the fact it proves. Parsing is strict: unknown members,
//! a wrong kind or version, malformed hex or base64 are refused with the member
//! named.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::entry::{Entry, FORMAT_VERSION};
use crate::hash::Id;
use crate::merkle::{self, Blake3, Hash, VerifyError};
use crate::note::{NoteError, SignedCheckpoint, VerifierKey};

/// The `version` member of proof files this build writes and reads.
pub const PROOF_VERSION: u32 = 1;

/// "entry N is in the tree of size S with root R".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The ledger's origin.
    pub origin: String,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The entry's seq (its leaf index).
    pub leaf_index: u64,
    /// The root of the tree of `tree_size` entries.
    pub root: Hash,
    /// The entry's canonical bytes.
    pub entry: Vec<u8>,
    /// The audit path, from the leaf's sibling up.
    pub proof: Vec<Hash>,
}

/// "the tree of size S1 with root R1 is a prefix of the tree of size S2 with root R2".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The ledger's origin.
    pub origin: String,
    /// The older size.
    pub size1: u64,
    /// The newer size.
    pub size2: u64,
    /// The root at `size1`.
    pub root1: Hash,
    /// The root at `size2`.
    pub root2: Hash,
    /// The consistency proof.
    pub proof: Vec<Hash>,
}

/// A parsed proof file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofFile {
    /// An inclusion proof.
    Inclusion(InclusionProof),
    /// A consistency proof.
    Consistency(ConsistencyProof),
}

/// Why a proof file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    /// Not JSON of the expected shape.
    #[error("not a sitrep proof file: {0}")]
    Shape(String),
    /// A member is malformed.
    #[error("`{member}`: {why}")]
    Member {
        /// Which member.
        member: String,
        /// What is wrong.
        why: String,
    },
}

/// Why a proof does not hold.
#[derive(Debug, thiserror::Error)]
pub enum ProofCheckError {
    /// The Merkle proof itself fails.
    #[error("the proof does not verify: {0}")]
    Merkle(#[from] VerifyError),
    /// The carried entry is not a valid entry at that leaf.
    #[error("the entry in the file: {0}")]
    Entry(String),
    /// A checkpoint does not vouch for the proof.
    #[error("the checkpoint: {0}")]
    Checkpoint(String),
    /// The checkpoint's signature.
    #[error("the checkpoint: {0}")]
    Signature(#[from] NoteError),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    sitrep_proof: String,
    version: u32,
    origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tree_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leaf_index: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size1: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size2: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root2: Option<String>,
    proof: Vec<String>,
}

fn hex(hash: &Hash) -> String {
    Id::from_bytes(*hash).to_hex()
}

fn member_error(member: &str, why: impl Into<String>) -> ProofFileError {
    ProofFileError::Member {
        member: member.to_owned(),
        why: why.into(),
    }
}

fn required<T>(value: Option<T>, member: &str) -> Result<T, ProofFileError> {
    value.ok_or_else(|| member_error(member, "missing"))
}

fn parse_hash(text: &str, member: &str) -> Result<Hash, ProofFileError> {
    let is_lower_hex = text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    is_lower_hex
        .then(|| Id::parse_hex(text))
        .flatten()
        .map(|id| *id.as_bytes())
        .ok_or_else(|| {
            member_error(
                member,
                format!("`{text}` is not 64 lower-case hex characters"),
            )
        })
}

fn parse_proof(items: &[String]) -> Result<Vec<Hash>, ProofFileError> {
    items
        .iter()
        .enumerate()
        .map(|(i, h)| parse_hash(h, &format!("proof[{i}]")))
        .collect()
}

impl ProofFile {
    /// Parses a proof file.
    pub fn parse(text: &str) -> Result<ProofFile, ProofFileError> {
        let raw: Raw =
            serde_json::from_str(text).map_err(|e| ProofFileError::Shape(e.to_string()))?;
        if raw.version != PROOF_VERSION {
            return Err(member_error(
                "version",
                format!(
                    "{} is not a version this sitrep reads ({PROOF_VERSION})",
                    raw.version
                ),
            ));
        }
        let proof = parse_proof(&raw.proof)?;
        match raw.sitrep_proof.as_str() {
            "inclusion" => {
                let entry = required(raw.entry, "entry")?;
                let entry = BASE64
                    .decode(entry.as_bytes())
                    .map_err(|e| member_error("entry", format!("not standard base64: {e}")))?;
                Ok(ProofFile::Inclusion(InclusionProof {
                    origin: raw.origin,
                    tree_size: required(raw.tree_size, "tree_size")?,
                    leaf_index: required(raw.leaf_index, "leaf_index")?,
                    root: parse_hash(&required(raw.root, "root")?, "root")?,
                    entry,
                    proof,
                }))
            }
            "consistency" => Ok(ProofFile::Consistency(ConsistencyProof {
                origin: raw.origin,
                size1: required(raw.size1, "size1")?,
                size2: required(raw.size2, "size2")?,
                root1: parse_hash(&required(raw.root1, "root1")?, "root1")?,
                root2: parse_hash(&required(raw.root2, "root2")?, "root2")?,
                proof,
            })),
            other => Err(member_error(
                "sitrep_proof",
                format!("`{other}` is not a proof kind (inclusion or consistency)"),
            )),
        }
    }

    /// The file's text: pretty JSON ending in a newline.
    pub fn to_text(&self) -> String {
        let proof = |p: &[Hash]| p.iter().map(hex).collect::<Vec<_>>();
        let raw = match self {
            ProofFile::Inclusion(p) => Raw {
                sitrep_proof: "inclusion".to_owned(),
                version: PROOF_VERSION,
                origin: p.origin.clone(),
                tree_size: Some(p.tree_size),
                leaf_index: Some(p.leaf_index),
                root: Some(hex(&p.root)),
                entry: Some(BASE64.encode(&p.entry)),
                size1: None,
                size2: None,
                root1: None,
                root2: None,
                proof: proof(&p.proof),
            },
            ProofFile::Consistency(p) => Raw {
                sitrep_proof: "consistency".to_owned(),
                version: PROOF_VERSION,
                origin: p.origin.clone(),
                tree_size: None,
                leaf_index: None,
                root: None,
                entry: None,
                size1: Some(p.size1),
                size2: Some(p.size2),
                root1: Some(hex(&p.root1)),
                root2: Some(hex(&p.root2)),
                proof: proof(&p.proof),
            },
        };
        let mut text = serde_json::to_string_pretty(&raw).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The origin the proof is for.
    pub fn origin(&self) -> &str {
        match self {
            ProofFile::Inclusion(p) => &p.origin,
            ProofFile::Consistency(p) => &p.origin,
        }
    }

    /// The (size, root) pairs the proof vouches for, which a checkpoint may pin.
    pub fn roots(&self) -> Vec<(u64, Hash)> {
        match self {
            ProofFile::Inclusion(p) => vec![(p.tree_size, p.root)],
            ProofFile::Consistency(p) => vec![(p.size1, p.root1), (p.size2, p.root2)],
        }
    }
}

impl InclusionProof {
    /// Checks the proof; returns the entry it proves and its id.
    pub fn verify(&self) -> Result<(Entry, Id), ProofCheckError> {
        let entry =
            codec::decode_entry(&self.entry).map_err(|e| ProofCheckError::Entry(e.to_string()))?;
        if codec::encode_entry(&entry) != self.entry {
            return Err(ProofCheckError::Entry(
                "its bytes are not the canonical encoding of the entry they decode to".to_owned(),
            ));
        }
        if entry.version != FORMAT_VERSION {
            return Err(ProofCheckError::Entry(format!(
                "format version {} is not {FORMAT_VERSION}",
                entry.version
            )));
        }
        if entry.seq.get() != self.leaf_index {
            return Err(ProofCheckError::Entry(format!(
                "it is seq {} but the proof is for leaf {}",
                entry.seq, self.leaf_index
            )));
        }
        let id = Id::of_entry(&self.entry);
        merkle::verify_inclusion(
            &Blake3,
            self.leaf_index,
            self.tree_size,
            id.as_bytes(),
            &self.proof,
            &self.root,
        )?;
        Ok((entry, id))
    }
}

impl ConsistencyProof {
    /// Checks the proof.
    pub fn verify(&self) -> Result<(), ProofCheckError> {
        merkle::verify_consistency(
            &Blake3,
            self.size1,
            self.size2,
            &self.proof,
            &self.root1,
            &self.root2,
        )?;
        Ok(())
    }
}

/// Checks that `checkpoint`, signed by `key`, vouches for one of the proof's
/// (size, root) pairs; returns that size.
pub fn check_against(
    proof: &ProofFile,
    checkpoint: &SignedCheckpoint,
    key: &VerifierKey,
) -> Result<u64, ProofCheckError> {
    checkpoint.verify(key)?;
    let cp = &checkpoint.checkpoint;
    if cp.origin != proof.origin() {
        return Err(ProofCheckError::Checkpoint(format!(
            "it is for the log `{}` but the proof is for `{}`",
            cp.origin,
            proof.origin()
        )));
    }
    let roots = proof.roots();
    let Some((size, root)) = roots.iter().find(|(size, _)| *size == cp.size) else {
        let sizes: Vec<String> = roots.iter().map(|(s, _)| s.to_string()).collect();
        return Err(ProofCheckError::Checkpoint(format!(
            "it is at size {} but the proof is about size {}",
            cp.size,
            sizes.join(" and ")
        )));
    };
    if *root != cp.root {
        return Err(ProofCheckError::Checkpoint(format!(
            "its root at size {size} is {} but the proof's is {}",
            hex(&cp.root),
            hex(root)
        )));
    }
    Ok(*size)
}
