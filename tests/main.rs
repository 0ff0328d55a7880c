//! The one integration-test binary (`autotests = false`): end-to-end tests that
//! run the real `sitrep` binary, and the known-answer vectors.

// Helpers outside #[test] functions panic on purpose: a panic is a failing test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail by panicking"
)]

mod cli_bad_input;
mod cli_end_to_end;
mod cli_projections;
mod common;
mod docs_examples;
mod projection_properties;
mod vectors;
