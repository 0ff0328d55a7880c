//! The command line of `sitrep-bench`: flags parsed by clap, then validated into a
//! [`Plan`] (which sizes, how many samples, where to build) before any work
//! starts. The hidden `child` subcommand is how the benchmark re-runs itself to
//! measure the peak memory of one job in a process of its own (see `rss`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// The ledger size of a plain run.
pub const DEFAULT_FACTS: u64 = 1_000_000;
/// The ledger size of `--quick`.
pub const QUICK_FACTS: u64 = 200_000;
/// The sizes of `--scaling` without `--sizes`.
pub const SCALING_SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];
/// The smallest ledger the figures make sense on (proofs need old sizes below N,
/// samples need distinct seqs).
pub const MIN_FACTS: u64 = 1_000;

/// sitrep-bench — the performance table of issue 6: every figure measured in this
/// run beside a baseline (sitrep's own parts: raw sled, BLAKE3, an in-memory tree)
/// and a SQLite peer (a table of JSON rows with a hash chain), with its goal.
#[derive(Debug, Parser)]
#[command(name = "sitrep-bench", version, max_term_width = 100)]
pub struct Cli {
    /// Facts in the ledger; accepts 20000, 20_000, 200k or 1M [default: 1M].
    #[arg(long, value_name = "N", value_parser = parse_count,
          conflicts_with_all = ["sizes", "scaling"])]
    facts: Option<u64>,

    /// 200k facts and fewer samples: the whole table in well under a minute.
    #[arg(long)]
    quick: bool,

    /// One table per size (10k, 100k, 1M, or --sizes) and a per-fact summary.
    #[arg(long)]
    scaling: bool,

    /// The sizes of --scaling, comma-separated (implies --scaling).
    #[arg(long, value_delimiter = ',', value_name = "N,N,..", value_parser = parse_count)]
    sizes: Vec<u64>,

    /// Seed of the synthetic corpus (`sitrep::synth::Corpus`).
    #[arg(long, default_value_t = 6, value_name = "SEED")]
    seed: u64,

    /// Where to build the ledgers: a fresh directory is made inside DIR and
    /// removed at the end [default: the system temp directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Print the rows as JSON Lines instead of tables.
    #[arg(long)]
    json: bool,

    /// Stop any child process (a replay or import child, a `sitrep` command)
    /// still running after this many seconds [default: 30 with --quick, else 600].
    #[arg(long, value_name = "SECS")]
    child_timeout: Option<u64>,

    /// Stop any child process whose resident memory passes this many MiB (the
    /// machine is shared; the goal is 512).
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    child_memory_mib: u64,

    #[command(subcommand)]
    child: Option<Command>,
}

/// The hidden subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one job and print its peak resident memory (used by the benchmark).
    #[command(hide = true)]
    Child(ChildArgs),
}

/// One job run in a child process.
#[derive(Clone, Debug, ClapArgs, PartialEq, Eq)]
pub struct ChildArgs {
    /// Which job.
    #[arg(value_enum)]
    pub job: Job,
    /// The ledger directory (import creates it, replay opens it).
    #[arg(long, value_name = "DIR")]
    pub ledger: Option<PathBuf>,
    /// Facts to import or to stream.
    #[arg(long, default_value_t = 0, value_parser = parse_count)]
    pub facts: u64,
    /// Corpus seed.
    #[arg(long, default_value_t = 6)]
    pub seed: u64,
}

/// What a child measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Job {
    /// Import the corpus into a fresh ledger, as figure 1 does.
    Import,
    /// Rebuild every projection of a ledger, as figure 2 does.
    Replay,
    /// Only generate the corpus (the baseline: what the generator alone costs).
    Stream,
}

/// How many samples each figure takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Samples {
    /// Figure 4: single durable appends.
    pub single_appends: usize,
    /// Figure 5: appends each followed by an incremental update.
    pub incremental: usize,
    /// Figure 6: as-of queries at random seqs.
    pub as_of: usize,
    /// Figure 6 baseline: rebuilds at the head.
    pub as_of_baseline: usize,
    /// Figure 7: proofs of each kind.
    pub proofs: usize,
    /// Figure 10: timed runs of each command.
    pub cli_runs: usize,
    /// After this much time a sampling loop stops, once it has a few samples
    /// (`stats::sample`).
    pub budget: Duration,
}

impl Samples {
    /// The full counts, or the smaller ones of `--quick`.
    pub fn new(quick: bool) -> Samples {
        Samples {
            single_appends: if quick { 100 } else { 200 },
            incremental: 20,
            as_of: 5,
            as_of_baseline: 3,
            proofs: 1_000,
            cli_runs: if quick { 3 } else { 5 },
            budget: Duration::from_secs(if quick { 3 } else { 60 }),
        }
    }
}

/// What the user asked for, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Measure and print.
    Bench(Plan),
    /// Run one job as a child.
    Child(ChildArgs),
}

/// A validated benchmark run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The ledger sizes, one table each.
    pub sizes: Vec<u64>,
    /// Whether to print the per-size summary.
    pub scaling: bool,
    /// Corpus seed.
    pub seed: u64,
    /// Parent of the working directory.
    pub dir: Option<PathBuf>,
    /// JSON Lines output.
    pub json: bool,
    /// Sample counts.
    pub samples: Samples,
    /// Wall time after which a child process is stopped.
    pub child_timeout: Duration,
    /// Resident memory above which a child process is stopped, MiB.
    pub child_memory_mib: u64,
}

/// Parses and validates `argv` (the program name first).
pub fn parse<I, T>(argv: I) -> anyhow::Result<Request>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(argv)?;
    validate(cli)
}

fn validate(cli: Cli) -> anyhow::Result<Request> {
    if let Some(Command::Child(child)) = cli.child {
        return Ok(Request::Child(child));
    }
    let scaling = cli.scaling || !cli.sizes.is_empty();
    let sizes = if scaling {
        if cli.sizes.is_empty() {
            SCALING_SIZES.to_vec()
        } else {
            cli.sizes
        }
    } else {
        vec![cli.facts.unwrap_or(if cli.quick {
            QUICK_FACTS
        } else {
            DEFAULT_FACTS
        })]
    };
    for &n in &sizes {
        if n < MIN_FACTS {
            bail!("a ledger of {n} facts is too small to measure; use at least {MIN_FACTS}");
        }
    }
    Ok(Request::Bench(Plan {
        sizes,
        scaling,
        seed: cli.seed,
        dir: cli.dir,
        json: cli.json,
        samples: Samples::new(cli.quick),
        child_timeout: Duration::from_secs(cli.child_timeout.unwrap_or(if cli.quick {
            30
        } else {
            600
        })),
        child_memory_mib: cli.child_memory_mib,
    }))
}

/// Reads a count: digits with optional `_` separators and an optional `k` or `M`
/// suffix (`200k`, `1M`, `1_000_000`).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a count (e.g. 20000, 200k, 1M)");
    let (digits, scale) = match text.strip_suffix(['k', 'K']) {
        Some(rest) => (rest, 1_000),
        None => match text.strip_suffix('M') {
            Some(rest) => (rest, 1_000_000),
            None => (text, 1),
        },
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(args: &[&str]) -> Plan {
        let argv = std::iter::once("sitrep-bench").chain(args.iter().copied());
        match parse(argv).unwrap() {
            Request::Bench(plan) => plan,
            Request::Child(c) => panic!("expected a plan, got child {c:?}"),
        }
    }

    #[test]
    fn counts_take_separators_and_suffixes() {
        assert_eq!(parse_count("20000"), Ok(20_000));
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_count("200k"), Ok(200_000));
        assert_eq!(parse_count("1M"), Ok(1_000_000));
        assert!(parse_count("").is_err());
        assert!(parse_count("k").is_err());
        assert!(parse_count("1.5M").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("99999999999999999999").is_err());
    }

    #[test]
    fn sizes_follow_the_flags() {
        assert_eq!(plan(&[]).sizes, vec![DEFAULT_FACTS]);
        let quick = plan(&["--quick"]);
        assert_eq!(quick.sizes, vec![QUICK_FACTS]);
        assert_eq!(quick.samples.single_appends, 100);
        assert_eq!(quick.child_timeout, Duration::from_secs(30));
        assert_eq!(plan(&[]).child_timeout, Duration::from_secs(600));
        assert_eq!(
            plan(&["--child-timeout", "5"]).child_timeout,
            Duration::from_secs(5)
        );
        assert_eq!(plan(&["--facts", "20000"]).sizes, vec![20_000]);
        let scaling = plan(&["--scaling"]);
        assert!(scaling.scaling);
        assert_eq!(scaling.sizes, SCALING_SIZES.to_vec());
        let sizes = plan(&["--sizes", "10k,100000"]);
        assert!(sizes.scaling);
        assert_eq!(sizes.sizes, vec![10_000, 100_000]);
        assert_eq!(plan(&["--seed", "9", "--json"]).seed, 9);
    }

    #[test]
    fn bad_requests_are_refused_before_any_work() {
        let argv = |args: &[&str]| {
            parse(std::iter::once("sitrep-bench").chain(args.iter().copied())).is_err()
        };
        assert!(argv(&["--facts", "10"]));
        assert!(argv(&["--facts", "1000", "--sizes", "2000"]));
        assert!(argv(&["--facts", "lots"]));
        assert!(argv(&["--frobnicate"]));
    }

    #[test]
    fn the_hidden_child_subcommand_parses() {
        let request = parse([
            "sitrep-bench",
            "child",
            "import",
            "--ledger",
            "/tmp/x",
            "--facts",
            "5k",
        ])
        .unwrap();
        assert_eq!(
            request,
            Request::Child(ChildArgs {
                job: Job::Import,
                ledger: Some(PathBuf::from("/tmp/x")),
                facts: 5_000,
                seed: 6,
            })
        );
    }
}
