//! `jobsim validate`.

use std::path::PathBuf;

use clap::Args;

use super::{exit, print_diagnostics, report_input_error};
use crate::experiment::sweep::{SweepSpec, prepare};
use crate::input::load::LoadOptions;
use crate::input::params::{Parameter, parse_assignment};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  jobsim validate -f scenarios/pi.yaml -f my-job.yaml
  jobsim validate scenarios/parallel-processing.yaml --set jobs.parallel-processing.spec.parallelism=1..64:x2")]
pub struct ValidateArgs {
    /// Manifest or scenario files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Manifest or scenario file (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: Vec<PathBuf>,
    /// Check the inputs with a field set to each of these values, as `jobsim run --set` or
    /// `jobsim sweep --set` would: PATH=VALUE or PATH=1,2,4 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUES")]
    set: Vec<String>,
}

pub fn validate(args: ValidateArgs) -> u8 {
    let mut files = args.filename;
    files.extend(args.files);
    let mut parameters: Vec<Parameter> = Vec::new();
    for text in &args.set {
        match parse_assignment(text) {
            Ok(p) => parameters.push(p),
            Err(e) => {
                eprintln!("error: --set {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    let spec = SweepSpec {
        parameters,
        replications: 1,
    };
    let settings = spec.settings();
    match prepare(&files, &LoadOptions::default(), spec) {
        Ok(prepared) => {
            let loaded = &prepared.first;
            print_diagnostics(&loaded.warnings, &loaded.sources);

            let c = &loaded.config;
            let count =
                |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
            let mut kinds = vec![count(c.jobs.len(), "Job")];
            if !c.cronjobs.is_empty() {
                kinds.push(count(c.cronjobs.len(), "CronJob"));
            }
            if !c.arrivals.is_empty() {
                kinds.push(count(c.arrivals.len(), "arrival process"));
            }
            if !c.quotas.is_empty() {
                kinds.push(count(c.quotas.len(), "ResourceQuota"));
            }
            outln!(
                "valid: {}{} (Kubernetes {}){}",
                kinds.join(", "),
                if loaded.has_scenario {
                    format!(", scenario {:?}", loaded.name)
                } else {
                    String::new()
                },
                loaded.version,
                if settings > 1 {
                    format!(", in all {settings} settings")
                } else {
                    String::new()
                }
            );
            exit::OK
        }
        Err(e) => report_input_error(&e),
    }
}
