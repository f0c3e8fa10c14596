//! aggregate.csv: per grid point, for every metric of runs.csv, the number of
//! runs, mean, standard deviation and 95% confidence interval (Student's t);
//! and, for recovery time and cost, the paired difference against the first
//! grid point over the same seeds (common random numbers).

use crate::stats::{Estimate, estimate, paired_difference};
use std::collections::BTreeMap;

/// Metrics that also get a paired difference against the baseline point.
pub const PAIRED: &[&str] = &["recovery_mean_s", "cost_s_per_h"];

fn parse(x: &str) -> f64 {
    x.parse().unwrap_or(f64::NAN)
}

fn push(out: &mut Vec<String>, e: &Estimate) {
    for x in [e.mean, e.sd, e.ci95_lo, e.ci95_hi] {
        out.push(super::row::fmt(x));
    }
}

/// The aggregate table (CSV bytes) of runs.csv rows.
pub fn table(header: &[String], keys: &[String], rows: &BTreeMap<usize, Vec<String>>) -> Vec<u8> {
    let col = |name: &str| header.iter().position(|h| h == name);
    let first_metric = col("interval_s").unwrap_or(3);
    let metrics: Vec<&String> = header[first_metric..].iter().collect();
    let (point_c, seed_c) = (1, 2);
    let mut points: BTreeMap<usize, Vec<&Vec<String>>> = BTreeMap::new();
    for r in rows.values() {
        points
            .entry(r[point_c].parse().unwrap_or(0))
            .or_default()
            .push(r);
    }
    let by_seed = |rs: &[&Vec<String>], c: usize| -> BTreeMap<String, f64> {
        rs.iter()
            .map(|r| (r[seed_c].clone(), parse(&r[c])))
            .collect()
    };
    let base = points.values().next().cloned().unwrap_or_default();
    let mut h: Vec<String> = vec!["point".into()];
    h.extend(keys.iter().cloned());
    h.push("n".into());
    for m in &metrics {
        for s in ["mean", "sd", "ci95_lo", "ci95_hi"] {
            h.push(format!("{m}_{s}"));
        }
    }
    for m in PAIRED {
        for s in ["mean", "ci95_lo", "ci95_hi"] {
            h.push(format!("{m}_diff_vs_point0_{s}"));
        }
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(&h);
    for (p, rs) in &points {
        let mut out = vec![p.to_string()];
        for k in keys {
            out.push(col(k).map(|c| rs[0][c].clone()).unwrap_or_default());
        }
        out.push(rs.len().to_string());
        for (i, _) in metrics.iter().enumerate() {
            let c = first_metric + i;
            let xs: Vec<f64> = rs.iter().map(|r| parse(&r[c])).collect();
            push(&mut out, &estimate(&xs));
        }
        for m in PAIRED {
            let Some(c) = col(m) else {
                out.extend([String::new(), String::new(), String::new()]);
                continue;
            };
            let here = by_seed(rs, c);
            let there = by_seed(&base, c);
            let (xs, bs): (Vec<f64>, Vec<f64>) = here
                .iter()
                .filter_map(|(s, x)| there.get(s).map(|b| (*x, *b)))
                .unzip();
            let e = paired_difference(&xs, &bs);
            for x in [e.mean, e.ci95_lo, e.ci95_hi] {
                out.push(super::row::fmt(x));
            }
        }
        let _ = w.write_record(&out);
    }
    w.into_inner().unwrap_or_default()
}
