//! ResourceQuota (v1): the hard limits of a namespace and the admission check the API server
//! runs on every create (`plugin/pkg/admission/resourcequota`, `pkg/quota/v1/evaluator/core`).
//!
//! A pod is charged when it is admitted and released when it reaches a terminal phase (the
//! pod evaluator counts only pods that are not Succeeded or Failed); a Job is charged while it
//! exists (`count/jobs.batch` counts finished Jobs too, until they are deleted).

/// A resource a quota can limit, as jobsim tracks it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum QuotaResource {
    /// `pods` / `count/pods`: pods not in a terminal phase.
    Pods,
    /// `requests.cpu` (or `cpu`), in millicores.
    RequestsCpu,
    /// `requests.memory` (or `memory`), in bytes.
    RequestsMemory,
    /// `limits.memory`, in bytes.
    LimitsMemory,
    /// `requests.<extended resource>`, e.g. `requests.nvidia.com/gpu`.
    RequestsExtended(String),
    /// `count/jobs.batch`.
    Jobs,
}

impl QuotaResource {
    /// Reads a `spec.hard` key; `None` for keys jobsim does not model.
    pub fn parse(key: &str) -> Option<QuotaResource> {
        Some(match key {
            "pods" | "count/pods" => QuotaResource::Pods,
            "cpu" | "requests.cpu" => QuotaResource::RequestsCpu,
            "memory" | "requests.memory" => QuotaResource::RequestsMemory,
            "limits.memory" => QuotaResource::LimitsMemory,
            "count/jobs.batch" => QuotaResource::Jobs,
            k => match k.strip_prefix("requests.") {
                Some(ext) if ext.contains('/') => QuotaResource::RequestsExtended(ext.to_string()),
                _ => return None,
            },
        })
    }

    /// The name the API server prints.
    pub fn name(&self) -> String {
        match self {
            QuotaResource::Pods => "pods".into(),
            QuotaResource::RequestsCpu => "requests.cpu".into(),
            QuotaResource::RequestsMemory => "requests.memory".into(),
            QuotaResource::LimitsMemory => "limits.memory".into(),
            QuotaResource::RequestsExtended(e) => format!("requests.{e}"),
            QuotaResource::Jobs => "count/jobs.batch".into(),
        }
    }

    /// An amount as a quantity string: CPU in cores or millicores, memory with the largest
    /// binary suffix that divides it, counts as integers.
    pub fn format(&self, amount: i64) -> String {
        match self {
            QuotaResource::RequestsCpu => {
                if amount % 1000 == 0 {
                    (amount / 1000).to_string()
                } else {
                    format!("{amount}m")
                }
            }
            QuotaResource::RequestsMemory | QuotaResource::LimitsMemory => {
                for (suffix, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
                    let unit = 1i64 << shift;
                    if amount != 0 && amount % unit == 0 {
                        return format!("{}{suffix}", amount / unit);
                    }
                }
                amount.to_string()
            }
            _ => amount.to_string(),
        }
    }
}

/// One ResourceQuota object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceQuota {
    pub namespace: String,
    pub name: String,
    /// `spec.hard`, sorted by resource.
    pub hard: Vec<(QuotaResource, i64)>,
    /// `status.used`, for the same resources.
    pub used: Vec<i64>,
    /// The highest `used` of each resource over the run.
    pub peak: Vec<i64>,
    /// Creates refused because of this quota.
    pub rejections: u64,
}

/// What an object asks of a quota.
pub type Demand = [(QuotaResource, i64)];

impl ResourceQuota {
    pub fn new(namespace: String, name: String, mut hard: Vec<(QuotaResource, i64)>) -> Self {
        hard.sort();
        let used = vec![0; hard.len()];
        ResourceQuota {
            namespace,
            name,
            peak: used.clone(),
            used,
            hard,
            rejections: 0,
        }
    }

    /// Whether `demand` fits: `Err` with the API server's message for object `what`
    /// (e.g. `pods "etl-abcde"`). `unspecified` lists resources the quota constrains that
    /// the object does not state (a pod without a CPU request under a `requests.cpu`
    /// quota), which the evaluator rejects first.
    pub fn admit(
        &self,
        what: &str,
        demand: &Demand,
        unspecified: &[(QuotaResource, String)],
    ) -> Result<(), String> {
        let missing: Vec<String> = unspecified
            .iter()
            .filter(|(r, _)| self.hard.iter().any(|(h, _)| h == r))
            .map(|(r, containers)| format!("{} for: {containers}", r.name()))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{what} is forbidden: failed quota: {}: must specify {}",
                self.name,
                missing.join("; ")
            ));
        }
        let mut requested = Vec::new();
        let mut used = Vec::new();
        let mut limited = Vec::new();
        for ((r, hard), &u) in self.hard.iter().zip(&self.used) {
            let Some(&(_, want)) = demand.iter().find(|(d, _)| d == r) else {
                continue;
            };
            if want > 0 && u.saturating_add(want) > *hard {
                requested.push(format!("{}={}", r.name(), r.format(want)));
                used.push(format!("{}={}", r.name(), r.format(u)));
                limited.push(format!("{}={}", r.name(), r.format(*hard)));
            }
        }
        if requested.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{what} is forbidden: exceeded quota: {}, requested: {}, used: {}, limited: {}",
            self.name,
            requested.join(","),
            used.join(","),
            limited.join(",")
        ))
    }

    /// Adds (`sign` 1) or releases (`sign` −1) a demand.
    pub fn charge(&mut self, demand: &Demand, sign: i64) {
        for (((r, _), u), p) in self
            .hard
            .iter()
            .zip(self.used.iter_mut())
            .zip(&mut self.peak)
        {
            if let Some(&(_, amount)) = demand.iter().find(|(d, _)| d == r) {
                *u = (*u + sign * amount).max(0);
                *p = (*p).max(*u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota() -> ResourceQuota {
        ResourceQuota::new(
            "etl".into(),
            "compute".into(),
            vec![
                (QuotaResource::RequestsCpu, 4000),
                (QuotaResource::Pods, 10),
                (QuotaResource::RequestsMemory, 8 << 30),
            ],
        )
    }

    #[test]
    fn admission_words_the_excess_like_the_api_server() {
        let mut q = quota();
        let pod = [
            (QuotaResource::Pods, 1),
            (QuotaResource::RequestsCpu, 1500),
            (QuotaResource::RequestsMemory, 1 << 30),
        ];
        assert!(q.admit("pods \"a\"", &pod, &[]).is_ok());
        q.charge(&pod, 1);
        q.charge(&pod, 1);
        assert_eq!(
            q.admit("pods \"c\"", &pod, &[]).unwrap_err(),
            "pods \"c\" is forbidden: exceeded quota: compute, requested: requests.cpu=1500m, used: requests.cpu=3, limited: requests.cpu=4"
        );
        q.charge(&pod, -1);
        assert!(q.admit("pods \"c\"", &pod, &[]).is_ok());
    }

    #[test]
    fn a_constrained_resource_must_be_stated() {
        let q = quota();
        let err = q
            .admit(
                "pods \"a\"",
                &[(QuotaResource::Pods, 1)],
                &[(QuotaResource::RequestsCpu, "main".into())],
            )
            .unwrap_err();
        assert_eq!(
            err,
            "pods \"a\" is forbidden: failed quota: compute: must specify requests.cpu for: main"
        );
    }

    #[test]
    fn keys_and_amounts() {
        assert_eq!(
            QuotaResource::parse("cpu"),
            Some(QuotaResource::RequestsCpu)
        );
        assert_eq!(
            QuotaResource::parse("requests.nvidia.com/gpu"),
            Some(QuotaResource::RequestsExtended("nvidia.com/gpu".into()))
        );
        assert_eq!(QuotaResource::parse("limits.cpu"), None);
        assert_eq!(QuotaResource::RequestsMemory.format(3 << 29), "1536Mi");
        assert_eq!(QuotaResource::RequestsCpu.format(2500), "2500m");
    }
}
