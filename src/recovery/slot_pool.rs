//! The slots the job holds (Flink's slot pool at the JobMaster, with its
//! default slot selection): where each slot-sharing slot lives, which slots
//! are free, and the slot requests waiting for one.
//!
//! With slot sharing, slot-sharing slot i holds subtask i of every vertex and
//! moves as a whole. At the start it takes slot i mod slots-per-taskmanager
//! of TaskManager i / slots-per-taskmanager; the slots left over are free, and
//! whole TaskManagers may be idle spares. When a TaskManager is declared
//! lost, its slot-sharing slots request new slots. Requests are served in the
//! order they were made, each by the free slot with the lowest TaskManager
//! index and then the lowest slot index on a TaskManager the caller deems
//! usable (Flink's default selection fills TaskManagers in order). A slot is
//! only ever given up with its TaskManager: tasks restarted after a plain task
//! failure keep theirs.
//!
//! Pure data: no events, no time, no TaskManager state (the caller says which
//! TaskManagers are usable). Who starts new TaskManagers is the resource
//! manager's business (`resource_manager`).

use std::collections::VecDeque;

/// Slot-sharing slot index (the subtask index its tasks share).
pub(crate) type SharingSlot = u32;

/// The job's slots: placement, free slots, waiting requests.
#[derive(Clone, Debug)]
pub(crate) struct SlotPool {
    /// Per TaskManager position, per slot: the slot-sharing slot it holds.
    held: Vec<Vec<Option<SharingSlot>>>,
    /// Per slot-sharing slot: its (TaskManager, slot), `None` while its request waits.
    at: Vec<Option<(u32, u32)>>,
    /// Slot-sharing slots waiting for a slot, in the order they asked.
    waiting: VecDeque<SharingSlot>,
}

impl SlotPool {
    /// `taskmanagers` × `slots_per_tm` slots, slot-sharing slot i in slot i
    /// (TaskManager i / slots_per_tm) for i below `sharing_slots`, the rest free.
    pub fn new(taskmanagers: u32, slots_per_tm: u32, sharing_slots: u32) -> Self {
        let spt = slots_per_tm.max(1);
        assert!(
            sharing_slots <= taskmanagers * spt,
            "validation guarantees enough slots"
        );
        let mut held = vec![vec![None; spt as usize]; taskmanagers as usize];
        let at = (0..sharing_slots)
            .map(|g| {
                let (tm, slot) = (g / spt, g % spt);
                held[tm as usize][slot as usize] = Some(g);
                Some((tm, slot))
            })
            .collect();
        SlotPool {
            held,
            at,
            waiting: VecDeque::new(),
        }
    }

    /// The TaskManager holding slot-sharing slot `g`, `None` while it waits for a slot.
    pub fn taskmanager_of(&self, g: SharingSlot) -> Option<u32> {
        self.at.get(g as usize).copied().flatten().map(|(tm, _)| tm)
    }

    /// Slot requests waiting for a free slot.
    pub fn waiting(&self) -> u32 {
        self.waiting.len() as u32
    }

    /// Slots per TaskManager.
    fn slots_per_tm(&self) -> u32 {
        self.held.first().map_or(1, |s| s.len() as u32)
    }

    /// TaskManager `tm`'s slots are gone: its slot-sharing slots ask for new
    /// ones, in slot order, behind the requests already waiting.
    pub fn release(&mut self, tm: u32) {
        for slot in self.held[tm as usize].iter_mut() {
            if let Some(g) = slot.take() {
                self.at[g as usize] = None;
                self.waiting.push_back(g);
            }
        }
    }

    /// Serves waiting requests, oldest first, from the free slots of the
    /// TaskManagers `usable` accepts, lowest TaskManager and slot first.
    /// Returns the moves made: (slot-sharing slot, its new TaskManager).
    pub fn place(&mut self, usable: impl Fn(u32) -> bool) -> Vec<(SharingSlot, u32)> {
        let mut moves = Vec::new();
        while let Some(&g) = self.waiting.front() {
            let Some((tm, slot)) = self.free_slot(&usable) else {
                break;
            };
            self.waiting.pop_front();
            self.held[tm as usize][slot as usize] = Some(g);
            self.at[g as usize] = Some((tm, slot));
            moves.push((g, tm));
        }
        moves
    }

    /// The first free slot (lowest TaskManager, then slot) on a usable TaskManager.
    fn free_slot(&self, usable: &impl Fn(u32) -> bool) -> Option<(u32, u32)> {
        (self.held.iter().enumerate())
            .filter(|&(tm, _)| usable(tm as u32))
            .find_map(|(tm, slots)| {
                let slot = slots.iter().position(Option::is_none)?;
                Some((tm as u32, slot as u32))
            })
    }

    /// TaskManagers the waiting requests need beyond the `starting` ones already
    /// on their way: one per TaskManager's worth of missing slots.
    pub fn taskmanagers_missing(&self, starting: u32) -> u32 {
        self.waiting()
            .div_ceil(self.slots_per_tm())
            .saturating_sub(starting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_sharing_slots_start_in_order_and_leave_the_rest_free() {
        // 3 TaskManagers × 2 slots, parallelism 3: slots 0, 1 on tm 0, slot 2 on tm 1.
        let pool = SlotPool::new(3, 2, 3);
        let tms: Vec<_> = (0..3).map(|g| pool.taskmanager_of(g)).collect();
        assert_eq!(tms, [Some(0), Some(0), Some(1)]);
        assert_eq!(pool.waiting(), 0);
    }

    #[test]
    fn requests_are_served_oldest_first_lowest_taskmanager_and_slot_first() {
        // 4 TaskManagers × 2 slots, parallelism 5: tm 0 {0, 1}, tm 1 {2, 3}, tm 2 {4, free},
        // tm 3 free. tm 0 is lost: 0 then 1 ask; the lowest free slot is tm 2 slot 1, then
        // tm 3 slot 0 (tm 1 is full).
        let mut pool = SlotPool::new(4, 2, 5);
        pool.release(0);
        assert_eq!(pool.taskmanager_of(0), None);
        assert_eq!(pool.waiting(), 2);
        let all = |_: u32| true;
        assert_eq!(pool.place(|tm| tm != 0), [(0, 2), (1, 3)]);
        assert_eq!(pool.waiting(), 0);
        // tm 2 is lost: 4 then 0 ask (slot order on tm 2); tm 3's other slot takes 4, and
        // tm 0 (empty since it was lost) is not usable, so 0 waits.
        pool.release(2);
        assert_eq!(pool.place(|tm| tm != 0 && tm != 2), [(4, 3)]);
        assert_eq!(pool.taskmanager_of(0), None);
        // A TaskManager at position 0 registers: the waiting request takes its first slot.
        assert_eq!(pool.place(all), [(0, 0)]);
        assert_eq!(pool.taskmanager_of(0), Some(0));
    }

    #[test]
    fn unusable_taskmanagers_give_no_slots() {
        // 2 × 1, parallelism 1: the spare tm 1 is dead (not usable): the request waits.
        let mut pool = SlotPool::new(2, 1, 1);
        pool.release(0);
        assert!(pool.place(|tm| tm != 0 && tm != 1).is_empty());
        assert_eq!(pool.waiting(), 1);
    }

    #[test]
    fn one_taskmanager_per_taskmanagers_worth_of_missing_slots() {
        // 2 × 3, parallelism 6: tm 0 lost, 3 requests wait: one TaskManager's worth.
        let mut pool = SlotPool::new(2, 3, 6);
        pool.release(0);
        assert_eq!(pool.taskmanagers_missing(0), 1);
        assert_eq!(pool.taskmanagers_missing(1), 0);
        // Both lost: 6 waiting, 2 TaskManagers, one of them already starting.
        pool.release(1);
        assert_eq!(pool.taskmanagers_missing(1), 1);
    }
}
