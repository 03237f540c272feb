//! The Job controller (`pkg/controller/job/job_controller.go`).
//!
//! [`JobState`] is one Job as the controller sees it: the API object (spec and status), what
//! the pod informer shows about its pods (kept incrementally as counters and lists, so that a
//! sync costs O(pods that changed) instead of O(pods)), and the controller's own memory
//! (work-queue entry, expectations, back-off record). The sync itself is in [`sync`].

pub mod backoff;
pub mod indexes;
pub mod policy;
pub mod sync;

use std::collections::BTreeMap;
use std::sync::Arc;

use self::backoff::BackoffRecord;
use self::indexes::IndexTracker;
use crate::api::job::{JobSpec, JobStatus};
use crate::api::{JobId, PodId};
use crate::engine::time::{SimDuration, SimTime};
use crate::workload::PodBehavior;

/// kube-controller-manager settings and version-dependent behaviour of the Job controller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobControllerConfig {
    /// `syncJobBatchPeriod`: pod events and status updates are coalesced for this long.
    pub sync_batch_period: SimDuration,
    /// `DefaultJobPodFailureBackOff`.
    pub pod_failure_backoff_base: SimDuration,
    /// `MaxJobPodFailureBackOff` (10 min since 1.28; 6 min before).
    pub pod_failure_backoff_max: SimDuration,
    /// `MaxPodCreateDeletePerSync`.
    pub max_pod_create_delete_per_sync: usize,
    /// `MaxUncountedPods`: finished pods accounted per sync.
    pub max_uncounted_pods: usize,
    /// `ExpectationsTimeout` of `pkg/controller/controller_utils.go`.
    pub expectations_timeout: SimDuration,
    /// Since 1.31: FailureTarget / SuccessCriteriaMet first, Failed / Complete once every pod
    /// has terminated.
    pub delay_terminal_condition: bool,
    /// Since 1.31 (JobSuccessPolicy beta): the success condition carries reason
    /// CompletionsReached instead of an empty reason.
    pub completions_reached_reason: bool,
    /// `--concurrent-job-syncs`: Jobs synced at the same time (workers of the work queue).
    /// Only matters when syncs take time, that is with a rate-limited API client.
    pub concurrent_syncs: usize,
}

impl Default for JobControllerConfig {
    fn default() -> Self {
        JobControllerConfig {
            sync_batch_period: SimDuration::from_secs(1),
            pod_failure_backoff_base: SimDuration::from_secs(10),
            pod_failure_backoff_max: SimDuration::from_secs(600),
            max_pod_create_delete_per_sync: 500,
            max_uncounted_pods: 500,
            expectations_timeout: SimDuration::from_mins(5),
            delay_terminal_condition: true,
            completions_reached_reason: true,
            concurrent_syncs: 5,
        }
    }
}

/// `ControllerExpectations` for one Job: creations and deletions issued but not yet seen
/// by the informer. Pod management waits until they are all observed or expire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    pub adds: i64,
    pub deletes: i64,
    pub set_at: SimTime,
}

impl Expectations {
    /// `SatisfiedExpectations`: fulfilled, or older than the timeout.
    pub fn satisfied(&self, now: SimTime, timeout: SimDuration) -> bool {
        (self.adds <= 0 && self.deletes <= 0) || now.saturating_since(self.set_at) > timeout
    }
}

/// The Job's entry in the controller's rate-limited work queue (client-go
/// `delaying_queue.go`): at most one delayed add is waiting per key, and the earliest wins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueEntry {
    /// Time of the delayed add that is waiting, if any.
    pub waiting_until: Option<SimTime>,
    /// An immediate add is queued and not yet processed.
    pub queued: bool,
    /// A worker processes the key until then (its requests are still in flight); adds in
    /// the meantime wait for it (the queue's `processing` / `dirty` sets).
    pub processing_until: SimTime,
}

/// What the pod informer currently shows about a Job's pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodCounts {
    /// Not terminal and not being deleted.
    pub active: i32,
    /// Active and Ready.
    pub ready: i32,
    /// Being deleted and not yet terminal.
    pub terminating: i32,
    /// Container restarts summed over Pending and Running pods (restartPolicy OnFailure).
    pub live_restarts: i64,
}

/// Counters for reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobStats {
    pub pods_created: u64,
    pub syncs: u64,
    /// Pod failures as the pods saw them (including ignored ones and deletions).
    pub pod_failures: u64,
    pub pod_successes: u64,
    /// When the first of its pods started running (queueing delay = this − creation).
    pub first_pod_running: Option<SimTime>,
}

/// One Job.
#[derive(Clone, Debug)]
pub struct JobState {
    pub id: JobId,
    pub namespace: String,
    pub name: String,
    /// Stable stream key: hash of `namespace/name`.
    pub key: u64,
    pub spec: JobSpec,
    pub status: JobStatus,
    pub behavior: Arc<PodBehavior>,
    /// When the Job is created in the API (scenario submission time).
    pub submit_at: SimTime,
    /// Set once the Job exists.
    pub created_at: Option<SimTime>,
    /// Set once the Job is deleted (TTL or scripted).
    pub deleted_at: Option<SimTime>,
    /// When the terminal condition was added.
    pub finished_at: Option<SimTime>,
    /// The CronJob that created the Job (index into `World::cronjobs`).
    pub owner: Option<u32>,
    /// For a CronJob's Job: the activation it runs for.
    pub scheduled_at: Option<SimTime>,
    /// Charged to the namespace's quotas (`count/jobs.batch`).
    pub admitted: bool,
    /// The create was rejected (ResourceQuota): the Job never existed.
    pub rejected: Option<String>,
    /// Consecutive syncs whose pod creations failed (the work queue's rate limiter).
    pub api_failures: u32,
    /// Pod creates the API server refused so far (each try has its own generated name).
    pub refused_creates: u64,
    /// The completion deadline reported on, from creation (CronJob's Jobs: from the
    /// scheduled time).
    pub deadline: Option<SimDuration>,

    // --- informer view ---
    pub counts: PodCounts,
    /// Every live pod object of the Job (positions kept by `PodStore::position_in_job`).
    pub pods: Vec<PodId>,
    /// Pods with the tracking finalizer that finished (or are treated as failed) since the
    /// last sync that accounted them, in the order they finished.
    pub unaccounted: Vec<PodId>,

    // --- controller memory ---
    pub backoff: BackoffRecord,
    pub expectations: Expectations,
    pub queue: QueueEntry,
    pub indexes: IndexTracker,
    /// Next attempt number for indexes whose previous pod ended without success.
    pub next_attempt: BTreeMap<u32, u32>,
    /// Pods created so far (the next pod's ordinal).
    pub next_ordinal: u32,
    /// Active pods may hold duplicate or out-of-range indexes (after `completions` shrank):
    /// the next sync must look for them.
    pub index_cleanup_needed: bool,
    pub stats: JobStats,
}

impl JobState {
    pub fn new(
        id: JobId,
        namespace: String,
        name: String,
        spec: JobSpec,
        behavior: Arc<PodBehavior>,
        submit_at: SimTime,
    ) -> JobState {
        let key = crate::engine::rng::name_key(&format!("{namespace}/{name}"));
        JobState {
            id,
            namespace,
            name,
            key,
            spec,
            status: JobStatus::default(),
            behavior,
            submit_at,
            created_at: None,
            deleted_at: None,
            finished_at: None,
            owner: None,
            scheduled_at: None,
            admitted: false,
            rejected: None,
            api_failures: 0,
            refused_creates: 0,
            deadline: None,
            counts: PodCounts::default(),
            pods: Vec::new(),
            unaccounted: Vec::new(),
            backoff: BackoffRecord::default(),
            expectations: Expectations::default(),
            queue: QueueEntry::default(),
            indexes: IndexTracker::default(),
            next_attempt: BTreeMap::new(),
            next_ordinal: 0,
            index_cleanup_needed: false,
            stats: JobStats::default(),
        }
    }

    /// Whether the pods the Job replaces must have reached phase Failed first
    /// (`onlyReplaceFailedPods`).
    pub fn only_replace_failed(&self) -> bool {
        self.spec.pod_replacement_policy == crate::api::job::PodReplacementPolicy::Failed
            || self.spec.pod_failure_policy.is_some()
    }

    /// The Job exists and the controller still manages it.
    pub fn is_live(&self) -> bool {
        self.created_at.is_some() && self.deleted_at.is_none()
    }
}
