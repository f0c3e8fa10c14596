//! `ckptsim compare`: the same grid points of two sweeps (e.g. coarse against
//! Flink-granularity network buffers), metric by metric: means and the
//! relative difference.

use std::collections::BTreeMap;
use std::path::Path;

/// Metrics compared by default.
pub const DEFAULT_METRICS: &[&str] = &[
    "recovery_mean_s",
    "downtime_mean_s",
    "checkpoint_mean_s",
    "cost_s_per_h",
];

/// (axis columns, rows keyed by axis values → column → value) of an aggregate.csv.
type Table = (Vec<String>, BTreeMap<Vec<String>, BTreeMap<String, String>>);

fn read(dir: &Path) -> Result<Table, String> {
    let path = dir.join("aggregate.csv");
    let mut rd = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(String::from)
        .collect();
    let n = header
        .iter()
        .position(|h| h == "n")
        .ok_or("aggregate.csv has no n column")?;
    let axes: Vec<String> = header[1..n].to_vec();
    let mut rows = BTreeMap::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let key: Vec<String> = (1..n).map(|i| rec[i].to_string()).collect();
        let cols = header
            .iter()
            .cloned()
            .zip(rec.iter().map(String::from))
            .collect();
        rows.insert(key, cols);
    }
    Ok((axes, rows))
}

/// CSV bytes comparing the points the two sweeps share; also the largest |relative difference|.
pub fn compare(a: &Path, b: &Path, metrics: &[String]) -> Result<(Vec<u8>, f64), String> {
    let (axes_a, rows_a) = read(a)?;
    let (axes_b, rows_b) = read(b)?;
    if axes_a != axes_b {
        return Err(format!(
            "the sweeps vary different keys: {axes_a:?} and {axes_b:?}"
        ));
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut h = axes_a.clone();
    h.extend(
        [
            "metric",
            "a_mean",
            "a_ci95_lo",
            "a_ci95_hi",
            "b_mean",
            "b_ci95_lo",
            "b_ci95_hi",
            "relative_difference",
        ]
        .map(String::from),
    );
    w.write_record(&h).map_err(|e| e.to_string())?;
    let mut worst = 0.0f64;
    let mut shared = 0;
    for (key, ra) in &rows_a {
        let Some(rb) = rows_b.get(key) else { continue };
        shared += 1;
        for m in metrics {
            let get = |r: &BTreeMap<String, String>, s: &str| {
                r.get(&format!("{m}_{s}"))
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let (ma, mb) = (get(ra, "mean"), get(rb, "mean"));
            let rel = (mb - ma) / ma;
            if rel.is_finite() {
                worst = worst.max(rel.abs());
            }
            let mut out = key.clone();
            out.push(m.clone());
            for x in [
                ma,
                get(ra, "ci95_lo"),
                get(ra, "ci95_hi"),
                mb,
                get(rb, "ci95_lo"),
                get(rb, "ci95_hi"),
                rel,
            ] {
                out.push(super::row::fmt(x));
            }
            w.write_record(&out).map_err(|e| e.to_string())?;
        }
    }
    if shared == 0 {
        return Err("the two sweeps share no grid point".into());
    }
    Ok((w.into_inner().map_err(|e| e.to_string())?, worst))
}
