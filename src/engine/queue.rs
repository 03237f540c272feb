//! The future-event list: one priority queue ordered by (time, insertion sequence).
//!
//! Events that fall on the same millisecond come out in the order they were scheduled
//! (FIFO). Together with integer time this makes the order of every run a pure function
//! of its inputs: no wall clock, hash order or thread schedule can change it.
//!
//! Most events are scheduled a fixed delay after `now` (a pod's start-up, the Job
//! controller's 1 s batch, work for the current instant): pushed in time order, they need
//! no heap. Such a caller names a [`Lane`], a FIFO that takes the event while its times do
//! not decrease (and hands it to the heap when they would); a pop takes the smallest
//! (time, sequence) of the heap's top and the lanes' heads. The order of pops is exactly
//! that of a single heap.
//!
//! Cancelling is lazy: a handler that wants to drop a scheduled event bumps a generation
//! counter on the object the event refers to, and the event is ignored when it pops (see
//! `sim::world`). This keeps the heap and the lanes free of back-pointers.

use std::collections::VecDeque;

use super::time::SimTime;

/// One scheduled event.
#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// (time, sequence) as one number: `a` comes before `b` iff `a.key() < b.key()`. One
    /// 128-bit comparison instead of a branch on the time and then the sequence.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time.as_millis()) << 64) | u128::from(self.seq)
    }
}

/// Children per node of the heap. A 4-ary heap is half as deep as a binary one, and the
/// four children of a node sit next to each other in memory: popping, the most frequent
/// operation of the run loop, touches fewer cache lines.
const ARITY: usize = 4;

/// Number of lanes.
pub const LANES: usize = 3;

/// A FIFO for events that are usually pushed in time order (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane(pub u8);

/// A deterministic priority queue of events of type `E`: an implicit 4-ary min-heap on
/// (time, sequence), beside [`LANES`] FIFOs of events pushed in time order.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    /// Each sorted by (time, sequence): times never decrease from front to back, and
    /// sequence numbers grow with every push.
    lanes: [VecDeque<Entry<E>>; LANES],
    len: usize,
    next_seq: u64,
    peak_len: usize,
}

/// Where the earliest event is.
#[derive(Clone, Copy, Debug)]
enum Head {
    Heap,
    Lane(usize),
}

/// The earliest event, as found by [`EventQueue::peek`]: pass it to
/// [`EventQueue::pop_peeked`] to take that event without looking for it again.
#[derive(Clone, Copy, Debug)]
pub struct Peeked {
    head: Head,
    key: u128,
    /// (pushes, length) when peeked: any push or pop since changes it.
    stamp: (u64, usize),
}

impl Peeked {
    /// When the event is due.
    pub fn time(&self) -> SimTime {
        SimTime::from_millis((self.key >> 64) as u64)
    }
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
            lanes: std::array::from_fn(|_| VecDeque::new()),
            len: 0,
            next_seq: 0,
            peak_len: 0,
        }
    }

    /// Schedules `event` at `time`. Events at equal times pop in the order they were pushed.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        self.heap_push(entry);
    }

    /// Schedules `event` at `time` through `lane`: the same order as [`EventQueue::push`],
    /// cheaper when the lane's pushes come in time order.
    #[inline]
    pub fn push_in_lane(&mut self, lane: Lane, time: SimTime, event: E) {
        let entry = self.entry(time, event);
        let fifo = &mut self.lanes[usize::from(lane.0)];
        if fifo.back().is_none_or(|last| last.time <= time) {
            fifo.push_back(entry);
        } else {
            self.heap_push(entry);
        }
    }

    #[inline]
    fn entry(&mut self, time: SimTime, event: E) -> Entry<E> {
        let seq = self.next_seq;
        // 2^64 insertions cannot happen within any event or time limit; the assert documents
        // that sequence numbers never wrap, which FIFO order depends on.
        debug_assert_ne!(seq, u64::MAX);
        self.next_seq += 1;
        self.len += 1;
        if self.len > self.peak_len {
            self.peak_len = self.len;
        }
        Entry { time, seq, event }
    }

    #[inline]
    fn heap_push(&mut self, entry: Entry<E>) {
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1, entry);
    }

    /// Where the earliest event is, and its key.
    #[inline]
    fn head(&self) -> Option<(Head, u128)> {
        let mut best = self.heap.first().map(|e| (Head::Heap, e.key()));
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front() {
                let k = e.key();
                if best.is_none_or(|(_, b)| k < b) {
                    best = Some((Head::Lane(i), k));
                }
            }
        }
        best
    }

    /// The earliest event, if any.
    #[inline]
    pub fn peek(&self) -> Option<Peeked> {
        self.head().map(|(head, key)| Peeked {
            head,
            key,
            stamp: (self.next_seq, self.len),
        })
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let peeked = self.peek()?;
        Some((peeked.time(), self.pop_peeked(peeked)))
    }

    /// Removes and returns the event `peeked` found. Nothing may have been pushed or
    /// popped since (checked: a push could have put an earlier event first).
    #[inline]
    pub fn pop_peeked(&mut self, peeked: Peeked) -> E {
        assert_eq!(
            peeked.stamp,
            (self.next_seq, self.len),
            "the queue changed between peek and pop"
        );
        self.len -= 1;
        let top = match peeked.head {
            Head::Lane(i) => self.lanes[i].pop_front().expect("peeked lane is empty"),
            Head::Heap => {
                let last = self.heap.pop().expect("peeked heap is empty");
                if self.heap.is_empty() {
                    last
                } else {
                    let top = self.heap[0];
                    self.sift_down(0, last);
                    top
                }
            }
        };
        debug_assert_eq!(top.key(), peeked.key, "queue changed since peek");
        top.event
    }

    // Both sifts move a hole instead of swapping: the entry being placed is held aside
    // (passed in, not read back from the slot it was just written to), each step copies
    // one entry, and the keys are unique (sequence numbers), so the order of pops is the
    // same as with any other correct heap.
    fn sift_up(&mut self, mut i: usize, moving: Entry<E>) {
        let key = moving.key();
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if key < self.heap[parent].key() {
                self.heap[i] = self.heap[parent];
                i = parent;
            } else {
                break;
            }
        }
        self.heap[i] = moving;
    }

    /// Fills the hole at `i` with `moving`: the hole first sinks to a leaf along the
    /// smaller children, without comparing them with `moving`, which then rises from there.
    /// The entry that fills the root after a pop is the heap's last one, which belongs near
    /// the bottom: it rarely rises more than a level, and the descent spends one comparison
    /// per level less than a sift-down that tests `moving` on every level, and no branch
    /// that mispredicts where it stops.
    fn sift_down(&mut self, mut i: usize, moving: Entry<E>) {
        let n = self.heap.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let best = if first + ARITY <= n {
                // Four children (the usual case). Start loading their own children now:
                // the one the descent takes next is known only after the comparisons, and
                // in a large heap (W3's thirty thousand events) its line is rarely cached.
                let grand = first * ARITY + 1;
                if grand + (ARITY - 1) * ARITY < n {
                    for j in 0..ARITY {
                        super::prefetch(&self.heap[grand + j * ARITY]);
                    }
                }
                // A tournament of three comparisons, without a loop or per-child bounds
                // checks.
                let c = &self.heap[first..first + ARITY];
                let (k0, k1, k2, k3) = (c[0].key(), c[1].key(), c[2].key(), c[3].key());
                let (a, ka) = if k1 < k0 { (1, k1) } else { (0, k0) };
                let (b, kb) = if k3 < k2 { (3, k3) } else { (2, k2) };
                first + if kb < ka { b } else { a }
            } else {
                (first..n)
                    .min_by_key(|&c| self.heap[c].key())
                    .expect("a child exists")
            };
            self.heap[i] = self.heap[best];
            i = best;
        }
        self.sift_up(i, moving);
    }

    /// The event at the top of the heap (not the lanes), if any: often the next event but
    /// one, whose data a caller may start loading while it handles the current one.
    #[inline]
    pub fn heap_top(&self) -> Option<&E> {
        self.heap.first().map(|e| &e.event)
    }

    /// The first event of `lane`, if any.
    #[inline]
    pub fn lane_front(&self, lane: Lane) -> Option<&E> {
        self.lanes[usize::from(lane.0)].front().map(|e| &e.event)
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.head()
            .map(|(_, k)| SimTime::from_millis((k >> 64) as u64))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    /// Lanes change nothing in the order of pops: random pushes spread over the heap and
    /// the lanes (in order, out of order, at equal times) pop exactly as sorted.
    #[test]
    fn lanes_pop_in_the_order_of_a_single_heap() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut x = 7u64;
        let mut now = 0u64;
        let (mut popped, mut expected) = (Vec::new(), Vec::new());
        for step in 0..30_000u64 {
            x = crate::engine::rng::mix64(x);
            if x % 5 < 3 || reference.is_empty() {
                // Lane 0: now; lane 1: a fixed delay; lane 2: out of order at times.
                let (t, lane) = match (x >> 8) % 5 {
                    0 => (now, Some(0)),
                    1 => (now + 1_000, Some(1)),
                    2 => (now + (x >> 16) % 50, Some(2)),
                    _ => (now + (x >> 16) % 5_000, None),
                };
                match lane {
                    Some(l) => q.push_in_lane(Lane(l), SimTime::from_millis(t), step),
                    None => q.push(SimTime::from_millis(t), step),
                }
                reference.push((t, step));
            } else {
                reference.sort();
                let (t, v) = reference.remove(0);
                expected.push((t, v));
                assert_eq!(q.peek_time(), Some(SimTime::from_millis(t)));
                let (pt, pv) = q.pop().unwrap();
                now = pt.as_millis();
                popped.push((pt.as_millis(), pv));
            }
            assert_eq!(q.len(), reference.len());
        }
        assert_eq!(popped, expected);
    }

    /// `heap_top` shows the heap's earliest event, whatever the lanes hold.
    #[test]
    fn heap_top_is_the_heaps_earliest_event() {
        let mut q = EventQueue::new();
        assert_eq!(q.heap_top(), None);
        q.push(SimTime::from_millis(9), 'a');
        q.push(SimTime::from_millis(7), 'b');
        q.push_in_lane(Lane(0), SimTime::from_millis(1), 'l');
        assert_eq!(q.heap_top(), Some(&'b'));
        assert_eq!(q.pop(), Some((SimTime::from_millis(1), 'l')));
        assert_eq!(q.pop(), Some((SimTime::from_millis(7), 'b')));
        assert_eq!(q.heap_top(), Some(&'a'));
    }

    #[test]
    fn lane_front_is_the_lanes_first_event() {
        let mut q = EventQueue::new();
        assert_eq!(q.lane_front(Lane(1)), None);
        q.push_in_lane(Lane(1), SimTime::from_millis(4), 'a');
        q.push_in_lane(Lane(1), SimTime::from_millis(6), 'b');
        q.push(SimTime::from_millis(1), 'h');
        assert_eq!(q.lane_front(Lane(1)), Some(&'a'));
        assert_eq!(q.lane_front(Lane(0)), None);
        q.pop();
        q.pop();
        assert_eq!(q.lane_front(Lane(1)), Some(&'b'));
    }

    #[test]
    fn pop_peeked_takes_what_peek_found() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_millis(5), 'h');
        q.push_in_lane(Lane(0), SimTime::from_millis(3), 'l');
        let p = q.peek().unwrap();
        assert_eq!(p.time(), SimTime::from_millis(3));
        assert_eq!(q.pop_peeked(p), 'l');
        let p = q.peek().unwrap();
        assert_eq!((p.time(), q.pop_peeked(p)), (SimTime::from_millis(5), 'h'));
        assert!(q.peek().is_none());
    }

    /// A push between peek and pop could put an earlier event first: popping what was
    /// peeked then would break the order, so it is refused.
    #[test]
    #[should_panic(expected = "the queue changed between peek and pop")]
    fn pop_peeked_refuses_a_stale_peek() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_millis(5), 'a');
        let p = q.peek().unwrap();
        q.push(SimTime::from_millis(1), 'b');
        q.pop_peeked(p);
    }
}
