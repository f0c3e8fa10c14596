//! A variant sweep's `runs.csv` as the variant chart sees it: one group per
//! grid point (in point order, so in the scenario's variant order), its label
//! (the variant's name, and the other axes' values if any), its runs' seeds
//! and metrics, and the statistics over them (mean and Student's t 95% CI from
//! [`crate::stats`], the paired difference against the first group).

use std::collections::BTreeMap;

use crate::metrics::sweep_rows::{RunMetrics, VARIANT_AXIS};
use crate::output::tables::Runs;
use crate::stats::{Estimate, estimate, paired_difference};

/// One metric of a run row (a field of [`RunMetrics`], or a combination of fields).
pub(super) type Metric = fn(&RunMetrics) -> f64;

/// The runs of one grid point.
pub(super) struct Group {
    /// Axis label: the variant's name, then `key=value` of any other axis.
    pub(super) label: String,
    /// Run seeds, in run order.
    seeds: Vec<u64>,
    /// Run metrics, in run order.
    runs: Vec<RunMetrics>,
}

/// The groups of a sweep, in point order.
pub(super) struct Groups {
    /// The groups.
    pub(super) groups: Vec<Group>,
}

/// The label of a point with axis values `axes` over `keys`: the variant's name
/// first, then the last segment of every other key with its value.
fn label(keys: &[String], axes: &[String]) -> String {
    keys.iter()
        .zip(axes)
        .map(|(k, v)| {
            if k == VARIANT_AXIS {
                v.clone()
            } else {
                let short = k.rsplit('.').next().unwrap_or(k);
                format!("{short}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Groups {
    /// Groups the rows of a `runs.csv` by grid point.
    pub(super) fn new(runs: &Runs) -> Self {
        let mut by_point: BTreeMap<usize, Group> = BTreeMap::new();
        for r in &runs.rows {
            let g = by_point.entry(r.point).or_insert_with(|| Group {
                label: label(&runs.keys, &r.axes),
                seeds: Vec::new(),
                runs: Vec::new(),
            });
            g.seeds.push(r.seed);
            g.runs.push(r.metrics.clone());
        }
        Self {
            groups: by_point.into_values().collect(),
        }
    }

    /// The value of `metric` in every run of group `g`, in run order.
    pub(super) fn values(&self, g: usize, metric: Metric) -> Vec<f64> {
        self.groups[g].runs.iter().map(metric).collect()
    }

    /// Mean and 95% CI of `metric` over group `g`'s runs (NaN runs skipped).
    pub(super) fn estimate(&self, g: usize, metric: Metric) -> Estimate {
        estimate(&self.values(g, metric))
    }

    /// The paired difference of `metric` between group `g` and group 0 over the seeds both ran.
    pub(super) fn paired_vs_first(&self, g: usize, metric: Metric) -> Estimate {
        let base: BTreeMap<u64, f64> = self.groups[0]
            .seeds
            .iter()
            .copied()
            .zip(self.values(0, metric))
            .collect();
        let (xs, bs): (Vec<f64>, Vec<f64>) = self.groups[g]
            .seeds
            .iter()
            .zip(self.values(g, metric))
            .filter_map(|(s, x)| base.get(s).map(|b| (x, *b)))
            .unzip();
        paired_difference(&xs, &bs)
    }

    /// "N seeds per variant" (the smallest group's count), or "no runs".
    pub(super) fn seeds_text(&self) -> String {
        match self.groups.iter().map(|g| g.runs.len()).min() {
            None => "no runs".into(),
            Some(1) => "1 seed per variant".into(),
            Some(n) => format!("{n} seeds per variant"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_variant_then_the_other_axes() {
        let keys = ["variant", "checkpoint.interval"].map(String::from);
        let axes = ["unaligned", "10s"].map(String::from);
        assert_eq!(label(&keys, &axes), "unaligned, interval=10s");
        assert_eq!(label(&keys[..1], &axes[..1]), "unaligned");
    }
}
