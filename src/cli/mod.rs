//! The `jobsim` command line. Only this module knows about clap, terminals, output paths
//! and the wall clock.
//!
//! Exit codes: 0 the command did what was asked; 1 the simulation ran but stopped at a
//! limit (`--max-events`, `--max-sim-time`, `--max-live-pods`, `--max-queued-events`); 2 bad
//! input or usage; 3 internal error (for example an output file could not be written); 130
//! interrupted (Ctrl-C, SIGTERM): nothing was written. docs/hardening.md has the details.

/// `print!` to [`Stdout`].
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!($crate::cli::Stdout, $($t)*);
    }};
}

/// `println!` to [`Stdout`].
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::cli::Stdout, $($t)*);
    }};
}

mod interrupt;
mod plan;
mod run;
mod sweep;
mod validate;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::input::diagnostics::{Diagnostics, InputError, render};

/// `jobsim --version`: the crate version and the Kubernetes versions whose behaviour
/// `kubernetesVersion` can select.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (Kubernetes batch/v1 behaviour of 1.29 to 1.34; default 1.34)"
);

/// Simulate Kubernetes batch Jobs on a modelled cluster, deterministically.
#[derive(Debug, Parser)]
#[command(name = "jobsim", version = VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario or plain Job manifests and report what `kubectl get jobs` would show.
    Run(run::RunArgs),
    /// Check manifests and scenarios as the API server would, without running them.
    Validate(validate::ValidateArgs),
    /// Run every combination of swept values, replicated across seeds, and chart them.
    Sweep(sweep::SweepArgs),
    /// Combine the outputs of `jobsim sweep --shard I/N` into one sweep.
    Merge(sweep::MergeArgs),
    /// Find the smallest value of a field whose completion time meets a deadline.
    Plan(plan::PlanArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(
        after_help = "Example:\n  jobsim completions bash > ~/.local/share/bash-completion/completions/jobsim"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Exit codes.
pub mod exit {
    pub const OK: u8 = 0;
    pub const LIMIT: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const INTERNAL: u8 = 3;
    pub const INTERRUPTED: u8 = super::interrupt::EXIT_INTERRUPTED;
}

/// Standard output that a reader who stopped reading (`jobsim run ... | head -1`) does not
/// turn into a panic: what cannot be written is dropped, and the command finishes (its
/// output files are already complete) with its usual exit code.
pub(crate) struct Stdout;

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::io::stdout().write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match std::io::stdout().flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Plan(args) => plan::plan_cmd(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "jobsim", &mut Stdout);
            exit::OK
        }
    };
    ExitCode::from(code)
}

/// Prints diagnostics to stderr, with source snippets.
fn print_diagnostics(diags: &Diagnostics, sources: &[(std::path::PathBuf, String)]) {
    let color = std::io::stderr().is_terminal();
    for d in &diags.items {
        eprint!("{}", render(d, sources, color));
    }
}

/// Prints an input error and returns the bad-input exit code.
fn report_input_error(e: &InputError) -> u8 {
    print_diagnostics(&e.diagnostics, &e.sources);
    let n = e.diagnostics.errors().count();
    eprintln!(
        "jobsim: {n} error{} in the input; nothing was run",
        if n == 1 { "" } else { "s" }
    );
    exit::BAD_INPUT
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::version::KubernetesVersion;

    #[test]
    fn the_version_names_the_supported_kubernetes_versions() {
        let (lo, hi) = (KubernetesVersion::OLDEST, KubernetesVersion::NEWEST);
        assert!(VERSION.contains(&format!(
            "of {lo} to {hi}; default {}",
            KubernetesVersion::default()
        )));
    }

    #[test]
    fn the_command_line_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
