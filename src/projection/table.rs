//! `Table`: what every view returns — the rule it applied, named columns, and rows
//! that carry both display cells (for the table and CSV) and a structured JSON
//! object (for `--json`). Each row has a stable key, so two tables of the same
//! view can be diffed row by row, and a table has a digest.
//!
//! Rendering (aligning columns, quoting CSV) is the CLI's job; the library only
//! builds values.

use std::collections::HashMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::detail::Detail;
use super::StateDigest;

/// One row of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Stable identity of the row within its view (an incident key, a group).
    pub key: String,
    /// One display string per column.
    pub cells: Vec<String>,
    /// The row as structured data (compact JSON text).
    pub detail: Detail,
}

/// How a table reads best in a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Aligned columns, one line per row.
    #[default]
    Columns,
    /// One block per row: the first cell as a heading, then one line per
    /// other column (for rows with long texts).
    Blocks,
}

/// The output of one view.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The view's name.
    pub projection: &'static str,
    /// The rule in force and anything the reader must know to read the rows
    /// ("attacks on US and coalition forces; intercepted attacks excluded").
    pub rule: Vec<String>,
    /// Column headings.
    pub columns: Vec<&'static str>,
    /// The rows, in the view's order.
    pub rows: Vec<Row>,
    /// Structured data that belongs to the whole table (e.g. active periods).
    pub extra: Map<String, Value>,
    /// How the human table is laid out (not part of the JSON or the digest).
    pub layout: Layout,
}

impl Table {
    /// An empty table.
    pub fn new(projection: &'static str, columns: Vec<&'static str>) -> Table {
        Table {
            projection,
            rule: Vec::new(),
            columns,
            rows: Vec::new(),
            extra: Map::new(),
            layout: Layout::Columns,
        }
    }

    /// Adds a row; `cells` must match the columns, or be empty when the view
    /// was asked to omit them (`Cells::Omitted`).
    pub fn push(&mut self, key: impl Into<String>, cells: Vec<String>, detail: impl Into<Detail>) {
        debug_assert!(
            cells.is_empty() || cells.len() == self.columns.len(),
            "cells of {}: one per column, or none when they are omitted",
            self.projection
        );
        self.rows.push(Row {
            key: key.into(),
            cells,
            detail: detail.into(),
        });
    }

    /// The stable JSON form (docs/cli.md) as a value; [`Table::write_json`]
    /// writes the same without building it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(JsonForm {
            table: self,
            trailer: &[],
        })
        .unwrap_or(Value::Null)
    }

    /// BLAKE3 of the JSON form's bytes: equal tables have equal digests. The
    /// bytes are streamed into the hash, never held whole.
    pub fn digest(&self) -> StateDigest {
        let mut hasher = blake3::Hasher::new();
        // Writing into a hasher cannot fail, and every value here serialises.
        let _ = self.write_json(&mut hasher, &[]);
        StateDigest(*hasher.finalize().as_bytes())
    }

    /// Writes the JSON form ([`Table::to_json`], the same bytes) followed by
    /// the `trailer` members, serialising the rows where they are instead of
    /// copying every row into one value first.
    pub fn write_json(
        &self,
        out: impl std::io::Write,
        trailer: &[(&str, Value)],
    ) -> serde_json::Result<()> {
        serde_json::to_writer(
            out,
            &JsonForm {
                table: self,
                trailer,
            },
        )
    }

    /// The rows that changed from `before` to `self`, keyed by row key: added,
    /// removed and changed rows, each marked in a first `change` column.
    pub fn diff(before: &Table, after: &Table, label: &str) -> Table {
        let mut columns = vec!["change"];
        columns.extend(after.columns.iter().copied());
        let mut out = Table::new(after.projection, columns);
        out.rule = after.rule.clone();
        out.rule.push(label.to_owned());
        out.layout = after.layout;
        // Rows by key, so that a diff of two large tables stays linear.
        let (before_rows, after_rows) = (rows_by_key(before), rows_by_key(after));
        for row in &before.rows {
            if !after_rows.contains_key(row.key.as_str()) {
                out.push_change("-", "removed", row, Some(&row.detail), None);
            }
        }
        for row in &after.rows {
            match before_rows.get(row.key.as_str()) {
                None => out.push_change("+", "added", row, None, Some(&row.detail)),
                Some(old) if old.detail != row.detail => {
                    out.push_change("~", "changed", row, Some(&old.detail), Some(&row.detail));
                }
                Some(_) => {}
            }
        }
        out
    }

    fn push_change(
        &mut self,
        mark: &str,
        change: &str,
        row: &Row,
        before: Option<&Detail>,
        after: Option<&Detail>,
    ) {
        let mut cells = vec![mark.to_owned()];
        cells.extend(row.cells.iter().cloned());
        let detail = Detail::of(&Change {
            change,
            key: &row.key,
            before,
            after,
        });
        self.rows.push(Row {
            key: row.key.clone(),
            cells,
            detail,
        });
    }
}

/// A diff row's detail: the row before and after the change.
#[derive(Serialize)]
struct Change<'r> {
    change: &'r str,
    key: &'r str,
    before: Option<&'r Detail>,
    after: Option<&'r Detail>,
}

/// The JSON form of a table, serialised from the table itself.
struct JsonForm<'t> {
    table: &'t Table,
    trailer: &'t [(&'t str, Value)],
}

/// The members the JSON form names itself; a view's `extra` never uses them.
const OWN_MEMBERS: [&str; 3] = ["projection", "rule", "rows"];

impl Serialize for JsonForm<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let table = self.table;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("projection", table.projection)?;
        map.serialize_entry("rule", &table.rule)?;
        for (key, value) in &table.extra {
            debug_assert!(!OWN_MEMBERS.contains(&key.as_str()), "extra member {key}");
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("rows", &Rows(&table.rows))?;
        for (key, value) in self.trailer {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Rows serialised as the list of their details.
struct Rows<'t>(&'t [Row]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|row| &row.detail))
    }
}

/// A table's rows by key (the first row of a key, should two share one).
fn rows_by_key(table: &Table) -> HashMap<&str, &Row> {
    let mut rows = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        rows.entry(row.key.as_str()).or_insert(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(rows: &[(&str, i64)]) -> Table {
        let mut t = Table::new("test", vec!["n"]);
        for (k, n) in rows {
            t.push(*k, vec![n.to_string()], json!({"key": k, "n": n}));
        }
        t
    }

    /// The JSON form as it was built before it was streamed: one value with
    /// every row's detail copied in (the reference the stream must match).
    fn as_one_value(t: &Table) -> Value {
        let mut out = Map::new();
        out.insert("projection".into(), json!(t.projection));
        out.insert("rule".into(), json!(t.rule));
        for (k, v) in &t.extra {
            out.insert(k.clone(), v.clone());
        }
        out.insert(
            "rows".into(),
            Value::Array(t.rows.iter().map(|r| r.detail.value()).collect()),
        );
        Value::Object(out)
    }

    /// Every view of a synthetic ledger, written as a stream, is byte for byte
    /// its JSON value written whole, with the trailer members at the end.
    #[test]
    fn the_streamed_json_form_is_the_json_value() {
        use crate::projection::views::{testing::synthetic_picture, Params, View};
        let picture = synthetic_picture(12, 1_500);
        let resolved = crate::projection::resolve::Resolved::new(&picture);
        let trailer = [("as_of", json!("head")), ("entries", json!(1_500))];
        for view in View::ALL {
            let t = view.build(&resolved, &Params::default());
            assert!(!t.rows.is_empty(), "{view}");
            let whole = as_one_value(&t).to_string();
            assert_eq!(t.digest(), StateDigest::of(whole.as_bytes()), "{view}");
            assert_eq!(t.to_json().to_string(), whole, "{view}");
            let mut streamed = Vec::new();
            t.write_json(&mut streamed, &trailer).unwrap();
            let mut value = as_one_value(&t);
            if let Value::Object(map) = &mut value {
                for (k, v) in &trailer {
                    map.insert((*k).to_owned(), v.clone());
                }
            }
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                value.to_string(),
                "{view}"
            );
        }
    }

    #[test]
    fn diff_marks_added_removed_and_changed_rows() {
        let a = table(&[("x", 1), ("y", 2), ("z", 3)]);
        let b = table(&[("x", 1), ("y", 5), ("w", 4)]);
        let d = Table::diff(&a, &b, "from a to b");
        let marks: Vec<(&str, &str)> = d
            .rows
            .iter()
            .map(|r| (r.cells[0].as_str(), r.key.as_str()))
            .collect();
        assert_eq!(marks, vec![("-", "z"), ("~", "y"), ("+", "w")]);
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), table(&[("x", 1), ("y", 2), ("z", 3)]).digest());
    }
}
