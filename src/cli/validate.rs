//! `jobsim validate`.

use std::path::PathBuf;

use clap::Args;

use super::{exit, print_diagnostics, report_input_error};
use crate::input::load::{LoadOptions, load};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  jobsim validate -f scenarios/pi.yaml -f my-job.yaml")]
pub struct ValidateArgs {
    /// Manifest or scenario files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Manifest or scenario file (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: Vec<PathBuf>,
}

pub fn validate(args: ValidateArgs) -> u8 {
    let mut files = args.filename;
    files.extend(args.files);
    match load(&files, &LoadOptions::default()) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings, &loaded.sources);
            let jobs = loaded.config.jobs.len();
            println!(
                "valid: {jobs} Job{}{} (Kubernetes {})",
                if jobs == 1 { "" } else { "s" },
                if loaded.has_scenario {
                    format!(", scenario {:?}", loaded.name)
                } else {
                    String::new()
                },
                loaded.version
            );
            exit::OK
        }
        Err(e) => report_input_error(&e),
    }
}
