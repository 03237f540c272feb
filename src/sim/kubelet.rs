//! kubelet handlers: starting bound pods, running containers to their planned end,
//! restarting them in place (OnFailure), and stopping deleted pods.

use crate::api::job::{ImagePullPolicy, RestartPolicy};
use crate::api::pod::{
    ContainerExit, DisruptionReason, NO_INDEX, PendingExit, PodPhase, TerminationReason,
};
use crate::api::{NodeId, PodId};
use crate::cluster::kubelet::CrashLoop;
use crate::engine::rng::Purpose;
use crate::engine::time::{SimDuration, SimTime};
use crate::workload::AttemptKey;

use super::records::EventKind;
use super::world::{Event, PullReport, World, lane};

/// Milliseconds for an event payload (saturating: 49 days is plenty for a pull).
fn ms_u32(d: SimDuration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Exit code of a container stopped by SIGTERM (128 + 15).
const EXIT_SIGTERM: i32 = 143;
/// Exit code of a container killed by SIGKILL when the grace period ran out (128 + 9).
const EXIT_SIGKILL: i32 = 137;

impl World {
    /// The kubelet of the pod's node accepts a newly bound pod and starts it: the sandbox
    /// and container start take `podStartup`; image pulls, when modelled, come on top.
    pub(crate) fn kubelet_admit(&mut self, id: PodId) {
        let generation = self.pods.bump(id);
        let pod = self.pods.get(id);
        let job = &self.jobs[pod.job.idx()];
        let startup = match self.kubelet.pod_startup.deterministic(0) {
            Some(d) => d,
            None => {
                let mut rng =
                    self.streams
                        .stream(Purpose::PodStartup, job.key, u64::from(pod.ordinal), 0);
                self.kubelet.pod_startup.sample(&mut rng, 0)
            }
        };
        let event = if self.cluster.images.enabled() {
            Event::PodSandboxReady {
                pod: id,
                generation,
            }
        } else {
            Event::PodRunning {
                pod: id,
                generation,
            }
        };
        self.queue
            .push_in_lane(lane::STARTUP, self.now + startup, event);
    }

    /// The sandbox is up: pull what the node lacks, one container after the other, then
    /// start the containers (`EnsureImageExists` per container).
    pub(crate) fn on_pod_sandbox_ready(&mut self, id: PodId, generation: u32) -> bool {
        let Some(pod) = self.pods.get_current(id, generation) else {
            return false;
        };
        let Some(node) = pod.node else {
            return false;
        };
        let needs = std::sync::Arc::clone(&self.job_images[pod.job.idx()]);
        let serialize = self.cluster.images.serialize;
        let mut t = self.now;
        for need in needs.iter() {
            let n = &self.cluster.nodes[node.idx()];
            let present = n.images.present_from(need.image);
            let pull = match need.policy {
                // Never pulls and never waits: the image is taken to be on the node.
                ImagePullPolicy::Never => continue,
                ImagePullPolicy::IfNotPresent => present.is_none(),
                ImagePullPolicy::Always => true,
            };
            if !pull {
                match present {
                    Some(ready) if ready <= t => {
                        self.pod_event(id, || EventKind::AlreadyPresent { image: need.image })
                    }
                    Some(ready) => {
                        // Being pulled for another pod: this pod's pull request waits for
                        // that pull and then finds the layers there.
                        self.pod_event(id, || EventKind::Pulling { image: need.image });
                        let report = PullReport {
                            image: need.image,
                            took_ms: 0,
                            total_ms: ms_u32(ready.saturating_since(t)),
                        };
                        self.queue_image_pulled(ready, id, generation, report);
                        t = ready;
                    }
                    None => {}
                }
                continue;
            }
            let n = &mut self.cluster.nodes[node.idx()];
            let start = if serialize {
                t.max(n.images.puller_free)
            } else {
                t
            };
            let mut rng = self.streams.stream(
                Purpose::ImagePull,
                u64::from(node.0),
                u64::from(need.image),
                n.images.pulls,
            );
            n.images.pulls += 1;
            let took = self
                .cluster
                .images
                .pull_time(need.image)
                .sample(&mut rng, 0);
            let n = &mut self.cluster.nodes[node.idx()];
            let done = start + took;
            if serialize {
                n.images.puller_free = done;
            }
            n.images.pulled(need.image, done);
            self.pod_event(id, || EventKind::Pulling { image: need.image });
            let report = PullReport {
                image: need.image,
                took_ms: ms_u32(took),
                total_ms: ms_u32(done.saturating_since(t)),
            };
            self.queue_image_pulled(done, id, generation, report);
            t = done;
        }
        self.queue.push(
            t,
            Event::PodRunning {
                pod: id,
                generation,
            },
        );
        true
    }

    /// Schedules the `Pulled` event of a pull that ends at `at`.
    fn queue_image_pulled(&mut self, at: SimTime, id: PodId, generation: u32, report: PullReport) {
        let slot = match self.free_pull_reports.pop() {
            Some(s) => {
                self.pull_reports[s as usize] = report;
                s
            }
            None => {
                self.pull_reports.push(report);
                (self.pull_reports.len() - 1) as u32
            }
        };
        self.queue.push(
            at,
            Event::ImagePulled {
                pod: id,
                generation,
                report: slot,
            },
        );
    }

    pub(crate) fn on_image_pulled(&mut self, id: PodId, generation: u32, slot: u32) -> bool {
        let report = self.pull_reports[slot as usize];
        self.free_pull_reports.push(slot);
        if self.pods.get_current(id, generation).is_none() {
            return false;
        }
        self.pod_event(id, || EventKind::Pulled {
            image: report.image,
            took: SimDuration::from_millis(u64::from(report.took_ms)),
            total: SimDuration::from_millis(u64::from(report.total_ms)),
        });
        true
    }

    /// A binding issued `bindLatency` ago completes. A pod deleted meanwhile gave its
    /// reservation back when it was deleted (`delete_pod`).
    pub(crate) fn on_pod_bound(&mut self, id: PodId, generation: u32, node: NodeId) -> bool {
        match self.pods.get_current(id, generation) {
            Some(p) if p.assumed_node == Some(node) && p.deletion.is_none() => {
                p.assumed_node = None;
                self.bind_pod(id, node);
                true
            }
            _ => false,
        }
    }

    pub(crate) fn on_pod_running(&mut self, id: PodId, generation: u32) -> bool {
        if self.pods.get_current(id, generation).is_none() {
            return false;
        }
        let now = self.now;
        let readiness = self.readiness_delay(id);
        self.update_pod(id, |p| {
            p.phase = PodPhase::Running;
            p.started_at = Some(now);
            p.ready = readiness.is_zero();
            p.ready_at = readiness.is_zero().then_some(now);
        });
        self.pod_event(id, || EventKind::Started);
        let job = self.pods.get(id).job;
        self.jobs[job.idx()]
            .stats
            .first_pod_running
            .get_or_insert(now);
        let generation = self.start_run(id);
        if !readiness.is_zero() {
            self.queue.push(
                now + readiness,
                Event::PodReady {
                    pod: id,
                    generation,
                },
            );
        }
        true
    }

    /// Time from the containers running until the pod is Ready.
    fn readiness_delay(&self, id: PodId) -> SimDuration {
        if self.kubelet.readiness.is_zero() {
            return SimDuration::ZERO;
        }
        let pod = self.pods.get(id);
        let job = &self.jobs[pod.job.idx()];
        let mut rng = self.streams.stream(
            Purpose::PodStartup,
            job.key,
            u64::from(pod.ordinal),
            2 + u64::from(pod.restart_count),
        );
        self.kubelet.readiness.sample(&mut rng, 0)
    }

    /// The readiness probe succeeds while the run that started with `generation` goes on.
    pub(crate) fn on_pod_ready(&mut self, id: PodId, generation: u32) -> bool {
        match self.pods.get_current(id, generation) {
            Some(p) if p.phase == PodPhase::Running && !p.ready && p.deletion.is_none() => {}
            _ => return false,
        }
        let now = self.now;
        self.update_pod(id, |p| {
            p.ready = true;
            p.ready_at = Some(now);
        });
        true
    }

    /// The attempt the pod's current (or next) run is.
    #[inline]
    pub(crate) fn attempt_key(&self, id: PodId) -> AttemptKey {
        let pod = self.pods.get(id);
        let indexed = pod.index != NO_INDEX;
        AttemptKey {
            job_key: self.jobs[pod.job.idx()].key,
            indexed,
            unit: if indexed { pod.index } else { pod.ordinal },
            attempt: pod.attempt,
        }
    }

    /// Decides what the container's current run does and schedules its end. Returns the
    /// pod's generation for the run's timers.
    fn start_run(&mut self, id: PodId) -> u32 {
        let key = self.attempt_key(id);
        let job = &self.jobs[self.pods.get(id).job.idx()];
        let [a, b, c] = key.stream_parts();
        let rng = self.attempt_streams.take(&self.streams, id.0, a, b, c);
        let outcome = job
            .behavior
            .outcome_from(rng, key, job.spec.template.memory_limit_bytes);
        let at = self.now + outcome.duration;
        let exit = ContainerExit {
            container: outcome.container,
            exit_code: outcome.exit_code,
            reason: outcome.reason,
        };
        let other_exits = outcome
            .other_containers
            .iter()
            .map(|&(c, code)| ContainerExit {
                container: c,
                exit_code: code,
                reason: if code == 0 {
                    TerminationReason::Completed
                } else {
                    TerminationReason::Error
                },
            })
            .collect();
        let generation = self.pods.bump(id);
        let p = self.pods.get_mut(id);
        // A pod runs only where it is bound; the event's node is a hint for the run loop.
        let node = p.node.unwrap_or(NodeId(u32::MAX));
        p.pending_exit = Some(PendingExit {
            evicted: outcome.evicted,
            exit,
            other_exits,
            conditions: outcome.conditions,
            at,
        });
        self.queue.push(
            at,
            Event::ContainerExited {
                pod: id,
                generation,
                node,
            },
        );
        generation
    }

    pub(crate) fn on_container_exited(&mut self, id: PodId, generation: u32) -> bool {
        let Some(pod) = self.pods.get_current(id, generation) else {
            return false;
        };
        let Some(planned) = pod.pending_exit.take() else {
            return false;
        };
        let job = &self.jobs[pod.job.idx()];
        let succeeded = !planned.evicted
            && planned.exit.exit_code == 0
            && planned.other_exits.iter().all(|e| e.exit_code == 0);
        let now = self.now;
        if planned.evicted {
            // Node-pressure eviction (`pkg/kubelet/eviction`): the whole pod fails, whatever
            // its restart policy, with reason Evicted and DisruptionTarget
            // TerminationByKubelet.
            let resource = job
                .behavior
                .eviction
                .as_ref()
                .map_or_else(|| "memory".to_string(), |e| e.resource.clone());
            self.metrics.pods_evicted += 1;
            self.pod_event(id, || EventKind::Evicted(resource));
            self.update_pod(id, |p| {
                p.phase = PodPhase::Failed;
                p.ready = false;
                p.finished_at = Some(now);
                p.exit = Some(planned.exit);
                p.reason = Some(TerminationReason::Evicted);
                p.disruption = Some(DisruptionReason::TerminationByKubelet);
            });
            return true;
        }
        if succeeded || job.spec.template.restart_policy == RestartPolicy::Never {
            self.update_pod(id, |p| {
                p.phase = if succeeded {
                    PodPhase::Succeeded
                } else {
                    PodPhase::Failed
                };
                p.ready = false;
                p.finished_at = Some(now);
                p.exit = Some(planned.exit);
                p.other_exits = planned.other_exits;
                p.extra_conditions = planned.conditions;
            });
            return true;
        }
        // restartPolicy OnFailure: the container restarts in place after the crash-loop
        // back-off; the pod stays Running (not Ready) and its restart count grows.
        let mut crash = CrashLoop {
            backoff: pod.crash_backoff,
            updated: pod.crash_backoff_updated,
        };
        let delay = crash.restart_delay(&self.kubelet, now);
        self.update_pod(id, |p| {
            p.ready = false;
            p.restart_count += 1;
            p.exit = Some(planned.exit);
            p.crash_backoff = crash.backoff;
            p.crash_backoff_updated = crash.updated;
        });
        if !delay.is_zero() {
            self.pod_event(id, || EventKind::BackOff);
        }
        let generation = self.pods.bump(id);
        self.queue.push(
            now + delay,
            Event::ContainerRestart {
                pod: id,
                generation,
            },
        );
        true
    }

    pub(crate) fn on_container_restart(&mut self, id: PodId, generation: u32) -> bool {
        let Some(pod) = self.pods.get_current(id, generation) else {
            return false;
        };
        // Attempts of an index are numbered across pods and restarts; a NonIndexed pod's
        // attempt is its restart count.
        let attempt = if pod.index != NO_INDEX {
            pod.attempt + 1
        } else {
            pod.restart_count
        };
        let now = self.now;
        let readiness = self.readiness_delay(id);
        self.update_pod(id, |p| {
            p.attempt = attempt;
            p.ready = readiness.is_zero();
            if readiness.is_zero() {
                p.ready_at = Some(now);
            }
        });
        let generation = self.start_run(id);
        if !readiness.is_zero() {
            self.queue.push(
                now + readiness,
                Event::PodReady {
                    pod: id,
                    generation,
                },
            );
        }
        true
    }

    /// The kubelet stops a pod whose deletion it observed: SIGTERM, then SIGKILL when the
    /// grace period runs out. A run that would end on its own first ends normally.
    pub(crate) fn kubelet_stop(&mut self, id: PodId) {
        let pod = self.pods.get(id);
        if pod.phase.is_terminal() {
            return;
        }
        let Some(deletion) = pod.deletion else {
            return;
        };
        let Some(node) = pod.node else {
            // Never reached a kubelet: PodGC will mark it Failed.
            self.schedule_pod_gc();
            return;
        };
        if self.cluster.nodes[node.idx()].down {
            // Nobody stops it: it stays Terminating until its node is back.
            return;
        }
        let job = &self.jobs[pod.job.idx()];
        let stop_at = match &pod.pending_exit {
            None => self.now, // no container running yet: stops at once
            Some(planned) => {
                let shutdown = if job.behavior.shutdown.is_zero() {
                    SimDuration::ZERO
                } else {
                    let mut rng = self.streams.stream(
                        Purpose::PodStartup,
                        job.key,
                        u64::from(pod.ordinal),
                        1,
                    );
                    job.behavior.shutdown.sample(&mut rng, 0)
                };
                let signalled = self.now + shutdown.min(deletion.grace);
                planned.at.min(signalled)
            }
        };
        self.pod_event(id, || EventKind::Killing);
        let generation = self.pods.bump(id);
        self.queue.push(
            stop_at,
            Event::PodTerminated {
                pod: id,
                generation,
            },
        );
    }

    pub(crate) fn on_pod_terminated(&mut self, id: PodId, generation: u32) -> bool {
        let Some(pod) = self.pods.get_current(id, generation) else {
            return false;
        };
        let now = self.now;
        let grace_end = pod
            .deletion
            .map(|d| d.requested_at + d.grace)
            .unwrap_or(now);
        let planned = pod.pending_exit.take();
        self.update_pod(id, |p| {
            p.ready = false;
            p.finished_at = Some(now);
            match planned {
                Some(planned) if planned.at <= now => {
                    // The run ended on its own during the grace period.
                    let ok = planned.exit.exit_code == 0
                        && planned.other_exits.iter().all(|e| e.exit_code == 0);
                    p.phase = if ok {
                        PodPhase::Succeeded
                    } else {
                        PodPhase::Failed
                    };
                    p.exit = Some(planned.exit);
                    p.other_exits = planned.other_exits;
                }
                Some(planned) => {
                    // Stopped by the deletion: SIGTERM handled within the grace period, or
                    // SIGKILL when it ran out.
                    let code = if now >= grace_end {
                        EXIT_SIGKILL
                    } else {
                        EXIT_SIGTERM
                    };
                    p.phase = PodPhase::Failed;
                    p.exit = Some(ContainerExit {
                        container: planned.exit.container,
                        exit_code: code,
                        reason: TerminationReason::Error,
                    });
                }
                None => {
                    p.phase = PodPhase::Failed;
                }
            }
        });
        true
    }
}
