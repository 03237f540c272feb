//! `summary.json`: the stable, documented result of one run (docs/outputs.md).
//!
//! Field names follow the Kubernetes API where they mean the same thing (`succeeded`,
//! `completedIndexes`, `conditions`); times are simulated seconds since the run started.
//! `schemaVersion` changes whenever a field changes meaning or disappears.

use serde::Serialize;

use crate::api::job::{CompletionMode, ConditionStatus, JobConditionType};
use crate::api::version::KubernetesVersion;
use crate::controllers::job::JobState;
use crate::engine::time::SimTime;
use crate::sim::World;
use crate::sim::world::RunOutcome;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub schema_version: u32,
    pub scenario: String,
    pub kubernetes_version: String,
    pub seed: u64,
    /// Time of the last event.
    pub simulated_seconds: f64,
    /// Events processed by the simulation.
    pub events: u64,
    /// Wall-clock seconds the simulation took (`null` with --reproducible).
    pub wall_seconds: Option<f64>,
    pub pods_created: u64,
    pub peak_live_pods: usize,
    /// What the run cost the cluster.
    pub cluster: ClusterSummary,
    pub jobs: Vec<JobSummary>,
    /// One entry per CronJob.
    pub cron_jobs: Vec<CronJobSummary>,
    /// Per namespace, in name order: how its Jobs fared.
    pub namespaces: Vec<NamespaceSummary>,
    /// ResourceQuotas: their limits, peak usage and refusals.
    pub resource_quotas: Vec<QuotaSummary>,
    /// Arrival processes (spec.arrivals): submissions and refusals.
    pub arrivals: Vec<ArrivalSummary>,
}

/// One ResourceQuota over the run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSummary {
    pub namespace: String,
    pub name: String,
    /// `spec.hard`, as quantities.
    pub hard: std::collections::BTreeMap<String, String>,
    /// The highest usage of each resource.
    pub peak_used: std::collections::BTreeMap<String, String>,
    /// Pod and Job creates it refused.
    pub rejections: u64,
}

/// One arrival process over the run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalSummary {
    /// The Job manifest copied.
    pub job: String,
    pub namespace: String,
    pub arrived: u32,
    /// Submissions refused by a ResourceQuota (count/jobs.batch).
    pub rejected: usize,
}

/// p50, p95 and max of a sample (all `null` when it is empty).
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            (!values.is_empty()).then(|| {
                let v = crate::experiment::stats::quantile(&values, p);
                (v * 1000.0).round() / 1000.0
            })
        };
        Spread {
            count: values.len(),
            p50: q(0.5),
            p95: q(0.95),
            max: values.last().copied(),
        }
    }
}

/// What a CronJob did over the run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobSummary {
    pub name: String,
    pub namespace: String,
    pub schedule: String,
    pub time_zone: Option<String>,
    pub concurrency_policy: &'static str,
    pub suspend: bool,
    /// Activations of the schedule from the CronJob's creation to the end of the simulated
    /// period (`spec.duration`); those without a Job were skipped (Forbid,
    /// startingDeadlineSeconds, suspend).
    pub activations: u64,
    pub jobs_created: u32,
    pub jobs_complete: u32,
    pub jobs_failed: u32,
    /// Jobs still active at the end (`status.active`).
    pub active: usize,
    /// MissSchedule events. The deadline also limits which activations the controller
    /// considers, so a late activation is usually dropped without one: compare
    /// `activations` with `jobsCreated`.
    pub missed_schedules: u32,
    /// Activations skipped under Forbid while a Job was active (JobAlreadyActive events).
    pub skipped_while_active: u32,
    /// Active Jobs deleted by Replace.
    pub replaced: u32,
    /// Finished Jobs deleted beyond the history limits.
    pub history_deleted: u32,
    /// Jobs that missed the completion deadline of the CronJob's `spec.jobs[]` entry.
    pub deadline_misses: usize,
    pub last_schedule_time: Option<f64>,
    pub last_successful_time: Option<f64>,
    /// From the scheduled time to the Job's first running pod.
    pub start_delay_seconds: Spread,
    /// From the scheduled time to the Job's terminal condition.
    pub duration_seconds: Spread,
}

/// How the Jobs of one namespace fared.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSummary {
    pub name: String,
    pub jobs: usize,
    pub complete: usize,
    pub failed: usize,
    /// Failed with reason DeadlineExceeded (activeDeadlineSeconds).
    pub deadline_exceeded: usize,
    /// Missed the completion deadline of their `spec.jobs[]` entry.
    pub deadline_misses: usize,
    /// Neither Complete nor Failed at the end (rejected Jobs excluded).
    pub unfinished: usize,
    /// Jobs the API server refused (ResourceQuota count/jobs.batch).
    pub rejected: usize,
    pub pods_created: u64,
    /// From a Job's creation to its first running pod.
    pub queueing_seconds: Spread,
    /// From a Job's creation to its terminal condition.
    pub duration_seconds: Spread,
}

/// The cluster figures of a run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    /// Σ over nodes of the time each was in the cluster, in hours (until the end of the run
    /// or its removal by the autoscaler).
    pub node_hours: f64,
    /// Σ over pods of the time from start to termination, in hours.
    pub pod_hours: f64,
    /// Requested CPU / allocatable CPU, averaged over the run.
    pub cpu_utilization: f64,
    /// Requested memory / allocatable memory, averaged over the run.
    pub memory_utilization: f64,
    pub peak_nodes: usize,
    pub nodes_added: u64,
    pub nodes_removed: u64,
    pub node_failures: u64,
    pub pods_evicted: u64,
    pub pods_preempted: u64,
    /// Time from creation to binding of the pods that were bound.
    pub pending_seconds: PendingSummary,
}

/// Quantiles of the pods' pending time (0.2 % resolution above 1 s).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSummary {
    pub pods: u64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl ClusterSummary {
    pub fn of(world: &World, end: SimTime) -> ClusterSummary {
        let m = &world.metrics;
        let node_ms: u128 = world
            .cluster
            .nodes
            .iter()
            .map(|n| {
                let until = n.removed_at.unwrap_or(end).max(n.up_since);
                u128::from(until.saturating_since(n.up_since).as_millis())
            })
            .sum();
        let hours = |ms: u128| ms as f64 / 3_600_000.0;
        let (cpu, memory) = m.utilization();
        let ms = |v: u64| v as f64 / 1000.0;
        ClusterSummary {
            node_hours: round6(hours(node_ms)),
            pod_hours: round6(hours(m.pod_running_ms)),
            cpu_utilization: round6(cpu),
            memory_utilization: round6(memory),
            peak_nodes: m.peak_nodes,
            nodes_added: world.autoscaler.nodes_added,
            nodes_removed: world.autoscaler.nodes_removed,
            node_failures: m.node_failures,
            pods_evicted: m.pods_evicted,
            pods_preempted: world.preemptions.victims_total,
            pending_seconds: PendingSummary {
                pods: m.pending.count(),
                p50: ms(m.pending.quantile(0.5)),
                p95: ms(m.pending.quantile(0.95)),
                max: ms(m.pending.max()),
            },
        }
    }
}

/// Six decimals: stable text for values computed in floating point.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub name: String,
    pub namespace: String,
    /// Complete, Failed, Suspended, Running, or Rejected (the API server refused the Job:
    /// a ResourceQuota's count/jobs.batch; `message` says why).
    pub status: &'static str,
    /// Reason of the terminal condition (e.g. CompletionsReached, BackoffLimitExceeded).
    pub reason: Option<String>,
    pub message: Option<String>,
    pub completion_mode: &'static str,
    pub completions: Option<i32>,
    pub parallelism: i32,
    pub submit_time: f64,
    pub start_time: Option<f64>,
    pub completion_time: Option<f64>,
    /// When the Complete or Failed condition was added.
    pub finish_time: Option<f64>,
    /// finishTime − submitTime.
    pub duration_seconds: Option<f64>,
    /// When the Job was deleted (ttlSecondsAfterFinished, or a scripted deletion).
    pub deletion_time: Option<f64>,
    pub succeeded: i32,
    pub failed: i32,
    pub active: i32,
    pub ready: i32,
    pub terminating: i32,
    pub pods_created: u64,
    /// Indexed Jobs only.
    pub completed_indexes: Option<String>,
    /// Indexed Jobs with backoffLimitPerIndex only.
    pub failed_indexes: Option<String>,
    pub conditions: Vec<ConditionSummary>,
    /// From creation to the first running pod.
    pub queueing_seconds: Option<f64>,
    /// The CronJob that created the Job, and the activation it ran for.
    pub cron_job: Option<String>,
    pub scheduled_time: Option<f64>,
    /// `spec.jobs[].deadline` in seconds, and whether the Job missed it (`null` without one).
    pub deadline_seconds: Option<f64>,
    pub deadline_missed: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionSummary {
    #[serde(rename = "type")]
    pub condition_type: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition_time: f64,
}

fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

fn secs_d(d: crate::engine::time::SimDuration) -> f64 {
    d.as_secs_f64()
}

/// Whether the Job missed its completion deadline (`None` without one): it is met only by
/// a Complete condition within the deadline of the creation (a CronJob's Jobs: of their
/// scheduled time).
pub fn deadline_missed(job: &JobState) -> Option<bool> {
    let deadline = job.deadline?;
    let base = job.scheduled_at.or(job.created_at).unwrap_or(job.submit_at);
    let met = job.status.has_true(JobConditionType::Complete)
        && job.finished_at.is_some_and(|f| f <= base + deadline);
    Some(!met)
}

/// From a Job's creation to its first running pod.
fn queueing(job: &JobState) -> Option<crate::engine::time::SimDuration> {
    Some(
        job.stats
            .first_pod_running?
            .saturating_since(job.created_at?),
    )
}

impl CronJobSummary {
    pub fn of(world: &World, c: usize) -> CronJobSummary {
        let cj = &world.cronjobs[c];
        let children = || cj.children.iter().map(|id| &world.jobs[id.idx()]);
        let count =
            |t: JobConditionType| children().filter(|j| j.status.has_true(t)).count() as u32;
        let since_scheduled =
            |at: Option<SimTime>, j: &JobState| Some(secs_d(at?.saturating_since(j.scheduled_at?)));
        let status = &cj.cron_job.status;
        CronJobSummary {
            name: cj.cron_job.name.clone(),
            namespace: cj.namespace.clone(),
            schedule: cj.cron_job.spec.schedule.source().to_string(),
            time_zone: cj.cron_job.spec.time_zone.clone(),
            concurrency_policy: cj.cron_job.spec.concurrency_policy.as_str(),
            suspend: cj.cron_job.spec.suspend,
            activations: {
                let end = world.horizon.unwrap_or(world.last_effective);
                let end = world.timestamp(end);
                cj.cron_job
                    .spec
                    .schedule
                    .activations(cj.cron_job.creation_timestamp, &cj.cron_job.spec.zone)
                    .take_while(|t| *t <= end)
                    .count() as u64
            },
            jobs_created: cj.stats.jobs_created,
            jobs_complete: count(JobConditionType::Complete),
            jobs_failed: count(JobConditionType::Failed),
            active: status.active.len(),
            missed_schedules: cj.stats.missed_schedules,
            skipped_while_active: cj.stats.skipped_active,
            replaced: cj.stats.replaced,
            history_deleted: cj.stats.history_deleted,
            deadline_misses: children()
                .filter(|j| deadline_missed(j) == Some(true))
                .count(),
            last_schedule_time: status
                .last_schedule_time
                .map(|t| secs(world.sim_time_of(t))),
            last_successful_time: status
                .last_successful_time
                .map(|t| secs(world.sim_time_of(t))),
            start_delay_seconds: Spread::of(
                children()
                    .filter_map(|j| since_scheduled(j.stats.first_pod_running, j))
                    .collect(),
            ),
            duration_seconds: Spread::of(
                children()
                    .filter_map(|j| since_scheduled(j.finished_at, j))
                    .collect(),
            ),
        }
    }
}

impl NamespaceSummary {
    /// One summary per namespace that holds a Job, in name order.
    pub fn all(world: &World) -> Vec<NamespaceSummary> {
        let mut names: Vec<&str> = world.jobs.iter().map(|j| j.namespace.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|ns| {
                let jobs: Vec<&JobState> =
                    world.jobs.iter().filter(|j| j.namespace == ns).collect();
                let has = |j: &JobState, t| j.status.has_true(t);
                NamespaceSummary {
                    name: ns.to_string(),
                    jobs: jobs.len(),
                    complete: jobs
                        .iter()
                        .filter(|j| has(j, JobConditionType::Complete))
                        .count(),
                    failed: jobs
                        .iter()
                        .filter(|j| has(j, JobConditionType::Failed))
                        .count(),
                    deadline_exceeded: jobs
                        .iter()
                        .filter(|j| {
                            j.status
                                .condition(JobConditionType::Failed)
                                .is_some_and(|c| {
                                    c.status == ConditionStatus::True
                                        && c.reason == "DeadlineExceeded"
                                })
                        })
                        .count(),
                    unfinished: jobs
                        .iter()
                        .filter(|j| {
                            j.rejected.is_none()
                                && !has(j, JobConditionType::Complete)
                                && !has(j, JobConditionType::Failed)
                        })
                        .count(),
                    rejected: jobs.iter().filter(|j| j.rejected.is_some()).count(),
                    deadline_misses: jobs
                        .iter()
                        .filter(|j| deadline_missed(j) == Some(true))
                        .count(),
                    pods_created: jobs.iter().map(|j| j.stats.pods_created).sum(),
                    queueing_seconds: Spread::of(
                        jobs.iter()
                            .filter_map(|j| queueing(j))
                            .map(secs_d)
                            .collect(),
                    ),
                    duration_seconds: Spread::of(
                        jobs.iter()
                            .filter_map(|j| {
                                Some(secs_d(j.finished_at?.saturating_since(j.created_at?)))
                            })
                            .collect(),
                    ),
                }
            })
            .collect()
    }
}

/// The status word of summary.json.
pub fn status_word(job: &JobState) -> &'static str {
    let s = &job.status;
    if job.rejected.is_some() {
        "Rejected"
    } else if s.has_true(JobConditionType::Complete) {
        "Complete"
    } else if s.has_true(JobConditionType::Failed) {
        "Failed"
    } else if s.has_true(JobConditionType::Suspended) {
        "Suspended"
    } else {
        "Running"
    }
}

impl JobSummary {
    pub fn of(job: &JobState, world: &World) -> JobSummary {
        let s = &job.status;
        let terminal = s
            .condition(JobConditionType::Complete)
            .filter(|c| c.status == ConditionStatus::True)
            .or_else(|| {
                s.condition(JobConditionType::Failed)
                    .filter(|c| c.status == ConditionStatus::True)
            });
        JobSummary {
            name: job.name.clone(),
            namespace: job.namespace.clone(),
            status: status_word(job),
            reason: terminal
                .map(|c| c.reason.clone())
                .or_else(|| job.rejected.as_ref().map(|_| "Forbidden".to_string())),
            message: terminal
                .map(|c| c.message.clone())
                .or_else(|| job.rejected.clone()),
            completion_mode: match job.spec.completion_mode {
                CompletionMode::Indexed => "Indexed",
                CompletionMode::NonIndexed => "NonIndexed",
            },
            completions: job.spec.completions,
            parallelism: job.spec.parallelism,
            submit_time: secs(job.submit_at),
            start_time: s.start_time.map(secs),
            completion_time: s.completion_time.map(secs),
            finish_time: job.finished_at.map(secs),
            duration_seconds: job
                .finished_at
                .map(|f| secs_d(f.saturating_since(job.submit_at))),
            deletion_time: job.deleted_at.map(secs),
            succeeded: s.succeeded,
            failed: s.failed,
            active: s.active,
            ready: s.ready,
            terminating: s.terminating,
            pods_created: job.stats.pods_created,
            completed_indexes: job
                .spec
                .is_indexed()
                .then(|| s.completed_indexes.to_string()),
            failed_indexes: s.failed_indexes.as_ref().map(|f| f.to_string()),
            conditions: s
                .conditions
                .iter()
                .map(|c| ConditionSummary {
                    condition_type: c.condition_type.to_string(),
                    status: c.status.to_string(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_transition_time: secs(c.last_transition_time),
                })
                .collect(),
            queueing_seconds: queueing(job).map(secs_d),
            cron_job: job
                .owner
                .map(|c| world.cronjobs[c as usize].cron_job.name.clone()),
            scheduled_time: job.scheduled_at.map(secs),
            deadline_seconds: job.deadline.map(secs_d),
            deadline_missed: deadline_missed(job),
        }
    }
}

impl Summary {
    pub fn of(
        scenario: &str,
        version: KubernetesVersion,
        seed: u64,
        world: &World,
        outcome: &RunOutcome,
        wall_seconds: Option<f64>,
    ) -> Summary {
        Summary {
            schema_version: SCHEMA_VERSION,
            scenario: scenario.to_string(),
            kubernetes_version: version.to_string(),
            seed,
            simulated_seconds: secs(outcome.end_time),
            events: outcome.stats.events,
            wall_seconds,
            pods_created: outcome.stats.pods_created,
            peak_live_pods: outcome.peak_live_pods,
            cluster: ClusterSummary::of(world, outcome.end_time),
            jobs: world
                .jobs
                .iter()
                .map(|j| JobSummary::of(j, world))
                .collect(),
            cron_jobs: (0..world.cronjobs.len())
                .map(|c| CronJobSummary::of(world, c))
                .collect(),
            namespaces: NamespaceSummary::all(world),
            resource_quotas: world
                .quotas
                .iter()
                .map(|q| {
                    let map = |v: &[i64]| {
                        q.hard
                            .iter()
                            .zip(v)
                            .map(|((r, _), a)| (r.name(), r.format(*a)))
                            .collect()
                    };
                    let hard: Vec<i64> = q.hard.iter().map(|(_, h)| *h).collect();
                    QuotaSummary {
                        namespace: q.namespace.clone(),
                        name: q.name.clone(),
                        hard: map(&hard),
                        peak_used: map(&q.peak),
                        rejections: q.rejections,
                    }
                })
                .collect(),
            arrivals: world
                .arrivals
                .iter()
                .map(|a| ArrivalSummary {
                    job: a.input.template.name.clone(),
                    namespace: a.input.template.namespace.clone(),
                    arrived: a.arrived,
                    rejected: a.rejected.len(),
                })
                .collect(),
        }
    }

    /// Writes summary.json to `out`, straight from the structs: a run of months creates
    /// thousands of Jobs, and the text of their summaries (tens of MB) never needs to be
    /// held in memory at once.
    pub fn write_json<W: std::io::Write>(&self, mut out: W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
