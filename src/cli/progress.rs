//! Progress bars on stderr for long passes (audit, replay, export, import).
//!
//! The library counts entries in a [`Progress`]; [`show`] starts a thread that
//! draws that count with indicatif until the returned guard is dropped. A bar is
//! drawn only when stderr is a terminal and the ledger is large enough for a
//! pass to take noticeable time, so scripts, pipes and tests never see one and
//! stdout is never touched.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sitrep::progress::Progress;

/// Ledgers smaller than this get no bar: the pass ends before one would help.
pub const MIN_ENTRIES: u64 = 50_000;

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// A bar being drawn; dropping it clears the bar and stops its thread.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether a pass over `total` entries (unknown: `None`) gets a bar.
pub fn wanted(stderr_is_terminal: bool, total: Option<u64>) -> bool {
    stderr_is_terminal && total.is_none_or(|n| n >= MIN_ENTRIES)
}

/// Draws `progress` against `total` entries (a counter without an end when the
/// total is unknown, as in an import), labelled `label`, if [`wanted`].
pub fn show(
    label: &'static str,
    total: impl Into<Option<u64>>,
    progress: &Progress,
) -> Option<Bar> {
    let total = total.into();
    if !wanted(std::io::stderr().is_terminal(), total) {
        return None;
    }
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {human_pos}/{human_len} entries ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{prefix} {spinner} {human_pos} entries ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_prefix(label);
    let stop = Arc::new(AtomicBool::new(false));
    let (watched, stopping) = (progress.clone(), Arc::clone(&stop));
    let thread = std::thread::spawn(move || {
        while !stopping.load(Ordering::Relaxed) {
            bar.set_position(watched.done());
            std::thread::sleep(TICK);
        }
        bar.finish_and_clear();
    });
    Some(Bar {
        stop,
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::{wanted, MIN_ENTRIES};

    #[test]
    fn only_a_terminal_and_a_large_ledger_get_a_bar() {
        assert!(!wanted(false, Some(10 * MIN_ENTRIES)));
        assert!(!wanted(false, None));
        assert!(!wanted(true, Some(MIN_ENTRIES - 1)));
        assert!(wanted(true, Some(MIN_ENTRIES)));
        assert!(wanted(true, None));
    }
}
