//! The discrete-event kernel: one event queue in total order and the seeded
//! random streams.
//!
//! Events pop in (time, insertion sequence) order, so ties are first-in
//! first-out and never depend on hash order, pointers or threads. Stale events
//! are cancelled lazily: they carry an epoch that the handler compares.
//! Push and pop are O(log n).

use crate::time::SimTime;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.time == o.time && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.time, o.seq).cmp(&(self.time, self.seq))
    }
}

/// The event queue: a binary heap keyed by (time, insertion counter).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }
    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }
    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    /// Schedules `event` at `time`; a time in the past is clamped to now
    /// (simulated time never goes backwards).
    pub fn push(&mut self, time: SimTime, event: E) {
        let time = time.max(self.now);
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }
    /// Pops the earliest event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        debug_assert!(e.time >= self.now, "time went backwards");
        self.now = e.time;
        self.popped += 1;
        Some((e.time, e.event))
    }
    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }
}

/// FNV-1a 64-bit hash of a purpose name: a stable stream id, independent of
/// the platform and of Rust's hasher.
pub fn stream_id(purpose: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in purpose.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The random stream for one purpose ("workload", "faults/taskmanager-loss/tm-1",
/// "restart-jitter", ...), derived from the run seed. Streams of different
/// purposes are independent, so switching one on never shifts another.
pub fn rng_stream(seed: u64, purpose: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream_id(purpose));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn ties_pop_first_in_first_out() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "c");
        q.push(SimTime(5), "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["a", "b", "c", "d"]);
        assert_eq!(q.now(), SimTime(5));
        assert_eq!(q.popped(), 4);
    }

    #[test]
    fn past_events_are_clamped_to_now() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), 1);
        q.pop();
        q.push(SimTime(3), 2);
        assert_eq!(q.pop(), Some((SimTime(10), 2)));
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|_| rng_stream(7, "x").random()).collect();
        let mut r1 = rng_stream(7, "x");
        let mut r2 = rng_stream(7, "y");
        let mut r3 = rng_stream(8, "x");
        let x: u64 = r1.random();
        assert_eq!(a[0], x);
        assert_ne!(x, r2.random::<u64>());
        assert_ne!(x, r3.random::<u64>());
        assert_eq!(stream_id("workload"), stream_id("workload"));
    }
}
