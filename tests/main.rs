//! The one integration-test binary (`autotests = false`): end-to-end tests that
//! run the real `sitrep` binary, and the known-answer vectors.

// Helpers outside #[test] functions panic on purpose: a panic is a failing test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail by panicking"
)]

mod audit_tamper;
mod cli_audit;
mod cli_bad_input;
mod cli_end_to_end;
mod cli_export;
mod cli_projections;
mod common;
mod docs_examples;
mod format_example;
mod merkle_vectors;
mod projection_properties;
mod vectors;
