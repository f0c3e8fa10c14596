//! A sweep's grid: the product of its `[sweep]` axes, each point a validated
//! `Scenario`, and the number of seeds per point.
//!
//! Reads scenario text only; runs nothing and writes nothing.

use crate::scenario::{self, Scenario, ScenarioError};

/// One grid point: its `--set` overrides and validated scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Point number, in grid order (the product of the axes, first key outermost).
    pub index: usize,
    /// (key, value) per axis.
    pub values: Vec<(String, String)>,
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
    /// Axis keys, in order.
    pub keys: Vec<String>,
}

impl Grid {
    /// Total runs.
    pub fn runs(&self) -> usize {
        self.points.len() * self.seeds as usize
    }
}

/// Reads the grid of a scenario text (with extra `--set` overrides applied to every point).
pub fn grid(text: &str, label: &str, sets: &[String]) -> Result<Grid, ScenarioError> {
    let base = scenario::parse_str(text, label, sets)?;
    let spec = base.sweep.clone().ok_or_else(|| ScenarioError {
        file: label.into(),
        line: None,
        key: "sweep".into(),
        message: "the scenario has no [sweep] table; add one, e.g. [sweep] seeds = 10 and \"checkpoint.interval\" = [\"1s\", \"10s\"]".into(),
    })?;
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (key, values) in &spec.axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((key.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let points = combos
        .into_iter()
        .enumerate()
        .map(|(index, values)| {
            let mut all: Vec<String> = sets.to_vec();
            all.extend(values.iter().map(|(k, v)| format!("{k}={v}")));
            let scenario = scenario::parse_str(text, label, &all).map_err(|e| ScenarioError {
                message: format!("{} (at sweep point {index}: {values:?})", e.message),
                ..e
            })?;
            Ok(Point {
                index,
                values,
                scenario,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    Ok(Grid {
        points,
        seeds: spec.seeds,
        keys: spec.axes.iter().map(|a| a.0.clone()).collect(),
    })
}
