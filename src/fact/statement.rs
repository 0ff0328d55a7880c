//! `Statement`: a suspension, resumption, threat, condemnation or policy statement,
//! with how it was attributed to its speaker.

use serde::{Deserialize, Serialize};

use super::actor::ActorRef;
use super::date_spec::DateSpec;
use super::problem::{check_opt, non_empty, Problem};
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// What a statement does.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum StatementType {
    /// Announces a suspension of attacks.
    Suspension,
    /// Announces attacks have resumed.
    Resumption,
    /// An agreement to halt attacks.
    HaltAgreement,
    /// A threat of attacks.
    Threat,
    /// A condemnation.
    Condemnation,
    /// A policy announcement.
    Policy,
    /// Anything else.
    Other,
}

/// How a statement reached the source.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The speaker's own channel or spokesperson.
    OwnChannel,
    /// "A channel linked to" or "affiliated with" the speaker.
    LinkedChannel,
    /// Reported by a third party (named in `reported_by`).
    ReportedBy,
}

/// A statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The source key.
    pub source: Text,
    /// Who the statement is attributed to.
    pub speaker: ActorRef,
    /// What it does.
    #[serde(rename = "type")]
    pub statement_type: StatementType,
    /// When it was made.
    pub made: Option<DateSpec>,
    /// When it takes effect, if different.
    pub effective: Option<DateSpec>,
    /// Whom or what it covers ("operations against US forces in the region").
    pub scope: Option<Text>,
    /// Its words, quoted or paraphrased as the source gives them.
    pub text: Text,
    /// How it was attributed.
    pub attribution: Attribution,
    /// Who reported it, when `attribution` is `reported_by` or a linked channel.
    pub reported_by: Option<Text>,
}

impl Statement {
    /// Checks the speaker, the dates and the text.
    pub fn check(&self) -> Result<(), Problem> {
        self.speaker.check().map_err(|p| p.within("speaker"))?;
        check_opt("made", self.made.as_ref(), DateSpec::check)?;
        check_opt("effective", self.effective.as_ref(), DateSpec::check)?;
        non_empty("text", &self.text)
    }
}
