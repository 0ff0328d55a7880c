//! The ledger's tally for every stated count at once, without scanning every
//! incident for every count (at a million facts that scan is about 5·10^10
//! steps). Incidents are grouped by the count's basis (direction, who is
//! counted) and by their set of countries; within a group, a count's high end
//! (dates overlapping the wide window) is the group's total minus two one-sided
//! prefix sums, and its low end (dates inside the narrow window) is a two-sided
//! range query, answered for all counts in one sweep over start days with a
//! Fenwick tree over end days. Cost: O((incidents + counts × groups) · log
//! incidents). The result equals the per-incident rule of `counts` exactly; the
//! tests compare the two on the seed corpus and on synthetic ones.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::{Add, Sub};

use super::incidents::{names_any, Combined};
use crate::fact::{CasualtyGroup, Direction, Outcome};
use crate::projection::combine::{Range, Span};
use crate::text::Text;
use crate::time::Date;

/// What the ledger counts for one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Basis {
    /// The incidents' direction.
    pub direction: Direction,
    /// People (groups, killed rather than wounded), or `None` to count incidents.
    pub people: Option<(&'static [CasualtyGroup], bool)>,
    /// The same in words.
    pub words: &'static str,
}

impl Basis {
    /// What one incident adds: 1 incident, or the people it states, or `None`
    /// when it states no figure for them.
    pub fn figure(&self, incident: &Combined) -> Option<Range> {
        match self.people {
            None => Some(Range::exact(1)),
            Some((groups, killed)) => incident.total_in(groups, killed),
        }
    }

    /// Whether the incident is of this basis at all (direction, intercepted).
    fn admits(&self, incident: &Combined, exclude_intercepted: bool) -> bool {
        incident.direction == self.direction
            && !(exclude_intercepted && incident.outcome == Outcome::Intercepted)
    }
}

/// One count's question.
pub struct Query<'a> {
    /// What is counted.
    pub basis: Basis,
    /// Days certainly inside the period; `None` when no day is.
    pub narrow: Option<Span>,
    /// Days possibly inside.
    pub wide: Span,
    /// The scope's countries (empty = any).
    pub scope: &'a [Text],
}

/// One count's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The tally.
    pub range: Range,
    /// Incidents in the low end (with a figure, when counting people).
    pub certain: u64,
    /// Incidents only in the high end.
    pub possible: u64,
    /// Qualifying incidents that state no figure.
    pub no_figure: u64,
}

/// Every query's answer, in order; `None` for a query whose wide window is
/// empty (it ends before it starts), which the caller answers incident by
/// incident.
pub fn summarise(
    incidents: &[Combined],
    queries: &[Query<'_>],
    exclude_intercepted: bool,
) -> Vec<Option<Summary>> {
    let mut out = vec![None; queries.len()];
    let mut bases: Vec<Basis> = Vec::new();
    for q in queries {
        if !bases.contains(&q.basis) {
            bases.push(q.basis);
        }
    }
    let by_countries = by_countries(incidents);
    let (scopes, scope_of) = distinct_scopes(queries);
    for basis in bases {
        let mine: Vec<usize> = (0..queries.len())
            .filter(|&i| queries[i].basis == basis && queries[i].wide.start <= queries[i].wide.end)
            .collect();
        // Per query three windows: the narrow one, and the parts of it after
        // and before the wide one (usually empty).
        let windows: Vec<Option<Span>> = mine
            .iter()
            .flat_map(|&i| {
                let q = &queries[i];
                let after = q.narrow.and_then(|n| after(n, q.wide));
                let before = q.narrow.and_then(|n| before(n, q.wide));
                [q.narrow, after, before]
            })
            .collect();
        let groups = groups(incidents, &by_countries, basis, exclude_intercepted);
        let mut certain = vec![Weight::default(); mine.len()];
        let mut sum = vec![Weight::default(); mine.len()];
        for group in &groups {
            let inside = group.inside(&windows);
            let classes: Vec<Class> = scopes
                .iter()
                .map(|scope| class(group.countries, scope))
                .collect();
            for (slot, &i) in mine.iter().enumerate() {
                let q = &queries[i];
                let [narrow, after, before] = [0, 1, 2].map(|k| inside[3 * slot + k]);
                // Counted at all: undated, overlapping the wide window, or
                // inside the narrow one (only its parts outside the wide one
                // are not already in the overlap).
                let counted = group.overlapping(q.wide) + after + before;
                match classes[scope_of[i]] {
                    Class::Out => {}
                    Class::NoCountry => sum[slot] = sum[slot] + counted,
                    Class::InScope => {
                        certain[slot] = certain[slot] + narrow;
                        sum[slot] = sum[slot] + counted;
                    }
                }
            }
        }
        for (slot, &i) in mine.iter().enumerate() {
            out[i] = Some(finish(certain[slot], sum[slot]));
        }
    }
    out
}

/// The days of `narrow` after `wide` ends, if any.
fn after(narrow: Span, wide: Span) -> Option<Span> {
    let start = Date::from_days_since_epoch(wide.end.days_since_epoch() + 1)?.max(narrow.start);
    (start <= narrow.end).then_some(Span {
        start,
        end: narrow.end,
    })
}

/// The days of `narrow` before `wide` starts, if any.
fn before(narrow: Span, wide: Span) -> Option<Span> {
    let end = Date::from_days_since_epoch(wide.start.days_since_epoch() - 1)?.min(narrow.end);
    (narrow.start <= end).then_some(Span {
        start: narrow.start,
        end,
    })
}

/// `certain` is part of `sum`.
fn finish(certain: Weight, sum: Weight) -> Summary {
    let clamp = |n: u128| u64::try_from(n).unwrap_or(u64::MAX);
    Summary {
        range: Range {
            low: clamp(certain.low),
            high: (sum.open == 0).then(|| clamp(sum.high)),
        },
        certain: certain.with_figure,
        possible: sum.with_figure - certain.with_figure,
        no_figure: sum.no_figure,
    }
}

/// How an incident's countries meet a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Any country counts, or one of the incident's is named.
    InScope,
    /// The incident names no country: it may be in a scope that names some.
    NoCountry,
    /// It is elsewhere.
    Out,
}

fn class(countries: &[&str], scope: &[Text]) -> Class {
    if scope.is_empty() || names_any(countries, scope) {
        Class::InScope
    } else if countries.is_empty() {
        Class::NoCountry
    } else {
        Class::Out
    }
}

/// What a set of incidents adds, in sums that can be subtracted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Weight {
    /// Incidents with a figure.
    with_figure: u64,
    /// Their figures' low ends.
    low: u128,
    /// Their figures' closed high ends.
    high: u128,
    /// Figures open above.
    open: u64,
    /// Incidents without a figure.
    no_figure: u64,
}

impl Weight {
    fn of(figure: Option<Range>) -> Weight {
        match figure {
            None => Weight {
                no_figure: 1,
                ..Weight::default()
            },
            Some(r) => Weight {
                with_figure: 1,
                low: u128::from(r.low),
                high: r.high.map_or(0, u128::from),
                open: u64::from(r.high.is_none()),
                no_figure: 0,
            },
        }
    }
}

impl Add for Weight {
    type Output = Weight;
    fn add(self, o: Weight) -> Weight {
        Weight {
            with_figure: self.with_figure + o.with_figure,
            low: self.low + o.low,
            high: self.high + o.high,
            open: self.open + o.open,
            no_figure: self.no_figure + o.no_figure,
        }
    }
}

impl Sub for Weight {
    type Output = Weight;
    fn sub(self, o: Weight) -> Weight {
        Weight {
            with_figure: self.with_figure - o.with_figure,
            low: self.low - o.low,
            high: self.high - o.high,
            open: self.open - o.open,
            no_figure: self.no_figure - o.no_figure,
        }
    }
}

/// A dated incident of a group.
#[derive(Clone, Copy)]
struct Point {
    span: Span,
    weight: Weight,
}

/// The incidents naming each set of countries (sorted), by their place in
/// the list, in the sets' order: worked out once for every basis.
type ByCountries<'i> = Vec<(Cow<'i, [&'i str]>, Vec<usize>)>;

fn by_countries<'i>(incidents: &'i [Combined<'_>]) -> ByCountries<'i> {
    let mut by: BTreeMap<Cow<'i, [&'i str]>, Vec<usize>> = BTreeMap::new();
    for (at, incident) in incidents.iter().enumerate() {
        // Nearly every incident names one country or none: its list is
        // sorted already, and borrowed as the key.
        let countries: Cow<'i, [&'i str]> = if incident.countries.is_sorted() {
            Cow::Borrowed(&incident.countries[..])
        } else {
            let mut sorted = incident.countries.to_vec();
            sorted.sort_unstable();
            Cow::Owned(sorted)
        };
        by.entry(countries).or_default().push(at);
    }
    by.into_iter().collect()
}

/// The distinct scopes of `queries`, and for each query the place of its
/// scope among them: a group's class is worked out once per scope.
fn distinct_scopes<'a>(queries: &[Query<'a>]) -> (Vec<&'a [Text]>, Vec<usize>) {
    let mut places: BTreeMap<&'a [Text], usize> = BTreeMap::new();
    let scope_of = queries
        .iter()
        .map(|q| {
            let next = places.len();
            *places.entry(q.scope).or_insert(next)
        })
        .collect();
    let mut scopes = vec![&[][..]; places.len()];
    for (scope, at) in places {
        scopes[at] = scope;
    }
    (scopes, scope_of)
}

/// The incidents of one basis that name the same countries.
struct Group<'g> {
    countries: &'g [&'g str],
    undated: Weight,
    /// Dated incidents by start day, with prefix sums (`by_start_sums[i]` adds
    /// the first `i`).
    by_start: Vec<Point>,
    by_start_sums: Vec<Weight>,
    /// End days in order, with prefix sums.
    ends: Vec<Date>,
    by_end_sums: Vec<Weight>,
}

fn groups<'g>(
    incidents: &[Combined<'_>],
    by_countries: &'g ByCountries<'_>,
    basis: Basis,
    exclude_intercepted: bool,
) -> Vec<Group<'g>> {
    by_countries
        .iter()
        .filter_map(|(countries, ats)| {
            let mut undated = Weight::default();
            let mut points = Vec::new();
            for incident in ats.iter().map(|&at| &incidents[at]) {
                if !basis.admits(incident, exclude_intercepted) {
                    continue;
                }
                let weight = Weight::of(basis.figure(incident));
                match incident.date {
                    None => undated = undated + weight,
                    Some(date) => points.push(Point {
                        span: date.span,
                        weight,
                    }),
                }
            }
            let admitted = undated != Weight::default() || !points.is_empty();
            admitted.then_some((&countries[..], undated, points))
        })
        .map(|(countries, undated, mut points)| {
            points.sort_by_key(|p| p.span.start);
            let by_start_sums = prefix_sums(points.iter().map(|p| p.weight));
            let mut by_end: Vec<(Date, Weight)> =
                points.iter().map(|p| (p.span.end, p.weight)).collect();
            by_end.sort_by_key(|&(end, _)| end);
            let by_end_sums = prefix_sums(by_end.iter().map(|&(_, w)| w));
            Group {
                countries,
                undated,
                by_start: points,
                by_start_sums,
                ends: by_end.into_iter().map(|(end, _)| end).collect(),
                by_end_sums,
            }
        })
        .collect()
}

fn prefix_sums(weights: impl Iterator<Item = Weight>) -> Vec<Weight> {
    let mut sums = vec![Weight::default()];
    let mut total = Weight::default();
    for w in weights {
        total = total + w;
        sums.push(total);
    }
    sums
}

impl Group<'_> {
    /// Undated incidents and those whose dates share a day with `wide`: all
    /// dated ones but those starting after it and those ending before it (a
    /// span cannot do both).
    fn overlapping(&self, wide: Span) -> Weight {
        let starting_by = self.by_start.partition_point(|p| p.span.start <= wide.end);
        let ending_before = self.ends.partition_point(|&e| e < wide.start);
        self.undated + self.by_start_sums[starting_by] - self.by_end_sums[ending_before]
    }

    /// For each window, the dated incidents lying inside it: windows by
    /// latest start first, adding incidents by latest start first to a
    /// Fenwick tree over end days, then summing the ends up to the window's.
    fn inside(&self, windows: &[Option<Span>]) -> Vec<Weight> {
        let mut out = vec![Weight::default(); windows.len()];
        let mut order: Vec<(usize, Span)> = windows
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .collect();
        order.sort_by_key(|&(_, w)| std::cmp::Reverse(w.start));
        let mut tree = Fenwick::new(self.ends.len());
        let mut next = self.by_start.len();
        for (i, window) in order {
            while next > 0 && self.by_start[next - 1].span.start >= window.start {
                next -= 1;
                let p = self.by_start[next];
                // Equal end days share one slot: the first of them.
                tree.add(self.ends.partition_point(|&e| e < p.span.end), p.weight);
            }
            out[i] = tree.sum_before(self.ends.partition_point(|&e| e <= window.end));
        }
        out
    }
}

/// A Fenwick (binary indexed) tree of weights.
struct Fenwick {
    nodes: Vec<Weight>,
}

impl Fenwick {
    fn new(len: usize) -> Fenwick {
        Fenwick {
            nodes: vec![Weight::default(); len + 1],
        }
    }

    fn add(&mut self, slot: usize, weight: Weight) {
        let mut i = slot + 1;
        while i < self.nodes.len() {
            self.nodes[i] = self.nodes[i] + weight;
            i += i & i.wrapping_neg();
        }
    }

    /// The sum of slots `0..end`.
    fn sum_before(&self, end: usize) -> Weight {
        let mut sum = Weight::default();
        let mut i = end;
        while i > 0 {
            sum = sum + self.nodes[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }
}
