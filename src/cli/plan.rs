//! `jobsim plan`.

use std::path::PathBuf;

use clap::Args;

use super::interrupt::{EXIT_INTERRUPTED, install, interrupted};
use super::{exit, print_diagnostics, report_input_error};
use crate::engine::time::{SimDuration, SimTime};
use crate::experiment::plan::{Evaluation, PlanError, PlanRequest, PlanResult, plan};
use crate::input::duration::parse_duration;
use crate::input::load::{LoadOptions, load};
use crate::input::params::{parse_assignment, value_text};
use crate::output::atomic::OutputDir;
use crate::output::charts::{self, Format, Series};
use crate::output::report::{self, NamedChart, Table};
use crate::sim::RunLimits;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  jobsim plan scenarios/sweep-parallelism-backoff.yaml --vary jobs.export.spec.parallelism=1..40 --deadline 10m
  jobsim plan -f etl.yaml --vary spec.cluster.nodePools[name=batch].count=1..50 \\
      --deadline 2h --quantile 0.99 --replications 50")]
pub struct PlanArgs {
    /// Scenario or Job manifest files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Scenario or Job manifest file (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: Vec<PathBuf>,
    /// The field to choose and its candidate values: PATH=1..64 or PATH=2,4,8.
    #[arg(long, value_name = "PATH=VALUES", required = true)]
    vary: String,
    /// The deadline for the chosen quantile of the completion time (e.g. 30s, 2h).
    #[arg(long, value_name = "DURATION", required = true)]
    deadline: String,
    /// Which quantile of the completion time must meet the deadline.
    #[arg(long, default_value_t = 0.95)]
    quantile: f64,
    /// Runs per evaluated value (common random numbers across values).
    #[arg(short = 'r', long, default_value_t = 20)]
    replications: u32,
    /// Base seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Threads (default: every core).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-plan/).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Write no files (stdout only).
    #[arg(long)]
    no_output: bool,
    /// Draw the chart as SVG only.
    #[arg(long)]
    svg_only: bool,
    /// Write into an output folder even if it holds files jobsim did not write.
    #[arg(long)]
    force: bool,
    /// Stop each run at this simulated time if work is still pending (e.g. "60d", "12h");
    /// default: 30 days past the end of the simulated period (spec.duration).
    #[arg(long, value_name = "DURATION")]
    max_sim_time: Option<String>,
}

fn secs(x: f64) -> String {
    if x.is_finite() {
        SimDuration::from_secs_f64(x).as_go_string()
    } else {
        "never".to_string()
    }
}

pub fn plan_cmd(args: PlanArgs) -> u8 {
    let mut files = args.filename.clone();
    files.extend(args.files.iter().cloned());
    let base = LoadOptions {
        seed: args.seed,
        overrides: Vec::new(),
    };
    let plain = match load(&files, &base) {
        Ok(l) => l,
        Err(e) => return report_input_error(&e),
    };
    print_diagnostics(&plain.warnings, &plain.sources);
    let parameter = match parse_assignment(&args.vary) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: --vary {e}");
            return exit::BAD_INPUT;
        }
    };
    let deadline = match parse_duration(&args.deadline) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => {
            eprintln!("error: --deadline: {e}");
            return exit::BAD_INPUT;
        }
    };
    if !(args.quantile > 0.0 && args.quantile <= 1.0) {
        eprintln!("error: --quantile must be in (0, 1], e.g. 0.95");
        return exit::BAD_INPUT;
    }
    let max_sim_time = match args.max_sim_time.as_deref().map(parse_duration).transpose() {
        Ok(d) => d.map(|d| SimTime::ZERO + d),
        Err(e) => {
            eprintln!("error: --max-sim-time: {e}");
            return exit::BAD_INPUT;
        }
    };
    let limits = RunLimits {
        max_sim_time,
        ..RunLimits::default()
    };
    let request = PlanRequest {
        parameter,
        deadline,
        quantile: args.quantile,
        replications: args.replications.max(1),
    };
    install();
    let done = || {};
    let go = || plan(&files, &base, &request, limits, &done, &interrupted);
    let result = match args.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
        {
            Ok(pool) => pool.install(go),
            Err(e) => {
                eprintln!("error: cannot start {n} threads: {e}");
                return exit::INTERNAL;
            }
        },
        None => go(),
    };
    let result = match result {
        Ok(r) => r,
        Err(PlanError::Input(e)) => return report_input_error(&e),
        Err(PlanError::Interrupted { evaluated }) => {
            eprintln!(
                "jobsim: interrupted after {evaluated} evaluated value(s); no output files were written (earlier ones are as they were)"
            );
            return EXIT_INTERRUPTED;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let text = report_text(&request, &result);
    out!("{text}");
    if !args.no_output {
        let dir = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-plan", plain.name)));
        if let Err(e) = write_plan(
            &dir,
            args.force,
            &plain.name,
            &request,
            &result,
            &text,
            !args.svg_only,
        ) {
            if interrupted() {
                eprintln!("jobsim: {e}");
                return EXIT_INTERRUPTED;
            }
            eprintln!("error: {e}");
            return exit::INTERNAL;
        }
    }
    exit::OK
}

/// `p95`, `p99`, `p99.9`.
fn pct(q: f64) -> String {
    let p = ((q * 100.0) * 1000.0).round() / 1000.0;
    format!("p{p}")
}

/// The answer and the evidence, as printed.
fn report_text(r: &PlanRequest, result: &PlanResult) -> String {
    let q = pct(r.quantile);
    let path = &r.parameter.path.text;
    let mut out = format!(
        "smallest {path} whose {q} completion time is at most {} ({} runs per value):\n\n",
        secs(r.deadline),
        r.replications
    );
    let mut rows = vec![vec![
        "VALUE".to_string(),
        q.to_uppercase(),
        "NOT COMPLETE".into(),
        "MEETS".into(),
    ]];
    for e in &result.evaluations {
        rows.push(vec![
            value_text(&e.value),
            secs(e.quantile),
            format!("{:.0}%", e.failure_probability * 100.0),
            if e.meets { "yes" } else { "no" }.into(),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str("  ");
        out.push_str(cells.join("   ").trim_end());
        out.push('\n');
    }
    out.push('\n');
    let evaluated = format!(
        "{} of {} values evaluated",
        result.evaluations.len(),
        result.candidates
    );
    match &result.answer {
        Some(e) => out.push_str(&format!(
            "answer: {path}={} ({q} {}, {:.0}% of runs not complete); {evaluated}\n",
            value_text(&e.value),
            secs(e.quantile),
            e.failure_probability * 100.0
        )),
        None => out.push_str(&format!(
            "answer: no value meets the deadline; {evaluated}\n"
        )),
    }
    if result.exhaustive {
        out.push_str(
            "note: the completion time did not fall steadily as the value grew, so bisection could not be trusted; every value was evaluated\n",
        );
    } else if result.answer.is_none() && result.evaluations.len() < result.candidates {
        out.push_str(
            "note: neither the smallest nor the largest value meets it; values in between were not evaluated (the search assumes more is never slower)\n",
        );
    }
    out
}

fn write_plan(
    dir: &std::path::Path,
    force: bool,
    scenario: &str,
    r: &PlanRequest,
    result: &PlanResult,
    text: &str,
    png: bool,
) -> Result<(), String> {
    let mut o = OutputDir::prepare(dir, force).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| format!("writing output: {e}");
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let q = pct(r.quantile);
    w.write_record([
        "value",
        "number",
        q.as_str(),
        "failureProbability",
        "meets",
        "runs",
    ])
    .map_err(|e| e.to_string())?;
    for e in &result.evaluations {
        w.write_record([
            value_text(&e.value),
            format!("{}", e.number),
            if e.quantile.is_finite() {
                format!("{:.3}", e.quantile)
            } else {
                String::new()
            },
            format!("{:.6}", e.failure_probability),
            e.meets.to_string(),
            e.samples.len().to_string(),
        ])
        .map_err(|e| e.to_string())?;
    }
    let csv = w.into_inner().map_err(|e| e.to_string())?;
    o.write("plan.csv", &csv).map_err(io)?;
    let points: Vec<(f64, f64)> = result
        .evaluations
        .iter()
        .filter(|e| e.quantile.is_finite())
        .map(|e| (e.number, e.quantile))
        .collect();
    let xs: Vec<f64> = result.evaluations.iter().map(|e| e.number).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let series = vec![
        Series {
            name: format!("{q} completion time (evaluated)"),
            points,
            band: None,
        },
        Series {
            name: format!("deadline {}", secs(r.deadline)),
            points: if lo.is_finite() {
                vec![(lo, r.deadline), (hi, r.deadline)]
            } else {
                vec![]
            },
            band: None,
        },
    ];
    let title = format!("{scenario}: {q} completion time by {}", r.parameter.path);
    let draw = |f: Format| {
        charts::line_chart(
            f,
            &title,
            &r.parameter.path.text,
            "completion time [s]",
            &series,
            false,
        )
    };
    let chart = NamedChart {
        name: "plan".into(),
        title: title.clone(),
        svg: draw(Format::Svg).map_err(|e| e.to_string())?,
        png: if png {
            Some(draw(Format::Png).map_err(|e| e.to_string())?)
        } else {
            None
        },
    };
    super::run::write_charts(&mut o, std::slice::from_ref(&chart)).map_err(io)?;
    let table = Table {
        caption: "Evaluated values".into(),
        header: vec![
            "value".into(),
            q.clone(),
            "not complete".into(),
            "meets".into(),
        ],
        rows: result
            .evaluations
            .iter()
            .map(|e: &Evaluation| {
                vec![
                    value_text(&e.value),
                    secs(e.quantile),
                    format!("{:.1} %", e.failure_probability * 100.0),
                    if e.meets { "yes" } else { "no" }.into(),
                ]
            })
            .collect(),
    };
    let page = report::html(
        &format!("jobsim plan: {scenario}"),
        text,
        &[table],
        &[chart],
    );
    o.write("index.html", page.as_bytes()).map_err(io)?;
    if interrupted() {
        // Dropping `o` removes what was written; earlier outputs stay as they were.
        return Err(
            "interrupted while writing; no output files were written (earlier ones are as they were)"
                .into(),
        );
    }
    let written = o.commit().map_err(io)?;
    if let Some(first) = written.first().and_then(|p| p.parent()) {
        let names: Vec<String> = written
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        eprintln!("wrote {}/{{{}}}", first.display(), names.join(","));
    }
    Ok(())
}
