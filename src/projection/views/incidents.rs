//! `incidents`: one row per incident, every live report under any of its merged
//! keys combined (docs/projections.md, "Combining sources").
//!
//! [`combine`] builds the [`Combined`] incident that `tallies`, `pauses`, `counts`
//! and `timeline` count, so every numeric view agrees on what an incident is.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use smallvec::SmallVec;

use super::counted::order_key;
use super::rule::{DirectionRule, Fit};
use super::{list, name_of, Params};
use crate::fact::{
    ActorRef, AttackType, CasualtyGroup, Direction, FactBody, Incident, Outcome, Quantity,
};
use crate::parallel;
use crate::projection::combine::{combine_dates, wording, CombinedDate, Range, Span};
use crate::projection::detail::Detail;
use crate::projection::resolve::{Group, Live, Resolved};
use crate::projection::table::Table;

/// One source's figure, as it worded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceFigure<'p> {
    /// The source key.
    pub source: &'p str,
    /// The report's words ("three", "at least seven + 18").
    pub stated: String,
}

/// A figure combined across sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Figure<'p> {
    /// From the lowest to the highest any source allows.
    pub range: Range,
    /// What each source said.
    pub by_source: Vec<SourceFigure<'p>>,
}

/// Killed and wounded in one group, combined across sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupFigures<'p> {
    /// Who.
    pub group: CasualtyGroup,
    /// Killed, when some source states it.
    pub killed: Option<Figure<'p>>,
    /// Wounded, when some source states it.
    pub wounded: Option<Figure<'p>>,
}

/// One source's date for the incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceDate<'p> {
    /// The source key.
    pub source: &'p str,
    /// The interval, written as `YYYY-MM-DD` or `start..end`.
    #[serde(serialize_with = "as_text")]
    pub date: Span,
    /// The source's words, when kept.
    pub raw: Option<&'p str>,
}

/// A list that holds one item without allocating: most of an incident's
/// lists (its sources, places, countries, attackers) have one, and a
/// million-fact ledger combines 640,000 incidents
/// (docs/performance.md, "What changed in the fourteenth round").
pub type List<T> = SmallVec<[T; 1]>;

/// An incident with every live report combined. Its names and keys are
/// borrowed from the picture's facts, not copied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Combined<'p> {
    /// The key it goes by.
    pub key: &'p str,
    /// Every key merged into it, including `key`.
    pub aliases: List<&'p str>,
    /// The combined date interval.
    pub date: Option<CombinedDate>,
    /// Each source's date.
    pub dates: List<SourceDate<'p>>,
    /// Place names as reported, distinct.
    pub places: List<&'p str>,
    /// Countries, distinct.
    pub countries: List<&'p str>,
    /// Registry site keys, distinct.
    pub sites: List<&'p str>,
    /// The direction of its first report under its own key.
    pub direction: Direction,
    /// Every direction its reports give, when they disagree.
    pub directions: List<Direction>,
    /// Every attack type any report gives.
    pub attack_types: List<AttackType>,
    /// The outcome every report that states one agrees on, else `unknown`.
    pub outcome: Outcome,
    /// Every stated outcome.
    pub outcomes: List<Outcome>,
    /// Casualties by group.
    pub casualties: Vec<GroupFigures<'p>>,
    /// Attackers as reported.
    pub attackers: List<&'p str>,
    /// Who is named as attacker or claimant: registry keys where the report
    /// gives one, else names as reported (for grouping by actor).
    pub actors: List<&'p str>,
    /// Claimants of live claims naming it.
    pub claimed_by: List<&'p str>,
    /// Live denials of any of its reports or claims ("Kataib Hezbollah (involvement)").
    pub denied_by: Vec<String>,
    /// Source keys of its live reports.
    pub sources: List<&'p str>,
    /// Fact keys of its live reports.
    pub reports: List<&'p str>,
    /// "2 sources", "merged", "corrected", "denied", "dates disputed".
    pub status: List<Cow<'static, str>>,
}

impl Combined<'_> {
    /// Killed or wounded, summed over every group, when any group states it.
    pub fn total(&self, killed: bool) -> Option<Range> {
        self.casualties
            .iter()
            .filter_map(|g| if killed { &g.killed } else { &g.wounded }.as_ref())
            .map(|f| f.range)
            .reduce(Range::plus)
    }

    /// Killed or wounded in the given groups, when any of them states it.
    pub fn total_in(&self, groups: &[CasualtyGroup], killed: bool) -> Option<Range> {
        self.casualties
            .iter()
            .filter(|g| groups.contains(&g.group))
            .filter_map(|g| if killed { &g.killed } else { &g.wounded }.as_ref())
            .map(|f| f.range)
            .reduce(Range::plus)
    }
}

/// Every incident with at least one live report, in date order (undated last).
pub fn combine<'p>(resolved: &Resolved<'p>) -> Vec<Combined<'p>> {
    let groups: Vec<&Group<'_>> = resolved.groups().collect();
    // Each incident is combined from its own reports alone: on every core.
    in_order(parallel::map(&groups, 1024, |g| combine_group(resolved, g)))
}

/// `combined`, which comes in key order, sorted by [`order_key`]. Positions
/// in key order break ties as the keys themselves would (the sort is
/// stable), so the sort orders small (undated, span, position) triples and
/// compares no strings; the incidents, 424 bytes each, are then swapped into
/// place, in the vector they are in. Sorting the incidents themselves moved
/// each about as many times as the sort has passes; moving them into a new
/// vector took a second copy of them all, 271 MB at 1M (round 21).
fn in_order(mut combined: Vec<Combined<'_>>) -> Vec<Combined<'_>> {
    debug_assert!(combined.windows(2).all(|w| w[0].key < w[1].key));
    combined.sort_by_cached_key(|incident| {
        let (undated, span, _) = order_key(incident);
        (undated, span)
    });
    combined
}

/// A value written as its `Display` text.
fn as_text<S: Serializer>(
    value: &impl std::fmt::Display,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn combine_group<'p>(resolved: &Resolved<'p>, group: &Group<'p>) -> Combined<'p> {
    // Each report and claim is looked up once; its versions in force and
    // denials are read from what the lookup found.
    let live_reports: Vec<&Live<'p>> = group
        .reports
        .iter()
        .filter_map(|k| resolved.live(k))
        .collect();
    let live_claims: Vec<&Live<'p>> = group
        .claims
        .iter()
        .filter_map(|k| resolved.live(k))
        .collect();
    let reports: Vec<(&'p str, &'p Incident)> = live_reports
        .iter()
        .filter_map(|l| match l.body {
            FactBody::Incident(i) => Some((l.key, &**i)),
            _ => None,
        })
        .collect();
    let date = combine_dates(reports.iter().map(|(_, i)| &i.occurred));
    let dates = reports
        .iter()
        .map(|(_, i)| SourceDate {
            source: i.source.as_str(),
            date: Span::of(&i.occurred),
            raw: i.occurred.raw.as_deref(),
        })
        .collect();
    let primary = reports
        .iter()
        .find(|(_, i)| i.incident == group.key)
        .or(reports.first())
        .map_or(Direction::Other, |(_, i)| i.direction);
    let mut directions = distinct(reports.iter().map(|(_, i)| i.direction));
    if directions.len() < 2 {
        directions.clear();
    }
    let outcomes = distinct(
        reports
            .iter()
            .map(|(_, i)| i.outcome)
            .filter(|o| *o != Outcome::Unknown),
    );
    let outcome = match outcomes.as_slice() {
        [one] => *one,
        _ => Outcome::Unknown,
    };
    let mut denied_by = Vec::new();
    for live in live_reports.iter().chain(&live_claims) {
        for (_, d) in resolved.denials_on(live) {
            let text = format!("{} ({})", d.denier.name, name_of(&d.denial_type));
            if !denied_by.contains(&text) {
                denied_by.push(text);
            }
        }
    }
    let claims: Vec<&'p ActorRef> = live_claims
        .iter()
        .filter_map(|l| match l.body {
            FactBody::Claim(c) => Some(&c.claimant),
            _ => None,
        })
        .collect();
    let claimed_by = distinct(claims.iter().map(|a| a.name.as_str()));
    let actors = distinct(
        reports
            .iter()
            .flat_map(|(_, i)| i.attackers.iter())
            .chain(claims.iter().copied())
            .map(|a| a.actor.as_deref().unwrap_or(a.name.as_str())),
    );
    let corrected = live_reports.iter().any(|l| !l.corrections.is_empty());
    let sources = distinct(reports.iter().map(|(_, i)| i.source.as_str()));
    let mut status: List<Cow<'static, str>> = List::new();
    status.push(if sources.len() == 1 {
        Cow::Borrowed("1 source")
    } else {
        Cow::Owned(format!("{} sources", sources.len()))
    });
    if group.aliases.len() > 1 {
        status.push(format!("merged from {} keys", group.aliases.len()).into());
    }
    if corrected {
        status.push("corrected".into());
    }
    if !denied_by.is_empty() {
        status.push("denied".into());
    }
    if date.is_some_and(|d| !d.agreed) {
        status.push("dates disputed".into());
    }
    Combined {
        key: group.key,
        aliases: group.aliases.iter().copied().collect(),
        date,
        dates,
        places: distinct(reports.iter().map(|(_, i)| i.target.name.as_str())),
        countries: distinct(
            reports
                .iter()
                .filter_map(|(_, i)| i.target.country.as_deref()),
        ),
        sites: distinct(reports.iter().filter_map(|(_, i)| i.target.site.as_deref())),
        direction: primary,
        directions,
        attack_types: distinct(
            reports
                .iter()
                .flat_map(|(_, i)| i.attack_types.iter().copied()),
        ),
        outcome,
        outcomes,
        casualties: casualties(&reports),
        attackers: distinct(
            reports
                .iter()
                .flat_map(|(_, i)| i.attackers.iter().map(|a| a.name.as_str())),
        ),
        actors,
        claimed_by,
        denied_by,
        sources,
        reports: reports.iter().map(|(k, _)| *k).collect(),
        status,
    }
}

/// Per group: each report's rows of that group summed (they count different
/// people), then the reports' sums spread into one range.
fn casualties<'p>(reports: &[(&'p str, &'p Incident)]) -> Vec<GroupFigures<'p>> {
    // A handful of groups at most: small vectors, not maps.
    let mut by_group: Vec<GroupFigures<'p>> = Vec::new();
    let mut mine: Vec<(CasualtyGroup, Vec<&Quantity>, Vec<&Quantity>)> = Vec::new();
    for (_, incident) in reports {
        mine.clear();
        for row in &incident.casualties {
            let at = match mine.iter().position(|(g, _, _)| *g == row.group) {
                Some(at) => at,
                None => {
                    mine.push((row.group, Vec::new(), Vec::new()));
                    mine.len() - 1
                }
            };
            mine[at].1.extend(row.killed.as_ref());
            mine[at].2.extend(row.wounded.as_ref());
        }
        for (group, killed, wounded) in &mine {
            let at = match by_group.iter().position(|g| g.group == *group) {
                Some(at) => at,
                None => {
                    by_group.push(GroupFigures {
                        group: *group,
                        killed: None,
                        wounded: None,
                    });
                    by_group.len() - 1
                }
            };
            let slot = &mut by_group[at];
            add_figure(&mut slot.killed, &incident.source, killed);
            add_figure(&mut slot.wounded, &incident.source, wounded);
        }
    }
    by_group.retain(|g| g.killed.is_some() || g.wounded.is_some());
    by_group.sort_by_key(|g| g.group);
    by_group
}

fn add_figure<'p>(slot: &mut Option<Figure<'p>>, source: &'p str, rows: &[&Quantity]) {
    let Some(sum) = rows.iter().map(|q| Range::of(q)).reduce(Range::plus) else {
        return;
    };
    let stated = match rows {
        [one] => wording(one),
        _ => rows
            .iter()
            .map(|q| wording(q))
            .collect::<Vec<_>>()
            .join(" + "),
    };
    let entry = SourceFigure { source, stated };
    match slot {
        Some(figure) => {
            figure.range = figure.range.spread(sum);
            figure.by_source.push(entry);
        }
        None => {
            *slot = Some(Figure {
                range: sum,
                by_source: vec![entry],
            });
        }
    }
}

fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> List<T> {
    let mut out = List::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Killed or wounded by group, for a table cell: "us_military 3; partner_forces ≥7".
pub fn casualty_cell(incident: &Combined, killed: bool) -> String {
    let parts: Vec<String> = incident
        .casualties
        .iter()
        .filter_map(|g| {
            let figure = if killed { &g.killed } else { &g.wounded };
            figure
                .as_ref()
                .map(|f| format!("{} {}", name_of(&g.group), f.range))
        })
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Whether any of `countries` is one of `wanted` (the country filters of
/// `--country` and of a count's scope).
pub fn names_any<W: AsRef<str>>(countries: &[&str], wanted: &[W]) -> bool {
    countries
        .iter()
        .any(|c| wanted.iter().any(|w| w.as_ref() == *c))
}

/// Every attack type any report gives, for a table cell.
pub fn attack_types_cell(incident: &Combined) -> String {
    list(
        &incident
            .attack_types
            .iter()
            .map(name_of)
            .collect::<Vec<_>>(),
    )
}

/// The date cell: the combined interval, marked when the sources disagree.
pub fn date_cell(incident: &Combined) -> String {
    match incident.date {
        Some(d) if d.agreed => d.span.to_string(),
        Some(d) => format!("{} (disputed)", d.span),
        None => "undated".to_owned(),
    }
}

/// The `incidents` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let mut table = Table::with_rows(
        "incidents",
        vec![
            "incident",
            "date",
            "place",
            "country",
            "direction",
            "attack types",
            "outcome",
            "killed",
            "wounded",
            "claimed by",
            "denied by",
            "sources",
            "status",
        ],
        params.rows,
    );
    table.rule = params.rule.describe(DirectionRule::Any);
    table.rule.push(
        "several sources on one incident: the dates they share (or all of them, marked disputed), every figure as a range from the lowest to the highest any source gives".to_owned(),
    );
    // Each row depends on its incident alone: built on every core, kept in
    // order, a slice of incidents at a time, so that a table that digests
    // its rows (`Rows::Digested`) never holds them all.
    for slice in resolved.combined().chunks(ROWS_AT_ONCE) {
        let rows = parallel::map(slice, 1024, |incident| incident_row(incident, params));
        for (key, cells, detail) in rows.into_iter().flatten() {
            table.push(key, cells, detail);
        }
    }
    table
}

/// How many incidents' rows are built at once.
const ROWS_AT_ONCE: usize = 32_768;

/// One incident's row (key, cells, JSON detail), or `None` when the rule
/// leaves it out.
fn incident_row(incident: &Combined, params: &Params) -> Option<(String, Vec<String>, Detail)> {
    let fit = params.rule.fit(incident, DirectionRule::Any);
    if fit == Fit::Out {
        return None;
    }
    let mut status = incident.status.clone();
    if fit == Fit::Maybe {
        status.push("may fall outside the window".into());
    }
    let cells = params.cells.build(|| {
        let outcome = if incident.outcomes.len() > 1 {
            incident
                .outcomes
                .iter()
                .map(name_of)
                .collect::<Vec<_>>()
                .join(" / ")
        } else {
            name_of(&incident.outcome)
        };
        vec![
            incident.key.to_owned(),
            date_cell(incident),
            list(&incident.places),
            list(&incident.countries),
            name_of(&incident.direction),
            attack_types_cell(incident),
            outcome,
            casualty_cell(incident, true),
            casualty_cell(incident, false),
            list(&incident.claimed_by),
            list(&incident.denied_by),
            list(&incident.sources),
            status.join(", "),
        ]
    });
    // The detail is the incident itself, with the row's status (which may
    // carry the window's caveat).
    let detail = if status == incident.status {
        Detail::of(incident)
    } else {
        Detail::of(&Combined {
            status,
            ..incident.clone()
        })
    };
    Some((incident.key.to_owned(), cells, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::views::testing::synthetic_picture;

    /// Sorting positions gives the order a sort of the incidents themselves
    /// by [`order_key`] gives, ties of date broken by key, on a synthetic
    /// corpus where many incidents share a date.
    #[test]
    fn incidents_come_in_the_order_of_their_order_key() {
        let picture = synthetic_picture(4, 3_000);
        let resolved = Resolved::new(&picture);
        let ours: Vec<&str> = combine(&resolved).into_iter().map(|c| c.key).collect();
        let mut theirs: Vec<Combined<'_>> = resolved
            .groups()
            .map(|g| combine_group(&resolved, g))
            .collect();
        theirs.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        let ties = theirs
            .windows(2)
            .filter(|w| order_key(&w[0]).1 == order_key(&w[1]).1)
            .count();
        assert!(
            ties > 10,
            "only {ties} incidents share a date with the next"
        );
        let theirs: Vec<&str> = theirs.into_iter().map(|c| c.key).collect();
        assert_eq!(ours, theirs);
    }
}
