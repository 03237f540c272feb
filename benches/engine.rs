//! Benchmarks of the reference workloads (`scenarios/bench/`, defined in
//! docs/performance.md) and of the engine's hot parts.
//!
//! `cargo bench --bench engine` measures; `cargo test --all-targets` (CI) runs each
//! benchmark once as a smoke test. Report µs per pod attempt, not only wall time: the
//! workloads differ in size.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jobsim::engine::queue::EventQueue;
use jobsim::engine::time::SimTime;
use jobsim::input::load::{LoadOptions, load};
use jobsim::sim::{Discard, RunLimits, SimConfig, World};

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

fn workloads(c: &mut Criterion) {
    let mut g = c.benchmark_group("workloads");
    g.sample_size(10);
    let w2 = config("w2");
    let pods = run(w2.clone());
    g.throughput(Throughput::Elements(pods));
    g.bench_function("w2", |b| {
        b.iter_batched(
            || w2.clone(),
            |cfg| black_box(run(cfg)),
            BatchSize::LargeInput,
        )
    });
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
                x = jobsim::engine::rng::mix64(x);
                q.push(SimTime::from_millis(t.as_millis() + x % 60_000), e);
            }
            black_box(sum)
        })
    });
}

criterion_group!(benches, workloads, queue);
criterion_main!(benches);
