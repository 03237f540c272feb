//! `timeseries.csv` and `pools.csv`: the cluster sampled every `--sample-interval` (1 s by
//! default) while something changes. A row holds the state at its time (after every event
//! up to and including that millisecond); rows equal to the previous one are left out, so
//! quiet stretches cost nothing.
//!
//! `timeseries.csv` columns: time, pending, unscheduled, running, terminating, nodes,
//! nodesReady, cpuRequested, cpuAllocatable, memoryRequestedGiB, memoryAllocatableGiB,
//! jobsActive, jobsFinished, podsFailed (pods that have failed so far).
//! `pools.csv` columns: time, pool, nodes, nodesReady, cpuRequested, cpuAllocatable,
//! memoryRequestedGiB, memoryAllocatableGiB.
//! CPU is in cores; `pending` counts pods in phase Pending (`unscheduled` of them have no
//! node yet); `terminating` pods are being deleted and are not counted as pending or running.

use std::io::{self, Write};

use crate::engine::time::SimTime;
use crate::sim::metrics::Lifecycle;
use crate::sim::records::{EventRecord, PodRecord};
use crate::sim::{Observer, World};

pub const SERIES_COLUMNS: [&str; 14] = [
    "time",
    "pending",
    "unscheduled",
    "running",
    "terminating",
    "nodes",
    "nodesReady",
    "cpuRequested",
    "cpuAllocatable",
    "memoryRequestedGiB",
    "memoryAllocatableGiB",
    "jobsActive",
    "jobsFinished",
    "podsFailed",
];

pub const POOL_COLUMNS: [&str; 8] = [
    "time",
    "pool",
    "nodes",
    "nodesReady",
    "cpuRequested",
    "cpuAllocatable",
    "memoryRequestedGiB",
    "memoryAllocatableGiB",
];

/// One row's values, without the time.
pub type Row = [i64; 13];
type PoolRow = [i64; 6];

/// Rows of one sample that differ from the sample before.
#[derive(Debug)]
struct Sample {
    at: SimTime,
    row: Option<Row>,
    pools: Vec<(usize, PoolRow)>,
}

/// Writes the sampled series (either file may be off). Samples wait in `pending` until
/// the run confirms them ([`Observer::commit_samples`]).
pub struct SeriesWriter<W: Write> {
    series: Option<csv::Writer<W>>,
    pools: Option<csv::Writer<W>>,
    /// The last row written or pending, to leave out repeats.
    last: Option<Row>,
    last_pools: Vec<Option<PoolRow>>,
    /// The same, as of the last written row (restored when pending samples are dropped).
    written: Option<Row>,
    written_pools: Vec<Option<PoolRow>>,
    pending: Vec<Sample>,
    pool_names: Vec<String>,
    pub rows: u64,
}

fn cores(millis: i64) -> String {
    let sign = if millis < 0 { "-" } else { "" };
    let m = millis.unsigned_abs();
    format!("{sign}{}.{:03}", m / 1000, m % 1000)
}

fn gib(bytes: i64) -> String {
    format!("{:.3}", bytes as f64 / f64::from(1u32 << 30))
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<W: Write> SeriesWriter<W> {
    pub fn new(series: Option<W>, pools: Option<W>) -> io::Result<SeriesWriter<W>> {
        let mut series = series.map(|w| csv::WriterBuilder::new().from_writer(w));
        let mut pools = pools.map(|w| csv::WriterBuilder::new().from_writer(w));
        if let Some(s) = &mut series {
            s.write_record(SERIES_COLUMNS).map_err(csv_io)?;
        }
        if let Some(p) = &mut pools {
            p.write_record(POOL_COLUMNS).map_err(csv_io)?;
        }
        Ok(SeriesWriter {
            series,
            pools,
            last: None,
            last_pools: Vec::new(),
            written: None,
            written_pools: Vec::new(),
            pending: Vec::new(),
            pool_names: Vec::new(),
            rows: 0,
        })
    }

    /// Flushes and returns the underlying writers.
    pub fn finish(self) -> io::Result<(Option<W>, Option<W>)> {
        let series = match self.series {
            Some(w) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        let pools = match self.pools {
            Some(w) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        Ok((series, pools))
    }
}

/// The cluster-wide row of `world`.
pub fn row(world: &World) -> Row {
    let m = &world.metrics;
    let unscheduled = m.count(Lifecycle::Unbound);
    let starting = m.count(Lifecycle::Starting);
    let c = &world.cluster;
    let ready = c
        .nodes
        .iter()
        .filter(|n| !n.removed && n.ready && !n.down)
        .count() as i64;
    let (mut active, mut finished) = (0, 0);
    for j in &world.jobs {
        if j.status.is_finished() {
            finished += 1;
        } else if j.is_live() {
            active += 1;
        }
    }
    [
        unscheduled + starting,
        unscheduled,
        m.count(Lifecycle::Running),
        m.count(Lifecycle::Terminating),
        c.live_nodes() as i64,
        ready,
        c.totals.cpu_requested,
        c.totals.cpu_allocatable,
        c.totals.memory_requested,
        c.totals.memory_allocatable,
        active,
        finished,
        world.stats.pod_failures as i64,
    ]
}

impl<W: Write> Observer for SeriesWriter<W> {
    fn event(&mut self, _: &World, _: &EventRecord) -> io::Result<()> {
        Ok(())
    }

    fn pod(&mut self, _: &World, _: &PodRecord) -> io::Result<()> {
        Ok(())
    }

    /// Records are not wanted: they may wait.
    fn records_batch(&self) -> usize {
        usize::MAX
    }

    fn sample(&mut self, world: &World, at: SimTime) -> io::Result<()> {
        let mut sample = Sample {
            at,
            row: None,
            pools: Vec::new(),
        };
        if self.series.is_some() {
            let r = row(world);
            if self.last != Some(r) {
                sample.row = Some(r);
                self.last = Some(r);
            }
        }
        if self.pools.is_some() {
            let c = &world.cluster;
            self.last_pools.resize(c.pools.len(), None);
            let mut ready = vec![0i64; c.pools.len()];
            for n in &c.nodes {
                if !n.removed && n.ready && !n.down {
                    ready[n.pool as usize] += 1;
                }
            }
            for (i, &ready) in ready.iter().enumerate() {
                let t = &c.pool_totals[i];
                let r = [
                    i64::from(c.pool_sizes[i]),
                    ready,
                    t.cpu_requested,
                    t.cpu_allocatable,
                    t.memory_requested,
                    t.memory_allocatable,
                ];
                if self.last_pools[i] != Some(r) {
                    sample.pools.push((i, r));
                    self.last_pools[i] = Some(r);
                }
            }
            if self.pool_names.len() != c.pools.len() {
                self.pool_names = c.pools.iter().map(|p| p.name.clone()).collect();
            }
        }
        if sample.row.is_some() || !sample.pools.is_empty() {
            self.pending.push(sample);
        }
        Ok(())
    }

    fn commit_samples(&mut self, up_to: Option<SimTime>) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        for sample in pending {
            if up_to.is_some_and(|t| sample.at > t) {
                continue; // past the end of the run
            }
            let time = sample.at.to_string();
            if let (Some(out), Some(r)) = (&mut self.series, sample.row) {
                out.write_record([
                    time.clone(),
                    r[0].to_string(),
                    r[1].to_string(),
                    r[2].to_string(),
                    r[3].to_string(),
                    r[4].to_string(),
                    r[5].to_string(),
                    cores(r[6]),
                    cores(r[7]),
                    gib(r[8]),
                    gib(r[9]),
                    r[10].to_string(),
                    r[11].to_string(),
                    r[12].to_string(),
                ])
                .map_err(csv_io)?;
                self.written = Some(r);
                self.rows += 1;
            }
            if let Some(out) = &mut self.pools {
                self.written_pools.resize(self.pool_names.len(), None);
                for (i, r) in sample.pools {
                    out.write_record([
                        time.clone(),
                        self.pool_names[i].clone(),
                        r[0].to_string(),
                        r[1].to_string(),
                        cores(r[2]),
                        cores(r[3]),
                        gib(r[4]),
                        gib(r[5]),
                    ])
                    .map_err(csv_io)?;
                    self.written_pools[i] = Some(r);
                }
            }
        }
        // Dropped samples must not hide the rows that follow them.
        self.last = self.written;
        self.last_pools = self.written_pools.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(cores(1500), "1.500");
        assert_eq!(cores(0), "0.000");
        assert_eq!(gib(3 << 29), "1.500");
    }
}
