//! `pods.csv` and `events.csv`, written row by row as the run goes, so memory does not grow
//! with the number of pods that have finished.
//!
//! `pods.csv` columns: job, namespace, pod, index, ordinal, attempt, node, created,
//! scheduled, started, finished, deleted, phase, exitCode, reason, restarts.
//! `events.csv` columns: time, namespace, object, type, reason, message.
//! Times are simulated seconds with three decimals; an empty cell means "never".

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use crate::api::names::{pod_name, pod_name_into};
use crate::api::pod::NO_INDEX;
use crate::sim::records::{EventKind, EventRecord, ObjectRef, PodName, PodRecord};
use crate::sim::{Observer, World};

pub const POD_COLUMNS: [&str; 16] = [
    "job",
    "namespace",
    "pod",
    "index",
    "ordinal",
    "attempt",
    "node",
    "created",
    "scheduled",
    "started",
    "finished",
    "deleted",
    "phase",
    "exitCode",
    "reason",
    "restarts",
];

pub const EVENT_COLUMNS: [&str; 6] = ["time", "namespace", "object", "type", "reason", "message"];

/// Writes pod and event rows to two CSV streams (either may be off).
pub struct RecordWriter<W: Write> {
    pods: Option<csv::Writer<W>>,
    events: Option<csv::Writer<W>>,
    pub pods_written: u64,
    pub events_written: u64,
    /// Reused for every formatted field: writing a row allocates nothing.
    buf: String,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(pods: Option<W>, events: Option<W>) -> io::Result<RecordWriter<W>> {
        let mut pods = pods.map(|w| csv::WriterBuilder::new().from_writer(w));
        let mut events = events.map(|w| csv::WriterBuilder::new().from_writer(w));
        if let Some(p) = &mut pods {
            p.write_record(POD_COLUMNS).map_err(csv_io)?;
        }
        if let Some(e) = &mut events {
            e.write_record(EVENT_COLUMNS).map_err(csv_io)?;
        }
        Ok(RecordWriter {
            pods,
            events,
            pods_written: 0,
            events_written: 0,
            buf: String::new(),
        })
    }

    /// Flushes and returns the underlying writers.
    pub fn finish(self) -> io::Result<(Option<W>, Option<W>)> {
        let pods = match self.pods {
            Some(w) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        let events = match self.events {
            Some(w) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        Ok((pods, events))
    }
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Writes `v` (empty when `None`) as one field, formatted in `buf`.
fn display_field<W: Write>(
    out: &mut csv::Writer<W>,
    buf: &mut String,
    v: Option<impl fmt::Display>,
) -> csv::Result<()> {
    buf.clear();
    if let Some(v) = v {
        let _ = write!(buf, "{v}");
    }
    out.write_field(buf.as_bytes())
}

/// The full name of a pod.
pub fn full_pod_name(world: &World, name: &PodName) -> String {
    let job = &world.jobs[name.job.idx()];
    pod_name(
        &job.name,
        (name.index != NO_INDEX).then_some(name.index),
        &name.suffix,
    )
}

/// `(type, reason, message)` of an event, as Kubernetes components word them.
pub fn describe(world: &World, e: &EventRecord) -> (&'static str, String, String) {
    let container = || match e.object {
        ObjectRef::Pod(p) => world.jobs[p.job.idx()]
            .spec
            .template
            .containers
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    match &e.kind {
        EventKind::SuccessfulCreate(p) => (
            "Normal",
            "SuccessfulCreate".into(),
            format!("Created pod: {}", full_pod_name(world, p)),
        ),
        EventKind::SuccessfulDelete(p) => (
            "Normal",
            "SuccessfulDelete".into(),
            format!("Deleted pod: {}", full_pod_name(world, p)),
        ),
        EventKind::FailedCreate(message) => (
            "Warning",
            "FailedCreate".into(),
            format!("Error creating: {message}"),
        ),
        EventKind::Completed => ("Normal", "Completed".into(), "Job completed".into()),
        EventKind::JobFailed { reason, message } => ("Warning", reason.clone(), message.clone()),
        EventKind::TooManySucceededPods => (
            "Warning",
            "TooManySucceededPods".into(),
            "Too many succeeded pods running after completion count reached".into(),
        ),
        EventKind::Suspended => ("Normal", "Suspended".into(), "Job suspended".into()),
        EventKind::Resumed => ("Normal", "Resumed".into(), "Job resumed".into()),
        EventKind::JobDeleted => (
            "Normal",
            "Deleted".into(),
            "Job deleted by the TTL-after-finished controller".into(),
        ),
        EventKind::Scheduled(node) => {
            let ObjectRef::Pod(p) = e.object else {
                return ("Normal", "Scheduled".into(), String::new());
            };
            let job = &world.jobs[p.job.idx()];
            (
                "Normal",
                "Scheduled".into(),
                format!(
                    "Successfully assigned {}/{} to {}",
                    job.namespace,
                    full_pod_name(world, &p),
                    world.cluster.node(*node).name
                ),
            )
        }
        EventKind::FailedScheduling(msg) => ("Warning", "FailedScheduling".into(), msg.clone()),
        EventKind::Started => (
            "Normal",
            "Started".into(),
            format!("Started container {}", container()),
        ),
        EventKind::Killing => (
            "Normal",
            "Killing".into(),
            format!("Stopping container {}", container()),
        ),
        EventKind::BackOff => {
            let pod = match e.object {
                ObjectRef::Pod(p) => full_pod_name(world, &p),
                _ => String::new(),
            };
            (
                "Warning",
                "BackOff".into(),
                format!(
                    "Back-off restarting failed container {} in pod {pod}",
                    container()
                ),
            )
        }
        EventKind::Pulling { image } => (
            "Normal",
            "Pulling".into(),
            format!("Pulling image \"{}\"", world.cluster.images.name(*image)),
        ),
        EventKind::Pulled { image, took, total } => (
            "Normal",
            "Pulled".into(),
            format!(
                "Successfully pulled image \"{}\" in {} ({} including waiting)",
                world.cluster.images.name(*image),
                took.as_go_string(),
                total.as_go_string()
            ),
        ),
        EventKind::AlreadyPresent { image } => (
            "Normal",
            "Pulled".into(),
            format!(
                "Container image \"{}\" already present on machine",
                world.cluster.images.name(*image)
            ),
        ),
        EventKind::NodeNotReady | EventKind::NodeReady | EventKind::NodeFailure => {
            let name = match e.object {
                ObjectRef::Node(n) => world.cluster.node(n).name.as_str(),
                _ => "",
            };
            match &e.kind {
                EventKind::NodeNotReady => (
                    "Normal",
                    "NodeNotReady".into(),
                    format!("Node {name} status is now: NodeNotReady"),
                ),
                EventKind::NodeReady => (
                    "Normal",
                    "NodeReady".into(),
                    format!("Node {name} status is now: NodeReady"),
                ),
                _ => (
                    "Warning",
                    "NodeFailure".into(),
                    format!("Node {name} stopped (injected failure)"),
                ),
            }
        }
        EventKind::TriggeredScaleUp {
            pool,
            from,
            to,
            max,
        } => (
            "Normal",
            "TriggeredScaleUp".into(),
            format!(
                "pod triggered scale-up: [{{{} {from}->{to} (max: {max})}}]",
                world.cluster.pools[*pool as usize].name
            ),
        ),
        EventKind::CronJob {
            warning,
            reason,
            message,
        } => (
            if *warning { "Warning" } else { "Normal" },
            (*reason).to_string(),
            message.clone(),
        ),
        EventKind::NotTriggerScaleUp(why) => (
            "Normal",
            "NotTriggerScaleUp".into(),
            format!("pod didn't trigger scale-up: {why}"),
        ),
        EventKind::RegisteredNode | EventKind::ScaleDown => {
            let name = match e.object {
                ObjectRef::Node(n) => world.cluster.node(n).name.as_str(),
                _ => "",
            };
            if e.kind == EventKind::RegisteredNode {
                (
                    "Normal",
                    "RegisteredNode".into(),
                    format!("Node {name} event: Registered Node {name} in Controller"),
                )
            } else {
                (
                    "Normal",
                    "ScaleDown".into(),
                    format!("Scale-down: removing node {name}"),
                )
            }
        }
        EventKind::Preempted { by, node } => (
            "Normal",
            "Preempted".into(),
            format!(
                "Preempted by {}/{} on node {}",
                world.jobs[by.job.idx()].namespace,
                full_pod_name(world, by),
                world.cluster.node(*node).name
            ),
        ),
        EventKind::Evicted(resource) => (
            "Warning",
            "Evicted".into(),
            format!("The node was low on resource: {resource}."),
        ),
        EventKind::TaintManagerEviction => {
            let pod = match e.object {
                ObjectRef::Pod(p) => format!(
                    "{}/{}",
                    world.jobs[p.job.idx()].namespace,
                    full_pod_name(world, &p)
                ),
                _ => String::new(),
            };
            (
                "Normal",
                "TaintManagerEviction".into(),
                format!("Marking for deletion Pod {pod}"),
            )
        }
        EventKind::Disrupted(reason) => (
            "Warning",
            "DisruptionTarget".into(),
            format!("Pod has DisruptionTarget condition: {}", reason.as_str()),
        ),
    }
}

impl<W: Write> Observer for RecordWriter<W> {
    fn event(&mut self, world: &World, e: &EventRecord) -> io::Result<()> {
        let Some(out) = &mut self.events else {
            return Ok(());
        };
        let buf = &mut self.buf;
        let (kind, reason, message) = describe(world, e);
        let mut row = || -> csv::Result<()> {
            display_field(out, buf, Some(e.time))?;
            buf.clear();
            let namespace = match e.object {
                ObjectRef::Job(j) => {
                    let job = &world.jobs[j.idx()];
                    buf.push_str("Job/");
                    buf.push_str(&job.name);
                    job.namespace.as_str()
                }
                ObjectRef::Pod(p) => {
                    let job = &world.jobs[p.job.idx()];
                    buf.push_str("Pod/");
                    let index = (p.index != NO_INDEX).then_some(p.index);
                    pod_name_into(buf, &job.name, index, &p.suffix);
                    job.namespace.as_str()
                }
                ObjectRef::Node(n) => {
                    buf.push_str("Node/");
                    buf.push_str(&world.cluster.node(n).name);
                    ""
                }
                ObjectRef::CronJob(c) => {
                    let cj = &world.cronjobs[c as usize];
                    buf.push_str("CronJob/");
                    buf.push_str(&cj.cron_job.name);
                    cj.namespace.as_str()
                }
            };
            out.write_field(namespace)?;
            out.write_field(buf.as_bytes())?;
            out.write_field(kind)?;
            out.write_field(&reason)?;
            out.write_field(&message)?;
            out.write_record(None::<&[u8]>)
        };
        row().map_err(csv_io)?;
        self.events_written += 1;
        Ok(())
    }

    fn pod(&mut self, world: &World, p: &PodRecord) -> io::Result<()> {
        let Some(out) = &mut self.pods else {
            return Ok(());
        };
        let buf = &mut self.buf;
        let job = &world.jobs[p.name.job.idx()];
        let node = p.node.map_or("", |n| world.cluster.node(n).name.as_str());
        let reason = match (p.disruption, p.reason) {
            (Some(d), _) => d.as_str(),
            (None, Some(r)) => r.as_str(),
            (None, None) => "",
        };
        let index = (p.name.index != NO_INDEX).then_some(p.name.index);
        let mut row = || -> csv::Result<()> {
            out.write_field(&job.name)?;
            out.write_field(&job.namespace)?;
            buf.clear();
            pod_name_into(buf, &job.name, index, &p.name.suffix);
            out.write_field(buf.as_bytes())?;
            display_field(out, buf, index)?;
            display_field(out, buf, Some(p.ordinal))?;
            display_field(out, buf, Some(p.attempt))?;
            out.write_field(node)?;
            display_field(out, buf, Some(p.created))?;
            display_field(out, buf, p.scheduled)?;
            display_field(out, buf, p.started)?;
            display_field(out, buf, p.finished)?;
            display_field(out, buf, p.deleted)?;
            out.write_field(p.phase.as_str())?;
            display_field(out, buf, p.exit_code)?;
            out.write_field(reason)?;
            display_field(out, buf, Some(p.restarts))?;
            out.write_record(None::<&[u8]>)
        };
        row().map_err(csv_io)?;
        self.pods_written += 1;
        Ok(())
    }
}
