//! The shared job fixture: one keyed pipeline that the behaviour tests bend
//! with a few knobs instead of pasting the same scenario text into every
//! module.
//!
//! ```text
//!   src ──hash──▶ agg (keyed state) ──forward──▶ sink
//!   p=2, 4 partitions    p=2                     p=2, two-phase-commit
//! ```
//!
//! [`Job::keyed`] is that job with the values the tests were written
//! against; every knob changes one thing and leaves the rest alone. A knob
//! the builder has no method for is set with [`Job::set`] (`table`, `key`,
//! TOML value). [`Job::toml`] writes the scenario text, so `--set`
//! overrides and the binary work on it as on any scenario file. Keys left
//! unset are absent from the text, so validation gives them Flink's defaults.

use ckptsim::metrics::RunResult;
use ckptsim::scenario::{FailoverStrategy, Partitioning, Scenario, SinkKind};

/// The keyed aggregate's state: `keys` distinct keys of `bytes_per_key` each.
#[derive(Clone, Copy, Debug)]
pub struct State {
    /// Distinct keys over the whole key space.
    pub keys: u64,
    /// Bytes per key once seen.
    pub bytes_per_key: u64,
}

/// A restart strategy as written in `[restart]` (`restart-strategy.*`).
#[derive(Clone, Copy, Debug)]
pub enum Restart {
    /// No `[restart]` table: Flink's default, exponential-delay with its defaults.
    FlinkDefault,
    /// `strategy = "fixed-delay"`.
    FixedDelay {
        /// Restart attempts before the job fails.
        attempts: u32,
        /// Delay before each restart ("1s").
        delay: &'static str,
    },
    /// `strategy = "exponential-delay"` with every key written out.
    ExponentialDelay {
        /// `initial-backoff`.
        initial: &'static str,
        /// `max-backoff`.
        max: &'static str,
        /// `backoff-multiplier`.
        multiplier: f64,
        /// `reset-backoff-threshold`.
        reset_threshold: &'static str,
        /// `jitter-factor`.
        jitter: f64,
    },
    /// `strategy = "failure-rate"`.
    FailureRate {
        /// `max-failures-per-interval`.
        max_failures: u32,
        /// `failure-rate-interval`.
        interval: &'static str,
        /// `delay`.
        delay: &'static str,
    },
}

/// One section of the scenario text: its table name ("" for the top level) and `key = value` lines.
#[derive(Clone, Debug)]
struct Table {
    name: String,
    entries: Vec<(String, String)>,
}

/// A scenario built from the keyed job by knobs; see the module doc.
#[derive(Clone, Debug)]
pub struct Job {
    parallelism: u32,
    partitions: u32,
    rate: String,
    record_bytes: Option<u64>,
    source_capacity: u64,
    agg: Option<(u64, Option<State>)>,
    into_agg: Partitioning,
    sink_kind: Option<SinkKind>,
    sink_capacity: u64,
    /// Tables in the order first set ("" is the top level); `toml` writes the top level
    /// and `[job]` first and `[sweep]` last.
    tables: Vec<Table>,
    faults: Vec<String>,
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

impl Job {
    /// The keyed job: seed 7, 2 min of log; src p=2 over 4 partitions,
    /// 20,000 records/s of 100 B, 200,000 records/s per subtask; hash edge;
    /// agg p=2, 50,000 records/s per subtask, 100,000 keys × 100 B
    /// (10 MB of state); forward edge; sink p=2, two-phase-commit, 200,000
    /// records/s; checkpoints every 5 s; storage 20 ms and 100 MB/s; two
    /// TaskManagers with one slot each (subtask i on TaskManager i);
    /// fixed-delay restarts, 100 attempts 1 s apart.
    pub fn keyed() -> Job {
        Job {
            parallelism: 2,
            partitions: 4,
            rate: "20000".into(),
            record_bytes: Some(100),
            source_capacity: 200_000,
            agg: Some((
                50_000,
                Some(State {
                    keys: 100_000,
                    bytes_per_key: 100,
                }),
            )),
            into_agg: Partitioning::Hash,
            sink_kind: Some(SinkKind::TwoPhaseCommit),
            sink_capacity: 200_000,
            tables: Vec::new(),
            faults: Vec::new(),
        }
        .name("keyed")
        .seed(7)
        .duration("2min")
        .interval("5s")
        .storage("20ms", "100MB/s")
        .cluster(2, 1)
        .restart(Restart::FixedDelay {
            attempts: 100,
            delay: "1s",
        })
    }

    /// Sets `key = value` (a TOML value: `"5s"` with its quotes, `100`, `[..]`) in `table`
    /// ("" for the top level), replacing the key if it is already set.
    pub fn set(mut self, table: &str, key: &str, value: &str) -> Job {
        let at = match self.tables.iter().position(|t| t.name == table) {
            Some(i) => i,
            None => {
                self.tables.push(Table {
                    name: table.into(),
                    entries: Vec::new(),
                });
                self.tables.len() - 1
            }
        };
        let entries = &mut self.tables[at].entries;
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value.into(),
            None => entries.push((key.into(), value.into())),
        }
        self
    }

    /// Removes `key` from `table`, so that validation applies its default.
    pub fn unset(mut self, table: &str, key: &str) -> Job {
        for t in self.tables.iter_mut().filter(|t| t.name == table) {
            t.entries.retain(|(k, _)| k != key);
        }
        self.tables.retain(|t| !t.entries.is_empty());
        self
    }

    /// Scenario name (names the output folder).
    pub fn name(self, name: &str) -> Job {
        self.set("", "name", &quoted(name))
    }

    /// Run seed; `None` leaves it out (seed 0).
    pub fn seed(self, seed: impl Into<Option<u64>>) -> Job {
        match seed.into() {
            Some(s) => self.set("", "seed", &s.to_string()),
            None => self.unset("", "seed"),
        }
    }

    /// `failover`: region (Flink's default) or full.
    pub fn failover(self, failover: FailoverStrategy) -> Job {
        let v = match failover {
            FailoverStrategy::Region => "region",
            FailoverStrategy::Full => "full",
        };
        self.set("", "failover", &quoted(v))
    }

    /// `job.duration`: how long the log grows.
    pub fn duration(self, d: &str) -> Job {
        self.set("job", "duration", &quoted(d))
    }

    /// Parallelism of every vertex.
    pub fn parallelism(mut self, p: u32) -> Job {
        self.parallelism = p;
        self
    }

    /// Log partitions (over all source subtasks).
    pub fn partitions(mut self, n: u32) -> Job {
        self.partitions = n;
        self
    }

    /// A constant append rate, records/s over all partitions.
    pub fn rate(mut self, records_per_s: u64) -> Job {
        self.rate = records_per_s.to_string();
        self
    }

    /// A stepped append rate: (from time, records/s), the first at "0s".
    pub fn rate_steps(mut self, steps: &[(&str, u64)]) -> Job {
        let steps: Vec<String> = steps
            .iter()
            .map(|(at, r)| format!("{{ at = \"{at}\", rate = {r} }}"))
            .collect();
        self.rate = format!("[{}]", steps.join(", "));
        self
    }

    /// Bytes per record; `None` leaves it out (100 B).
    pub fn record_bytes(mut self, bytes: impl Into<Option<u64>>) -> Job {
        self.record_bytes = bytes.into();
        self
    }

    /// Records/s one subtask of every vertex can process.
    pub fn capacity(mut self, records_per_s: u64) -> Job {
        self.source_capacity = records_per_s;
        self.sink_capacity = records_per_s;
        if let Some(a) = self.agg.as_mut() {
            a.0 = records_per_s;
        }
        self
    }

    /// Records/s one aggregate subtask can process.
    pub fn agg_capacity(mut self, records_per_s: u64) -> Job {
        self.agg.as_mut().expect("the job has no aggregate").0 = records_per_s;
        self
    }

    /// The aggregate's keyed state.
    pub fn state(mut self, keys: u64, bytes_per_key: u64) -> Job {
        let agg = self.agg.as_mut().expect("the job has no aggregate");
        agg.1 = Some(State {
            keys,
            bytes_per_key,
        });
        self
    }

    /// No aggregate: src ──forward──▶ sink.
    pub fn no_operator(mut self) -> Job {
        self.agg = None;
        self
    }

    /// A forward edge into the aggregate instead of the hash edge: with every edge
    /// forward, subtask i of each vertex talks only to subtask i, so the job splits
    /// into `parallelism` independent pipelined regions.
    pub fn forward_only(mut self) -> Job {
        self.into_agg = Partitioning::Forward;
        self
    }

    /// The sink's delivery guarantee; `None` leaves `kind` out (two-phase-commit).
    pub fn sink(mut self, kind: impl Into<Option<SinkKind>>) -> Job {
        self.sink_kind = kind.into();
        self
    }

    /// `checkpoint.interval`.
    pub fn interval(self, d: &str) -> Job {
        self.set("checkpoint", "interval", &quoted(d))
    }

    /// `checkpoint.timeout`.
    pub fn timeout(self, d: &str) -> Job {
        self.set("checkpoint", "timeout", &quoted(d))
    }

    /// `storage.latency` and `storage.bandwidth`.
    pub fn storage(self, latency: &str, bandwidth: &str) -> Job {
        self.set("storage", "latency", &quoted(latency)).set(
            "storage",
            "bandwidth",
            &quoted(bandwidth),
        )
    }

    /// `cluster.taskmanagers` and `cluster.slots-per-taskmanager`.
    pub fn cluster(self, taskmanagers: u32, slots_per_taskmanager: u32) -> Job {
        self.set("cluster", "taskmanagers", &taskmanagers.to_string())
            .set(
                "cluster",
                "slots-per-taskmanager",
                &slots_per_taskmanager.to_string(),
            )
    }

    /// The `[restart]` table.
    pub fn restart(self, r: Restart) -> Job {
        let job = self.without("restart");
        let set = |j: Job, k: &str, v: String| j.set("restart", k, &v);
        match r {
            Restart::FlinkDefault => job,
            Restart::FixedDelay { attempts, delay } => {
                let job = set(job, "strategy", quoted("fixed-delay"));
                let job = set(job, "attempts", attempts.to_string());
                set(job, "delay", quoted(delay))
            }
            Restart::ExponentialDelay {
                initial,
                max,
                multiplier,
                reset_threshold,
                jitter,
            } => {
                let job = set(job, "strategy", quoted("exponential-delay"));
                let job = set(job, "initial-backoff", quoted(initial));
                let job = set(job, "max-backoff", quoted(max));
                let job = set(job, "backoff-multiplier", format!("{multiplier:?}"));
                let job = set(job, "reset-backoff-threshold", quoted(reset_threshold));
                set(job, "jitter-factor", format!("{jitter:?}"))
            }
            Restart::FailureRate {
                max_failures,
                interval,
                delay,
            } => {
                let job = set(job, "strategy", quoted("failure-rate"));
                let job = set(job, "max-failures-per-interval", max_failures.to_string());
                let job = set(job, "failure-rate-interval", quoted(interval));
                set(job, "delay", quoted(delay))
            }
        }
    }

    /// Removes a whole settings table (`"storage"`, `"cluster"`, ...): every key in it takes its default.
    pub fn without(mut self, table: &str) -> Job {
        self.tables.retain(|t| t.name != table);
        self
    }

    /// A scripted task failure of subtask `subtask` of `task` at `at`.
    pub fn task_failure(mut self, at: &str, task: &str, subtask: u32) -> Job {
        self.faults.push(format!(
            "[[faults.scripted]]\nat = \"{at}\"\ntask-failure = {{ task = \"{task}\", subtask = {subtask} }}\n"
        ));
        self
    }

    /// A scripted loss of TaskManager `tm` at `at`.
    pub fn taskmanager_loss(mut self, at: &str, tm: u32) -> Job {
        self.faults.push(format!(
            "[[faults.scripted]]\nat = \"{at}\"\ntaskmanager-loss = {{ taskmanager = {tm} }}\n"
        ));
        self
    }

    /// A stochastic fault generator, e.g. `taskmanager-loss = { mtbf = "1h" }`.
    pub fn stochastic(mut self, generator: &str) -> Job {
        self.faults
            .push(format!("[[faults.stochastic]]\n{generator}\n"));
        self
    }

    /// The scenario text.
    pub fn toml(&self) -> String {
        let mut out = String::new();
        let write = |out: &mut String, t: &Table| {
            if !t.name.is_empty() {
                out.push_str(&format!("[{}]\n", t.name));
            }
            for (k, v) in &t.entries {
                out.push_str(&format!("{k} = {v}\n"));
            }
        };
        let named = |name: &'static str| self.tables.iter().filter(move |t| t.name == name);
        for t in named("").chain(named("job")) {
            write(&mut out, t);
        }
        let p = self.parallelism;
        out.push_str(&format!(
            "[[job.source]]\nname = \"src\"\nparallelism = {p}\npartitions = {}\nrate = {}\n",
            self.partitions, self.rate
        ));
        if let Some(b) = self.record_bytes {
            out.push_str(&format!("record-bytes = {b}\n"));
        }
        out.push_str(&format!("capacity = {}\n", self.source_capacity));
        if let Some((capacity, state)) = self.agg {
            out.push_str(&format!(
                "[[job.operator]]\nname = \"agg\"\nparallelism = {p}\ncapacity = {capacity}\n"
            ));
            if let Some(s) = state {
                out.push_str(&format!(
                    "state = {{ keys = {}, bytes-per-key = {} }}\n",
                    s.keys, s.bytes_per_key
                ));
            }
        }
        out.push_str(&format!(
            "[[job.sink]]\nname = \"sink\"\nparallelism = {p}\n"
        ));
        if let Some(kind) = self.sink_kind {
            let kind = match kind {
                SinkKind::TwoPhaseCommit => "two-phase-commit",
                SinkKind::AtLeastOnce => "at-least-once",
            };
            out.push_str(&format!("kind = \"{kind}\"\n"));
        }
        out.push_str(&format!("capacity = {}\n", self.sink_capacity));
        let edge = |from: &str, to: &str, how: Partitioning| {
            let how = match how {
                Partitioning::Forward => "forward",
                Partitioning::Hash => "hash",
                Partitioning::Rebalance => "rebalance",
            };
            format!("[[job.edge]]\nfrom = \"{from}\"\nto = \"{to}\"\npartitioning = \"{how}\"\n")
        };
        match self.agg {
            Some(_) => {
                out.push_str(&edge("src", "agg", self.into_agg));
                out.push_str(&edge("agg", "sink", Partitioning::Forward));
            }
            None => out.push_str(&edge("src", "sink", Partitioning::Forward)),
        }
        let settings = self
            .tables
            .iter()
            .filter(|t| !t.name.is_empty() && t.name != "job" && t.name != "sweep");
        for t in settings {
            write(&mut out, t);
        }
        for f in &self.faults {
            out.push_str(f);
        }
        for t in named("sweep") {
            write(&mut out, t);
        }
        out
    }

    /// The validated scenario, with `--set` style `overrides`.
    pub fn scenario(&self, overrides: &[&str]) -> Scenario {
        crate::common::scenario(&self.toml(), overrides)
    }

    /// Runs the scenario with `--set` style `overrides`.
    pub fn run(&self, overrides: &[&str]) -> RunResult {
        crate::common::run(&self.toml(), overrides)
    }
}
