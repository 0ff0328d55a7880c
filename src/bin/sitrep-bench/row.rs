//! One line of the table: a figure measured for sitrep and for a named baseline in
//! the same run, its unit, its goal, and whether the goal was met. A row that
//! could not be measured keeps the reason instead of a number; nothing here is
//! ever filled in from elsewhere.

use serde_json::{json, Value};

/// What a row's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Facts per second (higher is better).
    FactsPerSec,
    /// Milliseconds (lower is better).
    Ms,
    /// Microseconds (lower is better).
    Us,
    /// Mebibytes of resident memory.
    MiB,
    /// Bytes on disk ÷ canonical entry bytes.
    TimesCanonical,
}

impl Unit {
    /// The unit's name in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Unit::FactsPerSec => "facts/s",
            Unit::Ms => "ms",
            Unit::Us => "µs",
            Unit::MiB => "MiB",
            Unit::TimesCanonical => "× canonical",
        }
    }
}

/// The goal a row is held to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// No goal: shown for context.
    None,
    /// sitrep's value must be at least this (in the row's unit).
    AtLeast(f64),
    /// sitrep's value must be at most this.
    AtMost(f64),
    /// sitrep ÷ baseline must be at least this.
    RatioAtLeast(f64),
    /// sitrep ÷ baseline must be at most this.
    RatioAtMost(f64),
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What is measured ("1a bulk import, durable at the end").
    pub figure: String,
    /// Facts in the ledger it was measured on.
    pub n: u64,
    /// The unit of `sitrep` and `baseline`.
    pub unit: Unit,
    /// sitrep's figure, or why it is missing.
    pub sitrep: Result<f64, String>,
    /// What the baseline is.
    pub baseline_name: String,
    /// The baseline's figure, or why it is missing.
    pub baseline: Result<f64, String>,
    /// The goal.
    pub goal: Goal,
    /// sitrep's cost per fact, formatted ("2.9 µs"), where that is the figure to
    /// compare across sizes.
    pub per_fact: Option<String>,
}

impl Row {
    /// A row of two measured values.
    pub fn new(
        figure: impl Into<String>,
        n: u64,
        unit: Unit,
        sitrep: Result<f64, String>,
        baseline_name: impl Into<String>,
        baseline: Result<f64, String>,
        goal: Goal,
    ) -> Row {
        Row {
            figure: figure.into(),
            n,
            unit,
            sitrep,
            baseline_name: baseline_name.into(),
            baseline,
            goal,
            per_fact: None,
        }
    }

    /// The same row with a per-fact cost.
    pub fn with_per_fact(mut self, per_fact: Option<String>) -> Row {
        self.per_fact = per_fact;
        self
    }

    /// sitrep ÷ baseline, when both were measured and the baseline is not zero.
    pub fn ratio(&self) -> Option<f64> {
        match (&self.sitrep, &self.baseline) {
            (Ok(s), Ok(b)) if *b != 0.0 && s.is_finite() && b.is_finite() => Some(s / b),
            _ => None,
        }
    }

    /// Whether the goal was met: `None` when there is no goal or a value it
    /// needs was not measured.
    pub fn met(&self) -> Option<bool> {
        let value = self.sitrep.as_ref().ok().copied();
        match self.goal {
            Goal::None => None,
            Goal::AtLeast(g) => value.map(|v| v >= g),
            Goal::AtMost(g) => value.map(|v| v <= g),
            Goal::RatioAtLeast(g) => self.ratio().map(|r| r >= g),
            Goal::RatioAtMost(g) => self.ratio().map(|r| r <= g),
        }
    }

    /// Whether a value the row needs is missing.
    pub fn unmeasured(&self) -> Option<&str> {
        match (&self.sitrep, &self.baseline) {
            (Err(why), _) => Some(why),
            (_, Err(why)) => Some(why),
            _ => None,
        }
    }

    /// The row as one JSON object.
    pub fn to_json(&self) -> Value {
        let value = |r: &Result<f64, String>| match r {
            Ok(v) => json!(v),
            Err(why) => json!({ "not_measured": why }),
        };
        let goal = match self.goal {
            Goal::None => Value::Null,
            Goal::AtLeast(g) => json!({ "at_least": g }),
            Goal::AtMost(g) => json!({ "at_most": g }),
            Goal::RatioAtLeast(g) => json!({ "ratio_at_least": g }),
            Goal::RatioAtMost(g) => json!({ "ratio_at_most": g }),
        };
        json!({
            "figure": self.figure,
            "n": self.n,
            "unit": self.unit.name(),
            "sitrep": value(&self.sitrep),
            "baseline": { "name": self.baseline_name, "value": value(&self.baseline) },
            "ratio": self.ratio(),
            "goal": goal,
            "met": self.met(),
            "per_fact": self.per_fact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sitrep: Result<f64, String>, baseline: Result<f64, String>, goal: Goal) -> Row {
        Row::new("f", 10, Unit::Ms, sitrep, "b", baseline, goal)
    }

    #[test]
    fn goals_are_judged_on_the_value_or_the_ratio() {
        assert_eq!(row(Ok(4.0), Ok(1.0), Goal::AtMost(5.0)).met(), Some(true));
        assert_eq!(row(Ok(6.0), Ok(1.0), Goal::AtMost(5.0)).met(), Some(false));
        assert_eq!(row(Ok(6.0), Ok(1.0), Goal::AtLeast(5.0)).met(), Some(true));
        assert_eq!(
            row(Ok(6.0), Ok(1.0), Goal::RatioAtLeast(6.0)).met(),
            Some(true)
        );
        assert_eq!(
            row(Ok(5.9), Ok(1.0), Goal::RatioAtLeast(6.0)).met(),
            Some(false)
        );
        assert_eq!(
            row(Ok(1.6), Ok(1.0), Goal::RatioAtMost(1.5)).met(),
            Some(false)
        );
        assert_eq!(row(Ok(1.0), Ok(1.0), Goal::None).met(), None);
    }

    #[test]
    fn a_missing_value_is_never_a_met_goal() {
        let r = row(Err("no exe".into()), Ok(1.0), Goal::AtMost(5.0));
        assert_eq!(r.met(), None);
        assert_eq!(r.unmeasured(), Some("no exe"));
        let r = row(Ok(1.0), Err("x".into()), Goal::RatioAtMost(1.5));
        assert_eq!(r.met(), None);
        assert_eq!(r.ratio(), None);
        assert_eq!(row(Ok(1.0), Ok(0.0), Goal::None).ratio(), None);
    }

    #[test]
    fn json_rows_say_what_was_not_measured() {
        let r = row(Ok(2.0), Err("missing".into()), Goal::RatioAtMost(1.5));
        let v = r.to_json();
        assert_eq!(v["sitrep"], json!(2.0));
        assert_eq!(v["baseline"]["value"]["not_measured"], json!("missing"));
        assert_eq!(v["met"], Value::Null);
    }
}
