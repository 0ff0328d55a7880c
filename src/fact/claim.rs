//! `Claim`: a claim of responsibility, for named incidents or a described attack.

use serde::{Deserialize, Serialize};

use super::actor::ActorRef;
use super::keys::check_key;
use super::problem::{check_each, Problem};
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// How the claim was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum ClaimMode {
    /// A post on a Telegram channel.
    TelegramPost,
    /// A video.
    Video,
    /// A written or spoken statement.
    Statement,
    /// Not stated or something else.
    Unknown,
}

/// A claim of responsibility.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The source key.
    pub source: Text,
    /// Who claims.
    pub claimant: ActorRef,
    /// Incident keys claimed (each must already be in the ledger).
    #[serde(default)]
    pub incidents: Vec<Text>,
    /// What is claimed, when no incident key fits.
    pub description: Option<Text>,
    /// How the claim was made.
    pub mode: ClaimMode,
    /// The claim's words.
    pub text: Option<Text>,
}

impl Claim {
    /// Checks the claimant, and that the claim says what it claims.
    pub fn check(&self) -> Result<(), Problem> {
        self.claimant.check().map_err(|p| p.within("claimant"))?;
        check_each("incidents", &self.incidents, |k| check_key(k))?;
        if self.incidents.is_empty() && self.description.is_none() {
            return Err(Problem::at(
                "incidents",
                "a claim needs incident keys or a description of what is claimed",
            ));
        }
        Ok(())
    }
}
