//! Scenario files: TOML text → raw serde structs → validation → typed `Scenario`.
//!
//! ```text
//!  file text ──toml──▶ toml::Table ──--set overrides──▶ RawScenario ──validate──▶ Scenario
//!      │                                                  (raw.rs)     (validate.rs)  (typed.rs)
//!      └── Locator (locate.rs): byte span ⇄ dotted key ⇄ line, for every error
//! ```
//!
//! Every error is a [`ScenarioError`] naming the file, the line, the dotted
//! key (`job.operator[0].parallelism`) and what to do about it; a key set by
//! `--set` is reported against `--set`. This module owns file reading and
//! error placement; it never simulates anything.

mod locate;
mod overrides;
mod raw;
pub mod typed;
pub mod units;
mod validate;

pub use typed::*;

use locate::Locator;
use std::path::Path;

/// A bad scenario: names the file, the line (when known) and the dotted key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}: {key}: {message}", line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()))]
pub struct ScenarioError {
    /// The scenario file as given (or `--set` for an override).
    pub file: String,
    /// 1-based line of the offending key, when known.
    pub line: Option<usize>,
    /// Dotted key path, e.g. `checkpoint.timeout` or `job.operator[0].parallelism`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The key named in errors that concern no key in particular.
const TOP_LEVEL: &str = "(top level)";

/// Reads, overrides (`--set key=value`) and validates a scenario file.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: None,
        key: "(file)".into(),
        message: format!("cannot read the scenario file: {e}; check the path"),
    })?;
    parse_str(&text, &file, overrides)
}

/// Parses scenario `text` as if read from `file_label`, applies `overrides`
/// (`KEY=VALUE`, see `--set`) and validates it. The default name is the label's stem.
pub fn parse_str(
    text: &str,
    file_label: &str,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    let sets = overrides
        .iter()
        .map(|s| overrides::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let original = Locator::new(text);
    let place = |key: String, message: String| {
        if overrides::covers(&sets, &key) {
            ScenarioError {
                file: "--set".into(),
                line: None,
                key,
                message,
            }
        } else {
            ScenarioError {
                file: file_label.into(),
                line: original.line_of_key(&key),
                key,
                message,
            }
        }
    };
    // Errors in the file's own text are placed by their span, exactly.
    let in_file = |e: toml::de::Error| {
        let (key, message) = describe(&e, &original);
        ScenarioError {
            file: file_label.into(),
            line: e.span().map(|s| original.line_of_offset(s.start)),
            key,
            message,
        }
    };
    let raw: raw::RawScenario = if sets.is_empty() {
        toml::from_str(text).map_err(in_file)?
    } else {
        let mut table: toml::Table = toml::from_str(text).map_err(in_file)?;
        for set in &sets {
            overrides::apply(&mut table, set)?;
        }
        // Spans of the edited text name a key; the key names a line of the original.
        let edited = toml::to_string(&table).map_err(|e| ScenarioError {
            file: "--set".into(),
            line: None,
            key: sets.last().map(|s| s.key.clone()).unwrap_or_default(),
            message: format!("the overridden scenario cannot be written as TOML: {e}"),
        })?;
        let located = Locator::new(&edited);
        toml::from_str(&edited).map_err(|e| {
            let (key, message) = describe(&e, &located);
            place(key, message)
        })?
    };
    let stem = Path::new(file_label)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".into());
    validate::scenario(raw, &stem).map_err(|inv| place(inv.key, inv.message))
}

/// The key a toml/serde error is about, and its message on one line with a hint.
fn describe(e: &toml::de::Error, located: &Locator) -> (String, String) {
    let mut key = e
        .span()
        .and_then(|s| located.key_at(s.start))
        .unwrap_or(TOP_LEVEL)
        .to_string();
    let mut message = e.message().replace('\n', " ");
    for (from, to) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
    ] {
        message = message.replace(from, to);
    }
    if let Some(i) = message.find("expected struct ") {
        message.truncate(i);
        message.push_str("expected a table");
    }
    // `[[job.edges]]` locates as `job.edges[0]`, but the unknown key is `job.edges`.
    if let Some(field) = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next())
        && key.ends_with(']')
        && let Some(stem) = locate::parent(&key).filter(|p| p.rsplit('.').next() == Some(field))
    {
        key = stem.to_string();
    }
    let leaf = key.rsplit('.').next().unwrap_or(&key);
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    if message.starts_with("unknown field") {
        message.push_str("; check the spelling (keys are kebab-case) or remove the key");
    } else if message.starts_with("duplicate key") {
        message.push_str("; a key may appear only once in a table, so remove one of them");
    } else if (message.starts_with("invalid") || message.contains("expected"))
        && !message.starts_with("unknown variant")
        && !message.contains("; ")
        && let Some(eg) = raw::example(leaf)
    {
        message.push_str(&format!("; e.g. {eg}"));
    }
    (key, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    /// A valid scenario; each test breaks one thing in it.
    const MINIMAL: &str = r#"[job]
duration = "1min"

[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 1000
capacity = 10000

[[job.operator]]
name = "op"
parallelism = 2
capacity = 5000
state = { keys = 100, bytes-per-key = 8 }

[[job.sink]]
name = "out"
parallelism = 1
capacity = 5000

[[job.edge]]
from = "src"
to = "op"
partitioning = "forward"

[[job.edge]]
from = "op"
to = "out"
partitioning = "rebalance"

[checkpoint]
interval = "10s"

[cluster]
taskmanagers = 2

[restart]
strategy = "fixed-delay"
attempts = 3

[[faults.scripted]]
at = "30s"
task-failure = { task = "op", subtask = 1 }
"#;

    fn with(from: &str, to: &str) -> String {
        assert!(MINIMAL.contains(from), "MINIMAL has no {from:?}");
        MINIMAL.replacen(from, to, 1)
    }

    /// Parses `text`, expects an error at `line` and `key` whose message contains `needle`.
    fn rejects(text: &str, line: Option<usize>, key: &str, needle: &str) -> ScenarioError {
        let e = parse_str(text, "t.toml", &[]).expect_err("should be rejected");
        assert_eq!((e.line, e.key.as_str()), (line, key), "{e}");
        assert!(e.message.contains(needle), "{e}");
        assert!(!e.message.contains('\n'), "{e}");
        e
    }

    #[test]
    fn minimal_scenario_takes_flink_defaults() {
        let s = parse_str(MINIMAL, "dir/t.toml", &[]).unwrap();
        assert_eq!((s.name.as_str(), s.seed), ("t", 0));
        assert_eq!(s.failover, FailoverStrategy::Region);
        assert_eq!(s.job.drain_timeout, SimDuration::from_secs(600));
        assert_eq!(s.job.max_parallelism, 128);
        assert_eq!(s.checkpoint.timeout, SimDuration::from_secs(600));
        assert_eq!(s.checkpoint.sync_bytes_per_s, 2_000_000_000);
        assert_eq!(s.checkpoint.metadata_bytes, 4096);
        assert_eq!(s.storage.bandwidth_bytes_per_s, 200_000_000);
        assert_eq!(s.network.buffer_bytes, 32 * 1024);
        assert_eq!(s.network.bandwidth_bytes_per_s, 125_000_000);
        assert_eq!(s.heartbeat.rpc_failure_threshold, 2);
        assert_eq!(s.recovery.deploy, SimDuration::from_millis(500));
        assert_eq!(s.output.sample_period, SimDuration::from_secs(1));
        assert_eq!(
            s.faults.scripted[0].fault,
            Fault::TaskFailure {
                vertex: 1,
                subtask: 1
            }
        );
    }

    #[test]
    fn quickstart_parses_to_the_values_in_the_file() {
        let text = include_str!("../scenarios/quickstart.toml");
        let s = parse_str(text, "scenarios/quickstart.toml", &[]).unwrap();
        assert_eq!(s.name, "quickstart");
        assert_eq!(s.seed, 42);
        assert_eq!(s.checkpoint.interval, SimDuration::from_secs(10));
        let names: Vec<&str> = s.job.vertices.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["orders", "aggregate", "sink"]);
        assert_eq!(
            s.job.edges[0],
            EdgeSpec {
                from: 0,
                to: 1,
                partitioning: Partitioning::Hash
            }
        );
        assert_eq!(s.storage.bandwidth_bytes_per_s, 100_000_000);
        assert_eq!(s.faults.scripted.len(), 2);
        assert_eq!(
            s.faults.scripted[1].fault,
            Fault::TaskManagerLoss { taskmanager: 1 }
        );
        let three_s = SimDuration::from_secs(3);
        assert_eq!(
            s.restart,
            RestartStrategy::FixedDelay {
                attempts: 10,
                delay: three_s
            }
        );
    }

    #[test]
    fn example_scenarios_parse() {
        let tiny = parse_str(include_str!("../scenarios/tiny.toml"), "tiny.toml", &[]).unwrap();
        assert_eq!(tiny.job.vertices.len(), 2);
        assert_eq!(tiny.total_slots(), 1);
        let st = include_str!("../scenarios/stochastic.toml");
        let st = parse_str(st, "stochastic.toml", &[]).unwrap();
        assert!(st.faults.scripted.is_empty());
        assert_eq!(
            st.faults.stochastic[0].kind,
            StochasticKind::TaskManagerLoss
        );
        assert_eq!(st.faults.stochastic[0].mtbf, SimDuration::from_secs(300));
    }

    #[test]
    fn vertices_are_topologically_ordered_and_edges_reindexed() {
        let text = with("[[job.source]]", "[[job.sink]]\nname = \"first-sink\"\nparallelism = 1\ncapacity = 1\n\n[[job.source]]")
            .replacen("[checkpoint]", "[[job.edge]]\nfrom = \"op\"\nto = \"first-sink\"\npartitioning = \"hash\"\n\n[checkpoint]", 1);
        let s = parse_str(&text, "t.toml", &[]).unwrap();
        let names: Vec<&str> = s.job.vertices.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["src", "op", "first-sink", "out"]);
        assert_eq!(
            s.job.edges[2],
            EdgeSpec {
                from: 1,
                to: 2,
                partitioning: Partitioning::Hash
            }
        );
    }

    #[test]
    fn toml_errors_name_file_line_and_key() {
        let e = rejects(
            &with("interval = \"10s\"", "intervall = \"10s\""),
            Some(33),
            "checkpoint.intervall",
            "unknown field `intervall`",
        );
        assert_eq!(e.to_string().lines().count(), 1);
        assert!(
            e.to_string()
                .starts_with("t.toml:33: checkpoint.intervall: unknown field"),
            "{e}"
        );
        rejects(
            &with("parallelism = 2", "parallelism = \"two\""),
            Some(6),
            "job.source[0].parallelism",
            "expected an integer; e.g. parallelism = 4",
        );
        rejects(
            &with("duration = \"1min\"", "duration = \"-5s\""),
            Some(2),
            "job.duration",
            "negative",
        );
        rejects(
            &with("keys = 100", "keys = 100, colour = 1"),
            Some(15),
            "job.operator[0].state.colour",
            "unknown field `colour`",
        );
        rejects(
            &with("interval = \"10s\"", "interval = 10s"),
            Some(33),
            "checkpoint.interval",
            "quoted",
        );
        rejects(
            &with("partitioning = \"forward\"", "partitioning = \"fwd\""),
            Some(25),
            "job.edge[0].partitioning",
            "`forward`",
        );
        rejects(
            &with("[cluster]", "[clutser]"),
            Some(35),
            "clutser",
            "unknown field",
        );
        rejects(
            &with(
                "rate = 1000",
                "rate = [{ at = \"0s\", rate = 1 }, { at = \"1s\", rte = 2 }]",
            ),
            Some(8),
            "job.source[0].rate[1].rte",
            "unknown field",
        );
    }

    #[test]
    fn counts_must_be_positive() {
        let hint = "parallelism must be at least 1, not 0; set it to the number of parallel subtasks, e.g. parallelism = 4";
        rejects(
            &with("parallelism = 2", "parallelism = 0"),
            Some(6),
            "job.source[0].parallelism",
            hint,
        );
        rejects(
            &with("partitions = 2", "partitions = 0"),
            Some(7),
            "job.source[0].partitions",
            "at least 1",
        );
        rejects(
            &with("capacity = 5000", "capacity = 0"),
            Some(14),
            "job.operator[0].capacity",
            "at least 1",
        );
        rejects(
            &with("rate = 1000", "rate = 1000\nrecord-bytes = 0"),
            Some(9),
            "job.source[0].record-bytes",
            "more than 0",
        );
        rejects(
            &with("taskmanagers = 2", "taskmanagers = 0"),
            Some(36),
            "cluster.taskmanagers",
            "at least 1",
        );
        rejects(
            &with(
                "taskmanagers = 2",
                "taskmanagers = 2\nslots-per-taskmanager = 0",
            ),
            Some(37),
            "cluster.slots-per-taskmanager",
            "at least 1",
        );
        rejects(
            &with(
                "interval = \"10s\"",
                "interval = \"10s\"\nmax-concurrent = 0",
            ),
            Some(34),
            "checkpoint.max-concurrent",
            "at least 1",
        );
        rejects(
            &with("keys = 100", "keys = 0"),
            Some(15),
            "job.operator[0].state.keys",
            "at least 1",
        );
        rejects(
            &format!("seed = -1\n{MINIMAL}"),
            Some(1),
            "seed",
            "must not be negative",
        );
        rejects(
            &with("[job]", "[output]\nsample-period = \"0s\"\n[job]"),
            Some(2),
            "output.sample-period",
            "longer than 0s",
        );
    }

    #[test]
    fn output_ratio_must_be_finite_and_not_negative() {
        rejects(
            &with("capacity = 5000", "capacity = 5000\noutput-ratio = -0.5"),
            Some(15),
            "job.operator[0].output-ratio",
            "at least 0",
        );
        rejects(
            &with("capacity = 5000", "capacity = 5000\noutput-ratio = nan"),
            Some(15),
            "job.operator[0].output-ratio",
            "finite",
        );
        rejects(
            &with("capacity = 5000", "capacity = 5000\noutput-ratio = inf"),
            Some(15),
            "job.operator[0].output-ratio",
            "finite",
        );
    }

    #[test]
    fn missing_required_key_points_at_its_table() {
        rejects(
            &with("capacity = 10000\n", ""),
            Some(4),
            "job.source[0].capacity",
            "missing required key `capacity`",
        );
        rejects(
            &with("interval = \"10s\"\n", ""),
            Some(32),
            "checkpoint.interval",
            "e.g. interval = \"10s\"",
        );
    }

    #[test]
    fn graph_rules() {
        rejects(
            &with("name = \"out\"", "name = \"op\""),
            Some(18),
            "job.sink[0].name",
            "already used by job.operator[0]",
        );
        rejects(
            &with("to = \"op\"", "to = \"nope\""),
            Some(24),
            "job.edge[0].to",
            "no vertex is named `nope`; the vertices are src, op, out",
        );
        rejects(
            &with(
                "to = \"out\"\npartitioning = \"rebalance\"",
                "to = \"out\"\npartitioning = \"forward\"",
            ),
            Some(30),
            "job.edge[1].partitioning",
            "forward edge needs equal parallelism",
        );
        rejects(
            &with("from = \"op\"", "from = \"out\""),
            Some(28),
            "job.edge[1].from",
            "`out` is a sink and cannot have outputs",
        );
        rejects(
            &with("to = \"op\"", "to = \"src\""),
            Some(24),
            "job.edge[0].to",
            "`src` is a source and cannot have inputs",
        );
        rejects(
            &with(
                "to = \"op\"\npartitioning = \"forward\"",
                "to = \"out\"\npartitioning = \"hash\"",
            ),
            Some(12),
            "job.operator[0].name",
            "`op` has no input",
        );
        let cyclic = with(
            "[checkpoint]",
            "[[job.edge]]\nfrom = \"op\"\nto = \"op\"\npartitioning = \"forward\"\n\n[checkpoint]",
        );
        rejects(&cyclic, Some(32), "job.edge[2]", "cycle: op → op");
        let no_sink = with(
            "[[job.sink]]\nname = \"out\"\nparallelism = 1\ncapacity = 5000\n",
            "",
        )
        .replacen("to = \"out\"", "to = \"op\"", 1);
        rejects(&no_sink, Some(1), "job.sink", "the job has no sink");
    }

    #[test]
    fn parallelism_bounds_and_slots() {
        let big = with(
            "[job]",
            "[job]
max-parallelism = 1",
        );
        rejects(
            &big,
            Some(2),
            "job.max-parallelism",
            "below the parallelism 2 of `src`",
        );
        let huge = with(
            "[job]",
            "[job]
max-parallelism = 40000",
        );
        rejects(&huge, Some(2), "job.max-parallelism", "at most 32768");
        let slots = with("taskmanagers = 2", "taskmanagers = 1");
        rejects(
            &slots,
            Some(36),
            "cluster.taskmanagers",
            "make taskmanagers × slots-per-taskmanager at least 2",
        );
        let buffer = with("rate = 1000", "rate = 1000\nrecord-bytes = \"64KiB\"");
        rejects(
            &buffer,
            Some(9),
            "job.source[0].record-bytes",
            "a record must fit in one network buffer",
        );
    }

    #[test]
    fn checkpoint_interval_and_timeout_floors() {
        rejects(
            &with("interval = \"10s\"", "interval = \"5ms\""),
            Some(33),
            "checkpoint.interval",
            "below Flink's minimum of 10ms",
        );
        // 2 × 20ms (storage) + 2 × 1ms (rpc) + 1ms (sync-base) = 43ms.
        let e = rejects(
            &with(
                "interval = \"10s\"",
                "interval = \"10s\"\ntimeout = \"42ms\"",
            ),
            Some(34),
            "checkpoint.timeout",
            "= 43ms",
        );
        assert!(e.message.contains("set timeout = \"43ms\" or more"), "{e}");
        assert!(
            parse_str(
                &with(
                    "interval = \"10s\"",
                    "interval = \"10s\"\ntimeout = \"43ms\""
                ),
                "t",
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn scripted_faults_must_hit_something_that_exists() {
        rejects(
            &with("task = \"op\"", "task = \"nope\""),
            Some(44),
            "faults.scripted[0].task-failure.task",
            "no task is named `nope`",
        );
        rejects(
            &with("subtask = 1", "subtask = 2"),
            Some(44),
            "faults.scripted[0].task-failure.subtask",
            "subtasks are 0 to 1",
        );
        let tm = with(
            "task-failure = { task = \"op\", subtask = 1 }",
            "taskmanager-loss = { taskmanager = 2 }",
        );
        rejects(
            &tm,
            Some(44),
            "faults.scripted[0].taskmanager-loss.taskmanager",
            "numbered 0 to 1",
        );
        // job.duration 1min + default drain-timeout 10min = 11min.
        rejects(
            &with("at = \"30s\"", "at = \"11min\""),
            Some(43),
            "faults.scripted[0].at",
            "would never fire",
        );
        let both = with(
            "subtask = 1 }",
            "subtask = 1 }\ntaskmanager-loss = { taskmanager = 0 }",
        );
        rejects(&both, Some(42), "faults.scripted[0]", "exactly one kind");
    }

    #[test]
    fn stochastic_faults() {
        let entry = |g: &str| format!("{MINIMAL}\n[[faults.stochastic]]\n{g}\n");
        rejects(
            &entry("task-failure = { mtbf = \"0s\" }"),
            Some(47),
            "faults.stochastic[0].task-failure.mtbf",
            "longer than 0s",
        );
        rejects(
            &entry("taskmanager-loss = { mtbf = \"1h\", distribution = \"weibull\", shape = 0.0 }"),
            Some(47),
            "faults.stochastic[0].taskmanager-loss.shape",
            "above 0",
        );
        rejects(
            &entry("taskmanager-loss = { mtbf = \"1h\", shape = 0.7 }"),
            Some(47),
            "faults.stochastic[0].taskmanager-loss.shape",
            "only to distribution = \"weibull\"",
        );
        let s = parse_str(
            &entry("task-failure = { mtbf = \"1h\", distribution = \"weibull\", shape = 0.7 }"),
            "t",
            &[],
        )
        .unwrap();
        assert_eq!(
            s.faults.stochastic[0].distribution,
            FailureDistribution::Weibull { shape: 0.7 }
        );
    }

    #[test]
    fn restart_keys_must_belong_to_the_strategy() {
        let none = with("strategy = \"fixed-delay\"", "strategy = \"none\"");
        rejects(
            &none,
            Some(40),
            "restart.attempts",
            "does not apply to strategy \"none\"",
        );
        let default = with("strategy = \"fixed-delay\"\n", "delay = \"2s\"\n");
        rejects(
            &default,
            Some(39),
            "restart.delay",
            "strategy \"exponential-delay\" (the default); it belongs to fixed-delay and failure-rate",
        );
        let bad = with("strategy = \"fixed-delay\"", "strategy = \"disable\"");
        rejects(
            &bad,
            Some(39),
            "restart.strategy",
            "`fixed-delay`, `exponential-delay`, `failure-rate`",
        );
        let mult = with(
            "strategy = \"fixed-delay\"\nattempts = 3",
            "backoff-multiplier = 0.5",
        );
        rejects(&mult, Some(39), "restart.backoff-multiplier", "at least 1");
        let s = parse_str(
            &with("strategy = \"fixed-delay\"\nattempts = 3", ""),
            "t",
            &[],
        )
        .unwrap();
        assert!(matches!(
            s.restart,
            RestartStrategy::ExponentialDelay {
                attempts: u32::MAX,
                ..
            }
        ));
    }

    #[test]
    fn overrides_apply_and_errors_name_set() {
        let sets = [
            "job.operator[0].capacity=7000".to_string(),
            "failover=full".into(),
            "checkpoint.interval=30s".into(),
        ];
        let s = parse_str(MINIMAL, "t.toml", &sets).unwrap();
        assert_eq!(s.job.vertices[1].capacity_records_per_s, 7000);
        assert_eq!(s.failover, FailoverStrategy::Full);
        assert_eq!(s.checkpoint.interval, SimDuration::from_secs(30));
        let set_err = |set: &str| parse_str(MINIMAL, "t.toml", &[set.to_string()]).unwrap_err();
        let e = set_err("checkpoint.intervall=5s");
        assert_eq!(
            (e.file.as_str(), e.line, e.key.as_str()),
            ("--set", None, "checkpoint.intervall"),
            "{e}"
        );
        assert!(e.message.contains("unknown field `intervall`"), "{e}");
        let e = set_err("job.source[0].parallelism=0");
        assert_eq!(
            (e.file.as_str(), e.key.as_str()),
            ("--set", "job.source[0].parallelism"),
            "{e}"
        );
        let e = set_err("checkpoint.timeout=five");
        assert_eq!(
            (e.file.as_str(), e.key.as_str()),
            ("--set", "checkpoint.timeout"),
            "{e}"
        );
        let e = set_err("nonsense");
        assert_eq!(
            (e.file.as_str(), e.key.as_str()),
            ("--set", "nonsense"),
            "{e}"
        );
        // An error that the override did not cause still points into the file.
        let e = parse_str(
            &with("capacity = 5000", "capacity = 0"),
            "t.toml",
            &sets[1..],
        )
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.key.as_str()),
            ("t.toml", Some(14), "job.operator[0].capacity"),
            "{e}"
        );
        let e = parse_str(&with("rate = 1000", "rate = \"x\""), "t.toml", &sets[1..]).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.key.as_str()),
            ("t.toml", Some(8), "job.source[0].rate"),
            "{e}"
        );
    }
}
