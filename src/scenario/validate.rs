//! Validation: raw structs → typed `Scenario`, with Flink's defaults applied.
//!
//! Every invariant the simulator relies on is checked here, and every failure
//! names the dotted key it concerns plus what to do about it. This module
//! knows nothing about text, lines or overrides (`scenario` maps keys to
//! lines); it never reads files.

use super::raw::*;
use super::typed::*;
use crate::time::{SimDuration, SimTime};
use std::collections::{BTreeSet, HashMap};

/// A validation failure: the dotted key it concerns and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Dotted key path, e.g. `job.operator[0].parallelism`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

type Result<T> = std::result::Result<T, Invalid>;

/// Flink's lower bound on the checkpoint interval (`MINIMAL_CHECKPOINT_TIME`).
pub const MIN_CHECKPOINT_INTERVAL: SimDuration = SimDuration::from_millis(10);
/// Flink's upper bound on max-parallelism (2^15).
pub const UPPER_MAX_PARALLELISM: u32 = 32_768;

fn fail<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(Invalid {
        key: key.into(),
        message: message.into(),
    })
}

/// The last segment of a key path, without indices.
fn leaf(key: &str) -> &str {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.split('[').next().unwrap_or(last)
}

fn required<T>(v: Option<T>, key: &str) -> Result<T> {
    v.ok_or_else(|| {
        let name = leaf(key);
        let eg = example(name)
            .map(|e| format!(", e.g. {e}"))
            .unwrap_or_default();
        Invalid {
            key: key.into(),
            message: format!("missing required key `{name}`; add it{eg}"),
        }
    })
}

/// An integer in [min, max] (default if absent); `hint` says what the key means.
fn int(v: Option<i64>, key: &str, default: i64, min: i64, max: i64, hint: &str) -> Result<i64> {
    let v = v.unwrap_or(default);
    let name = leaf(key);
    if v < min {
        return fail(
            key,
            format!("{name} must be at least {min}, not {v}; {hint}"),
        );
    }
    if v > max {
        return fail(
            key,
            format!("{name} must be at most {max}, not {v}; {hint}"),
        );
    }
    Ok(v)
}

fn u32_of(v: Option<i64>, key: &str, default: u32, min: u32, hint: &str) -> Result<u32> {
    int(v, key, default.into(), min.into(), u32::MAX.into(), hint).map(|v| v as u32)
}

fn u64_of(v: Option<i64>, key: &str, min: u64, hint: &str) -> Result<u64> {
    let v = required(v, key)?;
    int(Some(v), key, 0, min as i64, i64::MAX, hint).map(|v| v as u64)
}

fn positive(d: SimDuration, key: &str, hint: &str) -> Result<SimDuration> {
    if d == SimDuration::ZERO {
        return fail(key, format!("{} must be longer than 0s; {hint}", leaf(key)));
    }
    Ok(d)
}

fn nonzero(v: u64, key: &str, hint: &str) -> Result<u64> {
    if v == 0 {
        return fail(key, format!("{} must be more than 0; {hint}", leaf(key)));
    }
    Ok(v)
}

fn finite_in(v: f64, key: &str, lo: f64, hi: f64, hint: &str) -> Result<f64> {
    if !v.is_finite() || v < lo || v > hi {
        let range = if hi.is_infinite() {
            format!("at least {lo}")
        } else {
            format!("between {lo} and {hi}")
        };
        return fail(
            key,
            format!(
                "{} must be a finite number {range}, not {v}; {hint}",
                leaf(key)
            ),
        );
    }
    Ok(v)
}

/// Checks `raw` and builds the typed scenario; `default_name` is used when `name` is absent.
pub fn scenario(raw: RawScenario, default_name: &str) -> Result<Scenario> {
    let name = match raw.name {
        Some(n) if n.trim().is_empty() || n.contains(['/', '\\']) || n == "." || n == ".." => {
            return fail(
                "name",
                "name names the output folder, so it must be a non-empty name without / or \\; e.g. name = \"quickstart\"",
            );
        }
        Some(n) => n,
        None => default_name.to_string(),
    };
    let seed = match raw.seed {
        Some(s) if s < 0 => {
            return fail(
                "seed",
                format!(
                    "seed must not be negative, not {s}; use an integer from 0 up, e.g. seed = 42"
                ),
            );
        }
        s => s.unwrap_or(0) as u64,
    };
    let failover = match raw.failover {
        None | Some(RawFailover::Region) => FailoverStrategy::Region,
        Some(RawFailover::Full) => FailoverStrategy::Full,
    };
    let job = job(&raw.job)?;
    let checkpoint = checkpoint(&raw.checkpoint)?;
    let storage = storage(&raw.storage)?;
    let network = network(&raw.network, &raw.job)?;
    let cluster = cluster(&raw.cluster, &job)?;
    timeout_floor(&checkpoint, &storage, &cluster)?;
    let heartbeat = heartbeat(&raw.heartbeat)?;
    let restart = restart(&raw.restart)?;
    let r = &raw.recovery;
    let recovery = RecoveryConfig {
        failure_report_delay: r
            .failure_report_delay
            .unwrap_or(SimDuration::from_millis(10)),
        connection_loss_detection: r
            .connection_loss_detection
            .unwrap_or(SimDuration::from_millis(200)),
        cancel: r.cancel.unwrap_or(SimDuration::from_millis(100)),
        deploy: r.deploy.unwrap_or(SimDuration::from_millis(500)),
    };
    let faults = faults(&raw.faults, &job, &cluster)?;
    let sample_period = positive(
        raw.output
            .sample_period
            .unwrap_or(SimDuration::from_secs(1)),
        "output.sample-period",
        "it is the period of the time series, e.g. sample-period = \"1s\"",
    )?;
    Ok(Scenario {
        name,
        seed,
        job,
        checkpoint,
        storage,
        network,
        cluster,
        heartbeat,
        restart,
        failover,
        recovery,
        faults,
        output: OutputConfig { sample_period },
    })
}

/// A vertex as read, before ordering: its key prefix in the file and its typed form.
struct Vertex {
    key: String,
    spec: VertexSpec,
}

fn vertex_common(
    prefix: &str,
    name: &Option<String>,
    par: Option<i64>,
    cap: Option<i64>,
) -> Result<(String, u32, u64)> {
    let key = format!("{prefix}.name");
    let name = required(name.clone(), &key)?;
    if name.trim().is_empty() {
        return fail(
            key,
            "name must not be empty; faults and edges refer to vertices by name, e.g. name = \"orders\"",
        );
    }
    let pk = format!("{prefix}.parallelism");
    let parallelism = u32_of(
        Some(required(par, &pk)?),
        &pk,
        1,
        1,
        "set it to the number of parallel subtasks, e.g. parallelism = 4",
    )?;
    let capacity = u64_of(
        cap,
        &format!("{prefix}.capacity"),
        1,
        "it is the records per second one subtask can process, e.g. capacity = 25000",
    )?;
    Ok((name, parallelism, capacity))
}

fn source(prefix: &str, s: &RawSource) -> Result<VertexSpec> {
    let (name, parallelism, capacity) = vertex_common(prefix, &s.name, s.parallelism, s.capacity)?;
    let pk = format!("{prefix}.partitions");
    let partitions = u32_of(
        Some(required(s.partitions, &pk)?),
        &pk,
        1,
        1,
        "it is the number of log partitions, e.g. partitions = 8",
    )?;
    let rk = format!("{prefix}.rate");
    let rate_hint = "it is the records/s appended over all partitions, e.g. rate = 40000";
    let rate = match required(s.rate.as_ref(), &rk)? {
        RawRate::Constant(r) => RateProfile::Constant {
            records_per_s: u64_of(Some(*r), &rk, 0, rate_hint)?,
        },
        RawRate::Steps(raw_steps) => {
            if raw_steps.is_empty() {
                return fail(
                    rk,
                    "rate has no steps; write rate = 40000 or rate = [{ at = \"0s\", rate = 1000 }, { at = \"5min\", rate = 3000 }]",
                );
            }
            let mut steps: Vec<(SimTime, u64)> = Vec::new();
            for (i, step) in raw_steps.iter().enumerate() {
                let ak = format!("{rk}[{i}].at");
                let at = required(step.at, &ak)?;
                match steps.last() {
                    None if at != SimDuration::ZERO => {
                        return fail(
                            ak,
                            format!(
                                "the first rate step must start at \"0s\", not \"{at}\"; set at = \"0s\""
                            ),
                        );
                    }
                    Some(&(prev, _)) if at.as_ns() <= prev.as_ns() => {
                        return fail(
                            ak,
                            format!(
                                "rate steps must be in strictly increasing time, but step {i} at \"{at}\" is not after step {} at \"{}\"; sort the steps or remove one",
                                i - 1,
                                SimDuration(prev.as_ns())
                            ),
                        );
                    }
                    _ => {}
                }
                let r = u64_of(step.rate, &format!("{rk}[{i}].rate"), 0, rate_hint)?;
                steps.push((SimTime(at.as_ns()), r));
            }
            RateProfile::Steps { steps }
        }
    };
    let record_bytes = nonzero(
        s.record_bytes.map_or(100, |b| b.0),
        &format!("{prefix}.record-bytes"),
        "it is the size of one record, e.g. record-bytes = 200",
    )?;
    let kind = VertexKind::Source(SourceSpec {
        partitions,
        rate,
        record_bytes,
    });
    Ok(VertexSpec {
        name,
        parallelism,
        capacity_records_per_s: capacity,
        kind,
    })
}

fn operator(prefix: &str, o: &RawOperator) -> Result<VertexSpec> {
    let (name, parallelism, capacity) = vertex_common(prefix, &o.name, o.parallelism, o.capacity)?;
    let output_ratio = finite_in(
        o.output_ratio.unwrap_or(1.0),
        &format!("{prefix}.output-ratio"),
        0.0,
        f64::INFINITY,
        "it is output records per input record, e.g. output-ratio = 0.2",
    )?;
    let state = match &o.state {
        None => None,
        Some(st) => Some(KeyedStateSpec {
            keys: u64_of(
                st.keys,
                &format!("{prefix}.state.keys"),
                1,
                "it is the number of distinct keys, e.g. state = { keys = 2000000, bytes-per-key = 64 }; drop `state` for a stateless operator",
            )?,
            bytes_per_key: nonzero(
                required(st.bytes_per_key, &format!("{prefix}.state.bytes-per-key"))?.0,
                &format!("{prefix}.state.bytes-per-key"),
                "e.g. bytes-per-key = 64; drop `state` for a stateless operator",
            )?,
        }),
    };
    let kind = VertexKind::Operator(OperatorSpec {
        output_ratio,
        state,
    });
    Ok(VertexSpec {
        name,
        parallelism,
        capacity_records_per_s: capacity,
        kind,
    })
}

fn sink(prefix: &str, s: &RawSink) -> Result<VertexSpec> {
    let (name, parallelism, capacity) = vertex_common(prefix, &s.name, s.parallelism, s.capacity)?;
    let kind = match s.kind {
        None | Some(RawSinkKind::TwoPhaseCommit) => SinkKind::TwoPhaseCommit,
        Some(RawSinkKind::AtLeastOnce) => SinkKind::AtLeastOnce,
    };
    Ok(VertexSpec {
        name,
        parallelism,
        capacity_records_per_s: capacity,
        kind: VertexKind::Sink(SinkSpec { kind }),
    })
}

fn job(raw: &RawJob) -> Result<JobSpec> {
    let duration = positive(
        required(raw.duration, "job.duration")?,
        "job.duration",
        "it is how long the log keeps growing, e.g. duration = \"10min\"",
    )?;
    let drain_timeout = raw.drain_timeout.unwrap_or(SimDuration::from_secs(600));
    let mut vs: Vec<Vertex> = Vec::new();
    for (i, s) in raw.source.iter().enumerate() {
        let key = format!("job.source[{i}]");
        vs.push(Vertex {
            spec: source(&key, s)?,
            key,
        });
    }
    for (i, o) in raw.operator.iter().enumerate() {
        let key = format!("job.operator[{i}]");
        vs.push(Vertex {
            spec: operator(&key, o)?,
            key,
        });
    }
    for (i, s) in raw.sink.iter().enumerate() {
        let key = format!("job.sink[{i}]");
        vs.push(Vertex {
            spec: sink(&key, s)?,
            key,
        });
    }
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, v) in vs.iter().enumerate() {
        if let Some(&j) = by_name.get(v.spec.name.as_str()) {
            return fail(
                format!("{}.name", v.key),
                format!(
                    "vertex name `{}` is already used by {}; names must be unique because edges and faults refer to them, rename one",
                    v.spec.name, vs[j].key
                ),
            );
        }
        by_name.insert(&v.spec.name, i);
    }
    if raw.source.is_empty() {
        return fail(
            "job.source",
            "the job has no source; add a [[job.source]] with name, parallelism, partitions, rate and capacity",
        );
    }
    if raw.sink.is_empty() {
        return fail(
            "job.sink",
            "the job has no sink; add a [[job.sink]] with name, parallelism and capacity, and a [[job.edge]] into it",
        );
    }
    let names = vs
        .iter()
        .map(|v| v.spec.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut edges: Vec<EdgeSpec> = Vec::new();
    for (i, e) in raw.edge.iter().enumerate() {
        let ek = format!("job.edge[{i}]");
        let lookup = |field: &str, v: &Option<String>| -> Result<usize> {
            let key = format!("{ek}.{field}");
            let name = required(v.clone(), &key)?;
            by_name.get(name.as_str()).copied().map_or_else(
                || {
                    fail(
                        key,
                        format!("no vertex is named `{name}`; the vertices are {names}"),
                    )
                },
                Ok,
            )
        };
        let (from, to) = (lookup("from", &e.from)?, lookup("to", &e.to)?);
        let partitioning = match required(e.partitioning, &format!("{ek}.partitioning"))? {
            RawPartitioning::Forward => Partitioning::Forward,
            RawPartitioning::Hash => Partitioning::Hash,
            RawPartitioning::Rebalance => Partitioning::Rebalance,
        };
        let (f, t) = (&vs[from].spec, &vs[to].spec);
        if matches!(t.kind, VertexKind::Source(_)) {
            return fail(
                format!("{ek}.to"),
                format!(
                    "`{}` is a source and cannot have inputs; edges run from sources through operators to sinks",
                    t.name
                ),
            );
        }
        if matches!(f.kind, VertexKind::Sink(_)) {
            return fail(
                format!("{ek}.from"),
                format!(
                    "`{}` is a sink and cannot have outputs; edges run from sources through operators to sinks",
                    f.name
                ),
            );
        }
        if partitioning == Partitioning::Forward && f.parallelism != t.parallelism {
            return fail(
                format!("{ek}.partitioning"),
                format!(
                    "a forward edge needs equal parallelism, but `{}` has {} and `{}` has {}; use partitioning = \"hash\" or \"rebalance\", or make the parallelisms equal",
                    f.name, f.parallelism, t.name, t.parallelism
                ),
            );
        }
        if let Some(j) = edges.iter().position(|x| x.from == from && x.to == to) {
            return fail(
                ek,
                format!(
                    "job.edge[{j}] already connects `{}` to `{}`; remove one of the two edges",
                    f.name, t.name
                ),
            );
        }
        edges.push(EdgeSpec {
            from,
            to,
            partitioning,
        });
    }
    for (i, v) in vs.iter().enumerate() {
        let is_source = matches!(v.spec.kind, VertexKind::Source(_));
        let is_sink = matches!(v.spec.kind, VertexKind::Sink(_));
        if !is_source && !edges.iter().any(|e| e.to == i) {
            return fail(
                format!("{}.name", v.key),
                format!(
                    "`{}` has no input; add a [[job.edge]] with to = \"{}\" or remove the vertex",
                    v.spec.name, v.spec.name
                ),
            );
        }
        if !is_sink && !edges.iter().any(|e| e.from == i) {
            return fail(
                format!("{}.name", v.key),
                format!(
                    "`{}` has no output, so its records never reach a sink; add a [[job.edge]] with from = \"{}\" or remove the vertex",
                    v.spec.name, v.spec.name
                ),
            );
        }
    }
    let order = topological(&vs, &edges)?;
    let max_parallelism = u32_of(
        raw.max_parallelism,
        "job.max-parallelism",
        128,
        1,
        "it is the number of key groups, e.g. max-parallelism = 128",
    )?;
    if max_parallelism > UPPER_MAX_PARALLELISM {
        return fail(
            "job.max-parallelism",
            format!(
                "max-parallelism must be at most {UPPER_MAX_PARALLELISM} (Flink's upper bound), not {max_parallelism}; e.g. max-parallelism = 128"
            ),
        );
    }
    if let Some(v) = vs.iter().find(|v| v.spec.parallelism > max_parallelism) {
        return fail(
            "job.max-parallelism",
            format!(
                "max-parallelism {max_parallelism} is below the parallelism {} of `{}`; key groups cannot be spread over more subtasks than there are, so set max-parallelism to at least {} (Flink's default is 128)",
                v.spec.parallelism, v.spec.name, v.spec.parallelism
            ),
        );
    }
    let mut position = vec![0; vs.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let edges = edges
        .into_iter()
        .map(|e| EdgeSpec {
            from: position[e.from],
            to: position[e.to],
            ..e
        })
        .collect();
    let mut slots: Vec<Option<VertexSpec>> = vs.into_iter().map(|v| Some(v.spec)).collect();
    let vertices = order.iter().filter_map(|&i| slots[i].take()).collect();
    Ok(JobSpec {
        duration,
        drain_timeout,
        max_parallelism,
        vertices,
        edges,
    })
}

/// Kahn's algorithm, always taking the ready vertex that comes first in the file
/// (sources, then operators, then sinks), so the order is stable.
fn topological(vs: &[Vertex], edges: &[EdgeSpec]) -> Result<Vec<usize>> {
    let mut indegree = vec![0usize; vs.len()];
    for e in edges {
        indegree[e.to] += 1;
    }
    let mut ready: BTreeSet<usize> = (0..vs.len()).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(vs.len());
    while let Some(v) = ready.pop_first() {
        order.push(v);
        for e in edges.iter().filter(|e| e.from == v) {
            indegree[e.to] -= 1;
            if indegree[e.to] == 0 {
                ready.insert(e.to);
            }
        }
    }
    if order.len() == vs.len() {
        return Ok(order);
    }
    // Every vertex left has an input from another vertex left: walk inputs backwards until one repeats.
    let left = |i: usize| indegree[i] > 0;
    let mut walk: Vec<usize> = vec![(0..vs.len()).find(|&i| left(i)).unwrap_or(0)];
    let mut via: Vec<usize> = Vec::new();
    loop {
        let cur = *walk.last().unwrap_or(&0);
        let Some(k) = edges.iter().position(|e| e.to == cur && left(e.from)) else {
            break;
        };
        via.push(k);
        if let Some(p) = walk.iter().position(|&w| w == edges[k].from) {
            let mut cycle: Vec<&str> = walk[p..]
                .iter()
                .rev()
                .map(|&w| vs[w].spec.name.as_str())
                .collect();
            cycle.insert(0, &vs[edges[k].from].spec.name);
            let first = via[p..].iter().min().copied().unwrap_or(k);
            return fail(
                format!("job.edge[{first}]"),
                format!(
                    "the job graph has a cycle: {}; a streaming job must be acyclic, so remove one of these edges",
                    cycle.join(" → ")
                ),
            );
        }
        walk.push(edges[k].from);
    }
    fail(
        "job.edge",
        "the job graph has a cycle; a streaming job must be acyclic, so remove an edge of the cycle",
    )
}

fn checkpoint(c: &RawCheckpoint) -> Result<CheckpointConfig> {
    let interval = required(c.interval, "checkpoint.interval")?;
    if interval < MIN_CHECKPOINT_INTERVAL {
        return fail(
            "checkpoint.interval",
            format!(
                "interval \"{interval}\" is below Flink's minimum of 10ms; set e.g. interval = \"10s\""
            ),
        );
    }
    Ok(CheckpointConfig {
        interval,
        timeout: c.timeout.unwrap_or(SimDuration::from_secs(600)),
        min_pause: c.min_pause.unwrap_or(SimDuration::ZERO),
        max_concurrent: u32_of(
            c.max_concurrent,
            "checkpoint.max-concurrent",
            1,
            1,
            "it is the number of checkpoints pending at once, e.g. max-concurrent = 1",
        )?,
        tolerable_failed: u32_of(
            c.tolerable_failed,
            "checkpoint.tolerable-failed",
            0,
            0,
            "it is the consecutive failed checkpoints tolerated, e.g. tolerable-failed = 0",
        )?,
        mode: match c.mode {
            None | Some(RawMode::ExactlyOnce) => CheckpointMode::ExactlyOnce,
            Some(RawMode::AtLeastOnce) => CheckpointMode::AtLeastOnce,
        },
        first_trigger: match c.first_trigger {
            None | Some(RawFirstTrigger::OnRunning) => FirstTrigger::OnRunning,
            Some(RawFirstTrigger::RandomDelay) => FirstTrigger::RandomDelay,
        },
        sync_base: c.sync_base.unwrap_or(SimDuration::from_millis(1)),
        sync_bytes_per_s: nonzero(
            c.sync_speed.map_or(2_000_000_000, |b| b.0),
            "checkpoint.sync-speed",
            "e.g. sync-speed = \"2GB/s\"",
        )?,
        metadata_bytes: c.metadata_bytes.map_or(4096, |b| b.0),
    })
}

fn storage(s: &RawStorage) -> Result<StorageConfig> {
    let client = match s.client_bandwidth {
        None => None,
        Some(b) => Some(nonzero(
            b.0,
            "storage.client-bandwidth",
            "e.g. client-bandwidth = \"50MB/s\", or remove it to share the aggregate bandwidth only",
        )?),
    };
    Ok(StorageConfig {
        latency: s.latency.unwrap_or(SimDuration::from_millis(20)),
        bandwidth_bytes_per_s: nonzero(
            s.bandwidth.map_or(200_000_000, |b| b.0),
            "storage.bandwidth",
            "e.g. bandwidth = \"200MB/s\"",
        )?,
        client_bandwidth_bytes_per_s: client,
    })
}

fn network(n: &RawNetwork, raw_job: &RawJob) -> Result<NetworkConfig> {
    let buffer_bytes = n.buffer_size.map_or(32 * 1024, |b| b.0);
    for (i, s) in raw_job.source.iter().enumerate() {
        let record_bytes = s.record_bytes.map_or(100, |b| b.0);
        if record_bytes > buffer_bytes {
            let key = if n.buffer_size.is_some() {
                "network.buffer-size".to_string()
            } else {
                format!("job.source[{i}].record-bytes")
            };
            return fail(
                key,
                format!(
                    "network.buffer-size ({buffer_bytes} bytes) is smaller than record-bytes ({record_bytes}) of source `{}`; a record must fit in one network buffer, so raise buffer-size (e.g. buffer-size = \"32KiB\") or lower record-bytes",
                    s.name.as_deref().unwrap_or("")
                ),
            );
        }
    }
    let exclusive_buffers = u32_of(
        n.exclusive_buffers,
        "network.exclusive-buffers",
        2,
        0,
        "e.g. exclusive-buffers = 2",
    )?;
    let floating_buffers = u32_of(
        n.floating_buffers,
        "network.floating-buffers",
        8,
        0,
        "e.g. floating-buffers = 8",
    )?;
    if exclusive_buffers == 0 && floating_buffers == 0 {
        return fail(
            "network.exclusive-buffers",
            "an input channel needs at least one buffer of credit, but exclusive-buffers and floating-buffers are both 0; e.g. exclusive-buffers = 2 and floating-buffers = 8 (Flink's defaults)",
        );
    }
    Ok(NetworkConfig {
        buffer_bytes,
        buffer_timeout: n.buffer_timeout.unwrap_or(SimDuration::from_millis(100)),
        exclusive_buffers,
        floating_buffers,
        max_buffers_per_channel: u32_of(
            n.max_buffers_per_channel,
            "network.max-buffers-per-channel",
            10,
            1,
            "e.g. max-buffers-per-channel = 10",
        )?,
        latency: n.latency.unwrap_or(SimDuration::from_millis(1)),
        bandwidth_bytes_per_s: nonzero(
            n.bandwidth.map_or(125_000_000, |b| b.0),
            "network.bandwidth",
            "e.g. bandwidth = \"1Gbit/s\"",
        )?,
    })
}

fn cluster(c: &RawCluster, job: &JobSpec) -> Result<ClusterConfig> {
    let taskmanagers = u32_of(
        c.taskmanagers,
        "cluster.taskmanagers",
        1,
        1,
        "it is the number of TaskManagers, e.g. taskmanagers = 2",
    )?;
    let slots = u32_of(
        c.slots_per_taskmanager,
        "cluster.slots-per-taskmanager",
        1,
        1,
        "e.g. slots-per-taskmanager = 2",
    )?;
    let total = u64::from(taskmanagers) * u64::from(slots);
    if let Some(v) = job
        .vertices
        .iter()
        .max_by_key(|v| v.parallelism)
        .filter(|v| u64::from(v.parallelism) > total)
    {
        let need = v.parallelism;
        return fail(
            "cluster.taskmanagers",
            format!(
                "the cluster has {taskmanagers} TaskManager(s) × {slots} slot(s) = {total} slot(s), but `{}` has parallelism {need}; with slot sharing a job needs as many slots as its largest parallelism, so make taskmanagers × slots-per-taskmanager at least {need}, e.g. taskmanagers = {} with slots-per-taskmanager = {slots}",
                v.name,
                need.div_ceil(slots)
            ),
        );
    }
    Ok(ClusterConfig {
        taskmanagers,
        slots_per_taskmanager: slots,
        taskmanager_startup: c.taskmanager_startup.unwrap_or(SimDuration::from_secs(10)),
        rpc_latency: c.rpc_latency.unwrap_or(SimDuration::from_millis(1)),
    })
}

/// The fastest checkpoint: trigger RPC, sync phase, storage write, ack RPC, metadata write.
fn timeout_floor(c: &CheckpointConfig, s: &StorageConfig, cl: &ClusterConfig) -> Result<()> {
    let floor = s.latency.mul(2) + cl.rpc_latency.mul(2) + c.sync_base;
    if c.timeout < floor {
        return fail(
            "checkpoint.timeout",
            format!(
                "timeout \"{}\" is shorter than the fastest possible checkpoint: 2 × storage.latency ({}) + 2 × cluster.rpc-latency ({}) + checkpoint.sync-base ({}) = {floor}, so no checkpoint could ever complete; set timeout = \"{floor}\" or more (Flink's default is \"10min\")",
                c.timeout, s.latency, cl.rpc_latency, c.sync_base
            ),
        );
    }
    Ok(())
}

fn heartbeat(h: &RawHeartbeat) -> Result<HeartbeatConfig> {
    let interval = positive(
        h.interval.unwrap_or(SimDuration::from_secs(10)),
        "heartbeat.interval",
        "e.g. interval = \"10s\"",
    )?;
    let timeout = h.timeout.unwrap_or(SimDuration::from_secs(50));
    if timeout < interval {
        return fail(
            "heartbeat.timeout",
            format!(
                "heartbeat timeout \"{timeout}\" is shorter than the heartbeat interval \"{interval}\" (Flink requires timeout ≥ interval); e.g. timeout = \"50s\" with interval = \"10s\""
            ),
        );
    }
    Ok(HeartbeatConfig {
        interval,
        timeout,
        rpc_failure_threshold: u32_of(
            h.rpc_failure_threshold,
            "heartbeat.rpc-failure-threshold",
            2,
            1,
            "it is the consecutive failed heartbeat RPCs that declare a TaskManager lost, e.g. rpc-failure-threshold = 2",
        )?,
    })
}

fn restart(r: &RawRestart) -> Result<RestartStrategy> {
    use RawRestartKind as K;
    let kind = r.strategy.unwrap_or(K::ExponentialDelay);
    let keys: [(&str, bool, &[K]); 9] = [
        (
            "attempts",
            r.attempts.is_some(),
            &[K::FixedDelay, K::ExponentialDelay],
        ),
        ("delay", r.delay.is_some(), &[K::FixedDelay, K::FailureRate]),
        (
            "initial-backoff",
            r.initial_backoff.is_some(),
            &[K::ExponentialDelay],
        ),
        (
            "max-backoff",
            r.max_backoff.is_some(),
            &[K::ExponentialDelay],
        ),
        (
            "backoff-multiplier",
            r.backoff_multiplier.is_some(),
            &[K::ExponentialDelay],
        ),
        (
            "reset-backoff-threshold",
            r.reset_backoff_threshold.is_some(),
            &[K::ExponentialDelay],
        ),
        (
            "jitter-factor",
            r.jitter_factor.is_some(),
            &[K::ExponentialDelay],
        ),
        (
            "max-failures-per-interval",
            r.max_failures_per_interval.is_some(),
            &[K::FailureRate],
        ),
        (
            "failure-rate-interval",
            r.failure_rate_interval.is_some(),
            &[K::FailureRate],
        ),
    ];
    let spell = |k: K| match k {
        K::FixedDelay => "fixed-delay",
        K::ExponentialDelay => "exponential-delay",
        K::FailureRate => "failure-rate",
        K::None => "none",
    };
    for (key, present, owners) in keys {
        if present && !owners.contains(&kind) {
            let which = if r.strategy.is_some() {
                ""
            } else {
                " (the default)"
            };
            let owner_names = owners
                .iter()
                .map(|&o| spell(o))
                .collect::<Vec<_>>()
                .join(" and ");
            return fail(
                format!("restart.{key}"),
                format!(
                    "`{key}` does not apply to strategy \"{}\"{which}; it belongs to {owner_names}, so remove it or set strategy = \"{}\"",
                    spell(kind),
                    spell(owners[0])
                ),
            );
        }
    }
    let attempts_hint = "it is the restarts allowed before the job fails, e.g. attempts = 10";
    Ok(match kind {
        K::None => RestartStrategy::None,
        K::FixedDelay => RestartStrategy::FixedDelay {
            attempts: u32_of(r.attempts, "restart.attempts", 1, 0, attempts_hint)?,
            delay: r.delay.unwrap_or(SimDuration::from_secs(1)),
        },
        K::ExponentialDelay => {
            let initial = r.initial_backoff.unwrap_or(SimDuration::from_secs(1));
            let max = r.max_backoff.unwrap_or(SimDuration::from_secs(60));
            if max < initial {
                return fail(
                    "restart.max-backoff",
                    format!(
                        "max-backoff \"{max}\" is below initial-backoff \"{initial}\"; the backoff grows from initial to max, so raise max-backoff to at least \"{initial}\""
                    ),
                );
            }
            RestartStrategy::ExponentialDelay {
                initial,
                max,
                multiplier: finite_in(
                    r.backoff_multiplier.unwrap_or(1.5),
                    "restart.backoff-multiplier",
                    1.0,
                    f64::INFINITY,
                    "it is the growth of the backoff per failure, e.g. backoff-multiplier = 1.5",
                )?,
                reset_threshold: r
                    .reset_backoff_threshold
                    .unwrap_or(SimDuration::from_secs(3600)),
                jitter: finite_in(
                    r.jitter_factor.unwrap_or(0.1),
                    "restart.jitter-factor",
                    0.0,
                    1.0,
                    "the delay is drawn from backoff ± jitter-factor × backoff, e.g. jitter-factor = 0.1",
                )?,
                attempts: u32_of(r.attempts, "restart.attempts", u32::MAX, 0, attempts_hint)?,
            }
        }
        K::FailureRate => RestartStrategy::FailureRate {
            max_failures: u32_of(
                r.max_failures_per_interval,
                "restart.max-failures-per-interval",
                1,
                1,
                "e.g. max-failures-per-interval = 3",
            )?,
            interval: positive(
                r.failure_rate_interval
                    .unwrap_or(SimDuration::from_secs(60)),
                "restart.failure-rate-interval",
                "e.g. failure-rate-interval = \"1min\"",
            )?,
            delay: r.delay.unwrap_or(SimDuration::from_secs(1)),
        },
    })
}

fn faults(f: &RawFaults, job: &JobSpec, cluster: &ClusterConfig) -> Result<FaultSpec> {
    let end = job.duration + job.drain_timeout;
    let names = job
        .vertices
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut scripted = Vec::new();
    for (i, s) in f.scripted.iter().enumerate() {
        let p = format!("faults.scripted[{i}]");
        let at = required(s.at, &format!("{p}.at"))?;
        if at >= end {
            return fail(
                format!("{p}.at"),
                format!(
                    "at \"{at}\" is not before the end of the run (job.duration {} + job.drain-timeout {} = {end}), so the fault would never fire; choose a time before \"{end}\"",
                    job.duration, job.drain_timeout
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
            (Some(t), None) => {
                let tk = format!("{p}.task-failure.task");
                let task = required(t.task.clone(), &tk)?;
                let Some(vertex) = job.vertices.iter().position(|v| v.name == task) else {
                    return fail(
                        tk,
                        format!("no task is named `{task}`; the tasks are {names}"),
                    );
                };
                let par = job.vertices[vertex].parallelism;
                let sk = format!("{p}.task-failure.subtask");
                let subtask = u32_of(
                    Some(required(t.subtask, &sk)?),
                    &sk,
                    0,
                    0,
                    "subtasks are numbered from 0",
                )?;
                if subtask >= par {
                    return fail(
                        sk,
                        format!(
                            "subtask {subtask} does not exist: `{task}` has parallelism {par}, so its subtasks are 0 to {}",
                            par - 1
                        ),
                    );
                }
                Fault::TaskFailure { vertex, subtask }
            }
            (None, Some(l)) => {
                let k = format!("{p}.taskmanager-loss.taskmanager");
                let tm = u32_of(
                    Some(required(l.taskmanager, &k)?),
                    &k,
                    0,
                    0,
                    "TaskManagers are numbered from 0",
                )?;
                if tm >= cluster.taskmanagers {
                    return fail(
                        k,
                        format!(
                            "taskmanager {tm} does not exist: the cluster has {} TaskManager(s), numbered 0 to {}; pick one of those or raise cluster.taskmanagers",
                            cluster.taskmanagers,
                            cluster.taskmanagers - 1
                        ),
                    );
                }
                Fault::TaskManagerLoss { taskmanager: tm }
            }
        };
        scripted.push(ScriptedFault {
            at: SimTime(at.as_ns()),
            fault,
        });
    }
    let mut stochastic = Vec::new();
    for (i, s) in f.stochastic.iter().enumerate() {
        let p = format!("faults.stochastic[{i}]");
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
        let mtbf = positive(
            required(g.mtbf, &mk)?,
            &mk,
            "it is the mean time between failures of one failure domain, e.g. mtbf = \"1h\"",
        )?;
        let distribution = match (g.distribution, g.shape) {
            (None | Some(RawDistribution::Exponential), None) => FailureDistribution::Exponential,
            (None | Some(RawDistribution::Exponential), Some(_)) => {
                return fail(
                    format!("{gk}.shape"),
                    "shape applies only to distribution = \"weibull\"; remove it or add distribution = \"weibull\"",
                );
            }
            (Some(RawDistribution::Weibull), shape) => {
                let sk = format!("{gk}.shape");
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
        stochastic.push(StochasticFault {
            kind,
            mtbf,
            distribution,
        });
    }
    Ok(FaultSpec {
        scripted,
        stochastic,
    })
}
