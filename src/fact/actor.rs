//! `ActorRef`: an actor as a source names it, with how the attribution was made.
//!
//! The name is kept exactly as reported ("Kataib Hezbollah -Militia"); the optional
//! registry key ties spellings together without rewriting what the source said.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::problem::{check_opt, non_empty, Problem};
use super::registry;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// On what basis an actor is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The actor said so itself (claim of responsibility, own statement).
    SelfClaim,
    /// A government or military official said so.
    Official,
    /// A news outlet or monitor said so.
    Media,
    /// An analyst or researcher said so.
    Analyst,
}

/// How certain the attribution is, in the source's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Stated as fact.
    Confirmed,
    /// "believed to be", "likely".
    Probable,
    /// "may have", "one of several".
    Possible,
    /// Not said.
    Unknown,
}

/// An actor named in a fact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct ActorRef {
    /// The name as reported.
    pub name: Text,
    /// A registry key ("kataib-hezbollah"), when the actor is a known one.
    pub actor: Option<Text>,
    /// The role as reported ("spokesperson", "security chief").
    pub role: Option<Text>,
    /// On what basis the actor is named.
    pub basis: Option<Basis>,
    /// How certain the attribution is.
    pub certainty: Option<Certainty>,
}

impl ActorRef {
    /// Checks the name is present and the registry key, if any, is known.
    pub fn check(&self) -> Result<(), Problem> {
        non_empty("name", &self.name)?;
        check_opt("actor", self.actor.as_ref(), |key| {
            registry::actor(key).map(|_| ()).ok_or_else(|| {
                Problem::at(
                    "",
                    format!(
                        "unknown actor key `{key}`; known actors: {}",
                        registry::actor_keys().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        })
    }
}

impl fmt::Display for ActorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
