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
    /// Complete, Failed, Suspended or Running.
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

/// The status word of summary.json.
pub fn status_word(job: &JobState) -> &'static str {
    let s = &job.status;
    if s.has_true(JobConditionType::Complete) {
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
    pub fn of(job: &JobState) -> JobSummary {
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
            reason: terminal.map(|c| c.reason.clone()),
            message: terminal.map(|c| c.message.clone()),
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
            duration_seconds: job.finished_at.map(|f| secs(f) - secs(job.submit_at)),
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
            jobs: world.jobs.iter().map(JobSummary::of).collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }
}
