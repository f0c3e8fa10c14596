//! Flink's restart-backoff-time strategies (`RestartBackoffTimeStrategy` and
//! its implementations in `org.apache.flink.runtime.executiongraph.failover`)
//! as a pure state machine: told of each failure, it answers whether the
//! failure is a new restart attempt or merged into a pending one, whether the
//! job may restart, and after what delay.
//!
//! Like Flink, every strategy works on the JobMaster's millisecond clock: the
//! simulated instant is truncated to whole milliseconds (`clock_ms`), durations
//! from the scenario are truncated to whole milliseconds (Java's
//! `Duration.toMillis`), and every delay handed back is a whole number of
//! milliseconds. The three parts of Flink's interface are kept apart
//! (`notify_failure`, `can_restart`, the backoff time) so that the unit tests
//! can replay Flink's own tests of each strategy step by step.
//!
//! Owns the strategies' state only; the episode bookkeeping (restart count,
//! failure cause) belongs to `failover`, which reads `new_attempt`.

use crate::scenario::RestartStrategy;
use crate::time::{NS_PER_MS, SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The decision for one failure (Flink's `FailureHandlingResult`, reduced to
/// what the simulator needs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartDecision {
    /// Restart after `delay` (whole milliseconds).
    Restart {
        /// Time until the restart: for a failure merged into a pending backoff,
        /// what is left of that backoff, so that both restart together.
        delay: SimDuration,
        /// Flink's `isNewAttempt`: false when exponential-delay merged the
        /// failure into a pending backoff. Only new attempts count as restarts
        /// (Flink's `numberOfRestarts`).
        new_attempt: bool,
    },
    /// Give up: the job fails.
    Fail,
}

/// Flink's clock for a simulated instant: whole milliseconds since the start
/// (`clock.absoluteTimeMillis()`).
fn clock_ms(now: SimTime) -> i64 {
    (now.as_ns() / NS_PER_MS) as i64
}

/// A duration in whole milliseconds, truncated like Java's `Duration.toMillis`.
fn to_ms(d: SimDuration) -> i64 {
    (d.as_ns() / NS_PER_MS) as i64
}

/// A non-negative millisecond count as a simulated duration.
fn from_ms(ms: i64) -> SimDuration {
    SimDuration::from_millis(ms.max(0) as u64)
}

/// Restart strategy state across the failures of a run.
#[derive(Clone, Debug)]
pub struct RestartState {
    backoff: Backoff,
}

/// One of Flink's strategies with its state.
#[derive(Clone, Debug)]
enum Backoff {
    /// `NoRestartBackoffTimeStrategy`: never restarts.
    NoRestart,
    FixedDelay(FixedDelay),
    FailureRate(FailureRate),
    ExponentialDelay(ExponentialDelay),
}

impl RestartState {
    /// A fresh state for `strategy`.
    pub fn new(strategy: RestartStrategy) -> Self {
        let backoff = match strategy {
            RestartStrategy::None => Backoff::NoRestart,
            RestartStrategy::FixedDelay { attempts, delay } => {
                Backoff::FixedDelay(FixedDelay::new(attempts, to_ms(delay)))
            }
            RestartStrategy::FailureRate {
                max_failures,
                interval,
                delay,
            } => Backoff::FailureRate(FailureRate::new(
                max_failures,
                to_ms(interval),
                to_ms(delay),
            )),
            RestartStrategy::ExponentialDelay {
                initial,
                max,
                multiplier,
                reset_threshold,
                jitter,
                attempts,
            } => Backoff::ExponentialDelay(ExponentialDelay::new(
                to_ms(initial),
                to_ms(max),
                multiplier,
                to_ms(reset_threshold),
                jitter,
                attempts,
            )),
        };
        RestartState { backoff }
    }

    /// Records a failure handled at `now` and decides, in the order of Flink's
    /// `ExecutionFailureHandler.handleFailure`: `notifyFailure` (is it a new
    /// attempt?), then `canRestart`, then `getBackoffTime`. The jitter of
    /// exponential-delay is drawn from `rng` (the run's "restart-jitter"
    /// stream), once per new attempt.
    pub fn on_failure(&mut self, now: SimTime, rng: &mut ChaCha8Rng) -> RestartDecision {
        let now_ms = clock_ms(now);
        let (new_attempt, can_restart, backoff_ms) = match &mut self.backoff {
            Backoff::NoRestart => return RestartDecision::Fail,
            Backoff::FixedDelay(s) => (s.notify_failure(), s.can_restart(), s.backoff_ms),
            Backoff::FailureRate(s) => (
                s.notify_failure(now_ms),
                s.can_restart(now_ms),
                s.backoff_ms,
            ),
            Backoff::ExponentialDelay(s) => {
                let new = s.notify_failure(now_ms, rng);
                let left = s.backoff_time_ms(now_ms).unwrap_or(0);
                (new, s.can_restart(), left)
            }
        };
        if can_restart {
            RestartDecision::Restart {
                delay: from_ms(backoff_ms),
                new_attempt,
            }
        } else {
            RestartDecision::Fail
        }
    }
}

/// `FixedDelayRestartBackoffTimeStrategy`: every failure is an attempt; the
/// job fails at attempt `max_attempts + 1`.
#[derive(Clone, Debug)]
struct FixedDelay {
    max_attempts: u32,
    backoff_ms: i64,
    attempt: u32,
}

impl FixedDelay {
    fn new(max_attempts: u32, backoff_ms: i64) -> Self {
        FixedDelay {
            max_attempts,
            backoff_ms,
            attempt: 0,
        }
    }

    /// Counts the failure; it is always a new attempt (no merging).
    fn notify_failure(&mut self) -> bool {
        self.attempt = self.attempt.saturating_add(1);
        true
    }

    fn can_restart(&self) -> bool {
        self.attempt <= self.max_attempts
    }
}

/// `FailureRateRestartBackoffTimeStrategy`: keeps the times of the last
/// `max_failures + 1` failures; with that many, the job may restart only if
/// the oldest lies strictly more than `interval_ms` before now.
#[derive(Clone, Debug)]
struct FailureRate {
    max_failures: u32,
    interval_ms: i64,
    backoff_ms: i64,
    /// Failure times (ms), oldest first; at most `max_failures + 1` of them.
    failures_ms: VecDeque<i64>,
}

impl FailureRate {
    fn new(max_failures: u32, interval_ms: i64, backoff_ms: i64) -> Self {
        FailureRate {
            max_failures,
            interval_ms,
            backoff_ms,
            failures_ms: VecDeque::new(),
        }
    }

    /// Flink's `isFailureTimestampsQueueFull`: more than `max_failures` recorded.
    fn full(&self) -> bool {
        self.failures_ms.len() as u64 > self.max_failures as u64
    }

    /// Records the failure, dropping the oldest when full; always a new attempt.
    fn notify_failure(&mut self, now_ms: i64) -> bool {
        if self.full() {
            self.failures_ms.pop_front();
        }
        self.failures_ms.push_back(now_ms);
        true
    }

    fn can_restart(&self, now_ms: i64) -> bool {
        match self.failures_ms.front() {
            Some(&earliest) if self.full() => now_ms - earliest > self.interval_ms,
            _ => true,
        }
    }
}

/// `ExponentialDelayRestartBackoffTimeStrategy` (Flink 1.19 and later): the
/// backoff of attempt k (0-based since the last reset) is
/// `clamp(floor(initial · multiplier^k) + J, initial, max)` with J a uniform
/// integer in `[-floor(b · jitter), +floor(b · jitter)]`, b the unjittered
/// value. Each backoff is computed afresh from k, so jitter never compounds,
/// and once b passes `max` the delay is exactly `max`.
#[derive(Clone, Debug)]
struct ExponentialDelay {
    initial_ms: i64,
    max_ms: i64,
    multiplier: f64,
    reset_threshold_ms: i64,
    jitter: f64,
    /// `attempts-before-reset-backoff`: the job fails at attempt `attempts + 1`
    /// since the last reset.
    attempts: u32,
    /// Attempts since the last reset (`currentRestartAttempt`).
    attempt: u32,
    /// When the pending (or last) restart happens, ms; `None` before any failure.
    next_restart_ms: Option<i64>,
}

impl ExponentialDelay {
    fn new(
        initial_ms: i64,
        max_ms: i64,
        multiplier: f64,
        reset_threshold_ms: i64,
        jitter: f64,
        attempts: u32,
    ) -> Self {
        ExponentialDelay {
            initial_ms,
            max_ms,
            multiplier,
            reset_threshold_ms,
            jitter,
            attempts,
            attempt: 0,
            next_restart_ms: None,
        }
    }

    /// Records a failure at `now_ms`; returns whether it is a new attempt.
    /// A failure at or before the pending restart time is merged into it (no
    /// attempt used, backoff unchanged). Otherwise, when at least
    /// `reset_threshold_ms` passed since the last restart time, the attempt
    /// count resets to 0 before the next backoff is computed.
    fn notify_failure(&mut self, now_ms: i64, rng: &mut ChaCha8Rng) -> bool {
        if let Some(next) = self.next_restart_ms {
            if now_ms <= next {
                return false;
            }
            if now_ms - next >= self.reset_threshold_ms {
                self.attempt = 0;
            }
        } else {
            // Flink starts from Integer.MIN_VALUE, so the first failure always resets.
            self.attempt = 0;
        }
        let backoff = self.actual_backoff_ms(rng);
        self.next_restart_ms = Some(now_ms.saturating_add(backoff));
        self.attempt = self.attempt.saturating_add(1);
        true
    }

    fn can_restart(&self) -> bool {
        self.attempt <= self.attempts
    }

    /// Time left until the pending restart, ms (Flink's `getBackoffTime`);
    /// `None` before the first failure (Flink throws there).
    fn backoff_time_ms(&self, now_ms: i64) -> Option<i64> {
        self.next_restart_ms.map(|next| (next - now_ms).max(0))
    }

    /// Flink's `calculateActualBackoffTime` for the current attempt. Java's
    /// `(long)` cast truncates and saturates, as Rust's `as i64` does; the
    /// jitter is added with saturation where Java's `long` would wrap (only
    /// reachable after about 90 attempts without a reset at multiplier 1.5).
    fn actual_backoff_ms(&self, rng: &mut ChaCha8Rng) -> i64 {
        let base = (self.initial_ms as f64 * self.multiplier.powf(self.attempt as f64)) as i64;
        let jitter = if self.jitter == 0.0 {
            0
        } else {
            let offset = (base as f64 * self.jitter) as i64;
            rng.random_range(-offset..=offset)
        };
        base.saturating_add(jitter)
            .min(self.max_ms)
            .max(self.initial_ms)
    }
}

#[cfg(test)]
mod tests;
