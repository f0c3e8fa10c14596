//! The binary and the files users run: output to a reader that goes away
//! (`ckptsim run … | head`) is dropped, not a crash; every committed scenario loads.

#[test]
fn a_reader_that_goes_away_does_not_crash_the_run() {
    // `ckptsim run … | head -1`: the pipe closes after the first line; the run still
    // writes its results and ends with its own exit code, without a panic.
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = crate::common::scratch("closed-pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ckptsim"))
        .args(["run", "scenarios/tiny.toml", "--out"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("spawn ckptsim");
    // Read nothing and close the pipe at once.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
    assert!(dir.join("checkpoints.csv").exists());
    assert!(dir.join("summary.json").exists());
}

#[test]
fn every_committed_scenario_is_valid() {
    // A scenario the README points to must load: parse and validate each file.
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let label = f.to_str().unwrap();
        if let Err(e) = ckptsim::scenario::parse_str(&text, label, &[]) {
            panic!("{label}: {e}");
        }
    }
}
