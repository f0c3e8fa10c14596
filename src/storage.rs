//! The checkpoint storage model: request latency, then processor sharing of
//! an aggregate bandwidth among concurrent transfers (optionally capped per
//! transfer), in exact integer arithmetic.
//!
//! The storage owns no events: the simulator asks `next_completion()` after
//! every change and schedules one wake-up (stale ones are recognised by the
//! generation number). Work remaining is kept in units of 1e-9 byte, so a
//! transfer of B bytes alone at bandwidth W takes exactly ceil(B·1e9 / W) ns.
//! Cost: O(active transfers) per change.

use crate::time::{NS_PER_S, SimTime};
use std::collections::BTreeMap;

/// Identifies one transfer.
pub type TransferId = u64;

#[derive(Clone, Debug)]
struct Transfer<O> {
    owner: O,
    /// Remaining work in 1e-9 bytes.
    remaining: u128,
    active: bool,
}

/// Concurrent uploads and downloads sharing the storage bandwidth.
#[derive(Clone, Debug)]
pub struct Storage<O> {
    bandwidth_bytes_per_s: u128,
    client_cap_bytes_per_s: Option<u128>,
    transfers: BTreeMap<TransferId, Transfer<O>>,
    active: usize,
    last_update: SimTime,
    next_id: TransferId,
    /// Bumped on every change, to recognise stale wake-ups.
    pub generation: u64,
    /// Bytes moved by completed transfers.
    pub bytes_done: u64,
}

impl<O: Clone> Storage<O> {
    /// An idle storage with the given aggregate and optional per-transfer bandwidth.
    pub fn new(bandwidth_bytes_per_s: u64, client_cap_bytes_per_s: Option<u64>) -> Self {
        Storage {
            bandwidth_bytes_per_s: bandwidth_bytes_per_s.max(1) as u128,
            client_cap_bytes_per_s: client_cap_bytes_per_s.map(|c| c.max(1) as u128),
            transfers: BTreeMap::new(),
            active: 0,
            last_update: SimTime::ZERO,
            next_id: 0,
            generation: 0,
            bytes_done: 0,
        }
    }

    /// Per-transfer rate with `n` active transfers, bytes/s as (numerator, denominator).
    fn rate(&self, n: usize) -> (u128, u128) {
        let n = n.max(1) as u128;
        match self.client_cap_bytes_per_s {
            Some(c) if c * n < self.bandwidth_bytes_per_s => (c, 1),
            _ => (self.bandwidth_bytes_per_s, n),
        }
    }

    /// Moves every active transfer forward to `now`.
    fn advance(&mut self, now: SimTime) {
        let dt = now.0.saturating_sub(self.last_update.0) as u128;
        self.last_update = now;
        if dt == 0 || self.active == 0 {
            return;
        }
        let (num, den) = self.rate(self.active);
        let progress = dt * num / den;
        for t in self.transfers.values_mut().filter(|t| t.active) {
            t.remaining = t.remaining.saturating_sub(progress);
        }
    }

    /// Registers a transfer of `bytes`; it starts moving when `start` is called
    /// (after the request latency). Returns its id.
    pub fn create(&mut self, bytes: u64, owner: O) -> TransferId {
        let id = self.next_id;
        self.next_id += 1;
        self.transfers.insert(
            id,
            Transfer {
                owner,
                remaining: bytes as u128 * NS_PER_S as u128,
                active: false,
            },
        );
        id
    }

    /// The request latency of transfer `id` has passed: it joins the shared bandwidth.
    pub fn start(&mut self, id: TransferId, now: SimTime) {
        self.advance(now);
        if let Some(t) = self.transfers.get_mut(&id)
            && !t.active
        {
            t.active = true;
            self.active += 1;
            self.generation += 1;
        }
    }

    /// Cancels every transfer whose owner matches; returns how many.
    pub fn cancel_where(&mut self, now: SimTime, pred: impl Fn(&O) -> bool) -> usize {
        self.advance(now);
        let ids: Vec<TransferId> = self
            .transfers
            .iter()
            .filter(|(_, t)| pred(&t.owner))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some(t) = self.transfers.remove(id)
                && t.active
            {
                self.active -= 1;
            }
        }
        if !ids.is_empty() {
            self.generation += 1;
        }
        ids.len()
    }

    /// When the next active transfer finishes, if any.
    pub fn next_completion(&self) -> Option<SimTime> {
        let min = self
            .transfers
            .values()
            .filter(|t| t.active)
            .map(|t| t.remaining)
            .min()?;
        let (num, den) = self.rate(self.active);
        let dt = (min * den).div_ceil(num);
        Some(SimTime(self.last_update.0.saturating_add(dt as u64)))
    }

    /// Removes and returns the owners of transfers finished by `now`, in id order.
    pub fn take_finished(&mut self, now: SimTime) -> Vec<O> {
        self.advance(now);
        let done: Vec<TransferId> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.active && t.remaining == 0)
            .map(|(id, _)| *id)
            .collect();
        let mut owners = Vec::with_capacity(done.len());
        for id in done {
            let t = self.transfers.remove(&id).expect("listed above");
            self.active -= 1;
            owners.push(t.owner);
        }
        if !owners.is_empty() {
            self.generation += 1;
        }
        owners
    }

    /// Transfers registered and not finished.
    pub fn in_flight(&self) -> usize {
        self.transfers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_transfer_takes_bytes_over_bandwidth() {
        // 1 MB at 100 MB/s = 10 ms exactly.
        let mut s: Storage<u32> = Storage::new(100_000_000, None);
        let id = s.create(1_000_000, 7);
        s.start(id, SimTime(5));
        assert_eq!(s.next_completion(), Some(SimTime(5 + 10_000_000)));
        assert!(s.take_finished(SimTime(5 + 9_999_999)).is_empty());
        assert_eq!(s.take_finished(SimTime(5 + 10_000_000)), vec![7]);
    }

    #[test]
    fn concurrent_transfers_share_bandwidth() {
        // Two 1 MB transfers at 100 MB/s together take 20 ms; a third that
        // starts when the first two are half done (10 ms) slows them down.
        let mut s: Storage<u32> = Storage::new(100_000_000, None);
        let a = s.create(1_000_000, 1);
        let b = s.create(1_000_000, 2);
        s.start(a, SimTime(0));
        s.start(b, SimTime(0));
        assert_eq!(s.next_completion(), Some(SimTime(20_000_000)));
        let c = s.create(500_000, 3);
        s.start(c, SimTime(10_000_000));
        // Each has 0.5 MB left, three share 100 MB/s: 15 ms more.
        assert_eq!(s.next_completion(), Some(SimTime(25_000_000)));
        assert_eq!(s.take_finished(SimTime(25_000_000)), vec![1, 2, 3]);
    }

    #[test]
    fn client_cap_limits_a_lone_transfer() {
        let mut s: Storage<u32> = Storage::new(100_000_000, Some(10_000_000));
        let a = s.create(1_000_000, 1);
        s.start(a, SimTime(0));
        assert_eq!(s.next_completion(), Some(SimTime(100_000_000)));
        assert_eq!(s.cancel_where(SimTime(1), |o| *o == 1), 1);
        assert_eq!(s.next_completion(), None);
    }
}
