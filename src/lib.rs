//! sitrep: a tamper-evident, append-only, event-sourced ledger of reported facts
//! about armed attacks.
//!
//! The ledger stores *assertions*, never truth: every entry records who said what,
//! when, in which source (DESIGN §1). Layers, dependencies pointing down only:
//!
//! * `cli` (in the binary, `src/cli/`) — the `sitrep` command line, the only
//!   place that prints or chooses exit codes.
//! * [`projection`] — views recomputed from the entries.
//! * [`proofs`], [`export`] — self-contained proof files; the ledger-jsonl
//!   export and its checked import.
//! * [`journal`] — the ledger: open, append, read; its stored Merkle tree, the
//!   audit and signed checkpoints.
//! * [`merkle`] — the RFC 9162 Merkle tree, its proofs and verifiers (pure).
//! * [`note`] — C2SP signed notes: Ed25519 keys and signed checkpoints (pure).
//! * [`store`] — the storage seam and its sled implementation.
//! * [`fact`], [`entry`], [`codec`], [`hash`], [`time`], [`text`] — pure: the
//!   domain, the canonical encoding, ids, the clock, and the string type of
//!   facts.
//! * [`input`] — the JSON / JSON Lines report format, with located errors.
//! * [`progress`] — a shared count of entries handled, for progress bars.
//! * [`parallel`] — work split across the cores, results in input order.
//! * [`synth`] — a deterministic synthetic corpus for benchmarks and scale tests.

pub mod codec;
pub mod demo;
pub mod entry;
pub mod export;
pub mod fact;
pub mod fast_hash;
pub mod hash;
pub mod input;
pub mod journal;
pub mod merkle;
pub mod note;
pub mod parallel;
pub mod progress;
pub mod projection;
pub mod proofs;
pub mod store;
pub mod streamed_hash;
pub mod synth;
pub mod text;
pub mod time;

pub use entry::{Entry, Seq};
pub use fact::{Fact, FactBody, FactKind};
pub use hash::Id;
pub use journal::Journal;
