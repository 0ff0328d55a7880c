//! Fuzzes `codec::decode_entry`, the decoder of every stored entry and of the
//! entry carried in a proof file: it must never panic, and whatever it accepts
//! must be canonical — re-encoding gives back exactly the input bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sitrep::codec;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(entry) = codec::decode_entry(bytes) {
        assert_eq!(codec::encode_entry(&entry), bytes, "a non-canonical entry decoded");
    }
});
