//! `revisions`: every fact that something revises — corrected, denied or
//! retracted — and every incident formed by merging keys, each with its whole
//! chain of revising entries (seq, kind, key, source, recording time, and the
//! reason or the denier's words).
//!
//! Nothing is left out for having been withdrawn: a retracted fact keeps its
//! row, a retracted correction or denial stays in its target's chain marked
//! "retracted by …" (and has a row of its own, as the target of its
//! retraction), and a retracted merge has a row as a fact while its incidents
//! are no longer joined. There is one row per revised fact and one per merged
//! incident (keyed `incident KEY`, which no fact key can be: keys have no
//! spaces), even when all of its reports are retracted, in the log order of the
//! fact or of the incident's first report. Each row says what is in force now:
//! retracted, the correction whose version applies, the denials in force, or
//! the original when every revision was itself withdrawn. `--json` gives each
//! revision in full, corrections with their replacement.

use std::collections::BTreeMap;

use crate::fast_hash::{self, HashMap, HashSet};

use serde::Serialize;

use super::{denial_words, list, name_of, unused_flags, Cells, Params};
use crate::entry::Seq;
use crate::fact::{ActorRef, DenialType, FactBody, Merge, RetractionReason};
use crate::projection::detail::Detail;
use crate::projection::picture::Recorded;
use crate::projection::resolve::{Group, Resolved};
use crate::projection::table::{Layout, Table};
use crate::text::Text;
use crate::time::Timestamp;

/// One revising entry, as its target's chain shows it.
struct Link<'p> {
    /// "seq 91 denial KEY — … [source, recorded …] (in force)".
    line: String,
    /// The same in full.
    detail: LinkDetail<'p>,
    /// What it does to the target now, if it is in force ("corrected: …").
    effect: Option<String>,
}

/// A revising entry in full (`--json`: one element of a row's `chain`).
#[derive(Serialize)]
struct LinkDetail<'p> {
    seq: u64,
    kind: &'p str,
    key: String,
    source: &'p str,
    recorded_at: Timestamp,
    standing: String,
    #[serde(flatten)]
    says: Says<'p>,
}

/// What a revising entry says, by kind (its members follow the common ones).
#[derive(Serialize)]
#[serde(untagged)]
enum Says<'p> {
    Denial {
        denier: &'p ActorRef,
        #[serde(rename = "type")]
        denial_type: &'p DenialType,
        quote: &'p Option<Text>,
    },
    Correction {
        reason: &'p str,
        replacement: &'p FactBody,
    },
    Retraction {
        reason: &'p RetractionReason,
        note: &'p Option<Text>,
    },
    Merge {
        incidents: &'p [Text],
        surviving: &'p str,
        reason: &'p str,
    },
}

/// A revised fact's row in full.
#[derive(Serialize)]
struct FactDetail<'a> {
    key: &'a str,
    kind: Option<&'a str>,
    seq: Option<u64>,
    recorded_at: Option<Timestamp>,
    fact: Option<&'a FactBody>,
    now: &'a [String],
    chain: Vec<&'a LinkDetail<'a>>,
}

/// A merged incident's row in full.
#[derive(Serialize)]
struct MergeDetail<'a> {
    key: &'a str,
    kind: &'a str,
    incident: &'a str,
    aliases: &'a [&'a str],
    reports: &'a [&'a str],
    now: &'a [String],
    chain: Vec<&'a LinkDetail<'a>>,
}

/// A row before it is pushed, with the seq it is ordered by.
struct Pending {
    order: Option<Seq>,
    key: String,
    cells: Vec<String>,
    detail: Detail,
}

/// The `revisions` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let mut table = Table::with_rows(
        "revisions",
        vec!["fact", "kind", "seq", "source", "what", "now", "revisions"],
        params.rows,
    );
    table.layout = Layout::Blocks;
    table.rule = vec![
        "every fact that is corrected, denied or retracted, and every incident formed by a merge, with each revising entry in log order; withdrawn revisions and retracted facts stay, marked".to_owned(),
        "now: retracted (the first retraction), else the latest correction in force supplies the version that applies, and every denial in force is listed".to_owned(),
    ];
    table
        .rule
        .extend(unused_flags(&params.rule, "revisions", &[]));
    // The revised facts in row order first, each row made as it is pushed,
    // so that a table that digests its rows (`Rows::Digested`) never holds
    // them all; the merged incidents' rows (a few in a hundred) are made
    // first and go between them, after a fact's row of the same place.
    let mut facts: Vec<Revised<'_>> = resolved
        .picture()
        .revised_by
        .iter()
        .map(|(target, revisers)| Revised::of(resolved, target, revisers))
        .collect();
    facts.sort_by(|a, b| (a.order, a.target).cmp(&(b.order, b.target)));
    let mut merges = merge_rows(resolved, params.cells);
    merges.sort_by(|a, b| (a.order, &a.key).cmp(&(b.order, &b.key)));
    let mut merges = merges.into_iter().peekable();
    for fact in &facts {
        while let Some(row) =
            merges.next_if(|m| (m.order, m.key.as_str()) < (fact.order, fact.target))
        {
            table.push(row.key, row.cells, row.detail);
        }
        let row = fact_row(resolved, fact, params.cells);
        table.push(row.key, row.cells, row.detail);
    }
    for row in merges {
        table.push(row.key, row.cells, row.detail);
    }
    table
}

/// A revised fact, looked up once: its row is made from this.
struct Revised<'p> {
    target: &'p str,
    revisers: &'p [Text],
    /// The fact itself, unless it is not in this cut of the ledger.
    recorded: Option<&'p Recorded>,
    /// Where its row goes: at its own seq, or else at its first reviser's.
    order: Option<Seq>,
}

impl<'p> Revised<'p> {
    fn of(resolved: &Resolved<'p>, target: &'p str, revisers: &'p [Text]) -> Revised<'p> {
        let recorded = resolved.recorded(target);
        let order = recorded.map(|r| r.seq).or_else(|| {
            revisers
                .iter()
                .filter_map(|k| resolved.recorded(k))
                .map(|r| r.seq)
                .min()
        });
        Revised {
            target,
            revisers,
            recorded,
            order,
        }
    }
}

/// The row of a revised fact.
fn fact_row(resolved: &Resolved<'_>, fact: &Revised<'_>, cells: Cells) -> Pending {
    let Revised {
        target,
        revisers,
        recorded,
        order,
    } = *fact;
    let links: Vec<Link> = revisers
        .iter()
        .filter_map(|key| link(resolved, target, revisers, key))
        .collect();
    let now = now(resolved, target, &links);
    let cells = cells.build(|| {
        vec![
            target.to_owned(),
            recorded.map_or_else(|| "—".to_owned(), |r| r.body.kind().name().to_owned()),
            recorded.map_or_else(|| "—".to_owned(), |r| r.seq.to_string()),
            recorded
                .and_then(|r| r.body.source_key())
                .unwrap_or("—")
                .to_owned(),
            recorded.map_or_else(
                || "not in this cut of the ledger".to_owned(),
                |r| what(&r.body),
            ),
            now.join("; "),
            lines(&links),
        ]
    });
    let detail = Detail::of(&FactDetail {
        key: target,
        kind: recorded.map(|r| r.body.kind().name()),
        seq: recorded.map(|r| r.seq.get()),
        recorded_at: recorded.map(|r| r.recorded_at),
        fact: recorded.map(|r| &r.body),
        now: &now,
        chain: links.iter().map(|l| &l.detail).collect(),
    });
    Pending {
        order,
        key: target.to_owned(),
        cells,
        detail,
    }
}

/// What is in force for `target` now, from its chain.
fn now(resolved: &Resolved<'_>, target: &str, links: &[Link]) -> Vec<String> {
    if let Some(by) = resolved.retracted_by(target) {
        return vec![format!("retracted by {by}")];
    }
    let effects: Vec<String> = links.iter().filter_map(|l| l.effect.clone()).collect();
    if effects.is_empty() {
        vec!["as recorded: every revision of it is withdrawn".to_owned()]
    } else {
        effects
    }
}

/// What one revision says, how it stands, and what it does to its target now.
struct Reading<'p> {
    words: String,
    says: Says<'p>,
    standing: String,
    effect: Option<String>,
}

/// One revising entry of `target`; `revisers` is the target's whole chain.
fn link<'p>(
    resolved: &Resolved<'p>,
    target: &str,
    revisers: &[Text],
    key: &str,
) -> Option<Link<'p>> {
    let recorded = resolved.recorded(key)?;
    // A corrected denial speaks with its version in force.
    let body = resolved.live(key).map_or(&recorded.body, |l| l.body);
    let mut reading = match body {
        FactBody::Denial(d) => {
            let words = denial_words(d);
            let corrections = resolved
                .live(key)
                .map(|l| l.corrections.clone())
                .unwrap_or_default();
            Reading {
                standing: if corrections.is_empty() {
                    "in force".to_owned()
                } else {
                    format!("in force, as corrected by {}", corrections.join(", "))
                },
                effect: Some(words.clone()),
                says: Says::Denial {
                    denier: &d.denier,
                    denial_type: &d.denial_type,
                    quote: &d.quote,
                },
                words,
            }
        }
        FactBody::Correction(c) => {
            let later = revisers
                .iter()
                .skip_while(|k| k.as_str() != key)
                .skip(1)
                .find(|k| is_live_correction(resolved, k));
            Reading {
                words: format!("corrected: {}", gist(&c.reason)),
                says: Says::Correction {
                    reason: &c.reason,
                    replacement: &c.replacement,
                },
                standing: later
                    .map_or_else(|| "in force".to_owned(), |k| format!("superseded by {k}")),
                effect: later
                    .is_none()
                    .then(|| format!("corrected: the version of {key} applies")),
            }
        }
        FactBody::Retraction(r) => {
            let note = r
                .note
                .as_deref()
                .map(|n| format!(": {}", gist(n)))
                .unwrap_or_default();
            let first = resolved.retracted_by(target);
            Reading {
                words: format!("retracted ({}){note}", name_of(&r.reason)),
                says: Says::Retraction {
                    reason: &r.reason,
                    note: &r.note,
                },
                standing: if first == Some(key) {
                    "in force".to_owned()
                } else {
                    format!("repeats {}", first.unwrap_or("an earlier retraction"))
                },
                effect: None,
            }
        }
        FactBody::Source(_)
        | FactBody::Incident(_)
        | FactBody::Count(_)
        | FactBody::Claim(_)
        | FactBody::Statement(_)
        | FactBody::Merge(_) => return None,
    };
    if let Some(by) = resolved.retracted_by(key) {
        reading.standing = format!("retracted by {by}");
        reading.effect = None;
    }
    let source = body.source_key().unwrap_or("—");
    let line = format!(
        "seq {} {} {key} — {} [{source}, recorded {}] ({})",
        recorded.seq,
        body.kind().name(),
        reading.words,
        recorded.recorded_at,
        reading.standing,
    );
    let detail = LinkDetail {
        seq: recorded.seq.get(),
        kind: body.kind().name(),
        key: key.to_owned(),
        source,
        recorded_at: recorded.recorded_at,
        standing: reading.standing,
        says: reading.says,
    };
    Some(Link {
        line,
        detail,
        effect: reading.effect,
    })
}

fn is_live_correction(resolved: &Resolved<'_>, key: &str) -> bool {
    resolved.retracted_by(key).is_none()
        && matches!(
            resolved.recorded(key).map(|r| &r.body),
            Some(FactBody::Correction(_))
        )
}

/// One row per incident formed by live merges: those with a report in force
/// (from `groups`), then any whose reports are all retracted.
fn merge_rows(resolved: &Resolved<'_>, cells: Cells) -> Vec<Pending> {
    let merged: Vec<&Group<'_>> = resolved.groups().filter(|g| g.aliases.len() > 1).collect();
    let covered: HashSet<&str> = merged
        .iter()
        .flat_map(|g| g.merges.iter().copied())
        .collect();
    let mut orphans: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for key in &resolved.picture().merges {
        if covered.contains(key.as_str()) || resolved.retracted_by(key).is_some() {
            continue;
        }
        if let Some(m) = merge_of(resolved.recorded(key)) {
            let name = resolved.incident_key(&m.surviving);
            orphans.entry(name).or_default().push(key.as_str());
        }
    }
    let orphans: Vec<(&str, Vec<&str>, Vec<&str>)> = orphans
        .into_iter()
        .map(|(name, merges)| {
            let mut aliases: Vec<&str> = merges
                .iter()
                .filter_map(|k| merge_of(resolved.recorded(k)))
                .flat_map(|m| m.incidents.iter().map(Text::as_str))
                .collect();
            aliases.sort();
            aliases.dedup();
            (name, aliases, merges)
        })
        .collect();
    // First reports only of the keys these rows name (a few in a hundred).
    let wanted: HashSet<&str> = merged
        .iter()
        .flat_map(|g| g.aliases.iter())
        .chain(orphans.iter().flat_map(|(_, aliases, _)| aliases.iter()))
        .copied()
        .collect();
    let first_reports = first_reports(resolved, &wanted);
    let mut rows = Vec::with_capacity(merged.len() + orphans.len());
    for group in merged {
        rows.push(merge_row(
            resolved,
            &first_reports,
            group.key,
            &group.aliases,
            Some(group),
            &group.merges,
            cells,
        ));
    }
    for (name, aliases, merges) in &orphans {
        rows.push(merge_row(
            resolved,
            &first_reports,
            name,
            aliases,
            None,
            merges,
            cells,
        ));
    }
    rows
}

fn merge_of(recorded: Option<&Recorded>) -> Option<&Merge> {
    match recorded.map(|r| &r.body) {
        Some(FactBody::Merge(m)) => Some(m),
        _ => None,
    }
}

/// Per incident key in `wanted`, its first report, in force or not (one pass
/// over the facts, not one per merge row).
fn first_reports<'p>(
    resolved: &Resolved<'p>,
    wanted: &HashSet<&str>,
) -> HashMap<&'p str, &'p Recorded> {
    let mut first: HashMap<&'p str, &'p Recorded> = fast_hash::map_with_capacity(wanted.len());
    if wanted.is_empty() {
        return first;
    }
    for recorded in resolved.picture().facts.values() {
        if let FactBody::Incident(i) = &recorded.body {
            if !wanted.contains(i.incident.as_str()) {
                continue;
            }
            let slot = first.entry(i.incident.as_str()).or_insert(recorded);
            if recorded.seq < slot.seq {
                *slot = recorded;
            }
        }
    }
    first
}

fn merge_row(
    resolved: &Resolved<'_>,
    first_reports: &HashMap<&str, &Recorded>,
    name: &str,
    aliases: &[&str],
    group: Option<&Group<'_>>,
    merges: &[&str],
    cells: Cells,
) -> Pending {
    let reports: &[&str] = group.map_or(&[], |g| &g.reports);
    // The first report under any of its keys, in force or not.
    let first_report = aliases
        .iter()
        .filter_map(|a| first_reports.get(a))
        .min_by_key(|r| r.seq);
    let links: Vec<Link> = merges
        .iter()
        .filter_map(|k| merge_link(resolved, k))
        .collect();
    let mut now = vec![format!(
        "{} incident keys are one incident, which goes by {name}",
        aliases.len()
    )];
    if reports.is_empty() {
        now.push("no report of it is in force".to_owned());
    }
    let cells = cells.build(|| {
        let sources: Vec<&str> = reports
            .iter()
            .filter_map(|k| resolved.live(k))
            .filter_map(|l| l.body.source_key())
            .collect();
        vec![
            name.to_owned(),
            "incident key".to_owned(),
            first_report.map_or_else(|| "—".to_owned(), |r| r.seq.to_string()),
            list(&sources),
            format!("merged: {}", aliases.join(" + ")),
            now.join("; "),
            lines(&links),
        ]
    });
    let key = format!("incident {name}");
    let detail = Detail::of(&MergeDetail {
        key: &key,
        kind: "incident_key",
        incident: name,
        aliases,
        reports,
        now: &now,
        chain: links.iter().map(|l| &l.detail).collect(),
    });
    Pending {
        order: first_report.map(|r| r.seq).or_else(|| {
            merges
                .iter()
                .filter_map(|k| resolved.recorded(k))
                .map(|r| r.seq)
                .min()
        }),
        key,
        cells,
        detail,
    }
}

fn merge_link<'p>(resolved: &Resolved<'p>, key: &str) -> Option<Link<'p>> {
    let recorded = resolved.recorded(key)?;
    let m = merge_of(Some(recorded))?;
    let line = format!(
        "seq {} merge {key} — {} → {}: {} [{}, recorded {}] (in force)",
        recorded.seq,
        m.incidents.join(" + "),
        m.surviving,
        gist(&m.reason),
        m.source,
        recorded.recorded_at
    );
    let detail = LinkDetail {
        seq: recorded.seq.get(),
        kind: "merge",
        key: key.to_owned(),
        source: &m.source,
        recorded_at: recorded.recorded_at,
        standing: "in force".to_owned(),
        says: Says::Merge {
            incidents: &m.incidents,
            surviving: &m.surviving,
            reason: &m.reason,
        },
    };
    Some(Link {
        line,
        detail,
        effect: None,
    })
}

fn lines(links: &[Link]) -> String {
    if links.is_empty() {
        "—".to_owned()
    } else {
        links
            .iter()
            .map(|l| l.line.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A fact in a few words, for the `what` cell.
fn what(body: &FactBody) -> String {
    match body {
        FactBody::Source(s) => s.publisher.to_string(),
        FactBody::Incident(i) => format!("report of incident {} ({})", i.incident, i.occurred),
        FactBody::Count(c) => format!(
            "{}: {} ({})",
            c.speaker.name,
            crate::projection::combine::wording(&c.value),
            name_of(&c.metric)
        ),
        FactBody::Claim(c) => format!("claim by {}", c.claimant.name),
        FactBody::Statement(s) => format!(
            "{} ({}): {}",
            s.speaker.name,
            name_of(&s.statement_type),
            gist(&s.text)
        ),
        FactBody::Denial(d) => format!(
            "{} denies {} of {}",
            d.denier.name,
            name_of(&d.denial_type),
            d.target
        ),
        FactBody::Correction(c) => format!("correction of {}", c.target),
        FactBody::Retraction(r) => format!("retraction of {}", r.target),
        FactBody::Merge(m) => format!("merge: {} → {}", m.incidents.join(" + "), m.surviving),
    }
}

/// A long text cut to its first sentence (of 40 characters or more, so that
/// "U.S." does not end it) or else at a word near 160 characters, marked "…";
/// the JSON keeps it whole.
fn gist(text: &str) -> String {
    const SHORT: usize = 160;
    if text.chars().count() <= SHORT {
        return text.to_owned();
    }
    let at_word = || {
        let end = text
            .char_indices()
            .nth(SHORT)
            .map_or(text.len(), |(i, _)| i);
        text[..end].rfind(' ').unwrap_or(end)
    };
    let cut = text
        .match_indices(". ")
        .map(|(i, _)| i + 1)
        .find(|&i| (40..=400).contains(&i))
        .unwrap_or_else(at_word);
    format!("{} …", text[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::picture::Picture;
    use crate::projection::views::testing::{cell, keys, picture, row, seeds};
    use serde_json::json;

    const FACTS: &str = r#"
{"key":"src","kind":"source","publisher":"Wire","type":"wire","party":false}
{"key":"r/a","kind":"incident","source":"src","incident":"a","direction":"on_us_forces","occurred":"2024-01-05","target":{"name":"base A"}}
{"key":"r/b","kind":"incident","source":"src","incident":"b","direction":"on_us_forces","occurred":"2024-01-05","target":{"name":"base A"}}
{"key":"r/c","kind":"incident","source":"src","incident":"c","direction":"on_us_forces","occurred":"2024-01-06","target":{"name":"base C"}}
{"key":"r/d","kind":"incident","source":"src","incident":"d","direction":"on_us_forces","occurred":"2024-01-06","target":{"name":"base D"}}
{"key":"r/e","kind":"incident","source":"src","incident":"e","direction":"on_us_forces","occurred":"2024-01-07","target":{"name":"base E"}}
{"key":"r/f","kind":"incident","source":"src","incident":"f","direction":"on_us_forces","occurred":"2024-01-07","target":{"name":"base E"}}
{"key":"r/gone","kind":"incident","source":"src","incident":"g","direction":"on_us_forces","occurred":"2024-01-08","target":{"name":"base G"}}
{"key":"st/x","kind":"statement","source":"src","speaker":{"name":"G"},"type":"threat","text":"we will strike","attribution":"own_channel"}
"#;

    const REVISIONS: &str = r#"
{"key":"src2","kind":"source","publisher":"G channel","type":"militia_channel","party":true}
{"key":"fix1","kind":"correction","source":"src","target":"st/x","reason":"exact words","replacement":{"kind":"statement","source":"src","speaker":{"name":"G"},"type":"threat","text":"we will strike again","attribution":"own_channel"}}
{"key":"fix2","kind":"correction","source":"src","target":"st/x","reason":"wrong speaker","replacement":{"kind":"statement","source":"src","speaker":{"name":"H"},"type":"threat","text":"we will strike again","attribution":"own_channel"}}
{"key":"deny/x","kind":"denial","source":"src2","denier":{"name":"G"},"target":"st/x","type":"authorship","quote":"never said"}
{"key":"retract/fix2","kind":"retraction","source":"src","target":"fix2","reason":"entered_in_error","note":"H did not speak"}
{"key":"merge/ab","kind":"merge","source":"src","incidents":["a","b"],"surviving":"a","reason":"Same place and day. Both say base A."}
{"key":"merge/cd","kind":"merge","source":"src","incidents":["c","d"],"surviving":"c","reason":"Same day"}
{"key":"retract/merge-cd","kind":"retraction","source":"src","target":"merge/cd","reason":"entered_in_error"}
{"key":"merge/ef","kind":"merge","source":"src","incidents":["e","f"],"surviving":"e","reason":"Same base and day"}
{"key":"retract/r-e","kind":"retraction","source":"src","target":"r/e","reason":"duplicate"}
{"key":"retract/r-f","kind":"retraction","source":"src","target":"r/f","reason":"duplicate"}
{"key":"deny/gone","kind":"denial","source":"src2","denier":{"name":"G"},"target":"r/gone","type":"occurrence"}
{"key":"retract/gone","kind":"retraction","source":"src","target":"r/gone","reason":"source_withdrew"}
"#;

    fn revisions(picture: &Picture) -> Table {
        table(&Resolved::new(picture), &Params::default())
    }

    #[test]
    fn every_revised_fact_and_merged_incident_has_a_row_in_log_order() {
        let t = revisions(&picture(&[FACTS, REVISIONS]));
        assert_eq!(
            keys(&t),
            [
                "incident a",
                "incident e",
                "r/e",
                "r/f",
                "r/gone",
                "st/x",
                "fix2",
                "merge/cd"
            ]
        );
        assert!(revisions(&picture(&[FACTS])).rows.is_empty());
    }

    #[test]
    fn a_chain_keeps_withdrawn_revisions_and_says_what_is_in_force() {
        let t = revisions(&picture(&[FACTS, REVISIONS]));
        assert_eq!(cell(&t, "st/x", "kind"), "statement");
        assert_eq!(cell(&t, "st/x", "seq"), "8");
        assert_eq!(
            cell(&t, "st/x", "now"),
            "corrected: the version of fix1 applies; denied (authorship) by G: “never said”"
        );
        let chain = row(&t, "st/x").detail.value()["chain"].clone();
        assert_eq!(chain.as_array().unwrap().len(), 3);
        assert_eq!(chain[0]["key"], json!("fix1"));
        assert_eq!(chain[0]["seq"], json!(10));
        assert_eq!(chain[0]["standing"], json!("in force"));
        assert_eq!(
            chain[0]["replacement"]["text"],
            json!("we will strike again")
        );
        assert_eq!(chain[0]["recorded_at"], json!("2026-01-02T00:00:00Z"));
        assert_eq!(chain[1]["standing"], json!("retracted by retract/fix2"));
        assert_eq!(chain[2]["kind"], json!("denial"));
        assert_eq!(chain[2]["source"], json!("src2"));
        assert_eq!(chain[2]["quote"], json!("never said"));
        let lines = cell(&t, "st/x", "revisions");
        assert!(lines.lines().nth(1).unwrap().starts_with(
            "seq 11 correction fix2 — corrected: wrong speaker [src, recorded 2026-01-02T00:00:00Z] (retracted by retract/fix2)"
        ));
        // The retracted correction has its own row, as its retraction's target.
        assert_eq!(cell(&t, "fix2", "kind"), "correction");
        assert_eq!(cell(&t, "fix2", "now"), "retracted by retract/fix2");
        assert_eq!(
            row(&t, "fix2").detail.value()["chain"][0]["note"],
            json!("H did not speak")
        );
        // A retracted fact keeps its denial in the chain.
        assert_eq!(cell(&t, "r/gone", "now"), "retracted by retract/gone");
        let gone = row(&t, "r/gone").detail.value()["chain"].clone();
        assert_eq!(gone[0]["key"], json!("deny/gone"));
        assert_eq!(gone[1]["key"], json!("retract/gone"));
        assert_eq!(gone[1]["reason"], json!("source_withdrew"));
    }

    #[test]
    fn merges_are_one_row_per_incident_and_retracted_merges_stay() {
        let t = revisions(&picture(&[FACTS, REVISIONS]));
        assert_eq!(cell(&t, "incident a", "what"), "merged: a + b");
        assert_eq!(
            cell(&t, "incident a", "now"),
            "2 incident keys are one incident, which goes by a"
        );
        assert!(cell(&t, "incident a", "revisions").starts_with(
            "seq 14 merge merge/ab — a + b → a: Same place and day. Both say base A. [src,"
        ));
        assert_eq!(
            row(&t, "incident a").detail.value()["reports"],
            json!(["r/a", "r/b"])
        );
        // A merge whose reports are all retracted still shows.
        assert_eq!(
            cell(&t, "incident e", "now"),
            "2 incident keys are one incident, which goes by e; no report of it is in force"
        );
        // A retracted merge joins nothing but keeps its row.
        assert!(!keys(&t).contains(&"incident c"));
        assert_eq!(cell(&t, "merge/cd", "kind"), "merge");
        assert_eq!(cell(&t, "merge/cd", "what"), "merge: c + d → c");
        assert_eq!(cell(&t, "merge/cd", "now"), "retracted by retract/merge-cd");
    }

    #[test]
    fn the_seed_revisions_are_five_merges_and_one_denial() {
        let t = revisions(&seeds());
        assert_eq!(
            keys(&t),
            [
                "incident wiki/2023-10-17-al-asad",
                "incident wiki/2024-04-21-kharab-al-jir",
                "incident wiki/2024-01-28-tower-22",
                "incident wiki/2023-11-21-abu-gharib-ac130",
                "incident wiki/2024-02-07-mashtal",
                "antiwar/statement/kh-telegram-resumption"
            ]
        );
        let key = "antiwar/statement/kh-telegram-resumption";
        assert_eq!(
            cell(&t, key, "now"),
            "denied (authorship) by Kataib Hezbollah: “fabricated news”"
        );
        let chain = row(&t, key).detail.value()["chain"].clone();
        assert_eq!(
            chain[0]["key"],
            json!("antiwar/denial/kh-denies-resumption-statement")
        );
        assert_eq!(chain[0]["type"], json!("authorship"));
        assert_eq!(
            row(&t, "incident wiki/2024-01-28-tower-22").detail.value()["aliases"],
            json!([
                "antiwar/tower-22",
                "sofrep/late-jan-jordan-base",
                "wiki/2024-01-28-tower-22"
            ])
        );
    }

    #[test]
    fn a_long_reason_is_cut_to_its_first_sentence() {
        let long = format!(
            "U.S. forces say the two reports are one. {}",
            "more ".repeat(40)
        );
        assert_eq!(gist(&long), "U.S. forces say the two reports are one. …");
        let unbroken = "word ".repeat(40);
        assert_eq!(gist(&unbroken), format!("{}…", "word ".repeat(32)));
        assert_eq!(gist("Short. Kept whole."), "Short. Kept whole.");
    }
}
