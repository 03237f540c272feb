//! The `jobsim` binary; everything lives in the library (`src/lib.rs`).

/// Large blocks in huge pages: at W3's scale the TLB, not only the cache, misses.
#[global_allocator]
static ALLOCATOR: jobsim::engine::alloc::LargePages = jobsim::engine::alloc::LargePages;

fn main() -> std::process::ExitCode {
    jobsim::cli::main()
}
