//! Flink's own tests of its three restart-backoff strategies, replayed step by
//! step against ours, with the values they assert.

use super::*;
use crate::kernel::rng_stream;

fn s(x: u64) -> SimTime {
    SimTime(x * 1_000_000_000)
}

fn restart(secs: u64, new_attempt: bool) -> RestartDecision {
    RestartDecision::Restart {
        delay: SimDuration::from_secs(secs),
        new_attempt,
    }
}

/// Flink's `ManualClock`, in milliseconds, starting at 0.
struct Clock(i64);

impl Clock {
    fn advance(&mut self, ms: i64) {
        self.0 += ms;
    }
}

/// Mirrors `ExponentialDelayRestartBackoffTimeStrategyTest` (Flink
/// 1.19+/2.x, failover package). Constructor order as Flink's: (initial,
/// max, multiplier, reset threshold, jitter, attempts).
mod exponential_delay_restart_backoff_time_strategy_test {
    use super::*;
    use std::collections::BTreeSet;

    const UNLIMITED: u32 = u32::MAX;
    /// Integer.MAX_VALUE as a reset threshold: never reached in these tests.
    const NEVER_MS: i64 = i32::MAX as i64;

    fn rng() -> ChaCha8Rng {
        rng_stream(7, "restart-jitter")
    }

    #[test]
    fn test_max_attempts() {
        let (mut clock, mut r) = (Clock(0), rng());
        let max_attempts = 13;
        let max_backoff_ms = 3;
        let mut st = ExponentialDelay::new(1, max_backoff_ms, 1.2, 10, 0.25, max_attempts);
        for _ in 0..=max_attempts {
            assert!(st.can_restart());
            assert!(st.notify_failure(clock.0, &mut r));
            clock.advance(max_backoff_ms + 1);
        }
        // 14 attempts against a limit of 13.
        assert!(!st.can_restart());
    }

    #[test]
    fn test_not_call_notify_failure() {
        let st = ExponentialDelay::new(42, 45, 2.0, 8, 0.0, 10);
        assert_eq!(st.backoff_time_ms(0), None);
    }

    #[test]
    fn test_initial_backoff() {
        let mut st = ExponentialDelay::new(42, 45, 2.0, 8, 0.0, UNLIMITED);
        st.notify_failure(0, &mut rng());
        assert_eq!(st.backoff_time_ms(0), Some(42));
    }

    #[test]
    fn test_max_backoff() {
        let mut r = rng();
        let max_backoff_ms = 6;
        let mut st = ExponentialDelay::new(1, max_backoff_ms, 2.0, 8, 0.25, UNLIMITED);
        for _ in 0..10 {
            st.notify_failure(0, &mut r);
            assert!(st.backoff_time_ms(0).unwrap() <= max_backoff_ms);
        }
    }

    #[test]
    fn test_reset_backoff() {
        let (mut clock, mut r) = (Clock(0), rng());
        let (initial, threshold) = (1, 8);
        let mut st = ExponentialDelay::new(initial, 5, 2.0, threshold, 0.25, UNLIMITED);
        assert!(st.notify_failure(clock.0, &mut r));
        // t = 8 + 1 - 1 = 8; 8 - next restart 1 = 7 < 8: no reset.
        clock.advance(threshold + st.backoff_time_ms(clock.0).unwrap() - 1);
        assert!(st.notify_failure(clock.0, &mut r));
        // floor(1 · 2^1) = 2, jitter offset floor(2 · 0.25) = 0.
        assert_eq!(st.backoff_time_ms(clock.0), Some(2), "increased");
        // t = 8 + 10 = 18; 18 - next restart 10 = 8 >= 8: reset.
        clock.advance(threshold + st.backoff_time_ms(clock.0).unwrap());
        assert!(st.notify_failure(clock.0, &mut r));
        assert_eq!(st.backoff_time_ms(clock.0), Some(initial), "reset");
    }

    #[test]
    fn test_backoff_multiplier() {
        let (mut clock, mut r) = (Clock(0), rng());
        let max_backoff_ms = 300;
        let mut st = ExponentialDelay::new(4, max_backoff_ms, 2.3, NEVER_MS, 0.0, 10);
        // 4, floor(4 · 2.3) = floor(9.2) = 9, floor(4 · 2.3²) = floor(21.16) = 21.
        for expected in [4, 9, 21] {
            assert!(st.notify_failure(clock.0, &mut r));
            assert_eq!(st.backoff_time_ms(clock.0), Some(expected));
            clock.advance(max_backoff_ms + 1);
        }
    }

    /// The set of delays seen over 1000 fresh strategies that each take
    /// `failures` failures, `advance_ms` apart, on one shared clock
    /// (Flink's `assertCorrectRandomRangeWithFailureCount`).
    fn observed(
        make: impl Fn() -> ExponentialDelay,
        clock: &mut Clock,
        advance_ms: i64,
        failures: usize,
        r: &mut ChaCha8Rng,
    ) -> BTreeSet<i64> {
        (0..1000)
            .map(|_| {
                let mut st = make();
                for _ in 0..failures {
                    clock.advance(advance_ms);
                    assert!(st.notify_failure(clock.0, r));
                }
                st.backoff_time_ms(clock.0).unwrap()
            })
            .collect()
    }

    #[test]
    fn test_jitter() {
        let (mut clock, mut r) = (Clock(0), rng());
        let max_backoff_ms = 7;
        let make = || ExponentialDelay::new(2, max_backoff_ms, 2.0, NEVER_MS, 0.25, UNLIMITED);
        let mut seen = |n| observed(make, &mut clock, max_backoff_ms + 1, n, &mut r);
        // Attempt 1: 4 ± floor(1.0) = 1 -> {3, 4, 5}.
        assert_eq!(seen(2), BTreeSet::from([3, 4, 5]));
        // Attempt 2: 8 ± 2 = 6..10, capped at 7 -> {6, 7}.
        assert_eq!(seen(3), BTreeSet::from([6, 7]));
        // Attempt 3: 16 ± 4 = 12..20, capped -> {7}.
        assert_eq!(seen(4), BTreeSet::from([7]));
    }

    #[test]
    fn test_jitter_no_higher_than_max() {
        let (mut clock, mut r) = (Clock(0), rng());
        let max_backoff_ms = 7;
        let make = || ExponentialDelay::new(1, max_backoff_ms, 2.0, NEVER_MS, 1.0, UNLIMITED);
        let mut seen = |n| observed(make, &mut clock, max_backoff_ms + 1, n, &mut r);
        // 1 ± 1 = 0..2, at least initial -> {1, 2}.
        assert_eq!(seen(1), BTreeSet::from([1, 2]));
        // 2 ± 2 = 0..4 -> {1, 2, 3, 4}.
        assert_eq!(seen(2), BTreeSet::from([1, 2, 3, 4]));
        // 4 ± 4 = 0..8, clamped to [1, 7].
        assert_eq!(seen(3), (1..=7).collect::<BTreeSet<_>>());
    }

    #[test]
    fn test_multiple_settings() {
        let (mut clock, mut r) = (Clock(0), rng());
        let (initial, max, threshold) = (1, 9, 80);
        let mut st = ExponentialDelay::new(initial, max, 2.0, threshold, 0.25, UNLIMITED);
        let mut fail_then = |clock: &Clock, expected| {
            assert!(st.notify_failure(clock.0, &mut r));
            assert!(st.can_restart());
            assert_eq!(st.backoff_time_ms(clock.0), Some(expected));
        };
        // t = 0: initial data; next restart 1.
        fail_then(&clock, initial);
        // t = 81: 81 - 1 = 80 >= 80, reset; next restart 82.
        clock.advance(threshold + 1);
        fail_then(&clock, initial);
        // t = 85: 3 < 80, grows to 2; next restart 87.
        clock.advance(4);
        fail_then(&clock, 2);
        // t = 175: 88 >= 80, reset; next restart 176.
        clock.advance(threshold + 9 + 1);
        fail_then(&clock, 1);
        // t = 185: grows again.
        clock.advance(max + 1);
        fail_then(&clock, 2);
    }

    /// Flink's `checkMultipleExceptionsAreMerged`: for each ms of the
    /// backoff, ten failures; only the very first is a new attempt, and
    /// the backoff left shrinks by one per ms.
    fn check_multiple_exceptions_are_merged(
        clock: &mut Clock,
        expected_backoff_ms: i64,
        st: &mut ExponentialDelay,
        r: &mut ChaCha8Rng,
    ) {
        let mut expected_new_attempt = true;
        for advance_ms in 0..expected_backoff_ms {
            for _ in 0..10 {
                assert_eq!(st.notify_failure(clock.0, r), expected_new_attempt);
                expected_new_attempt = false;
                assert!(st.can_restart());
                assert_eq!(
                    st.backoff_time_ms(clock.0),
                    Some(expected_backoff_ms - advance_ms)
                );
            }
            clock.advance(1);
        }
    }

    #[test]
    fn test_merge_multiple_exceptions_into_one_attempt() {
        let (mut clock, mut r) = (Clock(0), rng());
        let (initial, max) = (2, 6);
        let mut st = ExponentialDelay::new(initial, max, 2.0, 80, 0.0, 3);
        // t = 0..1: backoff 2, merged failures.
        check_multiple_exceptions_are_merged(&mut clock, initial, &mut st, &mut r);
        // t = 3..6: a new round, backoff 4.
        clock.advance(1);
        check_multiple_exceptions_are_merged(&mut clock, initial * 2, &mut st, &mut r);
        // t = 8..13: min(8, 6) = 6.
        clock.advance(1);
        check_multiple_exceptions_are_merged(&mut clock, max, &mut st, &mut r);
        // t = 15: the fourth attempt passes the limit of 3.
        clock.advance(1);
        assert!(st.notify_failure(clock.0, &mut r));
        assert!(!st.can_restart());
    }

    #[test]
    fn test_merging_exceptions_works_with_resetting() {
        let (mut clock, mut r) = (Clock(0), rng());
        let (initial, max, threshold) = (2, 6, 80);
        let mut st = ExponentialDelay::new(initial, max, 2.0, threshold, 0.0, 3);
        for _ in 0..10 {
            check_multiple_exceptions_are_merged(&mut clock, initial, &mut st, &mut r);
            clock.advance(1);
            check_multiple_exceptions_are_merged(&mut clock, initial * 2, &mut st, &mut r);
            clock.advance(1);
            check_multiple_exceptions_are_merged(&mut clock, max, &mut st, &mut r);
            // 80 ms past the last restart time: the attempts reset.
            clock.advance(threshold);
        }
    }
}

/// Mirrors `FixedDelayRestartBackoffTimeStrategyTest`.
mod fixed_delay_restart_backoff_time_strategy_test {
    use super::*;

    #[test]
    fn test_number_of_restarts() {
        let number_of_restarts = 3;
        let mut st = FixedDelay::new(number_of_restarts, 0);
        for _ in 0..number_of_restarts {
            assert!(st.notify_failure());
            // Twice: asking must not count.
            assert!(st.can_restart());
            assert!(st.can_restart());
        }
        st.notify_failure();
        assert!(!st.can_restart());
    }

    #[test]
    fn test_backoff_time() {
        let st = FixedDelay::new(1, 10_000);
        assert_eq!(st.backoff_ms, 10_000);
    }
}

/// Mirrors `FailureRateRestartBackoffTimeStrategyTest`.
mod failure_rate_restart_backoff_time_strategy_test {
    use super::*;

    #[test]
    fn test_many_failures_within_rate() {
        let mut clock = Clock(0);
        let interval_ms = 1;
        let mut st = FailureRate::new(1, interval_ms, 0);
        for _ in 0..3 {
            st.notify_failure(clock.0);
            assert!(st.can_restart(clock.0));
            clock.advance(interval_ms + 1);
        }
        assert!(st.can_restart(clock.0));
    }

    #[test]
    fn test_failures_exceeding_rate() {
        let num_failures = 3;
        let mut st = FailureRate::new(num_failures, 10_000, 0);
        for _ in 0..num_failures {
            st.notify_failure(0);
            assert!(st.can_restart(0));
        }
        st.notify_failure(0);
        assert!(!st.can_restart(0));
    }

    #[test]
    fn test_backoff_time() {
        let st = FailureRate::new(1, 1, 10_000);
        assert_eq!(st.backoff_ms, 10_000);
    }
}

#[test]
fn fixed_delay_gives_up_after_attempts() {
    let mut r = rng_stream(1, "t");
    let mut st = RestartState::new(RestartStrategy::FixedDelay {
        attempts: 2,
        delay: SimDuration::from_secs(3),
    });
    assert_eq!(st.on_failure(s(1), &mut r), restart(3, true));
    // A failure at the same instant is still a new attempt: only
    // exponential-delay merges.
    assert_eq!(st.on_failure(s(1), &mut r), restart(3, true));
    assert_eq!(st.on_failure(s(3), &mut r), RestartDecision::Fail);
}

#[test]
fn failure_rate_counts_a_sliding_window() {
    let strategy = RestartStrategy::FailureRate {
        max_failures: 2,
        interval: SimDuration::from_secs(60),
        delay: SimDuration::from_secs(1),
    };
    let mut r = rng_stream(1, "t");
    let mut st = RestartState::new(strategy.clone());
    assert_eq!(st.on_failure(s(0), &mut r), restart(1, true));
    assert_eq!(st.on_failure(s(30), &mut r), restart(1, true));
    // Third within 60 s of the first: fail.
    assert_eq!(st.on_failure(s(59), &mut r), RestartDecision::Fail);
    // Exactly 60 s (60 000 ms) after the first is still inside: Flink needs
    // strictly more than the interval.
    let mut st2 = RestartState::new(strategy.clone());
    st2.on_failure(s(0), &mut r);
    st2.on_failure(s(30), &mut r);
    assert_eq!(st2.on_failure(s(60), &mut r), RestartDecision::Fail);
    // 61 s after the first: it has left the window.
    let mut st3 = RestartState::new(strategy);
    st3.on_failure(s(0), &mut r);
    st3.on_failure(s(30), &mut r);
    assert_eq!(st3.on_failure(s(61), &mut r), restart(1, true));
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
    // Backoff k = 1 s · 2^k capped at 4 s; restart times 1, 12, 24, 34 s.
    assert_eq!(st.on_failure(s(0), &mut r), restart(1, true));
    assert_eq!(st.on_failure(s(10), &mut r), restart(2, true));
    assert_eq!(st.on_failure(s(20), &mut r), restart(4, true));
    assert_eq!(st.on_failure(s(30), &mut r), restart(4, true));
    // 100 s after the last restart time (34 s): reset to initial.
    assert_eq!(st.on_failure(s(134), &mut r), restart(1, true));
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
    assert_eq!(st.on_failure(s(0), &mut r), restart(10, true));
    // 4 s later, still before the restart at 10 s: same restart time, no attempt used.
    assert_eq!(st.on_failure(s(4), &mut r), restart(6, false));
    // At the restart time itself: merged too.
    assert_eq!(st.on_failure(s(10), &mut r), restart(0, false));
    assert_eq!(st.on_failure(s(11), &mut r), restart(20, true));
    // The third new attempt passes the limit of 2.
    assert_eq!(st.on_failure(s(40), &mut r), RestartDecision::Fail);
}

#[test]
fn exponential_delay_works_on_a_millisecond_clock() {
    let mut r = rng_stream(1, "t");
    let mut st = RestartState::new(RestartStrategy::ExponentialDelay {
        initial: SimDuration::from_millis(1500),
        max: SimDuration::from_secs(60),
        multiplier: 1.5,
        reset_threshold: SimDuration::from_secs(3600),
        jitter: 0.0,
        attempts: u32::MAX,
    });
    // Failure at 2.0004 s: Flink's clock reads 2000 ms; next restart 3500 ms.
    let d = |ns| RestartDecision::Restart {
        delay: SimDuration::from_ns(ns),
        new_attempt: false,
    };
    assert_eq!(
        st.on_failure(SimTime(2_000_400_000), &mut r),
        RestartDecision::Restart {
            delay: SimDuration::from_millis(1500),
            new_attempt: true,
        }
    );
    // 3.4999 s reads 3499 ms: 1 ms left, a whole millisecond.
    assert_eq!(st.on_failure(SimTime(3_499_900_000), &mut r), d(1_000_000));
    // 3.5009 s reads 3500 ms, the restart time itself: merged, 0 ms left.
    assert_eq!(st.on_failure(SimTime(3_500_900_000), &mut r), d(0));
}

#[test]
fn exponential_jitter_never_compounds_and_max_is_exact() {
    // Flink's defaults: 1 s · 1.5^k, max 60 s, jitter 0.1. Attempts are 2 min
    // apart (no merging, no reset); each delay lies in its own band around
    // floor(1000 · 1.5^k) ms, clamped to [1 s, 60 s], whatever the earlier
    // draws were, and from k = 11 (86 497 ms, its band 77 848..95 146 ms
    // all above the max) on every delay is exactly 60 s.
    let strategy = RestartStrategy::ExponentialDelay {
        initial: SimDuration::from_secs(1),
        max: SimDuration::from_secs(60),
        multiplier: 1.5,
        reset_threshold: SimDuration::from_secs(3600),
        jitter: 0.1,
        attempts: u32::MAX,
    };
    for seed in 0..20 {
        let mut r = rng_stream(seed, "restart-jitter");
        let mut st = RestartState::new(strategy.clone());
        for k in 0..20u64 {
            let RestartDecision::Restart { delay, new_attempt } = st.on_failure(s(120 * k), &mut r)
            else {
                panic!("must restart")
            };
            assert!(new_attempt);
            let ms = (delay.as_ns() / NS_PER_MS) as i64;
            assert_eq!(delay.as_ns() % NS_PER_MS, 0, "whole milliseconds");
            let base = (1000.0 * 1.5f64.powf(k as f64)) as i64;
            let off = (base as f64 * 0.1) as i64;
            let clamp = |x: i64| x.clamp(1000, 60_000);
            let (lo, hi) = (clamp(base - off), clamp(base + off));
            assert!((lo..=hi).contains(&ms), "seed {seed} k {k}: {ms} ms");
            if k >= 11 {
                assert_eq!(ms, 60_000);
            }
        }
    }
}

#[test]
fn exponential_jitter_is_seeded() {
    let strategy = RestartStrategy::ExponentialDelay {
        initial: SimDuration::from_secs(10),
        max: SimDuration::from_secs(60),
        multiplier: 1.5,
        reset_threshold: SimDuration::from_secs(3600),
        jitter: 0.1,
        attempts: u32::MAX,
    };
    let draw = |seed| {
        let mut r = rng_stream(seed, "restart-jitter");
        let mut st = RestartState::new(strategy.clone());
        // The second attempt: 15 000 ± 1 500 ms.
        st.on_failure(s(0), &mut r);
        st.on_failure(s(100), &mut r)
    };
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4));
}
