//! TaskManagers and heartbeat-based loss detection. A killed TaskManager kills
//! its tasks at once, but the JobManager keeps counting its slots until the
//! heartbeat declares it lost: the first heartbeat after the death (at a
//! multiple of `heartbeat.interval`) fails, and after
//! `heartbeat.rpc-failure-threshold` consecutive failures (or
//! `heartbeat.timeout` after the last good heartbeat, whichever is first) the
//! TaskManager is lost. A replacement registers `taskmanager-startup` later,
//! and the tasks waiting for its slots are deployed.

use super::Recovery;
use crate::event::{Ctx, Ev};
use crate::job::Job;
use crate::scenario::HeartbeatConfig as Heartbeat;
use crate::time::SimTime;

/// A TaskManager as the cluster and the JobManager see it.
#[derive(Clone, Debug)]
pub(crate) struct Tm {
    /// The process runs.
    pub alive: bool,
    /// The JobManager still counts its slots as available.
    pub registered: bool,
    /// Bumped when a replacement registers; events of older incarnations are stale.
    pub incarnation: u32,
}

/// The TaskManagers of the cluster.
pub(crate) struct Cluster {
    /// By index.
    pub tms: Vec<Tm>,
}

/// When the heartbeat declares a TaskManager that died at `death` lost.
pub(crate) fn declared_lost_at(hb: &Heartbeat, death: SimTime) -> SimTime {
    let (i, t) = (hb.interval.as_ns().max(1), death.as_ns());
    let first_failed = (t / i + 1) * i;
    let by_rpc = first_failed + (hb.rpc_failure_threshold.max(1) as u64 - 1) * i;
    let by_timeout = (first_failed - i) + hb.timeout.as_ns();
    SimTime(by_rpc.min(by_timeout))
}

impl Cluster {
    /// `n` live, registered TaskManagers.
    pub fn new(n: u32) -> Self {
        Cluster {
            tms: (0..n)
                .map(|_| Tm {
                    alive: true,
                    registered: true,
                    incarnation: 0,
                })
                .collect(),
        }
    }

    /// TaskManager `tm` dies now: schedule the heartbeat's verdict. False if it was dead.
    pub fn kill(&mut self, ctx: &mut Ctx, tm: u32) -> bool {
        let t = &mut self.tms[tm as usize];
        if !t.alive {
            return false;
        }
        t.alive = false;
        let at = declared_lost_at(&ctx.sc.heartbeat, ctx.now());
        let incarnation = t.incarnation;
        ctx.push(at, Ev::TmLost { tm, incarnation });
        true
    }

    /// True when deploying into TaskManager `tm` fails: it is dead, but the
    /// JobManager still lists its slots.
    pub fn doomed(&self, tm: u32) -> bool {
        let t = &self.tms[tm as usize];
        !t.alive && t.registered
    }

    /// The heartbeat declared a TaskManager lost: its slots go; a replacement is requested.
    pub fn on_lost(&mut self, ctx: &mut Ctx, tm: u32, incarnation: u32) {
        let t = &mut self.tms[tm as usize];
        if t.incarnation != incarnation || t.alive {
            return;
        }
        t.registered = false;
        let at = ctx.now() + ctx.sc.cluster.taskmanager_startup;
        ctx.push(at, Ev::TmRegistered { tm, incarnation });
    }
}

impl Recovery {
    /// A replacement TaskManager registered its slots: deploy the tasks waiting for them.
    pub fn tm_registered(&mut self, ctx: &mut Ctx, job: &Job, tm: u32, incarnation: u32) {
        let t = &mut self.cluster.tms[tm as usize];
        if t.incarnation != incarnation {
            return;
        }
        t.alive = true;
        t.registered = true;
        t.incarnation += 1;
        let at = ctx.now() + ctx.sc.recovery.deploy;
        let waiting: Vec<usize> = (0..job.tasks.len())
            .filter(|&k| self.awaiting_slot[k])
            .collect();
        let all_slots = waiting
            .iter()
            .all(|&k| self.cluster.tms[job.tasks[k].tm as usize].registered);
        if !all_slots {
            return;
        }
        for task in waiting {
            self.awaiting_slot[task] = false;
            let attempt = job.tasks[task].attempt;
            ctx.push(at, Ev::Deployed { task, attempt });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{NS_PER_S, SimDuration};

    fn hb(interval_s: u64, timeout_s: u64, threshold: u32) -> Heartbeat {
        Heartbeat {
            interval: SimDuration::from_secs(interval_s),
            timeout: SimDuration::from_secs(timeout_s),
            rpc_failure_threshold: threshold,
        }
    }

    #[test]
    fn lost_after_threshold_failed_requests() {
        // Death at 13 s, requests every 10 s: 20 s fails first, 30 s second (threshold 2).
        let at = declared_lost_at(&hb(10, 50, 2), SimTime(13 * NS_PER_S));
        assert_eq!(at, SimTime(30 * NS_PER_S));
        // Threshold 1: the first failed request.
        assert_eq!(
            declared_lost_at(&hb(10, 50, 1), SimTime(13 * NS_PER_S)),
            SimTime(20 * NS_PER_S)
        );
    }

    #[test]
    fn timeout_caps_the_rpc_rule() {
        // Threshold 10 would take until 110 s; the timeout (15 s after the last good
        // heartbeat at 10 s) declares it lost at 25 s.
        let at = declared_lost_at(&hb(10, 15, 10), SimTime(13 * NS_PER_S));
        assert_eq!(at, SimTime(25 * NS_PER_S));
    }
}
