//! What counting an incident needs to know about it: the trait that the
//! combined incident ([`Combined`]) and its stored summary
//! ([`crate::projection::materialised::Summary`]) share, so that the counting
//! rule and the `tallies` view give the same answer from either.

use super::incidents::Combined;
use crate::fact::{AttackType, Direction, Outcome};
use crate::projection::combine::{CombinedDate, Range, Span};

/// An incident as the counting rule and `tallies` see it.
pub trait Counted {
    /// The key it goes by.
    fn key(&self) -> &str;
    /// Its combined date interval.
    fn date(&self) -> Option<CombinedDate>;
    /// Countries, distinct.
    fn countries(&self) -> &[&str];
    /// Registry site keys, distinct.
    fn sites(&self) -> &[&str];
    /// The direction of its first report under its own key.
    fn direction(&self) -> Direction;
    /// Every attack type any report gives.
    fn attack_types(&self) -> &[AttackType];
    /// Attackers and claimants, by registry key where given.
    fn actors(&self) -> &[&str];
    /// The outcome every report that states one agrees on.
    fn outcome(&self) -> Outcome;
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
    fn key(&self) -> &str {
        (**self).key()
    }
    fn date(&self) -> Option<CombinedDate> {
        (**self).date()
    }
    fn countries(&self) -> &[&str] {
        (**self).countries()
    }
    fn sites(&self) -> &[&str] {
        (**self).sites()
    }
    fn direction(&self) -> Direction {
        (**self).direction()
    }
    fn attack_types(&self) -> &[AttackType] {
        (**self).attack_types()
    }
    fn actors(&self) -> &[&str] {
        (**self).actors()
    }
    fn outcome(&self) -> Outcome {
        (**self).outcome()
    }
    fn total(&self, killed: bool) -> Option<Range> {
        (**self).total(killed)
    }
}

impl<'c> Listed<'c> for &'c Combined<'_> {
    fn listed_key(&self) -> &'c str {
        &self.key
    }
}

impl Counted for Combined<'_> {
    fn key(&self) -> &str {
        &self.key
    }
    fn date(&self) -> Option<CombinedDate> {
        self.date
    }
    fn countries(&self) -> &[&str] {
        &self.countries
    }
    fn sites(&self) -> &[&str] {
        &self.sites
    }
    fn direction(&self) -> Direction {
        self.direction
    }
    fn attack_types(&self) -> &[AttackType] {
        &self.attack_types
    }
    fn actors(&self) -> &[&str] {
        &self.actors
    }
    fn outcome(&self) -> Outcome {
        self.outcome
    }
    fn total(&self, killed: bool) -> Option<Range> {
        Combined::total(self, killed)
    }
}

/// The order incidents are listed in: dated ones first, by date, then by key.
pub fn order_key<C: Counted>(c: &C) -> (bool, Option<Span>, &str) {
    let date = c.date();
    (date.is_none(), date.map(|d| d.span), c.key())
}
