//! The materialised incident table as derived files: a manifest, a facts file
//! per bucket and a summaries file per [`SUMMARY_FAN`] buckets (docs/format.md
//! §17, "The materialised incident table").
//!
//! An incident key belongs to bucket `blake3(key) mod buckets`. The facts file
//! of a bucket keeps every fact that bears on one of its keys (with what it
//! bears on) and, for each of its keys, the key of the incident it goes by.
//! Summaries are read all together and are much smaller, so they are kept in
//! [`SUMMARY_FAN`] times fewer files: incident key `k` has its summary in file
//! `blake3(k) mod (buckets / SUMMARY_FAN)`. The manifest names the log
//! position the table stands at and the BLAKE3 digest of every file, and is
//! written last: a file that does not match its digest — torn, stale, or from
//! an update that never finished — is refused, and the table is rebuilt.

use crate::codec::{self, BorrowDecode, Encode};
use crate::fact::{Direction, Outcome};
use crate::hash::Id;
use crate::journal::{Journal, ReadError};
use crate::parallel;
use crate::projection::picture::Recorded;
use crate::projection::StateDigest;

use super::summary::Summary;
use super::touch::Touch;

/// The manifest's name among the derived files.
pub const MANIFEST: &str = "incidents-manifest";
const VERSION: u16 = 2;
const DIGEST_LEN: usize = 32;
const HEADER_LEN: usize = 2 + 8 + 32 + 4;
/// The most buckets a manifest may declare (the build makes at most this many).
pub const MAX_BUCKETS: u32 = 1 << 16;

/// Why a stored table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Trouble {
    /// Reading failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The table is missing, damaged, or does not match the log: rebuild it.
    #[error("{0}")]
    Refused(String),
}

impl From<Trouble> for crate::projection::engine::ProjectionError {
    fn from(trouble: Trouble) -> Self {
        match trouble {
            Trouble::Read(e) => Self::Read(e),
            Trouble::Refused(reason) => Self::Table(reason),
        }
    }
}

/// Where the table stands and what each of its files holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// Entries folded in.
    pub size: u64,
    /// The id of entry `size - 1` (the genesis value when `size` is 0).
    pub last: Id,
    /// How many buckets (a power of two).
    pub buckets: u32,
    /// Digest of each bucket's facts file.
    pub facts: Vec<StateDigest>,
    /// Digest of each summaries file ([`summary_files`] of them).
    pub summaries: Vec<StateDigest>,
}

impl Manifest {
    /// The bytes: version, size, last id, bucket count, the digests (facts
    /// then summaries), and the BLAKE3 digest of all of that.
    pub fn encode(&self) -> Vec<u8> {
        let digests = self.facts.len() + self.summaries.len();
        let mut out = Vec::with_capacity(HEADER_LEN + DIGEST_LEN * (digests + 1));
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.extend_from_slice(&self.size.to_be_bytes());
        out.extend_from_slice(self.last.as_bytes());
        out.extend_from_slice(&self.buckets.to_be_bytes());
        for digest in self.facts.iter().chain(&self.summaries) {
            out.extend_from_slice(&digest.0);
        }
        let sealed = StateDigest::of(&out);
        out.extend_from_slice(&sealed.0);
        out
    }

    /// Reads what [`Manifest::encode`] wrote, refusing anything else.
    pub fn decode(bytes: &[u8]) -> Result<Manifest, String> {
        let Some((body, sealed)) = bytes.split_last_chunk::<DIGEST_LEN>() else {
            return Err("the manifest is truncated".to_owned());
        };
        if StateDigest::of(body).0 != *sealed {
            return Err("the manifest does not match its digest".to_owned());
        }
        let Some((header, digests)) = body.split_first_chunk::<HEADER_LEN>() else {
            return Err("the manifest is truncated".to_owned());
        };
        let version = u16::from_be_bytes([header[0], header[1]]);
        if version != VERSION {
            return Err(format!(
                "the manifest has version {version}; this build reads version {VERSION}"
            ));
        }
        let mut size = [0; 8];
        size.copy_from_slice(&header[2..10]);
        let mut last = [0; 32];
        last.copy_from_slice(&header[10..42]);
        let mut buckets = [0; 4];
        buckets.copy_from_slice(&header[42..46]);
        let buckets = u32::from_be_bytes(buckets);
        if !buckets.is_power_of_two() || buckets > MAX_BUCKETS {
            return Err(format!("the manifest declares {buckets} buckets"));
        }
        let files = (buckets + summary_files(buckets)) as usize;
        if digests.len() != DIGEST_LEN * files {
            return Err("the manifest's bucket count does not match its digests".to_owned());
        }
        let all: Vec<StateDigest> = digests
            .chunks_exact(DIGEST_LEN)
            .map(|d| {
                let mut digest = [0; DIGEST_LEN];
                digest.copy_from_slice(d);
                StateDigest(digest)
            })
            .collect();
        let (facts, summaries) = all.split_at(buckets as usize);
        Ok(Manifest {
            size: u64::from_be_bytes(size),
            last: Id::from_bytes(last),
            buckets,
            facts: facts.to_vec(),
            summaries: summaries.to_vec(),
        })
    }
}

/// How many facts buckets share one summaries file.
pub const SUMMARY_FAN: u32 = 16;

/// How many summaries files a table of `buckets` buckets has.
pub fn summary_files(buckets: u32) -> u32 {
    (buckets / SUMMARY_FAN).max(1)
}

/// The summaries file of the incident that goes by `key`.
pub fn summary_file_of(key: &str, buckets: u32) -> u32 {
    bucket_of(key, summary_files(buckets))
}

/// The bucket an incident key belongs to.
pub fn bucket_of(key: &str, buckets: u32) -> u32 {
    let hash = blake3::hash(key.as_bytes());
    let mut first = [0; 4];
    first.copy_from_slice(&hash.as_bytes()[..4]);
    u32::from_le_bytes(first) & (buckets - 1)
}

/// The buckets a fact is kept in, in order: those of every key it bears on.
pub fn homes<S: AsRef<str>>(touch: &Touch<S>, buckets: u32) -> Vec<u32> {
    let mut homes: Vec<u32> = touch
        .keys
        .iter()
        .map(|k| bucket_of(k.as_ref(), buckets))
        .collect();
    homes.sort_unstable();
    homes.dedup();
    homes
}

/// A fact as a facts file keeps it: its key, what it bears on, and the bytes
/// of its [`Recorded`] form, decoded only for the facts an update gathers.
#[derive(Clone, Debug, Encode, BorrowDecode)]
pub struct FiledFact<'a> {
    /// Its key.
    pub key: &'a str,
    /// The incident keys it bears on, sorted.
    pub keys: Vec<&'a str>,
    /// Whether it links them ([`Touch::links`]).
    pub links: bool,
    /// Its seq, recording time and body, encoded.
    pub recorded: &'a [u8],
}

impl FiledFact<'_> {
    /// Whether it bears on incident key `key`.
    pub fn bears_on(&self, key: &str) -> bool {
        self.keys.binary_search(&key).is_ok()
    }

    /// The fact itself.
    pub fn recorded(&self) -> Result<Recorded, Trouble> {
        codec::decode_state(self.recorded).map_err(|e| {
            Trouble::Refused(format!("the kept fact {} does not decode ({e})", self.key))
        })
    }
}

/// A fact made ready for a facts file, owning its bytes.
#[derive(Clone, Debug)]
pub struct FactToFile {
    key: String,
    touch: Touch,
    recorded: Vec<u8>,
}

impl FactToFile {
    /// The fact under `key`, bearing on `touch`.
    pub fn of(key: &str, recorded: &Recorded, touch: Touch) -> FactToFile {
        FactToFile {
            key: key.to_owned(),
            touch,
            recorded: codec::encode_state(recorded),
        }
    }

    /// What it bears on.
    pub fn touch(&self) -> &Touch {
        &self.touch
    }

    /// As filed.
    pub fn filed(&self) -> FiledFact<'_> {
        FiledFact {
            key: &self.key,
            keys: self.touch.keys.iter().map(String::as_str).collect(),
            links: self.touch.links,
            recorded: &self.recorded,
        }
    }
}

/// The bytes of the [`FactsFile`] holding `facts` (each a key, what it bears
/// on, and the fact, in log order) and `aliases` (in key order), encoded
/// straight into one buffer: building a whole table this way allocates no
/// buffer per fact. Equal to [`codec::encode_state`] of the same file.
pub fn encode_facts_file<'a>(
    facts: impl ExactSizeIterator<Item = (&'a str, &'a Touch<&'a str>, &'a Recorded)>,
    aliases: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut recorded = Vec::new();
    // A sequence is encoded as its length, then its items; a struct as its
    // fields in order.
    codec::encode_state_into(&(facts.len() as u64), &mut out);
    for (key, touch, fact) in facts {
        recorded.clear();
        codec::encode_state_into(fact, &mut recorded);
        let filed = FiledFact {
            key,
            keys: touch.keys.clone(),
            links: touch.links,
            recorded: &recorded,
        };
        codec::encode_state_into(&filed, &mut out);
    }
    codec::encode_state_into(&aliases, &mut out);
    out
}

/// One bucket's facts file.
#[derive(Default, Encode, BorrowDecode)]
pub struct FactsFile<'a> {
    /// Every fact bearing on one of the bucket's keys, in log order.
    pub facts: Vec<FiledFact<'a>>,
    /// Each of the bucket's incident keys and the key of the incident it goes
    /// by, in key order.
    pub aliases: Vec<(&'a str, &'a str)>,
}

impl FactsFile<'_> {
    /// The key of the incident `key` goes by, if the bucket knows `key`.
    pub fn alias(&self, key: &str) -> Option<&str> {
        self.aliases
            .binary_search_by(|(k, _)| (*k).cmp(key))
            .ok()
            .map(|at| self.aliases[at].1)
    }
}

/// The name of bucket `b`'s facts file.
pub fn facts_name(b: u32) -> String {
    format!("incidents-facts-{b:05}")
}

/// The name of summaries file `b`.
pub fn summaries_name(b: u32) -> String {
    format!("incidents-summaries-{b:05}")
}

/// The stored manifest, if there is one that reads.
pub fn manifest(journal: &Journal) -> Result<Manifest, Trouble> {
    Manifest::decode(&manifest_bytes(journal, MANIFEST)?).map_err(Trouble::Refused)
}

/// The bytes of the manifest `name` (the table's or its history's); its
/// absence is a refusal that says there is none yet.
pub fn manifest_bytes(journal: &Journal, name: &str) -> Result<Vec<u8>, Trouble> {
    journal
        .derived(name)?
        .ok_or_else(|| Trouble::Refused("there is none yet".to_owned()))
}

/// Whether a manifest `name` is stored at all (read or not), so that a
/// refusal of one that exists can be told from there being none yet.
pub fn manifest_exists(journal: &Journal, name: &str) -> Result<bool, ReadError> {
    Ok(journal.derived_prefix(name, 1)?.is_some())
}

/// What becomes of a stored structure (the table, or its history).
pub enum Settled<T> {
    /// Brought up to the head.
    Current(T),
    /// To be built again whole: with why, when a stored one was refused.
    Rebuild(Option<String>),
}

/// The policy the table and its history share. `found` is the stored one as
/// read: if it is at most `limit` entries behind the head, `update` brings it
/// up; if it is further behind it is rebuilt without a word; if it was
/// refused it is rebuilt, and the reason is told only when there was one
/// stored at all (its manifest file is `manifest`).
pub fn settle<M, T>(
    journal: &Journal,
    found: Result<M, Trouble>,
    behind: impl Fn(&M) -> u64,
    limit: u64,
    update: impl FnOnce(M) -> Result<T, Trouble>,
    manifest: &str,
) -> Result<Settled<T>, ReadError> {
    let reason = match found {
        Ok(found) if behind(&found) <= limit => match update(found) {
            Ok(current) => return Ok(Settled::Current(current)),
            Err(Trouble::Read(e)) => return Err(e),
            Err(Trouble::Refused(reason)) => Some(reason),
        },
        Ok(_) => None,
        Err(Trouble::Read(e)) => return Err(e),
        Err(Trouble::Refused(reason)) => manifest_exists(journal, manifest)?.then_some(reason),
    };
    Ok(Settled::Rebuild(reason))
}

/// The bytes of a file, refused unless they match `expected`.
pub fn read(journal: &Journal, name: &str, expected: &StateDigest) -> Result<Vec<u8>, Trouble> {
    let bytes = fetch(journal, name)?;
    check(name, &bytes, expected)?;
    Ok(bytes)
}

/// The bytes of a file the manifest names; its absence is a refusal.
fn fetch(journal: &Journal, name: &str) -> Result<Vec<u8>, Trouble> {
    journal
        .derived(name)?
        .ok_or_else(|| Trouble::Refused(format!("{name} is missing")))
}

/// Refuses `bytes` of file `name` unless their digest is `expected`.
fn check(name: &str, bytes: &[u8], expected: &StateDigest) -> Result<(), Trouble> {
    if StateDigest::of(bytes) == *expected {
        Ok(())
    } else {
        Err(Trouble::Refused(format!(
            "{name} does not match the manifest's digest"
        )))
    }
}

/// Bucket `b`'s facts file, checked against the manifest.
pub fn read_facts(journal: &Journal, manifest: &Manifest, b: u32) -> Result<Vec<u8>, Trouble> {
    read(journal, &facts_name(b), &manifest.facts[b as usize])
}

/// The facts file in `bytes`, borrowing them.
pub fn decode_facts(bytes: &[u8]) -> Result<FactsFile<'_>, Trouble> {
    codec::borrow_decode_state(bytes)
        .map_err(|e| Trouble::Refused(format!("a facts file does not decode ({e})")))
}

/// Every summaries file, read in turn and checked on every core.
pub fn read_all_summaries(journal: &Journal, manifest: &Manifest) -> Result<Vec<Vec<u8>>, Trouble> {
    let names: Vec<String> = (0..summary_files(manifest.buckets))
        .map(summaries_name)
        .collect();
    let files = names
        .iter()
        .map(|name| fetch(journal, name))
        .collect::<Result<Vec<_>, _>>()?;
    let checks: Vec<(&String, &Vec<u8>, &StateDigest)> = names
        .iter()
        .zip(&files)
        .zip(&manifest.summaries)
        .map(|((name, bytes), expected)| (name, bytes, expected))
        .collect();
    parallel::map(&checks, 64, |(name, bytes, expected)| {
        check(name, bytes, expected)
    })
    .into_iter()
    .collect::<Result<(), _>>()?;
    Ok(files)
}

/// A summary as a summaries file holds it: its key and the two fields that
/// rule most incidents out (direction and outcome) ahead of the rest's bytes,
/// so that a reader decodes only the summaries that may count, and an update
/// replaces summaries by key without decoding any.
#[derive(Clone, Encode, BorrowDecode)]
pub struct Filed<'a> {
    /// The key the incident goes by.
    pub key: &'a str,
    /// The incident's direction.
    pub direction: Direction,
    /// Its outcome.
    pub outcome: Outcome,
    /// The rest ([`Summary::body`]).
    pub body: &'a [u8],
}

impl<'a> Filed<'a> {
    /// The summary, borrowing the file's bytes.
    pub fn summary(&self) -> Result<Summary<'a>, Trouble> {
        Summary::from_parts(self.key, self.direction, self.outcome, self.body)
            .map_err(|e| Trouble::Refused(format!("a stored summary does not decode ({e})")))
    }
}

/// A summary made ready for a summaries file, owning its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToFile {
    key: String,
    direction: Direction,
    outcome: Outcome,
    body: Vec<u8>,
}

impl ToFile {
    /// `summary`, ready to be filed.
    pub fn of(summary: &Summary<'_>) -> ToFile {
        ToFile {
            key: summary.key.to_owned(),
            direction: summary.direction,
            outcome: summary.outcome,
            body: summary.body(),
        }
    }

    /// As filed.
    pub fn filed(&self) -> Filed<'_> {
        Filed {
            key: &self.key,
            direction: self.direction,
            outcome: self.outcome,
            body: &self.body,
        }
    }
}

/// A summaries file holding `filed`, in key order.
pub fn encode_summaries(mut filed: Vec<Filed<'_>>) -> Vec<u8> {
    filed.sort_unstable_by(|a, b| a.key.cmp(b.key));
    codec::encode_state(&filed)
}

/// The entries of one summaries file, borrowing its bytes.
pub fn decode_filed(bytes: &[u8]) -> Result<Vec<Filed<'_>>, Trouble> {
    codec::borrow_decode_state(bytes)
        .map_err(|e| Trouble::Refused(format!("a summaries file does not decode ({e})")))
}

/// Writes the files given (name, bytes), then the manifest: the manifest
/// names no file it does not match.
pub fn write(
    journal: &Journal,
    files: Vec<(String, Vec<u8>)>,
    manifest: &Manifest,
) -> Result<(), ReadError> {
    for (name, bytes) in files {
        journal.put_derived(&name, bytes)?;
    }
    journal.put_derived(MANIFEST, manifest.encode())
}
