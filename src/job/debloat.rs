//! Buffer debloating (FLIP-183; Flink's `BufferDebloater`, `BufferSizeEMA`,
//! `ThroughputCalculator`, `SingleInputGate#triggerDebloating` and the sender's
//! `BufferWritingResultPartition` trimming new buffers to the announced size).
//!
//! Every input gate measures its throughput: the bytes the task took from it
//! over the time it was not idle (the measurement pauses when the task finds
//! no input to take, and resumes when it takes the next buffer or event).
//! Every `buffer-debloat-period` each subtask recalculates, per gate, the
//! buffer size at which the gate's buffers in use would hold `target` worth of
//! data at that throughput: `throughput × target ÷ buffers in use`, where the
//! buffers in use are, per channel, Flink's `getBuffersInUseCount`: a remote
//! channel's received and unprocessed buffers plus its sender's backlog, a
//! local channel's buffers in the producer's subpartition. The size is smoothed
//! by an exponential moving average (α = 2 / (samples + 1); one step moves at
//! most to twice the current size), clamped to [min-segment-size, buffer-size],
//! and announced to every channel of the gate only when it differs from the
//! last announced size by at least `threshold-percentages` (or reaches a bound).
//! The sender finishes its buffers for that channel at the announced size.
//! Channels start at `starting-segment-size` (Flink 2.x).
//!
//! Simplifications: the announcement takes effect at once (Flink sends it to a
//! remote sender over the network) and from the next record on (Flink trims the
//! next buffer it requests); the recalculation runs at its timer, not as a mailbox
//! action between two buffers; the remote sender's backlog is its current one
//! (Flink: as announced with the last buffer received).
//!
//! Owns no other rule: the record writer asks `buffer_capacity`, the processing
//! loop reports what it took (`measure_input`) and starts the timer (`arm_debloater`).

use super::Job;
use super::channel::Item;
use crate::event::{ChanId, Ctx, Ev, TaskId};
use crate::scenario::{BufferDebloat, Scenario};
use crate::time::{NS_PER_S, SimTime};

/// The throughput measurement and buffer size of one input gate (Flink's
/// `ThroughputCalculator` and `BufferDebloater` with its `BufferSizeEMA`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GateDebloater {
    /// Bytes taken from the gate since the last recalculation.
    data_bytes: u64,
    /// Measured (not idle) time since the last recalculation, ns.
    measured_ns: u64,
    /// Start of the running measurement; `None` while the gate is idle.
    since: Option<SimTime>,
    /// The last throughput calculated, bytes/s (kept when nothing was measured).
    throughput_bytes_per_s: u64,
    /// The moving average of the buffer size, bytes.
    ema_bytes: f64,
    /// The buffer size last announced, bytes.
    announced_bytes: u64,
}

impl GateDebloater {
    /// A gate's debloater at the start of a task: nothing measured, buffers at `start_bytes`.
    pub fn new(start_bytes: u64) -> Self {
        GateDebloater {
            data_bytes: 0,
            measured_ns: 0,
            since: None,
            throughput_bytes_per_s: 0,
            ema_bytes: start_bytes as f64,
            announced_bytes: start_bytes,
        }
    }

    /// The gate had no input to hand out: idle time is not measured.
    fn pause(&mut self, now: SimTime) {
        if let Some(since) = self.since.take() {
            self.measured_ns += now.since(since).as_ns();
        }
    }

    /// The task took `bytes` from the gate (0 for an event): measuring resumes.
    fn took(&mut self, now: SimTime, bytes: u64) {
        self.since.get_or_insert(now);
        self.data_bytes += bytes;
    }

    /// The throughput since the last call, bytes/s; the last one when no time was
    /// measured (Flink's `calculateThroughput`). Starts the next measurement.
    fn throughput(&mut self, now: SimTime) -> u64 {
        if let Some(since) = self.since {
            self.measured_ns += now.since(since).as_ns();
            self.since = Some(now);
        }
        if self.measured_ns > 0 {
            let per_s = self.data_bytes as u128 * NS_PER_S as u128 / self.measured_ns as u128;
            self.throughput_bytes_per_s = per_s as u64;
        }
        (self.data_bytes, self.measured_ns) = (0, 0);
        self.throughput_bytes_per_s
    }

    /// Flink's `recalculateBufferSize`: the new buffer size to announce, if any, for
    /// `throughput` bytes/s over `in_use` buffers with buffers of at most `max_bytes`.
    fn recalculate(
        &mut self,
        d: &BufferDebloat,
        max_bytes: u64,
        throughput: u64,
        in_use: u32,
    ) -> Option<u64> {
        let buffers = in_use.max(1);
        let target_ns = d.target.as_ns() as u128;
        let desired_total_bytes = throughput as u128 * target_ns / NS_PER_S as u128;
        let (min, max) = (d.min_segment_bytes as f64, max_bytes as f64);
        let alpha = 2.0 / (d.samples as f64 + 1.0);
        let desirable = (desired_total_bytes as f64 / buffers as f64).min(2.0 * self.ema_bytes);
        self.ema_bytes += alpha * (desirable - self.ema_bytes);
        self.ema_bytes = self.ema_bytes.min(max).max(min);
        let new_bytes = self.ema_bytes.round() as u64;
        if self.skip_update(d, max_bytes, new_bytes) {
            return None;
        }
        self.announced_bytes = new_bytes;
        Some(new_bytes)
    }

    /// Flink's `skipUpdate`: the new size is the last announced one, or differs from it
    /// by less than the threshold without reaching a bound.
    fn skip_update(&self, d: &BufferDebloat, max_bytes: u64, new_bytes: u64) -> bool {
        let last = self.announced_bytes;
        if new_bytes == last {
            return true;
        }
        if new_bytes <= d.min_segment_bytes || new_bytes >= max_bytes {
            return false;
        }
        let delta = last * u64::from(d.threshold_percentages) / 100;
        new_bytes.abs_diff(last) < delta
    }
}

/// The debloating state of one subtask: a debloater per input gate and the attempt
/// whose recalculation timer runs.
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskDebloat {
    /// The execution attempt whose timer is armed.
    armed: Option<u32>,
    /// One debloater per input gate.
    gates: Vec<GateDebloater>,
}

/// The debloaters of every task in `tasks` order (`gates[t]` input gates each), or
/// none when debloating is off.
pub(super) fn debloaters(sc: &Scenario, gates: impl Iterator<Item = usize>) -> Vec<TaskDebloat> {
    let Some(d) = &sc.network.buffer_debloat else {
        return Vec::new();
    };
    let start = GateDebloater::new(d.starting_segment_bytes);
    gates
        .map(|n| TaskDebloat {
            armed: None,
            gates: vec![start.clone(); n],
        })
        .collect()
}

impl Job {
    /// The size at which the writer finishes its buffers for channel `ch`: the size
    /// the receiver announced, else the starting size when debloating, else `buffer-size`.
    pub(super) fn buffer_capacity(&self, ctx: &Ctx, ch: ChanId) -> u64 {
        match (
            self.chans[ch].announced_bytes,
            &ctx.sc.network.buffer_debloat,
        ) {
            (0, Some(d)) => d.starting_segment_bytes,
            (0, None) => ctx.sc.network.buffer_bytes,
            (announced, _) => announced,
        }
    }

    /// The largest size at which `task` finishes the buffers of its output channels
    /// (`buffer-size` when debloating is off).
    pub(super) fn largest_output_buffer(&self, ctx: &Ctx, task: TaskId) -> u64 {
        if ctx.sc.network.buffer_debloat.is_none() {
            return ctx.sc.network.buffer_bytes;
        }
        let chans = self.tasks[task].outputs.iter().flat_map(|o| o.chans.iter());
        let sizes = chans.map(|&ch| self.buffer_capacity(ctx, ch));
        sizes.max().unwrap_or(ctx.sc.network.buffer_bytes)
    }

    /// Starts the recalculation timer of a running task's new attempt, with fresh
    /// debloaters (a restarted task starts over, as its new input gates do in Flink).
    pub(super) fn arm_debloater(&mut self, ctx: &mut Ctx, task: TaskId) {
        let Some(d) = &ctx.sc.network.buffer_debloat else {
            return;
        };
        let attempt = self.tasks[task].attempt;
        let td = &mut self.debloat[task];
        if td.gates.is_empty() || td.armed == Some(attempt) {
            return;
        }
        td.armed = Some(attempt);
        let start = GateDebloater::new(d.starting_segment_bytes);
        td.gates.iter_mut().for_each(|g| *g = start.clone());
        let at = ctx.now() + d.period;
        ctx.push(at, Ev::Debloat { task, attempt });
    }

    /// The processing loop asked `task` for input and got `taken` (none: every gate
    /// is idle; an item: its gate's measurement resumes and counts its bytes).
    pub(super) fn measure_input(
        &mut self,
        now: SimTime,
        task: TaskId,
        taken: Option<&(ChanId, Item)>,
    ) {
        match taken {
            None => (self.debloat[task].gates.iter_mut()).for_each(|g| g.pause(now)),
            Some((ch, item)) => {
                let bytes = match item {
                    Item::Data(b) => b.bytes,
                    Item::Barrier(_) | Item::Priority(_) => 0,
                };
                self.debloat[task].gates[self.chans[*ch].gate].took(now, bytes);
            }
        }
    }

    /// The recalculation timer of `task` (Flink's `StreamTask#debloat`, every period):
    /// each input gate recalculates its buffer size and announces a new one to its
    /// channels' senders. Stale for another attempt, and then not re-armed.
    pub fn debloat_timer(&mut self, ctx: &mut Ctx, task: TaskId, attempt: u32) {
        let Some(d) = &ctx.sc.network.buffer_debloat else {
            return;
        };
        if !self.live(task, attempt) || self.debloat[task].armed != Some(attempt) {
            return;
        }
        let now = ctx.now();
        for gate in 0..self.debloat[task].gates.len() {
            let in_use = self.buffers_in_use(task, gate);
            let g = &mut self.debloat[task].gates[gate];
            let throughput = g.throughput(now);
            let max = ctx.sc.network.buffer_bytes;
            let Some(size) = g.recalculate(d, max, throughput, in_use) else {
                continue;
            };
            for i in 0..self.tasks[task].inputs.chans.len() {
                let ch = self.tasks[task].inputs.chans[i];
                if self.chans[ch].gate == gate {
                    self.chans[ch].announced_bytes = size;
                }
            }
        }
        ctx.push(now + d.period, Ev::Debloat { task, attempt });
    }

    /// Flink's `SingleInputGate#getBuffersInUseCount` for input gate `gate` of `task`:
    /// per remote channel, the data buffers received and not yet taken plus the
    /// sender's backlog (finished buffers not yet sent); per local channel, the
    /// buffers in the producer's subpartition (the open one included).
    fn buffers_in_use(&self, task: TaskId, gate: usize) -> u32 {
        let mut n = 0;
        for &ch in &self.tasks[task].inputs.chans {
            let c = &self.chans[ch];
            if c.gate != gate {
                continue;
            }
            n += if c.remote {
                let received = c.in_q.iter().filter(|i| matches!(i, Item::Data(_))).count();
                received as u32 + c.out_data
            } else {
                c.pool_buffers()
            };
        }
        n
    }
}

#[cfg(test)]
mod tests {
    //! Flink's `BufferDebloaterTest` cases (one sample: α = 1, the average is the
    //! instant value), and the moving average with Flink's 20 samples.

    use super::*;
    use crate::time::SimDuration;

    fn config(target_ms: u64, min: u64, samples: u32) -> BufferDebloat {
        BufferDebloat {
            target: SimDuration::from_millis(target_ms),
            period: SimDuration::from_millis(200),
            samples,
            threshold_percentages: 25,
            min_segment_bytes: min,
            starting_segment_bytes: min,
        }
    }

    /// A debloater that starts at `max` (as Flink's test builder makes it).
    fn first(target_ms: u64, (min, max): (u64, u64), in_use: u32, throughput: u64) -> Option<u64> {
        let mut g = GateDebloater::new(max);
        g.recalculate(&config(target_ms, min, 1), max, throughput, in_use)
    }

    #[test]
    fn flinks_buffer_debloater_cases() {
        // Zero buffers in use count as one: 1,200 B/s × 1 s.
        assert_eq!(first(1000, (50, 2400), 0, 1200), Some(1200));
        // 3,333 B/s × 1.2 s = 3,999 B over 16 buffers: 249.9, rounded.
        assert_eq!(first(1200, (50, 1100), 16, 3333), Some(250));
        assert_eq!(first(1200, (250, 1100), 16, 3333), Some(250));
        // No throughput, or a target too short: the minimum.
        assert_eq!(first(1200, (50, 1100), 16, 0), Some(50));
        assert_eq!(first(7, (50, 1100), 16, 3333), Some(50));
        // Clamped to the maximum it already has, or within the threshold of it: no announcement.
        assert_eq!(first(1200, (50, 248), 16, 3333), None);
        assert_eq!(first(1200, (50, 250), 16, 3333), None);
    }

    #[test]
    fn the_bounds_are_announced_despite_the_threshold() {
        let d = config(1000, 50, 1);
        let mut g = GateDebloater::new(1100);
        assert_eq!(g.recalculate(&d, 1100, 500, 1), Some(500));
        assert_eq!(g.recalculate(&d, 1100, 1000, 1), Some(1000));
        // 1,100 is within 25 % of 1,000 but it is the maximum.
        assert_eq!(g.recalculate(&d, 1100, 2000, 1), Some(1100));
        assert_eq!(g.recalculate(&d, 1100, 2000, 1), None);
        let mut g = GateDebloater::new(1100);
        assert_eq!(g.recalculate(&d, 1100, 60, 1), Some(60));
        assert_eq!(g.recalculate(&d, 1100, 60, 1), None);
        assert_eq!(g.recalculate(&d, 1100, 40, 1), Some(50));
        assert_eq!(g.recalculate(&d, 1100, 40, 1), None);
    }

    #[test]
    fn twenty_samples_move_the_size_a_tenth_of_the_way_and_at_most_double_it() {
        // α = 2/21: each step keeps 19/21 of the distance. From 32,768 towards 0:
        // 29,647 and 26,824 stay within 25 % of 32,768 (8,192); 24,269 is announced.
        let d = config(1000, 256, 20);
        let mut g = GateDebloater::new(32_768);
        for ema in [29_647.0, 26_824.0] {
            assert_eq!(g.recalculate(&d, 32_768, 0, 1), None);
            assert_eq!(g.ema_bytes.round(), ema);
        }
        assert_eq!(g.recalculate(&d, 32_768, 0, 1), Some(24_269));
        // Towards a huge size from 1,024: at most to twice the current size per step,
        // so 1,024 + (2,048 − 1,024)·2/21 = 1,121.5.
        let mut g = GateDebloater::new(1024);
        assert_eq!(g.recalculate(&d, 32_768, 1 << 40, 1), None);
        assert_eq!(g.ema_bytes, 1024.0 + 1024.0 * 2.0 / 21.0);
    }

    #[test]
    fn throughput_counts_only_the_time_the_gate_was_not_idle() {
        let t = |ms: u64| SimTime(0) + SimDuration::from_millis(ms);
        let mut g = GateDebloater::new(1024);
        // Flink's ThroughputCalculatorTest#testIgnoringIdleTime: 7 bytes, 1 ms, idle 9 ms,
        // 3 bytes, 1 ms: 10 bytes in 2 ms.
        g.took(t(0), 7);
        g.pause(t(1));
        g.took(t(10), 3);
        assert_eq!(g.throughput(t(11)), 5_000);
        // Nothing measured since: the last throughput stays.
        g.pause(t(11));
        assert_eq!(g.throughput(t(50)), 5_000);
    }
}
