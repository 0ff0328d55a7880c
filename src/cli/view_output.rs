//! Writing a projection's [`Table`] as a readable table, CSV (RFC 4180) or one
//! JSON object, with the as-of point and the rule in force always shown.

use std::io::Write;

use serde_json::{json, Value};
use sitrep::projection::engine::LeftOut;
use sitrep::projection::table::{Layout, Table};

use super::render::{clip, table};

/// How a table is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns, with the rule above.
    Human,
    /// RFC 4180 CSV: a header row and the cells, nothing else.
    Csv,
    /// One JSON object.
    Json,
}

/// Where a table was computed.
pub struct Context<'a> {
    /// The as-of point in words ("head", "seq:40").
    pub as_of: String,
    /// Entries of the log the table was computed from.
    pub size: u64,
    /// Sources a publication date left out.
    pub left_out: &'a [LeftOut],
}

/// The widest a cell is shown in the human table; CSV and JSON are never clipped.
const CELL_WIDTH: usize = 44;

/// Writes `t` in `format`.
pub fn write(
    out: &mut dyn Write,
    t: &Table,
    at: &Context<'_>,
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            let left_out: Vec<Value> = at
                .left_out
                .iter()
                .map(|l| json!({"source": l.source, "reason": l.reason}))
                .collect();
            let trailer = [
                ("as_of", json!(at.as_of)),
                ("entries", json!(at.size)),
                ("left_out", Value::Array(left_out)),
            ];
            t.write_json(&mut *out, &trailer)?;
            writeln!(out)
        }
        Format::Csv => {
            writeln!(out, "{}", csv_line(t.columns.iter().copied()))?;
            for row in &t.rows {
                writeln!(out, "{}", csv_line(row.cells.iter().map(String::as_str)))?;
            }
            Ok(())
        }
        Format::Human => {
            writeln!(
                out,
                "{} — as of {} ({} entries)",
                t.projection, at.as_of, at.size
            )?;
            for line in &t.rule {
                writeln!(out, "rule: {line}")?;
            }
            for l in at.left_out {
                writeln!(out, "left out: {} — {}", l.source, l.reason)?;
            }
            writeln!(out)?;
            match t.layout {
                Layout::Columns => columns(out, t)?,
                Layout::Blocks => blocks(out, t)?,
            }
            let n = t.rows.len();
            writeln!(out, "{n} row{}", if n == 1 { "" } else { "s" })
        }
    }
}

fn columns(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    let mut rows = vec![t.columns.iter().map(|c| c.to_uppercase()).collect()];
    // Every column but the last is clipped; the last is not padded, so it can
    // run to its full length.
    let last = t.columns.len().saturating_sub(1);
    rows.extend(t.rows.iter().map(|r| {
        r.cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = c.replace('\n', "; ");
                if i == last {
                    c
                } else {
                    clip(&c, CELL_WIDTH)
                }
            })
            .collect()
    }));
    table(out, &rows)?;
    writeln!(out)
}

/// One block per row: the first cell, then `column: value` for every other
/// non-empty cell, continuation lines indented under their value.
fn blocks(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    let width = t.columns.iter().skip(1).map(|c| c.len()).max().unwrap_or(0);
    for row in &t.rows {
        writeln!(out, "{}", row.cells.first().map_or("", String::as_str))?;
        for (column, cell) in t.columns.iter().zip(&row.cells).skip(1) {
            if cell.is_empty() || cell == "—" {
                continue;
            }
            let mut lines = cell.lines();
            let first = lines.next().unwrap_or_default();
            writeln!(out, "  {column:>width$}: {first}")?;
            for line in lines {
                writeln!(out, "  {:>width$}  {line}", "")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One CSV record: fields quoted when they hold a comma, quote or line break.
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    fields
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let line = csv_line(["plain", "a, b", "say \"hi\""].into_iter());
        assert_eq!(line, "plain,\"a, b\",\"say \"\"hi\"\"\"");
    }
}
