//! `sitrep init`: create an empty ledger.

use std::io::Write;

use clap::Args as ClapArgs;
use sitrep::journal::Journal;

use super::context::Context;
use super::Outcome;

/// Create a new, empty ledger at --ledger.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The ledger's origin: a stable name that its genesis value and checkpoints
    /// are bound to [default: sitrep/<directory name>].
    #[arg(long)]
    origin: Option<String>,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let path = ctx.ledger_path();
    let origin = args.origin.unwrap_or_else(|| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ledger".to_owned());
        format!("sitrep/{name}")
    });
    let journal = Journal::init(&path, &origin)?;
    if ctx.json {
        let line = serde_json::json!({
            "ledger": path.display().to_string(),
            "origin": journal.origin(),
            "genesis": journal.genesis(),
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(
            out,
            "created ledger {} (origin `{}`)",
            path.display(),
            journal.origin()
        )?;
        writeln!(out, "genesis {}", journal.genesis())?;
    }
    Ok(Outcome::Success)
}
