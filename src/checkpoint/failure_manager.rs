//! The checkpoint timeout and the tolerable-failed rule (Flink's
//! `CheckpointCanceller` and `CheckpointFailureManager`): a pending checkpoint
//! older than `timeout` expires; more than `tolerable-failed` consecutive
//! counted failures fail the whole job over.
//!
//! What counts, as in Flink's `checkFailureCounter`: of the failures the
//! simulator produces, only expiry (`CHECKPOINT_EXPIRED`). Declines caused by
//! a failover (`JOB_FAILOVER_REGION`, `CHECKPOINT_COORDINATOR_SUSPEND`), a
//! checkpoint dropped for a newer barrier (`CHECKPOINT_DECLINED_SUBSUMED`) and
//! subsumption are ignored, so they never reach the counter. Each checkpoint
//! counts once, a failure of a checkpoint not newer than the last completed
//! one is ignored, and a completion resets the count. After an escalation the
//! count starts again from zero.

use super::{Checkpointing, Escalation, Store};
use crate::event::Ctx;
use crate::job::Job;
use crate::metrics::CheckpointOutcome;
use std::collections::BTreeSet;

/// Consecutive checkpoint failures (Flink's `continuousFailureCounter` with
/// `countedCheckpointIds` and `lastSucceededCheckpointId`).
#[derive(Clone, Debug)]
pub(crate) struct FailureCounter {
    /// `tolerable-failed`: counted failures allowed before the job fails over.
    tolerable: u32,
    /// Counted failures since the last completion or escalation.
    continuous: u32,
    /// Checkpoints already counted; never more than `tolerable + 1` of them.
    counted: BTreeSet<u64>,
    /// The newest completed checkpoint.
    last_succeeded: Option<u64>,
}

impl FailureCounter {
    /// A counter that tolerates `tolerable` consecutive failures.
    pub fn new(tolerable: u32) -> Self {
        FailureCounter {
            tolerable,
            continuous: 0,
            counted: BTreeSet::new(),
            last_succeeded: None,
        }
    }

    /// Checkpoint `ckpt` expired. Returns true when the failures now exceed
    /// the tolerable count: the job must fail over (and the count restarts).
    pub fn on_expired(&mut self, ckpt: u64) -> bool {
        if self.last_succeeded.is_some_and(|s| ckpt <= s) {
            return false;
        }
        if self.counted.insert(ckpt) {
            self.continuous += 1;
        }
        if self.continuous > self.tolerable {
            self.clear();
            return true;
        }
        false
    }

    /// Checkpoint `ckpt` completed: a newer success resets the count.
    pub fn on_success(&mut self, ckpt: u64) {
        if self.last_succeeded.is_none_or(|s| ckpt > s) {
            self.last_succeeded = Some(ckpt);
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.continuous = 0;
        self.counted.clear();
    }
}

impl Checkpointing {
    /// The timeout of checkpoint `ckpt` passed. Returns an escalation when the
    /// consecutive failures exceed `tolerable-failed`.
    pub fn on_expire(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        storage: &mut Store,
        ckpt: u64,
    ) -> Option<Escalation> {
        if !self.coord.pending.contains_key(&ckpt) {
            return None;
        }
        self.end_pending(ctx, job, storage, ckpt, CheckpointOutcome::Expired);
        if self.coord.failures.on_expired(ckpt) {
            // The global failover handled at this instant stops the scheduler and
            // clears the queued requests; none is triggered into the failing job.
            return Some(Escalation);
        }
        self.execute_queued(ctx, job);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mirrors Flink's `CheckpointFailureManagerTest` where its reasons exist in
    /// the simulator: Flink's counted reasons (`CHECKPOINT_DECLINED`,
    /// `IO_EXCEPTION`, `CHECKPOINT_EXPIRED`) are all expiry here, and its
    /// ignored `JOB_FAILOVER_REGION` is a failover decline, which is never
    /// reported. Its `testTotalCountValue` (which reasons count) has no
    /// counterpart: the simulator produces a single counted reason.
    mod checkpoint_failure_manager_test {
        use super::*;

        #[test]
        fn test_ignores_past_checkpoints() {
            let mut fm = FailureCounter::new(2);
            assert!(!fm.on_expired(1));
            assert!(!fm.on_expired(2));
            fm.on_success(2);
            // Not newer than the last success: ignored.
            assert!(!fm.on_expired(1));
            assert!(!fm.on_expired(3));
            assert!(!fm.on_expired(4));
        }

        #[test]
        fn test_continuous_failure() {
            let mut fm = FailureCounter::new(2);
            assert!(!fm.on_expired(1));
            assert!(!fm.on_expired(2));
            // Checkpoint 3 is declined by a failover: not reported, not counted.
            // The third counted failure exceeds the tolerable 2: one escalation.
            assert!(fm.on_expired(4));
        }

        #[test]
        fn test_break_continuous_failure() {
            let mut fm = FailureCounter::new(2);
            assert!(!fm.on_expired(1));
            assert!(!fm.on_expired(2));
            fm.on_success(4);
            assert!(!fm.on_expired(5));
        }

        #[test]
        fn test_ignore_one_checkpoint_repeatedly_count_multi_times() {
            let mut fm = FailureCounter::new(2);
            assert!(!fm.on_expired(1));
            assert!(!fm.on_expired(2));
            // A second report for checkpoint 2 counts once only.
            assert!(!fm.on_expired(2));
        }
    }

    #[test]
    fn the_count_restarts_after_an_escalation() {
        let mut fm = FailureCounter::new(0);
        assert!(fm.on_expired(1));
        assert!(fm.on_expired(2));
        let mut fm = FailureCounter::new(1);
        assert!(!fm.on_expired(1));
        assert!(fm.on_expired(2));
        assert!(!fm.on_expired(3));
        assert!(fm.on_expired(4));
    }
}
