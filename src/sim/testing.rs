//! Builders for unit tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::api::JobId;
use crate::api::job::{
    CompletionMode, Container, ImagePullPolicy, JobSpec, PodReplacementPolicy, PodTemplate,
    RequiredNodeAffinity, RestartPolicy,
};
use crate::api::pod::{NO_INDEX, Pod, PodPhase};
use crate::api::resources::Resources;
use crate::cluster::kubelet::KubeletConfig;
use crate::cluster::node::NodePool;
use crate::cluster::scheduler::SchedulerConfig;
use crate::controllers::job::JobControllerConfig;
use crate::engine::time::{SimDuration, SimTime};
use crate::workload::PodBehavior;

use super::world::{JobInput, SimConfig};

/// A one-container template requesting 100m CPU and 128 MiB, restartPolicy Never.
pub fn template() -> PodTemplate {
    let mut requests = Resources::new(100, 128 << 20);
    let container = Container {
        name: "main".into(),
        image: "busybox".into(),
        image_pull_policy: ImagePullPolicy::IfNotPresent,
        requests: requests.clone(),
        limits: Resources::default(),
        sidecar: false,
    };
    requests.pods = 1;
    PodTemplate {
        labels: BTreeMap::new(),
        restart_policy: RestartPolicy::Never,
        containers: vec![container],
        init_containers: vec![],
        requests,
        nonzero_requests: (100, 128 << 20),
        memory_limit_bytes: None,
        termination_grace_period: SimDuration::from_secs(30),
        active_deadline: None,
        node_selector: BTreeMap::new(),
        required_affinity: RequiredNodeAffinity::default(),
        preferred_affinity: vec![],
        tolerations: vec![],
        priority_class_name: None,
        priority: 0,
        spec_priority: None,
        preemption_policy: Default::default(),
        scheduler_name: "default-scheduler".into(),
    }
}

/// A defaulted Job spec: completions 1, parallelism 1, backoffLimit 6.
pub fn spec() -> JobSpec {
    JobSpec {
        parallelism: 1,
        completions: Some(1),
        completion_mode: CompletionMode::NonIndexed,
        backoff_limit: 6,
        backoff_limit_per_index: None,
        max_failed_indexes: None,
        active_deadline_seconds: None,
        ttl_seconds_after_finished: None,
        suspend: false,
        pod_replacement_policy: PodReplacementPolicy::TerminatingOrFailed,
        pod_failure_policy: None,
        success_policy: None,
        managed_by: None,
        template: Arc::new(template()),
    }
}

/// A fresh pod of Job 0.
pub fn pod() -> Pod {
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
        created_at: SimTime::ZERO,
        scheduled_at: None,
        started_at: None,
        ready_at: None,
        finished_at: None,
        deletion: None,
        has_finalizer: true,
        restart_count: 0,
        exit: None,
        other_exits: thin_vec::ThinVec::new(),
        disruption: None,
        extra_conditions: thin_vec::ThinVec::new(),
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

/// A config with one pool of `nodes` nodes of 4 CPU / 16 GiB and zero latencies.
pub fn config(nodes: u32, jobs: Vec<(JobSpec, PodBehavior)>) -> SimConfig {
    SimConfig {
        seed: 1,
        pools: vec![NodePool {
            name: "node".into(),
            count: nodes,
            allocatable: Resources::new(4000, 16 << 30),
            ..NodePool::default()
        }],
        outages: Vec::new(),
        node_lifecycle: Default::default(),
        autoscaler: Default::default(),
        scheduler: SchedulerConfig::default(),
        kubelet: KubeletConfig::default(),
        controller: JobControllerConfig::default(),
        control_plane: Default::default(),
        jobs: jobs
            .into_iter()
            .enumerate()
            .map(|(i, (spec, behavior))| JobInput {
                namespace: "default".into(),
                name: format!("job-{i}"),
                spec,
                behavior: Arc::new(behavior),
                submit_at: SimTime::ZERO,
                deadline: None,
            })
            .collect(),
        cronjobs: Vec::new(),
        arrivals: Vec::new(),
        quotas: Vec::new(),
        start_time: super::cronjobs::default_start_time(),
        horizon: None,
        actions: Vec::new(),
        record_events: true,
        record_pods: true,
        sample_interval: None,
    }
}
