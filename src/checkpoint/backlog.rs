//! Flink's checkpoint interval during backlog (FLIP-309,
//! `execution.checkpointing.interval-during-backlog`): while any source reports
//! that it is processing backlog, the periodic trigger runs at a second, longer
//! interval, and when that state changes the next trigger moves to now plus the
//! new interval if that comes sooner than the one scheduled.
//!
//! In Flink (CheckpointCoordinator): each periodic trigger schedules the next one
//! at its own time plus `getCurrentCheckpointInterval()`, which is the backlog
//! interval while the set of sources reporting backlog is not empty; a disabled
//! interval (`0`) schedules none, but the trigger that found it so still fires.
//! `setIsProcessingBacklog(operator, bool)` updates that set and, if the new
//! interval is enabled and now + interval comes before the next scheduled
//! trigger, reschedules it there (`rescheduleTrigger`). Starting the scheduler
//! ignores the backlog: its first delay comes from the base interval.
//!
//! Who is processing backlog: in Flink the source says so itself (its split
//! enumerator calls `SplitEnumeratorContext#setIsProcessingBacklog`, e.g. a
//! HybridSource during its bounded first phase, a CDC source during its snapshot
//! phase; the Kafka source never does). ckptsim's simplification, for a log
//! source after a restart: a source subtask restarted by a failover is
//! processing backlog from the moment every task runs again (the scheduler
//! restarts) until it has read every record its partitions held at that moment,
//! the replay and what piled up during the downtime; a source that already
//! holds the head of its log then has none. A fresh start is no backlog. The
//! end is noticed when the read that gets there completes (the records a
//! checkpoint trigger cuts a read short at count with the read after it).
//!
//! Owns this rule only; the coordinator asks it. Uses the job room (tasks,
//! offsets, the log).

use super::coordinator::base_interval;
use crate::event::Ctx;
use crate::job::Job;
use crate::job::task::Role;
use crate::scenario::{BacklogInterval, CheckpointConfig};
use crate::time::{SimDuration, SimTime};

/// Which sources are processing backlog.
#[derive(Clone, Debug, Default)]
pub(crate) struct Backlog {
    /// Per task: its attempt when the scheduler last started (0 before the first start).
    attempts: Vec<u32>,
    /// (global partition, offset it must reach) of every partition still in backlog.
    targets: Vec<(u32, u64)>,
}

impl Backlog {
    /// Every task runs (again): each source subtask restarted since the scheduler
    /// last started is processing backlog up to what its partitions hold now.
    pub fn on_all_running(&mut self, ctx: &Ctx, job: &Job) {
        let now = ctx.now();
        self.attempts.resize(job.tasks.len(), 0);
        for (task, t) in job.tasks.iter().enumerate() {
            let Role::Source { partitions, .. } = &t.role else {
                continue;
            };
            if std::mem::replace(&mut self.attempts[task], t.attempt) == t.attempt {
                continue;
            }
            for &gp in partitions {
                self.targets.retain(|&(p, _)| p != gp);
                let head = job.log.appended(gp, now);
                if job.offsets[gp as usize] < head {
                    self.targets.push((gp, head));
                }
            }
        }
    }

    /// After a source read: partitions that reached their target leave the
    /// backlog. True when that ended the job's backlog.
    pub fn after_read(&mut self, job: &Job) -> bool {
        if self.targets.is_empty() {
            return false;
        }
        self.targets
            .retain(|&(gp, to)| job.offsets[gp as usize] < to);
        self.targets.is_empty()
    }

    /// Any source is processing backlog.
    pub fn processing(&self) -> bool {
        !self.targets.is_empty()
    }
}

/// The periodic trigger's period now (Flink's `getCurrentCheckpointInterval`):
/// the backlog interval while any source processes backlog, else
/// max(interval, min-pause); `None`: no periodic checkpoints. An absent key is
/// the base period (Flink would take the interval itself, not raised to
/// min-pause: the two differ only when min-pause > interval).
pub(crate) fn current_interval(cfg: &CheckpointConfig, processing: bool) -> Option<SimDuration> {
    match (processing, cfg.interval_during_backlog) {
        (true, BacklogInterval::Every(d)) => Some(d),
        (true, BacklogInterval::Disabled) => None,
        _ => Some(base_interval(cfg)),
    }
}

/// Flink's `setIsProcessingBacklog` rescheduling: with the new interval, the next
/// trigger moves to now + interval when that comes before the one scheduled
/// (`None`: none is); a disabled interval moves nothing.
pub(crate) fn rescheduled(
    now: SimTime,
    interval: Option<SimDuration>,
    next: Option<SimTime>,
) -> Option<SimTime> {
    let at = now + interval?;
    match next {
        Some(n) if n <= at => None,
        _ => Some(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    fn secs(x: u64) -> Option<SimDuration> {
        Some(SimDuration::from_secs(x))
    }

    #[test]
    fn leaving_backlog_brings_the_next_trigger_forward_only_if_sooner() {
        // Backlog interval 30 s, interval 10 s: a tick at 100 s in backlog set the
        // next one to 130 s. The backlog ends at 112 s: 122 s < 130 s, rescheduled.
        assert_eq!(rescheduled(s(112), secs(10), Some(s(130))), Some(s(122)));
        // It ends at 125 s: 135 s is later than 130 s, the 130 s trigger stays.
        assert_eq!(rescheduled(s(125), secs(10), Some(s(130))), None);
        // Exactly at the scheduled time: Flink reschedules only when strictly sooner.
        assert_eq!(rescheduled(s(120), secs(10), Some(s(130))), None);
    }

    #[test]
    fn entering_backlog_never_delays_the_scheduled_trigger() {
        // Interval 10 s, next trigger at 110 s; backlog (30 s) begins at 105 s:
        // 135 s is later, so the 110 s trigger fires and the next comes 30 s after it.
        assert_eq!(rescheduled(s(105), secs(30), Some(s(110))), None);
    }

    #[test]
    fn a_disabled_interval_moves_nothing_and_an_empty_schedule_is_filled() {
        assert_eq!(rescheduled(s(105), None, Some(s(110))), None);
        assert_eq!(rescheduled(s(105), None, None), None);
        // Backlog with interval 0 left no trigger scheduled: its end schedules one.
        assert_eq!(rescheduled(s(105), secs(10), None), Some(s(115)));
    }

    #[test]
    fn the_current_interval_follows_the_backlog_state() {
        let mut cfg = crate::scenario::parse_str(
            include_str!("../../scenarios/quickstart.toml"),
            "quickstart.toml",
            &[],
        )
        .unwrap()
        .checkpoint;
        cfg.interval = SimDuration::from_secs(10);
        cfg.min_pause = SimDuration::from_secs(12);
        // Absent: the base period max(interval, min-pause), backlog or not.
        assert_eq!(cfg.interval_during_backlog, BacklogInterval::SameAsInterval);
        assert_eq!(current_interval(&cfg, true), secs(12));
        cfg.interval_during_backlog = BacklogInterval::Every(SimDuration::from_secs(11));
        assert_eq!(current_interval(&cfg, false), secs(12));
        // As in Flink, the backlog interval is not raised to min-pause.
        assert_eq!(current_interval(&cfg, true), secs(11));
        cfg.interval_during_backlog = BacklogInterval::Disabled;
        assert_eq!(current_interval(&cfg, true), None);
        assert_eq!(current_interval(&cfg, false), secs(12));
    }
}
