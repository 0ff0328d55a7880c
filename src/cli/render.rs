//! Output shapes shared by the commands: the JSON object of an entry (stable,
//! documented in docs/cli.md) and the one-line human summary of a fact.

use std::fmt::Write as _;

use serde_json::{json, Value};
use sitrep::fact::{FactBody, Incident};
use sitrep::journal::Record;

/// The stable JSON form of one entry.
pub fn entry_json(record: &Record) -> Value {
    let entry = &record.entry;
    json!({
        "seq": entry.seq.get(),
        "id": record.id,
        "prev": entry.prev,
        "kind": entry.fact.kind().name(),
        "key": entry.fact.key,
        "recorded_at": entry.recorded_at.to_string(),
        "recorded_by": entry.recorded_by,
        "version": entry.version,
        "fact": serde_json::to_value(&entry.fact.body).unwrap_or(Value::Null),
    })
}

/// A one-line description of a fact, for tables.
pub fn summary(body: &FactBody) -> String {
    match body {
        FactBody::Source(s) => match &s.title {
            Some(title) => format!("{}: {title}", s.publisher),
            None => s.publisher.to_string(),
        },
        FactBody::Incident(i) => incident_summary(i),
        FactBody::Count(c) => format!("{} — {} {}", c.speaker, name(&c.metric), c.value),
        FactBody::Claim(c) => {
            let what = if c.incidents.is_empty() {
                c.description.clone().unwrap_or_default()
            } else {
                c.incidents.join(", ").into()
            };
            format!("{} claims {what}", c.claimant)
        }
        FactBody::Statement(s) => format!(
            "{} ({}): {}",
            s.speaker,
            name(&s.statement_type),
            clip(&s.text, 60)
        ),
        FactBody::Denial(d) => {
            let quote = d.quote_suffix();
            format!(
                "{} denies {} of {}{quote}",
                d.denier,
                name(&d.denial_type),
                d.target
            )
        }
        FactBody::Correction(c) => format!("corrects {}: {}", c.target, clip(&c.reason, 60)),
        FactBody::Retraction(r) => format!("retracts {} ({})", r.target, name(&r.reason)),
        FactBody::Merge(m) => format!(
            "{} are one incident → {}",
            m.incidents.join(" + "),
            m.surviving
        ),
    }
}

fn incident_summary(i: &Incident) -> String {
    let mut s = format!("{} {} — {}", i.occurred, i.target, name(&i.direction));
    if !i.attack_types.is_empty() {
        let types: Vec<String> = i.attack_types.iter().map(name).collect();
        let _ = write!(s, ", {}", types.join("/"));
    }
    let _ = write!(s, ", {}", name(&i.outcome));
    s
}

/// The snake_case name an enum has in JSON ("on_us_forces"), for tables.
pub use sitrep::projection::views::name_of as name;

/// Shortens text to `max` characters, with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Writes rows as left-aligned columns separated by two spaces; the last column
/// is not padded.
pub fn table(out: &mut dyn std::io::Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The table row of an entry: seq, short id, kind, key, summary.
pub fn entry_row(record: &Record) -> Vec<String> {
    let e = &record.entry;
    vec![
        e.seq.to_string(),
        record.id.short(),
        e.fact.kind().to_string(),
        e.fact.key.to_string(),
        clip(&summary(&e.fact.body), 90),
    ]
}

/// The header of `entry_row` tables.
pub fn entry_header() -> Vec<String> {
    ["SEQ", "ID", "KIND", "KEY", "SUMMARY"]
        .map(String::from)
        .to_vec()
}
