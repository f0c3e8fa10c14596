//! A sweep's journal, `runs.journal.csv`: each finished run's row is
//! appended and flushed as soon as it is done, so an interrupted sweep can be
//! resumed without redoing it. Same format as `runs.csv` ([`super::tables`]).
//!
//! Owns the journal file only; which runs to do and when the sweep is done
//! belong to `sweep`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::files::write_atomic;
use super::tables::{TableError, csv_line, read_runs_checked, run_line, runs_bytes};
use crate::metrics::sweep_rows::RunRow;

/// Rows appended between two syncs to disk.
const SYNC_EVERY_ROWS: usize = 32;

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Opening or appending to the journal failed.
    #[error("{}: {source}", path.display())]
    File {
        /// The journal.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Writing the journal's header or its clean copy failed.
    #[error("{0}")]
    Rewrite(#[source] io::Error),
    /// The journal of an interrupted sweep could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    appended: usize,
}

impl Journal {
    /// Opens the journal at `path` for a sweep whose runs.csv has `header`.
    /// With `resume`, the rows already journaled are returned and the file is
    /// rewritten clean (dropping a torn last line); else it starts empty.
    pub fn open(
        path: &Path,
        header: &[String],
        resume: bool,
    ) -> Result<(Self, BTreeMap<usize, RunRow>), JournalError> {
        let done = if resume && path.exists() {
            read_runs_checked(path, header)?
        } else {
            BTreeMap::new()
        };
        let at = |source| JournalError::File {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(!resume)
            .append(resume)
            .open(path)
            .map_err(at)?;
        if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
            file.write_all(&csv_line(header))
                .map_err(JournalError::Rewrite)?;
        } else {
            write_atomic(path, &runs_bytes(header, done.values()))
                .map_err(JournalError::Rewrite)?;
            file = OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(JournalError::Rewrite)?;
        }
        let journal = Self {
            path: path.to_owned(),
            file,
            appended: 0,
        };
        Ok((journal, done))
    }

    /// Appends `row` and flushes it; syncs to disk every [`SYNC_EVERY_ROWS`] rows.
    pub fn append(&mut self, row: &RunRow) -> Result<(), JournalError> {
        self.file
            .write_all(&run_line(row))
            .and_then(|_| self.file.flush())
            .map_err(|source| JournalError::File {
                path: self.path.clone(),
                source,
            })?;
        self.appended += 1;
        if self.appended.is_multiple_of(SYNC_EVERY_ROWS) {
            // Best effort: the flushed row survives a crash of the process anyway.
            let _ = self.file.sync_data();
        }
        Ok(())
    }

    /// Deletes the journal (best effort): the sweep's tables are written.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
