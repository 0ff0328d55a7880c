//! The SQLite peer: what users would otherwise keep (issue 6) — one table of JSON
//! rows, each row chained to the one before by a hash, in bundled SQLite with
//! `journal_mode=WAL` and `synchronous=NORMAL`, one transaction per chunk.
//!
//! `facts(seq INTEGER PRIMARY KEY, key TEXT UNIQUE, kind TEXT, json TEXT, prev
//! BLOB, hash BLOB)` with `hash = BLAKE3(prev ‖ json)` and `prev` the hash of the
//! row before (32 zero bytes for the first). Its replay reads the rows in order,
//! parses each with serde_json and folds tallies in a `HashMap` (incidents by
//! country, month and attack type; killed and wounded lows and highs; the latest
//! correction replaces, a retraction drops); its audit re-reads every row and
//! recomputes the chain.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context as _;
use rusqlite::{params, Connection};
use serde_json::Value;
use sitrep::fact::Fact;

/// A chain hash.
pub type ChainHash = [u8; 32];

/// The `prev` of the first row.
pub const GENESIS: ChainHash = [0; 32];

const SCHEMA: &str = "CREATE TABLE facts (
    seq INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    kind TEXT,
    json TEXT,
    prev BLOB,
    hash BLOB
);";

/// `BLAKE3(prev ‖ json)`.
pub fn chain_hash(prev: &ChainHash, json: &str) -> ChainHash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(prev);
    hasher.update(json.as_bytes());
    *hasher.finalize().as_bytes()
}

/// An open peer database and the end of its chain.
pub struct Peer {
    conn: Connection,
    next: i64,
    prev: ChainHash,
}

impl Peer {
    /// Creates the database file at `path` (which must not exist) with the table.
    pub fn create(path: &Path) -> anyhow::Result<Peer> {
        let conn = Connection::open(path)
            .with_context(|| format!("opening SQLite at {}", path.display()))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .context("setting the SQLite pragmas")?;
        Peer::with_schema(conn)
    }

    /// A peer in memory (tests).
    #[cfg(test)]
    pub fn in_memory() -> anyhow::Result<Peer> {
        Peer::with_schema(Connection::open_in_memory()?)
    }

    fn with_schema(conn: Connection) -> anyhow::Result<Peer> {
        conn.execute_batch(SCHEMA)
            .context("creating the SQLite table")?;
        Ok(Peer {
            conn,
            next: 0,
            prev: GENESIS,
        })
    }

    /// The connection (tests tamper through it).
    #[cfg(test)]
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Appends `facts` in one transaction. With `durable`, that commit waits for
    /// the disk (`synchronous=FULL` fsyncs the WAL, and with it every earlier
    /// commit), as the journal's final flush does.
    pub fn append(&mut self, facts: &[Fact], durable: bool) -> anyhow::Result<()> {
        if durable {
            self.conn
                .execute_batch("PRAGMA synchronous=FULL;")
                .context("SQLite synchronous=FULL")?;
        }
        let tx = self.conn.transaction().context("SQLite begin")?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO facts (seq, key, kind, json, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .context("SQLite prepare")?;
            for fact in facts {
                let json = fact.to_json().to_string();
                let hash = chain_hash(&self.prev, &json);
                insert
                    .execute(params![
                        self.next,
                        fact.key.as_str(),
                        fact.kind().name(),
                        json,
                        &self.prev[..],
                        &hash[..]
                    ])
                    .context("SQLite insert")?;
                self.prev = hash;
                self.next += 1;
            }
        }
        tx.commit().context("SQLite commit")?;
        if durable {
            self.conn
                .execute_batch("PRAGMA synchronous=NORMAL;")
                .context("SQLite synchronous=NORMAL")?;
        }
        Ok(())
    }

    /// The peer's replay: every row in order, parsed and folded into tallies.
    /// Returns (rows read, tally groups).
    pub fn replay_tallies(&self) -> anyhow::Result<(u64, usize)> {
        let mut select = self
            .conn
            .prepare("SELECT json FROM facts ORDER BY seq")
            .context("SQLite prepare")?;
        let mut rows = select.query([]).context("SQLite query")?;
        let mut fold = Fold::default();
        let mut count = 0u64;
        while let Some(row) = rows.next().context("SQLite step")? {
            let json: String = row.get(0).context("SQLite json column")?;
            let fact: Value = serde_json::from_str(&json).context("a row that is not JSON")?;
            fold.apply(&fact);
            count += 1;
        }
        let groups = fold.finish();
        Ok((count, std::hint::black_box(groups).len()))
    }

    /// The peer's audit: re-reads every row in order and recomputes the chain.
    pub fn check_chain(&self) -> anyhow::Result<ChainCheck> {
        let mut select = self
            .conn
            .prepare("SELECT seq, json, prev, hash FROM facts ORDER BY seq")
            .context("SQLite prepare")?;
        let mut rows = select.query([]).context("SQLite query")?;
        let mut expected_prev = GENESIS;
        let mut check = ChainCheck::default();
        while let Some(row) = rows.next().context("SQLite step")? {
            let seq: i64 = row.get(0)?;
            let json: String = row.get(1)?;
            let prev: Vec<u8> = row.get(2)?;
            let hash: Vec<u8> = row.get(3)?;
            let computed = chain_hash(&expected_prev, &json);
            if check.first_bad.is_none()
                && (prev.as_slice() != expected_prev || hash.as_slice() != computed)
            {
                check.first_bad = Some(seq);
            }
            // Go on from the stored hash, as a checker that reports every bad row would.
            expected_prev = <ChainHash>::try_from(hash.as_slice()).unwrap_or(computed);
            check.rows += 1;
        }
        Ok(check)
    }
}

/// What the chain check found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainCheck {
    /// Rows read.
    pub rows: u64,
    /// The first row whose `prev` or `hash` does not follow from the rows before.
    pub first_bad: Option<i64>,
}

/// One incident as the peer tallies it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct IncidentRow {
    country: String,
    month: String,
    attack_types: Vec<String>,
    killed: (u64, u64),
    wounded: (u64, u64),
}

/// The sums of one tally group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Incident reports.
    pub incidents: u64,
    /// Sum of killed lows and highs.
    pub killed: (u64, u64),
    /// Sum of wounded lows and highs.
    pub wounded: (u64, u64),
}

/// A tally group: (country, month, attack type).
pub type GroupKey = (String, String, String);

/// The plain fold: incidents by key, replaced by corrections, dropped by
/// retractions.
#[derive(Default)]
pub struct Fold {
    live: HashMap<String, IncidentRow>,
    retracted: HashSet<String>,
}

impl Fold {
    /// Folds one fact (as parsed JSON) in.
    pub fn apply(&mut self, fact: &Value) {
        let key = fact["key"].as_str().unwrap_or_default();
        match fact["kind"].as_str() {
            Some("incident") if !self.retracted.contains(key) => {
                self.live.insert(key.to_owned(), incident_row(fact));
            }
            Some("correction") => {
                let target = fact["target"].as_str().unwrap_or_default();
                let replacement = &fact["replacement"];
                if replacement["kind"].as_str() == Some("incident")
                    && self.live.contains_key(target)
                {
                    self.live
                        .insert(target.to_owned(), incident_row(replacement));
                }
            }
            Some("retraction") => {
                let target = fact["target"].as_str().unwrap_or_default();
                self.live.remove(target);
                self.retracted.insert(target.to_owned());
            }
            _ => {}
        }
    }

    /// The tallies.
    pub fn finish(self) -> HashMap<GroupKey, Tally> {
        let mut groups: HashMap<GroupKey, Tally> = HashMap::new();
        for row in self.live.into_values() {
            for attack_type in &row.attack_types {
                let tally = groups
                    .entry((row.country.clone(), row.month.clone(), attack_type.clone()))
                    .or_default();
                tally.incidents += 1;
                tally.killed.0 += row.killed.0;
                tally.killed.1 += row.killed.1;
                tally.wounded.0 += row.wounded.0;
                tally.wounded.1 += row.wounded.1;
            }
        }
        groups
    }
}

fn incident_row(fact: &Value) -> IncidentRow {
    let text = |v: &Value| v.as_str().unwrap_or("?").to_owned();
    let start = fact["occurred"]["start"].as_str().unwrap_or("?");
    let mut row = IncidentRow {
        country: text(&fact["target"]["country"]),
        month: start.get(..7).unwrap_or(start).to_owned(),
        attack_types: fact["attack_types"]
            .as_array()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default(),
        killed: (0, 0),
        wounded: (0, 0),
    };
    for group in fact["casualties"].as_array().into_iter().flatten() {
        let (kl, kh) = bounds(&group["killed"]);
        let (wl, wh) = bounds(&group["wounded"]);
        row.killed = (row.killed.0 + kl, row.killed.1 + kh);
        row.wounded = (row.wounded.0 + wl, row.wounded.1 + wh);
    }
    row
}

/// A quantity's low and high (the low when there is no high; 0 when unknown).
fn bounds(q: &Value) -> (u64, u64) {
    let low = q["low"].as_u64().unwrap_or(0);
    (low, q["high"].as_u64().unwrap_or(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{extra_incident, extra_source};
    use serde_json::json;

    fn peer_of(n: u64) -> Peer {
        let mut peer = Peer::in_memory().unwrap();
        let mut facts = vec![extra_source("t")];
        facts.extend((0..n).map(|i| extra_incident("t", i)));
        peer.append(&facts, false).unwrap();
        peer
    }

    #[test]
    fn an_intact_chain_checks_out() {
        let peer = peer_of(3);
        assert_eq!(
            peer.check_chain().unwrap(),
            ChainCheck {
                rows: 4,
                first_bad: None
            }
        );
    }

    #[test]
    fn a_changed_row_is_found() {
        let peer = peer_of(3);
        peer.conn()
            .execute(
                "UPDATE facts SET json = replace(json, 'Al-Asad', 'Al-Asas') WHERE seq = 2",
                [],
            )
            .unwrap();
        assert_eq!(peer.check_chain().unwrap().first_bad, Some(2));
    }

    #[test]
    fn a_deleted_row_is_found_at_the_next_one() {
        let peer = peer_of(3);
        peer.conn()
            .execute("DELETE FROM facts WHERE seq = 1", [])
            .unwrap();
        assert_eq!(peer.check_chain().unwrap().first_bad, Some(2));
    }

    #[test]
    fn the_fold_honours_corrections_and_retractions() {
        let incident = |key: &str, country: &str, killed: u64| {
            json!({"key": key, "kind": "incident", "occurred": {"start": "2024-01-28"},
                   "target": {"country": country}, "attack_types": ["drone", "rocket"],
                   "casualties": [{"killed": {"low": killed, "high": null}, "wounded": {"low": 1, "high": 4}}]})
        };
        let mut fold = Fold::default();
        fold.apply(&incident("a", "JO", 3));
        fold.apply(&incident("b", "IQ", 0));
        fold.apply(&incident("c", "SY", 0));
        let mut replacement = incident("x", "JO", 5);
        replacement.as_object_mut().unwrap().remove("key");
        fold.apply(
            &json!({"key": "a2", "kind": "correction", "target": "a", "replacement": replacement}),
        );
        fold.apply(&json!({"key": "b2", "kind": "retraction", "target": "b"}));
        let groups = fold.finish();
        assert_eq!(groups.len(), 4);
        let jo = groups[&("JO".into(), "2024-01".into(), "drone".into())];
        assert_eq!(
            jo,
            Tally {
                incidents: 1,
                killed: (5, 5),
                wounded: (1, 4)
            }
        );
        assert!(!groups.contains_key(&("IQ".into(), "2024-01".into(), "drone".into())));
    }

    #[test]
    fn replay_reads_every_row() {
        let peer = peer_of(5);
        assert_eq!(peer.replay_tallies().unwrap(), (6, 1));
    }
}
