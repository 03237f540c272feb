//! Distributions of durations (run times, latencies).
//!
//! Samples are drawn in `f64` seconds and rounded once to whole milliseconds. The log-normal
//! parameters come from the pure-Rust `libm` and the log-normal's exponential from
//! `engine::math`, so a seed gives the same milliseconds on every platform. (Inside rand_distr's ziggurat an
//! exponential only decides whether a draw in a wedge of the table is accepted; a last-bit
//! difference there would have to meet a uniform draw within one ulp of the boundary.)

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp, Normal, StandardNormal};

use crate::engine::time::SimDuration;

/// A distribution of durations.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// Always the same value.
    Fixed(SimDuration),
    /// Uniform on `[min, max]`.
    Uniform { min: SimDuration, max: SimDuration },
    /// Exponential with the given mean.
    Exponential { mean: SimDuration },
    /// Normal, truncated at zero (negative draws become 0).
    Normal {
        mean: SimDuration,
        stddev: SimDuration,
    },
    /// Log-normal given by its mean and standard deviation in linear space:
    /// σ² = ln(1 + (sd/mean)²), μ = ln(mean) − σ²/2.
    LogNormal {
        mean: SimDuration,
        stddev: SimDuration,
    },
    /// `base + step × index`: deterministic per completion index (Indexed Jobs; index 0
    /// for pods without one).
    IndexLinear {
        base: SimDuration,
        step: SimDuration,
    },
}

/// A distribution that cannot be sampled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DistributionError {
    #[error("min ({min}) must not exceed max ({max})")]
    MinAboveMax { min: SimDuration, max: SimDuration },
    #[error("mean must be greater than zero")]
    ZeroMean,
}

impl Distribution {
    pub const ZERO: Distribution = Distribution::Fixed(SimDuration::ZERO);

    /// Checks the parameters once, at input time, so that sampling cannot fail.
    pub fn validate(&self) -> Result<(), DistributionError> {
        match *self {
            Distribution::Uniform { min, max } if min > max => {
                Err(DistributionError::MinAboveMax { min, max })
            }
            Distribution::Exponential { mean } | Distribution::LogNormal { mean, .. }
                if mean.is_zero() =>
            {
                Err(DistributionError::ZeroMean)
            }
            _ => Ok(()),
        }
    }

    /// The value of a distribution that needs no random draw (Fixed, IndexLinear): lets hot
    /// paths skip creating a stream.
    pub fn deterministic(&self, index: u32) -> Option<SimDuration> {
        match *self {
            Distribution::Fixed(d) => Some(d),
            Distribution::IndexLinear { base, step } => {
                Some(base + step.saturating_mul(u64::from(index)))
            }
            _ => None,
        }
    }

    /// Whether every sample is zero (lets hot paths skip drawing).
    pub fn is_zero(&self) -> bool {
        matches!(*self, Distribution::Fixed(d) if d.is_zero())
            || matches!(*self, Distribution::IndexLinear { base, step } if base.is_zero() && step.is_zero())
    }

    /// The expected value in seconds (for reports and the planner's bounds).
    pub fn mean_secs(&self) -> f64 {
        match *self {
            Distribution::Fixed(d) => d.as_secs_f64(),
            Distribution::Uniform { min, max } => (min.as_secs_f64() + max.as_secs_f64()) / 2.0,
            Distribution::Exponential { mean }
            | Distribution::Normal { mean, .. }
            | Distribution::LogNormal { mean, .. } => mean.as_secs_f64(),
            Distribution::IndexLinear { base, .. } => base.as_secs_f64(),
        }
    }

    /// Draws one duration. `index` feeds [`Distribution::IndexLinear`].
    ///
    /// Each variant consumes a fixed number of draws from `rng` (Fixed and IndexLinear none,
    /// the others those of rand_distr), which keeps the remaining draws of an attempt
    /// stream in place whatever the run-time model.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, index: u32) -> SimDuration {
        match *self {
            Distribution::Fixed(d) => d,
            Distribution::IndexLinear { base, step } => {
                base + step.saturating_mul(u64::from(index))
            }
            Distribution::Uniform { min, max } => {
                if min == max {
                    return min;
                }
                let span = max.as_millis() - min.as_millis();
                SimDuration::from_millis(min.as_millis() + rng.random_range(0..=span))
            }
            Distribution::Exponential { mean } => {
                // Mean is validated > 0, so the rate is finite and positive.
                let exp = Exp::new(1.0 / mean.as_secs_f64()).expect("validated exponential");
                SimDuration::from_secs_f64(exp.sample(rng))
            }
            Distribution::Normal { mean, stddev } => {
                let n = Normal::new(mean.as_secs_f64(), stddev.as_secs_f64())
                    .expect("a finite, non-negative standard deviation");
                SimDuration::from_secs_f64(n.sample(rng))
            }
            Distribution::LogNormal { mean, stddev } => {
                let (mu, sigma) = lognormal_params_memo(mean, stddev);
                SimDuration::from_secs_f64(lognormal(rng, mu, sigma))
            }
        }
    }
}

/// A distribution of amounts in bytes (memory use), drawn like [`Distribution`].
#[derive(Clone, Debug, PartialEq)]
pub enum AmountDistribution {
    Fixed(i64),
    Uniform { min: i64, max: i64 },
    Normal { mean: i64, stddev: i64 },
    LogNormal { mean: i64, stddev: i64 },
}

impl AmountDistribution {
    /// Checks the parameters once, at input time.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            AmountDistribution::Fixed(v) if v < 0 => Err("amounts must not be negative".into()),
            AmountDistribution::Uniform { min, max } if min > max || min < 0 => {
                Err("uniform needs 0 <= min <= max".into())
            }
            AmountDistribution::Normal { mean, stddev }
            | AmountDistribution::LogNormal { mean, stddev }
                if mean <= 0 || stddev < 0 =>
            {
                Err("mean must be positive and stddev not negative".into())
            }
            _ => Ok(()),
        }
    }

    /// Draws one amount (negative normal draws become 0).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        let f = |x: f64| {
            if x.is_finite() && x > 0.0 {
                x.round() as i64
            } else {
                0
            }
        };
        match *self {
            AmountDistribution::Fixed(v) => v,
            AmountDistribution::Uniform { min, max } => {
                if min == max {
                    min
                } else {
                    rng.random_range(min..=max)
                }
            }
            AmountDistribution::Normal { mean, stddev } => {
                let n = Normal::new(mean as f64, stddev as f64).expect("validated normal");
                f(n.sample(rng))
            }
            AmountDistribution::LogNormal { mean, stddev } => {
                let (mu, sigma) = lognormal_params(mean as f64, stddev as f64);
                f(lognormal(rng, mu, sigma))
            }
        }
    }
}

/// `rand_distr::LogNormal::new(mu, sigma).sample(rng)`, the same draws and arithmetic, with
/// the final exponential from [`engine::math::exp`](crate::engine::math::exp): `rand_distr`
/// takes it from `num-traits`, which uses the platform's C library as soon as any crate of
/// the build enables its `std` feature (plotters' `image` does), and C libraries may round
/// `exp` differently.
fn lognormal<R: Rng + ?Sized>(rng: &mut R, mu: f64, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    crate::engine::math::exp(mu + sigma * z)
}

/// [`lognormal_params`] of durations, remembering the last answer per thread: a run samples
/// the same one or two distributions millions of times, and the logarithms are half the
/// cost of a draw. A pure function's memo, so results do not depend on it.
fn lognormal_params_memo(mean: SimDuration, stddev: SimDuration) -> (f64, f64) {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<(u64, u64, f64, f64)> = const { Cell::new((0, 0, f64::NAN, f64::NAN)) };
    }
    let key = (mean.as_millis(), stddev.as_millis());
    LAST.with(|last| {
        let (m, s, mu, sigma) = last.get();
        if (m, s) == key && !mu.is_nan() {
            return (mu, sigma);
        }
        let (mu, sigma) = lognormal_params(mean.as_secs_f64(), stddev.as_secs_f64());
        last.set((key.0, key.1, mu, sigma));
        (mu, sigma)
    })
}

/// μ and σ of a log-normal with the given linear-space mean and standard deviation.
pub fn lognormal_params(mean: f64, stddev: f64) -> (f64, f64) {
    let ratio = stddev / mean;
    let sigma2 = libm::log1p(ratio * ratio);
    (libm::log(mean) - sigma2 / 2.0, libm::sqrt(sigma2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(1)
    }

    /// The log-normal draws what rand_distr's LogNormal draws: the same stream positions
    /// and, rounded to milliseconds, the same durations (the exponentials may differ in the
    /// last bit between the C library and libm, never by more).
    #[test]
    fn lognormal_matches_rand_distr() {
        use rand_distr::LogNormal;
        let (mu, sigma) = lognormal_params(60.0, 30.0);
        let theirs = LogNormal::new(mu, sigma).unwrap();
        let (mut a, mut b) = (rng(), rng());
        for _ in 0..20_000 {
            let (x, y) = (lognormal(&mut a, mu, sigma), theirs.sample(&mut b));
            assert!(
                (x.to_bits() as i64 - y.to_bits() as i64).abs() <= 1,
                "{x} vs {y}"
            );
            assert_eq!(SimDuration::from_secs_f64(x), SimDuration::from_secs_f64(y));
        }
        assert_eq!(a.next_u64(), b.next_u64(), "same number of draws");
    }

    #[test]
    fn lognormal_parameters_match_the_w1_definition() {
        // shared/workloads/README.md: mean 60 s, sd 30 s -> mu 3.982772787, sigma 0.472380727.
        let (mu, sigma) = lognormal_params(60.0, 30.0);
        assert!((mu - 3.982_772_787).abs() < 1e-9, "{mu}");
        assert!((sigma - 0.472_380_727).abs() < 1e-9, "{sigma}");
    }

    #[test]
    fn sample_means_are_close_to_the_parameters() {
        let n = 20_000;
        let cases = [
            Distribution::Uniform {
                min: SimDuration::from_secs(5),
                max: SimDuration::from_secs(15),
            },
            Distribution::Exponential {
                mean: SimDuration::from_secs(10),
            },
            Distribution::Normal {
                mean: SimDuration::from_secs(10),
                stddev: SimDuration::from_secs(1),
            },
            Distribution::LogNormal {
                mean: SimDuration::from_secs(10),
                stddev: SimDuration::from_secs(5),
            },
        ];
        for d in cases {
            let mut r = rng();
            let mean: f64 = (0..n)
                .map(|_| d.sample(&mut r, 0).as_secs_f64())
                .sum::<f64>()
                / n as f64;
            assert!((mean - 10.0).abs() < 0.25, "{d:?}: mean {mean}");
        }
    }

    #[test]
    fn deterministic_variants_draw_nothing() {
        let mut r = rng();
        let before = r.clone();
        let lin = Distribution::IndexLinear {
            base: SimDuration::from_secs(5),
            step: SimDuration::from_secs(2),
        };
        assert_eq!(lin.sample(&mut r, 3), SimDuration::from_secs(11));
        assert_eq!(
            Distribution::Fixed(SimDuration::from_secs(7)).sample(&mut r, 9),
            SimDuration::from_secs(7)
        );
        assert_eq!(r, before);
    }

    #[test]
    fn normal_is_truncated_at_zero_and_uniform_is_inclusive() {
        let mut r = rng();
        let n = Distribution::Normal {
            mean: SimDuration::from_millis(1),
            stddev: SimDuration::from_secs(10),
        };
        assert!((0..1000).all(|_| n.sample(&mut r, 0) <= SimDuration::from_secs(100)));
        let u = Distribution::Uniform {
            min: SimDuration::from_millis(3),
            max: SimDuration::from_millis(4),
        };
        let draws: std::collections::BTreeSet<u64> =
            (0..200).map(|_| u.sample(&mut r, 0).as_millis()).collect();
        assert_eq!(draws.into_iter().collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn validation_rejects_impossible_parameters() {
        assert!(
            Distribution::Uniform {
                min: SimDuration::from_secs(2),
                max: SimDuration::from_secs(1)
            }
            .validate()
            .is_err()
        );
        assert!(
            Distribution::Exponential {
                mean: SimDuration::ZERO
            }
            .validate()
            .is_err()
        );
        assert!(Distribution::ZERO.validate().is_ok());
        assert!(Distribution::ZERO.is_zero());
    }
}
