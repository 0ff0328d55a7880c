//! Building the materialised incident table whole, from a resolved picture:
//! what every fact bears on (in log order, so a revision finds its target's
//! answer already worked out), the facts and aliases cut into buckets, and the
//! summary of every combined incident.

use std::collections::BTreeSet;
use std::convert::Infallible;

use crate::codec;
use crate::fast_hash::{self, HashMap};
use crate::journal::{Journal, ReadError};
use crate::parallel;
use crate::projection::engine::Cursor;
use crate::projection::picture::Recorded;
use crate::projection::resolve::Resolved;
use crate::projection::StateDigest;

use super::stored::{self, bucket_of, FactsFile, FiledFact, Manifest, ToFile, MAX_BUCKETS};
use super::summary::Summary;
use super::touch::{self, Touch};

/// About this many facts per bucket: a bucket is what one update reads and
/// rewrites, so its size, not the ledger's, sets an update's cost.
const FACTS_PER_BUCKET: usize = 1024;
/// The fewest buckets a table has.
const MIN_BUCKETS: u32 = 16;

/// How many buckets a table of `facts` kept facts gets.
pub fn bucket_count(facts: usize) -> u32 {
    let wanted = (facts / FACTS_PER_BUCKET).next_power_of_two();
    u32::try_from(wanted)
        .unwrap_or(MAX_BUCKETS)
        .clamp(MIN_BUCKETS, MAX_BUCKETS)
}

/// Builds the table of `resolved` (the picture at `cursor`) and stores it.
pub fn build(
    journal: &Journal,
    resolved: &Resolved<'_>,
    cursor: Cursor,
) -> Result<Manifest, ReadError> {
    build_with(journal, resolved, cursor, None)
}

/// [`build`], with this many buckets (a power of two) instead of as many as
/// the facts call for: a test compares an updated table with a fresh one.
pub fn build_with(
    journal: &Journal,
    resolved: &Resolved<'_>,
    cursor: Cursor,
    buckets: Option<u32>,
) -> Result<Manifest, ReadError> {
    let picture = resolved.picture();
    let mut in_log_order: Vec<(&String, &Recorded)> = picture.facts.iter().collect();
    in_log_order.sort_unstable_by_key(|(_, r)| r.seq);
    // What each fact bears on, its keys borrowed from the picture.
    let mut touches: HashMap<&str, Touch<&str>> = fast_hash::map_with_capacity(picture.facts.len());
    let mut kept: Vec<(&str, &Recorded)> = Vec::new();
    for (key, recorded) in in_log_order {
        let lookup = &mut |target: &str| {
            Ok::<_, Infallible>(touches.get(target).cloned().unwrap_or_default())
        };
        let touch = match touch::touched(&recorded.body, lookup) {
            Ok(touch) => touch,
            Err(never) => match never {},
        };
        if !touch.keys.is_empty() {
            touches.insert(key, touch);
            kept.push((key, recorded));
        }
    }
    let buckets = buckets.unwrap_or_else(|| bucket_count(kept.len()));
    // Each fact's bytes are encoded once (on every core), however many
    // buckets keep it.
    let recorded: Vec<Vec<u8>> = parallel::map(&kept, 1024, |(_, r)| codec::encode_state(*r));
    let mut facts: Vec<FactsFile<'_>> = (0..buckets).map(|_| FactsFile::default()).collect();
    let mut incident_keys: BTreeSet<&str> = BTreeSet::new();
    for ((key, _), bytes) in kept.iter().zip(&recorded) {
        let touch = &touches[key];
        let filed = FiledFact {
            key,
            keys: touch.keys.clone(),
            links: touch.links,
            recorded: bytes,
        };
        let mut homes: Vec<u32> = touch.keys.iter().map(|k| bucket_of(k, buckets)).collect();
        homes.sort_unstable();
        homes.dedup();
        for b in homes {
            facts[b as usize].facts.push(filed.clone());
        }
        incident_keys.extend(touch.keys.iter().copied());
    }
    for key in incident_keys {
        facts[bucket_of(key, buckets) as usize]
            .aliases
            .push((key, resolved.incident_key(key)));
    }
    let mut summaries: Vec<Vec<ToFile>> = (0..stored::summary_files(buckets))
        .map(|_| Vec::new())
        .collect();
    for incident in resolved.combined() {
        summaries[stored::summary_file_of(&incident.key, buckets) as usize]
            .push(ToFile::of(&Summary::of(incident)));
    }
    let facts_bytes = parallel::map(&facts, 2, codec::encode_state);
    let summaries_bytes = parallel::map(&summaries, 2, |file| {
        stored::encode_summaries(file.iter().map(ToFile::filed).collect())
    });
    let manifest = Manifest {
        size: cursor.size,
        last: cursor.last,
        buckets,
        facts: facts_bytes.iter().map(|b| StateDigest::of(b)).collect(),
        summaries: summaries_bytes.iter().map(|b| StateDigest::of(b)).collect(),
    };
    let files = (0..buckets)
        .map(stored::facts_name)
        .zip(facts_bytes)
        .chain(
            (0..stored::summary_files(buckets))
                .map(stored::summaries_name)
                .zip(summaries_bytes),
        )
        .collect();
    stored::write(journal, files, &manifest)?;
    Ok(manifest)
}
