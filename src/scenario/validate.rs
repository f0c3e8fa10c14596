//! Validation: raw structs → typed `Scenario`, with the defaults of
//! `scenario::defaults` (Flink's, where Flink has the option) applied.
//!
//! Every invariant the simulator relies on is checked here, and every failure
//! names the dotted key it concerns plus what to do about it. The job graph
//! (`validate/job.rs`) and the faults (`validate/faults.rs`) have rooms of
//! their own. This module knows nothing about text, lines or overrides
//! (`scenario` maps keys to lines) and never reads files.

mod faults;
mod job;
mod restart;
mod sweep;

use super::defaults::{self, MIN_CHECKPOINT_INTERVAL};
use super::raw::*;
use super::typed::*;
use crate::time::SimDuration;

/// A validation failure: the dotted key it concerns and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Dotted key path, e.g. `job.operator[0].parallelism`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

pub(super) type Result<T> = std::result::Result<T, Invalid>;

pub(super) fn fail<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T> {
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

/// "; set it to …, e.g. …" for a known key, else "".
fn suffix(key: &str) -> String {
    fix(key).map(|f| format!("; {f}")).unwrap_or_default()
}

fn required<T>(v: Option<T>, key: &str) -> Result<T> {
    v.ok_or_else(|| Invalid {
        key: key.into(),
        message: format!("missing required key `{}`{}", leaf(key), suffix(key)),
    })
}

/// An integer in [min, max].
pub(super) fn int(v: i64, key: &str, min: i64, max: i64) -> Result<i64> {
    let bound = if v < min {
        format!("at least {min}")
    } else if v > max {
        format!("at most {max}")
    } else {
        return Ok(v);
    };
    fail(
        key,
        format!("{} must be {bound}, not {v}{}", leaf(key), suffix(key)),
    )
}

/// An optional count in [min, u32::MAX], `default` if absent.
pub(super) fn count(v: Option<i64>, key: &str, default: u32, min: u32) -> Result<u32> {
    let v = v.unwrap_or(default.into());
    int(v, key, min.into(), u32::MAX.into()).map(|v| v as u32)
}

/// An optional count in [min, u32::MAX] at the key of `default`, its value if absent.
fn count_or(v: Option<i64>, default: defaults::Setting<u32>, min: u32) -> Result<u32> {
    count(v, default.key, default.value, min)
}

/// A required count in [min, u32::MAX].
fn count_req(v: Option<i64>, key: &str, min: u32) -> Result<u32> {
    count(Some(required(v, key)?), key, 0, min)
}

/// A required non-negative amount (records/s, keys) of at least `min`.
fn amount(v: Option<i64>, key: &str, min: u64) -> Result<u64> {
    int(required(v, key)?, key, min as i64, i64::MAX).map(|v| v as u64)
}

/// A duration longer than zero.
pub(super) fn positive(d: SimDuration, key: &str) -> Result<SimDuration> {
    if d == SimDuration::ZERO {
        return fail(
            key,
            format!("{} must be longer than 0s{}", leaf(key), suffix(key)),
        );
    }
    Ok(d)
}

pub(super) fn nonzero(v: u64, key: &str) -> Result<u64> {
    if v == 0 {
        return fail(
            key,
            format!("{} must be more than 0{}", leaf(key), suffix(key)),
        );
    }
    Ok(v)
}

pub(super) fn finite_in(v: f64, key: &str, lo: f64, hi: f64) -> Result<f64> {
    if v.is_finite() && v >= lo && v <= hi {
        return Ok(v);
    }
    let range = if hi.is_infinite() {
        format!("at least {lo}")
    } else {
        format!("between {lo} and {hi}")
    };
    let name = leaf(key);
    fail(
        key,
        format!(
            "{name} must be a finite number {range}, not {v}{}",
            suffix(key)
        ),
    )
}

/// Checks `raw` and builds the typed scenario; `default_name` is used when `name` is absent.
pub fn scenario(raw: RawScenario, default_name: &str) -> Result<Scenario> {
    let name = match raw.name {
        Some(n) if n.trim().is_empty() || n.contains(['/', '\\']) || n == "." || n == ".." => {
            let why =
                "name names the output folder, so it must be a non-empty name without / or \\";
            return fail("name", format!("{why}; e.g. name = \"quickstart\""));
        }
        Some(n) => n,
        None => default_name.to_string(),
    };
    let seed = match raw.seed {
        Some(s) if s < 0 => {
            return fail(
                "seed",
                format!("seed must not be negative, not {s}{}", suffix("seed")),
            );
        }
        s => s.map_or(defaults::SEED.value, |s| s as u64),
    };
    let failover = match raw.failover {
        None => defaults::FAILOVER.value,
        Some(RawFailover::Region) => FailoverStrategy::Region,
        Some(RawFailover::Full) => FailoverStrategy::Full,
    };
    let job = job::job(&raw.job)?;
    let checkpoint = checkpoint(&raw.checkpoint)?;
    let storage = storage(&raw.storage)?;
    let network = network(&raw.network, &raw.job)?;
    let cluster = cluster(&raw.cluster, &job)?;
    timeout_floor(&checkpoint, &storage, &cluster)?;
    let heartbeat = heartbeat(&raw.heartbeat)?;
    let restart = restart::restart(&raw.restart)?;
    let r = &raw.recovery;
    let recovery = RecoveryConfig {
        failure_report_delay: r
            .failure_report_delay
            .unwrap_or(defaults::FAILURE_REPORT_DELAY.value),
        connection_loss_detection: r
            .connection_loss_detection
            .unwrap_or(defaults::CONNECTION_LOSS_DETECTION.value),
        cancel: r.cancel.unwrap_or(defaults::CANCEL.value),
        deploy: r.deploy.unwrap_or(defaults::DEPLOY.value),
        deploy_spread: finite_in(
            r.deploy_spread.unwrap_or(defaults::DEPLOY_SPREAD.value),
            "recovery.deploy-spread",
            0.0,
            0.99,
        )?,
        caught_up_lag_records: amount(
            Some(
                r.caught_up_lag
                    .unwrap_or(defaults::CAUGHT_UP_LAG_RECORDS.value as i64),
            ),
            "recovery.caught-up-lag",
            0,
        )?,
    };
    let state = super::checkpoint_modes::state_config(&raw.state)?;
    let faults = faults::faults(&raw.faults, &job, &cluster)?;
    let period = raw
        .output
        .sample_period
        .unwrap_or(defaults::SAMPLE_PERIOD.value);
    let output = OutputConfig {
        sample_period: positive(period, "output.sample-period")?,
    };
    let sweep = match &raw.sweep {
        Some(t) => Some(sweep::spec(t)?),
        None => None,
    };
    Ok(Scenario {
        sweep,
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
        state,
        recovery,
        faults,
        output,
    })
}

fn checkpoint(c: &RawCheckpoint) -> Result<CheckpointConfig> {
    let interval = required(c.interval, "checkpoint.interval")?;
    if interval < MIN_CHECKPOINT_INTERVAL {
        let msg = format!(
            "interval \"{interval}\" is below Flink's minimum of {MIN_CHECKPOINT_INTERVAL}; set e.g. interval = \"10s\""
        );
        return fail("checkpoint.interval", msg);
    }
    let mode = match c.mode {
        None => defaults::CHECKPOINT_MODE.value,
        Some(RawMode::ExactlyOnce) => CheckpointMode::ExactlyOnce,
        Some(RawMode::AtLeastOnce) => CheckpointMode::AtLeastOnce,
    };
    let max_concurrent = count_or(c.max_concurrent, defaults::MAX_CONCURRENT, 1)?;
    let (unaligned, aligned_timeout) =
        super::checkpoint_modes::unaligned_settings(c, mode, max_concurrent)?;
    let interval_during_backlog =
        super::checkpoint_modes::backlog_interval(c.interval_during_backlog, interval)?;
    let sync_speed = c
        .sync_speed
        .map_or(defaults::SYNC_SPEED_BYTES_PER_S.value, |b| b.0);
    Ok(CheckpointConfig {
        interval,
        interval_during_backlog,
        timeout: c.timeout.unwrap_or(defaults::CHECKPOINT_TIMEOUT.value),
        min_pause: c.min_pause.unwrap_or(defaults::MIN_PAUSE.value),
        max_concurrent,
        tolerable_failed: count_or(c.tolerable_failed, defaults::TOLERABLE_FAILED, 0)?,
        mode,
        unaligned,
        aligned_timeout,
        first_trigger: match c.first_trigger {
            None => defaults::FIRST_TRIGGER.value,
            Some(RawFirstTrigger::OnRunning) => FirstTrigger::OnRunning,
            Some(RawFirstTrigger::RandomDelay) => FirstTrigger::RandomDelay,
        },
        sync_base: c.sync_base.unwrap_or(defaults::SYNC_BASE.value),
        sync_bytes_per_s: nonzero(sync_speed, "checkpoint.sync-speed")?,
        metadata_bytes: c
            .metadata_bytes
            .map_or(defaults::METADATA_BYTES.value, |b| b.0),
        snapshot_setup: c.snapshot_setup.unwrap_or(defaults::SNAPSHOT_SETUP.value),
        restore_bytes_per_s: nonzero(
            c.restore_speed
                .map_or(defaults::RESTORE_SPEED_BYTES_PER_S.value, |b| b.0),
            "checkpoint.restore-speed",
        )?,
    })
}

fn storage(s: &RawStorage) -> Result<StorageConfig> {
    let client = match s.client_bandwidth {
        None => None,
        Some(b) => Some(nonzero(b.0, "storage.client-bandwidth")?),
    };
    let bandwidth = s
        .bandwidth
        .map_or(defaults::STORAGE_BANDWIDTH_BYTES_PER_S.value, |b| b.0);
    Ok(StorageConfig {
        latency: s.latency.unwrap_or(defaults::STORAGE_LATENCY.value),
        bandwidth_bytes_per_s: nonzero(bandwidth, "storage.bandwidth")?,
        client_bandwidth_bytes_per_s: client,
    })
}

fn network(n: &RawNetwork, raw_job: &RawJob) -> Result<NetworkConfig> {
    let buffer_bytes = n
        .buffer_size
        .map_or(defaults::BUFFER_SIZE_BYTES.value, |b| b.0);
    for (i, s) in raw_job.source.iter().enumerate() {
        let record_bytes = s.record_bytes.map_or(defaults::RECORD_BYTES.value, |b| b.0);
        if record_bytes > buffer_bytes {
            let key = match n.buffer_size {
                Some(_) => "network.buffer-size".to_string(),
                None => format!("job.source[{i}].record-bytes"),
            };
            let name = s.name.as_deref().unwrap_or("");
            return fail(
                key,
                format!(
                    "network.buffer-size ({buffer_bytes} bytes) is smaller than record-bytes ({record_bytes}) of source `{name}`; a record must fit in one network buffer, so raise buffer-size (e.g. buffer-size = \"32KiB\") or lower record-bytes"
                ),
            );
        }
    }
    let (exclusive, floating) = (defaults::EXCLUSIVE_BUFFERS, defaults::FLOATING_BUFFERS);
    let exclusive_buffers = count_or(n.exclusive_buffers, exclusive, 0)?;
    let floating_buffers = count_or(n.floating_buffers, floating, 0)?;
    if exclusive_buffers == 0 && floating_buffers == 0 {
        let (e, f) = (exclusive.value, floating.value);
        return fail(
            exclusive.key,
            format!(
                "an input channel needs at least one buffer of credit, but exclusive-buffers and floating-buffers are both 0; e.g. exclusive-buffers = {e} and floating-buffers = {f} (Flink's defaults)"
            ),
        );
    }
    let bandwidth = n
        .bandwidth
        .map_or(defaults::NETWORK_BANDWIDTH_BYTES_PER_S.value, |b| b.0);
    let per_channel = defaults::MAX_BUFFERS_PER_CHANNEL;
    Ok(NetworkConfig {
        buffer_bytes,
        buffer_timeout: n.buffer_timeout.unwrap_or(defaults::BUFFER_TIMEOUT.value),
        exclusive_buffers,
        floating_buffers,
        max_buffers_per_channel: count_or(n.max_buffers_per_channel, per_channel, 1)?,
        latency: n.latency.unwrap_or(defaults::NETWORK_LATENCY.value),
        bandwidth_bytes_per_s: nonzero(bandwidth, "network.bandwidth")?,
        buffer_debloat: super::buffer_debloat::settings(n, buffer_bytes)?,
    })
}

fn cluster(c: &RawCluster, job: &JobSpec) -> Result<ClusterConfig> {
    let (tms, spt) = (defaults::TASKMANAGERS, defaults::SLOTS_PER_TASKMANAGER);
    let taskmanagers = count_or(c.taskmanagers, tms, 1)?;
    let slots = count_or(c.slots_per_taskmanager, spt, 1)?;
    let total = u64::from(taskmanagers) * u64::from(slots);
    let widest = job.vertices.iter().max_by_key(|v| v.parallelism);
    if let Some(v) = widest.filter(|v| u64::from(v.parallelism) > total) {
        let (need, name) = (v.parallelism, &v.name);
        let tms = need.div_ceil(slots);
        return fail(
            "cluster.taskmanagers",
            format!(
                "the cluster has {taskmanagers} TaskManager(s) × {slots} slot(s) = {total} slot(s), but `{name}` has parallelism {need}; with slot sharing a job needs as many slots as its largest parallelism, so make taskmanagers × slots-per-taskmanager at least {need}, e.g. taskmanagers = {tms} with slots-per-taskmanager = {slots}"
            ),
        );
    }
    let timeout = (c.slot_request_timeout).unwrap_or(defaults::SLOT_REQUEST_TIMEOUT.value);
    Ok(ClusterConfig {
        taskmanagers,
        slots_per_taskmanager: slots,
        resource_manager: match c.resource_manager {
            None => defaults::RESOURCE_MANAGER.value,
            Some(RawResourceManager::Active) => ResourceManager::Active,
            Some(RawResourceManager::Standalone) => ResourceManager::Standalone,
        },
        taskmanager_startup: c
            .taskmanager_startup
            .unwrap_or(defaults::TASKMANAGER_STARTUP.value),
        slot_request_timeout: positive(timeout, defaults::SLOT_REQUEST_TIMEOUT.key)?,
        rpc_latency: c.rpc_latency.unwrap_or(defaults::RPC_LATENCY.value),
    })
}

/// The fastest checkpoint: trigger RPC, sync phase, storage write, ack RPC, metadata write.
fn timeout_floor(c: &CheckpointConfig, s: &StorageConfig, cl: &ClusterConfig) -> Result<()> {
    let floor = s.latency.times(2) + cl.rpc_latency.times(2) + c.sync_base;
    if c.timeout < floor {
        let (t, sl, rpc, sb) = (c.timeout, s.latency, cl.rpc_latency, c.sync_base);
        return fail(
            "checkpoint.timeout",
            format!(
                "timeout \"{t}\" is shorter than the fastest possible checkpoint: 2 × storage.latency ({sl}) + 2 × cluster.rpc-latency ({rpc}) + checkpoint.sync-base ({sb}) = {floor}, so no checkpoint could ever complete; set timeout = \"{floor}\" or more (Flink's default is \"{}\")",
                defaults::CHECKPOINT_TIMEOUT.value
            ),
        );
    }
    Ok(())
}

fn heartbeat(h: &RawHeartbeat) -> Result<HeartbeatConfig> {
    let interval = h.interval.unwrap_or(defaults::HEARTBEAT_INTERVAL.value);
    let interval = positive(interval, "heartbeat.interval")?;
    let timeout = h.timeout.unwrap_or(defaults::HEARTBEAT_TIMEOUT.value);
    if timeout < interval {
        return fail(
            "heartbeat.timeout",
            format!(
                "heartbeat timeout \"{timeout}\" is shorter than the heartbeat interval \"{interval}\", and Flink requires timeout ≥ interval; e.g. timeout = \"50s\" with interval = \"10s\""
            ),
        );
    }
    let threshold = defaults::HEARTBEAT_RPC_FAILURE_THRESHOLD;
    Ok(HeartbeatConfig {
        interval,
        timeout,
        rpc_failure_threshold: count_or(h.rpc_failure_threshold, threshold, 1)?,
        phase: h.phase,
    })
}

/// A valid scenario for tests, and helpers that break one thing in it.
#[cfg(test)]
pub(super) mod testkit;

#[cfg(test)]
mod tests {
    use super::testkit::{MINIMAL, rejects, with};
    use crate::scenario::parse_str;

    #[test]
    fn counts_must_be_positive() {
        let hint = "parallelism must be at least 1, not 0; set it to the number of parallel subtasks, e.g. parallelism = 4";
        rejects(
            &with("parallelism = 2", "parallelism = 0"),
            6,
            "job.source[0].parallelism",
            hint,
        );
        rejects(
            &with("partitions = 2", "partitions = 0"),
            7,
            "job.source[0].partitions",
            "at least 1",
        );
        rejects(
            &with("capacity = 5000", "capacity = 0"),
            14,
            "job.operator[0].capacity",
            "at least 1",
        );
        let bytes = with("rate = 1000", "rate = 1000\nrecord-bytes = 0");
        rejects(&bytes, 9, "job.source[0].record-bytes", "more than 0");
        let tms = with("taskmanagers = 2", "taskmanagers = 0");
        rejects(&tms, 36, "cluster.taskmanagers", "at least 1");
        let slots = with(
            "taskmanagers = 2",
            "taskmanagers = 2\nslots-per-taskmanager = 0",
        );
        rejects(&slots, 37, "cluster.slots-per-taskmanager", "at least 1");
        let conc = with(
            "interval = \"10s\"",
            "interval = \"10s\"\nmax-concurrent = 0",
        );
        rejects(&conc, 34, "checkpoint.max-concurrent", "at least 1");
        rejects(
            &with("keys = 100", "keys = 0"),
            15,
            "job.operator[0].state.keys",
            "at least 1",
        );
        rejects(
            &format!("seed = -1\n{MINIMAL}"),
            1,
            "seed",
            "must not be negative",
        );
        let period = with("[job]", "[output]\nsample-period = \"0s\"\n[job]");
        rejects(&period, 2, "output.sample-period", "longer than 0s");
    }

    #[test]
    fn missing_required_key_points_at_its_table() {
        let e = rejects(
            &with("interval = \"10s\"\n", ""),
            32,
            "checkpoint.interval",
            "missing",
        );
        assert!(e.message.ends_with("e.g. interval = \"10s\""), "{e}");
    }

    #[test]
    fn slots_and_network_buffers() {
        let slots = with("taskmanagers = 2", "taskmanagers = 1");
        rejects(
            &slots,
            36,
            "cluster.taskmanagers",
            "slots-per-taskmanager at least 2",
        );
        // More slots than the job needs are free slots (spare TaskManagers).
        let spare = with(
            "taskmanagers = 2",
            "taskmanagers = 5\nresource-manager = \"standalone\"",
        );
        assert!(parse_str(&spare, "t", &[]).is_ok());
        let never = with(
            "taskmanagers = 2",
            "taskmanagers = 2\nslot-request-timeout = \"0s\"",
        );
        rejects(&never, 37, "cluster.slot-request-timeout", "longer than 0s");
        let buffer = with("rate = 1000", "rate = 1000\nrecord-bytes = \"64KiB\"");
        rejects(
            &buffer,
            9,
            "job.source[0].record-bytes",
            "a record must fit in one network buffer",
        );
        let set = with("[cluster]", "[network]\nbuffer-size = 50\n\n[cluster]");
        rejects(
            &set,
            36,
            "network.buffer-size",
            "smaller than record-bytes (100)",
        );
    }

    #[test]
    fn checkpoint_interval_and_timeout_floors() {
        let fast = with("interval = \"10s\"", "interval = \"5ms\"");
        rejects(
            &fast,
            33,
            "checkpoint.interval",
            "below Flink's minimum of 10ms",
        );
        // 2 × 20ms (storage) + 2 × 1ms (rpc) + 1ms (sync-base) = 43ms.
        let short = with(
            "interval = \"10s\"",
            "interval = \"10s\"\ntimeout = \"42ms\"",
        );
        let e = rejects(&short, 34, "checkpoint.timeout", "= 43ms");
        assert!(e.message.contains("set timeout = \"43ms\" or more"), "{e}");
        let enough = with(
            "interval = \"10s\"",
            "interval = \"10s\"\ntimeout = \"43ms\"",
        );
        assert!(parse_str(&enough, "t", &[]).is_ok());
    }
}
