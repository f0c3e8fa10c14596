//! The end of recovery: a failure counts as recovered once every task runs and
//! the total source lag is back to its pre-failure level (or to the steady
//! lag, one read chunk per partition, if that is larger).

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
        let steady = self.steady_lag;
        let now = ctx.now();
        let mut waiting = false;
        for e in self.episodes.iter_mut() {
            if e.running_at.is_some() && e.recovered_at.is_none() {
                if lag <= e.pre_lag.max(steady) {
                    e.recovered_at = Some(now);
                } else {
                    waiting = true;
                }
            }
        }
        self.awaiting_recovery = waiting;
    }
}
