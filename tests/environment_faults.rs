//! Environment faults, through the real binary (issue 5 item 7): a ledger
//! directory made read-only, a ledger directory removed (or replaced by a new
//! ledger) while a command has it open, an import whose staging directory is
//! removed, and a ledger path that is a file or whose `db` file is truncated or
//! filled with garbage. Each must end in one clear line on standard error and
//! exit 2 — never a panic, never a success for data that is not in the ledger —
//! and must lose nothing acknowledged before. "Disk full" is covered at the
//! `Store` seam by the fault store (`fault_injection`), not here.
//!
//! Linux facts these tests rest on: a file that is unlinked while open stays
//! writable through the open descriptor, so a process whose ledger directory
//! was removed keeps "writing" to it without an error; permission bits do not
//! bind root, so when the tests run as root the read-only test runs `sitrep`
//! as the unprivileged user 65534 (`nobody`) instead, and says so loudly if it
//! cannot.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_contains, json_lines, tree, Ledger, Run, NOW, RECORDER, REPORT};
use sitrep::store::OWNER_FILE;

/// A fact not in `REPORT`, appended while the ledger is under attack.
const LATER: &str = r#"{"key":"src/later","kind":"source","publisher":"Later Wire","type":"wire","party":false}
"#;
/// How long a spawned `sitrep` may take to open its ledger.
const OPEN_WITHIN: Duration = Duration::from_secs(20);
/// The unprivileged user and group the read-only test runs `sitrep` as when
/// the tests run as root.
const NOBODY: u32 = 65_534;

/// Says, on the real standard error (the harness hides `eprintln!` of a
/// passing test), that `test` did not run and why.
fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
}

/// `sitrep` as a `std` command, with the same environment as
/// `common::sitrep()`; for what `assert_cmd` cannot do (a pipe held open, a
/// different user).
fn std_sitrep(ledger: &Ledger, args: &[&str]) -> StdCommand {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.current_dir(ledger.root())
        .env("SITREP_NOW", NOW)
        .env("SITREP_RECORDED_BY", RECORDER)
        .env_remove("SITREP_LEDGER")
        .arg("--ledger")
        .arg(&ledger.path)
        .args(args);
    cmd
}

/// The arguments as `Run` shows them.
fn described(ledger: &Ledger, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--ledger".to_owned(), ledger.arg().to_owned()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all
}

/// Asserts that `sitrep` did not panic (Rust's panic exit code, or the panic
/// message on standard error).
#[track_caller]
fn assert_no_panic(run: &Run) {
    assert!(
        run.code != Some(101) && !run.stderr.contains("panicked"),
        "sitrep panicked\n{run}"
    );
}

// ---------------------------------------------------------------------------
// Read-only ledger

/// The ledger made read-only (every directory 0555, every file 0444), and how
/// to run `sitrep` so that the permission bits bind it. Restores ownership and
/// modes when dropped, whatever happened in between.
struct ReadOnly {
    /// Every path under the ledger with its mode, owner and group before.
    saved: Vec<(PathBuf, u32, u32, u32)>,
    /// The user to run `sitrep` as (`None`: as the test process).
    run_as: Option<u32>,
}

impl ReadOnly {
    /// Makes the ledger read-only; `None` (after saying why on stderr) when
    /// this process can neither be stopped by permission bits nor run `sitrep`
    /// as a user who is.
    fn make(ledger: &Ledger, test: &str) -> Option<ReadOnly> {
        let mut saved = Vec::new();
        let mut paths = vec![ledger.path.clone()];
        paths.extend(
            tree(&ledger.path)
                .into_iter()
                .map(|(p, _)| ledger.path.join(p)),
        );
        for path in &paths {
            let meta = fs::symlink_metadata(path).expect("stat a ledger file");
            saved.push((path.clone(), meta.mode() & 0o7777, meta.uid(), meta.gid()));
        }
        let mut guard = ReadOnly {
            saved,
            run_as: None,
        };
        // Does a read-only directory stop this process? Try.
        guard.set_modes();
        let probe = ledger.path.join("write-probe");
        let privileged = fs::write(&probe, b"probe").is_ok();
        if !privileged {
            return Some(guard);
        }
        let me = fs::metadata(&probe).map(|m| m.uid()).unwrap_or(0);
        let _ = fs::remove_file(&probe);
        if me != 0 {
            skip(
                test,
                &format!("uid {me} can write to a read-only directory (a capability?) and is not root, so it cannot run sitrep as another user"),
            );
            return None;
        }
        // Root: give the ledger to `nobody` and run sitrep as `nobody`, for
        // whom the owner's missing write bits count. The directory holding
        // the ledger must let it in.
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: {test}: running as root, whom permission bits do not stop; running sitrep as uid {NOBODY}"
        );
        let root = ledger.root();
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("open the test dir");
        for (path, ..) in &guard.saved {
            std::os::unix::fs::lchown(path, Some(NOBODY), Some(NOBODY)).expect("chown to nobody");
        }
        guard.set_modes();
        let mut version = StdCommand::new(env!("CARGO_BIN_EXE_sitrep"));
        version
            .arg("--version")
            .uid(NOBODY)
            .gid(NOBODY)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match version.status() {
            Ok(status) if status.success() => {
                guard.run_as = Some(NOBODY);
                Some(guard)
            }
            other => {
                skip(
                    test,
                    &format!("running as root, and sitrep cannot be run as uid {NOBODY} ({other:?}): the binary or its directory is not open to that user, or this process may not change user"),
                );
                None
            }
        }
    }

    fn set_modes(&self) {
        for (path, ..) in &self.saved {
            let read_only = if path.is_dir() { 0o555 } else { 0o444 };
            fs::set_permissions(path, fs::Permissions::from_mode(read_only))
                .expect("make a ledger path read-only");
        }
    }

    /// Runs `sitrep --ledger <ledger> <args>` as the user the bits bind.
    fn run(&self, ledger: &Ledger, args: &[&str]) -> Run {
        let mut cmd = std_sitrep(ledger, args);
        if let Some(uid) = self.run_as {
            cmd.uid(uid).gid(uid);
        }
        Run::of(assert_cmd::Command::from_std(cmd), described(ledger, args))
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        for (path, mode, uid, gid) in &self.saved {
            let _ = std::os::unix::fs::lchown(path, Some(*uid), Some(*gid));
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(*mode));
        }
    }
}

/// A read-only ledger: every command that opens it (a write, and — because
/// sled 0.34 opens its files for writing and has no read-only mode — the
/// reads too) is refused with one line naming the ledger and the permission
/// problem, exit 2; no byte of the ledger changes; and once the permissions
/// are restored everything acknowledged before is there, the audit is clean,
/// and appending works again.
#[test]
fn a_read_only_ledger_refuses_commands_and_loses_nothing() {
    let test = "a_read_only_ledger_refuses_commands_and_loses_nothing";
    let ledger = Ledger::with(REPORT);
    let before = ledger.snapshot();
    let later = ledger.write("later.jsonl", LATER);
    let later = later.to_str().expect("UTF-8 path");
    let files = tree(&ledger.path);
    {
        let Some(read_only) = ReadOnly::make(&ledger, test) else {
            return;
        };
        for args in [
            &["append", later][..],
            &["log"][..],
            &["audit"][..],
            &["project", "incidents"][..],
        ] {
            let run = read_only.run(&ledger, args);
            assert_no_panic(&run);
            let line = run.error_line();
            assert_contains(
                &line,
                &[
                    &format!("cannot open {}", ledger.arg()),
                    "Permission denied",
                ],
            );
        }
        assert!(
            tree(&ledger.path) == files,
            "a refused command changed the read-only ledger"
        );
    }
    assert_eq!(
        ledger.snapshot(),
        before,
        "restored, the ledger is as it was"
    );
    ledger.ok(&["audit"]);
    let out = json_lines(&ledger.ok(&["--json", "append", later]));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["outcome"], "recorded");
    assert_eq!(ledger.head().size, before.0.size + 1);
}

// ---------------------------------------------------------------------------
// Ledger directory removed or replaced under a running command

/// A spawned `sitrep`, killed if the test ends before it does.
struct Spawned {
    child: Option<Child>,
    args: Vec<String>,
}

impl Spawned {
    fn start(mut cmd: StdCommand, args: Vec<String>) -> Spawned {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sitrep");
        Spawned {
            child: Some(child),
            args,
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Writes `text` to its standard input, closes it, and waits.
    fn finish(mut self, text: &str) -> Run {
        let mut child = self.child.take().expect("still running");
        {
            let mut stdin = child.stdin.take().expect("a stdin pipe");
            // It may already have failed and closed its end.
            let _ = stdin.write_all(text.as_bytes());
        }
        let output = child.wait_with_output().expect("wait for sitrep");
        Run {
            args: std::mem::take(&mut self.args),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Waits until it has opened the ledger in `dir`: the store writes the
    /// owner file, with its pid, right after opening. `false` if it exited
    /// first.
    fn wait_until_open(&mut self, dir: &Path) -> bool {
        let owner = dir.join(OWNER_FILE);
        let pid = self.pid().to_string();
        let deadline = Instant::now() + OPEN_WITHIN;
        while Instant::now() < deadline {
            if fs::read_to_string(&owner).is_ok_and(|text| text.trim() == pid) {
                return true;
            }
            if let Some(child) = self.child.as_mut() {
                if child.try_wait().ok().flatten().is_some() {
                    return false;
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `sitrep append -` on `ledger`, waits until it has the ledger open,
/// runs `meanwhile`, then gives it `LATER` and waits for it.
fn append_while(ledger: &Ledger, meanwhile: impl FnOnce()) -> Run {
    let args = ["append", "-"];
    let mut append = Spawned::start(std_sitrep(ledger, &args), described(ledger, &args));
    assert!(
        append.wait_until_open(&ledger.path),
        "`sitrep append -` did not open the ledger within {OPEN_WITHIN:?}"
    );
    meanwhile();
    append.finish(LATER)
}

/// After an append that ran while its ledger directory was removed or
/// replaced: either it failed (one line, exit 2), or what it reported as
/// recorded is in the ledger at that path.
#[track_caller]
fn assert_honest(ledger: &Ledger, run: Run, what: &str) {
    assert_no_panic(&run);
    if run.code == Some(0) {
        let there = ledger.path.join("db").is_file()
            && ledger
                .run(&["--json", "show", "src/later"])
                .code
                .is_some_and(|c| c == 0);
        assert!(
            there,
            "`sitrep append` reported success although {what}: the fact it \
             acknowledged is not in the ledger at {} (it went to the removed \
             files, which Linux keeps writable until they are closed)\n{run}",
            ledger.arg()
        );
    } else {
        let line = run.error_line();
        assert_contains(&line, &[ledger.arg()]);
    }
}

/// The ledger directory removed while `sitrep append -` has it open and waits
/// for its input: the append must not report the fact as recorded.
#[test]
fn a_ledger_removed_under_a_running_append_is_not_reported_as_recorded() {
    let ledger = Ledger::with(REPORT);
    let run = append_while(&ledger, || {
        fs::remove_dir_all(&ledger.path).expect("remove the ledger directory");
    });
    assert_honest(&ledger, run, "its ledger directory was removed");
    assert!(!ledger.path.exists(), "the removed ledger came back");
}

/// The ledger directory removed and a new, empty ledger created at the same
/// path while `sitrep append -` has the old one open: the append must not
/// report the fact as recorded unless the new ledger holds it, and the new
/// ledger must still audit clean.
#[test]
fn a_ledger_replaced_under_a_running_append_is_not_reported_as_recorded() {
    let ledger = Ledger::with(REPORT);
    let run = append_while(&ledger, || {
        fs::remove_dir_all(&ledger.path).expect("remove the ledger directory");
        ledger.ok(&["init"]);
    });
    assert_honest(
        &ledger,
        run,
        "its ledger directory was replaced by a new ledger",
    );
    ledger.ok(&["audit"]);
}

/// The staging directory of `sitrep import -` removed while it reads: the
/// import fails with one line, exit 2, and leaves nothing at the target (it
/// builds the ledger beside the target and renames it into place last).
#[test]
fn an_import_whose_staging_directory_is_removed_fails_and_leaves_nothing() {
    let source = Ledger::with(REPORT);
    let export = source.root().join("export.jsonl");
    source.ok(&[
        "export",
        "--format",
        "ledger-jsonl",
        "--out",
        export.to_str().expect("UTF-8 path"),
    ]);
    let text = fs::read_to_string(&export).expect("read the export");
    let (header, rest) = text.split_once('\n').expect("a header line");

    let target = Ledger::uninitialised();
    let args = ["import", "-"];
    let mut import = Spawned::start(std_sitrep(&target, &args), described(&target, &args));
    {
        let stdin = import
            .child
            .as_mut()
            .and_then(|c| c.stdin.as_mut())
            .expect("a stdin pipe");
        writeln!(stdin, "{header}").expect("write the header");
        stdin.flush().expect("flush the header");
    }
    let name = target
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a file name");
    let staging = target
        .root()
        .join(format!(".{name}.import-{}", import.pid()));
    assert!(
        import.wait_until_open(&staging),
        "`sitrep import -` did not open {} within {OPEN_WITHIN:?}",
        staging.display()
    );
    fs::remove_dir_all(&staging).expect("remove the staging directory");
    let run = import.finish(rest);
    assert_no_panic(&run);
    let line = run.error_line();
    assert_contains(&line, &["cannot import"]);
    // Naming the target, or the staging directory that went missing.
    let staging_arg = staging.to_str().expect("UTF-8 path");
    assert!(
        line.contains(target.arg()) || line.contains(staging_arg),
        "the line names neither the ledger nor its staging directory: {line}"
    );
    assert!(
        !target.path.exists(),
        "a failed import left {}",
        target.arg()
    );
    assert!(!staging.exists(), "the staging directory came back");
}

// ---------------------------------------------------------------------------
// Not a usable ledger

/// The commands tried on every unusable ledger.
fn commands(later: &str) -> [Vec<&str>; 4] {
    [
        vec!["log"],
        vec!["audit"],
        vec!["append", later],
        vec!["project", "incidents"],
    ]
}

/// A ledger path that is a file: every command refuses it in one line naming
/// it (`init` too), and the file is left as it was.
#[test]
fn a_ledger_path_that_is_a_file_is_refused() {
    let ledger = Ledger::uninitialised();
    let later = ledger.write("later.jsonl", LATER);
    let later = later.to_str().expect("UTF-8 path");
    fs::write(&ledger.path, "not a ledger\n").expect("write the file");
    for args in commands(later) {
        let run = ledger.run(&args);
        assert_no_panic(&run);
        let line = run.error_line();
        assert_contains(
            &line,
            &[&format!(
                "{} is not a sitrep ledger: it is a file, not a ledger directory",
                ledger.arg()
            )],
        );
    }
    let line = ledger.refuse(&["init"]);
    assert_contains(
        &line,
        &[&format!(
            "cannot create a ledger at {}: a file is in the way",
            ledger.arg()
        )],
    );
    assert_eq!(
        fs::read_to_string(&ledger.path).expect("read the file"),
        "not a ledger\n"
    );
}

/// Bytes that look like nothing: a fixed xorshift stream, so that a failure
/// reproduces.
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_be_bytes()[0]
        })
        .collect()
}

/// sled's own snapshot files (`snap.*`) in a ledger directory.
fn sled_snapshots(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .expect("list the ledger")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snap."))
        })
        .collect()
}

/// One way to damage a ledger's `db` file.
struct Damage {
    name: &'static str,
    /// Also remove sled's snapshot files, so sled cannot tell what it had.
    without_snapshots: bool,
    /// The new contents, from the old length.
    contents: fn(usize) -> Vec<u8>,
}

const DAMAGE: [Damage; 4] = [
    Damage {
        name: "db truncated to 0 bytes",
        without_snapshots: false,
        contents: |_| Vec::new(),
    },
    Damage {
        name: "db filled with garbage",
        without_snapshots: false,
        contents: garbage,
    },
    Damage {
        name: "db truncated to 0 bytes, sled's snapshots removed",
        without_snapshots: true,
        contents: |_| Vec::new(),
    },
    Damage {
        name: "db filled with garbage, sled's snapshots removed",
        without_snapshots: true,
        contents: garbage,
    },
];

/// A fresh ledger holding `REPORT`, damaged as `damage` says.
fn damaged(damage: &Damage) -> Ledger {
    let ledger = Ledger::with(REPORT);
    let db = ledger.path.join("db");
    let len = fs::metadata(&db).expect("a db file").len();
    let len = usize::try_from(len).expect("a small db");
    fs::write(&db, (damage.contents)(len)).expect("damage the db");
    if damage.without_snapshots {
        for snapshot in sled_snapshots(&ledger.path) {
            fs::remove_file(snapshot).expect("remove a sled snapshot");
        }
    }
    ledger
}

/// A ledger whose `db` file is truncated to nothing or filled with garbage
/// (with and without sled's snapshot files): every command refuses it with
/// one line that names the ledger and says what is wrong in words — no panic,
/// exit 2, and none of the storage engine's debugging output.
#[test]
fn a_damaged_database_is_refused_in_one_clear_line() {
    for damage in &DAMAGE {
        let ledger = damaged(damage);
        let later = ledger.write("later.jsonl", LATER);
        let later = later.to_str().expect("UTF-8 path");
        for args in commands(later) {
            let run = ledger.run(&args);
            assert_no_panic(&run);
            let shown = format!("{run}");
            let line = run.error_line();
            assert_contains(&line, &[ledger.arg()]);
            let says_what = ["corrupt", "damaged", "not a sitrep ledger"]
                .iter()
                .any(|w| line.contains(w));
            assert!(
                says_what,
                "{}: the line does not say what is wrong\n{shown}",
                damage.name
            );
            for leak in ["Some(", "None", "Inline(", "backtrace"] {
                assert!(
                    !line.contains(leak),
                    "{}: the line shows the storage engine's debug output (`{leak}`) \
                     instead of a sentence\n{shown}",
                    damage.name
                );
            }
        }
    }
}

/// Refusing a damaged ledger must not change it: what is left of it is
/// evidence, and a repair tool may still read it. sled 0.34 has no read-only
/// open: when it cannot recognise a `db` file and has no snapshot to go by,
/// it starts a new, empty database over it, even for `sitrep log`.
///
/// Run it with `cargo test --test integration -- --ignored refusing_a_damaged_ledger`
/// (also in the README's Development section).
#[test]
// Ignored because it fails today: sled 0.34 has no read-only open (a known
// limit, docs/reliability.md); it documents the behaviour a fix must reach.
#[ignore = "known bug: sled re-initialises an unrecognisable db (no snapshot) on open, even for a read"]
fn refusing_a_damaged_ledger_leaves_its_files_as_they_were() {
    for damage in &DAMAGE {
        let ledger = damaged(damage);
        let files = tree(&ledger.path);
        for args in [vec!["log"], vec!["audit"]] {
            let run = ledger.run(&args);
            assert_no_panic(&run);
            assert_ne!(run.code, Some(0), "{}: accepted\n{run}", damage.name);
            assert!(
                tree(&ledger.path) == files,
                "{}: `sitrep {}` changed the damaged ledger's files",
                damage.name,
                args.join(" ")
            );
        }
    }
}

/// sled 0.34.7 can deadlock under a quick run of small commits (upstream
/// issue #1412): before the store flushed every 32 commits, 4 of 7 runs of
/// a loop like this one hung (docs/performance.md, round 8), and this test,
/// run once with the flush turned off, hung too. A hang is a matter of
/// timing, so this is a stress run, not a proof: 60,000 single appends
/// without `durable` on a ledger of 200,000 synthetic facts must finish.
///
/// Run it with `cargo test --release --test integration -- --ignored a_quick_run_of_small_appends`
/// (also in the README's Development section); once built, it runs in seconds (4.4 s on 2026-11-22).
#[test]
// Ignored because it takes minutes in a debug build and a hang is a matter of timing.
#[ignore = "a stress run: minutes in a debug build; run it with --release"]
fn a_quick_run_of_small_appends_does_not_hang() {
    use sitrep::journal::{AppendOptions, Journal};
    use sitrep::time::{FixedClock, Timestamp};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // 2026-01-01T00:00:00Z, the tests' NOW.
        let clock = FixedClock(Timestamp::from_micros(1_767_225_600_000_000));
        let options = AppendOptions {
            recorded_by: RECORDER.to_owned(),
            durable: false,
            dry_run: false,
        };
        let mut journal = Journal::init(&path, "stress").expect("init");
        let mut corpus = sitrep::synth::Corpus::new(6, 200_000);
        loop {
            let chunk: Vec<_> = corpus.by_ref().take(10_000).collect();
            if chunk.is_empty() {
                break;
            }
            journal
                .append(chunk, &clock, &options)
                .expect("bulk append");
        }
        let source = r#"{"key":"stress/src","kind":"source","publisher":"Stress Wire","type":"wire","party":false}"#;
        let facts = |text: &str| -> Vec<_> {
            sitrep::input::parse("stress.jsonl", text.as_bytes())
                .expect("parse")
                .into_iter()
                .map(|located| located.fact)
                .collect()
        };
        journal
            .append(facts(source), &clock, &options)
            .expect("source");
        for i in 0..60_000 {
            let incident = format!(
                r#"{{"key":"stress/{i}","kind":"incident","source":"stress/src","incident":"stress-{i}","direction":"other","occurred":"2024-03-01","target":{{"name":"Somewhere"}}}}"#
            );
            journal
                .append(facts(&incident), &clock, &options)
                .expect("single append");
        }
        let _ = done.send(journal.head().size);
    });
    match finished.recv_timeout(Duration::from_secs(600)) {
        Ok(size) => assert_eq!(size, 260_001),
        Err(_) => panic!("60,000 single appends did not finish in 10 minutes: the store hung"),
    }
}
