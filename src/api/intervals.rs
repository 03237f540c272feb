//! Ordered sets of completion indexes, written the way the Job API writes them.
//!
//! `status.completedIndexes`, `status.failedIndexes` and `successPolicy.rules[].succeededIndexes`
//! are ordered interval lists: `"1,3-5,7"`. Upstream (`pkg/controller/job/indexed_job_utils.go`,
//! `orderedIntervals.String`) writes a run of three or more consecutive indexes as `a-b`, a
//! run of exactly two as `a,b`, and a single index as `a`; we do the same, so the strings in
//! jobsim's outputs compare equal to a real cluster's.
//!
//! Indexes of an Indexed Job complete in a moving window: below it almost everything is
//! done, above it nothing has started, inside it (about `parallelism` wide) completions
//! arrive in random order. The set keeps that window as a bitset, so recording a completion
//! is a bit set, and everything below it as a map from interval start to interval end. A
//! word of the window that fills up leaves it as one interval; a window that would grow
//! past `MAX_WINDOW_WORDS` (indexes that never complete hold its front) hands its front
//! words to the map. Memory follows the window and the number of gaps, never the number of
//! completions: a Job with 20,000,000 completions holds no more than one with 200,000.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// The largest window, in 64-bit words (32 KiB, 262,144 indexes).
const MAX_WINDOW_WORDS: usize = 4096;

/// An ordered set of non-negative indexes.
#[derive(Clone, Debug, Default)]
pub struct Intervals {
    /// Indexes below `base`: start -> end (inclusive); intervals never overlap or touch.
    spans: BTreeMap<u32, u32>,
    /// Indexes in `[base, base + 64 * window.len())`, one bit each (bit `k` of word `w` is
    /// index `base + 64 w + k`). Never holds a full first word.
    window: VecDeque<u64>,
    /// Start of the window; every index in `spans` is below it.
    base: u64,
    total: u64,
}

/// Why an interval list did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntervalsError {
    #[error("cannot parse integer index: {0:?}")]
    NotANumber(String),
    #[error("non-increasing order, previous: {previous}, current: {current}")]
    NotIncreasing { previous: u32, current: u32 },
    #[error("too large index: {index}, must be less than {limit}")]
    TooLarge { index: u32, limit: u32 },
    #[error("first index of interval {first} must not exceed the last {last}")]
    ReversedInterval { first: u32, last: u32 },
}

impl Intervals {
    pub fn new() -> Intervals {
        Intervals::default()
    }

    /// Number of indexes in the set.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Number of maximal intervals.
    pub fn interval_count(&self) -> usize {
        self.spans().count()
    }

    fn window_end(&self) -> u64 {
        self.base + 64 * self.window.len() as u64
    }

    pub fn contains(&self, index: u32) -> bool {
        let i = u64::from(index);
        if i < self.base {
            return match self.spans.range(..=index).next_back() {
                Some((_, &end)) => index <= end,
                None => false,
            };
        }
        if i >= self.window_end() {
            return false;
        }
        let off = i - self.base;
        self.window[(off / 64) as usize] & (1 << (off % 64)) != 0
    }

    /// Adds `index`; returns false if it was already present.
    pub fn insert(&mut self, index: u32) -> bool {
        let i = u64::from(index);
        if i < self.base {
            return self.insert_below_window(index);
        }
        if self.window.is_empty() {
            self.base = i;
        }
        let mut word = ((i - self.base) / 64) as usize;
        if word >= MAX_WINDOW_WORDS {
            self.slide(word + 1 - MAX_WINDOW_WORDS, i);
            word = ((i - self.base) / 64) as usize;
        }
        if word >= self.window.len() {
            self.window.resize(word + 1, 0);
        }
        let bit = 1u64 << ((i - self.base) % 64);
        let w = &mut self.window[word];
        if *w & bit != 0 {
            return false;
        }
        *w |= bit;
        self.total += 1;
        // A full first word leaves the window as one interval.
        while self.window.front() == Some(&u64::MAX) {
            self.window.pop_front();
            self.push_span(self.base as u32, (self.base + 63) as u32);
            self.base += 64;
        }
        true
    }

    /// Moves the first `words` words of the window into `spans` (all of them, and the
    /// window restarts at `next`, when there are fewer).
    fn slide(&mut self, words: usize, next: u64) {
        let n = words.min(self.window.len());
        for _ in 0..n {
            let w = self.window.pop_front().unwrap_or(0);
            for (s, e) in word_runs(w) {
                self.push_span((self.base + s) as u32, (self.base + e) as u32);
            }
            self.base += 64;
        }
        if self.window.is_empty() {
            self.base = self.base.max(next);
        }
    }

    /// Appends `[first, last]` after every interval of `spans`.
    fn push_span(&mut self, first: u32, last: u32) {
        if let Some(mut e) = self.spans.last_entry()
            && first > 0
            && *e.get() == first - 1
        {
            *e.get_mut() = last;
        } else {
            self.spans.insert(first, last);
        }
    }

    /// [`Intervals::insert`] below the window, into `spans`. One search finds both
    /// neighbours (the last span starting at or before `index + 1`, and the one before it);
    /// at most two more map operations make the change.
    fn insert_below_window(&mut self, index: u32) -> bool {
        let mut it = self.spans.range_mut(..=index.saturating_add(1));
        let Some((&s1, e1)) = it.next_back() else {
            self.spans.insert(index, index);
            self.total += 1;
            return true;
        };
        if s1 <= index {
            // The span at or before `index`; no span starts at `index + 1`.
            if *e1 >= index {
                return false;
            }
            if *e1 + 1 == index {
                *e1 = index;
            } else {
                self.spans.insert(index, index);
            }
            self.total += 1;
            return true;
        }
        // A span starts at `index + 1` (so `index + 1` did not overflow); the one before,
        // if any, ends before `index + 1`.
        let right_end = *e1;
        if let Some((_, e0)) = it.next_back() {
            if *e0 >= index {
                return false;
            }
            if *e0 + 1 == index {
                // Joins the span on its left and the one on its right.
                *e0 = right_end;
                self.spans.remove(&s1);
                self.total += 1;
                return true;
            }
        }
        self.spans.remove(&s1);
        self.spans.insert(index, right_end);
        self.total += 1;
        true
    }

    /// Adds the closed interval `[first, last]`.
    pub fn insert_range(&mut self, first: u32, last: u32) {
        // Ranges in inputs are short (scenario scripts, success policies); inserting one by one
        // keeps a single merging code path.
        for i in first..=last {
            self.insert(i);
        }
    }

    /// Removes every index `>= limit` (elastic Indexed Jobs shrinking their completions).
    pub fn truncate(&mut self, limit: u32) {
        let limit64 = u64::from(limit);
        if limit64 <= self.base {
            let dropped: u64 = self.window.iter().map(|w| u64::from(w.count_ones())).sum();
            self.total -= dropped;
            self.window.clear();
        } else if limit64 < self.window_end() {
            let off = limit64 - self.base;
            let keep = (off / 64) as usize;
            let partial = off % 64;
            let mut dropped: u64 = self
                .window
                .iter()
                .skip(keep)
                .map(|w| u64::from(w.count_ones()))
                .sum();
            self.window.truncate(keep + usize::from(partial > 0));
            if partial > 0 {
                let w = &mut self.window[keep];
                let kept = *w & ((1u64 << partial) - 1);
                dropped -= u64::from(kept.count_ones());
                *w = kept;
            }
            self.total -= dropped;
        }
        let tail: Vec<u32> = self.spans.range(limit..).map(|(&s, _)| s).collect();
        for s in tail {
            if let Some(e) = self.spans.remove(&s) {
                self.total -= u64::from(e - s) + 1;
            }
        }
        if let Some((&s, end)) = self.spans.range_mut(..limit).next_back()
            && *end >= limit
        {
            self.total -= u64::from(*end - limit) + 1;
            *end = limit - 1;
            debug_assert!(s <= *end);
        }
    }

    /// Iterates the maximal intervals as `(first, last)`, in increasing order.
    pub fn spans(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let below = self.spans.iter().map(|(&s, &e)| (s, e));
        let base = self.base;
        let window = self.window.iter().enumerate().flat_map(move |(k, &w)| {
            let start = base + 64 * k as u64;
            word_runs(w).map(move |(s, e)| ((start + s) as u32, (start + e) as u32))
        });
        Coalesce {
            inner: below.chain(window),
            pending: None,
        }
    }

    /// Iterates every index in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.spans().flat_map(|(s, e)| s..=e)
    }

    /// How many indexes of `[first, last]` the set holds.
    fn count_in(&self, first: u32, last: u32) -> u64 {
        let mut n = 0u64;
        if let Some((&s, &e)) = self.spans.range(..=first).next_back()
            && e >= first
        {
            n += u64::from(e.min(last) - s.max(first)) + 1;
        }
        if first < last {
            for (&s, &e) in self.spans.range(first + 1..=last) {
                n += u64::from(e.min(last) - s) + 1;
            }
        }
        let (lo, hi) = (
            u64::from(first).max(self.base),
            u64::from(last).min(self.window_end().saturating_sub(1)),
        );
        if !self.window.is_empty() && lo <= hi {
            let (lo, hi) = (lo - self.base, hi - self.base);
            for word in lo / 64..=hi / 64 {
                let mut w = self.window[word as usize];
                if word == lo / 64 {
                    w &= u64::MAX << (lo % 64);
                }
                if word == hi / 64 && hi % 64 < 63 {
                    w &= (1u64 << (hi % 64 + 1)) - 1;
                }
                n += u64::from(w.count_ones());
            }
        }
        n
    }

    /// How many indexes both sets hold. Walks the intervals of `self` (call it on the
    /// smaller set, such as a success policy's `succeededIndexes`).
    pub fn intersection_count(&self, other: &Intervals) -> u64 {
        self.spans().map(|(s, e)| other.count_in(s, e)).sum()
    }

    /// Whether every index of `other` is in `self`.
    pub fn contains_all(&self, other: &Intervals) -> bool {
        other.intersection_count(self) == other.total
    }

    /// Parses the API's interval syntax ("1,3-5,7"), as upstream's `parseIndexesFromString`
    /// and successPolicy validation do: intervals in strictly increasing order, each index
    /// below `limit`. The empty string is the empty set.
    pub fn parse(text: &str, limit: u32) -> Result<Intervals, IntervalsError> {
        let mut set = Intervals::new();
        if text.is_empty() {
            return Ok(set);
        }
        let mut previous: Option<u32> = None;
        for part in text.split(',') {
            let (first, last) = match part.split_once('-') {
                Some((a, b)) => (parse_index(a)?, parse_index(b)?),
                None => {
                    let i = parse_index(part)?;
                    (i, i)
                }
            };
            if first > last {
                return Err(IntervalsError::ReversedInterval { first, last });
            }
            if let Some(p) = previous
                && first <= p
            {
                return Err(IntervalsError::NotIncreasing {
                    previous: p,
                    current: first,
                });
            }
            if last >= limit {
                return Err(IntervalsError::TooLarge { index: last, limit });
            }
            // Increasing intervals go straight to the map; the window starts above them.
            set.push_span(first, last);
            set.total += u64::from(last - first) + 1;
            set.base = u64::from(last) + 1;
            previous = Some(last);
        }
        Ok(set)
    }
}

impl PartialEq for Intervals {
    /// Equal sets, however they are laid out.
    fn eq(&self, other: &Intervals) -> bool {
        self.total == other.total && self.spans().eq(other.spans())
    }
}

impl Eq for Intervals {}

/// The maximal runs of set bits of `w`, as bit positions `(first, last)`.
fn word_runs(mut w: u64) -> impl Iterator<Item = (u64, u64)> {
    let mut offset = 0u64;
    std::iter::from_fn(move || {
        if w == 0 {
            return None;
        }
        let skip = u64::from(w.trailing_zeros());
        w >>= skip;
        offset += skip;
        let len = u64::from((!w).trailing_zeros());
        let run = (offset, offset + len - 1);
        w = if len >= 64 { 0 } else { w >> len };
        offset += len;
        Some(run)
    })
}

/// Joins runs of a sorted, disjoint sequence of intervals that touch.
struct Coalesce<I> {
    inner: I,
    pending: Option<(u32, u32)>,
}

impl<I: Iterator<Item = (u32, u32)>> Iterator for Coalesce<I> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        let (s, mut e) = self.pending.take().or_else(|| self.inner.next())?;
        for (s2, e2) in self.inner.by_ref() {
            if u64::from(e) + 1 == u64::from(s2) {
                e = e2;
            } else {
                self.pending = Some((s2, e2));
                break;
            }
        }
        Some((s, e))
    }
}

fn parse_index(text: &str) -> Result<u32, IntervalsError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IntervalsError::NotANumber(text.to_string()));
    }
    text.parse::<u32>()
        .map_err(|_| IntervalsError::NotANumber(text.to_string()))
}

impl fmt::Display for Intervals {
    /// `"1,3-5,7"`; a run of two is written `"a,b"` as upstream does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (s, e) in self.spans() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            match e - s {
                0 => write!(f, "{s}")?,
                1 => write!(f, "{s},{e}")?,
                _ => write!(f, "{s}-{e}")?,
            }
        }
        Ok(())
    }
}

impl FromIterator<u32> for Intervals {
    fn from_iter<T: IntoIterator<Item = u32>>(iter: T) -> Self {
        let mut set = Intervals::new();
        for i in iter {
            set.insert(i);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(xs: &[u32]) -> Intervals {
        xs.iter().copied().collect()
    }

    #[test]
    fn inserts_agree_with_a_plain_set() {
        // Pseudo-random inserts into a small range exercise every merge case.
        let mut x = 12345u64;
        let mut ints = Intervals::default();
        let mut plain = std::collections::BTreeSet::new();
        for _ in 0..5000 {
            x = crate::engine::rng::mix64(x);
            let i = (x % 400) as u32;
            assert_eq!(ints.insert(i), plain.insert(i), "insert {i}");
            assert_eq!(ints.total(), plain.len() as u64);
        }
        assert_eq!(
            ints.iter().collect::<Vec<_>>(),
            plain.into_iter().collect::<Vec<_>>()
        );
        // Maximal spans: no two touch.
        let spans: Vec<_> = ints.spans().collect();
        assert!(spans.windows(2).all(|w| w[0].1 + 1 < w[1].0));
    }

    #[test]
    fn inserts_at_the_top_of_the_range() {
        let mut ints = Intervals::default();
        assert!(ints.insert(u32::MAX));
        assert!(!ints.insert(u32::MAX));
        assert!(ints.insert(u32::MAX - 2));
        assert!(ints.insert(u32::MAX - 1));
        assert_eq!(
            ints.spans().collect::<Vec<_>>(),
            vec![(u32::MAX - 2, u32::MAX)]
        );
        assert_eq!(ints.total(), 3);
    }

    // Cases from upstream indexed_job_utils_test.go (TestCalculateSucceededIndexes and the
    // String() expectations used throughout job_controller_test.go).
    #[test]
    fn formats_like_upstream() {
        assert_eq!(set(&[]).to_string(), "");
        assert_eq!(set(&[0, 1, 2]).to_string(), "0-2");
        assert_eq!(set(&[0, 1]).to_string(), "0,1");
        assert_eq!(set(&[1, 3, 5, 7, 9]).to_string(), "1,3,5,7,9");
        assert_eq!(set(&[2, 4, 5, 7, 8, 9]).to_string(), "2,4,5,7-9");
        assert_eq!(set(&[9, 8, 7, 5, 4, 2]).to_string(), "2,4,5,7-9");
    }

    #[test]
    fn insert_merges_neighbours_and_counts() {
        let mut s = set(&[1, 3]);
        assert!(s.insert(2));
        assert!(!s.insert(2));
        assert_eq!(s.to_string(), "1-3");
        assert_eq!(s.interval_count(), 1);
        assert_eq!(s.total(), 3);
        assert!(s.contains(3) && !s.contains(0) && !s.contains(4));
    }

    #[test]
    fn parse_round_trips_and_rejects_bad_input() {
        let s = Intervals::parse("1,3-5,7", 10).unwrap();
        assert_eq!(s.total(), 5);
        assert_eq!(s.to_string(), "1,3-5,7");
        assert_eq!(Intervals::parse("", 10).unwrap().total(), 0);
        assert_eq!(
            Intervals::parse("3,1", 10),
            Err(IntervalsError::NotIncreasing {
                previous: 3,
                current: 1
            })
        );
        assert_eq!(
            Intervals::parse("1-10", 10),
            Err(IntervalsError::TooLarge {
                index: 10,
                limit: 10
            })
        );
        assert!(matches!(
            Intervals::parse("a", 10),
            Err(IntervalsError::NotANumber(_))
        ));
        assert!(matches!(
            Intervals::parse("1,,2", 10),
            Err(IntervalsError::NotANumber(_))
        ));
        assert!(matches!(
            Intervals::parse("5-2", 10),
            Err(IntervalsError::ReversedInterval { .. })
        ));
        assert!(Intervals::parse("-1", 10).is_err());
    }

    #[test]
    fn intersection_with_single_index_intervals() {
        let a = Intervals::parse("0,2,4", 10).unwrap();
        let b = Intervals::parse("2-4", 10).unwrap();
        assert_eq!(a.intersection_count(&b), 2);
        assert_eq!(b.intersection_count(&a), 2);
        assert_eq!(a.intersection_count(&Intervals::parse("9", 10).unwrap()), 0);
    }

    #[test]
    fn intersection_and_truncate() {
        let a = Intervals::parse("0-9,20-29", 100).unwrap();
        let b = Intervals::parse("5-24", 100).unwrap();
        assert_eq!(a.intersection_count(&b), 10);
        assert_eq!(b.intersection_count(&a), 10);
        assert!(a.contains_all(&Intervals::parse("1,2,21", 100).unwrap()));
        assert!(!a.contains_all(&Intervals::parse("1,12", 100).unwrap()));
        let mut t = a.clone();
        t.truncate(25);
        assert_eq!(t.to_string(), "0-9,20-24");
        assert_eq!(t.total(), 15);
        t.truncate(5);
        assert_eq!(t.to_string(), "0-4");
        assert_eq!(t.total(), 5);
    }

    #[test]
    fn matches_a_plain_set_under_random_inserts() {
        let mut s = Intervals::new();
        let mut plain = std::collections::BTreeSet::new();
        let mut x: u64 = 12345;
        for _ in 0..5000 {
            x = crate::engine::rng::mix64(x);
            let i = (x % 300) as u32;
            assert_eq!(s.insert(i), plain.insert(i));
            assert_eq!(s.total(), plain.len() as u64);
        }
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            plain.into_iter().collect::<Vec<_>>()
        );
    }

    /// Window and map together, against a plain set: inserts spread so that the window
    /// slides (indexes that never complete), fills words, and takes indexes below it.
    #[test]
    fn window_and_map_agree_with_a_plain_set() {
        let mut x: u64 = 7;
        for spread in [300u64, 70_000, 2_000_000] {
            let mut s = Intervals::new();
            let mut plain = std::collections::BTreeSet::new();
            for step in 0..40_000u64 {
                x = crate::engine::rng::mix64(x);
                // Mostly a moving frontier, sometimes far behind or far ahead.
                let i = match x % 10 {
                    0 => (x >> 8) % spread,
                    1 => step * spread / 40_000 + (x >> 8) % 64,
                    _ => step + (x >> 8) % 500,
                } as u32;
                assert_eq!(s.insert(i), plain.insert(i), "insert {i}");
                assert_eq!(s.total(), plain.len() as u64);
                if step % 997 == 0 {
                    let probe = ((x >> 20) % (spread + 600)) as u32;
                    assert_eq!(
                        s.contains(probe),
                        plain.contains(&probe),
                        "contains {probe}"
                    );
                }
            }
            assert_eq!(
                s.iter().collect::<Vec<_>>(),
                plain.iter().copied().collect::<Vec<_>>()
            );
            let spans: Vec<_> = s.spans().collect();
            assert!(spans.windows(2).all(|w| w[0].1 + 1 < w[1].0), "not maximal");
            assert_eq!(s.interval_count(), spans.len());
            // The same set built in another order is equal, however it is laid out.
            let rebuilt: Intervals = plain.iter().rev().copied().collect();
            assert_eq!(rebuilt, s);
            let parsed = Intervals::parse(&s.to_string(), u32::MAX).unwrap();
            assert_eq!(parsed, s);
            assert_eq!(parsed.to_string(), s.to_string());
            // Counting and truncating across the map and the window.
            for (a, b) in [
                (0u32, 10u32),
                (100, 5_000),
                (1_000, 45_000),
                (0, u32::MAX - 1),
            ] {
                let want = plain.range(a..=b).count() as u64;
                let q = Intervals::parse(&format!("{a}-{b}"), u32::MAX).unwrap();
                assert_eq!(q.intersection_count(&s), want, "[{a}, {b}]");
                assert_eq!(s.intersection_count(&q), want, "[{a}, {b}] reversed");
            }
            for limit in [40_500u32, 20_123, 777, 0] {
                let mut t = s.clone();
                t.truncate(limit);
                let want: Vec<u32> = plain.range(..limit).copied().collect();
                assert_eq!(t.iter().collect::<Vec<_>>(), want, "truncate {limit}");
                assert_eq!(t.total(), want.len() as u64);
            }
        }
    }

    #[test]
    fn word_runs_cover_the_edges() {
        let runs = |w| word_runs(w).collect::<Vec<_>>();
        assert_eq!(runs(0), vec![]);
        assert_eq!(runs(u64::MAX), vec![(0, 63)]);
        assert_eq!(runs(1 << 63), vec![(63, 63)]);
        assert_eq!(runs(0b1011), vec![(0, 1), (3, 3)]);
        assert_eq!(runs(u64::MAX << 1), vec![(1, 63)]);
    }
}
