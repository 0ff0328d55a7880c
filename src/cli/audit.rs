//! `sitrep audit [--trusted CHECKPOINT --pubkey KEY] [--json]`: re-derive every
//! id, link, Merkle node and checkpoint from the stored bytes. Exit 0 verified,
//! 1 damage or tampering found (the first finding on one line), 2 could not run.

use std::io::Write;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::journal::{AuditOptions, AuditReport};
use sitrep::progress::Progress;
use sitrep::Id;

use super::context::Context;
use super::keys::{checkpoint, verifier_key};
use super::progress;
use super::Outcome;

/// Verify the whole ledger: re-hash every entry, check every seq, prev link,
/// clock, reference, stored Merkle node and stored checkpoint. With --trusted
/// and --pubkey, also prove that the ledger extends that checkpoint (catches a
/// truncated or rewritten log). Exit 0 verified, 1 a problem found, 2 could not run.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// A signed checkpoint you trust (from `sitrep checkpoint`); needs --pubkey.
    #[arg(long, value_name = "CHECKPOINT", requires = "pubkey")]
    trusted: Option<PathBuf>,
    /// The verifier key (text or file) that must have signed the trusted
    /// checkpoint and every checkpoint stored in the ledger.
    #[arg(long, value_name = "KEY", env = "SITREP_PUBKEY")]
    pubkey: Option<String>,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let pubkey = args.pubkey.as_deref().map(verifier_key).transpose()?;
    let trusted = match (&args.trusted, &pubkey) {
        (Some(path), Some(key)) => Some((checkpoint(path)?, key.clone())),
        _ => None,
    };
    let journal = ctx.open()?;
    let report = {
        let options = AuditOptions {
            trusted,
            pubkey,
            progress: Progress::new(),
        };
        let _bar = progress::show("audit", journal.head().size, &options.progress);
        journal.audit(&options)?
    };
    if ctx.json {
        writeln!(out, "{}", report_json(&report))?;
    } else {
        write_human(out, &report)?;
    }
    Ok(if report.is_clean() {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}

/// The verdict: one line when something is wrong, two when all is well.
pub fn write_human(out: &mut dyn Write, report: &AuditReport) -> std::io::Result<()> {
    match report.first_problem() {
        Some(first) => {
            writeln!(out, "audit: FAILED at {first}")?;
            if report.finding_count > 1 {
                writeln!(
                    out,
                    "audit: {} more finding(s); `sitrep audit --json` lists them",
                    report.finding_count - 1
                )?;
            }
        }
        None => {
            let trusted = match report.trusted_size {
                Some(size) => format!("; extends the trusted checkpoint at size {size}"),
                None => String::new(),
            };
            writeln!(
                out,
                "audit: verified {} entries, {} Merkle nodes, {} checkpoint(s){trusted}",
                report.entries_checked, report.nodes_checked, report.checkpoints_checked
            )?;
            writeln!(
                out,
                "root at size {}: {}",
                report.size,
                Id::from_bytes(report.root)
            )?;
        }
    }
    Ok(())
}

/// The full report (docs/cli.md).
pub fn report_json(report: &AuditReport) -> serde_json::Value {
    json!({
        "verified": report.is_clean(),
        "origin": report.origin,
        "size": report.size,
        "root": Id::from_bytes(report.root),
        "head": report.head_id,
        "entries_checked": report.entries_checked,
        "nodes_checked": report.nodes_checked,
        "checkpoints_checked": report.checkpoints_checked,
        "trusted_size": report.trusted_size,
        "finding_count": report.finding_count,
        "findings": report.findings.iter().map(|f| json!({
            "place": f.place.to_string(),
            "seq": match f.place { sitrep::journal::Place::Seq(n) => Some(n), _ => None },
            "reason": f.reason,
        })).collect::<Vec<_>>(),
    })
}
