//! TaskManagers and heartbeat-based loss detection (Flink's
//! HeartbeatManagerSenderImpl at the JobManager). One loop at the JobManager
//! sends a heartbeat request to every registered TaskManager (spares
//! included) every `heartbeat.interval`; the loop started with the
//! JobManager, before the job, so its phase is drawn from the run's seed
//! (stream `heartbeat-phase`) unless the scenario sets `heartbeat.phase`. A
//! TaskManager that registers later gets its first request at the loop's next
//! tick; its timeout runs from its registration.
//!
//! A killed TaskManager kills its tasks at once and refuses connections, so
//! the first request after the death fails at once; after
//! `heartbeat.rpc-failure-threshold` consecutive failures (or
//! `heartbeat.timeout` after the last good heartbeat, whichever is first) the
//! TaskManager is declared lost. Until then the JobManager counts its slots.
//! What happens to its slots then is the resource manager's business
//! (`resource_manager`).

use super::Recovery;
use crate::event::{Ctx, Ev};
use crate::job::Job;
use crate::kernel::rng_stream;
use crate::scenario::{HeartbeatConfig as Heartbeat, Scenario};
use crate::time::SimTime;
use rand::RngExt;

/// A TaskManager as the cluster and the JobManager see it.
#[derive(Clone, Debug)]
pub(crate) struct Tm {
    /// The process runs.
    pub alive: bool,
    /// The JobManager still counts its slots as available.
    pub registered: bool,
    /// Bumped when a replacement registers; events of older incarnations are stale.
    pub incarnation: u32,
    /// When it registered at the JobManager (its heartbeat timeout runs from here).
    pub registered_at: SimTime,
    /// A new TaskManager is starting at this position and registers then.
    pub starting: Option<SimTime>,
    /// When the process at this position last died (its local disk went with it).
    pub died_at: Option<SimTime>,
}

/// The TaskManagers of the cluster and the JobManager's heartbeat loop.
pub(crate) struct Cluster {
    /// By index.
    pub tms: Vec<Tm>,
    /// The heartbeat loop sends its requests at `phase + k·interval`.
    pub phase: SimTime,
}

/// When the heartbeat declares a TaskManager lost that registered at
/// `registered_at` and died at `death`, with requests sent at `phase +
/// k·interval`: the first request after the death fails, and the
/// `threshold`-th consecutive failure declares it lost, unless `timeout` after
/// the last good heartbeat (or the registration) comes first.
pub(crate) fn declared_lost_at(
    hb: &Heartbeat,
    phase: SimTime,
    registered_at: SimTime,
    death: SimTime,
) -> SimTime {
    let i = hb.interval.as_ns().max(1);
    let p = phase.as_ns() % i;
    // The first tick strictly after the death.
    let first_failed = if death.as_ns() < p {
        p
    } else {
        p + ((death.as_ns() - p) / i + 1) * i
    };
    let by_rpc = first_failed + (hb.rpc_failure_threshold.max(1) as u64 - 1) * i;
    let last_tick = first_failed.checked_sub(i);
    let last_good = match last_tick {
        Some(t) if t >= registered_at.as_ns() => t,
        _ => registered_at.as_ns(),
    };
    SimTime(by_rpc.min(last_good + hb.timeout.as_ns()))
}

impl Cluster {
    /// The scenario's TaskManagers, live and registered before the job, and the
    /// heartbeat loop's phase: `heartbeat.phase`, or drawn uniformly in
    /// [0, interval) from the seed (stream `heartbeat-phase`).
    pub fn new(sc: &Scenario) -> Self {
        let interval = sc.heartbeat.interval.as_ns().max(1);
        let phase = match sc.heartbeat.phase {
            Some(p) => SimTime(p.as_ns() % interval),
            None => SimTime(rng_stream(sc.seed, "heartbeat-phase").random_range(0..interval)),
        };
        Cluster {
            tms: (0..sc.cluster.taskmanagers)
                .map(|_| Tm {
                    alive: true,
                    registered: true,
                    incarnation: 0,
                    registered_at: SimTime::ZERO,
                    starting: None,
                    died_at: None,
                })
                .collect(),
            phase,
        }
    }

    /// TaskManager `tm` dies now: schedule the heartbeat's verdict. False if it was dead.
    pub fn kill(&mut self, ctx: &mut Ctx, tm: u32) -> bool {
        let t = &mut self.tms[tm as usize];
        if !t.alive {
            return false;
        }
        t.alive = false;
        t.died_at = Some(ctx.now());
        let at = declared_lost_at(&ctx.sc.heartbeat, self.phase, t.registered_at, ctx.now());
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

    /// The heartbeat declared a TaskManager lost: the JobManager drops its
    /// slots. False when the event is stale.
    fn on_lost(&mut self, tm: u32, incarnation: u32) -> bool {
        let t = &mut self.tms[tm as usize];
        if t.incarnation != incarnation || t.alive {
            return false;
        }
        t.registered = false;
        true
    }

    /// True when TaskManager `tm` runs and the JobManager lists its slots.
    pub fn usable(&self, tm: u32) -> bool {
        let t = &self.tms[tm as usize];
        t.alive && t.registered
    }
}

impl Recovery {
    /// The heartbeat declared TaskManager `tm` lost: its loss is detected, and
    /// its slot-sharing slots ask for new slots.
    pub fn tm_lost(&mut self, ctx: &mut Ctx, job: &mut Job, tm: u32, incarnation: u32) {
        if !self.cluster.on_lost(tm, incarnation) {
            return;
        }
        self.slots_lost(ctx, job, tm);
        let now = ctx.now();
        for e in self.episodes.iter_mut() {
            if e.tm == Some(tm) && e.running_at.is_none() {
                e.detected.get_or_insert(now);
            }
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
            phase: None,
        }
    }

    fn s(x: u64) -> SimTime {
        SimTime(x * NS_PER_S)
    }

    #[test]
    fn lost_after_threshold_failed_requests() {
        // Phase 0: requests at 0, 10, 20 ...; death at 13 s: 20 s fails first, 30 s
        // second (threshold 2).
        assert_eq!(declared_lost_at(&hb(10, 50, 2), s(0), s(0), s(13)), s(30));
        // Threshold 1: the first failed request.
        assert_eq!(declared_lost_at(&hb(10, 50, 1), s(0), s(0), s(13)), s(20));
    }

    #[test]
    fn the_phase_moves_the_window() {
        // Phase 7 s: requests at 7, 17, 27 ...; death at 13 s: 17 s fails, 27 s declares.
        assert_eq!(declared_lost_at(&hb(10, 50, 2), s(7), s(0), s(13)), s(27));
        // A death exactly at a request time: that request went through; the next fails.
        assert_eq!(declared_lost_at(&hb(10, 50, 2), s(7), s(0), s(17)), s(37));
        // A death before the first tick of the loop.
        assert_eq!(declared_lost_at(&hb(10, 50, 2), s(7), s(0), s(3)), s(17));
    }

    #[test]
    fn timeout_caps_the_rpc_rule() {
        // Threshold 10 would take until 110 s; the timeout (15 s after the last good
        // heartbeat at 10 s) declares it lost at 25 s.
        assert_eq!(declared_lost_at(&hb(10, 15, 10), s(0), s(0), s(13)), s(25));
        // A replacement that registered at 12 s and died at 13 s had no good
        // heartbeat yet: its timeout runs from the registration (12 + 15 = 27 s).
        assert_eq!(declared_lost_at(&hb(10, 15, 10), s(0), s(12), s(13)), s(27));
    }
}
