//! Hand-computed checks of the data plane's buffer rules, driven directly on
//! the channels of a small job: a flush does not finish the open buffer, a
//! slice takes a credit, and a backpressured subpartition holds full buffers.
//!
//! The job: `src` (p=2) ──rebalance──▶ `sink` (p=1), on two TaskManagers of
//! one slot each, so `src[0] → sink[0]` is local and `src[1] → sink[0]` is
//! remote. 100-byte records in 10,000-byte buffers: 100 records per buffer.

use super::Job;
use super::channel::Item;
use crate::data::Segment;
use crate::event::Ctx;
use crate::scenario::{Scenario, parse_str};

const TEXT: &str = r#"
name = "channels"
[job]
duration = "60s"
max-parallelism = 128
[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 1000
record-bytes = 100
capacity = 100000
[[job.sink]]
name = "sink"
parallelism = 1
kind = "at-least-once"
capacity = 1000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "rebalance"
[network]
buffer-size = 10000
[checkpoint]
interval = "10s"
[cluster]
taskmanagers = 2
slots-per-taskmanager = 1
"#;

fn scenario() -> Scenario {
    parse_str(TEXT, "channels.toml", &[]).expect("valid test scenario")
}

/// Writes records [lo, hi) of partition 0 into the output of source subtask `task`.
fn write(job: &mut Job, ctx: &mut Ctx, task: usize, lo: u64, hi: u64) {
    let k = ctx.sc.job.max_parallelism;
    job.emit(ctx, task, &[Segment::full(0, lo, hi, k)]);
}

/// Data bytes of the items in a queue.
fn data_bytes<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<u64> {
    items
        .filter_map(|i| match i {
            Item::Data(b) => Some(b.bytes),
            Item::Barrier(_) | Item::Priority(_) => None,
        })
        .collect()
}

/// The channels of the job: (local, remote).
fn channels(job: &Job) -> (usize, usize) {
    let local = job.tasks[0].outputs[0].chans[0];
    let remote = job.tasks[1].outputs[0].chans[0];
    assert!(!job.chans[local].remote && job.chans[remote].remote);
    (local, remote)
}

#[test]
fn a_flush_sends_a_slice_and_the_writer_keeps_filling_the_same_buffer() {
    let sc = scenario();
    let mut ctx = Ctx::new(&sc, None);
    let mut job = Job::new(&ctx);
    let (_, remote) = channels(&job);
    // 30 records = 3,000 bytes, then the flusher: one slice of 3,000 bytes leaves
    // and takes one of the receiver's buffers (a credit), the buffer stays open.
    write(&mut job, &mut ctx, 1, 0, 30);
    job.flush_task(&mut ctx, 1);
    let c = &job.chans[remote];
    assert_eq!(data_bytes(c.wire.iter()), vec![3_000]);
    assert_eq!((c.used, c.pending_sent, c.pending.prov), (1, 3_000, 0));
    assert_eq!(
        c.pool_buffers(),
        1,
        "the open buffer is still one pool buffer"
    );
    // 70 more records fill that buffer: its remaining 7,000 bytes go as the
    // second item; 100 records in one memory segment, two network transfers.
    write(&mut job, &mut ctx, 1, 30, 100);
    let c = &job.chans[remote];
    assert_eq!(data_bytes(c.wire.iter()), vec![3_000, 7_000]);
    assert_eq!((c.used, c.pending_sent, c.pool_buffers()), (2, 0, 0));
}

#[test]
fn without_credit_a_flush_changes_nothing_and_the_queue_holds_full_buffers() {
    let sc = scenario();
    let mut ctx = Ctx::new(&sc, None);
    let mut job = Job::new(&ctx);
    let (_, remote) = channels(&job);
    // The receiver's 2 exclusive and 8 floating buffers are all taken.
    job.chans[remote].used = 10;
    job.tasks[2].inputs.floating_used[0] = 8;
    let mut offset = 0;
    // Write 30 records at a time and flush after each, until the source's output
    // is backpressured: each flush finds no credit, so nothing is sent and the
    // writer keeps filling its open buffer; buffers are finished only when full.
    while !job.output_blocked(&ctx, 1) {
        write(&mut job, &mut ctx, 1, offset, offset + 30);
        job.flush_task(&mut ctx, 1);
        offset += 30;
    }
    let c = &job.chans[remote];
    // max-buffers-per-channel = 10 pool buffers: 9 full ones queued and the open
    // one (the 30-record writes fill 10,000-byte buffers unevenly: the tenth
    // buffer's first write completes the ninth).
    assert_eq!(data_bytes(c.out_q.iter()), vec![10_000; 9]);
    assert!(c.buffer_open() && c.wire.is_empty());
    assert_eq!(offset, 930, "9 full buffers and 30 records in the open one");
    assert_eq!(c.pending.prov, 30);
}

#[test]
fn a_local_consumer_reads_the_producers_queue_without_credit() {
    let sc = scenario();
    let mut ctx = Ctx::new(&sc, None);
    let mut job = Job::new(&ctx);
    let (local, remote) = channels(&job);
    for t in 0..job.tasks.len() {
        job.tasks[t].status = super::task::Status::Running;
    }
    // Two full buffers on each channel. The remote one sends them over the link
    // (each takes a receiver buffer); the local one keeps them in the producer's
    // subpartition, counted against the producer's pool, until the consumer reads.
    write(&mut job, &mut ctx, 1, 0, 200);
    assert_eq!(
        (job.chans[remote].used, job.chans[remote].wire.len()),
        (2, 2)
    );
    // The remote buffers arrive before the local ones are written.
    let epoch = job.chans[remote].epoch;
    job.arrive(remote, epoch);
    job.arrive(remote, epoch);
    write(&mut job, &mut ctx, 0, 0, 200);
    assert_eq!(job.chans[local].used, 0);
    assert_eq!(job.chans[local].pool_buffers(), 2);
    // The gate hands out channels in the order they became available, and a channel
    // that still has data goes to the back: remote, local, remote, local.
    let mut order = Vec::new();
    while let Some((ch, item)) = job.take_input(&mut ctx, 2) {
        assert!(matches!(item, Item::Data(ref b) if b.bytes == 10_000));
        order.push(ch);
    }
    assert_eq!(order, [remote, local, remote, local]);
    assert_eq!(
        job.chans[local].pool_buffers(),
        0,
        "reading frees the producer's buffers"
    );
}
