//! ckptsim: a deterministic discrete-event simulator of Apache Flink's
//! checkpoint-and-recovery protocol, with seeded fault injection.
//!
//! Read this first. The rooms, and which may use which (arrows point from the
//! user to the used; nothing points back up):
//!
//! ```text
//!  cli ─────────────────────────────────────────────────────────────┐ the binary's commands
//!   │ run · model          check             sweep · merge · compare · plot
//!   ▼                       ▼                  ▼
//!  report, models ◀──── check (cases, shrink) sweep (grid, rows, aggregate)
//!   │                       │                  │          ╲
//!   │                       ▼                  ▼           ▼
//!   │        ┌───────────── sim (run loop, budget, measure, result) ◀── output (files,
//!   │        │              │ dispatches events, routes signals      tables, charts)
//!   │        ▼              ▼
//!   │   recovery ──▶ checkpoint ──▶ job ──▶ event (Ev, Ctx) ──▶ kernel (queue, streams)
//!   │   fault_injection  coordinator   task, channel,          ▲
//!   │   heartbeat        failure_mgr   record_writer,          │ storage, data, faults
//!   │   failover         barrier_hdlr  source, topology        │
//!   │   restart_strategy snapshot                              │
//!   │   deploy, restore  two_phase_commit, pending             │
//!   │   catch_up, slot_pool, resource_manager                  │
//!   ▼                                                          │
//!  metrics (RunResult: plain result types) ◀── oracle (verdicts, invariants, guarantee)
//!  scenario (parse → validate → Scenario; defaults with Flink's option names) ◀── everyone
//! ```
//!
//! - The simulation rooms (`kernel`, `event`, `job`, `checkpoint`, `recovery`,
//!   `storage`, `faults`, `sim`) never touch files or charts. Each owns its
//!   state: `job` the tasks, channels and source log; `checkpoint` the
//!   coordinator, each task's barrier and snapshot state and the sinks'
//!   transactions; `recovery` the TaskManagers, failures and restarts. A
//!   lower room never calls a higher one: where a task's step needs a
//!   checkpoint rule, `job` returns a `Signal` and the run loop hands it on;
//!   a checkpoint failure beyond the tolerable count goes up as an
//!   `Escalation`.
//! - `oracle` decides: which guarantee a job promises, whether a run kept it,
//!   the named invariants, and why a `check` case is rejected.
//! - The analysis rooms (`sweep`, `models`, `report`, `output`, `check`) only
//!   read `RunResult`s; `output` is the only room that writes files.
//!
//! Simulated time is integer nanoseconds (`time`), events pop in (time,
//! insertion) order (`kernel`), every random draw comes from a named ChaCha
//! stream of the run seed, data in flight is tracked as exact provenance
//! segments (`data`), so the exactly-once oracle is exact at any buffer size,
//! and every run has an event budget (`sim`), so no input spins for ever.

pub mod check;
pub(crate) mod checkpoint;
pub mod cli;
pub mod data;
pub(crate) mod event;
pub mod faults;
pub(crate) mod job;
pub mod kernel;
pub mod metrics;
pub mod models;
pub mod mutants;
pub mod oracle;
pub mod output;
pub mod recovery;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod storage;
pub mod sweep;
pub mod time;
