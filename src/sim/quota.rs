//! ResourceQuota in the simulation: admission of pod and Job creations, and the usage the
//! quota controller keeps (released when a pod reaches a terminal phase or a Job is
//! deleted, at once: its replenishment is fast next to pod lifetimes).
//!
//! Admission is checked when a controller issues the create. With a rate-limited API client
//! the request reaches the API server a little later; jobsim charges the quota at issue time.

use crate::api::JobId;
use crate::api::names;
use crate::api::quota::{QuotaResource, ResourceQuota};
use crate::engine::rng::Purpose;

use super::world::World;

/// Constrained resources a pod does not state, with its container names.
type Unstated = Vec<(QuotaResource, String)>;

impl World {
    /// The quotas of a namespace.
    fn quota_ids(&self, namespace: &str) -> Vec<usize> {
        self.quotas
            .iter()
            .enumerate()
            .filter(|(_, q)| q.namespace == namespace)
            .map(|(i, _)| i)
            .collect()
    }

    /// What one pod of `job` asks of a quota, and the constrained resources its containers
    /// leave unstated.
    fn pod_demand(&self, job: JobId) -> (Vec<(QuotaResource, i64)>, Unstated) {
        let t = &self.jobs[job.idx()].spec.template;
        // The pod's memory limit as the quota evaluator sums it (`PodLimits`): the regular
        // containers and sidecars together, or the largest init container if that is more.
        let running: i64 = t
            .containers
            .iter()
            .map(|c| c.limits.memory_bytes)
            .sum::<i64>()
            + t.init_containers
                .iter()
                .filter(|c| c.sidecar)
                .map(|c| c.limits.memory_bytes)
                .sum::<i64>();
        let init = t
            .init_containers
            .iter()
            .filter(|c| !c.sidecar)
            .map(|c| c.limits.memory_bytes)
            .max()
            .unwrap_or(0);
        let mut demand = vec![
            (QuotaResource::Pods, 1),
            (QuotaResource::RequestsCpu, t.requests.cpu_millis),
            (QuotaResource::RequestsMemory, t.requests.memory_bytes),
            (QuotaResource::LimitsMemory, running.max(init)),
        ];
        demand.extend(
            t.requests
                .extended
                .iter()
                .map(|(n, v)| (QuotaResource::RequestsExtended(n.clone()), *v)),
        );
        // A quota on a resource requires every container to state it (the evaluator's
        // "must specify ... for: <containers>").
        let all = || t.init_containers.iter().chain(&t.containers);
        let lacking = |has: &dyn Fn(&crate::api::job::Container) -> bool| {
            let names: Vec<&str> = all().filter(|c| !has(c)).map(|c| c.name.as_str()).collect();
            (!names.is_empty()).then(|| names.join(","))
        };
        let mut unspecified = Vec::new();
        for (r, missing) in [
            (
                QuotaResource::RequestsCpu,
                lacking(&|c| c.requests.cpu_millis > 0),
            ),
            (
                QuotaResource::RequestsMemory,
                lacking(&|c| c.requests.memory_bytes > 0),
            ),
            (
                QuotaResource::LimitsMemory,
                lacking(&|c| c.limits.memory_bytes > 0),
            ),
        ] {
            if let Some(names) = missing {
                unspecified.push((r, names));
            }
        }
        (demand, unspecified)
    }

    /// Admission of the next pod of `job` (Indexed: for `index`): charges every quota of the
    /// namespace, or returns the API server's error without charging any.
    pub(crate) fn admit_pod(&mut self, job: JobId, index: Option<u32>) -> Result<(), String> {
        if self.quotas.is_empty() {
            return Ok(());
        }
        let j = &self.jobs[job.idx()];
        let ids = self.quota_ids(&j.namespace);
        if ids.is_empty() {
            return Ok(());
        }
        // The name a refused create would have had: drawn apart from created pods' names.
        let suffix = names::suffix_from_hash(self.streams.hash(
            Purpose::PodName,
            j.key,
            j.refused_creates,
            1,
        ));
        let what = format!("pods \"{}\"", names::pod_name(&j.name, index, &suffix));
        let (demand, unspecified) = self.pod_demand(job);
        for &q in &ids {
            if let Err(e) = self.quotas[q].admit(&what, &demand, &unspecified) {
                self.quotas[q].rejections += 1;
                self.jobs[job.idx()].refused_creates += 1;
                return Err(e);
            }
        }
        for &q in &ids {
            self.quotas[q].charge(&demand, 1);
        }
        Ok(())
    }

    /// A pod of `job` reached a terminal phase: its usage is released.
    pub(crate) fn release_pod_quota(&mut self, job: JobId) {
        if self.quotas.is_empty() {
            return;
        }
        let ids = self.quota_ids(&self.jobs[job.idx()].namespace);
        if ids.is_empty() {
            return;
        }
        let (demand, _) = self.pod_demand(job);
        for q in ids {
            self.quotas[q].charge(&demand, -1);
        }
    }

    /// Admission of a Job create (`count/jobs.batch`).
    pub(crate) fn admit_job(&mut self, namespace: &str, name: &str) -> Result<(), String> {
        if self.quotas.is_empty() {
            return Ok(());
        }
        let ids = self.quota_ids(namespace);
        let demand = [(QuotaResource::Jobs, 1)];
        let what = format!("jobs.batch \"{name}\"");
        for &q in &ids {
            if let Err(e) = self.quotas[q].admit(&what, &demand, &[]) {
                self.quotas[q].rejections += 1;
                return Err(e);
            }
        }
        for &q in &ids {
            self.quotas[q].charge(&demand, 1);
        }
        Ok(())
    }

    /// A Job was deleted: `count/jobs.batch` is released.
    pub(crate) fn release_job_quota(&mut self, job: JobId) {
        if self.quotas.is_empty() {
            return;
        }
        let ids = self.quota_ids(&self.jobs[job.idx()].namespace);
        for q in ids {
            self.quotas[q].charge(&[(QuotaResource::Jobs, 1)], -1);
        }
    }

    /// Every quota's usage is what its namespace's live objects add up to, and within its
    /// hard limits (tests and debug builds).
    pub(crate) fn check_quotas(&self) {
        for q in &self.quotas {
            let mut want = ResourceQuota::new(q.namespace.clone(), q.name.clone(), q.hard.clone());
            for j in self.jobs.iter().filter(|j| j.namespace == q.namespace) {
                if j.admitted {
                    want.charge(&[(QuotaResource::Jobs, 1)], 1);
                }
                let (demand, _) = self.pod_demand(j.id);
                for &p in &j.pods {
                    if !self.pods.get(p).phase.is_terminal() {
                        want.charge(&demand, 1);
                    }
                }
            }
            assert_eq!(
                q.used, want.used,
                "quota {}/{} usage drifted",
                q.namespace, q.name
            );
            for ((r, hard), used) in q.hard.iter().zip(&q.used) {
                assert!(
                    used <= hard,
                    "quota {}/{}: {} used {used} > hard {hard}",
                    q.namespace,
                    q.name,
                    r.name()
                );
            }
        }
    }

    /// The quotas, as `kubectl get resourcequota` would describe their usage.
    pub fn quota_usage(&self) -> &[ResourceQuota] {
        &self.quotas
    }
}
