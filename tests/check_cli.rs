//! `paxos-tutor check` driven through the real binary: every verdict kind, its JSON (the exercise
//! contract), its human report (snapshots), determinism, and the exit-2 errors.
//!
//! Each test keeps its workspace at a fixed path under cargo's target tmpdir and swaps the learner's
//! file in it, so the harness compiles once per workspace, and only the learner's crate is rebuilt.

use std::path::PathBuf;
use std::process::{Command, Output};

mod common;
use common::Learner;

fn fixture(name: &str) -> String {
    common::fixture("check", name)
}

/// A learner's workspace (see `common`) with the checks these tests run.
struct Bench(Learner);

impl std::ops::Deref for Bench {
    type Target = Learner;
    fn deref(&self) -> &Learner {
        &self.0
    }
}

impl Bench {
    /// A fresh workspace at a fixed path (`init` into it), with its own data directory.
    fn new(name: &str) -> Bench {
        Bench(Learner::new("check-cli", name))
    }

    fn put(&self, krate: &str, fixture_name: &str) {
        self.0.put(krate, &fixture(fixture_name));
    }

    /// `check EXERCISE` with small bounds (the defaults are exercised by the benchmark), always
    /// run (`--fresh`: the verdict cache has tests of its own).
    fn check(&self, exercise: &str, format: &str, extra: &[&str]) -> Output {
        let mut fresh = vec!["--fresh"];
        fresh.extend_from_slice(extra);
        self.check_cached(exercise, format, &fresh)
    }

    /// `check EXERCISE` with small bounds, the verdict cache allowed.
    fn check_cached(&self, exercise: &str, format: &str, extra: &[&str]) -> Output {
        let ws = self.ws.to_str().unwrap().to_string();
        let mut args = vec![
            "check",
            exercise,
            "--dir",
            &ws,
            "--format",
            format,
            "--schedules",
            "2000",
            "--depth",
            "5",
            "--takeover",
            "8+4",
            // The wall-clock safety net only: bounds are depths and states.
            "--budget",
            "3600",
            "--call-timeout",
            "300",
        ];
        args.extend_from_slice(extra);
        self.cmd(&args).output().unwrap()
    }

    fn json(&self, exercise: &str) -> (i32, serde_json::Value) {
        let out = self.check(exercise, "json", &[]);
        (out.status.code().unwrap_or(-1), common::json_of(&out))
    }

    /// The human report with machine-specific paths replaced.
    fn human(&self, exercise: &str) -> (i32, String) {
        let out = self.check(exercise, "human", &[]);
        let text = String::from_utf8_lossy(&out.stdout)
            .replace(self.ws.to_str().unwrap(), "[WS]")
            .replace(self.cache.to_str().unwrap(), "[CACHE]");
        let text = redact_cache_version(&text);
        (out.status.code().unwrap_or(-1), text)
    }
}

/// `[CACHE]/0.1.0-0123abcd…/ws-89abcdef/` → `[CACHE]/[VERSION]/ws-[HASH]/` (the fingerprint
/// changes with the harness, the workspace's hash with where the repository was cloned).
fn redact_cache_version(s: &str) -> String {
    let s = redact_version(s);
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("[VERSION]/ws-") {
        let start = i + "[VERSION]/ws-".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('/').unwrap_or(0);
        out.push_str("[HASH]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn redact_version(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("[CACHE]/") {
        out.push_str(&rest[..i + 8]);
        rest = &rest[i + 8..];
        let end = rest.find('/').unwrap_or(0);
        out.push_str("[VERSION]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn trace_of(v: &serde_json::Value) -> Vec<String> {
    v["violations"][0]["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn acceptor_verdicts_in_json_and_for_people() {
    let b = Bench::new("acceptor");

    // The template as shipped: todo!() panics at the first start, named with the call.
    let (code, v) = b.json("acceptor");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let panic_msg = v["panic"]["message"].as_str().unwrap();
    assert!(panic_msg.contains("not yet implemented"), "{v}");
    assert_eq!(v["panic"]["call"], "Acceptor::start of A1");
    assert_eq!(v["violations"], serde_json::json!([]));

    // A correct acceptor passes, with the exhaustive phase reporting what it proved.
    b.put("acceptor", "acceptor_good.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");
    assert_eq!(v["violations"], serde_json::json!([]));
    assert!(v["schedules"].as_u64().unwrap() > 2000, "{v}");
    let proven = v["exhaustive"][0]["proven"].as_str().unwrap();
    assert!(
        proven.starts_with("every schedule up to depth 5 with 3 acceptors and 2 proposers"),
        "{proven}"
    );
    let (code, text) = b.human("acceptor");
    assert_eq!(code, 0);
    insta::assert_snapshot!("verdict_pass", text);

    // Forgetting to save the promise: a conformance violation, shrunk, with a restart in it.
    b.put("acceptor", "acceptor_nosave.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    assert_eq!(v["violations"][0]["property"], "conformance");
    assert_eq!(v["violations"][0]["code"], "promise-backwards");
    let trace = trace_of(&v);
    assert!(
        trace.iter().any(|s| s.starts_with("crash A"))
            && trace.iter().any(|s| s.starts_with("restart A")),
        "{trace:?}"
    );
    // Same seed, same verdict and counterexample.
    let (_, again) = b.json("acceptor");
    assert_eq!(v, again);
    let (code, text) = b.human("acceptor");
    assert_eq!(code, 1);
    assert!(
        text.contains("Replay: paxos-tutor check acceptor --seed 1"),
        "{text}"
    );
    insta::assert_snapshot!("verdict_fail", text);

    // The saved counterexample replays with --replay: it still fails this acceptor…
    let replay_file = v["replay_file"].as_str().unwrap().to_string();
    let out = b.check("acceptor", "json", &["--replay", &replay_file]);
    let replayed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replayed["verdict"], "fail");
    assert_eq!(
        replayed["violations"][0]["trace"],
        v["violations"][0]["trace"]
    );

    // …and what the learner's code printed during it is shown, step by step, and nothing else.
    let printing = fixture("acceptor_nosave.rs").replace(
        "    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {\n",
        "    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {\n        println!(\"my prepare {}\", ballot.round);\n",
    );
    std::fs::write(b.ws.join("acceptor/src/lib.rs"), printing).unwrap();
    let (_, text) = b.human("acceptor");
    let printed = text
        .split("What your code printed during this schedule:")
        .nth(1)
        .expect("a printed section");
    let printed = printed.split("Lesson:").next().unwrap();
    let steps_with_prepare = trace
        .iter()
        .filter(|s| s.starts_with("deliver Prepare"))
        .count();
    assert_eq!(
        printed.matches("my prepare 1").count(),
        steps_with_prepare,
        "{printed}"
    );
    let at = trace
        .iter()
        .position(|s| s == "deliver Prepare(1,P2) P2->A1")
        .expect("the Prepare to A1")
        + 1;
    assert!(
        printed.contains(&format!(
            "step {at} deliver Prepare(1,P2) P2->A1\n    my prepare 1"
        )),
        "{printed}"
    );

    // Once fixed, the same saved schedule passes.
    b.put("acceptor", "acceptor_good.rs");
    let (code, text) = {
        let out = b.check("acceptor", "human", &["--replay", &replay_file]);
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    assert_eq!(code, 0);
    assert!(text.contains("no longer breaks any property"), "{text}");

    // A panic in a handler is a verdict naming the call and the step, not a crash of paxos-tutor.
    b.put("acceptor", "acceptor_panic.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    assert!(
        v["panic"]["message"]
            .as_str()
            .unwrap()
            .contains("stale Accept"),
        "{v}"
    );
    assert!(
        v["panic"]["call"]
            .as_str()
            .unwrap()
            .starts_with("Acceptor::on_accept of A"),
        "{v}"
    );
    assert!(!v["panic"]["trace"].as_array().unwrap().is_empty());
    let (_, text) = b.human("acceptor");
    insta::assert_snapshot!("verdict_panic", text);

    // An infinite loop: the watchdog ends the check with `timeout`, naming the call.
    b.put("acceptor", "acceptor_loop.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "timeout"),
        "{v}"
    );
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Acceptor::on_prepare of A1 did not return within 300 ms"),
        "{detail}"
    );
    let (_, text) = b.human("acceptor");
    insta::assert_snapshot!("verdict_timeout", text);

    // A stack overflow kills the child; paxos-tutor reports it with the call that overflowed.
    b.put("acceptor", "acceptor_recursion.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains("Acceptor::on_accept of A"), "{detail}");
    assert!(detail.contains("stack overflow"), "{detail}");

    // A compile error shows the compiler's own diagnostics for the learner's file.
    b.put("acceptor", "acceptor_compile_error.rs");
    let (code, v) = b.json("acceptor");
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "compile-error"),
        "{v}"
    );
    let diag = v["diagnostics"].as_str().unwrap();
    assert!(
        diag.contains("error[E0308]") && diag.contains("acceptor/src/lib.rs"),
        "{diag}"
    );
    assert!(
        !diag.contains('\u{1b}'),
        "no colour codes without a terminal"
    );
    let (_, text) = b.human("acceptor");
    let text: String = text
        .lines()
        .filter(|l| !l.contains("-->"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("verdict_compile_error", text);

    // Dropping a derive the grader relies on: explained, not a wall of harness internals.
    b.put("acceptor", "acceptor_not_clone.rs");
    let (_, v) = b.json("acceptor");
    assert_eq!(v["verdict"], "compile-error");
    assert!(
        v["diagnostics"]
            .as_str()
            .unwrap()
            .contains("#[derive(Clone, Debug)]"),
        "{v}"
    );

    // `list` remembers the last verdict.
    let out = b
        .cmd(&["list", "--dir", b.ws.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["exercises"][0]["exercise"], "acceptor");
    assert_eq!(v["exercises"][0]["last_verdict"], "compile-error");
    assert_eq!(v["exercises"][1]["last_verdict"], "not checked yet");
}

#[test]
fn proposer_verdicts_and_paxos_together() {
    let b = Bench::new("proposer");
    b.put("proposer", "proposer_good.rs");
    let (code, v) = b.json("proposer");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");

    b.put("proposer", "proposer_own_value.rs");
    let (code, v) = b.json("proposer");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    assert_eq!(v["violations"][0]["property"], "conformance");
    assert_eq!(v["violations"][0]["code"], "wrong-value");

    // Both learner parts together (the template acceptor panics: graded as the paxos exercise).
    b.put("proposer", "proposer_good.rs");
    b.put("acceptor", "acceptor_good.rs");
    let (code, v) = b.json("paxos");
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");
}

/// The takeover search alone (`--depth 0` with an explicit `--takeover`) on a correct proposer:
/// the JSON says what it proved. (That it finds the value-choice bugs is shown by the harness's
/// catalogue test, through the same `runner::run`: here the named traces would find them first.)
#[test]
fn takeover_search_from_the_command_line() {
    let b = Bench::new("takeover");
    b.put("proposer", "proposer_good.rs");
    let ws = b.ws.to_str().unwrap();
    let out = b
        .cmd(&[
            "check",
            "proposer",
            "--dir",
            ws,
            "--format",
            "json",
            "--schedules",
            "0",
            "--depth",
            "0",
            "--takeover",
            "10+4",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        (out.status.code(), v["verdict"].as_str()),
        (Some(0), Some("pass")),
        "{v}"
    );
    let phases = v["exhaustive"].as_array().unwrap();
    assert_eq!(phases.len(), 1, "only the takeover search: {v}");
    assert_eq!(phases[0]["takeover"], 10, "{v}");
    assert!(
        phases[0]["proven"]
            .as_str()
            .unwrap()
            .starts_with("every schedule up to depth 14 with 3 acceptors and 3 proposers in which P1 and P2 take up to 10 steps, then stop with their messages lost, and P3 takes over"),
        "{v}"
    );

    let out = b
        .cmd(&["check", "proposer", "--dir", ws, "--takeover", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not EARLY+LATE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn errors_that_stop_a_check_exit_2_with_one_line() {
    let b = Bench::new("errors");
    let run = |args: &[&str]| {
        let out = b.cmd(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    };
    let ws = b.ws.to_str().unwrap();
    let (code, err) = run(&["check", "raft", "--dir", ws]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("error_no_such_exercise", err);

    let missing = b.root.join("nope");
    let (code, err) = run(&["check", "acceptor", "--dir", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no such directory"), "{err}");

    let (code, err) = run(&["check", "acceptor", "--dir", b.root.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not an exercise workspace") && err.contains("paxos-tutor init"),
        "{err}"
    );

    let (code, _) = run(&["check", "acceptor", "--seed", "not-a-number"]);
    assert_eq!(code, 2);

    std::fs::write(b.ws.join("paxos-api/src/lib.rs"), "// edited").unwrap();
    let (code, err) = run(&["check", "acceptor", "--dir", ws]);
    assert_eq!(code, 2);
    assert!(
        err.contains("differs from the contract") && err.contains("init --force"),
        "{err}"
    );

    // init refuses a non-empty directory, and --force restores the contract, keeping learner files.
    std::fs::write(b.ws.join("acceptor/src/lib.rs"), "// mine").unwrap();
    let (code, err) = run(&["init", ws]);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let (code, _) = run(&["init", "--force", ws]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(b.ws.join("acceptor/src/lib.rs")).unwrap(),
        "// mine"
    );
    assert!(std::fs::read_to_string(b.ws.join("paxos-api/src/lib.rs"))
        .unwrap()
        .contains("pub trait Acceptor"));
}

#[test]
fn hints_come_one_at_a_time() {
    let b = Bench::new("hints");
    let hint = |extra: &[&str]| {
        let mut args = vec!["hint", "acceptor", "--dir", b.ws.to_str().unwrap()];
        args.extend_from_slice(extra);
        String::from_utf8(b.cmd(&args).output().unwrap().stdout).unwrap()
    };
    let first = hint(&[]);
    assert!(
        first.contains("Hint 1/") && !first.contains("Hint 2/"),
        "{first}"
    );
    let second = hint(&[]);
    assert!(
        second.contains("Hint 1/") && second.contains("Hint 2/") && !second.contains("Hint 3/"),
        "{second}"
    );
    let all = hint(&["--all"]);
    insta::assert_snapshot!("hint_all", all);
}

#[test]
fn help_texts() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["init", "--help"],
        &["hint", "--help"],
        &["list", "--help"],
        &["watch", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_paxos-tutor"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let name = format!("help_{}", args[0].trim_start_matches('-'));
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

/// The verdict-cache entry of `b`'s workspace for `exercise` (the file that names the workspace).
fn cache_entry(b: &Bench, exercise: &str) -> PathBuf {
    let dir = b.cache.join("verdicts");
    let ws = format!(
        "\"workspace\":{}",
        serde_json::json!(b.ws.canonicalize().unwrap().display().to_string())
    );
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{exercise}-"))
                && std::fs::read_to_string(p).is_ok_and(|t| t.contains(&ws))
        })
        .unwrap_or_else(|| panic!("no cache entry for {exercise} of {}", b.ws.display()))
}

fn parse_json(out: &Output) -> serde_json::Value {
    common::json_of(out)
}

/// `v` without its `cached` field, and that field.
fn split_cached(mut v: serde_json::Value) -> (serde_json::Value, Option<serde_json::Value>) {
    let cached = v.as_object_mut().unwrap().remove("cached");
    (v, cached)
}

fn list(b: &Bench, format: &str) -> String {
    let out = b
        .cmd(&["list", "--dir", b.ws.to_str().unwrap(), "--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .replace(b.ws.canonicalize().unwrap().to_str().unwrap(), "[WS]")
}

#[test]
fn verdict_cache_gives_the_stored_report_and_fresh_runs_again() {
    let b = Bench::new("cache");
    b.put("acceptor", "acceptor_good.rs");
    // A run (a previous run of this test may have left an entry for the same sources).
    let (fresh, cached) = split_cached(parse_json(&b.check("acceptor", "json", &[])));
    assert_eq!((fresh["verdict"].as_str(), cached), (Some("pass"), None));

    // The same sources and flags: the stored verdict, the same JSON plus when it was found.
    let out = b.check_cached("acceptor", "json", &[]);
    assert_eq!(out.status.code(), Some(0));
    let (again, cached) = split_cached(parse_json(&out));
    assert_eq!(again, fresh);
    let at = cached.expect("a `cached` field")["at"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&at).is_ok(),
        "not RFC 3339: {at}"
    );
    let pass_entry = std::fs::read(cache_entry(&b, "acceptor")).unwrap();

    // For people: the note, then the same report as a run prints.
    let cached_text =
        String::from_utf8_lossy(&b.check_cached("acceptor", "human", &[]).stdout).to_string();
    let run_text = String::from_utf8_lossy(&b.check("acceptor", "human", &[]).stdout).to_string();
    let (note, report) = cached_text.split_once('\n').unwrap();
    assert!(
        note.starts_with("unchanged since the check at ")
            && note.ends_with("; `--fresh` runs it again"),
        "{note}"
    );
    assert_eq!(report, run_text);
    assert!(!run_text.contains("unchanged since"), "{run_text}");

    // Another seed is another check.
    let (v, cached) = split_cached(parse_json(&b.check_cached(
        "acceptor",
        "json",
        &["--seed", "2"],
    )));
    assert_eq!(
        (v["verdict"].as_str(), v["seed"].as_u64(), cached),
        (Some("pass"), Some(2), None)
    );

    // A failure is stored too, with its counterexample.
    b.put("acceptor", "acceptor_nosave.rs");
    let (failed, cached) = split_cached(parse_json(&b.check_cached("acceptor", "json", &[])));
    assert_eq!(
        (failed["verdict"].as_str(), cached.is_none()),
        (Some("fail"), true),
        "{failed}"
    );
    let out = b.check_cached("acceptor", "json", &[]);
    assert_eq!(out.status.code(), Some(1));
    let (again, cached) = split_cached(parse_json(&out));
    assert_eq!(again, failed);
    assert!(cached.is_some());

    // An entry edited into a pass is ignored, said so, and the check runs (and fails).
    let entry = cache_entry(&b, "acceptor");
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("\"verdict\":\"fail\""));
    std::fs::write(
        &entry,
        text.replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\""),
    )
    .unwrap();
    let out = b.check_cached("acceptor", "json", &[]);
    let (v, cached) = split_cached(parse_json(&out));
    assert_eq!(
        (out.status.code(), v["verdict"].as_str(), cached),
        (Some(1), Some("fail"), None)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a stored verdict was ignored and the check ran again")
            && stderr.contains("authentication code does not match"),
        "{stderr}"
    );

    // The authentic pass of the correct sources, put back over the broken sources' entry: not
    // for these sources, so the check runs and fails.
    std::fs::write(&entry, &pass_entry).unwrap();
    let out = b.check_cached("acceptor", "json", &[]);
    let (v, cached) = split_cached(parse_json(&out));
    assert_eq!(
        (out.status.code(), v["verdict"].as_str(), cached),
        (Some(1), Some("fail"), None)
    );

    // Garbage: ignored, the check runs.
    std::fs::write(&entry, "{}").unwrap();
    let out = b.check_cached("acceptor", "json", &[]);
    let (v, cached) = split_cached(parse_json(&out));
    assert_eq!((v["verdict"].as_str(), cached), (Some("fail"), None));

    // `list`: the verdict, then `stale` once the sources change, until the next check.
    assert!(list(&b, "human").contains("fail (conformance)"));
    b.put("acceptor", "acceptor_good.rs");
    let text = list(&b, "human");
    insta::assert_snapshot!("list_stale", text);
    let v: serde_json::Value = serde_json::from_str(&list(&b, "json")).unwrap();
    assert_eq!(v["exercises"][0]["stale"], true);
    assert_eq!(
        v["exercises"][0]["last_verdict"],
        "fail (stale: sources changed since)"
    );
    assert_eq!(v["exercises"][1]["stale"], false);
    // The stored pass of these sources is gone (one entry per exercise): a run, then not stale.
    let (v, _) = split_cached(parse_json(&b.check_cached("acceptor", "json", &[])));
    assert_eq!(v["verdict"], "pass");
    assert!(
        list(&b, "human").contains("  acceptor  pass  "),
        "{}",
        list(&b, "human")
    );
}

#[test]
fn init_files_follow_the_umask() {
    for (umask, file_mode, dir_mode) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let root = common::tmp()
            .join("check-cli")
            .join(format!("umask-{umask}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let ws = root.join("ws");
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" init \"$1\""))
            .arg(env!("CARGO_BIN_EXE_paxos-tutor"))
            .arg(&ws)
            .env("PAXOS_TUTOR_HOME", root.join("home"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut seen = Vec::new();
        let mut stack = vec![ws.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let meta = std::fs::metadata(&p).unwrap();
                let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
                let rel = p.strip_prefix(&ws).unwrap().display().to_string();
                if meta.is_dir() {
                    assert_eq!(mode, dir_mode, "{rel} under umask {umask}: {mode:o}");
                    stack.push(p);
                } else {
                    assert_eq!(mode, file_mode, "{rel} under umask {umask}: {mode:o}");
                }
                seen.push(rel);
            }
        }
        for need in [
            "README.md",
            ".gitignore",
            "acceptor/src/lib.rs",
            "paxos-api/Cargo.toml",
        ] {
            assert!(
                seen.iter().any(|s| s == need),
                "{need} not written: {seen:?}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(ws.join(".gitignore")).unwrap(),
            "target/\n"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("paxos-tutor watch acceptor"), "{stdout}");
    }
}
