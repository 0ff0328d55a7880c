//! `Text`: the string type of facts and fold state — a `str` that keeps up to
//! 24 bytes inline and only longer texts on the heap.
//!
//! Most strings in a fact are short (keys, names, country codes, languages):
//! at a million facts, half of the picture's allocations were of 24 bytes or
//! less. Kept inline, they cost no allocation to decode, clone or drop, and no
//! allocator header (docs/performance.md, round 12). `Text` is [`CompactString`]
//! behind a type of our own so that it encodes exactly as a `String` does — the
//! same canonical bytes (length, then UTF-8) and the same JSON — and derefs to
//! `str` for everything else.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bincode::de::read::Reader;
use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A string that keeps short texts inline; encodes as a `String`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(CompactString);

/// The longest text kept inline.
const INLINE: usize = std::mem::size_of::<String>();

impl Text {
    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(CompactString::new(text))
    }
}

impl From<String> for Text {
    /// Keeps the `String`'s buffer when the text is too long to be inline.
    fn from(text: String) -> Text {
        Text(CompactString::from(text))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0.into_string()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl bincode::Encode for Text {
    /// As a `String`: its length (varint), then its UTF-8 bytes.
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        self.as_bytes().encode(encoder)
    }
}

impl<Context> bincode::Decode<Context> for Text {
    /// As a `String` decodes, but a short text is read into a buffer on the
    /// stack and kept inline: no allocation.
    fn decode<D: Decoder<Context = Context>>(decoder: &mut D) -> Result<Text, DecodeError> {
        let len = u64::decode(decoder)?;
        let len = usize::try_from(len).map_err(|_| DecodeError::OutsideUsizeRange(len))?;
        decoder.claim_container_read::<u8>(len)?;
        if len <= INLINE {
            let mut buffer = [0u8; INLINE];
            let bytes = &mut buffer[..len];
            decoder.reader().read(bytes)?;
            let text = std::str::from_utf8(bytes).map_err(|inner| DecodeError::Utf8 { inner })?;
            return Ok(Text::from(text));
        }
        let mut bytes = vec![0u8; len];
        decoder.reader().read(&mut bytes)?;
        let text = String::from_utf8(bytes).map_err(|e| DecodeError::Utf8 {
            inner: e.utf8_error(),
        })?;
        Ok(Text::from(text))
    }
}

bincode::impl_borrow_decode!(Text);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;

    /// Short, exactly inline-sized, long and non-ASCII texts encode to the
    /// bytes a `String` encodes to, and decode back.
    #[test]
    fn encodes_and_decodes_as_a_string_does() {
        for text in [
            "",
            "IQ",
            "s6/isw-0/source",
            "exactly twenty-four byte",
            "twenty-five bytes, just so",
            "Kata'ib Hezbollah — \u{643}\u{62a}\u{627}\u{626}\u{628} \u{62d}\u{632}\u{628} \u{627}\u{644}\u{644}\u{647}",
        ] {
            let as_string = codec::encode_state(&text.to_owned());
            let as_text = codec::encode_state(&Text::from(text));
            assert_eq!(as_text, as_string, "{text:?}");
            let back: Text = codec::decode_state(&as_string).unwrap();
            assert_eq!(back, text);
            assert_eq!(
                serde_json::to_string(&Text::from(text)).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }

    /// Bytes that are not UTF-8 are refused, inline-sized or not.
    #[test]
    fn refuses_bytes_that_are_not_utf8() {
        for len in [3usize, 40] {
            let mut bytes = codec::encode_state(&"a".repeat(len));
            *bytes.last_mut().unwrap() = 0xff;
            assert!(codec::decode_state::<Text>(&bytes).is_err(), "{len}");
        }
    }

    /// Texts order and compare as their `str`s do.
    #[test]
    fn orders_as_str() {
        let mut texts: Vec<Text> = ["b", "a", "ab", "twenty-five bytes, just so"]
            .into_iter()
            .map(Text::from)
            .collect();
        texts.sort();
        let strs: Vec<&str> = texts.iter().map(Text::as_str).collect();
        assert_eq!(strs, ["a", "ab", "b", "twenty-five bytes, just so"]);
    }
}
