//! The `ckptsim` binary: parse the command line, call the library, and map
//! any error to an exit code in this one place (2: bad input, 1: a failed
//! check, 0: success), printing it once to stderr, without a backtrace.

use ckptsim::cli::{Cli, execute};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match execute(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}
