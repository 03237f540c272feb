//! The planner: the smallest value of one parameter whose completion-time quantile meets a
//! deadline.
//!
//! Each candidate value is *evaluated* by running it `replications` times (common random
//! numbers, as in sweeps) and taking the chosen quantile of the completion time, a run
//! that does not complete counting as infinitely late. The search first evaluates the
//! smallest and the largest value, then bisects between a value that misses the deadline
//! and one that meets it, which needs about log2(n) evaluations instead of n. Bisection is
//! only right if the quantile does not grow with the value (more parallelism or more nodes
//! never makes the Job slower); the planner checks that on every value it evaluated, and
//! when it finds a violation it says so and evaluates every value instead.

use std::path::PathBuf;

use serde_yaml::Value;

use super::stats::quantile;
use super::sweep::{Prepared, RunRecord, SweepSpec, prepare, run_all_until};
use crate::input::diagnostics::InputError;
use crate::input::load::LoadOptions;
use crate::input::params::{Parameter, value_number, value_text};
use crate::sim::RunLimits;

/// What to search.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub parameter: Parameter,
    /// Seconds.
    pub deadline: f64,
    /// 0..1, e.g. 0.95.
    pub quantile: f64,
    pub replications: u32,
}

/// One evaluated value.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub value: Value,
    pub number: f64,
    /// The quantile of the completion time in seconds; infinite when too many runs did
    /// not complete.
    pub quantile: f64,
    pub failure_probability: f64,
    pub meets: bool,
    /// All runs' completion times (infinite for runs that did not complete), sorted.
    pub samples: Vec<f64>,
}

/// The planner's answer and its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanResult {
    /// The smallest value that meets the deadline, if any.
    pub answer: Option<Evaluation>,
    /// Every evaluation, by increasing value.
    pub evaluations: Vec<Evaluation>,
    /// Candidate values.
    pub candidates: usize,
    /// The evaluated quantiles never grew with the value.
    pub monotone: bool,
    /// Every candidate was evaluated (because the response was not monotone).
    pub exhaustive: bool,
}

/// Why planning failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Input(Box<InputError>),
    #[error(
        "--vary {path}: the planner needs values with a numeric reading (numbers, durations, quantities); {value:?} has none"
    )]
    NotNumeric { path: String, value: String },
    /// `stop` turned true (Ctrl-C): the search ended after `evaluated` values.
    #[error("interrupted after {evaluated} evaluated value(s)")]
    Interrupted { evaluated: usize },
}

/// Runs the search. `evaluate` is called for each value the search needs, in the order of
/// the search; `done` after every run. Once `stop` turns true no run starts, running ones
/// end early and the search returns [`PlanError::Interrupted`].
pub fn plan(
    files: &[PathBuf],
    base: &LoadOptions,
    request: &PlanRequest,
    limits: RunLimits,
    done: &(dyn Fn() + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<PlanResult, PlanError> {
    let p = &request.parameter;
    let mut candidates: Vec<(f64, Value)> = Vec::new();
    for v in &p.values {
        let Some(n) = value_number(&p.path, v) else {
            return Err(PlanError::NotNumeric {
                path: p.path.text.clone(),
                value: value_text(v),
            });
        };
        candidates.push((n, v.clone()));
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    candidates.dedup_by(|a, b| a.0 == b.0);
    let n = candidates.len();
    let mut evaluated: Vec<Option<Evaluation>> = vec![None; n];
    let evaluate = |evaluated: &mut Vec<Option<Evaluation>>, i: usize| -> Result<bool, PlanError> {
        if let Some(e) = &evaluated[i] {
            return Ok(e.meets);
        }
        let spec = SweepSpec {
            parameters: vec![Parameter {
                path: p.path.clone(),
                values: vec![candidates[i].1.clone()],
            }],
            replications: request.replications.max(1),
        };
        let prepared: Prepared =
            prepare(files, base, spec).map_err(|e| PlanError::Input(Box::new(e)))?;
        let records: Option<Vec<RunRecord>> = run_all_until(&prepared, None, limits, done, stop)
            .into_iter()
            .collect();
        let Some(records) = records.filter(|_| !stop()) else {
            return Err(PlanError::Interrupted {
                evaluated: evaluated.iter().flatten().count(),
            });
        };
        let e = evaluation(&records, candidates[i].0, candidates[i].1.clone(), request);
        let meets = e.meets;
        evaluated[i] = Some(e);
        Ok(meets)
    };
    let mut answer: Option<usize> = None;
    if evaluate(&mut evaluated, 0)? {
        answer = Some(0);
    } else if n > 1 && evaluate(&mut evaluated, n - 1)? {
        // Invariant: lo misses, hi meets.
        let (mut lo, mut hi) = (0, n - 1);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if evaluate(&mut evaluated, mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        answer = Some(hi);
    }
    // The quantiles of evaluated values must not grow with the value.
    let qs: Vec<f64> = evaluated.iter().flatten().map(|e| e.quantile).collect();
    let is_monotone = qs
        .windows(2)
        .all(|w| w[1] <= w[0] * (1.0 + 1e-9) || w[0].is_infinite());
    let mut exhaustive = false;
    if !is_monotone {
        for i in 0..n {
            evaluate(&mut evaluated, i)?;
        }
        exhaustive = true;
        answer = evaluated
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.meets));
    }
    let evaluations: Vec<Evaluation> = evaluated.iter().flatten().cloned().collect();
    Ok(PlanResult {
        answer: answer.and_then(|i| evaluated[i].clone()),
        monotone: is_monotone,
        exhaustive,
        evaluations,
        candidates: n,
    })
}

fn evaluation(
    records: &[RunRecord],
    number: f64,
    value: Value,
    request: &PlanRequest,
) -> Evaluation {
    let mut samples: Vec<f64> = records
        .iter()
        .map(|r| match (r.complete, r.makespan) {
            (true, Some(m)) => m,
            _ => f64::INFINITY,
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let failed = samples.iter().filter(|s| s.is_infinite()).count();
    let q = quantile_with_inf(&samples, request.quantile);
    Evaluation {
        value,
        number,
        quantile: q,
        failure_probability: failed as f64 / samples.len().max(1) as f64,
        meets: q <= request.deadline,
        samples,
    }
}

/// [`quantile`] where infinite values (runs that did not complete) make every quantile
/// that reaches them infinite.
fn quantile_with_inf(sorted: &[f64], q: f64) -> f64 {
    let v = quantile(sorted, q);
    if v.is_nan() { f64::INFINITY } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_runs_make_high_quantiles_infinite() {
        let s = [10.0, 20.0, f64::INFINITY];
        assert_eq!(quantile_with_inf(&s, 0.0), 10.0);
        assert!(quantile_with_inf(&s, 0.95).is_infinite());
    }
}
