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
mod crash;
mod docs_examples;
mod environment_faults;
mod fault_injection;
mod format_example;
mod hostile_input;
mod merkle_vectors;
mod model_properties;
mod no_panic;
mod projection_properties;
mod vectors;
