//! `tallies`: incidents and stated casualties, grouped by any of country, site,
//! month, week, attack type, actor, outcome and direction, under a counting rule
//! that is echoed with the result.
//!
//! Every figure is a range. An incident counts in the low end when it certainly
//! falls in its group and the `--from`/`--to` window, and only in the high end
//! when its date interval straddles the window. An incident with several attack
//! types or actors counts once under each, so group rows may add up to more than
//! the total row, which counts each incident once. Killed and wounded add up the
//! figures the sources state; an incident with none stated adds nothing, and the
//! `incidents` view shows which those are.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::counted::{Counted, Listed};
use super::rule::{DirectionRule, Fit};
use super::{name_of, Params};
use crate::fact::Direction;
use crate::projection::combine::{Range, Span};
use crate::projection::detail::Detail;
use crate::projection::resolve::Resolved;
use crate::projection::table::Table;
use crate::time::Date;

/// A `--by` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// The country hit (ISO code).
    Country,
    /// The registry site.
    Site,
    /// The calendar month.
    Month,
    /// The ISO week.
    Week,
    /// Each attack type.
    AttackType,
    /// Each attacker or claimant.
    Actor,
    /// The combined outcome.
    Outcome,
    /// The direction.
    Direction,
}

impl GroupBy {
    /// Every key.
    pub const ALL: [GroupBy; 8] = [
        GroupBy::Country,
        GroupBy::Site,
        GroupBy::Month,
        GroupBy::Week,
        GroupBy::AttackType,
        GroupBy::Actor,
        GroupBy::Outcome,
        GroupBy::Direction,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Country => "country",
            GroupBy::Site => "site",
            GroupBy::Month => "month",
            GroupBy::Week => "week",
            GroupBy::AttackType => "attack_type",
            GroupBy::Actor => "actor",
            GroupBy::Outcome => "outcome",
            GroupBy::Direction => "direction",
        }
    }

    /// The labels an incident falls under for this key (several for attack
    /// types and actors).
    fn labels(self, incident: &impl Counted) -> Vec<String> {
        let incident = incident.facets();
        let one_or = |items: &[&str], none: &str| -> Vec<String> {
            match items {
                [] => vec![none.to_owned()],
                [one] => vec![(*one).to_owned()],
                many => vec![format!("{} (sources differ)", many.join("/"))],
            }
        };
        match self {
            GroupBy::Country => one_or(incident.countries, "unknown"),
            GroupBy::Site => one_or(incident.sites, "no site"),
            GroupBy::Month => vec![incident.date.map_or_else(
                || "undated".to_owned(),
                |d| period_label(d.span, |day| day.to_string()[..7].to_owned()),
            )],
            GroupBy::Week => vec![incident.date.map_or_else(
                || "undated".to_owned(),
                |d| {
                    period_label(d.span, |day| {
                        let (year, week) = day.iso_week();
                        format!("{year}-W{week:02}")
                    })
                },
            )],
            GroupBy::AttackType => {
                let types: Vec<String> = incident.attack_types.iter().map(name_of).collect();
                if types.is_empty() {
                    vec!["unknown".to_owned()]
                } else {
                    types
                }
            }
            GroupBy::Actor => {
                if incident.actors.is_empty() {
                    vec!["unattributed".to_owned()]
                } else {
                    incident.actors.iter().map(|a| (*a).to_owned()).collect()
                }
            }
            GroupBy::Outcome => vec![name_of(&incident.outcome)],
            GroupBy::Direction => vec![name_of(&incident.direction)],
        }
    }
}

/// The label of the period a span falls in: one period when both ends share
/// it, else "first..last" (a vaguely dated incident gets its own row rather than
/// being put in a month it may not belong to).
fn period_label(span: Span, label: impl Fn(crate::time::Date) -> String) -> String {
    let (a, b) = (label(span.start), label(span.end));
    if a == b {
        a
    } else {
        format!("{a}..{b}")
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GroupBy {
    type Err = String;

    fn from_str(text: &str) -> Result<GroupBy, String> {
        GroupBy::ALL
            .into_iter()
            .find(|g| g.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = GroupBy::ALL.iter().map(|g| g.name()).collect();
                format!("unknown key `{text}`; expected one of {}", names.join(", "))
            })
    }
}

/// An incident as a row lists it: where it sorts (its dates packed so that
/// they compare as one integer; undated last), and its key (borrowed; a total
/// row at a million facts lists over half a million).
type Entry<'c> = (u64, &'c str);

fn entry<'c>(incident: &impl Listed<'c>) -> Entry<'c> {
    let place = incident.facets().date.map_or(u64::MAX, |d| {
        let biased = |day: Date| u64::from(day.days_since_epoch().wrapping_sub(i32::MIN) as u32);
        biased(d.span.start) << 32 | biased(d.span.end)
    });
    (place, incident.listed_key())
}

/// One group's running totals.
#[derive(Default)]
struct Tally<'c> {
    certain: Vec<Entry<'c>>,
    possible: Vec<Entry<'c>>,
    killed: Option<(Range, Range)>,
    wounded: Option<(Range, Range)>,
}

impl<'c> Tally<'c> {
    fn add(&mut self, incident: &impl Listed<'c>, fit: Fit) {
        let certain = fit == Fit::In;
        if certain {
            self.certain.push(entry(incident));
        } else {
            self.possible.push(entry(incident));
        }
        add_figure(&mut self.killed, incident.total(true), certain);
        add_figure(&mut self.wounded, incident.total(false), certain);
    }

    fn merge(&mut self, other: Tally<'c>) {
        self.certain.extend(other.certain);
        self.possible.extend(other.possible);
        merge_figures(&mut self.killed, other.killed);
        merge_figures(&mut self.wounded, other.wounded);
    }

    fn incidents(&self) -> Range {
        let low = self.certain.len() as u64;
        Range {
            low,
            high: Some(low + self.possible.len() as u64),
        }
    }
}

/// The keys of `entries` in incident order (dated first, by date, then by
/// key; keys are distinct, so the order is total). Sorted in place: nearly
/// linear when they came in that order already.
fn listed<'c>(entries: &mut [Entry<'c>]) -> Vec<&'c str> {
    entries.sort_unstable();
    entries.iter().map(|(_, key)| *key).collect()
}

/// A row's detail (the field order is the JSON's).
#[derive(Serialize)]
struct RowDetail<'a> {
    key: &'a str,
    group: Option<Map<String, Value>>,
    incidents: Range,
    killed: Option<Range>,
    wounded: Option<Range>,
    certain: Vec<&'a str>,
    possible: Vec<&'a str>,
}

/// Adds a figure to a (certain, possible) pair of sums: a certain incident adds
/// to both, a possible one only to the upper sum.
fn add_figure(slot: &mut Option<(Range, Range)>, figure: Option<Range>, certain: bool) {
    let Some(figure) = figure else { return };
    let (low, high) = slot.get_or_insert((Range::ZERO, Range::ZERO));
    if certain {
        *low = low.plus(figure);
    }
    *high = high.plus(figure);
}

/// Adds another part's (certain, possible) sums to these.
fn merge_figures(slot: &mut Option<(Range, Range)>, other: Option<(Range, Range)>) {
    let Some((other_low, other_high)) = other else {
        return;
    };
    let (low, high) = slot.get_or_insert((Range::ZERO, Range::ZERO));
    *low = low.plus(other_low);
    *high = high.plus(other_high);
}

/// Shows a (certain, possible) pair as one range: from the certain sum's low to
/// the possible sum's high.
fn span_of(pair: Option<(Range, Range)>) -> Option<Range> {
    pair.map(|(low, high)| Range {
        low: low.low,
        high: high.high,
    })
}

fn cell(range: Option<Range>) -> String {
    range.map_or_else(|| "—".to_owned(), |r| r.to_string())
}

/// The `tallies` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    table_of(resolved.combined(), params)
}

/// The `tallies` view of these incidents, given in any order.
pub fn table_of<'c, C: Listed<'c>>(
    incidents: impl IntoIterator<Item = C>,
    params: &Params,
) -> Table {
    let mut counting = Counting::default();
    for incident in incidents {
        counting.add(&incident, params);
    }
    counting.table(params, Details::Full)
}

/// Whether rows carry their JSON detail. Text and CSV show only the cells;
/// a row's detail lists every incident it counts (over half a million keys at
/// a million facts), which costs more than all the counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Details {
    /// Every row with its detail.
    Full,
    /// Cells only; each detail is `null`.
    CellsOnly,
}

/// Incidents counted into groups and the total, not yet rows: parts of the
/// incidents can be counted apart (on several cores) and merged.
#[derive(Default)]
pub struct Counting<'c> {
    groups: BTreeMap<Vec<String>, Tally<'c>>,
    total: Tally<'c>,
}

/// The direction `tallies` counts unless told otherwise.
pub const DEFAULT_DIRECTION: DirectionRule = DirectionRule::Only(Direction::OnUsForces);

impl<'c> Counting<'c> {
    /// Counts one incident under `params`.
    pub fn add(&mut self, incident: &impl Listed<'c>, params: &Params) {
        let fit = params.rule.fit(incident, DEFAULT_DIRECTION);
        if fit == Fit::Out {
            return;
        }
        self.total.add(incident, fit);
        if params.by.is_empty() {
            return;
        }
        let mut keys: Vec<Vec<String>> = vec![Vec::new()];
        for by in &params.by {
            let labels = by.labels(incident);
            keys = keys
                .into_iter()
                .flat_map(|k| {
                    labels.iter().map(move |l| {
                        let mut k = k.clone();
                        k.push(l.clone());
                        k
                    })
                })
                .collect();
        }
        for key in keys {
            self.groups.entry(key).or_default().add(incident, fit);
        }
    }

    /// Adds what another part counted.
    pub fn merge(&mut self, other: Counting<'c>) {
        for (key, tally) in other.groups {
            self.groups.entry(key).or_default().merge(tally);
        }
        self.total.merge(other.total);
    }

    /// The table: a row per group, then the total.
    pub fn table(mut self, params: &Params, details: Details) -> Table {
        let default = DEFAULT_DIRECTION;
        let mut columns: Vec<&'static str> = params.by.iter().map(|g| g.name()).collect();
        columns.extend(["incidents", "killed", "wounded"]);
        let mut table = Table::with_rows("tallies", columns, params.rows);
        table.rule = params.rule.describe(default);
        table.rule.push("incidents as a range: the low end counts those certainly in the group, the high end adds those whose date only may fall in the window".to_owned());
        if params
            .by
            .iter()
            .any(|g| matches!(g, GroupBy::AttackType | GroupBy::Actor))
        {
            table.rule.push("an incident with several attack types or actors counts once under each; the total counts it once".to_owned());
        }
        table.rule.push("killed and wounded add up the figures the sources state (every group of people); an incident with no figure stated adds nothing".to_owned());
        table.extra.insert(
            "by".into(),
            json!(params.by.iter().map(|g| g.name()).collect::<Vec<_>>()),
        );
        table
            .extra
            .insert("counting_rule".into(), params.rule.to_json(default));
        for (labels, tally) in &mut self.groups {
            push_row(&mut table, params, labels, tally, false, details);
        }
        let total_labels: Vec<String> = params
            .by
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if i == 0 {
                    "total".to_owned()
                } else {
                    String::new()
                }
            })
            .collect();
        push_row(
            &mut table,
            params,
            &total_labels,
            &mut self.total,
            true,
            details,
        );
        table
    }
}

fn push_row(
    table: &mut Table,
    params: &Params,
    labels: &[String],
    tally: &mut Tally<'_>,
    is_total: bool,
    details: Details,
) {
    let (killed, wounded) = (span_of(tally.killed), span_of(tally.wounded));
    let mut cells = labels.to_vec();
    cells.extend([tally.incidents().to_string(), cell(killed), cell(wounded)]);
    let key = if is_total {
        "total".to_owned()
    } else {
        labels.join("|")
    };
    if details == Details::CellsOnly {
        table.push(key, cells, Detail::of(&()));
        return;
    }
    let mut group = Map::new();
    for (by, label) in params.by.iter().zip(labels) {
        group.insert(by.name().to_owned(), Value::String(label.clone()));
    }
    let detail = Detail::of(&RowDetail {
        key: &key,
        group: (!is_total).then_some(group),
        incidents: tally.incidents(),
        killed,
        wounded,
        certain: listed(&mut tally.certain),
        possible: listed(&mut tally.possible),
    });
    table.push(key, cells, detail);
}
