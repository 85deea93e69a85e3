//! The child process of `paxos-tutor check`. It reads one [`Options`] request from its private
//! channel (see [`crate::channel`]), runs the phases (traces, random schedules, exhaustive search,
//! or one replay), reports progress on stderr behind a marker, and writes one JSON result back on
//! the channel. Learner output on stdout and stderr is not part of the protocol.
//!
//! Exit codes: 0 the result was written (a call that timed out is a result too, written by the
//! watchdog); 2 a bad request. Anything else (a signal, an abort, an exit of learner code) is a
//! crash the parent reports.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::channel;

use crate::explore::{self, Bounds, Found, Takeover};
use crate::guard;
use crate::nodes::Impls;
use crate::report::{exhausted_json, found_json, json_str};
use crate::trace;

/// Marks the runner's own lines on stderr.
pub const MARK: &str = "\u{1e}paxos-harness ";

/// What the parent asked for: the one request both sides share (sent as text, see
/// [`channel::Request`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub exercise: String,
    pub seed: u64,
    pub schedules: u64,
    pub depth: u32,
    pub crashes: u32,
    pub timeouts: u32,
    /// Exhaustive search with this many proposers; 0 runs 2, then 3 with what budget is left.
    pub proposers: u32,
    pub budget: f64,
    pub max_states: usize,
    pub call_timeout_ms: u64,
    pub replay: Option<PathBuf>,
    pub shrink_replays: usize,
    pub traces: bool,
    /// Exhaustive search: check liveness from every state up to this depth.
    pub liveness_depth: u32,
    /// The takeover search (3 acceptors, 3 proposers): P1 and P2 run for up to `.0` steps, then
    /// stop, and P3 takes over for up to `.1` more. `None` skips it.
    pub takeover: Option<(u32, u32)>,
    /// The takeover search's timeout budget, for each turn.
    pub takeover_timeouts: u32,
    /// Print a marker on stdout before every step (to show the learner's output step by step).
    pub echo_steps: bool,
    /// Announce every call into learner code on stderr (to name the call that crashed).
    pub announce: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            exercise: String::new(),
            seed: 1,
            schedules: 10_000,
            depth: 9,
            crashes: 1,
            timeouts: 1,
            proposers: 0,
            budget: 60.0,
            max_states: 4_000_000,
            call_timeout_ms: 2_000,
            replay: None,
            shrink_replays: 4_000,
            traces: true,
            liveness_depth: 3,
            takeover: Some(DEFAULT_TAKEOVER),
            takeover_timeouts: 0,
            echo_steps: false,
            announce: false,
        }
    }
}

/// The takeover search's default bounds: (the others' steps, the new proposer's steps).
pub const DEFAULT_TAKEOVER: (u32, u32) = (10, 4);

/// Parse `--takeover`: `EARLY+LATE` (`10+4`) or `off`.
pub fn parse_takeover(v: &str) -> Result<Option<(u32, u32)>, String> {
    if v == "off" {
        return Ok(None);
    }
    let bad = || format!("--takeover: `{v}` is not EARLY+LATE (e.g. 10+4) or `off`");
    let (a, b) = v.split_once('+').ok_or_else(bad)?;
    let early = a.trim().parse::<u32>().map_err(|_| bad())?;
    let late = b.trim().parse::<u32>().map_err(|_| bad())?;
    Ok(Some((early, late)))
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// The watchdog's verdict: written on the channel like any result, then the process ends.
fn on_timeout(what: String) {
    let json = format!(
        "{{\"verdict\":\"timeout\",\"schedules\":0,\"timeout\":{},\"violation\":null,\"exhaustive\":[]}}",
        json_str(&what)
    );
    channel::finish(&json);
}

/// Report progress to the parent: `phase done total detail`.
pub fn progress(phase: &str, done: u64, total: u64, detail: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{MARK}progress {phase} {done} {total} {detail}");
    let _ = err.flush();
}

fn set_context(c: String) {
    if let Ok(mut g) = guard::CONTEXT.lock() {
        *g = c;
    }
}

/// The result of a whole check, as JSON.
pub fn run(impls: Impls, o: &Options) -> String {
    let shrink = |f: Found| -> Found {
        if f.sticky {
            f // breadth-first: already a shortest schedule
        } else {
            explore::shrink(impls, &f, o.shrink_replays)
        }
    };
    let fail = |f: Found, schedules: u64, exhaustive: &[String]| -> String {
        let f = shrink(f);
        let verdict = if matches!(f.failure, crate::world::Failure::Panic(_)) {
            "panic"
        } else {
            "fail"
        };
        format!(
            "{{\"verdict\":\"{verdict}\",\"schedules\":{schedules},\"timeout\":null,\"violation\":{},\"exhaustive\":[{}]}}",
            found_json(impls, &f),
            exhaustive.join(",")
        )
    };
    let mut schedules = 0u64;
    let (mut traces_run, mut random_run) = (0u64, 0u64);

    if let Some(path) = &o.replay {
        set_context(format!("replay of {}", path.display()));
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return error_json(&format!("cannot read {}: {e}", path.display())),
        };
        let t = match trace::parse(&text) {
            Ok(t) => t,
            Err(e) => return error_json(&format!("{}: {e}", path.display())),
        };
        let found = explore::run_trace(impls, &t);
        if guard::ECHO_STEPS.load(std::sync::atomic::Ordering::Relaxed) {
            // Run only to show the learner's output step by step: rendering the failure would
            // replay it again and print it twice.
            let verdict = if found.is_some() { "fail" } else { "pass" };
            return format!(
                "{{\"verdict\":\"{verdict}\",\"schedules\":1,\"timeout\":null,\"violation\":null,\"exhaustive\":[]}}"
            );
        }
        return match found {
            Some(mut f) => {
                // A saved schedule is already shrunk: show it as it is.
                f.origin = format!("replay of {}", path.display());
                let verdict = if matches!(f.failure, crate::world::Failure::Panic(_)) { "panic" } else { "fail" };
                format!(
                    "{{\"verdict\":\"{verdict}\",\"schedules\":1,\"timeout\":null,\"violation\":{},\"exhaustive\":[]}}",
                    found_json(impls, &f)
                )
            }
            None => "{\"verdict\":\"pass\",\"schedules\":1,\"timeout\":null,\"violation\":null,\"exhaustive\":[]}".into(),
        };
    }

    if o.traces {
        let lib = trace::library();
        for (i, t) in lib.iter().enumerate() {
            set_context(format!("trace {}", t.name));
            progress("traces", i as u64, lib.len() as u64, &t.name);
            schedules += 1;
            traces_run += 1;
            if let Some(f) = explore::run_trace(impls, t) {
                return fail(f, schedules, &[]);
            }
        }
        progress("traces", lib.len() as u64, lib.len() as u64, "done");
    }

    let mut last = Instant::now();
    for i in 0..o.schedules {
        if i % 64 == 0 {
            set_context(format!("random schedule {i} (seed {})", o.seed));
            if last.elapsed() > Duration::from_millis(100) {
                progress("random", i, o.schedules, "");
                last = Instant::now();
            }
        }
        schedules += 1;
        random_run += 1;
        if let Some(f) = explore::random_schedule(impls, o.seed, i) {
            set_context(format!("random schedule {i} (seed {})", o.seed));
            return fail(f, schedules, &[]);
        }
    }
    progress("random", o.schedules, o.schedules, "done");

    let mut exhaustive = Vec::new();
    if o.depth > 0 || o.takeover.is_some() {
        // (acceptors, proposers, depth). With more nodes the space grows much faster, so the later
        // configurations search less deep: three proposers find races among proposers, five
        // acceptors find quorum-size mistakes that are right by chance for three. The bounds are
        // depths and a number of states, so the same check explores the same schedules on any
        // machine; the time budget is only a safety net, and the report says when it was hit.
        //
        // Then the takeover search goes deeper where it matters most: a new proposer that takes
        // over after the others stopped must recover what they may have had chosen.
        let mut plan: Vec<(usize, u32, u32, Option<Takeover>)> = if o.depth == 0 {
            Vec::new()
        } else if o.proposers == 0 {
            vec![
                (3, 2, o.depth, None),
                (3, 3, o.depth.saturating_sub(2), None),
                (5, 2, o.depth.saturating_sub(4), None),
            ]
        } else {
            vec![(3, o.proposers, o.depth, None)]
        };
        if let Some((early, late)) = o.takeover {
            if o.proposers == 0 || o.proposers == 3 {
                plan.push((3, 3, early + late, Some(Takeover { early })));
            }
        }
        let started = Instant::now();
        for &(acceptors, proposers, depth, takeover) in &plan {
            let left = o.budget - started.elapsed().as_secs_f64();
            if left <= 0.0 {
                break;
            }
            let bounds = Bounds {
                acceptors,
                proposers: proposers as usize,
                depth,
                crashes: o.crashes,
                timeouts: if takeover.is_some() {
                    o.takeover_timeouts
                } else {
                    o.timeouts
                },
                budget: Duration::from_secs_f64(left),
                max_states: o.max_states,
                liveness_depth: o.liveness_depth,
                takeover,
            };
            let (context, phase) = match takeover {
                None => (
                    format!(
                        "exhaustive search with {acceptors} acceptors and {proposers} proposers"
                    ),
                    format!("exhaustive-{acceptors}-{proposers}"),
                ),
                Some(_) => (
                    format!("takeover search with {acceptors} acceptors and {proposers} proposers"),
                    "takeover".to_string(),
                ),
            };
            set_context(context);
            match explore::exhaustive(impls, bounds, |s| {
                progress(
                    &phase,
                    s.unique,
                    s.generated,
                    &format!(
                        "depth {}, {:.0} states/s",
                        s.depth_done + 1,
                        s.unique as f64 / s.seconds.max(1e-3)
                    ),
                )
            }) {
                Ok(e) => {
                    schedules += e.generated;
                    exhaustive.push(exhausted_json(&e));
                }
                Err(f) => return fail(*f, schedules, &exhaustive),
            }
        }
    }
    format!(
        "{{\"verdict\":\"pass\",\"schedules\":{schedules},\"traces\":{traces_run},\"random\":{random_run},\"timeout\":null,\"violation\":null,\"exhaustive\":[{}]}}",
        exhaustive.join(",")
    )
}

fn error_json(msg: &str) -> String {
    format!("{{\"verdict\":\"error\",\"error\":{},\"schedules\":0,\"timeout\":null,\"violation\":null,\"exhaustive\":[]}}", json_str(msg))
}

/// The runner's `main`: the generated runner crate calls this with the learner's constructors.
pub fn main(impls: Impls) {
    STARTED.get_or_init(Instant::now);
    // Before any learner code runs: the request, and nothing left for learner code to reach.
    let o = match channel::take_request() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("paxos-harness: {e} (this program is run by `paxos-tutor check`)");
            channel::fail(2);
        }
    };
    guard::ECHO_STEPS.store(o.echo_steps, std::sync::atomic::Ordering::Relaxed);
    guard::ANNOUNCE.store(o.announce, std::sync::atomic::Ordering::Relaxed);
    guard::install_panic_hook();
    guard::start_watchdog(Duration::from_millis(o.call_timeout_ms.max(10)), on_timeout);
    let json = run(impls, &o);
    channel::finish(&json);
}

/// Which parts are the learner's, by exercise name.
pub fn impls_for(
    exercise: &str,
    acceptor: crate::nodes::AcceptorCtor,
    proposer: crate::nodes::ProposerCtor,
) -> Impls {
    let r = Impls::reference();
    match exercise {
        "acceptor" => Impls {
            acceptor,
            learner_acceptor: true,
            ..r
        },
        "proposer" => Impls {
            proposer,
            learner_proposer: true,
            ..r
        },
        _ => Impls {
            acceptor,
            proposer,
            learner_acceptor: true,
            learner_proposer: true,
        },
    }
}
