//! batch/v1 CronJob manifests → the CronJob controller's model.
//!
//! Defaults (`SetDefaults_CronJob`): `concurrencyPolicy: Allow`, `suspend: false`,
//! `successfulJobsHistoryLimit: 3`, `failedJobsHistoryLimit: 1`. Validation follows
//! `ValidateCronJobCreate` / `validateCronJobSpec` in `pkg/apis/batch/validation`: the
//! schedule must parse (robfig `ParseStandard`) and may not contain `TZ`/`CRON_TZ` (new
//! objects use `spec.timeZone`), `timeZone` must be an IANA zone, the name at most 52
//! characters (the controller appends `-<minutes>`), non-negative deadlines and limits, and the
//! Job template is validated as a Job (errors at `spec.jobTemplate.spec...`).

use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::diagnostics::Diagnostics;
use super::manifest::{ImportedJob, import_job};
use super::yaml::{Doc, join};
use crate::api::version::KubernetesVersion;
use crate::controllers::cronjob::controller::{ConcurrencyPolicy, CronJobSpec};
use crate::controllers::cronjob::schedule::{Schedule, time_zone, validate_schedule_format};

/// A CronJob read from a manifest: its own fields, and its Job template as a Job named after
/// it (`template.name` is the CronJob's name).
#[derive(Clone, Debug)]
pub struct ImportedCronJob {
    pub namespace: String,
    pub name: String,
    pub spec: CronJobSpec,
    pub template: ImportedJob,
}

/// The name limit of `ValidateCronJobCreate`: 63 − len("-<11 digits>").
const MAX_CRON_JOB_NAME: usize = 52;

/// Converts, defaults and validates one CronJob. `prefix` is its document path (empty, or
/// `items[3]` inside a List).
pub fn import_cron_job(
    doc: &Doc,
    prefix: &str,
    cron_job: &batch::CronJob,
    version: KubernetesVersion,
    warnings: &mut Diagnostics,
) -> Result<ImportedCronJob, Diagnostics> {
    let mut errors = Diagnostics::default();
    let at = |p: &str| join(prefix, p);
    let meta = &cron_job.metadata;
    let name = meta.name.clone().unwrap_or_default();
    if name.len() > MAX_CRON_JOB_NAME {
        errors.push(doc.diagnostic(
            &at("metadata.name"),
            format!("Invalid value: {name:?}: must be no more than {MAX_CRON_JOB_NAME} characters"),
        ));
    }
    let Some(spec) = &cron_job.spec else {
        errors.push(doc.diagnostic(&at("spec"), "Required value"));
        return Err(errors);
    };

    // spec.schedule and spec.timeZone.
    let schedule_path = at("spec.schedule");
    let mut schedule = None;
    if spec.schedule.is_empty() {
        errors.push(doc.diagnostic(&schedule_path, "Required value"));
    } else {
        let problems = validate_schedule_format(&spec.schedule, false, spec.time_zone.is_some());
        for p in &problems {
            errors.push(doc.diagnostic(
                &schedule_path,
                format!("Invalid value: {:?}: {p}", spec.schedule),
            ));
        }
        if problems.is_empty() {
            schedule = Schedule::parse(&spec.schedule).ok();
        }
    }
    let mut zone = None;
    if let Some(tz) = &spec.time_zone {
        match time_zone(tz) {
            Ok(z) => zone = Some(z),
            Err(e) => errors.push(doc.diagnostic(
                &at("spec.timeZone"),
                format!("Invalid value: {tz:?}: {}", zone_reason(&e)),
            )),
        }
    }
    let nonnegative = |errors: &mut Diagnostics, field: &str, v: Option<i64>| {
        if let Some(v) = v
            && v < 0
        {
            errors.push(doc.diagnostic(
                &at(field),
                format!("Invalid value: {v}: must be greater than or equal to 0"),
            ));
        }
    };
    nonnegative(
        &mut errors,
        "spec.startingDeadlineSeconds",
        spec.starting_deadline_seconds,
    );
    nonnegative(
        &mut errors,
        "spec.successfulJobsHistoryLimit",
        spec.successful_jobs_history_limit.map(i64::from),
    );
    nonnegative(
        &mut errors,
        "spec.failedJobsHistoryLimit",
        spec.failed_jobs_history_limit.map(i64::from),
    );
    let concurrency_policy = match spec.concurrency_policy.as_deref() {
        None | Some("Allow") => ConcurrencyPolicy::Allow,
        Some("Forbid") => ConcurrencyPolicy::Forbid,
        Some("Replace") => ConcurrencyPolicy::Replace,
        Some(other) => {
            errors.push(doc.diagnostic(
                &at("spec.concurrencyPolicy"),
                format!(
                    "Unsupported value: {other:?}: supported values: \"Allow\", \"Forbid\", \"Replace\""
                ),
            ));
            ConcurrencyPolicy::Allow
        }
    };

    // The Job template, validated as the Job the controller will create from it.
    let template_meta = spec.job_template.metadata.clone().unwrap_or_default();
    let job = batch::Job {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: meta.namespace.clone(),
            labels: template_meta.labels,
            annotations: template_meta.annotations,
            ..ObjectMeta::default()
        },
        spec: spec.job_template.spec.clone(),
        status: None,
    };
    let template = import_job(
        doc,
        &at("spec.jobTemplate"),
        &job,
        version,
        |g| g.to_string(),
        warnings,
    );
    let template = match template {
        Ok(t) => Some(t),
        Err(d) => {
            errors.extend(d);
            None
        }
    };
    if errors.has_errors() {
        return Err(errors);
    }
    let (Some(schedule), Some(template)) = (schedule, template) else {
        return Err(errors);
    };
    let zone = schedule.controller_time_zone(zone.as_ref());
    Ok(ImportedCronJob {
        namespace: template.namespace.clone(),
        name,
        spec: CronJobSpec {
            schedule,
            time_zone: spec.time_zone.clone(),
            zone,
            concurrency_policy,
            starting_deadline_seconds: spec.starting_deadline_seconds,
            suspend: spec.suspend.unwrap_or(false),
            successful_jobs_history_limit: Some(spec.successful_jobs_history_limit.unwrap_or(3)),
            failed_jobs_history_limit: Some(spec.failed_jobs_history_limit.unwrap_or(1)),
        },
        template,
    })
}

/// The API server's detail for a rejected `timeZone` (without the zone name, which the
/// message already quotes).
fn zone_reason(e: &crate::controllers::cronjob::schedule::ScheduleError) -> String {
    match e {
        crate::controllers::cronjob::schedule::ScheduleError::InvalidTimeZone {
            reason, ..
        } => reason.clone(),
        other => other.to_string(),
    }
}
