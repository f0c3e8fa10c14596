//! The event budget: a limit on every run, derived from the scenario, so that
//! no input can make the loop spin forever (for example a restart loop whose
//! deployments fail at once, at the same simulated instant).
//!
//! Two limits: the events of one simulated instant (a loop that makes no
//! progress in time is caught at once), and the events of the whole run.
//! The run's bound is generous: ten times an upper estimate of the events a healthy
//! run needs per simulated second (a base rate per task and channel, one flush
//! per channel per buffer timeout, and four events per network buffer the
//! tasks could fill at full capacity), times the horizon, plus a fixed floor.

use crate::job::Job;
use crate::job::task::Role;
use crate::scenario::Scenario;
use crate::time::{NS_PER_S, SimTime};

/// Events a run may always use, whatever its size.
const FLOOR_EVENTS: u64 = 10_000_000;
/// Events per task or channel per simulated second of a healthy run, at most.
const BASE_EVENTS_PER_ENTITY_S: f64 = 100.0;
/// Events per network buffer (fill, send, arrive, credit).
const EVENTS_PER_BUFFER: f64 = 4.0;
/// Safety factor over the estimate.
const HEADROOM: f64 = 10.0;
/// Events one simulated instant may always hold.
const INSTANT_FLOOR_EVENTS: u64 = 100_000;
/// Events per task or channel one simulated instant may hold (a flush or a
/// barrier touches every channel once or a few times; a failover every task).
const INSTANT_EVENTS_PER_ENTITY: u64 = 1_000;

/// Why a run was stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The run used more events than its budget.
    #[error(
        "scenario \"{scenario}\" (seed {seed}) exceeded its event budget of {budget} events at simulated time {at}: the run does not make progress (for example a restart loop whose deployments fail at once); check recovery.deploy, recovery.cancel and the restart strategy"
    )]
    EventBudget {
        /// Scenario name.
        scenario: String,
        /// Seed.
        seed: u64,
        /// The budget.
        budget: u64,
        /// Simulated time when it was exceeded.
        at: SimTime,
    },
    /// One simulated instant held more events than its budget: time stopped advancing.
    #[error(
        "scenario \"{scenario}\" (seed {seed}) stopped advancing at simulated time {at}: more than {budget} events at that one instant (for example a restart loop whose deployments into a dead TaskManager are refused at once, with cluster.rpc-latency and recovery.cancel of 0s); give the RPC latency, cancellation and deployment a duration"
    )]
    InstantBudget {
        /// Scenario name.
        scenario: String,
        /// Seed.
        seed: u64,
        /// The budget.
        budget: u64,
        /// The instant.
        at: SimTime,
    },
}

/// The limits of one run, and the count of events at the current instant.
pub(super) struct Budget {
    /// Events the whole run may use.
    run_events: u64,
    /// Events one instant may hold.
    instant_events: u64,
    instant: SimTime,
    at_instant: u64,
}

impl Budget {
    /// The budget of a run of `sc` over the built `job`.
    pub fn new(sc: &Scenario, job: &Job) -> Self {
        let entities = (job.tasks.len() + job.chans.len()) as u64;
        Budget {
            run_events: events(sc, job),
            instant_events: INSTANT_FLOOR_EVENTS
                .saturating_add(INSTANT_EVENTS_PER_ENTITY.saturating_mul(entities)),
            instant: SimTime::ZERO,
            at_instant: 0,
        }
    }

    /// Counts an event popped at `t` (the `popped`-th of the run); an error when a limit is passed.
    pub fn spend(&mut self, sc: &Scenario, t: SimTime, popped: u64) -> Result<(), SimError> {
        if t != self.instant {
            self.instant = t;
            self.at_instant = 0;
        }
        self.at_instant += 1;
        let (scenario, seed) = (sc.name.clone(), sc.seed);
        if self.at_instant > self.instant_events {
            let budget = self.instant_events;
            return Err(SimError::InstantBudget {
                scenario,
                seed,
                budget,
                at: t,
            });
        }
        if popped > self.run_events {
            let budget = self.run_events;
            return Err(SimError::EventBudget {
                scenario,
                seed,
                budget,
                at: t,
            });
        }
        Ok(())
    }
}

/// The event budget of a run of `sc` over the built `job`.
fn events(sc: &Scenario, job: &Job) -> u64 {
    let horizon_s = (sc.job.duration + sc.job.drain_timeout).as_secs_f64();
    let chans = job.chans.len() as f64;
    let entities = job.tasks.len() as f64 + chans;
    let flushes_per_s = NS_PER_S as f64 / sc.network.buffer_timeout.as_ns().max(1) as f64;
    let buffers_per_s: f64 = job
        .tasks
        .iter()
        .map(|t| {
            let cap = sc.job.vertices[t.vertex].capacity_records_per_s as f64;
            let fan = t
                .outputs
                .iter()
                .map(|o| o.chans.len())
                .sum::<usize>()
                .max(1) as f64;
            let bytes = match t.role {
                Role::Sink => 0.0,
                _ => cap / t.cost.in_weight.max(1e-9) * t.cost.out_bytes_per_prov,
            };
            bytes / sc.network.buffer_bytes.max(1) as f64 + fan
        })
        .sum();
    let per_s = BASE_EVENTS_PER_ENTITY_S * entities
        + chans * flushes_per_s
        + EVENTS_PER_BUFFER * buffers_per_s;
    let estimate = HEADROOM * per_s * horizon_s;
    FLOOR_EVENTS.saturating_add(estimate.min(u64::MAX as f64 / 2.0) as u64)
}
