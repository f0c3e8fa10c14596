//! What each scenario key means and an example line: the "how to fix it"
//! part of validation's error messages.

/// What a key means and an example line, for "how to fix" hints. `key` is a
/// dotted path; array indices are ignored (`job.source[0].rate` → `job.source.rate`).
#[rustfmt::skip]
pub fn hint(key: &str) -> Option<(&'static str, &'static str)> {
    let mut path = String::with_capacity(key.len());
    let mut in_index = false;
    for c in key.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => path.push(c),
            _ => {}
        }
    }
    Some(match path.as_str() {
        "name" => ("a name for the output folder", "name = \"quickstart\""),
        "seed" => ("an integer from 0 up", "seed = 42"),
        "failover" => ("region or full", "failover = \"region\""),
        "job.duration" => ("how long the log keeps growing", "duration = \"10min\""),
        "job.drain-timeout" => ("the longest drain after duration", "drain-timeout = \"10min\""),
        "job.max-parallelism" => ("the number of key groups", "max-parallelism = 128"),
        "job.source.name" | "job.operator.name" | "job.sink.name" => ("a unique vertex name", "name = \"aggregate\""),
        "job.source.parallelism" | "job.operator.parallelism" | "job.sink.parallelism" => ("the number of parallel subtasks", "parallelism = 4"),
        "job.source.capacity" | "job.operator.capacity" | "job.sink.capacity" => ("the records/s one subtask can process", "capacity = 25000"),
        "job.source.partitions" => ("the number of log partitions", "partitions = 8"),
        "job.source.rate" => ("the records/s appended over all partitions", "rate = 40000"),
        "job.source.rate.at" => ("the time the step starts", "at = \"5min\""),
        "job.source.rate.rate" => ("the records/s from then on", "rate = 3000"),
        "job.source.record-bytes" => ("the bytes per record", "record-bytes = 200"),
        "job.operator.output-ratio" => ("output records per input record", "output-ratio = 0.2"),
        "job.operator.state" => ("the keyed state", "state = { keys = 2000000, bytes-per-key = 64 }"),
        "job.operator.state.keys" => ("the number of distinct keys", "keys = 2000000"),
        "job.operator.state.bytes-per-key" => ("the state bytes per key", "bytes-per-key = 64"),
        "job.sink.kind" => ("two-phase-commit or at-least-once", "kind = \"two-phase-commit\""),
        "job.edge.from" => ("the upstream vertex's name", "from = \"orders\""),
        "job.edge.to" => ("the downstream vertex's name", "to = \"aggregate\""),
        "job.edge.partitioning" => ("forward, hash or rebalance", "partitioning = \"hash\""),
        "checkpoint.interval" => ("the time between checkpoint triggers", "interval = \"10s\""),
        "checkpoint.interval-during-backlog" => ("the time between checkpoint triggers while a source processes backlog: at least the interval, or 0 for none", "interval-during-backlog = \"1min\""),
        "checkpoint.timeout" => ("the age at which a checkpoint expires", "timeout = \"10min\""),
        "checkpoint.min-pause" => ("the pause between checkpoints", "min-pause = \"0s\""),
        "checkpoint.max-concurrent" => ("the checkpoints pending at once", "max-concurrent = 1"),
        "checkpoint.tolerable-failed" => ("the failures tolerated in a row", "tolerable-failed = 0"),
        "checkpoint.mode" => ("exactly-once or at-least-once", "mode = \"exactly-once\""),
        "checkpoint.unaligned" => ("true for unaligned checkpoints (barriers overtake buffered data, which is persisted)", "unaligned = true"),
        "checkpoint.aligned-timeout" => ("with unaligned = true, the start delay after which a task switches from aligned to unaligned (0: always unaligned)", "aligned-timeout = \"1s\""),
        "checkpoint.first-trigger" => ("on-running or random-delay", "first-trigger = \"on-running\""),
        "checkpoint.sync-base" => ("the fixed synchronous snapshot time", "sync-base = \"1ms\""),
        "checkpoint.sync-speed" => ("the synchronous snapshot speed", "sync-speed = \"2GB/s\""),
        "checkpoint.restore-speed" => ("the speed of rebuilding a subtask's state backend from downloaded state", "restore-speed = \"200MB/s\""),
        "checkpoint.metadata-bytes" => ("the checkpoint metadata size", "metadata-bytes = \"4KiB\""),
        "checkpoint.snapshot-setup" => ("the fixed time to open one subtask's snapshot file, apart from the storage latency", "snapshot-setup = \"5ms\""),
        "storage.latency" => ("the latency of one storage request", "latency = \"20ms\""),
        "storage.bandwidth" => ("the storage bandwidth shared by uploads", "bandwidth = \"200MB/s\""),
        "storage.client-bandwidth" => ("the cap per transfer", "client-bandwidth = \"50MB/s\""),
        "network.buffer-size" => ("the network buffer size", "buffer-size = \"32KiB\""),
        "network.buffer-timeout" => ("the flush timeout of a buffer", "buffer-timeout = \"100ms\""),
        "network.exclusive-buffers" => ("the buffers per input channel", "exclusive-buffers = 2"),
        "network.floating-buffers" => ("the shared buffers per input gate", "floating-buffers = 8"),
        "network.max-buffers-per-channel" => ("the output buffers per subpartition", "max-buffers-per-channel = 10"),
        "network.latency" => ("the one-way latency between TaskManagers", "latency = \"1ms\""),
        "network.bandwidth" => ("the bandwidth of one channel", "bandwidth = \"1Gbit/s\""),
        "cluster.taskmanagers" => ("the number of TaskManagers", "taskmanagers = 2"),
        "cluster.slots-per-taskmanager" => ("the slots of one TaskManager", "slots-per-taskmanager = 2"),
        "cluster.resource-manager" => ("active (Kubernetes/YARN: new TaskManagers on demand) or standalone (a fixed set)", "resource-manager = \"active\""),
        "cluster.taskmanager-startup" => ("the start time of a new TaskManager", "taskmanager-startup = \"10s\""),
        "cluster.slot-request-timeout" => ("how long a slot request may wait before it fails (slot.request.timeout)", "slot-request-timeout = \"5min\""),
        "cluster.rpc-latency" => ("the one-way RPC latency", "rpc-latency = \"1ms\""),
        "heartbeat.interval" => ("the time between heartbeats", "interval = \"10s\""),
        "heartbeat.timeout" => ("the silence that declares a TaskManager lost", "timeout = \"50s\""),
        "heartbeat.phase" => ("when the heartbeat requests fall, modulo the interval (default: drawn from the seed)", "phase = \"3s\""),
        "heartbeat.rpc-failure-threshold" => ("the failed heartbeat RPCs in a row that declare a TaskManager lost", "rpc-failure-threshold = 2"),
        "restart.strategy" => ("the restart strategy", "strategy = \"fixed-delay\""),
        "restart.attempts" => ("the restarts allowed before the job fails", "attempts = 10"),
        "restart.delay" => ("the delay before each restart", "delay = \"3s\""),
        "restart.initial-backoff" => ("the first backoff", "initial-backoff = \"1s\""),
        "restart.max-backoff" => ("the largest backoff", "max-backoff = \"1min\""),
        "restart.backoff-multiplier" => ("the backoff growth per failure", "backoff-multiplier = 1.5"),
        "restart.reset-backoff-threshold" => ("the quiet time that resets the backoff", "reset-backoff-threshold = \"1h\""),
        "restart.jitter-factor" => ("the relative jitter of the delay", "jitter-factor = 0.1"),
        "restart.max-failures-per-interval" => ("the failures allowed per interval", "max-failures-per-interval = 3"),
        "restart.failure-rate-interval" => ("the window for counting failures", "failure-rate-interval = \"1min\""),
        "recovery.failure-report-delay" | "recovery.connection-loss-detection" | "recovery.cancel" | "recovery.deploy" => ("a duration", "deploy = \"500ms\""),
        "state.local-recovery" => ("true to restore from the TaskManager's local copy of a snapshot when a task restarts there", "local-recovery = true"),
        "state.local-disk-speed" => ("the speed of reading a local snapshot copy", "local-disk-speed = \"500MB/s\""),
        "recovery.deploy-spread" => ("the relative spread of each task's deployment time, from 0 (all equal) to below 1", "deploy-spread = 0.2"),
        "recovery.caught-up-lag" => ("the source lag in records above its pre-failure level that still counts as caught up", "caught-up-lag = 100"),
        "faults.scripted.at" => ("the time the fault strikes", "at = \"3min\""),
        "faults.scripted.task-failure" => ("the failing subtask", "task-failure = { task = \"aggregate\", subtask = 0 }"),
        "faults.scripted.task-failure.task" => ("the name of a vertex", "task = \"aggregate\""),
        "faults.scripted.task-failure.subtask" => ("a subtask index from 0", "subtask = 0"),
        "faults.scripted.taskmanager-loss" => ("the lost TaskManager", "taskmanager-loss = { taskmanager = 1 }"),
        "faults.scripted.taskmanager-loss.taskmanager" => ("a TaskManager index from 0", "taskmanager = 1"),
        "faults.stochastic.task-failure" | "faults.stochastic.taskmanager-loss" => ("the failure generator", "taskmanager-loss = { mtbf = \"30min\" }"),
        "faults.stochastic.task-failure.mtbf" | "faults.stochastic.taskmanager-loss.mtbf" => ("the mean time between failures of one failure domain", "mtbf = \"1h\""),
        "faults.stochastic.task-failure.distribution" | "faults.stochastic.taskmanager-loss.distribution" => ("exponential or weibull", "distribution = \"weibull\""),
        "faults.stochastic.task-failure.shape" | "faults.stochastic.taskmanager-loss.shape" => ("the Weibull shape (< 1: infant mortality, > 1: wear-out)", "shape = 0.7"),
        "output.sample-period" => ("the period of the time series", "sample-period = \"1s\""),
        _ => return None,
    })
}

/// "set it to <meaning>, e.g. <example>" for `key`, if the key is known.
pub fn fix(key: &str) -> Option<String> {
    hint(key).map(|(what, eg)| format!("set it to {what}, e.g. {eg}"))
}
