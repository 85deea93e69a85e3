//! The reports of `paxos-tutor check` for a person, through the real binary, at 60 and 100
//! columns (`COLUMNS`, stdout not being a terminal): every verdict kind, snapshotted; no line wider
//! than the width but a word that is; progress on stderr, one line per phase, and `--quiet`.

use std::ops::Deref;
use std::process::Output;

use dialoguer::console::measure_text_width;

mod common;

fn fixture(name: &str) -> String {
    common::fixture("check", name)
}

/// A workspace of its own (see `common`; the harness cache is shared with the other check tests).
struct Learner(common::Learner);

impl Deref for Learner {
    type Target = common::Learner;
    fn deref(&self) -> &common::Learner {
        &self.0
    }
}

impl Learner {
    fn new(name: &str) -> Learner {
        Learner(common::Learner::new("check-report", name))
    }

    fn run(&self, args: &[&str], columns: usize) -> Output {
        self.cmd(args)
            .env("COLUMNS", columns.to_string())
            .output()
            .unwrap()
    }

    fn write(&self, text: &str) {
        self.put("acceptor", text);
    }

    /// `check acceptor` with small bounds and `extra`, at `columns`.
    fn check(&self, columns: usize, extra: &[&str]) -> Output {
        let ws = self.ws.to_str().unwrap();
        let mut args = vec![
            "check",
            "acceptor",
            "--dir",
            ws,
            "--schedules",
            "2000",
            "--depth",
            "5",
            "--takeover",
            "8+4",
            "--budget",
            "3600",
            "--call-timeout",
            "300",
            // Each width runs the check again: no stored verdict (and its time) in the report.
            "--fresh",
        ];
        args.extend_from_slice(extra);
        self.run(&args, columns)
    }

    /// The human report at `columns`, paths redacted.
    fn report(&self, columns: usize, extra: &[&str]) -> String {
        self.redacted(&self.check(columns, extra).stdout)
    }
}

fn both_widths(l: &Learner, name: &str, extra: &[&str], kept_from: Option<&str>) -> [String; 2] {
    [60, 100].map(|w| {
        let text = l.report(w, extra);
        common::assert_fits(&text, w, kept_from);
        insta::assert_snapshot!(format!("{name}_{w}"), text);
        text
    })
}

#[test]
fn every_verdict_at_60_and_100_columns() {
    let l = Learner::new("verdicts");

    // The template as shipped: the todo!() panics in start, before any step: the lesson, no
    // empty diagram.
    let [narrow, wide] = both_widths(&l, "todo_panic", &[], None);
    for t in [&narrow, &wide] {
        assert!(t.contains("This is a todo!() from the template"), "{t}");
        assert!(!t.contains("P1  "), "no diagram header: {t}");
        assert!(t.contains("before the first step"), "{t}");
    }

    // An empty lib.rs: one true message, not "does not compile" then "compiled".
    l.write("");
    let [narrow, _] = both_widths(&l, "unusable", &[], Some("The compiler says"));
    assert!(narrow.contains("Your crate compiled, but the grader cannot use it"));
    assert!(!narrow.contains("does not compile"), "{narrow}");

    l.write(&fixture("acceptor_compile_error.rs"));
    let [narrow, _] = both_widths(&l, "compile_error", &[], Some("The compiler says"));
    assert!(narrow.contains("Your crate does not compile"), "{narrow}");

    // The persistence bug: the diagram, node names in the state dump, the hint that covers it.
    l.write(&fixture("acceptor_nosave.rs"));
    let [narrow, wide] = both_widths(&l, "fail", &[], None);
    for t in [&narrow, &wide] {
        assert!(!t.contains("NodeId("), "{t}");
        assert!(t.contains("proposer: P2"), "{t}");
        assert!(
            t.contains("Hint 4 of 5 covers this: paxos-tutor hint acceptor --all"),
            "{t}"
        );
    }
    // The diagram's rows are whole at 60 columns: the lifelines of every row are there.
    let rows: Vec<&str> = narrow
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains('│'))
        .collect();
    assert_eq!(rows.len(), 6, "{narrow}");

    l.write(&fixture("acceptor_panic.rs"));
    let [narrow, _] = both_widths(&l, "panic", &[], None);
    assert!(
        narrow.contains("stale Accept Ballot { round: 1, proposer: P1 }"),
        "{narrow}"
    );

    // A call that never returns: the watchdog's verdict, with its advice.
    l.write(&fixture("acceptor_loop.rs"));
    let [narrow, _] = both_widths(&l, "timeout", &[], None);
    assert!(narrow.contains("did not return within 300 ms"), "{narrow}");

    // A pass: the proven bounds one a line, then the next step.
    l.write(&fixture("acceptor_good.rs"));
    let [_, wide] = both_widths(&l, "pass", &[], None);
    assert!(!wide.contains("Warnings:"), "{wide}");
    assert!(
        wide.contains("Next: the proposer exercise (write proposer/src/lib.rs), then paxos-tutor check proposer"),
        "{wide}"
    );
    let longest = wide.lines().map(measure_text_width).max().unwrap();
    assert!(longest <= 100, "{wide}");

    // Nothing broke, but a bound was not explored to its end.
    both_widths(&l, "incomplete", &["--max-states", "3000"], None);

    // A pass with warnings: how many, the first two, how to see them all.
    let warned = fixture("acceptor_good.rs")
        .replace(
            "        if let Some(p) = self.record.promised.filter(|p| ballot < *p) {\n            return Some(Message::Nack { ballot, promised: p });\n        }\n        self.record.promised = Some(ballot);\n        disk.save",
            "        let unused_one = 1;\n        let unused_two = 2;\n        let unused_three = 3;\n        if let Some(p) = self.record.promised.filter(|p| ballot < *p) {\n            return Some(Message::Nack { ballot, promised: p });\n        }\n        self.record.promised = Some(ballot);\n        disk.save",
        );
    l.write(&warned);
    for width in [60, 100] {
        let text = l.report(width, &[]);
        common::assert_fits(&text, width, None);
        let warnings = text
            .split("Warnings:")
            .nth(1)
            .and_then(|w| w.split("\nNext:").next())
            .unwrap_or_else(|| panic!("no warnings in {text}"));
        insta::assert_snapshot!(format!("pass_warnings_{width}"), warnings);
        assert!(warnings.contains("3 compiler warnings"), "{warnings}");
        assert!(
            warnings.contains("unused variable: `unused_one`"),
            "{warnings}"
        );
        assert!(!warnings.contains("unused_three"), "{warnings}");
        // Where they are, relative to the workspace (the compiler named the absolute path).
        assert!(!warnings.contains("[WS]"), "{warnings}");
        assert!(
            warnings
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains("`unused_one` (acceptor/src/lib.rs:15:13)"),
            "{warnings}"
        );
    }
}

#[test]
fn progress_is_one_line_a_phase_without_a_terminal_and_quiet_silences_it() {
    let l = Learner::new("progress");
    l.write(&fixture("acceptor_good.rs"));
    let out = l.check(100, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let phases: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("paxos-tutor: phase "))
        .collect();
    // The harness reports progress every so often (by the clock): a short phase may report
    // nothing, but it is named when the next one reports; the random schedules always report
    // their end.
    let all = [
        "paxos-tutor: phase 1 of 7: building your crate…",
        "paxos-tutor: phase 2 of 7: library traces",
        "paxos-tutor: phase 3 of 7: random schedules",
        "paxos-tutor: phase 4 of 7: exhaustive search, 3 acceptors and 2 proposers",
        "paxos-tutor: phase 5 of 7: exhaustive search, 3 acceptors and 3 proposers",
        "paxos-tutor: phase 6 of 7: exhaustive search, 5 acceptors and 2 proposers",
        "paxos-tutor: phase 7 of 7: takeover search (P3 after P1 and P2 stop)",
    ];
    assert!(
        phases.len() >= 3 && phases[..] == all[..phases.len()],
        "{err}"
    );
    assert!(!err.contains("compiled"), "no cargo internals: {err}");
    for flags in [&["--quiet"][..], &["--format", "json"][..]] {
        let out = l.check(100, flags);
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("phase"), "{flags:?}: {err}");
    }
}
