//! End-to-end tests of `quiz`, `stats` and `bank`, driving the real binary in plain mode with a
//! piped stdin and `PAXOS_TUTOR_HOME` in a temporary folder.
//!
//! A session is driven like a learner would: the test reads each question as printed, works out
//! the right (or a wrong) answer from the fixture bank by matching the option texts it sees, and
//! types it. So the tests do not depend on how the choices were shuffled.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use paxos_tutor::quiz::bank::{parse, BankFile};
use paxos_tutor::quiz::model::{Answer, Kind, Question};

const GOOD: &str = "tests/fixtures/banks/good";
const BAD: &str = "tests/fixtures/banks/bad";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn bin(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paxos-tutor"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PAXOS_TUTOR_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100");
    c
}

/// Run with `stdin` as the whole of standard input.
fn run(home: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = bin(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that does not read its input may exit first: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The fixture questions by id.
fn fixture() -> BTreeMap<String, Question> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(GOOD)
        .join("demo.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let bank = parse(&BankFile::new("demo.yaml", text)).unwrap();
    bank.questions
        .into_iter()
        .map(|q| (q.id.clone(), q))
        .collect()
}

fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

fn key_letters(q: &Question) -> Vec<usize> {
    match &q.answer {
        Some(Answer::Text(s)) => vec![(s.as_bytes()[0] - b'A') as usize],
        Some(Answer::Letters(v)) => v
            .iter()
            .map(|s| (s.as_bytes()[0] - b'A') as usize)
            .collect(),
        _ => vec![],
    }
}

/// The answer line a learner types for `q`, shown with `options` (label, text), right or wrong.
fn answer_for(q: &Question, options: &[(String, String)], right: bool) -> String {
    let shown = |text: &str| {
        options
            .iter()
            .position(|(_, t)| t == text.trim())
            .expect("option shown")
    };
    match q.kind {
        Kind::Single => {
            let d = shown(&q.choices[key_letters(q)[0]].text);
            letter(if right { d } else { (d + 1) % options.len() }).to_string()
        }
        Kind::Multi => {
            let mut ds: Vec<usize> = key_letters(q)
                .iter()
                .map(|&i| shown(&q.choices[i].text))
                .collect();
            ds.sort();
            if !right {
                ds.truncate(1);
            }
            ds.iter()
                .map(|&d| letter(d).to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
        Kind::Truefalse => {
            let Some(Answer::Bool(b)) = q.answer else {
                panic!()
            };
            (b == right).to_string()
        }
        Kind::Order => {
            if right {
                q.steps
                    .iter()
                    .map(|s| (shown(s) + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                // The order as shown, which is never the right one.
                (1..=options.len())
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        Kind::Numeric => {
            let Some(Answer::Number(x)) = q.answer else {
                panic!()
            };
            (if right { x } else { x + 100.0 }).to_string()
        }
        Kind::Text => "It would forget its promise after a crash.".to_string(),
        Kind::Scenario => unreachable!(),
    }
}

/// Drive a session: answer each question right or wrong as `policy(id)` says. In json mode the
/// questions are read from stderr. Returns the run and the ids in the order asked.
fn converse(
    home: &Path,
    args: &[&str],
    json: bool,
    policy: &dyn Fn(&str) -> bool,
) -> (Run, Vec<String>) {
    let questions = fixture();
    let mut child = bin(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (talk, other): (Box<dyn Read + Send>, Box<dyn Read + Send>) = if json {
        (
            Box::new(child.stderr.take().unwrap()),
            Box::new(child.stdout.take().unwrap()),
        )
    } else {
        (
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        )
    };
    // The other stream on its own thread, so a full pipe cannot block the child.
    let collector = std::thread::spawn(move || {
        let mut s = String::new();
        BufReader::new(other).read_to_string(&mut s).unwrap();
        s
    });
    let mut transcript = String::new();
    let mut asked = Vec::new();
    let mut options: Vec<(String, String)> = Vec::new();
    for line in BufReader::new(talk).lines() {
        let line = line.unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        if line.starts_with("Question ") {
            asked.push(line.rsplit(" · ").next().unwrap().to_string());
            options.clear();
        } else if let Some((label, text)) = line.strip_prefix("  ").and_then(|l| l.split_once(". "))
        {
            if label.len() <= 2 && label.chars().all(|c| c.is_ascii_alphanumeric()) {
                options.push((label.to_string(), text.to_string()));
            }
        } else if line.starts_with("Your answer (") {
            let id = asked.last().unwrap();
            let answer = answer_for(&questions[id], &options, policy(id));
            writeln!(stdin, "{answer}").unwrap();
        } else if line.starts_with("Did your answer make these points?") {
            let yes = policy(asked.last().unwrap());
            writeln!(stdin, "{}", if yes { "y" } else { "n" }).unwrap();
        }
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let other = collector.join().unwrap();
    let (stdout, stderr) = if json {
        (other, transcript)
    } else {
        (transcript, other)
    };
    (
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        },
        asked,
    )
}

fn history(home: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(home.join("history.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

const WRONG: [&str; 3] = [
    "demo-truefalse-flp",
    "demo-numeric-tolerate",
    "demo-text-promise",
];

fn half_right(id: &str) -> bool {
    !WRONG.contains(&id)
}

/// The reference session: 6 demo questions, seed 11, the ones in `WRONG` answered wrong.
fn half_right_session(home: &Path) -> (Run, Vec<String>) {
    converse(
        home,
        &demo_args(&["--count", "6", "--seed", "11"]),
        false,
        &half_right,
    )
}

fn demo_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec!["quiz", "--bank", GOOD, "--topic", "demo", "--plain"];
    v.extend_from_slice(extra);
    v
}

#[test]
fn a_scripted_session_grades_each_kind_and_remembers() {
    let home = tempfile::tempdir().unwrap();
    let (r, asked) = half_right_session(home.path());
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let mut sorted = asked.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        fixture().keys().cloned().collect::<Vec<_>>(),
        "each question once"
    );
    assert!(
        r.stdout.starts_with("6 questions, seed 11.\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Session complete.\nScore: 3 of 6 right (50%).\n"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("\nRight. ").count(), 3, "{}", r.stdout);
    assert_eq!(r.stdout.matches("\nWrong. ").count(), 3);
    assert!(r
        .stdout
        .contains("Wrong. You answered true; the statement is false."));
    assert!(r
        .stdout
        .contains("Wrong. You answered 103; the answer is 3."));
    assert!(r
        .stdout
        .contains("Model answer:\n  So that after a restart"));
    assert!(r
        .stdout
        .contains("Source: Lamport, Paxos Made Simple (ACM SIGACT News, 2001), section 2.2"));
    assert!(r
        .stdout
        .contains("Seed 11: `--seed 11` repeats this session."));
    // The same seed asks the same questions in the same order.
    let (_, again) = half_right_session(tempfile::tempdir().unwrap().path());
    assert_eq!(asked, again);

    let h = history(home.path());
    for (id, q) in h["questions"].as_object().unwrap() {
        let right = half_right(id);
        assert_eq!(q["attempts"], 1, "{id}");
        assert_eq!(q["correct"], right as u32, "{id}");
        assert_eq!(q["last_correct"], right, "{id}");
        assert_eq!(
            q["schedule"]["interval_days"],
            if right { 1 } else { 0 },
            "{id}"
        );
    }
    assert_eq!(h["questions"].as_object().unwrap().len(), 6);
    assert_eq!(
        h["tally"]["demo"]["text"],
        serde_json::json!({"answered": 1, "correct": 0})
    );
    assert_eq!(
        h["tally"]["demo"]["single"],
        serde_json::json!({"answered": 1, "correct": 1})
    );
    let trailing_right = asked.iter().rev().take_while(|id| half_right(id)).count();
    assert_eq!(
        h["run"], trailing_right,
        "right answers in a row at the end"
    );
    assert!(h["best_run"].as_u64().unwrap() as usize >= trailing_right);
}

#[test]
fn review_brings_the_wrong_answers_back_first() {
    let home = tempfile::tempdir().unwrap();
    let (r, _) = half_right_session(home.path());
    assert_eq!(r.code, 0);
    let (r, asked) = converse(
        home.path(),
        &demo_args(&["--count", "3", "--seed", "99", "--review"]),
        false,
        &|_| true,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("3 questions, 3 due for review, seed 99.\n"),
        "{}",
        r.stdout
    );
    let mut asked_sorted = asked.clone();
    asked_sorted.sort();
    let mut wrong = WRONG.to_vec();
    wrong.sort();
    assert_eq!(asked_sorted, wrong);
    let h = history(home.path());
    for id in WRONG {
        assert_eq!(h["questions"][id]["attempts"], 2);
        assert_eq!(h["questions"][id]["correct"], 1);
    }
    // Now nothing is due: a review serves questions not yet due, soonest first.
    let r = run(home.path(), &demo_args(&["--count", "1", "--review"]), "");
    assert!(
        r.stdout.starts_with("1 question, 0 due for review"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_summary_is_the_only_thing_on_stdout() {
    let home = tempfile::tempdir().unwrap();
    let (r, asked) = converse(
        home.path(),
        &demo_args(&["--count", "4", "--seed", "5", "--format", "json"]),
        true,
        &half_right,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).expect("stdout is one JSON document");
    assert_eq!(v["seed"], 5);
    assert_eq!(v["planned"], 4);
    assert_eq!(v["asked"], 4);
    assert_eq!(v["ended_early"], serde_json::Value::Null);
    let qs = v["questions"].as_array().unwrap();
    let ids: Vec<&str> = qs.iter().map(|q| q["id"].as_str().unwrap()).collect();
    assert_eq!(ids, asked.iter().map(String::as_str).collect::<Vec<_>>());
    let right = qs.iter().filter(|q| q["correct"] == true).count();
    assert_eq!(v["correct"], right);
    for q in qs {
        let id = q["id"].as_str().unwrap();
        assert_eq!(q["correct"], half_right(id), "{id}");
        assert_eq!(q["topic"], "demo");
        assert!(["single", "multi", "truefalse", "order", "numeric", "text"]
            .contains(&q["kind"].as_str().unwrap()));
    }
    assert_eq!(v["by_topic"]["demo"]["answered"], 4);
    assert_eq!(v["by_topic"]["demo"]["correct"], right);
    assert!(
        r.stderr.contains("Question 1 of 4"),
        "questions go to stderr"
    );
}

#[test]
fn end_of_input_ends_early_and_keeps_the_answers() {
    let home = tempfile::tempdir().unwrap();
    let r = run(
        home.path(),
        &demo_args(&[
            "--count",
            "5",
            "--seed",
            "3",
            "--kind",
            "truefalse",
            "--kind",
            "numeric",
        ]),
        "false\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Only two questions match the kinds.
    assert!(r.stdout.starts_with("2 questions, seed 3."), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Session ended early (end of input) after 1 of 2 questions."),
        "{}",
        r.stdout
    );
    let h = history(home.path());
    let answered: Vec<&String> = h["questions"].as_object().unwrap().keys().collect();
    assert_eq!(answered.len(), 1);
}

#[test]
fn an_unreadable_answer_counts_as_wrong_and_says_why() {
    let home = tempfile::tempdir().unwrap();
    let r = run(
        home.path(),
        &demo_args(&["--count", "1", "--kind", "single"]),
        "Z\n",
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("Wrong. Could not read \"Z\" as an answer: expected one letter, A-D. It counts as wrong; the answer is "),
        "{}",
        r.stdout
    );
    assert_eq!(
        history(home.path())["questions"]["demo-single-quorum"]["correct"],
        0
    );
}

#[test]
fn unknown_topic_or_kind_cannot_run() {
    let home = tempfile::tempdir().unwrap();
    let r = run(home.path(), &["quiz", "--bank", GOOD, "--topic", "zab"], "");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown topic `zab`: one of "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("demo"), "{}", r.stderr);
    let r = run(home.path(), &["quiz", "--kind", "essay"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(
        "unknown kind `essay`: one of single, multi, truefalse, order, numeric, text, scenario"
    ));
    let r = run(
        home.path(),
        &[
            "quiz",
            "--bank",
            GOOD,
            "--topic",
            "demo",
            "--kind",
            "text",
            "--difficulty",
            "1",
        ],
        "",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no questions match --topic demo --kind text --difficulty 1"),
        "{}",
        r.stderr
    );
}

#[test]
fn stats_after_a_session_then_reset() {
    let home = tempfile::tempdir().unwrap();
    let (r, _) = half_right_session(home.path());
    assert_eq!(r.code, 0);
    let r = run(home.path(), &["stats", "--format", "json"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["answered"], 6);
    assert_eq!(v["correct"], 3);
    assert_eq!(
        v["by_topic"]["demo"],
        serde_json::json!({"answered": 6, "correct": 3})
    );
    assert_eq!(
        v["by_kind"]["order"],
        serde_json::json!({"answered": 1, "correct": 1})
    );
    assert_eq!(v["due_now"], 3, "the three wrong ones");
    assert_eq!(v["seen"], 6);
    assert_eq!(v["streak_days"], 1);
    assert_eq!(
        v["history"],
        home.path().join("history.json").display().to_string()
    );

    let r = run(home.path(), &["stats"], "");
    insta::with_settings!({filters => vec![
        (r"History: .*history\.json", "History: [HOME]/history.json"),
        (r"\(last: \d{4}-\d{2}-\d{2}\)", "(last: [DATE])"),
    ]}, {
        insta::assert_snapshot!("quiz_stats_human", r.stdout);
    });

    // Without a terminal, --reset refuses unless --yes.
    let r = run(home.path(), &["stats", "--reset"], "y\n");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "paxos-tutor: stats --reset forgets every answer and needs a terminal to confirm; add --yes to do it without asking\n"
    );
    assert!(home.path().join("history.json").exists());
    let r = run(home.path(), &["stats", "--reset", "--yes"], "");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("Forgot 6 answers: removed "),
        "{}",
        r.stdout
    );
    assert!(!home.path().join("history.json").exists());
    let r = run(home.path(), &["stats", "--format", "json"], "");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["answered"], 0);
}

#[test]
fn a_corrupt_history_is_set_aside_and_reported() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("history.json"),
        "{\"version\": 1, \"questions\": [truncated",
    )
    .unwrap();
    let r = run(
        home.path(),
        &demo_args(&["--count", "1", "--kind", "truefalse"]),
        "false\n",
    );
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("paxos-tutor: warning: "), "{}", r.stderr);
    assert!(
        r.stderr.contains("is not a readable history"),
        "{}",
        r.stderr
    );
    let names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let aside: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("history.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{names:?}");
    assert_eq!(
        std::fs::read_to_string(home.path().join(aside[0])).unwrap(),
        "{\"version\": 1, \"questions\": [truncated",
        "the old file is kept as it was"
    );
    // And the session's answer went into a fresh history.
    assert_eq!(
        history(home.path())["questions"]["demo-truefalse-flp"]["correct"],
        1
    );
}

#[test]
fn lint_a_bad_bank_exits_1_with_file_line_col() {
    let home = tempfile::tempdir().unwrap();
    let r = run(home.path(), &["bank", "lint", BAD], "");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("tests/fixtures/banks/bad/semantic.yaml:11:5: semantic-out-of-range: answer C is out of range"));
    insta::assert_snapshot!("quiz_lint_bad_bank", r.stdout);
    let r = run(home.path(), &["bank", "lint", GOOD], "");
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "ok: 6 questions in 1 bank file, no problems.\n");
    let r = run(
        home.path(),
        &["bank", "lint", "tests/fixtures/no-such-dir"],
        "",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("reading the bank folder tests/fixtures/no-such-dir"),
        "{}",
        r.stderr
    );
}

#[test]
fn export_is_one_json_array_of_every_question() {
    let home = tempfile::tempdir().unwrap();
    let r = run(home.path(), &["bank", "export", "--bank", GOOD], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    let all = v.as_array().expect("an array");
    let stats = run(
        home.path(),
        &["bank", "stats", "--bank", GOOD, "--format", "json"],
        "",
    );
    let s: serde_json::Value = serde_json::from_str(&stats.stdout).unwrap();
    assert_eq!(all.len() as u64, s["total"].as_u64().unwrap());
    assert_eq!(s["topics"]["demo"]["total"], 6);
    assert_eq!(s["topics"]["demo"]["order"], 1);
    for q in all {
        for field in [
            "id",
            "topic",
            "kind",
            "difficulty",
            "prompt",
            "answer",
            "explanation",
            "sources",
        ] {
            assert!(q.get(field).is_some(), "{field} missing in {q}");
        }
        assert!(!q["topic"].as_str().unwrap().is_empty(), "topic filled");
    }
    let demo: Vec<&serde_json::Value> = all.iter().filter(|q| q["topic"] == "demo").collect();
    assert_eq!(demo.len(), 6);
    let order = demo.iter().find(|q| q["kind"] == "order").unwrap();
    assert_eq!(order["answer"], serde_json::Value::Null);
    assert_eq!(order["steps"][0], "Prepare");
    let multi = demo.iter().find(|q| q["kind"] == "multi").unwrap();
    assert_eq!(multi["answer"], serde_json::json!(["A", "C"]));
    assert_eq!(multi["choices"][1]["why"], "That is liveness, not safety.");
    assert_eq!(
        multi["sources"][0],
        serde_json::json!({"ref": "pms", "section": "2.1"})
    );
}

#[test]
fn bank_stats_table() {
    let home = tempfile::tempdir().unwrap();
    let r = run(home.path(), &["bank", "stats", "--bank", GOOD], "");
    assert_eq!(r.code, 0);
    let demo = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("demo "))
        .unwrap();
    let cells: Vec<&str> = demo.split_whitespace().collect();
    assert_eq!(cells, vec!["demo", "1", "1", "1", "1", "1", "1", "6"]);
    let header = r.stdout.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        vec![
            "topic",
            "single",
            "multi",
            "truefalse",
            "order",
            "numeric",
            "text",
            "total"
        ]
    );
}

#[test]
fn a_folder_bank_replaces_the_built_in_bank_of_its_topic() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(GOOD)
            .join("demo.yaml"),
    )
    .unwrap();
    let paxos = text
        .replace("topic: demo", "topic: paxos")
        .replace("id: demo-", "id: paxos-demo-");
    std::fs::write(dir.path().join("paxos.yaml"), paxos).unwrap();
    let d = dir.path().display().to_string();
    let r = run(
        home.path(),
        &["bank", "stats", "--bank", &d, "--format", "json"],
        "",
    );
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        s["topics"]["paxos"]["total"], 6,
        "the folder's paxos bank replaced the built-in one"
    );
}

fn help(args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let r = run(home.path(), args, "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("quiz_help_quiz", help(&["quiz", "--help"]));
    insta::assert_snapshot!("quiz_help_bank", help(&["bank", "--help"]));
    insta::assert_snapshot!("quiz_help_stats", help(&["stats", "--help"]));
}
