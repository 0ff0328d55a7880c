//! The combining rules for several sources on one incident (docs/projections.md,
//! "Combining sources"): date intervals, figures as ranges, sums of ranges.
//!
//! Every rule keeps the inputs visible: a combined date says whether the sources
//! agree, and a combined figure is a `Range` beside the figure each source gave.
//! Unknown is never 0: a source that states no figure does not take part in the
//! range, and an open upper bound stays open through every sum.

use std::fmt;

use serde::Serialize;

use crate::codec::{Decode, Encode};

use crate::fact::{DateSpec, Quantity};
use crate::time::Date;

/// An inclusive interval of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Encode, Decode)]
pub struct Span {
    /// First possible day.
    pub start: Date,
    /// Last possible day.
    pub end: Date,
}

impl Span {
    /// The interval of a `DateSpec`.
    pub fn of(spec: &DateSpec) -> Span {
        Span {
            start: spec.start,
            end: spec.end,
        }
    }

    /// A single day.
    pub fn day(day: Date) -> Span {
        Span {
            start: day,
            end: day,
        }
    }

    /// How many days the interval spans, counting both ends.
    pub fn days(self) -> i64 {
        self.start.days_until(self.end) + 1
    }

    /// Whether every day of `self` lies in `other`.
    pub fn within(self, other: Span) -> bool {
        other.start <= self.start && self.end <= other.end
    }

    /// Whether `self` and `other` share a day.
    pub fn overlaps(self, other: Span) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

/// The date of an incident reported by several sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Encode, Decode)]
pub struct CombinedDate {
    /// Where every source agrees it happened (the intersection of their
    /// intervals), or, when they cannot all be right, the union.
    pub span: Span,
    /// Whether the intervals intersect; `false` means the sources disagree.
    pub agreed: bool,
}

/// Combines the sources' intervals: each says "it happened within these days", so
/// if all are right it happened in their intersection. When the intersection is
/// empty they contradict each other, and the union — every day some source
/// allows — is kept, marked as disputed.
pub fn combine_dates<'a>(specs: impl IntoIterator<Item = &'a DateSpec>) -> Option<CombinedDate> {
    let spans: Vec<Span> = specs.into_iter().map(Span::of).collect();
    let first = *spans.first()?;
    let mut meet = first;
    let mut join = first;
    for span in &spans[1..] {
        meet.start = meet.start.max(span.start);
        meet.end = meet.end.min(span.end);
        join.start = join.start.min(span.start);
        join.end = join.end.max(span.end);
    }
    Some(if meet.start <= meet.end {
        CombinedDate {
            span: meet,
            agreed: true,
        }
    } else {
        CombinedDate {
            span: join,
            agreed: false,
        }
    })
}

/// A figure as an inclusive range; `high: None` is an open upper bound. The lower
/// bound of a figure with none stated is 0, which is always true of a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Encode, Decode)]
pub struct Range {
    /// Inclusive lower bound.
    pub low: u64,
    /// Inclusive upper bound, or `None` when open.
    pub high: Option<u64>,
}

impl Range {
    /// Exactly zero (the identity of sums).
    pub const ZERO: Range = Range {
        low: 0,
        high: Some(0),
    };

    /// The range a reported quantity allows: a point value bounds both sides
    /// ("about 65" is 65), a missing bound is 0 below and open above.
    pub fn of(q: &Quantity) -> Range {
        Range {
            low: q.low.or(q.best).unwrap_or(0),
            high: q.high.or(q.best),
        }
    }

    /// Exactly `n`.
    pub fn exact(n: u64) -> Range {
        Range {
            low: n,
            high: Some(n),
        }
    }

    /// The sum of two figures that count different people or events.
    pub fn plus(self, other: Range) -> Range {
        Range {
            low: self.low.saturating_add(other.low),
            high: match (self.high, other.high) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            },
        }
    }

    /// The spread of two figures for the same thing from different sources: from
    /// the lowest to the highest either allows.
    pub fn spread(self, other: Range) -> Range {
        Range {
            low: self.low.min(other.low),
            high: match (self.high, other.high) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
        }
    }

    /// Whether `n` lies in the range.
    pub fn contains(self, n: u64) -> bool {
        self.low <= n && self.high.is_none_or(|h| n <= h)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.high {
            Some(high) if high == self.low => write!(f, "{high}"),
            Some(high) if self.low == 0 => write!(f, "≤{high}"),
            Some(high) => write!(f, "{}–{high}", self.low),
            None if self.low == 0 => f.write_str("?"),
            None => write!(f, "≥{}", self.low),
        }
    }
}

/// How a source worded a figure, for display beside the combined range.
pub fn wording(q: &Quantity) -> String {
    q.raw
        .as_deref()
        .map_or_else(|| q.to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::Precision;

    fn spec(a: &str, b: &str) -> DateSpec {
        DateSpec {
            start: Date::parse(a).unwrap(),
            end: Date::parse(b).unwrap(),
            precision: Precision::Days,
            time: None,
            raw: None,
        }
    }

    #[test]
    fn agreeing_intervals_meet_and_contradicting_ones_join() {
        let exact = spec("2024-04-21", "2024-04-21");
        let vague = spec("2024-04-01", "2024-05-31");
        let both = combine_dates([&exact, &vague]).unwrap();
        assert!(both.agreed);
        assert_eq!(both.span, Span::of(&exact));
        let other = spec("2024-04-22", "2024-04-22");
        let clash = combine_dates([&exact, &other]).unwrap();
        assert!(!clash.agreed);
        assert_eq!(clash.span.to_string(), "2024-04-21..2024-04-22");
        assert!(combine_dates([]).is_none());
    }

    #[test]
    fn ranges_keep_open_bounds_open_and_unknown_is_not_zero() {
        let more_than = Range::of(&Quantity::parse("more than 170").unwrap());
        assert_eq!(more_than.to_string(), "≥171");
        let exact = Range::of(&Quantity::parse("47").unwrap());
        assert_eq!(exact.plus(more_than).to_string(), "≥218");
        assert_eq!(exact.spread(Range::exact(40)).to_string(), "40–47");
        let at_most = Range::of(&Quantity::parse("at most 5").unwrap());
        assert_eq!(at_most.to_string(), "≤5");
        let unknown = Range::of(&Quantity {
            low: None,
            best: None,
            high: None,
            qualifier: crate::fact::Qualifier::Unknown,
            raw: None,
        });
        assert_eq!(unknown.to_string(), "?");
        assert!(
            unknown.contains(u64::MAX),
            "an unknown figure is open above"
        );
        assert!(Range::ZERO.contains(0) && !Range::ZERO.contains(1));
    }
}
