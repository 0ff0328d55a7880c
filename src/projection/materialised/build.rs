//! Building the materialised incident table whole, from a resolved picture:
//! what every fact bears on (in log order, so a revision finds its target's
//! answer already worked out), the facts and aliases cut into buckets, and the
//! summary of every combined incident.

use std::convert::Infallible;

use crate::journal::{Journal, ReadError};
use crate::parallel;
use crate::projection::engine::Cursor;
use crate::projection::picture::Recorded;
use crate::projection::resolve::Resolved;
use crate::projection::StateDigest;
use crate::text::Text;

use super::stored::{self, bucket_of, Manifest, ToFile, MAX_BUCKETS};
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
    let kept = kept_facts(resolved);
    let buckets = buckets.unwrap_or_else(|| bucket_count(kept.len()));
    let facts_bytes = facts_files(resolved, &kept, buckets);
    let summaries_bytes = summaries_files(resolved, buckets);
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

/// The facts that bear on an incident, in log order, each with what it bears
/// on (its keys borrowed from the picture).
type Kept<'p> = Vec<(&'p str, &'p Recorded, Touch<&'p str>)>;

/// The facts that bear on an incident, in log order, and what each bears on.
/// A revision's target is found by key in the picture and its answer by the
/// target's seq, so the million facts of a large picture go into no map of
/// their own.
fn kept_facts<'p>(resolved: &Resolved<'p>) -> Kept<'p> {
    let picture = resolved.picture();
    let mut in_log_order: Vec<(&Text, &Recorded)> = picture.facts.iter().collect();
    in_log_order.sort_unstable_by_key(|(_, r)| r.seq);
    // Where the fact at each seq is in `kept` (past its end: not kept).
    let seqs = in_log_order
        .last()
        .map_or(0, |(_, r)| r.seq.get() as usize + 1);
    let mut kept_at = vec![usize::MAX; seqs];
    let mut kept: Kept<'p> = Vec::new();
    for (key, recorded) in in_log_order {
        let lookup = &mut |target: &str| {
            let at = picture
                .facts
                .get(target)
                .map_or(usize::MAX, |t| kept_at[t.seq.get() as usize]);
            Ok::<_, Infallible>(match kept.get(at) {
                Some((_, _, touch)) => touch.clone(),
                None => Touch::default(),
            })
        };
        let touch = match touch::touched(&recorded.body, lookup) {
            Ok(touch) => touch,
            Err(never) => match never {},
        };
        if !touch.keys.is_empty() {
            kept_at[recorded.seq.get() as usize] = kept.len();
            kept.push((key, recorded, touch));
        }
    }
    kept
}

/// The bytes of every bucket's facts file: each encoded whole on one core,
/// its facts' bytes written straight into it.
fn facts_files(resolved: &Resolved<'_>, kept: &Kept<'_>, buckets: u32) -> Vec<Vec<u8>> {
    // Which kept facts each bucket files (by their place in `kept`, so in log
    // order), and every incident key the facts name.
    let mut filed_in: Vec<Vec<usize>> = vec![Vec::new(); buckets as usize];
    let mut incident_keys: Vec<&str> = Vec::new();
    for (at, (_, _, touch)) in kept.iter().enumerate() {
        for b in stored::homes(touch, buckets) {
            filed_in[b as usize].push(at);
        }
        incident_keys.extend(touch.keys.iter().copied());
    }
    incident_keys.sort_unstable();
    incident_keys.dedup();
    let mut aliases: Vec<Vec<(&str, &str)>> = vec![Vec::new(); buckets as usize];
    for key in incident_keys {
        aliases[bucket_of(key, buckets) as usize].push((key, resolved.incident_key(key)));
    }
    let bucket_numbers: Vec<usize> = (0..buckets as usize).collect();
    parallel::map(&bucket_numbers, 2, |&b| {
        let facts = filed_in[b].iter().map(|&at| {
            let (key, recorded, touch) = &kept[at];
            (*key, touch, *recorded)
        });
        stored::encode_facts_file(facts, &aliases[b])
    })
}

/// The bytes of every summaries file, each made on one core from the
/// incidents filed in it.
fn summaries_files(resolved: &Resolved<'_>, buckets: u32) -> Vec<Vec<u8>> {
    let combined = resolved.combined();
    let mut summarised_in: Vec<Vec<usize>> =
        vec![Vec::new(); stored::summary_files(buckets) as usize];
    for (at, incident) in combined.iter().enumerate() {
        summarised_in[stored::summary_file_of(incident.key, buckets) as usize].push(at);
    }
    parallel::map(&summarised_in, 2, |ats| {
        let to_file: Vec<ToFile> = ats
            .iter()
            .map(|&at| ToFile::of(&Summary::of(&combined[at])))
            .collect();
        stored::encode_summaries(to_file.iter().map(ToFile::filed).collect())
    })
}
