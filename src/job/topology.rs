//! Builds the execution graph from the job graph: subtasks placed in slots of
//! TaskManagers, channels per edge, per-task costs and weights, and the
//! pipelined regions used by region failover.
//!
//! Placement follows Flink's default slot sharing: slot i holds subtask i of
//! every vertex, and slot i starts on TaskManager i / slots-per-taskmanager.
//! The recovery room moves tasks later ([`Job::place`]); which slot a task
//! takes is its rule, not this file's.

use super::Job;
use super::channel::Channel;
use super::task::{Costs, Inputs, KeyedState, OutEdge, Role, Status, Task, Work};
use crate::event::{ChanId, TaskId};
use crate::scenario::{Partitioning, Scenario, VertexKind};
use std::collections::VecDeque;

/// The built execution graph.
pub(crate) struct Topology {
    /// Subtasks in vertex order.
    pub tasks: Vec<Task>,
    /// Channels in edge order.
    pub chans: Vec<Channel>,
    /// Pipelined region of each task.
    pub region_of: Vec<usize>,
}

impl Job {
    /// Places `task` on TaskManager `tm`. A channel touching it becomes remote
    /// exactly when its two ends are on different TaskManagers, at once if it is
    /// empty, else when it is reset (what it still holds went over the old kind of
    /// channel and dies with the failover).
    pub fn place(&mut self, task: TaskId, tm: u32) {
        self.tasks[task].tm = tm;
        let t = &self.tasks[task];
        let outs = t.outputs.iter().flat_map(|o| o.chans.iter());
        for &ch in t.inputs.chans.iter().chain(outs) {
            let c = &self.chans[ch];
            let empty =
                !c.buffer_open() && c.out_q.is_empty() && c.wire.is_empty() && c.in_q.is_empty();
            if empty {
                self.chans[ch].remote = self.placed_remote(ch);
            }
        }
    }

    /// True when the two ends of `ch` are placed on different TaskManagers.
    pub(super) fn placed_remote(&self, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        self.tasks[c.from].tm != self.tasks[c.to].tm
    }
}

/// Records out per provenance record and bytes per record, per vertex, in topological order.
fn weights(sc: &Scenario) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = sc.job.vertices.len();
    let (mut w_in, mut w_out, mut rb) = (vec![1.0; n], vec![1.0; n], vec![100.0; n]);
    for (v, vs) in sc.job.vertices.iter().enumerate() {
        let ups: Vec<usize> = sc
            .job
            .edges
            .iter()
            .filter(|e| e.to == v)
            .map(|e| e.from)
            .collect();
        if !ups.is_empty() {
            w_in[v] = ups.iter().map(|&u| w_out[u]).sum::<f64>() / ups.len() as f64;
            rb[v] = ups.iter().map(|&u| rb[u]).sum::<f64>() / ups.len() as f64;
        }
        w_out[v] = match &vs.kind {
            VertexKind::Source(s) => {
                rb[v] = s.record_bytes as f64;
                1.0
            }
            VertexKind::Operator(o) => w_in[v] * o.output_ratio,
            VertexKind::Sink(_) => w_in[v],
        };
    }
    (w_in, w_out, rb)
}

fn find(parent: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while parent[r] != r {
        r = parent[r];
    }
    let mut y = x;
    while parent[y] != r {
        let next = parent[y];
        parent[y] = r;
        y = next;
    }
    r
}

/// Builds tasks, channels and regions for `sc`.
pub(crate) fn build(sc: &Scenario) -> Topology {
    let (mut tasks, first_task) = build_tasks(sc);
    let chans = build_channels(sc, &mut tasks, &first_task);
    let region_of = regions(tasks.len(), &chans);
    Topology {
        tasks,
        chans,
        region_of,
    }
}

/// Every subtask of every vertex, in vertex order, and the index of each vertex's first task.
fn build_tasks(sc: &Scenario) -> (Vec<Task>, Vec<usize>) {
    let (w_in, w_out, rb) = weights(sc);
    let spt = sc.cluster.slots_per_taskmanager;
    let mut first_task = Vec::new();
    let mut tasks = Vec::new();
    let mut first_partition = 0u32;
    for (v, vs) in sc.job.vertices.iter().enumerate() {
        first_task.push(tasks.len());
        let gates = sc.job.edges.iter().filter(|e| e.to == v).count();
        let fp = first_partition;
        let role_of = |i: u32| match &vs.kind {
            VertexKind::Source(s) => Role::Source {
                partitions: (0..s.partitions)
                    .filter(|p| p % vs.parallelism == i)
                    .map(|p| fp + p)
                    .collect(),
                rr: 0,
            },
            VertexKind::Operator(_) => Role::Operator,
            VertexKind::Sink(_) => Role::Sink,
        };
        let keyed: Option<(f64, u64)> = match &vs.kind {
            VertexKind::Source(s) => {
                first_partition += s.partitions;
                None
            }
            VertexKind::Operator(o) => o
                .state
                .as_ref()
                .map(|st| (st.keys as f64 / vs.parallelism as f64, st.bytes_per_key)),
            VertexKind::Sink(_) => None,
        };
        for i in 0..vs.parallelism {
            tasks.push(Task {
                vertex: v,
                index: i,
                tm: i / spt,
                role: role_of(i),
                status: Status::Deploying,
                attempt: 0,
                work: Work::Idle,
                step: 0,
                inputs: Inputs {
                    chans: Vec::new(),
                    floating_used: vec![0; gates],
                    avail: VecDeque::new(),
                    recovered: VecDeque::new(),
                },
                outputs: Vec::new(),
                mailbox: VecDeque::new(),
                flush_scheduled: false,
                flush_at: crate::time::SimTime::ZERO,
                wake_at: None,
                state: KeyedState {
                    records: 0,
                    frontier: Vec::new(),
                    keys_owned: keyed.map(|k| k.0).unwrap_or(0.0),
                    bytes_per_key: keyed.map(|k| k.1).unwrap_or(0),
                },
                cost: Costs {
                    ns_per_prov: w_in[v] * 1e9 / vs.capacity_records_per_s as f64,
                    out_bytes_per_prov: w_out[v] * rb[v],
                    out_weight: w_out[v],
                    in_weight: w_in[v],
                },
                initializing: false,
                recovered_out: Vec::new(),
                processed_bytes: 0,
            });
        }
    }
    for t in tasks.iter_mut() {
        t.state.frontier = vec![0; first_partition as usize];
    }
    (tasks, first_task)
}

/// The channels of every edge (one per upstream/downstream subtask pair the
/// partitioning connects), registered at both ends.
fn build_channels(sc: &Scenario, tasks: &mut [Task], first_task: &[usize]) -> Vec<Channel> {
    let mut chans = Vec::new();
    let mut gate_index = vec![0usize; sc.job.vertices.len()];
    for e in &sc.job.edges {
        let gate = gate_index[e.to];
        gate_index[e.to] += 1;
        let (pu, pd) = (
            sc.job.vertices[e.from].parallelism,
            sc.job.vertices[e.to].parallelism,
        );
        for i in 0..pu {
            let from = first_task[e.from] + i as usize;
            let targets: Vec<u32> = match e.partitioning {
                Partitioning::Forward => vec![i],
                Partitioning::Hash | Partitioning::Rebalance => (0..pd).collect(),
            };
            let mut out = OutEdge {
                partitioning: e.partitioning,
                chans: Vec::new(),
                rr: i as usize,
            };
            for j in targets {
                let to = first_task[e.to] + j as usize;
                let id = chans.len();
                let slot = tasks[to].inputs.chans.len();
                tasks[to].inputs.chans.push(id);
                let remote = tasks[from].tm != tasks[to].tm;
                chans.push(Channel::new(from, to, gate, slot, remote));
                out.chans.push(id);
            }
            tasks[from].outputs.push(out);
        }
    }
    chans
}

/// Pipelined regions: the connected components of the task graph, each named
/// by its smallest task.
fn regions(n_tasks: usize, chans: &[Channel]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n_tasks).collect();
    for c in chans {
        let (a, b) = (find(&mut parent, c.from), find(&mut parent, c.to));
        parent[a.max(b)] = a.min(b);
    }
    (0..n_tasks).map(|t| find(&mut parent, t)).collect()
}

#[cfg(test)]
mod tests {
    use crate::event::Ctx;
    use crate::job::Job;

    /// src (p=2) ──hash──▶ sink (p=2) on 3 TaskManagers × 1 slot: slot-sharing slot i on tm i.
    const HASH_ON_THREE_TMS: &str = r#"
[job]
duration = "10s"
[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 10
capacity = 100
[[job.sink]]
name = "sink"
parallelism = 2
capacity = 100
[[job.edge]]
from = "src"
to = "sink"
partitioning = "hash"
[checkpoint]
interval = "1s"
[cluster]
taskmanagers = 3
"#;

    /// (from, to, remote) of every channel, in channel order.
    fn links(job: &Job) -> Vec<(usize, usize, bool)> {
        job.chans.iter().map(|c| (c.from, c.to, c.remote)).collect()
    }

    #[test]
    fn placing_a_task_recomputes_the_remote_flag_of_its_channels() {
        let sc = crate::scenario::parse_str(HASH_ON_THREE_TMS, "t.toml", &[]).expect("valid");
        let mut job = Job::new(&Ctx::new(&sc, None));
        // Tasks: src[0] = 0, src[1] = 1, sink[0] = 2, sink[1] = 3; subtask i on tm i.
        let start = [(0, 2, false), (0, 3, true), (1, 2, true), (1, 3, false)];
        assert_eq!(links(&job), start);
        // Slot-sharing slot 1 (src[1], sink[1]) moves to tm 0: every channel is local.
        job.place(1, 0);
        job.place(3, 0);
        assert!(links(&job).iter().all(|l| !l.2), "{:?}", links(&job));
        // sink[1] alone on tm 2: both its input channels are remote, nothing else.
        job.place(3, 2);
        let now = [(0, 2, false), (0, 3, true), (1, 2, false), (1, 3, true)];
        assert_eq!(links(&job), now);
        assert_eq!(job.tasks[3].tm, 2);
    }
}
