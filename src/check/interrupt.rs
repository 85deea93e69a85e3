//! Ctrl-C during a check: kill the harness's process group and leave nothing half-written
//! (every file paxos-tutor writes is written atomically, and the result file is temporary).

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Once;

static CHILD: AtomicU32 = AtomicU32::new(0);

/// The child process group to kill on Ctrl-C (0: none).
pub fn set_child(pid: u32) {
    CHILD.store(pid, SeqCst);
}

/// Install the handler once.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let pid = CHILD.load(SeqCst);
            if pid != 0 {
                // SAFETY: signals the process group created for the harness child.
                unsafe {
                    libc::killpg(pid as i32, libc::SIGKILL);
                }
            }
            eprintln!("\npaxos-tutor: interrupted");
            std::process::exit(130);
        });
    });
}
