//! `sitrep export --format ledger-jsonl [--out FILE]`: the whole ledger as one
//! file that `sitrep import` rebuilds it from, streamed entry by entry. A file
//! written with `--out` appears only when complete (temporary file, then rename).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args as ClapArgs, ValueEnum};
use serde_json::json;
use sitrep::export::{write_ledger_jsonl_with, ExportError, ExportSummary};
use sitrep::journal::Journal;
use sitrep::progress::Progress;
use sitrep::Id;

use super::context::Context;
use super::progress;
use super::Outcome;

/// Write every entry of the ledger — seq, id, prev, canonical bytes (base64) and
/// the decoded fact — then a final line with the size, Merkle root and head id.
/// `sitrep import` rebuilds the ledger from it and refuses any byte that
/// disagrees.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The file format.
    #[arg(long, value_enum)]
    format: Format,
    /// Write the export here (it appears only when complete) [default: stdout].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The export formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// JSON Lines: a header, one line per entry, a final size-and-root line.
    LedgerJsonl,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let Format::LedgerJsonl = args.format;
    let journal = ctx.open()?;
    let Some(path) = args.out else {
        export(&journal, out)?;
        return Ok(Outcome::Success);
    };
    let summary = export_to_file(&journal, &path)?;
    let root = Id::from_bytes(summary.root);
    if ctx.json {
        let line = json!({
            "exported": summary.size,
            "origin": summary.origin,
            "file": path.display().to_string(),
            "root": root,
            "head": summary.head,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(
            out,
            "exported {} entries of `{}` to {}; root {root}",
            summary.size,
            summary.origin,
            path.display()
        )?;
    }
    Ok(Outcome::Success)
}

/// Streams the export to `out`. A closed pipe is returned as the bare I/O error,
/// so that `sitrep export … | head` ends quietly.
fn export(journal: &Journal, out: &mut dyn Write) -> anyhow::Result<ExportSummary> {
    let progress = Progress::new();
    let _bar = progress::show("export", Some(journal.head().size), &progress);
    match write_ledger_jsonl_with(journal, out, &progress) {
        Ok(summary) => Ok(summary),
        Err(ExportError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => Err(e.into()),
        Err(e) => Err(e.into()),
    }
}

/// Streams the export into a temporary file beside `path`, then renames it.
fn export_to_file(journal: &Journal, path: &Path) -> anyhow::Result<ExportSummary> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = (|| -> anyhow::Result<ExportSummary> {
        let file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut writer = BufWriter::new(file);
        let summary = export(journal, &mut writer)?;
        let file = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(summary)
    })();
    if written.is_err() {
        // Best effort: the error being returned matters more than this one.
        let _ = fs::remove_file(&tmp);
    }
    written
}
