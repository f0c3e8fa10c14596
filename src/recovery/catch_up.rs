//! The end of replay and of recovery, checked after every source read and
//! every sample once every task runs. The replay is over when every source
//! partition rewound by the failure's restore has read back up to its
//! high-water mark (the records it had read before the failure); the failure
//! has caught up once the total source lag is back within
//! `recovery.caught-up-lag` records of its level when the failure struck. A
//! failure that catches up first ends its replay then, so the replay never
//! outlasts the recovery.

use super::Recovery;
use crate::event::Ctx;
use crate::job::Job;

impl Recovery {
    /// Marks replays over and failures recovered once the sources are back.
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
                let read_back =
                    (e.replay_to.iter()).all(|&(gp, hw)| job.offsets[gp as usize] >= hw);
                if e.replayed_at.is_none() && read_back {
                    e.replayed_at = Some(now);
                }
                if lag <= e.pre_lag.saturating_add(slack) {
                    e.recovered_at = Some(now);
                    e.replayed_at.get_or_insert(now);
                } else {
                    waiting = true;
                }
            }
        }
        self.awaiting_recovery = waiting;
    }
}
