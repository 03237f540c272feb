//! What `kubectl get jobs` shows (`pkg/printers/internalversion/printers.go`, `printJob`),
//! at the end of the simulated run.

use crate::api::job::JobConditionType;
use crate::controllers::job::JobState;
use crate::engine::time::{SimTime, human_duration};

/// The STATUS column (kubectl 1.30+).
pub fn status_column(job: &JobState) -> &'static str {
    let s = &job.status;
    if s.has_true(JobConditionType::Complete) {
        "Complete"
    } else if s.has_true(JobConditionType::Failed) {
        "Failed"
    } else if job.deleted_at.is_some() {
        "Terminating"
    } else if s.has_true(JobConditionType::Suspended) {
        "Suspended"
    } else if s.has_true(JobConditionType::FailureTarget) {
        "FailureTarget"
    } else if s.has_true(JobConditionType::SuccessCriteriaMet) {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

/// The COMPLETIONS column.
pub fn completions_column(job: &JobState) -> String {
    match job.spec.completions {
        Some(c) => format!("{}/{}", job.status.succeeded, c),
        None if job.spec.parallelism > 1 => {
            format!("{}/1 of {}", job.status.succeeded, job.spec.parallelism)
        }
        None => format!("{}/1", job.status.succeeded),
    }
}

/// The DURATION column: completion − start, or now − start while not complete.
pub fn duration_column(job: &JobState, now: SimTime) -> String {
    match (job.status.start_time, job.status.completion_time) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.api_truncated() - start),
        (Some(start), Some(done)) => human_duration(done - start),
    }
}

/// Renders rows the way kubectl's tabwriter does: left-aligned columns, three spaces apart.
pub fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < r.len() {
                let pad = widths[c] - cell.chars().count() + 3;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole table for `jobs`, as seen at `now`.
pub fn jobs_table<'a>(jobs: impl Iterator<Item = &'a JobState>, now: SimTime) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "STATUS".to_string(),
        "COMPLETIONS".to_string(),
        "DURATION".to_string(),
        "AGE".to_string(),
    ]];
    for job in jobs {
        let age = job
            .created_at
            .map(|c| human_duration(now.api_truncated() - c.api_truncated()))
            .unwrap_or_else(|| "<pending>".to_string());
        rows.push(vec![
            job.name.clone(),
            status_column(job).to_string(),
            completions_column(job),
            duration_column(job, now),
            age,
        ]);
    }
    render(&rows)
}

/// What `kubectl get jobs` (and, when there are CronJobs, `kubectl get cronjobs`) shows at
/// `now`. Jobs a CronJob deleted (history limits, Replace) are gone from the API and not
/// listed; summary.json keeps them.
pub fn kubectl_get(world: &crate::sim::World, now: SimTime) -> String {
    let mut out = jobs_table(
        world
            .jobs
            .iter()
            .filter(|j| j.rejected.is_none() && (j.owner.is_none() || j.deleted_at.is_none())),
        now,
    );
    if !world.cronjobs.is_empty() {
        out.push('\n');
        out.push_str(&cronjobs_table(world, now));
    }
    out
}

/// `kubectl get cronjobs` (`printCronJob`).
pub fn cronjobs_table(world: &crate::sim::World, now: SimTime) -> String {
    let mut rows = vec![
        [
            "NAME",
            "SCHEDULE",
            "TIMEZONE",
            "SUSPEND",
            "ACTIVE",
            "LAST SCHEDULE",
            "AGE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let now_api = now.api_truncated();
    for c in &world.cronjobs {
        let cj = &c.cron_job;
        let since = |t: SimTime| human_duration(now_api - t.api_truncated());
        rows.push(vec![
            cj.name.clone(),
            cj.spec.schedule.source().to_string(),
            cj.spec.time_zone.clone().unwrap_or_else(|| "<none>".into()),
            if cj.spec.suspend { "True" } else { "False" }.into(),
            cj.status.active.len().to_string(),
            cj.status
                .last_schedule_time
                .map(|t| since(world.sim_time_of(t)))
                .unwrap_or_else(|| "<none>".into()),
            if c.created_at <= now {
                since(c.created_at)
            } else {
                "<pending>".into()
            },
        ]);
    }
    render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_padded_like_kubectl() {
        let t = render(&[
            vec!["NAME".into(), "STATUS".into()],
            vec!["pi".into(), "Complete".into()],
        ]);
        assert_eq!(t, "NAME   STATUS\npi     Complete\n");
    }
}
