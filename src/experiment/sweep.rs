//! Sweeps: every combination of the swept values (a *setting*), each run `replications`
//! times.
//!
//! **Common random numbers.** Replication r of every setting runs with seed
//! `base + r` (`base` is the setting's `spec.seed`, the same for every setting unless the
//! seed itself is swept), so it draws the same run times, failures and start-up latencies for the same
//! attempts: the difference between two settings in one replication is the settings'
//! effect, not noise, and far fewer replications are needed to compare them.
//!
//! **Determinism.** Runs are independent worlds; they are computed in parallel (rayon) and
//! collected in (setting, replication) order, so the results are the same bytes for any
//! number of threads. A shard `i/n` runs every run whose number (setting × replications +
//! replication) is `i` modulo `n`; merging shards restores the order.

use std::path::PathBuf;

use rayon::prelude::*;
use serde_yaml::Value;

use crate::api::job::JobConditionType;
use crate::input::diagnostics::{Diagnostic, InputError};
use crate::input::load::{LoadOptions, Loaded, load};
use crate::input::overrides::Override;
use crate::input::params::{Parameter, value_text};
use crate::output::summary::{ClusterSummary, status_word};
use crate::sim::{Discard, RunLimits, SimConfig, World};

/// What to sweep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSpec {
    pub parameters: Vec<Parameter>,
    pub replications: u32,
}

impl SweepSpec {
    /// Number of settings: the product of the parameters' value counts (1 without
    /// parameters: the scenario as written).
    pub fn settings(&self) -> usize {
        self.parameters.iter().map(|p| p.values.len()).product()
    }

    /// The values of setting `s`, one per parameter; the last parameter varies fastest.
    pub fn setting(&self, mut s: usize) -> Vec<Value> {
        let mut out = vec![Value::Null; self.parameters.len()];
        for (i, p) in self.parameters.iter().enumerate().rev() {
            let n = p.values.len();
            out[i] = p.values[s % n].clone();
            s /= n;
        }
        out
    }

    /// "path=value, path=value" for messages.
    pub fn describe(&self, s: usize) -> String {
        self.parameters
            .iter()
            .zip(self.setting(s))
            .map(|(p, v)| format!("{}={}", p.path, value_text(&v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A slice of the runs: `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let err = || format!("{text:?}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = text.split_once('/').ok_or_else(err)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    pub fn includes(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

/// One Job's result in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct JobOutcome {
    /// `name`, or `namespace/name` outside the default namespace.
    pub name: String,
    /// Complete, Failed, Suspended or Running.
    pub status: String,
    /// From submission to the terminal condition, in seconds.
    pub duration: Option<f64>,
    pub succeeded: i64,
    pub failed: i64,
    pub pods_created: u64,
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub setting: usize,
    pub replication: u32,
    pub seed: u64,
    /// When the last Job finished, in seconds from the start, if every Job finished.
    pub makespan: Option<f64>,
    /// Every Job Complete.
    pub complete: bool,
    /// Some Job Failed.
    pub failed: bool,
    /// The run stopped at --max-events or --max-sim-time.
    pub stopped: bool,
    pub jobs: Vec<JobOutcome>,
    pub node_hours: f64,
    pub pod_hours: f64,
    pub cpu_utilization: f64,
    pub pending_p95: f64,
    pub events: u64,
}

/// The loaded inputs of every setting, ready to run.
pub struct Prepared {
    pub spec: SweepSpec,
    pub base_seed: u64,
    pub configs: Vec<SimConfig>,
    /// Job column names, in manifest order (the same for every setting).
    pub job_names: Vec<String>,
    pub first: Loaded,
}

/// Loads the inputs once per setting. An input error names the setting it came from.
#[allow(clippy::result_large_err)]
pub fn prepare(
    files: &[PathBuf],
    base: &LoadOptions,
    spec: SweepSpec,
) -> Result<Prepared, InputError> {
    let mut configs = Vec::with_capacity(spec.settings());
    let mut first: Option<Loaded> = None;
    for s in 0..spec.settings() {
        let mut opts = base.clone();
        for (p, v) in spec.parameters.iter().zip(spec.setting(s)) {
            opts.overrides.push(Override {
                path: p.path.clone(),
                value: v,
            });
        }
        let loaded = load(files, &opts).map_err(|mut e| {
            if !spec.parameters.is_empty() {
                e.diagnostics.items.insert(
                    0,
                    Diagnostic::error(format!(
                        "in setting {s} of the sweep ({}):",
                        spec.describe(s)
                    )),
                );
            }
            e
        })?;
        configs.push(loaded.config.clone());
        if first.is_none() {
            first = Some(loaded);
        }
    }
    let first = first.unwrap_or_else(|| unreachable!("a sweep has at least one setting"));
    let job_names = job_names(&first.config);
    Ok(Prepared {
        base_seed: first.config.seed,
        spec,
        configs,
        job_names,
        first,
    })
}

/// Column names of the Jobs of a config.
/// CronJobs come after the Jobs, as `cronjob/<name>` (`cronjob/<namespace>/<name>`).
pub fn job_names(config: &SimConfig) -> Vec<String> {
    let qualified = |ns: &str, name: &str| {
        if ns == "default" {
            name.to_string()
        } else {
            format!("{ns}/{name}")
        }
    };
    config
        .jobs
        .iter()
        .map(|j| qualified(&j.namespace, &j.name))
        .chain(
            config
                .cronjobs
                .iter()
                .map(|c| format!("cronjob/{}", qualified(&c.namespace, &c.cron_job.name))),
        )
        .collect()
}

/// Runs one (setting, replication).
pub fn run_one(
    config: &SimConfig,
    setting: usize,
    replication: u32,
    seed: u64,
    limits: RunLimits,
) -> RunRecord {
    run_one_until(config, setting, replication, seed, limits, &|| false)
        .expect("a run that is never stopped finishes")
}

/// Runs one (setting, replication) unless `stop` turns true first (checked every 1024
/// events); then returns None.
pub fn run_one_until(
    config: &SimConfig,
    setting: usize,
    replication: u32,
    seed: u64,
    limits: RunLimits,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<RunRecord> {
    let mut config = config.clone();
    config.seed = seed;
    config.record_events = false;
    config.record_pods = false;
    config.sample_interval = None;
    let names = job_names(&config);
    let named = config.jobs.len();
    let mut world = World::new(config);
    let mut steps = 0u32;
    let result = loop {
        match world.step(&mut Discard, limits) {
            Ok(true) => {}
            Ok(false) => break world.finish(&mut Discard),
            Err(e) => break Err(e),
        }
        steps = steps.wrapping_add(1);
        if steps.is_multiple_of(1024) && stop() {
            return None;
        }
    };
    let stopped = result.is_err();
    let end = match &result {
        Ok(o) => o.end_time,
        Err(_) => world.now,
    };
    let cluster = ClusterSummary::of(&world, end);
    let mut jobs = Vec::with_capacity(world.jobs.len());
    let (mut complete, mut failed, mut all_finished) = (true, false, true);
    let mut makespan = 0.0f64;
    // Every Job counts for the run's outcome, including those CronJobs and arrivals
    // created; the per-Job columns are the scenario's own Jobs.
    let mut names = names.into_iter();
    for (i, j) in world.jobs.iter().enumerate() {
        let is_complete = j.status.has_true(JobConditionType::Complete);
        let is_failed = j.status.has_true(JobConditionType::Failed);
        complete &= is_complete;
        failed |= is_failed;
        all_finished &= is_complete || is_failed;
        if let Some(f) = j.finished_at {
            makespan = makespan.max(f.as_secs_f64());
        }
        // The scenario's Jobs come first in the world, in manifest order.
        if i >= named {
            continue;
        }
        let Some(name) = names.next() else { continue };
        jobs.push(JobOutcome {
            name,
            status: status_word(j).to_string(),
            duration: j
                .finished_at
                .map(|f| f.as_secs_f64() - j.submit_at.as_secs_f64()),
            succeeded: i64::from(j.status.succeeded),
            failed: i64::from(j.status.failed),
            pods_created: j.stats.pods_created,
        });
    }
    // A CronJob's columns: its Jobs' outcome (Failed if any failed, Complete if all
    // completed), the p95 of their durations from the scheduled time, their counts.
    for c in &world.cronjobs {
        let Some(name) = names.next() else { break };
        let children: Vec<&crate::controllers::job::JobState> =
            c.children.iter().map(|id| &world.jobs[id.idx()]).collect();
        let count = |t| children.iter().filter(|j| j.status.has_true(t)).count() as i64;
        let (ok, bad) = (
            count(JobConditionType::Complete),
            count(JobConditionType::Failed),
        );
        let mut durations: Vec<f64> = children
            .iter()
            .filter_map(|j| {
                Some(
                    j.finished_at?
                        .saturating_since(j.scheduled_at?)
                        .as_secs_f64(),
                )
            })
            .collect();
        durations.sort_by(f64::total_cmp);
        jobs.push(JobOutcome {
            name,
            status: if bad > 0 {
                "Failed"
            } else if ok as usize == children.len() {
                "Complete"
            } else {
                "Running"
            }
            .to_string(),
            duration: (!durations.is_empty())
                .then(|| crate::experiment::stats::quantile(&durations, 0.95)),
            succeeded: ok,
            failed: bad,
            pods_created: children.iter().map(|j| j.stats.pods_created).sum(),
        });
    }
    Some(RunRecord {
        setting,
        replication,
        seed,
        makespan: all_finished.then_some(makespan),
        complete,
        failed,
        stopped,
        jobs,
        node_hours: cluster.node_hours,
        pod_hours: cluster.pod_hours,
        cpu_utilization: cluster.cpu_utilization,
        pending_p95: cluster.pending_seconds.p95,
        events: world.stats.events,
    })
}

/// Runs every (setting, replication) of the shard on the current rayon pool, calling
/// `done` after each run. The result is in (setting, replication) order.
pub fn run_all(
    prepared: &Prepared,
    shard: Option<Shard>,
    limits: RunLimits,
    done: &(dyn Fn() + Sync),
) -> Vec<RunRecord> {
    run_all_until(prepared, shard, limits, done, &|| false)
        .into_iter()
        .map(|r| r.expect("a run that is never stopped finishes"))
        .collect()
}

/// [`run_all`], but once `stop` turns true no run starts and running ones end early: their
/// entries are None.
pub fn run_all_until(
    prepared: &Prepared,
    shard: Option<Shard>,
    limits: RunLimits,
    done: &(dyn Fn() + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Vec<Option<RunRecord>> {
    let reps = prepared.spec.replications.max(1) as usize;
    let total = prepared.configs.len() * reps;
    let runs: Vec<usize> = (0..total)
        .filter(|&k| shard.is_none_or(|s| s.includes(k)))
        .collect();
    // One task per run: runs differ in cost by orders of magnitude (a Job that fails at
    // once, one that runs for simulated hours), and rayon's default splitting would leave
    // a thread idle while the other finishes a chunk of expensive ones.
    runs.par_iter()
        .with_max_len(1)
        .map(|&k| {
            let (s, r) = (k / reps, (k % reps) as u32);
            if stop() {
                return None;
            }
            // Each setting's own seed: a sweep over spec.seed gives each setting its own
            // streams; otherwise every setting shares the base (common random numbers).
            let seed = prepared.configs[s].seed.wrapping_add(u64::from(r));
            let record = run_one_until(&prepared.configs[s], s, r, seed, limits, stop);
            if record.is_some() {
                done();
            }
            record
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::params::parse_assignment;

    #[test]
    fn settings_enumerate_the_product_last_fastest() {
        let spec = SweepSpec {
            parameters: vec![
                parse_assignment("jobs.j.spec.parallelism=1,2").unwrap(),
                parse_assignment("jobs.j.spec.backoffLimit=0,3,6").unwrap(),
            ],
            replications: 2,
        };
        assert_eq!(spec.settings(), 6);
        assert_eq!(
            spec.describe(4),
            "jobs.j.spec.parallelism=2, jobs.j.spec.backoffLimit=3"
        );
        assert_eq!(SweepSpec::default().settings(), 1);
    }

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = (0..3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        for k in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.includes(k)).count(), 1);
        }
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
