//! The text of `ckptsim model SCENARIO`: the model inputs from the settings,
//! the predictions, and, given a run, the inputs measured from it with the
//! predictions they give beside what the run measured.
//!
//! Part of the models analysis room: reads `Scenario` and `RunResult` only,
//! never the simulator's internals; returns a `String` and prints nothing.

use super::{ModelInputs, Predictions, estimate, job_mtbf_s, parts, predict};
use crate::metrics::{CheckpointOutcome, FailureRecord, RunResult};
use crate::scenario::{Scenario, StochasticKind};
use crate::stats::mean;
use std::fmt::Write;

/// Seconds with three decimals and the unit ("inf s" for +∞, "-" for NaN).
fn s(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.3} s")
    }
}

/// One table row: a label, right-aligned cells, and an optional trailing note.
fn row(out: &mut String, label: &str, cells: &[String], note: &str) {
    let _ = write!(out, "  {label:<38}");
    for c in cells {
        let _ = write!(out, "{c:>18}");
    }
    if !note.is_empty() {
        let _ = write!(out, "   {note}");
    }
    out.push('\n');
}

/// Formats one prediction as a table cell, with its unit.
type Cell = fn(&Predictions) -> String;

/// The prediction rows for one or two sets of inputs, `measured` cells last (if any).
fn prediction_rows(out: &mut String, preds: &[Predictions], measured: Option<[String; 6]>) {
    let cells = |f: Cell, k: usize| {
        let mut v: Vec<String> = preds.iter().map(f).collect();
        if let Some(m) = &measured {
            v.push(m[k].clone());
        }
        v
    };
    let rows: [(&str, Cell); 6] = [
        ("T + R per failure (worst case)", |p| s(p.t_plus_r_s)),
        ("T/2 + R per failure (expected)", |p| s(p.half_t_plus_r_s)),
        ("cost rate C/T + (T/2 + R)/M", |p| {
            format!("{:.5} s/s", p.cost_rate)
        }),
        ("cost, seconds lost per hour", |p| {
            format!("{:.1} s/h", p.cost_s_per_h)
        }),
        ("Young T_opt = sqrt(2·C·M)", |p| s(p.young_t_opt_s)),
        ("Daly T_opt (2006)", |p| s(p.daly_t_opt_s)),
    ];
    for (k, (label, f)) in rows.iter().enumerate() {
        row(out, label, &cells(*f, k), "");
    }
}

/// Human text for `ckptsim model`: inputs and predictions from the settings, and against `measured` if given.
///
/// The run's inputs: C = mean (sync + alignment) over completed checkpoints,
/// R = the summary's mean downtime, M = simulated seconds ÷ failovers (the
/// realised failure rate, scripted faults included); each falls back to the
/// settings' value when the run has nothing to measure it by. The measured
/// cost per hour counts what runs.csv's `cost_s_per_h` counts: sync +
/// alignment of every checkpoint, plus lost work + downtime of every failure
/// (the rest of the run for one never recovered from).
pub fn report(sc: &Scenario, measured: Option<&RunResult>) -> String {
    let mut out = String::new();
    let set = estimate(sc);
    settings_section(&mut out, sc, &set);
    let Some(run) = measured else {
        let _ = writeln!(out, "\npredictions");
        prediction_rows(&mut out, &[predict(&set)], None);
        return out;
    };
    let meas = run_inputs_section(&mut out, &set, run);
    run_section(&mut out, &set, &meas, run);
    out
}

/// The model inputs from the settings, `set`, with how each is made up.
fn settings_section(out: &mut String, sc: &Scenario, set: &ModelInputs) {
    let p = parts(sc);
    let _ = writeln!(
        out,
        "cost models for scenario {:?} (seed {})",
        sc.name, sc.seed
    );
    let _ = writeln!(out, "\nmodel inputs from the settings");
    let c_how = format!(
        "sync-base {} + largest subtask state {:.0} B / sync-speed {} B/s",
        s(p.sync_base_s),
        p.largest_subtask_state_bytes,
        sc.checkpoint.sync_bytes_per_s
    );
    let r_how = format!(
        "report {} + max(restart delay {}, cancel {}) + deploy {} + restore {} ({:.0} B of state)",
        s(p.report_s),
        s(p.restart_delay_s),
        s(p.cancel_s),
        s(p.deploy_s),
        s(p.restore_s),
        p.total_state_bytes
    );
    let m_how = match job_mtbf_s(sc) {
        Some(_) => "job MTBF from the stochastic fault generators",
        None if sc.faults.scripted.is_empty() => "no stochastic fault generator",
        None => "no stochastic fault generator (scripted faults are not a rate)",
    };
    row(
        out,
        "T  checkpoint interval",
        &[s(set.interval_s)],
        "checkpoint.interval",
    );
    row(
        out,
        "C  checkpoint cost (blocking)",
        &[s(set.checkpoint_cost_s)],
        &c_how,
    );
    row(out, "R  downtime per failure", &[s(set.restart_s)], &r_how);
    row(
        out,
        "M  mean time between failures",
        &[s(set.mtbf_s)],
        m_how,
    );
    if sc
        .faults
        .stochastic
        .iter()
        .any(|g| g.kind == StochasticKind::TaskManagerLoss)
    {
        let hb = &sc.heartbeat;
        let _ = writeln!(
            out,
            "  note: R is a task failure's downtime; a TaskManager loss also waits until heartbeats \
             declare it lost (up to {} = heartbeat.interval × rpc-failure-threshold) and, with \
             no free slot, for a new TaskManager (taskmanager-startup {})",
            s(hb.interval.as_secs_f64() * hb.rpc_failure_threshold as f64),
            s(sc.cluster.taskmanager_startup.as_secs_f64())
        );
    }
}

/// The failures of `run` it recovered from.
fn recovered(run: &RunResult) -> Vec<&FailureRecord> {
    run.failures
        .iter()
        .filter(|f| f.downtime_s >= 0.0)
        .collect()
}

/// The time each completed checkpoint of `run` blocked processing (sync + alignment), s.
fn blocked(run: &RunResult) -> Vec<f64> {
    run.checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed)
        .map(|c| c.sync_s_max + c.alignment_s_max)
        .collect()
}

/// The model inputs measured from `run`, each the settings' value (`set`) where the run has nothing to measure it by.
fn measured_inputs(set: &ModelInputs, run: &RunResult) -> ModelInputs {
    let sum = &run.summary;
    let blocked = blocked(run);
    let recovered = recovered(run);
    let failovers = run.failures.len();
    ModelInputs {
        interval_s: set.interval_s,
        checkpoint_cost_s: if blocked.is_empty() {
            set.checkpoint_cost_s
        } else {
            mean(&blocked)
        },
        restart_s: if recovered.is_empty() {
            set.restart_s
        } else {
            sum.mean_downtime_s
        },
        mtbf_s: if failovers == 0 {
            set.mtbf_s
        } else {
            sum.sim_seconds / failovers as f64
        },
    }
}

/// The model inputs measured from `run` beside those from the settings; returns the measured ones.
fn run_inputs_section(out: &mut String, set: &ModelInputs, run: &RunResult) -> ModelInputs {
    let sum = &run.summary;
    let blocked = blocked(run);
    let recovered = recovered(run);
    let failovers = run.failures.len();
    let meas = measured_inputs(set, run);
    let how = |fallback: bool, what: String| {
        if fallback {
            "nothing to measure: the settings' value".to_string()
        } else {
            what
        }
    };
    let _ = writeln!(
        out,
        "\nmodel inputs{:>46}{:>18}   (run: seed {})",
        "settings", "run", sum.seed
    );
    let ins = [
        (
            "T  checkpoint interval",
            set.interval_s,
            meas.interval_s,
            "the setting".to_string(),
        ),
        (
            "C  checkpoint cost (blocking)",
            set.checkpoint_cost_s,
            meas.checkpoint_cost_s,
            how(
                blocked.is_empty(),
                format!(
                    "mean sync + alignment over {} completed checkpoints",
                    blocked.len()
                ),
            ),
        ),
        (
            "R  downtime per failure",
            set.restart_s,
            meas.restart_s,
            how(
                recovered.is_empty(),
                format!("mean downtime over {} recovered failures", recovered.len()),
            ),
        ),
        (
            "M  mean time between failures",
            set.mtbf_s,
            meas.mtbf_s,
            how(
                failovers == 0,
                format!("{} simulated / {failovers} failures", s(sum.sim_seconds)),
            ),
        ),
    ];
    for (label, a, b, note) in ins {
        row(out, label, &[s(a), s(b)], &note);
    }
    meas
}

/// The predictions from both sets of inputs beside what `run` measured.
fn run_section(out: &mut String, set: &ModelInputs, meas: &ModelInputs, run: &RunResult) {
    let sum = &run.summary;
    let recovered = recovered(run);
    let failovers = run.failures.len();
    let lost: Vec<f64> = recovered
        .iter()
        .map(|f| f.lost_work_s + f.downtime_s)
        .collect();
    let worst = lost.iter().copied().fold(f64::NAN, f64::max);
    let (overhead, lost_total) = run.time_lost_s();
    let hours = sum.sim_seconds / 3600.0;
    let per_h = |x: f64| {
        if hours > 0.0 {
            format!("{:.1} s/h", x / hours)
        } else {
            "-".to_string()
        }
    };
    let cost_rate = if hours > 0.0 {
        format!("{:.5} s/s", (overhead + lost_total) / sum.sim_seconds)
    } else {
        "-".to_string()
    };
    let _ = writeln!(
        out,
        "\npredictions{:>47}{:>18}{:>18}",
        "with settings", "with run inputs", "run measured"
    );
    prediction_rows(
        out,
        &[predict(set), predict(meas)],
        Some([
            s(worst),
            s(mean(&lost)),
            cost_rate,
            per_h(overhead + lost_total),
            "-".to_string(),
            "-".to_string(),
        ]),
    );
    let _ = writeln!(
        out,
        "\nmeasured in the run ({} simulated)",
        s(sum.sim_seconds)
    );
    let rec = |x: f64| {
        if recovered.is_empty() {
            "-".to_string()
        } else {
            s(x)
        }
    };
    let n = format!("{failovers} ({} recovered)", recovered.len());
    row(out, "failures", &[n], "");
    row(out, "mean downtime", &[rec(sum.mean_downtime_s)], "");
    row(out, "mean recovery", &[rec(sum.mean_recovery_s)], "");
    row(
        out,
        "mean lost work + downtime per failure",
        &[s(mean(&lost))],
        "",
    );
    row(out, "max lost work + downtime per failure", &[s(worst)], "");
    row(
        out,
        "checkpoint blocking (sync + alignment)",
        &[per_h(overhead)],
        "",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    fn quickstart(sets: &[&str]) -> Scenario {
        let v: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_str(
            include_str!("../../scenarios/quickstart.toml"),
            "quickstart.toml",
            &v,
        )
        .unwrap()
    }

    /// The last line of `text` that starts with `label`, trimmed.
    fn line<'a>(text: &'a str, label: &str) -> &'a str {
        text.lines()
            .map(str::trim)
            .rfind(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no line {label:?} in\n{text}"))
    }

    #[test]
    fn settings_only() {
        let text = report(&quickstart(&[]), None);
        // The arithmetic is in models::tests::estimate_quickstart.
        assert!(line(&text, "C  checkpoint cost").contains(" 0.017 s   sync-base 0.001 s"));
        assert!(line(&text, "R  downtime").contains(" 4.840 s   report 0.010 s"));
        assert!(line(&text, "M  mean time").contains(" inf s   no stochastic"));
        // T + R = 10 + 4.84 = 14.84 s, T/2 + R = 5 + 4.84 = 9.84 s.
        assert!(line(&text, "T + R per failure").ends_with(" 14.840 s"));
        assert!(line(&text, "T/2 + R per failure").ends_with(" 9.840 s"));
        // C/T = 0.017/10 = 0.0017 s/s (M = +∞), 3600·0.0017 = 6.12 s/h.
        assert!(line(&text, "cost rate").ends_with(" 0.00170 s/s"));
        assert!(line(&text, "cost, seconds").ends_with(" 6.1 s/h"));
        assert!(!text.contains("run measured"));
    }

    #[test]
    fn against_a_run() {
        let sc = quickstart(&[
            "job.duration=\"1min\"",
            "faults.scripted[0].at=\"20s\"",
            "faults.scripted[1].at=\"40s\"",
        ]);
        let run = crate::sim::run(&sc).expect("run");
        let text = report(&sc, Some(&run));
        assert!(text.contains("run measured"), "{text}");
        // Two scripted faults (or more, with failed deployments): M = simulated seconds / failovers.
        let n = run.failures.len();
        assert!(n >= 2, "{text}");
        let m = s(run.summary.sim_seconds / n as f64);
        assert!(
            line(&text, "M  mean time").contains(&format!(" {m}   ")),
            "{text}"
        );
        let r = s(run.summary.mean_downtime_s);
        assert!(
            line(&text, "mean downtime").ends_with(&format!(" {r}")),
            "{text}"
        );
        // Deterministic: the same run gives the same text.
        assert_eq!(text, report(&sc, Some(&crate::sim::run(&sc).expect("run"))));
    }
}
