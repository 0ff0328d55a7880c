//! Fuzzes `SignedCheckpoint::parse` and `verify`: a signed checkpoint is read
//! from a file someone else wrote, so any text must parse or be refused, never
//! panic; what parses re-renders to exactly the bytes it came from.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sitrep::note::{SignedCheckpoint, SigningKey, VerifierKey};

fn verifier() -> &'static VerifierKey {
    static KEY: OnceLock<VerifierKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_seed("fuzz.example/sitrep", [7; 32])
            .expect("a valid key name")
            .verifier()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(checkpoint) = SignedCheckpoint::parse(&text) {
        assert_eq!(checkpoint.to_text(), text, "a parsed checkpoint re-rendered differently");
        let _ = checkpoint.verify(verifier());
    }
});
