//! `DateSpec`: when something happened or was published, as an interval with a
//! precision and the source's own words.
//!
//! The interval is inclusive (`start ..= end`). Vague texts stay vague: "On
//! Tuesday" in an undated article is an interval bounded by what the text does say,
//! with precision `unknown` and the raw words kept, never an invented day.
//!
//! JSON input accepts shorthands — `"2023-10-17"`, `"2024-01"` (the whole month),
//! `"2024"`, `"2024-04-21/2024-04-22"` — or an object with `start`, `end`,
//! `precision`, `time` and `raw`. The canonical form is always the full struct.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::problem::Problem;
use crate::codec::{Decode, Encode};
use crate::text::Text;
use crate::time::{Date, DateError};

/// How exactly an interval is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// One known day (`start == end`).
    Day,
    /// A span of a few known days ("in less than 24 hours", "late January").
    Days,
    /// Within one week (at most seven days).
    Week,
    /// Within one calendar month.
    Month,
    /// Within one calendar year.
    Year,
    /// Only bounds inferred from the text are known ("On Tuesday" in an undated text).
    Unknown,
}

/// A time of day: minutes since local midnight, with the UTC offset when the
/// source gives one ("6:30 p.m. Baghdad time" = 18:30 at +03:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ClockTime {
    /// 0..1440.
    pub minute_of_day: u16,
    /// Offset from UTC in minutes, when known.
    pub utc_offset_minutes: Option<i16>,
}

/// An interval of days with its precision, optional time of day and raw text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Encode, Decode)]
pub struct DateSpec {
    /// First possible day.
    pub start: Date,
    /// Last possible day (inclusive).
    pub end: Date,
    /// How exactly the interval is known.
    pub precision: Precision,
    /// Time of day, only with precision `day`.
    pub time: Option<ClockTime>,
    /// The source's own words ("late Sunday night").
    pub raw: Option<Text>,
}

impl DateSpec {
    /// A single known day.
    pub fn day(day: Date) -> DateSpec {
        DateSpec {
            start: day,
            end: day,
            precision: Precision::Day,
            time: None,
            raw: None,
        }
    }

    /// Parses the string shorthands (`2023-10-17`, `2023-10`, `2023`, `A/B`).
    pub fn parse(text: &str) -> Result<DateSpec, DateError> {
        if let Some((a, b)) = text.split_once('/') {
            let (start, _, _) = parse_partial(a)?;
            let (_, end, _) = parse_partial(b)?;
            let precision = if start == end {
                Precision::Day
            } else {
                Precision::Days
            };
            return Ok(DateSpec {
                start,
                end,
                precision,
                time: None,
                raw: None,
            });
        }
        let (start, end, precision) = parse_partial(text)?;
        Ok(DateSpec {
            start,
            end,
            precision,
            time: None,
            raw: None,
        })
    }

    /// Checks the interval is ordered and fits its precision.
    pub fn check(&self) -> Result<(), Problem> {
        if self.end < self.start {
            return Err(Problem::at(
                "end",
                format!("end date {} is before start date {}", self.end, self.start),
            ));
        }
        let span = self.start.days_until(self.end);
        let fits = match self.precision {
            Precision::Day => span == 0,
            Precision::Week => span <= 6,
            Precision::Month => {
                self.start.year() == self.end.year() && self.start.month() == self.end.month()
            }
            Precision::Year => self.start.year() == self.end.year(),
            Precision::Days | Precision::Unknown => true,
        };
        if !fits {
            return Err(Problem::at(
                "precision",
                format!(
                    "precision {:?} does not fit the interval {} to {}",
                    self.precision, self.start, self.end
                ),
            ));
        }
        if let Some(time) = &self.time {
            if self.precision != Precision::Day {
                return Err(Problem::at("time", "a time of day needs precision `day`"));
            }
            if time.minute_of_day >= 1440 {
                return Err(Problem::at("time", "minute of day must be below 1440"));
            }
        }
        Ok(())
    }
}

/// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY` into (first day, last day, precision).
fn parse_partial(text: &str) -> Result<(Date, Date, Precision), DateError> {
    let malformed = || DateError::Malformed(text.to_owned());
    match text.len() {
        10 => Date::parse(text).map(|d| (d, d, Precision::Day)),
        7 => {
            let (y, m) = text.split_once('-').ok_or_else(malformed)?;
            let year: i32 = parse_digits(y, 4).ok_or_else(malformed)?;
            let month: u32 = parse_digits(m, 2).ok_or_else(malformed)?;
            let first = Date::from_ymd(year, month, 1).ok_or_else(malformed)?;
            let last = Date::end_of_month(year, month).ok_or_else(malformed)?;
            Ok((first, last, Precision::Month))
        }
        4 => {
            let year: i32 = parse_digits(text, 4).ok_or_else(malformed)?;
            let first =
                Date::from_ymd(year, 1, 1).ok_or_else(|| DateError::OutOfRange(text.into()))?;
            let last = Date::from_ymd(year, 12, 31).ok_or_else(malformed)?;
            Ok((first, last, Precision::Year))
        }
        _ => Err(malformed()),
    }
}

fn parse_digits<T: std::str::FromStr>(text: &str, len: usize) -> Option<T> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

impl ClockTime {
    /// Parses `HH:MM` or `HH:MM±HH:MM`.
    pub fn parse(text: &str) -> Option<ClockTime> {
        let (clock, offset) = match text.find(['+', '-']) {
            Some(at) => (&text[..at], Some(&text[at..])),
            None => (text, None),
        };
        let minute_of_day = parse_hh_mm(clock)?;
        if minute_of_day >= 1440 {
            return None;
        }
        let utc_offset_minutes = match offset {
            None => None,
            Some(off) => {
                let sign: i16 = if off.starts_with('-') { -1 } else { 1 };
                let minutes = i16::try_from(parse_hh_mm(&off[1..])?).ok()?;
                (minutes <= 14 * 60).then_some(sign * minutes)
            }
        };
        Some(ClockTime {
            minute_of_day,
            utc_offset_minutes,
        })
    }
}

fn parse_hh_mm(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let hours: u16 = parse_digits(h, 2)?;
    let minutes: u16 = parse_digits(m, 2)?;
    (minutes < 60).then_some(hours * 60 + minutes)
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}",
            self.minute_of_day / 60,
            self.minute_of_day % 60
        )?;
        if let Some(off) = self.utc_offset_minutes {
            let sign = if off < 0 { '-' } else { '+' };
            write!(f, "{sign}{:02}:{:02}", off.abs() / 60, off.abs() % 60)?;
        }
        Ok(())
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ClockTime::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "`{text}` is not a time; expected HH:MM or HH:MM+03:00"
            ))
        })
    }
}

impl fmt::Display for DateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Day => write!(f, "{}", self.start)?,
            Precision::Month => write!(f, "{}", &self.start.to_string()[..7])?,
            Precision::Year => write!(f, "{}", self.start.year())?,
            _ => write!(f, "{}..{}", self.start, self.end)?,
        }
        if let Some(time) = &self.time {
            write!(f, " {time}")?;
        }
        Ok(())
    }
}

/// The object form of a `DateSpec` in JSON input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DateSpecFields {
    start: String,
    end: Option<String>,
    precision: Option<Precision>,
    time: Option<ClockTime>,
    raw: Option<String>,
}

impl<'de> Deserialize<'de> for DateSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DateSpecVisitor)
    }
}

struct DateSpecVisitor;

impl<'de> Visitor<'de> for DateSpecVisitor {
    type Value = DateSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date (\"2023-10-17\", \"2024-01\", \"2024-04-21/2024-04-22\") or an object with start, end, precision, time, raw")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DateSpec, E> {
        DateSpec::parse(text).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DateSpec, A::Error> {
        let fields = DateSpecFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let (start, start_end, start_precision) =
            parse_partial(&fields.start).map_err(de::Error::custom)?;
        let end = match &fields.end {
            Some(text) => parse_partial(text).map_err(de::Error::custom)?.1,
            None => start_end,
        };
        let precision = fields.precision.unwrap_or(if fields.end.is_none() {
            start_precision
        } else if start == end {
            Precision::Day
        } else {
            Precision::Days
        });
        Ok(DateSpec {
            start,
            end,
            precision,
            time: fields.time,
            raw: fields.raw.map(Into::into),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_json(text: &str) -> Result<DateSpec, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn shorthands_expand_to_intervals() {
        let month = from_json(r#""2024-01""#).unwrap();
        assert_eq!(month.to_string(), "2024-01");
        assert_eq!(month.end.to_string(), "2024-01-31");
        assert_eq!(month.precision, Precision::Month);
        let span = from_json(r#""2024-04-21/2024-04-22""#).unwrap();
        assert_eq!(span.precision, Precision::Days);
        assert_eq!(span.to_string(), "2024-04-21..2024-04-22");
    }

    #[test]
    fn object_form_keeps_raw_words_and_time() {
        let d = from_json(
            r#"{"start":"2024-01-20","time":"18:30+03:00","raw":"At 6:30 p.m. Baghdad time"}"#,
        )
        .unwrap();
        assert_eq!(d.precision, Precision::Day);
        assert_eq!(d.time.unwrap().to_string(), "18:30+03:00");
        assert_eq!(d.raw.as_deref(), Some("At 6:30 p.m. Baghdad time"));
        assert!(d.check().is_ok());
    }

    #[test]
    fn reversed_and_impossible_dates_are_refused() {
        let reversed = from_json(r#"{"start":"2024-02-04","end":"2024-01-30"}"#).unwrap();
        assert_eq!(reversed.check().unwrap_err().path, "end");
        let err = from_json(r#""2023-02-30""#).unwrap_err().to_string();
        assert!(err.contains("not a real calendar day"), "{err}");
        assert!(from_json(r#"{"start":"2024-01-01","colour":"red"}"#).is_err());
    }

    #[test]
    fn precision_must_fit_the_interval() {
        let d =
            from_json(r#"{"start":"2024-01-01","end":"2024-01-20","precision":"week"}"#).unwrap();
        assert_eq!(d.check().unwrap_err().path, "precision");
    }
}
