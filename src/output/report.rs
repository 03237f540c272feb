//! Charts and the `index.html` report, for one run and for a sweep.
//!
//! One run: `gantt` (pods per node over time, coloured by outcome) and `pods` (pending,
//! running and terminating pods, and failures so far, over time). A sweep: `makespan`
//! (completion time against the first swept value, one line per value of the second, the
//! median with a p5–p95 band), `heatmap-p95` and `heatmap-failure` (over the first two
//! swept values), `cdf` (the completion-time distribution of each setting) and `pareto`
//! (node-hours against p95 completion time, with the Pareto front). Each chart is written
//! as SVG and PNG; `index.html` holds the SVGs inline with the tables, one self-contained
//! file that needs no network.

use std::fmt::Write as _;

use crate::api::pod::{DisruptionReason, PodPhase, TerminationReason};
use crate::engine::time::SimTime;
use crate::input::overrides::FieldPath;
use crate::input::params::value_number;
use crate::output::charts::{self, Bar, Chart, ChartError, Format, Outcome, Series};
use crate::output::sweep::SettingSummary;
use crate::sim::metrics::Lifecycle;
use crate::sim::records::{EventRecord, PodRecord};
use crate::sim::{Observer, World};

/// Pods beyond this many are left out of the Gantt chart (their data would fill memory
/// that the run itself does not need).
pub const GANTT_MAX_PODS: usize = 200_000;

/// Collects what the charts of one run need while it runs.
#[derive(Debug, Default)]
pub struct ChartData {
    pub bars: Vec<Bar>,
    /// Pods not drawn because of [`GANTT_MAX_PODS`].
    pub bars_dropped: u64,
    /// (time, pending, running, terminating, failed so far), one per sample.
    pub steps: Vec<(f64, i64, i64, i64, i64)>,
    /// (time, Jobs active, CPU requested, CPU allocatable in millicores), when they change.
    pub load: Vec<(f64, i64, i64, i64)>,
}

impl ChartData {
    fn outcome(p: &PodRecord) -> Outcome {
        match (p.phase, p.disruption, p.reason) {
            (_, Some(DisruptionReason::DeletionByPodGC), _)
            | (_, Some(DisruptionReason::DeletionByTaintManager), _)
            | (_, Some(DisruptionReason::EvictionByEvictionAPI), _)
            | (_, Some(DisruptionReason::PreemptionByScheduler), _)
            | (_, Some(DisruptionReason::TerminationByKubelet), _)
            | (_, _, Some(TerminationReason::Evicted)) => Outcome::Evicted,
            (PodPhase::Succeeded, ..) => Outcome::Succeeded,
            (PodPhase::Failed, ..) => Outcome::Failed,
            _ => Outcome::Running,
        }
    }
}

impl Observer for ChartData {
    fn event(&mut self, _: &World, _: &EventRecord) -> std::io::Result<()> {
        Ok(())
    }

    /// The bars only need the pods' records in order, not at once.
    fn records_batch(&self) -> usize {
        usize::MAX
    }

    fn pod(&mut self, _: &World, p: &PodRecord) -> std::io::Result<()> {
        let (Some(node), Some(start)) = (p.node, p.started) else {
            return Ok(());
        };
        if self.bars.len() >= GANTT_MAX_PODS {
            self.bars_dropped += 1;
            return Ok(());
        }
        let outcome = Self::outcome(p);
        self.bars.push(Bar {
            lane: node.idx(),
            start: start.as_secs_f64(),
            end: match (outcome, p.finished) {
                (_, Some(f)) => f.as_secs_f64(),
                _ => f64::INFINITY,
            },
            outcome,
        });
        Ok(())
    }

    fn sample(&mut self, world: &World, at: SimTime) -> std::io::Result<()> {
        let m = &world.metrics;
        let row = (
            at.as_secs_f64(),
            m.count(Lifecycle::Unbound) + m.count(Lifecycle::Starting),
            m.count(Lifecycle::Running),
            m.count(Lifecycle::Terminating),
            world.stats.pod_failures as i64,
        );
        if self
            .steps
            .last()
            .is_none_or(|l| (l.1, l.2, l.3, l.4) != (row.1, row.2, row.3, row.4))
        {
            self.steps.push(row);
        }
        let r = crate::output::series::row(world);
        let load = (at.as_secs_f64(), r[10], r[6], r[7]);
        if self
            .load
            .last()
            .is_none_or(|l| (l.1, l.2, l.3) != (load.1, load.2, load.3))
        {
            self.load.push(load);
        }
        Ok(())
    }

    fn commit_samples(&mut self, up_to: Option<SimTime>) -> std::io::Result<()> {
        if let Some(t) = up_to {
            let end = t.as_secs_f64();
            self.steps.retain(|s| s.0 <= end);
            self.load.retain(|s| s.0 <= end);
        }
        Ok(())
    }
}

/// A chart ready to be written: its file stem, title and the two renderings.
pub struct NamedChart {
    pub name: String,
    pub title: String,
    pub svg: Chart,
    pub png: Option<Chart>,
}

fn both(
    name: &str,
    title: &str,
    png: bool,
    draw: &dyn Fn(Format) -> Result<Chart, ChartError>,
) -> Result<NamedChart, ChartError> {
    Ok(NamedChart {
        name: name.to_string(),
        title: title.to_string(),
        svg: draw(Format::Svg)?,
        png: if png { Some(draw(Format::Png)?) } else { None },
    })
}

/// The charts of one run.
pub fn run_charts(
    world: &World,
    data: &ChartData,
    scenario: &str,
    png: bool,
) -> Result<Vec<NamedChart>, ChartError> {
    let mut out = Vec::new();
    let lanes: Vec<String> = world.cluster.nodes.iter().map(|n| n.name.clone()).collect();
    let dropped = if data.bars_dropped > 0 {
        format!(" (first {GANTT_MAX_PODS} pods)")
    } else {
        String::new()
    };
    let title = format!("{scenario}: pods per node{dropped}");
    out.push(both("gantt", &title, png, &|f| {
        charts::gantt(f, &title, "time [s]", &lanes, &data.bars)
    })?);
    let pick = |k: usize| -> Vec<(f64, f64)> {
        data.steps
            .iter()
            .map(|s| {
                let v = match k {
                    0 => s.1,
                    1 => s.2,
                    2 => s.3,
                    _ => s.4,
                };
                (s.0, v as f64)
            })
            .collect()
    };
    let series = vec![
        ("pending".to_string(), pick(0)),
        ("running".to_string(), pick(1)),
        ("terminating".to_string(), pick(2)),
        ("failed (so far)".to_string(), pick(3)),
    ];
    let title = format!("{scenario}: pods over time");
    out.push(both("pods", &title, png, &|f| {
        charts::step_chart(f, &title, "time [s]", "pods", &series)
    })?);

    // Shared clusters (several Jobs, CronJobs, arrivals): how many Jobs run at once, and
    // when the CPU they request reaches what the cluster has (saturation: pods pend).
    if world.jobs.len() > 1 || !world.cronjobs.is_empty() || !world.arrivals.is_empty() {
        let end = data.load.last().map_or(0.0, |l| l.0);
        let (unit, scale) = if end >= 2.0 * 86400.0 {
            ("time [days]", 86400.0)
        } else if end >= 6.0 * 3600.0 {
            ("time [h]", 3600.0)
        } else {
            ("time [s]", 1.0)
        };
        let at = |k: usize| -> Vec<(f64, f64)> {
            data.load
                .iter()
                .map(|l| {
                    let v = match k {
                        0 => l.1 as f64,
                        1 => l.2 as f64 / 1000.0,
                        _ => l.3 as f64 / 1000.0,
                    };
                    (l.0 / scale, v)
                })
                .collect()
        };
        let pending: Vec<(f64, f64)> = data
            .steps
            .iter()
            .map(|s| (s.0 / scale, s.1 as f64))
            .collect();
        let jobs = vec![
            ("Jobs active".to_string(), at(0)),
            ("pods pending".to_string(), pending),
        ];
        let title = format!("{scenario}: Jobs and pending pods over time");
        out.push(both("jobs", &title, png, &|f| {
            charts::step_chart(f, &title, unit, "count", &jobs)
        })?);
        let cpu = vec![
            ("CPU requested".to_string(), at(1)),
            ("CPU allocatable".to_string(), at(2)),
        ];
        let title = format!("{scenario}: CPU requested against the cluster's");
        out.push(both("cpu", &title, png, &|f| {
            charts::step_chart(f, &title, unit, "cores", &cpu)
        })?);
    }
    Ok(out)
}

/// The charts of a sweep. `paths` are the swept parameters, in order.
pub fn sweep_charts(
    scenario: &str,
    paths: &[FieldPath],
    summary: &[SettingSummary],
    png: bool,
) -> Result<Vec<NamedChart>, ChartError> {
    let mut out = Vec::new();
    // x: the first parameter's numeric value (or the setting's position).
    let x_of = |s: &SettingSummary| -> f64 {
        paths
            .first()
            .and_then(|p| value_number(p, &yaml(&s.values[0])))
            .unwrap_or(s.setting as f64)
    };
    let x_label = paths
        .first()
        .map(axis_label)
        .unwrap_or_else(|| "setting".to_string());
    // One series per combination of the other parameters.
    let mut groups: Vec<(String, Vec<&SettingSummary>)> = Vec::new();
    for s in summary {
        let key = paths
            .iter()
            .zip(&s.values)
            .skip(1)
            .map(|(p, v)| format!("{}={v}", short(p)))
            .collect::<Vec<_>>()
            .join(" ");
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(s),
            None => groups.push((key, vec![s])),
        }
    }
    let series: Vec<Series> = groups
        .iter()
        .map(|(key, members)| Series {
            name: if key.is_empty() {
                "median (p5–p95 band)".to_string()
            } else {
                key.clone()
            },
            points: members
                .iter()
                .filter_map(|s| s.makespan.as_ref().map(|m| (x_of(s), m.p50)))
                .collect(),
            band: Some(
                members
                    .iter()
                    .filter_map(|s| {
                        let m = s.makespan.as_ref()?;
                        Some((x_of(s), s.p5.unwrap_or(m.min), m.p95))
                    })
                    .collect(),
            ),
        })
        .collect();
    let log_x = {
        let xs: Vec<f64> = summary.iter().map(&x_of).collect();
        let (lo, hi) = xs
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        lo > 0.0 && hi / lo >= 16.0
    };
    let title = format!("{scenario}: completion time (median, p5–p95)");
    out.push(both("makespan", &title, png, &|f| {
        charts::line_chart(f, &title, &x_label, "completion time [s]", &series, log_x)
    })?);

    if paths.len() >= 2 {
        let cats = |k: usize| -> Vec<String> {
            let mut v: Vec<String> = Vec::new();
            for s in summary {
                if !v.contains(&s.values[k]) {
                    v.push(s.values[k].clone());
                }
            }
            v
        };
        let (xc, yc) = (cats(0), cats(1));
        // With more than two parameters, the other ones at their first value.
        let first_rest: Vec<String> = summary[0].values[2..].to_vec();
        let cells =
            |value: &dyn Fn(&SettingSummary) -> Option<f64>| -> Vec<(usize, usize, Option<f64>)> {
                summary
                    .iter()
                    .filter(|s| s.values[2..] == first_rest[..])
                    .map(|s| {
                        let xi = xc.iter().position(|c| *c == s.values[0]).unwrap_or(0);
                        let yi = yc.iter().position(|c| *c == s.values[1]).unwrap_or(0);
                        (xi, yi, value(s))
                    })
                    .collect()
            };
        let (xl, yl) = (short(&paths[0]), short(&paths[1]));
        let p95 = cells(&|s| s.makespan.as_ref().map(|m| m.p95));
        let title = format!("{scenario}: p95 completion time");
        out.push(both("heatmap-p95", &title, png, &|f| {
            charts::heatmap(f, &title, &xl, &yl, "p95 [s]", &xc, &yc, &p95)
        })?);
        let fail = cells(&|s| Some(s.failure_probability));
        let title = format!("{scenario}: probability that the run does not complete");
        out.push(both("heatmap-failure", &title, png, &|f| {
            charts::heatmap(f, &title, &xl, &yl, "probability", &xc, &yc, &fail)
        })?);
    }

    // CDFs: one curve per value of the first parameter (its most reliable setting, then
    // the fastest at the median), at most 12, labelled with the values only.
    let better = |a: &SettingSummary, b: &SettingSummary| {
        let p50 = |s: &SettingSummary| s.makespan.as_ref().map_or(f64::INFINITY, |m| m.p50);
        (a.failure_probability, p50(a)) < (b.failure_probability, p50(b))
    };
    let mut picks: Vec<&SettingSummary> = Vec::new();
    for s in summary {
        match picks
            .iter_mut()
            .find(|p| paths.len() >= 2 && p.values[0] == s.values[0])
        {
            Some(p) if better(s, p) => *p = s,
            Some(_) => {}
            None => picks.push(s),
        }
    }
    let step = picks.len().div_ceil(12).max(1);
    let samples: Vec<(String, Vec<f64>)> = picks
        .iter()
        .step_by(step)
        .map(|s| {
            let label = if paths.is_empty() {
                "as written".to_string()
            } else {
                s.values.join(", ")
            };
            (label, s.samples.clone())
        })
        .collect();
    let names: Vec<String> = paths.iter().map(short).collect();
    let title = if names.is_empty() {
        format!("{scenario}: distribution of completion time")
    } else {
        format!(
            "{scenario}: distribution of completion time ({})",
            names.join(", ")
        )
    };
    out.push(both("cdf", &title, png, &|f| {
        charts::cdf_chart(f, &title, "completion time [s]", &samples)
    })?);

    // Points are labelled with the values only; the title says which parameters they are.
    // A setting that does not always complete is no candidate for the cheapest reliable
    // one, so only settings whose every run completed are shown, if there are any.
    let reliable = summary.iter().any(|s| s.failure_probability == 0.0);
    let points: Vec<(f64, f64, String)> = summary
        .iter()
        .filter(|s| !reliable || s.failure_probability == 0.0)
        .filter_map(|s| {
            let label = if paths.is_empty() {
                "as written".to_string()
            } else {
                s.values.join(", ")
            };
            Some((s.node_hours, s.makespan.as_ref()?.p95, label))
        })
        .collect();
    let names: Vec<String> = paths.iter().map(short).collect();
    let scope = if reliable {
        " — settings that always complete"
    } else {
        ""
    };
    let title = if names.is_empty() {
        format!("cost vs p95 completion time{scope}")
    } else {
        format!("cost vs p95 time ({}){scope}", names.join(", "))
    };
    out.push(both("pareto", &title, png, &|f| {
        charts::pareto_chart(
            f,
            &title,
            "node-hours (mean)",
            "p95 completion time [s]",
            &points,
        )
    })?);
    Ok(out)
}

fn yaml(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).unwrap_or_else(|_| serde_yaml::Value::String(text.to_string()))
}

/// The last meaningful part of a path, for legends: `parallelism`, `nodePools[name=gpu].count`.
fn short(p: &FieldPath) -> String {
    let t = p.text.as_str();
    match t.rfind(['.']) {
        Some(i) if t[..i].ends_with(']') => {
            let start = t[..i].rfind('.').map_or(0, |j| j + 1);
            t[start..].to_string()
        }
        Some(i) => t[i + 1..].to_string(),
        None => t.to_string(),
    }
}

/// An axis label with a unit where the field has one.
fn axis_label(p: &FieldPath) -> String {
    let s = short(p);
    let last = s.rsplit('.').next().unwrap_or(&s).to_lowercase();
    if last.contains("time")
        || last.contains("delay")
        || last.contains("after")
        || last.ends_with("seconds")
    {
        format!("{s} [s]")
    } else {
        s
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table for the report: a header and rows of cells.
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The self-contained report page: tables, then the charts (SVG inline).
pub fn html(title: &str, intro: &str, tables: &[Table], charts: &[NamedChart]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\n\
body{{font-family:sans-serif;margin:2em;color:#222;max-width:1000px}}\n\
table{{border-collapse:collapse;margin:1em 0;font-size:90%}}\n\
th,td{{border:1px solid #ccc;padding:.25em .6em;text-align:right}}\n\
th{{background:#f3f3f3}}\ntd:first-child,th:first-child{{text-align:left}}\n\
figure{{margin:2em 0}}\nfigcaption{{font-weight:bold;margin-bottom:.5em}}\n\
pre{{background:#f7f7f7;padding:1em;overflow:auto}}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    if !intro.is_empty() {
        let _ = writeln!(h, "<pre>{}</pre>", esc(intro));
    }
    for t in tables {
        let _ = writeln!(h, "<table>\n<caption>{}</caption>\n<tr>", esc(&t.caption));
        for c in &t.header {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("</tr>\n");
        for r in &t.rows {
            h.push_str("<tr>");
            for c in r {
                let _ = write!(h, "<td>{}</td>", esc(c));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    for c in charts {
        let svg = String::from_utf8_lossy(&c.svg.bytes);
        let svg = svg.trim_start_matches(|ch: char| ch != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r).trim_start(),
            None => svg,
        };
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n<figcaption>{}</figcaption>\n{}\n</figure>",
            esc(&c.name),
            esc(&c.title),
            svg
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_for_legends() {
        let p = |s: &str| FieldPath::parse(s).unwrap();
        assert_eq!(short(&p("jobs.etl.spec.parallelism")), "parallelism");
        assert_eq!(
            short(&p("spec.cluster.nodePools[name=gpu].count")),
            "nodePools[name=gpu].count"
        );
        assert_eq!(axis_label(&p("spec.defaults.pods.runTime")), "runTime [s]");
    }

    #[test]
    fn the_page_is_well_formed() {
        let chart = charts::line_chart(Format::Svg, "t", "x", "y", &[], false).unwrap();
        let page = html(
            "a <b>",
            "NAME  STATUS",
            &[Table {
                caption: "c".into(),
                header: vec!["h".into()],
                rows: vec![vec!["1 & 2".into()]],
            }],
            &[NamedChart {
                name: "x".into(),
                title: "x".into(),
                svg: chart,
                png: None,
            }],
        );
        let body = page.trim_start_matches("<!DOCTYPE html>\n");
        let doc = roxmltree::Document::parse(body).expect("well-formed");
        assert!(doc.descendants().any(|n| n.has_tag_name("svg")));
        assert!(doc.descendants().any(|n| n.has_tag_name("table")));
    }
}
