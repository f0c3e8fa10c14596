//! Sweeps with named variants (`[[sweep.variant]]`): the variants are the
//! outermost axis, in file order, each point applying its variant's overrides;
//! runs.csv and aggregate.csv get a `variant` column; every variant runs the
//! same seeds and so faces the same failures; bad variants exit 2 naming the
//! file, the line and the key.

use crate::common::{ckptsim, scratch};
use ckptsim::metrics::FailureKind;
use ckptsim::sweep::grid;
use ckptsim::time::SimDuration;
use std::path::Path;

/// A small backpressured job (the aggregate, 2 × 2,000 records/s, behind 5,000
/// appended), TaskManagers lost (MTBF 5 min each) and subtasks failing (MTBF
/// 20 min each) at random, three variants and three seeds.
const VARIANTS: &str = r#"name = "variants"
seed = 300

[job]
duration = "10min"

[[job.source]]
name = "src"
parallelism = 2
partitions = 4
rate = [{ at = "0s", rate = 5000 }, { at = "2min", rate = 2000 }, { at = "4min", rate = 5000 }, { at = "6min", rate = 2000 }]
record-bytes = 200
capacity = 50000

[[job.operator]]
name = "agg"
parallelism = 2
capacity = 2000
state = { keys = 200000, bytes-per-key = 64 }

[[job.sink]]
name = "out"
parallelism = 2
capacity = 50000

[[job.edge]]
from = "src"
to = "agg"
partitioning = "hash"

[[job.edge]]
from = "agg"
to = "out"
partitioning = "forward"

[checkpoint]
interval = "5s"

[cluster]
taskmanagers = 2
slots-per-taskmanager = 1

[output]
sample-period = "10s"

[[faults.stochastic]]
taskmanager-loss = { mtbf = "5min" }

[[faults.stochastic]]
task-failure = { mtbf = "20min" }

[sweep]
seeds = 3

[[sweep.variant]]
name = "aligned"
set = []

[[sweep.variant]]
name = "unaligned"
set = ["checkpoint.unaligned=true"]

[[sweep.variant]]
name = "aligned-timeout-300ms"
set = ["checkpoint.unaligned=true", "checkpoint.aligned-timeout=300ms"]
"#;

/// Line 61 of `VARIANTS`: the unaligned variant's `set`.
const UNALIGNED_SET_LINE: usize = 61;

fn write(dir: &Path, text: &str) -> String {
    let p = dir.join("variants.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn variants_are_the_outermost_axis_in_file_order_and_carry_their_overrides() {
    assert_eq!(
        VARIANTS.lines().nth(UNALIGNED_SET_LINE - 1),
        Some("set = [\"checkpoint.unaligned=true\"]")
    );
    let text = VARIANTS.replace(
        "[sweep]\nseeds = 3\n",
        "[sweep]\nseeds = 3\n\"checkpoint.interval\" = [\"5s\", \"20s\"]\n",
    );
    let sets = ["checkpoint.timeout=1min".to_string()];
    let g = grid(&text, "variants.toml", &sets).unwrap();
    assert_eq!(g.keys, ["variant", "checkpoint.interval"]);
    assert_eq!((g.points.len(), g.runs()), (6, 18));
    let named: Vec<(String, String)> = g
        .points
        .iter()
        .map(|p| (p.values[0].1.clone(), p.values[1].1.clone()))
        .collect();
    let expect = [
        ("aligned", "5s"),
        ("aligned", "20s"),
        ("unaligned", "5s"),
        ("unaligned", "20s"),
        ("aligned-timeout-300ms", "5s"),
        ("aligned-timeout-300ms", "20s"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    // File order, not sorted by name (that would put aligned-timeout-300ms second).
    assert_eq!(named, expect);
    assert_eq!(g.points[1].sets, ["checkpoint.interval=20s"]);
    assert_eq!(
        g.points[4].sets,
        [
            "checkpoint.unaligned=true",
            "checkpoint.aligned-timeout=300ms",
            "checkpoint.interval=5s"
        ]
    );
    let cp: Vec<_> = g.points.iter().map(|p| &p.scenario.checkpoint).collect();
    let unaligned: Vec<bool> = cp.iter().map(|c| c.unaligned).collect();
    assert_eq!(unaligned, [false, false, true, true, true, true]);
    assert_eq!(cp[4].aligned_timeout, SimDuration::from_millis(300));
    assert_eq!(cp[2].aligned_timeout, SimDuration::ZERO);
    assert_eq!(cp[3].interval, SimDuration::from_secs(20));
    // The sweep's own --set applies to every point, before the variant's.
    assert!(cp.iter().all(|c| c.timeout == SimDuration::from_secs(60)));
    // Every point runs the same seeds.
    assert!(g.points.iter().all(|p| p.scenario.seed == 300));
}

#[test]
fn runs_csv_has_a_variant_column_identical_for_one_and_two_jobs() {
    let dir = scratch("variants-jobs");
    let sc = write(&dir, VARIANTS);
    for jobs in ["1", "2"] {
        let out = dir.join(format!("j{jobs}"));
        let o = ckptsim(&["sweep", &sc, "--jobs", jobs, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let runs = read(&dir.join("j1/runs.csv"));
    assert_eq!(runs, read(&dir.join("j2/runs.csv")));
    assert_eq!(
        read(&dir.join("j1/aggregate.csv")),
        read(&dir.join("j2/aggregate.csv"))
    );
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..5],
        ["run", "point", "seed", "variant", "interval_s"]
    );
    // The per-run checkpoint shape, appended at the end.
    assert_eq!(
        header[header.len() - 4..],
        [
            "start_delay_mean_s",
            "state_mean_bytes",
            "persisted_inflight_mean_bytes",
            "unaligned_checkpoint_fraction"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let cells: Vec<(&str, &str)> = rows.iter().map(|r| (r[3], r[2])).collect();
    let mut expect = Vec::new();
    for v in ["aligned", "unaligned", "aligned-timeout-300ms"] {
        for s in ["300", "301", "302"] {
            expect.push((v, s));
        }
    }
    assert_eq!(cells, expect);
    // Aligned checkpoints persist no in-flight data; unaligned ones do, under backpressure.
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let inflight = |r: &Vec<&str>| {
        r[col("persisted_inflight_mean_bytes")]
            .parse::<f64>()
            .unwrap()
    };
    assert!(rows[..3].iter().all(|r| inflight(r) == 0.0));
    assert!(rows[3..6].iter().all(|r| inflight(r) > 0.0));
    let agg = read(&dir.join("j1/aggregate.csv"));
    let agg_variants: Vec<&str> = agg
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert!(agg.starts_with("point,variant,n,"));
    assert_eq!(
        agg_variants,
        ["aligned", "unaligned", "aligned-timeout-300ms"]
    );
    // The variant chart is drawn; the interval charts are not (the variants are the only axis).
    assert!(dir.join("j1/variants.png").exists());
    assert!(dir.join("j1/variants.svg").exists());
    assert!(!dir.join("j1/recovery-vs-interval.png").exists());
}

#[test]
fn every_variant_faces_the_same_failures_on_the_same_seed() {
    let g = grid(VARIANTS, "variants.toml", &[]).unwrap();
    let end_of_log = 600.0;
    let mut seen = 0;
    for s in 0..g.seeds as u64 {
        let failures: Vec<Vec<(u64, String)>> = g
            .points
            .iter()
            .map(|p| {
                let mut sc = p.scenario.clone();
                sc.seed += s;
                let r = ckptsim::sim::run(&sc).unwrap();
                // A failure drawn after a run has ended is realised only by the runs still
                // going (they drain at different speeds): compare those before the log ends.
                r.failures
                    .iter()
                    .filter(|f| f.kind != FailureKind::CheckpointFailure && f.time_s < end_of_log)
                    .map(|f| ((f.time_s * 1e9).round() as u64, f.target.clone()))
                    .collect()
            })
            .collect();
        assert!(
            failures.iter().all(|f| *f == failures[0]),
            "seed {}: {failures:?}",
            300 + s
        );
        seen += failures[0].len();
    }
    assert!(
        seen >= 3,
        "only {seen} failures in 3 seeds: the test says nothing"
    );
}

#[test]
fn bad_variants_exit_2_naming_the_file_line_and_key() {
    let dir = scratch("variants-bad");
    let unaligned = "set = [\"checkpoint.unaligned=true\"]";
    let cases: [(&str, &str, usize, &str, &str); 7] = [
        (
            unaligned,
            "set = [\"checkpoint.unaligned=true\", \"checkpoint.bogus=1\"]",
            UNALIGNED_SET_LINE,
            "sweep.variant[1].set[1]",
            "unknown field `bogus`",
        ),
        (
            unaligned,
            "set = \"checkpoint.unaligned=true\"",
            UNALIGNED_SET_LINE,
            "sweep.variant[1].set",
            "array of \"key=value\" strings",
        ),
        (
            unaligned,
            "set = [\"checkpoint.unaligned\", 3]",
            UNALIGNED_SET_LINE,
            "sweep.variant[1].set[0]",
            "\"key=value\" string",
        ),
        (
            unaligned,
            "set = [\"checkpoint.unaligned=maybe\"]",
            UNALIGNED_SET_LINE,
            "sweep.variant[1].set[0]",
            "expected a boolean",
        ),
        (
            "name = \"unaligned\"",
            "name = \"aligned\"",
            UNALIGNED_SET_LINE - 1,
            "sweep.variant[1].name",
            "appears twice",
        ),
        (
            unaligned,
            "sets = [\"checkpoint.unaligned=true\"]",
            UNALIGNED_SET_LINE,
            "sweep.variant[1].sets",
            "unknown key `sets`",
        ),
        (
            "[[sweep.variant]]\nname = \"aligned\"\nset = []",
            "[sweep.variants]\naligned = []",
            UNALIGNED_SET_LINE - 6,
            "sweep.variants",
            "[[sweep.variant]]",
        ),
    ];
    for (from, to, line, key, needle) in cases {
        assert!(VARIANTS.contains(from), "{from}");
        let sc = write(&dir, &VARIANTS.replacen(from, to, 1));
        let out = dir.join("out");
        let o = ckptsim(&["sweep", &sc, "--no-plot", "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{to}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        let place = format!("error: {sc}:{line}: {key}: ");
        assert!(
            stderr.starts_with(&place),
            "{to}: expected {place:?}, got {stderr}"
        );
        assert!(stderr.contains(needle), "{to}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.join("runs.csv").exists());
    }
}
