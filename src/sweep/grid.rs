//! A sweep's grid: the product of its `[sweep]` axes, each point a validated
//! `Scenario`, and the number of seeds per point. Named variants
//! (`[[sweep.variant]]`) form the outermost axis, `variant`, in file order;
//! a variant's point applies its overrides.
//!
//! Reads scenario text only; runs nothing and writes nothing.

pub use crate::metrics::sweep_rows::VARIANT_AXIS;
use crate::scenario::{self, Scenario, ScenarioError, SweepVariant};

/// One grid point: its axis values, the overrides that make it, and its validated scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Point number, in grid order (the product of the axes, first key outermost).
    pub index: usize,
    /// (key, value) per axis, as written in runs.csv: (`variant`, its name) first
    /// when the sweep has variants, then (dotted key, value) per axis.
    pub values: Vec<(String, String)>,
    /// The `KEY=VALUE` overrides of this point, after those given to [`grid`]: the
    /// variant's `set`, in order, then `key=value` per axis.
    pub sets: Vec<String>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

/// A sweep: its points and seeds.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Grid points.
    pub points: Vec<Point>,
    /// Seeds per point.
    pub seeds: u32,
    /// Axis keys, in order (`variant` first when the sweep has variants).
    pub keys: Vec<String>,
}

impl Grid {
    /// Total runs.
    pub fn runs(&self) -> usize {
        self.points.len() * self.seeds as usize
    }
}

/// One combination of axis values before it is parsed: (variant index, (key, value) per axis).
type Combo = (Option<usize>, Vec<(String, String)>);

/// Reads the grid of a scenario text (with extra `--set` overrides applied to every point).
pub fn grid(text: &str, label: &str, sets: &[String]) -> Result<Grid, ScenarioError> {
    let base = scenario::parse_str(text, label, sets)?;
    let spec = base.sweep.clone().ok_or_else(|| ScenarioError {
        file: label.into(),
        line: None,
        key: "sweep".into(),
        message: "the scenario has no [sweep] table; add one, e.g. [sweep] seeds = 10 and \"checkpoint.interval\" = [\"1s\", \"10s\"]".into(),
    })?;
    let outer: Vec<Option<usize>> = if spec.variants.is_empty() {
        vec![None]
    } else {
        (0..spec.variants.len()).map(Some).collect()
    };
    let mut combos: Vec<Combo> = outer.into_iter().map(|v| (v, Vec::new())).collect();
    for (key, values) in &spec.axes {
        combos = combos
            .into_iter()
            .flat_map(|(variant, c)| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((key.clone(), v.clone()));
                    (variant, c)
                })
            })
            .collect();
    }
    let points = combos
        .into_iter()
        .enumerate()
        .map(|(index, (variant, axes))| {
            let variant = variant.map(|i| (i, &spec.variants[i]));
            let mut own: Vec<String> = variant.map(|(_, v)| v.sets.clone()).unwrap_or_default();
            own.extend(axes.iter().map(|(k, v)| format!("{k}={v}")));
            let mut all: Vec<String> = sets.to_vec();
            all.extend(own.iter().cloned());
            let mut values: Vec<(String, String)> = variant
                .map(|(_, v)| (VARIANT_AXIS.to_string(), v.name.clone()))
                .into_iter()
                .collect();
            values.extend(axes);
            let scenario = scenario::parse_str(text, label, &all)
                .map_err(|e| point_error(e, index, &values, variant, text, label))?;
            Ok(Point {
                index,
                values,
                sets: own,
                scenario,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    let mut keys: Vec<String> = Vec::with_capacity(spec.axes.len() + 1);
    if !spec.variants.is_empty() {
        keys.push(VARIANT_AXIS.into());
    }
    keys.extend(spec.axes.iter().map(|a| a.0.clone()));
    Ok(Grid {
        points,
        seeds: spec.seeds,
        keys,
    })
}

/// The dotted key a `KEY=VALUE` override sets (trimmed).
fn set_key(set: &str) -> &str {
    set.split_once('=').map_or(set, |(k, _)| k).trim()
}

/// `a` is `b`, or one lies inside the other (`a.b[2]` is inside `a.b`).
fn related(a: &str, b: &str) -> bool {
    let inside = |p: &str, q: &str| {
        p.strip_prefix(q)
            .is_some_and(|r| r.is_empty() || r.starts_with('.') || r.starts_with('['))
    };
    inside(a, b) || inside(b, a)
}

/// A point's parse error, placed where the user can fix it: an error about a key one
/// of the variant's overrides sets is reported at that override's line in the file
/// (`sweep.variant[i].set[j]`); any other names the point.
fn point_error(
    e: ScenarioError,
    index: usize,
    values: &[(String, String)],
    variant: Option<(usize, &SweepVariant)>,
    text: &str,
    label: &str,
) -> ScenarioError {
    let by_variant = variant.and_then(|(i, v)| {
        let j = v.sets.iter().position(|s| related(set_key(s), &e.key))?;
        (e.file == "--set").then_some((i, j, v))
    });
    match by_variant {
        Some((i, j, v)) => {
            let key = format!("sweep.variant[{i}].set[{j}]");
            ScenarioError {
                file: label.into(),
                line: scenario::line_of_key(text, &key),
                message: format!(
                    "override \"{}\" of variant \"{}\": {}: {}",
                    v.sets[j], v.name, e.key, e.message
                ),
                key,
            }
        }
        None => ScenarioError {
            message: format!("{} (at sweep point {index}: {values:?})", e.message),
            ..e
        },
    }
}
