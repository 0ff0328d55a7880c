//! `Quantity`: a reported number as a range with its qualifier and raw words
//! (DESIGN §1.4).
//!
//! `low` and `high` are *inclusive* bounds and `best` is the stated point value;
//! each is `None` where the text gives no such bound. So "more than 170" is
//! `low = 171` with qualifier `more_than`, "about 65" is `best = 65`, and unknown is
//! all three `None` — never 0. `low ≤ best ≤ high` is enforced wherever present.
//!
//! JSON input takes a number (`47`), a phrase (`"more than 170"`, parsed by
//! [`Quantity::parse`] and kept as `raw`), or the full object.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::problem::Problem;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// How the stated number relates to the true one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// "47": low = best = high.
    Exact,
    /// "about 65": best only.
    Approximately,
    /// "at least 91": low only.
    AtLeast,
    /// "more than 170": low = 171.
    MoreThan,
    /// "at most 5", "up to 5": high only.
    AtMost,
    /// "fewer than 10": high = 9.
    FewerThan,
    /// "3–5": low and high.
    Range,
    /// Not stated: no bounds at all.
    Unknown,
}

/// A reported figure.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Encode, Decode)]
pub struct Quantity {
    /// Inclusive lower bound, if the text gives one.
    pub low: Option<u64>,
    /// The stated point value, if any.
    pub best: Option<u64>,
    /// Inclusive upper bound, if the text gives one.
    pub high: Option<u64>,
    /// How the number was qualified.
    pub qualifier: Qualifier,
    /// The source's own words.
    pub raw: Option<Text>,
}

impl Quantity {
    /// An exact figure.
    pub fn exact(n: u64) -> Quantity {
        Quantity {
            low: Some(n),
            best: Some(n),
            high: Some(n),
            qualifier: Qualifier::Exact,
            raw: None,
        }
    }

    /// Parses the phrasings found in reports: "47", "more than 170", "at least 91",
    /// "over 20", "about 65", "dozens", "several", "3–5", "no", "eight" …
    /// Returns `None` for text it cannot read; it never guesses a number.
    pub fn parse(text: &str) -> Option<Quantity> {
        let norm = normalize(text);
        let mut q = parse_normalized(&norm)?;
        q.raw = Some(text.trim().into());
        Some(q)
    }

    /// Checks `low ≤ best ≤ high` and that the bounds fit the qualifier.
    pub fn check(&self) -> Result<(), Problem> {
        if let (Some(low), Some(best)) = (self.low, self.best) {
            if low > best {
                return Err(Problem::at(
                    "low",
                    format!("low {low} is greater than best {best}"),
                ));
            }
        }
        if let (Some(best), Some(high)) = (self.best, self.high) {
            if best > high {
                return Err(Problem::at(
                    "best",
                    format!("best {best} is greater than high {high}"),
                ));
            }
        }
        if let (Some(low), Some(high)) = (self.low, self.high) {
            if low > high {
                return Err(Problem::at(
                    "low",
                    format!("low {low} is greater than high {high}"),
                ));
            }
        }
        let has = (self.low.is_some(), self.best.is_some(), self.high.is_some());
        let fits = match self.qualifier {
            Qualifier::Exact => {
                has == (true, true, true) && self.low == self.best && self.best == self.high
            }
            Qualifier::Approximately => has.1,
            Qualifier::AtLeast | Qualifier::MoreThan => has.0 && !has.2,
            Qualifier::AtMost | Qualifier::FewerThan => has.2 && !has.0,
            Qualifier::Range => has.0 && has.2,
            Qualifier::Unknown => has == (false, false, false),
        };
        if fits {
            Ok(())
        } else {
            Err(Problem::at(
                "qualifier",
                format!(
                    "qualifier {:?} expects {}",
                    self.qualifier,
                    expected_bounds(self.qualifier)
                ),
            ))
        }
    }

    /// The lowest value consistent with the report (0 when no lower bound).
    pub fn floor(&self) -> u64 {
        self.low.or(self.best).unwrap_or(0)
    }
}

fn expected_bounds(q: Qualifier) -> &'static str {
    match q {
        Qualifier::Exact => "low = best = high",
        Qualifier::Approximately => "a best value",
        Qualifier::AtLeast | Qualifier::MoreThan => "a low bound and no high bound",
        Qualifier::AtMost | Qualifier::FewerThan => "a high bound and no low bound",
        Qualifier::Range => "both low and high",
        Qualifier::Unknown => "no numbers at all (unknown is never 0)",
    }
}

fn normalize(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .replace(['\u{2013}', '\u{2014}'], "-")
        .replace(',', "")
}

fn parse_normalized(text: &str) -> Option<Quantity> {
    let q = |low, best, high, qualifier| Quantity {
        low,
        best,
        high,
        qualifier,
        raw: None,
    };
    if let Some(q) = vague_word(text) {
        return Some(q);
    }
    for (prefix, qualifier) in PREFIXES {
        if let Some(rest) = text.strip_prefix(prefix) {
            let n = number(rest.trim())?;
            return Some(match qualifier {
                Qualifier::AtLeast => q(Some(n), None, None, Qualifier::AtLeast),
                Qualifier::MoreThan => q(n.checked_add(1), None, None, Qualifier::MoreThan),
                Qualifier::AtMost => q(None, None, Some(n), Qualifier::AtMost),
                Qualifier::FewerThan => q(None, None, n.checked_sub(1), Qualifier::FewerThan),
                _ => q(None, Some(n), None, Qualifier::Approximately),
            });
        }
    }
    // A hyphenated number word ("twenty-one") is a number, not a range.
    if let Some(n) = number(text.strip_prefix("a total of ").unwrap_or(text)) {
        return Some(Quantity::exact(n));
    }
    let (a, b) = split_range(text)?;
    let (low, high) = (number(a.trim())?, number(b.trim())?);
    Some(q(Some(low), None, Some(high), Qualifier::Range))
}

/// Qualifying phrases, longest first so "no more than" wins over "no".
const PREFIXES: &[(&str, Qualifier)] = &[
    ("no fewer than ", Qualifier::AtLeast),
    ("no more than ", Qualifier::AtMost),
    ("a minimum of ", Qualifier::AtLeast),
    ("at least ", Qualifier::AtLeast),
    ("more than ", Qualifier::MoreThan),
    ("upwards of ", Qualifier::MoreThan),
    ("over ", Qualifier::MoreThan),
    ("at most ", Qualifier::AtMost),
    ("up to ", Qualifier::AtMost),
    ("fewer than ", Qualifier::FewerThan),
    ("less than ", Qualifier::FewerThan),
    ("under ", Qualifier::FewerThan),
    ("approximately ", Qualifier::Approximately),
    ("around ", Qualifier::Approximately),
    ("roughly ", Qualifier::Approximately),
    ("nearly ", Qualifier::Approximately),
    ("about ", Qualifier::Approximately),
    ("some ", Qualifier::Approximately),
    ("~", Qualifier::Approximately),
];

/// Words that name an amount without a number. The floors are the smallest amount
/// the word can mean ("dozens" is at least two dozen); no ceiling is invented.
fn vague_word(text: &str) -> Option<Quantity> {
    let at_least = |n| Quantity {
        low: Some(n),
        best: None,
        high: None,
        qualifier: Qualifier::AtLeast,
        raw: None,
    };
    Some(match text {
        "dozens" => at_least(24),
        "hundreds" => at_least(200),
        "thousands" => at_least(2000),
        "several" | "a few" | "multiple" | "some" => {
            at_least(if text == "several" { 3 } else { 2 })
        }
        "a dozen" => Quantity {
            low: None,
            best: Some(12),
            high: None,
            qualifier: Qualifier::Approximately,
            raw: None,
        },
        "no" | "none" | "zero" | "no one" | "nobody" => Quantity::exact(0),
        "unknown" | "unspecified" | "not stated" => Quantity {
            low: None,
            best: None,
            high: None,
            qualifier: Qualifier::Unknown,
            raw: None,
        },
        _ => return None,
    })
}

fn split_range(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix("between ") {
        return rest.split_once(" and ");
    }
    text.split_once(" to ").or_else(|| text.split_once('-'))
}

fn number(text: &str) -> Option<u64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    number_word(text)
}

fn number_word(text: &str) -> Option<u64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let find = |list: &[&str], w: &str| list.iter().position(|x| *x == w).map(|i| i as u64);
    if text == "a" || text == "an" {
        return Some(1);
    }
    if let Some(n) = find(&UNITS, text) {
        return Some(n);
    }
    let (tens, unit) = match text.split_once('-') {
        Some((t, u)) => (t, Some(u)),
        None => (text, None),
    };
    let tens = find(&TENS, tens)? * 10 + 20;
    match unit {
        None => Some(tens),
        Some(u) => Some(tens + find(&UNITS[1..10], u)? + 1),
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        match self.qualifier {
            Qualifier::Exact => write!(f, "{}", n(self.best)),
            Qualifier::Approximately => write!(f, "~{}", n(self.best)),
            Qualifier::AtLeast | Qualifier::MoreThan => write!(f, "≥{}", n(self.low)),
            Qualifier::AtMost | Qualifier::FewerThan => write!(f, "≤{}", n(self.high)),
            Qualifier::Range => write!(f, "{}–{}", n(self.low), n(self.high)),
            Qualifier::Unknown => f.write_str("unknown"),
        }
    }
}

/// The object form of a `Quantity` in JSON input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityFields {
    low: Option<u64>,
    best: Option<u64>,
    high: Option<u64>,
    qualifier: Qualifier,
    raw: Option<String>,
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

struct QuantityVisitor;

impl<'de> Visitor<'de> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number, a phrase such as \"more than 170\" or \"3-5\", or an object with low, best, high, qualifier, raw")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Quantity, E> {
        Ok(Quantity::exact(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Quantity, E> {
        u64::try_from(n)
            .map(Quantity::exact)
            .map_err(|_| E::custom(format!("{n} is negative; a count cannot be below 0")))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Quantity, E> {
        // JSON numbers past u64 (or with a fraction or exponent) arrive as floats.
        if n.fract() == 0.0 && n >= 18_446_744_073_709_551_616.0 {
            Err(E::custom(format!(
                "{n} is larger than the largest count, 18446744073709551615"
            )))
        } else {
            Err(E::custom(format!("{n} is not a whole number")))
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Quantity, E> {
        Quantity::parse(text).ok_or_else(|| {
            E::custom(format!(
                "cannot read `{text}` as a quantity; write a number, a phrase such as \"at least 5\", \"more than 170\", \"3-5\", \"dozens\", or the object form"
            ))
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Quantity, A::Error> {
        let f = QuantityFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Quantity {
            low: f.low,
            best: f.best,
            high: f.high,
            qualifier: f.qualifier,
            raw: f.raw.map(Into::into),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Option<u64>, Option<u64>, Option<u64>, Qualifier) {
        let q = Quantity::parse(text).unwrap_or_else(|| panic!("cannot parse {text}"));
        assert!(
            q.check().is_ok(),
            "{text} parsed to an invalid quantity {q:?}"
        );
        assert_eq!(q.raw.as_deref(), Some(text));
        (q.low, q.best, q.high, q.qualifier)
    }

    #[test]
    fn seed_phrasings_parse_to_ranges() {
        use Qualifier::*;
        assert_eq!(parsed("more than 170"), (Some(171), None, None, MoreThan));
        assert_eq!(parsed("at least 91"), (Some(91), None, None, AtLeast));
        assert_eq!(parsed("over 20"), (Some(21), None, None, MoreThan));
        assert_eq!(parsed("dozens"), (Some(24), None, None, AtLeast));
        assert_eq!(parsed("about 65"), (None, Some(65), None, Approximately));
        assert_eq!(parsed("several"), (Some(3), None, None, AtLeast));
        assert_eq!(parsed("3–5"), (Some(3), None, Some(5), Range));
        assert_eq!(parsed("47"), (Some(47), Some(47), Some(47), Exact));
        assert_eq!(parsed("over eight"), (Some(9), None, None, MoreThan));
        assert_eq!(parsed("twenty-one"), (Some(21), Some(21), Some(21), Exact));
        assert_eq!(
            parsed("12,000"),
            (Some(12_000), Some(12_000), Some(12_000), Exact)
        );
        assert_eq!(parsed("fewer than 10"), (None, None, Some(9), FewerThan));
        assert_eq!(parsed("no"), (Some(0), Some(0), Some(0), Exact));
        assert_eq!(parsed("unknown"), (None, None, None, Unknown));
    }

    #[test]
    fn unreadable_phrases_are_not_guessed() {
        assert_eq!(Quantity::parse("a lot"), None);
        assert_eq!(Quantity::parse("more than many"), None);
        assert_eq!(Quantity::parse(""), None);
    }

    #[test]
    fn bounds_out_of_order_are_refused() {
        let q: Quantity =
            serde_json::from_str(r#"{"low":5,"best":3,"high":9,"qualifier":"range"}"#).unwrap();
        let p = q.check().unwrap_err();
        assert_eq!(p.path, "low");
        assert!(p.message.contains("greater than best"));
        let unknown_zero: Quantity =
            serde_json::from_str(r#"{"low":0,"qualifier":"unknown"}"#).unwrap();
        assert_eq!(unknown_zero.check().unwrap_err().path, "qualifier");
    }

    #[test]
    fn json_accepts_numbers_phrases_and_objects() {
        let n: Quantity = serde_json::from_str("3").unwrap();
        assert_eq!(n, Quantity::exact(3));
        let p: Quantity = serde_json::from_str(r#""at least 5""#).unwrap();
        assert_eq!(p.low, Some(5));
        assert!(serde_json::from_str::<Quantity>("-1").is_err());
        assert!(serde_json::from_str::<Quantity>("1.5").is_err());
        assert!(serde_json::from_str::<Quantity>(r#"{"qualifier":"exact","lo":1}"#).is_err());
    }
}
