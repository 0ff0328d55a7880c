//! What counting an incident needs to know about it: the trait that the
//! combined incident ([`Combined`]) and its stored summary
//! ([`crate::projection::materialised::Summary`]) share, so that the counting
//! rule and the `tallies` view give the same answer from either.

use super::incidents::Combined;
use crate::fact::{AttackType, Direction, Outcome};
use crate::projection::combine::{CombinedDate, Range, Span};

/// What the counting rule and `tallies` read of an incident, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct Facets<'a> {
    /// The key it goes by.
    pub key: &'a str,
    /// Its combined date interval.
    pub date: Option<CombinedDate>,
    /// Countries, distinct.
    pub countries: &'a [&'a str],
    /// Registry site keys, distinct.
    pub sites: &'a [&'a str],
    /// The direction of its first report under its own key.
    pub direction: Direction,
    /// Every attack type any report gives.
    pub attack_types: &'a [AttackType],
    /// Attackers and claimants, by registry key where given.
    pub actors: &'a [&'a str],
    /// The outcome every report that states one agrees on.
    pub outcome: Outcome,
}

/// An incident as the counting rule and `tallies` see it.
pub trait Counted {
    /// What counting reads of it.
    fn facets(&self) -> Facets<'_>;
    /// Killed (or wounded), summed over every group, when any group states it.
    fn total(&self, killed: bool) -> Option<Range>;
}

/// An incident whose key outlives it (borrowed from data that stays put
/// while a view is built), so that a view can list it by key.
pub trait Listed<'c>: Counted {
    /// The key it goes by.
    fn listed_key(&self) -> &'c str;
}

impl<T: Counted + ?Sized> Counted for &T {
    fn facets(&self) -> Facets<'_> {
        (**self).facets()
    }
    fn total(&self, killed: bool) -> Option<Range> {
        (**self).total(killed)
    }
}

impl<'c> Listed<'c> for &'c Combined<'_> {
    fn listed_key(&self) -> &'c str {
        self.key
    }
}

impl Counted for Combined<'_> {
    fn facets(&self) -> Facets<'_> {
        Facets {
            key: self.key,
            date: self.date,
            countries: &self.countries,
            sites: &self.sites,
            direction: self.direction,
            attack_types: &self.attack_types,
            actors: &self.actors,
            outcome: self.outcome,
        }
    }
    fn total(&self, killed: bool) -> Option<Range> {
        Combined::total(self, killed)
    }
}

/// The order incidents are listed in: dated ones first, by date, then by key.
pub fn order_key<C: Counted>(c: &C) -> (bool, Option<Span>, &str) {
    let facets = c.facets();
    (
        facets.date.is_none(),
        facets.date.map(|d| d.span),
        facets.key,
    )
}
