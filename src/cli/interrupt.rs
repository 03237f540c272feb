//! Ctrl-C (SIGINT), SIGTERM and SIGHUP: the first one sets a flag that `jobsim run` checks
//! between events, `jobsim sweep` and `jobsim plan` between and inside runs, and `jobsim
//! merge` before it moves its files into place; they stop, write nothing
//! (temporary files are removed, earlier outputs stay as they were) and exit with 130. A
//! second signal exits at once.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The exit code after an interruption (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Without a handler (e.g. another library installed one) a signal simply ends the
        // process, as it would have before: outputs are still never partial, since files
        // appear only by rename.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            eprintln!("\njobsim: interrupted, stopping (press Ctrl-C again to quit at once)");
        });
    });
}

/// Whether a stop was asked for.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}
