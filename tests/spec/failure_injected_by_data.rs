//! A failure injected by data, as Flink's fault-injection tests do it (an
//! operator that throws when it sees a given record): the subtask fails when it
//! processes the record of partition p at offset o or later, once, and the job
//! recovers exactly-once. Faults at a time still work beside it.

use crate::common::{ckptsim, run, scratch};
use ckptsim::metrics::{FailureKind, JobStatus};

fn tiny() -> String {
    std::fs::read_to_string("scenarios/tiny.toml").expect("tiny")
}

/// The sink throws on partition 0's record 5,000, armed from the start.
const TRAP: &str = "faults.scripted=[{ at = \"0s\", task-failure = { task = \"sink\", subtask = 0, partition = 0, offset = 5000 } }]";

#[test]
fn the_subtask_fails_on_the_record_once_and_the_job_recovers_exactly_once() {
    let r = run(&tiny(), &[TRAP]);
    assert_eq!(r.failures.len(), 1, "the trap fires once");
    let f = &r.failures[0];
    assert_eq!(f.kind, FailureKind::RecordFailure);
    assert_eq!(f.target, "sink[0]");
    // 1,000 records/s: record 5,000 is appended at 5.001 s. The caught-up source emits
    // each record as it arrives; its output flusher fires a buffer timeout (100 ms) after
    // the first record written since the last flush, and the sink (local channel: it reads
    // the source's subpartition directly, no latency) then processes what was flushed.
    // The source runs from 0.560860894 s (seed 1's deployment) and reads its backlog in
    // chunks; the flusher fires at 0.787460902 s and the source has then emitted records
    // up to 786; record 787 arrives at 0.788 s, so the flusher fires at 0.888 s and from
    // then on every 101 ms, on whole milliseconds (a checkpoint trigger, which makes the
    // idle source emit what arrived, does not move it): 0.888 + 41 × 0.101 = 5.029 s sends
    // records 4,928..5,028 (appended 4.929..5.029 s), and the sink throws at the end of that
    // 101-record slice, 101 × 0.2 ms (5,000 records/s) later: at 5.0492 s.
    assert_eq!(f.time_s, 5.0492);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
    // The realised schedule replays it.
    assert!(
        r.faults_toml.contains("partition = 0, offset = 5000"),
        "{}",
        r.faults_toml
    );
}

#[test]
fn a_trap_armed_after_its_record_passed_fires_on_the_next_record_past_it() {
    // Armed at 20 s, after record 5,000 went by at about 5 s: "offset 5,000 or later"
    // holds for the next buffer the sink processes after 20 s. The flusher fires at
    // 0.888 + 190 × 0.101 = 20.078 s (as above; the last sink step before 20 s ended at
    // 19.9972 s) with records 19,977..20,077, and the sink throws 101 × 0.2 ms later.
    let late = TRAP.replace("at = \"0s\"", "at = \"20s\"");
    assert_ne!(late, TRAP);
    let r = run(&tiny(), &[late.as_str()]);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].time_s, 20.0982);
}

#[test]
fn partition_without_offset_is_bad_input() {
    let dir = scratch("record-failure-bad");
    let path = dir.join("bad.toml");
    let text = format!(
        "{}\n[[faults.scripted]]\nat = \"1s\"\ntask-failure = {{ task = \"sink\", subtask = 0, partition = 0 }}\n",
        tiny()
    );
    std::fs::write(&path, text).unwrap();
    let out = ckptsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("task-failure"), "{stderr}");
    assert!(stderr.contains("partition and offset"), "{stderr}");
}
