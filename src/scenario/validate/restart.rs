//! Validation of `[restart]`: Flink's four restart strategies, each with only
//! its own keys (a key of another strategy is an error, not silently ignored).

use super::*;

/// The kind of a typed strategy, as written in `strategy = ...`.
fn kind_of(s: &RestartStrategy) -> RawRestartKind {
    match s {
        RestartStrategy::None => RawRestartKind::None,
        RestartStrategy::FixedDelay { .. } => RawRestartKind::FixedDelay,
        RestartStrategy::ExponentialDelay { .. } => RawRestartKind::ExponentialDelay,
        RestartStrategy::FailureRate { .. } => RawRestartKind::FailureRate,
    }
}

/// Checks `[restart]` and builds the strategy (default: `defaults::RESTART_STRATEGY`,
/// exponential-delay); each strategy's absent keys take their defaults from the table.
/// Every key present must belong to the strategy `kind`.
fn check_keys(r: &RawRestart, kind: RawRestartKind) -> Result<()> {
    use RawRestartKind as K;
    let (fixed, exp, rate) = (K::FixedDelay, K::ExponentialDelay, K::FailureRate);
    let keys: [(&str, bool, &[K]); 9] = [
        ("attempts", r.attempts.is_some(), &[fixed, exp]),
        ("delay", r.delay.is_some(), &[fixed, rate]),
        ("initial-backoff", r.initial_backoff.is_some(), &[exp]),
        ("max-backoff", r.max_backoff.is_some(), &[exp]),
        ("backoff-multiplier", r.backoff_multiplier.is_some(), &[exp]),
        (
            "reset-backoff-threshold",
            r.reset_backoff_threshold.is_some(),
            &[exp],
        ),
        ("jitter-factor", r.jitter_factor.is_some(), &[exp]),
        (
            "max-failures-per-interval",
            r.max_failures_per_interval.is_some(),
            &[rate],
        ),
        (
            "failure-rate-interval",
            r.failure_rate_interval.is_some(),
            &[rate],
        ),
    ];
    let spell = |k: K| match k {
        K::FixedDelay => "fixed-delay",
        K::ExponentialDelay => "exponential-delay",
        K::FailureRate => "failure-rate",
        K::None => "none",
    };
    for (key, present, owners) in keys {
        if present && !owners.contains(&kind) {
            let default = if r.strategy.is_some() {
                ""
            } else {
                " (the default)"
            };
            let names: Vec<&str> = owners.iter().map(|&o| spell(o)).collect();
            let (names, strategy, first) = (names.join(" and "), spell(kind), spell(owners[0]));
            return fail(
                format!("restart.{key}"),
                format!(
                    "`{key}` does not apply to strategy \"{strategy}\"{default}; it belongs to {names}, so remove it or set strategy = \"{first}\""
                ),
            );
        }
    }
    Ok(())
}

pub fn restart(r: &RawRestart) -> Result<RestartStrategy> {
    use RawRestartKind as K;
    use defaults::*;
    let kind = r.strategy.unwrap_or(kind_of(&RESTART_STRATEGY.value));
    check_keys(r, kind)?;
    Ok(match kind {
        K::None => RestartStrategy::None,
        K::FixedDelay => RestartStrategy::FixedDelay {
            attempts: count_or(r.attempts, FIXED_DELAY_ATTEMPTS, 0)?,
            delay: r.delay.unwrap_or(FIXED_DELAY_DELAY.value),
        },
        K::ExponentialDelay => exponential(r)?,
        K::FailureRate => {
            let interval = r
                .failure_rate_interval
                .unwrap_or(FAILURE_RATE_INTERVAL.value);
            RestartStrategy::FailureRate {
                max_failures: count_or(r.max_failures_per_interval, FAILURE_RATE_MAX_FAILURES, 1)?,
                interval: positive(interval, "restart.failure-rate-interval")?,
                delay: r.delay.unwrap_or(FAILURE_RATE_DELAY.value),
            }
        }
    })
}

/// `strategy = "exponential-delay"` with its keys.
fn exponential(r: &RawRestart) -> Result<RestartStrategy> {
    use defaults::*;
    let initial = r
        .initial_backoff
        .unwrap_or(EXPONENTIAL_INITIAL_BACKOFF.value);
    let max = r.max_backoff.unwrap_or(EXPONENTIAL_MAX_BACKOFF.value);
    if max < initial {
        return fail(
            "restart.max-backoff",
            format!(
                "max-backoff \"{max}\" is below initial-backoff \"{initial}\"; the backoff grows from initial to max, so raise max-backoff to at least \"{initial}\""
            ),
        );
    }
    let multiplier = r
        .backoff_multiplier
        .unwrap_or(EXPONENTIAL_BACKOFF_MULTIPLIER.value);
    let jitter = r.jitter_factor.unwrap_or(EXPONENTIAL_JITTER_FACTOR.value);
    Ok(RestartStrategy::ExponentialDelay {
        initial,
        max,
        multiplier: finite_in(multiplier, "restart.backoff-multiplier", 1.0, f64::INFINITY)?,
        reset_threshold: r
            .reset_backoff_threshold
            .unwrap_or(EXPONENTIAL_RESET_BACKOFF_THRESHOLD.value),
        jitter: finite_in(jitter, "restart.jitter-factor", 0.0, 1.0)?,
        attempts: count_or(r.attempts, EXPONENTIAL_ATTEMPTS, 0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{rejects, with};
    use crate::scenario::{RestartStrategy, parse_str};

    #[test]
    fn restart_keys_must_belong_to_the_strategy() {
        let none = with("strategy = \"fixed-delay\"", "strategy = \"none\"");
        rejects(
            &none,
            40,
            "restart.attempts",
            "does not apply to strategy \"none\"",
        );
        let default = with("strategy = \"fixed-delay\"\n", "delay = \"2s\"\n");
        let msg = "strategy \"exponential-delay\" (the default); it belongs to fixed-delay and failure-rate";
        rejects(&default, 39, "restart.delay", msg);
        // Flink's `disable` and `off` are aliases of `none`; `never` is nothing.
        let bad = with("strategy = \"fixed-delay\"", "strategy = \"never\"");
        rejects(
            &bad,
            39,
            "restart.strategy",
            "unknown variant `never`, expected one of `fixed-delay`, `fixeddelay`",
        );
        let mult = with(
            "strategy = \"fixed-delay\"\nattempts = 3",
            "backoff-multiplier = 0.5",
        );
        rejects(&mult, 39, "restart.backoff-multiplier", "at least 1");
        let jitter = with(
            "strategy = \"fixed-delay\"\nattempts = 3",
            "jitter-factor = 1.5",
        );
        rejects(&jitter, 39, "restart.jitter-factor", "between 0 and 1");
        let text = with("strategy = \"fixed-delay\"\nattempts = 3", "");
        let s = parse_str(&text, "t", &[]).unwrap();
        let unbounded = matches!(
            s.restart,
            RestartStrategy::ExponentialDelay {
                attempts: u32::MAX,
                ..
            }
        );
        assert!(unbounded, "{:?}", s.restart);
    }
}
