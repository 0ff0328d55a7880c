//! Updating the materialised incident table with the entries appended since
//! it was stored, reading and rewriting only the buckets they reach.
//!
//! The new facts that bear on incidents name the incident keys that may have
//! changed. From those keys the update gathers every kept fact bearing on
//! them, following linking facts (merges, report-moving corrections) to the
//! keys they join, until nothing new is reached; those facts alone make a
//! small picture that is resolved and combined with the same code as the whole
//! ledger, so each incident it holds comes out exactly as a rebuild would make
//! it. The old summaries of those keys' incidents are replaced by the new ones.

use std::collections::{BTreeMap, BTreeSet};

use crate::entry::{Entry, Seq};
use crate::fast_hash::{HashMap, HashSet};
use crate::journal::{Journal, ReadError};
use crate::projection::picture::{Picture, Recorded};
use crate::projection::resolve::Resolved;
use crate::projection::StateDigest;
use crate::text::Text;

use super::stored::{self, bucket_of, FactToFile, FiledFact, Manifest, ToFile, Trouble};
use super::summary::Summary;
use super::touch::{self, Touch};

/// Folds the entries from `manifest.size` to the head of `journal` into the
/// stored table and returns the new manifest (already stored).
pub fn update(journal: &Journal, manifest: &Manifest) -> Result<Manifest, Trouble> {
    let head = journal.head();
    if head.size == manifest.size {
        return Ok(manifest.clone());
    }
    let mut entries = Vec::new();
    journal.entries(Seq::new(manifest.size), Seq::new(head.size), &mut |entry| {
        entries.push(entry);
        true
    })?;
    let fresh = new_facts(journal, entries)?;
    let mut next = Manifest {
        size: head.size,
        last: head.last_id,
        ..manifest.clone()
    };
    let mut table = Loaded::new(journal, manifest);
    let mut dirty: BTreeSet<String> = BTreeSet::new();
    for fact in fresh {
        dirty.extend(fact.touch().keys.iter().cloned());
        for b in stored::homes(fact.touch(), manifest.buckets) {
            table.added_facts.entry(b).or_default().push(fact.clone());
            table.changed_facts.insert(b);
        }
    }
    if !dirty.is_empty() {
        recompute(&mut table, dirty)?;
    }
    let files = table.encode(&mut next)?;
    stored::write(journal, files, &next)?;
    Ok(next)
}

/// The new facts that bear on incidents, each with what it bears on.
pub(super) fn new_facts(
    journal: &Journal,
    entries: Vec<Entry>,
) -> Result<Vec<FactToFile>, ReadError> {
    let mut fresh: HashMap<String, Touch> = HashMap::default();
    let mut kept = Vec::new();
    for entry in entries {
        let touch = touch::touched(&entry.fact.body, &mut |target| {
            touch_of(journal, &fresh, target)
        })?;
        if touch.keys.is_empty() {
            continue;
        }
        fresh.insert(entry.fact.key.to_string(), touch.clone());
        let recorded = Recorded {
            seq: entry.seq,
            recorded_at: entry.recorded_at,
            body: entry.fact.body,
        };
        kept.push(FactToFile::of(&entry.fact.key, &recorded, touch));
    }
    Ok(kept)
}

/// What the fact `key` bears on: from this update's new facts, else worked
/// out again from the fact in the log (and its own target, for a revision).
fn touch_of(
    journal: &Journal,
    fresh: &HashMap<String, Touch>,
    key: &str,
) -> Result<Touch, ReadError> {
    if let Some(touch) = fresh.get(key) {
        return Ok(touch.clone());
    }
    match journal.find_key(key)? {
        None => Ok(Touch::default()),
        Some(record) => touch::touched(&record.entry.fact.body, &mut |target| {
            touch_of(journal, fresh, target)
        }),
    }
}

/// What an update has read, and what it changes.
struct Loaded<'j> {
    journal: &'j Journal,
    manifest: &'j Manifest,
    /// Facts files read, by bucket (checked against the manifest).
    read: BTreeMap<u32, Vec<u8>>,
    /// New facts, by bucket.
    added_facts: BTreeMap<u32, Vec<FactToFile>>,
    /// Aliases that change, by bucket.
    aliases: BTreeMap<u32, BTreeMap<String, String>>,
    /// Facts files to rewrite.
    changed_facts: BTreeSet<u32>,
    /// Per summaries file touched: incidents to drop, and new summaries.
    dropped: BTreeMap<u32, BTreeSet<String>>,
    added: BTreeMap<u32, Vec<ToFile>>,
}

impl<'j> Loaded<'j> {
    fn new(journal: &'j Journal, manifest: &'j Manifest) -> Loaded<'j> {
        Loaded {
            journal,
            manifest,
            read: BTreeMap::new(),
            added_facts: BTreeMap::new(),
            aliases: BTreeMap::new(),
            changed_facts: BTreeSet::new(),
            dropped: BTreeMap::new(),
            added: BTreeMap::new(),
        }
    }

    /// Reads bucket `b`'s facts file, once.
    fn load(&mut self, b: u32) -> Result<(), Trouble> {
        if !self.read.contains_key(&b) {
            let bytes = stored::read_facts(self.journal, self.manifest, b)?;
            self.read.insert(b, bytes);
        }
        Ok(())
    }

    /// Bucket `b`'s facts, as read (after [`Loaded::load`]) and as added, and
    /// the key of the incident `key` (one of the bucket's) went by when read.
    fn facts(&self, b: u32, key: &str) -> Result<(Vec<FiledFact<'_>>, Option<String>), Trouble> {
        let (mut facts, alias) = match self.read.get(&b) {
            Some(bytes) => {
                let file = stored::decode_facts(bytes)?;
                let alias = file.alias(key).map(str::to_owned);
                (file.facts, alias)
            }
            None => (Vec::new(), None),
        };
        if let Some(added) = self.added_facts.get(&b) {
            facts.extend(added.iter().map(FactToFile::filed));
        }
        Ok((facts, alias))
    }

    /// The changed files, encoded, with their digests put in `next`.
    fn encode(mut self, next: &mut Manifest) -> Result<Vec<(String, Vec<u8>)>, Trouble> {
        let mut files = Vec::new();
        for b in std::mem::take(&mut self.changed_facts) {
            self.load(b)?;
            let mut file = stored::decode_facts(&self.read[&b])?;
            if let Some(added) = self.added_facts.get(&b) {
                file.facts.extend(added.iter().map(FactToFile::filed));
            }
            if let Some(changes) = self.aliases.get(&b) {
                let mut aliases: BTreeMap<&str, &str> = file.aliases.iter().copied().collect();
                for (key, name) in changes {
                    aliases.insert(key, name);
                }
                file.aliases = aliases.into_iter().collect();
            }
            let bytes = crate::codec::encode_state(&file);
            next.facts[b as usize] = StateDigest::of(&bytes);
            files.push((stored::facts_name(b), bytes));
        }
        let buckets: BTreeSet<u32> = self
            .dropped
            .keys()
            .chain(self.added.keys())
            .copied()
            .collect();
        for b in buckets {
            let old = stored::read(
                self.journal,
                &stored::summaries_name(b),
                &self.manifest.summaries[b as usize],
            )?;
            let mut filed = stored::decode_filed(&old)?;
            if let Some(dropped) = self.dropped.get(&b) {
                filed.retain(|f| !dropped.contains(f.key));
            }
            let added = self.added.remove(&b).unwrap_or_default();
            filed.extend(added.iter().map(ToFile::filed));
            let bytes = stored::encode_summaries(filed);
            next.summaries[b as usize] = StateDigest::of(&bytes);
            files.push((stored::summaries_name(b), bytes));
        }
        Ok(files)
    }
}

/// Recomputes the incidents of every key reachable from `dirty` through
/// linking facts, from the facts bearing on them alone.
fn recompute(table: &mut Loaded<'_>, dirty: BTreeSet<String>) -> Result<(), Trouble> {
    let buckets = table.manifest.buckets;
    let mut reached: BTreeSet<String> = dirty.clone();
    let mut frontier: Vec<String> = dirty.into_iter().collect();
    let mut seen: HashSet<String> = HashSet::default();
    let mut chosen: BTreeMap<Seq, (Text, Recorded)> = BTreeMap::new();
    // The key of the incident each reached key went by before this update,
    // read from its bucket while the bucket is open.
    let mut before: BTreeMap<String, Option<String>> = BTreeMap::new();
    while let Some(key) = frontier.pop() {
        let b = bucket_of(&key, buckets);
        table.load(b)?;
        let (facts, alias) = table.facts(b, &key)?;
        before.insert(key.clone(), alias);
        for fact in facts {
            if !fact.bears_on(&key) || seen.contains(fact.key) {
                continue;
            }
            seen.insert(fact.key.to_owned());
            if fact.links {
                for joined in &fact.keys {
                    if reached.insert((*joined).to_owned()) {
                        frontier.push((*joined).to_owned());
                    }
                }
            }
            let recorded = fact.recorded()?;
            chosen.insert(recorded.seq, (Text::from(fact.key), recorded));
        }
    }
    let mut picture = Picture::default();
    for (_, (key, recorded)) in chosen {
        picture.insert(key, recorded);
    }
    let resolved = Resolved::new(&picture);
    // The incidents these keys went by are dropped; those they go by now are
    // stored anew, and each key's alias is brought up to date.
    for (key, before) in before {
        let b = bucket_of(&key, buckets);
        let now = resolved.incident_key(&key).to_owned();
        if before.as_ref() != Some(&now) {
            table.aliases.entry(b).or_default().insert(key, now.clone());
            table.changed_facts.insert(b);
        }
        for name in before.into_iter().chain([now]) {
            table
                .dropped
                .entry(stored::summary_file_of(&name, buckets))
                .or_default()
                .insert(name);
        }
    }
    for incident in resolved.combined() {
        table
            .added
            .entry(stored::summary_file_of(incident.key, buckets))
            .or_default()
            .push(ToFile::of(&Summary::of(incident)));
    }
    Ok(())
}
