//! The integration-test binary: one module per behaviour, read like a specification.
//! `common` holds the helpers (parse, run, scratch folders, the binary) and `fixture`
//! the shared keyed job that most behaviours bend with a few knobs.

#[path = "spec/aligned_timeout.rs"]
mod aligned_timeout;
#[path = "spec/backpressure.rs"]
mod backpressure;
#[path = "spec/bad_input.rs"]
mod bad_input;
#[path = "spec/changelog.rs"]
mod changelog;
#[path = "spec/checkpoint_timing.rs"]
mod checkpoint_timing;
#[path = "spec/common.rs"]
mod common;
#[path = "spec/data_plane.rs"]
mod data_plane;
#[path = "spec/debloating.rs"]
mod debloating;
#[path = "spec/determinism.rs"]
mod determinism;
#[path = "spec/event_budget.rs"]
mod event_budget;
#[path = "spec/exponential_delay_backoff.rs"]
mod exponential_delay_backoff;
#[path = "spec/failure_injected_by_data.rs"]
mod failure_injected_by_data;
#[path = "spec/failure_rate_restart.rs"]
mod failure_rate_restart;
#[path = "spec/fixture.rs"]
mod fixture;
#[path = "spec/free_slots.rs"]
mod free_slots;
#[path = "spec/interval_during_backlog.rs"]
mod interval_during_backlog;
#[path = "spec/local_recovery.rs"]
mod local_recovery;
#[path = "spec/oracle_mutants.rs"]
mod oracle_mutants;
#[path = "spec/recovery_timeline.rs"]
mod recovery_timeline;
#[path = "spec/region_vs_full_failover.rs"]
mod region_vs_full_failover;
#[path = "spec/replay_phase.rs"]
mod replay_phase;
#[path = "spec/restart_backoff_flink.rs"]
mod restart_backoff_flink;
#[path = "spec/restart_strategy_names.rs"]
mod restart_strategy_names;
#[path = "spec/sink_guarantees.rs"]
mod sink_guarantees;
#[path = "spec/snapshot_cost.rs"]
mod snapshot_cost;

#[path = "spec/state_backends.rs"]
mod state_backends;
#[path = "spec/stochastic_faults.rs"]
mod stochastic_faults;
#[path = "spec/sweep_variants.rs"]
mod sweep_variants;
#[path = "spec/sweeps.rs"]
mod sweeps;
#[path = "spec/task_failure_recovery.rs"]
mod task_failure_recovery;
#[path = "spec/timeout_escalation.rs"]
mod timeout_escalation;
#[path = "spec/trigger_queue.rs"]
mod trigger_queue;
#[path = "spec/unaligned.rs"]
mod unaligned;
#[path = "spec/user_facing.rs"]
mod user_facing;
