//! `timeline`: every incident (attacks, strikes and other events, sources
//! combined), statement and stated count in occurred order, with the pauses of
//! [`pauses`](super::pauses) (same counting rule and `--min-gap-days`) marked
//! where they fall. Undated items come last, so nothing is left out for lack of
//! a date. Counts are placed at the end of their period (the day the figure
//! speaks for); a count with no period end is undated.

use serde::Serialize;

use super::incidents::{attack_types_cell, casualty_cell, date_cell, Combined};
use super::rule::{DirectionRule, Fit};
use super::statements::{date_of, describe};
use super::{list, name_of, Cells, Params, Rows, View};
use crate::fact::{Count, Direction, Metric, Quantity, Statement, StatementType};
use crate::projection::combine::{wording, CombinedDate, Span};
use crate::projection::detail::Detail;
use crate::projection::resolve::{Live, Resolved};
use crate::projection::table::{Row, Table};

/// One timeline item, by reference until its row is built: the items are
/// sorted first and each row made as it is pushed, so that a table that
/// digests its rows (`Rows::Digested`) never holds them all.
struct Item<'r, 'p> {
    span: Option<Span>,
    /// Orders items of the same span: incidents, then statements, counts, pauses.
    rank: u8,
    key: &'r str,
    what: What<'r, 'p>,
}

/// What an item is.
enum What<'r, 'p> {
    Incident(&'r Combined<'p>),
    Statement(&'r Live<'p>, &'p Statement),
    Count(&'r Live<'p>, &'p Count),
    /// A row of `pauses`, and the days the pause spans.
    Pause(&'r Row, Span),
}

impl Item<'_, '_> {
    /// The item's cells and detail.
    fn row(&self, resolved: &Resolved<'_>, cells: Cells) -> (Vec<String>, Detail) {
        match self.what {
            What::Incident(incident) => {
                let kind = incident_kind(incident);
                let cells = cells.build(|| {
                    vec![
                        date_cell(incident),
                        kind.to_owned(),
                        incident.key.to_owned(),
                        incident_what(incident),
                    ]
                });
                let detail = Detail::of(&IncidentDetail {
                    kind,
                    key: incident.key,
                    date: &incident.date,
                    sources: &incident.sources,
                });
                (cells, detail)
            }
            What::Statement(live, statement) => {
                let status = describe(resolved, live, statement);
                let cells = dated_cells(cells, self.span, "statement", live.key, || {
                    format!(
                        "{} ({}): {} [{status}]",
                        statement.speaker.name,
                        name_of(&statement.statement_type),
                        statement.text
                    )
                });
                let detail = Detail::of(&StatementDetail {
                    kind: "statement",
                    key: live.key,
                    date: self.span,
                    statement_type: &statement.statement_type,
                    status: &status,
                });
                (cells, detail)
            }
            What::Count(live, count) => {
                let cells = dated_cells(cells, self.span, "count", live.key, || {
                    format!(
                        "{}: {} {}",
                        count.speaker.name,
                        name_of(&count.metric),
                        wording(&count.value)
                    )
                });
                let detail = Detail::of(&CountDetail {
                    kind: "count",
                    key: live.key,
                    date: self.span,
                    metric: &count.metric,
                    value: &count.value,
                });
                (cells, detail)
            }
            What::Pause(row, span) => {
                let cells = cells.build(|| {
                    vec![
                        span.to_string(),
                        "pause".to_owned(),
                        row.key.clone(),
                        row.cells.first().cloned().unwrap_or_default(),
                    ]
                });
                (cells, row.detail.clone())
            }
        }
    }
}

/// An incident's kind on the timeline.
fn incident_kind(incident: &Combined) -> &'static str {
    match incident.direction {
        Direction::OnUsForces => "attack",
        Direction::UsStrike => "strike",
        Direction::Other => "other",
    }
}

/// An incident's detail.
#[derive(Serialize)]
struct IncidentDetail<'a> {
    kind: &'a str,
    key: &'a str,
    date: &'a Option<CombinedDate>,
    sources: &'a [&'a str],
}

/// A statement's detail.
#[derive(Serialize)]
struct StatementDetail<'a> {
    kind: &'a str,
    key: &'a str,
    date: Option<Span>,
    #[serde(rename = "type")]
    statement_type: &'a StatementType,
    status: &'a str,
}

/// A stated count's detail.
#[derive(Serialize)]
struct CountDetail<'a> {
    kind: &'a str,
    key: &'a str,
    date: Option<Span>,
    metric: &'a Metric,
    value: &'a Quantity,
}

/// What the timeline says of an incident: where, what, how it ended, its
/// casualties and who claimed it.
fn incident_what(incident: &Combined) -> String {
    let mut what = format!(
        "{} ({}) — {}, {}",
        list(&incident.places),
        list(&incident.countries),
        attack_types_cell(incident),
        name_of(&incident.outcome)
    );
    for (label, killed) in [("killed", true), ("wounded", false)] {
        let cell = casualty_cell(incident, killed);
        if cell != "—" {
            what.push_str(&format!("; {label} {cell}"));
        }
    }
    if !incident.claimed_by.is_empty() {
        what.push_str(&format!("; claimed by {}", list(&incident.claimed_by)));
    }
    what
}

/// The cells of a statement's or a count's line: its date (or "undated"),
/// its kind, its key and what it says.
fn dated_cells(
    cells: Cells,
    span: Option<Span>,
    kind: &str,
    key: &str,
    what: impl FnOnce() -> String,
) -> Vec<String> {
    cells.build(|| {
        vec![
            span.map_or_else(|| "undated".to_owned(), |s| s.to_string()),
            kind.to_owned(),
            key.to_owned(),
            what(),
        ]
    })
}

/// The `timeline` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let mut table = Table::with_rows("timeline", vec!["date", "kind", "key", "what"], params.rows);
    table.rule = params.rule.describe(DirectionRule::Any);
    table.rule.push(format!(
        "pauses marked as in `pauses` (attacks on US and coalition forces unless --direction says otherwise, gaps of at least {} days)",
        params.min_gap_days
    ));
    let window = params.rule.window();
    let in_window = |span: Option<Span>| match (window, span) {
        (Some(w), Some(s)) => s.overlaps(w),
        _ => true,
    };
    let mut items = Vec::new();
    for incident in resolved.combined() {
        if params.rule.fit(incident, DirectionRule::Any) == Fit::Out {
            continue;
        }
        items.push(Item {
            span: incident.date.map(|d| d.span),
            rank: 0,
            key: incident.key,
            what: What::Incident(incident),
        });
    }
    let statements = resolved.statements();
    for &(live, statement) in &statements {
        let span = date_of(statement).map(Span::of);
        if !in_window(span) {
            continue;
        }
        items.push(Item {
            span,
            rank: 1,
            key: live.key,
            what: What::Statement(live, statement),
        });
    }
    let counts = resolved.counts();
    for &(live, count) in &counts {
        let span = count.period.to.as_ref().map(Span::of);
        if !in_window(span) {
            continue;
        }
        items.push(Item {
            span,
            rank: 2,
            key: live.key,
            what: What::Count(live, count),
        });
    }
    // Its rows are read here, so kept whatever this table does with its own.
    let pauses = View::Pauses.build(
        resolved,
        &Params {
            rows: Rows::Kept,
            ..params.clone()
        },
    );
    for row in &pauses.rows {
        let detail = row.detail.value();
        if detail["kind"] != "pause" {
            continue;
        }
        let (Some(from), Some(to)) = (
            detail["from"]
                .as_str()
                .and_then(|d| crate::time::Date::parse(d).ok()),
            detail["to"]
                .as_str()
                .and_then(|d| crate::time::Date::parse(d).ok()),
        ) else {
            continue;
        };
        let span = Span {
            start: from,
            end: to,
        };
        items.push(Item {
            span: Some(Span::day(from)),
            rank: 3,
            key: &row.key,
            what: What::Pause(row, span),
        });
    }
    items.sort_by(|a, b| {
        (
            a.span.is_none(),
            a.span.map(|s| s.start),
            a.rank,
            a.span.map(|s| s.end),
            a.key,
        )
            .cmp(&(
                b.span.is_none(),
                b.span.map(|s| s.start),
                b.rank,
                b.span.map(|s| s.end),
                b.key,
            ))
    });
    for item in &items {
        let (cells, detail) = item.row(resolved, params.cells);
        table.push(item.key, cells, detail);
    }
    table
}
