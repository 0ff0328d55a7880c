//! What the corpus remembers of the facts it has yielded, so that later facts can
//! point at them: a few bounded rings of recent keys (and of a few recent bodies,
//! to correct them) and the handful of events still being reported. Every set
//! here has a fixed capacity, so the corpus streams any N in constant memory.

use std::collections::VecDeque;

use super::rng::Rng;
use super::words::{Actor, Target};
use crate::fact::{AttackType, CasualtyGroup, Count, Direction, FactKind, Incident, Outcome};
use crate::time::Date;

/// A first-in first-out set of at most `cap` items: pushing a new one drops the
/// oldest.
#[derive(Clone, Debug)]
pub struct Ring<T> {
    items: VecDeque<T>,
    cap: usize,
}

impl<T> Ring<T> {
    /// An empty ring holding at most `cap` items.
    pub fn new(cap: usize) -> Ring<T> {
        Ring {
            items: VecDeque::with_capacity(cap),
            cap,
        }
    }

    /// Adds `item`, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.cap {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A random item, biased to none in particular.
    pub fn pick(&self, rng: &mut Rng) -> Option<&T> {
        if self.items.is_empty() {
            return None;
        }
        self.items.get(rng.index(self.items.len()))
    }

    /// Removes and returns a random item.
    pub fn take(&mut self, rng: &mut Rng) -> Option<T> {
        if self.items.is_empty() {
            return None;
        }
        let at = rng.index(self.items.len());
        self.items.remove(at)
    }

    /// Removes every item for which `drop` is true.
    pub fn remove_where(&mut self, drop: impl Fn(&T) -> bool) {
        self.items.retain(|item| !drop(item));
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }
}

/// A source that is still publishing.
#[derive(Clone, Debug)]
pub struct ActiveSource {
    /// Its fact key.
    pub key: String,
    /// Its place in the stream of sources (unique, used to tell sources apart).
    pub serial: u64,
    /// Index into [`super::words::PUBLISHERS`].
    pub publisher: usize,
}

/// One attack as it happened, which several sources report each in their own way.
#[derive(Clone, Debug)]
pub struct Event {
    /// The incident key every report shares.
    pub key: String,
    /// The day it happened.
    pub day: Date,
    /// Attack on US forces, US strike or other.
    pub direction: Direction,
    /// Where it landed.
    pub place: &'static Target,
    /// The means.
    pub attack_types: Vec<AttackType>,
    /// How many munitions (0: nobody counted them).
    pub munitions: u64,
    /// What became of it.
    pub outcome: Outcome,
    /// Who was hit.
    pub group: CasualtyGroup,
    /// How many were killed.
    pub killed: u64,
    /// How many were wounded.
    pub wounded: u64,
    /// Who did it, if anyone is named.
    pub attacker: Option<&'static Actor>,
    /// Serials of the sources that have reported it.
    pub reporters: Vec<u64>,
    /// How many reports it will get (2 to 4).
    pub wanted: usize,
}

/// An incident key that has been reported, with what later facts need of it.
#[derive(Clone, Debug)]
pub struct Reported {
    /// The incident key.
    pub key: String,
    /// Where it happened.
    pub place: &'static Target,
    /// When.
    pub day: Date,
    /// Attack on US forces, US strike or other: only attacks are claimed.
    pub direction: Direction,
}

/// Everything the corpus remembers.
#[derive(Clone, Debug)]
pub struct Memory {
    /// The analysts' linking notes, the source of every merge.
    pub analyst: String,
    /// Sources that new facts are drawn from.
    pub sources: Ring<ActiveSource>,
    /// Events that want more reports.
    pub open: Vec<Event>,
    /// Incident keys already reported, for claims and merges.
    pub reported: Ring<Reported>,
    /// Recent incident reports, to correct.
    pub incidents: Ring<(String, Incident)>,
    /// Recent counts, to correct.
    pub counts: Ring<(String, Count)>,
    /// Recent facts a denial may target.
    pub deniable: Ring<(String, FactKind)>,
    /// Recent facts a retraction may target (never a retraction).
    pub retractable: Ring<String>,
    /// Sources yielded so far.
    pub source_count: u64,
    /// Events started so far.
    pub event_count: u64,
}

/// Sources publishing at once.
pub const ACTIVE_SOURCES: usize = 12;
/// Events reported at once.
pub const OPEN_EVENTS: usize = 6;

impl Memory {
    /// Nothing remembered yet.
    pub fn new() -> Memory {
        Memory {
            analyst: String::new(),
            sources: Ring::new(ACTIVE_SOURCES),
            open: Vec::with_capacity(OPEN_EVENTS),
            reported: Ring::new(256),
            incidents: Ring::new(48),
            counts: Ring::new(16),
            deniable: Ring::new(128),
            retractable: Ring::new(128),
            source_count: 0,
            event_count: 0,
        }
    }

    /// Forgets `key` as a target of later revisions (it has been retracted).
    pub fn forget(&mut self, key: &str) {
        self.incidents.remove_where(|(k, _)| k == key);
        self.counts.remove_where(|(k, _)| k == key);
        self.deniable.remove_where(|(k, _)| k == key);
        self.retractable.remove_where(|k| k == key);
    }
}
