//! The banks built into the binary: every one passes `bank lint` (its schema checks and its
//! shape limits, per bank), each topic has at least its minimum number of questions, and over all
//! banks together a learner who guesses by shape does no better than the targets below, and
//! there are at least [`MIN_TOTAL`] questions.
//!
//! `cargo test --release --test quiz_banks -- --nocapture` prints the figures per bank.

use std::collections::BTreeMap;

use paxos_tutor::quiz::bank::{embedded_files, parse};
use paxos_tutor::quiz::lint::{lint, Shape, MAX_MULTI_GAP_PCT};

const MINIMUMS: &[(&str, usize)] = &[
    ("paxos", 40),
    ("multi-paxos", 20),
    ("flp", 20),
    ("raft-vs-paxos", 30),
    ("epaxos", 25),
    ("vr-zab", 12),
    ("flexible-paxos", 10),
    ("production", 20),
    ("bugs", 20),
    ("bft", 12),
    ("consistency", 12),
    ("raft", 15),
    ("replication", 12),
    ("locks", 8),
    ("fast-paxos", 10),
];

/// All built-in banks together hold at least this many questions.
const MIN_TOTAL: usize = 400;

#[test]
fn every_embedded_bank_passes_lint() {
    let files = embedded_files();
    assert!(!files.is_empty(), "no bank is embedded");
    let report = lint(&files);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(report.files, files.len());
}

#[test]
fn each_topic_meets_its_minimum() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in embedded_files() {
        if let Ok(bank) = parse(&f) {
            *counts.entry(bank.topic).or_default() += bank.questions.len();
        }
    }
    let short: Vec<String> = MINIMUMS
        .iter()
        .filter(|(topic, min)| counts.get(*topic).copied().unwrap_or(0) < *min)
        .map(|(topic, min)| {
            format!(
                "{topic}: {} of {min}",
                counts.get(*topic).copied().unwrap_or(0)
            )
        })
        .collect();
    assert!(
        short.is_empty(),
        "topics below their minimum: {}",
        short.join(", ")
    );
    let total: usize = counts.values().sum();
    assert!(
        total >= MIN_TOTAL,
        "{total} questions in all; at least {MIN_TOTAL} expected"
    );
}

/// Over all banks: "always pick the longest option" on single-choice questions scores at most
/// this share (ties broken at random)...
const MAX_LONGEST_SCORE: f64 = 0.35;
/// ...and "always answer false" on true/false questions at most this share.
const MAX_FALSE_SCORE: f64 = 0.60;

#[test]
fn guessing_by_shape_does_no_better_than_the_targets_over_all_banks() {
    let report = lint(&embedded_files());
    let mut all = Shape::default();
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.0}%", x * 100.0));
    eprintln!("bank                      single longest-key longest-scores  multi right/wrong chars  true/false always-false");
    for (file, s) in &report.shapes {
        let means = s
            .multi_means()
            .map_or("-".to_string(), |(r, w)| format!("{r:.0}/{w:.0}"));
        eprintln!(
            "{file:28} {:4} {:5} {:>8} {:10} {:>12} {:12} {:>8}",
            s.single,
            s.key_longest,
            pct(s.longest_share()),
            s.multi,
            means,
            s.truefalse,
            pct(s.false_share())
        );
        all.add(s);
    }
    let longest = all.longest_share().expect("some single-choice questions");
    let always_false = all.false_share().expect("some true/false questions");
    eprintln!(
        "all banks: {} questions; always-longest {:.1}% of {} single-choice; always-false {:.1}% of {} true/false; multi gap {:.1}%",
        report.questions,
        longest * 100.0,
        all.single,
        always_false * 100.0,
        all.truefalse,
        all.multi_gap().unwrap_or(0.0) * 100.0
    );
    assert!(
        longest <= MAX_LONGEST_SCORE,
        "always picking the longest option scores {:.1}% over {} single-choice questions; the target is at most {:.0}%",
        longest * 100.0,
        all.single,
        MAX_LONGEST_SCORE * 100.0
    );
    let gap = all.multi_gap().expect("some multi-select questions");
    assert!(
        gap * 100.0 <= MAX_MULTI_GAP_PCT as f64,
        "right and wrong multi-select options are {:.1}% apart in mean length; the limit is {MAX_MULTI_GAP_PCT}%",
        gap * 100.0
    );
    assert!(
        always_false <= MAX_FALSE_SCORE,
        "always answering false scores {:.1}% over {} true/false questions; the target is at most {:.0}%",
        always_false * 100.0,
        all.truefalse,
        MAX_FALSE_SCORE * 100.0
    );
}
