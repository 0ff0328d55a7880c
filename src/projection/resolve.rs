//! `Resolved`: the semantics of revisions, applied to a [`Picture`].
//!
//! * A retraction takes its target out of every view (it stays in `history` and
//!   `revisions`). Retractions themselves cannot be retracted (the journal refuses).
//! * The latest live correction of a fact, in log order, is the version in force;
//!   a retracted correction no longer counts, so the one before it wins again.
//! * A live denial marks its target; the target is never dropped for it.
//! * Live merges join incident keys (transitively); the group is named after the
//!   `surviving` key of its latest merge, and every old key resolves to it.
//!
//! Everything is recomputed from the picture in one pass, so the answer never
//! depends on the order in which the views ask.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::fast_hash::{self, HashMap};
use crate::parallel;
use crate::text::Text;

use super::picture::{Picture, Recorded};
use super::views::incidents::{combine, Combined};
use crate::entry::Seq;
use crate::fact::{Claim, Count, Denial, FactBody, Incident, Source, Statement};
use crate::time::{Date, Timestamp};

/// A fact that is in force: not retracted, with the version that applies.
#[derive(Clone, Debug)]
pub struct Live<'p> {
    /// Its key.
    pub key: &'p str,
    /// Where the original is in the log.
    pub seq: Seq,
    /// When the original was recorded.
    pub recorded_at: Timestamp,
    /// The version in force (the latest live correction's replacement, or the
    /// original).
    pub body: &'p FactBody,
    /// Keys of the live corrections, in log order.
    pub corrections: Rare<'p>,
    /// Keys of the live denials naming it, in log order.
    pub denials: Rare<'p>,
}

/// Keys that most facts have none of (the corrections and denials of a
/// fact in force): 8 bytes until there is one, where a `Vec` takes 24. A
/// million facts in force at 1M keep two of them each.
///
/// A boxed `Vec`, not a boxed slice, for the thin pointer: `Option<Box<[_]>>`
/// would take 16 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(clippy::box_collection)]
pub struct Rare<'p>(Option<Box<Vec<&'p str>>>);

impl<'p> Rare<'p> {
    /// Adds a key at the end.
    pub fn push(&mut self, key: &'p str) {
        self.0.get_or_insert_with(Box::default).push(key);
    }
}

impl<'p> std::ops::Deref for Rare<'p> {
    type Target = [&'p str];

    fn deref(&self) -> &[&'p str] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// One incident: every live report under any of its merged keys.
#[derive(Clone, Debug)]
pub struct Group<'p> {
    /// The key the incident goes by (the survivor of its latest merge).
    pub key: &'p str,
    /// Every incident key merged into it, including `key`, sorted.
    pub aliases: Vec<&'p str>,
    /// Keys of its live incident reports, in log order.
    pub reports: Vec<&'p str>,
    /// Keys of the live claims naming any of its keys, in log order.
    pub claims: Vec<&'p str>,
    /// Keys of the live merges that formed it, in log order.
    pub merges: Vec<&'p str>,
}

/// When a source was published, as far as the ledger can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    /// No earlier than this: its stated date, or else the latest event it
    /// reports (a document cannot report what had not yet happened).
    pub not_before: Option<Date>,
    /// No later than this: its stated date, or else the day the ledger recorded
    /// it (the document existed by then).
    pub not_after: Date,
    /// Whether the source states its publication date.
    pub stated: bool,
}

/// Whether a source was published by a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedBy {
    /// Certainly.
    Yes,
    /// Certainly not.
    No,
    /// The ledger cannot tell.
    Unknown,
}

impl Publication {
    /// Whether the source was published by `day`.
    pub fn by(self, day: Date) -> PublishedBy {
        if self.not_after <= day {
            PublishedBy::Yes
        } else if self.not_before.is_some_and(|d| d > day) {
            PublishedBy::No
        } else {
            PublishedBy::Unknown
        }
    }
}

/// How many facts it takes to resolve on two threads: the walk over the
/// picture's facts in two halves, and (counting live facts) the groups
/// beside the index. The table's history resolves many small pictures: with
/// a thread for every one, the first as-of query on a 100k ledger took
/// 2.55–2.88 s, against 1.0 s on one thread.
const SIDE_BY_SIDE_LIVE: usize = 16_384;

/// The picture with every revision applied.
pub struct Resolved<'p> {
    picture: &'p Picture,
    /// The facts in force, in log order: the views that list facts of one
    /// kind walk it front to back, with no sort and no random access.
    live: Vec<Live<'p>>,
    /// Where each key is in `live`: looked up for every report of every
    /// incident.
    live_at: HashMap<&'p str, u32>,
    retracted_by: HashMap<&'p str, &'p str>,
    /// Merged incident key → the key its group goes by: looked up for every
    /// report of every incident, so hashed (a B-tree of keys that share
    /// long prefixes compared bytes at every level).
    alias_of: HashMap<&'p str, &'p str>,
    /// By key (the name each incident goes by), in key order.
    groups: Vec<Group<'p>>,
    /// Per source, the latest day its live facts say something began: built
    /// on first use, in one pass, for [`Resolved::publication`].
    latest_event: std::sync::OnceLock<HashMap<&'p str, Date>>,
    /// Every incident with its sources combined: built on first use and shared
    /// by every view that counts incidents.
    combined: std::sync::OnceLock<Vec<Combined<'p>>>,
}

impl<'p> Resolved<'p> {
    /// Applies every revision in `picture`.
    pub fn new(picture: &'p Picture) -> Resolved<'p> {
        let retracted_by = retractions(picture, SIDE_BY_SIDE_REVISED);
        let mut live = live_of(picture, &retracted_by, SIDE_BY_SIDE_LIVE);
        let (alias_of, merges_by_root) = merge_groups(picture, &retracted_by);
        // The incident groups and the index by key are two passes over the
        // live facts that need nothing of each other: one on each core, when
        // there are enough facts to pay for the thread (the table's history
        // resolves many small pictures, one per linked component).
        let groups = || build_groups(&live, &alias_of, merges_by_root);
        let index = || {
            let mut live_at: HashMap<&'p str, u32> = fast_hash::map_with_capacity(live.len());
            for (at, l) in (0u32..).zip(&live) {
                live_at.insert(l.key, at);
            }
            live_at
        };
        let (groups, live_at) = if live.len() >= SIDE_BY_SIDE_LIVE {
            parallel::join(groups, index)
        } else {
            (groups(), index())
        };
        // Denials in force, in log order, by the target their version in
        // force names.
        let denials: Vec<(&'p str, &'p str)> = live
            .iter()
            .filter_map(|l| match l.body {
                FactBody::Denial(d) => Some((d.target.as_str(), l.key)),
                _ => None,
            })
            .collect();
        for (target, key) in denials {
            if let Some(&at) = live_at.get(target) {
                live[at as usize].denials.push(key);
            }
        }
        Resolved {
            picture,
            live,
            live_at,
            retracted_by,
            alias_of,
            groups,
            latest_event: std::sync::OnceLock::new(),
            combined: std::sync::OnceLock::new(),
        }
    }

    /// The picture this was resolved from.
    pub fn picture(&self) -> &'p Picture {
        self.picture
    }

    /// The fact in force under `key`, unless it is retracted or is a revision.
    pub fn live(&self, key: &str) -> Option<&Live<'p>> {
        self.live_at.get(key).map(|&at| &self.live[at as usize])
    }

    /// Every fact in force, in log order.
    pub fn all_live(&self) -> impl Iterator<Item = &Live<'p>> {
        self.live.iter()
    }

    /// The key of the retraction that withdrew `key`, if one did.
    pub fn retracted_by(&self, key: &str) -> Option<&'p str> {
        self.retracted_by.get(key).copied()
    }

    /// The fact recorded under `key`, in force or not.
    pub fn recorded(&self, key: &str) -> Option<&'p Recorded> {
        self.picture.get(key)
    }

    /// The key an incident key goes by after merges.
    pub fn incident_key<'a>(&'a self, key: &'a str) -> &'a str {
        name_after_merges(&self.alias_of, key)
    }

    /// Every incident with at least one report in force, by key.
    pub fn groups(&self) -> impl Iterator<Item = &Group<'p>> {
        self.groups.iter().filter(|g| !g.reports.is_empty())
    }

    /// Live facts of one kind, in log order, with their body in force.
    fn of_kind<T: 'p>(
        &self,
        pick: impl Fn(&'p FactBody) -> Option<&'p T>,
    ) -> Vec<(&Live<'p>, &'p T)> {
        self.live
            .iter()
            .filter_map(|l| pick(l.body).map(|t| (l, t)))
            .collect()
    }

    /// Sources in force, in log order.
    pub fn sources(&self) -> Vec<(&Live<'p>, &'p Source)> {
        self.of_kind(|b| match b {
            FactBody::Source(s) => Some(&**s),
            _ => None,
        })
    }

    /// Incident reports in force, in log order.
    pub fn incidents(&self) -> Vec<(&Live<'p>, &'p Incident)> {
        self.of_kind(|b| match b {
            FactBody::Incident(i) => Some(&**i),
            _ => None,
        })
    }

    /// Counts in force, in log order.
    pub fn counts(&self) -> Vec<(&Live<'p>, &'p Count)> {
        self.of_kind(|b| match b {
            FactBody::Count(c) => Some(&**c),
            _ => None,
        })
    }

    /// Claims in force, in log order.
    pub fn claims(&self) -> Vec<(&Live<'p>, &'p Claim)> {
        self.of_kind(|b| match b {
            FactBody::Claim(c) => Some(&**c),
            _ => None,
        })
    }

    /// Statements in force, in log order.
    pub fn statements(&self) -> Vec<(&Live<'p>, &'p Statement)> {
        self.of_kind(|b| match b {
            FactBody::Statement(s) => Some(&**s),
            _ => None,
        })
    }

    /// The denials in force that name `key`, with their bodies in force.
    pub fn denials_of(&self, key: &str) -> Vec<(&Live<'p>, &'p Denial)> {
        self.live(key)
            .map(|l| self.denials_on(l).collect())
            .unwrap_or_default()
    }

    /// The denials in force that name the fact `live`, with their bodies in
    /// force (for a caller that has looked the fact up already).
    pub fn denials_on<'r>(
        &'r self,
        live: &'r Live<'p>,
    ) -> impl Iterator<Item = (&'r Live<'p>, &'p Denial)> + 'r {
        live.denials
            .iter()
            .filter_map(|d| self.live(d))
            .filter_map(|d| match d.body {
                FactBody::Denial(denial) => Some((d, &**denial)),
                _ => None,
            })
    }

    /// When `source` was published, as far as the ledger can tell.
    pub fn publication(&self, source: &str) -> Option<Publication> {
        let recorded = self.picture.get(source)?;
        let FactBody::Source(s) = self.live(source).map_or(&recorded.body, |l| l.body) else {
            return None;
        };
        if let Some(published) = &s.published {
            return Some(Publication {
                not_before: Some(published.start),
                not_after: published.end,
                stated: true,
            });
        }
        let not_before = self.latest_events().get(source).copied();
        Some(Publication {
            not_before,
            not_after: recorded.recorded_at.date(),
            stated: false,
        })
    }

    /// Every incident with at least one live report, its sources combined, in
    /// date order (undated last): computed once, then shared.
    pub fn combined(&self) -> &[Combined<'p>] {
        self.combined.get_or_init(|| combine(self))
    }

    fn latest_events(&self) -> &HashMap<&'p str, Date> {
        self.latest_event.get_or_init(|| {
            let mut latest: HashMap<&'p str, Date> = HashMap::default();
            for l in &self.live {
                if let (Some(source), Some(start)) = (l.body.source_key(), event_start(l.body)) {
                    let day = latest.entry(source).or_insert(start);
                    *day = (*day).max(start);
                }
            }
            latest
        })
    }
}

/// The facts in force, in log order. With at least `side_by_side` facts,
/// the picture is cut in two at its middle key and each half walked on a
/// core of its own.
fn live_of<'p>(
    picture: &'p Picture,
    retracted_by: &HashMap<&'p str, &'p str>,
    side_by_side: usize,
) -> Vec<Live<'p>> {
    let walk = |keys: KeyRange<'p>, room: usize| {
        let facts = picture.facts.range::<Text, _>(keys);
        let revised = picture.revised_by.range::<Text, _>(keys);
        live_in(picture, facts, revised, retracted_by, room)
    };
    match in_halves(&picture.facts, side_by_side, walk) {
        Halves::Two(low, high) => merge_by_seq(low, high),
        Halves::One(all) => all,
    }
}

/// A range of the picture's keys, to cut its maps at the same place.
type KeyRange<'p> = (Bound<&'p Text>, Bound<&'p Text>);

/// What [`in_halves`] gave.
enum Halves<R> {
    /// The walks of the keys below the middle key and from it on.
    Two(R, R),
    /// The walk of every key.
    One(R),
}

/// Calls `walk` with a key range and how many of `map`'s keys it holds:
/// once for every key, or, when `map` has at least `side_by_side` keys,
/// for the halves below and from its middle key, one on each core. The
/// middle key is found only for a map large enough to cut: the table's
/// history resolves many small pictures.
fn in_halves<'p, V, R: Send>(
    map: &'p BTreeMap<Text, V>,
    side_by_side: usize,
    walk: impl Fn(KeyRange<'p>, usize) -> R + Sync,
) -> Halves<R> {
    let all = map.len();
    let middle = (all >= side_by_side)
        .then(|| map.keys().nth(all / 2))
        .flatten();
    let Some(middle) = middle else {
        return Halves::One(walk((Bound::Unbounded, Bound::Unbounded), all));
    };
    let half = all / 2 + 1;
    let (low, high) = parallel::join(
        || walk((Bound::Unbounded, Bound::Excluded(middle)), half),
        || walk((Bound::Included(middle), Bound::Unbounded), half),
    );
    Halves::Two(low, high)
}

/// The facts in force among `facts`, a key range of the picture's, in log
/// order; `revised` is the same key range of its revisions, and `room` how
/// many facts the range holds. Facts and their revisions are both in key
/// order: walked side by side, not looked up one by one.
fn live_in<'p>(
    picture: &'p Picture,
    facts: impl Iterator<Item = (&'p Text, &'p Recorded)>,
    revised: impl Iterator<Item = (&'p Text, &'p Vec<Text>)>,
    retracted_by: &HashMap<&'p str, &'p str>,
    room: usize,
) -> Vec<Live<'p>> {
    let is_live = |key: &str| !retracted_by.contains_key(key);
    let mut live = Vec::with_capacity(room);
    let mut revised = revised.peekable();
    for (key, recorded) in facts {
        if is_revision(&recorded.body) {
            continue;
        }
        while revised.next_if(|(target, _)| *target < key).is_some() {}
        let revisers: &'p [Text] = revised
            .next_if(|(target, _)| *target == key)
            .map_or(&[], |(_, revisers)| revisers.as_slice());
        // A retraction is among the revisers of the fact it retracts: a
        // fact with none is live without hashing its key (hashing every
        // key was 15% of this thread's samples resolving a million facts).
        if !revisers.is_empty() && !is_live(key) {
            continue;
        }
        // Each live correction is looked up once: the last one's
        // replacement is the version in force.
        let mut body = &recorded.body;
        let mut corrections = Rare::default();
        for reviser in revisers.iter().map(Text::as_str).filter(|k| is_live(k)) {
            if let Some(FactBody::Correction(c)) = body_of(picture, reviser) {
                body = c.replacement.as_ref();
                corrections.push(reviser);
            }
        }
        live.push(Live {
            key,
            seq: recorded.seq,
            recorded_at: recorded.recorded_at,
            body,
            corrections,
            denials: Rare::default(),
        });
    }
    live.sort_unstable_by_key(|l| l.seq);
    live
}

/// Two lists in log order as one.
fn merge_by_seq<'p>(low: Vec<Live<'p>>, high: Vec<Live<'p>>) -> Vec<Live<'p>> {
    let mut out = Vec::with_capacity(low.len() + high.len());
    let mut high = high.into_iter().peekable();
    for l in low {
        while let Some(h) = high.next_if(|h| h.seq < l.seq) {
            out.push(h);
        }
        out.push(l);
    }
    out.extend(high);
    out
}

/// Every incident's group: its name after merges, its aliases, and the
/// reports, claims and merges under any of its keys, in key order.
fn build_groups<'p>(
    live: &[Live<'p>],
    alias_of: &HashMap<&'p str, &'p str>,
    mut merges_by_root: BTreeMap<&'p str, Vec<&'p str>>,
) -> Vec<Group<'p>> {
    // Built in a hash map (one lookup per report; a key copied once per
    // group rather than once per report), then put in key order once.
    let mut groups: HashMap<&'p str, Group<'p>> = HashMap::default();
    // The group `name` goes by, made on first use.
    fn group_of<'g, 'p>(
        groups: &'g mut HashMap<&'p str, Group<'p>>,
        merges_by_root: &mut BTreeMap<&'p str, Vec<&'p str>>,
        name: &'p str,
    ) -> &'g mut Group<'p> {
        groups.entry(name).or_insert_with(|| Group {
            aliases: vec![name],
            merges: merges_by_root.remove(name).unwrap_or_default(),
            key: name,
            reports: Vec::new(),
            claims: Vec::new(),
        })
    }
    for (&alias, &name) in alias_of {
        let group = group_of(&mut groups, &mut merges_by_root, name);
        if !group.aliases.contains(&alias) {
            group.aliases.push(alias);
        }
    }
    for l in live {
        if let FactBody::Incident(incident) = l.body {
            group_of(
                &mut groups,
                &mut merges_by_root,
                name_after_merges(alias_of, &incident.incident),
            )
            .reports
            .push(l.key);
        }
    }
    for l in live {
        let FactBody::Claim(claim) = l.body else {
            continue;
        };
        let mut named: Vec<&str> = claim
            .incidents
            .iter()
            .map(|k| name_after_merges(alias_of, k))
            .collect();
        named.dedup();
        for name in named {
            if let Some(g) = groups.get_mut(name) {
                if !g.claims.contains(&l.key) {
                    g.claims.push(l.key);
                }
            }
        }
    }
    let mut groups: Vec<Group<'p>> = groups.into_values().collect();
    for g in &mut groups {
        g.aliases.sort();
    }
    groups.sort_unstable_by(|a, b| a.key.cmp(b.key));
    groups
}

/// The key an incident key goes by after merges, from `alias_of`.
fn name_after_merges<'a>(alias_of: &HashMap<&'a str, &'a str>, key: &'a str) -> &'a str {
    alias_of.get(key).copied().unwrap_or(key)
}

fn body_of<'p>(picture: &'p Picture, key: &str) -> Option<&'p FactBody> {
    picture.get(key).map(|r| &r.body)
}

/// Corrections, retractions and merges: the kinds that only point at others.
fn is_revision(body: &FactBody) -> bool {
    !body.kind().is_revisable()
}

/// Target → the first retraction naming it. Each reviser of each revised
/// fact is looked up in the picture, so a large picture's revised facts are
/// walked in two halves, one per core.
fn retractions(picture: &Picture, side_by_side: usize) -> HashMap<&str, &str> {
    let revised = &picture.revised_by;
    let walk = |keys: KeyRange<'_>, _| retractions_in(picture, revised.range::<Text, _>(keys));
    match in_halves(revised, side_by_side, walk) {
        Halves::Two(mut low, high) => {
            low.extend(high);
            low
        }
        Halves::One(all) => all,
    }
}

/// How many revised facts it takes to look their revisers up on two threads.
const SIDE_BY_SIDE_REVISED: usize = 4_096;

/// [`retractions`] of some of the picture's revised facts.
fn retractions_in<'p>(
    picture: &'p Picture,
    revised: impl Iterator<Item = (&'p Text, &'p Vec<Text>)>,
) -> HashMap<&'p str, &'p str> {
    let mut out = HashMap::default();
    for (target, revisers) in revised {
        let first = revisers
            .iter()
            .find(|k| matches!(body_of(picture, k), Some(FactBody::Retraction(_))));
        if let Some(key) = first {
            out.insert(target.as_str(), key.as_str());
        }
    }
    out
}

/// Joins incident keys through every live merge, in log order. Returns each
/// merged key's group name (the `surviving` key of the group's latest merge) and
/// the merges of each group.
fn merge_groups<'p>(
    picture: &'p Picture,
    retracted_by: &HashMap<&'p str, &'p str>,
) -> (HashMap<&'p str, &'p str>, BTreeMap<&'p str, Vec<&'p str>>) {
    let mut parent: BTreeMap<&'p str, &'p str> = BTreeMap::new();
    let mut name: BTreeMap<&'p str, &'p str> = BTreeMap::new();
    let mut merges: BTreeMap<&'p str, Vec<&'p str>> = BTreeMap::new();
    fn root<'p>(parent: &BTreeMap<&'p str, &'p str>, key: &'p str) -> &'p str {
        let mut at = key;
        while let Some(&up) = parent.get(at) {
            if up == at {
                break;
            }
            at = up;
        }
        at
    }
    for merge_key in &picture.merges {
        if retracted_by.contains_key(merge_key.as_str()) {
            continue;
        }
        let Some(FactBody::Merge(m)) = body_of(picture, merge_key) else {
            continue;
        };
        let Some(first) = m.incidents.first() else {
            continue;
        };
        let top = root(&parent, first);
        let mut joined = merges.remove(top).unwrap_or_default();
        for key in &m.incidents {
            let r = root(&parent, key);
            if r != top {
                joined.extend(merges.remove(r).unwrap_or_default());
                parent.insert(r, top);
                name.remove(r);
            }
            parent.entry(key.as_str()).or_insert(top);
        }
        parent.entry(top).or_insert(top);
        joined.push(merge_key.as_str());
        merges.insert(top, joined);
        name.insert(top, m.surviving.as_str());
    }
    let mut alias_of = fast_hash::map_with_capacity(parent.len());
    for &key in parent.keys() {
        if let Some(&n) = name.get(root(&parent, key)) {
            alias_of.insert(key, n);
        }
    }
    let by_name = merges
        .into_iter()
        .filter_map(|(r, ms)| name.get(r).map(|&n| (n, ms)))
        .collect();
    (alias_of, by_name)
}

/// The earliest day of the event a fact reports, if it reports one with a date.
fn event_start(body: &FactBody) -> Option<Date> {
    match body {
        FactBody::Incident(i) => Some(i.occurred.start),
        FactBody::Statement(s) => s.made.as_ref().map(|d| d.start),
        FactBody::Count(c) => c.period.to.as_ref().map(|d| d.start),
        FactBody::Source(_)
        | FactBody::Claim(_)
        | FactBody::Denial(_)
        | FactBody::Correction(_)
        | FactBody::Retraction(_)
        | FactBody::Merge(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::views::testing::synthetic_picture;

    /// The retractions, and the facts in force (in the same order with the
    /// same versions and corrections), are the same whether the picture is
    /// walked whole or in two halves side by side (on a synthetic corpus with
    /// corrections, denials and retractions).
    #[test]
    fn halves_walked_side_by_side_give_the_same_live_facts() {
        let picture = synthetic_picture(9, 3_000);
        let retracted_by = retractions(&picture, usize::MAX);
        assert!(!retracted_by.is_empty(), "the corpus retracts nothing");
        assert_eq!(retractions(&picture, 0), retracted_by);
        let whole_live = live_of(&picture, &retracted_by, usize::MAX);
        assert!(whole_live.iter().any(|l| !l.corrections.is_empty()));
        let view = |live: Vec<Live<'_>>| -> Vec<String> {
            live.iter().map(|l| format!("{l:?}")).collect()
        };
        let whole = view(whole_live);
        let halves = view(live_of(&picture, &retracted_by, 0));
        assert_eq!(whole.len(), halves.len());
        assert_eq!(whole, halves);
    }
}
