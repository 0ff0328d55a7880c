//! The audit workflow through the binary, as an analyst and an outside auditor
//! run it (README walkthrough): keygen, checkpoint, append more, a second
//! checkpoint proved consistent with the first, consistency and inclusion proofs
//! verified offline against both checkpoints, and the refusals around them.

use std::fs;

use crate::common::{assert_contains, path_str, Ledger};

const MORE: &str = r#"{"key":"src/later","kind":"source","publisher":"Later Wire","type":"wire","party":false}
"#;

fn demo_with_key() -> (Ledger, String, String) {
    let ledger = Ledger::uninitialised();
    ledger.ok(&["demo"]);
    let key = ledger.root().join("analyst.key");
    let public = ledger.ok(&[
        "keygen",
        "--out",
        path_str(&key),
        "--name",
        "example.org/analyst",
    ]);
    assert!(public.starts_with("example.org/analyst+"), "{public}");
    (
        ledger,
        path_str(&key).to_owned(),
        format!("{}.pub", path_str(&key)),
    )
}

#[test]
fn checkpoint_append_and_prove_consistency_offline() {
    let (ledger, key, public) = demo_with_key();
    let old = ledger.root().join("checkpoint-115");
    let out = ledger.ok(&["checkpoint", "--key", &key, "--out", path_str(&old)]);
    assert_contains(&out, &["at size 115", "the ledger's first checkpoint"]);
    let note = fs::read_to_string(&old).unwrap();
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], "sitrep.demo/seed-corpus");
    assert_eq!(lines[1], "115");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("— example.org/analyst "), "{note}");

    ledger.append("more.jsonl", MORE);
    // To stdout, and kept in the ledger.
    let new_note = ledger.run(&["checkpoint", "--key", &key]);
    assert_eq!(new_note.code, Some(0), "{new_note}");
    assert_contains(
        &new_note.stderr,
        &["at size 116; consistent with the checkpoint at size 115"],
    );
    let new = ledger.write("checkpoint-116", &new_note.stdout);

    let proof = ledger.root().join("consistency.json");
    ledger.ok(&[
        "prove",
        "consistency",
        "--from",
        "115",
        "--out",
        path_str(&proof),
    ]);
    // Offline: no --ledger, a directory without any ledger.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = crate::common::run_in(
        elsewhere.path(),
        &[
            "verify-proof",
            path_str(&proof),
            "--checkpoint",
            path_str(&old),
            "--checkpoint",
            path_str(&new),
            "--pubkey",
            &public,
        ],
    );
    let out = run.success();
    assert_contains(
        &out,
        &[
            "verified: the log `sitrep.demo/seed-corpus` at size 115 (root ",
            "is a prefix of size 116",
            "checkpoint-115 (size 115) is signed by the key and has the same root",
            "checkpoint-116 (size 116) is signed by the key and has the same root",
        ],
    );

    // The new entry is in the tree the new checkpoint signs, and the verifier
    // shows the fact.
    let inclusion = ledger.root().join("inclusion.json");
    ledger.ok(&[
        "prove",
        "inclusion",
        "src/later",
        "--out",
        path_str(&inclusion),
    ]);
    let out = crate::common::run_in(
        elsewhere.path(),
        &[
            "verify-proof",
            path_str(&inclusion),
            "--checkpoint",
            path_str(&new),
            "--pubkey",
            &public,
        ],
    )
    .success();
    assert_contains(
        &out,
        &["verified: seq 115 ", "source `src/later`", "Later Wire"],
    );

    // The old checkpoint is for another size: it cannot vouch for this proof.
    let run = crate::common::run_in(
        elsewhere.path(),
        &[
            "verify-proof",
            path_str(&inclusion),
            "--checkpoint",
            path_str(&old),
            "--pubkey",
            &public,
        ],
    );
    assert_eq!(run.code, Some(1), "{run}");
    assert_contains(
        &run.stdout,
        &["it is at size 115 but the proof is about size 116"],
    );

    // The auditor's check: the ledger extends the old trusted checkpoint.
    let out = ledger.ok(&["audit", "--trusted", path_str(&old), "--pubkey", &public]);
    assert_contains(
        &out,
        &[
            "audit: verified 116 entries",
            "2 checkpoint(s)",
            "extends the trusted checkpoint at size 115",
        ],
    );
}

#[test]
fn proofs_at_an_older_size_match_the_root_at_that_size() {
    let (ledger, _, _) = demo_with_key();
    let proof = ledger.root().join("p.json");
    ledger.ok(&[
        "prove",
        "inclusion",
        "10",
        "--size",
        "64",
        "--out",
        path_str(&proof),
    ]);
    let text = fs::read_to_string(&proof).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["tree_size"], 64);
    assert_eq!(value["leaf_index"], 10);
    assert_eq!(value["proof"].as_array().unwrap().len(), 6);
    ledger.ok(&["verify-proof", path_str(&proof)]);
    let refused = ledger.refuse(&["prove", "inclusion", "70", "--size", "64"]);
    assert_contains(&refused, &["seq 70 is not in the tree of size 64"]);
    let refused = ledger.refuse(&["prove", "consistency", "--from", "100", "--to", "50"]);
    assert_contains(&refused, &["--from 100 is larger than --to 50"]);
    let refused = ledger.refuse(&["prove", "consistency", "--from", "1", "--to", "999"]);
    assert_contains(
        &refused,
        &["--to 999 is beyond the head: the ledger has 115 entries"],
    );
}

#[test]
fn checkpoint_refuses_a_ledger_that_does_not_audit_clean() {
    let (ledger, key, _) = demo_with_key();
    {
        use sitrep::store::{SledStore, Store, Write};
        let store = loop {
            match SledStore::open(&ledger.path) {
                Ok(s) => break s,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        // Damage one stored Merkle leaf.
        let mut pairs = Vec::new();
        store
            .scan(&[b't', 0], &[b't', 0], &mut |k, v| {
                pairs.push((k.to_vec(), v.to_vec()));
                false
            })
            .unwrap();
        let (k, mut v) = pairs.remove(0);
        v[0] ^= 0xff;
        store.commit(vec![Write::Put(k, v)]).unwrap();
        store.flush().unwrap();
    }
    let out = ledger.root().join("cp");
    let line = loop {
        let run = ledger.run(&["checkpoint", "--key", &key, "--out", path_str(&out)]);
        if !run.stderr.contains("in use") {
            break run.error_line();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert_contains(
        &line,
        &["refusing to sign: the ledger does not audit clean (seq 0: the entry's bytes hash to"],
    );
    assert!(!out.exists(), "no checkpoint is written");
}

#[test]
fn bad_keys_checkpoints_and_proof_files_are_refused_with_exit_2() {
    let (ledger, key, public) = demo_with_key();
    let again = ledger.refuse(&["keygen", "--out", &key]);
    assert_contains(&again, &["already exists; keygen never overwrites a key"]);
    let bad_name = ledger.refuse(&["keygen", "--out", "k2", "--name", "a b"]);
    assert_contains(&bad_name, &["key name `a b` may not contain spaces"]);
    assert!(!ledger.root().join("k2").exists());

    let not_a_key = ledger.write("not-a-key", "hello\n");
    let line = ledger.refuse(&["checkpoint", "--key", path_str(&not_a_key)]);
    assert_contains(&line, &["the key file", "not-a-key"]);

    let garbage = ledger.write("garbage.json", "{\"sitrep_proof\":\"inclusion\"}");
    let line = ledger.refuse(&["verify-proof", path_str(&garbage)]);
    assert_contains(&line, &["the proof file", "garbage.json"]);

    let proof = ledger.root().join("p.json");
    ledger.ok(&["prove", "inclusion", "1", "--out", path_str(&proof)]);
    let not_a_checkpoint = ledger.write("cp", "sitrep\n01\nAAAA\n\n— x AAAAAAA=\n");
    let line = ledger.refuse(&[
        "verify-proof",
        path_str(&proof),
        "--checkpoint",
        path_str(&not_a_checkpoint),
        "--pubkey",
        &public,
    ]);
    assert_contains(&line, &["the checkpoint", "leading zero"]);

    let trusted_without_key = ledger.run(&["audit", "--trusted", path_str(&not_a_checkpoint)]);
    assert_eq!(trusted_without_key.code, Some(2), "{trusted_without_key}");
    assert_contains(&trusted_without_key.stderr, &["--pubkey"]);

    let missing = Ledger::uninitialised();
    let line = missing.refuse(&["audit"]);
    assert_contains(&line, &["no ledger at"]);
}
