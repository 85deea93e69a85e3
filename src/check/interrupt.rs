//! Ctrl-C, SIGTERM or SIGHUP during a check: kill the harness's process group and every other
//! descendant of paxos-tutor (cargo during the build, anything learner code started), then exit.
//! Nothing is left half-written: every file paxos-tutor writes is written atomically, and the
//! verdict is recorded only after a check ends. If paxos-tutor itself is killed (SIGKILL), the
//! runner follows it through `PR_SET_PDEATHSIG` (see `run.rs`).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::Once;
use std::time::Duration;

static CHILD: AtomicU32 = AtomicU32::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether a signal is stopping the check: then nothing more is started, printed or recorded.
pub fn interrupted() -> bool {
    INTERRUPTED.load(SeqCst)
}

/// If the check is being stopped, wait here for the handler to end the process.
pub fn stop_here_if_interrupted() {
    while interrupted() {
        std::thread::park_timeout(std::time::Duration::from_millis(100));
    }
}

/// The child process group to kill on an interrupt (0: none).
pub fn set_child(pid: u32) {
    CHILD.store(pid, SeqCst);
}

/// Install the handler once (SIGINT, SIGTERM and SIGHUP: the `termination` feature of `ctrlc`).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, SeqCst);
            super::procs::kill_group(CHILD.load(SeqCst));
            super::procs::kill_descendants(Duration::from_secs(2));
            eprintln!("\npaxos-tutor: interrupted");
            std::process::exit(130);
        });
    });
}
