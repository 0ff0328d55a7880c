//! `Summary`: what the counting rule and `tallies` need of one combined
//! incident, as the materialised incident table stores it — a few small
//! fields and the incident's casualty totals, its strings borrowed from the
//! stored bytes when read back.

use crate::codec::{self, BorrowDecode, CodecError, Encode};
use crate::fact::{AttackType, Direction, Outcome};
use crate::projection::combine::{CombinedDate, Range};
use crate::projection::views::counted::{Counted, Facets, Listed};
use crate::projection::views::incidents::Combined;

/// One incident, reduced to what counting it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary<'a> {
    /// The key it goes by.
    pub key: &'a str,
    /// Its combined date interval.
    pub date: Option<CombinedDate>,
    /// Countries, distinct.
    pub countries: Vec<&'a str>,
    /// Registry site keys, distinct.
    pub sites: Vec<&'a str>,
    /// The direction of its first report under its own key.
    pub direction: Direction,
    /// Every attack type any report gives.
    pub attack_types: Vec<AttackType>,
    /// Attackers and claimants.
    pub actors: Vec<&'a str>,
    /// The outcome the reports agree on.
    pub outcome: Outcome,
    /// Killed, summed over every group, when stated.
    pub killed: Option<Range>,
    /// Wounded, summed over every group, when stated.
    pub wounded: Option<Range>,
}

/// What a summaries file keeps of a summary beyond its key, direction and
/// outcome (which it keeps beside these bytes, to be read without them).
#[derive(Encode, BorrowDecode)]
struct Body<'a> {
    date: Option<CombinedDate>,
    countries: Vec<&'a str>,
    sites: Vec<&'a str>,
    attack_types: Vec<AttackType>,
    actors: Vec<&'a str>,
    killed: Option<Range>,
    wounded: Option<Range>,
}

impl<'a> Summary<'a> {
    /// The bytes of everything but the key, direction and outcome.
    pub fn body(&self) -> Vec<u8> {
        codec::encode_state(&Body {
            date: self.date,
            countries: self.countries.clone(),
            sites: self.sites.clone(),
            attack_types: self.attack_types.clone(),
            actors: self.actors.clone(),
            killed: self.killed,
            wounded: self.wounded,
        })
    }

    /// The summary from its key, direction, outcome and [`Summary::body`]
    /// bytes, borrowing its strings from them.
    pub fn from_parts(
        key: &'a str,
        direction: Direction,
        outcome: Outcome,
        body: &'a [u8],
    ) -> Result<Summary<'a>, CodecError> {
        let body: Body<'a> = codec::borrow_decode_state(body)?;
        Ok(Summary {
            key,
            date: body.date,
            countries: body.countries,
            sites: body.sites,
            direction,
            attack_types: body.attack_types,
            actors: body.actors,
            outcome,
            killed: body.killed,
            wounded: body.wounded,
        })
    }

    /// The summary of a combined incident, borrowing its strings.
    pub fn of(incident: &'a Combined<'_>) -> Summary<'a> {
        Summary {
            key: incident.key,
            date: incident.date,
            countries: incident.countries.to_vec(),
            sites: incident.sites.to_vec(),
            direction: incident.direction,
            attack_types: incident.attack_types.to_vec(),
            actors: incident.actors.to_vec(),
            outcome: incident.outcome,
            killed: incident.total(true),
            wounded: incident.total(false),
        }
    }
}

impl Counted for Summary<'_> {
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
        if killed {
            self.killed
        } else {
            self.wounded
        }
    }
}

impl<'a> Listed<'a> for Summary<'a> {
    fn listed_key(&self) -> &'a str {
        self.key
    }
}
