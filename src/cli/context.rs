//! What every command needs from the environment: the ledger path, the output
//! mode, the clock and who is recording. Read once, here, so that commands take
//! validated values and tests can fix "now" with `SITREP_NOW`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sitrep::journal::Journal;
use sitrep::time::{Clock, FixedClock, SystemClock, Timestamp};

/// The ledger used when neither `--ledger` nor `SITREP_LEDGER` is given.
pub const DEFAULT_LEDGER: &str = "sitrep.ledger";

/// Settings shared by every command.
pub struct Context {
    ledger: Option<PathBuf>,
    /// `--json` was given.
    pub json: bool,
}

impl Context {
    /// From the global options.
    pub fn new(ledger: Option<PathBuf>, json: bool) -> Context {
        Context { ledger, json }
    }

    /// The ledger directory, with the default applied.
    pub fn ledger_path(&self) -> PathBuf {
        self.ledger
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_LEDGER))
    }

    /// The ledger directory only if the user named one.
    pub fn explicit_ledger(&self) -> Option<&Path> {
        self.ledger.as_deref()
    }

    /// Opens the ledger.
    pub fn open(&self) -> anyhow::Result<Journal> {
        Ok(Journal::open(&self.ledger_path())?)
    }

    /// The clock: `SITREP_NOW` (RFC 3339) when set, else the system clock.
    pub fn clock(&self) -> anyhow::Result<Box<dyn Clock>> {
        match std::env::var("SITREP_NOW") {
            Ok(text) => {
                let now = Timestamp::parse(&text)
                    .with_context(|| format!("SITREP_NOW=`{text}` is not an RFC 3339 time"))?;
                Ok(Box::new(FixedClock(now)))
            }
            Err(_) => Ok(Box::new(SystemClock)),
        }
    }
}

/// Who is recording: `--recorded-by`, else `SITREP_RECORDED_BY`, else `$USER`.
pub fn recorded_by(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("SITREP_RECORDED_BY").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
