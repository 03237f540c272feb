//! What a run reports as it goes: Kubernetes events and finished pods.
//!
//! The simulation never writes files. It appends records to `World::records`; the run
//! loop hands them to an [`Observer`] after every event (or, for an observer that asks,
//! in batches: [`Observer::records_batch`]), with read access to the world so that names
//! can be resolved. Records carry ids and small values, never formatted
//! strings, so a run whose outputs are switched off formats nothing.

use crate::api::names::RANDOM_LENGTH;
use crate::api::pod::{DisruptionReason, PodPhase, TerminationReason};
use crate::api::{JobId, NodeId};
use crate::engine::time::{SimDuration, SimTime};

use super::world::World;

/// A pod's name, resolvable with the Job table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodName {
    pub job: JobId,
    /// Completion index, or `NO_INDEX`.
    pub index: u32,
    pub suffix: [u8; RANDOM_LENGTH],
}

/// The object an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectRef {
    Job(JobId),
    Pod(PodName),
    Node(NodeId),
    /// Index into `World::cronjobs`.
    CronJob(u32),
}

/// What happened (the event's reason, with what its message needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Job controller: `Created pod: <name>`.
    SuccessfulCreate(PodName),
    /// Job controller: `Deleted pod: <name>`.
    SuccessfulDelete(PodName),
    /// Job controller (or the client that created the Job): Warning `Error creating: <the
    /// API server's error>` (a ResourceQuota refused the pod or the Job).
    FailedCreate(String),
    /// Job controller: "Job completed".
    Completed,
    /// Job controller: Warning with the failure reason and message.
    JobFailed { reason: String, message: String },
    /// Job controller: Warning "Too many succeeded pods running after completion count reached".
    TooManySucceededPods,
    /// Job controller: "Job suspended".
    Suspended,
    /// Job controller: "Job resumed".
    Resumed,
    /// TTL controller deleted the finished Job.
    JobDeleted,
    /// Scheduler: `Successfully assigned <ns>/<pod> to <node>`.
    Scheduled(NodeId),
    /// Scheduler: Warning with FitError's message.
    FailedScheduling(String),
    /// Kubelet: `Started container <name>`.
    Started,
    /// Kubelet: `Stopping container <name>`.
    Killing,
    /// Kubelet: Warning `Back-off restarting failed container <name> in pod <pod>`.
    BackOff,
    /// Pod evicted or preempted (DisruptionTarget).
    Disrupted(DisruptionReason),
    /// Kubelet: `Pulling image <image>`.
    Pulling { image: u32 },
    /// Kubelet: `Successfully pulled image <image> in <took> (<total> including waiting)`.
    Pulled {
        image: u32,
        took: SimDuration,
        total: SimDuration,
    },
    /// Kubelet: `Container image <image> already present on machine`.
    AlreadyPresent { image: u32 },
    /// Node lifecycle controller: `Node <name> status is now: NodeNotReady`.
    NodeNotReady,
    /// Kubelet: `Node <name> status is now: NodeReady`.
    NodeReady,
    /// Kubelet: Warning `The node was low on resource: <resource>.` (node-pressure eviction).
    Evicted(String),
    /// Taint-eviction controller: `Marking for deletion Pod <ns>/<name>`.
    TaintManagerEviction,
    /// The node's machine stopped (jobsim's fault injection; no Kubernetes event says so).
    NodeFailure,
    /// Scheduler, on a victim: `Preempted by <ns>/<pod> on node <node>`.
    Preempted { by: PodName, node: NodeId },
    /// cluster-autoscaler: `pod triggered scale-up: [{<pool> <from>-><to> (max: <max>)}]`.
    TriggeredScaleUp {
        pool: u32,
        from: u32,
        to: u32,
        max: u32,
    },
    /// cluster-autoscaler: `pod didn't trigger scale-up: <why>`.
    NotTriggerScaleUp(&'static str),
    /// Node controller: `Node <name> event: Registered Node <name> in Controller`.
    RegisteredNode,
    /// cluster-autoscaler: `Scale-down: removing node <name>`.
    ScaleDown,
    /// CronJob controller: any of its events, worded as upstream words them.
    CronJob {
        warning: bool,
        reason: &'static str,
        message: String,
    },
}

/// One Kubernetes event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub time: SimTime,
    pub object: ObjectRef,
    pub kind: EventKind,
}

/// The life of one pod, reported once the pod object is gone or the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodRecord {
    pub name: PodName,
    pub ordinal: u32,
    pub node: Option<NodeId>,
    pub created: SimTime,
    pub scheduled: Option<SimTime>,
    pub started: Option<SimTime>,
    pub finished: Option<SimTime>,
    pub deleted: Option<SimTime>,
    pub phase: PodPhase,
    pub exit_code: Option<i32>,
    pub reason: Option<TerminationReason>,
    pub disruption: Option<DisruptionReason>,
    pub restarts: u32,
    pub attempt: u32,
}

/// A record produced by the simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Event(EventRecord),
    Pod(PodRecord),
}

/// Consumes records as the run produces them.
pub trait Observer {
    fn event(&mut self, world: &World, event: &EventRecord) -> std::io::Result<()>;
    fn pod(&mut self, world: &World, pod: &PodRecord) -> std::io::Result<()>;
    /// The records of one or more events, in order: [`Observer::event`] and
    /// [`Observer::pod`] for each. An observer that keeps records may take them out of
    /// `records` instead of copying them (or take the vector, leaving an empty one with
    /// room); the run clears it afterwards.
    fn records(&mut self, world: &World, records: &mut Vec<Record>) -> std::io::Result<()> {
        hand_each(self, world, records)
    }
    /// How many records may wait in the world before they are handed over. With 1 (the
    /// default) the records of each event come right after it, so that an observer can be
    /// read between steps; an observer that only passes them on takes them in batches. The
    /// world never lets more than `RECORDS_WAITING_MAX` wait, and hands over whatever
    /// waits when the run ends or stops at a limit.
    fn records_batch(&self) -> usize {
        1
    }
    /// The world as it is at `at` (timeseries.csv), when sampling is on. A sample is
    /// tentative until [`Observer::commit_samples`]: the run may end before its time.
    fn sample(&mut self, _world: &World, _at: SimTime) -> std::io::Result<()> {
        Ok(())
    }
    /// Keeps the tentative samples at or before `up_to` (all of them with `None`) and drops
    /// the others.
    fn commit_samples(&mut self, _up_to: Option<SimTime>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hands each record to [`Observer::event`] or [`Observer::pod`], in order.
fn hand_each<O: Observer + ?Sized>(
    observer: &mut O,
    world: &World,
    records: &[Record],
) -> std::io::Result<()> {
    for r in records {
        match r {
            Record::Event(e) => observer.event(world, e)?,
            Record::Pod(p) => observer.pod(world, p)?,
        }
    }
    Ok(())
}

/// Two observers, each seeing every record.
pub struct Tee<'a, A: ?Sized, B: ?Sized>(pub &'a mut A, pub &'a mut B);

impl<A: Observer + ?Sized, B: Observer + ?Sized> Observer for Tee<'_, A, B> {
    fn event(&mut self, world: &World, event: &EventRecord) -> std::io::Result<()> {
        self.0.event(world, event)?;
        self.1.event(world, event)
    }
    fn pod(&mut self, world: &World, pod: &PodRecord) -> std::io::Result<()> {
        self.0.pod(world, pod)?;
        self.1.pod(world, pod)
    }
    /// The second observer sees each record first, so that the first may take them.
    fn records(&mut self, world: &World, records: &mut Vec<Record>) -> std::io::Result<()> {
        hand_each(self.1, world, records)?;
        self.0.records(world, records)
    }
    fn records_batch(&self) -> usize {
        self.0.records_batch().min(self.1.records_batch())
    }
    fn sample(&mut self, world: &World, at: SimTime) -> std::io::Result<()> {
        self.0.sample(world, at)?;
        self.1.sample(world, at)
    }
    fn commit_samples(&mut self, up_to: Option<SimTime>) -> std::io::Result<()> {
        self.0.commit_samples(up_to)?;
        self.1.commit_samples(up_to)
    }
}

/// An observer that may be off.
impl<O: Observer> Observer for Option<O> {
    fn event(&mut self, world: &World, event: &EventRecord) -> std::io::Result<()> {
        match self {
            Some(o) => o.event(world, event),
            None => Ok(()),
        }
    }
    fn pod(&mut self, world: &World, pod: &PodRecord) -> std::io::Result<()> {
        match self {
            Some(o) => o.pod(world, pod),
            None => Ok(()),
        }
    }
    fn records(&mut self, world: &World, records: &mut Vec<Record>) -> std::io::Result<()> {
        match self {
            Some(o) => o.records(world, records),
            None => Ok(()),
        }
    }
    /// An observer that is off takes records whenever.
    fn records_batch(&self) -> usize {
        self.as_ref().map_or(usize::MAX, O::records_batch)
    }
    fn sample(&mut self, world: &World, at: SimTime) -> std::io::Result<()> {
        match self {
            Some(o) => o.sample(world, at),
            None => Ok(()),
        }
    }
    fn commit_samples(&mut self, up_to: Option<SimTime>) -> std::io::Result<()> {
        match self {
            Some(o) => o.commit_samples(up_to),
            None => Ok(()),
        }
    }
}

/// An observer that keeps nothing (benchmarks, sweeps).
pub struct Discard;

impl Observer for Discard {
    fn event(&mut self, _: &World, _: &EventRecord) -> std::io::Result<()> {
        Ok(())
    }
    fn pod(&mut self, _: &World, _: &PodRecord) -> std::io::Result<()> {
        Ok(())
    }
    fn records_batch(&self) -> usize {
        usize::MAX
    }
}

/// An observer that keeps everything in memory (tests).
#[derive(Default)]
pub struct Collect {
    pub events: Vec<EventRecord>,
    pub pods: Vec<PodRecord>,
}

impl Observer for Collect {
    fn event(&mut self, _: &World, event: &EventRecord) -> std::io::Result<()> {
        self.events.push(event.clone());
        Ok(())
    }
    fn pod(&mut self, _: &World, pod: &PodRecord) -> std::io::Result<()> {
        self.pods.push(pod.clone());
        Ok(())
    }
}
