//! Ordered sets of completion indexes, written the way the Job API writes them.
//!
//! `status.completedIndexes`, `status.failedIndexes` and `successPolicy.rules[].succeededIndexes`
//! are ordered interval lists: `"1,3-5,7"`. Upstream (`pkg/controller/job/indexed_job_utils.go`,
//! `orderedIntervals.String`) writes a run of three or more consecutive indexes as `a-b`, a
//! run of exactly two as `a,b`, and a single index as `a`; we do the same, so the strings in
//! jobsim's outputs compare equal to a real cluster's.
//!
//! The set is a map from interval start to interval end, so inserting an index costs
//! O(log intervals) and a Job with 200,000 completions never holds one entry per index.

use std::collections::BTreeMap;
use std::fmt;

/// An ordered set of non-negative indexes stored as disjoint, non-adjacent closed intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intervals {
    /// start -> end (inclusive); intervals never overlap or touch.
    spans: BTreeMap<u32, u32>,
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
        self.spans.len()
    }

    pub fn contains(&self, index: u32) -> bool {
        match self.spans.range(..=index).next_back() {
            Some((_, &end)) => index <= end,
            None => false,
        }
    }

    /// Adds `index`; returns false if it was already present. One search finds both
    /// neighbours (the last span starting at or before `index + 1`, and the one before it);
    /// at most two more map operations make the change.
    pub fn insert(&mut self, index: u32) -> bool {
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
        self.spans.iter().map(|(&s, &e)| (s, e))
    }

    /// Iterates every index in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.spans().flat_map(|(s, e)| s..=e)
    }

    /// Number of indexes present in both sets.
    pub fn intersection_count(&self, other: &Intervals) -> u64 {
        let (small, large) = if self.spans.len() <= other.spans.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut n = 0u64;
        for (s, e) in small.spans() {
            // Intervals of `large` overlapping [s, e]: the one starting at or before s, and all
            // starting inside (s, e].
            if let Some((&ls, &le)) = large.spans.range(..=s).next_back()
                && le >= s
            {
                n += u64::from(le.min(e) - s.max(ls)) + 1;
            }
            if s < e {
                for (&ls, &le) in large.spans.range(s + 1..=e) {
                    n += u64::from(le.min(e) - ls) + 1;
                }
            }
        }
        n
    }

    /// Whether every index of `other` is in `self`.
    pub fn contains_all(&self, other: &Intervals) -> bool {
        self.intersection_count(other) == other.total
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
            // Direct insertion: the ordering check above guarantees no overlap.
            set.insert_span_after(first, last);
            previous = Some(last);
        }
        Ok(set)
    }

    /// Appends `[first, last]` which lies strictly after every present index.
    fn insert_span_after(&mut self, first: u32, last: u32) {
        if first > 0
            && let Some((_, end)) = self.spans.range_mut(..first).next_back()
            && *end + 1 == first
        {
            *end = last;
        } else {
            self.spans.insert(first, last);
        }
        self.total += u64::from(last - first) + 1;
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
}
