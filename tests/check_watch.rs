//! `paxos-tutor watch` through the real binary: a broken acceptor is reported `fail`, a save of a
//! correct one `pass`, and stopping watch (SIGTERM, as Ctrl-C's SIGINT is handled alike), even in
//! the middle of a check, leaves no process and no temporary file behind.
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

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cache() -> PathBuf {
    // Shared with check_cli (the cache lock keeps checks apart), so the harness is built once.
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-cache")
}

struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
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

#[test]
fn watch_reports_fail_then_pass_on_save_and_leaves_nothing_behind() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-watch");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let ws = root.join("ws");
    let tutor = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_paxos-tutor"));
        c.env("PAXOS_TUTOR_HOME", root.join("home"))
            .env("PAXOS_TUTOR_CACHE", cache())
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE");
        c
    };
    let out = tutor().arg("init").arg(&ws).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ws = ws.canonicalize().unwrap();
    let lib = ws.join("acceptor/src/lib.rs");
    std::fs::write(&lib, fixture("acceptor_nosave.rs")).unwrap();

    let mut child = tutor()
        .arg("watch")
        .arg("acceptor")
        .arg("--dir")
        .arg(&ws)
        .args([
            "--schedules",
            "300",
            "--depth",
            "3",
            "--takeover",
            "off",
            "--budget",
            "3600",
            // Every save is checked, not looked up (a previous run may have stored these sources).
            "--fresh",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut w = Watch {
        child,
        lines,
        seen: Vec::new(),
    };
    let header = |l: &str| l.starts_with("--- paxos-tutor check acceptor (sources ");

    // The broken acceptor: a check starts at once and fails, naming the property.
    w.until("header of the first check", header);
    w.until("`fail`", |l| l.contains("acceptor: fail"));
    assert!(
        w.seen.iter().any(|l| l.contains("conformance")),
        "{}",
        w.seen.join("\n")
    );

    // A correct acceptor saved: checked again, and it passes.
    std::fs::write(&lib, fixture("acceptor_good.rs")).unwrap();
    w.until("header of the second check", header);
    w.until("`pass`", |l| l.contains("acceptor: pass"));
    let checks = w.seen.iter().filter(|l| header(l)).count();
    assert_eq!(checks, 2, "one check per save: {}", w.seen.join("\n"));

    // Broken again, and watch stopped as soon as that check has started.
    std::fs::write(&lib, fixture("acceptor_nosave.rs")).unwrap();
    w.until("header of the third check", header);
    sigterm(w.child.id());
    w.until("the last line", |l| l == "paxos-tutor watch: stopped");
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{}", w.seen.join("\n"));
    // Every line was read: watch and everything it started are gone.
    while w.lines.recv_timeout(SAFETY_NET).is_ok() {}
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
