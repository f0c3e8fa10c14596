//! The `ckptsim` binary: parse the command line, call the library, map errors
//! to exit codes (2: bad input, 1: a failed check, 0: success).

use std::process::ExitCode;

fn main() -> ExitCode {
    ckptsim::cli::main()
}
