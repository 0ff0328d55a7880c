//! `sitrep history`: a fact or incident key with every correction, denial,
//! retraction and merge that points at it.

use std::io::Write;

use clap::Args as ClapArgs;
use sitrep::projection::history::{history, History, Subject};

use super::context::Context;
use super::render::{clip, entry_json, summary, table};
use super::Outcome;

/// Show the revision chain of a fact (by key, id prefix or seq) or an incident key.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// A fact key, id prefix, seq number, or incident key.
    #[arg(value_name = "ID|KEY")]
    what: String,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let journal = ctx.open()?;
    let h = history(&journal, &args.what)?;
    if ctx.json {
        for record in &h.chain {
            writeln!(out, "{}", entry_json(record))?;
        }
    } else {
        write_history(out, &h)?;
    }
    Ok(Outcome::Success)
}

/// The human form of a history, shared with `demo`.
pub fn write_history(out: &mut dyn Write, h: &History) -> std::io::Result<()> {
    match &h.subject {
        Subject::Fact(key) => writeln!(out, "history of fact `{key}`")?,
        Subject::IncidentKey(key) => writeln!(out, "history of incident `{key}`")?,
    }
    let mut rows = vec![["SEQ", "RECORDED", "KIND", "KEY", "SOURCE", "WHAT"]
        .map(String::from)
        .to_vec()];
    for record in &h.chain {
        let e = &record.entry;
        rows.push(vec![
            e.seq.to_string(),
            e.recorded_at.to_string(),
            e.fact.kind().to_string(),
            e.fact.key.to_string(),
            e.fact.body.source_key().unwrap_or("-").to_owned(),
            clip(&summary(&e.fact.body), 80),
        ]);
    }
    table(out, &rows)
}
