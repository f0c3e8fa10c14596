//! The one implementation of the statistics every analysis room uses: mean,
//! sample standard deviation and a Student's t 95% confidence interval over
//! seeds, paired differences under common random numbers, quantiles and the
//! median. statrs supplies only Student's t: its own mean (a running update)
//! and quantile (another interpolation) would change the committed digits.
//!
//! An analysis room: it owns only these pure functions over `f64` slices and
//! never touches a `Scenario`, a `RunResult` or the simulator. Every sum is a
//! plain left-to-right loop (no parallel or reordered float sums), so the same
//! inputs give bit-identical outputs on every run and thread count.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, sample sd and 95% confidence interval of the mean over `n` values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Values used (NaN inputs skipped).
    pub n: usize,
    /// Sample mean (NaN when `n` = 0).
    pub mean: f64,
    /// Sample standard deviation with `n − 1` in the denominator (0 when `n` = 1, NaN when 0).
    pub sd: f64,
    /// Lower end of the 95% Student's t interval of the mean (the mean itself when `n` < 2).
    pub ci95_lo: f64,
    /// Upper end of the 95% Student's t interval of the mean (the mean itself when `n` < 2).
    pub ci95_hi: f64,
}

/// Mean of the values of `xs` that are not NaN (NaN if there are none): a left-to-right sum over the count.
pub fn mean(xs: &[f64]) -> f64 {
    let mut n = 0usize;
    let mut sum = 0.0;
    for &x in xs.iter().filter(|x| !x.is_nan()) {
        sum += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Estimate of the mean of `xs` with a 95% Student's t interval; NaN values are skipped.
///
/// Two passes, each a left-to-right sum: the mean, then the squared deviations
/// from it (numerically safer than sum-of-squares). The half-width is
/// `t(0.975, n − 1) · sd / sqrt(n)`. Infinities are not skipped: they make the
/// mean infinite and the sd NaN, which is the honest answer.
pub fn estimate(xs: &[f64]) -> Estimate {
    let n = xs.iter().filter(|x| !x.is_nan()).count();
    let mean = mean(xs);
    if n == 0 {
        return Estimate {
            n,
            mean: f64::NAN,
            sd: f64::NAN,
            ci95_lo: f64::NAN,
            ci95_hi: f64::NAN,
        };
    }
    if n < 2 {
        return Estimate {
            n,
            mean,
            sd: 0.0,
            ci95_lo: mean,
            ci95_hi: mean,
        };
    }
    let mut squares = 0.0;
    for &x in xs.iter().filter(|x| !x.is_nan()) {
        squares += (x - mean) * (x - mean);
    }
    let sd = (squares / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Estimate {
        n,
        mean,
        sd,
        ci95_lo: mean - half,
        ci95_hi: mean + half,
    }
}

/// Estimate of the mean of `xs[i] − base[i]` over the pairs where both are finite.
///
/// Meant for common random numbers: `xs` and `base` are the same seeds run at
/// two parameter points, so the pairing cancels the shared noise and the
/// interval is far narrower than comparing two independent estimates. Pairs
/// are taken by index up to the shorter slice.
pub fn paired_difference(xs: &[f64], base: &[f64]) -> Estimate {
    let diffs: Vec<f64> = xs
        .iter()
        .zip(base)
        .filter(|(x, b)| x.is_finite() && b.is_finite())
        .map(|(x, b)| x - b)
        .collect();
    estimate(&diffs)
}

/// The `q`-quantile (0 ≤ q ≤ 1) of ascending, NaN-free `sorted`, interpolated linearly like numpy's default.
///
/// With `h = (n − 1)·q`, the result is `sorted[⌊h⌋] + (h − ⌊h⌋)·(sorted[⌊h⌋+1] − sorted[⌊h⌋])`.
/// `q` outside [0, 1] is clamped; an empty slice or a NaN `q` gives NaN.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

/// Median of the finite values of `values` (NaN if none), interpolated like [`quantile`].
pub fn median(values: &[f64]) -> f64 {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    quantile(&finite, 0.5)
}

/// The 0.975 quantile of Student's t with `df` (≥ 1) degrees of freedom.
fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("location 0, scale 1 and df >= 1 are valid")
        .inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts |got − want| ≤ 1e-9·|want|.
    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "got {got}, want {want}"
        );
    }

    #[test]
    fn one_to_five() {
        // mean = 15/5 = 3; squared deviations 4+1+0+1+4 = 10, sd = sqrt(10/4) = 1.5811388300841898.
        // t(0.975, 4), closed form for 4 df: a = 4·p·(1−p) = 0.0975,
        // q = cos(acos(sqrt(a))/3)/sqrt(a), t = 2·sqrt(q − 1) = 2.7764451051977934.
        // Half-width = t·sd/sqrt(5) = 2.7764451051977934·sqrt(0.5) = 1.963243161477557.
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.n, 5);
        close(e.mean, 3.0);
        close(e.sd, 1.5811388300841898);
        close(t975(4), 2.7764451051977934);
        close(e.ci95_hi - e.mean, 1.963243161477557);
        close(e.ci95_lo, 3.0 - 1.963243161477557);
        close(e.ci95_hi, 3.0 + 1.963243161477557);
    }

    #[test]
    fn two_df_closed_form() {
        // For 2 df: t = (2p − 1)·sqrt(2 / (4p(1−p))) = 0.95·sqrt(2/0.0975) = 4.302652729749461.
        // [2, 4, 6]: mean 4, sd = sqrt((4+0+4)/2) = 2, half-width = 4.302652729749461·2/sqrt(3).
        let e = estimate(&[2.0, 4.0, 6.0]);
        close(t975(2), 4.302652729749461);
        close(e.sd, 2.0);
        close(e.ci95_hi, 4.0 + 4.302652729749461 * 2.0 / 3f64.sqrt());
    }

    #[test]
    fn small_and_nan_inputs() {
        let none = estimate(&[]);
        assert_eq!(none.n, 0);
        assert!(none.mean.is_nan() && none.sd.is_nan());
        assert!(none.ci95_lo.is_nan() && none.ci95_hi.is_nan());
        assert_eq!(estimate(&[f64::NAN, f64::NAN]).n, 0);
        let one = estimate(&[f64::NAN, 7.5]);
        assert_eq!(
            one,
            Estimate {
                n: 1,
                mean: 7.5,
                sd: 0.0,
                ci95_lo: 7.5,
                ci95_hi: 7.5
            }
        );
        // NaN skipped: same as [1, 2, 3, 4, 5].
        let skipped = estimate(&[1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(skipped, estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]));
    }

    #[test]
    fn paired_difference_keeps_finite_pairs() {
        // Pairs: (11,10) → 1, (NaN,20) skipped, (33,30) → 3, (44,inf) skipped, (45,40) → 5.
        // Differences [1, 3, 5]: mean 3, sd = sqrt((4+0+4)/2) = 2.
        let xs = [11.0, f64::NAN, 33.0, 44.0, 45.0];
        let base = [10.0, 20.0, 30.0, f64::INFINITY, 40.0];
        let d = paired_difference(&xs, &base);
        assert_eq!(d.n, 3);
        close(d.mean, 3.0);
        close(d.sd, 2.0);
        close(d.ci95_hi, 3.0 + 4.302652729749461 * 2.0 / 3f64.sqrt());
        // Shared noise cancels: a constant shift has sd 0.
        let shifted = paired_difference(&[5.0, 9.0, 2.0], &[4.0, 8.0, 1.0]);
        close(shifted.mean, 1.0);
        assert_eq!(shifted.sd, 0.0);
    }

    #[test]
    fn mean_and_median_skip_what_they_cannot_use() {
        assert_eq!(mean(&[1.0, f64::NAN, 2.0, 6.0]), 3.0);
        assert!(mean(&[]).is_nan() && mean(&[f64::NAN]).is_nan());
        assert_eq!(mean(&[1.0, f64::INFINITY]), f64::INFINITY);
        // Finite values [1, 2, 4, 8]: h = 1.5 → 2 + 0.5·(4 − 2) = 3.
        assert_eq!(median(&[8.0, f64::NAN, 1.0, f64::INFINITY, 4.0, 2.0]), 3.0);
        assert!(median(&[f64::NAN]).is_nan());
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let xs = [1.0, 2.0, 4.0, 8.0];
        // h = 3·q: q = 0.5 → h = 1.5 → 2 + 0.5·(4 − 2) = 3 (numpy.quantile gives 3.0).
        close(quantile(&xs, 0.5), 3.0);
        // q = 0.9 → h = 2.7 → 4 + 0.7·(8 − 4) = 6.8.
        close(quantile(&xs, 0.9), 6.8);
        assert_eq!(quantile(&xs, 0.0), 1.0);
        assert_eq!(quantile(&xs, 1.0), 8.0);
        assert_eq!(quantile(&xs, 1.5), 8.0);
        assert_eq!(quantile(&[42.0], 0.3), 42.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert!(quantile(&xs, f64::NAN).is_nan());
    }
}
