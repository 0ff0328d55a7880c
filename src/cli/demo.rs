//! `sitrep demo`: build the demo ledger from the embedded seed corpus and print a
//! summary — facts per kind and source, the head, the history of every denied
//! statement, the pauses in attacks under both counting rules, and the audit
//! verdict with the Merkle root.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::demo::{self, DemoReport, DEMO_ORIGIN};
use sitrep::journal::{AuditOptions, AuditReport, Journal};
use sitrep::projection::engine;
use sitrep::projection::resolve::Resolved;
use sitrep::projection::table::Table;
use sitrep::projection::views::{Params, Rule, View};

use super::audit;
use super::context::Context;
use super::history::write_history;
use super::render::{entry_json, table};
use super::Outcome;

/// Build a ledger from the seed corpus in fixtures/ (embedded in the binary) and
/// summarise it. Uses --ledger when given, else a directory in the system's
/// temporary folder, whose path is printed. Running it again is a no-op.
#[derive(Debug, ClapArgs)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let path = ctx
        .explicit_ledger()
        .map(Path::to_path_buf)
        .unwrap_or_else(default_demo_path);
    let mut journal = open_or_create(&path)?;
    let report = demo::build(&mut journal)?;
    let current = engine::current(&journal)?;
    for note in &current.notes {
        eprintln!("sitrep: note: {note}");
    }
    let resolved = Resolved::new(&current.picture);
    let pauses: Vec<Table> = [true, false]
        .into_iter()
        .map(|exclude_intercepted| {
            let params = Params {
                rule: Rule {
                    exclude_intercepted,
                    ..Rule::default()
                },
                min_gap_days: DEMO_MIN_GAP_DAYS,
                ..Params::default()
            };
            View::Pauses.build(&resolved, &params)
        })
        .collect();
    let audit = journal.audit(&AuditOptions::default())?;
    if ctx.json {
        write_json(out, &path, &report, &pauses, &audit)?;
    } else {
        write_human(out, &path, &report)?;
        write_pauses(out, &pauses)?;
        writeln!(out)?;
        writeln!(out, "(sitrep audit)")?;
        audit::write_human(out, &audit)?;
    }
    Ok(if audit.is_clean() {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}

/// The demo shows pauses of at least this many days, so that the gaps the
/// first seed names stand out from shorter lulls in a sparse record.
const DEMO_MIN_GAP_DAYS: u32 = 30;

/// Each pause on one line, with the statements around it, once per counting
/// rule: the rule changes the answer, and the output says which rule is which.
fn write_pauses(out: &mut dyn Write, tables: &[Table]) -> std::io::Result<()> {
    for t in tables {
        writeln!(out)?;
        let intercepted = if t
            .rule
            .iter()
            .any(|r| r.starts_with("intercepted attacks excluded"))
        {
            "intercepted attacks excluded"
        } else {
            "intercepted attacks included"
        };
        writeln!(
            out,
            "pauses of {DEMO_MIN_GAP_DAYS}+ days in attacks on US and coalition forces, {intercepted}"
        )?;
        writeln!(
            out,
            "(sitrep project pauses --min-gap-days {DEMO_MIN_GAP_DAYS}{})",
            if intercepted.ends_with("excluded") {
                " --exclude-intercepted"
            } else {
                ""
            }
        )?;
        let details: Vec<serde_json::Value> = t.rows.iter().map(|r| r.detail.value()).collect();
        let active: Vec<String> = details
            .iter()
            .filter(|d| d["kind"] == "active")
            .map(|d| {
                format!(
                    "{} → {}",
                    d["from"].as_str().unwrap_or("?"),
                    d["to"].as_str().unwrap_or("?")
                )
            })
            .collect();
        writeln!(out, "  active: {}", active.join("; "))?;
        for d in details.iter().filter(|d| d["kind"] == "pause") {
            writeln!(
                out,
                "  pause {} → {}  {} days (possibly {})  last before {}, resumed with {}",
                d["from"].as_str().unwrap_or("?"),
                d["to"].as_str().unwrap_or("?"),
                d["certain_days"],
                d["possible_days"],
                d["last_before"]["incident"].as_str().unwrap_or("?"),
                d["resumed_with"]["incident"].as_str().unwrap_or("?"),
            )?;
            for s in d["statements"].as_array().into_iter().flatten() {
                writeln!(
                    out,
                    "      {} {} by {}: {}",
                    s["type"].as_str().unwrap_or("?"),
                    s["when"].as_str().unwrap_or("?"),
                    s["speaker"].as_str().unwrap_or("?"),
                    s["status"].as_str().unwrap_or("?"),
                )?;
            }
        }
    }
    Ok(())
}

fn default_demo_path() -> PathBuf {
    std::env::temp_dir().join("sitrep-demo.ledger")
}

/// A fresh ledger, or the demo ledger from an earlier run; never someone else's.
fn open_or_create(path: &Path) -> anyhow::Result<Journal> {
    let empty = !path.exists()
        || path
            .read_dir()
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if empty {
        return Ok(Journal::init(path, DEMO_ORIGIN)?);
    }
    let journal = Journal::open(path)?;
    if journal.origin() != DEMO_ORIGIN {
        bail!(
            "{} holds a ledger with origin `{}`, not a demo ledger; choose another --ledger",
            path.display(),
            journal.origin()
        );
    }
    Ok(journal)
}

fn write_human(out: &mut dyn Write, path: &Path, r: &DemoReport) -> std::io::Result<()> {
    writeln!(
        out,
        "sitrep demo: the seed corpus loaded into {}",
        path.display()
    )?;
    writeln!(out)?;
    let mut rows = vec![["FILE", "RECORDED", "ALREADY"].map(String::from).to_vec()];
    for f in &r.files {
        rows.push(vec![
            f.name.clone(),
            f.recorded.to_string(),
            f.already.to_string(),
        ]);
    }
    table(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "facts per kind")?;
    let mut rows = Vec::new();
    for (kind, n) in &r.per_kind {
        rows.push(vec![format!("  {kind}"), n.to_string()]);
    }
    table(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "facts per source (the source fact included)")?;
    let mut rows = Vec::new();
    for (key, publisher, n) in &r.per_source {
        rows.push(vec![format!("  {key}"), publisher.clone(), n.to_string()]);
    }
    table(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "head: {} entries, id {}", r.head.size, r.head.last_id)?;
    for h in &r.denied_statements {
        writeln!(out)?;
        writeln!(out, "denied statement:")?;
        write_history(out, h)?;
    }
    Ok(())
}

fn write_json(
    out: &mut dyn Write,
    path: &Path,
    r: &DemoReport,
    pauses: &[Table],
    audit: &AuditReport,
) -> std::io::Result<()> {
    let value = json!({
        "ledger": path.display().to_string(),
        "files": r.files.iter().map(|f| json!({"name": f.name, "recorded": f.recorded, "already_recorded": f.already})).collect::<Vec<_>>(),
        "per_kind": r.per_kind.iter().map(|(k, n)| (k.name().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "per_source": r.per_source.iter().map(|(k, p, n)| json!({"source": k, "publisher": p, "facts": n})).collect::<Vec<_>>(),
        "head": {"size": r.head.size, "id": r.head.last_id},
        "denied_statements": r.denied_statements.iter().map(|h| h.chain.iter().map(entry_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "pauses": pauses.iter().map(Table::to_json).collect::<Vec<_>>(),
        "audit": audit::report_json(audit),
    });
    writeln!(out, "{value}")
}
