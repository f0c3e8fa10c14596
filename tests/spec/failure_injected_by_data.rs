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
    // 1,000 records/s: record 5,000 is appended at 5.001 s; the source's next poll reads
    // it, the output flusher (100 ms) sends the buffer holding it, and the sink throws
    // when it processes that buffer: at 5.197260902 s (seed 1's deployment times).
    assert_eq!(f.time_s, 5.197260902);
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
    // holds for the next buffer the sink processes, just after 20 s.
    let late = TRAP.replace("at = \"0s\"", "at = \"20s\"");
    assert_ne!(late, TRAP);
    let r = run(&tiny(), &[late.as_str()]);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].time_s, 20.076660902);
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
