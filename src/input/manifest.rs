//! Kubernetes manifests → jobsim's Job model.
//!
//! A manifest is read with k8s-openapi's own types, so that every field of batch/v1 and
//! core/v1 is understood as Kubernetes understands it; unknown fields become warnings, as
//! with kubectl's default field validation. The Job is then defaulted
//! (`pkg/apis/batch/v1/defaults.go`, `pkg/apis/core/v1/defaults.go`) and validated as the
//! API server would (`pkg/apis/batch/validation/validation.go`, the pod template rules of
//! `pkg/apis/core/validation`), reporting every problem with its field path and position.
//!
//! k8s-openapi types stop here: the rest of jobsim sees `api::job::JobSpec`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;

use super::diagnostics::{Diagnostic, Diagnostics};
use super::yaml::{Doc, join};
use crate::api::intervals::Intervals;
use crate::api::job::{
    CompletionMode, ConditionStatus, Container, ExitCodeOperator, ImagePullPolicy, JobSpec,
    NodeSelectorRequirement, OnExitCodes, OnPodCondition, PodFailurePolicy, PodFailurePolicyAction,
    PodFailurePolicyRule, PodReplacementPolicy, PodTemplate, PreemptionPolicy,
    PreferredNodeAffinity, RequiredNodeAffinity, RestartPolicy, SelectorOperator, SuccessPolicy,
    SuccessPolicyRule, TaintEffect, Toleration, TolerationOperator,
};
use crate::api::names::{is_dns1123_label, is_dns1123_subdomain};
use crate::api::quantity::Quantity;
use crate::api::resources::Resources;
use crate::api::version::KubernetesVersion;
use crate::engine::time::SimDuration;

/// A Job read from a manifest.
#[derive(Clone, Debug)]
pub struct ImportedJob {
    pub namespace: String,
    pub name: String,
    pub spec: JobSpec,
}

/// Upstream limits (`pkg/apis/batch/validation/validation.go`).
const MAX_PARALLELISM_FOR_INDEXED_JOB: i32 = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB: i32 = 100_000;
const COMPLETIONS_SOFT_LIMIT: i32 = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES: usize = 255;
const MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS: usize = 20;
const MAX_SUCCESS_POLICY_RULES: usize = 20;
const MAX_JOB_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT: usize = 64 * 1024;
const MAX_INT32: i32 = i32::MAX;

/// The DNS-1123 label message of `validation.IsDNS1123Label`.
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/// The DNS-1123 subdomain message of `validation.IsDNS1123Subdomain`.
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Collects field errors in the API server's wording (`field.Error.ErrorBody`).
struct FieldErrors<'d, 'f> {
    doc: &'d Doc<'f>,
    prefix: String,
    out: Diagnostics,
}

impl FieldErrors<'_, '_> {
    fn add(&mut self, path: &str, message: String, label: &str) {
        let full = join(&self.prefix, path);
        self.out
            .push(self.doc.diagnostic(&full, message).label(label.to_string()));
    }
    fn invalid(&mut self, path: &str, value: &str, detail: &str) {
        self.add(path, format!("Invalid value: {value}: {detail}"), detail);
    }
    fn required(&mut self, path: &str, detail: &str) {
        let msg = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        self.add(path, msg, "required");
    }
    fn not_supported(&mut self, path: &str, value: &str, supported: &[&str]) {
        let list = supported
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.add(
            path,
            format!("Unsupported value: {value:?}: supported values: {list}"),
            &format!("supported values: {list}"),
        );
    }
    fn too_many(&mut self, path: &str, actual: usize, max: usize) {
        self.add(
            path,
            format!("Too many: {actual}: must have at most {max} items"),
            &format!("at most {max} items"),
        );
    }
    fn duplicate(&mut self, path: &str, value: &str) {
        self.add(path, format!("Duplicate value: {value}"), "duplicate");
    }
    fn nonnegative(&mut self, path: &str, value: Option<i64>) {
        if let Some(v) = value
            && v < 0
        {
            self.invalid(path, &v.to_string(), "must be greater than or equal to 0");
        }
    }
}

/// Converts and validates one Job. `prefix` is the document path of the Job (empty, or
/// `items[3]` inside a List).
pub fn import_job(
    doc: &Doc,
    prefix: &str,
    job: &batch::Job,
    version: KubernetesVersion,
    generated_name: impl FnOnce(&str) -> String,
    warnings: &mut Diagnostics,
) -> Result<ImportedJob, Diagnostics> {
    let mut e = FieldErrors {
        doc,
        prefix: prefix.to_string(),
        out: Diagnostics::default(),
    };
    let meta = &job.metadata;
    let namespace = meta
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let name = match (&meta.name, &meta.generate_name) {
        (Some(n), _) if !n.is_empty() => n.clone(),
        (_, Some(g)) if !g.is_empty() => generated_name(g),
        _ => {
            e.required("metadata.name", "name or generateName is required");
            String::new()
        }
    };
    if !name.is_empty() {
        if !is_dns1123_subdomain(&name) {
            e.invalid("metadata.name", &format!("{name:?}"), DNS1123_SUBDOMAIN_MSG);
        } else if name.len() > 63 {
            // The Job's name becomes the value of the `batch.kubernetes.io/job-name` label.
            e.invalid(
                "metadata.name",
                &format!("{name:?}"),
                "must be no more than 63 characters",
            );
        }
    }
    if !is_dns1123_label(&namespace) {
        e.invalid(
            "metadata.namespace",
            &format!("{namespace:?}"),
            DNS1123_LABEL_MSG,
        );
    }
    let Some(spec) = &job.spec else {
        e.required("spec", "");
        return Err(e.out);
    };

    // --- Defaults (SetDefaults_Job) ---
    let (parallelism, completions) = match (spec.parallelism, spec.completions) {
        (None, None) => (1, Some(1)),
        (None, c) => (1, c),
        (Some(p), c) => (p, c),
    };
    let backoff_limit_per_index = spec.backoff_limit_per_index;
    let backoff_limit = spec
        .backoff_limit
        .unwrap_or(if backoff_limit_per_index.is_some() {
            MAX_INT32
        } else {
            6
        });
    let completion_mode = match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => CompletionMode::NonIndexed,
        Some("Indexed") => CompletionMode::Indexed,
        Some(other) => {
            e.not_supported("spec.completionMode", other, &["NonIndexed", "Indexed"]);
            CompletionMode::NonIndexed
        }
    };
    let indexed = completion_mode == CompletionMode::Indexed;

    // --- validateJobSpec ---
    e.nonnegative("spec.parallelism", spec.parallelism.map(i64::from));
    e.nonnegative("spec.completions", spec.completions.map(i64::from));
    e.nonnegative("spec.activeDeadlineSeconds", spec.active_deadline_seconds);
    e.nonnegative("spec.backoffLimit", spec.backoff_limit.map(i64::from));
    e.nonnegative(
        "spec.ttlSecondsAfterFinished",
        spec.ttl_seconds_after_finished.map(i64::from),
    );
    e.nonnegative(
        "spec.backoffLimitPerIndex",
        backoff_limit_per_index.map(i64::from),
    );
    e.nonnegative(
        "spec.maxFailedIndexes",
        spec.max_failed_indexes.map(i64::from),
    );

    if indexed {
        match spec.completions {
            None => e.required("spec.completions", "when completion mode is Indexed"),
            Some(c) => {
                if parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB {
                    e.invalid(
                        "spec.parallelism",
                        &parallelism.to_string(),
                        "must be less than or equal to 100000 when completion mode is Indexed",
                    );
                }
                // The longest pod hostname `<name>-<completions-1>` must be a DNS label.
                if !name.is_empty() && c > 0 {
                    let host = format!("{name}-{}", c - 1);
                    if !is_dns1123_label(&host) {
                        let why = if host.len() > 63 {
                            "must be no more than 63 characters".to_string()
                        } else {
                            DNS1123_LABEL_MSG.to_string()
                        };
                        e.invalid(
                            "metadata.name",
                            &format!("{name:?}"),
                            &format!("will not able to create pod with invalid DNS label: {why}"),
                        );
                    }
                }
            }
        }
    }
    if let Some(mfi) = spec.max_failed_indexes {
        if !indexed {
            e.invalid(
                "spec.maxFailedIndexes",
                &mfi.to_string(),
                "requires indexed completion mode",
            );
        } else {
            if backoff_limit_per_index.is_none() {
                e.required(
                    "spec.backoffLimitPerIndex",
                    "when maxFailedIndexes is specified",
                );
            }
            if let Some(c) = spec.completions
                && mfi > c
            {
                e.invalid(
                    "spec.maxFailedIndexes",
                    &mfi.to_string(),
                    "must be less than or equal to completions",
                );
            }
            if mfi > MAX_FAILED_INDEXES_FOR_INDEXED_JOB {
                e.invalid(
                    "spec.maxFailedIndexes",
                    &mfi.to_string(),
                    "must be less than or equal to 100000",
                );
            }
        }
    }
    if let Some(blpi) = backoff_limit_per_index {
        if !indexed {
            e.invalid(
                "spec.backoffLimitPerIndex",
                &blpi.to_string(),
                "requires indexed completion mode",
            );
        } else if let Some(c) = spec.completions
            && c > COMPLETIONS_SOFT_LIMIT
        {
            match spec.max_failed_indexes {
                None => e.required(
                    "spec.maxFailedIndexes",
                    "must be specified when completions is above 100000",
                ),
                Some(m) if m > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS => e.invalid(
                    "spec.maxFailedIndexes",
                    &m.to_string(),
                    "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
                ),
                _ => {}
            }
            if parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS {
                e.invalid(
                    "spec.parallelism",
                    &parallelism.to_string(),
                    "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
                );
            }
        }
    }

    // --- Pod template ---
    let template = import_template(&mut e, spec, &namespace);

    // --- podFailurePolicy ---
    let pod_failure_policy = spec
        .pod_failure_policy
        .as_ref()
        .map(|p| import_pod_failure_policy(&mut e, p, spec, backoff_limit_per_index.is_some()));
    if pod_failure_policy.is_some()
        && let Some(t) = &template
        && t.restart_policy != RestartPolicy::Never
    {
        e.invalid(
            "spec.template.spec.restartPolicy",
            "\"OnFailure\"",
            "only \"Never\" is supported when podFailurePolicy is specified",
        );
    }

    // --- podReplacementPolicy ---
    let pod_replacement_policy = match spec.pod_replacement_policy.as_deref() {
        None => {
            if pod_failure_policy.is_some() {
                PodReplacementPolicy::Failed
            } else {
                PodReplacementPolicy::TerminatingOrFailed
            }
        }
        Some(v) => {
            if pod_failure_policy.is_some() && v != "Failed" {
                e.not_supported("spec.podReplacementPolicy", v, &["Failed"]);
            }
            match v {
                "Failed" => PodReplacementPolicy::Failed,
                "TerminatingOrFailed" => PodReplacementPolicy::TerminatingOrFailed,
                other => {
                    if pod_failure_policy.is_none() {
                        e.not_supported(
                            "spec.podReplacementPolicy",
                            other,
                            &["Failed", "TerminatingOrFailed"],
                        );
                    }
                    PodReplacementPolicy::TerminatingOrFailed
                }
            }
        }
    };

    // --- successPolicy ---
    let success_policy = match &spec.success_policy {
        None => None,
        Some(_) if !version.job_success_policy() => {
            warnings.push(
                doc.diagnostic(
                    &join(prefix, "spec.successPolicy"),
                    format!(
                        "field dropped: the JobSuccessPolicy feature gate is off by default in Kubernetes {version}, so the API server ignores spec.successPolicy"
                    ),
                )
                .into_warning(),
            );
            None
        }
        Some(sp) => import_success_policy(&mut e, sp, indexed, spec.completions),
    };

    // --- managedBy ---
    let managed_by = match &spec.managed_by {
        None => None,
        Some(_) if !version.job_managed_by() => {
            warnings.push(
                doc.diagnostic(
                    &join(prefix, "spec.managedBy"),
                    format!(
                        "field dropped: the JobManagedBy feature gate is off by default in Kubernetes {version}"
                    ),
                )
                .into_warning(),
            );
            None
        }
        Some(m) => {
            if m.len() > 63 {
                e.add(
                    "spec.managedBy",
                    "Too long: may not be more than 63 bytes".to_string(),
                    "at most 63 bytes",
                );
            } else if !m.contains('/') {
                e.invalid(
                    "spec.managedBy",
                    &format!("{m:?}"),
                    "must be a domain-prefixed path (such as \"acme.io/foo\")",
                );
            }
            if m == "kubernetes.io/job-controller" {
                None
            } else {
                Some(m.clone())
            }
        }
    };

    if e.out.has_errors() {
        return Err(e.out);
    }
    let Some(template) = template else {
        return Err(e.out);
    };
    Ok(ImportedJob {
        namespace,
        name,
        spec: JobSpec {
            parallelism,
            completions,
            completion_mode,
            backoff_limit,
            backoff_limit_per_index,
            max_failed_indexes: spec.max_failed_indexes,
            active_deadline_seconds: spec.active_deadline_seconds,
            ttl_seconds_after_finished: spec.ttl_seconds_after_finished,
            suspend: spec.suspend.unwrap_or(false),
            pod_replacement_policy,
            pod_failure_policy,
            success_policy,
            managed_by,
            template: Arc::new(template),
        },
    })
}

impl Diagnostic {
    fn into_warning(mut self) -> Diagnostic {
        self.severity = super::diagnostics::Severity::Warning;
        self
    }
}

/// A quantity of a container's resources, as an integer: millicores for CPU, the value
/// (rounded up) for everything else.
fn quantity_value(
    e: &mut FieldErrors,
    path: &str,
    resource: &str,
    q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
) -> Option<i64> {
    let parsed = match Quantity::parse(&q.0) {
        Ok(p) => p,
        Err(err) => {
            e.invalid(path, &format!("{:?}", q.0), &err.to_string());
            return None;
        }
    };
    if parsed.is_negative() {
        e.invalid(
            path,
            &format!("{:?}", q.0),
            "must be greater than or equal to 0",
        );
        return None;
    }
    let v = if resource == "cpu" {
        parsed.milli_value()
    } else {
        parsed.value()
    };
    match v {
        Ok(v) if v > MAX_AMOUNT => {
            e.invalid(
                path,
                &format!("{:?}", q.0),
                &format!(
                    "must be less than or equal to {} (the largest amount jobsim simulates)",
                    max_amount_text(resource)
                ),
            );
            None
        }
        Ok(v) => Some(v),
        Err(err) => {
            e.invalid(path, &format!("{:?}", q.0), &err.to_string());
            None
        }
    }
}

/// Reads a resource list (requests or limits) into `Resources`.
fn resource_list(
    e: &mut FieldErrors,
    path: &str,
    list: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> (Resources, BTreeSet<String>) {
    let mut r = Resources::default();
    let mut present = BTreeSet::new();
    for (name, q) in list.into_iter().flatten() {
        let p = format!("{path}[{name}]");
        let Some(v) = quantity_value(e, &p, name, q) else {
            continue;
        };
        present.insert(name.clone());
        match name.as_str() {
            "cpu" => r.cpu_millis = v,
            "memory" => r.memory_bytes = v,
            "ephemeral-storage" => r.ephemeral_storage_bytes = v,
            // Hugepages and other standard resources are not scheduled by jobsim.
            n if n.starts_with("hugepages-") || n == "storage" => {}
            n if n.contains('/') => r.set_extended(n, v),
            n => e.invalid(
                &p,
                &format!("{n:?}"),
                "must be a standard resource type or fully qualified",
            ),
        }
    }
    (r, present)
}

/// Non-zero scheduling defaults (`pkg/scheduler/util/pod_resources.go`).
const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// The largest amount of one resource jobsim accepts in a request, a limit or a node's
/// allocatable: 2^46 (64Ti of bytes, 2^46 millicores of CPU). Upstream quantities saturate
/// near 2^63, where sums of requests on a node or a cluster would overflow; 100,000 nodes
/// (the most a cluster may have, input/cluster.rs) of this size still add up within `i64`.
pub const MAX_AMOUNT: i64 = 1 << 46;

/// How [`MAX_AMOUNT`] reads for a resource.
pub fn max_amount_text(resource: &str) -> &'static str {
    if resource == "cpu" {
        "70368744177664m"
    } else {
        "64Ti"
    }
}

/// `a += b`, saturating (the caller checks the result against [`MAX_AMOUNT`]).
fn add_saturating(a: &mut Resources, b: &Resources) {
    a.cpu_millis = a.cpu_millis.saturating_add(b.cpu_millis);
    a.memory_bytes = a.memory_bytes.saturating_add(b.memory_bytes);
    a.ephemeral_storage_bytes = a
        .ephemeral_storage_bytes
        .saturating_add(b.ephemeral_storage_bytes);
    for (name, amount) in &b.extended {
        let cur = a.extended(name);
        a.set_extended(name, cur.saturating_add(*amount));
    }
}

fn add_pair(a: (i64, i64), b: (i64, i64)) -> (i64, i64) {
    (a.0.saturating_add(b.0), a.1.saturating_add(b.1))
}

struct ImportedContainer {
    container: Container,
    nonzero: (i64, i64),
}

fn import_container(
    e: &mut FieldErrors,
    path: &str,
    c: &core::Container,
    sidecar: bool,
    names: &mut BTreeSet<String>,
) -> ImportedContainer {
    if c.name.is_empty() {
        e.required(&format!("{path}.name"), "");
    } else if !is_dns1123_label(&c.name) {
        e.invalid(
            &format!("{path}.name"),
            &format!("{:?}", c.name),
            DNS1123_LABEL_MSG,
        );
    } else if !names.insert(c.name.clone()) {
        e.duplicate(&format!("{path}.name"), &format!("{:?}", c.name));
    }
    let image = c.image.clone().unwrap_or_default();
    if image.trim().is_empty() {
        e.required(&format!("{path}.image"), "");
    }
    let resources = c.resources.as_ref();
    let (mut requests, req_present) = resource_list(
        e,
        &format!("{path}.resources.requests"),
        resources.and_then(|r| r.requests.as_ref()),
    );
    let (limits, lim_present) = resource_list(
        e,
        &format!("{path}.resources.limits"),
        resources.and_then(|r| r.limits.as_ref()),
    );
    // Defaulting: a limit without a request sets the request (SetDefaults_Pod).
    let mut effective_present = req_present.clone();
    for name in &lim_present {
        if !req_present.contains(name) {
            effective_present.insert(name.clone());
            match name.as_str() {
                "cpu" => requests.cpu_millis = limits.cpu_millis,
                "memory" => requests.memory_bytes = limits.memory_bytes,
                "ephemeral-storage" => {
                    requests.ephemeral_storage_bytes = limits.ephemeral_storage_bytes
                }
                n => requests.set_extended(n, limits.extended(n)),
            }
        }
    }
    // Requests may not exceed limits.
    for (name, req, lim) in [
        ("cpu", requests.cpu_millis, limits.cpu_millis),
        ("memory", requests.memory_bytes, limits.memory_bytes),
        (
            "ephemeral-storage",
            requests.ephemeral_storage_bytes,
            limits.ephemeral_storage_bytes,
        ),
    ] {
        if lim_present.contains(name) && req > lim {
            let raw = |list: Option<
                &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
            >| {
                list.and_then(|l| l.get(name))
                    .map(|q| q.0.clone())
                    .unwrap_or_default()
            };
            let req_text = raw(resources.and_then(|r| r.requests.as_ref()));
            let lim_text = raw(resources.and_then(|r| r.limits.as_ref()));
            e.invalid(
                &format!("{path}.resources.requests"),
                &format!("{req_text:?}"),
                &format!("must be less than or equal to {name} limit of {lim_text}"),
            );
        }
    }
    let nonzero = (
        if effective_present.contains("cpu") {
            requests.cpu_millis
        } else {
            DEFAULT_MILLI_CPU_REQUEST
        },
        if effective_present.contains("memory") {
            requests.memory_bytes
        } else {
            DEFAULT_MEMORY_REQUEST
        },
    );
    let image_pull_policy = match c.image_pull_policy.as_deref() {
        Some("Always") => ImagePullPolicy::Always,
        Some("Never") => ImagePullPolicy::Never,
        Some("IfNotPresent") => ImagePullPolicy::IfNotPresent,
        Some(other) => {
            e.not_supported(
                &format!("{path}.imagePullPolicy"),
                other,
                &["Always", "IfNotPresent", "Never"],
            );
            ImagePullPolicy::IfNotPresent
        }
        // SetDefaults_Container: Always for ":latest" or untagged images.
        None => {
            let tag = image
                .rsplit('/')
                .next()
                .and_then(|last| last.split('@').next())
                .and_then(|last| last.split_once(':').map(|(_, t)| t.to_string()));
            if tag.is_none() || tag.as_deref() == Some("latest") {
                if image.contains('@') {
                    ImagePullPolicy::IfNotPresent
                } else {
                    ImagePullPolicy::Always
                }
            } else {
                ImagePullPolicy::IfNotPresent
            }
        }
    };
    ImportedContainer {
        container: Container {
            name: c.name.clone(),
            image,
            image_pull_policy,
            requests,
            limits,
            sidecar,
        },
        nonzero,
    }
}

fn import_template(
    e: &mut FieldErrors,
    spec: &batch::JobSpec,
    _namespace: &str,
) -> Option<PodTemplate> {
    let tpl = &spec.template;
    let labels = tpl
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
        .into_iter()
        .collect::<BTreeMap<_, _>>();
    let Some(ps) = &tpl.spec else {
        e.required("spec.template.spec", "");
        return None;
    };
    let restart_policy = match ps.restart_policy.as_deref() {
        Some("Never") => Some(RestartPolicy::Never),
        Some("OnFailure") => Some(RestartPolicy::OnFailure),
        None | Some("Always") => {
            e.required(
                "spec.template.spec.restartPolicy",
                "valid values: \"OnFailure\", \"Never\"",
            );
            None
        }
        Some(other) => {
            e.not_supported(
                "spec.template.spec.restartPolicy",
                other,
                &["OnFailure", "Never"],
            );
            None
        }
    };
    if ps.containers.is_empty() {
        e.required("spec.template.spec.containers", "");
    }
    let mut names = BTreeSet::new();
    let mut containers = Vec::new();
    let mut sum = Resources::default();
    let mut nonzero_sum = (0i64, 0i64);
    for (i, c) in ps.containers.iter().enumerate() {
        let ic = import_container(
            e,
            &format!("spec.template.spec.containers[{i}]"),
            c,
            false,
            &mut names,
        );
        add_saturating(&mut sum, &ic.container.requests);
        nonzero_sum = add_pair(nonzero_sum, ic.nonzero);
        containers.push(ic.container);
    }
    // Init containers run one by one before the regular ones; sidecars (init containers
    // with restartPolicy Always) keep running beside everything started after them
    // (`k8s.io/component-helpers/resource.PodRequests`).
    let mut init_containers = Vec::new();
    let mut sidecars = Resources::default();
    let mut sidecars_nonzero = (0i64, 0i64);
    let mut init_max = Resources::default();
    let mut init_max_nonzero = (0i64, 0i64);
    for (i, c) in ps.init_containers.iter().flatten().enumerate() {
        let path = format!("spec.template.spec.initContainers[{i}]");
        let sidecar = match c.restart_policy.as_deref() {
            None => false,
            Some("Always") => true,
            Some(other) => {
                e.not_supported(&format!("{path}.restartPolicy"), other, &["Always"]);
                false
            }
        };
        let ic = import_container(e, &path, c, sidecar, &mut names);
        if sidecar {
            add_saturating(&mut sidecars, &ic.container.requests);
            sidecars_nonzero = add_pair(sidecars_nonzero, ic.nonzero);
            init_max.max_with(&sidecars);
            init_max_nonzero.0 = init_max_nonzero.0.max(sidecars_nonzero.0);
            init_max_nonzero.1 = init_max_nonzero.1.max(sidecars_nonzero.1);
        } else {
            let mut with_sidecars = ic.container.requests.clone();
            add_saturating(&mut with_sidecars, &sidecars);
            init_max.max_with(&with_sidecars);
            let with = add_pair(ic.nonzero, sidecars_nonzero);
            init_max_nonzero.0 = init_max_nonzero.0.max(with.0);
            init_max_nonzero.1 = init_max_nonzero.1.max(with.1);
        }
        init_containers.push(ic.container);
    }
    let mut requests = sum;
    add_saturating(&mut requests, &sidecars);
    requests.max_with(&init_max);
    let both = add_pair(nonzero_sum, sidecars_nonzero);
    let mut nonzero = (
        both.0.max(init_max_nonzero.0),
        both.1.max(init_max_nonzero.1),
    );
    if let Some(overhead) = &ps.overhead {
        let (o, _) = resource_list(e, "spec.template.spec.overhead", Some(overhead));
        add_saturating(&mut requests, &o);
        nonzero = add_pair(nonzero, (o.cpu_millis, o.memory_bytes));
    }
    // Each amount is at most MAX_AMOUNT; their sum over many containers may not be.
    let too_big = [
        ("cpu", requests.cpu_millis.max(nonzero.0)),
        ("memory", requests.memory_bytes.max(nonzero.1)),
        ("ephemeral-storage", requests.ephemeral_storage_bytes),
    ]
    .into_iter()
    .chain(requests.extended.iter().map(|(n, v)| (n.as_str(), *v)))
    .find(|(_, v)| *v > MAX_AMOUNT);
    if let Some((name, _)) = too_big {
        e.invalid(
            "spec.template.spec.containers",
            &format!("{name:?}"),
            &format!(
                "the pod's {name} requests add up to more than {} (the largest amount jobsim simulates)",
                max_amount_text(name)
            ),
        );
    }
    requests.pods = 1;

    let grace = match ps.termination_grace_period_seconds {
        None => SimDuration::from_secs(30),
        Some(g) if g < 0 => {
            e.invalid(
                "spec.template.spec.terminationGracePeriodSeconds",
                &g.to_string(),
                "must be greater than or equal to 0",
            );
            SimDuration::ZERO
        }
        Some(g) => SimDuration::from_secs(g as u64),
    };
    let active_deadline = match ps.active_deadline_seconds {
        None => None,
        Some(s) if s <= 0 => {
            e.invalid(
                "spec.template.spec.activeDeadlineSeconds",
                &s.to_string(),
                "must be between 1 and 2147483647, inclusive",
            );
            None
        }
        Some(s) => Some(SimDuration::from_secs(s as u64)),
    };
    let tolerations = ps
        .tolerations
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, t)| import_toleration(e, i, t))
        .collect();
    let (required_affinity, preferred_affinity) = import_node_affinity(e, ps);
    let memory_limit_bytes = containers
        .first()
        .and_then(|c| (c.limits.memory_bytes > 0).then_some(c.limits.memory_bytes));
    Some(PodTemplate {
        labels,
        restart_policy: restart_policy?,
        containers,
        init_containers,
        requests,
        nonzero_requests: nonzero,
        memory_limit_bytes,
        termination_grace_period: grace,
        active_deadline,
        node_selector: ps
            .node_selector
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        required_affinity,
        preferred_affinity,
        tolerations,
        priority_class_name: ps.priority_class_name.clone(),
        priority: ps.priority.unwrap_or(0),
        spec_priority: ps.priority,
        preemption_policy: match ps.preemption_policy.as_deref() {
            Some("Never") => PreemptionPolicy::Never,
            _ => PreemptionPolicy::PreemptLowerPriority,
        },
        scheduler_name: ps
            .scheduler_name
            .clone()
            .unwrap_or_else(|| "default-scheduler".to_string()),
    })
}

fn import_toleration(e: &mut FieldErrors, i: usize, t: &core::Toleration) -> Option<Toleration> {
    let path = format!("spec.template.spec.tolerations[{i}]");
    let operator = match t.operator.as_deref() {
        None | Some("Equal") => TolerationOperator::Equal,
        Some("Exists") => TolerationOperator::Exists,
        Some(other) => {
            e.not_supported(&format!("{path}.operator"), other, &["Equal", "Exists"]);
            return None;
        }
    };
    let effect = match t.effect.as_deref() {
        None | Some("") => None,
        Some(s) => match parse_effect(s) {
            Some(eff) => Some(eff),
            None => {
                e.not_supported(
                    &format!("{path}.effect"),
                    s,
                    &["NoExecute", "NoSchedule", "PreferNoSchedule"],
                );
                return None;
            }
        },
    };
    if operator == TolerationOperator::Exists && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
        e.invalid(
            &format!("{path}.operator"),
            "\"Exists\"",
            "value must be empty when `operator` is 'Exists'",
        );
    }
    if t.key.as_deref().unwrap_or("").is_empty() && operator != TolerationOperator::Exists {
        e.invalid(
            &format!("{path}.operator"),
            &format!("{:?}", t.operator.clone().unwrap_or_default()),
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        );
    }
    if t.toleration_seconds.is_some() && effect != Some(TaintEffect::NoExecute) {
        e.invalid(
            &format!("{path}.effect"),
            &format!("{:?}", t.effect.clone().unwrap_or_default()),
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        );
    }
    Some(Toleration {
        key: t.key.clone().unwrap_or_default(),
        operator,
        value: t.value.clone().unwrap_or_default(),
        effect,
        toleration_seconds: t.toleration_seconds,
    })
}

/// Parses a taint effect name.
pub fn parse_effect(s: &str) -> Option<TaintEffect> {
    match s {
        "NoSchedule" => Some(TaintEffect::NoSchedule),
        "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
        "NoExecute" => Some(TaintEffect::NoExecute),
        _ => None,
    }
}

fn import_requirements(
    e: &mut FieldErrors,
    path: &str,
    reqs: &[core::NodeSelectorRequirement],
) -> Vec<NodeSelectorRequirement> {
    let mut out = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let operator = match r.operator.as_str() {
            "In" => SelectorOperator::In,
            "NotIn" => SelectorOperator::NotIn,
            "Exists" => SelectorOperator::Exists,
            "DoesNotExist" => SelectorOperator::DoesNotExist,
            "Gt" => SelectorOperator::Gt,
            "Lt" => SelectorOperator::Lt,
            other => {
                e.not_supported(
                    &format!("{p}.operator"),
                    other,
                    &["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"],
                );
                continue;
            }
        };
        let values = r.values.clone().unwrap_or_default();
        match operator {
            SelectorOperator::In | SelectorOperator::NotIn if values.is_empty() => e.required(
                &format!("{p}.values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            ),
            SelectorOperator::Exists | SelectorOperator::DoesNotExist if !values.is_empty() => e
                .add(
                    &format!("{p}.values"),
                    "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                        .to_string(),
                    "must be empty",
                ),
            SelectorOperator::Gt | SelectorOperator::Lt if values.len() != 1 => e.required(
                &format!("{p}.values"),
                "must be specified single value when `operator` is 'Lt' or 'Gt'",
            ),
            _ => {}
        }
        out.push(NodeSelectorRequirement {
            key: r.key.clone(),
            operator,
            values,
        });
    }
    out
}

fn import_node_affinity(
    e: &mut FieldErrors,
    ps: &core::PodSpec,
) -> (RequiredNodeAffinity, Vec<PreferredNodeAffinity>) {
    let Some(na) = ps.affinity.as_ref().and_then(|a| a.node_affinity.as_ref()) else {
        return (RequiredNodeAffinity::default(), Vec::new());
    };
    let base = "spec.template.spec.affinity.nodeAffinity";
    let mut required = RequiredNodeAffinity::default();
    if let Some(r) = &na.required_during_scheduling_ignored_during_execution {
        let p = format!("{base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
        if r.node_selector_terms.is_empty() {
            e.required(&p, "must have at least one node selector term");
        }
        for (i, term) in r.node_selector_terms.iter().enumerate() {
            let reqs = import_requirements(
                e,
                &format!("{p}[{i}].matchExpressions"),
                term.match_expressions.as_deref().unwrap_or(&[]),
            );
            required.terms.push(reqs);
        }
    }
    let mut preferred = Vec::new();
    for (i, pt) in na
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
        if !(1..=100).contains(&pt.weight) {
            e.invalid(
                &format!("{p}.weight"),
                &pt.weight.to_string(),
                "must be in the range 1-100",
            );
        }
        let requirements = import_requirements(
            e,
            &format!("{p}.preference.matchExpressions"),
            pt.preference.match_expressions.as_deref().unwrap_or(&[]),
        );
        preferred.push(PreferredNodeAffinity {
            weight: pt.weight,
            requirements,
        });
    }
    (required, preferred)
}

fn import_pod_failure_policy(
    e: &mut FieldErrors,
    p: &batch::PodFailurePolicy,
    spec: &batch::JobSpec,
    has_blpi: bool,
) -> PodFailurePolicy {
    let rules_path = "spec.podFailurePolicy.rules";
    if p.rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        e.too_many(rules_path, p.rules.len(), MAX_POD_FAILURE_POLICY_RULES);
    }
    let ps = spec.template.spec.as_ref();
    let container_names: BTreeSet<&str> = ps
        .map(|ps| {
            ps.containers
                .iter()
                .chain(ps.init_containers.iter().flatten())
                .map(|c| c.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut rules = Vec::new();
    for (i, rule) in p.rules.iter().enumerate() {
        let rp = format!("{rules_path}[{i}]");
        let actions = ["Count", "FailIndex", "FailJob", "Ignore"];
        let action = match rule.action.as_str() {
            "" => {
                e.required(
                    &format!("{rp}.action"),
                    "valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
                );
                None
            }
            "FailIndex" => {
                if !has_blpi {
                    e.invalid(
                        &format!("{rp}.action"),
                        "\"FailIndex\"",
                        "requires the backoffLimitPerIndex to be set",
                    );
                }
                Some(PodFailurePolicyAction::FailIndex)
            }
            "FailJob" => Some(PodFailurePolicyAction::FailJob),
            "Ignore" => Some(PodFailurePolicyAction::Ignore),
            "Count" => Some(PodFailurePolicyAction::Count),
            other => {
                e.not_supported(&format!("{rp}.action"), other, &actions);
                None
            }
        };
        let on_exit_codes = rule.on_exit_codes.as_ref().map(|oec| {
            let op_path = format!("{rp}.onExitCodes.operator");
            let operator = match oec.operator.as_str() {
                "In" => ExitCodeOperator::In,
                "NotIn" => ExitCodeOperator::NotIn,
                "" => {
                    e.required(&op_path, "valid values: [\"In\" \"NotIn\"]");
                    ExitCodeOperator::In
                }
                other => {
                    e.not_supported(&op_path, other, &["In", "NotIn"]);
                    ExitCodeOperator::In
                }
            };
            if let Some(cn) = &oec.container_name
                && !container_names.contains(cn.as_str())
            {
                e.invalid(
                    &format!("{rp}.onExitCodes.containerName"),
                    &format!("{cn:?}"),
                    "must be one of the container or initContainer names in the pod template",
                );
            }
            let vp = format!("{rp}.onExitCodes.values");
            let values = &oec.values;
            if values.is_empty() {
                e.invalid(&vp, "[]int32{}", "at least one value is required");
            } else if values.len() > MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES {
                e.too_many(
                    &vp,
                    values.len(),
                    MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES,
                );
            } else {
                let mut seen = BTreeSet::new();
                let mut ordered = true;
                for (j, &v) in values.iter().enumerate() {
                    if operator == ExitCodeOperator::In && v == 0 {
                        e.invalid(
                            &format!("{vp}[{j}]"),
                            "0",
                            "must not be 0 for the In operator",
                        );
                    }
                    if !seen.insert(v) {
                        e.duplicate(&format!("{vp}[{j}]"), &v.to_string());
                    }
                    if j > 0 && values[j - 1] > v {
                        ordered = false;
                    }
                }
                if !ordered {
                    let mut shown = String::from("[]int32{");
                    for (j, v) in values.iter().enumerate() {
                        if j > 0 {
                            shown.push_str(", ");
                        }
                        let _ = write!(shown, "{v}");
                    }
                    shown.push('}');
                    e.invalid(&vp, &shown, "must be ordered");
                }
            }
            OnExitCodes {
                container_name: oec.container_name.clone(),
                operator,
                values: {
                    let mut v = values.clone();
                    v.sort_unstable();
                    v.dedup();
                    v
                },
            }
        });
        let mut on_pod_conditions = Vec::new();
        if let Some(pcs) = &rule.on_pod_conditions {
            let cp = format!("{rp}.onPodConditions");
            if pcs.len() > MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS {
                e.too_many(
                    &cp,
                    pcs.len(),
                    MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS,
                );
            }
            for (j, pc) in pcs.iter().enumerate() {
                if !is_qualified_name(&pc.type_) {
                    e.invalid(
                        &format!("{cp}[{j}].type"),
                        &format!("{:?}", pc.type_),
                        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    );
                }
                // SetDefaults_PodFailurePolicyOnPodConditionsPattern: status True.
                let status = match Some(pc.status.as_str()).filter(|s| !s.is_empty()) {
                    None | Some("True") => ConditionStatus::True,
                    Some("False") => ConditionStatus::False,
                    Some("Unknown") => ConditionStatus::Unknown,
                    Some(other) => {
                        e.not_supported(
                            &format!("{cp}[{j}].status"),
                            other,
                            &["False", "True", "Unknown"],
                        );
                        ConditionStatus::True
                    }
                };
                on_pod_conditions.push(OnPodCondition {
                    condition_type: pc.type_.clone(),
                    status,
                });
            }
        }
        let has_conditions = rule
            .on_pod_conditions
            .as_ref()
            .is_some_and(|c| !c.is_empty());
        if on_exit_codes.is_some() && has_conditions {
            e.add(
                &rp,
                "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported"
                    .to_string(),
                "only one of onExitCodes and onPodConditions",
            );
        }
        if on_exit_codes.is_none() && !has_conditions {
            e.add(
                &rp,
                "Invalid value: specifying one of OnExitCodes and OnPodConditions is required"
                    .to_string(),
                "one of onExitCodes and onPodConditions is required",
            );
        }
        if let Some(action) = action {
            rules.push(PodFailurePolicyRule {
                action,
                on_exit_codes,
                on_pod_conditions,
            });
        }
    }
    PodFailurePolicy { rules }
}

fn import_success_policy(
    e: &mut FieldErrors,
    sp: &batch::SuccessPolicy,
    indexed: bool,
    completions: Option<i32>,
) -> Option<SuccessPolicy> {
    let base = "spec.successPolicy";
    if !indexed {
        e.invalid(base, "{...}", "requires indexed completion mode");
        return None;
    }
    let rules_path = format!("{base}.rules");
    if sp.rules.is_empty() {
        e.required(
            &rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        );
    }
    if sp.rules.len() > MAX_SUCCESS_POLICY_RULES {
        e.too_many(&rules_path, sp.rules.len(), MAX_SUCCESS_POLICY_RULES);
    }
    let completions = completions.unwrap_or(0).max(0);
    let mut rules = Vec::new();
    for (i, r) in sp.rules.iter().enumerate() {
        let rp = format!("{rules_path}[{i}]");
        if r.succeeded_count.is_none() && r.succeeded_indexes.is_none() {
            e.required(
                &rp,
                "at least one of succeededCount or succeededIndexes must be specified",
            );
        }
        let mut indexes: Option<Intervals> = None;
        if let Some(text) = &r.succeeded_indexes {
            let ip = format!("{rp}.succeededIndexes");
            if text.len() > MAX_JOB_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT {
                e.add(
                    &ip,
                    format!(
                        "Too long: may not be more than {MAX_JOB_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT} bytes"
                    ),
                    "too long",
                );
            } else {
                match Intervals::parse(text, completions as u32) {
                    Ok(set) => indexes = Some(set),
                    Err(err) => e.invalid(
                        &ip,
                        &format!("{text:?}"),
                        &format!("error parsing succeededIndexes: {err}"),
                    ),
                }
            }
        }
        if let Some(count) = r.succeeded_count {
            let cp = format!("{rp}.succeededCount");
            if count < 0 {
                e.invalid(
                    &cp,
                    &count.to_string(),
                    "must be greater than or equal to 0",
                );
            } else if count > completions {
                e.invalid(
                    &cp,
                    &count.to_string(),
                    &format!(
                        "must be less than or equal to {completions} (the number of specified completions)"
                    ),
                );
            } else if let Some(set) = &indexes
                && i64::from(count) > set.total() as i64
            {
                e.invalid(
                    &cp,
                    &count.to_string(),
                    &format!(
                        "must be less than or equal to {} (the number of indexes in the specified succeededIndexes field)",
                        set.total()
                    ),
                );
            }
        }
        rules.push(SuccessPolicyRule {
            succeeded_indexes: indexes,
            succeeded_count: r.succeeded_count,
        });
    }
    Some(SuccessPolicy { rules })
}

/// `validation.IsQualifiedName`: an optional DNS-subdomain prefix and a name of at most 63
/// alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix
        && !is_dns1123_subdomain(p)
    {
        return false;
    }
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::yaml::{SourceFile, documents};
    use std::path::Path;

    fn import(text: &str) -> Result<ImportedJob, Diagnostics> {
        let f = SourceFile::from_text(Path::new("job.yaml"), text.to_string());
        let (docs, diags) = documents(&f);
        assert!(diags.is_empty(), "{diags:?}");
        let (job, _warnings) = docs[0]
            .typed::<batch::Job>("")
            .map_err(|d| Diagnostics { items: vec![d] })?;
        let mut w = Diagnostics::default();
        import_job(
            &docs[0],
            "",
            &job,
            KubernetesVersion::NEWEST,
            |g| format!("{g}xxxxx"),
            &mut w,
        )
    }

    const PI: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]
      restartPolicy: Never
";

    #[test]
    fn the_docs_pi_job_imports_with_defaults() {
        let j = import(PI).unwrap();
        assert_eq!(j.name, "pi");
        assert_eq!(j.namespace, "default");
        assert_eq!(j.spec.parallelism, 1);
        assert_eq!(j.spec.completions, Some(1));
        assert_eq!(j.spec.backoff_limit, 4);
        assert_eq!(
            j.spec.pod_replacement_policy,
            PodReplacementPolicy::TerminatingOrFailed
        );
        assert_eq!(
            j.spec.template.termination_grace_period,
            SimDuration::from_secs(30)
        );
        // No requests: schedules with zero, scores with the non-zero defaults.
        assert_eq!(j.spec.template.requests.cpu_millis, 0);
        assert_eq!(j.spec.template.nonzero_requests, (100, 200 << 20));
        assert_eq!(
            j.spec.template.containers[0].image_pull_policy,
            ImagePullPolicy::IfNotPresent
        );
    }

    fn errors(text: &str) -> Vec<String> {
        import(text)
            .unwrap_err()
            .errors()
            .map(|d| format!("{}: {}", d.field.clone().unwrap_or_default(), d.message))
            .collect()
    }

    #[test]
    fn restart_policy_always_is_rejected() {
        let e = errors(&PI.replace("restartPolicy: Never", "restartPolicy: Always"));
        assert_eq!(
            e,
            vec![
                "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
            ]
        );
    }

    #[test]
    fn negative_values_and_bad_quantities_are_reported_with_positions() {
        let text = PI
            .replace("backoffLimit: 4", "backoffLimit: 4\n  parallelism: -1")
            .replace(
                "image: perl:5.34.0",
                "image: perl:5.34.0\n        resources:\n          requests:\n            cpu: banana",
            );
        let f = SourceFile::from_text(Path::new("job.yaml"), text.clone());
        let (docs, _) = documents(&f);
        let (job, _) = docs[0].typed::<batch::Job>("").unwrap();
        let mut w = Diagnostics::default();
        let d = import_job(
            &docs[0],
            "",
            &job,
            KubernetesVersion::NEWEST,
            |g| g.into(),
            &mut w,
        )
        .unwrap_err();
        let lines: Vec<String> = d.errors().map(|d| d.to_string()).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            "error: job.yaml:7:16: spec.parallelism: Invalid value: -1: must be greater than or equal to 0"
        );
        assert!(
            lines[1].starts_with("error: job.yaml:15:18: spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: \"banana\": quantities must match"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn indexed_rules() {
        let base = PI.replace(
            "backoffLimit: 4",
            "completionMode: Indexed\n  completions: 3",
        );
        assert!(import(&base).is_ok());
        let e = errors(&PI.replace("backoffLimit: 4", "completionMode: Indexed"));
        assert_eq!(
            e,
            vec!["spec.completions: Required value: when completion mode is Indexed"]
        );
        let e = errors(&PI.replace("backoffLimit: 4", "backoffLimitPerIndex: 1"));
        assert_eq!(
            e,
            vec!["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"]
        );
        let e = errors(&base.replace("completions: 3", "completions: 3\n  maxFailedIndexes: 1"));
        assert_eq!(
            e,
            vec!["spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"]
        );
        let blpi = import(&base.replace(
            "completions: 3",
            "completions: 3\n  backoffLimitPerIndex: 1",
        ))
        .unwrap();
        assert_eq!(blpi.spec.backoff_limit, i32::MAX);
        let e = errors(&base.replace("completionMode: Indexed", "completionMode: Sparse"));
        assert_eq!(
            e,
            vec![
                "spec.completionMode: Unsupported value: \"Sparse\": supported values: \"NonIndexed\", \"Indexed\""
            ]
        );
    }

    #[test]
    fn pod_failure_policy_rules_are_validated() {
        let policy = "  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        operator: In
        values: [3, 0, 1, 1]
    - action: FailIndex
      onExitCodes:
        containerName: nope
        operator: NotIn
        values: [5]
    - action: Ignore
";
        let e = errors(&PI.replace("  template:", &format!("{policy}  template:")));
        assert!(e.contains(&"spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator".to_string()), "{e:#?}");
        assert!(
            e.contains(
                &"spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 1"
                    .to_string()
            ),
            "{e:#?}"
        );
        assert!(e.contains(&"spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 0, 1, 1}: must be ordered".to_string()), "{e:#?}");
        assert!(e.contains(&"spec.podFailurePolicy.rules[1].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set".to_string()), "{e:#?}");
        assert!(e.contains(&"spec.podFailurePolicy.rules[1].onExitCodes.containerName: Invalid value: \"nope\": must be one of the container or initContainer names in the pod template".to_string()), "{e:#?}");
        assert!(e.contains(&"spec.podFailurePolicy.rules[2]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required".to_string()), "{e:#?}");
        // podFailurePolicy forces podReplacementPolicy Failed and restartPolicy Never.
        let ok = PI.replace(
            "  template:",
            "  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions:\n      - type: DisruptionTarget\n  template:",
        );
        let j = import(&ok).unwrap();
        assert_eq!(j.spec.pod_replacement_policy, PodReplacementPolicy::Failed);
        assert_eq!(
            j.spec.pod_failure_policy.unwrap().rules[0].on_pod_conditions[0].status,
            ConditionStatus::True
        );
        let e = errors(&ok.replace("restartPolicy: Never", "restartPolicy: OnFailure"));
        assert_eq!(
            e,
            vec![
                "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified"
            ]
        );
    }

    #[test]
    fn success_policy_rules_are_validated() {
        let base = PI.replace(
            "backoffLimit: 4",
            "completionMode: Indexed\n  completions: 5",
        );
        let with = |rules: &str| {
            base.replace(
                "  template:",
                &format!("  successPolicy:\n    rules:\n{rules}  template:"),
            )
        };
        assert!(
            import(&with(
                "    - succeededIndexes: \"0-2\"\n      succeededCount: 2\n"
            ))
            .is_ok()
        );
        assert_eq!(
            errors(&with("    - succeededCount: 6\n")),
            vec![
                "spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)"
            ]
        );
        assert_eq!(
            errors(&with(
                "    - succeededIndexes: \"0,1\"\n      succeededCount: 3\n"
            )),
            vec![
                "spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)"
            ]
        );
        let e = errors(&with("    - succeededIndexes: \"3,1\"\n"));
        assert!(e[0].starts_with("spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"3,1\": error parsing succeededIndexes"), "{e:?}");
        assert_eq!(
            errors(&with("    - {}\n")),
            vec![
                "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified"
            ]
        );
    }

    #[test]
    fn requests_are_summed_and_limits_default_requests() {
        let text = PI.replace(
            "image: perl:5.34.0",
            "image: perl:5.34.0
        resources:
          limits: {cpu: \"1\", memory: 1Gi}
      - name: sidecar
        image: envoy:v1
        resources:
          requests: {cpu: 500m, memory: 512Mi}
      initContainers:
      - name: setup
        image: busybox:1
        resources:
          requests: {cpu: \"2\", memory: 100Mi}",
        );
        let j = import(&text).unwrap();
        let r = &j.spec.template.requests;
        // max(1 + 0.5, 2) CPU; max(1Gi + 512Mi, 100Mi) memory.
        assert_eq!(r.cpu_millis, 2000);
        assert_eq!(r.memory_bytes, (1 << 30) + (512 << 20));
        assert_eq!(r.pods, 1);
    }
}
