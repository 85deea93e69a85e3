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
    std::fs::create_dir_all(scratch)
        .map_err(|e| Error::io(format!("cannot create {}", scratch.display()), e))?;
    let result = tempfile::Builder::new()
        .prefix("result-")
        .suffix(".json")
        .tempfile_in(scratch)
        .map_err(|e| Error::io("cannot create the result file", e))?
        .into_temp_path();
    let result_path: PathBuf = result.to_path_buf();
    let _ = std::fs::remove_file(&result_path);
    let (ended, announced) =
        spawn_and_wait(binary, args, &result_path, limit, false, &mut on_progress)?;
    if let Ended::Result(_) | Ended::WallClock(_) = ended {
        return Ok(ended);
    }
    // A crash: the same arguments give the same schedules, so run again announcing every call,
    // and name the last one announced.
    let _ = announced;
    let _ = std::fs::remove_file(&result_path);
    let (again, last) = spawn_and_wait(binary, args, &result_path, limit, true, &mut |_| {})?;
    Ok(match (ended, again) {
        (Ended::Crashed { how, .. }, _) => Ended::Crashed {
            how,
            last_call: last,
        },
        (e, _) => e,
    })
}

fn spawn_and_wait(
    binary: &Path,
    args: &[String],
    result_path: &Path,
    limit: Duration,
    announce: bool,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<(Ended, Option<String>)> {
    let mut cmd = Command::new(binary);
    cmd.args(args).arg("--result").arg(result_path);
    if announce {
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
    // Learner output on stdout: read and dropped, so the child never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while matches!(stdout.read(&mut buf), Ok(n) if n > 0) {}
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
    let status = loop {
        while let Ok(line) = rx.try_recv() {
            if let Some(p) = parse_progress(&line) {
                on_progress(&p);
            } else if let Some(call) = line
                .strip_prefix(MARK)
                .and_then(|l| l.strip_prefix("call "))
            {
                last_call = Some(call.to_string());
            }
        }
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
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                if let Some(p) = parse_progress(&line) {
                    on_progress(&p);
                } else if let Some(call) = line
                    .strip_prefix(MARK)
                    .and_then(|l| l.strip_prefix("call "))
                {
                    last_call = Some(call.to_string());
                }
            }
            Err(_) => continue,
        }
    };
    super::interrupt::set_child(0);
    let _ = err_thread.join();
    for line in rx.try_iter() {
        if let Some(call) = line
            .strip_prefix(MARK)
            .and_then(|l| l.strip_prefix("call "))
        {
            last_call = Some(call.to_string());
        }
    }
    let _ = out_thread.join();
    let Some(status) = status else {
        return Ok((Ended::WallClock(limit), last_call));
    };
    let text = std::fs::read_to_string(result_path).ok();
    let _ = std::fs::remove_file(result_path);
    match (status.code(), text) {
        (Some(0) | Some(3), Some(t)) => Ok((Ended::Result(t), last_call)),
        _ => Ok((
            Ended::Crashed {
                how: describe_status(status),
                last_call: None,
            },
            last_call,
        )),
    }
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
