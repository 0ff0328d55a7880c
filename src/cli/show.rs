//! `sitrep show`: one entry in full.

use std::io::Write;

use clap::Args as ClapArgs;

use super::context::Context;
use super::render::entry_json;
use super::Outcome;

/// Show one entry: by seq number, fact key, or id prefix (8+ hex characters).
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// A seq number, a fact key, or an id prefix.
    #[arg(value_name = "ID|SEQ|KEY")]
    what: String,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let journal = ctx.open()?;
    let record = journal.resolve(&args.what)?;
    let value = entry_json(&record);
    if ctx.json {
        writeln!(out, "{value}")?;
        return Ok(Outcome::Success);
    }
    let e = &record.entry;
    writeln!(out, "seq          {}", e.seq)?;
    writeln!(out, "id           {}", record.id)?;
    writeln!(out, "prev         {}", e.prev)?;
    writeln!(out, "kind         {}", e.fact.kind())?;
    writeln!(out, "key          {}", e.fact.key)?;
    writeln!(out, "recorded_at  {}", e.recorded_at)?;
    writeln!(out, "recorded_by  {}", e.recorded_by)?;
    writeln!(out, "fact")?;
    let pretty = serde_json::to_string_pretty(&value["fact"])?;
    for line in pretty.lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(Outcome::Success)
}
