//! The examples in the docs are real: the JSON Lines report in docs/input.md is
//! appended to a fresh ledger by the real binary, and every fact must be recorded;
//! the README walkthrough — reports, projections, and the audit section with its
//! keys, checkpoints, proofs, export and import — runs command by command as
//! written.

use std::path::Path;

use assert_cmd::Command;

fn jsonl_block(markdown: &str) -> String {
    let start = markdown
        .find("```jsonl\n")
        .expect("docs/input.md has a ```jsonl block")
        + 9;
    let end = start + markdown[start..].find("```").expect("the block is closed");
    markdown[start..end].to_owned()
}

#[test]
fn the_input_guide_example_appends_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("docs/input.md")).expect("docs/input.md");
    let report = jsonl_block(&guide);
    let facts = report.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(facts, 10, "the guide shows every kind, some twice");
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("l");
    let sitrep = || {
        let mut cmd = Command::cargo_bin("sitrep").expect("binary");
        cmd.env_remove("SITREP_LEDGER")
            .env("SITREP_NOW", "2026-01-01T00:00:00Z")
            .arg("--ledger")
            .arg(&ledger);
        cmd
    };
    sitrep().arg("init").assert().success();
    let out = sitrep()
        .args(["--json", "append", "-"])
        .write_stdin(report)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let recorded = stdout
        .lines()
        .filter(|l| l.contains("\"recorded\""))
        .count();
    assert_eq!(recorded, facts, "{stdout}");
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks: Vec<&str> = readme
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    assert_eq!(
        blocks.len(),
        3,
        "the walkthrough has a report, a correction and a later report"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("my.ledger");
    // As the README sets it up: SITREP_LEDGER names the ledger, files are in
    // the working directory.
    let sitrep = || {
        let mut cmd = Command::cargo_bin("sitrep").expect("binary");
        cmd.env("SITREP_LEDGER", &ledger).current_dir(dir.path());
        cmd
    };
    sitrep()
        .args(["init", "--origin", "example.org/my-ledger"])
        .assert()
        .success();
    for block in &blocks[..2] {
        sitrep()
            .args(["append", "-"])
            .write_stdin(*block)
            .assert()
            .success();
    }
    let out = sitrep()
        .args(["--json", "history", "ap/2023-10-18/western-base"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let kinds: Vec<&str> = stdout
        .lines()
        .map(|l| {
            if l.contains("\"kind\":\"correction\"") {
                "correction"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(kinds, ["other", "correction"], "{stdout}");

    // The projection commands of the walkthrough run as written.
    let commands = readme
        .split("```sh\n")
        .filter(|block| block.contains("sitrep project"))
        .flat_map(|block| block.split("```").next().unwrap_or_default().lines())
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| line.starts_with("sitrep "))
        .collect::<Vec<_>>();
    assert!(commands.len() >= 5, "{commands:?}");
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        sitrep().args(&args).assert().success();
    }
    let out = sitrep()
        .args(["--json", "project", "incidents", "--diff", "seq:1", "head"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("\"change\":\"changed\""), "{stdout}");

    // The audit walkthrough: every command of its two blocks, in order, with the
    // later report in later.jsonl; then the offline checks pass and the copy
    // imported from the export audits to the same root.
    std::fs::write(dir.path().join("later.jsonl"), blocks[2]).expect("later.jsonl");
    let section = readme
        .split("### Proving that nothing was rewritten")
        .nth(1)
        .and_then(|rest| rest.split("## Documentation").next())
        .expect("the audit walkthrough section");
    let commands: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .flat_map(|block| block.split("```").next().unwrap_or_default().lines())
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| line.starts_with("sitrep "))
        .collect();
    assert_eq!(commands.len(), 11, "{commands:?}");
    let mut outputs = Vec::new();
    for command in &commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = sitrep().args(&args).assert().success();
        outputs.push(String::from_utf8_lossy(&out.get_output().stdout).into_owned());
    }
    let all = outputs.join("");
    for expected in [
        "audit: verified 5 entries",
        "extends the trusted checkpoint at size 4",
        "is a prefix of size 5",
        "verified: seq 3 ",
        "is signed by the key and has the same root",
    ] {
        assert!(all.contains(expected), "expected {expected:?} in:\n{all}");
    }
    let root = |ledger: &Path| {
        let out = Command::cargo_bin("sitrep")
            .expect("binary")
            .env_remove("SITREP_LEDGER")
            .arg("--ledger")
            .arg(ledger)
            .args(["--json", "audit"])
            .assert()
            .success();
        let value: serde_json::Value =
            serde_json::from_slice(&out.get_output().stdout).expect("audit --json");
        value["root"].as_str().expect("root").to_owned()
    };
    assert_eq!(root(&ledger), root(&dir.path().join("copy.ledger")));
}
