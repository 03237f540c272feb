//! `jobsim sweep` and `jobsim merge`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::interrupt::{install, interrupted};
use super::{exit, print_diagnostics, report_input_error};
use crate::engine::time::SimTime;
use crate::experiment::sweep::{Prepared, Shard, SweepSpec, prepare, run_all_until};
use crate::input::duration::parse_duration;
use crate::input::load::{LoadOptions, load};
use crate::input::overrides::FieldPath;
use crate::input::params::{Parameter, parse_assignment, value_text};
use crate::output::atomic::OutputDir;
use crate::output::report::{self, Table};
use crate::output::sweep::{RunTable, SettingSummary, summarize, summary_csv};
use crate::sim::RunLimits;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  jobsim sweep scenarios/sweep-parallelism-backoff.yaml
  jobsim sweep -f etl.yaml --set jobs.etl.spec.parallelism=1..64:x2 \\
      --set jobs.etl.spec.backoffLimit=0,3,6 --replications 30
  jobsim sweep -f etl.yaml --set spec.cluster.nodePools[0].count=2..10 --shard 0/4 -o out/shard-0
  jobsim sweep -f etl.yaml --emit-k8s-job --shards 20 --image registry.example.com/jobsim:0.1")]
pub struct SweepArgs {
    /// Scenario or Job manifest files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Scenario or Job manifest file (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: Vec<PathBuf>,
    /// A swept field and its values: PATH=1,2,4 or PATH=1..64:x2 (repeatable; replaces
    /// the scenario's spec.sweep entry for the same path).
    #[arg(long = "set", value_name = "PATH=VALUES")]
    set: Vec<String>,
    /// Runs per setting, with seeds seed, seed+1, ... (common random numbers).
    #[arg(short = 'r', long, value_name = "N")]
    replications: Option<u32>,
    /// Base seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Threads (default: every core). The results are the same for any number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-sweep/).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Run only slice I of N (runs whose number is I modulo N); combine with `jobsim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Print a Kubernetes Indexed Job (and the ConfigMap with the inputs) that runs this
    /// sweep in --shards pods, instead of running it.
    #[arg(long)]
    emit_k8s_job: bool,
    /// Shards of the emitted Job (its completions).
    #[arg(long, value_name = "N", default_value_t = 10)]
    shards: usize,
    /// Pods of the emitted Job running at once (its parallelism).
    #[arg(long, value_name = "N")]
    parallelism: Option<usize>,
    /// CPUs of each pod of the emitted Job (its request, and the threads of its sweep).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    pod_cpus: u32,
    /// Container image of the emitted Job (with jobsim on its PATH).
    #[arg(long, default_value = "jobsim:latest")]
    image: String,
    /// PersistentVolumeClaim the emitted Job's shards write their results to.
    #[arg(long, default_value = "jobsim-results")]
    results_claim: String,
    /// Do not draw the charts and index.html.
    #[arg(long)]
    no_charts: bool,
    /// Draw the charts as SVG only.
    #[arg(long)]
    svg_only: bool,
    /// Write into an output folder even if it holds files jobsim did not write.
    #[arg(long)]
    force: bool,
    /// Stop each run after this many events.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_events)]
    max_events: u64,
    /// Stop the run when this many pods exist at once.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_live_pods)]
    max_live_pods: usize,
    /// Stop the run when this many events wait in the queue at once.
    #[arg(long, value_name = "N", default_value_t = RunLimits::default().max_queued_events)]
    max_queued_events: usize,
    /// Stop each run at this simulated time if work is still pending (e.g. "60d", "12h");
    /// default: 30 days past the end of the simulated period (spec.duration).
    #[arg(long, value_name = "DURATION")]
    max_sim_time: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "Example:
  jobsim merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 -o out/sweep")]
pub struct MergeArgs {
    /// Output folders of `jobsim sweep --shard I/N`, one per shard.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged sweep.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Do not draw the charts and index.html.
    #[arg(long)]
    no_charts: bool,
    /// Draw the charts as SVG only.
    #[arg(long)]
    svg_only: bool,
    /// Write into an output folder even if it holds files jobsim did not write.
    #[arg(long)]
    force: bool,
}

/// `sweep.json`: what a sweep (or shard) ran, so that shards can be checked and merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepMeta {
    pub schema_version: u32,
    pub scenario: String,
    pub kubernetes_version: String,
    pub seed: u64,
    pub replications: u32,
    pub settings: usize,
    pub parameters: Vec<ParameterMeta>,
    /// `[index, count]` of a shard; null for a whole sweep.
    pub shard: Option<[usize; 2]>,
    /// Runs in this folder's runs.csv.
    pub runs: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterMeta {
    pub path: String,
    pub values: Vec<String>,
}

fn input_files(a: &[PathBuf], b: &[PathBuf]) -> Vec<PathBuf> {
    let mut v = a.to_vec();
    v.extend(b.iter().cloned());
    v
}

/// Says which runs of an interrupted sweep finished; nothing was written.
fn report_interrupted(
    prepared: &Prepared,
    shard: Option<Shard>,
    records: &[Option<crate::experiment::sweep::RunRecord>],
) -> u8 {
    let finished = records.iter().flatten().count();
    let reps = prepared.spec.replications.max(1) as usize;
    // Settings all of whose runs (in this shard) finished.
    let mut whole = Vec::new();
    for s in 0..prepared.configs.len() {
        let mine: Vec<&Option<_>> = records
            .iter()
            .zip(
                (0..prepared.configs.len() * reps).filter(|&k| shard.is_none_or(|x| x.includes(k))),
            )
            .filter(|(_, k)| k / reps == s)
            .map(|(r, _)| r)
            .collect();
        if !mine.is_empty() && mine.iter().all(|r| r.is_some()) {
            whole.push(s);
        }
    }
    eprintln!(
        "jobsim: interrupted after {finished} of {} runs; {} of {} settings had all their runs finished{}",
        records.len(),
        whole.len(),
        prepared.configs.len(),
        if whole.is_empty() || whole.len() > 8 {
            String::new()
        } else {
            format!(
                ": {}",
                whole
                    .iter()
                    .map(|&s| prepared.spec.describe(s))
                    .map(|d| if d.is_empty() {
                        "(the scenario as written)".to_string()
                    } else {
                        d
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    );
    eprintln!("jobsim: no output files were written (earlier ones are as they were)");
    exit::INTERRUPTED
}

pub fn sweep(args: SweepArgs) -> u8 {
    install();
    let files = input_files(&args.filename, &args.files);
    let base = LoadOptions {
        seed: args.seed,
        overrides: Vec::new(),
    };
    // The scenario as written: its spec.sweep, name and warnings.
    let plain = match load(&files, &base) {
        Ok(l) => l,
        Err(e) => return report_input_error(&e),
    };
    print_diagnostics(&plain.warnings, &plain.sources);
    let mut parameters: Vec<Parameter> = plain
        .sweep
        .as_ref()
        .map(|s| s.parameters.clone())
        .unwrap_or_default();
    for text in &args.set {
        match parse_assignment(text) {
            Ok(p) => match parameters.iter_mut().find(|q| q.path == p.path) {
                Some(q) => *q = p,
                None => parameters.push(p),
            },
            Err(e) => {
                eprintln!("error: --set {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    let replications = args
        .replications
        .or(plain.sweep.as_ref().and_then(|s| s.replications))
        .unwrap_or(1);
    if replications == 0 {
        eprintln!("error: --replications must be at least 1");
        return exit::BAD_INPUT;
    }
    let spec = SweepSpec {
        parameters,
        replications,
    };
    if args.emit_k8s_job {
        return emit_k8s_job(&args, &files, &base, &spec, &plain);
    }
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --shard {e}");
            return exit::BAD_INPUT;
        }
    };
    let max_sim_time = match args.max_sim_time.as_deref().map(parse_duration).transpose() {
        Ok(d) => d.map(|d| SimTime::ZERO + d),
        Err(e) => {
            eprintln!("error: --max-sim-time: {e}");
            return exit::BAD_INPUT;
        }
    };
    let limits = RunLimits {
        max_events: args.max_events,
        max_sim_time,
        max_live_pods: args.max_live_pods,
        max_queued_events: args.max_queued_events,
    };
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", plain.name)));
    let settings = spec.settings();
    // Every setting is loaded and validated before the output folder is touched.
    let prepared = match prepare(&files, &base, spec) {
        Ok(p) => p,
        Err(e) => return report_input_error(&e),
    };
    let mut out = match OutputDir::prepare(&dir, args.force) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let total_runs = settings * replications as usize;
    let mine = (0..total_runs)
        .filter(|&k| shard.is_none_or(|s| s.includes(k)))
        .count();
    eprintln!(
        "jobsim sweep: {settings} setting{} x {replications} replication{} = {total_runs} runs{}",
        if settings == 1 { "" } else { "s" },
        if replications == 1 { "" } else { "s" },
        match shard {
            Some(s) => format!(" ({mine} in shard {}/{})", s.index, s.count),
            None => String::new(),
        }
    );
    let records = {
        let bar = indicatif::ProgressBar::new(mine as u64);
        if std::io::stderr().is_terminal() {
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} runs  {elapsed_precise} elapsed, ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        } else {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let done = || bar.inc(1);
        let run = || run_all_until(&prepared, shard, limits, &done, &interrupted);
        let records = match args.threads {
            Some(n) => match rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
            {
                Ok(pool) => pool.install(run),
                Err(e) => {
                    eprintln!("error: cannot start {n} threads: {e}");
                    return exit::INTERNAL;
                }
            },
            None => run(),
        };
        bar.finish_and_clear();
        records
    };
    if records.iter().any(Option::is_none) {
        return report_interrupted(&prepared, shard, &records);
    }
    let records: Vec<_> = records.into_iter().flatten().collect();
    let stopped = records.iter().filter(|r| r.stopped).count();
    let table = RunTable::from_records(
        prepared
            .spec
            .parameters
            .iter()
            .map(|p| p.path.text.clone())
            .collect(),
        prepared.job_names.clone(),
        &records,
        &|s| prepared.spec.setting(s).iter().map(value_text).collect(),
    );
    let meta = meta_of(&prepared, shard, records.len());
    match write_outputs(
        &mut out,
        &meta,
        &table,
        shard.is_none() && !args.no_charts,
        !args.svg_only,
    ) {
        Ok(summary) => {
            if interrupted() {
                eprintln!(
                    "jobsim: interrupted while writing; no output files were written (earlier ones are as they were)"
                );
                return exit::INTERRUPTED;
            }
            if let Err(e) = commit(out) {
                eprintln!("error: writing output: {e}");
                return exit::INTERNAL;
            }
            if let Some(summary) = summary {
                out!("{}", summary_table(&meta, &summary));
            }
            if stopped > 0 {
                eprintln!(
                    "warning: {stopped} run(s) stopped at a limit (--max-events, --max-sim-time, --max-live-pods or --max-queued-events); runs.csv marks them `stopped`"
                );
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::INTERNAL
        }
    }
}

fn meta_of(p: &Prepared, shard: Option<Shard>, runs: usize) -> SweepMeta {
    SweepMeta {
        schema_version: 1,
        scenario: p.first.name.clone(),
        kubernetes_version: p.first.version.to_string(),
        seed: p.base_seed,
        replications: p.spec.replications,
        settings: p.spec.settings(),
        parameters: p
            .spec
            .parameters
            .iter()
            .map(|q| ParameterMeta {
                path: q.path.text.clone(),
                values: q.values.iter().map(value_text).collect(),
            })
            .collect(),
        shard: shard.map(|s| [s.index, s.count]),
        runs,
    }
}

fn commit(out: OutputDir) -> std::io::Result<()> {
    let written = out.commit()?;
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if let Some(first) = written.first().and_then(|p| p.parent()) {
        eprintln!("wrote {}/{{{}}}", first.display(), names.join(","));
    }
    Ok(())
}

/// Writes runs.csv and sweep.json, and for a whole sweep summary.csv, the charts and
/// index.html. Returns the summary of a whole sweep.
fn write_outputs(
    out: &mut OutputDir,
    meta: &SweepMeta,
    table: &RunTable,
    charts: bool,
    png: bool,
) -> Result<Option<Vec<SettingSummary>>, String> {
    let io = |e: std::io::Error| format!("writing output: {e}");
    out.write("runs.csv", &table.to_csv().map_err(io)?)
        .map_err(io)?;
    let mut json = serde_json::to_string_pretty(meta).map_err(|e| e.to_string())?;
    json.push('\n');
    out.write("sweep.json", json.as_bytes()).map_err(io)?;
    if meta.shard.is_some() {
        return Ok(None);
    }
    let summary = summarize(table);
    out.write(
        "summary.csv",
        &summary_csv(&table.params, &summary).map_err(io)?,
    )
    .map_err(io)?;
    if charts {
        let paths: Vec<FieldPath> = meta
            .parameters
            .iter()
            .filter_map(|p| FieldPath::parse(&p.path).ok())
            .collect();
        let drawn = report::sweep_charts(&meta.scenario, &paths, &summary, png)
            .map_err(|e| e.to_string())?;
        super::run::write_charts(out, &drawn).map_err(io)?;
        let page = report::html(
            &format!("jobsim sweep: {}", meta.scenario),
            &summary_table(meta, &summary),
            &[summary_html(meta, &summary)],
            &drawn,
        );
        out.write("index.html", page.as_bytes()).map_err(io)?;
    }
    Ok(Some(summary))
}

fn secs(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

/// The summary as a text table (stdout and the top of index.html).
fn summary_table(meta: &SweepMeta, summary: &[SettingSummary]) -> String {
    let mut header: Vec<String> = meta
        .parameters
        .iter()
        .map(|p| p.path.rsplit('.').next().unwrap_or(&p.path).to_string())
        .collect();
    header.extend(
        ["RUNS", "COMPLETE", "P50", "P95", "MAX", "NODE-HOURS"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut rows = vec![header];
    for s in summary {
        let m = s.makespan.as_ref();
        let mut r = s.values.clone();
        r.extend([
            s.runs.to_string(),
            format!("{:.0}%", 100.0 * (1.0 - s.failure_probability)),
            secs(m.map(|m| m.p50)),
            secs(m.map(|m| m.p95)),
            secs(m.map(|m| m.max)),
            format!("{:.2}", s.node_hours),
        ]);
        rows.push(r);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    out
}

fn summary_html(meta: &SweepMeta, summary: &[SettingSummary]) -> Table {
    let mut header: Vec<String> = vec!["setting".into()];
    header.extend(meta.parameters.iter().map(|p| p.path.clone()));
    header.extend(
        [
            "runs",
            "complete",
            "p50 [s]",
            "p90 [s]",
            "p95 [s]",
            "p99 [s]",
            "max [s]",
            "node-hours",
            "pod-hours",
        ]
        .map(String::from),
    );
    Table {
        caption: "Completion time per setting (complete runs)".into(),
        header,
        rows: summary
            .iter()
            .map(|s| {
                let m = s.makespan.as_ref();
                let mut r = vec![s.setting.to_string()];
                r.extend(s.values.iter().cloned());
                r.extend([
                    s.runs.to_string(),
                    format!("{:.1} %", 100.0 * (1.0 - s.failure_probability)),
                    secs(m.map(|m| m.p50)),
                    secs(m.map(|m| m.p90)),
                    secs(m.map(|m| m.p95)),
                    secs(m.map(|m| m.p99)),
                    secs(m.map(|m| m.max)),
                    format!("{:.3}", s.node_hours),
                    format!("{:.3}", s.pod_hours),
                ]);
                r
            })
            .collect(),
    }
}

pub fn merge(args: MergeArgs) -> u8 {
    // Combining is quick, but the charts of a large sweep take a moment: Ctrl-C while they
    // are drawn removes the temporary files and leaves earlier outputs as they were.
    install();
    let mut metas: Vec<SweepMeta> = Vec::new();
    let mut tables: Vec<RunTable> = Vec::new();
    for d in &args.dirs {
        let read = |name: &str| -> Result<Vec<u8>, String> {
            std::fs::read(d.join(name)).map_err(|e| format!("{}: {e}", d.join(name).display()))
        };
        let meta = read("sweep.json").and_then(|b| {
            serde_json::from_slice::<SweepMeta>(&b)
                .map_err(|e| format!("{}: {e}", d.join("sweep.json").display()))
        });
        let table = read("runs.csv")
            .and_then(|b| RunTable::from_csv(&b).map_err(|e| format!("{}: {e}", d.display())));
        match (meta, table) {
            (Ok(m), Ok(t)) => {
                metas.push(m);
                tables.push(t);
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    let first = metas[0].clone();
    let same = |m: &SweepMeta| SweepMeta {
        shard: None,
        runs: 0,
        ..m.clone()
    };
    for (m, d) in metas.iter().zip(&args.dirs) {
        if same(m) != same(&first) {
            eprintln!(
                "error: {} holds a different sweep than {} (scenario, seed, parameters or replications differ)",
                d.display(),
                args.dirs[0].display()
            );
            return exit::BAD_INPUT;
        }
    }
    if args.dirs.len() > 1
        && let Some((_, d)) = metas
            .iter()
            .zip(&args.dirs)
            .find(|(m, _)| m.shard.is_none())
    {
        eprintln!(
            "error: {} holds a whole sweep, not a shard of one: merge the folders of `jobsim sweep --shard I/N`",
            d.display()
        );
        return exit::BAD_INPUT;
    }
    let count = first.shard.map_or(1, |s| s[1]);
    let mut seen = vec![false; count];
    for (m, d) in metas.iter().zip(&args.dirs) {
        let i = m.shard.map_or(0, |s| s[0]);
        if m.shard.map_or(1, |s| s[1]) != count || seen[i] {
            eprintln!(
                "error: {}: shard {i}/{count} given twice or from another split",
                d.display()
            );
            return exit::BAD_INPUT;
        }
        seen[i] = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        eprintln!("error: shard {missing}/{count} is missing");
        return exit::BAD_INPUT;
    }
    let mut table = tables[0].clone();
    for t in &tables[1..] {
        if t.header != table.header {
            eprintln!("error: the shards' runs.csv columns differ");
            return exit::BAD_INPUT;
        }
        table.rows.extend(t.rows.iter().cloned());
    }
    table.rows.sort_by_key(|r| (r.setting, r.replication));
    let expected = first.settings * first.replications as usize;
    if table.rows.len() != expected {
        eprintln!(
            "error: the shards hold {} runs; the sweep has {expected}",
            table.rows.len()
        );
        return exit::BAD_INPUT;
    }
    let meta = SweepMeta {
        shard: None,
        runs: expected,
        ..first
    };
    let mut out = match OutputDir::prepare(&args.output, args.force) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    match write_outputs(&mut out, &meta, &table, !args.no_charts, !args.svg_only) {
        Ok(summary) => {
            if interrupted() {
                eprintln!(
                    "jobsim: interrupted while writing; no output files were written (earlier ones are as they were)"
                );
                return exit::INTERRUPTED;
            }
            if let Err(e) = commit(out) {
                eprintln!("error: writing output: {e}");
                return exit::INTERNAL;
            }
            if let Some(summary) = summary {
                out!("{}", summary_table(&meta, &summary));
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::INTERNAL
        }
    }
}

/// Prints a ConfigMap holding the input files and an Indexed Job whose pod `i` runs shard
/// `i` of the sweep and writes it to `<claim>/shard-i`.
fn emit_k8s_job(
    args: &SweepArgs,
    files: &[PathBuf],
    base: &LoadOptions,
    spec: &SweepSpec,
    plain: &crate::input::load::Loaded,
) -> u8 {
    // Every setting must load before a cluster spends anything on it.
    if let Err(e) = prepare(files, base, spec.clone()) {
        return report_input_error(&e);
    }
    let shards = args.shards.max(1);
    let parallelism = args.parallelism.unwrap_or(shards).clamp(1, shards);
    let job_name = k8s_name(&format!("jobsim-sweep-{}", plain.name));
    let mut data = serde_yaml::Mapping::new();
    let mut items: Vec<serde_json::Value> = Vec::new();
    let mut in_pod: Vec<(usize, String)> = Vec::new();
    // The files named on the command line go to /inputs/<i>-<name>; the manifests a
    // scenario refers to (spec.manifests) keep their path relative to the scenario, so the
    // scenario finds them in the pod as it does here.
    let parents: Vec<PathBuf> = files
        .iter()
        .map(|f| f.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    for (path, text) in &plain.sources {
        let key = format!(
            "{}-{}",
            data.len(),
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input.yaml".into())
        );
        let in_volume = if let Some(i) = files.iter().position(|f| f == path) {
            in_pod.push((i, format!("/inputs/{key}")));
            key.clone()
        } else {
            let rel = parents.iter().find_map(|d| {
                path.strip_prefix(d).ok().filter(|r| {
                    r.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)))
                })
            });
            match rel {
                Some(r) => r.to_string_lossy().into_owned(),
                None => {
                    eprintln!(
                        "error: {} is outside the scenario's folder; --emit-k8s-job puts the inputs in one ConfigMap, so move it beside the scenario",
                        path.display()
                    );
                    return exit::BAD_INPUT;
                }
            }
        };
        items.push(serde_json::json!({"key": key, "path": in_volume}));
        data.insert(key.into(), text.clone().into());
    }
    in_pod.sort();
    let mut cmd: Vec<String> = vec!["jobsim".into(), "sweep".into()];
    for (_, f) in &in_pod {
        cmd.push("-f".into());
        cmd.push(f.clone());
    }
    for p in &spec.parameters {
        let mut values = Vec::with_capacity(p.values.len());
        for v in &p.values {
            match cli_value(v) {
                Some(t) => values.push(t),
                None => {
                    eprintln!(
                        "error: {}: the value {:?} cannot be written in a --set list (it holds a comma)",
                        p.path,
                        value_text(v)
                    );
                    return exit::BAD_INPUT;
                }
            }
        }
        cmd.push("--set".into());
        cmd.push(format!("{}={}", p.path, values.join(",")));
    }
    cmd.extend([
        "--replications".into(),
        spec.replications.to_string(),
        "--shard".into(),
        format!("$(JOB_COMPLETION_INDEX)/{shards}"),
        "--threads".into(),
        args.pod_cpus.to_string(),
        "--output".into(),
        "/results/shard-$(JOB_COMPLETION_INDEX)".into(),
        "--force".into(),
    ]);
    if let Some(s) = args.seed {
        cmd.extend(["--seed".into(), s.to_string()]);
    }
    if args.max_events != RunLimits::default().max_events {
        cmd.extend(["--max-events".into(), args.max_events.to_string()]);
    }
    if let Some(t) = &args.max_sim_time {
        cmd.extend(["--max-sim-time".into(), t.clone()]);
    }
    let configmap = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": format!("{job_name}-inputs")},
        "data": data,
    });
    let job = serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job_name},
        "spec": {
            "completionMode": "Indexed",
            "completions": shards,
            "parallelism": parallelism,
            "backoffLimitPerIndex": 2,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "jobsim",
                        "image": args.image,
                        "command": cmd,
                        "resources": {"requests": {
                            "cpu": args.pod_cpus.to_string(),
                            "memory": format!("{}Mi", 512 * args.pod_cpus),
                        }},
                        "volumeMounts": [
                            {"name": "inputs", "mountPath": "/inputs", "readOnly": true},
                            {"name": "results", "mountPath": "/results"}
                        ]
                    }],
                    "volumes": [
                        {"name": "inputs", "configMap": {
                            "name": format!("{job_name}-inputs"),
                            "items": items,
                        }},
                        {"name": "results", "persistentVolumeClaim": {"claimName": args.results_claim}}
                    ]
                }
            }
        }
    });
    let yaml = |v: &serde_json::Value| serde_yaml::to_string(v).unwrap_or_default();
    outln!(
        "# Runs `jobsim sweep` for {name} in {shards} shards on a cluster: pod i writes shard i\n\
         # to the {claim} volume at shard-i/. When the Job is Complete, copy the folders out\n\
         # and merge them:  jobsim merge shard-0 shard-1 ... -o sweep\n---\n{}---\n{}",
        yaml(&configmap),
        yaml(&job),
        name = plain.name,
        claim = args.results_claim
    );
    exit::OK
}

/// A value as a `--set` list item that reads back as the same value: strings that YAML
/// would read as a number or boolean (or that look like a range) are quoted. `None` for a
/// value holding a comma, which no list item can.
fn cli_value(v: &serde_yaml::Value) -> Option<String> {
    let text = value_text(v);
    if text.contains(',') {
        return None;
    }
    let ambiguous = matches!(v, serde_yaml::Value::String(_))
        && (text.contains("..")
            || !matches!(
                serde_yaml::from_str::<serde_yaml::Value>(&text),
                Ok(serde_yaml::Value::String(_)) | Err(_)
            )
            || text.starts_with(['"', '\'']));
    Some(if ambiguous {
        serde_json::to_string(&text).unwrap_or(text)
    } else {
        text
    })
}

/// A DNS label of at most 52 characters (Indexed Job names leave room for the index).
fn k8s_name(s: &str) -> String {
    let mut n: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    n.truncate(52);
    n.trim_matches('-').to_string()
}
