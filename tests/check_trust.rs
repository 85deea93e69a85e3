//! Grader trust through the real binary: the same verdict on any machine, `incomplete` where a
//! budget or the learner's types keep a bound from being proven, correct code with state the search
//! cannot explore never failed with a property, bugs that need a long history found by default,
//! the two valid behaviours of Paxos Made Simple that used to be failed, and the replay of a saved
//! counterexample that no longer fails.
//!
//! The learner files are the catalogue's (`tests/fixtures/solutions/`), each a complete `lib.rs`.

use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

mod common;
use common::Learner;

fn solution(role: &str, name: &str) -> String {
    common::fixture(&format!("solutions/{role}"), &format!("{name}.rs"))
}

/// A learner's workspace (see `common`) with the checks these tests run.
struct Ws(Learner);

impl std::ops::Deref for Ws {
    type Target = Learner;
    fn deref(&self) -> &Learner {
        &self.0
    }
}

impl Ws {
    fn new(name: &str) -> Ws {
        Ws(Learner::new("check-trust", name))
    }

    fn put(&self, role: &str, name: &str) {
        self.0.put(role, &solution(role, name));
    }

    fn check(&self, exercise: &str, format: &str, extra: &[&str]) -> Output {
        let ws = self.ws.to_str().unwrap().to_string();
        // Always a run (`--fresh`): a stored verdict (the verdict cache) would prove nothing here.
        let mut args = vec![
            "check", exercise, "--dir", &ws, "--format", format, "--fresh",
        ];
        args.extend_from_slice(extra);
        self.cmd(&args).output().unwrap()
    }

    fn json(&self, exercise: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
        let out = self.check(exercise, "json", extra);
        let v = common::json_of(&out);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code().unwrap_or(-1), v, text)
    }
}

/// Two CPU-bound threads in this process while `f` runs: a loaded machine.
fn under_load<T>(f: impl FnOnce() -> T) -> T {
    let stop = Arc::new(AtomicBool::new(false));
    let hogs: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    std::hint::black_box(x);
                }
            })
        })
        .collect();
    let r = f();
    stop.store(true, Ordering::Relaxed);
    for h in hogs {
        h.join().unwrap();
    }
    r
}

#[test]
fn the_default_check_gives_byte_identical_json_idle_and_under_load() {
    let w = Ws::new("load");
    w.put("acceptor", "reference");
    let (code, v, idle) = w.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");
    let states: u64 = v["exhaustive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["unique_states"].as_u64().unwrap())
        .sum();
    assert!(
        states > 1_000_000,
        "the default check explores millions of states: {states}"
    );
    let (_, _, loaded) = under_load(|| w.json("acceptor", &[]));
    assert_eq!(
        idle, loaded,
        "the same check gave different JSON under load"
    );
}

#[test]
fn budgets_that_run_out_are_incomplete_never_pass() {
    let w = Ws::new("budget");
    w.put("acceptor", "reference");
    // A state budget: deterministic, the same figures on any machine.
    let (code, v, text) = w.json("acceptor", &["--schedules", "100", "--max-states", "5000"]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "incomplete"),
        "{v}"
    );
    let why = v["incomplete"][0].as_str().unwrap();
    assert!(
        why.contains("the state budget of 5000 states ran out"),
        "{why}"
    );
    assert_eq!(v["violations"], serde_json::json!([]));
    let (_, _, again) = w.json("acceptor", &["--schedules", "100", "--max-states", "5000"]);
    assert_eq!(text, again);
    // The wall-clock safety net, made tiny: it trips at its first reading, and says so.
    let (code, v, _) = w.json("acceptor", &["--schedules", "100", "--budget", "0.000001"]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "incomplete"),
        "{v}"
    );
    let why = v["incomplete"][0].as_str().unwrap();
    assert!(why.contains("wall-clock safety net"), "{why}");
    let out = w.check(
        "acceptor",
        "human",
        &["--schedules", "100", "--max-states", "5000"],
    );
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.starts_with("✗ acceptor: incomplete") && human.contains("not proven:"),
        "{human}"
    );
    assert!(!human.contains("pass"), "{human}");
    insta::assert_snapshot!("verdict_incomplete_budget", human);
}

#[test]
fn state_the_search_cannot_explore_is_incomplete_not_a_property_failure() {
    // A correct proposer whose Debug prints a constant, and a correct acceptor whose state is
    // shared between clones (Rc<RefCell<..>>): neither may be failed with a property.
    let w = Ws::new("hidden");
    w.put("proposer", "const_debug");
    let (code, v, _) = w.json("proposer", &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "incomplete"),
        "{v}"
    );
    assert_eq!(v["violations"], serde_json::json!([]));
    let why = v["incomplete"][0].as_str().unwrap();
    assert!(
        why.contains("proposer::MyProposer") && why.contains("Debug"),
        "{why}"
    );
    let out = w.check("proposer", "human", &[]);
    insta::assert_snapshot!(
        "verdict_incomplete_hidden_state",
        String::from_utf8_lossy(&out.stdout)
    );
    w.put("acceptor", "rc_state");
    let (code, v, _) = w.json("acceptor", &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "incomplete"),
        "{v}"
    );
    assert_eq!(v["violations"], serde_json::json!([]));
    let why = v["incomplete"][0].as_str().unwrap();
    assert!(
        why.contains("acceptor::MyAcceptor") && why.contains("share their state"),
        "{why}"
    );
}

#[test]
fn bugs_that_need_a_long_history_fail_by_default() {
    let w = Ws::new("long");
    for (role, name, verdict, property) in [
        ("proposer", "retry_cap", "fail", "liveness"),
        ("proposer", "reset_after_12_timeouts", "fail", "conformance"),
        ("proposer", "doubling_rounds", "panic", ""),
        ("acceptor", "drop_every_8th_write", "fail", "conformance"),
        ("acceptor", "forget_after_16_writes", "fail", "conformance"),
        ("acceptor", "round_as_u16", "fail", "conformance"),
    ] {
        w.put(role, name);
        let (code, v, _) = w.json(role, &[]);
        assert_eq!(
            (code, v["verdict"].as_str().unwrap()),
            (1, verdict),
            "{role}/{name}: {v}"
        );
        if verdict == "fail" {
            assert_eq!(
                v["violations"][0]["property"], property,
                "{role}/{name}: {v}"
            );
        } else {
            // Overflow checks are on in the learner's crate: the wrap is a panic naming the call.
            let msg = v["panic"]["message"].as_str().unwrap();
            assert!(msg.contains("overflow"), "{role}/{name}: {v}");
            assert!(
                v["panic"]["call"]
                    .as_str()
                    .unwrap()
                    .starts_with("Proposer::"),
                "{v}"
            );
        }
        w.put(role, "reference");
    }
}

#[test]
fn behaviours_paxos_made_simple_allows_pass() {
    let w = Ws::new("valid");
    w.put("proposer", "adopted_value");
    let (code, v, _) = w.json("proposer", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");
    w.put("acceptor", "resend_accepted");
    let (code, v, _) = w.json("acceptor", &[]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (0, "pass"), "{v}");
}

#[test]
fn a_counterexample_is_shortest_only_when_a_search_proved_it() {
    let w = Ws::new("shortest");
    w.put("acceptor", "no_save_promise");
    let (code, v, _) = w.json("acceptor", &["--depth", "0"]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "fail"), "{v}");
    let shortest = v["shortest"].as_str().unwrap_or_default();
    assert!(
        shortest.starts_with("no schedule of fewer than 4 steps breaks conformance"),
        "{v}"
    );
    // The trace: two proposes, the Prepare, the crash, the restart, the lower Prepare.
    let trace = v["violations"][0]["trace"].as_array().unwrap();
    assert_eq!(trace.len(), 6, "{v}");
    // Its replay file replays to the same failure; after an edit that fixes the bug, the same
    // file "no longer breaks any property"; with the sources unchanged and a replay that passes,
    // the verdict would be incomplete (see the unit test of `sources`).
    let file = v["replay_file"].as_str().unwrap().to_string();
    let (code, r, _) = w.json("acceptor", &["--replay", &file]);
    assert_eq!((code, r["verdict"].as_str().unwrap()), (1, "fail"), "{r}");
    assert_eq!(r["violations"][0]["code"], v["violations"][0]["code"]);
    w.put("acceptor", "reference");
    let (code, r, _) = w.json("acceptor", &["--replay", &file]);
    assert_eq!((code, r["verdict"].as_str().unwrap()), (0, "pass"), "{r}");
}

#[test]
fn a_replay_that_passes_with_the_same_sources_is_incomplete() {
    // A saved schedule whose sources line matches the workspace, replayed against code that does
    // not fail it: the same code, a different outcome, so not a pass.
    let w = Ws::new("replay-same");
    w.put("acceptor", "no_save_promise");
    let (_, v, _) = w.json("acceptor", &["--depth", "0"]);
    let file = v["replay_file"].as_str().unwrap().to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("sources: "), "{text}");
    // The same sources line, over a schedule this acceptor survives (no crash in it).
    let harmless: String = text
        .lines()
        .filter(|l| !l.contains("crash") && !l.contains("restart"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = w.root.join("harmless.yaml");
    std::fs::write(&path, harmless).unwrap();
    let (code, r, _) = w.json("acceptor", &["--replay", path.to_str().unwrap()]);
    assert_eq!(
        (code, r["verdict"].as_str().unwrap()),
        (1, "incomplete"),
        "{r}"
    );
    assert!(
        r["incomplete"][0]
            .as_str()
            .unwrap()
            .contains("sources are the ones"),
        "{r}"
    );
}

#[test]
fn a_panic_or_a_hang_in_the_learners_debug_names_that_call() {
    let w = Ws::new("debug");
    let put = |name: &str| {
        w.0.put("acceptor", &common::fixture("trust", &format!("{name}.rs")));
    };
    put("debug_panics");
    let (code, v, _) = w.json("acceptor", &["--schedules", "100"]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let call = v["panic"]["call"].as_str().unwrap();
    assert!(call.starts_with("the Debug formatting of A"), "{v}");
    assert!(
        v["panic"]["message"]
            .as_str()
            .unwrap()
            .contains("Debug cannot print an accepted proposal yet"),
        "{v}"
    );
    put("debug_hangs");
    let (code, v, _) = w.json("acceptor", &["--schedules", "100", "--call-timeout", "300"]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "timeout"),
        "{v}"
    );
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("the Debug formatting of A") && detail.contains("step"),
        "{v}"
    );
}

#[test]
fn a_panic_in_the_learners_drop_is_a_panic_verdict_that_says_so() {
    let w = Ws::new("drop");
    w.0.put("acceptor", &common::fixture("trust", "drop_panics.rs"));
    let (code, v, _) = w.json("acceptor", &["--schedules", "100"]);
    assert_eq!((code, v["verdict"].as_str().unwrap()), (1, "panic"), "{v}");
    let text = v.to_string();
    assert!(
        text.contains("drop refuses to forget an accepted proposal"),
        "{v}"
    );
    assert!(text.contains("drop"), "{v}");
}
