//! Fuzzes `ProofFile::parse` and the verifiers behind `sitrep verify-proof`: a
//! proof file comes from whoever hands it over, so parsing and verifying any
//! text must return a result, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sitrep::proofs::ProofFile;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(proof) = ProofFile::parse(&text) {
        match &proof {
            ProofFile::Inclusion(p) => drop(p.verify()),
            ProofFile::Consistency(p) => drop(p.verify()),
        }
        let _ = proof.roots();
        // What parses re-renders, and the rendering parses to the same proof.
        let again = ProofFile::parse(&proof.to_text()).expect("a rendered proof parses");
        assert_eq!(again, proof);
    }
});
