//! pods.csv and events.csv: the writer thread of `jobsim run` writes the very bytes that
//! the simulation's own thread would, and a failing file stops the run with its error.

use std::io::{self, Write};

use jobsim::input::load::{LoadOptions, load};
use jobsim::output::background::BackgroundRecordWriter;
use jobsim::output::records::RecordWriter;
use jobsim::sim::{RunLimits, SimError, World};

use crate::common::repo;

/// The world of a bundled scenario, recording pods and events.
fn world(name: &str) -> World {
    let loaded = load(
        &[repo(&format!("scenarios/{name}.yaml"))],
        &LoadOptions::default(),
    )
    .expect("input accepted");
    let mut config = loaded.config;
    config.record_pods = true;
    config.record_events = true;
    World::new(config)
}

/// (pods.csv, events.csv) written on the simulation's thread.
fn written_here(name: &str) -> (String, String) {
    let mut w = world(name);
    let mut writer = RecordWriter::new(Some(Vec::new()), Some(Vec::new())).unwrap();
    w.run(&mut writer, RunLimits::default()).unwrap();
    let (pods, events) = writer.finish().unwrap();
    text(pods, events)
}

/// (pods.csv, events.csv) written on the writer thread.
fn written_in_background(name: &str) -> (String, String) {
    let mut w = world(name);
    let inner = RecordWriter::new(Some(Vec::new()), Some(Vec::new())).unwrap();
    let mut writer = BackgroundRecordWriter::spawn(inner).unwrap();
    w.run(&mut writer, RunLimits::default()).unwrap();
    let (pods, events) = writer.finish(&w).unwrap();
    text(pods, events)
}

fn text(pods: Option<Vec<u8>>, events: Option<Vec<u8>>) -> (String, String) {
    (
        String::from_utf8(pods.unwrap()).unwrap(),
        String::from_utf8(events.unwrap()).unwrap(),
    )
}

/// Scenarios whose rows name what appears during the run: nodes the autoscaler adds
/// (autoscaling-burst), Jobs CronJobs create (shared-cluster-week), images pulled
/// (ml-training-images), preemptions naming two pods and a node (priority-preemption),
/// nodes that fail (node-failure).
#[test]
fn the_writer_thread_writes_the_same_bytes() {
    for name in [
        "autoscaling-burst",
        "shared-cluster-week",
        "ml-training-images",
        "priority-preemption",
        "node-failure",
        "parallel-processing",
    ] {
        let here = written_here(name);
        let background = written_in_background(name);
        assert!(
            here.0.lines().count() > 10 && here.1.lines().count() > 10,
            "{name}: too few rows to compare"
        );
        assert!(here.0 == background.0, "{name}: pods.csv differs");
        assert!(here.1 == background.1, "{name}: events.csv differs");
    }
}

/// A file that takes `room` bytes and then reports a full disk.
struct Full {
    room: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.room {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        self.room -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The error of the writer thread reaches the run (or its finish), whichever comes
/// first; nothing panics or hangs. W2 writes about 8 MB of events: with room for half of
/// them, the disk fills while the run is still going.
#[test]
fn a_failing_file_stops_the_run_with_its_error() {
    let (_, events) = written_here("bench/w2");
    let mut failed_during_the_run = false;
    for room in [0, events.len() / 2, events.len() - 1] {
        let mut w = world("bench/w2");
        let inner = RecordWriter::new(Some(Full { room }), Some(Full { room })).unwrap();
        let mut writer = BackgroundRecordWriter::spawn(inner).unwrap();
        let err = match w.run(&mut writer, RunLimits::default()) {
            Err(SimError::Output(e)) => {
                failed_during_the_run = true;
                e
            }
            Err(e) => panic!("room {room}: not an output error: {e}"),
            Ok(_) => match writer.finish(&w) {
                Err(e) => e,
                Ok(_) => panic!("room {room}: the full disk went unnoticed"),
            },
        };
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "room {room}: {err}");
    }
    assert!(failed_during_the_run, "every error came at the finish");
}

/// A run that stops early drops the writer unfinished: the thread ends with it.
#[test]
fn an_unfinished_writer_is_dropped_without_waiting_forever() {
    let mut w = world("parallel-processing");
    let inner = RecordWriter::new(Some(Vec::new()), Some(Vec::new())).unwrap();
    let mut writer = BackgroundRecordWriter::spawn(inner).unwrap();
    for _ in 0..5_000 {
        if !w.step(&mut writer, RunLimits::default()).unwrap() {
            break;
        }
    }
    drop(writer);
}

/// An observer that ignores records (`Discard`) lets them wait in the world, but after
/// every step fewer than `RECORDS_WAITING_MAX` wait: the world does not keep a run's
/// records. W2 records about 84,000.
#[test]
fn records_nobody_wants_do_not_pile_up_in_the_world() {
    let mut w = world("bench/w2");
    let (mut most, mut handed) = (0, 0);
    loop {
        let before = w.records.len();
        let more = w
            .step(&mut jobsim::sim::Discard, RunLimits::default())
            .unwrap();
        if w.records.len() < before {
            handed += 1;
        }
        most = most.max(w.records.len());
        if !more {
            break;
        }
    }
    assert!(handed > 10, "records were handed over {handed} times");
    assert!(
        most < jobsim::sim::world::RECORDS_WAITING_MAX,
        "{most} records waited at once"
    );
}
