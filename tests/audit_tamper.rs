//! Tamper tests for `sitrep audit`, `verify-proof` and checkpoints (issue 4):
//! each damages a demo ledger (or a proof or checkpoint file) the way an attacker
//! or a failing disk would, directly in the store, and asserts exit 1 with the
//! exact first bad place and reason.

use std::path::{Path, PathBuf};

use sitrep::codec;
use sitrep::entry::{Entry, Seq, FORMAT_VERSION};
use sitrep::fact::{Fact, FactBody, Source, SourceType};
use sitrep::hash::Id;
use sitrep::store::{SledStore, Store, Write};
use sitrep::time::Timestamp;

use crate::common::{assert_contains, path_str, Ledger, Run};

/// A demo ledger, a signing key, and a first checkpoint of it at size 115.
struct Signed {
    ledger: Ledger,
    key: PathBuf,
    public: PathBuf,
    checkpoint: PathBuf,
}

const DEMO_SIZE: u64 = 115;

fn demo() -> Ledger {
    let ledger = Ledger::uninitialised();
    ledger.ok(&["demo"]);
    ledger
}

fn signed_demo() -> Signed {
    let ledger = demo();
    let key = ledger.root().join("analyst.key");
    let public = ledger.root().join("analyst.key.pub");
    ledger.ok(&[
        "keygen",
        "--out",
        path_str(&key),
        "--name",
        "example.org/analyst",
    ]);
    let checkpoint = ledger.root().join("cp-115");
    ledger.ok(&[
        "checkpoint",
        "--key",
        path_str(&key),
        "--out",
        path_str(&checkpoint),
    ]);
    Signed {
        ledger,
        key,
        public,
        checkpoint,
    }
}

/// Runs `audit` (with `extra` arguments) and asserts exit 1 and that the first
/// line names `place` and contains every one of `reason`.
#[track_caller]
fn assert_audit_fails(ledger: &Ledger, extra: &[&str], place: &str, reason: &[&str]) -> Run {
    let mut args = vec!["audit"];
    args.extend_from_slice(extra);
    let run = run_when_released(ledger, &args);
    assert_eq!(run.code, Some(1), "audit must find the damage\n{run}");
    let first = run.stdout.lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with(&format!("audit: FAILED at {place}: ")),
        "expected the first finding at {place}\n{run}"
    );
    assert_contains(&first, reason);
    run
}

/// Runs `sitrep <args>` once the test's own store handle has let go of the
/// ledger: sled releases its lock a few milliseconds after the handle is dropped.
fn run_when_released(ledger: &Ledger, args: &[&str]) -> Run {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let run = ledger.run(args);
        let locked = run.code == Some(2) && run.stderr.contains("is in use by another process");
        if !locked || std::time::Instant::now() > deadline {
            return run;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The ledger's store, opened directly, bypassing sitrep: what an attacker with
/// the files can do. Waits for the last sitrep process's lock to go.
struct Raw {
    store: SledStore,
}

impl Raw {
    fn open(path: &Path) -> Raw {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match SledStore::open(path) {
                Ok(store) => return Raw { store },
                Err(e) => {
                    assert!(std::time::Instant::now() < deadline, "{e}");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    }

    /// Every (key, value) under `prefix`.
    fn pairs(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        self.store
            .scan(prefix, prefix, &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                true
            })
            .unwrap();
        out
    }

    /// The segment holding `seq`: its key, first seq and framed entries.
    fn segment_of(&self, seq: u64) -> (Vec<u8>, u64, Vec<Vec<u8>>) {
        let (key, value) = self
            .pairs(b"e")
            .into_iter()
            .rfind(|(k, _)| first_of(k) <= seq)
            .unwrap();
        let first = first_of(&key);
        (key, first, unframe(&value))
    }

    fn put(&self, key: Vec<u8>, value: Vec<u8>) {
        self.store.commit(vec![Write::Put(key, value)]).unwrap();
    }

    fn delete(&self, key: Vec<u8>) {
        self.store.commit(vec![Write::Delete(key)]).unwrap();
    }

    fn head(&self) -> (u64, Id, i64) {
        let bytes = self.store.get(b"m/head").unwrap().unwrap();
        let id: [u8; 32] = bytes[8..40].try_into().unwrap();
        (
            u64::from_be_bytes(bytes[..8].try_into().unwrap()),
            Id::from_bytes(id),
            i64::from_be_bytes(bytes[40..48].try_into().unwrap()),
        )
    }

    fn set_head(&self, size: u64, last: Id, at: i64) {
        let mut value = size.to_be_bytes().to_vec();
        value.extend_from_slice(last.as_bytes());
        value.extend_from_slice(&at.to_be_bytes());
        self.put(b"m/head".to_vec(), value);
    }

    fn close(self) {
        self.store.flush().unwrap();
    }
}

fn first_of(key: &[u8]) -> u64 {
    u64::from_be_bytes(key[1..9].try_into().unwrap())
}

/// A segment value's entries, as anyone with a zstd tool would read them: a
/// value starting with the zstd magic is one compressed frame of the framed
/// entries (docs/format.md). A tampered segment is written back uncompressed,
/// which readers accept too.
fn unframe(stored: &[u8]) -> Vec<Vec<u8>> {
    let unpacked;
    let mut value = if stored.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        unpacked = zstd::stream::decode_all(stored).unwrap();
        unpacked.as_slice()
    } else {
        stored
    };
    let mut out = Vec::new();
    while !value.is_empty() {
        let len = u32::from_be_bytes(value[..4].try_into().unwrap()) as usize;
        out.push(value[4..4 + len].to_vec());
        value = &value[4 + len..];
    }
    out
}

fn frame(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&(e.len() as u32).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// The id of the entry at `seq`, from `log --json`.
fn id_at(ledger: &Ledger, seq: u64) -> String {
    let log = ledger.log(&[]);
    log[usize::try_from(seq).unwrap()]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_clean_ledger_audits_clean_and_prints_its_root() {
    let ledger = demo();
    let out = ledger.ok(&["audit"]);
    assert_contains(&out, &["audit: verified 115 entries", "root at size 115: "]);
    let json: serde_json::Value =
        serde_json::from_str(ledger.ok(&["--json", "audit"]).trim()).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["size"], 115);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    assert_eq!(json["head"].as_str().unwrap(), id_at(&ledger, 114));
}

#[test]
fn flipping_one_byte_of_an_entry_names_that_entry() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    let (key, first, mut entries) = raw.segment_of(57);
    let entry = &mut entries[usize::try_from(57 - first).unwrap()];
    // One byte of the recorded_by text: the bytes still decode, to another entry.
    let at = entry
        .windows(b"sitrep demo".len())
        .position(|w| w == b"sitrep demo")
        .unwrap();
    entry[at] = b'S';
    raw.put(key, frame(&entries));
    raw.close();
    let run = assert_audit_fails(
        &ledger,
        &[],
        "seq 57",
        &[
            "the entry's bytes hash to",
            "but its stored Merkle leaf is",
            "the entry was altered after it was written",
        ],
    );
    // The next entry's link is broken too, and reported after it.
    assert_contains(&run.stdout, &["more finding(s)"]);
    let json = ledger.run(&["--json", "audit"]);
    assert_eq!(json.code, Some(1));
    assert_contains(&json.stdout, &["\"seq\":58", "prev is"]);
}

#[test]
fn flipping_one_byte_of_a_compressed_segment_names_the_segment() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    let (key, value) = raw
        .pairs(b"e")
        .into_iter()
        .find(|(_, v)| v.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]))
        .expect("the demo's segments are stored compressed");
    let first = first_of(&key);
    let mut damaged = value.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 0x55;
    raw.put(key, damaged);
    raw.close();
    assert_audit_fails(
        &ledger,
        &[],
        &format!("seq {first}"),
        &[
            &format!("the segment starting at seq {first} is damaged"),
            "zstd frame",
        ],
    );
}

#[test]
fn flipping_one_byte_of_a_stored_merkle_node_names_the_entries_it_covers() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    // Level 2 holds one node per 4 entries; node 3 covers seq 12 to 15.
    let (key, mut run) = raw.pairs(&[b't', 2]).into_iter().next().unwrap();
    assert_eq!(
        first_of(&key[1..]),
        0,
        "the first level-2 run starts at node 0"
    );
    run[3 * 32 + 5] ^= 0x01;
    raw.put(key, run);
    raw.close();
    assert_audit_fails(
        &ledger,
        &[],
        "seq 15",
        &[
            "the stored Merkle node at level 2, index 3 (seq 12 to 15) is",
            "but the entries give",
        ],
    );
}

#[test]
fn deleting_an_entry_names_the_seq_where_the_log_skips() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    let (key, first, mut entries) = raw.segment_of(40);
    entries.remove(usize::try_from(40 - first).unwrap());
    raw.put(key, frame(&entries));
    raw.close();
    assert_audit_fails(
        &ledger,
        &[],
        "seq 40",
        &["the entry stored at seq 40 says it is seq 41: an entry is missing, duplicated or out of order"],
    );
}

#[test]
fn swapping_two_entries_names_the_first_of_them() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    let (key, first, mut entries) = raw.segment_of(30);
    let i = usize::try_from(30 - first).unwrap();
    entries.swap(i, i + 1);
    raw.put(key, frame(&entries));
    raw.close();
    assert_audit_fails(
        &ledger,
        &[],
        "seq 30",
        &["the entry stored at seq 30 says it is seq 31"],
    );
}

#[test]
fn a_truncated_tail_is_caught_against_a_trusted_checkpoint() {
    let signed = signed_demo();
    let ledger = &signed.ledger;
    let id_109 = id_at(ledger, 109);
    let raw = Raw::open(&ledger.path);
    // A careful truncation: drop the last 5 entries, point the head at seq 109,
    // and remove the ledger's own checkpoint, which would give it away.
    let (key, first, mut entries) = raw.segment_of(110);
    entries.truncate(usize::try_from(110 - first).unwrap());
    if entries.is_empty() {
        raw.delete(key);
    } else {
        raw.put(key, frame(&entries));
    }
    for (key, _) in raw.pairs(b"c") {
        raw.delete(key);
    }
    let (_, _, at) = raw.head();
    raw.set_head(110, Id::parse_hex(&id_109).unwrap(), at);
    raw.close();
    // On its own the shorter ledger is consistent...
    let alone = run_when_released(ledger, &["audit"]).success();
    assert_contains(&alone, &["audit: verified 110 entries"]);
    // ...but not with what was signed before.
    assert_audit_fails(
        ledger,
        &["--trusted", path_str(&signed.checkpoint), "--pubkey", path_str(&signed.public)],
        "seq 110",
        &["missing: the trusted checkpoint covers 115 entries but the ledger has only 110: the log was truncated"],
    );
}

#[test]
fn a_forged_entry_with_a_correct_prev_is_caught_by_the_tree() {
    let ledger = demo();
    let raw = Raw::open(&ledger.path);
    let (size, last, at) = raw.head();
    assert_eq!(size, DEMO_SIZE);
    let forged = Entry {
        version: FORMAT_VERSION,
        seq: Seq::new(size),
        prev: last,
        recorded_at: Timestamp::from_micros(at + 1),
        recorded_by: "sitrep demo".into(),
        fact: Fact {
            key: "src/forged".into(),
            body: FactBody::Source(Box::new(Source::new(
                "Forged Wire".to_owned(),
                SourceType::Wire,
            ))),
        },
    };
    let bytes = codec::encode_entry(&forged);
    let mut key = b"e".to_vec();
    key.extend_from_slice(&size.to_be_bytes());
    raw.put(key, frame(std::slice::from_ref(&bytes)));
    raw.set_head(size + 1, Id::of_entry(&bytes), at + 1);
    raw.close();
    assert_audit_fails(
        &ledger,
        &[],
        "seq 115",
        &["the Merkle tree has no leaf for this entry: it was not appended by sitrep"],
    );
}

#[test]
fn an_altered_root_in_a_stored_checkpoint_is_caught() {
    let signed = signed_demo();
    let ledger = &signed.ledger;
    let raw = Raw::open(&ledger.path);
    let (key, value) = raw.pairs(b"c").into_iter().next().unwrap();
    let text = String::from_utf8(value).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    // Line 0 is the verifier key; 1 origin, 2 size, 3 root.
    let root = lines[3].clone();
    let flipped = if root.starts_with('A') { "B" } else { "A" };
    lines[3] = format!("{flipped}{}", &root[1..]);
    raw.put(key, lines.join("\n").into_bytes());
    raw.close();
    let run = assert_audit_fails(
        ledger,
        &[],
        "the stored checkpoint at size 115",
        &["is not the ledger's root", "at size 115"],
    );
    // Its signature no longer verifies either.
    assert_contains(&run.stdout, &["more finding(s)"]);
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let signed = signed_demo();
    let ledger = &signed.ledger;
    let other = ledger.root().join("other.key");
    ledger.ok(&[
        "keygen",
        "--out",
        path_str(&other),
        "--name",
        "example.org/analyst",
    ]);
    let forged = ledger.root().join("cp-other");
    ledger.ok(&[
        "checkpoint",
        "--key",
        path_str(&other),
        "--out",
        path_str(&forged),
    ]);
    // The trusted checkpoint is signed by the other key: refused.
    assert_audit_fails(
        ledger,
        &[
            "--trusted",
            path_str(&forged),
            "--pubkey",
            path_str(&signed.public),
        ],
        "the stored checkpoint at size 115",
        &["is not signed by key"],
    );
    // And offline, the same checkpoint does not vouch for a proof.
    let proof = ledger.root().join("inclusion.json");
    ledger.ok(&["prove", "inclusion", "3", "--out", path_str(&proof)]);
    let run = ledger.run(&[
        "verify-proof",
        path_str(&proof),
        "--checkpoint",
        path_str(&forged),
        "--pubkey",
        path_str(&signed.public),
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_contains(
        &run.stdout,
        &["verify-proof: FAILED: ", "is not signed by key"],
    );
    // The right checkpoint passes.
    let ok = ledger.ok(&[
        "verify-proof",
        path_str(&proof),
        "--checkpoint",
        path_str(&signed.checkpoint),
        "--pubkey",
        path_str(&signed.public),
    ]);
    assert_contains(
        &ok,
        &[
            "verified: seq 3 ",
            "is signed by the key and has the same root",
        ],
    );
    let _ = &signed.key;
}

#[test]
fn a_proof_file_with_one_changed_hash_does_not_verify() {
    let ledger = demo();
    for kind in ["inclusion", "consistency"] {
        let proof = ledger.root().join(format!("{kind}.json"));
        let args: Vec<&str> = if kind == "inclusion" {
            vec!["prove", "inclusion", "20", "--out", path_str(&proof)]
        } else {
            vec![
                "prove",
                "consistency",
                "--from",
                "50",
                "--out",
                path_str(&proof),
            ]
        };
        ledger.ok(&args);
        ledger.ok(&["verify-proof", path_str(&proof)]);
        let text = std::fs::read_to_string(&proof).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let hash = value["proof"][1].as_str().unwrap().to_owned();
        let last = hash.chars().last().unwrap();
        let changed = format!("{}{}", &hash[..63], if last == '0' { '1' } else { '0' });
        std::fs::write(&proof, text.replace(&hash, &changed)).unwrap();
        let run = ledger.run(&["verify-proof", path_str(&proof)]);
        assert_eq!(run.code, Some(1), "{run}");
        assert_contains(
            &run.stdout,
            &[
                "verify-proof: FAILED: ",
                "the proof does not verify: the proof leads to root",
            ],
        );
    }
}
