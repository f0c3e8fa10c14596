//! ckptsim: a deterministic discrete-event simulator of Apache Flink's
//! checkpoint-and-recovery protocol, with seeded fault injection.

pub mod cli;
pub mod data;
pub mod faults;
pub mod kernel;
pub mod metrics;
pub mod oracle;
pub mod plot;
pub mod report;
pub mod restart;
pub mod scenario;
pub mod sim;
pub mod storage;
pub mod time;
