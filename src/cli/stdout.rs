//! Printing to standard output that survives a closed pipe (`ckptsim run … | head`):
//! once the reader has gone, further output is dropped and the command carries on
//! (its results are still written, its exit code still says how it ended).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output's reader has gone.
static GONE: AtomicBool = AtomicBool::new(false);

/// Writes `args` to standard output, unless its reader has gone; a broken pipe
/// silences the rest instead of panicking as `print!` does.
pub(crate) fn write(args: std::fmt::Arguments) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.flush())
        && e.kind() == ErrorKind::BrokenPipe
    {
        GONE.store(true, Ordering::Relaxed);
    }
}

/// `print!` that survives a closed pipe.
macro_rules! say {
    ($($t:tt)*) => { $crate::cli::stdout::write(format_args!($($t)*)) };
}

/// `println!` that survives a closed pipe.
macro_rules! sayln {
    ($($t:tt)*) => { $crate::cli::stdout::write(format_args!("{}\n", format_args!($($t)*))) };
}

pub(crate) use {say, sayln};
