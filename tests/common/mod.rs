//! Shared helpers for the integration tests: a throw-away ledger in a temporary
//! directory, and the `sitrep` binary run against it with a reproducible
//! environment (`SITREP_NOW`, `SITREP_RECORDED_BY`, an explicit `--ledger`, and
//! no `SITREP_LEDGER` inherited from whoever runs the tests).
//!
//! Failing checks panic with the command line, its exit code and its output, so a
//! red test says what the binary actually did.

#![allow(
    clippy::expect_used,
    reason = "test code, helpers included: a failed expectation is a failing test"
)]

pub mod facts;

use std::fmt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The fixed "now" every test runs at.
pub const NOW: &str = "2026-01-01T00:00:00Z";
/// Who every test records as.
pub const RECORDER: &str = "test";

/// The `sitrep` binary with the reproducible environment and no ledger from the
/// environment; the caller adds `--ledger`.
pub fn sitrep() -> Command {
    let mut cmd = Command::cargo_bin("sitrep").expect("the sitrep binary is built");
    cmd.env("SITREP_NOW", NOW)
        .env("SITREP_RECORDED_BY", RECORDER)
        .env_remove("SITREP_LEDGER");
    cmd
}

/// What one run of the binary did.
pub struct Run {
    /// The arguments after `sitrep`, for messages.
    pub args: Vec<String>,
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`sitrep {}` exited with {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

impl Run {
    /// Runs `cmd`, whose arguments are `args` (kept for messages).
    pub fn of(mut cmd: Command, args: Vec<String>) -> Run {
        let output = cmd.output().expect("sitrep runs");
        Run {
            args,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts exit 0 and returns standard output.
    pub fn success(self) -> String {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self.stdout
    }

    /// Asserts the error shape every refusal must have — exit 2, nothing on
    /// standard output, exactly one line on standard error starting with
    /// `sitrep: error: ` — and returns that line (without the newline).
    pub fn error_line(self) -> String {
        assert_eq!(self.code, Some(2), "expected exit code 2\n{self}");
        assert_eq!(
            self.stdout, "",
            "a refusal prints nothing on stdout\n{self}"
        );
        assert!(
            self.stderr.ends_with('\n') && self.stderr.matches('\n').count() == 1,
            "expected exactly one line on stderr\n{self}"
        );
        assert!(
            self.stderr.starts_with("sitrep: error: "),
            "stderr should start with `sitrep: error: `\n{self}"
        );
        self.stderr.trim_end().to_owned()
    }
}

/// Runs `sitrep <args>` in `cwd` (the caller passes `--ledger` itself).
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = sitrep();
    cmd.current_dir(cwd).args(args);
    Run::of(cmd, args.iter().map(|a| (*a).to_owned()).collect())
}

/// Asserts that `haystack` contains every one of `needles`.
#[track_caller]
pub fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "expected to find {needle:?} in:\n{haystack}"
        );
    }
}

/// The head of a ledger as the CLI shows it: entry count and last id (the
/// genesis value when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of entries.
    pub size: u64,
    /// The last entry's id, or the genesis value.
    pub id: String,
}

/// A ledger path inside its own temporary directory, removed on drop.
pub struct Ledger {
    dir: TempDir,
    /// The ledger directory (`<tmp>/ledger`).
    pub path: PathBuf,
    /// The genesis value `init --json` printed (empty until initialised).
    pub genesis: String,
}

impl Ledger {
    /// A temporary directory and a ledger path in it that does not exist yet.
    pub fn uninitialised() -> Ledger {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ledger");
        Ledger {
            dir,
            path,
            genesis: String::new(),
        }
    }

    /// A fresh, empty ledger made with `sitrep init`.
    pub fn new() -> Ledger {
        let mut ledger = Ledger::uninitialised();
        let out = ledger.ok(&["--json", "init"]);
        let line: Value = serde_json::from_str(out.trim()).expect("init --json prints JSON");
        ledger.genesis = line["genesis"]
            .as_str()
            .expect("init --json prints the genesis")
            .to_owned();
        assert_eq!(ledger.genesis.len(), 64, "{out}");
        ledger
    }

    /// A fresh ledger holding `report` (appended from a file named report.jsonl).
    pub fn with(report: &str) -> Ledger {
        let ledger = Ledger::new();
        let file = ledger.write("report.jsonl", report);
        ledger.ok(&["append", path_str(&file)]);
        ledger
    }

    /// The temporary directory holding the ledger and the tests' input files.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The ledger path as an argument.
    pub fn arg(&self) -> &str {
        path_str(&self.path)
    }

    /// `sitrep --ledger <path> <args>`, run in the temporary directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = sitrep();
        cmd.current_dir(self.root())
            .arg("--ledger")
            .arg(&self.path)
            .args(args);
        cmd
    }

    /// Runs `sitrep --ledger <path> <args>`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.cmd(args), describe(self.arg(), args))
    }

    /// Runs with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut cmd = self.cmd(args);
        cmd.write_stdin(stdin.to_owned());
        Run::of(cmd, describe(self.arg(), args))
    }

    /// Runs and asserts success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.run(args).success()
    }

    /// Runs and asserts a one-line refusal with exit 2; returns the line.
    pub fn refuse(&self, args: &[&str]) -> String {
        self.run(args).error_line()
    }

    /// Writes `text` to `<tmp>/<name>` and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        write_file(self.root(), name, text)
    }

    /// Writes `text` to `<tmp>/<name>` and appends it; returns `--json` output
    /// parsed, one value per fact.
    pub fn append(&self, name: &str, text: &str) -> Vec<Value> {
        let file = self.write(name, text);
        json_lines(&self.ok(&["--json", "append", path_str(&file)]))
    }

    /// `--json log` (with extra filter arguments), one value per entry.
    pub fn log(&self, filters: &[&str]) -> Vec<Value> {
        let mut args = vec!["--json", "log"];
        args.extend_from_slice(filters);
        json_lines(&self.ok(&args))
    }

    /// The head: the last line of `--json log`, or the genesis when empty.
    pub fn head(&self) -> Head {
        let log = self.log(&[]);
        match log.last() {
            Some(last) => Head {
                size: log.len() as u64,
                id: str_field(last, "id").to_owned(),
            },
            None => Head {
                size: 0,
                id: self.genesis.clone(),
            },
        }
    }

    /// Everything a reader can see: the head and the full `--json log` text.
    /// Two equal snapshots mean nothing was written in between.
    pub fn snapshot(&self) -> (Head, String) {
        (self.head(), self.ok(&["--json", "log"]))
    }

    /// `--json show <what>`, parsed.
    pub fn show(&self, what: &str) -> Value {
        let out = self.ok(&["--json", "show", what]);
        serde_json::from_str(out.trim()).expect("show --json prints one JSON object")
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test input file");
    path
}

/// A path as a command-line argument (test paths are always UTF-8).
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Parses JSON Lines output; every non-empty line must be a JSON object.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let value: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"));
            assert!(value.is_object(), "not a JSON object: {l}");
            value
        })
        .collect()
}

/// A string field of a JSON object, or a panic naming it.
#[track_caller]
pub fn str_field<'v>(value: &'v Value, field: &str) -> &'v str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{field}` in {value}"))
}

/// An unsigned integer field of a JSON object, or a panic naming it.
#[track_caller]
pub fn u64_field(value: &Value, field: &str) -> u64 {
    value[field]
        .as_u64()
        .unwrap_or_else(|| panic!("no integer `{field}` in {value}"))
}

/// Every file and directory under `dir` (relative paths, sorted) with the
/// contents of the files: to assert that a command created or changed nothing.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Option<Vec<u8>>)>) {
        for entry in std::fs::read_dir(dir).expect("read a test directory") {
            let path = entry.expect("a directory entry").path();
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            if path.is_dir() {
                out.push((rel, None));
                walk(root, &path, out);
            } else {
                out.push((rel, Some(std::fs::read(&path).expect("read a test file"))));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn describe(ledger: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--ledger".to_owned(), ledger.to_owned()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all
}

/// A small report: one source, two incidents (one with casualties), and a
/// statement, as JSON Lines. Keys: `src/wire`, `inc/tower22`, `inc/asad`,
/// `st/suspension`.
pub const REPORT: &str = r#"{"key":"src/wire","kind":"source","publisher":"Wire Service","type":"wire","party":false,"title":"Attacks on US forces"}
{"key":"inc/tower22","kind":"incident","source":"src/wire","incident":"tower22-2024-01-28","direction":"on_us_forces","occurred":"2024-01-28","target":{"name":"Tower 22","site":"tower-22","country":"JO"},"attack_types":["drone"],"outcome":"impact","casualties":[{"group":"us_military","killed":3,"wounded":{"low":40,"qualifier":"at_least"}}]}
{"key":"inc/asad","kind":"incident","source":"src/wire","incident":"asad-2024-01-20","direction":"on_us_forces","occurred":"2024-01-20","target":{"name":"Al-Asad Airbase","site":"ain-al-asad","country":"IQ"},"attack_types":["ballistic_missile","rocket"]}
{"key":"st/suspension","kind":"statement","source":"src/wire","speaker":{"name":"Kataib Hezbollah","actor":"kataib-hezbollah"},"type":"suspension","made":"2024-01-30","text":"We suspend military operations against the occupation forces","attribution":"own_channel"}
"#;
