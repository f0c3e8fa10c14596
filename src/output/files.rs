//! Writing a file whole or not at all: the bytes go to a hidden temp file in
//! the target's directory, which is then renamed over the target; on any
//! error the temp file is removed. Every file ckptsim writes goes through
//! here. Knows nothing of what the bytes mean.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temp file in the same directory, then a rename over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |tmp| {
        let mut file = fs::File::create(tmp)?;
        file.write_all(bytes)?;
        file.flush()
    })
}

/// Lets `fill` create the file at a temp path (same directory and extension as `path`), then renames it over `path`; removes the temp file on any error.
pub fn write_atomic_with<E, F>(path: &Path, fill: F) -> Result<(), E>
where
    E: From<io::Error>,
    F: FnOnce(&Path) -> Result<(), E>,
{
    let tmp = temp_path(path)?;
    let outcome = fill(&tmp).and_then(|()| fs::rename(&tmp, path).map_err(E::from));
    if outcome.is_err() {
        // Best effort: the temp file may not exist if `fill` failed early.
        let _ = fs::remove_file(&tmp);
    }
    outcome
}

/// The temp path for `path`: `dir/.<stem>.tmp.<ext>` (the extension is kept
/// last because some encoders pick the format from it).
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file path: {}", path.display()),
        )
    };
    let stem = path.file_stem().ok_or_else(invalid)?.to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!(".{stem}.tmp.{}", ext.to_string_lossy()),
        None => format!(".{stem}.tmp"),
    };
    Ok(path.with_file_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::scratch_dir;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn failed_write_leaves_neither_target_nor_temp() {
        let dir = scratch_dir("write-atomic");
        let target = dir.join("x.json");
        fs::write(&target, b"old").unwrap();
        let err = write_atomic_with(&target, |tmp: &Path| -> io::Result<()> {
            fs::write(tmp, b"half")?;
            Err(io::Error::other("boom"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(fs::read(&target).unwrap(), b"old", "target untouched");
        assert_eq!(listing(&dir), ["x.json"], "temp file removed");
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(listing(&dir), ["x.json"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
