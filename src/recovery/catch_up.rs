//! The end of replay and of recovery, checked after every source read, every
//! buffer a sink processes and every sample once every task runs. The replay
//! is over when the replayed records are processed: for every source
//! partition rewound by the failure's restore, every sink subtask it reaches
//! has processed that partition's records up to its high-water mark (the records the sources had
//! read before the failure); the failure
//! has caught up once the total source lag is back within
//! `recovery.caught-up-lag` records of its level when the failure struck. A
//! failure that catches up first ends its replay then, so the replay never
//! outlasts the recovery. A failure cut short by a later one is not measured on.

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
            if e.running_at.is_some() && e.recovered_at.is_none() && !e.cut_short {
                let processed = (e.replay_to.iter()).all(|&(gp, hw)| job.sink_frontier(gp) >= hw);
                if e.replayed_at.is_none() && processed {
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
