//! `sitrep prove inclusion|consistency`: write a self-contained proof file that
//! `sitrep verify-proof` checks offline, without the ledger.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;
use sitrep::journal::Journal;
use sitrep::proofs::{ConsistencyProof, InclusionProof, ProofFile};
use sitrep::Id;

use super::context::Context;
use super::keys::write_file;
use super::Outcome;

/// Write a proof file: that an entry is in the log, or that an older log is a
/// prefix of a newer one.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prove that one entry is in the tree of a given size. The file carries the
    /// entry's bytes, so the verifier also shows the fact.
    Inclusion(InclusionArgs),
    /// Prove that the log at --from entries is a prefix of the log at --to entries
    /// (nothing rewritten, removed or reordered in between).
    Consistency(ConsistencyArgs),
}

/// `prove inclusion`.
#[derive(Debug, ClapArgs)]
pub struct InclusionArgs {
    /// The entry: a seq, a fact key or an id prefix.
    entry: String,
    /// The tree size to prove against [default: the whole ledger].
    #[arg(long, value_name = "N")]
    size: Option<u64>,
    /// Write the proof here [default: stdout].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `prove consistency`.
#[derive(Debug, ClapArgs)]
pub struct ConsistencyArgs {
    /// The older size (the size in your old checkpoint).
    #[arg(long, value_name = "N")]
    from: u64,
    /// The newer size [default: the whole ledger].
    #[arg(long, value_name = "M")]
    to: Option<u64>,
    /// Write the proof here [default: stdout].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(ctx: &Context, command: Command, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let journal = ctx.open()?;
    let (file, summary, target) = match command {
        Command::Inclusion(args) => (inclusion(&journal, &args)?, "inclusion", args.out),
        Command::Consistency(args) => (consistency(&journal, &args)?, "consistency", args.out),
    };
    let text = file.to_text();
    match target {
        None => out.write_all(text.as_bytes())?,
        Some(path) => {
            write_file(&path, &text)?;
            let what = describe(&file);
            if ctx.json {
                let line =
                    json!({"proof": summary, "file": path.display().to_string(), "about": what});
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "wrote {summary} proof to {}: {what}", path.display())?;
            }
        }
    }
    Ok(Outcome::Success)
}

fn inclusion(journal: &Journal, args: &InclusionArgs) -> anyhow::Result<ProofFile> {
    let record = journal.resolve(&args.entry)?;
    let head = journal.head().size;
    let size = args.size.unwrap_or(head);
    let seq = record.entry.seq.get();
    if size > head {
        anyhow::bail!("--size {size} is beyond the head: the ledger has {head} entries");
    }
    if seq >= size {
        anyhow::bail!(
            "seq {seq} is not in the tree of size {size}; give --size {} or more",
            seq + 1
        );
    }
    Ok(ProofFile::Inclusion(InclusionProof {
        origin: journal.origin().to_owned(),
        tree_size: size,
        leaf_index: seq,
        root: journal.root_at(size)?,
        entry: record.bytes,
        proof: journal.inclusion_proof(seq, size)?,
    }))
}

fn consistency(journal: &Journal, args: &ConsistencyArgs) -> anyhow::Result<ProofFile> {
    let head = journal.head().size;
    let to = args.to.unwrap_or(head);
    if to > head {
        anyhow::bail!("--to {to} is beyond the head: the ledger has {head} entries");
    }
    if args.from == 0 {
        anyhow::bail!("--from must be at least 1: every log extends the empty one, so there is nothing to prove");
    }
    if args.from > to {
        anyhow::bail!(
            "--from {} is larger than --to {to}: a log only grows",
            args.from
        );
    }
    Ok(ProofFile::Consistency(ConsistencyProof {
        origin: journal.origin().to_owned(),
        size1: args.from,
        size2: to,
        root1: journal.root_at(args.from)?,
        root2: journal.root_at(to)?,
        proof: journal.consistency_proof(args.from, to)?,
    }))
}

/// One line about what a proof file proves.
pub fn describe(file: &ProofFile) -> String {
    match file {
        ProofFile::Inclusion(p) => format!(
            "seq {} ({}) is in the log `{}` of size {} with root {}",
            p.leaf_index,
            Id::of_entry(&p.entry).short(),
            p.origin,
            p.tree_size,
            Id::from_bytes(p.root)
        ),
        ProofFile::Consistency(p) => format!(
            "the log `{}` at size {} (root {}) is a prefix of size {} (root {})",
            p.origin,
            p.size1,
            Id::from_bytes(p.root1),
            p.size2,
            Id::from_bytes(p.root2)
        ),
    }
}
