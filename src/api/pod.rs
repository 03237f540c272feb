//! Pods, as the simulation tracks them, and the slab that stores the live ones.
//!
//! A pod here is the API object plus what its kubelet knows. Its life (upstream
//! `pkg/kubelet`, `pkg/registry/core/pod/strategy.go`):
//!
//! ```text
//!  created ──bind──▶ Pending(on node) ──start-up──▶ Running ──exit──▶ Succeeded | Failed
//!     │                    │                          │
//!     └──── delete ────────┴──── delete: deletionTimestamp set, graceful termination ──▶ Failed
//! ```
//!
//! Phases only move forward. A pod that is deleted keeps its object while it terminates and
//! while the Job's tracking finalizer (`batch.kubernetes.io/job-tracking`) is on it; jobsim
//! drops the object as soon as neither holds, because nothing reads a finished,
//! finalizer-free pod again. That is what keeps memory proportional to running pods.

use thin_vec::ThinVec;

use super::{JobId, NodeId, PodId};
use crate::engine::time::{SimDuration, SimTime};

/// Index value of a pod of a NonIndexed Job.
pub const NO_INDEX: u32 = u32::MAX;

/// `status.phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl PodPhase {
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
        }
    }
}

/// Why a container (and so its pod) terminated: the `reason` of its terminated state, or
/// the pod's `status.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminationReason {
    /// Exit code 0.
    Completed,
    /// Non-zero exit code.
    Error,
    /// Killed by the kernel for exceeding its memory limit (exit code 137).
    OOMKilled,
    /// The pod's own `activeDeadlineSeconds` passed (pod `status.reason`).
    DeadlineExceeded,
    /// Evicted by the kubelet or the eviction API (pod `status.reason`).
    Evicted,
    /// Stopped by a deletion (SIGTERM, then SIGKILL after the grace period).
    Killed,
    /// The container was gone when the kubelet came back (its node failed), reported with
    /// exit code 137.
    ContainerStatusUnknown,
}

impl TerminationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TerminationReason::Completed => "Completed",
            TerminationReason::Error => "Error",
            TerminationReason::OOMKilled => "OOMKilled",
            TerminationReason::DeadlineExceeded => "DeadlineExceeded",
            TerminationReason::Evicted => "Evicted",
            TerminationReason::Killed => "Killed",
            TerminationReason::ContainerStatusUnknown => "ContainerStatusUnknown",
        }
    }
}

/// Reasons of the `DisruptionTarget` pod condition (`pkg/apis/core/types.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisruptionReason {
    PreemptionByScheduler,
    DeletionByTaintManager,
    EvictionByEvictionAPI,
    DeletionByPodGC,
    TerminationByKubelet,
}

impl DisruptionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DisruptionReason::PreemptionByScheduler => "PreemptionByScheduler",
            DisruptionReason::DeletionByTaintManager => "DeletionByTaintManager",
            DisruptionReason::EvictionByEvictionAPI => "EvictionByEvictionAPI",
            DisruptionReason::DeletionByPodGC => "DeletionByPodGC",
            DisruptionReason::TerminationByKubelet => "TerminationByKubelet",
        }
    }
}

/// The terminated state of one container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContainerExit {
    /// Position among the template's regular containers, then its init containers.
    pub container: u16,
    pub exit_code: i32,
    pub reason: TerminationReason,
}

/// The planned end of a running container: decided by the workload model when the run
/// starts, applied when it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingExit {
    /// The kubelet evicts the pod at `at` (node pressure) rather than the container exiting.
    pub evicted: bool,
    pub exit: ContainerExit,
    pub other_exits: ThinVec<ContainerExit>,
    pub conditions: ThinVec<String>,
    /// When the run ends on its own.
    pub at: SimTime,
}

/// Who asked for a pod's deletion; decides events and conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletedBy {
    /// The Job controller (scale-down, suspension, or finishing the Job).
    JobController,
    /// A scripted, external `kubectl delete pod`.
    User,
    /// Eviction, preemption or node failure: carries DisruptionTarget.
    Disruption(DisruptionReason),
    /// Cascading deletion of the owning Job (TTL or explicit delete).
    GarbageCollector,
}

/// A deletion request: `metadata.deletionTimestamp` and `deletionGracePeriodSeconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// When the DELETE was issued.
    pub requested_at: SimTime,
    pub grace: SimDuration,
    pub by: DeletedBy,
}

/// A live pod.
#[derive(Clone, Debug)]
pub struct Pod {
    pub job: JobId,
    /// Completion index, or [`NO_INDEX`].
    pub index: u32,
    /// Creation order within the Job (0, 1, 2, ...).
    pub ordinal: u32,
    /// Attempt number of the current (or last) run: for Indexed Jobs runs of the index are
    /// numbered across pods and restarts; for NonIndexed Jobs it is the restart count.
    pub attempt: u32,
    /// What the current run will do when it ends (decided when it starts).
    pub pending_exit: Option<PendingExit>,
    /// kubelet crash-loop back-off of the container (restartPolicy OnFailure).
    pub crash_backoff: SimDuration,
    /// Finish time of the exit that last advanced the crash-loop back-off.
    pub crash_backoff_updated: Option<SimTime>,
    pub node: Option<NodeId>,
    /// Node the scheduler reserved while its binding is in flight.
    pub assumed_node: Option<NodeId>,
    pub phase: PodPhase,
    pub ready: bool,
    pub created_at: SimTime,
    pub scheduled_at: Option<SimTime>,
    pub started_at: Option<SimTime>,
    pub ready_at: Option<SimTime>,
    pub finished_at: Option<SimTime>,
    pub deletion: Option<Deletion>,
    /// `batch.kubernetes.io/job-tracking`.
    pub has_finalizer: bool,
    /// Sum of container restarts (restartPolicy OnFailure).
    pub restart_count: u32,
    /// The container exit that decided the pod's fate (or the last one, under OnFailure).
    pub exit: Option<ContainerExit>,
    /// Exits of further containers, for multi-container pods (podFailurePolicy looks at all).
    pub other_exits: ThinVec<ContainerExit>,
    /// `DisruptionTarget=True` and its reason.
    pub disruption: Option<DisruptionReason>,
    /// Further True pod conditions set by a scenario script (matched by onPodConditions).
    pub extra_conditions: ThinVec<String>,
    /// Pod-level reason (`status.reason`), e.g. Evicted or DeadlineExceeded.
    pub reason: Option<TerminationReason>,
    /// `batch.kubernetes.io/job-index-failure-count` (backoffLimitPerIndex).
    pub index_failure_count: u32,
    /// `batch.kubernetes.io/job-index-ignored-failure-count`.
    pub index_ignored_failure_count: u32,
    /// Failed scheduling attempts (scheduler back-off).
    pub scheduling_attempts: u32,
    /// Bumped on every kubelet state change, so that stale timers are recognised.
    pub generation: u32,
    /// Set once the Job controller has accounted the pod (or decided never to).
    pub accounted: bool,
    /// backoffLimitPerIndex: the sync that first saw this failed pod has decided its index
    /// (failed, or pending again).
    pub index_released: bool,
    /// The cluster-autoscaler has reported whether this pod triggers a scale-up.
    pub scale_up_noted: bool,
    /// The random part of the pod's name (`generateName`'s five characters), made once at
    /// creation when the run shows names (it records events or pods): a W1 run shows each
    /// name four times. All zero otherwise; `World::pod_name` makes it then.
    pub name_suffix: [u8; crate::api::names::RANDOM_LENGTH],
}

impl Pod {
    /// Not terminal and not being deleted: what the Job controller calls *active*
    /// (`controller.FilterActivePods`).
    pub fn is_active(&self) -> bool {
        !self.phase.is_terminal() && self.deletion.is_none()
    }

    /// Being deleted but not yet terminal (`controller.CountTerminatingPods`).
    pub fn is_terminating(&self) -> bool {
        !self.phase.is_terminal() && self.deletion.is_some()
    }

    /// The pod's finish time as the Job controller computes it for back-off
    /// (`getFinishedTime` in `backoff_utils.go`): the containers' `finishedAt`, else the
    /// deletion request time, else the creation time — always as the API stores them, in
    /// whole seconds.
    pub fn api_finish_time(&self) -> SimTime {
        if let Some(t) = self.finished_at {
            return t.api_truncated();
        }
        if let Some(d) = self.deletion {
            // deletionTimestamp - deletionGracePeriodSeconds, both whole seconds.
            return d.requested_at.api_truncated();
        }
        self.created_at.api_truncated()
    }
}

/// The slab of live pods. Freed slots are reused (last freed, first reused), which keeps
/// the working set proportional to the number of live pods.
#[derive(Debug, Default)]
pub struct PodStore {
    slots: Vec<Option<Pod>>,
    free: Vec<u32>,
    live: usize,
    peak_live: usize,
    /// Per-slot generation carried over between occupants, so that an event for a pod that
    /// is gone can never match the slot's next pod.
    generations: Vec<u32>,
    /// Each slot's position in its Job's pod list and (while bound) in its node's, for
    /// removal without a search. They live here rather than in the pods: when a pod leaves
    /// a list, the list's last pod takes its place and its position changes, and writing
    /// it into that pod (idle for a minute, out of the cache) was a cache miss per pod.
    in_job: Vec<u32>,
    on_node: Vec<u32>,
}

impl PodStore {
    /// Inserts the pod that `make` builds for the generation its slot gets. The pod is
    /// built straight into the slot: built first and moved in, it was copied whole (216
    /// bytes) on every creation.
    #[inline]
    pub fn insert(&mut self, make: impl FnOnce(u32) -> Pod) -> PodId {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.generations.push(0);
                self.in_job.push(0);
                self.on_node.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        let generation = &mut self.generations[slot as usize];
        *generation = generation.wrapping_add(1);
        let generation = *generation;
        let place = &mut self.slots[slot as usize];
        debug_assert!(place.is_none(), "a free slot holds a pod");
        place.get_or_insert_with(|| make(generation));
        self.live += 1;
        self.peak_live = self.peak_live.max(self.live);
        PodId(slot)
    }

    /// The slot the next insert will take, if it is a free one.
    #[inline]
    pub fn next_free(&self) -> Option<u32> {
        self.free.last().copied()
    }

    /// Starts loading slot `slot` and its generation, for an insert soon.
    #[inline]
    pub fn prefetch_slot(&self, slot: u32) {
        self.prefetch(PodId(slot));
        if let Some(generation) = self.generations.get(slot as usize) {
            crate::engine::prefetch(generation);
        }
    }

    /// Removes a pod and returns it.
    pub fn remove(&mut self, id: PodId) -> Pod {
        let pod = self.slots[id.idx()]
            .take()
            .expect("removing a pod that is not live");
        self.generations[id.idx()] = pod.generation;
        self.free.push(id.0);
        self.live -= 1;
        pod
    }

    /// Removes a pod where it lies (no copy of the object) and returns its Job and its
    /// position in the Job's pod list.
    pub fn discard(&mut self, id: PodId) -> (JobId, u32) {
        let pod = self.get(id);
        let (job, slot, generation) = (pod.job, self.in_job[id.idx()], pod.generation);
        self.slots[id.idx()] = None;
        self.generations[id.idx()] = generation;
        self.free.push(id.0);
        self.live -= 1;
        (job, slot)
    }

    #[inline]
    pub fn get(&self, id: PodId) -> &Pod {
        self.slots[id.idx()]
            .as_ref()
            .expect("pod id refers to a live pod")
    }

    #[inline]
    pub fn get_mut(&mut self, id: PodId) -> &mut Pod {
        self.slots[id.idx()]
            .as_mut()
            .expect("pod id refers to a live pod")
    }

    /// The pod in `id`'s slot if it is live and its generation is `generation`: how timers
    /// find out whether they are stale.
    #[inline]
    pub fn get_current(&mut self, id: PodId, generation: u32) -> Option<&mut Pod> {
        match self.slots.get_mut(id.idx()) {
            Some(Some(p)) if p.generation == generation => Some(p),
            _ => None,
        }
    }

    /// Starts loading the pod of `id`'s slot into the cache, for a use soon.
    #[inline]
    pub fn prefetch(&self, id: PodId) {
        if let Some(slot) = self.slots.get(id.idx()) {
            crate::engine::prefetch(slot);
        }
    }

    /// The pod in `id`'s slot, if any.
    #[inline]
    pub fn get_opt(&self, id: PodId) -> Option<&Pod> {
        self.slots.get(id.idx()).and_then(|p| p.as_ref())
    }

    /// The pod's position in its Job's pod list.
    #[inline]
    pub fn position_in_job(&self, id: PodId) -> u32 {
        self.in_job[id.idx()]
    }

    #[inline]
    pub fn set_position_in_job(&mut self, id: PodId, position: u32) {
        self.in_job[id.idx()] = position;
    }

    /// The pod's position in its node's pod list (meaningful while it is bound).
    #[inline]
    pub fn position_on_node(&self, id: PodId) -> u32 {
        self.on_node[id.idx()]
    }

    /// Starts loading `id`'s position in its node's pod list, for its removal soon.
    #[inline]
    pub fn prefetch_position_on_node(&self, id: PodId) {
        if let Some(position) = self.on_node.get(id.idx()) {
            crate::engine::prefetch(position);
        }
    }

    #[inline]
    pub fn set_position_on_node(&mut self, id: PodId, position: u32) {
        self.on_node[id.idx()] = position;
    }

    /// Advances a pod's generation, invalidating every timer scheduled for it so far.
    #[inline]
    pub fn bump(&mut self, id: PodId) -> u32 {
        let p = self.get_mut(id);
        p.generation = p.generation.wrapping_add(1);
        p.generation
    }

    pub fn live(&self) -> usize {
        self.live
    }

    pub fn peak_live(&self) -> usize {
        self.peak_live
    }

    /// Live pods in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (PodId, &Pod)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (PodId(i as u32), p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thousands of pods are live at once and every event touches one: a pod stays within
    /// four cache lines (one-word optional times, one-word lists of rare extras).
    #[test]
    fn a_pod_stays_small() {
        assert!(
            std::mem::size_of::<Pod>() <= 216,
            "Pod grew to {} bytes",
            std::mem::size_of::<Pod>()
        );
    }

    fn pod() -> Pod {
        Pod {
            job: JobId(0),
            index: NO_INDEX,
            ordinal: 0,
            attempt: 0,
            pending_exit: None,
            crash_backoff: SimDuration::ZERO,
            crash_backoff_updated: None,
            node: None,
            assumed_node: None,
            phase: PodPhase::Pending,
            ready: false,
            created_at: SimTime::from_millis(1234),
            scheduled_at: None,
            started_at: None,
            ready_at: None,
            finished_at: None,
            deletion: None,
            has_finalizer: true,
            restart_count: 0,
            exit: None,
            other_exits: ThinVec::new(),
            disruption: None,
            extra_conditions: ThinVec::new(),
            reason: None,
            index_failure_count: 0,
            index_ignored_failure_count: 0,
            scheduling_attempts: 0,
            generation: 0,
            accounted: false,
            index_released: false,
            scale_up_noted: false,
            name_suffix: [0; crate::api::names::RANDOM_LENGTH],
        }
    }

    #[test]
    fn reused_slots_never_match_stale_generations() {
        let mut store = PodStore::default();
        let made = |generation| Pod {
            generation,
            ..pod()
        };
        let a = store.insert(made);
        let gen_a = store.get(a).generation;
        store.remove(a);
        let b = store.insert(made);
        assert_eq!(a, b, "the freed slot is reused");
        assert!(store.get_current(b, gen_a).is_none());
        let gen_b = store.get(b).generation;
        assert!(store.get_current(b, gen_b).is_some());
        assert_eq!(store.live(), 1);
        assert_eq!(store.peak_live(), 1);
    }

    #[test]
    fn finish_time_prefers_containers_then_deletion_then_creation() {
        let mut p = pod();
        assert_eq!(p.api_finish_time(), SimTime::from_secs(1));
        p.deletion = Some(Deletion {
            requested_at: SimTime::from_millis(5_900),
            grace: SimDuration::from_secs(30),
            by: DeletedBy::User,
        });
        assert_eq!(p.api_finish_time(), SimTime::from_secs(5));
        p.finished_at = Some(SimTime::from_millis(9_999));
        assert_eq!(p.api_finish_time(), SimTime::from_secs(9));
    }
}
