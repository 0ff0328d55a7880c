//! The `sitrep` binary: parse the command line, run it, map the outcome to an exit
//! code (docs/cli.md). Everything else lives in `cli/` and the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
