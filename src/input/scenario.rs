//! The scenario file: `apiVersion: jobsim.dev/v1alpha1`, `kind: Scenario`.
//!
//! Its schema is jobsim's own, so unknown fields are errors (a typo must not silently
//! change a capacity plan). The full reference with an example for every field is
//! docs/scenario.md; the serde types below are that reference in code.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::duration::{DurationField, parse_duration};
use crate::api::intervals::Intervals;
use crate::api::quantity::Quantity;
use crate::engine::time::SimDuration;
use crate::workload::{AmountDistribution, Distribution};

pub const API_VERSION: &str = "jobsim.dev/v1alpha1";
pub const KIND: &str = "Scenario";

/// The whole document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioDoc {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ScenarioMeta,
    #[serde(default)]
    pub spec: ScenarioSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioMeta {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// `spec` of a scenario.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioSpec {
    /// Seed of every random stream (default 1).
    pub seed: Option<u64>,
    /// `ideal` (default: no latencies, unlimited control plane) or `realistic` (upstream
    /// defaults for every latency and rate limit; see docs/model.md).
    pub profile: Option<String>,
    /// Kubernetes version whose behaviour to follow ("1.29" … "1.34"; default the newest).
    pub kubernetes_version: Option<String>,
    /// Further manifest files, relative to the scenario file.
    #[serde(default)]
    pub manifests: Vec<String>,
    /// The wall-clock time at which the simulation starts (RFC 3339; CronJob schedules are
    /// evaluated on it). Default 2026-01-05T00:00:00Z, a Monday.
    pub start_time: Option<String>,
    /// The simulated period: CronJobs start no Job scheduled after it (default 1d).
    pub duration: Option<DurationField>,
    pub cluster: Option<ClusterSpec>,
    pub scheduler: Option<SchedulerSpec>,
    /// API clients of the control plane (absent: unlimited, requests take effect at once).
    pub control_plane: Option<ControlPlaneSpec>,
    pub timing: Option<TimingSpec>,
    /// Pod behaviour of Jobs not listed under `jobs`, and the base of those listed.
    pub defaults: Option<DefaultsSpec>,
    #[serde(default)]
    pub jobs: Vec<JobEntry>,
    /// Things done to Jobs and pods at given times.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// Copies of Job manifests submitted over time (ad-hoc runs, a replayed log).
    #[serde(default)]
    pub arrivals: Vec<ArrivalSpec>,
    /// What `jobsim sweep` varies (ignored by `jobsim run`).
    pub sweep: Option<SweepDoc>,
}

/// `spec.arrivals[]`: copies of one Job manifest, submitted over time. Exactly one of
/// `interval`, `times` and `csv`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArrivalSpec {
    /// `metadata.name` of the Job manifest every arrival copies (it does not run itself).
    pub job: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Gaps between arrivals (`{exponential: {mean: 20m}}` is a Poisson process; `10m`
    /// fixed); the first arrival comes one gap after `start`.
    pub interval: Option<DistributionField>,
    /// When the interval process starts (default 0s).
    pub start: Option<DurationField>,
    /// No arrival after this (default: the end of the simulated period, spec.duration).
    pub until: Option<DurationField>,
    /// At most this many arrivals.
    pub limit: Option<u32>,
    /// Fixed submission times.
    pub times: Option<Vec<DurationField>>,
    /// A CSV file (relative to the scenario) with a `time` column (seconds or a duration
    /// such as 1h30m) and an optional `name` column.
    pub csv: Option<String>,
}

/// `spec.sweep`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SweepDoc {
    #[serde(default)]
    pub parameters: Vec<SweepParameterDoc>,
    /// Runs per setting (default 1).
    pub replications: Option<u32>,
}

/// `spec.sweep.parameters[]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SweepParameterDoc {
    /// A `--set` path: `jobs.<name>.<field>` or `spec.<field>`.
    pub path: String,
    pub values: ValuesField,
}

/// Values as `--set` takes them ("1..64:x2", "1,2,4") or a YAML list of scalars.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesField(pub Vec<serde_yaml::Value>);

impl<'de> Deserialize<'de> for ValuesField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_yaml::Value::deserialize(d)?;
        match v {
            serde_yaml::Value::Sequence(items) => {
                if items.is_empty() {
                    return Err(de::Error::custom("no values"));
                }
                for i in &items {
                    if !matches!(
                        i,
                        serde_yaml::Value::Number(_)
                            | serde_yaml::Value::String(_)
                            | serde_yaml::Value::Bool(_)
                    ) {
                        return Err(de::Error::custom(
                            "each value must be a number, a string or a boolean",
                        ));
                    }
                }
                Ok(ValuesField(items))
            }
            serde_yaml::Value::String(s) => super::params::parse_values(&s)
                .map(ValuesField)
                .map_err(de::Error::custom),
            serde_yaml::Value::Number(n) => Ok(ValuesField(vec![serde_yaml::Value::Number(n)])),
            _ => Err(de::Error::custom(
                "expected a list of values or a string such as \"1..64:x2\" or \"1,2,4\"",
            )),
        }
    }
}

/// A scripted action: exactly one of `suspend`, `patch`, `deletePods`, `finishPods`,
/// `deleteJob`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionSpec {
    pub at: DurationField,
    /// `metadata.name` of the Job.
    pub job: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Shorthand for `patch: {suspend: …}`.
    pub suspend: Option<bool>,
    pub patch: Option<PatchSpec>,
    pub delete_pods: Option<PodsActionSpec>,
    pub finish_pods: Option<PodsActionSpec>,
    pub delete_job: Option<bool>,
}

/// Mutable Job fields a patch may change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchSpec {
    pub suspend: Option<bool>,
    pub parallelism: Option<i32>,
    pub completions: Option<i32>,
    pub backoff_limit: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds_after_finished: Option<i32>,
    pub max_failed_indexes: Option<i32>,
}

/// Which active pods an action applies to, and what happens to them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsActionSpec {
    /// `oldest`, `newest` or `all` (default `oldest`), unless `index` or `ordinal` is given.
    pub pods: Option<String>,
    pub index: Option<IntervalsField>,
    pub ordinal: Option<IntervalsField>,
    /// How many pods (default 1 for oldest/newest; every match otherwise).
    pub count: Option<usize>,
    /// deletePods: grace period (default the pod's terminationGracePeriodSeconds).
    pub grace_period: Option<DurationField>,
    /// deletePods: an eviction (DisruptionTarget / EvictionByEvictionAPI) instead of a plain
    /// delete.
    #[serde(default)]
    pub evict: bool,
    /// finishPods: the exit code (0 succeeds).
    pub exit_code: Option<i32>,
    /// finishPods: pod conditions set on the pods (e.g. DisruptionTarget).
    #[serde(default)]
    pub conditions: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    #[serde(default)]
    pub node_pools: Vec<NodePoolSpec>,
    /// kube-controller-manager `--node-monitor-grace-period` (default by version: 40s
    /// before 1.32, 50s since).
    pub node_monitor_grace_period: Option<DurationField>,
    /// kube-apiserver `--default-unreachable-toleration-seconds` (default 300).
    pub default_unreachable_toleration_seconds: Option<u32>,
    /// Scheduled node outages.
    #[serde(default)]
    pub outages: Vec<OutageSpec>,
    /// cluster-autoscaler settings (pools opt in with `autoscaling`).
    pub autoscaler: Option<AutoscalerSpec>,
}

/// A node that goes down at a given time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutageSpec {
    /// Node name, `<pool>-<n>`.
    pub node: String,
    pub at: DurationField,
    /// How long the node stays down (default: for the rest of the run).
    pub duration: Option<DurationField>,
}

/// `spec.cluster.autoscaler`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AutoscalerSpec {
    pub scan_interval: Option<DurationField>,
    pub scale_down_unneeded_time: Option<DurationField>,
    pub scale_down_delay_after_add: Option<DurationField>,
    pub max_empty_bulk_delete: Option<u32>,
    pub scale_down_unready_time: Option<DurationField>,
    /// random (default), least-waste or most-pods.
    pub expander: Option<String>,
}

/// `nodePools[].failures`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeFailuresSpec {
    /// Time from a node joining (or being repaired) until it fails.
    pub time_to_failure: DistributionField,
    /// Time a failed node stays down.
    pub time_to_repair: DistributionField,
}

/// `nodePools[].autoscaling`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PoolAutoscalingSpec {
    pub min_nodes: u32,
    pub max_nodes: u32,
    /// From the scale-up decision until the node is Ready (default 90s).
    pub provisioning_delay: Option<DistributionField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePoolSpec {
    pub name: String,
    pub count: u32,
    /// Resource name → quantity: cpu, memory, pods, ephemeral-storage, extended resources.
    #[serde(default)]
    pub allocatable: BTreeMap<String, QuantityField>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<TaintSpec>,
    /// Images on every node of the pool from the start.
    #[serde(default)]
    pub images: Vec<String>,
    /// Random node failures.
    pub failures: Option<NodeFailuresSpec>,
    /// Lets the cluster-autoscaler resize the pool.
    pub autoscaling: Option<PoolAutoscalingSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaintSpec {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchedulerSpec {
    /// LeastAllocated (default) or MostAllocated.
    pub scoring_strategy: Option<String>,
    /// NodeResourcesBalancedAllocation (default true).
    pub balanced_allocation: Option<bool>,
    /// 1-100, or 0 for upstream's adaptive rule (default 100: every node).
    pub percentage_of_nodes_to_score: Option<u32>,
    pub pod_initial_backoff: Option<DurationField>,
    pub pod_max_backoff: Option<DurationField>,
    /// Scheduling throughput limit (pods per second; default unlimited).
    pub pods_per_second: Option<f64>,
    /// Time for a binding to reach the kubelet (default 0).
    pub bind_latency: Option<DurationField>,
}

/// `spec.controlPlane`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlaneSpec {
    /// kube-controller-manager (the Job controller's requests).
    pub controller_manager: Option<ControllerManagerSpec>,
    /// kube-scheduler (bindings).
    pub scheduler: Option<ClientSpec>,
}

/// `spec.controlPlane.controllerManager`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControllerManagerSpec {
    /// `--kube-api-qps` (default 20).
    pub kube_api_qps: Option<f64>,
    /// `--kube-api-burst` (default 30).
    pub kube_api_burst: Option<u32>,
    /// Time from sending a request until its effect is visible (default 0s).
    pub request_latency: Option<DurationField>,
    /// `--concurrent-job-syncs` (default 5).
    pub concurrent_job_syncs: Option<u32>,
}

/// `spec.controlPlane.scheduler`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientSpec {
    /// `clientConnection.qps` (default 50).
    pub kube_api_qps: Option<f64>,
    /// `clientConnection.burst` (default 100).
    pub kube_api_burst: Option<u32>,
    /// Time from sending a request until its effect is visible (default 0s).
    pub request_latency: Option<DurationField>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimingSpec {
    /// From binding until the containers run (default 0).
    pub pod_startup: Option<DistributionField>,
    /// The Job controller's `syncJobBatchPeriod` (default 1s).
    pub job_sync_batch_period: Option<DurationField>,
    /// Image pulls (default: they take no time).
    pub image_pull: Option<ImagePullSpec>,
    /// From the containers running until the pod is Ready (default 0s).
    pub readiness: Option<DistributionField>,
}

/// `spec.timing.imagePull`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImagePullSpec {
    /// Pull time of images not listed under `images`.
    pub default: Option<DistributionField>,
    /// Pull time by image reference.
    #[serde(default)]
    pub images: BTreeMap<String, DistributionField>,
    /// KubeletConfiguration `serializeImagePulls` (default true).
    pub serialize_image_pulls: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DefaultsSpec {
    pub pods: Option<PodsSpec>,
}

/// One Job of the scenario: when it is submitted and how its pods behave.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobEntry {
    /// `metadata.name` of a Job manifest.
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// When the Job is created (default 0s).
    pub submit_at: Option<DurationField>,
    /// A completion deadline to report on (an objective, not activeDeadlineSeconds: nothing
    /// is stopped): the Job misses it unless it is Complete this long after its creation
    /// (a CronJob's Jobs: after their scheduled time; arrivals: after their arrival).
    pub deadline: Option<DurationField>,
    pub pods: Option<PodsSpec>,
}

fn default_namespace() -> String {
    "default".to_string()
}

/// How a Job's pods behave.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsSpec {
    /// Run time of one attempt (default 10s).
    pub run_time: Option<DistributionField>,
    /// Random failures.
    pub failure: Option<FailureSpec>,
    /// Time a container takes to exit after SIGTERM (default 0s).
    pub shutdown: Option<DistributionField>,
    /// Scripted outcomes, first match wins.
    pub script: Option<Vec<ScriptSpec>>,
    /// Memory use: attempts whose peak exceeds the container's limit are OOMKilled.
    pub memory: Option<MemorySpec>,
    /// Node-pressure evictions by the kubelet.
    pub eviction: Option<EvictionSpec>,
}

/// `pods.eviction`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EvictionSpec {
    /// Probability that an attempt is evicted, 0 to 1.
    pub probability: f64,
    /// When, from the attempt's start (default: a uniformly drawn point of its run time).
    pub after: Option<DistributionField>,
    /// The resource the node ran low on, for the event (default memory).
    pub resource: Option<String>,
}

/// `pods.memory`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MemorySpec {
    /// Peak memory of one attempt (a quantity or a distribution of quantities); use grows
    /// linearly from 0 to the peak over the run.
    pub peak: AmountField,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FailureSpec {
    /// Probability that an attempt fails, 0 to 1.
    pub probability: f64,
    /// Exit code of a failing attempt (default 1).
    pub exit_code: Option<i32>,
    /// A mix of exit codes with weights, instead of `exitCode`.
    #[serde(default)]
    pub exit_codes: Vec<ExitCodeWeight>,
    /// When a failing attempt fails, counted from its start (default: a uniformly drawn
    /// point of its run time). `0s` models crashes at start-up.
    pub after: Option<DistributionField>,
}

/// One entry of `failure.exitCodes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExitCodeWeight {
    pub exit_code: i32,
    pub weight: f64,
}

/// A scripted outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScriptSpec {
    /// Completion indexes ("3", "0-4,7"); Indexed Jobs.
    pub index: Option<IntervalsField>,
    /// Pod ordinals ("0", "0-2"): the k-th pods the Job creates; NonIndexed Jobs.
    pub ordinal: Option<IntervalsField>,
    /// Attempts ("0", "0-1"); omitted: every attempt.
    pub attempt: Option<IntervalsField>,
    pub exit_code: i32,
    /// How long the attempt runs before it exits (default: the sampled run time).
    pub after: Option<DurationField>,
    /// Container that exits with `exitCode` (default: the first container).
    pub container: Option<String>,
    /// Terminated reason, e.g. OOMKilled (default from the exit code).
    pub reason: Option<String>,
    /// Pod conditions (status True) set on the failed pod, e.g. DisruptionTarget.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Exit codes of further containers, by name.
    #[serde(default)]
    pub containers: BTreeMap<String, i32>,
}

/// A quantity written as a string or a number (`4`, `"500m"`, `16Gi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityField(pub String);

impl<'de> Deserialize<'de> for QuantityField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = QuantityField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity such as 4, \"500m\" or \"16Gi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QuantityField, E> {
                Ok(QuantityField(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuantityField, E> {
                Ok(QuantityField(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuantityField, E> {
                Ok(QuantityField(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<QuantityField, E> {
                if !v.is_finite() {
                    return Err(E::custom("a quantity must be a finite number"));
                }
                Ok(QuantityField(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// An index set written as a number (`3`) or an interval list (`"0-2,5"`).
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalsField(pub Intervals);

impl<'de> Deserialize<'de> for IntervalsField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntervalsField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an index (3) or an ordered interval list (\"0-2,5\")")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntervalsField, E> {
                let i = u32::try_from(v).map_err(|_| E::custom("index too large"))?;
                Ok(IntervalsField(std::iter::once(i).collect()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntervalsField, E> {
                if v < 0 {
                    return Err(E::custom("indexes must not be negative"));
                }
                self.visit_u64(v as u64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntervalsField, E> {
                Intervals::parse(v.trim(), u32::MAX)
                    .map(IntervalsField)
                    .map_err(|e| E::custom(format!("invalid index list {v:?}: {e}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A distribution of durations: `"10s"` (fixed), or one of
/// `{fixed: 10s}`, `{uniform: {min, max}}`, `{exponential: {mean}}`,
/// `{normal: {mean, stddev}}`, `{lognormal: {mean, stddev}}`,
/// `{indexLinear: {base, step}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionField(pub Distribution);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinMax {
    min: DurationField,
    max: DurationField,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mean {
    mean: DurationField,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeanStd {
    mean: DurationField,
    stddev: DurationField,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseStep {
    base: DurationField,
    step: DurationField,
}

impl<'de> Deserialize<'de> for DistributionField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DistributionField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration (\"10s\") or one of {fixed}, {uniform: {min, max}}, {exponential: {mean}}, {normal: {mean, stddev}}, {lognormal: {mean, stddev}}, {indexLinear: {base, step}}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DistributionField, E> {
                parse_duration(v)
                    .map(|d| DistributionField(Distribution::Fixed(d)))
                    .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistributionField, E> {
                DurationField::deserialize(de::value::U64Deserializer::<E>::new(v))
                    .map(|d| DistributionField(Distribution::Fixed(d.0)))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DistributionField, A::Error> {
                let Some(kind) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "empty distribution: expected one of fixed, uniform, exponential, normal, lognormal, indexLinear",
                    ));
                };
                let dist = match kind.as_str() {
                    "fixed" => Distribution::Fixed(map.next_value::<DurationField>()?.0),
                    "uniform" => {
                        let p: MinMax = map.next_value()?;
                        Distribution::Uniform {
                            min: p.min.0,
                            max: p.max.0,
                        }
                    }
                    "exponential" => Distribution::Exponential {
                        mean: map.next_value::<Mean>()?.mean.0,
                    },
                    "normal" => {
                        let p: MeanStd = map.next_value()?;
                        Distribution::Normal {
                            mean: p.mean.0,
                            stddev: p.stddev.0,
                        }
                    }
                    "lognormal" => {
                        let p: MeanStd = map.next_value()?;
                        Distribution::LogNormal {
                            mean: p.mean.0,
                            stddev: p.stddev.0,
                        }
                    }
                    "indexLinear" => {
                        let p: BaseStep = map.next_value()?;
                        Distribution::IndexLinear {
                            base: p.base.0,
                            step: p.step.0,
                        }
                    }
                    other => {
                        return Err(de::Error::unknown_variant(
                            other,
                            &[
                                "fixed",
                                "uniform",
                                "exponential",
                                "normal",
                                "lognormal",
                                "indexLinear",
                            ],
                        ));
                    }
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a distribution has exactly one kind (e.g. {uniform: {min: 5s, max: 15s}})",
                    ));
                }
                dist.validate().map_err(de::Error::custom)?;
                Ok(DistributionField(dist))
            }
        }
        d.deserialize_any(V)
    }
}

/// A distribution of quantities (bytes): `"900Mi"` (fixed), or one of `{fixed: 1Gi}`,
/// `{uniform: {min, max}}`, `{normal: {mean, stddev}}`, `{lognormal: {mean, stddev}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct AmountField(pub AmountDistribution);

fn bytes<E: de::Error>(q: &QuantityField) -> Result<i64, E> {
    let parsed =
        Quantity::parse(&q.0).map_err(|e| E::custom(format!("invalid quantity {:?}: {e}", q.0)))?;
    parsed
        .value()
        .map_err(|_| E::custom(format!("quantity {:?} is too large", q.0)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountMinMax {
    min: QuantityField,
    max: QuantityField,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountMeanStd {
    mean: QuantityField,
    stddev: QuantityField,
}

impl<'de> Deserialize<'de> for AmountField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AmountField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a quantity (\"900Mi\") or one of {fixed}, {uniform: {min, max}}, {normal: {mean, stddev}}, {lognormal: {mean, stddev}}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AmountField, E> {
                Ok(AmountField(AmountDistribution::Fixed(bytes(
                    &QuantityField(v.to_string()),
                )?)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AmountField, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AmountField, A::Error> {
                let Some(kind) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "empty distribution: expected one of fixed, uniform, normal, lognormal",
                    ));
                };
                let dist = match kind.as_str() {
                    "fixed" => {
                        AmountDistribution::Fixed(bytes(&map.next_value::<QuantityField>()?)?)
                    }
                    "uniform" => {
                        let p: AmountMinMax = map.next_value()?;
                        AmountDistribution::Uniform {
                            min: bytes(&p.min)?,
                            max: bytes(&p.max)?,
                        }
                    }
                    "normal" => {
                        let p: AmountMeanStd = map.next_value()?;
                        AmountDistribution::Normal {
                            mean: bytes(&p.mean)?,
                            stddev: bytes(&p.stddev)?,
                        }
                    }
                    "lognormal" => {
                        let p: AmountMeanStd = map.next_value()?;
                        AmountDistribution::LogNormal {
                            mean: bytes(&p.mean)?,
                            stddev: bytes(&p.stddev)?,
                        }
                    }
                    other => {
                        return Err(de::Error::unknown_variant(
                            other,
                            &["fixed", "uniform", "normal", "lognormal"],
                        ));
                    }
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a distribution has exactly one kind (e.g. {normal: {mean: 900Mi, stddev: 100Mi}})",
                    ));
                }
                dist.validate().map_err(de::Error::custom)?;
                Ok(AmountField(dist))
            }
        }
        d.deserialize_any(V)
    }
}

/// The default pod run time when nothing says otherwise.
pub const DEFAULT_RUN_TIME: SimDuration = SimDuration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(yaml: &str) -> Result<Distribution, String> {
        serde_yaml::from_str::<DistributionField>(yaml)
            .map(|d| d.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn amounts_parse_as_quantities() {
        let a = |y: &str| serde_yaml::from_str::<AmountField>(y).map(|a| a.0);
        assert_eq!(a("900Mi").unwrap(), AmountDistribution::Fixed(900 << 20));
        assert_eq!(
            a("{normal: {mean: 1Gi, stddev: 100Mi}}").unwrap(),
            AmountDistribution::Normal {
                mean: 1 << 30,
                stddev: 100 << 20
            }
        );
        assert!(a("{uniform: {min: 2Gi, max: 1Gi}}").is_err());
        assert!(a("lots").is_err());
    }

    #[test]
    fn distributions_parse_in_every_form() {
        assert_eq!(
            dist("10s").unwrap(),
            Distribution::Fixed(SimDuration::from_secs(10))
        );
        assert_eq!(
            dist("{fixed: 90s}").unwrap(),
            Distribution::Fixed(SimDuration::from_secs(90))
        );
        assert_eq!(
            dist("{uniform: {min: 5s, max: 15s}}").unwrap(),
            Distribution::Uniform {
                min: SimDuration::from_secs(5),
                max: SimDuration::from_secs(15)
            }
        );
        assert_eq!(
            dist("{lognormal: {mean: 1m, stddev: 30s}}").unwrap(),
            Distribution::LogNormal {
                mean: SimDuration::from_secs(60),
                stddev: SimDuration::from_secs(30)
            }
        );
        assert_eq!(
            dist("{indexLinear: {base: 5s, step: 2s}}").unwrap(),
            Distribution::IndexLinear {
                base: SimDuration::from_secs(5),
                step: SimDuration::from_secs(2)
            }
        );
        assert_eq!(dist("0").unwrap(), Distribution::ZERO);
    }

    #[test]
    fn distribution_errors_say_what_was_expected() {
        assert!(
            dist("{gamma: {k: 1}}")
                .unwrap_err()
                .contains("unknown variant `gamma`")
        );
        assert!(
            dist("{uniform: {min: 9s, max: 1s}}")
                .unwrap_err()
                .contains("must not exceed")
        );
        assert!(
            dist("{uniform: {min: 1s}}")
                .unwrap_err()
                .contains("missing field `max`")
        );
        assert!(
            dist("{fixed: 1s, uniform: {min: 1s, max: 2s}}")
                .unwrap_err()
                .contains("exactly one kind")
        );
        assert!(dist("15").unwrap_err().contains("needs a unit"));
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e = serde_yaml::from_str::<PodsSpec>("runTime: 5s\nfailures: {}\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `failures`"), "{e}");
    }

    #[test]
    fn intervals_accept_numbers_and_lists() {
        let s: ScriptSpec =
            serde_yaml::from_str("index: 3\nattempt: \"0-1\"\nexitCode: 1\n").unwrap();
        assert_eq!(s.index.unwrap().0.to_string(), "3");
        assert_eq!(s.attempt.unwrap().0.to_string(), "0,1");
        assert!(serde_yaml::from_str::<ScriptSpec>("index: -1\nexitCode: 1\n").is_err());
    }
}
