//! `sitrep log`: entries in seq order, filtered.

use std::io::Write;

use clap::Args as ClapArgs;
use sitrep::entry::Seq;
use sitrep::fact::FactKind;

use super::context::Context;
use super::render::{entry_header, entry_json, entry_row, table};
use super::Outcome;

/// List entries in seq order.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Only facts of this kind (source, incident, count, claim, statement, denial,
    /// correction, retraction, merge).
    #[arg(long, value_parser = parse_kind)]
    kind: Option<FactKind>,

    /// Start at this seq.
    #[arg(long, value_name = "N", default_value_t = 0)]
    from_seq: u64,

    /// Only facts from this source (by source key); the source itself is included.
    #[arg(long, value_name = "KEY")]
    source: Option<String>,

    /// Stop after this many entries.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

fn parse_kind(text: &str) -> Result<FactKind, String> {
    text.parse()
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let journal = ctx.open()?;
    if let Some(source) = &args.source {
        if journal.find_key(source)?.is_none() {
            anyhow::bail!("--source: no source with key `{source}` in this ledger");
        }
    }
    let limit = args.limit.unwrap_or(usize::MAX);
    if limit == 0 {
        if !ctx.json {
            table(out, &[entry_header()])?;
        }
        return Ok(Outcome::Success);
    }
    let mut rows = vec![entry_header()];
    let mut written = 0;
    let mut io_error = None;
    journal.scan(Seq::new(args.from_seq), &mut |record| {
        let fact = &record.entry.fact;
        let kind_ok = args.kind.is_none_or(|k| k == fact.kind());
        let source_ok = args
            .source
            .as_deref()
            .is_none_or(|s| fact.body.source_key() == Some(s) || fact.key == s);
        if kind_ok && source_ok {
            if ctx.json {
                if let Err(e) = writeln!(out, "{}", entry_json(&record)) {
                    io_error = Some(e);
                    return false;
                }
            } else {
                rows.push(entry_row(&record));
            }
            written += 1;
        }
        written < limit
    })?;
    if let Some(e) = io_error {
        return Err(e.into());
    }
    if !ctx.json {
        table(out, &rows)?;
    }
    Ok(Outcome::Success)
}
