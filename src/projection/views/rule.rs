//! The counting rule: which incidents a numeric view counts, and how that is
//! echoed in the output so that a figure is never read without its rule.
//!
//! Direction defaults differ by view (tallies and pauses count attacks on US and
//! coalition forces, incidents and timeline show everything), so `direction` is
//! `None` until the user says otherwise. Dates: an incident whose whole combined
//! interval lies in the `--from`/`--to` window is in; one that only overlaps it
//! *may* be in, and numeric views count it in the upper bound of their ranges.

use serde_json::{json, Value};

use super::counted::Counted;
use super::incidents::names_any;
use super::name_of;
use crate::fact::{Direction, Outcome};
use crate::projection::combine::Span;
use crate::time::Date;

/// Which directions count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectionRule {
    /// Every direction.
    Any,
    /// Only this one.
    Only(Direction),
}

/// Which incidents count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    /// `--direction`; `None` = the view's default.
    pub direction: Option<DirectionRule>,
    /// `--exclude-intercepted`: leave out incidents every report of which says
    /// everything was intercepted.
    pub exclude_intercepted: bool,
    /// `--country`: only these ISO codes (empty = all).
    pub countries: Vec<String>,
    /// `--from`.
    pub from: Option<Date>,
    /// `--to`.
    pub to: Option<Date>,
}

/// Whether an incident counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// It counts.
    In,
    /// Its date interval straddles the window: it may count.
    Maybe,
    /// It does not count.
    Out,
}

impl Rule {
    /// The direction rule in force, given the view's default.
    pub fn direction_or(&self, default: DirectionRule) -> DirectionRule {
        self.direction.unwrap_or(default)
    }

    /// The date window, if one was given.
    pub fn window(&self) -> Option<Span> {
        if self.from.is_none() && self.to.is_none() {
            return None;
        }
        Some(Span {
            start: self.from.unwrap_or(Date::MIN),
            end: self.to.unwrap_or(Date::MAX),
        })
    }

    /// Whether an incident of this direction and outcome can count at all: the
    /// first tests of [`Rule::fit`], which a reader of stored summaries makes
    /// before decoding the rest.
    pub fn may_fit(&self, direction: Direction, outcome: Outcome, default: DirectionRule) -> bool {
        let direction_fits = match self.direction_or(default) {
            DirectionRule::Any => true,
            DirectionRule::Only(d) => direction == d,
        };
        direction_fits && !(self.exclude_intercepted && outcome == Outcome::Intercepted)
    }

    /// Whether `incident` counts under this rule with the view's default direction.
    pub fn fit(&self, incident: &impl Counted, default: DirectionRule) -> Fit {
        let incident = incident.facets();
        if !self.may_fit(incident.direction, incident.outcome, default) {
            return Fit::Out;
        }
        if !self.countries.is_empty() && !names_any(incident.countries, &self.countries) {
            return Fit::Out;
        }
        match (self.window(), incident.date) {
            (None, _) => Fit::In,
            (Some(_), None) => Fit::Maybe,
            (Some(window), Some(date)) if date.span.within(window) => Fit::In,
            (Some(window), Some(date)) if date.span.overlaps(window) => Fit::Maybe,
            (Some(_), Some(_)) => Fit::Out,
        }
    }

    /// The rule in words, one line per part.
    pub fn describe(&self, default: DirectionRule) -> Vec<String> {
        let mut lines = vec![match self.direction_or(default) {
            DirectionRule::Any => "counting incidents of every direction".to_owned(),
            DirectionRule::Only(Direction::OnUsForces) => {
                "counting attacks on US and coalition forces (direction on_us_forces)".to_owned()
            }
            DirectionRule::Only(Direction::UsStrike) => {
                "counting US and coalition strikes (direction us_strike)".to_owned()
            }
            DirectionRule::Only(Direction::Other) => {
                "counting incidents of direction other".to_owned()
            }
        }];
        lines.push(if self.exclude_intercepted {
            "intercepted attacks excluded (--exclude-intercepted): an incident every report of which says it was intercepted is not counted".to_owned()
        } else {
            "intercepted attacks included (add --exclude-intercepted to leave them out)".to_owned()
        });
        if !self.countries.is_empty() {
            lines.push(format!("only in {}", self.countries.join(", ")));
        }
        if let Some(window) = self.window() {
            lines.push(format!(
                "from {} to {}; an incident whose date only partly overlaps the window counts in the upper bound",
                self.from.map_or_else(|| "the start".to_owned(), |d| d.to_string()),
                self.to.map_or_else(|| "the end".to_owned(), |d| d.to_string()),
            ));
            let _ = window;
        }
        lines
    }

    /// The rule as structured data.
    pub fn to_json(&self, default: DirectionRule) -> Value {
        json!({
            "direction": match self.direction_or(default) {
                DirectionRule::Any => "any".to_owned(),
                DirectionRule::Only(d) => name_of(&d),
            },
            "exclude_intercepted": self.exclude_intercepted,
            "countries": self.countries,
            "from": self.from,
            "to": self.to,
        })
    }
}
