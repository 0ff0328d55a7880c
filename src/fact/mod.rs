//! The domain: every kind of reported fact (DESIGN §3) and its value types.
//!
//! This layer is pure: no I/O, no clock. A `Fact` is a key plus a `FactBody`;
//! `check` validates what can be validated from the fact alone (ranges, dates,
//! keys, registry names). What needs the ledger — does the source exist, is the
//! target of the same kind — is checked by the journal.

pub mod actor;
pub mod claim;
pub mod count;
pub mod date_spec;
pub mod incident;
pub mod keys;
pub mod place;
pub mod problem;
pub mod quantity;
pub mod registry;
pub mod revision;
pub mod source;
pub mod statement;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::codec::{Decode, Encode};
use crate::text::Text;
pub use actor::{ActorRef, Basis, Certainty};
pub use claim::{Claim, ClaimMode};
pub use count::{BreakdownRow, Count, Metric, Period, Scope};
pub use date_spec::{ClockTime, DateSpec, Precision};
pub use incident::{AttackType, Casualties, CasualtyGroup, Direction, Incident, Outcome};
pub use place::{Coordinates, GeoPrecision, Place};
pub use problem::Problem;
pub use quantity::{Qualifier, Quantity};
pub use revision::{Correction, Denial, DenialType, Merge, Retraction, RetractionReason};
pub use source::{Source, SourceType};
pub use statement::{Attribution, Statement, StatementType};

/// One fact: a ledger-unique key and what it asserts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Fact {
    /// Unique in the ledger, chosen by whoever writes the report.
    pub key: Text,
    /// The assertion.
    pub body: FactBody,
}

/// The nine kinds of fact. The variant order is part of the canonical encoding
/// (docs/format.md): new kinds go at the end.
///
/// Every variant is boxed, so a `FactBody` is two words whatever its kind: an
/// incident is 568 bytes and a denial 160, and held inline each fact would take
/// the size of the largest kind (the picture keeps a million of them at a
/// million facts; docs/performance.md). A box encodes exactly as what it holds,
/// so the canonical bytes are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactBody {
    /// A source document.
    Source(Box<Source>),
    /// One source's account of one attack or strike.
    Incident(Box<Incident>),
    /// A stated aggregate figure.
    Count(Box<Count>),
    /// A claim of responsibility.
    Claim(Box<Claim>),
    /// A statement.
    Statement(Box<Statement>),
    /// A denial of an earlier fact.
    Denial(Box<Denial>),
    /// A corrected version of an earlier fact.
    Correction(Box<Correction>),
    /// The withdrawal of an earlier fact.
    Retraction(Box<Retraction>),
    /// Incident keys that are one incident.
    Merge(Box<Merge>),
}

/// The kind of a fact, without its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// `source`
    Source,
    /// `incident`
    Incident,
    /// `count`
    Count,
    /// `claim`
    Claim,
    /// `statement`
    Statement,
    /// `denial`
    Denial,
    /// `correction`
    Correction,
    /// `retraction`
    Retraction,
    /// `merge`
    Merge,
}

impl FactKind {
    /// Every kind, in canonical order.
    pub const ALL: [FactKind; 9] = [
        FactKind::Source,
        FactKind::Incident,
        FactKind::Count,
        FactKind::Claim,
        FactKind::Statement,
        FactKind::Denial,
        FactKind::Correction,
        FactKind::Retraction,
        FactKind::Merge,
    ];

    /// The lower-case name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Source => "source",
            FactKind::Incident => "incident",
            FactKind::Count => "count",
            FactKind::Claim => "claim",
            FactKind::Statement => "statement",
            FactKind::Denial => "denial",
            FactKind::Correction => "correction",
            FactKind::Retraction => "retraction",
            FactKind::Merge => "merge",
        }
    }

    /// Whether facts of this kind may be the target of a correction or denial.
    pub fn is_revisable(self) -> bool {
        !matches!(
            self,
            FactKind::Correction | FactKind::Retraction | FactKind::Merge
        )
    }
}

impl FactKind {
    /// The name with its indefinite article ("an incident", "a source").
    pub fn with_article(self) -> String {
        let article = if self.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.name())
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FactKind {
    type Err = String;

    fn from_str(text: &str) -> Result<FactKind, String> {
        FactKind::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = FactKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown fact kind `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A reference from a fact to something earlier in the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    /// A `Source` fact, by key.
    Source(&'a str),
    /// Any earlier fact, by key (or id prefix, in input).
    Target(&'a str),
    /// An incident key reported by some earlier `Incident`.
    IncidentKey(&'a str),
}

/// What [`FactBody::each_reference`] calls with each reference: a way to
/// its JSON path, whether it is inside a correction's replacement, and the
/// reference.
pub type ReferenceVisitor<'v, 'a> = dyn FnMut(&dyn Fn() -> String, bool, Reference<'a>) + 'v;

impl<'a> Reference<'a> {
    /// The key it names.
    pub fn key(self) -> &'a str {
        match self {
            Reference::Source(key) | Reference::Target(key) | Reference::IncidentKey(key) => key,
        }
    }
}

impl FactBody {
    /// The kind of this fact.
    pub fn kind(&self) -> FactKind {
        match self {
            FactBody::Source(_) => FactKind::Source,
            FactBody::Incident(_) => FactKind::Incident,
            FactBody::Count(_) => FactKind::Count,
            FactBody::Claim(_) => FactKind::Claim,
            FactBody::Statement(_) => FactKind::Statement,
            FactBody::Denial(_) => FactKind::Denial,
            FactBody::Correction(_) => FactKind::Correction,
            FactBody::Retraction(_) => FactKind::Retraction,
            FactBody::Merge(_) => FactKind::Merge,
        }
    }

    /// The source key this fact names (`None` for a `Source`).
    pub fn source_key(&self) -> Option<&str> {
        match self {
            FactBody::Source(_) => None,
            FactBody::Incident(f) => Some(&f.source),
            FactBody::Count(f) => Some(&f.source),
            FactBody::Claim(f) => Some(&f.source),
            FactBody::Statement(f) => Some(&f.source),
            FactBody::Denial(f) => Some(&f.source),
            FactBody::Correction(f) => Some(&f.source),
            FactBody::Retraction(f) => Some(&f.source),
            FactBody::Merge(f) => Some(&f.source),
        }
    }

    /// The key of the earlier fact this one revises, if it is a revision.
    pub fn target(&self) -> Option<&str> {
        match self {
            FactBody::Denial(f) => Some(&f.target),
            FactBody::Correction(f) => Some(&f.target),
            FactBody::Retraction(f) => Some(&f.target),
            _ => None,
        }
    }

    /// Mutable access to the target, so input can name it by id prefix and the
    /// journal can store the key.
    pub fn target_mut(&mut self) -> Option<&mut Text> {
        match self {
            FactBody::Denial(f) => Some(&mut f.target),
            FactBody::Correction(f) => Some(&mut f.target),
            FactBody::Retraction(f) => Some(&mut f.target),
            _ => None,
        }
    }

    /// Every reference this fact makes, each with the JSON path that holds it.
    pub fn references(&self) -> Vec<(String, Reference<'_>)> {
        let mut refs = Vec::new();
        self.each_reference(&mut |path, _, reference| refs.push((path(), reference)));
        refs
    }

    /// The `at`-th of [`FactBody::references`] with its JSON path: for the
    /// message that names one, which a check found by position.
    pub fn reference_at(&self, at: usize) -> Option<(String, Reference<'_>)> {
        self.references().into_iter().nth(at)
    }

    /// Visits what [`FactBody::references`] lists, in the same order, with
    /// its JSON path to be worked out only if asked for, and whether it is
    /// inside a correction's replacement.
    pub fn each_reference<'a>(&'a self, visit: &mut ReferenceVisitor<'_, 'a>) {
        self.each_reference_within(false, visit);
    }

    fn each_reference_within<'a>(
        &'a self,
        in_replacement: bool,
        visit: &mut ReferenceVisitor<'_, 'a>,
    ) {
        if let Some(source) = self.source_key() {
            visit(
                &|| "source".to_owned(),
                in_replacement,
                Reference::Source(source),
            );
        }
        if let Some(target) = self.target() {
            visit(
                &|| "target".to_owned(),
                in_replacement,
                Reference::Target(target),
            );
        }
        let incident_keys: &[Text] = match self {
            FactBody::Claim(c) => &c.incidents,
            FactBody::Merge(m) => &m.incidents,
            _ => &[],
        };
        for (i, key) in incident_keys.iter().enumerate() {
            visit(
                &|| format!("incidents[{i}]"),
                in_replacement,
                Reference::IncidentKey(key),
            );
        }
        if let FactBody::Correction(c) = self {
            c.replacement
                .each_reference_within(true, &mut |path, _, reference| {
                    visit(&|| format!("replacement.{}", path()), true, reference)
                });
        }
    }

    /// Validates everything that can be checked without the ledger.
    pub fn check(&self) -> Result<(), Problem> {
        if let Some(source) = self.source_key() {
            keys::check_key(source).map_err(|p| p.within("source"))?;
        }
        match self {
            FactBody::Source(f) => f.check(),
            FactBody::Incident(f) => f.check(),
            FactBody::Count(f) => f.check(),
            FactBody::Claim(f) => f.check(),
            FactBody::Statement(f) => f.check(),
            FactBody::Denial(f) => f.check(),
            FactBody::Correction(f) => f.check(),
            FactBody::Retraction(f) => f.check(),
            FactBody::Merge(f) => f.check(),
        }
    }
}

impl Fact {
    /// The fact in the report format (`key`, `kind`, then the kind's fields),
    /// as `sitrep append` reads it back.
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("key".to_owned(), serde_json::Value::from(self.key.as_str()));
        match serde_json::to_value(&self.body) {
            Ok(serde_json::Value::Object(fields)) => object.extend(fields),
            // A derived Serialize of an internally tagged enum always gives an
            // object; anything else would be a bug in the derive.
            other => unreachable!("a fact body serialises as an object, not {other:?}"),
        }
        serde_json::Value::Object(object)
    }

    /// Validates the key and the body.
    pub fn check(&self) -> Result<(), Problem> {
        keys::check_key(&self.key).map_err(|p| p.within("key"))?;
        self.body.check()
    }

    /// The kind of this fact.
    pub fn kind(&self) -> FactKind {
        self.body.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reference_says_which_are_inside_a_replacement() {
        let mut seen_inside = false;
        for fact in crate::synth::Corpus::new(5, 3000) {
            let mut flags = Vec::new();
            fact.body
                .each_reference(&mut |_, inside, reference| flags.push((inside, reference)));
            let listed = fact.body.references();
            assert_eq!(flags.len(), listed.len(), "{}", fact.key);
            for ((inside, reference), (path, listed)) in flags.into_iter().zip(listed) {
                assert_eq!(reference, listed, "{}", fact.key);
                assert_eq!(
                    inside,
                    path.starts_with("replacement."),
                    "{}: {path}",
                    fact.key
                );
                seen_inside |= inside;
            }
        }
        assert!(
            seen_inside,
            "the corpus has corrections with references inside"
        );
    }

    #[test]
    fn kinds_parse_from_their_lower_case_names() {
        for kind in FactKind::ALL {
            assert_eq!(kind.name().parse::<FactKind>(), Ok(kind));
        }
        let err = "Incident".parse::<FactKind>().unwrap_err();
        assert!(err.contains("expected one of source, incident"), "{err}");
    }

    #[test]
    fn a_correction_lists_the_references_of_its_replacement() {
        let body: FactBody = serde_json::from_str(
            r#"{"kind":"correction","source":"s2","target":"x","reason":"r",
                "replacement":{"kind":"claim","source":"s1","claimant":{"name":"IRI"},
                               "incidents":["i1"],"mode":"statement"}}"#,
        )
        .unwrap();
        let refs = body.references();
        assert!(refs.contains(&(
            "replacement.incidents[0]".to_owned(),
            Reference::IncidentKey("i1")
        )));
        assert!(refs.contains(&("target".to_owned(), Reference::Target("x"))));
    }
}
