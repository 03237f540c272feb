//! `jobsim run`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::interrupt::{EXIT_INTERRUPTED, install, interrupted};
use super::{exit, print_diagnostics, report_input_error};
use crate::engine::time::SimTime;
use crate::input::duration::parse_duration;
use crate::input::load::{LoadOptions, load};
use crate::input::overrides::Override;
use crate::input::params::parse_assignment;
use crate::output::atomic::OutputDir;
use crate::output::background::BackgroundRecordWriter;
use crate::output::records::RecordWriter;
use crate::output::report::{self, ChartData, Table};
use crate::output::series::SeriesWriter;
use crate::output::summary::Summary;
use crate::output::table::kubectl_get;
use crate::sim::records::{Observer, Tee};
use crate::sim::{RunLimits, RunOutcome, SimError, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// `kubectl get jobs` and one line of run statistics.
    Table,
    /// summary.json on stdout.
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  jobsim run scenarios/parallel-processing.yaml
  jobsim run -f my-job.yaml --seed 7 --output out/
  jobsim run -f scenario.yaml -f jobs.yaml --format json --no-events")]
pub struct RunArgs {
    /// Scenario or Job manifest files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Scenario or Job manifest file (repeatable, like kubectl's -f).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: Vec<PathBuf>,
    /// Output folder (default: output/<scenario name>/).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Seed of every random stream (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Set a field of a Job manifest or of the scenario, e.g.
    /// jobs.etl.spec.parallelism=20 or spec.cluster.nodePools[0].count=5 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Do not draw the charts and index.html.
    #[arg(long)]
    no_charts: bool,
    /// Draw the charts as SVG only (index.html holds them inline), without the PNG copies.
    #[arg(long)]
    svg_only: bool,
    /// Do not write pods.csv.
    #[arg(long)]
    no_pods: bool,
    /// Do not write events.csv.
    #[arg(long)]
    no_events: bool,
    /// Do not write timeseries.csv and pools.csv.
    #[arg(long)]
    no_series: bool,
    /// Sample timeseries.csv and pools.csv this often, in simulated time.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    sample_interval: String,
    /// Write no files at all (stdout only).
    #[arg(long)]
    no_output: bool,
    /// Leave the wall-clock time out of summary.json, so that repeated runs give identical bytes.
    #[arg(long)]
    reproducible: bool,
    /// Print more run statistics.
    #[arg(long)]
    stats: bool,
    /// Write into an output folder even if it holds files jobsim did not write.
    #[arg(long)]
    force: bool,
    /// Stop the run after this many events.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_events)]
    max_events: u64,
    /// Stop the run when this many pods exist at once.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_live_pods)]
    max_live_pods: usize,
    /// Stop the run when this many events wait in the queue at once.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_queued_events)]
    max_queued_events: usize,
    /// Stop the run at this simulated time if work is still pending (e.g. "60d", "12h");
    /// default: 30 days past the end of the simulated period (spec.duration).
    #[arg(long, value_name = "DURATION")]
    max_sim_time: Option<String>,
}

/// The process's peak resident set size in KiB (`VmHWM`, Linux), for --stats.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Writes the charts of one run and index.html into the output folder.
fn write_run_report(
    o: &mut OutputDir,
    scenario: &str,
    world: &World,
    data: &ChartData,
    summary: &Summary,
    jobs_table: &str,
    png: bool,
) -> Result<(), String> {
    let charts = report::run_charts(world, data, scenario, png).map_err(|e| e.to_string())?;
    write_charts(o, &charts).map_err(|e| format!("writing output: {e}"))?;
    let c = &summary.cluster;
    let cluster = Table {
        caption: "Cluster".into(),
        header: vec!["figure".into(), "value".into()],
        rows: vec![
            vec!["node-hours".into(), format!("{:.3}", c.node_hours)],
            vec!["pod-hours".into(), format!("{:.3}", c.pod_hours)],
            vec![
                "CPU utilization".into(),
                format!("{:.1} %", c.cpu_utilization * 100.0),
            ],
            vec![
                "memory utilization".into(),
                format!("{:.1} %", c.memory_utilization * 100.0),
            ],
            vec!["peak nodes".into(), c.peak_nodes.to_string()],
            vec![
                "nodes added / removed".into(),
                format!("{} / {}", c.nodes_added, c.nodes_removed),
            ],
            vec!["node failures".into(), c.node_failures.to_string()],
            vec![
                "pods evicted / preempted".into(),
                format!("{} / {}", c.pods_evicted, c.pods_preempted),
            ],
            vec![
                "pending time p50 / p95 / max [s]".into(),
                format!(
                    "{:.3} / {:.3} / {:.3}",
                    c.pending_seconds.p50, c.pending_seconds.p95, c.pending_seconds.max
                ),
            ],
        ],
    };
    let jobs = Table {
        caption: "Jobs".into(),
        header: [
            "Job",
            "status",
            "reason",
            "start [s]",
            "completion [s]",
            "succeeded",
            "failed",
            "pods created",
        ]
        .map(String::from)
        .to_vec(),
        rows: summary
            .jobs
            .iter()
            .map(|j| {
                let t = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
                vec![
                    format!("{}/{}", j.namespace, j.name),
                    j.status.to_string(),
                    j.reason.clone().unwrap_or_default(),
                    t(j.start_time),
                    t(j.completion_time),
                    j.succeeded.to_string(),
                    j.failed.to_string(),
                    j.pods_created.to_string(),
                ]
            })
            .collect(),
    };
    let page = report::html(
        &format!("jobsim run: {scenario}"),
        jobs_table,
        &[jobs, cluster],
        &charts,
    );
    o.write("index.html", page.as_bytes())
        .map_err(|e| format!("writing output: {e}"))
}

/// Writes each chart as `<name>.svg` (and `<name>.png`).
pub(super) fn write_charts(
    o: &mut OutputDir,
    charts: &[report::NamedChart],
) -> std::io::Result<()> {
    for c in charts {
        o.write(&format!("{}.svg", c.name), &c.svg.bytes)?;
        if let Some(png) = &c.png {
            o.write(&format!("{}.png", c.name), &png.bytes)?;
        }
    }
    Ok(())
}

/// `World::run`, but stops between two events once Ctrl-C was pressed (None).
fn run_until_interrupted(
    world: &mut World,
    observer: &mut dyn Observer,
    limits: RunLimits,
) -> Result<Option<RunOutcome>, SimError> {
    while world.step(observer, limits)? {
        if interrupted() {
            return Ok(None);
        }
    }
    world.finish(observer).map(Some)
}

/// Says where an interrupted run stopped; nothing was written.
fn report_interrupted(world: &World) -> u8 {
    eprintln!(
        "jobsim: interrupted at simulated time {}s; no output files were written (earlier ones are as they were)",
        world.now
    );
    eprint!("{}", kubectl_get(world, world.now));
    EXIT_INTERRUPTED
}

pub fn run(args: RunArgs) -> u8 {
    install();
    let mut files = args.filename.clone();
    files.extend(args.files.iter().cloned());
    let mut overrides = Vec::new();
    for text in &args.set {
        match parse_assignment(text) {
            Ok(p) if p.values.len() == 1 => overrides.push(Override {
                path: p.path,
                value: p.values[0].clone(),
            }),
            Ok(_) => {
                eprintln!(
                    "error: --set {text}: `jobsim run` takes one value per field; sweep several with `jobsim sweep`"
                );
                return exit::BAD_INPUT;
            }
            Err(e) => {
                eprintln!("error: --set {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    let opts = LoadOptions {
        seed: args.seed,
        overrides,
    };
    let loaded = match load(&files, &opts) {
        Ok(l) => l,
        Err(e) => return report_input_error(&e),
    };
    print_diagnostics(&loaded.warnings, &loaded.sources);
    let max_sim_time = match args.max_sim_time.as_deref().map(parse_duration).transpose() {
        Ok(d) => d.map(|d| SimTime::ZERO + d),
        Err(e) => {
            eprintln!("error: --max-sim-time: {e}");
            return exit::BAD_INPUT;
        }
    };
    let sample_interval = match parse_duration(&args.sample_interval) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => {
            eprintln!("error: --sample-interval must be positive");
            return exit::BAD_INPUT;
        }
        Err(e) => {
            eprintln!("error: --sample-interval: {e}");
            return exit::BAD_INPUT;
        }
    };
    let limits = RunLimits {
        max_events: args.max_events,
        max_sim_time,
        max_live_pods: args.max_live_pods,
        max_queued_events: args.max_queued_events,
    };

    let write_files = !args.no_output;
    let mut outdir = if write_files {
        let dir = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("output").join(&loaded.name));
        match OutputDir::prepare(&dir, args.force) {
            Ok(o) => Some(o),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
    } else {
        None
    };
    let want_pods = write_files && !args.no_pods;
    let want_events = write_files && !args.no_events;
    let want_series = write_files && !args.no_series;
    let mut files = match outdir.as_mut() {
        Some(o) => {
            let mut open = |want: bool, name: &str| {
                if want {
                    o.create(name).map(Some)
                } else {
                    Ok(None)
                }
            };
            let opened = [
                open(want_pods, "pods.csv"),
                open(want_events, "events.csv"),
                open(want_series, "timeseries.csv"),
                open(want_series, "pools.csv"),
            ];
            let mut out = Vec::new();
            for f in opened {
                match f {
                    Ok(f) => out.push(f),
                    Err(err) => {
                        eprintln!("error: cannot write to {}: {err}", o.path().display());
                        return exit::INTERNAL;
                    }
                }
            }
            out
        }
        None => vec![None, None, None, None],
    };
    let pools_w = files.pop().flatten();
    let series_w = files.pop().flatten();
    let events_w = files.pop().flatten();
    let pods_w = files.pop().flatten();
    // pods.csv and events.csv are formatted and written on a thread of their own.
    let writers = RecordWriter::new(pods_w, events_w)
        .and_then(|r| match want_pods || want_events {
            true => BackgroundRecordWriter::spawn(r).map(Some),
            false => Ok(None),
        })
        .and_then(|r| SeriesWriter::new(series_w, pools_w).map(|s| (r, s)));
    let (mut writer, mut series) = match writers {
        Ok(w) => w,
        Err(err) => {
            eprintln!("error: writing output: {err}");
            return exit::INTERNAL;
        }
    };

    let want_charts = write_files && !args.no_charts;
    let mut chart_data = ChartData::default();
    let mut config = loaded.config;
    config.record_pods = want_pods || want_charts;
    config.record_events = want_events;
    config.sample_interval = (want_series || want_charts).then_some(sample_interval);
    let seed = config.seed;
    let mut world = World::new(config);
    let started = Instant::now();
    let result = if want_charts {
        run_until_interrupted(
            &mut world,
            &mut Tee(&mut writer, &mut Tee(&mut series, &mut chart_data)),
            limits,
        )
    } else {
        run_until_interrupted(&mut world, &mut Tee(&mut writer, &mut series), limits)
    };
    let wall = started.elapsed().as_secs_f64();
    let outcome = match result {
        Ok(Some(o)) => o,
        Ok(None) => return report_interrupted(&world),
        Err(SimError::Output(err)) => {
            eprintln!("error: writing output: {err}");
            return exit::INTERNAL;
        }
        Err(err) => {
            eprintln!("error: {err}");
            eprint!("{}", kubectl_get(&world, world.now));
            eprintln!("no output files were written");
            return exit::LIMIT;
        }
    };
    let summary = Summary::of(
        &loaded.name,
        loaded.version,
        seed,
        &world,
        &outcome,
        (!args.reproducible).then_some(wall),
    );
    // Writing continues after the simulation: the record thread's last batches, the time
    // series, summary.json, charts and the move into place.
    let output_started = Instant::now();
    if let Some(mut o) = outdir {
        let records = match writer {
            Some(w) => w.finish(&world),
            None => Ok((None, None)),
        };
        let finished = records
            .and_then(|(p, e)| series.finish().map(|(s, q)| [p, e, s, q]))
            .and_then(|all| {
                for mut w in all.into_iter().flatten() {
                    w.flush()?;
                }
                Ok(())
            });
        let written = finished.and_then(|()| summary.write_json(o.create("summary.json")?));
        if let Err(err) = written {
            eprintln!("error: writing output: {err}");
            return exit::INTERNAL;
        }
        if want_charts {
            let table = kubectl_get(&world, outcome.end_time);
            if let Err(err) = write_run_report(
                &mut o,
                &loaded.name,
                &world,
                &chart_data,
                &summary,
                &table,
                !args.svg_only,
            ) {
                eprintln!("error: {err}");
                return exit::INTERNAL;
            }
        }
        if interrupted() {
            return report_interrupted(&world);
        }
        match o.commit() {
            Ok(written) => {
                let names: Vec<String> = written
                    .iter()
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                if let Some(first) = written.first().and_then(|p| p.parent()) {
                    eprintln!("wrote {}/{{{}}}", first.display(), names.join(","));
                }
            }
            Err(err) => {
                eprintln!("error: writing output: {err}");
                return exit::INTERNAL;
            }
        }
    }
    let output_wall = output_started.elapsed().as_secs_f64();
    match args.format {
        Format::Json => {
            // A closed pipe is not an error (`Stdout`); anything else is not worth a
            // different exit code once the outputs are written.
            let _ = summary.write_json(std::io::BufWriter::new(super::Stdout));
        }
        Format::Table => {
            out!("{}", kubectl_get(&world, outcome.end_time));
            let events = outcome.stats.events;
            let rate = if wall > 0.0 {
                events as f64 / wall
            } else {
                0.0
            };
            outln!(
                "events={events} simulated={}s wall={wall:.3}s events/s={rate:.0} pods={}",
                outcome.end_time,
                outcome.stats.pods_created
            );
            if args.stats {
                let pods = outcome.stats.pods_created.max(1) as f64;
                let canonical = outcome.canonical_events();
                let per_sec = |n: u64| if wall > 0.0 { n as f64 / wall } else { 0.0 };
                outln!(
                    "canonical-events={canonical} canonical-events/s={:.0} us/pod={:.3} failures={} output-wall={output_wall:.3}s",
                    per_sec(canonical),
                    wall * 1e6 / pods,
                    outcome.stats.pod_failures
                );
                outln!(
                    "job-syncs={} scheduling-cycles={} stale-events={} pushed-events={} peak-queued-events={} peak-live-pods={} peak-rss={}",
                    outcome.stats.job_syncs,
                    outcome.stats.scheduling_cycles,
                    outcome.stats.stale_events,
                    outcome.pushed_events,
                    outcome.peak_queue_len,
                    outcome.peak_live_pods,
                    peak_rss().map_or_else(
                        || "unknown".to_string(),
                        |kib| format!("{:.1}MiB", kib as f64 / 1024.0)
                    )
                );
            }
        }
    }
    exit::OK
}
