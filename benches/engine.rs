//! Benchmarks of the reference workloads (`scenarios/bench/`, defined in
//! docs/performance.md) and of the engine's hot parts.
//!
//! `cargo bench --bench engine` measures; `cargo bench --bench engine -- --quick` (CI) takes
//! a few samples of each, about a minute in all; `cargo test --all-targets` runs each
//! benchmark once as a smoke test, with W1 and W3 cut to a hundredth of their completions
//! (named `*-smoke`) because the test profile is unoptimised. Report µs per pod attempt, not
//! only wall time: the workloads differ in size.
//!
//! - `workloads/w1`, `w2`, `w3`: whole runs, per-pod output off (throughput in pod attempts).
//! - `scheduler/bind-release/N`: one pod bound and another released on a cluster of N
//!   nodes at W1's occupancy (10 of 16 slots used): the node index's cost per pod. The
//!   `scheduler-scan` group is the straightforward scan of every node, for comparison.
//!   `scheduler/select/N` is the decision alone on an unchanging cluster.
//! - `queue/push-pop-100k`: the event queue at a steady population.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use jobsim::api::NodeId;
use jobsim::api::job::PodTemplate;
use jobsim::cluster::Cluster;
use jobsim::cluster::scheduler::{SchedulerConfig, schedule, schedule_scan};
use jobsim::engine::queue::EventQueue;
use jobsim::engine::rng::mix64;
use jobsim::engine::time::SimTime;
use jobsim::input::load::{LoadOptions, load};
use jobsim::sim::{Discard, RunLimits, SimConfig, World};

/// The binary's allocator, so that the workloads are measured as `jobsim run` runs them.
#[global_allocator]
static ALLOCATOR: jobsim::engine::alloc::LargePages = jobsim::engine::alloc::LargePages;

/// Whether criterion measures (`cargo bench`) rather than running each benchmark once
/// (`cargo test --benches`, the unoptimised test profile).
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn config(name: &str) -> SimConfig {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/bench/{name}.yaml"));
    let mut c = load(&[path], &LoadOptions::default())
        .unwrap_or_else(|_| panic!("scenarios/bench/{name}.yaml loads"))
        .config;
    // Per-pod output off: the simulation alone.
    c.record_events = false;
    c.record_pods = false;
    c
}

fn run(config: SimConfig) -> u64 {
    let mut w = World::new(config);
    let out = w
        .run(&mut Discard, RunLimits::default())
        .expect("run finishes");
    out.stats.pods_created
}

fn workload(c: &mut Criterion, name: &str) {
    let mut cfg = config(name);
    let mut id = name.to_string();
    if !measuring() && name != "w2" {
        let spec = &mut cfg.jobs[0].spec;
        spec.completions = spec.completions.map(|n| n / 100);
        id.push_str("-smoke");
    }
    let pods = run(cfg.clone());
    let mut g = c.benchmark_group("workloads");
    g.sample_size(10);
    if name != "w2" {
        // Seconds per run: ten equal samples, not criterion's 1+2+…+10 iterations.
        g.sampling_mode(SamplingMode::Flat);
        g.measurement_time(Duration::from_secs(if name == "w3" { 30 } else { 5 }));
    }
    g.throughput(Throughput::Elements(pods));
    g.bench_function(id, |b| {
        b.iter_batched(
            || cfg.clone(),
            |cfg| black_box(run(cfg)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn workloads(c: &mut Criterion) {
    for name in ["w2", "w1", "w3"] {
        workload(c, name);
    }
}

/// A cluster of `nodes` W1 nodes holding 10 W1 pods per node, the nodes they are on, and
/// the template and scheduler settings of W1.
fn occupied(nodes: u32) -> (Cluster, Vec<NodeId>, PodTemplate, SchedulerConfig) {
    let base = config("w1");
    let tpl = (*base.jobs[0].spec.template).clone();
    let mut pools = base.pools.clone();
    pools[0].count = nodes;
    let mut cluster = Cluster::from_pools(pools);
    let mut next = 0;
    let placed = (0..nodes * 10)
        .map(|_| {
            let n = schedule(&cluster, &tpl, &base.scheduler, &mut next).expect("fits");
            cluster.reserve(n, &tpl.requests, tpl.nonzero_requests);
            n
        })
        .collect();
    (cluster, placed, tpl, base.scheduler)
}

fn scheduler(c: &mut Criterion) {
    let sizes: &[u32] = if measuring() {
        &[500, 5_000, 50_000]
    } else {
        &[500, 5_000]
    };
    for scan in [false, true] {
        let mut g = c.benchmark_group(if scan { "scheduler-scan" } else { "scheduler" });
        g.throughput(Throughput::Elements(1));
        for &nodes in sizes {
            if scan && nodes > 5_000 {
                continue;
            }
            let (mut cluster, mut placed, tpl, cfg) = occupied(nodes);
            let mut x = 1u64;
            let mut next = 0;
            g.bench_function(BenchmarkId::new("bind-release", nodes), |b| {
                b.iter(|| {
                    x = mix64(x);
                    let k = (x % placed.len() as u64) as usize;
                    cluster.release(placed[k], &tpl.requests, tpl.nonzero_requests);
                    let n = if scan {
                        schedule_scan(&cluster, &tpl, &cfg, &mut next)
                    } else {
                        schedule(&cluster, &tpl, &cfg, &mut next)
                    }
                    .expect("fits");
                    cluster.reserve(n, &tpl.requests, tpl.nonzero_requests);
                    placed[k] = black_box(n);
                })
            });
        }
        g.finish();
    }
    // The decision alone, on a cluster that does not change: what the index costs per pod
    // without the cache misses of touching a random node of a large cluster on release.
    let mut g = c.benchmark_group("scheduler");
    g.throughput(Throughput::Elements(1));
    for &nodes in sizes {
        let (cluster, _, tpl, cfg) = occupied(nodes);
        let mut next = 0;
        g.bench_function(BenchmarkId::new("select", nodes), |b| {
            b.iter(|| black_box(schedule(&cluster, &tpl, &cfg, &mut next).expect("fits")))
        });
    }
    g.finish();
}

fn queue(c: &mut Criterion) {
    c.bench_function("queue/push-pop-100k", |b| {
        b.iter(|| {
            let mut q = EventQueue::with_capacity(4096);
            let mut x: u64 = 1;
            let mut sum = 0u64;
            // A steady population of 4096 pending events, like a busy cluster.
            for i in 0..4096u64 {
                q.push(SimTime::from_millis(i * 7 % 1000), i);
            }
            for _ in 0..100_000 {
                let (t, e) = q.pop().expect("non-empty");
                sum = sum.wrapping_add(e);
                x = mix64(x);
                q.push(SimTime::from_millis(t.as_millis() + x % 60_000), e);
            }
            black_box(sum)
        })
    });
}

criterion_group!(benches, workloads, scheduler, queue);
criterion_main!(benches);
