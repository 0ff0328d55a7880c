//! The materialised table's history: every summary each combined incident
//! has had, with the log sizes between which it held, so that `tallies` as
//! of any seq counts the summaries that held then instead of folding the log
//! up to the cut and resolving the whole picture (docs/projections.md, "The
//! table's history").
//!
//! The history is derived data like the table it is worked out from: built
//! whole the first time an as-of count needs it, extended by a block when the
//! ledger has grown since (its newer blocks merged into one when there are too
//! many), rebuilt when it does not match the log or its own digests.

mod check;
mod files;
mod versions;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::fast_hash::HashSet;
use crate::journal::Journal;
use crate::parallel;
use crate::projection::engine::ProjectionError;
use crate::projection::table::Table;
use crate::projection::views::tallies::Details;
use crate::projection::views::Params;
use crate::projection::StateDigest;
use crate::Seq;

use super::stored::{self, bucket_of, FactsFile, FiledFact, Trouble};
pub use check::{check, Checked};
use files::{Block, Manifest};
use versions::{Closing, Dated, Versions};

/// How many log sizes a block of a whole build spans, at least.
const BLOCK_SPAN: u64 = 1 << 16;
/// The most blocks a history keeps; one more and the blocks from
/// [`MERGED_FROM`] on are merged into one.
const MAX_BLOCKS: usize = 64;
/// The first block a merge takes in: the newer half.
const MERGED_FROM: usize = MAX_BLOCKS / 2;

/// The `tallies` view as the ledger stood when it held `size` entries,
/// counted from the summaries that held then, with or without the rows'
/// details. At the head this is [`super::tallies`].
pub fn tallies_at(
    journal: &Journal,
    size: u64,
    params: &Params,
    details: Details,
) -> Result<(Table, Vec<String>), ProjectionError> {
    if size >= journal.head().size {
        return super::tallies(journal, params, details);
    }
    let (manifest, mut notes) = cover(journal, size)?;
    match count_at(journal, &manifest, size, params, details) {
        Ok(table) => Ok((table, notes)),
        Err(Trouble::Read(e)) => Err(e.into()),
        Err(Trouble::Refused(reason)) => {
            let (manifest, rebuilt) = rebuild(journal, Some(reason))?;
            notes.extend(rebuilt);
            Ok((count_at(journal, &manifest, size, params, details)?, notes))
        }
    }
}

/// `tallies` counted from the summaries `manifest`'s blocks say held at
/// `size`.
fn count_at(
    journal: &Journal,
    manifest: &Manifest,
    size: u64,
    params: &Params,
    details: Details,
) -> Result<Table, Trouble> {
    let blocks = read_blocks(journal, manifest, size)?;
    let borrowed: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
    let decoded = parallel::map(&borrowed, 2, |bytes| files::decode_block(bytes))
        .into_iter()
        .collect::<Result<Vec<Block<'_>>, Trouble>>()?;
    // Summaries from earlier blocks that later blocks say had ended by then.
    let closed: HashSet<(&str, u64)> = decoded
        .iter()
        .flat_map(|block| &block.closings)
        .filter(|c| c.to <= size)
        .map(|c| (c.key, c.from))
        .collect();
    let counting = super::count(&decoded, params, |block| {
        let mut held = Vec::new();
        for dated in block.dated.iter().filter(|d| d.from <= size && size < d.to) {
            let filed = dated.filed()?;
            if closed.is_empty() || !closed.contains(&(filed.key, dated.from)) {
                held.push(filed);
            }
        }
        Ok(held)
    })?;
    Ok(counting.table(params, details))
}

/// The history, covering at least `size` entries, and what the user should
/// know about how it was brought there.
fn cover(journal: &Journal, size: u64) -> Result<(Manifest, Vec<String>), ProjectionError> {
    let head = journal.head();
    let found = match usable(journal) {
        Ok(manifest) if size <= manifest.size => return Ok((manifest, Vec::new())),
        found => found,
    };
    let settled = stored::settle(
        journal,
        found,
        |manifest| head.size - manifest.size,
        super::UPDATE_LIMIT,
        |manifest| extend(journal, manifest),
        files::MANIFEST,
    )?;
    let reason = match settled {
        stored::Settled::Current(next) => return Ok((next, Vec::new())),
        stored::Settled::Rebuild(reason) => reason,
    };
    rebuild(journal, reason)
}

/// The stored history, if it reads and stands on this log.
fn usable(journal: &Journal) -> Result<Manifest, Trouble> {
    let manifest = files::manifest(journal)?;
    super::stands_on(journal, manifest.size, manifest.last())?;
    Ok(manifest)
}

/// Every block that can hold a summary in force at `size`.
fn read_blocks(journal: &Journal, manifest: &Manifest, size: u64) -> Result<Vec<Vec<u8>>, Trouble> {
    (0..manifest.blocks.len())
        .filter(|&n| manifest.blocks[n].0 <= size)
        .map(|n| files::read_block(journal, manifest, n))
        .collect()
}

/// Builds the whole history from the table at the head and stores it.
fn rebuild(
    journal: &Journal,
    refused: Option<String>,
) -> Result<(Manifest, Vec<String>), ProjectionError> {
    let caught = super::catch_up(journal)?;
    let mut notes = caught.notes;
    notes.extend(
        refused.map(|reason| {
            format!("the materialised table's history refused: {reason}; rebuilt it")
        }),
    );
    let table = caught.manifest;
    let all = all_versions(journal, &table)?;
    let mut manifest = Manifest::new(table.size, table.last);
    // At most half the blocks a history keeps, so that merges take in only
    // blocks that appends added.
    let span = BLOCK_SPAN.max(table.size / MERGED_FROM as u64 + 1);
    let count = (table.size / span) as usize + 1;
    let mut spans: Vec<Vec<&Dated>> = vec![Vec::new(); count];
    for dated in &all.dated {
        spans[(dated.from / span) as usize].push(dated);
    }
    let blocks: Vec<Vec<u8>> = parallel::map(&spans, 2, |dated| files::encode_block(dated, &[]));
    manifest.blocks = (0..)
        .map(|n| n * span)
        .zip(blocks.iter().map(|b| StateDigest::of(b).0))
        .collect();
    files::write(journal, 0, blocks, &manifest)?;
    Ok((manifest, notes))
}

/// Every summary change of the whole log, worked out from the facts files of
/// `table`.
fn all_versions(journal: &Journal, table: &stored::Manifest) -> Result<Versions, Trouble> {
    let bytes = (0..table.buckets)
        .map(|b| stored::read_facts(journal, table, b))
        .collect::<Result<Vec<_>, Trouble>>()?;
    let borrowed: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let decoded = parallel::map(&borrowed, 2, |file| stored::decode_facts(file))
        .into_iter()
        .collect::<Result<Vec<_>, Trouble>>()?;
    versions::versions(&each_once(&decoded, |_| true), 0)
}

/// The facts of `files` that `wanted` keeps, each once: a fact bearing on
/// keys in several buckets is kept in each.
fn each_once<'a>(
    files: &[FactsFile<'a>],
    wanted: impl Fn(&FiledFact<'a>) -> bool,
) -> Vec<FiledFact<'a>> {
    let mut seen: HashSet<&str> = HashSet::default();
    files
        .iter()
        .flat_map(|file| &file.facts)
        .filter(|fact| wanted(fact) && seen.insert(fact.key))
        .cloned()
        .collect()
}

/// Adds a block for the entries appended since `manifest` was stored: the
/// summaries of every incident they reach, worked out again from the table
/// at the head, from the first new entry on.
fn extend(journal: &Journal, manifest: Manifest) -> Result<Manifest, Trouble> {
    let table = super::catch_up(journal)
        .map_err(|e| Trouble::Refused(format!("the table could not be brought up: {e}")))?
        .manifest;
    let mut entries = Vec::new();
    journal.entries(
        Seq::new(manifest.size),
        Seq::new(table.size),
        &mut |entry| {
            entries.push(entry);
            true
        },
    )?;
    let dirty: BTreeSet<String> = super::update::new_facts(journal, entries)?
        .iter()
        .flat_map(|fact| fact.touch().keys.iter().cloned())
        .collect();
    let (loaded, reached) = reach(journal, &table, dirty)?;
    let decoded = loaded
        .values()
        .map(|bytes| stored::decode_facts(bytes))
        .collect::<Result<Vec<_>, Trouble>>()?;
    let facts = each_once(&decoded, |fact| {
        fact.keys.iter().any(|k| reached.contains(*k))
    });
    let since = manifest.size + 1;
    let Versions { dated, closings } = versions::versions(&facts, since)?;
    let mut next = Manifest::new(table.size, table.last);
    next.blocks = manifest.blocks.clone();
    if dated.is_empty() && closings.is_empty() {
        // No summary changed (the new entries bear on no incident, or leave
        // every summary as it was): the history only moves on.
        files::write(journal, 0, Vec::new(), &next)?;
        return Ok(next);
    }
    let block = files::encode_block(
        &dated.iter().collect::<Vec<_>>(),
        &closings.iter().collect::<Vec<&Closing>>(),
    );
    next.blocks.push((since, StateDigest::of(&block).0));
    if next.blocks.len() <= MAX_BLOCKS {
        files::write(journal, manifest.blocks.len(), vec![block], &next)?;
        return Ok(next);
    }
    // Too many blocks: the newer half (this one too) become one.
    let mut newer = (MERGED_FROM..manifest.blocks.len())
        .map(|n| files::read_block(journal, &manifest, n))
        .collect::<Result<Vec<_>, Trouble>>()?;
    newer.push(block);
    let borrowed: Vec<&[u8]> = newer.iter().map(Vec::as_slice).collect();
    let merged = files::merge_blocks(&borrowed)?;
    next.blocks.truncate(MERGED_FROM + 1);
    next.blocks[MERGED_FROM].1 = StateDigest::of(&merged).0;
    files::write(journal, MERGED_FROM, vec![merged], &next)?;
    Ok(next)
}

/// Facts files read, by bucket.
type Loaded = BTreeMap<u32, Vec<u8>>;

/// The keys linked to `dirty` through linking facts, any number of steps
/// away, and the facts files of their buckets (which hold every fact bearing
/// on them).
fn reach(
    journal: &Journal,
    table: &stored::Manifest,
    dirty: BTreeSet<String>,
) -> Result<(Loaded, BTreeSet<String>), Trouble> {
    let mut loaded = Loaded::new();
    let mut reached = dirty.clone();
    let mut frontier: Vec<String> = dirty.into_iter().collect();
    while let Some(key) = frontier.pop() {
        let b = bucket_of(&key, table.buckets);
        let bytes = match loaded.entry(b) {
            std::collections::btree_map::Entry::Occupied(kept) => kept.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(stored::read_facts(journal, table, b)?)
            }
        };
        let file = stored::decode_facts(bytes)?;
        for fact in file.facts.iter().filter(|f| f.links && f.bears_on(&key)) {
            for joined in &fact.keys {
                if reached.insert((*joined).to_owned()) {
                    frontier.push((*joined).to_owned());
                }
            }
        }
    }
    Ok((loaded, reached))
}
