//! `replay --check` for the table's history: the stored history, brought to
//! the head, against one worked out afresh from the table, each reduced to
//! the same normal form — every summary with its key, start, end and bytes,
//! in (key, start) order, whatever blocks, closings and merges hold it.

use std::collections::BTreeMap;

use crate::codec;
use crate::journal::Journal;
use crate::projection::engine::ProjectionError;
use crate::projection::StateDigest;

use super::super::stored::{self, Trouble};
use super::{all_versions, cover, files};

/// Each summary by (key, start): its end and its bytes.
type Normal = BTreeMap<(String, u64), (u64, Vec<u8>)>;

/// What [`check`] compared.
#[derive(Debug)]
pub struct Checked {
    /// The stored history's digest, in normal form.
    pub stored: StateDigest,
    /// The digest of one worked out afresh from the table.
    pub fresh: StateDigest,
    /// What bringing the stored history to the head found (a refusal).
    pub notes: Vec<String>,
}

/// The stored history, brought to the head first, against one worked out
/// afresh from the table at the head, in normal form; `None` when no history
/// is stored.
pub fn check(journal: &Journal) -> Result<Option<Checked>, ProjectionError> {
    if !stored::manifest_exists(journal, files::MANIFEST)? {
        return Ok(None);
    }
    let head = journal.head().size;
    let (manifest, notes) = cover(journal, head)?;
    let stored = stored_normal(journal, &manifest)?;
    let table = super::super::catch_up(journal)?.manifest;
    let mut fresh = Normal::new();
    for dated in all_versions(journal, &table)?.dated {
        let filed = dated.summary.filed();
        fresh.insert(
            (filed.key.to_owned(), dated.from),
            (dated.to, codec::encode_state(&filed)),
        );
    }
    Ok(Some(Checked {
        stored: digest(&stored),
        fresh: digest(&fresh),
        notes,
    }))
}

/// The stored history in normal form: each block's summaries, each ended by
/// any later block's closing.
fn stored_normal(journal: &Journal, manifest: &files::Manifest) -> Result<Normal, Trouble> {
    let mut normal = Normal::new();
    for n in 0..manifest.blocks.len() {
        let bytes = files::read_block(journal, manifest, n)?;
        let block = files::decode_block(&bytes)?;
        for closing in &block.closings {
            if let Some((to, _)) = normal.get_mut(&(closing.key.to_owned(), closing.from)) {
                *to = closing.to;
            }
        }
        for dated in &block.dated {
            let key = dated.filed()?.key.to_owned();
            normal.insert((key, dated.from), (dated.to, dated.filed.to_vec()));
        }
    }
    Ok(normal)
}

/// BLAKE3 of the normal form's canonical encoding.
fn digest(normal: &Normal) -> StateDigest {
    let items: Vec<(&str, u64, u64, &[u8])> = normal
        .iter()
        .map(|((key, from), (to, bytes))| (key.as_str(), *from, *to, bytes.as_slice()))
        .collect();
    StateDigest::of(&codec::encode_state(&items))
}
