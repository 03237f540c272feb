//! The batch/v1 Job, as the simulation sees it: spec already defaulted and validated
//! (`pkg/apis/batch/v1/defaults.go`, `pkg/apis/batch/validation/validation.go`), status as
//! the Job controller writes it (`staging/src/k8s.io/api/batch/v1/types.go`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::intervals::Intervals;
use super::resources::Resources;
use crate::engine::time::{SimDuration, SimTime};

/// `spec.completionMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionMode {
    NonIndexed,
    Indexed,
}

/// The pod template's `restartPolicy`; a Job accepts only these two (validation rejects
/// `Always`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    Never,
    OnFailure,
}

/// `spec.podReplacementPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodReplacementPolicy {
    /// Replace a pod as soon as it is terminating (has a deletionTimestamp) or failed.
    TerminatingOrFailed,
    /// Replace a pod only once it has reached phase Failed.
    Failed,
}

/// `spec.podFailurePolicy.rules[].action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodFailurePolicyAction {
    FailJob,
    FailIndex,
    Ignore,
    Count,
}

impl fmt::Display for PodFailurePolicyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PodFailurePolicyAction::FailJob => "FailJob",
            PodFailurePolicyAction::FailIndex => "FailIndex",
            PodFailurePolicyAction::Ignore => "Ignore",
            PodFailurePolicyAction::Count => "Count",
        })
    }
}

/// `onExitCodes.operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCodeOperator {
    In,
    NotIn,
}

/// `rules[].onExitCodes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnExitCodes {
    /// Restricts the rule to one container (regular or init) of the pod.
    pub container_name: Option<String>,
    pub operator: ExitCodeOperator,
    /// Sorted ascending, without duplicates (validation enforces it).
    pub values: Vec<i32>,
}

/// Condition status, as in core/v1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

impl fmt::Display for ConditionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        })
    }
}

/// `rules[].onPodConditions[]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnPodCondition {
    pub condition_type: String,
    pub status: ConditionStatus,
}

/// One `podFailurePolicy` rule: exactly one of the two matchers is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodFailurePolicyRule {
    pub action: PodFailurePolicyAction,
    pub on_exit_codes: Option<OnExitCodes>,
    pub on_pod_conditions: Vec<OnPodCondition>,
}

/// `spec.podFailurePolicy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodFailurePolicy {
    pub rules: Vec<PodFailurePolicyRule>,
}

/// One `spec.successPolicy.rules[]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessPolicyRule {
    pub succeeded_indexes: Option<Intervals>,
    pub succeeded_count: Option<i32>,
}

/// `spec.successPolicy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessPolicy {
    pub rules: Vec<SuccessPolicyRule>,
}

/// `imagePullPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never,
}

/// A container of the pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub image_pull_policy: ImagePullPolicy,
    pub requests: Resources,
    pub limits: Resources,
    /// An init container with `restartPolicy: Always` (a sidecar): it keeps running beside the
    /// regular containers and is stopped when they have all finished.
    pub sidecar: bool,
}

/// `preemptionPolicy` of a pod (set from its PriorityClass by admission).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreemptionPolicy {
    #[default]
    PreemptLowerPriority,
    Never,
}

/// A taint effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl fmt::Display for TaintEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        })
    }
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

/// `tolerations[].operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

/// A pod toleration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// Empty with operator Exists tolerates every taint.
    pub key: String,
    pub operator: TolerationOperator,
    pub value: String,
    /// `None` tolerates every effect.
    pub effect: Option<TaintEffect>,
    /// For NoExecute: how long the pod stays bound after the taint appears.
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// `v1.Toleration.ToleratesTaint` (`staging/src/k8s.io/api/core/v1/toleration.go`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect
            && effect != taint.effect
        {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => self.value == taint.value,
        }
    }
}

/// `nodeSelectorTerms[].matchExpressions[].operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

/// One node selector requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    pub values: Vec<String>,
}

impl NodeSelectorRequirement {
    /// Whether a node with `labels` satisfies the requirement
    /// (`k8s.io/component-helpers/scheduling/corev1/nodeaffinity`).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            SelectorOperator::In => value.is_some_and(|v| self.values.contains(v)),
            SelectorOperator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            SelectorOperator::Exists => value.is_some(),
            SelectorOperator::DoesNotExist => value.is_none(),
            SelectorOperator::Gt | SelectorOperator::Lt => {
                let (Some(v), Some(bound)) = (value, self.values.first()) else {
                    return false;
                };
                let (Ok(v), Ok(bound)) = (v.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.operator == SelectorOperator::Gt {
                    v > bound
                } else {
                    v < bound
                }
            }
        }
    }
}

/// `requiredDuringSchedulingIgnoredDuringExecution`: the terms are ORed, the requirements
/// of a term ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredNodeAffinity {
    pub terms: Vec<Vec<NodeSelectorRequirement>>,
}

impl RequiredNodeAffinity {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.terms.is_empty()
            || self
                .terms
                .iter()
                .any(|term| term.iter().all(|r| r.matches(labels)))
    }
}

/// A preferred node-affinity term and its weight (1-100).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferredNodeAffinity {
    pub weight: i32,
    pub requirements: Vec<NodeSelectorRequirement>,
}

/// The parts of `spec.template` the simulation uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTemplate {
    pub labels: BTreeMap<String, String>,
    pub restart_policy: RestartPolicy,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    /// What the pod asks the scheduler for: the larger of the sum over regular containers
    /// (plus sidecars) and the largest init container, plus `overhead`, plus one pod
    /// (`k8s.io/component-helpers/resource.PodRequests`).
    pub requests: Resources,
    /// CPU and memory requests with kube-scheduler's defaults (100m, 200 MiB) for containers
    /// that do not set them: what the scoring plugins use.
    pub nonzero_requests: (i64, i64),
    /// Memory limit of the first container, if any (OOM modelling).
    pub memory_limit_bytes: Option<i64>,
    pub termination_grace_period: SimDuration,
    /// The pod-level `activeDeadlineSeconds` (kubelet kills the pod; a normal pod failure).
    pub active_deadline: Option<SimDuration>,
    pub node_selector: BTreeMap<String, String>,
    pub required_affinity: RequiredNodeAffinity,
    pub preferred_affinity: Vec<PreferredNodeAffinity>,
    pub tolerations: Vec<Toleration>,
    pub priority_class_name: Option<String>,
    /// Resolved `priority` (0 unless a PriorityClass of the inputs says otherwise).
    pub priority: i32,
    /// `spec.priority` as the manifest wrote it (admission rejects a mismatch).
    pub spec_priority: Option<i32>,
    /// Whether the pod may preempt lower-priority pods (from its PriorityClass).
    pub preemption_policy: PreemptionPolicy,
    pub scheduler_name: String,
}

impl PodTemplate {
    /// Position of a container by name among regular containers then init containers.
    pub fn container_names(&self) -> impl Iterator<Item = &str> {
        self.containers
            .iter()
            .chain(self.init_containers.iter())
            .map(|c| c.name.as_str())
    }
}

/// A Job's spec after defaulting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    pub parallelism: i32,
    /// `None` is work-queue mode.
    pub completions: Option<i32>,
    pub completion_mode: CompletionMode,
    pub backoff_limit: i32,
    pub backoff_limit_per_index: Option<i32>,
    pub max_failed_indexes: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds_after_finished: Option<i32>,
    pub suspend: bool,
    pub pod_replacement_policy: PodReplacementPolicy,
    pub pod_failure_policy: Option<PodFailurePolicy>,
    pub success_policy: Option<SuccessPolicy>,
    /// Set when another controller manages the Job: the built-in controller leaves it alone.
    pub managed_by: Option<String>,
    pub template: Arc<PodTemplate>,
}

impl JobSpec {
    pub fn is_indexed(&self) -> bool {
        self.completion_mode == CompletionMode::Indexed
    }

    pub fn has_backoff_limit_per_index(&self) -> bool {
        self.backoff_limit_per_index.is_some()
    }
}

/// The Job condition types of batch/v1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobConditionType {
    Suspended,
    FailureTarget,
    SuccessCriteriaMet,
    Complete,
    Failed,
}

impl fmt::Display for JobConditionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobConditionType::Suspended => "Suspended",
            JobConditionType::FailureTarget => "FailureTarget",
            JobConditionType::SuccessCriteriaMet => "SuccessCriteriaMet",
            JobConditionType::Complete => "Complete",
            JobConditionType::Failed => "Failed",
        })
    }
}

/// Condition reasons and messages, verbatim from upstream (`batch/v1` types and
/// `pkg/controller/job/job_controller.go`).
pub mod reason {
    pub const BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
    pub const BACKOFF_LIMIT_EXCEEDED_MESSAGE: &str = "Job has reached the specified backoff limit";
    pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
    pub const DEADLINE_EXCEEDED_MESSAGE: &str = "Job was active longer than specified deadline";
    pub const POD_FAILURE_POLICY: &str = "PodFailurePolicy";
    pub const MAX_FAILED_INDEXES_EXCEEDED: &str = "MaxFailedIndexesExceeded";
    pub const MAX_FAILED_INDEXES_EXCEEDED_MESSAGE: &str =
        "Job has exceeded the specified maximal number of failed indexes";
    pub const FAILED_INDEXES: &str = "FailedIndexes";
    pub const FAILED_INDEXES_MESSAGE: &str = "Job has failed indexes";
    pub const SUCCESS_POLICY: &str = "SuccessPolicy";
    pub const COMPLETIONS_REACHED: &str = "CompletionsReached";
    pub const COMPLETIONS_REACHED_MESSAGE: &str = "Reached expected number of succeeded pods";
    pub const JOB_SUSPENDED: &str = "JobSuspended";
    pub const JOB_SUSPENDED_MESSAGE: &str = "Job suspended";
    pub const JOB_RESUMED: &str = "JobResumed";
    pub const JOB_RESUMED_MESSAGE: &str = "Job resumed";
}

/// One entry of `status.conditions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobCondition {
    pub condition_type: JobConditionType,
    pub status: ConditionStatus,
    pub reason: String,
    pub message: String,
    /// As stored by the API server: whole seconds.
    pub last_transition_time: SimTime,
}

/// `status` of a Job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobStatus {
    pub conditions: Vec<JobCondition>,
    pub start_time: Option<SimTime>,
    pub completion_time: Option<SimTime>,
    pub active: i32,
    pub ready: i32,
    pub terminating: i32,
    pub succeeded: i32,
    pub failed: i32,
    /// Indexed Jobs only.
    pub completed_indexes: Intervals,
    /// Present (possibly empty) only with backoffLimitPerIndex.
    pub failed_indexes: Option<Intervals>,
}

impl JobStatus {
    pub fn condition(&self, t: JobConditionType) -> Option<&JobCondition> {
        self.conditions.iter().find(|c| c.condition_type == t)
    }

    /// Whether condition `t` is present with status True.
    pub fn has_true(&self, t: JobConditionType) -> bool {
        self.condition(t)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// `util.IsJobFinished`: Complete or Failed is True.
    pub fn is_finished(&self) -> bool {
        self.has_true(JobConditionType::Complete) || self.has_true(JobConditionType::Failed)
    }

    /// `ensureJobConditionStatus`: appends or updates the condition of type `t`; never appends
    /// a False condition. Returns whether anything changed.
    pub fn ensure_condition(
        &mut self,
        t: JobConditionType,
        status: ConditionStatus,
        reason: &str,
        message: &str,
        now: SimTime,
    ) -> bool {
        if let Some(c) = self.conditions.iter_mut().find(|c| c.condition_type == t) {
            if c.status != status || c.reason != reason || c.message != message {
                *c = JobCondition {
                    condition_type: t,
                    status,
                    reason: reason.to_string(),
                    message: message.to_string(),
                    last_transition_time: now.api_truncated(),
                };
                return true;
            }
            return false;
        }
        if status != ConditionStatus::False {
            self.conditions.push(JobCondition {
                condition_type: t,
                status,
                reason: reason.to_string(),
                message: message.to_string(),
                last_transition_time: now.api_truncated(),
            });
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_condition_never_appends_false_and_updates_in_place() {
        let mut s = JobStatus::default();
        let t0 = SimTime::from_millis(1500);
        assert!(!s.ensure_condition(
            JobConditionType::Suspended,
            ConditionStatus::False,
            "JobResumed",
            "Job resumed",
            t0
        ));
        assert!(s.conditions.is_empty());
        assert!(s.ensure_condition(
            JobConditionType::Suspended,
            ConditionStatus::True,
            "JobSuspended",
            "Job suspended",
            t0
        ));
        assert_eq!(s.conditions[0].last_transition_time, SimTime::from_secs(1));
        assert!(!s.ensure_condition(
            JobConditionType::Suspended,
            ConditionStatus::True,
            "JobSuspended",
            "Job suspended",
            t0
        ));
        assert!(s.ensure_condition(
            JobConditionType::Suspended,
            ConditionStatus::False,
            "JobResumed",
            "Job resumed",
            SimTime::from_secs(9)
        ));
        assert_eq!(s.conditions.len(), 1);
        assert_eq!(s.conditions[0].status, ConditionStatus::False);
        assert!(!s.is_finished());
    }

    #[test]
    fn tolerations_follow_tolerates_taint() {
        let taint = Taint {
            key: "dedicated".into(),
            value: "gpu".into(),
            effect: TaintEffect::NoSchedule,
        };
        let exact = Toleration {
            key: "dedicated".into(),
            operator: TolerationOperator::Equal,
            value: "gpu".into(),
            effect: Some(TaintEffect::NoSchedule),
            toleration_seconds: None,
        };
        assert!(exact.tolerates(&taint));
        let wildcard = Toleration {
            key: String::new(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: None,
            toleration_seconds: None,
        };
        assert!(wildcard.tolerates(&taint));
        let other_effect = Toleration {
            effect: Some(TaintEffect::NoExecute),
            ..exact.clone()
        };
        assert!(!other_effect.tolerates(&taint));
        let other_value = Toleration {
            value: "cpu".into(),
            ..exact
        };
        assert!(!other_value.tolerates(&taint));
    }

    #[test]
    fn node_selector_requirements() {
        let labels: BTreeMap<String, String> = [("zone", "a"), ("cores", "16")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let req = |key: &str, op, values: &[&str]| NodeSelectorRequirement {
            key: key.into(),
            operator: op,
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        assert!(req("zone", SelectorOperator::In, &["a", "b"]).matches(&labels));
        assert!(!req("zone", SelectorOperator::NotIn, &["a"]).matches(&labels));
        assert!(req("gpu", SelectorOperator::NotIn, &["x"]).matches(&labels));
        assert!(req("gpu", SelectorOperator::DoesNotExist, &[]).matches(&labels));
        assert!(req("cores", SelectorOperator::Gt, &["8"]).matches(&labels));
        assert!(!req("cores", SelectorOperator::Lt, &["8"]).matches(&labels));
        let aff = RequiredNodeAffinity {
            terms: vec![
                vec![req("zone", SelectorOperator::In, &["b"])],
                vec![req("cores", SelectorOperator::Exists, &[])],
            ],
        };
        assert!(aff.matches(&labels));
    }
}
