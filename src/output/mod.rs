//! Writing results: a run's `summary.json`, `pods.csv`, `events.csv`, `timeseries.csv`,
//! `pools.csv` and the `kubectl get jobs` table; a sweep's `runs.csv`, `summary.csv` and
//! `sweep.json`; the charts (`charts`) and the `index.html` page that shows them
//! (`report`).
//!
//! Architecture invariant: the simulation never touches files; it hands records to an
//! observer ([`records::RecordWriter`], or [`background::BackgroundRecordWriter`], which
//! runs it on a thread of its own), and every file is written through
//! [`atomic::OutputDir`], so an interrupted or failed run never leaves a half-written file.

pub mod atomic;
pub mod background;
pub mod charts;
pub mod names;
pub mod records;
pub mod report;
pub mod series;
pub mod summary;
pub mod sweep;
pub mod table;
