//! Scenario files: TOML text → raw serde structs → validation → typed `Scenario`.
//!
//! ```text
//!  file text ──toml──▶ toml::Table ──--set overrides──▶ RawScenario ──validate──▶ Scenario
//!      │                                                  (raw.rs)     (validate.rs)  (typed.rs)
//!      └── Locator (locate.rs): byte span ⇄ dotted key ⇄ line, for every error
//! ```
//!
//! An absent key takes its value from one table, [`defaults`], which names the
//! Flink option each default mirrors.
//!
//! Every error is a [`ScenarioError`] naming the file, the line, the dotted
//! key (`job.operator[0].parallelism`) and what to do about it; a key set by
//! `--set` is reported against `--set`. This module owns file reading and
//! error placement; it never simulates anything.

/// Flink's defaults, one table: every absent key's value and the Flink option it mirrors.
mod buffer_debloat;
mod checkpoint_modes;
pub mod defaults;
mod hints;
mod locate;
mod overrides;
mod raw;
/// The validated scenario the simulator reads.
pub mod typed;
/// Sizes and bandwidths with units ("32KiB", "1Gbit/s").
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
        // Set by an override, or created by one (absent from the file, with an override below it).
        let created = !original.has_key(&key) && overrides::inside(&sets, &key);
        if overrides::covers(&sets, &key) || created {
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

/// 1-based line of the dotted `key` in scenario `text` (for an absent key, of its
/// nearest present parent); for errors found outside this module (`sweep::grid`).
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    Locator::new(text).line_of_key(key)
}

/// The scenario text with `overrides` applied, as a TOML document (comments are
/// lost): for writing a scenario that reproduces a run made with `--set`.
pub fn edited_text(
    text: &str,
    file_label: &str,
    overrides: &[String],
) -> Result<String, ScenarioError> {
    let sets = overrides
        .iter()
        .map(|s| overrides::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ScenarioError {
        file: file_label.into(),
        line: None,
        key: TOP_LEVEL.into(),
        message: e.message().replace('\n', " "),
    })?;
    for set in &sets {
        overrides::apply(&mut table, set)?;
    }
    toml::to_string(&table).map_err(|e| ScenarioError {
        file: "--set".into(),
        line: None,
        key: TOP_LEVEL.into(),
        message: format!("the overridden scenario cannot be written as TOML: {e}"),
    })
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
    if message.starts_with("unknown field") {
        message.push_str("; check the spelling (keys are kebab-case) or remove the key");
    } else if message.starts_with("duplicate key") {
        message.push_str("; a key may appear only once in a table, so remove one of them");
    } else if (message.starts_with("invalid") || message.contains("expected"))
        && !message.starts_with("unknown variant")
        && !message.contains("; ")
        && let Some(fix) = raw::fix(&key)
    {
        message.push_str(&format!("; {fix}"));
    }
    (key, message)
}

#[cfg(test)]
mod tests {
    use super::validate::testkit::{MINIMAL, rejects, with};
    use super::*;
    use crate::time::SimDuration;

    #[test]
    fn minimal_scenario_takes_flink_defaults() {
        let s = parse_str(MINIMAL, "dir/t.toml", &[]).unwrap();
        assert_eq!((s.name.as_str(), s.seed), ("t", 0));
        assert_eq!(s.failover, FailoverStrategy::Region);
        assert_eq!(s.job.drain_timeout, SimDuration::from_secs(600));
        assert_eq!(s.job.max_parallelism, 128);
        assert_eq!(s.checkpoint.timeout, SimDuration::from_secs(600));
        assert_eq!(s.checkpoint.mode, CheckpointMode::ExactlyOnce);
        assert_eq!(s.checkpoint.first_trigger, FirstTrigger::OnRunning);
        assert_eq!(s.checkpoint.sync_bytes_per_s, 2_000_000_000);
        assert_eq!(s.checkpoint.metadata_bytes, 4096);
        assert_eq!(s.checkpoint.snapshot_setup, SimDuration::from_millis(5));
        assert_eq!(s.storage.bandwidth_bytes_per_s, 200_000_000);
        assert_eq!(s.network.buffer_bytes, 32 * 1024);
        assert_eq!(s.network.bandwidth_bytes_per_s, 125_000_000);
        assert_eq!(s.heartbeat.interval, SimDuration::from_secs(10));
        assert_eq!(s.heartbeat.timeout, SimDuration::from_secs(50));
        assert_eq!(s.heartbeat.rpc_failure_threshold, 2);
        assert_eq!(s.checkpoint.min_pause, SimDuration::ZERO);
        assert_eq!(s.checkpoint.max_concurrent, 1);
        assert_eq!(s.checkpoint.tolerable_failed, 0);
        assert_eq!(s.network.buffer_timeout, SimDuration::from_millis(100));
        let buffers = (
            s.network.exclusive_buffers,
            s.network.floating_buffers,
            s.network.max_buffers_per_channel,
        );
        assert_eq!(buffers, (2, 8, 10));
        assert_eq!(s.recovery.deploy, SimDuration::from_millis(500));
        assert_eq!(s.output.sample_period, SimDuration::from_secs(1));
        let op_1 = Fault::TaskFailure {
            vertex: 1,
            subtask: 1,
        };
        assert_eq!(s.faults.scripted[0].fault, op_1);
    }

    #[test]
    fn quickstart_parses_to_the_values_in_the_file() {
        let text = include_str!("../scenarios/quickstart.toml");
        let s = parse_str(text, "scenarios/quickstart.toml", &[]).unwrap();
        assert_eq!((s.name.as_str(), s.seed), ("quickstart", 42));
        assert_eq!(s.checkpoint.interval, SimDuration::from_secs(10));
        let names: Vec<&str> = s.job.vertices.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["orders", "aggregate", "sink"]);
        let hash = Partitioning::Hash;
        assert_eq!(
            s.job.edges[0],
            EdgeSpec {
                from: 0,
                to: 1,
                partitioning: hash
            }
        );
        assert_eq!(s.storage.bandwidth_bytes_per_s, 100_000_000);
        assert_eq!(s.faults.scripted.len(), 2);
        let tm_1 = Fault::TaskManagerLoss { taskmanager: 1 };
        assert_eq!(s.faults.scripted[1].fault, tm_1);
        let delay = SimDuration::from_secs(3);
        assert_eq!(
            s.restart,
            RestartStrategy::FixedDelay {
                attempts: 10,
                delay
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
        assert_eq!(st.job.duration, SimDuration::from_secs(1800));
    }

    #[test]
    fn toml_errors_name_file_line_and_key() {
        let typo = with("interval = \"10s\"", "intervall = \"10s\"");
        let e = rejects(
            &typo,
            33,
            "checkpoint.intervall",
            "unknown field `intervall`",
        );
        let shown = e.to_string();
        assert_eq!(shown.lines().count(), 1);
        assert!(
            shown.starts_with("t.toml:33: checkpoint.intervall: unknown field"),
            "{e}"
        );
        let hint =
            "expected an integer; set it to the number of parallel subtasks, e.g. parallelism = 4";
        rejects(
            &with("parallelism = 2", "parallelism = \"two\""),
            6,
            "job.source[0].parallelism",
            hint,
        );
        rejects(
            &with("duration = \"1min\"", "duration = \"-5s\""),
            2,
            "job.duration",
            "negative",
        );
        let colour = with("keys = 100", "keys = 100, colour = 1");
        rejects(
            &colour,
            15,
            "job.operator[0].state.colour",
            "unknown field `colour`",
        );
        rejects(
            &with("interval = \"10s\"", "interval = 10s"),
            33,
            "checkpoint.interval",
            "quoted",
        );
        let fwd = with("partitioning = \"forward\"", "partitioning = \"fwd\"");
        rejects(&fwd, 25, "job.edge[0].partitioning", "`forward`");
        rejects(
            &with("[cluster]", "[clutser]"),
            35,
            "clutser",
            "unknown field",
        );
        rejects(
            &with("[[job.edge]]", "[[job.edges]]"),
            22,
            "job.edges",
            "unknown field `edges`",
        );
        let rte = "rate = [{ at = \"0s\", rate = 1 }, { at = \"1s\", rte = 2 }]";
        rejects(
            &with("rate = 1000", rte),
            8,
            "job.source[0].rate[1].rte",
            "unknown field",
        );
        let dup = with("rate = 1000", "rate = 1000\nrate = 2000");
        rejects(&dup, 9, "job.source[0].rate", "duplicate key");
    }

    #[test]
    fn overrides_apply() {
        let sets = [
            "job.operator[0].capacity=7000",
            "failover=full",
            "checkpoint.interval=30s",
        ];
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let s = parse_str(MINIMAL, "t.toml", &sets).unwrap();
        assert_eq!(s.job.vertices[1].capacity_records_per_s, 7000);
        assert_eq!(s.failover, FailoverStrategy::Full);
        assert_eq!(s.checkpoint.interval, SimDuration::from_secs(30));
    }

    #[test]
    fn override_errors_name_set_and_the_key() {
        let set_err = |set: &str| parse_str(MINIMAL, "t.toml", &[set.to_string()]).unwrap_err();
        for (set, key, needle) in [
            (
                "checkpoint.intervall=5s",
                "checkpoint.intervall",
                "unknown field `intervall`",
            ),
            (
                "job.source[0].parallelism=0",
                "job.source[0].parallelism",
                "at least 1",
            ),
            (
                "checkpoint.timeout=five",
                "checkpoint.timeout",
                "duration \"five\"",
            ),
            ("job.source=3", "job.source", "expected an array"),
            ("job.sink[3].name=x", "job.sink[3].name", "has 1 entries"),
            ("nonsense", "nonsense", "no `=`"),
            (
                "faults.scripted[1].at=1s",
                "faults.scripted[1]",
                "needs a kind",
            ),
        ] {
            let e = set_err(set);
            assert_eq!(
                (e.file.as_str(), e.line, e.key.as_str()),
                ("--set", None, key),
                "{e}"
            );
            assert!(e.message.contains(needle), "{e}");
        }
    }

    #[test]
    fn errors_not_caused_by_an_override_still_point_into_the_file() {
        let sets = vec!["failover=full".to_string()];
        let e = parse_str(&with("capacity = 5000", "capacity = 0"), "t.toml", &sets).unwrap_err();
        let want = ("t.toml", Some(14), "job.operator[0].capacity");
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), want, "{e}");
        let e = parse_str(&with("rate = 1000", "rate = \"x\""), "t.toml", &sets).unwrap_err();
        let want = ("t.toml", Some(8), "job.source[0].rate");
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), want, "{e}");
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let e = load(Path::new("/nonexistent/x.toml"), &[]).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("/nonexistent/x.toml", None));
        assert!(e.message.contains("cannot read"), "{e}");
    }
}
