//! `runs.csv` and `summary.csv` of a sweep (docs/outputs.md).
//!
//! `runs.csv` has one row per run: `setting`, `replication`, `seed`, one column per swept
//! path (its value in that setting), `complete` (every Job Complete), `failed` (some Job
//! Failed), `stopped` (the run hit --max-events or --max-sim-time), `makespan` (seconds
//! until the last Job finished; empty if one did not), `nodeHours`, `podHours`,
//! `cpuUtilization`, `pendingP95` (seconds), `events`, then per Job `<job>:status`,
//! `<job>:duration`, `<job>:succeeded`, `<job>:failed`, `<job>:podsCreated`.
//!
//! `summary.csv` has one row per setting: `setting`, the swept values, `runs`,
//! `completeRuns`, `failureProbability` (share of runs not Complete), the statistics of
//! the makespan over complete runs (`mean`, `stddev`, `min`, `p50`, `p90`, `p95`, `p99`,
//! `max`, seconds), and the means of `nodeHours`, `podHours`, `cpuUtilization`,
//! `pendingP95`.
//!
//! The summary is always computed from the text of `runs.csv`, so that merging shards
//! (which only has that text) gives the same bytes as one run of the whole sweep.

use std::io;

use crate::experiment::stats::{Stats, quantile};
use crate::experiment::sweep::RunRecord;

/// Fixed columns of runs.csv before the swept values, and after them.
const LEAD: [&str; 3] = ["setting", "replication", "seed"];
const RUN_FIELDS: [&str; 10] = [
    "complete",
    "failed",
    "stopped",
    "makespan",
    "nodeHours",
    "podHours",
    "cpuUtilization",
    "pendingP95",
    "events",
    "",
];
const JOB_FIELDS: [&str; 5] = ["status", "duration", "succeeded", "failed", "podsCreated"];

/// One row of runs.csv, with the numbers the summary needs read back from its text.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub setting: usize,
    pub replication: u32,
    /// Every cell, as written.
    pub cells: Vec<String>,
    pub values: Vec<String>,
    pub complete: bool,
    pub failed: bool,
    pub makespan: Option<f64>,
    pub node_hours: f64,
    pub pod_hours: f64,
    pub cpu_utilization: f64,
    pub pending_p95: f64,
}

/// The runs of a sweep (or a shard of it), as runs.csv holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct RunTable {
    pub header: Vec<String>,
    pub params: Vec<String>,
    pub jobs: Vec<String>,
    pub rows: Vec<RunRow>,
}

fn fmt3(x: f64) -> String {
    format!("{x:.3}")
}

fn fmt6(x: f64) -> String {
    format!("{x:.6}")
}

fn header(params: &[String], jobs: &[String]) -> Vec<String> {
    let mut h: Vec<String> = LEAD.iter().map(|s| s.to_string()).collect();
    h.extend(params.iter().cloned());
    h.extend(
        RUN_FIELDS
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string()),
    );
    for j in jobs {
        for f in JOB_FIELDS {
            h.push(format!("{j}:{f}"));
        }
    }
    h
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl RunTable {
    /// The table of `records`; `values(setting)` gives a setting's swept values as text.
    pub fn from_records(
        params: Vec<String>,
        jobs: Vec<String>,
        records: &[RunRecord],
        values: &dyn Fn(usize) -> Vec<String>,
    ) -> RunTable {
        let header = header(&params, &jobs);
        let mut rows = Vec::with_capacity(records.len());
        for r in records {
            let mut cells = vec![
                r.setting.to_string(),
                r.replication.to_string(),
                r.seed.to_string(),
            ];
            cells.extend(values(r.setting));
            cells.extend([
                r.complete.to_string(),
                r.failed.to_string(),
                r.stopped.to_string(),
                r.makespan.map(fmt3).unwrap_or_default(),
                fmt6(r.node_hours),
                fmt6(r.pod_hours),
                fmt6(r.cpu_utilization),
                fmt3(r.pending_p95),
                r.events.to_string(),
            ]);
            for j in &r.jobs {
                cells.extend([
                    j.status.clone(),
                    j.duration.map(fmt3).unwrap_or_default(),
                    j.succeeded.to_string(),
                    j.failed.to_string(),
                    j.pods_created.to_string(),
                ]);
            }
            // Read back from the text, as a merge would.
            rows.push(
                RunRow::parse(&cells, params.len())
                    .unwrap_or_else(|e| unreachable!("a row jobsim wrote reads back: {e}")),
            );
        }
        RunTable {
            header,
            params,
            jobs,
            rows,
        }
    }

    /// runs.csv's text.
    pub fn to_csv(&self) -> io::Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&self.header).map_err(io::Error::other)?;
        for r in &self.rows {
            w.write_record(&r.cells).map_err(io::Error::other)?;
        }
        w.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }

    /// Reads runs.csv's text back.
    pub fn from_csv(text: &[u8]) -> io::Result<RunTable> {
        let mut r = csv::ReaderBuilder::new().from_reader(text);
        let header: Vec<String> = r
            .headers()
            .map_err(|e| bad(format!("runs.csv: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        let first_fixed = header
            .iter()
            .position(|h| h == "complete")
            .ok_or_else(|| bad("runs.csv: no `complete` column".into()))?;
        if header.get(..3).map(|h| h.to_vec()) != Some(LEAD.map(String::from).to_vec()) {
            return Err(bad(
                "runs.csv: the first columns must be setting, replication, seed".into(),
            ));
        }
        let params: Vec<String> = header[3..first_fixed].to_vec();
        let jobs_from = first_fixed + 9;
        let mut jobs = Vec::new();
        for chunk in header[jobs_from..].chunks(JOB_FIELDS.len()) {
            let name = chunk[0]
                .strip_suffix(":status")
                .ok_or_else(|| bad(format!("runs.csv: unexpected column {:?}", chunk[0])))?;
            jobs.push(name.to_string());
        }
        if header != self::header(&params, &jobs) {
            return Err(bad(
                "runs.csv: the columns are not the ones jobsim writes".into()
            ));
        }
        let mut rows = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("runs.csv row {}: {e}", i + 2)))?;
            let cells: Vec<String> = rec.iter().map(str::to_string).collect();
            if cells.len() != header.len() {
                return Err(bad(format!(
                    "runs.csv row {}: wrong number of cells",
                    i + 2
                )));
            }
            rows.push(
                RunRow::parse(&cells, params.len())
                    .map_err(|e| bad(format!("runs.csv row {}: {e}", i + 2)))?,
            );
        }
        Ok(RunTable {
            header,
            params,
            jobs,
            rows,
        })
    }
}

impl RunRow {
    fn parse(cells: &[String], params: usize) -> Result<RunRow, String> {
        let num = |i: usize| -> Result<f64, String> {
            cells
                .get(i)
                .and_then(|c| c.parse::<f64>().ok())
                .ok_or_else(|| format!("cell {i} is not a number"))
        };
        let flag = |i: usize| -> Result<bool, String> {
            match cells.get(i).map(String::as_str) {
                Some("true") => Ok(true),
                Some("false") => Ok(false),
                _ => Err(format!("cell {i} is not true or false")),
            }
        };
        let b = 3 + params;
        Ok(RunRow {
            setting: cells[0].parse().map_err(|_| "bad setting".to_string())?,
            replication: cells[1]
                .parse()
                .map_err(|_| "bad replication".to_string())?,
            values: cells[3..b].to_vec(),
            complete: flag(b)?,
            failed: flag(b + 1)?,
            makespan: match cells.get(b + 3).map(String::as_str) {
                Some("") | None => None,
                Some(_) => Some(num(b + 3)?),
            },
            node_hours: num(b + 4)?,
            pod_hours: num(b + 5)?,
            cpu_utilization: num(b + 6)?,
            pending_p95: num(b + 7)?,
            cells: cells.to_vec(),
        })
    }
}

/// One setting's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingSummary {
    pub setting: usize,
    pub values: Vec<String>,
    pub runs: usize,
    pub complete_runs: usize,
    pub failure_probability: f64,
    /// Makespan of the complete runs.
    pub makespan: Option<Stats>,
    /// p5 of the makespan (the lower edge of the charts' bands).
    pub p5: Option<f64>,
    pub node_hours: f64,
    pub pod_hours: f64,
    pub cpu_utilization: f64,
    pub pending_p95: f64,
    /// Makespans of the complete runs, sorted (CDF charts).
    pub samples: Vec<f64>,
}

/// Per-setting figures of a run table, in setting order.
pub fn summarize(table: &RunTable) -> Vec<SettingSummary> {
    let mut out: Vec<SettingSummary> = Vec::new();
    let mut rows: Vec<&RunRow> = table.rows.iter().collect();
    rows.sort_by_key(|r| (r.setting, r.replication));
    for group in rows.chunk_by(|a, b| a.setting == b.setting) {
        let n = group.len();
        let mut samples: Vec<f64> = group
            .iter()
            .filter(|r| r.complete)
            .filter_map(|r| r.makespan)
            .collect();
        samples.sort_by(f64::total_cmp);
        let complete = group.iter().filter(|r| r.complete).count();
        let mean = |f: &dyn Fn(&RunRow) -> f64| group.iter().map(|r| f(r)).sum::<f64>() / n as f64;
        out.push(SettingSummary {
            setting: group[0].setting,
            values: group[0].values.clone(),
            runs: n,
            complete_runs: complete,
            failure_probability: 1.0 - complete as f64 / n as f64,
            makespan: Stats::of(&samples),
            p5: (!samples.is_empty()).then(|| quantile(&samples, 0.05)),
            node_hours: mean(&|r| r.node_hours),
            pod_hours: mean(&|r| r.pod_hours),
            cpu_utilization: mean(&|r| r.cpu_utilization),
            pending_p95: mean(&|r| r.pending_p95),
            samples,
        });
    }
    out
}

pub const SUMMARY_STATS: [&str; 8] = ["mean", "stddev", "min", "p50", "p90", "p95", "p99", "max"];

/// summary.csv's text.
pub fn summary_csv(params: &[String], summary: &[SettingSummary]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header: Vec<String> = vec!["setting".into()];
    header.extend(params.iter().cloned());
    header.extend(["runs", "completeRuns", "failureProbability"].map(String::from));
    header.extend(SUMMARY_STATS.map(String::from));
    header.extend(["nodeHours", "podHours", "cpuUtilization", "pendingP95"].map(String::from));
    w.write_record(&header).map_err(io::Error::other)?;
    for s in summary {
        let mut cells = vec![s.setting.to_string()];
        cells.extend(s.values.iter().cloned());
        cells.extend([
            s.runs.to_string(),
            s.complete_runs.to_string(),
            fmt6(s.failure_probability),
        ]);
        match &s.makespan {
            Some(m) => {
                cells.extend([m.mean, m.stddev, m.min, m.p50, m.p90, m.p95, m.p99, m.max].map(fmt3))
            }
            None => cells.extend(std::iter::repeat_n(String::new(), SUMMARY_STATS.len())),
        }
        cells.extend([
            fmt6(s.node_hours),
            fmt6(s.pod_hours),
            fmt6(s.cpu_utilization),
            fmt3(s.pending_p95),
        ]);
        w.write_record(&cells).map_err(io::Error::other)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::sweep::JobOutcome;

    fn record(setting: usize, replication: u32, makespan: Option<f64>) -> RunRecord {
        RunRecord {
            setting,
            replication,
            seed: 1 + u64::from(replication),
            makespan,
            complete: makespan.is_some(),
            failed: makespan.is_none(),
            stopped: false,
            jobs: vec![JobOutcome {
                name: "etl".into(),
                status: if makespan.is_some() {
                    "Complete"
                } else {
                    "Failed"
                }
                .into(),
                duration: makespan,
                succeeded: 1,
                failed: 0,
                pods_created: 1,
            }],
            node_hours: 0.5,
            pod_hours: 0.25,
            cpu_utilization: 0.5,
            pending_p95: 1.0,
            events: 10,
        }
    }

    #[test]
    fn runs_round_trip_and_summarize() {
        let records = vec![
            record(0, 0, Some(10.0)),
            record(0, 1, Some(20.0)),
            record(1, 0, Some(5.0)),
            record(1, 1, None),
        ];
        let t = RunTable::from_records(
            vec!["jobs.etl.spec.parallelism".into()],
            vec!["etl".into()],
            &records,
            &|s| vec![(s + 1).to_string()],
        );
        let text = t.to_csv().unwrap();
        let back = RunTable::from_csv(&text).unwrap();
        assert_eq!(back, t);
        let s = summarize(&back);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].makespan.as_ref().unwrap().mean, 15.0);
        assert_eq!(s[1].failure_probability, 0.5);
        let csv = String::from_utf8(summary_csv(&t.params, &s).unwrap()).unwrap();
        assert!(csv.starts_with(
            "setting,jobs.etl.spec.parallelism,runs,completeRuns,failureProbability,mean,"
        ));
        assert!(csv.contains(
            "\n0,1,2,2,0.000000,15.000,7.071,10.000,15.000,19.000,19.500,19.900,20.000,"
        ));
    }

    #[test]
    fn foreign_tables_are_rejected() {
        assert!(RunTable::from_csv(b"a,b\n1,2\n").is_err());
    }
}
