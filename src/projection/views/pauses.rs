//! `pauses`: the gaps of at least `--min-gap-days` between qualifying incidents
//! (attacks on US and coalition forces unless `--direction` says otherwise),
//! with the active periods between them and the statements around each gap.
//!
//! Dates are intervals, so a gap has two lengths (DESIGN §6): *certain* —
//! `next.start − prev.end`, the days no reading of the dates can fill — and
//! *possible* — `next.end − prev.start`, the most the gap may be. Only incidents
//! dated to within the threshold (`span ≤ min-gap-days`) can open or close a gap:
//! a report dated "April or May" cannot say when a pause ended. Such vaguely
//! dated reports are never dropped: each gap lists those that may fall inside it
//! and says when one certainly does ("interrupted"). Statements of suspension,
//! resumption or a halt dated within `min-gap-days` of a gap are shown with it,
//! with their attribution and any denial.

use serde_json::json;

use super::incidents::Combined;
use super::rule::{DirectionRule, Fit};
use super::statements::{date_of, describe};
use super::{name_of, Params};
use crate::fact::{Direction, Statement, StatementType};
use crate::projection::combine::Span;
use crate::projection::resolve::{Live, Resolved};
use crate::projection::table::{Layout, Table};

/// The statement types shown beside a gap.
const AROUND_A_PAUSE: [StatementType; 3] = [
    StatementType::Suspension,
    StatementType::Resumption,
    StatementType::HaltAgreement,
];

/// A statement shown beside a gap.
struct Around<'a> {
    live: &'a Live<'a>,
    statement: &'a Statement,
    span: Span,
}

/// The `pauses` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let default = DirectionRule::Only(Direction::OnUsForces);
    let min_gap = i64::from(params.min_gap_days);
    let mut table = Table::with_rows(
        "pauses",
        vec![
            "period",
            "from",
            "to",
            "certain days",
            "possible days",
            "ends",
            "statements around",
            "undated reports",
            "status",
        ],
        params.rows,
    );
    table.layout = Layout::Blocks;
    table.rule = params.rule.describe(default);
    table.rule.push(format!(
        "a pause is a gap of at least {min_gap} days (--min-gap-days) between qualifying incidents dated to within {min_gap} days; certain length = next start − last end, possible length = next end − last start"
    ));

    let mut anchors: Vec<(&Combined, Span)> = Vec::new();
    let mut floating: Vec<&Combined> = Vec::new();
    for incident in resolved.combined() {
        if params.rule.fit(incident, default) == Fit::Out {
            continue;
        }
        match incident.date.map(|d| d.span) {
            Some(span) if span.days() <= min_gap => anchors.push((incident, span)),
            _ => floating.push(incident),
        }
    }
    anchors.sort_by(|a, b| (a.1, &a.0.key).cmp(&(b.1, &b.0.key)));
    let statements: Vec<Around<'_>> = resolved
        .statements()
        .into_iter()
        .filter(|(_, s)| AROUND_A_PAUSE.contains(&s.statement_type))
        .filter_map(|(live, statement)| {
            let date = date_of(statement)?;
            Some(Around {
                live,
                statement,
                span: Span::of(date),
            })
        })
        .collect();

    let mut periods = Vec::new();
    let mut start = 0;
    // The anchor with the latest end so far: overlapping intervals do not open gaps.
    let mut last = 0;
    for i in 1..=anchors.len() {
        let gap = anchors.get(i).map(|(_, next)| {
            let prev = anchors[last].1;
            (prev, *next, prev.end.days_until(next.start))
        });
        match gap {
            Some((_, _, certain)) if certain < min_gap => {
                if anchors[i].1.end > anchors[last].1.end {
                    last = i;
                }
            }
            _ => {
                periods.push(active_row(&anchors[start..i], anchors[last].1));
                if let Some((prev, next, certain)) = gap {
                    let before = &anchors[last].0;
                    let after = &anchors[i].0;
                    periods.push(pause_row(
                        resolved,
                        before,
                        prev,
                        after,
                        next,
                        certain,
                        min_gap,
                        &floating,
                        &statements,
                    ));
                    start = i;
                    last = i;
                }
            }
        }
    }
    // The rule comes before the rows in the JSON form: complete before the
    // first row (`Rows::Digested`).
    if !floating.is_empty() {
        table.rule.push(format!(
            "{} qualifying incident(s) dated too vaguely to bound a gap; each gap lists those that may fall inside it",
            floating.len()
        ));
    }
    for (key, cells, detail) in periods {
        table.push(key, cells, detail);
    }
    table
}

type RowParts = (String, Vec<String>, serde_json::Value);

fn active_row(anchors: &[(&Combined, Span)], last: Span) -> RowParts {
    let first = anchors.first().map_or(last, |(_, s)| *s);
    let span = Span {
        start: first.start,
        end: last.end,
    };
    let keys: Vec<&str> = anchors.iter().map(|(c, _)| c.key).collect();
    let cells = vec![
        format!(
            "active {} → {} ({} incident{})",
            span.start,
            span.end,
            keys.len(),
            if keys.len() == 1 { "" } else { "s" }
        ),
        span.start.to_string(),
        span.end.to_string(),
        "—".to_owned(),
        "—".to_owned(),
        format!(
            "first {}; last {}",
            keys.first().unwrap_or(&"—"),
            keys.last().unwrap_or(&"—")
        ),
        "—".to_owned(),
        "—".to_owned(),
        "—".to_owned(),
    ];
    let detail = json!({
        "key": format!("active {}", span.start),
        "kind": "active",
        "from": span.start,
        "to": span.end,
        "incidents": keys,
    });
    (format!("active {}", span.start), cells, detail)
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row needs both ends, the threshold and both lists"
)]
fn pause_row(
    resolved: &Resolved<'_>,
    before: &Combined,
    prev: Span,
    after: &Combined,
    next: Span,
    certain: i64,
    min_gap: i64,
    floating: &[&Combined],
    statements: &[Around<'_>],
) -> RowParts {
    let possible = prev.start.days_until(next.end);
    let inside = Span {
        start: prev.end.plus_days(1),
        end: next.start.plus_days(-1),
    };
    let mut interrupted = false;
    let mut undated = Vec::new();
    let mut undated_json = Vec::new();
    for incident in floating {
        let span = incident.date.map(|d| d.span);
        let certainly = span.is_some_and(|s| s.within(inside));
        if !span.is_none_or(|s| s.overlaps(inside)) {
            continue;
        }
        interrupted |= certainly;
        let when = span.map_or_else(|| "undated".to_owned(), |s| s.to_string());
        let how = if certainly {
            "falls inside"
        } else {
            "may fall inside"
        };
        undated.push(format!("{} ({when}) {how}", incident.key));
        undated_json
            .push(json!({"incident": incident.key, "date": span, "certainly_inside": certainly}));
    }
    let window = Span {
        start: prev.end.plus_days(-min_gap),
        end: next.start.plus_days(min_gap),
    };
    let mut around = Vec::new();
    let mut around_json = Vec::new();
    for s in statements.iter().filter(|s| s.span.overlaps(window)) {
        let status = describe(resolved, s.live, s.statement);
        around.push(format!(
            "{} {} — {} ({}): {}",
            name_of(&s.statement.statement_type),
            s.span,
            s.statement.speaker.name,
            s.live.key,
            status
        ));
        around_json.push(json!({
            "statement": s.live.key,
            "type": s.statement.statement_type,
            "date": s.span,
            "when": s.span.to_string(),
            "speaker": s.statement.speaker.name,
            "status": status,
        }));
    }
    let status = if interrupted {
        "interrupted: an undated report falls inside"
    } else if undated.is_empty() {
        "certain"
    } else {
        "possibly interrupted by an undated report"
    };
    let key = format!("pause {}", prev.end);
    let cells = vec![
        format!(
            "pause {} → {} ({certain} days, possibly {possible})",
            prev.end, next.start
        ),
        prev.end.to_string(),
        next.start.to_string(),
        certain.to_string(),
        possible.to_string(),
        format!(
            "last before: {} ({prev})\nresumed with: {} ({next})",
            before.key, after.key
        ),
        if around.is_empty() {
            "—".to_owned()
        } else {
            around.join("\n")
        },
        if undated.is_empty() {
            "—".to_owned()
        } else {
            undated.join("\n")
        },
        status.to_owned(),
    ];
    let detail = json!({
        "key": key,
        "kind": "pause",
        "from": prev.end,
        "to": next.start,
        "certain_days": certain,
        "possible_days": possible,
        "last_before": {"incident": before.key, "date": prev},
        "resumed_with": {"incident": after.key, "date": next},
        "statements": around_json,
        "undated_reports": undated_json,
        "status": status,
    });
    (key, cells, detail)
}
