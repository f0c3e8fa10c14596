//! Writers for a run's output files: `summary.json`, `checkpoints.csv`,
//! `failures.csv`, `timeseries.csv`, `faults.toml`, `perf.json` and
//! `timeline.png`.
//!
//! Every file is written whole or not at all: the bytes go to a hidden temp
//! file in the target's directory, which is then renamed over the target; on
//! any error the temp file is removed. All files except `perf.json` are
//! byte-identical for identical [`RunResult`]s (no timestamps, no hash-ordered
//! maps, floats formatted by ryu). This room only formats and writes; it never
//! computes results and knows nothing of the simulator.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{CheckpointOutcome, CheckpointRecord, FailureRecord, Perf, RunResult, Sample};
use crate::plot::PlotError;

/// Writes every output file of a run into `dir` (created if missing) and returns their paths in writing order.
pub fn write_outputs(dir: &Path, result: &RunResult, perf: &Perf) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut written = Vec::with_capacity(7);
    let mut put = |name: &str, bytes: Vec<u8>| -> io::Result<()> {
        let path = dir.join(name);
        write_atomic(&path, &bytes)?;
        written.push(path);
        Ok(())
    };
    put("summary.json", json_bytes(&result.summary)?)?;
    put(
        "checkpoints.csv",
        csv_bytes(&empty_checkpoint(), &result.checkpoints)?,
    )?;
    put(
        "failures.csv",
        csv_bytes(&empty_failure(), &result.failures)?,
    )?;
    put(
        "timeseries.csv",
        csv_bytes(&empty_sample(), &result.samples)?,
    )?;
    put("faults.toml", result.faults_toml.clone().into_bytes())?;
    put("perf.json", json_bytes(perf)?)?;

    let png = dir.join("timeline.png");
    crate::plot::timeline(&png, result).map_err(plot_to_io)?;
    written.push(png);
    Ok(written)
}

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

/// Keeps an I/O error's kind; wraps drawing and font errors as `Other`.
fn plot_to_io(err: PlotError) -> io::Error {
    match err {
        PlotError::Io(e) => e,
        other => io::Error::other(other),
    }
}

/// Pretty JSON with a trailing newline.
fn json_bytes<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// CSV with a header row taken from `shape`'s field names (written even when
/// `rows` is empty), then one row per record.
fn csv_bytes<T: Serialize>(shape: &T, rows: &[T]) -> io::Result<Vec<u8>> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    out.write_record(&header_of(shape)?).map_err(csv_to_io)?;
    for row in rows {
        out.serialize(row).map_err(csv_to_io)?;
    }
    out.into_inner()
        .map_err(|e| io::Error::other(e.to_string()))
}

/// The header the csv crate derives for `T`, in field order.
fn header_of<T: Serialize>(shape: &T) -> io::Result<csv::StringRecord> {
    let mut probe = csv::Writer::from_writer(Vec::new());
    probe.serialize(shape).map_err(csv_to_io)?;
    let bytes = probe
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    reader.headers().cloned().map_err(csv_to_io)
}

fn csv_to_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        kind => io::Error::other(format!("{kind:?}")),
    }
}

// Zero-valued records used only to learn the CSV headers. Listing every field
// here makes a new field in `metrics.rs` a compile error until it is added.

fn empty_checkpoint() -> CheckpointRecord {
    CheckpointRecord {
        id: 0,
        trigger_s: 0.0,
        end_s: 0.0,
        duration_s: 0.0,
        start_delay_s_max: 0.0,
        alignment_s_max: 0.0,
        sync_s_max: 0.0,
        async_s_max: 0.0,
        state_bytes: 0,
        persisted_inflight_bytes: 0,
        outcome: CheckpointOutcome::Completed,
    }
}

fn empty_failure() -> FailureRecord {
    FailureRecord {
        index: 0,
        time_s: 0.0,
        kind: crate::metrics::FailureKind::TaskFailure,
        target: String::new(),
        detection_s: 0.0,
        restart_delay_s: 0.0,
        deploy_s: 0.0,
        restore_s: 0.0,
        restored_checkpoint: 0,
        lost_work_s: 0.0,
        records_replayed: 0,
        restarted_tasks: 0,
        restarts: 0,
        downtime_s: 0.0,
        catch_up_s: 0.0,
        recovery_s: 0.0,
        interval_s: 0.0,
        model_t_plus_r_s: 0.0,
        model_half_t_plus_r_s: 0.0,
    }
}

fn empty_sample() -> Sample {
    Sample {
        time_s: 0.0,
        source_records_per_s: 0.0,
        sink_records_per_s: 0.0,
        committed_records_per_s: 0.0,
        source_lag_records: 0,
        checkpoints_in_flight: 0,
        tasks_running: 0,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::{FailureKind, JobStatus, RunSummary};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh, empty directory under the system temp dir.
    pub(crate) fn scratch_dir(tag: &str) -> PathBuf {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("ckptsim-test-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    /// A small hand-built run: 60 s, 5 checkpoints of every outcome, two failures.
    pub(crate) fn sample_result() -> RunResult {
        let ckpt = |id: u64, trigger_s: f64, end_s: f64, outcome| CheckpointRecord {
            id,
            trigger_s,
            end_s,
            duration_s: end_s - trigger_s,
            start_delay_s_max: 0.05,
            alignment_s_max: 0.2,
            sync_s_max: 0.01,
            async_s_max: 1.5,
            state_bytes: 64 << 20,
            persisted_inflight_bytes: 0,
            outcome,
        };
        use CheckpointOutcome::*;
        let checkpoints = vec![
            ckpt(1, 0.5, 2.5, Completed),
            ckpt(2, 10.5, 13.0, Completed),
            ckpt(3, 20.5, 24.0, Declined),
            ckpt(4, 30.0, 38.0, Subsumed),
            ckpt(5, 36.0, 39.0, Completed),
            ckpt(6, 46.0, 56.0, Expired),
            ckpt(7, 58.0, 60.0, Pending),
        ];
        let failure =
            |index: u32, time_s: f64, kind: FailureKind, target: &str, downtime_s: f64| {
                FailureRecord {
                    index,
                    time_s,
                    kind,
                    target: target.to_owned(),
                    detection_s: 0.1,
                    restart_delay_s: 1.0,
                    deploy_s: 0.5,
                    restore_s: downtime_s - 1.6,
                    restored_checkpoint: 2,
                    lost_work_s: time_s - 10.5,
                    records_replayed: 120_000,
                    restarted_tasks: 8,
                    restarts: 1,
                    downtime_s,
                    catch_up_s: 6.0,
                    recovery_s: downtime_s + 6.0,
                    interval_s: 10.0,
                    model_t_plus_r_s: 10.0 + downtime_s,
                    model_half_t_plus_r_s: 5.0 + downtime_s,
                }
            };
        let failures = vec![
            failure(0, 22.0, FailureKind::TaskFailure, "aggregate[1]", 3.0),
            failure(1, 41.0, FailureKind::TaskmanagerLoss, "tm-1", 4.5),
        ];
        // Sources read 20k records/s (30k while catching up, 0 while down);
        // a 2PC sink commits everything since the last commit when a
        // checkpoint completes.
        let mut samples = Vec::new();
        let (mut lag, mut uncommitted) = (0u64, 0.0);
        for i in 1..=120u32 {
            let t = f64::from(i) * 0.5;
            let within = |f: &FailureRecord, from: f64, to: f64| {
                t > f.time_s + from && t <= f.time_s + f.downtime_s + to
            };
            let down = failures.iter().any(|f| within(f, 0.0, 0.0));
            let catching_up = failures.iter().any(|f| within(f, f.downtime_s, 6.0));
            let read = match (down, catching_up) {
                (true, _) => 0.0,
                (false, true) => 30_000.0,
                (false, false) => 20_000.0,
            };
            lag = (lag as f64 + (20_000.0 - read) * 0.5).max(500.0) as u64;
            uncommitted += read * 0.98 * 0.5;
            let commits = checkpoints.iter().any(|c| {
                c.outcome == CheckpointOutcome::Completed && c.end_s > t - 0.5 && c.end_s <= t
            });
            let committed = if commits {
                std::mem::take(&mut uncommitted) / 0.5
            } else {
                0.0
            };
            samples.push(Sample {
                time_s: t,
                source_records_per_s: read,
                sink_records_per_s: read * 0.98,
                committed_records_per_s: committed,
                source_lag_records: lag,
                checkpoints_in_flight: 1,
                tasks_running: if down { 0 } else { 8 },
            });
        }
        RunResult {
            summary: RunSummary {
                scenario: "wordcount-small".to_owned(),
                seed: 42,
                sim_seconds: 60.0,
                events: 12_345,
                job_status: JobStatus::Finished,
                failure_cause: None,
                checkpoints_completed: 3,
                checkpoints_failed: 2,
                mean_checkpoint_s: 2.5,
                failures: 2,
                mean_downtime_s: 3.75,
                mean_recovery_s: 9.75,
                records_replayed: 240_000,
                records_read: 1_100_000,
                records_committed: 1_050_000,
                throughput_records_per_s: 18_333.3,
                guarantee: crate::metrics::Guarantee::ExactlyOnce,
                guarantee_held: true,
                exactly_once: true,
                duplicates: 0,
                lost_records: 0,
                uncommitted_visible: 0,
                first_problem: None,
                out_of_order: 0,
                state_mismatch: 0,
                invariant_violations: Vec::new(),
                downtime_s_total: 7.5,
            },
            checkpoints,
            failures,
            samples,
            faults_toml: "[[faults.scripted]]\nat = \"22s\"\nkind = \"task-failure\"\n".to_owned(),
            committed: Vec::new(),
            final_state: Vec::new(),
        }
    }

    fn perf() -> Perf {
        Perf {
            wall_s: 0.25,
            events_per_s: 49_380.0,
            speedup: 240.0,
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_every_file_and_no_temp_files() {
        let dir = scratch_dir("write-files");
        let out = dir.join("run"); // not yet created
        let paths = write_outputs(&out, &sample_result(), &perf()).expect("write");
        let names: Vec<_> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "summary.json",
                "checkpoints.csv",
                "failures.csv",
                "timeseries.csv",
                "faults.toml",
                "perf.json",
                "timeline.png",
            ]
        );
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(listing(&out), sorted, "no temp files left behind");
        let summary = fs::read_to_string(out.join("summary.json")).unwrap();
        assert!(summary.starts_with("{\n  \"scenario\": \"wordcount-small\",\n"));
        assert!(summary.ends_with("}\n"));
        assert_eq!(
            fs::read_to_string(out.join("faults.toml")).unwrap(),
            sample_result().faults_toml
        );
        let series = fs::read_to_string(out.join("timeseries.csv")).unwrap();
        assert_eq!(series.lines().count(), 1 + 120);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn identical_results_give_identical_bytes() {
        let dir = scratch_dir("write-determinism");
        let (a, b) = (dir.join("a"), dir.join("b"));
        write_outputs(&a, &sample_result(), &perf()).expect("write a");
        let other_perf = Perf {
            wall_s: 9.0,
            ..perf()
        };
        write_outputs(&b, &sample_result(), &other_perf).expect("write b");
        for name in listing(&a) {
            let same = fs::read(a.join(&name)).unwrap() == fs::read(b.join(&name)).unwrap();
            assert_eq!(same, name != "perf.json", "{name}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn csv_headers_are_the_field_names_in_order() {
        let dir = scratch_dir("write-headers");
        let mut result = sample_result();
        result.failures.clear(); // header must still be written
        write_outputs(&dir, &result, &perf()).expect("write");
        let first_line = |name: &str| {
            let text = fs::read_to_string(dir.join(name)).unwrap();
            text.lines().next().unwrap_or_default().to_owned()
        };
        assert_eq!(
            first_line("checkpoints.csv"),
            "id,trigger_s,end_s,duration_s,start_delay_s_max,alignment_s_max,sync_s_max,\
             async_s_max,state_bytes,persisted_inflight_bytes,outcome"
        );
        let failures = fs::read_to_string(dir.join("failures.csv")).unwrap();
        assert_eq!(failures.lines().count(), 1);
        assert!(failures.starts_with("index,time_s,kind,target,detection_s,"));
        assert_eq!(
            first_line("timeseries.csv"),
            "time_s,source_records_per_s,sink_records_per_s,committed_records_per_s,\
             source_lag_records,checkpoints_in_flight,tasks_running"
        );
        let rows = fs::read_to_string(dir.join("checkpoints.csv")).unwrap();
        assert_eq!(
            rows.lines().nth(1),
            Some("1,0.5,2.5,2.0,0.05,0.2,0.01,1.5,67108864,0,completed")
        );
        let _ = fs::remove_dir_all(&dir);
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
