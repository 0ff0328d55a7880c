//! The command line (DESIGN §7): clap derive, one module per subcommand, doc
//! comments as help text. This is the only layer that prints, uses anyhow, or
//! decides exit codes: 0 success, 1 a check found a problem, 2 error (nothing
//! was written).

mod append;
mod audit;
mod checkpoint;
mod context;
mod demo;
mod export;
mod history;
mod import;
mod init;
mod keygen;
mod keys;
mod log;
mod progress;
mod project;
mod prove;
mod render;
mod replay;
mod show;
mod verify_proof;
mod view_cache;
mod view_output;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// sitrep — a tamper-evident, append-only ledger of reported facts about armed
/// attacks. Every fact keeps its source and three clocks; nothing is rewritten.
#[derive(Debug, Parser)]
#[command(name = "sitrep", version, about, max_term_width = 100)]
pub struct Cli {
    /// The ledger directory [default: $SITREP_LEDGER, else ./sitrep.ledger].
    #[arg(long, global = true, env = "SITREP_LEDGER", value_name = "DIR")]
    ledger: Option<PathBuf>,

    /// Machine-readable output: JSON Lines, one object per entry or result.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(init::Args),
    Append(append::Args),
    Show(show::Args),
    Log(log::Args),
    History(history::Args),
    Project(Box<project::Args>),
    Replay(replay::Args),
    Audit(audit::Args),
    Keygen(keygen::Args),
    Checkpoint(checkpoint::Args),
    #[command(subcommand)]
    Prove(prove::Command),
    VerifyProof(verify_proof::Args),
    Export(export::Args),
    Import(import::Args),
    Demo(demo::Args),
}

/// How a command ended, when it did not fail.
pub enum Outcome {
    /// Did what was asked.
    Success,
    /// Ran, and found a problem it reports (replay --check, audit).
    Problem,
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = run(cli, &mut out).and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Problem) => ExitCode::from(1),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr(), "sitrep: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let ctx = context::Context::new(cli.ledger, cli.json);
    match cli.command {
        Command::Init(args) => init::run(&ctx, args, out),
        Command::Append(args) => append::run(&ctx, args, out),
        Command::Show(args) => show::run(&ctx, args, out),
        Command::Log(args) => log::run(&ctx, args, out),
        Command::History(args) => history::run(&ctx, args, out),
        Command::Project(args) => project::run(&ctx, *args, out),
        Command::Replay(args) => replay::run(&ctx, args, out),
        Command::Audit(args) => audit::run(&ctx, args, out),
        Command::Keygen(args) => keygen::run(&ctx, args, out),
        Command::Checkpoint(args) => checkpoint::run(&ctx, args, out),
        Command::Prove(command) => prove::run(&ctx, command, out),
        Command::VerifyProof(args) => verify_proof::run(&ctx, args, out),
        Command::Export(args) => export::run(&ctx, args, out),
        Command::Import(args) => import::run(&ctx, args, out),
        Command::Demo(args) => demo::run(&ctx, args, out),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
