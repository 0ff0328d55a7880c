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

use serde_json::{json, Map, Value};

use super::incidents::Combined;
use super::rule::{DirectionRule, Fit};
use super::{name_of, Params};
use crate::fact::Direction;
use crate::projection::combine::{Range, Span};
use crate::projection::resolve::Resolved;
use crate::projection::table::Table;

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
    fn labels(self, incident: &Combined) -> Vec<String> {
        let one_or = |items: &[&str], none: &str| -> Vec<String> {
            match items {
                [] => vec![none.to_owned()],
                [one] => vec![(*one).to_owned()],
                many => vec![format!("{} (sources differ)", many.join("/"))],
            }
        };
        match self {
            GroupBy::Country => one_or(&incident.countries, "unknown"),
            GroupBy::Site => one_or(&incident.sites, "no site"),
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

/// One group's running totals; incident keys are borrowed from the combined
/// incidents (a total row at a million facts lists over half a million).
#[derive(Default)]
struct Tally<'c> {
    certain: Vec<&'c str>,
    possible: Vec<&'c str>,
    killed: Option<(Range, Range)>,
    wounded: Option<(Range, Range)>,
}

impl<'c> Tally<'c> {
    fn add(&mut self, incident: &'c Combined, fit: Fit) {
        let certain = fit == Fit::In;
        if certain {
            self.certain.push(&incident.key);
        } else {
            self.possible.push(&incident.key);
        }
        add_figure(&mut self.killed, incident.total(true), certain);
        add_figure(&mut self.wounded, incident.total(false), certain);
    }

    fn incidents(&self) -> Range {
        let low = self.certain.len() as u64;
        Range {
            low,
            high: Some(low + self.possible.len() as u64),
        }
    }
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
    let default = DirectionRule::Only(Direction::OnUsForces);
    let mut columns: Vec<&'static str> = params.by.iter().map(|g| g.name()).collect();
    columns.extend(["incidents", "killed", "wounded"]);
    let mut table = Table::new("tallies", columns);
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

    let mut groups: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for incident in resolved.combined() {
        let fit = params.rule.fit(incident, default);
        if fit == Fit::Out {
            continue;
        }
        total.add(incident, fit);
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
        if !params.by.is_empty() {
            for key in keys {
                groups.entry(key).or_default().add(incident, fit);
            }
        }
    }
    for (labels, tally) in &groups {
        push_row(&mut table, params, labels, tally, false);
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
    push_row(&mut table, params, &total_labels, &total, true);
    table
}

fn push_row(
    table: &mut Table,
    params: &Params,
    labels: &[String],
    tally: &Tally<'_>,
    is_total: bool,
) {
    let mut group = Map::new();
    for (by, label) in params.by.iter().zip(labels) {
        group.insert(by.name().to_owned(), Value::String(label.clone()));
    }
    let (killed, wounded) = (span_of(tally.killed), span_of(tally.wounded));
    let mut cells = labels.to_vec();
    cells.extend([tally.incidents().to_string(), cell(killed), cell(wounded)]);
    let key = if is_total {
        "total".to_owned()
    } else {
        labels.join("|")
    };
    let detail = json!({
        "key": key,
        "group": if is_total { Value::Null } else { Value::Object(group) },
        "incidents": tally.incidents(),
        "killed": killed,
        "wounded": wounded,
        "certain": tally.certain,
        "possible": tally.possible,
    });
    table.push(key, cells, detail);
}
