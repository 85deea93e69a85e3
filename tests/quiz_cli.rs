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
    assert!(
        r.stdout.contains(
            "Seed 11: `paxos-tutor quiz --bank tests/fixtures/banks/good --topic demo --count 6 --seed 11 --plain` repeats this session."
        ),
        "{}",
        r.stdout
    );
    // The same seed asks the same questions in the same order.
    let (_, again) = half_right_session(tempfile::tempdir().unwrap().path());
    assert_eq!(asked, again);

    let h = history(home.path());
    for (id, q) in h["questions"].as_object().unwrap() {
        let right = half_right(id);
        assert_eq!(q["attempts"], 1, "{id}");
        assert_eq!(q["correct"], right as u32, "{id}");
        assert_eq!(q["last_correct"], right, "{id}");
        // FSRS: a wrong answer is Again, due at once; a right one (Good, plain mode never
        // asks) waits 3 days on a new question.
        assert_eq!(
            q["last_grade"],
            if right { "good" } else { "again" },
            "{id}"
        );
        assert_eq!(
            q["memory"]["scheduled_days"],
            if right { 3 } else { 0 },
            "{id}"
        );
        assert_eq!(q["topic"], "demo");
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
        "3\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Only two questions match the kinds.
    assert!(
        r.stdout.starts_with(
            "Only 2 questions match --topic demo --kind truefalse --kind numeric (you asked for --count 5).\n2 questions, seed 3."
        ),
        "{}",
        r.stdout
    );
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
fn an_unreadable_line_is_asked_again_once_then_skipped_not_graded() {
    let home = tempfile::tempdir().unwrap();
    let r = run(
        home.path(),
        &demo_args(&["--count", "1", "--kind", "single"]),
        "zzz\nZ\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "Could not read \"zzz\" as an answer: expected one letter, A-D. Once more:\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Skipped. Could not read \"Z\" as an answer either (expected one letter, A-D): not graded, not recorded."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("No questions answered."), "{}", r.stdout);
    assert!(
        !home.path().join("history.json").exists(),
        "nothing recorded"
    );
    // A second chance that reads is graded as usual.
    let q = &fixture()["demo-single-quorum"];
    let r = run(
        home.path(),
        &demo_args(&["--count", "1", "--kind", "single", "--seed", "1"]),
        "zzz\n",
    );
    let options: Vec<(String, String)> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  ").and_then(|l| l.split_once(". ")))
        .filter(|(label, _)| label.len() == 1)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let right = answer_for(q, &options, true);
    let r = run(
        home.path(),
        &demo_args(&["--count", "1", "--kind", "single", "--seed", "1"]),
        &format!("zzz\n{right}\n"),
    );
    assert!(r.stdout.contains("Right. You answered"), "{}", r.stdout);
    assert_eq!(
        history(home.path())["questions"]["demo-single-quorum"]["correct"],
        1
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
fn a_folder_bank_adds_to_the_built_in_bank_of_its_topic() {
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
    let builtin: serde_json::Value =
        serde_json::from_str(&run(home.path(), &["bank", "stats", "--format", "json"], "").stdout)
            .unwrap();
    let before = builtin["topics"]["paxos"]["total"].as_u64().unwrap();
    assert!(before > 6);
    assert_eq!(
        s["topics"]["paxos"]["total"].as_u64().unwrap(),
        before + 6,
        "the folder's questions are added to the built-in paxos bank"
    );
    // The same id replaces that one question, nothing else.
    let one = text
        .replace("topic: demo", "topic: paxos")
        .replace("id: demo-", "id: paxos-demo-")
        .replace(
            "How many acceptors out of 5 form a majority quorum?",
            "Replaced prompt?",
        );
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("flp-extra.yaml"), one).unwrap();
    let d2 = dir2.path().display().to_string();
    let r = run(
        home.path(),
        &[
            "bank",
            "show",
            "paxos-demo-single-quorum",
            "--bank",
            &d,
            "--bank",
            &d2,
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Replaced prompt?"), "{}", r.stdout);
    let r = run(
        home.path(),
        &[
            "bank", "stats", "--bank", &d, "--bank", &d2, "--format", "json",
        ],
        "",
    );
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(s["topics"]["paxos"]["total"].as_u64().unwrap(), before + 6);
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

/// A session of `n` generated questions answered "A" each, fed all at once on stdin.
fn spawn_scenarios(home: &Path, n: usize, seed: u64) -> std::process::Child {
    let mut child = bin(home)
        .args([
            "quiz",
            "--topic",
            "scenario",
            "--plain",
            "--count",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = "A\n".repeat(n);
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    child
}

#[test]
fn two_sessions_at_once_keep_all_their_answers() {
    let home = tempfile::tempdir().unwrap();
    let a = spawn_scenarios(home.path(), 60, 1);
    let b = spawn_scenarios(home.path(), 60, 2);
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let h = history(home.path());
    // Generated questions are tallied under their protocol's topic, kind `scenario`.
    let answered: u64 = h["tally"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|kinds| kinds.get("scenario"))
        .map(|t| t["answered"].as_u64().unwrap())
        .sum();
    assert_eq!(answered, 120, "both sessions' answers are kept");
    // Every generated question is kept by its id (two seeds: no id in common).
    assert_eq!(h["questions"].as_object().unwrap().len(), 120);
}

#[test]
fn a_wrong_generated_question_comes_back_exactly_with_due() {
    let home = tempfile::tempdir().unwrap();
    // Two generated questions, both answered wrong on purpose: find the key letter and avoid it.
    let first = run(
        home.path(),
        &[
            "quiz", "--topic", "scenario", "--plain", "--count", "2", "--seed", "9",
        ],
        "",
    );
    let ids: Vec<String> = first
        .stdout
        .lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.rsplit(" · ").next().unwrap().to_string())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "end of input after the first: {}",
        first.stdout
    );
    let shown = |id: &str| run(home.path(), &["bank", "show", id, "--format", "json"], "");
    let q: serde_json::Value = serde_json::from_str(&shown(&ids[0]).stdout).unwrap();
    let prompt = q["prompt"].as_str().unwrap().to_string();
    // Answer it wrong: a letter whose text is not the key's.
    let r = run(
        home.path(),
        &["quiz", "--id", &ids[0], "--plain", "--seed", "3"],
        "",
    );
    let key_text = q["choices"][(q["answer"].as_str().unwrap().as_bytes()[0] - b'A') as usize]
        ["text"]
        .as_str()
        .unwrap()
        .trim()
        .to_string();
    let wrong = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  ").and_then(|l| l.split_once(". ")))
        .find(|(label, text)| label.len() == 1 && *text != key_text)
        .map(|(label, _)| label.to_string())
        .unwrap();
    let r = run(
        home.path(),
        &["quiz", "--id", &ids[0], "--plain", "--seed", "3"],
        &format!("{wrong}\n"),
    );
    assert!(r.stdout.contains("Wrong. You answered"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("To review: {}", ids[0])),
        "{}",
        r.stdout
    );
    // `--due` brings it back, the same question word for word.
    let r = run(home.path(), &["quiz", "--due", "--plain"], "");
    assert!(
        r.stdout.starts_with("1 question due for review, seed "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&ids[0]), "{}", r.stdout);
    assert!(r.stdout.contains(prompt.trim()), "{}", r.stdout);
    // Answered right, nothing is due any more.
    let r = run(
        home.path(),
        &["quiz", "--id", &ids[0], "--plain", "--seed", "3"],
        "",
    );
    let right = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  ").and_then(|l| l.split_once(". ")))
        .find(|(label, text)| label.len() == 1 && *text == key_text)
        .map(|(label, _)| label.to_string())
        .unwrap();
    run(
        home.path(),
        &["quiz", "--id", &ids[0], "--plain", "--seed", "3"],
        &format!("{right}\n"),
    );
    let r = run(home.path(), &["quiz", "--due", "--plain"], "");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("Nothing is due now; the next question falls due in 3 days."),
        "{}",
        r.stdout
    );
}

#[test]
fn an_sm2_history_migrates_through_the_binary_with_every_answer() {
    let home = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quiz_history/sm2-v1.json");
    std::fs::copy(&fixture, home.path().join("history.json")).unwrap();
    let r = run(home.path(), &["stats", "--format", "json"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "was an SM-2 history (format 1): its 26 answers to 14 questions now schedule with FSRS"
        ),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["answered"].as_u64(), v["correct"].as_u64()),
        (Some(26), Some(3))
    );
    assert_eq!(v["seen"], 14);
    assert_eq!(
        std::fs::read(home.path().join("history.v1.json")).unwrap(),
        std::fs::read(&fixture).unwrap()
    );
    assert_eq!(history(home.path())["version"], 2);
    // Each of the 14 was answered wrong last, so each is due now (the SM-2 due dates are kept).
    assert_eq!(v["forecast"]["now"], 14);
    let r = run(home.path(), &["stats"], "");
    assert!(r.stderr.is_empty(), "migrated once: {}", r.stderr);
    assert!(r.stdout.contains("Weakest topics"), "{}", r.stdout);
}

#[test]
fn sessions_say_when_fewer_match_and_take_ranges_tags_and_ids() {
    let home = tempfile::tempdir().unwrap();
    let r = run(
        home.path(),
        &demo_args(&["--count", "1000", "--seed", "1"]),
        "",
    );
    assert!(
        r.stdout.starts_with("Only 6 questions match --topic demo (you asked for --count 1000).\n6 questions, seed 1."),
        "{}",
        r.stdout
    );
    let r = run(
        home.path(),
        &demo_args(&["--difficulty", "2-3", "--count", "10", "--seed", "1"]),
        "",
    );
    let difficulties: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.split(" · ").nth(3).unwrap())
        .collect();
    assert!(!difficulties.is_empty());
    assert!(
        difficulties
            .iter()
            .all(|d| *d == "difficulty 2" || *d == "difficulty 3"),
        "{difficulties:?}"
    );
    let r = run(home.path(), &demo_args(&["--difficulty", "3-1"]), "");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("3-1 is backwards: write 1-3"),
        "{}",
        r.stderr
    );
    let r = run(home.path(), &demo_args(&["--tag", "no-such-tag"]), "");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no questions match --topic demo --tag no-such-tag"),
        "{}",
        r.stderr
    );
    let r = run(
        home.path(),
        &[
            "quiz",
            "--tag",
            "misconception",
            "--plain",
            "--count",
            "3",
            "--seed",
            "2",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let export: serde_json::Value =
        serde_json::from_str(&run(home.path(), &["bank", "export"], "").stdout).unwrap();
    let tagged: Vec<&str> = export
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| {
            q["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "misconception"))
        })
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    let asked: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.rsplit(" · ").next().unwrap())
        .collect();
    assert!(
        !asked.is_empty() && asked.iter().all(|id| tagged.contains(id)),
        "{asked:?}"
    );
    assert!(r.stdout.contains("`paxos-tutor quiz --tag misconception --count 3 --seed 2 --plain` repeats this session."), "{}", r.stdout);
    let r = run(
        home.path(),
        &[
            "quiz",
            "--bank",
            GOOD,
            "--id",
            "demo-order-phases",
            "--id",
            "demo-single-quorum",
            "--plain",
        ],
        "",
    );
    let asked: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.rsplit(" · ").next().unwrap())
        .collect();
    assert_eq!(
        asked,
        vec!["demo-order-phases"],
        "end of input after the first"
    );
    assert!(r.stdout.starts_with("2 questions, seed "), "{}", r.stdout);
    let r = run(home.path(), &["quiz", "--id", "nope-nope", "--plain"], "");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no question has the id `nope-nope`"),
        "{}",
        r.stderr
    );
    let r = run(
        home.path(),
        &["bank", "show", "demo-numeric-tolerate", "--bank", GOOD],
        "",
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("demo-numeric-tolerate · demo · numeric · difficulty"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Answer: 3"), "{}", r.stdout);
}

#[test]
fn lint_and_quiz_report_a_broken_file_in_the_same_words() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(GOOD)
            .join("demo.yaml"),
    )
    .unwrap();
    // A file named for another topic (allowed: it adds to its own), with one broken key.
    let broken = text.replace("    answer: A\n", "    answer: Q\n");
    std::fs::write(dir.path().join("flp.yaml"), broken).unwrap();
    let d = dir.path().display().to_string();
    let lint = run(home.path(), &["bank", "lint", &d], "");
    assert_eq!(lint.code, 1);
    let problems: Vec<&str> = lint
        .stdout
        .lines()
        .filter(|l| l.contains(".yaml:"))
        .collect();
    assert_eq!(problems.len(), 1, "{}", lint.stdout);
    assert!(
        problems[0].ends_with("demo-single-quorum: answer Q is out of range: 4 choices (A-D)"),
        "{}",
        problems[0]
    );
    let quiz = run(
        home.path(),
        &[
            "quiz", "--bank", &d, "--topic", "demo", "--plain", "--count", "1",
        ],
        "",
    );
    assert_eq!(
        quiz.stderr.lines().next().unwrap(),
        format!("paxos-tutor: warning: {} (question skipped)", problems[0])
    );
}

#[test]
fn a_deeply_nested_bank_is_refused_before_parsing() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.yaml"), "[".repeat(100_000)).unwrap();
    let d = dir.path().display().to_string();
    // Refused at the 20th bracket (the position says the scan stopped there, before any parse).
    let r = run(home.path(), &["bank", "lint", &d], "");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("deep.yaml:1:20: nested more than 20 levels deep; a bank needs about 5"),
        "{}",
        r.stdout
    );
    let r = run(home.path(), &["bank", "stats", "--bank", &d], "");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("nested more than 20 levels deep; a bank needs about 5 (file skipped)"),
        "{}",
        r.stderr
    );
    // And too big.
    std::fs::write(dir.path().join("deep.yaml"), "# x\n".repeat(300_000)).unwrap();
    let r = run(home.path(), &["bank", "lint", &d], "");
    assert!(
        r.stdout.contains(
            "deep.yaml:1:1: the file is 1200000 bytes; a bank file may have at most 1048576"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = bin(home.path())
        .args(["bank", "export", "--format", "human"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&done.stderr), "");
}

#[test]
fn an_unwritable_history_folder_is_reported_before_the_first_question() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let r = run(&file.join("home"), &demo_args(&["--count", "1"]), "true\n");
    assert_eq!(r.code, 2);
    assert!(!r.stdout.contains("Question 1"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("cannot be written (set PAXOS_TUTOR_HOME to another folder)"),
        "{}",
        r.stderr
    );
}
