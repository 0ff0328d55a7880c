//! The corpus's calendar: which day the stream has reached, and dates as sources
//! write them — a day, a day with its time, a few days, a week, a month, a year,
//! or a vague "On Tuesday" bounded only by what the text supports — always with
//! intervals that pass `DateSpec::check`.

use super::rng::Rng;
use super::words::{MONTHS, WEEKDAYS_FROM_THURSDAY};
use crate::fact::{ClockTime, DateSpec, Precision};
use crate::time::Date;

/// 2023-10-17, the first day of the stream, in days since 1970-01-01.
const FIRST_DAY: i32 = 19_647;
/// Facts per day of the stream.
const FACTS_PER_DAY: u64 = 8;
/// Days the stream runs through before it starts over at the first day.
const SPAN_DAYS: u64 = 800;

/// The day the stream has reached at fact `index`.
pub fn stream_day(index: u64) -> Date {
    day_after_start(((index / FACTS_PER_DAY) % SPAN_DAYS) as i64)
}

/// The stream's first day plus `days`.
pub fn day_after_start(days: i64) -> Date {
    Date::from_days_since_epoch(FIRST_DAY)
        .unwrap_or(Date::MIN)
        .plus_days(days)
}

/// Days from the stream's first day to `day`.
pub fn days_since_start(day: Date) -> i64 {
    day_after_start(0).days_until(day)
}

/// The day of the month (1–31).
pub fn day_of_month(day: Date) -> i64 {
    first_of_month(day).days_until(day) + 1
}

/// The name of the month of `day`.
pub fn month_name(day: Date) -> &'static str {
    MONTHS[(day.month().clamp(1, 12) - 1) as usize]
}

/// The weekday of `day` ("Tuesday").
pub fn weekday(day: Date) -> &'static str {
    WEEKDAYS_FROM_THURSDAY[day.days_since_epoch().rem_euclid(7) as usize]
}

/// "17 October 2023".
pub fn long_form(day: Date) -> String {
    format!("{} {} {}", day_of_month(day), month_name(day), day.year())
}

fn first_of_month(day: Date) -> Date {
    Date::from_ymd(day.year(), day.month(), 1).unwrap_or(day)
}

fn last_of_month(day: Date) -> Date {
    Date::end_of_month(day.year(), day.month()).unwrap_or(day)
}

fn spec(start: Date, end: Date, precision: Precision, raw: Option<String>) -> DateSpec {
    DateSpec {
        start,
        end,
        precision,
        time: None,
        raw: raw.map(Into::into),
    }
}

/// When an attack on `day` happened, as one report words it.
pub fn occurred(rng: &mut Rng, day: Date) -> DateSpec {
    match rng.below(100) {
        0..=39 => spec(day, day, Precision::Day, None),
        40..=51 => spec(
            day,
            day,
            Precision::Day,
            Some(format!("On {}", long_form(day))),
        ),
        52..=59 => {
            let minute = rng.below(1440) as u16;
            let baghdad = rng.chance(700);
            let raw = format!(
                "At {}:{:02} {}",
                minute / 60,
                minute % 60,
                if baghdad {
                    "Baghdad time"
                } else {
                    "local time"
                }
            );
            DateSpec {
                time: Some(ClockTime {
                    minute_of_day: minute,
                    utc_offset_minutes: baghdad.then_some(180),
                }),
                ..spec(day, day, Precision::Day, Some(raw))
            }
        }
        60..=68 => {
            let start = day.plus_days(-(rng.below(2) as i64));
            let end = day.plus_days(rng.between(1, 2) as i64);
            let raw = *rng.pick(&[
                "in less than 24 hours",
                "over the past 48 hours",
                "over the weekend",
                "overnight",
            ]);
            spec(start, end, Precision::Days, Some(raw.to_owned()))
        }
        69..=75 => {
            let start = day.plus_days(-(rng.below(4) as i64));
            let raw = *rng.pick(&["last week", "earlier this week", "in recent days"]);
            spec(
                start,
                start.plus_days(6),
                Precision::Week,
                Some(raw.to_owned()),
            )
        }
        76..=84 => spec(
            first_of_month(day),
            last_of_month(day),
            Precision::Month,
            Some(format!("in {} {}", month_name(day), day.year())),
        ),
        85..=86 => {
            let year = day.year();
            let start = Date::from_ymd(year, 1, 1).unwrap_or(day);
            let end = Date::from_ymd(year, 12, 31).unwrap_or(day);
            spec(start, end, Precision::Year, Some(format!("in {year}")))
        }
        _ => {
            let start = day.plus_days(-(rng.between(3, 40) as i64));
            let end = day.plus_days(rng.below(30) as i64);
            spec(
                start,
                end,
                Precision::Unknown,
                Some(format!("On {}", weekday(day))),
            )
        }
    }
}

/// When a document was published, if it says.
pub fn published(rng: &mut Rng, day: Date) -> Option<DateSpec> {
    match rng.below(100) {
        0..=54 => Some(DateSpec::day(day)),
        55..=64 => {
            let minute = rng.below(1440) as u16;
            Some(DateSpec {
                time: Some(ClockTime {
                    minute_of_day: minute,
                    utc_offset_minutes: Some(0),
                }),
                ..DateSpec::day(day)
            })
        }
        65..=74 => Some(spec(
            first_of_month(day),
            last_of_month(day),
            Precision::Month,
            Some(format!("{} {}", month_name(day), day.year())),
        )),
        75..=79 => Some(spec(
            day.plus_days(-6),
            day,
            Precision::Unknown,
            Some(format!("updated {}", weekday(day))),
        )),
        _ => None,
    }
}

/// When a statement was made, if the text dates it.
pub fn made(rng: &mut Rng, day: Date) -> Option<DateSpec> {
    match rng.below(100) {
        0..=44 => Some(DateSpec::day(day)),
        45..=59 => Some(spec(
            day,
            day,
            Precision::Day,
            Some(format!("On {}", long_form(day))),
        )),
        60..=69 => Some(spec(
            first_of_month(day),
            last_of_month(day),
            Precision::Month,
            Some(format!("in {} {}", month_name(day), day.year())),
        )),
        70..=77 => Some(spec(
            day.plus_days(-(rng.between(2, 20) as i64)),
            day.plus_days(rng.below(10) as i64),
            Precision::Unknown,
            Some(format!("said in a statement on {}", weekday(day))),
        )),
        _ => None,
    }
}

/// The day itself, with the words a period bound is written in ("since 17 October").
pub fn since(day: Date) -> DateSpec {
    spec(
        day,
        day,
        Precision::Day,
        Some(format!("since {} {}", day_of_month(day), month_name(day))),
    )
}

/// The month of `day` as a period bound ("Starting in October 2023").
pub fn month_of(day: Date) -> DateSpec {
    spec(
        first_of_month(day),
        last_of_month(day),
        Precision::Month,
        Some(format!("Starting in {} {}", month_name(day), day.year())),
    )
}
