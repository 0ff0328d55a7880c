//! `Count`: an aggregate figure someone stated ("78 attacks"), with its period,
//! scope and any breakdown ("36 in Iraq, 37 in Syria").

use serde::{Deserialize, Serialize};

use super::actor::ActorRef;
use super::date_spec::DateSpec;
use super::place::check_country;
use super::problem::{check_each, check_opt, non_empty, Problem};
use super::quantity::Quantity;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// What is being counted.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Attacks on US or coalition forces.
    Attacks,
    /// People injured.
    Injuries,
    /// People killed.
    Deaths,
    /// US or coalition strikes.
    Strikes,
    /// Militants killed by strikes.
    MilitantsKilled,
}

/// The period a figure covers. An open end means "as of the statement".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// From when (inclusive).
    pub from: Option<DateSpec>,
    /// Until when (inclusive); absent = as of the statement.
    pub to: Option<DateSpec>,
}

/// Where and against whom the figure counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// ISO country codes the figure covers.
    #[serde(default)]
    pub countries: Vec<Text>,
    /// Whose forces ("US forces", "US and coalition forces").
    pub forces: Option<Text>,
}

/// One line of a breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct BreakdownRow {
    /// What the row covers ("Iraq").
    pub label: Text,
    /// Country code, when the row is a country.
    pub country: Option<Text>,
    /// The figure.
    pub value: Quantity,
}

/// A stated aggregate figure.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Count {
    /// The source key.
    pub source: Text,
    /// Who stated the figure.
    pub speaker: ActorRef,
    /// What is counted.
    pub metric: Metric,
    /// The figure.
    pub value: Quantity,
    /// The period covered.
    #[serde(default)]
    pub period: Period,
    /// Where and against whom.
    #[serde(default)]
    pub scope: Scope,
    /// How the speaker defines what counts, in their words.
    pub definition: Option<Text>,
    /// A breakdown, if given.
    #[serde(default)]
    pub breakdown: Vec<BreakdownRow>,
    /// The source's words.
    pub quote: Option<Text>,
}

impl Count {
    /// Checks the figure, period, scope and breakdown.
    pub fn check(&self) -> Result<(), Problem> {
        self.speaker.check().map_err(|p| p.within("speaker"))?;
        self.value.check().map_err(|p| p.within("value"))?;
        check_opt("period.from", self.period.from.as_ref(), DateSpec::check)?;
        check_opt("period.to", self.period.to.as_ref(), DateSpec::check)?;
        if let (Some(from), Some(to)) = (&self.period.from, &self.period.to) {
            if to.end < from.start {
                return Err(Problem::at("period.to", "the period ends before it starts"));
            }
        }
        check_each("scope.countries", &self.scope.countries, |c| {
            check_country(c)
        })?;
        check_each("breakdown", &self.breakdown, |row| {
            non_empty("label", &row.label)?;
            check_opt("country", row.country.as_ref(), |c| check_country(c))?;
            row.value.check().map_err(|p| p.within("value"))
        })
    }
}
