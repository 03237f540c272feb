//! Which completion indexes an Indexed Job still has to run.
//!
//! Upstream recomputes the pending indexes in every sync from the pod list
//! (`firstPendingIndexes` in `pkg/controller/job/indexed_job_utils.go`): the lowest indexes
//! below `completions` that are neither succeeded, nor held by an active pod (or, when only
//! failed pods are replaced, by a terminating one), nor failed (backoffLimitPerIndex).
//!
//! That costs O(active pods) per sync. jobsim keeps the same set incrementally: indexes never
//! handed out are `[cursor, completions)`; indexes handed back (their pod failed or was
//! removed without succeeding) wait in `returned`. The invariant — `returned ∪ [cursor,
//! completions)` is exactly upstream's pending set — is checked against a recomputation
//! from scratch by the tests of `sim` (see `World::check_invariants`).

use std::collections::BTreeSet;

/// Pending completion indexes of one Indexed Job.
#[derive(Clone, Debug, Default)]
pub struct IndexTracker {
    /// Every index below this one has been handed out at least once.
    cursor: u32,
    /// Indexes below `cursor` that are pending again.
    returned: BTreeSet<u32>,
}

impl IndexTracker {
    /// The `count` lowest pending indexes below `completions`, without taking them.
    #[cfg(test)]
    pub fn first_pending(&self, count: usize, completions: u32) -> Vec<u32> {
        let mut out = Vec::new();
        self.first_pending_into(&mut out, count, completions);
        out
    }

    /// The `count` lowest pending indexes below `completions`, without taking them, into
    /// `out` (cleared first).
    pub fn first_pending_into(&self, out: &mut Vec<u32>, count: usize, completions: u32) {
        out.clear();
        for &i in self.returned.iter() {
            if out.len() >= count || i >= completions {
                break;
            }
            out.push(i);
        }
        let mut next = self.cursor;
        while out.len() < count && next < completions {
            out.push(next);
            next += 1;
        }
    }

    /// Marks `index` as taken by a new pod. Indexes are taken lowest-first, as returned by
    /// [`IndexTracker::first_pending_into`].
    pub fn take(&mut self, index: u32) {
        // Every returned index is below the cursor, so a fresh one (most takes) needs no
        // search of `returned`.
        if index < self.cursor {
            let was_pending = self.returned.remove(&index);
            debug_assert!(was_pending, "index {index} taken twice");
        } else {
            // Indexes between the cursor and `index` cannot be skipped: first_pending hands
            // out fresh indexes in order.
            debug_assert_eq!(index, self.cursor);
            self.cursor = index + 1;
        }
    }

    /// Hands `index` back: its pod stopped holding it without completing it.
    pub fn give_back(&mut self, index: u32) {
        if index < self.cursor {
            self.returned.insert(index);
        }
    }

    /// Whether `index` is currently pending.
    pub fn is_pending(&self, index: u32) -> bool {
        index >= self.cursor || self.returned.contains(&index)
    }

    /// Forgets pending indexes at or above `completions` (elastic Jobs scaling down) and
    /// re-opens those between a larger `completions` and the cursor.
    pub fn resize(&mut self, completions: u32) {
        self.returned.retain(|&i| i < completions);
        if self.cursor > completions {
            self.cursor = completions;
        }
    }

    pub fn cursor(&self) -> u32 {
        self.cursor
    }

    pub fn returned_len(&self) -> usize {
        self.returned.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_indexes_are_handed_out_in_order() {
        let mut t = IndexTracker::default();
        let first = t.first_pending(3, 10);
        assert_eq!(first, vec![0, 1, 2]);
        for i in first {
            t.take(i);
        }
        assert_eq!(t.first_pending(2, 10), vec![3, 4]);
    }

    #[test]
    fn returned_indexes_come_first_lowest_first() {
        let mut t = IndexTracker::default();
        for i in t.first_pending(8, 20) {
            t.take(i);
        }
        t.give_back(6);
        t.give_back(1);
        assert_eq!(t.first_pending(4, 20), vec![1, 6, 8, 9]);
        assert!(t.is_pending(1) && !t.is_pending(2) && t.is_pending(15));
    }

    // indexed_job_utils_test.go TestFirstPendingIndexes "mixed": completions 20, active
    // {0, 3}, succeeded {2, 4, 5, 7-9}: the first 6 pending are 1, 6, 10, 11, 12, 13.
    #[test]
    fn upstream_mixed_case() {
        let mut t = IndexTracker::default();
        for i in 0..10 {
            t.take(i);
        }
        for i in [1, 6] {
            t.give_back(i);
        }
        assert_eq!(t.first_pending(6, 20), vec![1, 6, 10, 11, 12, 13]);
    }

    #[test]
    fn never_beyond_completions() {
        let mut t = IndexTracker::default();
        assert_eq!(t.first_pending(5, 3), vec![0, 1, 2]);
        for i in 0..3 {
            t.take(i);
        }
        assert!(t.first_pending(5, 3).is_empty());
        t.resize(2);
        assert_eq!(t.cursor(), 2);
    }
}
