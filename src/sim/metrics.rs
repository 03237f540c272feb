//! Run-wide figures kept as the run goes, in constant memory: pods per lifecycle state,
//! time integrals of requested and allocatable resources, pod running time, and a
//! histogram of how long pods waited to be scheduled.

use crate::cluster::Cluster;
use crate::engine::time::{SimDuration, SimTime};

/// Where a pod is in its life, as the columns of timeseries.csv count it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lifecycle {
    /// Terminal, or gone.
    #[default]
    None,
    /// Created, not yet bound to a node.
    Unbound,
    /// Bound, containers not yet running.
    Starting,
    Running,
    /// Being deleted, not yet terminal.
    Terminating,
}

/// A histogram of non-negative millisecond values with about 0.2 % relative error:
/// exact below 1024 ms, then 512 buckets per power of two. Its size does not depend on how
/// many values it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    /// The largest value recorded in each bucket: quantiles report real values.
    largest: Vec<u64>,
    total: u64,
    max: u64,
}

const EXACT: u64 = 1024;
const SUB: u64 = 512;

impl Histogram {
    fn bucket(v: u64) -> usize {
        if v < EXACT {
            return v as usize;
        }
        let e = 63 - u64::from(v.leading_zeros()); // floor(log2 v) >= 10
        let shift = e - 9;
        let mantissa = v >> shift; // in [512, 1024)
        (EXACT + (e - 10) * SUB + (mantissa - SUB)) as usize
    }

    /// The smallest value of a bucket.
    #[cfg(test)]
    fn lower(b: usize) -> u64 {
        let b = b as u64;
        if b < EXACT {
            return b;
        }
        let e = (b - EXACT) / SUB + 10;
        let mantissa = (b - EXACT) % SUB + SUB;
        mantissa << (e - 9)
    }

    pub fn record(&mut self, v: u64) {
        let b = Self::bucket(v);
        if self.counts.len() <= b {
            self.counts.resize(b + 1, 0);
            self.largest.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.largest[b] = self.largest[b].max(v);
        self.total += 1;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0..=1): the largest value recorded in the bucket
    /// holding it (exact below 1024 ms and whenever the bucket holds one value).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return self.largest[b];
            }
        }
        self.max
    }
}

/// Running totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Pods per [`Lifecycle`] state (index = state as usize).
    pub pods: [i64; 5],
    /// Time from creation to binding, per pod bound.
    pub pending: Histogram,
    /// Milliseconds pods spent from start to termination, summed (pod-time).
    pub pod_running_ms: u128,
    /// ∫ requested CPU dt (millicores × ms) and ∫ allocatable CPU dt.
    pub cpu_requested_area: u128,
    pub cpu_allocatable_area: u128,
    /// ∫ requested / allocatable memory dt (bytes × ms).
    pub memory_requested_area: u128,
    pub memory_allocatable_area: u128,
    /// Integrated up to here.
    pub integrated_to: SimTime,
    pub peak_nodes: usize,
    pub node_failures: u64,
    pub pods_evicted: u64,
}

impl Metrics {
    pub fn count(&self, state: Lifecycle) -> i64 {
        self.pods[state as usize]
    }

    pub fn moved(&mut self, from: Lifecycle, to: Lifecycle) {
        if from != to {
            self.pods[from as usize] -= 1;
            self.pods[to as usize] += 1;
        }
    }

    /// Integrates the cluster's requested and allocatable resources up to `now`.
    pub fn advance(&mut self, cluster: &Cluster, now: SimTime) {
        let dt = u128::from(now.saturating_since(self.integrated_to).as_millis());
        if dt > 0 {
            let t = &cluster.totals;
            self.cpu_requested_area += t.cpu_requested.max(0) as u128 * dt;
            self.cpu_allocatable_area += t.cpu_allocatable.max(0) as u128 * dt;
            self.memory_requested_area += t.memory_requested.max(0) as u128 * dt;
            self.memory_allocatable_area += t.memory_allocatable.max(0) as u128 * dt;
            self.integrated_to = now;
        }
        self.peak_nodes = self.peak_nodes.max(cluster.live_nodes());
    }

    /// Takes back the integration beyond `end`, during which the cluster was as it is now.
    pub fn rewind(&mut self, cluster: &Cluster, end: SimTime) {
        let over = u128::from(self.integrated_to.saturating_since(end).as_millis());
        if over > 0 {
            let t = &cluster.totals;
            self.cpu_requested_area -= t.cpu_requested.max(0) as u128 * over;
            self.cpu_allocatable_area -= t.cpu_allocatable.max(0) as u128 * over;
            self.memory_requested_area -= t.memory_requested.max(0) as u128 * over;
            self.memory_allocatable_area -= t.memory_allocatable.max(0) as u128 * over;
            self.integrated_to = end;
        }
    }

    /// Time-averaged requested / allocatable CPU and memory.
    pub fn utilization(&self) -> (f64, f64) {
        let ratio = |a: u128, b: u128| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        (
            ratio(self.cpu_requested_area, self.cpu_allocatable_area),
            ratio(self.memory_requested_area, self.memory_allocatable_area),
        )
    }

    pub fn add_running(&mut self, d: SimDuration) {
        self.pod_running_ms += u128::from(d.as_millis());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_below_1024_and_within_0_2_percent_above() {
        for v in [0u64, 1, 999, 1023] {
            assert_eq!(Histogram::lower(Histogram::bucket(v)), v);
        }
        for v in [1024u64, 1500, 65_537, 3_600_000, 86_400_000_000] {
            let lo = Histogram::lower(Histogram::bucket(v));
            assert!(lo <= v && (v - lo) as f64 / v as f64 <= 0.002, "{v}: {lo}");
            assert_eq!(Histogram::bucket(lo), Histogram::bucket(v));
        }
    }

    #[test]
    fn quantiles_of_a_uniform_run() {
        let mut h = Histogram::default();
        for v in 1..=1000 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), 500);
        assert_eq!(h.quantile(0.95), 950);
        assert_eq!(h.quantile(1.0), 1000);
        assert_eq!(h.max(), 1000);
        assert_eq!(h.count(), 1000);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }

    #[test]
    fn round_values_come_back_exactly() {
        let mut h = Histogram::default();
        for _ in 0..3 {
            h.record(100_000);
        }
        h.record(700_000);
        assert_eq!(h.quantile(0.5), 100_000);
        assert_eq!(h.quantile(1.0), 700_000);
    }
}
