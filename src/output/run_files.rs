//! The files of one run: `summary.json`, `checkpoints.csv`, `failures.csv`,
//! `timeseries.csv`, `faults.toml`, `perf.json` and `timeline.png`.
//!
//! Every file is written whole or not at all ([`super::files`]). All files
//! except `perf.json` are byte-identical for identical [`RunResult`]s (no
//! timestamps, no hash-ordered maps, floats formatted by ryu). Only formats
//! and writes: it never computes results and knows nothing of the simulator.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::chart::PlotError;
use super::files::write_atomic;
use crate::metrics::{CheckpointOutcome, CheckpointRecord, FailureRecord, Perf, RunResult, Sample};

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
    super::timeline::timeline(&png, result).map_err(plot_to_io)?;
    written.push(png);
    Ok(written)
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
        processed_in_alignment_bytes: 0,
        unaligned_subtasks: 0,
        switched_subtasks: 0,
        full_state_bytes: 0,
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
        replay_s: 0.0,
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
mod tests {
    use super::*;
    use crate::metrics::fixture::sample_result;
    use crate::output::scratch_dir;

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
             async_s_max,state_bytes,persisted_inflight_bytes,processed_in_alignment_bytes,\
             unaligned_subtasks,switched_subtasks,full_state_bytes,outcome"
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
            Some("1,0.5,2.5,2.0,0.05,0.2,0.01,1.5,67108864,0,0,0,0,67108864,completed")
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
