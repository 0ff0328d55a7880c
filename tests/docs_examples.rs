//! The examples in the docs are real: the JSON Lines report in docs/input.md is
//! appended to a fresh ledger by the real binary, and every fact must be recorded.

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
        2,
        "the walkthrough has a report and a correction"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("my.ledger");
    let sitrep = || {
        let mut cmd = Command::cargo_bin("sitrep").expect("binary");
        cmd.env_remove("SITREP_LEDGER").arg("--ledger").arg(&ledger);
        cmd
    };
    sitrep()
        .args(["init", "--origin", "example.org/my-ledger"])
        .assert()
        .success();
    for block in &blocks {
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
}
