//! The raw baselines: what sitrep's own parts cost with nothing of sitrep around
//! them. sled (opened with the journal's settings) holding one key per entry
//! (key = seq, big-endian) with the very canonical bytes the journal stores;
//! BLAKE3 of those bytes alone, timed in a pass of its own; a scan with a
//! `codec` decode of each entry; one `insert` + `flush`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sitrep::codec;
use sitrep::hash::Id;
use sitrep::merkle::Hash;

use crate::workload::{chunks, Encoder};

/// Opens (creating) a sled database the way `SledStore` does.
pub fn open(dir: &Path) -> anyhow::Result<sled::Db> {
    sitrep::store::sled_config(dir)
        .open()
        .with_context(|| format!("opening raw sled in {}", dir.display()))
}

/// The raw import and what it learned about the entries.
pub struct RawImport {
    /// The database, open.
    pub db: sled::Db,
    /// Time in `insert` and the final `flush`.
    pub insert: Duration,
    /// Time hashing every entry's bytes (the id, BLAKE3 with the leaf prefix),
    /// in a pass after the import ([`hash_pass`]).
    pub hash: Duration,
    /// The sum of the canonical entry bytes.
    pub canonical_bytes: u64,
    /// Every entry's id, in seq order (the Merkle leaves).
    pub ids: Vec<Hash>,
    /// The last entry's id: equal to the ledger's head id when the bytes are the
    /// journal's.
    pub last_id: Id,
}

/// Encodes the corpus chunk by chunk (not timed) and inserts each entry under its
/// seq (timed), flushing at the end; then hashes every entry in a pass of its
/// own ([`hash_pass`]).
pub fn import(dir: &Path, seed: u64, n: u64) -> anyhow::Result<RawImport> {
    let db = open(dir)?;
    let mut encoder = Encoder::new();
    let mut seq = 0u64;
    let mut insert = Duration::ZERO;
    let mut canonical_bytes = 0u64;
    for chunk in chunks(seed, n) {
        let entries: Vec<Vec<u8>> = chunk.into_iter().map(|f| encoder.encode(f)).collect();
        canonical_bytes += entries.iter().map(|b| b.len() as u64).sum::<u64>();
        let started = Instant::now();
        for bytes in &entries {
            db.insert(seq.to_be_bytes(), bytes.as_slice())
                .context("raw sled insert")?;
            seq += 1;
        }
        insert += started.elapsed();
    }
    let started = Instant::now();
    db.flush().context("raw sled flush")?;
    insert += started.elapsed();
    let (hash, ids) = hash_pass(seed, n);
    Ok(RawImport {
        db,
        insert,
        hash,
        canonical_bytes,
        ids,
        last_id: encoder.last_id(),
    })
}

/// Encodes the corpus again chunk by chunk, each chunk's entries one after
/// another in one buffer, as an audit reads them from an unpacked segment
/// (not timed), and hashes each entry for its id (timed). Until round 22 the
/// baseline hashed each entry in a vector of its own, between inserts, and
/// read about a third as fast as this: the entries lay scattered across the
/// heap (docs/performance.md, "What changed in the twenty-second round").
fn hash_pass(seed: u64, n: u64) -> (Duration, Vec<Hash>) {
    let mut encoder = Encoder::new();
    let mut hash = Duration::ZERO;
    let mut ids = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut laid_out = Vec::new();
    let mut ends = Vec::new();
    for chunk in chunks(seed, n) {
        laid_out.clear();
        ends.clear();
        for fact in chunk {
            laid_out.extend_from_slice(&encoder.encode(fact));
            ends.push(laid_out.len());
        }
        let started = Instant::now();
        let mut start = 0;
        for &end in &ends {
            ids.push(*Id::of_entry(&laid_out[start..end]).as_bytes());
            start = end;
        }
        hash += started.elapsed();
    }
    (hash, ids)
}

/// Reads every value in key order and decodes it as an entry. Returns the time
/// and the number of entries.
pub fn scan_decode(db: &sled::Db) -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut count = 0u64;
    for item in db.iter() {
        let (_, value) = item.context("raw sled scan")?;
        let entry = codec::decode_entry(&value).context("decoding a raw entry")?;
        std::hint::black_box(&entry);
        count += 1;
    }
    Ok((started.elapsed(), count))
}

/// One entry inserted under `seq` and flushed to disk.
pub fn insert_durable(db: &sled::Db, seq: u64, bytes: &[u8]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    db.insert(seq.to_be_bytes(), bytes)
        .context("raw sled insert")?;
    db.flush().context("raw sled flush")?;
    Ok(started.elapsed())
}
