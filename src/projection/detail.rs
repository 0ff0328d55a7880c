//! `Detail`: a row's structured data, held as the compact JSON text it is
//! written as.
//!
//! A view's row used to keep its detail as a `serde_json::Value` tree: dozens
//! of small maps and strings per row, built, then serialised for `--json` and
//! the digest, then freed one by one. At a million facts the incidents view
//! alone held 640,000 such trees. A `Detail` is serialised once, straight from
//! the view's own types, into one string; writing it out copies the text as it
//! is, and reading it back as a value ([`Detail::value`]) is for the few places
//! that look inside (tests, the demo's summary, the timeline's pauses).
//!
//! The text is exactly what `serde_json` writes for the value (keys in the
//! order they were serialised, as with `preserve_order`), so `--json` output
//! and table digests are the bytes they were when details were trees.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// One row's structured data, as compact JSON text.
#[derive(Clone)]
pub struct Detail(Box<RawValue>);

impl Detail {
    /// Serialises `value`. Only a map with non-string keys can fail to
    /// serialise; no view builds one, and should one ever, the row says so
    /// instead of the whole table failing.
    pub fn of(value: &(impl Serialize + ?Sized)) -> Detail {
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => Detail(raw),
            Err(e) => Detail::unserialisable(&e),
        }
    }

    fn unserialisable(error: &serde_json::Error) -> Detail {
        let text = serde_json::json!({ "error": format!("detail not serialisable: {error}") });
        Detail::from(text)
    }

    /// The detail as a JSON value (parsed from its text).
    pub fn value(&self) -> Value {
        // The text was written by serde_json from a value, so it parses.
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    /// The compact JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

impl From<Value> for Detail {
    fn from(value: Value) -> Detail {
        Detail::of(&value)
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Detail) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Detail {}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_detail_is_the_text_serde_json_writes_and_reads_back_as_the_value() {
        let value = json!({"b": 1, "a": [true, null, "x"], "c": {"z": 0.5, "y": "é\"q"}});
        let detail = Detail::from(value.clone());
        assert_eq!(detail.as_str(), value.to_string());
        assert_eq!(detail.value(), value);
        // Inside a larger value it is written as it is, not as a string.
        let outer = json!({ "rows": [&detail] });
        assert_eq!(outer["rows"][0], value);
        assert_eq!(
            serde_json::to_string(&[&detail]).unwrap(),
            format!("[{value}]")
        );
    }

    #[test]
    fn details_compare_by_their_text() {
        #[derive(Serialize)]
        struct Pair<'a> {
            key: &'a str,
            n: u32,
        }
        let typed = Detail::of(&Pair { key: "k", n: 2 });
        assert_eq!(typed, Detail::from(json!({"key": "k", "n": 2})));
        assert_ne!(typed, Detail::from(json!({"key": "k", "n": 3})));
    }

    #[test]
    fn a_value_that_cannot_be_serialised_becomes_an_error_detail() {
        let mut bad = std::collections::HashMap::new();
        bad.insert((1, 2), "tuple keys are not JSON");
        let detail = Detail::of(&bad);
        let message = detail.value()["error"].as_str().unwrap_or("").to_owned();
        assert!(message.starts_with("detail not serialisable"), "{message}");
    }
}
