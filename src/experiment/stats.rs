//! Summary statistics of replicated runs.

/// Mean, standard deviation and quantiles of a sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for a single value.
    pub stddev: f64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The `q` quantile of sorted values by linear interpolation between closest ranks
/// (numpy's and pandas' default, Hyndman–Fan type 7).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = h - lo as f64;
            // Exactly on a sample: no interpolation, so an infinite neighbour (a run that
            // never finished) cannot turn a finite quantile into NaN (0 × ∞).
            if frac == 0.0 {
                sorted[lo]
            } else {
                sorted[lo] + frac * (sorted[hi] - sorted[lo])
            }
        }
    }
}

impl Stats {
    /// Statistics of `values` (NaN-free); `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Some(Stats {
            n,
            mean,
            stddev: var.sqrt(),
            min: v[0],
            p50: quantile(&v, 0.5),
            p90: quantile(&v, 0.9),
            p95: quantile(&v, 0.95),
            p99: quantile(&v, 0.99),
            max: v[n - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.5, 0.9]) == [2.5, 3.7]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.9) - 3.7).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        // Runs that never finished count as +∞: the median of [1, 2, ∞] is 2, not NaN.
        assert_eq!(quantile(&[1.0, 2.0, f64::INFINITY], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, f64::INFINITY], 0.9), f64::INFINITY);
        let s = Stats::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.min, s.max, s.mean), (1.0, 4.0, 2.5));
        assert!((s.stddev - 1.2909944487358056).abs() < 1e-12);
        assert!(Stats::of(&[]).is_none());
    }
}
