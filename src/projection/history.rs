//! `history ID|KEY`: the chain of corrections, denials, retractions and merges
//! that point at one fact, or at every report of one incident key.
//!
//! This is a full scan of the log; the projection engine will keep it
//! incrementally. The scan is what makes the answer trustworthy either way: it is
//! recomputed from the entries, never stored.

use crate::entry::Seq;
use crate::fact::FactBody;
use crate::journal::{Journal, ReadError, Record, ResolveError};

/// What `history` was asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One fact, by key.
    Fact(String),
    /// Every report with this incident key.
    IncidentKey(String),
}

/// A fact or incident key and everything that revises it, in log order.
#[derive(Clone, Debug)]
pub struct History {
    /// What was asked about.
    pub subject: Subject,
    /// The fact itself (or every report of the incident key) and every entry that
    /// points at any of them, in seq order.
    pub chain: Vec<Record>,
}

/// Why a history could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The text names no fact and no incident key.
    #[error("`{0}` is not a fact key, id prefix, seq or incident key in this ledger")]
    Unknown(String),
    /// Resolution failed for another reason (ambiguous prefix…).
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// Reading failed.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// The history of `text`: a fact (seq, key or id prefix) or an incident key.
pub fn history(journal: &Journal, text: &str) -> Result<History, HistoryError> {
    let subject = match journal.resolve(text) {
        Ok(record) => Subject::Fact(record.entry.fact.key.into()),
        Err(ResolveError::NotFound(_)) | Err(ResolveError::BadPrefix { .. })
            if journal.has_incident_key(text)? =>
        {
            Subject::IncidentKey(text.to_owned())
        }
        Err(ResolveError::NotFound(_)) | Err(ResolveError::BadPrefix { .. }) => {
            return Err(HistoryError::Unknown(text.to_owned()))
        }
        Err(other) => return Err(other.into()),
    };
    let merges = all_merges(journal)?;
    // Incident keys whose reports belong to the chain, and incident keys whose
    // merges do. Asked about one fact, only merges naming its incident key join;
    // asked about an incident key, every report under any key merged with it does.
    let (mut keys, report_keys, merge_keys) = match &subject {
        Subject::Fact(key) => {
            let record = journal.find_key(key)?;
            let own = record.and_then(|r| reported_incident(&r.entry.fact.body).map(str::to_owned));
            (vec![key.clone()], Vec::new(), own.into_iter().collect())
        }
        Subject::IncidentKey(key) => {
            let closure = merged_closure(key, &merges);
            (Vec::new(), closure.clone(), closure)
        }
    };
    let mut chain = Vec::new();
    journal.scan(Seq::new(0), &mut |record| {
        let body = &record.entry.fact.body;
        let belongs = keys.iter().any(|k| *k == record.entry.fact.key)
            || body.target().is_some_and(|t| keys.iter().any(|k| k == t))
            || reported_incident(body).is_some_and(|k| report_keys.iter().any(|r| r == k))
            || matches!(body, FactBody::Merge(m) if m.incidents.iter().any(|k| merge_keys.iter().any(|m| m == k)));
        if belongs {
            // Revisions of anything in the chain join it (a denial of a correction).
            if !keys.iter().any(|k| *k == record.entry.fact.key) {
                keys.push(record.entry.fact.key.to_string());
            }
            chain.push(record);
        }
        true
    })?;
    Ok(History { subject, chain })
}

/// Every merge in the ledger, as lists of incident keys.
fn all_merges(journal: &Journal) -> Result<Vec<Vec<String>>, ReadError> {
    let mut merges = Vec::new();
    journal.scan(Seq::new(0), &mut |record| {
        if let FactBody::Merge(m) = &record.entry.fact.body {
            merges.push(m.incidents.iter().map(|k| k.to_string()).collect());
        }
        true
    })?;
    Ok(merges)
}

/// `key` and every incident key merged with it, directly or through others.
fn merged_closure(key: &str, merges: &[Vec<String>]) -> Vec<String> {
    let mut closure = vec![key.to_owned()];
    let mut grew = true;
    while grew {
        grew = false;
        for merge in merges {
            if merge.iter().any(|k| closure.contains(k)) {
                for k in merge {
                    if !closure.contains(k) {
                        closure.push(k.clone());
                        grew = true;
                    }
                }
            }
        }
    }
    closure
}

fn reported_incident(body: &FactBody) -> Option<&str> {
    match body {
        FactBody::Incident(i) => Some(&i.incident),
        _ => None,
    }
}
