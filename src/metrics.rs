//! Results as data: per-checkpoint, per-failure and per-sample records and
//! the run summary of one run, and the rows of the sweep tables
//! ([`sweep_rows`]). Flat structs, seconds as f64 only here at the edge.
//!
//! The simulator fills the run records in; `output` writes them to files and
//! the analysis rooms (sweep, models, report, charts) read them. Nothing here
//! knows the simulator, and nothing here reads or writes a file or draws a
//! chart: this room must not use `output`, `sweep` or any other room that does.

#[cfg(test)]
pub(crate) mod fixture;
pub mod sweep_rows;

use serde::Serialize;

/// How a checkpoint ended (Flink's terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckpointOutcome {
    /// Every task acknowledged and the metadata was written.
    Completed,
    /// The checkpoint timeout passed first.
    Expired,
    /// A task declined it or failed while it was pending (failover).
    Declined,
    /// A later checkpoint completed first.
    Subsumed,
    /// Still pending when the run ended.
    Pending,
}

/// One row of checkpoints.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckpointRecord {
    /// Checkpoint id (grows across restarts, never reused).
    pub id: u64,
    /// Trigger time, seconds since run start.
    pub trigger_s: f64,
    /// Completion or abort time, seconds.
    pub end_s: f64,
    /// End-to-end duration (end - trigger), seconds.
    pub duration_s: f64,
    /// Largest delay from trigger to a task's first barrier, seconds.
    pub start_delay_s_max: f64,
    /// Largest alignment time (first to last barrier at a task), seconds.
    pub alignment_s_max: f64,
    /// Largest synchronous snapshot phase, seconds.
    pub sync_s_max: f64,
    /// Largest asynchronous (upload) phase, seconds.
    pub async_s_max: f64,
    /// Bytes of state uploaded for this checkpoint (Flink's "checkpointed data
    /// size": with incremental checkpoints only the new files).
    pub state_bytes: u64,
    /// Bytes of in-flight data persisted (unaligned checkpoints; 0 when aligned).
    pub persisted_inflight_bytes: u64,
    /// Bytes the tasks processed between their first and last barrier (Flink's
    /// "processed data during alignment"), summed over subtasks.
    pub processed_in_alignment_bytes: u64,
    /// Subtasks that snapshotted unaligned (0: an aligned checkpoint).
    pub unaligned_subtasks: u32,
    /// Subtasks whose alignment passed the aligned checkpoint timeout and switched to unaligned.
    pub switched_subtasks: u32,
    /// Bytes of the whole state the checkpoint holds, shared files of earlier
    /// checkpoints included (Flink's "full checkpoint data size"); `state_bytes`
    /// unless checkpoints are incremental.
    pub full_state_bytes: u64,
    /// How it ended.
    pub outcome: CheckpointOutcome,
}

/// The delivery guarantee a job promises (the oracle decides which, and whether it held).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Guarantee {
    /// No loss, no duplicates, nothing uncommitted visible.
    ExactlyOnce,
    /// No loss.
    AtLeastOnce,
}

impl Guarantee {
    /// The guarantee's name ("exactly-once", "at-least-once").
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ExactlyOnce => "exactly-once",
            Guarantee::AtLeastOnce => "at-least-once",
        }
    }
}

impl std::fmt::Display for Guarantee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What failed: the kind of a failure record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// A task threw (a scripted or drawn task failure).
    TaskFailure,
    /// A subtask threw on a record (a failure injected by data).
    RecordFailure,
    /// A TaskManager process died with all its subtasks.
    TaskmanagerLoss,
    /// More consecutive checkpoint failures than tolerable: the job failed over.
    CheckpointFailure,
}

impl FailureKind {
    /// The kind's name as files show it ("task-failure", ...).
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::TaskFailure => "task-failure",
            FailureKind::RecordFailure => "record-failure",
            FailureKind::TaskmanagerLoss => "taskmanager-loss",
            FailureKind::CheckpointFailure => "checkpoint-failure",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of failures.csv: a failure and the recovery that followed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailureRecord {
    /// 0-based index of the failure in the run.
    pub index: u32,
    /// When the fault struck, seconds.
    pub time_s: f64,
    /// What failed ("task-failure", "taskmanager-loss", "checkpoint-failure").
    pub kind: FailureKind,
    /// What it hit ("aggregate[1]", "tm-1", "job").
    pub target: String,
    /// From the fault to its detection: the JobManager handling it, or for a
    /// TaskManager loss the heartbeat declaring it lost (failed deployments into its
    /// slots happen meanwhile), seconds. Detection, restart delay, deploy and restore
    /// add up to the downtime.
    pub detection_s: f64,
    /// From detection to the last deployment's start: the restart strategy's backoff
    /// (and failed deployments after detection), seconds.
    pub restart_delay_s: f64,
    /// From the last deployment's start to all tasks deployed (includes waiting for a
    /// slot: a new TaskManager's when no free slot is left), seconds.
    pub deploy_s: f64,
    /// From deployment to all restarted tasks running (state download and rebuild), seconds.
    pub restore_s: f64,
    /// Checkpoint restored from (-1: none, restarted from the beginning).
    pub restored_checkpoint: i64,
    /// Fault time minus the restored checkpoint's trigger time (for a recovery cut
    /// short, the trigger of the latest checkpoint completed when it struck; 0 if none), seconds.
    pub lost_work_s: f64,
    /// Source records read again after the restore.
    pub records_replayed: u64,
    /// Number of subtasks restarted.
    pub restarted_tasks: u32,
    /// Restart attempts this failure took (a deployment into a dead TaskManager's slot fails and costs one).
    pub restarts: u32,
    /// Downtime R: fault to all tasks running again, seconds (-1 if never).
    pub downtime_s: f64,
    /// Replay: from all tasks running again until the replayed records are processed:
    /// for every source partition the restore rewound, every sink subtask it reaches
    /// has processed its records up to the offset the sources had reached before the failure (their
    /// high-water mark; `records_replayed` counts those records); ends at the recovery
    /// if that comes first, seconds (-1 if never).
    pub replay_s: f64,
    /// Catch-up: from the end of the replay until the source lag is back to its
    /// pre-failure level, seconds (-1 if never). Downtime + replay + catch-up = recovery.
    pub catch_up_s: f64,
    /// Recovery time: fault to source lag back at its pre-failure level, seconds (-1 if never).
    pub recovery_s: f64,
    /// Checkpoint interval T in force, seconds.
    pub interval_s: f64,
    /// The seed model's worst case T + R, seconds.
    pub model_t_plus_r_s: f64,
    /// The seed model's expectation T/2 + R, seconds.
    pub model_half_t_plus_r_s: f64,
}

/// One row of timeseries.csv, per sampling period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// End of the period, seconds.
    pub time_s: f64,
    /// Records read by all sources in the period, per second.
    pub source_records_per_s: f64,
    /// Records reaching all sinks in the period, per second.
    pub sink_records_per_s: f64,
    /// Records committed (visible) at all sinks in the period, per second.
    pub committed_records_per_s: f64,
    /// Records appended to the log but not yet read, at the end of the period.
    pub source_lag_records: u64,
    /// Pending checkpoints at the end of the period.
    pub checkpoints_in_flight: u32,
    /// Subtasks running at the end of the period.
    pub tasks_running: u32,
}

/// How the job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobStatus {
    /// Drained its input and committed a final checkpoint.
    Finished,
    /// The restart strategy gave up.
    Failed,
    /// Still running when the drain timeout ran out.
    Running,
}

/// summary.json: simulated results only, byte-identical for the same scenario and seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Run seed.
    pub seed: u64,
    /// Simulated seconds until the run ended.
    pub sim_seconds: f64,
    /// Events processed by the kernel.
    pub events: u64,
    /// How the job ended.
    pub job_status: JobStatus,
    /// Why the job failed, if it did.
    pub failure_cause: Option<String>,
    /// Checkpoints completed.
    pub checkpoints_completed: u64,
    /// Checkpoints expired or declined.
    pub checkpoints_failed: u64,
    /// Mean duration of completed checkpoints, seconds.
    pub mean_checkpoint_s: f64,
    /// Failovers (faults and checkpoint-failure escalations).
    pub failures: u64,
    /// Mean downtime over failures that recovered, seconds.
    pub mean_downtime_s: f64,
    /// Mean recovery time over failures that recovered, seconds.
    pub mean_recovery_s: f64,
    /// Source records read again after restores.
    pub records_replayed: u64,
    /// Records read by the sources.
    pub records_read: u64,
    /// Records committed at the sinks (counting duplicates).
    pub records_committed: u64,
    /// Mean throughput at the sources, records/s.
    pub throughput_records_per_s: f64,
    /// The guarantee the job promises: "exactly-once" (aligned checkpoints and only 2PC sinks) or "at-least-once".
    pub guarantee: Guarantee,
    /// Whether the promised guarantee held (exactly-once: no loss, no duplicates, nothing uncommitted visible; at-least-once: no loss).
    pub guarantee_held: bool,
    /// The oracle's verdict: committed output is exactly once (no loss, no duplicates, nothing uncommitted visible).
    pub exactly_once: bool,
    /// Committed records beyond the first copy.
    pub duplicates: u64,
    /// Records that should be committed and are not.
    pub lost_records: u64,
    /// Records committed past the last completed checkpoint by a 2PC sink (uncommitted data seen).
    pub uncommitted_visible: u64,
    /// The oracle's first finding, in words, with the epoch and the fault before it.
    pub first_problem: Option<String>,
    /// Committed records that came before records of the same partition and key groups already committed by the same sink subtask.
    pub out_of_order: u64,
    /// Records missing from or extra in the final keyed state of a finished job (over all stateful vertices).
    pub state_mismatch: u64,
    /// Named protocol invariants that broke ("consistent-cut: ...").
    pub invariant_violations: Vec<String>,
    /// Simulated seconds spent in failures (sum of downtimes).
    pub downtime_s_total: f64,
}

/// Wall-clock figures of a run; the only output that may differ between identical runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Perf {
    /// Wall-clock seconds of the simulation.
    pub wall_s: f64,
    /// Events per wall-clock second.
    pub events_per_s: f64,
    /// Simulated seconds per wall-clock second.
    pub speedup: f64,
}

/// Everything one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Totals and verdicts.
    pub summary: RunSummary,
    /// Every checkpoint triggered.
    pub checkpoints: Vec<CheckpointRecord>,
    /// Every failure and its recovery.
    pub failures: Vec<FailureRecord>,
    /// The time series.
    pub samples: Vec<Sample>,
    /// The realised fault schedule, in the scenario file's `[[faults.scripted]]` format.
    pub faults_toml: String,
    /// Committed provenance per sink vertex: segments sorted, adjacent ones merged, duplicates kept.
    pub committed: Vec<(String, Vec<crate::data::Segment>)>,
    /// Final state as input records folded in: per subtask ("agg[0]") where a hash edge fixes its key groups, else per vertex ("agg[*]").
    pub final_state: Vec<(String, u64)>,
}

impl RunResult {
    /// Simulated seconds lost: (checkpoint overhead, failures). The failures' share
    /// is, per failure, the span from the restored checkpoint's trigger to all tasks
    /// running again (lost work + downtime; the rest of the run if it never
    /// recovered), overlapping spans counted once. The overhead is the sync +
    /// alignment time (the time checkpoints block processing) of every checkpoint
    /// triggered outside those spans: inside one, that time is lost work already.
    pub fn time_lost_s(&self) -> (f64, f64) {
        let spans = self.failure_spans();
        let inside = |t: f64| spans.iter().any(|&(a, b)| a <= t && t < b);
        let overhead: f64 = self
            .checkpoints
            .iter()
            .filter(|c| !inside(c.trigger_s))
            .map(|c| c.sync_s_max + c.alignment_s_max)
            .sum();
        let lost = spans.iter().map(|(a, b)| b - a).sum();
        (overhead, lost)
    }

    /// The failures' lost spans [restored trigger, running again), sorted and merged.
    fn failure_spans(&self) -> Vec<(f64, f64)> {
        let end_s = self.summary.sim_seconds;
        let mut spans: Vec<(f64, f64)> = self
            .failures
            .iter()
            .map(|f| {
                let end = if f.downtime_s >= 0.0 {
                    f.time_s + f.downtime_s
                } else {
                    end_s
                };
                (f.time_s - f.lost_work_s, end)
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ if b > a => merged.push((a, b)),
                _ => {}
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_lost_counts_overlapping_failure_spans_once() {
        let mut r = super::fixture::sample_result();
        r.summary.sim_seconds = 1000.0;
        r.checkpoints.iter_mut().for_each(|c| {
            c.sync_s_max = 0.5;
            c.alignment_s_max = 0.25;
        });
        let f = r.failures[0].clone();
        // Failure A at 100 s: lost work 30 s, down 20 s → span [70, 120].
        // Failure B at 110 s: lost work 35 s, down 10 s → span [75, 120]: inside A.
        // Failure C at 900 s: lost work 10 s, never recovered → span [890, 1000].
        let span = |t: f64, lost: f64, down: f64| FailureRecord {
            time_s: t,
            lost_work_s: lost,
            downtime_s: down,
            ..f.clone()
        };
        r.failures = vec![
            span(100.0, 30.0, 20.0),
            span(110.0, 35.0, 10.0),
            span(900.0, 10.0, -1.0),
        ];
        let (overhead, lost) = r.time_lost_s();
        // The fixture's checkpoints trigger between 0.5 s and 58 s: none inside a span.
        assert_eq!(overhead, 0.75 * r.checkpoints.len() as f64);
        assert_eq!(lost, 50.0 + 110.0);
        // A checkpoint triggered inside a lost span blocks nothing that is not lost
        // already: its sync and alignment are not overhead too.
        let n = r.checkpoints.len() as f64;
        r.checkpoints[0].trigger_s = 80.0;
        let (overhead, _) = r.time_lost_s();
        assert_eq!(overhead, 0.75 * (n - 1.0));
    }
}
