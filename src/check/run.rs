//! Running the built harness as a child process: its own process group, a wall-clock limit,
//! stdout and stderr read on their own threads (learner output is discarded; the harness's
//! progress lines are picked out by their marker), and the result read from a file.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The marker the harness puts before its own lines on stderr (see `harness/src/runner.rs`).
pub const MARK: &str = "\u{1e}paxos-harness ";

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
    /// It wrote its result (JSON text).
    Result(String),
    /// It did not finish within the wall-clock limit and was killed.
    WallClock(Duration),
    /// It died without a result: a signal (stack overflow, abort) or an unexpected exit code.
    Crashed {
        how: String,
        last_call: Option<String>,
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

/// Signal the child's whole process group (SIGTERM, a grace period, then SIGKILL).
fn kill_group(child: &mut Child) {
    let pgid = child.id() as i32;
    // SAFETY: killpg only sends a signal to the group we created with process_group(0).
    unsafe {
        libc::killpg(pgid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let _ = child.wait();
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.signal() {
        Some(libc::SIGSEGV) | Some(libc::SIGBUS) => {
            "it was killed by a memory fault (most often a stack overflow: unbounded recursion)"
                .into()
        }
        Some(libc::SIGABRT) => "it aborted (a stack overflow, or a panic while panicking)".into(),
        Some(libc::SIGKILL) => "it was killed (out of memory?)".into(),
        Some(s) => format!("it was killed by signal {s}"),
        None => format!("it exited with status {}", status.code().unwrap_or(-1)),
    }
}

/// Run `binary args…`, writing the result to a temporary file in `scratch`.
pub fn run(
    binary: &Path,
    args: &[String],
    scratch: &Path,
    limit: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Ended> {
    let result = result_file(scratch)?;
    let first = spawn_and_wait(
        binary,
        args,
        &result,
        limit,
        Mode::default(),
        &mut on_progress,
    )?;
    match first.ended {
        Ended::Crashed { how, .. } => {
            // A crash: the same arguments give the same schedules, so run again announcing every
            // call, and name the last one announced.
            let again = spawn_and_wait(
                binary,
                args,
                &result,
                limit,
                Mode {
                    announce: true,
                    capture: false,
                },
                &mut |_| {},
            )?;
            Ok(Ended::Crashed {
                how,
                last_call: again.last_call,
            })
        }
        ended => Ok(ended),
    }
}

/// What the learner's code printed, step by step: `(step line, printed lines)`.
pub type Printed = Vec<(String, Vec<String>)>;

/// Replay one saved schedule in a fresh process with step markers on stdout and return what the
/// learner's code printed, step by step, and whether the schedule failed there too (`None`: the
/// replay ended without a result).
pub fn learner_output(
    binary: &Path,
    args: &[String],
    scratch: &Path,
    limit: Duration,
) -> Result<(Printed, Option<bool>)> {
    let result = result_file(scratch)?;
    let mut args = args.to_vec();
    args.extend(["--echo-steps".to_string(), "on".to_string()]);
    let spawned = spawn_and_wait(
        binary,
        &args,
        &result,
        limit,
        Mode {
            announce: false,
            capture: true,
        },
        &mut |_| {},
    )?;
    let failed = match &spawned.ended {
        Ended::Result(t) => serde_json::from_str::<serde_json::Value>(t)
            .ok()
            .and_then(|v| v["verdict"].as_str().map(|v| v != "pass")),
        _ => Some(true),
    };
    let text = String::from_utf8_lossy(&spawned.stdout);
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    let mut current = "before the first step".to_string();
    for line in text.lines() {
        if let Some(step) = line
            .strip_prefix(MARK)
            .and_then(|l| l.strip_prefix("step "))
        {
            current = format!("step {step}");
        } else {
            match steps.last_mut() {
                Some((s, lines)) if *s == current => lines.push(line.to_string()),
                _ => steps.push((current.clone(), vec![line.to_string()])),
            }
        }
    }
    Ok((steps, failed))
}

fn result_file(scratch: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(scratch)
        .map_err(|e| Error::io(format!("cannot create {}", scratch.display()), e))?;
    let path = tempfile::Builder::new()
        .prefix("result-")
        .suffix(".json")
        .tempfile_in(scratch)
        .map_err(|e| Error::io("cannot create the result file", e))?
        .into_temp_path()
        .to_path_buf();
    Ok(path)
}

/// How to run the child.
#[derive(Clone, Copy, Default)]
struct Mode {
    /// Announce every call into learner code (to name the call that crashed the process).
    announce: bool,
    /// Keep stdout (at most [`CAPTURE_LIMIT`] bytes) instead of discarding it.
    capture: bool,
}

const CAPTURE_LIMIT: usize = 64 * 1024;

struct Spawned {
    ended: Ended,
    last_call: Option<String>,
    stdout: Vec<u8>,
}

fn spawn_and_wait(
    binary: &Path,
    args: &[String],
    result_path: &Path,
    limit: Duration,
    mode: Mode,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Spawned> {
    let _ = std::fs::remove_file(result_path);
    let mut cmd = Command::new(binary);
    cmd.args(args).arg("--result").arg(result_path);
    if mode.announce {
        cmd.args(["--announce", "on"]);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| {
            Error::cannot_run(format!(
                "cannot start the harness {}: {e}",
                binary.display()
            ))
        })?;
    super::interrupt::set_child(child.id());
    // stdout is always read to the end, so the child never blocks on a full pipe; learner output
    // is kept only when asked for, and only so much of it.
    let mut stdout = child.stdout.take().expect("piped");
    let capture = mode.capture;
    let out_thread = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            if capture && kept.len() < CAPTURE_LIMIT {
                kept.extend_from_slice(&buf[..n.min(CAPTURE_LIMIT - kept.len())]);
            }
        }
        kept
    });
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = mpsc::channel::<String>();
    let err_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if line.starts_with(MARK) && tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut last_call = None;
    let mut handle = |line: String, last_call: &mut Option<String>| {
        if let Some(p) = parse_progress(&line) {
            on_progress(&p);
        } else if let Some(call) = line
            .strip_prefix(MARK)
            .and_then(|l| l.strip_prefix("call "))
        {
            *last_call = Some(call.to_string());
        }
    };
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io("waiting for the harness", e))?
        {
            break Some(status);
        }
        if start.elapsed() > limit {
            kill_group(&mut child);
            break None;
        }
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            handle(line, &mut last_call);
        }
    };
    super::interrupt::set_child(0);
    let _ = err_thread.join();
    for line in rx.try_iter() {
        handle(line, &mut last_call);
    }
    let stdout = out_thread.join().unwrap_or_default();
    let Some(status) = status else {
        return Ok(Spawned {
            ended: Ended::WallClock(limit),
            last_call,
            stdout,
        });
    };
    let text = std::fs::read_to_string(result_path).ok();
    let _ = std::fs::remove_file(result_path);
    let ended = match (status.code(), text) {
        (Some(0) | Some(3), Some(t)) => Ended::Result(t),
        _ => Ended::Crashed {
            how: describe_status(status),
            last_call: None,
        },
    };
    Ok(Spawned {
        ended,
        last_call,
        stdout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
