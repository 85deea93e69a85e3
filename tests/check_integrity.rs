//! Grader integrity and containment (issue #9), through the real binary: hostile learner crates
//! and hostile workspaces end in a non-pass verdict or exit 2, never a pass; a stopped check leaves
//! no process behind; a leak meets the memory limit; bad input exits 2 with a clear line.
//!
//! The hostile crates are a buggy acceptor (it forgets to save its promise: a real check fails
//! it) with one trick added (`tests/fixtures/integrity/*.rs`, called from `start` or
//! `on_prepare`): a trick that worked would turn that `fail` into a `pass`.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::Learner;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture(dir: &str, name: &str) -> String {
    common::fixture(dir, name)
}

/// Where a hostile snippet is called from.
#[derive(Clone, Copy)]
enum Hook {
    Start,
    Prepare,
}

/// `base` (a fixture of tests/fixtures/check) with `hostile::run()` called at `hook`, and the
/// hostile module appended.
fn hostile(base: &str, trick: &str, hook: Hook) -> String {
    let base = fixture("check", base);
    let (needle, indent) = match hook {
        Hook::Start => ("-> Self {\n", "        "),
        Hook::Prepare => ("-> Option<Message> {\n", "        "),
    };
    let at = base.find(needle).expect("the hook's function") + needle.len();
    format!(
        "{}{indent}crate::hostile::run();\n{}\n{}",
        &base[..at],
        &base[at..],
        fixture("integrity", trick)
    )
}

/// A learner's workspace (see `common`) with its own cache, and the checks these tests run.
struct Bench(Learner);

impl std::ops::Deref for Bench {
    type Target = Learner;
    fn deref(&self) -> &Learner {
        &self.0
    }
}

fn cache() -> PathBuf {
    common::tmp().join("integrity-cache")
}

impl Bench {
    /// A fresh workspace named `dir_name` under a folder for this test.
    fn new(name: &str, dir_name: &str) -> Bench {
        Bench(Learner::at(
            common::tmp().join("check-integrity").join(name),
            dir_name,
            cache(),
        ))
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.0.cmd(args);
        c.stdin(Stdio::null());
        c
    }

    fn check_args<'a>(&'a self, exercise: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "check",
            exercise,
            "--dir",
            self.ws.to_str().unwrap(),
            "--format",
            "json",
            "--schedules",
            "300",
            "--depth",
            "3",
            "--takeover",
            "off",
            "--call-timeout",
            "2000",
            // Always a run: a stored verdict (the verdict cache) would not run the trick.
            "--fresh",
        ];
        args.extend_from_slice(extra);
        args
    }

    fn check(&self, exercise: &str, extra: &[&str]) -> Output {
        self.cmd(&self.check_args(exercise, extra))
            .output()
            .unwrap()
    }

    /// Exit code and the JSON verdict object.
    fn json(&self, exercise: &str, extra: &[&str]) -> (i32, serde_json::Value) {
        let out = self.check(exercise, extra);
        (out.status.code().unwrap_or(-1), common::json_of(&out))
    }

    /// A check that must not run: exit 2, one line on stderr, returned.
    fn refused(&self, exercise: &str) -> String {
        let out = self.check(exercise, &[]);
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(
            out.status.code(),
            Some(2),
            "stdout: {}\nstderr: {err}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        err
    }

    fn last_verdict(&self) -> String {
        let out = self
            .cmd(&[
                "list",
                "--dir",
                self.ws.to_str().unwrap(),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["exercises"][0]["last_verdict"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s
                .rsplit_once(')')
                .map(|(_, r)| r.trim_start().chars().next());
            !matches!(state, Some(Some('Z' | 'X')))
        })
        .unwrap_or(false)
}

/// Every descendant of `root`, from /proc.
fn descendants(root: i32) -> Vec<(i32, String)> {
    let mut all = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let comm = stat
            .split_once('(')
            .and_then(|(_, r)| r.rsplit_once(')'))
            .map(|(c, _)| c.to_string())
            .unwrap_or_default();
        let ppid: i32 = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0);
        all.push((pid, ppid, comm));
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, ppid, comm) in &all {
            if *ppid == p {
                out.push((*pid, comm.clone()));
                frontier.push(*pid);
            }
        }
    }
    out
}

fn wait_for(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The three tricks of the issue and every further attempt that runs learner code, in one
/// workspace whose path has decomposed accents (NFD, as macOS stores names: it must reach the
/// generated TOML escaped as TOML requires).
#[test]
fn hostile_learner_code_never_gets_a_pass() {
    let b = Bench::new("hostile", "Re\u{301}sume\u{301} ws");

    // The buggy acceptor alone fails: the baseline every trick would have to turn into a pass.
    b.put("acceptor", &fixture("check", "acceptor_nosave.rs"));
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");

    // Trick 1: a pass written wherever argv, the environment or a descriptor leads, then exit 0.
    b.put(
        "acceptor",
        &hostile("acceptor_nosave.rs", "forge_argv.rs", Hook::Start),
    );
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("exited (status 0) before the harness finished"),
        "{detail}"
    );
    assert!(detail.contains("Acceptor::start of A1"), "{detail}");

    // A thread-local destructor and an atexit handler that forge a pass after the result.
    b.put(
        "acceptor",
        &hostile("acceptor_nosave.rs", "tls_dtor.rs", Hook::Start),
    );
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    assert_eq!(v["violations"][0]["code"], "promise-backwards", "{v}");

    // A descriptor leaked by the caller (fd 9, not close-on-exec) never reaches learner code.
    b.put(
        "acceptor",
        &hostile("acceptor_nosave.rs", "fd_leak.rs", Hook::Start),
    );
    let leak = b.root.join("leaked-fd");
    let file = std::fs::File::create(&leak).unwrap();
    let mut cmd = b.cmd(&b.check_args("acceptor", &[]));
    let raw = std::os::fd::AsRawFd::as_raw_fd(&file);
    // SAFETY: dup2 in the child before exec, to hand it an inherited descriptor 9.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(raw, 9) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    drop(file);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (out.status.code(), v["verdict"].as_str()),
        (Some(1), Some("fail")),
        "{v}"
    );
    assert_eq!(
        read(&leak),
        "",
        "learner code wrote into the caller's descriptor"
    );

    // Writing a pass into paxos-tutor's stdout through /proc/PPID/fd/1, then killing it.
    b.put(
        "acceptor",
        &hostile("acceptor_nosave.rs", "proc_parent.rs", Hook::Start),
    );
    let out = b.check("acceptor", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("\"pass\""),
        "the forged pass reached stdout: {stdout}"
    );
    assert!(!out.status.success(), "{stdout}");

    // A detached grandchild (its own session) that rewrites the verdict record after the check.
    let state = b.root.join("home/exercises.json");
    let pidfile = b.root.join("grandchild.pid");
    let ws_key = b.ws.canonicalize().unwrap().display().to_string();
    let trick = hostile("acceptor_nosave.rs", "grandchild.rs", Hook::Start)
        .replace("@WS@", &ws_key)
        .replace("@STATE@", state.to_str().unwrap())
        .replace("@PIDFILE@", pidfile.to_str().unwrap());
    b.put("acceptor", &trick);
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    let pid: i32 = read(&pidfile).trim().parse().unwrap();
    assert!(!alive(pid), "the grandchild {pid} outlived the check");
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(b.last_verdict(), "fail (conformance)");

    // A grandchild that keeps the runner's pipes open does not hold the check up.
    let pidfile = b.root.join("pipes.pid");
    b.put(
        "acceptor",
        &hostile("acceptor_nosave.rs", "pipes_open.rs", Hook::Start)
            .replace("@PIDFILE@", pidfile.to_str().unwrap()),
    );
    let t = Instant::now();
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    // The grandchild would hold the pipes for an hour: a check that waited for them would not
    // be back within this safety net (far above any check's time, so no machine is too slow).
    assert!(t.elapsed() < Duration::from_secs(600), "{:?}", t.elapsed());
    let pid: i32 = read(&pidfile).trim().parse().unwrap();
    assert!(!alive(pid), "the grandchild {pid} outlived the check");

    // Invalid UTF-8 and a 300 KB line on stderr do not change a correct acceptor's verdict.
    b.put(
        "acceptor",
        &hostile("acceptor_good.rs", "bad_utf8.rs", Hook::Prepare),
    );
    let (code, v) = b.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");

    // A leak of a megabyte per call meets the memory limit: its own clear report, naming the call
    // and the step, not "a stack overflow".
    b.put(
        "acceptor",
        &hostile("acceptor_good.rs", "leak.rs", Hook::Prepare),
    );
    let (code, v) = b.json("acceptor", &["--memory", "256M"]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("out of memory: memory allocation of"),
        "{detail}"
    );
    assert!(
        detail.contains("while calling Acceptor::on_prepare of A"),
        "{detail}"
    );
    assert!(detail.contains(", step "), "{detail}");
    assert!(detail.contains("256 MiB"), "{detail}");
}

/// Trick 2 (a `[lib] path` in paxos-api/Cargo.toml pointing at an edited contract) and a build
/// script in paxos-api: the learner's crates are compiled against paxos-tutor's own copy.
#[test]
fn the_workspaces_paxos_api_is_never_built() {
    let b = Bench::new("api", "ws");
    let marker = b.root.join("api-build-script-ran");
    // Every Value equal to every other: a proposer that ignores reported values would pass.
    let contract = read(&b.ws.join("paxos-api/src/lib.rs"));
    let derive = "#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]\npub struct Value(pub String);";
    assert!(contract.contains(derive));
    let evil = contract.replace(
        derive,
        "#[derive(Clone, Debug, PartialOrd, Ord, Hash)]\npub struct Value(pub String);\nimpl PartialEq for Value { fn eq(&self, _: &Value) -> bool { true } }\nimpl Eq for Value {}",
    );
    std::fs::write(b.ws.join("paxos-api/evil.rs"), evil).unwrap();
    let manifest = b.ws.join("paxos-api/Cargo.toml");
    let text = read(&manifest).replace("path = \"src/lib.rs\"", "path = \"evil.rs\"");
    assert!(text.contains("evil.rs"));
    std::fs::write(&manifest, text).unwrap();
    std::fs::write(
        b.ws.join("paxos-api/build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
            marker.display().to_string()
        ),
    )
    .unwrap();
    b.put("proposer", &fixture("check", "proposer_own_value.rs"));
    let (code, v) = b.json("proposer", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    assert_eq!(v["violations"][0]["code"], "wrong-value", "{v}");
    assert!(
        !marker.exists(),
        "the workspace's paxos-api build script ran"
    );
}

/// Build-time code and cargo configuration in the workspace: refused before anything runs, exit 2
/// naming the crate and the file; the build script never ran.
#[test]
fn build_time_code_and_cargo_configuration_are_refused() {
    let b = Bench::new("refused", "ws");
    b.put("acceptor", &fixture("check", "acceptor_nosave.rs"));
    let marker = b.root.join("build-time-code-ran");
    let writes_marker = format!(
        "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
        marker.display().to_string()
    );
    let manifest = b.ws.join("acceptor/Cargo.toml");
    let original = read(&manifest);

    // Trick 3: acceptor/build.rs, which cargo runs unasked.
    std::fs::write(b.ws.join("acceptor/build.rs"), &writes_marker).unwrap();
    let err = b.refused("acceptor");
    assert!(
        err.contains("acceptor has a build script") && err.contains("acceptor/build.rs"),
        "{err}"
    );
    std::fs::remove_file(b.ws.join("acceptor/build.rs")).unwrap();

    // `build = "..."` naming another file, with no build.rs.
    std::fs::write(b.ws.join("acceptor/gen.rs"), &writes_marker).unwrap();
    std::fs::write(
        &manifest,
        original.replace("publish = false", "publish = false\nbuild = \"gen.rs\""),
    )
    .unwrap();
    let err = b.refused("acceptor");
    assert!(
        err.contains("acceptor has a build script") && err.contains("acceptor/gen.rs"),
        "{err}"
    );

    // A path dependency with a build script, and a local proc-macro.
    std::fs::create_dir_all(b.ws.join("helper/src")).unwrap();
    std::fs::write(
        b.ws.join("helper/Cargo.toml"),
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(b.ws.join("helper/src/lib.rs"), "").unwrap();
    std::fs::write(b.ws.join("helper/build.rs"), &writes_marker).unwrap();
    std::fs::write(
        &manifest,
        format!("{original}helper = {{ path = \"../helper\" }}\n"),
    )
    .unwrap();
    let err = b.refused("acceptor");
    assert!(
        err.contains("helper has a build script") && err.contains("helper/build.rs"),
        "{err}"
    );
    std::fs::remove_file(b.ws.join("helper/build.rs")).unwrap();
    std::fs::write(
        b.ws.join("helper/Cargo.toml"),
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
    )
    .unwrap();
    let err = b.refused("acceptor");
    assert!(
        err.contains("helper is a procedural-macro crate") && err.contains("helper/src/lib.rs"),
        "{err}"
    );
    std::fs::write(&manifest, &original).unwrap();

    // Cargo configuration and toolchain files in the workspace.
    for (file, text) in [
        (
            ".cargo/config.toml",
            "[build]\nrustc-wrapper = \"/bin/true\"\n",
        ),
        (".cargo/config", "[build]\nrustflags = [\"--cfg\", \"x\"]\n"),
        (
            "acceptor/.cargo/config.toml",
            "[target.x86_64-unknown-linux-gnu]\nlinker = \"/bin/true\"\n",
        ),
        (
            "rust-toolchain.toml",
            "[toolchain]\npath = \"/tmp/elsewhere\"\n",
        ),
        ("rust-toolchain", "nightly\n"),
    ] {
        let p = b.ws.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        let err = b.refused("acceptor");
        assert!(err.contains(&p.display().to_string()), "{file}: {err}");
        std::fs::remove_file(&p).unwrap();
    }
    assert!(!marker.exists(), "build-time code ran");

    // Bad flags and replay files: exit 2, one clear line, before anything is built.
    for (flags, says) in [
        (
            &["--budget", "nan"][..],
            "is not a number of seconds above zero",
        ),
        (
            &["--budget", "inf"],
            "is not a number of seconds above zero",
        ),
        (&["--budget", "0"], "is not a number of seconds above zero"),
        (&["--memory", "1K"], "is not a size"),
        (&["--call-timeout", "0"], "not in 1.."),
    ] {
        let mut args = vec!["check", "acceptor", "--dir", b.ws.to_str().unwrap()];
        args.extend_from_slice(flags);
        let out = b.cmd(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let replay = |name: &str, text: Option<&str>| {
        let p = b.root.join(name);
        if let Some(t) = text {
            std::fs::write(&p, t).unwrap();
        }
        let out = b
            .cmd(&[
                "check",
                "acceptor",
                "--dir",
                b.ws.to_str().unwrap(),
                "--replay",
                p.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    };
    let err = replay("only-name.yaml", Some("name: rep\n"));
    assert!(
        err.contains("only-name.yaml: the schedule is empty"),
        "{err}"
    );
    let err = replay(
        "empty-node.yaml",
        Some("name: rep\nsteps:\n  - deliver Prepare ->A1\n"),
    );
    assert!(err.contains("empty-node.yaml:3: `` is not a node"), "{err}");
    let err = replay(
        "accent.yaml",
        Some("name: rep\nsteps:\n  - deliver Prepare P1->É1\n"),
    );
    assert!(err.contains("accent.yaml:3: `É1` is not a node"), "{err}");
    let fifo = b.root.join("fifo.yaml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo on a fresh path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let err = replay("fifo.yaml", None);
    assert!(err.contains("fifo.yaml is not a regular file"), "{err}");
}

/// Start a long check, wait for its runner, stop paxos-tutor with `stop`, and see that the runner
/// is gone within 2 s.
fn stopped_check_leaves_nothing(b: &Bench, stop: impl FnOnce(&mut std::process::Child)) {
    let ws = b.ws.to_str().unwrap();
    let mut child = b
        .cmd(&[
            "check",
            "acceptor",
            "--dir",
            ws,
            "--schedules",
            "100000000",
            "--depth",
            "0",
        ])
        .stdout(std::fs::File::create(b.root.join("stopped.out")).unwrap())
        .stderr(std::fs::File::create(b.root.join("stopped.err")).unwrap())
        .spawn()
        .unwrap();
    let me = child.id() as i32;
    let mut runner = None;
    wait_for("the runner to start", Duration::from_secs(300), || {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the check ended before it was stopped ({status}): {}{}",
                read(&b.root.join("stopped.out")),
                read(&b.root.join("stopped.err"))
            );
        }
        runner = descendants(me)
            .into_iter()
            .find(|(_, comm)| comm.starts_with("paxos-runner"))
            .map(|(p, _)| p);
        runner.is_some()
    });
    let runner = runner.unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(runner));
    stop(&mut child);
    let t = Instant::now();
    wait_for("the runner to die", Duration::from_secs(2), || {
        !alive(runner)
    });
    let _ = child.wait();
    eprintln!("runner gone after {:?}", t.elapsed());
}

#[test]
fn a_stopped_check_leaves_no_process_behind() {
    let b = Bench::new("signals", "ws");
    b.put("acceptor", &fixture("check", "acceptor_good.rs"));
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        stopped_check_leaves_nothing(&b, |c| {
            // SAFETY: signals the paxos-tutor this test started.
            unsafe { libc::kill(c.id() as i32, sig) };
        });
    }
    // Its parent's death: paxos-tutor killed outright cannot clean up; the runner follows it.
    stopped_check_leaves_nothing(&b, |c| {
        let _ = c.kill();
    });
}
