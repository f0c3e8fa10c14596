//! ckptsim: a deterministic discrete-event simulator of Apache Flink's
//! checkpoint-and-recovery protocol, with seeded fault injection.
//!
//! Read this first. A run goes through these rooms, arrows pointing one way:
//!
//! ```text
//!  scenario file ──▶ scenario (parse, validate) ──▶ Scenario ──┐
//!                                                              ▼
//!   faults (schedule) ──▶ sim ◀── kernel (event queue, seeded streams)
//!                          │  topology · source · task · coordinator · failover
//!                          │  storage · restart · data (provenance)
//!                          ▼
//!                    metrics::RunResult ──▶ oracle verdict (inside the result)
//!                          │
//!            ┌─────────────┼───────────────┐
//!            ▼             ▼               ▼
//!     metrics::write     plot           report        (files, chart, text)
//! ```
//!
//! The simulation rooms never touch files or charts; the analysis rooms only
//! read `RunResult`s. Simulated time is integer nanoseconds (`time`), events
//! pop in (time, insertion) order (`kernel`), every random draw comes from a
//! named ChaCha stream of the run seed, and data in flight is tracked as exact
//! provenance segments (`data`), so the exactly-once oracle is exact at any
//! buffer size.

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
