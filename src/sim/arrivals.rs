//! Arrival processes in the simulation: copies of a Job template submitted over time.
//!
//! Each process has its own random stream (keyed by the template's namespace/name), so its
//! arrival times do not depend on anything else in the scenario; the next arrival is
//! scheduled when the previous one happens, so the queue holds one event per process.

use crate::api::JobId;
use crate::engine::rng::{Purpose, Stream, name_key};
use crate::engine::time::SimTime;
use crate::workload::arrivals::{ArrivalProcess, MAX_ARRIVALS};

use super::world::{Event, JobInput, World};

/// One arrival process of the scenario.
#[derive(Clone, Debug)]
pub struct ArrivalInput {
    /// The Job every arrival copies (its name is the prefix of the copies' names).
    pub template: JobInput,
    pub process: ArrivalProcess,
}

/// An arrival process during a run.
#[derive(Clone, Debug)]
pub struct ArrivalState {
    pub input: ArrivalInput,
    /// Arrivals so far.
    pub arrived: u32,
    /// Submissions the API server refused (a ResourceQuota, a name in use or too long):
    /// time, name, error.
    pub rejected: Vec<(SimTime, String, String)>,
    rng: Stream,
    /// The time of the pending arrival (interval processes).
    next_at: SimTime,
    /// An arrival is scheduled.
    pub(crate) pending: bool,
    /// The first process copying the same Job: copies are numbered across all of them.
    group: usize,
    /// Copies named so far (used on the group's first process).
    named: u32,
}

impl World {
    /// Registers the processes and schedules their first arrivals.
    pub(crate) fn start_arrivals(&mut self, inputs: Vec<ArrivalInput>) {
        for (i, input) in inputs.into_iter().enumerate() {
            let key = name_key(&format!(
                "{}/{}",
                input.template.namespace, input.template.name
            ));
            // Two processes copying the same Job draw from different streams.
            let group = self
                .arrivals
                .iter()
                .position(|a| {
                    a.input.template.namespace == input.template.namespace
                        && a.input.template.name == input.template.name
                })
                .unwrap_or(i);
            let rng = self
                .streams
                .stream(Purpose::Arrivals, key, (i - group) as u64, 0);
            self.arrivals.push(ArrivalState {
                input,
                arrived: 0,
                rejected: Vec::new(),
                rng,
                next_at: SimTime::ZERO,
                pending: false,
                group,
                named: 0,
            });
            let start = match &self.arrivals[i].input.process {
                ArrivalProcess::Interval { start, .. } => *start,
                ArrivalProcess::Times(_) => SimTime::ZERO,
            };
            self.schedule_next_arrival(i as u32, start);
        }
    }

    /// Schedules arrival number `arrived` of process `a`, after `from` for interval processes.
    fn schedule_next_arrival(&mut self, a: u32, from: SimTime) {
        let s = &mut self.arrivals[a as usize];
        let at = match &s.input.process {
            ArrivalProcess::Interval {
                gap, until, limit, ..
            } => {
                if s.arrived >= limit.unwrap_or(MAX_ARRIVALS) {
                    return;
                }
                let at = from
                    + gap
                        .sample(&mut s.rng, s.arrived)
                        .max(ArrivalProcess::MIN_GAP);
                if at > *until {
                    return;
                }
                at
            }
            ArrivalProcess::Times(times) => match times.get(s.arrived as usize) {
                Some((at, _)) => *at,
                None => return,
            },
        };
        s.next_at = at;
        s.pending = true;
        self.queue.push(at, Event::Arrival(a));
    }

    pub(crate) fn on_arrival(&mut self, a: u32) -> bool {
        let s = &mut self.arrivals[a as usize];
        s.pending = false;
        s.arrived += 1;
        let n = s.arrived;
        let given = match &s.input.process {
            ArrivalProcess::Times(times) => times[n as usize - 1].1.clone(),
            ArrivalProcess::Interval { .. } => None,
        };
        let group = s.group;
        let name = match given {
            Some(name) => name,
            None => {
                let g = &mut self.arrivals[group];
                g.named += 1;
                format!("{}-{}", g.input.template.name, g.named)
            }
        };
        let t = self.arrivals[a as usize].input.template.clone();
        let now = self.now;
        // The API server's checks on the submitted Job: its name, then the quotas.
        let admitted = if name.len() > 63 {
            Err(format!(
                "Job.batch {name:?} is invalid: metadata.name: Invalid value: {name:?}: must be no more than 63 characters"
            ))
        } else if self
            .live_names
            .contains_key(&(t.namespace.clone(), name.clone()))
        {
            Err(format!("jobs.batch {name:?} already exists"))
        } else {
            self.admit_job(&t.namespace, &name)
        };
        match admitted {
            Ok(()) => {
                let id: JobId = self.add_job(t.namespace, name, t.spec, t.behavior);
                self.jobs[id.idx()].admitted = true;
                self.jobs[id.idx()].deadline = t.deadline;
            }
            Err(message) => {
                // The submission is refused: the Job never exists.
                self.arrivals[a as usize]
                    .rejected
                    .push((now, name, message));
            }
        }
        self.schedule_next_arrival(a, now);
        true
    }
}
