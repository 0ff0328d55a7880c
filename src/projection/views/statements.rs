//! `statements`: every live statement — suspensions, resumptions, halt
//! agreements, threats, condemnations, policy and other statements — with how
//! it was attributed and where it stands now.
//!
//! Rows are in date order: the day the statement was made, else the day it
//! takes effect; undated statements come last; ties keep log order. The status
//! says what a reader must weigh before quoting it: an attribution that is not
//! the speaker's own channel, every live denial with the denier's words, and any
//! correction; a statement with none of these is "undisputed". A denied
//! statement is never dropped. `--from`/`--to` keep the statements whose date
//! interval overlaps the window; those that only partly overlap it, and undated
//! ones, are kept and marked, as in `incidents`.

use serde::Serialize;

use super::{denials_json, disputes, name_of, unused_flags, Cells, DenialDetail, Params};
use crate::fact::{ActorRef, Attribution, DateSpec, Statement, StatementType};
use crate::projection::combine::Span;
use crate::projection::detail::Detail;
use crate::projection::resolve::{Live, Resolved};
use crate::projection::table::{Layout, Table};
use crate::text::Text;

/// The date a statement is placed at: when it was made, else when it takes
/// effect.
pub fn date_of(statement: &Statement) -> Option<&DateSpec> {
    statement.made.as_ref().or(statement.effective.as_ref())
}

/// How the statement reached the source, in words: "own channel", "a channel
/// linked to Kataib Hezbollah, reported by Reuters", "reported by AFP".
pub fn attribution(statement: &Statement) -> String {
    let by = statement.reported_by.as_deref();
    match (statement.attribution, by) {
        (Attribution::OwnChannel, None) => "own channel".to_owned(),
        (Attribution::OwnChannel, Some(by)) => format!("own channel, reported by {by}"),
        (Attribution::LinkedChannel, None) => {
            format!("a channel linked to {}", statement.speaker.name)
        }
        (Attribution::LinkedChannel, Some(by)) => {
            format!(
                "a channel linked to {}, reported by {by}",
                statement.speaker.name
            )
        }
        (Attribution::ReportedBy, None) => "reported by an unnamed third party".to_owned(),
        (Attribution::ReportedBy, Some(by)) => format!("reported by {by}"),
    }
}

/// Where a statement stands, one part each: a second-hand attribution, every
/// live denial with its words, any correction; `["undisputed"]` when none.
pub fn status(resolved: &Resolved<'_>, live: &Live<'_>, statement: &Statement) -> Vec<String> {
    let mut parts = Vec::new();
    match statement.attribution {
        Attribution::OwnChannel => {}
        Attribution::LinkedChannel => parts.push("attributed via a linked channel".to_owned()),
        Attribution::ReportedBy => parts.push("attributed by a third party".to_owned()),
    }
    parts.extend(disputes(resolved, live));
    if parts.is_empty() {
        parts.push("undisputed".to_owned());
    }
    parts
}

/// The attribution and any denial or correction in one line, as `pauses` and
/// `timeline` show a statement: "a channel linked to Kataib Hezbollah, reported
/// by Reuters; denied (authorship) by Kataib Hezbollah: “fabricated news”".
pub fn describe(resolved: &Resolved<'_>, live: &Live<'_>, statement: &Statement) -> String {
    let mut parts = vec![attribution(statement)];
    parts.extend(disputes(resolved, live));
    parts.join("; ")
}

fn date_cell(statement: &Statement) -> String {
    match (&statement.made, &statement.effective) {
        (Some(made), Some(effective)) if made != effective => {
            format!("{made} (effective {effective})")
        }
        (Some(made), _) => made.to_string(),
        (None, Some(effective)) => format!("effective {effective}"),
        (None, None) => "undated".to_owned(),
    }
}

fn speaker_cell(statement: &Statement) -> String {
    match &statement.speaker.role {
        Some(role) => format!("{} ({role})", statement.speaker.name),
        None => statement.speaker.name.to_string(),
    }
}

/// The `statements` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let mut table = Table::with_rows(
        "statements",
        vec![
            "statement",
            "date",
            "speaker",
            "type",
            "scope",
            "attribution",
            "text",
            "status",
            "denials",
        ],
        params.rows,
    );
    table.layout = Layout::Blocks;
    table.rule = vec![
        "every statement in force, by the date it was made (else took effect); undated last".to_owned(),
        "status: an attribution other than the speaker's own channel, every denial in force with its words, any correction; \"undisputed\" when none. Denied statements are kept".to_owned(),
    ];
    let window = params.rule.window();
    if window.is_some() {
        let day = |d: Option<crate::time::Date>, open: &str| {
            d.map_or_else(|| open.to_owned(), |d| d.to_string())
        };
        table.rule.push(format!(
            "made or effective from {} to {}; a statement whose date only partly overlaps the window, or that is undated, is kept and marked",
            day(params.rule.from, "the start"),
            day(params.rule.to, "the end"),
        ));
    }
    table.rule.extend(unused_flags(
        &params.rule,
        "statements",
        &["--from", "--to"],
    ));

    let mut statements = resolved.statements();
    statements.sort_by_key(|(live, s)| {
        let span = date_of(s).map(Span::of);
        (span.is_none(), span, live.seq)
    });
    for (live, statement) in statements {
        let span = date_of(statement).map(Span::of);
        let mut status = status(resolved, live, statement);
        match (window, span) {
            (None, _) => {}
            (Some(w), Some(s)) if s.within(w) => {}
            (Some(w), Some(s)) if s.overlaps(w) => {
                status.push("may fall outside the window".to_owned());
            }
            (Some(_), Some(_)) => continue,
            (Some(_), None) => status.push("undated: may fall outside the window".to_owned()),
        }
        let (key, cells, detail) = row(resolved, live, statement, &status, params.cells);
        table.push(key, cells, detail);
    }
    table
}

fn row(
    resolved: &Resolved<'_>,
    live: &Live<'_>,
    statement: &Statement,
    status: &[String],
    cells: Cells,
) -> (String, Vec<String>, Detail) {
    let denials = denials_json(resolved, live.key);
    let attributed = attribution(statement);
    let cells = cells.build(|| {
        let denials_cell = if denials.is_empty() {
            "—".to_owned()
        } else {
            resolved
                .denials_of(live.key)
                .iter()
                .map(|(l, d)| format!("{} ({})", l.key, d.source))
                .collect::<Vec<_>>()
                .join("\n")
        };
        vec![
            live.key.to_owned(),
            date_cell(statement),
            speaker_cell(statement),
            name_of(&statement.statement_type),
            statement.scope.as_deref().unwrap_or("—").to_owned(),
            attributed.clone(),
            statement.text.to_string(),
            status.join("; "),
            denials_cell,
        ]
    });
    let detail = Detail::of(&StatementDetail {
        key: live.key,
        seq: live.seq.get(),
        source: &statement.source,
        date: date_of(statement).map(Span::of),
        made: &statement.made,
        effective: &statement.effective,
        speaker: &statement.speaker,
        statement_type: &statement.statement_type,
        attribution: AttributionDetail {
            kind: &statement.attribution,
            reported_by: &statement.reported_by,
            text: &attributed,
        },
        scope: &statement.scope,
        text: &statement.text,
        status,
        corrections: &live.corrections,
        denials,
    });
    (live.key.to_owned(), cells, detail)
}

/// A statement's row in full.
#[derive(Serialize)]
struct StatementDetail<'a> {
    key: &'a str,
    seq: u64,
    source: &'a str,
    date: Option<Span>,
    made: &'a Option<DateSpec>,
    effective: &'a Option<DateSpec>,
    speaker: &'a ActorRef,
    #[serde(rename = "type")]
    statement_type: &'a StatementType,
    attribution: AttributionDetail<'a>,
    scope: &'a Option<Text>,
    text: &'a str,
    status: &'a [String],
    corrections: &'a [&'a str],
    denials: Vec<DenialDetail<'a>>,
}

/// Who a statement is attributed to, and how.
#[derive(Serialize)]
struct AttributionDetail<'a> {
    kind: &'a Attribution,
    reported_by: &'a Option<Text>,
    text: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::picture::Picture;
    use crate::projection::views::testing::{cell, keys, picture, row, seeds};
    use crate::projection::views::Rule;
    use crate::time::Date;
    use serde_json::json;

    const STATEMENTS: &str = r#"
{"key":"src","kind":"source","publisher":"Wire","type":"wire","party":false}
{"key":"st/undated","kind":"statement","source":"src","speaker":{"name":"Group A"},"type":"threat","text":"we will respond","attribution":"own_channel"}
{"key":"st/march","kind":"statement","source":"src","speaker":{"name":"Group A","role":"spokesman"},"type":"resumption","made":{"start":"2024-03-01","end":"2024-04-30","precision":"unknown","raw":"in spring"},"text":"attacks resume","attribution":"linked_channel","reported_by":"Reuters"}
{"key":"st/effective","kind":"statement","source":"src","speaker":{"name":"Group B"},"type":"halt_agreement","effective":"2024-02-10","text":"a halt","attribution":"reported_by","reported_by":"AFP"}
{"key":"st/january","kind":"statement","source":"src","speaker":{"name":"Group A"},"type":"suspension","made":"2024-01-30","effective":"2024-02-01","scope":"operations against US forces","text":"we suspend operations","attribution":"own_channel"}
{"key":"st/also-january","kind":"statement","source":"src","speaker":{"name":"Group C"},"type":"condemnation","made":"2024-01-30","text":"we condemn","attribution":"own_channel"}
{"key":"st/withdrawn","kind":"statement","source":"src","speaker":{"name":"Group D"},"type":"other","made":"2024-01-01","text":"entered by mistake","attribution":"own_channel"}
"#;

    const REVISIONS: &str = r#"
{"key":"src2","kind":"source","publisher":"Group A channel","type":"militia_channel","party":true}
{"key":"deny/march","kind":"denial","source":"src2","denier":{"name":"Group A"},"target":"st/march","type":"authorship","quote":"fabricated news"}
{"key":"deny/undated","kind":"denial","source":"src2","denier":{"name":"Group A"},"target":"st/undated","type":"characterization"}
{"key":"retract/deny-undated","kind":"retraction","source":"src2","target":"deny/undated","reason":"entered_in_error"}
{"key":"fix/january","kind":"correction","source":"src","target":"st/january","reason":"exact words","replacement":{"kind":"statement","source":"src","speaker":{"name":"Group A"},"type":"suspension","made":"2024-01-30","effective":"2024-02-01","scope":"operations against US forces","text":"we suspend all operations","attribution":"own_channel"}}
{"key":"retract/withdrawn","kind":"retraction","source":"src","target":"st/withdrawn","reason":"entered_in_error"}
"#;

    fn statements(picture: &Picture, rule: Rule) -> Table {
        let params = Params {
            rule,
            ..Params::default()
        };
        table(&Resolved::new(picture), &params)
    }

    #[test]
    fn statements_run_in_date_order_with_undated_last() {
        let t = statements(&picture(&[STATEMENTS]), Rule::default());
        assert_eq!(
            keys(&t),
            [
                "st/withdrawn",
                "st/january",
                "st/also-january",
                "st/effective",
                "st/march",
                "st/undated"
            ]
        );
        assert_eq!(
            cell(&t, "st/january", "date"),
            "2024-01-30 (effective 2024-02-01)"
        );
        assert_eq!(cell(&t, "st/effective", "date"), "effective 2024-02-10");
        assert_eq!(cell(&t, "st/march", "date"), "2024-03-01..2024-04-30");
        assert_eq!(cell(&t, "st/undated", "date"), "undated");
        assert_eq!(cell(&t, "st/march", "speaker"), "Group A (spokesman)");
        assert_eq!(cell(&t, "st/march", "type"), "resumption");
        assert_eq!(
            cell(&t, "st/january", "scope"),
            "operations against US forces"
        );
    }

    #[test]
    fn status_names_second_hand_attribution_denials_and_corrections() {
        let t = statements(&picture(&[STATEMENTS, REVISIONS]), Rule::default());
        assert_eq!(
            cell(&t, "st/march", "attribution"),
            "a channel linked to Group A, reported by Reuters"
        );
        assert_eq!(
            cell(&t, "st/march", "status"),
            "attributed via a linked channel; denied (authorship) by Group A: “fabricated news”"
        );
        assert_eq!(cell(&t, "st/march", "denials"), "deny/march (src2)");
        let denial = row(&t, "st/march").detail.value()["denials"][0].clone();
        assert_eq!(denial["type"], json!("authorship"));
        assert_eq!(denial["denier"]["name"], json!("Group A"));
        assert_eq!(cell(&t, "st/effective", "attribution"), "reported by AFP");
        assert_eq!(
            cell(&t, "st/effective", "status"),
            "attributed by a third party"
        );
        // The correction's words are in force; the retracted denial no longer counts.
        assert_eq!(cell(&t, "st/january", "text"), "we suspend all operations");
        assert_eq!(cell(&t, "st/january", "status"), "corrected by fix/january");
        assert_eq!(cell(&t, "st/undated", "status"), "undisputed");
        assert_eq!(cell(&t, "st/undated", "denials"), "—");
        // A retraction removes a statement; a denial never does.
        assert!(!keys(&t).contains(&"st/withdrawn"));
    }

    #[test]
    fn a_window_keeps_overlapping_and_undated_statements_marked() {
        let rule = Rule {
            from: Date::parse("2024-02-01").ok(),
            to: Date::parse("2024-03-15").ok(),
            countries: vec!["IQ".to_owned()],
            ..Rule::default()
        };
        let t = statements(&picture(&[STATEMENTS]), rule);
        assert_eq!(keys(&t), ["st/effective", "st/march", "st/undated"]);
        assert_eq!(
            cell(&t, "st/effective", "status"),
            "attributed by a third party"
        );
        assert_eq!(
            cell(&t, "st/march", "status"),
            "attributed via a linked channel; may fall outside the window"
        );
        assert_eq!(
            cell(&t, "st/undated", "status"),
            "undisputed; undated: may fall outside the window"
        );
        assert!(t
            .rule
            .iter()
            .any(|l| l.starts_with("made or effective from 2024-02-01 to 2024-03-15")));
        assert!(t
            .rule
            .contains(&"--country ignored: not used by `statements`".to_owned()));
    }

    #[test]
    fn the_seed_resumption_statement_is_shown_denied() {
        let t = statements(&seeds(), Rule::default());
        let key = "antiwar/statement/kh-telegram-resumption";
        assert_eq!(cell(&t, key, "type"), "resumption");
        assert_eq!(
            cell(&t, key, "attribution"),
            "a channel linked to Kataib Hezbollah, reported by Reuters"
        );
        assert_eq!(
            cell(&t, key, "status"),
            "attributed via a linked channel; denied (authorship) by Kataib Hezbollah: “fabricated news”"
        );
        assert_eq!(
            row(&t, key).detail.value()["denials"][0]["key"],
            json!("antiwar/denial/kh-denies-resumption-statement")
        );
        let suspension = "wiki/statement/2024-01-30-kh-suspension";
        assert_eq!(cell(&t, suspension, "type"), "suspension");
        assert_eq!(cell(&t, suspension, "date"), "2024-01-30");
        let order = keys(&t);
        let at = |k: &str| order.iter().position(|o| *o == k).unwrap();
        assert!(at(suspension) < at(key), "January before April–May");
    }
}
