//! Cases for `ckptsim check`: random small jobs with random settings and
//! random fault schedules, drawn from the check seed, rendered as scenario
//! text, and the edits the shrinker may make to them.
//!
//! A case is a scenario text (generated, or a user's file) plus the faults
//! and the duration, which are applied as `--set` overrides so that both
//! kinds shrink the same way.

use crate::kernel::rng_stream;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// How records travel between two vertices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Subtask i to subtask i.
    Forward,
    /// keyBy.
    Hash,
    /// Round-robin.
    Rebalance,
}

impl EdgeKind {
    fn name(self) -> &'static str {
        match self {
            EdgeKind::Forward => "forward",
            EdgeKind::Hash => "hash",
            EdgeKind::Rebalance => "rebalance",
        }
    }
}

/// One processing vertex (operator or sink) of a generated job.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Parallelism.
    pub parallelism: u32,
    /// Records/s one subtask processes.
    pub capacity: u64,
    /// How it is fed from the previous vertex.
    pub edge: EdgeKind,
    /// Keyed state (keys, bytes per key); operators only.
    pub state: Option<(u64, u64)>,
    /// Output ratio in percent; operators only.
    pub ratio_pct: u32,
}

/// A generated job and its settings (everything but faults and duration).
#[derive(Clone, Debug, PartialEq)]
pub struct Gen {
    /// Run seed of the scenario.
    pub seed: u64,
    /// Source parallelism, partitions, rate (records/s), record bytes, capacity.
    pub source: (u32, u32, u64, u64, u64),
    /// Operators in a chain, then the sink (last).
    pub stages: Vec<Stage>,
    /// True for a two-phase-commit sink, false for at-least-once.
    pub sink_2pc: bool,
    /// Checkpoint settings: interval, timeout, min-pause (ms), max-concurrent, tolerable-failed.
    pub checkpoint: (u64, u64, u64, u32, u32),
    /// Exactly-once (aligned) mode, else at-least-once.
    pub exactly_once: bool,
    /// `first-trigger = "random-delay"` instead of on-running.
    pub random_first: bool,
    /// Storage latency (ms) and bandwidth (bytes/s).
    pub storage: (u64, u64),
    /// Buffer timeout (ms).
    pub buffer_timeout_ms: u64,
    /// TaskManagers.
    pub taskmanagers: u32,
    /// The `[restart]` table body.
    pub restart: String,
    /// Full failover instead of region.
    pub full_failover: bool,
    /// With two operators: a diamond (src → op0 → sink and src → op1 → sink) instead of a chain.
    pub diamond: bool,
    /// Optional checkpoint modes and state settings.
    pub modes: super::modes::Modes,
}

/// A fault of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// A subtask of the named vertex.
    Task(String, u32),
    /// A TaskManager.
    TaskManager(u32),
}

/// A scripted fault at a time in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFault {
    /// When, in ms.
    pub at_ms: u64,
    /// What.
    pub target: FaultTarget,
}

/// Where the case's scenario text comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Base {
    /// A generated job.
    Generated(Gen),
    /// A user's scenario file (its text and label).
    File(String, String),
}

/// One check case: a scenario, its duration and its faults.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The scenario without faults.
    pub base: Base,
    /// Job duration in ms.
    pub duration_ms: u64,
    /// Scripted faults (replace the scenario's own faults).
    pub faults: Vec<CaseFault>,
}

/// Random operator and sink stages after a source of parallelism `src_par` and `rate` records/s.
fn random_stages(rng: &mut ChaCha8Rng, src_par: u32, rate: u64) -> Vec<Stage> {
    let mut stages = Vec::new();
    let mut prev_par = src_par;
    let n_ops = rng.random_range(0..=2usize);
    for i in 0..=n_ops {
        let is_sink = i == n_ops;
        let mut edge =
            [EdgeKind::Forward, EdgeKind::Hash, EdgeKind::Rebalance][rng.random_range(0..3usize)];
        let mut par = rng.random_range(1..=3u32);
        if edge == EdgeKind::Forward {
            par = prev_par;
        }
        if !is_sink && i == 0 && rng.random_bool(0.7) {
            edge = EdgeKind::Hash;
        }
        // Enough capacity to catch up after failures: at least twice the load.
        let capacity = rate * 2 / par as u64 + rng.random_range(1_000..=20_000u64);
        let state = (!is_sink && rng.random_bool(0.7)).then(|| {
            (
                rng.random_range(10..=200_000u64),
                [8u64, 64, 512, 4096][rng.random_range(0..4usize)],
            )
        });
        let ratio_pct = if is_sink {
            100
        } else {
            [100, 50, 10][rng.random_range(0..3usize)]
        };
        stages.push(Stage {
            parallelism: par,
            capacity,
            edge,
            state,
            ratio_pct,
        });
        prev_par = par;
    }
    stages
}

/// A random restart strategy as the lines of a `[restart]` table.
fn random_restart(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..20u32) {
        0..=7 => format!(
            "strategy = \"fixed-delay\"\nattempts = {}\ndelay = \"{}ms\"",
            rng.random_range(3..=30u32),
            rng.random_range(0..=3000u64)
        ),
        8..=13 => format!(
            "strategy = \"exponential-delay\"\ninitial-backoff = \"{}ms\"\nmax-backoff = \"10s\"\njitter-factor = {}",
            rng.random_range(10..=2000u64),
            [0.0, 0.1, 0.5][rng.random_range(0..3usize)]
        ),
        14..=18 => format!(
            "strategy = \"failure-rate\"\nmax-failures-per-interval = {}\nfailure-rate-interval = \"1min\"\ndelay = \"{}ms\"",
            rng.random_range(3..=20u32),
            rng.random_range(0..=2000u64)
        ),
        _ => "strategy = \"none\"".to_string(),
    }
}

fn vertex_names(g: &Gen) -> Vec<String> {
    let n = g.stages.len();
    let mut names = vec!["src".to_string()];
    names.extend((0..n - 1).map(|i| format!("op{i}")));
    names.push("sink".into());
    names
}

impl Gen {
    /// Draws a random small job and settings.
    pub fn random(rng: &mut ChaCha8Rng) -> Gen {
        let src_par = rng.random_range(1..=3u32);
        let partitions = src_par * rng.random_range(1..=2u32);
        let rate = rng.random_range(500..=20_000u64);
        let record_bytes = [50u64, 100, 200, 1000][rng.random_range(0..4usize)];
        let stages = random_stages(rng, src_par, rate);
        let interval = [200u64, 500, 1000, 2000, 5000][rng.random_range(0..5usize)];
        let storage_latency = rng.random_range(1..=100u64);
        let timeout = if rng.random_bool(0.2) {
            // Sometimes too short: checkpoints expire.
            (2 * storage_latency + 10).max(rng.random_range(50..=500u64))
        } else {
            rng.random_range(5_000..=60_000u64)
        };
        let min_pause = [0u64, 0, 100, 1000][rng.random_range(0..4usize)];
        let max_concurrent = [1u32, 1, 2, 3][rng.random_range(0..4usize)];
        let tolerable = rng.random_range(0..=3u32);
        let max_par = stages
            .iter()
            .map(|s| s.parallelism)
            .max()
            .unwrap()
            .max(src_par);
        let taskmanagers = rng.random_range(1..=max_par.min(3));
        let restart = random_restart(rng);
        let mut g = Gen {
            seed: rng.random_range(0..1_000_000u64),
            source: (
                src_par,
                partitions,
                rate,
                record_bytes,
                rate * 3 / src_par as u64 + 5_000,
            ),
            stages,
            sink_2pc: rng.random_bool(0.75),
            checkpoint: (interval, timeout, min_pause, max_concurrent, tolerable),
            exactly_once: rng.random_bool(0.8),
            random_first: rng.random_bool(0.2),
            storage: (
                storage_latency,
                [1_000_000u64, 10_000_000, 100_000_000][rng.random_range(0..3usize)],
            ),
            buffer_timeout_ms: [10u64, 100, 1000][rng.random_range(0..3usize)],
            taskmanagers,
            restart,
            full_failover: rng.random_bool(0.25),
            diamond: false,
            modes: Default::default(),
        };
        if g.stages.len() == 3 && rng.random_bool(0.3) {
            g.diamond = true;
            // The sink takes every record twice.
            g.stages[2].capacity *= 2;
        }
        g.fix_shape();
        g
    }

    /// The edges as (from, to, partitioning) vertex indices (0 = source, last = sink).
    pub fn edges(&self) -> Vec<(usize, usize, EdgeKind)> {
        let n = self.stages.len();
        if self.diamond && n == 3 {
            let e = self.stages.iter().map(|s| s.edge).collect::<Vec<_>>();
            vec![(0, 1, e[0]), (0, 2, e[1]), (1, 3, e[2]), (2, 3, e[2])]
        } else {
            (0..n).map(|i| (i, i + 1, self.stages[i].edge)).collect()
        }
    }

    /// Makes forward edges join equal parallelisms (changing the downstream's, or
    /// the edge to rebalance where two upstreams disagree).
    pub fn fix_shape(&mut self) {
        if self.stages.len() != 3 {
            self.diamond = false;
        }
        let mut pars = vec![self.source.0];
        pars.extend(self.stages.iter().map(|s| s.parallelism));
        let edges = self.edges();
        let rate = self.source.2;
        for (i, st) in self.stages.iter_mut().enumerate() {
            let ups: Vec<usize> = edges.iter().filter(|e| e.1 == i + 1).map(|e| e.0).collect();
            if st.edge == EdgeKind::Forward {
                if ups.iter().all(|&u| pars[u] == pars[ups[0]]) {
                    st.parallelism = pars[ups[0]];
                } else {
                    st.edge = EdgeKind::Rebalance;
                }
            }
            // Enough capacity to catch up after failures: twice the load it gets.
            let min_capacity = 2 * rate * ups.len() as u64 / st.parallelism as u64 + 1_000;
            st.capacity = st.capacity.max(min_capacity);
            pars[i + 1] = st.parallelism;
        }
    }

    /// Vertex names and parallelisms, sources first.
    pub fn vertices(&self) -> Vec<(String, u32)> {
        let mut pars = vec![self.source.0];
        pars.extend(self.stages.iter().map(|s| s.parallelism));
        vertex_names(self).into_iter().zip(pars).collect()
    }

    /// The scenario text (no faults; duration set by the case).
    pub fn render(&self) -> String {
        let names = vertex_names(self);
        let (sp, parts, rate, rb, scap) = self.source;
        let max_par = self.vertices().iter().map(|v| v.1).max().unwrap_or(1);
        let slots = max_par.div_ceil(self.taskmanagers);
        let mut s = String::new();
        let _ = writeln!(s, "name = \"check-case\"\nseed = {}", self.seed);
        let _ = writeln!(
            s,
            "failover = \"{}\"\n\n[job]\nduration = \"10s\"\nmax-parallelism = 16\ndrain-timeout = \"5min\"\n",
            if self.full_failover { "full" } else { "region" }
        );
        let _ = writeln!(
            s,
            "[[job.source]]\nname = \"src\"\nparallelism = {sp}\npartitions = {parts}\nrate = {rate}\nrecord-bytes = {rb}\ncapacity = {scap}\n"
        );
        let last = self.stages.len() - 1;
        for (i, st) in self.stages.iter().enumerate() {
            let name = &names[i + 1];
            if i == last {
                let kind = if self.sink_2pc {
                    "two-phase-commit"
                } else {
                    "at-least-once"
                };
                let _ = writeln!(
                    s,
                    "[[job.sink]]\nname = \"{name}\"\nparallelism = {}\ncapacity = {}\nkind = \"{kind}\"\n",
                    st.parallelism, st.capacity
                );
            } else {
                let _ = writeln!(
                    s,
                    "[[job.operator]]\nname = \"{name}\"\nparallelism = {}\ncapacity = {}\noutput-ratio = {}",
                    st.parallelism,
                    st.capacity,
                    st.ratio_pct as f64 / 100.0
                );
                if let Some((keys, bpk)) = st.state {
                    let _ = writeln!(s, "state = {{ keys = {keys}, bytes-per-key = {bpk} }}");
                }
                s.push('\n');
            }
        }
        for (from, to, edge) in self.edges() {
            let _ = writeln!(
                s,
                "[[job.edge]]\nfrom = \"{}\"\nto = \"{}\"\npartitioning = \"{}\"\n",
                names[from],
                names[to],
                edge.name()
            );
        }
        let (iv, to, mp, mc, tol) = self.checkpoint;
        let _ = writeln!(
            s,
            "[checkpoint]\ninterval = \"{iv}ms\"\ntimeout = \"{to}ms\"\nmin-pause = \"{mp}ms\"\nmax-concurrent = {mc}\ntolerable-failed = {tol}\nmode = \"{}\"\nfirst-trigger = \"{}\"\n{}",
            if self.exactly_once {
                "exactly-once"
            } else {
                "at-least-once"
            },
            if self.random_first {
                "random-delay"
            } else {
                "on-running"
            },
            self.modes.checkpoint_lines()
        );
        s.push_str(&self.modes.state_table());
        let _ = writeln!(
            s,
            "[storage]\nlatency = \"{}ms\"\nbandwidth = {}\n\n[network]\nbuffer-timeout = \"{}ms\"\n{}",
            self.storage.0,
            self.storage.1,
            self.buffer_timeout_ms,
            self.modes.network_lines()
        );
        let _ = writeln!(
            s,
            "[cluster]\ntaskmanagers = {}\nslots-per-taskmanager = {slots}\n\n[restart]\n{}",
            self.taskmanagers, self.restart
        );
        s
    }
}

impl Case {
    /// Case `index` of the run seeded `seed`: a generated job, 10 to 60 s, 0 to 3 faults.
    pub fn generated(seed: u64, index: u64) -> Case {
        let mut rng = rng_stream(seed, &format!("check/case/{index}"));
        let mut g = Gen::random(&mut rng);
        let (interval, _, _, max_concurrent, _) = g.checkpoint;
        let cfg = (interval, max_concurrent);
        g.modes = super::modes::Modes::random(seed, index, g.exactly_once, cfg);
        let duration_ms = rng.random_range(10..=60u64) * 1000;
        let targets = g.vertices();
        let tms = g.taskmanagers;
        let faults = random_faults(&mut rng, duration_ms, &targets, tms);
        Case {
            base: Base::Generated(g),
            duration_ms,
            faults,
        }
    }

    /// A case over a user's scenario: its own faults for index 0, random ones after.
    pub fn over_file(
        text: &str,
        label: &str,
        sc: &crate::scenario::Scenario,
        seed: u64,
        index: u64,
    ) -> Case {
        let duration_ms = sc.job.duration.as_ns() / 1_000_000;
        let targets: Vec<(String, u32)> = sc
            .job
            .vertices
            .iter()
            .map(|v| (v.name.clone(), v.parallelism))
            .collect();
        let faults = if index == 0 {
            sc.faults
                .scripted
                .iter()
                .map(|f| CaseFault {
                    at_ms: f.at.as_ns() / 1_000_000,
                    target: match &f.fault {
                        // A failure injected by data is shrunk as a failure at its arming time.
                        crate::scenario::Fault::TaskFailure { vertex, subtask }
                        | crate::scenario::Fault::RecordFailure {
                            vertex, subtask, ..
                        } => FaultTarget::Task(sc.job.vertices[*vertex].name.clone(), *subtask),
                        crate::scenario::Fault::TaskManagerLoss { taskmanager } => {
                            FaultTarget::TaskManager(*taskmanager)
                        }
                    },
                })
                .collect()
        } else {
            let mut rng = rng_stream(seed, &format!("check/file-case/{index}"));
            random_faults(&mut rng, duration_ms, &targets, sc.cluster.taskmanagers)
        };
        Case {
            base: Base::File(text.to_string(), label.to_string()),
            duration_ms,
            faults,
        }
    }

    /// The scenario text before overrides, and its label.
    pub fn text(&self) -> (String, String) {
        match &self.base {
            Base::Generated(g) => (g.render(), "check-case.toml".into()),
            Base::File(t, l) => (t.clone(), l.clone()),
        }
    }

    /// The `--set` overrides that give the case its duration and faults.
    pub fn overrides(&self) -> Vec<String> {
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|f| {
                let what = match &f.target {
                    FaultTarget::Task(name, i) => {
                        format!("task-failure = {{ task = \"{name}\", subtask = {i} }}")
                    }
                    FaultTarget::TaskManager(tm) => {
                        format!("taskmanager-loss = {{ taskmanager = {tm} }}")
                    }
                };
                format!("{{ at = \"{}ms\", {what} }}", f.at_ms)
            })
            .collect();
        vec![
            format!("job.duration={}ms", self.duration_ms),
            format!("faults.scripted=[{}]", faults.join(", ")),
            "faults.stochastic=[]".into(),
        ]
    }
}

fn random_faults(
    rng: &mut ChaCha8Rng,
    duration_ms: u64,
    targets: &[(String, u32)],
    taskmanagers: u32,
) -> Vec<CaseFault> {
    let n = rng.random_range(0..=3usize);
    let mut faults: Vec<CaseFault> = (0..n)
        .map(|_| {
            let at_ms = rng.random_range(500..duration_ms.max(501));
            let target = if rng.random_bool(0.7) {
                let (name, par) = &targets[rng.random_range(0..targets.len())];
                FaultTarget::Task(name.clone(), rng.random_range(0..*par))
            } else {
                FaultTarget::TaskManager(rng.random_range(0..taskmanagers))
            };
            CaseFault { at_ms, target }
        })
        .collect();
    faults.sort_by_key(|f| f.at_ms);
    faults
}
