//! The future-event list: one priority queue ordered by (time, insertion sequence).
//!
//! Events that fall on the same millisecond come out in the order they were scheduled
//! (FIFO). Together with integer time this makes the order of every run a pure function
//! of its inputs: no wall clock, hash order or thread schedule can change it.
//!
//! Cancelling is lazy: a handler that wants to drop a scheduled event bumps a generation
//! counter on the object the event refers to, and the event is ignored when it pops (see
//! `sim::world`). This keeps the queue a plain binary heap without back-pointers.

use super::time::SimTime;

/// One scheduled event.
#[derive(Debug, Clone)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Whether `self` comes before `other`: earlier time, then earlier insertion.
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        // One 128-bit comparison instead of a branch on the time and then the sequence.
        self.key() < other.key()
    }

    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time.as_millis()) << 64) | u128::from(self.seq)
    }
}

/// Children per node of the heap. A 4-ary heap is half as deep as a binary one, and the
/// four children of a node sit next to each other in memory: popping, the most frequent
/// operation of the run loop, touches fewer cache lines.
const ARITY: usize = 4;

/// A deterministic priority queue of events of type `E`: an implicit 4-ary min-heap on
/// (time, sequence).
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
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
        Self::with_capacity(0)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
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
        self.sift_up(self.heap.len() - 1);
        if self.heap.len() > self.peak_len {
            self.peak_len = self.heap.len();
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some((last.time, last.event));
        }
        let top = std::mem::replace(&mut self.heap[0], last);
        self.sift_down(0);
        Some((top.time, top.event))
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[i].before(&self.heap[parent]) {
                self.heap.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.heap[c].before(&self.heap[best]) {
                    best = c;
                }
            }
            if self.heap[best].before(&self.heap[i]) {
                self.heap.swap(i, best);
                i = best;
            } else {
                break;
            }
        }
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| e.time)
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

    #[test]
    fn agrees_with_a_sort_under_mixed_pushes_and_pops() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut x = 99u64;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for step in 0..20_000u64 {
            x = crate::engine::rng::mix64(x);
            if !x.is_multiple_of(3) || reference.is_empty() {
                let t = x % 500;
                q.push(SimTime::from_millis(t), step);
                reference.push((t, step));
            } else {
                reference.sort();
                let (t, v) = reference.remove(0);
                expected.push((t, v));
                let (pt, pv) = q.pop().unwrap();
                popped.push((pt.as_millis(), pv));
            }
        }
        assert_eq!(popped, expected);
    }
}
