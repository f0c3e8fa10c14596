//! The end of recovery: a failure counts as caught up once every task runs and
//! the total source lag is back within `recovery.caught-up-lag` records of its
//! level when the failure struck (checked after every source read and every
//! sample).

use super::Recovery;
use crate::event::Ctx;
use crate::job::Job;

impl Recovery {
    /// Marks failures recovered once the source lag is back to its pre-failure level.
    pub fn check_recovery(&mut self, ctx: &Ctx, job: &Job) {
        if job.running != job.tasks.len() {
            return;
        }
        let lag = job.lag(ctx);
        let slack = ctx.sc.recovery.caught_up_lag_records;
        let now = ctx.now();
        let mut waiting = false;
        for e in self.episodes.iter_mut() {
            if e.running_at.is_some() && e.recovered_at.is_none() {
                if lag <= e.pre_lag.saturating_add(slack) {
                    e.recovered_at = Some(now);
                } else {
                    waiting = true;
                }
            }
        }
        self.awaiting_recovery = waiting;
    }
}
