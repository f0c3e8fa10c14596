//! Validation of `[faults]`: scripted faults must hit something that exists
//! before the run ends; stochastic generators need a positive MTBF and a
//! well-formed distribution.

use super::*;
use crate::time::SimTime;

/// Checks `[faults]` against the job and the cluster.
pub fn faults(f: &RawFaults, job: &JobSpec, cluster: &ClusterConfig) -> Result<FaultSpec> {
    let scripted = f
        .scripted
        .iter()
        .enumerate()
        .map(|(i, s)| scripted(&format!("faults.scripted[{i}]"), s, job, cluster))
        .collect::<Result<_>>()?;
    let stochastic = f
        .stochastic
        .iter()
        .enumerate()
        .map(|(i, s)| stochastic(&format!("faults.stochastic[{i}]"), s))
        .collect::<Result<_>>()?;
    Ok(FaultSpec {
        scripted,
        stochastic,
    })
}

fn scripted(
    p: &str,
    s: &RawScripted,
    job: &JobSpec,
    cluster: &ClusterConfig,
) -> Result<ScriptedFault> {
    let end = job.duration + job.drain_timeout;
    let at = required(s.at, &format!("{p}.at"))?;
    if at >= end {
        let (d, dt) = (job.duration, job.drain_timeout);
        return fail(
            format!("{p}.at"),
            format!(
                "at \"{at}\" is not before the end of the run (job.duration {d} + job.drain-timeout {dt} = {end}), so the fault would never fire; choose a time before \"{end}\""
            ),
        );
    }
    let fault = match (&s.task_failure, &s.taskmanager_loss) {
        (Some(_), Some(_)) => {
            return fail(
                p,
                "a scripted fault holds exactly one kind, but this one has both task-failure and taskmanager-loss; split it into two [[faults.scripted]] entries",
            );
        }
        (None, None) => {
            return fail(
                p,
                "a scripted fault needs a kind; add task-failure = { task = \"aggregate\", subtask = 0 } or taskmanager-loss = { taskmanager = 1 }",
            );
        }
        (Some(t), None) => task_failure(p, t, job)?,
        (None, Some(l)) => {
            let k = format!("{p}.taskmanager-loss.taskmanager");
            let tm = count_req(l.taskmanager, &k, 0)?;
            let n = cluster.taskmanagers;
            if tm >= n {
                return fail(
                    k,
                    format!(
                        "taskmanager {tm} does not exist: the cluster has {n} TaskManager(s), numbered 0 to {}; pick one of those or raise cluster.taskmanagers",
                        n - 1
                    ),
                );
            }
            Fault::TaskManagerLoss { taskmanager: tm }
        }
    };
    Ok(ScriptedFault {
        at: SimTime(at.as_ns()),
        fault,
    })
}

/// `task-failure = { task, subtask }`, or with `partition` and `offset` a failure
/// injected by data.
fn task_failure(p: &str, t: &RawTaskFailure, job: &JobSpec) -> Result<Fault> {
    let tk = format!("{p}.task-failure.task");
    let task = required(t.task.clone(), &tk)?;
    let Some(vertex) = job.vertices.iter().position(|v| v.name == task) else {
        let names: Vec<&str> = job.vertices.iter().map(|v| v.name.as_str()).collect();
        let names = names.join(", ");
        return fail(
            tk,
            format!("no task is named `{task}`; the tasks are {names}"),
        );
    };
    let par = job.vertices[vertex].parallelism;
    let sk = format!("{p}.task-failure.subtask");
    let subtask = count_req(t.subtask, &sk, 0)?;
    if subtask >= par {
        return fail(
            sk,
            format!(
                "subtask {subtask} does not exist: `{task}` has parallelism {par}, so its subtasks are 0 to {}",
                par - 1
            ),
        );
    }
    Ok(match (t.partition, t.offset) {
        (None, None) => Fault::TaskFailure { vertex, subtask },
        (Some(_), None) | (None, Some(_)) => {
            return fail(
                format!("{p}.task-failure"),
                "a failure injected by data needs both partition and offset, e.g. task-failure = { task = \"aggregate\", subtask = 0, partition = 0, offset = 5000 }; or give neither for a failure at `at`",
            );
        }
        (Some(part), Some(off)) => {
            let partitions: u32 = (job.vertices.iter())
                .map(|v| match &v.kind {
                    VertexKind::Source(s) => s.partitions,
                    _ => 0,
                })
                .sum();
            let pk = format!("{p}.task-failure.partition");
            let partition = count_req(Some(part), &pk, 0)?;
            if partition >= partitions {
                return fail(
                    pk,
                    format!(
                        "partition {partition} does not exist: the sources have {partitions} partition(s) in all, numbered 0 to {} in the order the sources appear",
                        partitions.saturating_sub(1)
                    ),
                );
            }
            let offset = amount(Some(off), &format!("{p}.task-failure.offset"), 0)?;
            Fault::RecordFailure {
                vertex,
                subtask,
                partition,
                offset,
            }
        }
    })
}

fn stochastic(p: &str, s: &RawStochastic) -> Result<StochasticFault> {
    let (kind, g, gk) = match (&s.task_failure, &s.taskmanager_loss) {
        (Some(_), Some(_)) => {
            return fail(
                p,
                "a stochastic entry holds exactly one kind, but this one has both task-failure and taskmanager-loss; split it into two [[faults.stochastic]] entries",
            );
        }
        (None, None) => {
            return fail(
                p,
                "a stochastic entry needs a kind; add task-failure = { mtbf = \"1h\" } or taskmanager-loss = { mtbf = \"30min\" }",
            );
        }
        (Some(g), None) => (StochasticKind::TaskFailure, g, format!("{p}.task-failure")),
        (None, Some(g)) => (
            StochasticKind::TaskManagerLoss,
            g,
            format!("{p}.taskmanager-loss"),
        ),
    };
    let mk = format!("{gk}.mtbf");
    let mtbf = positive(required(g.mtbf, &mk)?, &mk)?;
    let sk = format!("{gk}.shape");
    let distribution = match (g.distribution, g.shape) {
        (None, None) => defaults::FAILURE_DISTRIBUTION.value,
        (Some(RawDistribution::Exponential), None) => FailureDistribution::Exponential,
        (None | Some(RawDistribution::Exponential), Some(_)) => {
            return fail(
                sk,
                "shape applies only to distribution = \"weibull\"; remove it or add distribution = \"weibull\"",
            );
        }
        (Some(RawDistribution::Weibull), shape) => {
            let shape = required(shape, &sk)?;
            if !shape.is_finite() || shape <= 0.0 {
                return fail(
                    sk,
                    format!(
                        "shape must be a finite number above 0, not {shape}; below 1 models infant mortality, above 1 wear-out, e.g. shape = 0.7"
                    ),
                );
            }
            FailureDistribution::Weibull { shape }
        }
    };
    Ok(StochasticFault {
        kind,
        mtbf,
        distribution,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{MINIMAL, rejects, with};
    use crate::scenario::{FailureDistribution, parse_str};

    #[test]
    fn scripted_faults_must_hit_something_that_exists() {
        let task = "faults.scripted[0].task-failure.task";
        rejects(
            &with("task = \"op\"", "task = \"nope\""),
            44,
            task,
            "no task is named `nope`; the tasks are src, op, out",
        );
        let sub = "faults.scripted[0].task-failure.subtask";
        rejects(
            &with("subtask = 1", "subtask = 2"),
            44,
            sub,
            "its subtasks are 0 to 1",
        );
        let tm = with(
            "task-failure = { task = \"op\", subtask = 1 }",
            "taskmanager-loss = { taskmanager = 2 }",
        );
        rejects(
            &tm,
            44,
            "faults.scripted[0].taskmanager-loss.taskmanager",
            "numbered 0 to 1",
        );
    }

    #[test]
    fn scripted_faults_fire_before_the_run_ends_and_have_one_kind() {
        // job.duration 1min + default drain-timeout 10min = 11min.
        rejects(
            &with("at = \"30s\"", "at = \"11min\""),
            43,
            "faults.scripted[0].at",
            "would never fire",
        );
        let both = with(
            "subtask = 1 }",
            "subtask = 1 }\ntaskmanager-loss = { taskmanager = 0 }",
        );
        rejects(&both, 42, "faults.scripted[0]", "exactly one kind");
    }

    #[test]
    fn stochastic_generators() {
        let entry = |g: &str| format!("{MINIMAL}\n[[faults.stochastic]]\n{g}\n");
        let zero = entry("task-failure = { mtbf = \"0s\" }");
        rejects(
            &zero,
            47,
            "faults.stochastic[0].task-failure.mtbf",
            "longer than 0s",
        );
        let flat =
            entry("taskmanager-loss = { mtbf = \"1h\", distribution = \"weibull\", shape = 0.0 }");
        rejects(
            &flat,
            47,
            "faults.stochastic[0].taskmanager-loss.shape",
            "above 0",
        );
        let stray = entry("taskmanager-loss = { mtbf = \"1h\", shape = 0.7 }");
        rejects(
            &stray,
            47,
            "faults.stochastic[0].taskmanager-loss.shape",
            "only to distribution = \"weibull\"",
        );
        let ok = entry("task-failure = { mtbf = \"1h\", distribution = \"weibull\", shape = 0.7 }");
        let s = parse_str(&ok, "t", &[]).unwrap();
        assert_eq!(
            s.faults.stochastic[0].distribution,
            FailureDistribution::Weibull { shape: 0.7 }
        );
    }
}
