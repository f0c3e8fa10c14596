//! The checkpoint timeout and the tolerable-failed rule (Flink's checkpoint
//! canceller and CheckpointFailureManager): a pending checkpoint older than
//! `timeout` expires; more than `tolerable-failed` consecutive expiries fail
//! the whole job over. Declines caused by failovers do not count; a
//! completed checkpoint resets the count (in the coordinator).

use super::{Checkpointing, Escalation, Store};
use crate::event::Ctx;
use crate::job::Job;
use crate::metrics::CheckpointOutcome;

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
        self.abort(ctx, job, storage, ckpt, CheckpointOutcome::Expired);
        self.coord.consecutive_failed += 1;
        if self.coord.consecutive_failed > ctx.sc.checkpoint.tolerable_failed {
            self.coord.consecutive_failed = 0;
            return Some(Escalation);
        }
        if self.coord.trigger_queued {
            self.try_trigger(ctx, job);
        }
        None
    }
}
