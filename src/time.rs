//! The clock and the calendar types of the three clocks (DESIGN §1.3).
//!
//! `Date` is a day count since 1970-01-01 and `Timestamp` is microseconds since the
//! Unix epoch in UTC: both are plain integers so that hashed types never contain
//! floats or platform-dependent representations. This is the only module that reads
//! the system time (`SystemClock`); everything else receives a `Clock`.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codec::{Decode, Encode};

/// The earliest calendar year a date may carry. Anything earlier is a typo.
pub const MIN_YEAR: i32 = 1900;
/// The latest calendar year a date may carry.
pub const MAX_YEAR: i32 = 2199;

/// A calendar day, stored as days since 1970-01-01 (negative before).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Date(i32);

/// The reasons a date string is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not `YYYY-MM-DD` (or `YYYY-MM`, `YYYY` where allowed).
    #[error("`{0}` is not a date; expected YYYY-MM-DD")]
    Malformed(String),
    /// The text has the right shape but names no real day (e.g. 2023-02-30).
    #[error("`{0}` is not a real calendar day")]
    Impossible(String),
    /// The year is outside the supported range.
    #[error("`{0}` is out of range; years {MIN_YEAR}..={MAX_YEAR} are accepted")]
    OutOfRange(String),
}

impl Date {
    /// 1900-01-01, the earliest supported day.
    pub const MIN: Date = Date(-25_567);
    /// 2199-12-31, the latest supported day.
    pub const MAX: Date = Date(84_005);

    /// The day from a year, month and day; `None` when no such day exists or the
    /// year is outside `MIN_YEAR..=MAX_YEAR`.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        let day = NaiveDate::from_ymd_opt(year, month, day)?;
        Some(Date::from_naive(day))
    }

    /// Days since 1970-01-01, the canonical representation.
    pub fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// The day `days` days after 1970-01-01, if its year is in range.
    pub fn from_days_since_epoch(days: i32) -> Option<Date> {
        let date = Date(days);
        let year = date.to_naive()?.year();
        (MIN_YEAR..=MAX_YEAR).contains(&year).then_some(date)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(DateError::Malformed(text.to_owned()));
        };
        let (year, month, day) = parse_ymd_parts(text, y, m, d)?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::OutOfRange(text.to_owned()));
        }
        NaiveDate::from_ymd_opt(year, month, day)
            .map(Date::from_naive)
            .ok_or_else(|| DateError::Impossible(text.to_owned()))
    }

    /// The last day of the given month.
    pub fn end_of_month(year: i32, month: u32) -> Option<Date> {
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let first_next = NaiveDate::from_ymd_opt(next_year, next_month, 1)?;
        let last = first_next.pred_opt()?;
        Date::from_ymd(last.year(), last.month(), last.day())
    }

    /// The year of this day.
    pub fn year(self) -> i32 {
        self.to_naive().map_or(1970, |d| d.year())
    }

    /// The month (1–12) of this day.
    pub fn month(self) -> u32 {
        self.to_naive().map_or(1, |d| d.month())
    }

    /// The day `days` days later (earlier when negative), clamped to the
    /// supported range.
    pub fn plus_days(self, days: i64) -> Date {
        let target =
            (i64::from(self.0) + days).clamp(i64::from(Date::MIN.0), i64::from(Date::MAX.0));
        Date(i32::try_from(target).unwrap_or(self.0))
    }

    /// The ISO 8601 week this day falls in, as (ISO year, week number).
    pub fn iso_week(self) -> (i32, u32) {
        self.to_naive().map_or((1970, 1), |d| {
            let week = d.iso_week();
            (week.year(), week.week())
        })
    }

    /// The number of days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        i64::from(later.0) - i64::from(self.0)
    }

    fn from_naive(day: NaiveDate) -> Date {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
        // The supported year range keeps the difference far inside i32.
        Date(i32::try_from((day - epoch).num_days()).unwrap_or(i32::MAX))
    }

    fn to_naive(self) -> Option<NaiveDate> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
        epoch.checked_add_signed(chrono::Duration::days(i64::from(self.0)))
    }
}

fn parse_ymd_parts(text: &str, y: &str, m: &str, d: &str) -> Result<(i32, u32, u32), DateError> {
    let malformed = || DateError::Malformed(text.to_owned());
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(malformed());
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return Err(malformed());
    }
    let year = y.parse().map_err(|_| malformed())?;
    let month = m.parse().map_err(|_| malformed())?;
    let day = d.parse().map_err(|_| malformed())?;
    Ok((year, month, day))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(iso) = self.iso_text() {
            return f.write_str(iso.as_str());
        }
        match self.to_naive() {
            Some(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            None => write!(f, "day {}", self.0),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.iso_text() {
            Some(iso) => serializer.serialize_str(iso.as_str()),
            None => serializer.collect_str(self),
        }
    }
}

/// A day of the years 0–9999 as `YYYY-MM-DD`, on the stack.
struct IsoText([u8; 10]);

impl IsoText {
    fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl Date {
    /// The day as `YYYY-MM-DD` when its year is 0–9999, worked out by
    /// integer arithmetic (the civil calendar from days since the epoch:
    /// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). A replay
    /// writes millions of dates; through chrono and `format_args!` each cost
    /// several times more (docs/performance.md).
    fn iso_text(self) -> Option<IsoText> {
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let mut text = *b"0000-00-00";
        let digit = |n: i64| b'0' + (n % 10) as u8;
        text[0] = digit(year / 1000);
        text[1] = digit(year / 100);
        text[2] = digit(year / 10);
        text[3] = digit(year);
        text[5] = digit(month / 10);
        text[6] = digit(month);
        text[8] = digit(day / 10);
        text[9] = digit(day);
        Some(IsoText(text))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after the epoch.
    pub fn from_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// Microseconds since the epoch.
    pub fn as_micros(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 timestamp (`2024-04-22T10:00:00Z`) or a bare date
    /// (`2024-04-22`, read as midnight UTC).
    pub fn parse(text: &str) -> Result<Timestamp, DateError> {
        if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
            return Ok(Timestamp(instant.with_timezone(&Utc).timestamp_micros()));
        }
        let day = Date::parse(text)?;
        Ok(Timestamp(
            i64::from(day.days_since_epoch()) * MICROS_PER_DAY,
        ))
    }

    /// The calendar day (UTC) of this instant.
    pub fn date(self) -> Date {
        Date(i32::try_from(self.0.div_euclid(MICROS_PER_DAY)).unwrap_or(i32::MAX))
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::<Utc>::from_timestamp_micros(self.0) {
            Some(t) => write!(
                f,
                "{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            None => write!(f, "{}µs", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Where "now" comes from. The journal asks a `Clock` for `recorded_at`.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(Utc::now().timestamp_micros())
    }
}

/// A clock stopped at one instant: reproducible demos and tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_prints_as_chrono_prints_it_across_the_supported_range() {
        // Every supported day, days a damaged state could decode to (the
        // years 0 and 9999 are the ends of the integer arithmetic), a
        // sample of the years around them, and days chrono cannot name.
        let beyond = [
            -800_000, -719_529, -719_528, 2_932_896, 2_932_897, 3_000_000,
        ];
        let sample = (-800_000..3_000_000).step_by(97);
        for days in (Date::MIN.0..=Date::MAX.0).chain(beyond).chain(sample) {
            let day = Date(days);
            let naive = day.to_naive().unwrap();
            let expected = naive.format("%Y-%m-%d").to_string();
            assert_eq!(day.to_string(), expected);
            assert_eq!(
                serde_json::to_string(&day).unwrap(),
                format!("\"{expected}\"")
            );
        }
        for days in [i32::MIN, i32::MAX] {
            assert_eq!(Date(days).to_string(), format!("day {days}"));
        }
    }

    #[test]
    fn the_supported_range_has_named_ends() {
        assert_eq!(Date::MIN, Date::from_ymd(MIN_YEAR, 1, 1).unwrap());
        assert_eq!(Date::MAX, Date::from_ymd(MAX_YEAR, 12, 31).unwrap());
        assert_eq!(Date::MAX.plus_days(5), Date::MAX);
        assert_eq!(
            Date::parse("2024-02-04").unwrap().plus_days(77).to_string(),
            "2024-04-21"
        );
        assert_eq!(Date::parse("2024-01-28").unwrap().iso_week(), (2024, 4));
    }

    #[test]
    fn dates_round_trip_through_text() {
        let day = Date::parse("2024-01-28").unwrap();
        assert_eq!(day.to_string(), "2024-01-28");
        assert_eq!(day.days_since_epoch(), 19_750);
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
    }

    #[test]
    fn impossible_and_malformed_dates_are_refused() {
        assert_eq!(
            Date::parse("2023-02-30"),
            Err(DateError::Impossible("2023-02-30".into()))
        );
        let matched = matches!(Date::parse("2023-2-3"), Err(DateError::Malformed(_)));
        assert!(matched);
        let matched = matches!(Date::parse("17 Oct"), Err(DateError::Malformed(_)));
        assert!(matched);
        let matched = matches!(Date::parse("0999-01-01"), Err(DateError::OutOfRange(_)));
        assert!(matched);
    }

    #[test]
    fn month_ends_are_correct_in_leap_years() {
        assert_eq!(
            Date::end_of_month(2024, 2).unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Date::end_of_month(2023, 12).unwrap().to_string(),
            "2023-12-31"
        );
    }

    #[test]
    fn timestamps_parse_rfc3339_and_bare_dates() {
        let t = Timestamp::parse("2024-04-22T00:00:00Z").unwrap();
        assert_eq!(t, Timestamp::parse("2024-04-22").unwrap());
        assert_eq!(t.date().to_string(), "2024-04-22");
        assert_eq!(t.to_string(), "2024-04-22T00:00:00Z");
    }
}
