//! The text around the tables: the machine and build the figures were measured
//! on (at the top), how to read the rows, and (at the end) every goal that was
//! not met and every figure that could not be measured.

use serde_json::{json, Value};

use crate::args::Plan;
use crate::row::Row;
use crate::table::{self, thousands};

/// Where and how this run happens.
pub struct Machine {
    /// Cores this process may use.
    pub cores: Option<usize>,
    /// `MemTotal` of `/proc/meminfo`, in GiB.
    pub memory_gib: Option<f64>,
    /// The command line as given.
    pub command: String,
    /// When the run started (UTC, RFC 3339).
    pub started: String,
    /// Crate version, profile, target, storage and peer versions.
    pub build: String,
}

impl Machine {
    /// Reads the machine and build of this process.
    pub fn probe(argv: &[String]) -> Machine {
        let memory_gib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib / (1024.0 * 1024.0))
            });
        let profile = if cfg!(debug_assertions) {
            "debug build: NOT representative, use --release"
        } else {
            "release build"
        };
        Machine {
            cores: std::thread::available_parallelism().map(usize::from).ok(),
            memory_gib,
            command: argv.join(" "),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            build: format!(
                "sitrep {} ({profile}, {}-{}), sled 0.34.7, SQLite {} (bundled, rusqlite)",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::ARCH,
                std::env::consts::OS,
                rusqlite::version()
            ),
        }
    }

    /// The header lines.
    pub fn text(&self, plan: &Plan) -> String {
        let sizes: Vec<String> = plan.sizes.iter().map(|&n| thousands(n)).collect();
        format!(
            "# sitrep-bench\n\n\
             - machine: {} cores (available_parallelism), {} memory\n\
             - command: {}\n\
             - N: {} facts (corpus seed {})\n\
             - date: {}\n\
             - build: {}\n\
             - `sitrep` binary for figure 10: {}\n\
             - limits: a child process is stopped after {} s or above {} MiB resident; \
             a sampling loop stops after {} s once it has {} samples\n",
            self.cores.map_or_else(|| "?".to_owned(), |c| c.to_string()),
            self.memory_gib
                .map_or_else(|| "? GiB".to_owned(), |g| format!("{g:.1} GiB")),
            self.command,
            sizes.join(", "),
            plan.seed,
            self.started,
            self.build,
            crate::cli_timing::sitrep_exe()
                .map_or_else(|why| format!("MISSING: {why}"), |p| p.display().to_string()),
            plan.child_timeout.as_secs(),
            plan.child_memory_mib,
            plan.samples.budget.as_secs(),
            crate::stats::MIN_SAMPLES,
        )
    }

    /// The header as one JSON object.
    pub fn to_json(&self, plan: &Plan) -> Value {
        json!({
            "machine": { "cores": self.cores, "memory_gib": self.memory_gib },
            "command": self.command,
            "sizes": plan.sizes,
            "seed": plan.seed,
            "date": self.started,
            "build": self.build,
            "limits": {
                "child_timeout_secs": plan.child_timeout.as_secs(),
                "child_memory_mib": plan.child_memory_mib,
                "sampling_budget_secs": plan.samples.budget.as_secs(),
            },
        })
    }
}

/// How to read a table (printed once, under the first).
pub const NOTES: &str = "\
ratio = sitrep ÷ baseline (for facts/s higher is better, for times lower is better). \
Every figure and its baseline were measured in this run on the same facts; corpus \
generation is never timed. Figures 4, 5 and 10 run after a few hundred facts were \
appended to the N. The raw baselines hold the very entry bytes the ledger stores \
(checked: same last id). The replay runs in a child process, since sled lets only \
one process open a ledger.
";

/// The closing lines: unmet goals, unmeasured figures, wall time.
pub fn footer(runs: &[(u64, Vec<Row>)], wall_secs: f64) -> String {
    let rows = runs.iter().flat_map(|(_, rows)| rows);
    let mut out = String::new();
    let unmet: Vec<String> = rows
        .clone()
        .filter(|r| r.met() == Some(false))
        .map(|r| {
            let cells = table::cells(r);
            format!(
                "- {} at N = {}: {} (ratio {}), goal {}",
                r.figure, cells[1], cells[2], cells[4], cells[5]
            )
        })
        .collect();
    if unmet.is_empty() {
        out.push_str("Goals not met: none.\n");
    } else {
        out.push_str("Goals not met:\n");
        out.push_str(&unmet.join("\n"));
        out.push('\n');
    }
    let missing: Vec<String> = rows
        .filter_map(|r| {
            r.unmeasured()
                .map(|why| format!("- {} at N = {}: {why}", r.figure, thousands(r.n)))
        })
        .collect();
    if !missing.is_empty() {
        out.push_str("\nNot measured:\n");
        out.push_str(&missing.join("\n"));
        out.push('\n');
    }
    out.push_str(&format!("\nWall time of the whole run: {wall_secs:.1} s\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{Goal, Unit};

    #[test]
    fn the_footer_names_unmet_and_unmeasured_figures() {
        let met = Row::new("ok", 10, Unit::Ms, Ok(1.0), "b", Ok(1.0), Goal::AtMost(2.0));
        let unmet = Row::new(
            "slow",
            10,
            Unit::Ms,
            Ok(3.0),
            "b",
            Ok(1.0),
            Goal::AtMost(2.0),
        );
        let gone = Row::new(
            "gone",
            10,
            Unit::Ms,
            Err("no exe".into()),
            "b",
            Ok(1.0),
            Goal::None,
        );
        let text = footer(&[(10, vec![met, unmet, gone])], 12.34);
        assert!(
            text.contains("- slow at N = 10: 3.00 ms (ratio 3.00×), goal ≤ 2 ms"),
            "{text}"
        );
        assert!(!text.contains("- ok"), "{text}");
        assert!(
            text.contains("Not measured:\n- gone at N = 10: no exe"),
            "{text}"
        );
        assert!(text.contains("12.3 s"), "{text}");
        let all_met = footer(&[], 1.0);
        assert!(all_met.starts_with("Goals not met: none."), "{all_met}");
    }
}
