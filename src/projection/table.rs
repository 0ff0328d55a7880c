//! `Table`: what every view returns — the rule it applied, named columns, and rows
//! that carry both display cells (for the table and CSV) and a structured JSON
//! object (for `--json`). Each row has a stable key, so two tables of the same
//! view can be diffed row by row, and a table has a digest.
//!
//! Rendering (aligning columns, quoting CSV) is the CLI's job; the library only
//! builds values.
//!
//! A table built for its digest alone ([`Rows::Digested`], what `replay`
//! asks for) keeps no rows: each row's detail is written into the digest as
//! the view pushes it and then dropped, so a view of 640,000 rows never holds
//! them all.

use std::collections::HashMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::detail::Detail;
use super::StateDigest;
use crate::streamed_hash::StreamedHash;

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

/// What a table does with the rows a view pushes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rows {
    /// Keeps them: what every command that shows a view asks for.
    #[default]
    Kept,
    /// Writes each into the table's digest and drops it: for `replay`, which
    /// compares digests only. The table's `rows` stay empty, and a view must
    /// set its `rule` and `extra` before its first row (they come first in
    /// the JSON form).
    Digested,
}

/// The rows of a table written into its digest as they are pushed.
#[derive(Clone, Debug, PartialEq)]
struct Digesting {
    /// The JSON form so far, from its head through the last row pushed.
    hash: StreamedHash,
    /// The JSON form up to its first row, as it was written when the first
    /// row came.
    head: Option<Vec<u8>>,
    rows: usize,
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
    /// Where the rows went, when they are digested rather than kept.
    digesting: Option<Box<Digesting>>,
}

impl Table {
    /// An empty table that keeps its rows.
    pub fn new(projection: &'static str, columns: Vec<&'static str>) -> Table {
        Table::with_rows(projection, columns, Rows::Kept)
    }

    /// An empty table that does with its rows what `rows` says.
    pub fn with_rows(projection: &'static str, columns: Vec<&'static str>, rows: Rows) -> Table {
        Table {
            projection,
            rule: Vec::new(),
            columns,
            rows: Vec::new(),
            extra: Map::new(),
            layout: Layout::Columns,
            digesting: (rows == Rows::Digested).then(|| {
                Box::new(Digesting {
                    hash: StreamedHash::new(),
                    head: None,
                    rows: 0,
                })
            }),
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
        let detail = detail.into();
        let Some(mut digesting) = self.digesting.take() else {
            self.rows.push(Row {
                key: key.into(),
                cells,
                detail,
            });
            return;
        };
        if digesting.head.is_none() {
            let head = self.head();
            digesting.hash.update(&head);
            digesting.head = Some(head);
        } else {
            digesting.hash.update(b",");
        }
        digesting.hash.update(detail.as_str().as_bytes());
        digesting.rows += 1;
        self.digesting = Some(digesting);
    }

    /// How many rows the view pushed (kept or digested).
    pub fn row_count(&self) -> usize {
        self.digesting
            .as_ref()
            .map_or(self.rows.len(), |digesting| digesting.rows)
    }

    /// The JSON form up to where its first row goes: the form of the table
    /// without rows, less its closing `]}`.
    fn head(&self) -> Vec<u8> {
        let mut form = Vec::new();
        // Writing into a vector cannot fail, and every value here serialises.
        let _ = serde_json::to_writer(
            &mut form,
            &JsonForm {
                table: self,
                trailer: &[],
            },
        );
        form.truncate(form.len().saturating_sub(2));
        form
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
    ///
    /// # Panics
    ///
    /// When the rows were digested ([`Rows::Digested`]) and the view changed
    /// its rule or extra members after its first row: a view's bug, which
    /// would otherwise give a digest of no table.
    pub fn digest(&self) -> StateDigest {
        let Some(digesting) = &self.digesting else {
            let mut hash = StreamedHash::new();
            // Writing into a hash cannot fail, and every value here serialises.
            let _ = self.write_json(&mut hash, &[]);
            return StateDigest(*hash.finalize().as_bytes());
        };
        let mut hash = digesting.hash.clone();
        let head = self.head();
        match &digesting.head {
            None => hash.update(&head),
            Some(first) => assert!(
                *first == head,
                "the {} view changed its rule or extra members after its first row",
                self.projection
            ),
        }
        hash.update(b"]}");
        StateDigest(*hash.finalize().as_bytes())
    }

    /// Writes the JSON form ([`Table::to_json`], the same bytes) followed by
    /// the `trailer` members, serialising the rows where they are instead of
    /// copying every row into one value first. Fails for a table whose rows
    /// were digested, not kept.
    pub fn write_json(
        &self,
        out: impl std::io::Write,
        trailer: &[(&str, Value)],
    ) -> serde_json::Result<()> {
        if self.digesting.is_some() {
            return Err(serde::ser::Error::custom(format!(
                "the rows of the {} view were digested, not kept",
                self.projection
            )));
        }
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
        map.serialize_entry("rows", &Details(&table.rows))?;
        for (key, value) in self.trailer {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Rows serialised as the list of their details.
struct Details<'t>(&'t [Row]);

impl Serialize for Details<'_> {
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

    /// A view built with its rows digested as they come has the digest and
    /// row count of the same view with its rows kept, for every view and
    /// for parameters that change the rule and the extra members (a window
    /// that leaves some incidents straddling it, `--list-incidents`,
    /// groupings, a direction, intercepted attacks left out).
    #[test]
    fn digested_rows_give_the_digest_of_kept_rows() {
        use crate::projection::views::{
            testing::synthetic_picture, DirectionRule, GroupBy, Params, Rows, Rule, View,
        };
        use crate::time::Date;
        let picture = synthetic_picture(21, 2_000);
        let resolved = crate::projection::resolve::Resolved::new(&picture);
        let day = |text: &str| Date::parse(text).unwrap();
        let variants = [
            Params::default(),
            Params {
                by: vec![GroupBy::Country, GroupBy::Actor],
                list_incidents: true,
                min_gap_days: 3,
                ..Params::default()
            },
            Params {
                rule: Rule {
                    direction: Some(DirectionRule::Any),
                    exclude_intercepted: true,
                    from: Some(day("2024-01-10")),
                    to: Some(day("2024-06-20")),
                    ..Rule::default()
                },
                ..Params::default()
            },
        ];
        for params in &variants {
            for view in View::ALL {
                let kept = view.build(&resolved, params);
                let digested = view.build(
                    &resolved,
                    &Params {
                        rows: Rows::Digested,
                        ..params.clone()
                    },
                );
                assert!(digested.rows.is_empty(), "{view}");
                assert_eq!(digested.row_count(), kept.rows.len(), "{view}");
                assert_eq!(digested.digest(), kept.digest(), "{view} {params:?}");
            }
        }
    }

    /// Digested rows that pass the hashing batch, and none at all, give the
    /// digest of the same rows kept; a digesting table cannot write its
    /// JSON form.
    #[test]
    fn a_digesting_table_hashes_what_a_kept_one_writes() {
        let fill = |rows: Rows, n: usize| {
            let mut t = Table::with_rows("test", vec!["n"], rows);
            t.rule = vec!["every row".to_owned()];
            t.extra.insert("counting_rule".into(), json!({"n": n}));
            for i in 0..n {
                t.push(
                    format!("k{i}"),
                    Vec::new(),
                    json!({"key": i, "text": "x".repeat(i % 700)}),
                );
            }
            t
        };
        for n in [0, 1, 2, 500] {
            let (kept, digested) = (fill(Rows::Kept, n), fill(Rows::Digested, n));
            assert_eq!(digested.digest(), kept.digest(), "{n} rows");
            assert_eq!(digested.row_count(), n);
            assert!(digested.write_json(Vec::new(), &[]).is_err());
        }
    }

    /// A view that changes its rule after its first row was digested gets a
    /// panic, not the digest of a table that never was.
    #[test]
    #[should_panic(expected = "changed its rule or extra members after its first row")]
    fn a_rule_changed_after_the_first_digested_row_is_refused() {
        let mut t = Table::with_rows("test", vec!["n"], Rows::Digested);
        t.push("a", Vec::new(), json!({"key": "a"}));
        t.rule.push("too late".to_owned());
        let _ = t.digest();
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
