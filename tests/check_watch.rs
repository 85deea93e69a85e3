//! `paxos-tutor watch` through the real binary: a broken acceptor is reported `fail`, a save of a
//! correct one `pass`, and stopping watch (SIGTERM, as Ctrl-C's SIGINT is handled alike), even in
//! the middle of a check, leaves no process and no temporary file behind. The fast phases'
//! verdict comes first: a pass shows what the traces and random schedules found while the proof
//! runs, then the report; a failure there is reported without running the proof.
//!
//! Nothing here waits on a clock: the test reads watch's output until the line it expects; the
//! only time limit is a safety net (far above what a check needs) that fails the test with what
//! watch printed so far.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A safety net only: a check with these bounds ends in seconds.
const SAFETY_NET: Duration = Duration::from_secs(900);

mod common;
use common::Learner;

fn fixture(name: &str) -> String {
    common::fixture("check", name)
}

fn cache() -> PathBuf {
    // Shared with check_cli (the cache lock keeps checks apart), so the harness is built once.
    common::shared_cache()
}

struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    /// `watch acceptor --dir WS FLAGS` in `l`'s workspace, its stdout read line by line (at 200
    /// columns: a line of the check is one line here), its stderr kept in `stderr` if asked.
    fn start(
        l: &Learner,
        ws: &Path,
        flags: &[&str],
        stderr: Option<mpsc::Sender<String>>,
    ) -> Watch {
        let mut child = l
            .cmd(&["watch", "acceptor", "--dir", ws.to_str().unwrap()])
            .args(flags)
            .env("COLUMNS", "200")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if stderr.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap();
        let forward = |from: Box<dyn std::io::Read + Send>, tx: mpsc::Sender<String>| {
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(from).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        };
        if let Some(tx) = stderr {
            forward(Box::new(child.stderr.take().unwrap()), tx);
        }
        let (tx, lines) = mpsc::channel();
        forward(Box::new(child.stdout.take().unwrap()), tx);
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// SIGTERM, then every line to the last; watch's exit code.
    fn stop(&mut self) -> Option<i32> {
        sigterm(self.child.id());
        self.until("the last line", |l| l == "paxos-tutor watch: stopped");
        let status = self.child.wait().unwrap();
        while self.lines.recv_timeout(SAFETY_NET).is_ok() {}
        status.code()
    }

    /// The lines seen from the last one satisfying `from` on.
    fn since(&self, from: impl Fn(&str) -> bool) -> &[String] {
        let at = self.seen.iter().rposition(|l| from(l)).unwrap_or(0);
        &self.seen[at..]
    }

    /// Read stdout until a line satisfies `want`; the lines read are kept for messages.
    fn until(&mut self, what: &str, want: impl Fn(&str) -> bool) {
        loop {
            match self.lines.recv_timeout(SAFETY_NET) {
                Ok(line) => {
                    let done = want(&line);
                    self.seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(e) => {
                    let _ = self.child.kill();
                    panic!(
                        "watch printed no {what} ({e:?}; safety net {} s); its output:\n{}",
                        SAFETY_NET.as_secs(),
                        self.seen.join("\n")
                    );
                }
            }
        }
    }
}

/// Processes (pid, command line) that belong to this test's checks: the runner of this
/// workspace, or anything whose command line or working directory names the workspace or its
/// runner folder.
fn leftovers(ws: &Path) -> Vec<(String, String)> {
    let ws_text = ws.display().to_string();
    let hash = paxos_tutor::check::embedded::fnv1a(
        paxos_tutor::check::embedded::FNV_START,
        ws_text.bytes(),
    ) as u32;
    let runner = format!("paxos-runner-acceptor-{hash:08x}");
    let runner_dir = format!("ws-{hash:08x}");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = e.file_name().to_string_lossy().to_string();
        if !pid.bytes().all(|b| b.is_ascii_digit()) || pid == std::process::id().to_string() {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if cmdline.contains(&runner)
            || cmdline.contains(&ws_text)
            || cwd.contains(&runner_dir) && cwd.contains(&cache().display().to_string())
        {
            // A zombie waiting for its parent is not running code.
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = state
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'));
            if !zombie && !cmdline.is_empty() {
                out.push((pid, cmdline));
            }
        }
    }
    out
}

/// Files whose names a temporary file would have (tempfile's `.tmp`, init's `.paxos-tutor-`).
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name == "target" {
                continue;
            }
            if name.starts_with(".tmp") || name.starts_with(".paxos-tutor-") {
                out.push(p.clone());
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

fn sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM {pid}");
}

fn header(l: &str) -> bool {
    l.starts_with("--- paxos-tutor check acceptor (sources ")
}

/// The fast phases' verdict, printed while the proof runs.
fn fast_verdict(l: &str) -> bool {
    l.starts_with("… acceptor: no violation in ")
}

#[test]
fn watch_reports_fail_then_pass_on_save_and_leaves_nothing_behind() {
    let l = Learner::at(common::tmp().join("check-watch/saves"), "ws", cache());
    let ws = l.ws.canonicalize().unwrap();
    let lib = ws.join("acceptor/src/lib.rs");
    std::fs::write(&lib, fixture("acceptor_nosave.rs")).unwrap();

    let mut w = Watch::start(
        &l,
        &ws,
        &[
            "--schedules",
            "300",
            "--depth",
            "3",
            "--takeover",
            "off",
            "--budget",
            "3600",
            // One worker: the searches start after the last random schedule, so the proof is
            // still to run when the fast phases end (with more, tiny searches may end first, and
            // then there is nothing to say before the report).
            "--jobs",
            "1",
            // Every save is checked, not looked up (a previous run may have stored these sources).
            "--fresh",
        ],
        None,
    );

    // The broken acceptor: a check starts at once and fails, naming the property; what the fast
    // phases found is the verdict, never announced as "no violation".
    w.until("header of the first check", header);
    w.until("`fail`", |l| l.contains("acceptor: fail"));
    assert!(
        w.seen.iter().any(|l| l.contains("conformance")),
        "{}",
        w.seen.join("\n")
    );
    assert!(
        !w.seen.iter().any(|l| fast_verdict(l)),
        "{}",
        w.seen.join("\n")
    );

    // A correct acceptor saved: checked again; the fast phases' verdict, then the report: pass.
    std::fs::write(&lib, fixture("acceptor_good.rs")).unwrap();
    w.until("header of the second check", header);
    w.until("the end of the report", |l| l.starts_with("Next:"));
    let second = w.since(header);
    let fast: Vec<&String> = second.iter().filter(|l| fast_verdict(l)).collect();
    let pass = second
        .iter()
        .position(|l| l.contains("acceptor: pass"))
        .unwrap_or_else(|| panic!("no pass: {}", second.join("\n")));
    assert_eq!(fast.len(), 1, "{}", second.join("\n"));
    assert!(
        second.iter().position(|l| fast_verdict(l)).unwrap() < pass,
        "{}",
        second.join("\n")
    );
    // It says what the report says of the same schedules: every trace, the 300 random schedules,
    // and which phases prove the rest (4 to 6 of 6: three exhaustive configurations).
    let traces = second
        .iter()
        .find_map(|l| {
            l.trim()
                .strip_prefix("- ")?
                .split_once(" traces of the library")
                .map(|(n, _)| n.to_string())
        })
        .unwrap_or_else(|| panic!("no trace count in {}", second.join("\n")));
    assert!(
        second[pass..]
            .iter()
            .any(|l| l.contains("300 random schedules (seed 1)")),
        "{}",
        second.join("\n")
    );
    assert_eq!(
        fast[0].as_str(),
        format!(
            "… acceptor: no violation in {traces} traces of the library and 300 random schedules (seed 1); proving (exhaustive search, phases 4 to 6 of 6)…"
        ),
        "{}",
        second.join("\n")
    );
    assert!(
        second[pass..].iter().any(|l| l.contains("Every schedule")),
        "the proof's result comes after: {}",
        second.join("\n")
    );
    let checks = w.seen.iter().filter(|l| header(l)).count();
    assert_eq!(checks, 2, "one check per save: {}", w.seen.join("\n"));

    // Broken again, and watch stopped as soon as that check has started.
    std::fs::write(&lib, fixture("acceptor_nosave.rs")).unwrap();
    w.until("header of the third check", header);
    let code = w.stop();
    assert_eq!(code, Some(130), "{}", w.seen.join("\n"));
    // Every line was read: watch and everything it started are gone.
    let left = leftovers(&ws);
    assert!(
        left.is_empty(),
        "left running after watch stopped: {left:?}"
    );
    let temps: Vec<PathBuf> = temp_files(&ws)
        .into_iter()
        .chain(temp_files(&cache().join("verdicts")))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

#[test]
fn a_failure_in_the_fast_phases_is_reported_without_running_the_proof() {
    let l = Learner::at(common::tmp().join("check-watch/fast-fail"), "ws", cache());
    let ws = l.ws.canonicalize().unwrap();
    std::fs::write(
        ws.join("acceptor/src/lib.rs"),
        fixture("acceptor_nosave.rs"),
    )
    .unwrap();
    // The default bounds, whose proof takes a while; one worker, so no search starts beside the
    // unit that fails.
    let (tx, errors) = mpsc::channel();
    let mut w = Watch::start(&l, &ws, &["--jobs", "1", "--fresh"], Some(tx));
    w.until("header of the check", header);
    w.until("`fail`", |l| l.contains("acceptor: fail"));
    assert!(
        !w.seen
            .iter()
            .any(|l| fast_verdict(l) || l.contains("proving")),
        "{}",
        w.seen.join("\n")
    );
    // The report is the fast phases': no exhaustive search is part of it.
    w.until("the replay command", |l| l.contains("--replay"));
    assert_eq!(w.stop(), Some(130), "{}", w.seen.join("\n"));
    // Every line of stderr: its writers (watch, the check) are gone.
    let mut stderr = Vec::new();
    while let Ok(line) = errors.recv_timeout(SAFETY_NET) {
        stderr.push(line);
    }
    // The progress (one line a phase, stderr not being a terminal) went as far as the random
    // schedules: the exhaustive phases never started.
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("paxos-tutor: phase 2 of 7: library traces")),
        "{}",
        stderr.join("\n")
    );
    assert!(
        !stderr
            .iter()
            .any(|l| l.contains("exhaustive search") || l.contains("takeover search")),
        "the proof ran: {}",
        stderr.join("\n")
    );
    assert!(leftovers(&ws).is_empty());
}
