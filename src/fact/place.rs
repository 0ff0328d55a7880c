//! `Place`: where an attack landed or was launched from, as the source names it.
//!
//! Coordinates are fixed-point micro-degrees (`i32`), never floats, so that they
//! hash the same everywhere. JSON input takes decimal degrees as numbers or strings
//! and converts them exactly from the decimal text (no float rounding).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::problem::{check_opt, non_empty, Problem};
use super::registry;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// How precisely a place is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all = "snake_case")]
pub enum GeoPrecision {
    /// Coordinates of the point of impact.
    Exact,
    /// A named base or site.
    Site,
    /// A town, village or neighbourhood.
    Locality,
    /// A governorate or province.
    Admin1,
    /// Only the country.
    Country,
    /// Not stated.
    Unknown,
}

/// Latitude and longitude in micro-degrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude × 10⁶, in −90 000 000 ..= 90 000 000.
    #[serde(serialize_with = "micro_out", deserialize_with = "micro_in")]
    pub lat: i32,
    /// Longitude × 10⁶, in −180 000 000 ..= 180 000 000.
    #[serde(serialize_with = "micro_out", deserialize_with = "micro_in")]
    pub lon: i32,
}

/// A place as reported.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The name as the source gives it ("Al-Asad Airbase", "Rumalyn").
    pub name: Text,
    /// A site key from the registry ("ain-al-asad"), when the place is a known site.
    pub site: Option<Text>,
    /// ISO 3166-1 alpha-2 country code ("IQ", "SY", "JO").
    pub country: Option<Text>,
    /// Governorate or province as named ("Deir ez-Zor").
    pub admin1: Option<Text>,
    /// Coordinates, when given.
    pub coordinates: Option<Coordinates>,
    /// How precisely the place is known.
    #[serde(default = "unknown_precision")]
    pub precision: GeoPrecision,
}

fn unknown_precision() -> GeoPrecision {
    GeoPrecision::Unknown
}

impl Place {
    /// Checks the country code, the site key and the coordinate ranges.
    pub fn check(&self) -> Result<(), Problem> {
        non_empty("name", &self.name)?;
        check_opt("country", self.country.as_ref(), |c| check_country(c))?;
        check_opt("site", self.site.as_ref(), |s| {
            registry::site(s).map(|_| ()).ok_or_else(|| {
                Problem::at(
                    "",
                    format!(
                        "unknown site key `{s}`; known sites: {}",
                        registry::site_keys().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        })?;
        check_opt("coordinates", self.coordinates.as_ref(), Coordinates::check)
    }
}

/// Refuses anything but two upper-case ASCII letters.
pub fn check_country(code: &str) -> Result<(), Problem> {
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Problem::at(
            "",
            format!("`{code}` is not an ISO 3166-1 alpha-2 country code such as \"IQ\""),
        ))
    }
}

impl Coordinates {
    /// Checks latitude and longitude are on the globe.
    pub fn check(&self) -> Result<(), Problem> {
        if !(-90_000_000..=90_000_000).contains(&self.lat) {
            return Err(Problem::at(
                "lat",
                "latitude must be between -90 and 90 degrees",
            ));
        }
        if !(-180_000_000..=180_000_000).contains(&self.lon) {
            return Err(Problem::at(
                "lon",
                "longitude must be between -180 and 180 degrees",
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(country) = &self.country {
            write!(f, " ({country})")?;
        }
        Ok(())
    }
}

fn micro_out<S: Serializer>(micro: &i32, serializer: S) -> Result<S::Ok, S::Error> {
    let sign = if *micro < 0 { "-" } else { "" };
    let abs = micro.unsigned_abs();
    serializer.collect_str(&format_args!(
        "{sign}{}.{:06}",
        abs / 1_000_000,
        abs % 1_000_000
    ))
}

fn micro_in<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    deserializer.deserialize_any(MicroDegrees)
}

struct MicroDegrees;

impl<'de> Visitor<'de> for MicroDegrees {
    type Value = i32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("decimal degrees with at most 6 decimal places, e.g. 33.7856")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        // serde_json hands us the shortest text that round-trips, which is the
        // decimal the user wrote for any value with at most 15 digits.
        self.visit_str(&v.to_string())
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<i32, E> {
        parse_micro(text).ok_or_else(|| {
            E::custom(format!(
                "`{text}` is not decimal degrees with at most 6 decimal places"
            ))
        })
    }
}

/// Parses decimal degrees into micro-degrees exactly.
pub fn parse_micro(text: &str) -> Option<i32> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || frac.len() > 6 {
        return None;
    }
    if !(whole.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    let micro = whole.checked_mul(1_000_000)?.checked_add(frac)?;
    i32::try_from(if negative { -micro } else { micro }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_convert_exactly() {
        assert_eq!(parse_micro("33.7856"), Some(33_785_600));
        assert_eq!(parse_micro("-0.000001"), Some(-1));
        assert_eq!(parse_micro("1.1234567"), None);
        let c: Coordinates = serde_json::from_str(r#"{"lat":33.7856,"lon":"42.4412"}"#).unwrap();
        assert_eq!((c.lat, c.lon), (33_785_600, 42_441_200));
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"lat":"33.785600","lon":"42.441200"}"#
        );
    }

    #[test]
    fn places_off_the_globe_or_with_bad_codes_are_refused() {
        let c = Coordinates {
            lat: 91_000_000,
            lon: 0,
        };
        assert_eq!(c.check().unwrap_err().path, "lat");
        let p: Place = serde_json::from_str(r#"{"name":"x","country":"Iraq"}"#).unwrap();
        assert_eq!(p.check().unwrap_err().path, "country");
        let p: Place = serde_json::from_str(r#"{"name":"x","site":"atlantis"}"#).unwrap();
        assert_eq!(p.check().unwrap_err().path, "site");
    }
}
