//! The world and the run loop.

use std::sync::Arc;

use crate::api::job::JobSpec;
use crate::api::pod::PodStore;
use crate::api::{JobId, NodeId, PodId};
use crate::cluster::autoscaler::AutoscalerConfig;
use crate::cluster::images::{ImageNeed, ImageTable};
use crate::cluster::kubelet::KubeletConfig;
use crate::cluster::node::{Cluster, NodePool, Outage};
use crate::cluster::scheduler::SchedulerConfig;
use crate::controllers::client::{ApiClient, ClientConfig};
use crate::controllers::job::{self, JobControllerConfig, JobState};
use crate::controllers::node_lifecycle::NodeLifecycleConfig;
use crate::engine::queue::EventQueue;
use crate::engine::rng::{Purpose, Streams, StreamsAhead};
use crate::engine::time::{SimDuration, SimTime};
use crate::workload::PodBehavior;

use super::actions::Action;
use super::api::ApiRequest;
use super::autoscaling::AutoscalerState;
use super::metrics::Metrics;
use super::preemption::Preemptions;
use super::records::{EventKind, ObjectRef, Observer, Record};
use super::scheduling::SchedulerState;

/// Lanes of the event queue (see `engine::queue`): each takes events pushed a fixed delay
/// after `now`, so that they arrive in time order and skip the heap.
pub(crate) mod lane {
    use crate::engine::queue::Lane;
    /// Work for the current instant (a Job sync, a scheduler cycle).
    pub const NOW: Lane = Lane(0);
    /// A pod's start-up (`timing.podStartup`).
    pub const STARTUP: Lane = Lane(1);
    /// The Job controller's delayed work-queue adds (the 1 s sync batch).
    pub const JOB_SYNC: Lane = Lane(2);
}

/// Everything that happens in a run is one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A Job is created in the API.
    JobCreated(JobId),
    /// An immediate work-queue add of a Job (Job created or its spec changed).
    JobSyncNow(JobId),
    /// A delayed work-queue add becomes ready (stale unless it is the Job's waiting add).
    JobSyncDue { job: JobId, at: SimTime },
    /// The scheduler runs its next cycle(s).
    SchedulerCycle,
    /// A pod's scheduling back-off is over.
    PodBackoffExpired { pod: PodId, generation: u32 },
    /// Unschedulable pods are moved back to the active queue after a cluster change.
    UnschedulableFlush,
    /// A binding issued by the scheduler becomes visible.
    PodBound {
        pod: PodId,
        generation: u32,
        node: NodeId,
    },
    /// The pod's sandbox is up: the kubelet pulls its images (only when pulls take time).
    PodSandboxReady { pod: PodId, generation: u32 },
    /// One image pull for a pod finished (a kubelet event; the pod's start was scheduled
    /// when the pull began). Its figures wait in `World::pull_reports`, which keeps the
    /// event, and with it every queue entry, small.
    ImagePulled {
        pod: PodId,
        generation: u32,
        report: u32,
    },
    /// The kubelet has started every container of a pod.
    PodRunning { pod: PodId, generation: u32 },
    /// A running pod passes its readiness probe.
    PodReady { pod: PodId, generation: u32 },
    /// A running container exits on its own. `node` is the pod's, so that the run loop can
    /// load the node before the exit is handled (the event stays 16 bytes).
    ContainerExited {
        pod: PodId,
        generation: u32,
        node: NodeId,
    },
    /// The kubelet restarts a container (restartPolicy OnFailure).
    ContainerRestart { pod: PodId, generation: u32 },
    /// A deleted pod's containers have stopped.
    PodTerminated { pod: PodId, generation: u32 },
    /// PodGC's periodic pass (`--gc-check-period`, 20 s).
    PodGc,
    /// A scripted action (index into `World::actions`).
    Action(u32),
    /// A finished Job's ttlSecondsAfterFinished has passed.
    TtlExpired(JobId),
    /// A rate-limited API request completes (index into `World::api_requests`).
    ApiDone(u32),
    /// A scheduled outage begins (index into `World::outages`).
    OutageStart(u32),
    /// A random node failure (valid while the node's `up_epoch` is `epoch`).
    NodeFail { node: NodeId, epoch: u32 },
    /// The node lifecycle controller marks a failed node NotReady.
    NodeNotReady { node: NodeId, epoch: u32 },
    /// A failed node comes back.
    NodeRecover { node: NodeId, epoch: u32 },
    /// A pod's toleration of the unreachable taint runs out.
    TaintEviction {
        pod: PodId,
        node: NodeId,
        epoch: u32,
    },
    /// The cluster-autoscaler's loop.
    AutoscalerLoop,
    /// A CronJob is created in the API (index into `World::cronjobs`).
    CronJobCreated(u32),
    /// A work-queue add of a CronJob becomes ready (stale unless it is the waiting add).
    CronJobSync { cron: u32, at: SimTime },
    /// The next arrival of an arrival process (index into `World::arrivals`).
    Arrival(u32),
    /// A node ordered by a scale-up of `pool` is Ready.
    NodeProvisioned { pool: u32 },
}

/// What the `Pulled` event of a finished image pull reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullReport {
    pub image: u32,
    pub took_ms: u32,
    /// From the pull request to its end, including waiting for the puller.
    pub total_ms: u32,
}

/// One Job to run.
#[derive(Clone, Debug)]
pub struct JobInput {
    pub namespace: String,
    pub name: String,
    pub spec: JobSpec,
    pub behavior: Arc<PodBehavior>,
    pub submit_at: SimTime,
    /// The completion deadline reported on (`spec.jobs[].deadline`).
    pub deadline: Option<SimDuration>,
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub pools: Vec<NodePool>,
    /// Scheduled node outages.
    pub outages: Vec<Outage>,
    pub node_lifecycle: NodeLifecycleConfig,
    pub autoscaler: AutoscalerConfig,
    pub scheduler: SchedulerConfig,
    pub kubelet: KubeletConfig,
    pub controller: JobControllerConfig,
    pub control_plane: ControlPlaneConfig,
    pub jobs: Vec<JobInput>,
    pub cronjobs: Vec<super::cronjobs::CronJobInput>,
    /// Arrival processes: copies of Job templates submitted over time.
    pub arrivals: Vec<super::arrivals::ArrivalInput>,
    /// ResourceQuotas of the namespaces.
    pub quotas: Vec<crate::api::quota::ResourceQuota>,
    /// The wall-clock instant of simulated time 0 (CronJob schedules).
    pub start_time: jiff::Timestamp,
    /// The simulated period: CronJobs start nothing scheduled after it (`None`: no end).
    pub horizon: Option<SimTime>,
    /// Scripted actions, in any order.
    pub actions: Vec<Action>,
    /// Produce event records.
    pub record_events: bool,
    /// Produce pod records.
    pub record_pods: bool,
    /// Sample the world for timeseries.csv this often (`None`: no samples).
    pub sample_interval: Option<SimDuration>,
}

/// The API clients of the control plane. `None` is an unlimited client whose requests take
/// effect at once (the default: an analytically checkable control plane).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ControlPlaneConfig {
    /// kube-controller-manager's client, shared by the Job controller's creates, deletes,
    /// finalizer patches and status updates.
    pub controller_manager: Option<ClientConfig>,
    /// kube-scheduler's client (bindings).
    pub scheduler: Option<ClientConfig>,
}

/// The default `--max-sim-time`: this long past the end of the simulated period.
pub const DEFAULT_TIME_SLACK: SimDuration = SimDuration::from_secs(30 * 24 * 3600);

/// Bounds that stop a run that would otherwise go on too long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    pub max_events: u64,
    /// Simulated time while work is pending. `None`: [`DEFAULT_TIME_SLACK`] past the end
    /// of the simulated period (`spec.duration`), so that a Job a CronJob starts late in a
    /// long period has as long to finish as one started at the beginning.
    pub max_sim_time: Option<SimTime>,
    /// Pods that exist at once (not yet terminal and accounted): bounds memory.
    pub max_live_pods: usize,
    /// Events waiting in the queue at once: bounds memory too.
    pub max_queued_events: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            max_events: 1_000_000_000,
            max_sim_time: None,
            max_live_pods: 10_000_000,
            max_queued_events: 50_000_000,
        }
    }
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "the run reached --max-events ({limit}) at simulated time {time}s; raise the limit if the scenario really needs more"
    )]
    MaxEvents { limit: u64, time: SimTime },
    #[error(
        "the run reached --max-sim-time ({limit}s) with work still pending; raise the limit or check for Jobs that cannot finish"
    )]
    MaxSimTime { limit: SimTime },
    #[error(
        "the run reached --max-live-pods ({limit} pods existing at once) at simulated time {time}s; raise the limit if the scenario really needs more"
    )]
    MaxLivePods { limit: usize, time: SimTime },
    #[error(
        "the run reached --max-queued-events ({limit} events waiting at once) at simulated time {time}s; raise the limit if the scenario really needs more"
    )]
    MaxQueuedEvents { limit: usize, time: SimTime },
    #[error("writing results: {0}")]
    Output(#[from] std::io::Error),
}

/// Counters of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events that changed something.
    pub events: u64,
    /// Cancelled timers that popped without effect (lazy cancellation).
    pub stale_events: u64,
    pub job_syncs: u64,
    pub scheduling_cycles: u64,
    pub pods_created: u64,
    pub pod_failures: u64,
}

/// What a finished run reports besides its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    pub end_time: SimTime,
    pub stats: RunStats,
    pub peak_queue_len: usize,
    pub peak_live_pods: usize,
    /// Events ever scheduled (effective, stale, and any left at a limit).
    pub pushed_events: u64,
}

impl RunOutcome {
    /// The reference workloads' *canonical* event count (shared/workloads/README.md): one
    /// start and one end per pod attempt plus one back-off expiry per failure, whatever
    /// decomposition a simulator uses, so events per second compare across simulators.
    pub fn canonical_events(&self) -> u64 {
        2 * self.stats.pods_created + self.stats.pod_failures
    }
}

/// Records that may wait in the world whatever the observer lets wait
/// ([`Observer::records_batch`]): an observer that ignores records must not make the world
/// keep every record of the run.
pub const RECORDS_WAITING_MAX: usize = 4096;

/// Live pods beyond which a pod's slot is usually out of the cache when its next event
/// comes: 8192 slots of about 200 bytes fill a typical 2 MiB L2 (W3 keeps 33,000 pods;
/// W1 keeps 5,000, which stay cached). Only prefetching looks at it.
const PODS_BEYOND_CACHE: usize = 8192;

/// The whole simulated system.
pub struct World {
    pub now: SimTime,
    pub queue: EventQueue<Event>,
    pub streams: Streams,
    /// The attempts' streams, announced when their pods are created and taken when they
    /// start (see [`StreamsAhead`]), by pod slot.
    pub attempt_streams: StreamsAhead,
    pub cluster: Cluster,
    pub scheduler: SchedulerState,
    pub kubelet: KubeletConfig,
    pub controller: JobControllerConfig,
    pub pods: PodStore,
    /// The Job controller's lists, reused from sync to sync.
    pub sync_buffers: crate::controllers::job::sync::SyncBuffers,
    pub jobs: Vec<JobState>,
    pub cronjobs: Vec<super::cronjobs::CronJobState>,
    pub arrivals: Vec<super::arrivals::ArrivalState>,
    /// The Jobs that exist in the API (created, not deleted), by namespace and name: what
    /// a create of the same name runs into (`AlreadyExists`). Looked up, never iterated.
    pub(crate) live_names: std::collections::HashMap<(String, String), JobId>,
    /// ResourceQuotas, with their usage.
    pub quotas: Vec<crate::api::quota::ResourceQuota>,
    /// The wall-clock instant of simulated time 0.
    pub start_time: jiff::Timestamp,
    /// CronJobs start nothing scheduled after this.
    pub horizon: Option<SimTime>,
    pub records: Vec<Record>,
    pub record_events: bool,
    pub record_pods: bool,
    pub stats: RunStats,
    /// Incremented whenever node capacity or usage changes; lets the scheduler skip retries
    /// that cannot succeed.
    pub cluster_version: u64,
    /// A PodGC pass is scheduled.
    pub(crate) pod_gc_pending: bool,
    /// Time of the last event that was not a cancelled timer: the end of the run.
    pub last_effective: SimTime,
    /// Scripted actions.
    pub actions: Vec<Action>,

    // --- control plane ---
    /// kube-controller-manager's rate-limited client (None: unlimited).
    pub kcm_client: Option<ApiClient>,
    /// kube-scheduler's rate-limited client (None: unlimited).
    pub scheduler_client: Option<ApiClient>,
    /// Requests in flight, by id; completed ones are taken.
    pub(crate) api_requests: Vec<Option<ApiRequest>>,
    pub(crate) api_in_flight: usize,
    /// The Job sync in progress lasts until its last request completes.
    pub(crate) sync_until: SimTime,
    /// When each of the Job controller's workers is free again.
    pub(crate) job_workers: Vec<SimTime>,
    /// The images each Job's pods need, in start order.
    pub(crate) job_images: Vec<Arc<[ImageNeed]>>,
    /// The figures of queued `ImagePulled` events, by `report`; taken slots are reused.
    pub(crate) pull_reports: Vec<PullReport>,
    pub(crate) free_pull_reports: Vec<u32>,
    /// Scheduled node outages.
    pub outages: Vec<Outage>,
    pub node_lifecycle: NodeLifecycleConfig,
    pub autoscaler_config: AutoscalerConfig,
    /// Preemptions whose victims are terminating.
    pub preemptions: Preemptions,
    /// Some Jobs' pods have different priorities (otherwise preemption never applies).
    pub(crate) priorities_differ: bool,
    /// The cluster-autoscaler's memory.
    pub autoscaler: AutoscalerState,
    /// Self-perpetuating ambient events in the queue (random node failures, the
    /// autoscaler's loop): when they are all the queue holds, nothing else can happen.
    pub(crate) perpetual_in_queue: usize,
    /// Samples handed to the observer and not yet confirmed by a later effective event.
    samples_unconfirmed: bool,
    /// Run-wide figures (summary.json, timeseries.csv).
    pub metrics: Metrics,
    /// timeseries.csv: the sampling period, the next sample time, and whether anything
    /// happened since the last sample.
    pub(crate) sample_interval: Option<SimDuration>,
    next_sample: SimTime,
    changed_since_sample: bool,
}

impl World {
    pub fn new(config: SimConfig) -> World {
        let mut w = World {
            now: SimTime::ZERO,
            queue: EventQueue::with_capacity(1024),
            streams: Streams::new(config.seed),
            attempt_streams: StreamsAhead::new(Purpose::Attempt),
            cluster: Cluster::new(config.pools, ImageTable::new(&config.kubelet.image_pulls)),
            scheduler: SchedulerState::new(config.scheduler),
            kubelet: config.kubelet,
            controller: config.controller,
            pods: PodStore::default(),
            sync_buffers: Default::default(),
            jobs: Vec::with_capacity(config.jobs.len()),
            cronjobs: Vec::with_capacity(config.cronjobs.len()),
            arrivals: Vec::with_capacity(config.arrivals.len()),
            live_names: std::collections::HashMap::new(),
            quotas: config.quotas,
            start_time: config.start_time,
            horizon: config.horizon,
            records: Vec::new(),
            record_events: config.record_events,
            record_pods: config.record_pods,
            stats: RunStats::default(),
            cluster_version: 0,
            pod_gc_pending: false,
            last_effective: SimTime::ZERO,
            actions: config.actions,
            kcm_client: config.control_plane.controller_manager.map(ApiClient::new),
            scheduler_client: config.control_plane.scheduler.map(ApiClient::new),
            api_requests: Vec::new(),
            pull_reports: Vec::new(),
            free_pull_reports: Vec::new(),
            api_in_flight: 0,
            sync_until: SimTime::ZERO,
            job_workers: vec![SimTime::ZERO; config.controller.concurrent_syncs.max(1)],
            job_images: Vec::with_capacity(config.jobs.len()),
            outages: config.outages,
            node_lifecycle: config.node_lifecycle,
            autoscaler_config: config.autoscaler,
            preemptions: Preemptions::default(),
            priorities_differ: false,
            autoscaler: AutoscalerState::default(),
            perpetual_in_queue: 0,
            samples_unconfirmed: false,
            metrics: Metrics::default(),
            sample_interval: config.sample_interval,
            next_sample: SimTime::ZERO,
            changed_since_sample: true,
        };

        for (i, j) in config.jobs.into_iter().enumerate() {
            let id = JobId(i as u32);
            let needs = w.cluster.images.needs(&j.spec.template);
            w.job_images.push(needs.into());
            w.queue.push(j.submit_at, Event::JobCreated(id));
            let mut job = JobState::new(id, j.namespace, j.name, j.spec, j.behavior, j.submit_at);
            job.deadline = j.deadline;
            w.jobs.push(job);
        }
        for (i, c) in config.cronjobs.into_iter().enumerate() {
            w.queue.push(c.created_at, Event::CronJobCreated(i as u32));
            w.cronjobs.push(super::cronjobs::CronJobState::new(c));
        }
        w.start_arrivals(config.arrivals);
        // After the Jobs, so that an action at a Job's submission time finds it created.
        for (i, a) in w.actions.iter().enumerate() {
            w.queue.push(a.at, Event::Action(i as u32));
        }
        w.priorities_differ = w
            .jobs
            .windows(2)
            .any(|p| p[0].spec.template.priority != p[1].spec.template.priority);
        // Jobs created during the run (CronJobs, arrivals) update it in `add_job`.
        w.schedule_node_failures();
        w.start_autoscaler();
        w
    }

    /// Runs until nothing is left to happen, handing records to `observer` as they come.
    pub fn run(
        &mut self,
        observer: &mut dyn Observer,
        limits: RunLimits,
    ) -> Result<RunOutcome, SimError> {
        while self.step(observer, limits)? {}
        self.finish(observer)
    }

    /// Processes the next event. Returns false when no event is left.
    pub fn step(
        &mut self,
        observer: &mut dyn Observer,
        limits: RunLimits,
    ) -> Result<bool, SimError> {
        let Some(next) = self.queue.peek() else {
            return Ok(false);
        };
        let time = next.time();
        let time_limit = self.time_limit(limits);
        let beyond = time > time_limit;
        if beyond && self.has_pending_work() {
            self.flush(observer)?;
            return Err(SimError::MaxSimTime { limit: time_limit });
        }
        // Once every Job has finished, cancelled timers past --max-sim-time (the far
        // deadline of a Job that finished long ago) may still pop: they are not work. The
        // first event past the limit that does something (a TTL deletion, an action) stops
        // the run.
        if self.stats.events >= limits.max_events {
            self.flush(observer)?;
            return Err(SimError::MaxEvents {
                limit: limits.max_events,
                time: self.now,
            });
        }
        let event = self.queue.pop_peeked(next);
        // The heap's next event is usually a container exiting, a minute after its pod was
        // last touched: start loading that pod now, while this event is handled.
        // Its node too, whose pod list and requests the exit changes: with thousands of
        // nodes (W3), last touched seconds ago.
        if let Some(&Event::ContainerExited { pod, node, .. }) = self.queue.heap_top() {
            self.pods.prefetch(pod);
            self.pods.prefetch_position_on_node(pod);
            self.cluster.prefetch_node(node);
        }
        // Likewise the stream computed for the next pod to start, written when that pod was
        // created: with tens of thousands of pods alive (W3), out of the cache by then.
        if let Some(&Event::PodRunning { pod, .. }) = self.queue.lane_front(lane::STARTUP) {
            self.attempt_streams.prefetch(pod.0);
            // The pod itself, bound a start-up ago, is still in the cache unless the world is
            // large: below that, loading its lines again only costs instructions.
            if self.pods.live() > PODS_BEYOND_CACHE {
                self.pods.prefetch(pod);
            }
        }
        debug_assert!(time >= self.now, "time went backwards");
        if time > self.now {
            self.take_samples(observer, time)?;
            self.metrics.advance(&self.cluster, time);
        }
        self.now = time;
        if matches!(event, Event::NodeFail { .. } | Event::AutoscalerLoop) {
            self.perpetual_in_queue -= 1;
        }
        let effective = self.dispatch(event);
        if beyond && effective {
            self.flush(observer)?;
            return Err(SimError::MaxSimTime { limit: time_limit });
        }
        if effective {
            self.stats.events += 1;
            self.last_effective = time;
            self.changed_since_sample = true;
            if self.samples_unconfirmed {
                // Something happened after them: the samples are within the run.
                observer.commit_samples(None)?;
                self.samples_unconfirmed = false;
            }
        } else {
            // A cancelled timer: it popped, but nothing happened.
            self.stats.stale_events += 1;
        }
        if !self.records.is_empty()
            && self.records.len() >= observer.records_batch().min(RECORDS_WAITING_MAX)
        {
            self.flush(observer)?;
        }
        if self.pods.live() > limits.max_live_pods {
            self.flush(observer)?;
            return Err(SimError::MaxLivePods {
                limit: limits.max_live_pods,
                time: self.now,
            });
        }
        if self.queue.len() > limits.max_queued_events {
            self.flush(observer)?;
            return Err(SimError::MaxQueuedEvents {
                limit: limits.max_queued_events,
                time: self.now,
            });
        }
        // Debug builds check the invariants after every event while the world is small, and
        // every 997th event once it is large (the check is linear in live pods).
        #[cfg(debug_assertions)]
        if self.pods.live() <= 256 || self.stats.events.is_multiple_of(997) {
            self.check_invariants();
        }
        Ok(true)
    }

    /// The simulated time past which pending work stops the run: `--max-sim-time`, or by
    /// default [`DEFAULT_TIME_SLACK`] past the end of the simulated period.
    pub fn time_limit(&self, limits: RunLimits) -> SimTime {
        limits
            .max_sim_time
            .unwrap_or_else(|| self.horizon.unwrap_or(SimTime::ZERO) + DEFAULT_TIME_SLACK)
    }

    /// Samples for timeseries.csv at every sampling boundary before `time` at which the
    /// world had changed since the previous sample (the world holds the state of every
    /// boundary before `time` until the next event runs).
    fn take_samples(&mut self, observer: &mut dyn Observer, time: SimTime) -> std::io::Result<()> {
        let Some(interval) = self.sample_interval else {
            return Ok(());
        };
        let step = interval.as_millis().max(1);
        while self.next_sample < time {
            if !self.changed_since_sample {
                // Nothing changed: jump to the first boundary at or after `time`.
                let t = time.as_millis().div_ceil(step).saturating_mul(step);
                self.next_sample = SimTime::from_millis(t);
                break;
            }
            observer.sample(self, self.next_sample)?;
            self.samples_unconfirmed = true;
            self.changed_since_sample = false;
            self.next_sample += interval;
        }
        Ok(())
    }

    /// Ends the run: pods still live are reported as they are.
    pub fn finish(&mut self, observer: &mut dyn Observer) -> Result<RunOutcome, SimError> {
        let end = self.last_effective;
        // Cancelled timers may have carried the integrals past the last effective event;
        // the world did not change after it, so the excess is the current totals times the
        // overshoot.
        self.metrics
            .advance(&self.cluster, end.max(self.metrics.integrated_to));
        self.metrics.rewind(&self.cluster, end);
        let running: Vec<SimTime> = self
            .pods
            .iter()
            .filter(|(_, p)| !p.phase.is_terminal())
            .filter_map(|(_, p)| p.started_at)
            .collect();
        for started in running {
            self.metrics.add_running(end.saturating_since(started));
        }
        if self.sample_interval.is_some() {
            // Samples taken after the last effective event are past the end of the run.
            observer.commit_samples(Some(end))?;
            // The final state, at the end of the run.
            observer.sample(self, end)?;
            observer.commit_samples(None)?;
        }
        if self.record_pods {
            let live: Vec<PodId> = self.pods.iter().map(|(id, _)| id).collect();
            for id in live {
                let record = self.pod_record(id);
                self.records.push(Record::Pod(record));
            }
        }
        self.flush(observer)?;
        Ok(RunOutcome {
            end_time: self.last_effective,
            stats: self.stats,
            peak_queue_len: self.queue.peak_len(),
            peak_live_pods: self.pods.peak_live(),
            pushed_events: self.queue.pushed(),
        })
    }

    fn flush(&mut self, observer: &mut dyn Observer) -> std::io::Result<()> {
        let mut records = std::mem::take(&mut self.records);
        let handed = observer.records(self, &mut records);
        // Keep the (now empty) buffer so that its allocation is reused.
        records.clear();
        self.records = records;
        handed
    }

    /// Runs one event; returns false for a cancelled timer that found nothing to do.
    fn dispatch(&mut self, event: Event) -> bool {
        match event {
            Event::JobCreated(job) => self.on_job_created(job),
            Event::JobSyncNow(job) => {
                self.jobs[job.idx()].queue.queued = false;
                self.process_job(job);
            }
            Event::JobSyncDue { job, at } => {
                let j = &mut self.jobs[job.idx()];
                if j.queue.waiting_until != Some(at) {
                    return false; // superseded by an earlier add
                }
                j.queue.waiting_until = None;
                if j.queue.queued {
                    return false; // an immediate add of the same key is queued: deduplicated
                }
                self.process_job(job);
            }
            Event::SchedulerCycle => self.on_scheduler_cycle(),
            Event::PodBackoffExpired { pod, generation } => {
                return self.on_pod_backoff_expired(pod, generation);
            }
            Event::UnschedulableFlush => self.on_unschedulable_flush(),
            Event::PodBound {
                pod,
                generation,
                node,
            } => return self.on_pod_bound(pod, generation, node),
            Event::PodSandboxReady { pod, generation } => {
                return self.on_pod_sandbox_ready(pod, generation);
            }
            Event::ImagePulled {
                pod,
                generation,
                report,
            } => return self.on_image_pulled(pod, generation, report),
            Event::PodRunning { pod, generation } => return self.on_pod_running(pod, generation),
            Event::PodReady { pod, generation } => return self.on_pod_ready(pod, generation),
            Event::ContainerExited {
                pod, generation, ..
            } => {
                return self.on_container_exited(pod, generation);
            }
            Event::ContainerRestart { pod, generation } => {
                return self.on_container_restart(pod, generation);
            }
            Event::PodTerminated { pod, generation } => {
                return self.on_pod_terminated(pod, generation);
            }
            Event::PodGc => self.on_pod_gc(),
            Event::Action(i) => return self.on_action(i),
            Event::TtlExpired(job) => return self.on_ttl_expired(job),
            Event::ApiDone(rid) => return self.on_api_done(rid),
            Event::OutageStart(i) => return self.on_outage_start(i),
            Event::NodeFail { node, epoch } => return self.on_node_fail(node, epoch),
            Event::NodeNotReady { node, epoch } => return self.on_node_not_ready(node, epoch),
            Event::NodeRecover { node, epoch } => return self.on_node_recover(node, epoch),
            Event::TaintEviction { pod, node, epoch } => {
                return self.on_taint_eviction(pod, node, epoch);
            }
            Event::AutoscalerLoop => return self.on_autoscaler_loop(),
            Event::NodeProvisioned { pool } => return self.on_node_provisioned(pool),
            Event::CronJobCreated(c) => return self.on_cronjob_created(c),
            Event::CronJobSync { cron, at } => return self.on_cronjob_sync(cron, at),
            Event::Arrival(a) => return self.on_arrival(a),
        }
        true
    }

    /// A worker takes the Job's key from the queue and syncs it. A key that a worker still
    /// processes, or a queue whose workers are all busy, makes the add wait (client-go
    /// `workqueue`: a key is never processed twice at once; `--concurrent-job-syncs`
    /// workers). Syncs only take time when the API client is rate-limited.
    fn process_job(&mut self, job: JobId) {
        let now = self.now;
        let busy_until = self.jobs[job.idx()].queue.processing_until;
        let (worker, free_at) = self
            .job_workers
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(i, t)| (t, i))
            .unwrap_or((0, now));
        let ready_at = busy_until.max(free_at);
        if ready_at > now {
            // Re-added when the key is done / a worker is free: an immediate add.
            self.jobs[job.idx()].queue.queued = true;
            self.queue.push(ready_at, Event::JobSyncNow(job));
            return;
        }
        self.sync_until = now;
        job::sync::sync_job(self, job);
        let until = self.sync_until;
        self.jobs[job.idx()].queue.processing_until = until;
        if let Some(w) = self.job_workers.get_mut(worker) {
            *w = until;
        }
    }

    fn on_job_created(&mut self, job: JobId) {
        if !self.jobs[job.idx()].admitted {
            let (ns, name) = (
                self.jobs[job.idx()].namespace.clone(),
                self.jobs[job.idx()].name.clone(),
            );
            if let Err(message) = self.admit_job(&ns, &name) {
                // The API server refused it: the Job never exists.
                self.event(
                    ObjectRef::Job(job),
                    EventKind::FailedCreate(message.clone()),
                );
                self.jobs[job.idx()].rejected = Some(message);
                return;
            }
            self.jobs[job.idx()].admitted = true;
        }
        let j = &mut self.jobs[job.idx()];
        j.created_at = Some(self.now);
        self.live_names
            .insert((j.namespace.clone(), j.name.clone()), job);
        // addJob: enqueueSyncJobImmediately.
        self.enqueue_job_now(job);
    }

    /// Schedules a self-perpetuating ambient event (a random node failure, the autoscaler's
    /// loop).
    pub(crate) fn push_perpetual(&mut self, at: SimTime, event: Event) {
        self.perpetual_in_queue += 1;
        self.queue.push(at, event);
    }

    /// Nothing but self-perpetuating ambient events is queued: without them the run would
    /// be over, and they alone cannot make a Job progress.
    pub(crate) fn quiescent(&self) -> bool {
        self.queue.len() == self.perpetual_in_queue
    }

    /// `queue.Add`: an immediate sync, deduplicated while one is queued.
    pub fn enqueue_job_now(&mut self, job: JobId) {
        let j = &mut self.jobs[job.idx()];
        if !j.queue.queued {
            j.queue.queued = true;
            self.queue
                .push_in_lane(lane::NOW, self.now, Event::JobSyncNow(job));
        }
    }

    /// `queue.AddAfter(key, delay)`: the earliest waiting add wins.
    pub fn enqueue_job_after(&mut self, job: JobId, delay: SimDuration) {
        if delay.is_zero() {
            self.enqueue_job_now(job);
            return;
        }
        let at = self.now + delay;
        let j = &mut self.jobs[job.idx()];
        if let Some(w) = j.queue.waiting_until
            && w <= at
        {
            return;
        }
        j.queue.waiting_until = Some(at);
        self.queue
            .push_in_lane(lane::JOB_SYNC, at, Event::JobSyncDue { job, at });
    }

    /// `enqueueSyncJobBatched`: pod events and status updates.
    pub fn enqueue_job_batched(&mut self, job: JobId) {
        let d = self.controller.sync_batch_period;
        self.enqueue_job_after(job, d);
    }

    /// Checks the invariants that must hold between any two events. Debug builds run it
    /// after every event; tests call it too.
    pub fn check_invariants(&self) {
        if let Err(e) = self.cluster.check_not_overcommitted() {
            panic!("{e}");
        }
        self.check_quotas();
        // Each node lists exactly its non-terminal bound pods, each knowing its place.
        let mut listed = 0;
        for (i, n) in self.cluster.nodes.iter().enumerate() {
            for (position, &p) in n.pods.iter().enumerate() {
                let pod = self.pods.get(p);
                assert_eq!(
                    pod.node.map(|x| x.idx()),
                    Some(i),
                    "pod listed on the wrong node"
                );
                assert_eq!(
                    self.pods.position_on_node(p) as usize,
                    position,
                    "pod's position on node {} is stale",
                    n.name
                );
                assert!(
                    !pod.phase.is_terminal(),
                    "terminal pod listed on node {}",
                    n.name
                );
            }
            listed += n.pods.len();
        }
        let bound = self
            .pods
            .iter()
            .filter(|(_, p)| p.node.is_some() && !p.phase.is_terminal())
            .count();
        assert_eq!(listed, bound, "node pod lists out of date");
        for j in &self.jobs {
            let mut active = 0;
            let mut ready = 0;
            let mut terminating = 0;
            for (position, &p) in j.pods.iter().enumerate() {
                let pod = self.pods.get(p);
                assert_eq!(pod.job, j.id);
                assert_eq!(
                    self.pods.position_in_job(p) as usize,
                    position,
                    "pod's position in job {} is stale",
                    j.name
                );
                active += i32::from(pod.is_active());
                ready += i32::from(pod.is_active() && pod.ready);
                terminating += i32::from(pod.is_terminating());
            }
            if j.spec.is_indexed() && !j.index_cleanup_needed {
                let completions = j.spec.completions.unwrap_or(0).max(0) as u32;
                let mut held: Vec<u32> = j
                    .pods
                    .iter()
                    .map(|&p| self.pods.get(p))
                    .filter(|p| p.is_active())
                    .map(|p| p.index)
                    .collect();
                held.sort_unstable();
                assert!(
                    held.windows(2).all(|w| w[0] != w[1]),
                    "job {}: two active pods share an index",
                    j.name
                );
                assert!(
                    held.iter().all(|&i| i < completions),
                    "job {}: index out of range",
                    j.name
                );
            }
            assert_eq!(j.counts.active, active, "job {} active count", j.name);
            assert_eq!(j.counts.ready, ready, "job {} ready count", j.name);
            assert_eq!(
                j.counts.terminating, terminating,
                "job {} terminating count",
                j.name
            );
            if j.status.is_finished() {
                assert_eq!(
                    j.status.active, 0,
                    "finished job {} has active pods",
                    j.name
                );
            }
            assert!(
                !(j.status
                    .has_true(crate::api::job::JobConditionType::Complete)
                    && j.status.has_true(crate::api::job::JobConditionType::Failed)),
                "job {} both Complete and Failed",
                j.name
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::job::JobConditionType;
    use crate::sim::records::Collect;
    use crate::sim::testing;
    use crate::workload::{Distribution, PodBehavior};

    fn fixed(secs: u64) -> PodBehavior {
        PodBehavior {
            run_time: Distribution::Fixed(SimDuration::from_secs(secs)),
            ..PodBehavior::default()
        }
    }

    #[test]
    fn the_default_time_limit_follows_the_simulated_period() {
        let mut w = World::new(testing::config(1, vec![]));
        let limits = RunLimits::default();
        assert_eq!(w.time_limit(limits), SimTime::ZERO + DEFAULT_TIME_SLACK);
        w.horizon = Some(SimTime::from_secs(45 * 86_400));
        assert_eq!(w.time_limit(limits), SimTime::from_secs(75 * 86_400));
        let explicit = RunLimits {
            max_sim_time: Some(SimTime::from_secs(3_600)),
            ..limits
        };
        assert_eq!(w.time_limit(explicit), SimTime::from_secs(3_600));
    }

    #[test]
    fn events_stay_small() {
        // The queue holds millions of events in large runs, and popping compares the four
        // children of a heap node: at 16 bytes an event makes a 32-byte queue entry, and
        // the four children fill two cache lines (at 24 bytes, three or four).
        assert!(
            std::mem::size_of::<Event>() <= 16,
            "{}",
            std::mem::size_of::<Event>()
        );
    }

    #[test]
    fn completions_20_parallelism_5_ten_second_pods() {
        let mut spec = testing::spec();
        spec.completions = Some(20);
        spec.parallelism = 5;
        let mut w = World::new(testing::config(3, vec![(spec, fixed(10))]));
        let mut obs = Collect::default();
        w.run(&mut obs, RunLimits::default()).unwrap();
        let job = &w.jobs[0];
        assert!(job.status.has_true(JobConditionType::Complete));
        // Four waves of 10 s; each wave's successes are seen 1 s later (syncJobBatchPeriod).
        assert_eq!(job.status.completion_time, Some(SimTime::from_secs(44)));
        assert_eq!(job.status.succeeded, 20);
        assert_eq!(job.status.failed, 0);
        assert_eq!(obs.pods.len(), 20);
    }
}
