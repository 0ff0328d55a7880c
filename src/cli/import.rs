//! `sitrep import FILE`: rebuild a new ledger at `--ledger` from a ledger-jsonl
//! export, checking every byte, hash, link and the final root. A refused import
//! leaves nothing at the ledger path.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::export::{import_ledger_jsonl, ImportError, ImportOptions};
use sitrep::Id;

use super::context::Context;
use super::progress;
use super::Outcome;

/// Rebuild a ledger from `sitrep export --format ledger-jsonl` output, into a new
/// ledger at --ledger (which must not exist, or be an empty directory). Every
/// entry goes through the checks of `sitrep append`; the file is refused, and
/// nothing is written, if any byte, hash, link, the size or the root disagrees.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The export file (`-` for standard input).
    file: PathBuf,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let target = ctx.ledger_path();
    let stdin = io::stdin();
    let mut input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(stdin.lock())
    } else {
        let file = File::open(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let name = if args.file.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        args.file.display().to_string()
    };
    let options = ImportOptions::default();
    let bar = progress::show("import", None, &options.progress);
    let imported = import_ledger_jsonl(&target, &mut input, &options);
    drop(bar);
    let summary = match imported {
        Ok(summary) => summary,
        // That error says itself what was left behind.
        Err(e @ ImportError::Abandoned { .. }) => {
            return Err(anyhow::Error::new(e).context(format!("cannot import {name}")))
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot import {name} (nothing was written)")))
        }
    };
    let root = Id::from_bytes(summary.root);
    if ctx.json {
        let line = json!({
            "imported": summary.size,
            "ledger": summary.path.display().to_string(),
            "origin": summary.origin,
            "root": root,
            "head": summary.head,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(
            out,
            "imported {} entries into {} (origin `{}`); root {root} matches the file",
            summary.size,
            summary.path.display(),
            summary.origin
        )?;
    }
    Ok(Outcome::Success)
}
