//! The integration-test binary: one module per behaviour, read like a specification.

#[path = "spec/backpressure.rs"]
mod backpressure;
#[path = "spec/bad_input.rs"]
mod bad_input;
#[path = "spec/checkpoint_timing.rs"]
mod checkpoint_timing;
#[path = "spec/common.rs"]
mod common;
#[path = "spec/determinism.rs"]
mod determinism;
#[path = "spec/event_budget.rs"]
mod event_budget;
#[path = "spec/oracle_mutants.rs"]
mod oracle_mutants;
#[path = "spec/recovery_timeline.rs"]
mod recovery_timeline;
#[path = "spec/sink_guarantees.rs"]
mod sink_guarantees;
#[path = "spec/stochastic_faults.rs"]
mod stochastic_faults;
#[path = "spec/sweeps.rs"]
mod sweeps;
#[path = "spec/task_failure_recovery.rs"]
mod task_failure_recovery;
#[path = "spec/timeout_escalation.rs"]
mod timeout_escalation;
