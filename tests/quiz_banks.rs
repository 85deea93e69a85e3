//! The banks built into the binary: every one passes `bank lint`, and each topic has at least
//! its minimum number of questions. (The minimums fail until every bank has been written.)

use std::collections::BTreeMap;

use paxos_tutor::quiz::bank::{embedded_files, parse};
use paxos_tutor::quiz::lint::lint;

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
];

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
}
