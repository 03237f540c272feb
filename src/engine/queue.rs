//! The future-event list: one priority queue ordered by (time, insertion sequence).
//!
//! Events that fall on the same millisecond come out in the order they were scheduled
//! (FIFO). Together with integer time this makes the order of every run a pure function
//! of its inputs: no wall clock, hash order or thread schedule can change it.
//!
//! Cancelling is lazy: a handler that wants to drop a scheduled event bumps a generation
//! counter on the object the event refers to, and the event is ignored when it pops (see
//! `sim::world`). This keeps the queue a plain binary heap without back-pointers.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// One scheduled event.
#[derive(Debug, Clone)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// A deterministic priority queue of events of type `E`.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    peak_len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            peak_len: 0,
        }
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
            peak_len: 0,
        }
    }

    /// Schedules `event` at `time`. Events at equal times pop in the order they were pushed.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        // 2^64 insertions cannot happen within any event or time limit; the assert documents
        // that sequence numbers never wrap, which FIFO order depends on.
        debug_assert_ne!(seq, u64::MAX);
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
        if self.heap.len() > self.peak_len {
            self.peak_len = self.heap.len();
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The largest number of events that were queued at once.
    pub fn peak_len(&self) -> usize {
        self.peak_len
    }

    /// Number of events ever pushed.
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_millis(2), 'a');
        q.push(SimTime::from_millis(1), 'x');
        q.push(SimTime::from_millis(2), 'b');
        q.push(SimTime::from_millis(2), 'c');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['x', 'a', 'b', 'c']);
    }

    #[test]
    fn times_pop_in_increasing_order() {
        let mut q = EventQueue::new();
        for t in [5u64, 3, 9, 1, 3, 7] {
            q.push(SimTime::from_millis(t), t);
        }
        let times: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(t, _)| t.as_millis())).collect();
        assert_eq!(times, vec![1, 3, 3, 5, 7, 9]);
        assert_eq!(q.peak_len(), 6);
        assert_eq!(q.pushed(), 6);
    }
}
