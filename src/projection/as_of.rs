//! As-of points (DESIGN §1.3, three clocks): where to cut the log before
//! folding it, and which sources to admit.
//!
//! * `Cut::Seq(n)` — the ledger as it stood when seq `n` was its last entry.
//! * `Cut::Recorded(t)` — everything recorded at or before `t`; since
//!   `recorded_at` never decreases along the log this is also a prefix.
//! * `published` — only facts whose source was certainly published by that day
//!   (see [`Publication`](super::resolve::Publication)); a source the ledger
//!   cannot date either way is left out, and named.

use std::fmt;
use std::str::FromStr;

use crate::entry::Seq;
use crate::time::{Date, Timestamp};

/// Where the log is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cut {
    /// Everything.
    #[default]
    Head,
    /// Up to and including this seq.
    Seq(Seq),
    /// Everything recorded at or before this time.
    Recorded(Timestamp),
}

/// An as-of point: a cut and, optionally, a publication date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AsOf {
    /// Where the log is cut.
    pub cut: Cut,
    /// Only sources published by this day.
    pub published: Option<Date>,
}

impl AsOf {
    /// The whole ledger.
    pub fn head() -> AsOf {
        AsOf::default()
    }

    /// Whether this is the whole ledger, unfiltered.
    pub fn is_head(&self) -> bool {
        self.cut == Cut::Head && self.published.is_none()
    }
}

impl fmt::Display for AsOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cut {
            Cut::Head => f.write_str("head")?,
            Cut::Seq(seq) => write!(f, "seq:{seq}")?,
            Cut::Recorded(t) => write!(f, "recorded:{t}")?,
        }
        if let Some(day) = self.published {
            write!(f, ", published:{day}")?;
        }
        Ok(())
    }
}

/// Why an as-of point could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsOfError {
    /// The text is not one of the forms.
    #[error("`{0}` is not an as-of point; expected head, seq:N, recorded:TIME or published:DATE")]
    Malformed(String),
    /// The value after the colon is bad.
    #[error("`{text}`: {reason}")]
    Value {
        /// What was given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl FromStr for AsOf {
    type Err = AsOfError;

    /// Reads `head`, `seq:N` (or a bare number), `recorded:TIME` or
    /// `published:DATE`, as `--diff` takes them.
    fn from_str(text: &str) -> Result<AsOf, AsOfError> {
        let bad = |reason: String| AsOfError::Value {
            text: text.to_owned(),
            reason,
        };
        if text == "head" {
            return Ok(AsOf::head());
        }
        let (kind, value) = match text.split_once(':') {
            Some((kind, value)) => (kind, value),
            None if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => ("seq", text),
            None => return Err(AsOfError::Malformed(text.to_owned())),
        };
        match kind {
            "seq" => value
                .parse::<u64>()
                .map(|n| AsOf {
                    cut: Cut::Seq(Seq::new(n)),
                    published: None,
                })
                .map_err(|_| bad(format!("`{value}` is not a seq number"))),
            "recorded" => Timestamp::parse(value)
                .map(|t| AsOf {
                    cut: Cut::Recorded(t),
                    published: None,
                })
                .map_err(|e| bad(e.to_string())),
            "published" => Date::parse(value)
                .map(|d| AsOf {
                    cut: Cut::Head,
                    published: Some(d),
                })
                .map_err(|e| bad(e.to_string())),
            _ => Err(AsOfError::Malformed(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_points_parse_in_every_form() {
        assert_eq!("head".parse::<AsOf>().unwrap(), AsOf::head());
        assert_eq!(
            "seq:12".parse::<AsOf>().unwrap().cut,
            Cut::Seq(Seq::new(12))
        );
        assert_eq!("12".parse::<AsOf>().unwrap().cut, Cut::Seq(Seq::new(12)));
        let p = "published:2023-12-01".parse::<AsOf>().unwrap();
        assert_eq!(p.published, Date::parse("2023-12-01").ok());
        let matched = matches!(
            "recorded:yesterday".parse::<AsOf>(),
            Err(AsOfError::Value { .. })
        );
        assert!(matched);
        let matched = matches!("tuesday".parse::<AsOf>(), Err(AsOfError::Malformed(_)));
        assert!(matched);
    }
}
