//! Loading a run's inputs: any mix of Job manifests (single documents, multi-document
//! streams, `kind: List`) and at most one Scenario document, which may list further
//! manifest files. The result is a validated [`SimConfig`] or every problem found.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k8s_openapi::api::batch::v1 as batch;

use super::diagnostics::{Diagnostic, Diagnostics, InputError};
use super::manifest::{ImportedJob, import_job};
use super::overrides::Override;
use super::scenario::{self, PodsSpec, ScenarioDoc};
use super::yaml::{Doc, SourceFile, documents, join};
use crate::api::JobId;
use crate::api::job::CompletionMode;
use crate::api::names;
use crate::api::pod::TerminationReason;
use crate::api::resources::Resources;
use crate::api::version::KubernetesVersion;
use crate::cluster::kubelet::KubeletConfig;
use crate::cluster::node::NodePool;
use crate::cluster::scheduler::{SchedulerConfig, ScoringStrategy};
use crate::controllers::client::ClientConfig;
use crate::engine::rng::{Purpose, Streams, name_key};
use crate::engine::time::{SimDuration, SimTime};
use crate::sim::actions::{Action, ActionKind, JobPatch, PodSelector};
use crate::sim::{ControlPlaneConfig, JobInput, SimConfig};
use crate::workload::behavior::{EvictionModel, FailureModel, MemoryModel};
use crate::workload::{Distribution, PodBehavior, ScriptedOutcome, Target};

/// Overrides from the command line.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub seed: Option<u64>,
    /// `--set PATH=VALUE`: fields changed in the documents before they are read.
    pub overrides: Vec<Override>,
}

/// A run's validated inputs.
pub struct Loaded {
    /// Scenario name (`metadata.name`, else the first file's stem).
    pub name: String,
    pub description: Option<String>,
    pub version: KubernetesVersion,
    pub config: SimConfig,
    pub warnings: Diagnostics,
    pub sources: Vec<(PathBuf, String)>,
    pub has_scenario: bool,
    /// The scenario's `spec.sweep`, checked.
    pub sweep: Option<SweepDefinition>,
}

/// `spec.sweep` of a scenario: the parameters and replications `jobsim sweep` starts from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepDefinition {
    pub parameters: Vec<super::params::Parameter>,
    pub replications: Option<u32>,
}

/// jobsim's documented default cluster: three worker nodes with 4 CPU, 16 GiB and 110 pods.
pub fn default_pools() -> Vec<NodePool> {
    let mut allocatable = Resources::new(4000, 16 << 30);
    allocatable.pods = 110;
    allocatable.ephemeral_storage_bytes = 100 << 30;
    vec![NodePool {
        name: "worker".to_string(),
        count: 3,
        allocatable,
        ..NodePool::default()
    }]
}

/// The `realistic` profile's defaults (docs/model.md gives their sources).
struct Profile;

impl Profile {
    /// Sandbox and container start, excluding image pulls: log-normal, mean 1.5 s, sd
    /// 0.75 s, so p50 ≈ 1.3 s and p99 ≈ 4.0 s, inside the upstream pod start-up SLO (p99 ≤
    /// 5 s, sig-scalability `slos/pod_startup_latency.md`).
    const POD_STARTUP: Distribution = Distribution::LogNormal {
        mean: SimDuration::from_millis(1500),
        stddev: SimDuration::from_millis(750),
    };
    /// An image pull without its own entry: log-normal, mean 8 s, sd 4 s. Upstream has no
    /// figure; this is a few hundred MB from a registry in the same region.
    const IMAGE_PULL: Distribution = Distribution::LogNormal {
        mean: SimDuration::from_secs(8),
        stddev: SimDuration::from_secs(4),
    };
    /// kube-controller-manager's client defaults, with a 10 ms request latency.
    const CONTROLLER_MANAGER: ClientConfig = ClientConfig {
        latency: SimDuration::from_millis(10),
        ..ClientConfig::KCM
    };
    /// kube-scheduler's client defaults, with a 10 ms request latency.
    const SCHEDULER: ClientConfig = ClientConfig {
        latency: SimDuration::from_millis(10),
        ..ClientConfig::SCHEDULER
    };
}

/// A Job document found somewhere in the inputs.
struct JobDoc {
    file: usize,
    doc: usize,
    prefix: String,
}

/// Reads and validates the inputs.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, InputError> {
    load_with(paths, opts, &SourceFile::read)
}

/// [`load`] without the file system: `inputs` are the paths given on the command line,
/// `files` every file there is, as (path, text) pairs. Manifests a scenario lists are looked
/// up among `files` by their path (relative to the scenario's own path); a path that is not
/// there is a missing file. For fuzzing and for programs that embed jobsim.
pub fn load_from_memory(
    inputs: &[PathBuf],
    files: &[(PathBuf, String)],
    opts: &LoadOptions,
) -> Result<Loaded, InputError> {
    #[allow(clippy::result_large_err)] // diagnostics travel the cold path only
    let read = |p: &Path| -> Result<SourceFile, Diagnostic> {
        match files.iter().find(|(q, _)| q == p) {
            Some((_, text)) => Ok(SourceFile::from_text(p, text.clone())),
            None => Err(Diagnostic::error("cannot read file: no such file").in_file(p)),
        }
    };
    load_with(inputs, opts, &read)
}

/// [`load`] with the given way to read a file.
#[allow(clippy::result_large_err)] // diagnostics travel the cold path only
fn load_with(
    paths: &[PathBuf],
    opts: &LoadOptions,
    read_file: &dyn Fn(&Path) -> Result<SourceFile, Diagnostic>,
) -> Result<Loaded, InputError> {
    let mut diags = Diagnostics::default();
    let mut hits = vec![0usize; opts.overrides.len()];
    // Reads a file and attaches the overrides that address its documents.
    #[allow(clippy::result_large_err)] // diagnostics travel the cold path only
    let read = |p: &Path, hits: &mut Vec<usize>| -> Result<SourceFile, Diagnostic> {
        Ok(super::overrides::attach(
            read_file(p)?,
            &opts.overrides,
            hits,
        ))
    };
    let mut files: Vec<SourceFile> = Vec::new();
    for p in paths {
        match read(p, &mut hits) {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    if paths.is_empty() {
        diags.push(Diagnostic::error(
            "no input files: give a scenario or Job manifest with -f FILE",
        ));
    }
    // Scenario first: it decides the Kubernetes version and may name more manifests.
    let mut scenario: Option<(usize, usize)> = None;
    let mut kinds = KindDocs::default();
    let first_pass = files.len();
    classify_files(
        &files,
        0..first_pass,
        &mut scenario,
        &mut kinds,
        &mut diags,
        true,
    );

    let mut spec_doc: Option<ScenarioDoc> = None;
    let mut listed: Vec<(PathBuf, crate::input::locate::Position)> = Vec::new();
    if let Some((fi, di)) = scenario {
        let (docs, _) = documents(&files[fi]);
        let doc = &docs[di];
        match doc.typed::<ScenarioDoc>("") {
            Ok((s, w)) => {
                diags.extend(w);
                if s.api_version != scenario::API_VERSION {
                    diags.push(doc.diagnostic(
                        "apiVersion",
                        format!(
                            "unsupported apiVersion {:?} for kind Scenario: expected {:?}",
                            s.api_version,
                            scenario::API_VERSION
                        ),
                    ));
                }
                // Manifests named by the scenario are relative to its own file.
                let base = files[fi]
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                for (i, m) in s.spec.manifests.iter().enumerate() {
                    listed.push((base.join(m), doc.position(&format!("spec.manifests[{i}]"))));
                }
                spec_doc = Some(s);
            }
            Err(d) => diags.push(d),
        }
    }
    let before = files.len();
    for (p, at) in listed {
        match read(&p, &mut hits) {
            Ok(f) => files.push(f),
            Err(d) => {
                // Report it where the scenario lists the file.
                let (fi, _) = scenario.unwrap_or((0, 0));
                diags.push(
                    Diagnostic::error(format!("{}: {}", p.display(), d.message))
                        .in_file(&files[fi].path)
                        .at(at),
                );
            }
        }
    }
    let after = files.len();
    let mut nested_scenario = None;
    classify_files(
        &files,
        before..after,
        &mut nested_scenario,
        &mut kinds,
        &mut diags,
        false,
    );

    let version = match spec_doc
        .as_ref()
        .and_then(|s| s.spec.kubernetes_version.clone())
    {
        None => KubernetesVersion::default(),
        Some(v) => match v.parse() {
            Ok(v) => v,
            Err(msg) => {
                diags.push(scenario_diag(
                    &files,
                    scenario,
                    "spec.kubernetesVersion",
                    msg,
                ));
                KubernetesVersion::default()
            }
        },
    };
    let seed = opts
        .seed
        .or(spec_doc.as_ref().and_then(|s| s.spec.seed))
        .unwrap_or(1);
    let streams = Streams::new(seed);

    // Import every Job.
    let mut jobs: Vec<(ImportedJob, usize, usize, String)> = Vec::new();
    // Every Job document's namespace/name, imported or not: a scenario entry naming a Job
    // that failed to import is not a second problem.
    let mut written_names: Vec<(String, String)> = Vec::new();
    for jd in &kinds.jobs {
        let (docs, _) = documents(&files[jd.file]);
        let doc = &docs[jd.doc];
        let meta = |f: &str| doc_str(doc, &join(&jd.prefix, &format!("metadata.{f}")));
        if let Some(n) = meta("name") {
            written_names.push((meta("namespace").unwrap_or_else(|| "default".into()), n));
        }
        let api_version = doc_str(doc, &join(&jd.prefix, "apiVersion"));
        if api_version.as_deref() != Some("batch/v1") {
            diags.push(doc.diagnostic(
                &join(&jd.prefix, "apiVersion"),
                format!(
                    "unsupported apiVersion {:?} for kind Job: jobsim reads batch/v1 Jobs",
                    api_version.unwrap_or_default()
                ),
            ));
            continue;
        }
        let job: batch::Job = match doc.typed(&jd.prefix) {
            Ok((j, w)) => {
                diags.extend(w);
                j
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let gen_key = name_key(&format!(
            "{}#{}#{}",
            files[jd.file].path.display(),
            jd.doc,
            jd.prefix
        ));
        let generated = |prefix: &str| {
            let mut rng = streams.stream(Purpose::PodName, gen_key, 0, 1);
            names::generate_name(prefix, &names::random_suffix(&mut rng))
        };
        match import_job(doc, &jd.prefix, &job, version, generated, &mut diags) {
            Ok(j) => {
                if let Some((_, f, d, p)) = jobs
                    .iter()
                    .find(|(o, ..)| o.name == j.name && o.namespace == j.namespace)
                {
                    let (odocs, _) = documents(&files[*f]);
                    let first = odocs[*d].position(&join(p, "metadata.name"));
                    diags.push(
                        doc.diagnostic(
                            &join(&jd.prefix, "metadata.name"),
                            format!(
                                "jobs.batch {:?} already exists in namespace {:?} (first defined at {}:{}:{})",
                                j.name,
                                j.namespace,
                                files[*f].path.display(),
                                first.line,
                                first.column
                            ),
                        ),
                    );
                    continue;
                }
                jobs.push((j, jd.file, jd.doc, jd.prefix.clone()));
            }
            Err(d) => diags.extend(d),
        }
    }
    // ResourceQuotas.
    let mut quotas: Vec<crate::api::quota::ResourceQuota> = Vec::new();
    for qd in &kinds.quotas {
        let (docs, _) = documents(&files[qd.file]);
        let doc = &docs[qd.doc];
        if let Some(q) = super::quota::import_resource_quota(doc, &qd.prefix, &mut diags) {
            if quotas
                .iter()
                .any(|o| o.name == q.name && o.namespace == q.namespace)
            {
                diags.push(doc.diagnostic(
                    &join(&qd.prefix, "metadata.name"),
                    format!(
                        "resourcequotas {:?} already exists in namespace {:?}",
                        q.name, q.namespace
                    ),
                ));
                continue;
            }
            quotas.push(q);
        }
    }

    // Import every CronJob.
    let mut crons: Vec<super::cronjob::ImportedCronJob> = Vec::new();
    for cd in &kinds.crons {
        let (docs, _) = documents(&files[cd.file]);
        let doc = &docs[cd.doc];
        let meta = |f: &str| doc_str(doc, &join(&cd.prefix, &format!("metadata.{f}")));
        if let Some(n) = meta("name") {
            written_names.push((meta("namespace").unwrap_or_else(|| "default".into()), n));
        }
        let api_version = doc_str(doc, &join(&cd.prefix, "apiVersion"));
        if api_version.as_deref() != Some("batch/v1") {
            diags.push(doc.diagnostic(
                &join(&cd.prefix, "apiVersion"),
                format!(
                    "unsupported apiVersion {:?} for kind CronJob: jobsim reads batch/v1 CronJobs",
                    api_version.unwrap_or_default()
                ),
            ));
            continue;
        }
        let cron_job: k8s_openapi::api::batch::v1::CronJob = match doc.typed(&cd.prefix) {
            Ok((c, w)) => {
                diags.extend(w);
                c
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match super::cronjob::import_cron_job(doc, &cd.prefix, &cron_job, version, &mut diags) {
            Ok(c) => {
                if crons
                    .iter()
                    .any(|o| o.name == c.name && o.namespace == c.namespace)
                {
                    diags.push(doc.diagnostic(
                        &join(&cd.prefix, "metadata.name"),
                        format!(
                            "cronjobs.batch {:?} already exists in namespace {:?}",
                            c.name, c.namespace
                        ),
                    ));
                    continue;
                }
                crons.push(c);
            }
            Err(d) => diags.extend(d),
        }
    }
    for (o, &n) in opts.overrides.iter().zip(&hits) {
        if n == 0 {
            let what = match &o.path.target {
                super::overrides::Target::Scenario => {
                    "no Scenario document in the inputs".to_string()
                }
                super::overrides::Target::Job { namespace, name } => match namespace {
                    Some(ns) => format!("no Job {ns}/{name} in the inputs"),
                    None => format!("no Job named {name:?} in the inputs"),
                },
            };
            diags.push(Diagnostic::error(format!("--set {}: {what}", o.path)));
        }
    }

    // PriorityClasses, then the Priority admission plugin on every Job's pod template.
    let mut classes = super::priority::system_classes();
    for cd in &kinds.classes {
        let (docs, _) = documents(&files[cd.file]);
        let doc = &docs[cd.doc];
        match super::priority::import_priority_class(doc, &cd.prefix) {
            Ok(c) => {
                if classes.iter().any(|o| o.name == c.name) {
                    diags.push(doc.diagnostic(
                        &join(&cd.prefix, "metadata.name"),
                        format!(
                            "priorityclasses.scheduling.k8s.io {:?} already exists",
                            c.name
                        ),
                    ));
                } else if c.global_default && classes.iter().any(|o| o.global_default) {
                    diags.push(doc.diagnostic(
                        &join(&cd.prefix, "globalDefault"),
                        "Invalid value: true: there is already a PriorityClass marked as default",
                    ));
                } else {
                    classes.push(c);
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    for (j, f, d, p) in &mut jobs {
        if let Err(msg) = super::priority::admit(Arc::make_mut(&mut j.spec.template), &classes) {
            let (docs, _) = documents(&files[*f]);
            diags.push(docs[*d].diagnostic(
                &join(p, "spec.template.spec.priorityClassName"),
                format!("pods \"{}-\" is forbidden: {msg}", j.name),
            ));
        }
    }
    if jobs.is_empty() && crons.is_empty() && !diags.has_errors() {
        diags.push(Diagnostic::error(
            "no batch/v1 Job or CronJob found in the input: nothing to simulate",
        ));
    }

    // The scenario's settings.
    let spec = spec_doc.as_ref().map(|s| &s.spec);
    // The wall clock of simulated time 0, and the simulated period (CronJobs).
    let start_time = match spec.and_then(|s| s.start_time.as_deref()) {
        None => crate::sim::cronjobs::default_start_time(),
        Some(t) => match t.parse::<jiff::Timestamp>() {
            Ok(ts) => ts,
            Err(e) => {
                diags.push(scenario_diag(
                    &files,
                    scenario,
                    "spec.startTime",
                    format!("Invalid value: {t:?}: expected an RFC 3339 time such as 2026-01-05T00:00:00Z ({e})"),
                ));
                crate::sim::cronjobs::default_start_time()
            }
        },
    };
    let horizon = Some(
        SimTime::ZERO
            + spec
                .and_then(|s| s.duration)
                .map(|d| d.0)
                .unwrap_or(crate::sim::cronjobs::DEFAULT_DURATION),
    );
    let sdiag = |path: &str, msg: String| scenario_diag(&files, scenario, path, msg);
    let realistic = match spec.and_then(|s| s.profile.as_deref()) {
        None | Some("ideal") => false,
        Some("realistic") => true,
        Some(other) => {
            diags.push(sdiag(
                "spec.profile",
                format!("Unsupported value: {other:?}: supported values: \"ideal\", \"realistic\""),
            ));
            false
        }
    };
    let cluster = super::cluster::build_cluster(
        spec.and_then(|s| s.cluster.as_ref()),
        version,
        &sdiag,
        &mut diags,
    );

    let mut scheduler = SchedulerConfig::default();
    if let Some(s) = spec.and_then(|s| s.scheduler.as_ref()) {
        match s.scoring_strategy.as_deref() {
            None | Some("LeastAllocated") => {}
            Some("MostAllocated") => scheduler.scoring = ScoringStrategy::MostAllocated,
            Some(other) => diags.push(sdiag(
                "spec.scheduler.scoringStrategy",
                format!("Unsupported value: {other:?}: supported values: \"LeastAllocated\", \"MostAllocated\""),
            )),
        }
        if let Some(b) = s.balanced_allocation {
            scheduler.balanced_allocation = b;
        }
        if let Some(p) = s.percentage_of_nodes_to_score {
            if p > 100 {
                diags.push(sdiag(
                    "spec.scheduler.percentageOfNodesToScore",
                    format!("Invalid value: {p}: not in valid range [0-100]"),
                ));
            }
            scheduler.percentage_of_nodes_to_score = p;
        }
        if let Some(d) = s.pod_initial_backoff {
            scheduler.pod_initial_backoff = d.0;
        }
        if let Some(d) = s.pod_max_backoff {
            scheduler.pod_max_backoff = d.0;
        }
        if scheduler.pod_max_backoff < scheduler.pod_initial_backoff {
            diags.push(sdiag(
                "spec.scheduler.podMaxBackoff",
                "podMaxBackoff must not be shorter than podInitialBackoff".to_string(),
            ));
        }
        if let Some(pps) = s.pods_per_second {
            if !(pps.is_finite() && pps > 0.0) {
                diags.push(sdiag(
                    "spec.scheduler.podsPerSecond",
                    format!("podsPerSecond must be a positive number, got {pps}"),
                ));
            } else {
                scheduler.cycle_time =
                    SimDuration::from_secs_f64(1.0 / pps).max(SimDuration::from_millis(1));
            }
        }
        if let Some(d) = s.bind_latency {
            scheduler.bind_latency = d.0;
        }
    }

    let mut kubelet = KubeletConfig::default();
    let mut controller = version.job_controller();
    if realistic {
        kubelet.pod_startup = Profile::POD_STARTUP;
        kubelet.image_pulls.default = Profile::IMAGE_PULL;
    }
    if let Some(t) = spec.and_then(|s| s.timing.as_ref()) {
        if let Some(d) = &t.pod_startup {
            kubelet.pod_startup = d.0.clone();
        }
        if let Some(d) = t.job_sync_batch_period {
            controller.sync_batch_period = d.0;
        }
        if let Some(d) = &t.readiness {
            kubelet.readiness = d.0.clone();
        }
        if let Some(p) = &t.image_pull {
            if let Some(d) = &p.default {
                kubelet.image_pulls.default = d.0.clone();
            }
            for (image, d) in &p.images {
                if image.trim().is_empty() {
                    diags.push(sdiag(
                        "spec.timing.imagePull.images",
                        "an image reference must not be empty".to_string(),
                    ));
                }
                kubelet
                    .image_pulls
                    .images
                    .insert(image.clone(), d.0.clone());
            }
            if let Some(b) = p.serialize_image_pulls {
                kubelet.image_pulls.serialize = b;
            }
        }
    }

    let mut control_plane = ControlPlaneConfig::default();
    if realistic {
        control_plane.controller_manager = Some(Profile::CONTROLLER_MANAGER);
        control_plane.scheduler = Some(Profile::SCHEDULER);
    }
    let mut problems = Vec::new();
    if let Some(cp) = spec.and_then(|s| s.control_plane.as_ref()) {
        if let Some(c) = &cp.controller_manager {
            let base = control_plane
                .controller_manager
                .unwrap_or(ClientConfig::KCM);
            control_plane.controller_manager = Some(client_config(
                "spec.controlPlane.controllerManager",
                base,
                c.kube_api_qps,
                c.kube_api_burst,
                c.request_latency,
                &mut problems,
            ));
            if let Some(n) = c.concurrent_job_syncs {
                if n == 0 {
                    diags.push(sdiag(
                        "spec.controlPlane.controllerManager.concurrentJobSyncs",
                        "Invalid value: 0: must be at least 1".to_string(),
                    ));
                }
                controller.concurrent_syncs = n.max(1) as usize;
            }
        }
        if let Some(c) = &cp.scheduler {
            control_plane.scheduler = Some(client_config(
                "spec.controlPlane.scheduler",
                control_plane.scheduler.unwrap_or(ClientConfig::SCHEDULER),
                c.kube_api_qps,
                c.kube_api_burst,
                c.request_latency,
                &mut problems,
            ));
        }
    }
    for (path, message) in problems {
        diags.push(sdiag(&path, message));
    }

    let sweep = spec.and_then(|s| s.sweep.as_ref()).map(|sw| {
        let mut parameters = Vec::new();
        for (i, p) in sw.parameters.iter().enumerate() {
            match super::overrides::FieldPath::parse(&p.path) {
                Ok(path) if parameters.iter().any(|q: &super::params::Parameter| q.path == path) => {
                    diags.push(sdiag(
                        &format!("spec.sweep.parameters[{i}].path"),
                        format!("Duplicate value: {:?}: each field is swept once; list all its values in one parameter", p.path),
                    ))
                }
                Ok(path) => parameters.push(super::params::Parameter {
                    path,
                    values: p.values.0.clone(),
                }),
                Err(m) => diags.push(sdiag(&format!("spec.sweep.parameters[{i}].path"), m)),
            }
        }
        if sw.replications == Some(0) {
            diags.push(sdiag(
                "spec.sweep.replications",
                "Invalid value: 0: must be at least 1".to_string(),
            ));
        }
        SweepDefinition {
            parameters,
            replications: sw.replications,
        }
    });

    // Behaviour per Job.
    let defaults = spec
        .and_then(|s| s.defaults.as_ref())
        .and_then(|d| d.pods.clone())
        .unwrap_or_default();
    let mut entries: BTreeMap<(String, String), (usize, &scenario::JobEntry)> = BTreeMap::new();
    if let Some(s) = spec {
        for (i, e) in s.jobs.iter().enumerate() {
            let key = (e.namespace.clone(), e.name.clone());
            if entries.contains_key(&key) {
                diags.push(sdiag(
                    &format!("spec.jobs[{i}].name"),
                    format!("Job {}/{} is listed twice", e.namespace, e.name),
                ));
                continue;
            }
            if !jobs
                .iter()
                .any(|(j, ..)| j.name == e.name && j.namespace == e.namespace)
                && !crons
                    .iter()
                    .any(|c| c.name == e.name && c.namespace == e.namespace)
                && !written_names.contains(&(e.namespace.clone(), e.name.clone()))
            {
                let known: Vec<String> = jobs
                    .iter()
                    .map(|(j, ..)| format!("{}/{}", j.namespace, j.name))
                    .chain(crons.iter().map(|c| format!("{}/{}", c.namespace, c.name)))
                    .collect();
                diags.push(sdiag(
                    &format!("spec.jobs[{i}].name"),
                    format!(
                        "no Job or CronJob {}/{} in the manifests (known: {})",
                        e.namespace,
                        e.name,
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
                continue;
            }
            entries.insert(key, (i, e));
        }
    }
    let mut inputs = Vec::new();
    for (j, ..) in &jobs {
        let entry = entries.get(&(j.namespace.clone(), j.name.clone()));
        let (pods, base_path) = match entry {
            Some((i, e)) => (
                merge_pods(&defaults, e.pods.as_ref()),
                format!("spec.jobs[{i}].pods"),
            ),
            None => (defaults.clone(), "spec.defaults.pods".to_string()),
        };
        let behavior = match build_behavior(&pods, j, &base_path, &sdiag, &mut diags) {
            Ok(b) => b,
            Err(ds) => {
                diags.extend(ds);
                continue;
            }
        };
        let submit_at = entry
            .and_then(|(_, e)| e.submit_at)
            .map(|d| SimTime::ZERO + d.0)
            .unwrap_or(SimTime::ZERO);
        inputs.push(JobInput {
            namespace: j.namespace.clone(),
            name: j.name.clone(),
            spec: j.spec.clone(),
            behavior: Arc::new(behavior),
            submit_at,
            deadline: entry.and_then(|(_, e)| e.deadline).map(|d| d.0),
        });
    }

    let mut cron_inputs = Vec::new();
    for c in &crons {
        let entry = entries.get(&(c.namespace.clone(), c.name.clone()));
        let (pods, base_path) = match entry {
            Some((i, e)) => (
                merge_pods(&defaults, e.pods.as_ref()),
                format!("spec.jobs[{i}].pods"),
            ),
            None => (defaults.clone(), "spec.defaults.pods".to_string()),
        };
        let behavior = match build_behavior(&pods, &c.template, &base_path, &sdiag, &mut diags) {
            Ok(b) => b,
            Err(ds) => {
                diags.extend(ds);
                continue;
            }
        };
        let created_at = entry
            .and_then(|(_, e)| e.submit_at)
            .map(|d| SimTime::ZERO + d.0)
            .unwrap_or(SimTime::ZERO);
        let creation_timestamp = crate::controllers::cronjob::schedule::sim_ms_to_timestamp(
            start_time,
            // metav1.Time: whole seconds.
            created_at.api_truncated().as_millis() as i64,
        )
        .unwrap_or(start_time);
        cron_inputs.push(crate::sim::cronjobs::CronJobInput {
            namespace: c.namespace.clone(),
            cron_job: crate::controllers::cronjob::controller::CronJob {
                name: c.name.clone(),
                spec: c.spec.clone(),
                creation_timestamp,
                status: Default::default(),
            },
            template: c.template.spec.clone(),
            behavior: Arc::new(behavior),
            created_at,
            deadline: entry.and_then(|(_, e)| e.deadline).map(|d| d.0),
        });
    }

    let arrivals = match spec {
        Some(s) if !s.arrivals.is_empty() => {
            let base = scenario
                .and_then(|(fi, _)| files[fi].path.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            build_arrivals(&s.arrivals, &mut inputs, &base, horizon, &sdiag, &mut diags)
        }
        _ => Vec::new(),
    };

    let actions = match spec {
        Some(s) => build_actions(&s.actions, &inputs, &sdiag, &mut diags),
        None => Vec::new(),
    };

    // kubectl only warns about unknown fields, but a field named by --set must exist: a
    // typo there would silently sweep nothing.
    for o in &opts.overrides {
        let Some(rel) = o.path.relative() else {
            continue;
        };
        let quoted = format!("unknown field \"{rel}\"");
        let quoted_in_list = format!(".{rel}\"");
        for d in &mut diags.items {
            if !d.is_error()
                && (d.message.starts_with(&quoted)
                    || (d.message.starts_with("unknown field \"items[")
                        && d.message.contains(&quoted_in_list)))
            {
                d.severity = super::diagnostics::Severity::Error;
                d.message = format!(
                    "--set {}: {} has no field {rel:?}",
                    o.path,
                    match &o.path.target {
                        super::overrides::Target::Scenario => "the scenario".to_string(),
                        super::overrides::Target::Job { name, .. } => format!("Job {name}"),
                    }
                );
            }
        }
    }
    // A value --set gave that validation rejects: say so, since the file shows the old one.
    for o in &opts.overrides {
        let Some(rel) = o.path.relative() else {
            continue;
        };
        for d in &mut diags.items {
            if d.is_error()
                && d.field
                    .as_deref()
                    .is_some_and(|f| f == rel || f.ends_with(&format!(".{rel}")))
            {
                d.message
                    .push_str(&format!(" (the value of --set {})", o.path));
            }
        }
    }
    let sources: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    if diags.has_errors() {
        return Err(InputError {
            diagnostics: diags,
            sources,
        });
    }
    let name = spec_doc
        .as_ref()
        .and_then(|s| s.metadata.name.clone())
        .or_else(|| {
            paths
                .first()
                .and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "jobsim".to_string());
    Ok(Loaded {
        name,
        description: spec_doc
            .as_ref()
            .and_then(|s| s.metadata.description.clone()),
        version,
        config: SimConfig {
            seed,
            pools: cluster.pools,
            outages: cluster.outages,
            node_lifecycle: cluster.lifecycle,
            autoscaler: cluster.autoscaler,
            scheduler,
            kubelet,
            controller,
            control_plane,
            jobs: inputs,
            cronjobs: cron_inputs,
            arrivals,
            quotas,
            start_time,
            horizon,
            actions,
            record_events: true,
            record_pods: true,
            sample_interval: None,
        },
        warnings: diags,
        sources,
        has_scenario: spec_doc.is_some(),
        sweep,
    })
}

/// A client's settings from the scenario, checked.
fn client_config(
    path: &str,
    base: ClientConfig,
    qps: Option<f64>,
    burst: Option<u32>,
    latency: Option<crate::input::duration::DurationField>,
    problems: &mut Vec<(String, String)>,
) -> ClientConfig {
    let mut c = base;
    if let Some(q) = qps {
        if q.is_finite() && q > 0.0 {
            c.qps = q;
        } else {
            problems.push((
                format!("{path}.kubeApiQps"),
                format!("Invalid value: {q}: must be a positive number"),
            ));
        }
    }
    if let Some(b) = burst {
        if b == 0 {
            problems.push((
                format!("{path}.kubeApiBurst"),
                "Invalid value: 0: must be at least 1".to_string(),
            ));
        }
        c.burst = b.max(1);
    }
    if let Some(d) = latency {
        c.latency = d.0;
    }
    c
}

/// The documents of each kind jobsim reads, besides the scenario.
#[derive(Default)]
struct KindDocs {
    jobs: Vec<JobDoc>,
    classes: Vec<JobDoc>,
    crons: Vec<JobDoc>,
    quotas: Vec<JobDoc>,
}

/// Sorts the documents of `files[range]` into the scenario and the other kinds.
fn classify_files(
    files: &[SourceFile],
    range: std::ops::Range<usize>,
    scenario: &mut Option<(usize, usize)>,
    kinds: &mut KindDocs,
    diags: &mut Diagnostics,
    scenario_allowed: bool,
) {
    for fi in range {
        let (docs, d) = documents(&files[fi]);
        diags.extend(d);
        for (di, doc) in docs.iter().enumerate() {
            let kind = doc_str(doc, "kind");
            let api_version = doc_str(doc, "apiVersion");
            match kind.as_deref() {
                Some(scenario::KIND) => {
                    if !scenario_allowed {
                        diags.push(doc.diagnostic(
                            "kind",
                            "a manifest listed by a scenario cannot hold another Scenario",
                        ));
                    } else if let Some((sf, _)) = scenario {
                        diags.push(doc.diagnostic(
                            "kind",
                            format!(
                                "a second Scenario document (the first is in {}): a run has one scenario",
                                files[*sf].path.display()
                            ),
                        ));
                    } else {
                        *scenario = Some((fi, di));
                    }
                }
                Some("Job") => kinds.jobs.push(JobDoc {
                    file: fi,
                    doc: di,
                    prefix: String::new(),
                }),
                Some("PriorityClass") => kinds.classes.push(JobDoc {
                    file: fi,
                    doc: di,
                    prefix: String::new(),
                }),
                Some("CronJob") => kinds.crons.push(JobDoc {
                    file: fi,
                    doc: di,
                    prefix: String::new(),
                }),
                Some("ResourceQuota") => kinds.quotas.push(JobDoc {
                    file: fi,
                    doc: di,
                    prefix: String::new(),
                }),
                Some("List") if api_version.as_deref() == Some("v1") => {
                    match super::yaml::lookup(&doc.value, "items") {
                        None | Some(serde_yaml::Value::Sequence(_) | serde_yaml::Value::Null) => {}
                        Some(_) => diags.push(doc.diagnostic(
                            "items",
                            "invalid type: expected a list of objects (items: [...])",
                        )),
                    }
                    let items = serde_yaml_items(doc);
                    for (ii, item_kind) in items.into_iter().enumerate() {
                        let prefix = format!("items[{ii}]");
                        match item_kind.as_deref() {
                            Some("Job") => kinds.jobs.push(JobDoc {
                                file: fi,
                                doc: di,
                                prefix,
                            }),
                            Some("PriorityClass") => kinds.classes.push(JobDoc {
                                file: fi,
                                doc: di,
                                prefix,
                            }),
                            Some("CronJob") => kinds.crons.push(JobDoc {
                                file: fi,
                                doc: di,
                                prefix,
                            }),
                            Some("ResourceQuota") => kinds.quotas.push(JobDoc {
                                file: fi,
                                doc: di,
                                prefix,
                            }),
                            other => diags.push(skip_warning(doc, &prefix, other)),
                        }
                    }
                }
                None => diags.push(doc.diagnostic(
                    "",
                    "not a Kubernetes object: the document has no `kind` (expected kind: Job, List or Scenario)",
                )),
                other => diags.push(skip_warning(doc, "", other)),
            }
        }
    }
}

fn skip_warning(doc: &Doc, prefix: &str, kind: Option<&str>) -> Diagnostic {
    let mut d = doc.diagnostic(
        &join(prefix, "kind"),
        format!(
            "skipping kind {:?}: jobsim simulates batch/v1 Jobs",
            kind.unwrap_or("<none>")
        ),
    );
    d.severity = super::diagnostics::Severity::Warning;
    d.field = None;
    d
}

/// The `kind` of every item of a List document.
fn serde_yaml_items(doc: &Doc) -> Vec<Option<String>> {
    super::yaml::lookup(&doc.value, "items")
        .and_then(|v| v.as_sequence())
        .map(|items| {
            items
                .iter()
                .map(|i| i.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn doc_str(doc: &Doc, path: &str) -> Option<String> {
    super::yaml::lookup(&doc.value, path)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn scenario_diag(
    files: &[SourceFile],
    scenario: Option<(usize, usize)>,
    path: &str,
    msg: String,
) -> Diagnostic {
    match scenario {
        Some((fi, di)) => {
            let (docs, _) = documents(&files[fi]);
            docs[di].diagnostic(path, msg)
        }
        None => Diagnostic::error(msg).field(path),
    }
}

/// A Job entry's pod behaviour over the scenario defaults, field by field.
fn merge_pods(defaults: &PodsSpec, entry: Option<&PodsSpec>) -> PodsSpec {
    let Some(e) = entry else {
        return defaults.clone();
    };
    PodsSpec {
        run_time: e.run_time.clone().or_else(|| defaults.run_time.clone()),
        failure: e.failure.clone().or_else(|| defaults.failure.clone()),
        shutdown: e.shutdown.clone().or_else(|| defaults.shutdown.clone()),
        script: e.script.clone().or_else(|| defaults.script.clone()),
        memory: e.memory.clone().or_else(|| defaults.memory.clone()),
        eviction: e.eviction.clone().or_else(|| defaults.eviction.clone()),
    }
}

fn build_behavior(
    pods: &PodsSpec,
    job: &ImportedJob,
    base: &str,
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    warnings: &mut Diagnostics,
) -> Result<PodBehavior, Diagnostics> {
    let mut diags = Diagnostics::default();
    let failure = pods.failure.as_ref().map(|f| {
        if !(0.0..=1.0).contains(&f.probability) || f.probability.is_nan() {
            diags.push(sdiag(
                &format!("{base}.failure.probability"),
                format!("probability must be between 0 and 1, got {}", f.probability),
            ));
        }
        if f.exit_code == Some(0) {
            diags.push(sdiag(
                &format!("{base}.failure.exitCode"),
                "a failing attempt needs a non-zero exit code".to_string(),
            ));
        }
        if f.exit_code.is_some() && !f.exit_codes.is_empty() {
            diags.push(sdiag(
                &format!("{base}.failure.exitCodes"),
                "give either exitCode or exitCodes, not both".to_string(),
            ));
        }
        let exit_codes = if f.exit_codes.is_empty() {
            vec![(f.exit_code.unwrap_or(1), 1.0)]
        } else {
            for (i, e) in f.exit_codes.iter().enumerate() {
                if e.exit_code == 0 {
                    diags.push(sdiag(
                        &format!("{base}.failure.exitCodes[{i}].exitCode"),
                        "a failing attempt needs a non-zero exit code".to_string(),
                    ));
                }
                if !(e.weight.is_finite() && e.weight > 0.0) {
                    diags.push(sdiag(
                        &format!("{base}.failure.exitCodes[{i}].weight"),
                        format!("weight must be a positive number, got {}", e.weight),
                    ));
                }
            }
            f.exit_codes
                .iter()
                .map(|e| (e.exit_code, e.weight))
                .collect()
        };
        FailureModel {
            probability: f.probability,
            exit_codes,
            after: f.after.as_ref().map(|d| d.0.clone()),
        }
    });
    let eviction = pods.eviction.as_ref().map(|e| {
        if !(0.0..=1.0).contains(&e.probability) || e.probability.is_nan() {
            diags.push(sdiag(
                &format!("{base}.eviction.probability"),
                format!("probability must be between 0 and 1, got {}", e.probability),
            ));
        }
        let resource = e.resource.clone().unwrap_or_else(|| "memory".to_string());
        if !["memory", "ephemeral-storage", "nodefs", "imagefs", "pids"].contains(&resource.as_str())
        {
            diags.push(sdiag(
                &format!("{base}.eviction.resource"),
                format!("Unsupported value: {resource:?}: supported values: \"memory\", \"ephemeral-storage\", \"nodefs\", \"imagefs\", \"pids\""),
            ));
        }
        EvictionModel {
            probability: e.probability,
            after: e.after.as_ref().map(|d| d.0.clone()),
            resource,
        }
    });
    let memory = pods.memory.as_ref().map(|m| MemoryModel {
        peak: m.peak.0.clone(),
    });
    if memory.is_some() && job.spec.template.memory_limit_bytes.is_none() {
        warnings.push(
            sdiag(
                &format!("{base}.memory"),
                format!(
                    "Job {}'s first container has no memory limit, so no attempt can be OOMKilled",
                    job.name
                ),
            )
            .as_warning(),
        );
    }
    let indexed = job.spec.completion_mode == CompletionMode::Indexed;
    let names: Vec<&str> = job.spec.template.container_names().collect();
    let mut script = Vec::new();
    for (i, s) in pods.script.iter().flatten().enumerate() {
        let p = format!("{base}.script[{i}]");
        let target = match (&s.index, &s.ordinal) {
            (Some(_), Some(_)) => {
                diags.push(sdiag(
                    &p,
                    "give either index or ordinal, not both".to_string(),
                ));
                Target::Any
            }
            (Some(ix), None) => {
                if !indexed {
                    diags.push(sdiag(
                        &format!("{p}.index"),
                        format!("Job {} is NonIndexed: target pods with `ordinal` (the k-th pod created) instead of `index`", job.name),
                    ));
                }
                Target::Indexes(ix.0.clone())
            }
            (None, Some(o)) => {
                if indexed {
                    diags.push(sdiag(
                        &format!("{p}.ordinal"),
                        format!(
                            "Job {} is Indexed: target pods with `index` instead of `ordinal`",
                            job.name
                        ),
                    ));
                }
                Target::Ordinals(o.0.clone())
            }
            (None, None) => Target::Any,
        };
        let container = match &s.container {
            None => 0,
            Some(c) => match names.iter().position(|n| n == c) {
                Some(pos) => pos as u16,
                None => {
                    diags.push(sdiag(
                        &format!("{p}.container"),
                        format!(
                            "no container {c:?} in Job {} (containers: {})",
                            job.name,
                            names.join(", ")
                        ),
                    ));
                    0
                }
            },
        };
        let mut other_containers = Vec::new();
        for (cname, code) in &s.containers {
            match names.iter().position(|n| n == cname) {
                Some(pos) => other_containers.push((pos as u16, *code)),
                None => diags.push(sdiag(
                    &format!("{p}.containers[{cname}]"),
                    format!(
                        "no container {cname:?} in Job {} (containers: {})",
                        job.name,
                        names.join(", ")
                    ),
                )),
            }
        }
        let reason = match s.reason.as_deref() {
            None => None,
            Some("OOMKilled") => Some(TerminationReason::OOMKilled),
            Some("Error") => Some(TerminationReason::Error),
            Some("Completed") => Some(TerminationReason::Completed),
            Some("DeadlineExceeded") => Some(TerminationReason::DeadlineExceeded),
            Some("Evicted") => Some(TerminationReason::Evicted),
            Some(other) => {
                diags.push(sdiag(
                    &format!("{p}.reason"),
                    format!("Unsupported value: {other:?}: supported values: \"Completed\", \"Error\", \"OOMKilled\", \"DeadlineExceeded\", \"Evicted\""),
                ));
                None
            }
        };
        script.push(ScriptedOutcome {
            target,
            attempts: s.attempt.as_ref().map(|a| a.0.clone()),
            exit_code: s.exit_code,
            after: s.after.map(|d| d.0),
            container,
            reason,
            conditions: s.conditions.clone(),
            other_containers,
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(PodBehavior {
        run_time: pods
            .run_time
            .as_ref()
            .map(|d| d.0.clone())
            .unwrap_or(Distribution::Fixed(scenario::DEFAULT_RUN_TIME)),
        failure,
        memory,
        eviction,
        script,
        shutdown: pods
            .shutdown
            .as_ref()
            .map(|d| d.0.clone())
            .unwrap_or(Distribution::ZERO),
    })
}

/// Validates and converts scripted actions.
/// The arrival processes of `spec.arrivals`. The Jobs they copy are templates: they leave
/// `inputs` and run only as their copies.
fn build_arrivals(
    specs: &[scenario::ArrivalSpec],
    inputs: &mut Vec<JobInput>,
    base: &Path,
    horizon: Option<SimTime>,
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Vec<crate::sim::arrivals::ArrivalInput> {
    use crate::workload::arrivals::ArrivalProcess;
    let mut out = Vec::new();
    let mut templates: Vec<usize> = Vec::new();
    for (i, a) in specs.iter().enumerate() {
        let at = |f: &str| format!("spec.arrivals[{i}].{f}");
        let Some(t) = inputs
            .iter()
            .position(|j| j.name == a.job && j.namespace == a.namespace)
        else {
            diags.push(sdiag(
                &at("job"),
                format!("no Job {}/{} in the manifests", a.namespace, a.job),
            ));
            continue;
        };
        let given = [a.interval.is_some(), a.times.is_some(), a.csv.is_some()]
            .iter()
            .filter(|&&b| b)
            .count();
        if given != 1 {
            diags.push(sdiag(
                &format!("spec.arrivals[{i}]"),
                "give exactly one of interval, times and csv".to_string(),
            ));
            continue;
        }
        let process = if let Some(gap) = &a.interval {
            if let Err(e) = gap.0.validate() {
                diags.push(sdiag(&at("interval"), e.to_string()));
                continue;
            }
            if gap.0 == crate::workload::Distribution::Fixed(crate::engine::time::SimDuration::ZERO)
            {
                diags.push(sdiag(
                    &at("interval"),
                    "Invalid value: 0s: an interval must be longer than zero".to_string(),
                ));
                continue;
            }
            let start = SimTime::ZERO + a.start.map(|d| d.0).unwrap_or_default();
            let until = match (a.until, horizon) {
                (Some(u), _) => SimTime::ZERO + u.0,
                (None, Some(h)) => h,
                (None, None) => SimTime::from_millis(u64::MAX),
            };
            ArrivalProcess::Interval {
                gap: gap.0.clone(),
                start,
                until,
                limit: a.limit,
            }
        } else {
            for (f, set) in [
                ("start", a.start.is_some()),
                ("until", a.until.is_some()),
                ("limit", a.limit.is_some()),
            ] {
                if set {
                    diags.push(sdiag(
                        &at(f),
                        format!("{f} applies to interval arrivals only"),
                    ));
                }
            }
            let mut times: Vec<(SimTime, Option<String>)> = match (&a.times, &a.csv) {
                (Some(ts), _) => ts.iter().map(|d| (SimTime::ZERO + d.0, None)).collect(),
                (_, Some(file)) => match read_arrivals_csv(&base.join(file)) {
                    Ok(t) => t,
                    Err(m) => {
                        diags.push(sdiag(&at("csv"), m));
                        continue;
                    }
                },
                _ => unreachable!("exactly one source was checked above"),
            };
            // Stable: equal times keep the file's order.
            times.sort_by_key(|(t, _)| *t);
            let mut names: Vec<&str> = times.iter().filter_map(|(_, n)| n.as_deref()).collect();
            names.sort_unstable();
            if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
                diags.push(sdiag(
                    &at("csv"),
                    format!("the Job name {:?} arrives twice", w[0]),
                ));
                continue;
            }
            ArrivalProcess::Times(times)
        };
        if inputs[t].submit_at != SimTime::ZERO && !templates.contains(&t) {
            diags.push(
                sdiag(
                    &at("job"),
                    format!(
                        "Job {}/{} is copied by arrivals and does not run itself: its submitAt is ignored",
                        a.namespace, a.job
                    ),
                )
                .as_warning(),
            );
        }
        templates.push(t);
        out.push(crate::sim::arrivals::ArrivalInput {
            template: inputs[t].clone(),
            process,
        });
    }
    templates.sort_unstable();
    templates.dedup();
    for t in templates.into_iter().rev() {
        inputs.remove(t);
    }
    out
}

/// Reads a CSV of arrivals: a header with `time` (seconds, or a duration such as 1h30m) and
/// optionally `name`.
fn read_arrivals_csv(path: &Path) -> Result<Vec<(SimTime, Option<String>)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let Some(time_col) = col("time") else {
        return Err(format!(
            "{}: no `time` column (the header has: {})",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        ));
    };
    let name_col = col("name");
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let cell = rec.get(time_col).unwrap_or("");
        let at = match cell.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => SimTime::from_millis((s * 1000.0).round() as u64),
            Ok(_) => {
                return Err(format!(
                    "{}:{line}: time {cell:?} must be a non-negative number of seconds",
                    path.display()
                ));
            }
            Err(_) => match crate::input::duration::parse_duration(cell) {
                Ok(d) => SimTime::ZERO + d,
                Err(e) => {
                    return Err(format!(
                        "{}:{line}: time {cell:?}: expected seconds or a duration such as 1h30m ({e})",
                        path.display()
                    ));
                }
            },
        };
        let name = name_col
            .and_then(|c| rec.get(c))
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if let Some(n) = &name
            && (!crate::api::names::is_dns1123_subdomain(n) || n.len() > 63)
        {
            return Err(format!(
                "{}:{line}: name {n:?} is not a valid Job name (a lowercase RFC 1123 subdomain of at most 63 characters)",
                path.display()
            ));
        }
        out.push((at, name));
    }
    Ok(out)
}

fn build_actions(
    specs: &[scenario::ActionSpec],
    jobs: &[JobInput],
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Vec<Action> {
    let mut out = Vec::new();
    for (i, a) in specs.iter().enumerate() {
        let base = format!("spec.actions[{i}]");
        let Some(job_index) = jobs
            .iter()
            .position(|j| j.name == a.job && j.namespace == a.namespace)
        else {
            diags.push(sdiag(
                &format!("{base}.job"),
                format!("no Job {}/{} in the manifests", a.namespace, a.job),
            ));
            continue;
        };
        let job = &jobs[job_index];
        let given = [
            a.suspend.is_some(),
            a.patch.is_some(),
            a.delete_pods.is_some(),
            a.finish_pods.is_some(),
            a.delete_job == Some(true),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if given != 1 {
            diags.push(sdiag(
                &base,
                "an action does exactly one of suspend, patch, deletePods, finishPods, deleteJob"
                    .to_string(),
            ));
            continue;
        }
        let kind = if let Some(s) = a.suspend {
            ActionKind::Patch(JobPatch {
                suspend: Some(s),
                ..JobPatch::default()
            })
        } else if let Some(p) = &a.patch {
            match build_patch(p, job, &format!("{base}.patch"), sdiag, diags) {
                Some(patch) => ActionKind::Patch(patch),
                None => continue,
            }
        } else if let Some(d) = &a.delete_pods {
            let Some((select, count)) =
                build_selector(d, job, &format!("{base}.deletePods"), sdiag, diags)
            else {
                continue;
            };
            ActionKind::DeletePods {
                select,
                count,
                grace: d.grace_period.map(|g| g.0),
                evict: d.evict,
            }
        } else if let Some(f) = &a.finish_pods {
            let Some((select, count)) =
                build_selector(f, job, &format!("{base}.finishPods"), sdiag, diags)
            else {
                continue;
            };
            let Some(exit_code) = f.exit_code else {
                diags.push(sdiag(
                    &format!("{base}.finishPods"),
                    "finishPods needs an exitCode (0 succeeds)".to_string(),
                ));
                continue;
            };
            ActionKind::FinishPods {
                select,
                count,
                exit_code,
                conditions: f.conditions.clone(),
            }
        } else {
            ActionKind::DeleteJob
        };
        out.push(Action {
            at: SimTime::ZERO + a.at.0,
            job: JobId(job_index as u32),
            kind,
        });
    }
    out
}

/// A patch of mutable fields, checked against the API server's immutability rules
/// (`ValidateJobSpecUpdate`).
fn build_patch(
    p: &scenario::PatchSpec,
    job: &JobInput,
    base: &str,
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Option<JobPatch> {
    let mut ok = true;
    for (field, v) in [
        ("parallelism", p.parallelism.map(i64::from)),
        ("completions", p.completions.map(i64::from)),
        ("backoffLimit", p.backoff_limit.map(i64::from)),
        ("activeDeadlineSeconds", p.active_deadline_seconds),
        (
            "ttlSecondsAfterFinished",
            p.ttl_seconds_after_finished.map(i64::from),
        ),
        ("maxFailedIndexes", p.max_failed_indexes.map(i64::from)),
    ] {
        if let Some(v) = v
            && v < 0
        {
            diags.push(sdiag(
                &format!("{base}.{field}"),
                format!("Invalid value: {v}: must be greater than or equal to 0"),
            ));
            ok = false;
        }
    }
    if let Some(c) = p.completions {
        let tandem = job.spec.is_indexed() && p.parallelism == Some(c);
        if !tandem {
            diags.push(sdiag(
                &format!("{base}.completions"),
                "Invalid value: field is immutable: completions can only be modified in tandem with spec.parallelism (to the same value) for Indexed Jobs".to_string(),
            ));
            ok = false;
        }
    }
    if p.max_failed_indexes.is_some() && !job.spec.has_backoff_limit_per_index() {
        diags.push(sdiag(
            &format!("{base}.maxFailedIndexes"),
            "Required value: spec.backoffLimitPerIndex must be set when maxFailedIndexes is specified".to_string(),
        ));
        ok = false;
    }
    ok.then(|| JobPatch {
        suspend: p.suspend,
        parallelism: p.parallelism,
        completions: p.completions,
        backoff_limit: p.backoff_limit,
        active_deadline_seconds: p.active_deadline_seconds.map(Some),
        ttl_seconds_after_finished: p.ttl_seconds_after_finished.map(Some),
        max_failed_indexes: p.max_failed_indexes,
    })
}

fn build_selector(
    p: &scenario::PodsActionSpec,
    job: &JobInput,
    base: &str,
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Option<(PodSelector, usize)> {
    let given = [p.pods.is_some(), p.index.is_some(), p.ordinal.is_some()]
        .iter()
        .filter(|&&b| b)
        .count();
    if given > 1 {
        diags.push(sdiag(base, "give one of pods, index, ordinal".to_string()));
        return None;
    }
    if p.index.is_some() && !job.spec.is_indexed() {
        diags.push(sdiag(
            &format!("{base}.index"),
            format!("Job {} is NonIndexed: select pods by `ordinal`", job.name),
        ));
        return None;
    }
    let (select, default_count) = match (&p.pods, &p.index, &p.ordinal) {
        (_, Some(i), _) => (PodSelector::Indexes(i.0.clone()), usize::MAX),
        (_, _, Some(o)) => (PodSelector::Ordinals(o.0.clone()), usize::MAX),
        (Some(w), _, _) => match w.as_str() {
            "oldest" => (PodSelector::Oldest, 1),
            "newest" => (PodSelector::Newest, 1),
            "all" => (PodSelector::Oldest, usize::MAX),
            other => {
                diags.push(sdiag(
                    &format!("{base}.pods"),
                    format!("Unsupported value: {other:?}: supported values: \"oldest\", \"newest\", \"all\""),
                ));
                return None;
            }
        },
        (None, None, None) => (PodSelector::Oldest, 1),
    };
    Some((select, p.count.unwrap_or(default_count)))
}
