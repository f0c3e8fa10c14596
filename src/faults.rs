//! Fault schedules: scripted faults plus stochastic ones drawn per failure
//! domain, each generator and domain on its own random stream, and the
//! realised schedule written back in the scenario format.
//!
//! The schedule is drawn before the run and depends only on the seed, the
//! fault generators and the job's shape (its TaskManagers and subtasks),
//! never on checkpoint or restart settings: a sweep over the checkpoint
//! interval faces the same failure times for the same seed.

use crate::kernel::rng_stream;
use crate::scenario::{FailureDistribution, Fault, Scenario, ScriptedFault, StochasticKind};
use crate::time::{NS_PER_S, SimTime};
use rand::distr::Distribution;
use statrs::distribution::{Exp, Weibull};
use std::fmt::Write;

/// Draws inter-failure times (seconds) for one domain.
fn sampler(
    mtbf_s: f64,
    dist: FailureDistribution,
) -> Box<dyn FnMut(&mut rand_chacha::ChaCha8Rng) -> f64> {
    match dist {
        FailureDistribution::Exponential => {
            let d = Exp::new(1.0 / mtbf_s).expect("validated: mtbf > 0");
            Box::new(move |r| d.sample(r))
        }
        FailureDistribution::Weibull { shape } => {
            let scale = mtbf_s / statrs::function::gamma::gamma(1.0 + 1.0 / shape);
            let d = Weibull::new(shape, scale).expect("validated: shape > 0, mtbf > 0");
            Box::new(move |r| d.sample(r))
        }
    }
}

/// The full fault schedule of a run up to `horizon`, sorted by time
/// (scripted first on ties, then generator order, then domain order).
pub fn schedule(sc: &Scenario, horizon: SimTime) -> Vec<ScriptedFault> {
    let mut out: Vec<(SimTime, usize, ScriptedFault)> = sc
        .faults
        .scripted
        .iter()
        .filter(|f| f.at < horizon)
        .cloned()
        .map(|f| (f.at, 0, f))
        .collect();
    for (g, gen_spec) in sc.faults.stochastic.iter().enumerate() {
        let domains: Vec<(String, Fault)> = match gen_spec.kind {
            StochasticKind::TaskManagerLoss => (0..sc.cluster.taskmanagers)
                .map(|tm| {
                    (
                        format!("tm-{tm}"),
                        Fault::TaskManagerLoss { taskmanager: tm },
                    )
                })
                .collect(),
            StochasticKind::TaskFailure => sc
                .job
                .vertices
                .iter()
                .enumerate()
                .flat_map(|(v, vs)| {
                    (0..vs.parallelism).map(move |i| {
                        (
                            format!("{}[{i}]", vs.name),
                            Fault::TaskFailure {
                                vertex: v,
                                subtask: i,
                            },
                        )
                    })
                })
                .collect(),
        };
        let kind = match gen_spec.kind {
            StochasticKind::TaskManagerLoss => "taskmanager-loss",
            StochasticKind::TaskFailure => "task-failure",
        };
        let mtbf_s = gen_spec.mtbf.as_secs_f64();
        for (name, fault) in domains {
            let mut rng = rng_stream(sc.seed, &format!("faults/{g}/{kind}/{name}"));
            let mut draw = sampler(mtbf_s, gen_spec.distribution);
            let mut t_s = 0.0f64;
            loop {
                t_s += draw(&mut rng);
                let at = SimTime((t_s * NS_PER_S as f64).round() as u64);
                if !t_s.is_finite() || at >= horizon {
                    break;
                }
                out.push((
                    at,
                    g + 1,
                    ScriptedFault {
                        at,
                        fault: fault.clone(),
                    },
                ));
            }
        }
    }
    out.sort_by_key(|(t, g, _)| (*t, *g));
    out.into_iter().map(|(_, _, f)| f).collect()
}

/// A fault's target as text ("aggregate[1]", "tm-1").
pub fn target_name(sc: &Scenario, fault: &Fault) -> String {
    match fault {
        Fault::TaskFailure { vertex, subtask }
        | Fault::RecordFailure {
            vertex, subtask, ..
        } => {
            format!("{}[{subtask}]", sc.job.vertices[*vertex].name)
        }
        Fault::TaskManagerLoss { taskmanager } => format!("tm-{taskmanager}"),
    }
}

/// A fault's kind as in the scenario format ("task-failure", "taskmanager-loss").
pub fn kind_name(fault: &Fault) -> &'static str {
    match fault {
        Fault::TaskFailure { .. } | Fault::RecordFailure { .. } => "task-failure",
        Fault::TaskManagerLoss { .. } => "taskmanager-loss",
    }
}

/// The realised schedule as `[[faults.scripted]]` entries, replayable exactly.
pub fn to_toml(sc: &Scenario, faults: &[ScriptedFault]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Realised fault schedule of scenario \"{}\", seed {}.\n\
         # To replay it, put these entries in a scenario in place of its [faults] section.",
        sc.name, sc.seed
    );
    for f in faults {
        let at = crate::time::SimDuration(f.at.0);
        let body = match &f.fault {
            Fault::TaskFailure { vertex, subtask } => format!(
                "task-failure = {{ task = \"{}\", subtask = {subtask} }}",
                sc.job.vertices[*vertex].name
            ),
            Fault::RecordFailure {
                vertex,
                subtask,
                partition,
                offset,
            } => format!(
                "task-failure = {{ task = \"{}\", subtask = {subtask}, partition = {partition}, offset = {offset} }}",
                sc.job.vertices[*vertex].name
            ),
            Fault::TaskManagerLoss { taskmanager } => {
                format!("taskmanager-loss = {{ taskmanager = {taskmanager} }}")
            }
        };
        let _ = writeln!(s, "\n[[faults.scripted]]\nat = \"{at}\"\n{body}");
    }
    s
}
