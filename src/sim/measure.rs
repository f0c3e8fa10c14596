//! The sampled time series: once per `sample-period`, the rates of records
//! read, reaching the sinks and committed, the source lag, the checkpoints in
//! flight and the tasks running.

use crate::checkpoint::Checkpointing;
use crate::event::{Ctx, Ev};
use crate::job::Job;
use crate::metrics::Sample;

/// The time series and the totals at the last sample.
#[derive(Clone, Debug, Default)]
pub(super) struct Measure {
    last_source: u64,
    last_sink: f64,
    last_committed: f64,
    /// The rows so far.
    pub samples: Vec<Sample>,
}

impl Measure {
    /// Appends one row to the time series and schedules the next.
    pub fn sample(&mut self, ctx: &mut Ctx, job: &Job, ckpt: &Checkpointing) {
        let period = ctx.sc.output.sample_period.as_secs_f64();
        let c = &job.counters;
        let committed = ckpt.sinks.committed_records;
        self.samples.push(Sample {
            time_s: ctx.now().as_secs_f64(),
            source_records_per_s: (c.source_records - self.last_source) as f64 / period,
            sink_records_per_s: (c.sink_records - self.last_sink) / period,
            committed_records_per_s: (committed - self.last_committed) / period,
            source_lag_records: job.lag(ctx),
            checkpoints_in_flight: ckpt.coord.pending.len() as u32,
            tasks_running: job.running as u32,
        });
        self.last_source = c.source_records;
        self.last_sink = c.sink_records;
        self.last_committed = committed;
        let next = ctx.now() + ctx.sc.output.sample_period;
        ctx.push(next, Ev::Sample);
    }
}
