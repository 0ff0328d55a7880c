//! `Source`: the document a fact comes from. Every other fact names one by key.

use serde::{Deserialize, Serialize};

use super::date_spec::DateSpec;
use super::problem::{check_opt, non_empty, Problem};
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// What kind of publisher a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// A government body or official.
    Government,
    /// A military command or spokesperson.
    Military,
    /// A militia's own channel (Telegram, statement).
    MilitiaChannel,
    /// A wire service (Reuters, AP, AFP).
    Wire,
    /// A news website or newspaper.
    NewsSite,
    /// An encyclopedia article.
    Encyclopedia,
    /// A think tank or research institute.
    ThinkTank,
    /// A monitoring group (e.g. the Syrian Observatory for Human Rights).
    Monitor,
    /// Anything else.
    Other,
}

/// A source document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Who published it ("Wikipedia", "Antiwar.com").
    pub publisher: Text,
    /// What kind of publisher.
    #[serde(rename = "type")]
    pub source_type: SourceType,
    /// Whether the publisher is a party to the conflict.
    pub party: bool,
    /// The document's title.
    pub title: Option<Text>,
    /// Where it can be read.
    pub url: Option<Text>,
    /// The byline.
    pub author: Option<Text>,
    /// BCP 47 language tag ("en").
    pub language: Option<Text>,
    /// When it was published, as precisely as the document says (absent when it
    /// does not say).
    pub published: Option<DateSpec>,
    /// A short excerpt identifying the text.
    pub excerpt: Option<Text>,
    /// BLAKE3 of the document text, 64 hex characters.
    pub content_hash: Option<Text>,
}

impl Source {
    /// A source with only its publisher and type; every optional field empty.
    pub fn new(publisher: impl Into<Text>, source_type: SourceType) -> Source {
        Source {
            publisher: publisher.into(),
            source_type,
            party: false,
            title: None,
            url: None,
            author: None,
            language: None,
            published: None,
            excerpt: None,
            content_hash: None,
        }
    }

    /// Checks the required texts and the hash format.
    pub fn check(&self) -> Result<(), Problem> {
        non_empty("publisher", &self.publisher)?;
        check_opt("published", self.published.as_ref(), DateSpec::check)?;
        check_opt("content_hash", self.content_hash.as_ref(), |h| {
            if h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                Ok(())
            } else {
                Err(Problem::at(
                    "",
                    "expected 64 lower-case hex characters (BLAKE3)",
                ))
            }
        })
    }
}
