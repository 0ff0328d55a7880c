//! `Picture`: the fold state every view is computed from.
//!
//! It keeps every fact by key (its seq, recording time and body as recorded) and,
//! for every fact that something revises, the keys of the denials, corrections
//! and retractions that point at it, in log order; merges are kept in log order.
//! Nothing is resolved here — which version is in force, what is retracted, which
//! incident keys are one — because a later entry can change any of those answers
//! (a retracted correction, a retracted merge); `resolve` answers them from this
//! state. `BTreeMap` and log-ordered `Vec`s keep the encoding canonical.

use std::collections::BTreeMap;

use super::Projection;
use crate::codec::{Decode, Encode};
use crate::entry::{Entry, Seq};
use crate::fact::FactBody;
use crate::time::Timestamp;

/// One fact as the picture keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Recorded {
    /// Where it is in the log.
    pub seq: Seq,
    /// When the ledger took it.
    pub recorded_at: Timestamp,
    /// The fact as recorded (corrections are separate facts).
    pub body: FactBody,
}

/// The fold state: every fact, and what revises what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Picture {
    /// Every fact, by key.
    pub facts: BTreeMap<String, Recorded>,
    /// Target key → keys of the denials, corrections and retractions naming it,
    /// in log order.
    pub revised_by: BTreeMap<String, Vec<String>>,
    /// Keys of every merge, in log order.
    pub merges: Vec<String>,
    /// How many entries have been folded in (the cursor's size).
    pub size: u64,
}

impl Picture {
    /// The fact with this key, if folded in.
    pub fn get(&self, key: &str) -> Option<&Recorded> {
        self.facts.get(key)
    }

    /// The keys of the revisions naming `key`, in log order.
    pub fn revisions_of(&self, key: &str) -> &[String] {
        self.revised_by.get(key).map_or(&[], Vec::as_slice)
    }

    /// Everything [`Projection::apply`] does except keeping the fact.
    fn link_revisions(&mut self, entry: &Entry) {
        let key = &entry.fact.key;
        match &entry.fact.body {
            FactBody::Source(_)
            | FactBody::Incident(_)
            | FactBody::Count(_)
            | FactBody::Claim(_)
            | FactBody::Statement(_) => {}
            FactBody::Denial(d) => self.link(&d.target, key),
            FactBody::Correction(c) => self.link(&c.target, key),
            FactBody::Retraction(r) => self.link(&r.target, key),
            FactBody::Merge(_) => self.merges.push(key.clone()),
        }
        self.size = entry.seq.get() + 1;
    }

    fn link(&mut self, target: &str, key: &str) {
        self.revised_by
            .entry(target.to_owned())
            .or_default()
            .push(key.to_owned());
    }
}

impl Projection for Picture {
    const NAME: &'static str = "picture";

    fn apply(&mut self, entry: &Entry) {
        self.link_revisions(entry);
        self.facts.insert(
            entry.fact.key.clone(),
            Recorded {
                seq: entry.seq,
                recorded_at: entry.recorded_at,
                body: entry.fact.body.clone(),
            },
        );
    }

    fn apply_owned(&mut self, entry: Entry) {
        self.link_revisions(&entry);
        self.facts.insert(
            entry.fact.key,
            Recorded {
                seq: entry.seq,
                recorded_at: entry.recorded_at,
                body: entry.fact.body,
            },
        );
    }
}
