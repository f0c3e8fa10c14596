//! Output to a reader that goes away (`ckptsim run … | head`) is dropped, not a crash.

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
