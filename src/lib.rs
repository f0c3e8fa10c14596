//! ckptsim: a deterministic discrete-event simulator of Apache Flink's
//! checkpoint-and-recovery protocol, with seeded fault injection.

pub mod metrics;
pub mod plot;
pub mod scenario;
pub mod time;
pub mod data;
pub mod kernel;
pub mod storage;
pub mod restart;
pub mod faults;
pub mod oracle;
pub mod cli;
pub mod report;
pub mod sim;
