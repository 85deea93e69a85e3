//! Running the built harness as a child process.
//!
//! - The request ([`Options`]) and a secret fresh for each run go to the child on its stdin, a
//!   Unix socket; the child answers on the same socket (see `harness/src/channel.rs`). Nothing
//!   about the check is in argv or the environment, and a result counts only when it carries the
//!   secret and the child exited 0 on its own.
//! - The child runs in its own process group, in the scratch folder of the cache, with a small
//!   environment, an address-space limit (`--memory`), and `PR_SET_PDEATHSIG`, so it dies with
//!   paxos-tutor.
//! - Its stdout and stderr are read as bytes on their own threads, line by line with lines cut at
//!   [`LINE_LIMIT`]; the harness's progress lines are picked out by their marker; an allocation
//!   failure is noticed by the message Rust prints before it aborts.
//! - When it ends (or the wall-clock limit is hit) its group and every descendant are killed,
//!   and the readers are waited for only so long.
//! - `--jobs N` ([`run_plan`]): the parent shards. It splits the request into the plan's units
//!   (`paxos_harness::runner::plan`), starts one runner per unit, at most N at a time, each with
//!   everything above (its own secret, limits and process group), and merges the units' reports
//!   in plan order in the harness (`runner::merge`), so no result depends on N or on timing.

use std::io::{BufRead, BufReader, Read, Write as _};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use paxos_harness::channel::{unframe, Request};
use paxos_harness::runner::{self, Options, Unit, UnitReport};

use super::procs;
use crate::error::{Error, Result};

/// The marker the harness puts before its own lines on stderr (see `harness/src/runner.rs`).
pub const MARK: &str = "\u{1e}paxos-harness ";

/// The longest line of child output kept; the rest of a longer line is skipped.
pub const LINE_LIMIT: usize = 64 * 1024;
/// The most the result channel holds (a result is a few hundred kilobytes at most).
const RESULT_LIMIT: u64 = 64 << 20;
/// How long the readers may take to finish once the child and its descendants are dead.
const READER_GRACE: Duration = Duration::from_secs(2);

/// `CAP_SYS_PTRACE` (linux/capability.h).
#[cfg(target_os = "linux")]
const CAP_SYS_PTRACE: libc::c_ulong = 19;

/// The default memory limit of the child: its address space, in bytes.
pub const DEFAULT_MEMORY: u64 = 4 << 30;

/// A progress report from the harness.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub detail: String,
}

/// How the child ended.
#[derive(Debug)]
pub enum Ended {
    /// It wrote its result (JSON text) with the secret, and exited 0.
    Result(String),
    /// It did not finish within the wall-clock limit and was killed.
    WallClock(Duration),
    /// It died without a result: a signal (stack overflow, abort), an exit of learner code, an
    /// exit status other than 0, or no result with the secret.
    Crashed {
        how: String,
        last_call: Option<String>,
    },
    /// An allocation failed under the memory limit (Rust printed the failed allocation, then
    /// aborted). `last_call` is the call into learner code that was running, when one was.
    OutOfMemory {
        allocation: String,
        limit: u64,
        last_call: Option<String>,
        /// The run that named the call saw the failure outside any learner call.
        between_calls: bool,
    },
}

fn parse_progress(line: &str) -> Option<Progress> {
    let rest = line.strip_prefix(MARK)?.strip_prefix("progress ")?;
    let mut parts = rest.splitn(4, ' ');
    Some(Progress {
        phase: parts.next()?.to_string(),
        done: parts.next()?.parse().ok()?,
        total: parts.next()?.parse().ok()?,
        detail: parts.next().unwrap_or("").to_string(),
    })
}

/// `memory allocation of 104857600 bytes failed` → that sentence, when the line is Rust's message.
fn allocation_failure(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("memory allocation of ")?;
    let n = rest.strip_suffix(" bytes failed")?;
    n.parse::<u64>().ok()?;
    Some(line.trim().to_string())
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.signal() {
        Some(libc::SIGSEGV) | Some(libc::SIGBUS) => {
            "it was killed by a memory fault (most often a stack overflow: unbounded recursion)"
                .into()
        }
        Some(libc::SIGABRT) => "it aborted (a stack overflow, or a panic while panicking)".into(),
        Some(libc::SIGKILL) => "it was killed (SIGKILL)".into(),
        Some(s) => format!("it was killed by signal {s}"),
        None => match status.code() {
            Some(0) => "it exited (status 0) before the harness finished: something in your code ended the process".into(),
            Some(c) => format!("it exited with status {c} before the harness finished"),
            None => "it ended without an exit status".into(),
        },
    }
}

/// Where and how the child runs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The whole run's wall-clock limit.
    pub wall: Duration,
    /// The child's address space, in bytes.
    pub memory: u64,
}

/// Run the harness with request `options` in one process.
pub fn run(
    binary: &Path,
    options: &Options,
    scratch: &Path,
    limits: &Limits,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Ended> {
    Ok(
        run_one(binary, options, scratch, limits, None, &mut on_progress)?
            .expect("a run nobody cancels ends"),
    )
}

/// [`run`], stopped early (`None`) when `cancel` is set.
fn run_one(
    binary: &Path,
    options: &Options,
    scratch: &Path,
    limits: &Limits,
    cancel: Option<&AtomicBool>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Option<Ended>> {
    let Some(first) = spawn_and_wait(binary, options, scratch, limits, cancel, on_progress)? else {
        return Ok(None);
    };
    let rerun = |o: &Options| -> Result<Option<Spawned>> {
        // The same request gives the same schedules: run again announcing every call, and name
        // the last one announced.
        let o = Options {
            announce: true,
            ..o.clone()
        };
        spawn_and_wait(binary, &o, scratch, limits, cancel, &mut |_| {})
    };
    Ok(Some(match first.ended {
        Ended::Crashed { how, .. } => {
            let Some(again) = rerun(options)? else {
                return Ok(None);
            };
            Ended::Crashed {
                how,
                last_call: again.last_call,
            }
        }
        Ended::OutOfMemory {
            allocation, limit, ..
        } => {
            let Some(again) = rerun(options)? else {
                return Ok(None);
            };
            Ended::OutOfMemory {
                allocation,
                limit,
                between_calls: again.last_call.is_none() && again.returned,
                last_call: again.last_call,
            }
        }
        ended => ended,
    }))
}

/// The number of worker processes: `--jobs N`, or one per core.
pub fn jobs(asked: Option<u32>) -> usize {
    asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    )
}

/// How one unit of the plan ended, for the merge.
enum UnitEnd {
    /// Its report.
    Report(UnitReport),
    /// A whole result (the watchdog's `timeout`, a panic outside any named call), a crash, the
    /// wall-clock limit: it ends the check as it is.
    Final(Ended),
}

impl UnitEnd {
    fn of(ended: Ended) -> Result<UnitEnd> {
        Ok(match ended {
            Ended::Result(text) if UnitReport::is_report(&text) => {
                UnitEnd::Report(UnitReport::from_text(&text).map_err(|e| {
                    Error::cannot_run(format!(
                        "a worker of the harness wrote a report paxos-tutor cannot read: {e}"
                    ))
                })?)
            }
            ended => UnitEnd::Final(ended),
        })
    }

    fn ends_check(&self) -> bool {
        match self {
            UnitEnd::Report(r) => r.end.is_some(),
            UnitEnd::Final(_) => true,
        }
    }
}

enum Msg {
    Progress(Progress),
    Done(usize, Result<Option<Ended>>),
}

/// The fast phases' result, known before the proof's: every unit of traces and random schedules
/// has finished and none of them ended the check, while exhaustive searches are still running
/// (or still to start). The merged result cannot fail in these schedules any more: a failure, if
/// any, is in a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastPhases {
    /// Traces of the library run (all of them passed).
    pub traces: u64,
    /// Random schedules run (all of them passed).
    pub random: u64,
}

/// What [`run_plan`] tells its caller while it runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// A progress line of a worker.
    Progress(&'a Progress),
    /// The fast phases finished without a failure, the proof has not (at most once a run).
    FastPhases(&'a FastPhases),
}

/// The fast units' result once every one of them finished, none ended the check and the
/// result is not settled yet (a search unit is still to finish); `None` otherwise.
fn fast_phases(
    units: &[Unit],
    ends: &[Option<UnitEnd>],
    order: &runner::Order,
) -> Option<FastPhases> {
    let mut fast = FastPhases {
        traces: 0,
        random: 0,
    };
    let mut any = false;
    for (unit, end) in units.iter().zip(ends) {
        if let Unit::Schedules { .. } = unit {
            any = true;
            match end {
                Some(UnitEnd::Report(r)) if r.end.is_none() => {
                    fast.traces += r.tally.traces;
                    fast.random += r.tally.random;
                }
                _ => return None,
            }
        }
    }
    (any && order.settled().is_none()).then_some(fast)
}

/// Run the check `options` as its plan of units ([`runner::plan`]: the traces, the random
/// schedules in chunks, one unit per exhaustive configuration), each unit in a worker process of
/// its own, at most `jobs` at a time, the longest first when there are two or more
/// ([`runner::start_order`]). Each worker is a runner as [`run`]
/// starts it (its own secret channel, memory limit, call watchdog and process group), asked for
/// one unit. The reports are merged in plan order ([`runner::merge`]): the result is the same for
/// any `jobs` and any timing. A unit that ends the check (a failure, a crash) makes every unit
/// after it in plan order unneeded: those still running are killed, those not started are not
/// started; the units before it run to the end, as one of them may fail first in plan order.
///
/// Once every unit of traces and random schedules has finished without ending the check, while
/// the result still waits for a search, `on_event` gets [`Event::FastPhases`] (once): what the
/// merged result will say of those schedules, before the proof ends.
///
/// A replay, or a request already naming a unit, runs in one process ([`run`]).
pub fn run_plan(
    binary: &Path,
    options: &Options,
    scratch: &Path,
    limits: &Limits,
    jobs: usize,
    mut on_event: impl FnMut(Event),
) -> Result<Ended> {
    if options.replay.is_some() || options.unit.is_some() {
        return run(binary, options, scratch, limits, |p| {
            on_event(Event::Progress(p))
        });
    }
    let units = runner::plan(options);
    let jobs = jobs.max(1);
    let started = Instant::now();
    let mut order = runner::Order::new(units.len());
    let mut ends: Vec<Option<UnitEnd>> = (0..units.len()).map(|_| None).collect();
    let mut running: std::collections::BTreeMap<usize, Arc<AtomicBool>> = Default::default();
    let mut error: Option<Error> = None;
    // The safety net of the exhaustive phase starts with its first search, as in one process.
    let mut searching: Option<Instant> = None;
    let mut fast_told = false;
    let (tx, rx) = mpsc::channel::<Msg>();
    // The longest units start first (see `runner::start_order`); the merge is in plan order.
    let starts = runner::start_order(options, &units, jobs);
    std::thread::scope(|scope| {
        let mut next = 0;
        loop {
            while error.is_none() && running.len() < jobs {
                // Units no longer needed are never started.
                while next < starts.len() && !order.needed(starts[next]) {
                    next += 1;
                }
                if next >= starts.len() {
                    break;
                }
                let (k, unit) = (starts[next], units[starts[next]]);
                next += 1;
                let mut o = Options {
                    unit: Some(unit),
                    ..options.clone()
                };
                if let Unit::Search(_) = unit {
                    let since = searching.get_or_insert_with(Instant::now);
                    let left = options.budget - since.elapsed().as_secs_f64();
                    if left <= 0.0 {
                        order.finished(k, false);
                        ends[k] = Some(UnitEnd::Report(runner::skipped(options, unit)));
                        continue;
                    }
                    o.budget = left;
                }
                let lim = Limits {
                    wall: limits.wall.saturating_sub(started.elapsed()),
                    memory: limits.memory,
                };
                // A folder of its own: what learner code writes in one unit never meets another.
                let dir = scratch.join(format!("unit-{k}"));
                let cancel = Arc::new(AtomicBool::new(false));
                running.insert(k, cancel.clone());
                let tx = tx.clone();
                scope.spawn(move || {
                    let progress = tx.clone();
                    let r = run_one(binary, &o, &dir, &lim, Some(&cancel), &mut |p| {
                        let _ = progress.send(Msg::Progress(p.clone()));
                    });
                    let _ = tx.send(Msg::Done(k, r));
                });
            }
            let settled = error.is_some() || order.settled().is_some();
            if settled {
                for c in running.values() {
                    c.store(true, Ordering::SeqCst);
                }
            }
            while next < starts.len() && !order.needed(starts[next]) {
                next += 1;
            }
            if running.is_empty() && (settled || next >= starts.len()) {
                break;
            }
            match rx.recv() {
                Ok(Msg::Progress(p)) => on_event(Event::Progress(&p)),
                Ok(Msg::Done(k, r)) => {
                    running.remove(&k);
                    match r.and_then(|e| e.map(UnitEnd::of).transpose()) {
                        Err(e) => {
                            error.get_or_insert(e);
                        }
                        // Cancelled: no longer needed.
                        Ok(None) => {}
                        Ok(Some(end)) => {
                            let stops = end.ends_check();
                            order.finished(k, stops);
                            ends[k] = Some(end);
                            if stops {
                                for (_, c) in running.range(k + 1..) {
                                    c.store(true, Ordering::SeqCst);
                                }
                            }
                            if !fast_told {
                                if let Some(f) = fast_phases(&units, &ends, &order) {
                                    fast_told = true;
                                    on_event(Event::FastPhases(&f));
                                }
                            }
                        }
                    }
                }
                Err(_) => break,
            }
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let upto = order.settled().unwrap_or(units.len());
    let mut reports = Vec::with_capacity(upto);
    for end in ends.into_iter().take(upto) {
        match end {
            Some(UnitEnd::Report(r)) => reports.push(r),
            Some(UnitEnd::Final(ended)) => return Ok(ended),
            None => {
                return Err(Error::cannot_run(
                    "a worker of the harness ended without a report",
                ))
            }
        }
    }
    Ok(Ended::Result(runner::merge(&reports)))
}

/// What the learner's code printed, step by step: `(step line, printed lines)`.
pub type Printed = Vec<(String, Vec<String>)>;

/// Replay one saved schedule in a fresh process with step markers on stdout and return what the
/// learner's code printed, step by step, and whether the schedule failed there too (`None`: the
/// replay ended without a result).
pub fn learner_output(
    binary: &Path,
    options: &Options,
    scratch: &Path,
    limits: &Limits,
) -> Result<(Printed, Option<bool>)> {
    let o = Options {
        echo_steps: true,
        ..options.clone()
    };
    let spawned = spawn_and_wait(binary, &o, scratch, limits, None, &mut |_| {})?
        .expect("a run nobody cancels ends");
    let failed = match &spawned.ended {
        Ended::Result(t) => serde_json::from_str::<serde_json::Value>(t)
            .ok()
            .and_then(|v| v["verdict"].as_str().map(|v| v != "pass")),
        _ => Some(true),
    };
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    let mut current = "before the first step".to_string();
    for line in spawned.stdout {
        if let Some(step) = line
            .strip_prefix(MARK)
            .and_then(|l| l.strip_prefix("step "))
        {
            current = format!("step {step}");
        } else {
            match steps.last_mut() {
                Some((s, lines)) if *s == current => lines.push(line),
                _ => steps.push((current.clone(), vec![line])),
            }
        }
    }
    Ok((steps, failed))
}

/// At most this much of the learner's stdout is kept (when it is kept at all).
const CAPTURE_LIMIT: usize = 64 * 1024;

struct Spawned {
    ended: Ended,
    last_call: Option<String>,
    /// The last announced call returned (a crash after it was not in learner code).
    returned: bool,
    /// The learner's stdout, as lines (only when the request echoes steps).
    stdout: Vec<String>,
}

/// Read `r` line by line as bytes (lossy UTF-8), each line cut at [`LINE_LIMIT`], until EOF or
/// until `f` returns false.
pub fn for_each_line(r: impl Read, f: impl FnMut(String) -> bool) {
    lines_up_to(r, LINE_LIMIT, f)
}

/// [`for_each_line`] without the length limit (cargo's JSON messages, read whole).
pub fn for_each_line_unbounded(r: impl Read, f: impl FnMut(String) -> bool) {
    lines_up_to(r, usize::MAX, f)
}

fn lines_up_to(r: impl Read, limit: usize, mut f: impl FnMut(String) -> bool) {
    let mut r = BufReader::with_capacity(64 * 1024, r);
    let mut line: Vec<u8> = Vec::new();
    let mut skipping = false;
    loop {
        let buf = match r.fill_buf() {
            Ok([]) => break,
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let (chunk, newline) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !skipping {
            let room = limit - line.len();
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            skipping = line.len() >= limit;
        }
        let used = newline.unwrap_or(buf.len());
        r.consume(used);
        if newline.is_some() {
            let text = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            skipping = false;
            if !f(text) {
                break;
            }
        }
    }
    if !line.is_empty() {
        f(String::from_utf8_lossy(&line).into_owned());
    }
}

/// What the stderr reader passes on.
enum ErrLine {
    Mark(String),
    OutOfMemory(String),
}

/// Run one runner process; `None` when `cancel` was set before it ended (it is killed then).
fn spawn_and_wait(
    binary: &Path,
    options: &Options,
    scratch: &Path,
    limits: &Limits,
    cancel: Option<&AtomicBool>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Option<Spawned>> {
    super::interrupt::stop_here_if_interrupted();
    std::fs::create_dir_all(scratch)
        .map_err(|e| Error::io(format!("cannot create {}", scratch.display()), e))?;
    let secret = procs::secret().map_err(|e| Error::io("cannot read /dev/urandom", e))?;
    let request = Request {
        secret: secret.clone(),
        options: options.clone(),
    }
    .to_text();
    let (mut ours, theirs) =
        UnixStream::pair().map_err(|e| Error::io("cannot create the harness's channel", e))?;
    let mut cmd = Command::new(binary);
    // A small environment: nothing of the caller's (no path of paxos-tutor's, no secret) reaches
    // learner code, and the same request behaves the same from any shell.
    cmd.env_clear();
    for key in ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    let parent = std::process::id() as i32;
    let memory = limits.memory;
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (prctl, getppid, setrlimit, _exit).
    unsafe {
        cmd.pre_exec(move || {
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // paxos-tutor died between fork and prctl: follow it now.
                if libc::getppid() != parent {
                    libc::_exit(137);
                }
            }
            // When paxos-tutor runs as root, CAP_SYS_PTRACE would let the child open
            // /proc/<paxos-tutor>/fd/1 despite PR_SET_DUMPABLE: drop it from the bounding set
            // before exec, so the runner and everything it starts never have it. (EPERM without
            // CAP_SETPCAP: then the child has no CAP_SYS_PTRACE to drop.)
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0);
            let lim = libc::rlimit {
                rlim_cur: memory as libc::rlim_t,
                rlim_max: memory as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.current_dir(scratch)
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = procs::spawn_worker(|| cmd.spawn()).map_err(|e| {
        Error::cannot_run(format!(
            "cannot start the harness {}: {e}",
            binary.display()
        ))
    })?;
    drop(cmd); // our copy of the child's end of the channel
    super::interrupt::set_child(child.id());
    // The request, then end of input; the answer comes back on the same socket.
    let _ = ours.write_all(request.as_bytes());
    let _ = ours.shutdown(std::net::Shutdown::Write);
    let (res_tx, res_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut ours).take(RESULT_LIMIT).read_to_end(&mut bytes);
        let _ = res_tx.send(bytes);
    });
    // stdout is always read to the end, so the child never blocks on a full pipe; learner output
    // is kept only when steps are echoed, and only so much of it.
    let stdout = child.stdout.take().expect("piped");
    let capture = options.echo_steps;
    let (out_tx, out_rx) = mpsc::channel::<Vec<String>>();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut size = 0usize;
        for_each_line(stdout, |line| {
            if capture && size < CAPTURE_LIMIT {
                size += line.len() + 1;
                kept.push(line);
            }
            true
        });
        let _ = out_tx.send(kept);
    });
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = mpsc::channel::<ErrLine>();
    std::thread::spawn(move || {
        for_each_line(stderr, |line| {
            let msg = if line.starts_with(MARK) {
                ErrLine::Mark(line)
            } else if let Some(a) = allocation_failure(&line) {
                ErrLine::OutOfMemory(a)
            } else {
                return true;
            };
            tx.send(msg).is_ok()
        });
    });
    let start = Instant::now();
    let mut last_call = None;
    let mut returned = false;
    let mut oom = None;
    let mut handle = |line: ErrLine, last_call: &mut Option<String>| match line {
        ErrLine::OutOfMemory(a) => oom = Some(a),
        ErrLine::Mark(line) => {
            if let Some(p) = parse_progress(&line) {
                on_progress(&p);
            } else if let Some(call) = line
                .strip_prefix(MARK)
                .and_then(|l| l.strip_prefix("call "))
            {
                *last_call = Some(call.to_string());
                returned = false;
            } else if line.strip_prefix(MARK) == Some("returned") {
                *last_call = None;
                returned = true;
            }
        }
    };
    let mut cancelled = false;
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io("waiting for the harness", e))?
        {
            break Some(status);
        }
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            procs::kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            cancelled = true;
            break None;
        }
        if start.elapsed() > limits.wall {
            procs::kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            handle(line, &mut last_call);
        }
    };
    // A signal killed it: no verdict on an interrupted run (the handler ends the process).
    super::interrupt::stop_here_if_interrupted();
    // Nothing the child started outlives it: its group, then every descendant that left it
    // (other workers of the same check, and what they started, are spared).
    procs::worker_ended(child.id(), Duration::from_secs(2));
    super::interrupt::set_child(0);
    if cancelled {
        return Ok(None);
    }
    let deadline = Instant::now() + READER_GRACE;
    let left = || deadline.saturating_duration_since(Instant::now());
    while let Ok(line) = rx.recv_timeout(left()) {
        handle(line, &mut last_call);
    }
    let stdout = out_rx.recv_timeout(left()).unwrap_or_default();
    let channel = res_rx.recv_timeout(left()).unwrap_or_default();
    let Some(status) = status else {
        return Ok(Some(Spawned {
            ended: Ended::WallClock(limits.wall),
            last_call,
            returned,
            stdout,
        }));
    };
    let result = unframe(&channel, &secret);
    let ended = match (status.code(), result, oom) {
        (Some(0), Some(text), _) => Ended::Result(text),
        (_, _, Some(allocation)) => Ended::OutOfMemory {
            allocation,
            limit: limits.memory,
            last_call: None,
            between_calls: false,
        },
        _ => Ended::Crashed {
            how: describe_status(status),
            last_call: None,
        },
    };
    Ok(Some(Spawned {
        ended,
        last_call,
        returned,
        stdout,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_phases_are_told_once_all_passed_and_a_search_is_left() {
        let o = Options {
            schedules: 8,
            ..Options::default()
        };
        let units = runner::plan(&o);
        let fast = units
            .iter()
            .filter(|u| matches!(u, Unit::Schedules { .. }))
            .count();
        assert_eq!(fast, 4);
        let clean = |traces, random| {
            let mut r = UnitReport::default();
            r.tally.traces = traces;
            r.tally.random = random;
            Some(UnitEnd::Report(r))
        };
        let mut order = runner::Order::new(units.len());
        let mut ends: Vec<Option<UnitEnd>> = (0..units.len()).map(|_| None).collect();
        // The first search ends before the fast units do: not yet.
        order.finished(fast, false);
        ends[fast] = Some(UnitEnd::Report(UnitReport::default()));
        for k in [3, 1, 2] {
            order.finished(k, false);
            ends[k] = clean(0, 2);
            assert_eq!(fast_phases(&units, &ends, &order), None);
        }
        order.finished(0, false);
        ends[0] = clean(30, 2);
        assert_eq!(
            fast_phases(&units, &ends, &order),
            Some(FastPhases {
                traces: 30,
                random: 8
            })
        );
        // A fast unit that ends the check: its report is the verdict, nothing before it.
        let failed = UnitReport {
            end: Some(runner::End {
                verdict: "fail".into(),
                tail: String::new(),
            }),
            ..UnitReport::default()
        };
        order.finished(2, true);
        ends[2] = Some(UnitEnd::Report(failed));
        assert_eq!(fast_phases(&units, &ends, &order), None);
        // Every search finished too: the result is settled, there is nothing to tell before it.
        order.finished(2, false);
        ends[2] = clean(0, 2);
        for k in fast..units.len() {
            order.finished(k, false);
        }
        assert_eq!(fast_phases(&units, &ends, &order), None);
    }

    #[test]
    fn progress_lines_parse() {
        let p = parse_progress(&format!("{MARK}progress random 10 100 seed 1")).unwrap();
        assert_eq!(
            p,
            Progress {
                phase: "random".into(),
                done: 10,
                total: 100,
                detail: "seed 1".into()
            }
        );
        assert!(parse_progress("learner output").is_none());
    }

    #[test]
    fn allocation_failures_are_recognised() {
        assert_eq!(
            allocation_failure("memory allocation of 104857600 bytes failed\n").as_deref(),
            Some("memory allocation of 104857600 bytes failed")
        );
        assert_eq!(
            allocation_failure("memory allocation of many bytes failed"),
            None
        );
        assert_eq!(allocation_failure("a panic"), None);
    }

    #[test]
    fn lines_are_bytes_and_bounded() {
        let mut input = b"ok\n\xff\xfe bad utf-8\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', LINE_LIMIT * 3));
        input.extend(b"\nafter\nno newline");
        let mut lines = Vec::new();
        for_each_line(&input[..], |l| {
            lines.push(l);
            true
        });
        assert_eq!(lines[0], "ok");
        assert_eq!(lines[1], "\u{fffd}\u{fffd} bad utf-8");
        assert_eq!(lines[2].len(), LINE_LIMIT);
        assert_eq!(&lines[3..], ["after", "no newline"]);
    }
}
