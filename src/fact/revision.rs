//! The facts that point at earlier facts: `Denial`, `Correction`, `Retraction` and
//! `Merge` (DESIGN §1.2: nothing is rewritten; a revision is a new entry).
//!
//! `target` is the key of an earlier fact. Input may name it by key or by id
//! prefix; the journal stores the key, which is unique and never reused.

use serde::{Deserialize, Serialize};

use super::actor::ActorRef;
use super::keys::check_key;
use super::problem::{check_each, non_empty, Problem};
use super::FactBody;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// What a denial denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum DenialType {
    /// "We did not issue that statement."
    Authorship,
    /// "We were not involved."
    Involvement,
    /// "It did not happen."
    Occurrence,
    /// "The figures are wrong."
    Figures,
    /// "That is not what it was."
    Characterization,
}

/// A denial of an earlier fact by someone it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Denial {
    /// The source key.
    pub source: Text,
    /// Who denies.
    pub denier: ActorRef,
    /// The fact denied.
    pub target: Text,
    /// What is denied.
    #[serde(rename = "type")]
    pub denial_type: DenialType,
    /// The denial's words ("fabricated news").
    pub quote: Option<Text>,
}

/// A corrected version of an earlier fact. The latest correction in log order is
/// the fact's effective version; the earlier versions stay readable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The source key of the correction.
    pub source: Text,
    /// The fact corrected.
    pub target: Text,
    /// The full replacement, of the same kind as the target.
    pub replacement: Box<FactBody>,
    /// Why.
    pub reason: Text,
}

/// Why a fact is withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum RetractionReason {
    /// The source withdrew it.
    SourceWithdrew,
    /// It was entered in error.
    EnteredInError,
    /// It is outside the ledger's scope.
    OutOfScope,
    /// It duplicates another fact.
    Duplicate,
}

/// The withdrawal of an earlier fact from every projection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Retraction {
    /// The source key.
    pub source: Text,
    /// The fact withdrawn.
    pub target: Text,
    /// Why.
    pub reason: RetractionReason,
    /// More detail.
    pub note: Option<Text>,
}

/// A linking decision: these incident keys are one incident.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    /// The source key (the analyst's note or the document that links them).
    pub source: Text,
    /// The incident keys that are one incident (at least two, each in the ledger).
    pub incidents: Vec<Text>,
    /// The key that survives; one of `incidents`.
    pub surviving: Text,
    /// Why they are one.
    pub reason: Text,
}

impl Denial {
    /// The quote as a suffix for a line of text: `: “fabricated news”`, or
    /// nothing when the denial has no quote.
    pub fn quote_suffix(&self) -> String {
        self.quote
            .as_deref()
            .map(|q| format!(": “{q}”"))
            .unwrap_or_default()
    }

    /// Checks the denier and the target key.
    pub fn check(&self) -> Result<(), Problem> {
        self.denier.check().map_err(|p| p.within("denier"))?;
        non_empty("target", &self.target)
    }
}

impl Correction {
    /// Checks the replacement itself and the reason. Whether it is of the target's
    /// kind is checked by the journal, which knows the target.
    pub fn check(&self) -> Result<(), Problem> {
        non_empty("target", &self.target)?;
        non_empty("reason", &self.reason)?;
        if matches!(
            *self.replacement,
            FactBody::Correction(_) | FactBody::Retraction(_) | FactBody::Merge(_)
        ) {
            return Err(Problem::at(
                "replacement.kind",
                "a replacement must be a source, incident, count, claim, statement or denial",
            ));
        }
        self.replacement
            .check()
            .map_err(|p| p.within("replacement"))
    }
}

impl Retraction {
    /// Checks the target key.
    pub fn check(&self) -> Result<(), Problem> {
        non_empty("target", &self.target)
    }
}

impl Merge {
    /// Checks there are two distinct keys and the survivor is one of them.
    pub fn check(&self) -> Result<(), Problem> {
        check_each("incidents", &self.incidents, |k| check_key(k))?;
        non_empty("reason", &self.reason)?;
        let mut distinct: Vec<&Text> = self.incidents.iter().collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() < 2 || distinct.len() != self.incidents.len() {
            return Err(Problem::at(
                "incidents",
                "a merge needs at least two different incident keys, each named once",
            ));
        }
        if !self.incidents.contains(&self.surviving) {
            return Err(Problem::at(
                "surviving",
                format!("`{}` is not one of the merged incidents", self.surviving),
            ));
        }
        Ok(())
    }
}
