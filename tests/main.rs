//! The one integration-test binary (`autotests = false`): end-to-end tests that
//! run the real `sitrep` binary, and the known-answer vectors.

mod cli_bad_input;
mod cli_end_to_end;
mod common;
mod docs_examples;
mod vectors;
