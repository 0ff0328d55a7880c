//! Working out every summary each combined incident has had: the kept facts
//! are cut into linked components (keys joined by linking facts), and each
//! component's facts are folded in log order, its incidents combined after
//! every fact, so that each change of a summary is seen at the entry that
//! made it.
//!
//! A component's facts are all the facts that bear on its keys, so each of
//! its incidents comes out after every fact exactly as the whole ledger cut
//! at that fact would make it — the same reasoning the table's update rests
//! on. Positions are log sizes: a summary that entry `s` made holds from size
//! `s + 1` until the size at which another entry replaced or dropped it.

use std::collections::BTreeMap;

use crate::codec;
use crate::entry::Seq;
use crate::fast_hash::{self, HashMap, HashSet};
use crate::parallel;
use crate::projection::picture::Picture;
use crate::projection::resolve::Resolved;

use super::super::stored::{FiledFact, ToFile, Trouble};
use super::super::summary::Summary;

/// A summary and the sizes between which it held: from `from` (the size
/// right after the entry that made it) until `to` (the size right after the
/// entry that replaced or dropped it; [`OPEN`] while it still holds).
pub struct Dated {
    /// The first size at which it holds.
    pub from: u64,
    /// The first size at which it no longer holds.
    pub to: u64,
    /// The summary.
    pub summary: ToFile,
}

/// The end of a summary that still holds at the head.
pub const OPEN: u64 = u64::MAX;

/// A summary recorded earlier, open then, that an entry since has ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Closing {
    /// The key of its incident.
    pub key: String,
    /// Where it began (which, with the key, names it).
    pub from: u64,
    /// The first size at which it no longer holds.
    pub to: u64,
}

/// What folding components yields from some size on.
#[derive(Default)]
pub struct Versions {
    /// Summaries that began at or after that size.
    pub dated: Vec<Dated>,
    /// Summaries that began before it and ended at or after it.
    pub closings: Vec<Closing>,
}

/// Every summary change that `facts` (each component's facts complete, in
/// any order, each fact once) make at size `since` or later.
pub fn versions(facts: &[FiledFact<'_>], since: u64) -> Result<Versions, Trouble> {
    let mut in_order: Vec<Kept<'_, '_>> = facts
        .iter()
        .map(|filed| {
            Ok(Kept {
                seq: seq_of(filed)?,
                filed,
            })
        })
        .collect::<Result<_, Trouble>>()?;
    in_order.sort_unstable_by_key(|kept| kept.seq);
    let components = components(&in_order);
    let parts = parallel::map(&components, 64, |component| fold(component, since));
    let mut all = Versions::default();
    for part in parts {
        let part = part?;
        all.dated.extend(part.dated);
        all.closings.extend(part.closings);
    }
    Ok(all)
}

/// A kept fact and its seq (the first field of its bytes), decoded only in
/// the fold of its component, so that no more than a component's facts are
/// decoded at once.
struct Kept<'f, 'a> {
    seq: Seq,
    filed: &'f FiledFact<'a>,
}

fn seq_of(filed: &FiledFact<'_>) -> Result<Seq, Trouble> {
    codec::decode_state_prefix(filed.recorded)
        .map_err(|e| Trouble::Refused(format!("the kept fact {} has no seq ({e})", filed.key)))
}

/// One linked component: its keys, and the facts bearing on them in log
/// order.
struct Component<'k, 'a> {
    keys: HashSet<&'a str>,
    facts: Vec<&'k Kept<'k, 'a>>,
}

/// The facts cut into linked components. A fact goes to every component of
/// a key it bears on.
fn components<'k, 'a>(in_order: &'k [Kept<'k, 'a>]) -> Vec<Component<'k, 'a>> {
    let mut index: HashMap<&'a str, usize> = fast_hash::map_with_capacity(in_order.len());
    let mut parent: Vec<usize> = Vec::new();
    let mut key_of: Vec<&'a str> = Vec::new();
    for kept in in_order {
        for key in &kept.filed.keys {
            index.entry(key).or_insert_with(|| {
                parent.push(parent.len());
                key_of.push(key);
                parent.len() - 1
            });
        }
    }
    fn root(parent: &mut [usize], mut at: usize) -> usize {
        while parent[at] != at {
            parent[at] = parent[parent[at]];
            at = parent[at];
        }
        at
    }
    for kept in in_order.iter().filter(|k| k.filed.links) {
        let mut keys = kept.filed.keys.iter().map(|k| index[k]);
        if let Some(first) = keys.next() {
            for other in keys {
                let (a, b) = (root(&mut parent, first), root(&mut parent, other));
                parent[a] = b;
            }
        }
    }
    let mut slot: HashMap<usize, usize> = HashMap::default();
    let mut components: Vec<Component<'k, 'a>> = Vec::new();
    for (at, key) in key_of.iter().enumerate() {
        let r = root(&mut parent, at);
        let c = *slot.entry(r).or_insert_with(|| {
            components.push(Component {
                keys: HashSet::default(),
                facts: Vec::new(),
            });
            components.len() - 1
        });
        components[c].keys.insert(key);
    }
    let mut homes: Vec<usize> = Vec::new();
    for kept in in_order {
        homes.clear();
        homes.extend(
            kept.filed
                .keys
                .iter()
                .map(|k| slot[&root(&mut parent, index[k])]),
        );
        homes.sort_unstable();
        homes.dedup();
        for &c in &homes {
            components[c].facts.push(kept);
        }
    }
    components
}

/// The summary changes of one component at size `since` or later.
fn fold(component: &Component<'_, '_>, since: u64) -> Result<Versions, Trouble> {
    let mut picture = Picture::default();
    // Each incident's summary in force: where it began, the summary, and its
    // place in `out.dated` when it began at `since` or later.
    let mut open: BTreeMap<String, (u64, ToFile, Option<usize>)> = BTreeMap::new();
    let mut out = Versions::default();
    for kept in &component.facts {
        let size = kept.seq.get() + 1;
        picture.insert(kept.filed.key.into(), kept.filed.recorded()?);
        let resolved = Resolved::new(&picture);
        let now: BTreeMap<&str, ToFile> = resolved
            .combined()
            .iter()
            .filter(|incident| component.keys.contains(incident.key))
            .map(|incident| (incident.key, ToFile::of(&Summary::of(incident))))
            .collect();
        let ended: Vec<String> = open
            .iter()
            .filter(|(key, (_, held, _))| now.get(key.as_str()) != Some(held))
            .map(|(key, _)| key.clone())
            .collect();
        for key in ended {
            if let Some((from, _, place)) = open.remove(&key) {
                close(&mut out, key, from, place, size, since);
            }
        }
        for (key, summary) in now {
            if open.contains_key(key) {
                continue;
            }
            let place = (size >= since).then(|| {
                out.dated.push(Dated {
                    from: size,
                    to: OPEN,
                    summary: summary.clone(),
                });
                out.dated.len() - 1
            });
            open.insert(key.to_owned(), (size, summary, place));
        }
    }
    Ok(out)
}

/// Ends at `size` the summary of `key` that began at `from`.
fn close(out: &mut Versions, key: String, from: u64, place: Option<usize>, size: u64, since: u64) {
    match place {
        Some(at) => out.dated[at].to = size,
        None if size >= since => out.closings.push(Closing {
            key,
            from,
            to: size,
        }),
        None => {}
    }
}
