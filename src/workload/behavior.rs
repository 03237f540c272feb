//! What one attempt of a pod does: how long it runs and how it exits.
//!
//! An *attempt* is one run of a Job's main container for one completion index (Indexed
//! Jobs) or one pod ordinal (NonIndexed Jobs: the k-th pod the Job created). Attempts of an
//! index are numbered across pods and in-place restarts: under `restartPolicy: Never`
//! attempt 2 of index 3 is the third pod of index 3; under `OnFailure` it may be the third
//! run of the same pod.
//!
//! Outcome of an attempt, in order of precedence:
//! 1. the first scripted outcome whose target and attempts match;
//! 2. otherwise the failure model: with `probability` the attempt fails with `exitCode` at a
//!    uniformly drawn point of its run time, else it succeeds when its run time is over.
//!
//! Draws from the attempt's stream, in this order: run time; failure coin; failure point
//! (only when failing). This is the draw order of the reference workloads
//! (shared/workloads/README.md), so W1/W2 attempts see the same numbers as the yardsticks
//! would for the same stream.

use rand::RngExt;
use thin_vec::ThinVec;

use super::distribution::{AmountDistribution, Distribution};
use crate::api::intervals::Intervals;
use crate::api::pod::TerminationReason;
use crate::engine::rng::{Purpose, Stream, Streams};
use crate::engine::time::SimDuration;

/// Exit code of a container killed by the kernel's OOM killer (128 + SIGKILL).
pub const EXIT_OOM_KILLED: i32 = 137;

/// Which pods a scripted outcome applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Every pod of the Job.
    Any,
    /// Pods with one of these completion indexes (Indexed Jobs).
    Indexes(Intervals),
    /// The k-th pods created by the Job (NonIndexed Jobs).
    Ordinals(Intervals),
}

/// A scripted outcome: "index 3 fails twice with exit code 1, then succeeds".
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedOutcome {
    pub target: Target,
    /// Attempts (0-based) it applies to; `None` means every attempt.
    pub attempts: Option<Intervals>,
    pub exit_code: i32,
    /// How long the attempt runs; `None` keeps the sampled run time.
    pub after: Option<SimDuration>,
    /// The container that exits with `exit_code` (by position); 0 is the first container.
    pub container: u16,
    /// Terminated reason; `None` derives it from the exit code (Completed / Error).
    pub reason: Option<TerminationReason>,
    /// Pod conditions (type, status True) set when the attempt fails, e.g. DisruptionTarget
    /// or a custom condition for `onPodConditions` rules.
    pub conditions: Vec<String>,
    /// Exit codes of further containers `(position, code)` for multi-container pods.
    pub other_containers: Vec<(u16, i32)>,
}

/// Random failures of attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureModel {
    /// Probability that an attempt fails, in [0, 1].
    pub probability: f64,
    /// Exit codes of failing attempts with their weights (one entry: always that code).
    pub exit_codes: Vec<(i32, f64)>,
    /// When a failing attempt fails, from its start; `None`: a uniform point of its run.
    pub after: Option<Distribution>,
}

impl FailureModel {
    /// A failure probability with one exit code, failing at a uniform point of the run.
    pub fn flat(probability: f64, exit_code: i32) -> FailureModel {
        FailureModel {
            probability,
            exit_codes: vec![(exit_code, 1.0)],
            after: None,
        }
    }

    fn exit_code<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> i32 {
        match self.exit_codes.as_slice() {
            [] => 1,
            [(code, _)] => *code,
            mix => {
                let total: f64 = mix.iter().map(|(_, w)| w).sum();
                let mut x = rng.random::<f64>() * total;
                for &(code, w) in mix {
                    if x < w {
                        return code;
                    }
                    x -= w;
                }
                mix[mix.len() - 1].0
            }
        }
    }
}

/// Node-pressure evictions: with `probability` an attempt is evicted by the kubelet at a
/// time drawn from `after` (default: a uniform point of its run), unless it ended first.
#[derive(Clone, Debug, PartialEq)]
pub struct EvictionModel {
    pub probability: f64,
    pub after: Option<Distribution>,
    /// The resource the node ran low on (the event's message).
    pub resource: String,
}

/// Memory use of an attempt: it grows linearly from 0 to a drawn peak over the run, and an
/// attempt whose peak exceeds the container's memory limit is OOMKilled (exit code 137)
/// when its use reaches the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryModel {
    pub peak: AmountDistribution,
}

/// How the pods of one Job behave.
#[derive(Clone, Debug, PartialEq)]
pub struct PodBehavior {
    pub run_time: Distribution,
    pub failure: Option<FailureModel>,
    pub memory: Option<MemoryModel>,
    pub eviction: Option<EvictionModel>,
    pub script: Vec<ScriptedOutcome>,
    /// Time a container takes to exit after SIGTERM (capped by the grace period).
    pub shutdown: Distribution,
}

impl Default for PodBehavior {
    /// jobsim's documented default model: every attempt runs 10 s and succeeds.
    fn default() -> Self {
        PodBehavior {
            run_time: Distribution::Fixed(SimDuration::from_secs(10)),
            failure: None,
            memory: None,
            eviction: None,
            script: Vec::new(),
            shutdown: Distribution::ZERO,
        }
    }
}

/// Identifies one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptKey {
    /// Stable key of the Job (hash of namespace/name).
    pub job_key: u64,
    /// Whether `unit` is a completion index.
    pub indexed: bool,
    /// Completion index (Indexed) or pod ordinal (NonIndexed).
    pub unit: u32,
    /// 0-based attempt number of this unit.
    pub attempt: u32,
}

impl AttemptKey {
    /// The parts of the attempt's stream key under [`Purpose::Attempt`].
    #[inline]
    pub fn stream_parts(&self) -> [u64; 3] {
        [self.job_key, u64::from(self.unit), u64::from(self.attempt)]
    }
}

/// The decided outcome of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub duration: SimDuration,
    /// The kubelet evicts the pod (node pressure) instead of the container exiting.
    pub evicted: bool,
    pub exit_code: i32,
    pub reason: TerminationReason,
    pub container: u16,
    /// Rare extras, one word each while empty: the outcome stays small enough to live in
    /// registers between the draw and the pod.
    pub conditions: ThinVec<String>,
    pub other_containers: ThinVec<(u16, i32)>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == 0 && self.other_containers.iter().all(|&(_, c)| c == 0)
    }
}

impl ScriptedOutcome {
    fn matches(&self, key: &AttemptKey) -> bool {
        let unit_ok = match &self.target {
            Target::Any => true,
            Target::Indexes(set) => key.indexed && set.contains(key.unit),
            Target::Ordinals(set) => !key.indexed && set.contains(key.unit),
        };
        unit_ok
            && self
                .attempts
                .as_ref()
                .is_none_or(|set| set.contains(key.attempt))
    }
}

impl PodBehavior {
    /// Decides the outcome of one attempt. `memory_limit` is the main container's limit in
    /// bytes, if it has one.
    pub fn outcome(
        &self,
        streams: &Streams,
        key: AttemptKey,
        memory_limit: Option<i64>,
    ) -> Outcome {
        let [a, b, c] = key.stream_parts();
        self.outcome_from(streams.stream(Purpose::Attempt, a, b, c), key, memory_limit)
    }

    /// [`PodBehavior::outcome`] with the attempt's stream already made: `rng` must be the
    /// stream of [`Purpose::Attempt`] and `key.stream_parts()`.
    pub fn outcome_from(
        &self,
        mut rng: Stream,
        key: AttemptKey,
        memory_limit: Option<i64>,
    ) -> Outcome {
        let run_time = self.run_time.sample(&mut rng, key.unit);
        if let Some(s) = self.script.iter().find(|s| s.matches(&key)) {
            return Outcome {
                evicted: false,
                duration: s.after.unwrap_or(run_time),
                exit_code: s.exit_code,
                reason: s.reason.unwrap_or(if s.exit_code == 0 {
                    TerminationReason::Completed
                } else {
                    TerminationReason::Error
                }),
                container: s.container,
                conditions: s.conditions.iter().cloned().collect(),
                other_containers: s.other_containers.iter().copied().collect(),
            };
        }
        let mut outcome = Outcome {
            evicted: false,
            duration: run_time,
            exit_code: 0,
            reason: TerminationReason::Completed,
            container: 0,
            conditions: ThinVec::new(),
            other_containers: ThinVec::new(),
        };
        if let Some(f) = &self.failure
            && f.probability > 0.0
        {
            let coin: f64 = rng.random();
            if coin < f.probability {
                let at = match &f.after {
                    None => {
                        let point: f64 = rng.random();
                        SimDuration::from_secs_f64(point * run_time.as_secs_f64())
                    }
                    Some(d) => d.sample(&mut rng, key.unit),
                };
                outcome.duration = at;
                outcome.exit_code = f.exit_code(&mut rng);
                outcome.reason = TerminationReason::Error;
            }
        }
        // Memory is drawn last, so that adding a memory model keeps every earlier draw.
        if let Some(m) = &self.memory {
            let peak = m.peak.sample(&mut rng);
            if let Some(limit) = memory_limit
                && peak > limit
            {
                // Use reaches the limit at limit/peak of the run.
                let oom_at = SimDuration::from_secs_f64(
                    run_time.as_secs_f64() * (limit.max(0) as f64 / peak as f64),
                );
                if oom_at < outcome.duration
                    || (oom_at == outcome.duration && outcome.exit_code == 0)
                {
                    outcome.duration = oom_at;
                    outcome.exit_code = EXIT_OOM_KILLED;
                    outcome.reason = TerminationReason::OOMKilled;
                }
            }
        }
        // Evictions are drawn after everything else, for the same reason.
        if let Some(e) = &self.eviction
            && e.probability > 0.0
        {
            let coin: f64 = rng.random();
            if coin < e.probability {
                let at = match &e.after {
                    None => {
                        let point: f64 = rng.random();
                        SimDuration::from_secs_f64(point * run_time.as_secs_f64())
                    }
                    Some(d) => d.sample(&mut rng, key.unit),
                };
                if at < outcome.duration {
                    outcome.duration = at;
                    outcome.evicted = true;
                    outcome.exit_code = EXIT_OOM_KILLED;
                    outcome.reason = TerminationReason::Error;
                }
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(unit: u32, attempt: u32) -> AttemptKey {
        AttemptKey {
            job_key: 99,
            indexed: true,
            unit,
            attempt,
        }
    }

    #[test]
    fn index_three_fails_twice_then_succeeds() {
        let b = PodBehavior {
            script: vec![ScriptedOutcome {
                target: Target::Indexes(Intervals::parse("3", 10).unwrap()),
                attempts: Some(Intervals::parse("0-1", 10).unwrap()),
                exit_code: 1,
                after: Some(SimDuration::from_secs(5)),
                container: 0,
                reason: None,
                conditions: Vec::new(),
                other_containers: Vec::new(),
            }],
            ..PodBehavior::default()
        };
        let s = Streams::new(1);
        for attempt in 0..2 {
            let o = b.outcome(&s, key(3, attempt), None);
            assert_eq!(o.exit_code, 1);
            assert_eq!(o.reason, TerminationReason::Error);
            assert_eq!(o.duration, SimDuration::from_secs(5));
        }
        let o = b.outcome(&s, key(3, 2), None);
        assert!(o.succeeded());
        assert_eq!(o.duration, SimDuration::from_secs(10));
        assert!(b.outcome(&s, key(2, 0), None).succeeded());
    }

    #[test]
    fn the_same_attempt_draws_the_same_outcome_whatever_else_happened() {
        let b = PodBehavior {
            run_time: Distribution::LogNormal {
                mean: SimDuration::from_secs(60),
                stddev: SimDuration::from_secs(30),
            },
            failure: Some(FailureModel::flat(0.3, 1)),
            ..PodBehavior::default()
        };
        let s = Streams::new(7);
        let first = b.outcome(&s, key(12, 1), None);
        for u in 0..50 {
            b.outcome(&s, key(u, 0), None);
        }
        assert_eq!(b.outcome(&s, key(12, 1), None), first);
    }

    #[test]
    fn failure_probability_is_respected_and_failures_end_early() {
        let b = PodBehavior {
            run_time: Distribution::Fixed(SimDuration::from_secs(100)),
            failure: Some(FailureModel::flat(0.05, 1)),
            ..PodBehavior::default()
        };
        let s = Streams::new(3);
        let n = 20_000;
        let outcomes: Vec<Outcome> = (0..n).map(|u| b.outcome(&s, key(u, 0), None)).collect();
        let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.succeeded()).collect();
        let rate = failed.len() as f64 / f64::from(n);
        assert!((rate - 0.05).abs() < 0.006, "{rate}");
        assert!(
            failed
                .iter()
                .all(|o| o.duration <= SimDuration::from_secs(100))
        );
        assert!(failed.iter().all(|o| o.exit_code == 1));
    }

    #[test]
    fn exit_codes_follow_their_weights() {
        let b = PodBehavior {
            failure: Some(FailureModel {
                probability: 1.0,
                exit_codes: vec![(1, 3.0), (2, 1.0)],
                after: Some(Distribution::ZERO),
            }),
            ..PodBehavior::default()
        };
        let s = Streams::new(7);
        let n = 4000;
        let ones = (0..n)
            .filter(|&u| b.outcome(&s, key(u, 0), None).exit_code == 1)
            .count();
        // 3:1 weights: about 3000 of 4000 (binomial sd ≈ 27).
        assert!((2850..=3150).contains(&ones), "{ones}");
        // `after: 0s` fails at start-up.
        assert!((0..10).all(|u| b.outcome(&s, key(u, 0), None).duration == SimDuration::ZERO));
    }

    #[test]
    fn memory_above_the_limit_is_oom_killed_when_use_reaches_it() {
        let b = PodBehavior {
            run_time: Distribution::Fixed(SimDuration::from_secs(100)),
            memory: Some(MemoryModel {
                peak: AmountDistribution::Fixed(2 << 30),
            }),
            ..PodBehavior::default()
        };
        let s = Streams::new(1);
        // Limit 1 GiB, peak 2 GiB: use reaches the limit half-way.
        let o = b.outcome(&s, key(0, 0), Some(1 << 30));
        assert_eq!(o.exit_code, EXIT_OOM_KILLED);
        assert_eq!(o.reason, TerminationReason::OOMKilled);
        assert_eq!(o.duration, SimDuration::from_secs(50));
        // Under the limit, or without one: success.
        assert!(b.outcome(&s, key(0, 0), Some(4 << 30)).succeeded());
        assert!(b.outcome(&s, key(0, 0), None).succeeded());
    }

    #[test]
    fn a_memory_model_keeps_the_earlier_draws() {
        let base = PodBehavior {
            run_time: Distribution::Exponential {
                mean: SimDuration::from_secs(60),
            },
            failure: Some(FailureModel::flat(0.3, 1)),
            ..PodBehavior::default()
        };
        let with_memory = PodBehavior {
            memory: Some(MemoryModel {
                peak: AmountDistribution::Fixed(1),
            }),
            ..base.clone()
        };
        let s = Streams::new(3);
        for u in 0..50 {
            assert_eq!(
                base.outcome(&s, key(u, 0), None),
                with_memory.outcome(&s, key(u, 0), Some(1 << 30))
            );
        }
    }
}
