//! Generated questions: one snapshot per family of a question as a learner reads it, with the
//! feedback for the right answer and for a wrong one (plain, no colour); and the real binary's
//! `bank export --generated` and a topic-filtered session of generated questions.

use std::path::Path;
use std::process::{Command, Stdio};

use paxos_tutor::quiz::grade::{Presented, Response};
use paxos_tutor::quiz::lint::{extreme_limit, Shape, MIN_SAMPLE};
use paxos_tutor::quiz::render;
use paxos_tutor::quiz::scenario::{self, FAMILIES};
use paxos_tutor::quiz::session::Outcome;
use paxos_tutor::rng::Rng;

/// The seed of every family's snapshot question (its id is `gen-<family>-7`).
const SEED: u64 = 7;

fn shown(family: &str) -> String {
    colored::control::set_override(false);
    let id = scenario::id_for(family, SEED);
    let q = scenario::regenerate(&id).expect("a generated id");
    assert_eq!(q.id, id);
    let p = Presented::new(q, &mut Rng::new(1)).unwrap();
    let right = p.right_response();
    let Response::One(k) = right else {
        panic!("{id}: a generated question has one right choice")
    };
    let wrong = Response::One((k + 1) % p.question.choices.len());
    assert!(p.grade(&right) && !p.grade(&wrong));
    let feedback = |r: Response, correct: bool| {
        render::feedback(
            &p,
            &Outcome {
                correct,
                response: Some(r),
            },
        )
    };
    format!(
        "{}\n{}\n\n--- answered right ---\n{}\n--- answered wrong ---\n{}",
        render::question(1, 1, &p),
        render::answer_hint(&p),
        feedback(right, true),
        feedback(wrong, false)
    )
}

#[test]
fn a_question_and_its_feedback_per_family() {
    assert!(FAMILIES.len() >= 16);
    for f in FAMILIES {
        insta::assert_snapshot!(format!("generated_{}", f.name), shown(f.name));
    }
}

fn bin(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paxos-tutor"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PAXOS_TUTOR_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn json_of(home: &Path, args: &[&str], stdin: &str) -> serde_json::Value {
    use std::io::Write;
    let mut child = bin(home).args(args).spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bank_export_generated_prints_n_of_every_family_with_family_and_topic() {
    let home = tempfile::tempdir().unwrap();
    let v = json_of(
        home.path(),
        &["bank", "export", "--generated", "3", "--format", "json"],
        "",
    );
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 3 * FAMILIES.len());
    for f in FAMILIES {
        let mine: Vec<&serde_json::Value> = all.iter().filter(|q| q["family"] == f.name).collect();
        assert_eq!(mine.len(), 3, "{}", f.name);
        for q in mine {
            assert_eq!(q["topic"], f.topic);
            assert_eq!(q["kind"], "scenario");
            let id = q["id"].as_str().unwrap();
            assert!(id.starts_with(&format!("gen-{}-", f.name)), "{id}");
            // What is printed is what the id rebuilds.
            let again = scenario::regenerate(id).unwrap();
            assert_eq!(q["prompt"], again.prompt.as_str());
            assert!(q["choices"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| { !c["why"].as_str().unwrap().is_empty() }));
        }
    }
    // Another seed, other questions; the same seed, the same ones.
    let other = json_of(
        home.path(),
        &["bank", "export", "--generated", "3", "--seed", "2"],
        "",
    );
    assert_ne!(other, v);
    let same = json_of(home.path(), &["bank", "export", "--generated", "3"], "");
    assert_eq!(same, v);
}

#[test]
fn a_topic_and_kind_scenario_give_that_protocols_generated_questions() {
    let home = tempfile::tempdir().unwrap();
    let v = json_of(
        home.path(),
        &[
            "quiz",
            "--topic",
            "raft-vs-paxos",
            "--kind",
            "scenario",
            "--count",
            "6",
            "--seed",
            "3",
            "--format",
            "json",
        ],
        "A\nA\nA\nA\nA\nA\n",
    );
    let qs = v["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 6);
    for q in qs {
        assert_eq!(q["topic"], "raft-vs-paxos");
        assert_eq!(q["kind"], "scenario");
        assert!(q["id"].as_str().unwrap().starts_with("gen-raft-"), "{q}");
    }
    // A topic alone mixes its generated questions in with its bank questions.
    let v = json_of(
        home.path(),
        &[
            "quiz", "--topic", "epaxos", "--count", "20", "--seed", "5", "--format", "json",
        ],
        &"A\n".repeat(100),
    );
    let qs = v["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 20);
    assert!(qs.iter().all(|q| q["topic"] == "epaxos"));
    let generated = qs.iter().filter(|q| q["kind"] == "scenario").count();
    assert_eq!(generated, 4, "one in five");
}

/// Questions per family the shape measurement looks at (from `bank export --generated`'s path,
/// seed 1 as its default).
const SHAPE_SAMPLE: usize = 400;

/// No family gives its key away by the length of its options: per family, over
/// [`SHAPE_SAMPLE`] questions, the key is strictly the longest option, and strictly the shortest,
/// no more often than lint's `Shape` allows against chance (see `lint::extreme_limit`); the
/// multi-select gap and the true/false share are judged as for a bank when a family makes them;
/// and what "always pick a longest option" and "always pick a shortest one" score (a uniformly
/// random one among equally long ones) lies within `lint::MAX_PICK_GAP_PCT` points of picking at
/// random (1/k), either way. `--nocapture` prints the table.
#[test]
fn no_family_gives_its_key_away_by_option_length() {
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.0}%", x * 100.0));
    eprintln!(
        "{:20} {:>4} {:>8} {:>6} {:>6} {:>9} {:>6} {:>6} {:>6} {:>11} {:>5} {:>9} {:>10} {:>5}",
        "family",
        "qs",
        "longest",
        "chance",
        "limit",
        "shortest",
        "chance",
        "limit",
        "multi",
        "right/wrong",
        "true",
        "pick-long",
        "pick-short",
        "1/k"
    );
    let mut failures = Vec::new();
    for f in FAMILIES {
        let qs = scenario::generate_family(f.name, 1, SHAPE_SAMPLE);
        assert_eq!(qs.len(), SHAPE_SAMPLE);
        let s = Shape::of(&qs);
        assert_eq!(
            s.single + s.multi + s.truefalse,
            SHAPE_SAMPLE,
            "{}: every question is measured",
            f.name
        );
        let limit = |c: Option<f64>| pct(c.map(extreme_limit));
        eprintln!(
            "{:20} {:>4} {:>8} {:>6} {:>6} {:>9} {:>6} {:>6} {:>6} {:>11} {:>5} {:>9} {:>10} {:>5}",
            f.name,
            qs.len(),
            pct(s.key_longest_share()),
            pct(s.longest_chance_share()),
            limit(s.longest_chance_share()),
            pct(s.key_shortest_share()),
            pct(s.shortest_chance_share()),
            limit(s.shortest_chance_share()),
            pct(s.multi_gap()),
            s.multi_means()
                .map_or("-".to_string(), |(r, w)| format!("{r:.0}/{w:.0}")),
            pct(s.false_share().map(|f| 1.0 - f)),
            pct(s.longest_share()),
            pct(s.shortest_share()),
            pct(s.random_share()),
        );
        for p in s.problems_against_chance(MIN_SAMPLE) {
            failures.push(format!("{}: {p}", f.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
