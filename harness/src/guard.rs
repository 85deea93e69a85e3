//! Every call into learner code goes through [`call`]: a panic becomes a [`Failure::Panic`]
//! naming the call, and a watchdog thread ends the process with a `timeout` verdict when one call
//! does not return in time. The fast path costs two relaxed atomic stores and no clock reads:
//! the watchdog notices a call sequence number that stops moving.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// What learner code is being called: packed into one word for the watchdog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    AcceptorStart = 1,
    OnPrepare,
    OnAccept,
    ProposerStart,
    Propose,
    OnMessage,
    OnTimeout,
    Decided,
    Clone,
    Debug,
    Drop,
    /// Multi-Paxos: `Leader::submit`.
    Submit,
    /// Multi-Paxos: `Leader::chosen`.
    Chosen,
    /// Multi-Paxos: `Leader::start`, `on_message`, `on_timeout`.
    LeaderStart,
    LeaderOnMessage,
    LeaderOnTimeout,
}

impl CallKind {
    fn from_u64(n: u64) -> Option<CallKind> {
        use CallKind::*;
        Some(match n {
            1 => AcceptorStart,
            2 => OnPrepare,
            3 => OnAccept,
            4 => ProposerStart,
            5 => Propose,
            6 => OnMessage,
            7 => OnTimeout,
            8 => Decided,
            9 => Clone,
            10 => Debug,
            11 => Drop,
            12 => Submit,
            13 => Chosen,
            14 => LeaderStart,
            15 => LeaderOnMessage,
            16 => LeaderOnTimeout,
            _ => return None,
        })
    }

    pub fn describe(self, node: &str) -> String {
        use CallKind::*;
        let (who, what) = match self {
            AcceptorStart => ("Acceptor", "start"),
            OnPrepare => ("Acceptor", "on_prepare"),
            OnAccept => ("Acceptor", "on_accept"),
            ProposerStart => ("Proposer", "start"),
            Propose => ("Proposer", "propose"),
            OnMessage => ("Proposer", "on_message"),
            OnTimeout => ("Proposer", "on_timeout"),
            Decided => ("Proposer", "decided"),
            Clone => ("", "clone"),
            Debug => ("", "Debug"),
            Drop => ("", "drop"),
            Submit => ("Leader", "submit"),
            Chosen => ("Leader", "chosen"),
            LeaderStart => ("Leader", "start"),
            LeaderOnMessage => ("Leader", "on_message"),
            LeaderOnTimeout => ("Leader", "on_timeout"),
        };
        if who.is_empty() {
            match self {
                Debug => format!("the Debug formatting of {node}"),
                Drop => format!("the drop of {node}"),
                _ => format!("{node}.clone()"),
            }
        } else {
            format!("{who}::{what} of {node}")
        }
    }
}

/// The call in progress: kind in the low byte, node id above it; 0 when no call is running.
static CURRENT: AtomicU64 = AtomicU64::new(0);
/// Bumped on every call, so the watchdog can tell a long call from many short ones.
static SEQ: AtomicU64 = AtomicU64::new(0);
/// Where the runner is (phase and schedule), for the timeout message.
pub static CONTEXT: Mutex<String> = Mutex::new(String::new());
/// Step number within the current schedule.
pub static STEP: AtomicU64 = AtomicU64::new(0);
/// Print a marker line on stdout before every step, so the parent can tell which step printed
/// what (used when the counterexample is replayed to show the learner's own output).
pub static ECHO_STEPS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Announce every call on stderr before making it: used to find the call that crashed the
/// process (a stack overflow or an abort cannot be caught), by running the same seed again.
pub static ANNOUNCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Guarded calls in progress on this thread.
    static IN_CALL: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Keep the message of a panic outside any guarded call too, silently (the runner: such a panic
/// can only be learner code run implicitly, a drop, and becomes a `panic` verdict). When false
/// (a test calling the harness in-process), such a panic is the harness's or the test's own and
/// is printed by the previous hook as usual.
pub static SILENT_OUTSIDE_CALLS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Install the panic hook (silent: the message is kept for the verdict). Idempotent.
pub fn install_panic_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALL.with(|c| c.get()) == 0 && !SILENT_OUTSIDE_CALLS.load(Relaxed) {
                return previous(info);
            }
            let payload = info.payload();
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "a panic with a non-string payload".to_string()
            };
            let msg = match info.location() {
                Some(loc) => format!("{msg} (at {}:{})", loc.file(), loc.line()),
                None => msg,
            };
            PANIC.with(|p| *p.borrow_mut() = Some(msg));
        }));
    });
}

/// A panic in learner code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panicked {
    pub call: String,
    pub message: String,
}

/// Call learner code as `kind` on node `node` (its display name computed only on failure).
#[inline]
pub fn call<R>(kind: CallKind, node: u32, f: impl FnOnce() -> R) -> Result<R, Panicked> {
    CURRENT.store(kind as u64 | ((node as u64) << 8), Relaxed);
    SEQ.fetch_add(1, Relaxed);
    let announcing = ANNOUNCE.load(Relaxed);
    if announcing {
        announce(kind, node);
    }
    IN_CALL.with(|c| c.set(c.get() + 1));
    let r = catch_unwind(AssertUnwindSafe(f));
    IN_CALL.with(|c| c.set(c.get() - 1));
    CURRENT.store(0, Relaxed);
    if announcing {
        announce_return();
    }
    r.map_err(|_| Panicked {
        call: kind.describe(&crate::world::node_name(paxos_api::NodeId(node))),
        message: PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panicked".into()),
    })
}

#[cold]
fn announce(kind: CallKind, node: u32) {
    use std::io::Write as _;
    let context = CONTEXT.lock().map(|c| c.clone()).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{}call {} ({context}, step {})",
        crate::runner::MARK,
        kind.describe(&crate::world::node_name(paxos_api::NodeId(node))),
        STEP.load(Relaxed)
    );
    let _ = err.flush();
}

/// The announced call returned: a crash after this is not in learner code.
#[cold]
fn announce_return() {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}returned", crate::runner::MARK);
    let _ = err.flush();
}

/// Start the watchdog: when one call runs longer than `limit`, `on_timeout` is called with a
/// description of the call (and the process is expected to exit there).
pub fn start_watchdog(limit: Duration, on_timeout: fn(String)) {
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            let tick = Duration::from_millis(10);
            let mut last_seq = u64::MAX;
            let mut stuck = Duration::ZERO;
            loop {
                std::thread::sleep(tick);
                let cur = CURRENT.load(Relaxed);
                let seq = SEQ.load(Relaxed);
                if cur != 0 && seq == last_seq {
                    stuck += tick;
                    if stuck >= limit {
                        let kind = CallKind::from_u64(cur & 0xff).unwrap_or(CallKind::Clone);
                        let node = crate::world::node_name(paxos_api::NodeId((cur >> 8) as u32));
                        let context = CONTEXT.lock().map(|c| c.clone()).unwrap_or_default();
                        let step = STEP.load(Relaxed);
                        on_timeout(format!(
                            "{} did not return within {} ms ({context}, step {step})",
                            kind.describe(&node),
                            limit.as_millis()
                        ));
                        return;
                    }
                } else {
                    stuck = Duration::ZERO;
                }
                last_seq = seq;
            }
        })
        .expect("spawn the watchdog thread");
}
