//! Flink's restart strategies as a pure state machine
//! (RestartBackoffTimeStrategy): told of each failure, it answers whether the
//! job may restart and after what delay.

use crate::scenario::RestartStrategy;
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The decision for one failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartDecision {
    /// Restart after this delay.
    Restart(SimDuration),
    /// Give up: the job fails.
    Fail,
}

/// Restart strategy state across the failures of a run.
#[derive(Clone, Debug)]
pub struct RestartState {
    strategy: RestartStrategy,
    attempts: u32,
    failures_in_window: VecDeque<SimTime>,
    current_backoff: Option<SimDuration>,
    last_failure: Option<SimTime>,
    next_restart: Option<SimTime>,
}

impl RestartState {
    /// A fresh state for `strategy`.
    pub fn new(strategy: RestartStrategy) -> Self {
        RestartState {
            strategy,
            attempts: 0,
            failures_in_window: VecDeque::new(),
            current_backoff: None,
            last_failure: None,
            next_restart: None,
        }
    }

    /// Records a failure at `now` and decides; the jitter of exponential-delay
    /// is drawn from `rng` (the run's "restart-jitter" stream).
    pub fn on_failure(&mut self, now: SimTime, rng: &mut ChaCha8Rng) -> RestartDecision {
        match self.strategy.clone() {
            RestartStrategy::None => RestartDecision::Fail,
            RestartStrategy::FixedDelay { attempts, delay } => {
                self.attempts += 1;
                if self.attempts > attempts {
                    RestartDecision::Fail
                } else {
                    RestartDecision::Restart(delay)
                }
            }
            RestartStrategy::FailureRate {
                max_failures,
                interval,
                delay,
            } => {
                self.failures_in_window.push_back(now);
                while let Some(&t) = self.failures_in_window.front() {
                    if now.since(t) > interval {
                        self.failures_in_window.pop_front();
                    } else {
                        break;
                    }
                }
                if self.failures_in_window.len() as u64 > max_failures as u64 {
                    RestartDecision::Fail
                } else {
                    RestartDecision::Restart(delay)
                }
            }
            RestartStrategy::ExponentialDelay {
                initial,
                max,
                multiplier,
                reset_threshold,
                jitter,
                attempts,
            } => {
                // Flink's ExponentialDelayRestartBackoffTimeStrategy: a failure before the
                // pending restart merges into it (same restart time, no attempt used).
                if let Some(next) = self.next_restart
                    && now <= next
                {
                    return RestartDecision::Restart(next.since(now));
                }
                let with_jitter = |b: SimDuration, rng: &mut ChaCha8Rng| {
                    let b = if jitter > 0.0 {
                        let f: f64 = rng.random_range(-jitter..=jitter);
                        b.mul_f64(1.0 + f)
                    } else {
                        b
                    };
                    b.min(max).max(initial)
                };
                let backoff = match (self.current_backoff, self.last_failure) {
                    (Some(cur), Some(last)) if now.since(last) < reset_threshold + cur => {
                        with_jitter(cur.mul_f64(multiplier).min(max), rng)
                    }
                    (Some(_), Some(_)) => {
                        self.attempts = 0;
                        with_jitter(initial, rng)
                    }
                    _ => with_jitter(initial, rng),
                };
                self.current_backoff = Some(backoff);
                self.last_failure = Some(now);
                self.next_restart = Some(now + backoff);
                self.attempts = self.attempts.saturating_add(1);
                if self.attempts > attempts {
                    return RestartDecision::Fail;
                }
                let delay = backoff;
                RestartDecision::Restart(delay)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rng_stream;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    #[test]
    fn fixed_delay_gives_up_after_attempts() {
        let mut r = rng_stream(1, "t");
        let mut st = RestartState::new(RestartStrategy::FixedDelay {
            attempts: 2,
            delay: SimDuration::from_secs(3),
        });
        let d = RestartDecision::Restart(SimDuration::from_secs(3));
        assert_eq!(st.on_failure(s(1), &mut r), d);
        assert_eq!(st.on_failure(s(2), &mut r), d);
        assert_eq!(st.on_failure(s(3), &mut r), RestartDecision::Fail);
    }

    #[test]
    fn failure_rate_counts_a_sliding_window() {
        let mut r = rng_stream(1, "t");
        let mut st = RestartState::new(RestartStrategy::FailureRate {
            max_failures: 2,
            interval: SimDuration::from_secs(60),
            delay: SimDuration::from_secs(1),
        });
        assert!(matches!(
            st.on_failure(s(0), &mut r),
            RestartDecision::Restart(_)
        ));
        assert!(matches!(
            st.on_failure(s(30), &mut r),
            RestartDecision::Restart(_)
        ));
        // Third within 60 s of the first: fail.
        assert_eq!(st.on_failure(s(59), &mut r), RestartDecision::Fail);
        let mut st2 = RestartState::new(RestartStrategy::FailureRate {
            max_failures: 2,
            interval: SimDuration::from_secs(60),
            delay: SimDuration::from_secs(1),
        });
        st2.on_failure(s(0), &mut r);
        st2.on_failure(s(30), &mut r);
        // 61 s after the first: it has left the window.
        assert!(matches!(
            st2.on_failure(s(61), &mut r),
            RestartDecision::Restart(_)
        ));
    }

    #[test]
    fn exponential_delay_grows_caps_and_resets() {
        let mut r = rng_stream(1, "t");
        let mut st = RestartState::new(RestartStrategy::ExponentialDelay {
            initial: SimDuration::from_secs(1),
            max: SimDuration::from_secs(4),
            multiplier: 2.0,
            reset_threshold: SimDuration::from_secs(100),
            jitter: 0.0,
            attempts: u32::MAX,
        });
        let secs = |d: RestartDecision| match d {
            RestartDecision::Restart(d) => d.as_ns() / 1_000_000_000,
            RestartDecision::Fail => u64::MAX,
        };
        assert_eq!(secs(st.on_failure(s(0), &mut r)), 1);
        assert_eq!(secs(st.on_failure(s(10), &mut r)), 2);
        assert_eq!(secs(st.on_failure(s(20), &mut r)), 4);
        assert_eq!(secs(st.on_failure(s(30), &mut r)), 4);
        // Quiet for threshold + current backoff (100 + 4 s): reset to initial.
        assert_eq!(secs(st.on_failure(s(134), &mut r)), 1);
    }

    #[test]
    fn exponential_delay_merges_failures_during_the_backoff() {
        let mut r = rng_stream(1, "t");
        let mut st = RestartState::new(RestartStrategy::ExponentialDelay {
            initial: SimDuration::from_secs(10),
            max: SimDuration::from_secs(60),
            multiplier: 2.0,
            reset_threshold: SimDuration::from_secs(3600),
            jitter: 0.0,
            attempts: 2,
        });
        let d = |x: u64| RestartDecision::Restart(SimDuration::from_secs(x));
        assert_eq!(st.on_failure(s(0), &mut r), d(10));
        // 4 s later, still before the restart at 10 s: same restart time, no attempt used.
        assert_eq!(st.on_failure(s(4), &mut r), d(6));
        assert_eq!(st.on_failure(s(10), &mut r), d(0)); // at the restart time itself: merged too
        assert_eq!(st.on_failure(s(11), &mut r), d(20));
        assert_eq!(st.on_failure(s(40), &mut r), RestartDecision::Fail);
    }

    #[test]
    fn exponential_jitter_stays_in_band_and_is_seeded() {
        let strat = RestartStrategy::ExponentialDelay {
            initial: SimDuration::from_secs(10),
            max: SimDuration::from_secs(60),
            multiplier: 1.5,
            reset_threshold: SimDuration::from_secs(3600),
            jitter: 0.1,
            attempts: u32::MAX,
        };
        let draw = |seed| {
            let mut r = rng_stream(seed, "restart-jitter");
            RestartState::new(strat.clone()).on_failure(s(0), &mut r)
        };
        let RestartDecision::Restart(d) = draw(3) else {
            panic!("must restart")
        };
        // Jittered, then clamped to [initial, max] as Flink does: 10 s .. 11 s.
        assert!((10_000_000_000..=11_000_000_000).contains(&d.as_ns()));
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
