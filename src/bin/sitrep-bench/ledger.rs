//! sitrep's side of the bulk figures, through the library's public API only, the
//! way `sitrep` itself calls it: the streamed bulk import, a rebuild of the
//! picture followed by every view (as `src/cli/project.rs` computes a view), and
//! an as-of query. Used in the benchmark process and in its child processes.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use sitrep::journal::Journal;
use sitrep::projection::picture::Picture;
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::tallies::Details;
use sitrep::projection::views::{Params, View};
use sitrep::projection::{engine, materialised, replay};

use crate::workload::{chunks, clock, options, ORIGIN};

/// Streams the corpus of `n` facts into a fresh ledger in `dir`, one
/// non-durable append per chunk, then one flush. Returns the open ledger and the
/// time spent in `append` and `flush` (generating the corpus is not counted).
pub fn import(dir: &Path, seed: u64, n: u64) -> anyhow::Result<(Journal, Duration)> {
    let mut journal = Journal::init(dir, ORIGIN).context("creating the ledger")?;
    let clock = clock();
    let options = options(false);
    let mut elapsed = Duration::ZERO;
    for chunk in chunks(seed, n) {
        let started = Instant::now();
        journal
            .append(chunk, &clock, &options)
            .context("appending a chunk of the corpus")?;
        elapsed += started.elapsed();
    }
    let started = Instant::now();
    journal.flush().context("flushing the ledger")?;
    elapsed += started.elapsed();
    let size = journal.head().size;
    if size != n {
        bail!(
            "the corpus of {n} facts made a ledger of {size} entries (duplicates in the corpus?)"
        );
    }
    Ok((journal, elapsed))
}

/// Rebuilds the picture from the log and computes every view (incidents,
/// tallies, pauses, counts, statements, revisions, timeline) and its digest
/// with the parameters `sitrep replay` uses (`replay::digest_params`: the
/// defaults, without display cells, rows digested as they come) and as it
/// does (`View::each`: incidents, then the six others side by side), calling
/// `report` as each part finishes: `rebuild`, `resolve`, then `views` (the
/// wall time of all seven). Returns the number of rows across the views and
/// each view's own time (the six overlap).
pub fn replay_reporting(
    journal: &Journal,
    report: &mut dyn FnMut(&str, Duration) -> anyhow::Result<()>,
) -> anyhow::Result<(usize, Vec<(&'static str, Duration)>)> {
    let started = Instant::now();
    let picture = engine::rebuild(journal).context("rebuilding the picture")?;
    report("rebuild", started.elapsed())?;
    let started = Instant::now();
    let resolved = Resolved::new(&picture);
    report("resolve", started.elapsed())?;
    let params = replay::digest_params();
    let started = Instant::now();
    let built = View::each(|view| {
        let started = Instant::now();
        let table = view.build(&resolved, &params);
        std::hint::black_box(table.digest());
        (view.name(), table.row_count(), started.elapsed())
    });
    report("views", started.elapsed())?;
    let rows = built.iter().map(|(_, rows, _)| rows).sum();
    Ok((
        rows,
        built.into_iter().map(|(name, _, d)| (name, d)).collect(),
    ))
}

/// The names of the parts [`replay_reporting`] reports, in order.
pub fn replay_parts() -> Vec<&'static str> {
    vec!["rebuild", "resolve", "views"]
}

/// The tallies view of a picture (rows).
pub fn tallies(picture: &Picture) -> usize {
    let resolved = Resolved::new(picture);
    std::hint::black_box(View::Tallies.build(&resolved, &Params::default()))
        .rows
        .len()
}

/// `project --json tallies --as-of-seq seq` as the CLI computes it: counted
/// from the materialised table's history (which the first query builds).
pub fn tallies_as_of(journal: &Journal, seq: u64) -> anyhow::Result<usize> {
    let (table, _) =
        materialised::history::tallies_at(journal, seq + 1, &Params::default(), Details::Full)
            .context("counting tallies as of a seq")?;
    Ok(std::hint::black_box(table).rows.len())
}
