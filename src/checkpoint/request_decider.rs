//! Flink's CheckpointRequestDecider for the requests the simulator makes: a
//! bounded queue of periodic trigger requests while `max-concurrent`
//! checkpoints are pending, one decided whenever a checkpoint ends, and the
//! min-pause rule (a request too early is dropped and the timer restarts at
//! the end of the pause).

use crate::time::{SimDuration, SimTime};

/// Flink's `DEFAULT_MAX_QUEUED_REQUESTS`: trigger requests that may wait.
pub(crate) const MAX_QUEUED_REQUESTS: u32 = 1000;

/// What the request decider does with the first waiting request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// No request waits.
    Idle,
    /// max-concurrent checkpoints are pending: the requests keep waiting.
    Wait,
    /// Trigger a checkpoint now (the request leaves the queue).
    Trigger,
    /// The request came within min-pause of the last completion: it is
    /// dropped (`MINIMUM_TIME_BETWEEN_CHECKPOINTS`) and the periodic timer
    /// restarts at `at`, the end of the pause (Flink's `rescheduleTrigger`).
    TooEarly {
        /// The end of the pause.
        at: SimTime,
    },
}

/// Flink's CheckpointRequestDecider for the requests the simulator makes.
/// Flink orders its queue savepoints first, then forced, then non-periodic
/// requests, then by request time, and when it overflows drops the last one
/// (`TOO_MANY_CHECKPOINT_REQUESTS`). All requests here are periodic,
/// non-forced checkpoints (the final checkpoint is requested the same way),
/// so the order is arrival order, an overflow drops the newest request, and
/// only the number waiting matters.
#[derive(Clone, Debug)]
pub(crate) struct RequestDecider {
    /// `max-concurrent`.
    max_concurrent: u32,
    /// `min-pause`.
    min_pause: SimDuration,
    /// Bound of the queue.
    max_queued: u32,
    /// Requests waiting.
    pub(super) queued: u32,
}

impl RequestDecider {
    /// A decider with an empty queue of at most `max_queued` requests.
    pub fn new(max_concurrent: u32, min_pause: SimDuration, max_queued: u32) -> Self {
        RequestDecider {
            max_concurrent,
            min_pause,
            max_queued,
            queued: 0,
        }
    }

    /// A new request arrives (Flink's `chooseRequestToExecute(newRequest, ..)`):
    /// it joins the queue (or, the queue being full, is dropped), then the
    /// first waiting request is decided on.
    pub fn submit(
        &mut self,
        now: SimTime,
        pending: usize,
        last_completion: Option<SimTime>,
    ) -> Choice {
        if self.queued < self.max_queued {
            self.queued += 1;
        }
        self.choose(now, pending, last_completion)
    }

    /// A checkpoint ended: decide on the first waiting request, if any
    /// (Flink's `chooseQueuedRequestToExecute`).
    pub fn choose(
        &mut self,
        now: SimTime,
        pending: usize,
        last_completion: Option<SimTime>,
    ) -> Choice {
        if self.queued == 0 {
            return Choice::Idle;
        }
        if pending >= self.max_concurrent as usize {
            return Choice::Wait;
        }
        self.queued -= 1;
        match last_completion.map(|last| last + self.min_pause) {
            Some(at) if at > now => Choice::TooEarly { at },
            _ => Choice::Trigger,
        }
    }

    /// The scheduler stopped or restarted: every waiting request is dropped.
    pub fn clear(&mut self) {
        self.queued = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> SimTime {
        SimTime(x * 1_000_000)
    }

    /// Mirrors Flink's `CheckpointRequestDeciderTest` where it applies: the
    /// simulator's requests are periodic, non-forced checkpoints, so the
    /// savepoint, forced and user-request orderings have no counterpart, nor
    /// has `testEnqueueOnTooManyCleaning` (discarding takes no time here).
    mod checkpoint_request_decider_test {
        use super::*;

        #[test]
        fn test_enqueue_on_too_many_pending() {
            let max_pending = 1;
            let mut decider =
                RequestDecider::new(max_pending, SimDuration::from_millis(1), u32::MAX);
            let now = ms(86_400_000);
            assert_eq!(
                decider.submit(now, max_pending as usize, None),
                Choice::Wait
            );
            assert_eq!(decider.choose(now, 0, None), Choice::Trigger);
            assert_eq!(decider.choose(now, 0, None), Choice::Idle);
        }

        #[test]
        fn test_queue_size_limit() {
            let max_queued = 10;
            let mut decider = RequestDecider::new(1, SimDuration::from_millis(1), max_queued);
            // 11 requests while one checkpoint is pending: the queue holds 10,
            // max(added - 10, 0) were dropped.
            for added in 1..=max_queued + 1 {
                assert_eq!(decider.submit(ms(0), 1, None), Choice::Wait);
                assert_eq!(decider.queued, added.min(max_queued));
            }
        }

        #[test]
        fn test_checkpoint_timing() {
            // A periodic checkpoint request within min-pause (10 ms) of the last
            // completion is dropped, and the timer restarts at the end of the pause.
            let pause = SimDuration::from_millis(10);
            let mut decider = RequestDecider::new(1, pause, u32::MAX);
            let last_completion = ms(5);
            assert_eq!(
                decider.submit(ms(5), 0, Some(last_completion)),
                Choice::TooEarly { at: ms(15) }
            );
            assert_eq!(decider.queued, 0);
            assert_eq!(
                decider.submit(ms(15), 0, Some(last_completion)),
                Choice::Trigger
            );
        }
    }
}
