//! `sitrep checkpoint --key KEYFILE [--out FILE]`: audit, prove consistency with
//! the last checkpoint, flush, sign the current size and root, keep the signed
//! note in the ledger and print it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use serde_json::json;

use super::context::Context;
use super::keys::{signing_key, write_file};
use super::Outcome;

/// Sign a checkpoint of the ledger: its origin, size and Merkle root as a C2SP
/// signed note. Refused unless the ledger audits clean and extends its last
/// checkpoint. The note is kept in the ledger and written to --out or stdout.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The private key file written by `sitrep keygen`.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// Write the signed checkpoint here instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let key = signing_key(&args.key)?;
    let mut journal = ctx.open()?;
    let signed = journal.sign_checkpoint(&key)?;
    let text = signed.checkpoint.to_text();
    let cp = &signed.checkpoint.checkpoint;
    let extends = match signed.extends {
        Some(size) => format!("; consistent with the checkpoint at size {size}"),
        None => "; the ledger's first checkpoint".to_owned(),
    };
    match &args.out {
        Some(path) => {
            write_file(path, &text)?;
            if ctx.json {
                let line = json!({
                    "origin": cp.origin,
                    "size": cp.size,
                    "root": sitrep::Id::from_bytes(cp.root),
                    "file": path.display().to_string(),
                    "extends": signed.extends,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(
                    out,
                    "signed checkpoint of `{}` at size {} written to {}{extends}",
                    cp.origin,
                    cp.size,
                    path.display()
                )?;
            }
        }
        None => {
            out.write_all(text.as_bytes())?;
            eprintln!(
                "sitrep: note: signed checkpoint at size {}{extends}",
                cp.size
            );
        }
    }
    Ok(Outcome::Success)
}
