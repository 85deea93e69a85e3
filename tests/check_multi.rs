//! `paxos-tutor check multipaxos` through the real binary: `init` writes the crates, every verdict
//! (pass, fail with each property a learner's code can reach first, compile-error, panic,
//! timeout, incomplete) with its report snapshotted at 60 and 100 columns, the JSON of the
//! contract, replay of a saved schedule in both directions, and `--jobs 1` / `--jobs 2` giving the
//! same JSON.

use std::ops::Deref;
use std::process::Output;

mod common;

fn solution(role: &str, name: &str) -> String {
    common::fixture(&format!("solutions/{role}"), &format!("{name}.rs"))
}

/// A workspace of its own (see `common`; the harness cache is shared with the other check tests).
struct Learner(common::Learner);

impl Deref for Learner {
    type Target = common::Learner;
    fn deref(&self) -> &common::Learner {
        &self.0
    }
}

/// Small bounds (the defaults' search takes most of a check's time): the reports' form is the
/// same. The default bounds run once, in `the_default_check_passes_the_reference_pair`.
const SMALL: &[&str] = &[
    "--schedules",
    "1000",
    "--depth",
    "6",
    "--budget",
    "3600",
    "--call-timeout",
    "300",
    // Each width runs the check again: no stored verdict (and its time) in the report.
    "--fresh",
];

impl Learner {
    fn new(name: &str) -> Learner {
        Learner(common::Learner::new("check-multi", name))
    }

    fn pair(&self, acceptor: &str, leader: &str) {
        self.put("multi-acceptor", acceptor);
        self.put("multi-leader", leader);
    }

    fn check(&self, columns: usize, extra: &[&str]) -> Output {
        let mut args = vec!["check", "multipaxos", "--dir", self.ws_arg()];
        args.extend_from_slice(extra);
        self.cmd(&args)
            .env("COLUMNS", columns.to_string())
            .output()
            .unwrap()
    }

    /// The human report at `columns`, paths redacted.
    fn report(&self, columns: usize, extra: &[&str]) -> String {
        self.redacted(&self.check(columns, extra).stdout)
    }

    fn json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = extra.to_vec();
        args.extend(["--format", "json"]);
        common::json_of(&self.check(100, &args))
    }
}

fn both_widths(l: &Learner, name: &str, extra: &[&str], kept_from: Option<&str>) -> [String; 2] {
    [60, 100].map(|w| {
        let mut args = SMALL.to_vec();
        args.extend_from_slice(extra);
        let text = l.report(w, &args);
        common::assert_fits(&text, w, kept_from);
        insta::assert_snapshot!(format!("multi_{name}_{w}"), text);
        text
    })
}

/// The text with every run of whitespace one space (a sentence may be wrapped at 60 columns).
fn flat(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The verdict, the property and the code of a JSON result.
fn verdict(j: &serde_json::Value) -> (String, String, String) {
    let v = j["verdict"].as_str().unwrap_or("").to_string();
    let first = &j["violations"][0];
    (
        v,
        first["property"].as_str().unwrap_or("").to_string(),
        first["code"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn init_writes_the_crates_and_the_templates_panic_with_the_lesson() {
    let l = Learner::new("templates");
    for d in ["multipaxos-api", "multi-acceptor", "multi-leader"] {
        assert!(l.ws.join(d).join("src/lib.rs").is_file(), "{d}");
    }
    // The templates as shipped compile, and their todo!() is a panic in the first call, with the
    // lesson and no empty diagram.
    let [narrow, wide] = both_widths(&l, "todo_panic", &[], None);
    for t in [&flat(&narrow), &flat(&wide)] {
        assert!(t.contains("multipaxos: panic"), "{t}");
        assert!(t.contains("This is a todo!() from the template"), "{t}");
        assert!(t.contains("before the first step"), "{t}");
        assert!(t.contains("paxos-tutor quiz --topic multi-paxos"), "{t}");
    }
    let list = l.cmd(&["list", "--dir", l.ws_arg()]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("multipaxos"), "{list}");
}

#[test]
fn every_failing_verdict_at_60_and_100_columns() {
    let l = Learner::new("verdicts");
    let reference = |role: &str| solution(role, "reference");

    // Each property a learner's code can break first, with its code, its lesson and its hint.
    // (Agreement and validity are checked after every step too, but a schedule that would break
    // them breaks a conformance rule of PMS section 3 first, which names the mistake.)
    let cases = [
        (
            "conformance",
            solution("multi-acceptor", "promise_per_slot"),
            reference("multi-leader"),
            "conformance",
            "accept-below-promise",
            Some("Hint 2 of 6 covers this"),
        ),
        (
            "learned",
            reference("multi-acceptor"),
            solution("multi-leader", "chosen_on_first_accepted"),
            "learned-means-chosen",
            "learned-not-chosen",
            Some("Hint 6 of 6 covers this"),
        ),
        (
            "steady_state",
            reference("multi-acceptor"),
            solution("multi-leader", "prepare_every_submit"),
            "steady-state",
            "prepare-in-steady-state",
            Some("Hint 5 of 6 covers this"),
        ),
        (
            "liveness",
            reference("multi-acceptor"),
            solution("multi-leader", "no_noop_in_holes"),
            "liveness",
            "no-progress",
            None,
        ),
    ];
    for (name, acceptor, leader, property, code, hint) in &cases {
        l.pair(acceptor, leader);
        let [narrow, wide] = both_widths(&l, name, &[], None);
        for t in [&flat(&narrow), &flat(&wide)] {
            assert!(
                t.contains(&format!("multipaxos: fail — {property} ({code})")),
                "{name}: {t}"
            );
            assert!(t.contains("3 acceptors, 2 leaders"), "{name}: {t}");
            assert!(!t.contains("NodeId("), "{name}: {t}");
            assert!(t.contains("paxos-tutor check multipaxos --replay"));
            match hint {
                Some(h) => assert!(t.contains(h), "{name}: {t}"),
                None => assert!(
                    t.contains("More: paxos-tutor hint multipaxos"),
                    "{name}: {t}"
                ),
            }
        }
        let j = l.json(SMALL);
        assert_eq!(
            verdict(&j),
            ("fail".into(), property.to_string(), code.to_string()),
            "{name}: {j}"
        );
        assert!(j["shortest"].is_string(), "{name}: a proven shortest: {j}");
    }
    // The liveness failure shows its calm phase, slot numbers in the messages.
    let live = flat(&l.report(100, SMALL));
    assert!(live.contains("faults stop: the network is reliable and only one leader times out"));
    assert!(live.contains(" s1"), "{live}");

    // A leader whose submit never returns: the watchdog's verdict, naming the call.
    let looping = reference("multi-leader").replace(
        "    fn submit(&mut self, op: String, out: &mut Outbox) {\n",
        "    fn submit(&mut self, op: String, out: &mut Outbox) {\n        while !op.is_empty() {\n            std::hint::spin_loop();\n        }\n",
    );
    assert_ne!(looping, reference("multi-leader"), "the loop was put in");
    l.pair(&reference("multi-acceptor"), &looping);
    let narrow = flat(&both_widths(&l, "timeout", &[], None)[0]);
    assert!(narrow.contains("multipaxos: timeout"), "{narrow}");
    assert!(narrow.contains("did not return within 300 ms"), "{narrow}");
    assert!(narrow.contains("submit"), "{narrow}");

    // A panic in a handler, named by its call.
    let panicking = reference("multi-leader").replace(
        "    fn submit(&mut self, op: String, out: &mut Outbox) {\n",
        "    fn submit(&mut self, op: String, out: &mut Outbox) {\n        assert!(op != \"x2\", \"no second command\");\n",
    );
    l.pair(&reference("multi-acceptor"), &panicking);
    let narrow = flat(&both_widths(&l, "panic", &[], None)[0]);
    assert!(narrow.contains("multipaxos: panic"), "{narrow}");
    assert!(narrow.contains("no second command"), "{narrow}");

    // Code that does not compile: the compiler's words.
    l.pair(
        &reference("multi-acceptor"),
        &reference("multi-leader").replace(
            "self.submitted.push(op.clone());",
            "self.submitted.push(op, 1);",
        ),
    );
    let narrow = flat(&both_widths(&l, "compile_error", &[], Some("The compiler says"))[0]);
    assert!(narrow.contains("multipaxos: compile-error"), "{narrow}");
    assert!(narrow.contains("Your crate does not compile"), "{narrow}");
}

#[test]
fn pass_and_incomplete_at_60_and_100_columns_and_the_same_json_for_any_jobs() {
    let l = Learner::new("pass");
    l.pair(
        &solution("multi-acceptor", "reference"),
        &solution("multi-leader", "reference"),
    );
    let wide = flat(&both_widths(&l, "pass", &[], None)[1]);
    assert!(wide.contains("multipaxos: pass"), "{wide}");
    assert!(
        wide.contains("3 acceptors, 2 leaders (2 commands each), up to depth 6"),
        "{wide}"
    );
    assert!(
        wide.contains("Next: that was the last exercise; the quiz on Multi-Paxos"),
        "{wide}"
    );

    // A bound stops the search: incomplete, never pass, and what was not proven.
    let narrow = flat(&both_widths(&l, "incomplete", &["--max-states", "2000"], None)[0]);
    assert!(narrow.contains("multipaxos: incomplete"), "{narrow}");
    assert!(narrow.contains("stopped at depth"), "{narrow}");
    let j = l.json(&[SMALL, &["--max-states", "2000"]].concat());
    assert_eq!(j["verdict"], "incomplete", "{j}");
    assert_eq!(j["exhaustive"][0]["complete"], false, "{j}");

    // One worker or two: byte-identical JSON (both run, neither from the verdict cache).
    let run = |jobs: &str| {
        let out = l.check(
            100,
            &[SMALL, &["--jobs", jobs, "--format", "json"]].concat(),
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!text.contains("\"cached\""), "{text}");
        text
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let j: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(j["verdict"], "pass", "{j}");
    assert!(
        j["exhaustive"][0]["proven"]
            .as_str()
            .unwrap()
            .starts_with("every schedule up to depth 6 with 3 acceptors and 2 leaders"),
        "{j}"
    );
}

#[test]
fn the_default_check_passes_the_reference_pair() {
    let l = Learner::new("default");
    l.pair(
        &solution("multi-acceptor", "reference"),
        &solution("multi-leader", "reference"),
    );
    let j = l.json(&["--fresh"]);
    assert_eq!(j["verdict"], "pass", "{j}");
    let e = &j["exhaustive"][0];
    assert_eq!(e["complete"], true, "{j}");
    assert_eq!(e["depth"], 8, "{j}");
    // The default search explores this many unique states (a count, the same on any machine).
    assert_eq!(e["unique_states"], 868_815, "{j}");
    // A valid variant passes too, and a bug of the catalogue fails with its property.
    l.put("multi-leader", &solution("multi-leader", "vec_log"));
    assert_eq!(l.json(&["--fresh"])["verdict"], "pass");
    l.put(
        "multi-leader",
        &solution("multi-leader", "own_command_over_reported"),
    );
    let j = l.json(&["--fresh"]);
    assert_eq!(
        verdict(&j),
        ("fail".into(), "conformance".into(), "wrong-command".into()),
        "{j}"
    );
}

#[test]
fn a_saved_schedule_replays_and_stops_failing_once_fixed() {
    let l = Learner::new("replay");
    l.pair(
        &solution("multi-acceptor", "accept_not_saved"),
        &solution("multi-leader", "reference"),
    );
    let j = l.json(SMALL);
    assert_eq!(j["verdict"], "fail", "{j}");
    let file = j["replay_file"]
        .as_str()
        .expect("a replay file")
        .to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("crash A"), "{text}");
    // The same schedule alone, from the file: the same failure.
    let again = l.json(&["--replay", &file, "--fresh"]);
    assert_eq!(verdict(&again), verdict(&j), "{again}");
    assert_eq!(again["violations"][0]["trace"], j["violations"][0]["trace"]);
    // Fixed: the saved schedule no longer fails.
    l.put("multi-acceptor", &solution("multi-acceptor", "reference"));
    let fixed = l.json(&["--replay", &file, "--fresh"]);
    assert_eq!(fixed["verdict"], "pass", "{fixed}");
    // A broken file: the file and line.
    let bad = l.ws.join("bad.trace");
    std::fs::write(&bad, "ops P1 x1\nsubmit P1\nfly P1\n").unwrap();
    let out = l.check(100, &["--replay", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.trace:3: unknown step `fly P1`"), "{err}");
}
