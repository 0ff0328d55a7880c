//! `sitrep verify-proof FILE [--checkpoint FILE]… [--pubkey KEY]`: check a proof
//! file offline — no ledger is opened. Exit 0 verified, 1 the proof or a
//! checkpoint does not hold, 2 a file could not be read.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::proofs::{check_against, ProofFile};

use super::context::Context;
use super::keys::{checkpoint, verifier_key};
use super::prove::describe;
use super::render::{entry_json, summary};
use super::Outcome;

/// Verify a proof file from `sitrep prove`, offline. With --checkpoint (and the
/// --pubkey it is signed by), also check that the signed checkpoint vouches for
/// the proof's root. An inclusion proof shows the fact it proves.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The proof file.
    file: PathBuf,
    /// A signed checkpoint whose size and root the proof must match (repeatable:
    /// old and new checkpoint for a consistency proof).
    #[arg(long, value_name = "FILE", requires = "pubkey")]
    checkpoint: Vec<PathBuf>,
    /// The verifier key (text or file) the checkpoints must be signed by.
    #[arg(long, value_name = "KEY", env = "SITREP_PUBKEY")]
    pubkey: Option<String>,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let text = fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the proof file {}", args.file.display()))?;
    let file = ProofFile::parse(&text)
        .with_context(|| format!("the proof file {}", args.file.display()))?;
    let key = args.pubkey.as_deref().map(verifier_key).transpose()?;
    let checkpoints = args
        .checkpoint
        .iter()
        .map(|path| Ok((path, checkpoint(path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let proved = match &file {
        ProofFile::Inclusion(p) => p
            .verify()
            .map(|(entry, id)| Some((entry, id, p.entry.clone()))),
        ProofFile::Consistency(p) => p.verify().map(|()| None),
    };
    let proved = match proved {
        Ok(proved) => proved,
        Err(e) => return fail(ctx, out, &format!("{}: {e}", args.file.display())),
    };
    let mut pinned = Vec::new();
    for (path, cp) in &checkpoints {
        // `requires = "pubkey"` guarantees a key whenever a checkpoint is given.
        let Some(key) = &key else { break };
        match check_against(&file, cp, key) {
            Ok(size) => pinned.push((path.display().to_string(), size)),
            Err(e) => return fail(ctx, out, &format!("{}: {e}", path.display())),
        }
    }

    if ctx.json {
        let fact = proved.as_ref().map(|(entry, id, bytes)| {
            entry_json(&sitrep::journal::Record {
                entry: entry.clone(),
                id: *id,
                bytes: bytes.clone(),
            })
        });
        let line = json!({
            "verified": true,
            "proves": describe(&file),
            "entry": fact,
            "checkpoints": pinned.iter().map(|(p, s)| json!({"file": p, "size": s})).collect::<Vec<_>>(),
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(out, "verified: {}", describe(&file))?;
        if let Some((entry, _, _)) = &proved {
            writeln!(
                out,
                "  {} `{}`, recorded {} by {}: {}",
                entry.fact.kind().name(),
                entry.fact.key,
                entry.recorded_at,
                entry.recorded_by,
                summary(&entry.fact.body)
            )?;
        }
        for (path, size) in &pinned {
            writeln!(out, "verified: the checkpoint {path} (size {size}) is signed by the key and has the same root")?;
        }
    }
    Ok(Outcome::Success)
}

fn fail(ctx: &Context, out: &mut dyn Write, reason: &str) -> anyhow::Result<Outcome> {
    if ctx.json {
        writeln!(out, "{}", json!({"verified": false, "reason": reason}))?;
    } else {
        writeln!(out, "verify-proof: FAILED: {reason}")?;
    }
    Ok(Outcome::Problem)
}
