//! The `jobsim` command line. Only this module knows about clap, terminals, output paths
//! and the wall clock.
//!
//! Exit codes: 0 the command did what was asked; 1 the simulation ran but stopped at a
//! limit (`--max-events`, `--max-sim-time`); 2 bad input or usage; 3 internal error (for
//! example an output file could not be written).

mod run;
mod validate;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::input::diagnostics::{Diagnostics, InputError, render};

/// Simulate Kubernetes batch Jobs on a modelled cluster, deterministically.
#[derive(Debug, Parser)]
#[command(name = "jobsim", version, about, long_about = None)]
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
}

/// Exit codes.
pub mod exit {
    pub const OK: u8 = 0;
    pub const LIMIT: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const INTERNAL: u8 = 3;
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
