//! The views (`sitrep project <name>`): pure functions from the resolved picture
//! and the user's parameters to a [`Table`]. One file per view; the shared
//! counting rule is in [`rule`], and the combined incident every numeric view
//! counts is in [`incidents`].

pub mod count_tally;
pub mod counted;
pub mod counts;
pub mod incidents;
pub mod pauses;
pub mod revisions;
pub mod rule;
pub mod statements;
pub mod tallies;
pub mod timeline;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::resolve::{Live, Resolved};
pub use super::table::Rows;
use super::table::Table;
use crate::fact::{ActorRef, DenialType};
use crate::parallel;
use crate::text::Text;
pub use rule::{DirectionRule, Fit, Rule};
pub use tallies::GroupBy;

/// The default `--min-gap-days` of `pauses`.
pub const DEFAULT_MIN_GAP_DAYS: u32 = 14;

/// Everything a view may be asked to vary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// `tallies --by`.
    pub by: Vec<GroupBy>,
    /// Which incidents count.
    pub rule: Rule,
    /// `pauses --min-gap-days`.
    pub min_gap_days: u32,
    /// `counts --list-incidents`: name the incidents each tally counts.
    pub list_incidents: bool,
    /// Whether rows get their display cells.
    pub cells: Cells,
    /// Whether the table keeps its rows or only their digest.
    pub rows: Rows,
}

/// Whether a view builds its rows' display cells (for the table and CSV).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cells {
    /// Built: what every command that shows a view asks for.
    #[default]
    Shown,
    /// Left empty. A table's JSON form and its digest are made of its rows'
    /// details alone, so `replay`, which only compares digests, asks for
    /// none (docs/performance.md, round 12). `tallies` and `pauses`, whose
    /// rows are few, build them anyway.
    Omitted,
}

impl Cells {
    /// `cells()`, or nothing when the cells are omitted.
    pub fn build(self, cells: impl FnOnce() -> Vec<String>) -> Vec<String> {
        match self {
            Cells::Shown => cells(),
            Cells::Omitted => Vec::new(),
        }
    }
}

impl Default for Params {
    fn default() -> Params {
        Params {
            by: Vec::new(),
            rule: Rule::default(),
            min_gap_days: DEFAULT_MIN_GAP_DAYS,
            list_incidents: false,
            cells: Cells::Shown,
            rows: Rows::Kept,
        }
    }
}

/// A named view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// One row per incident, every source combined.
    Incidents,
    /// Incidents and casualties grouped.
    Tallies,
    /// Gaps between qualifying incidents.
    Pauses,
    /// Stated aggregate figures beside the ledger's own tally.
    Counts,
    /// Statements with their status.
    Statements,
    /// Every revised fact with its chain.
    Revisions,
    /// Everything in occurred order.
    Timeline,
}

impl View {
    /// Every view, in the order `replay` reports them.
    pub const ALL: [View; 7] = [
        View::Incidents,
        View::Tallies,
        View::Pauses,
        View::Counts,
        View::Statements,
        View::Revisions,
        View::Timeline,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            View::Incidents => "incidents",
            View::Tallies => "tallies",
            View::Pauses => "pauses",
            View::Counts => "counts",
            View::Statements => "statements",
            View::Revisions => "revisions",
            View::Timeline => "timeline",
        }
    }

    /// Calls `each` for every view and returns what it returned, in
    /// [`View::ALL`] order. `incidents` runs first on its own: it is by far
    /// the largest table and already uses every core inside; the six others
    /// then run side by side. (All seven side by side peaked at 7,204 MiB at
    /// a million facts, against 5,313 MiB this way: docs/performance.md.)
    pub fn each<R: Send>(each: impl Fn(View) -> R + Sync) -> Vec<R> {
        let mut out: Vec<R> = vec![each(View::Incidents)];
        // The six others, the longest first (at a million facts: revisions,
        // counts and timeline about a second each, the rest a fifth of one
        // or less), so that a long one does not start last on its own.
        let longest_first = [
            View::Revisions,
            View::Counts,
            View::Timeline,
            View::Statements,
            View::Pauses,
            View::Tallies,
        ];
        let mut done: Vec<(View, R)> = parallel::map_balanced(&longest_first, |v| (*v, each(*v)));
        done.sort_by_key(|(view, _)| View::ALL.iter().position(|v| v == view));
        out.extend(done.into_iter().map(|(_, r)| r));
        out
    }

    /// Computes the view.
    pub fn build(self, resolved: &Resolved<'_>, params: &Params) -> Table {
        match self {
            View::Incidents => incidents::table(resolved, params),
            View::Tallies => tallies::table(resolved, params),
            View::Pauses => pauses::table(resolved, params),
            View::Counts => counts::table(resolved, params),
            View::Statements => statements::table(resolved, params),
            View::Revisions => revisions::table(resolved, params),
            View::Timeline => timeline::table(resolved, params),
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for View {
    type Err = String;

    fn from_str(text: &str) -> Result<View, String> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = View::ALL.iter().map(|v| v.name()).collect();
                format!(
                    "unknown projection `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Joins display parts with ", ", or "—" when there are none.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items
            .iter()
            .map(|s| s.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The snake_case name of a serde enum value ("on_us_forces").
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// What has been entered against a fact in force, one part per revision in log
/// order: "corrected by KEY" for its live corrections, "denied (TYPE) by DENIER:
/// “QUOTE”" for each live denial. Empty when nothing has.
pub fn disputes(resolved: &Resolved<'_>, live: &Live<'_>) -> Vec<String> {
    let mut parts = Vec::new();
    if !live.corrections.is_empty() {
        parts.push(format!("corrected by {}", live.corrections.join(", ")));
    }
    for (_, denial) in resolved.denials_of(live.key) {
        parts.push(denial_words(denial));
    }
    parts
}

/// A denial in words: "denied (authorship) by Kataib Hezbollah: “fabricated news”".
pub fn denial_words(denial: &crate::fact::Denial) -> String {
    format!(
        "denied ({}) by {}{}",
        name_of(&denial.denial_type),
        denial.denier.name,
        denial.quote_suffix()
    )
}

/// One live denial in a row's detail.
#[derive(Serialize)]
pub struct DenialDetail<'p> {
    key: &'p str,
    denier: &'p ActorRef,
    #[serde(rename = "type")]
    denial_type: &'p DenialType,
    quote: &'p Option<Text>,
    source: &'p str,
}

/// The live denials of `key` as JSON objects (key, denier, type, quote, source),
/// in log order.
pub fn denials_json<'p>(resolved: &Resolved<'p>, key: &str) -> Vec<DenialDetail<'p>> {
    resolved
        .denials_of(key)
        .into_iter()
        .map(|(live, denial)| DenialDetail {
            key: live.key,
            denier: &denial.denier,
            denial_type: &denial.denial_type,
            quote: &denial.quote,
            source: &denial.source,
        })
        .collect()
}

/// A rule line naming the counting-rule flags the user set that `view` does not
/// use (`used` lists those it does), so that none is silently ignored.
pub fn unused_flags(rule: &Rule, view: &str, used: &[&str]) -> Option<String> {
    let set = [
        ("--direction", rule.direction.is_some()),
        ("--exclude-intercepted", rule.exclude_intercepted),
        ("--country", !rule.countries.is_empty()),
        ("--from", rule.from.is_some()),
        ("--to", rule.to.is_some()),
    ];
    let unused: Vec<&str> = set
        .iter()
        .filter(|(flag, on)| *on && !used.contains(flag))
        .map(|(flag, _)| *flag)
        .collect();
    (!unused.is_empty()).then(|| format!("{} ignored: not used by `{view}`", unused.join(", ")))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Small in-memory ledgers for the views' tests.

    use crate::journal::{AppendOptions, Journal};
    use crate::projection::engine;
    use crate::projection::picture::Picture;
    use crate::projection::table::{Row, Table};
    use crate::time::{FixedClock, Timestamp};

    /// 2026-01-01T00:00:00Z.
    const DAY_ZERO_MICROS: i64 = 1_767_225_600_000_000;
    const DAY_MICROS: i64 = 86_400_000_000;

    /// Appends each batch of JSON Lines facts, batch `i` recorded at day `i`
    /// after 2026-01-01, and folds the log.
    pub fn picture(batches: &[&str]) -> Picture {
        let mut journal = Journal::in_memory("test").unwrap();
        let options = AppendOptions {
            recorded_by: "test".into(),
            durable: false,
            dry_run: false,
        };
        for (i, batch) in batches.iter().enumerate() {
            let facts = crate::input::parse("test.jsonl", batch.as_bytes())
                .unwrap()
                .into_iter()
                .map(|l| l.fact)
                .collect();
            let clock = FixedClock(Timestamp::from_micros(
                DAY_ZERO_MICROS + i as i64 * DAY_MICROS,
            ));
            journal.append(facts, &clock, &options).unwrap();
        }
        engine::rebuild(&journal).unwrap()
    }

    /// A synthetic ledger of `facts` facts from corpus seed `seed` (with
    /// corrections, retractions and merges), appended 500 at a time, folded.
    pub fn synthetic_picture(seed: u64, facts: u64) -> Picture {
        let mut journal = Journal::in_memory("synthetic").unwrap();
        let options = AppendOptions {
            recorded_by: "test".into(),
            durable: false,
            dry_run: false,
        };
        crate::synth::append_corpus(&mut journal, seed, facts, 500, &options).unwrap();
        engine::rebuild(&journal).unwrap()
    }

    /// The row keyed `key`.
    pub fn row<'t>(table: &'t Table, key: &str) -> &'t Row {
        table
            .rows
            .iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("no row `{key}` in {}", table.projection))
    }

    /// The cell of `column` in the row keyed `key`.
    pub fn cell<'t>(table: &'t Table, key: &str, column: &str) -> &'t str {
        let at = table
            .columns
            .iter()
            .position(|c| *c == column)
            .unwrap_or_else(|| panic!("no column `{column}` in {}", table.projection));
        &row(table, key).cells[at]
    }

    /// The row keys, in order.
    pub fn keys(table: &Table) -> Vec<&str> {
        table.rows.iter().map(|r| r.key.as_str()).collect()
    }

    /// The seed corpus, as `sitrep demo` records it.
    pub fn seeds() -> Picture {
        let mut journal = Journal::in_memory("test").unwrap();
        crate::demo::build(&mut journal).unwrap();
        engine::rebuild(&journal).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::View;

    /// However the views are scheduled, `each` calls every view once and
    /// returns the results in `View::ALL` order.
    #[test]
    fn each_returns_every_view_once_in_order() {
        let calls = std::sync::Mutex::new(Vec::new());
        let out = View::each(|view| {
            calls.lock().unwrap().push(view);
            view.name()
        });
        let names: Vec<&str> = View::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(out, names);
        let mut called = calls.into_inner().unwrap();
        called.sort_by_key(|v| v.name());
        let mut all = View::ALL.to_vec();
        all.sort_by_key(|v| v.name());
        assert_eq!(called, all);
    }
}
