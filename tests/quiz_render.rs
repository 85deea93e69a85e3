//! Snapshots of what a learner reads in plain mode: each kind of question, feedback when right
//! and when wrong, the model answer of a text question, and session summaries. Rendered from the
//! fixture bank with a fixed seed, without colour.

use paxos_tutor::quiz::bank::{parse, BankFile};
use paxos_tutor::quiz::fsrs::Grade;
use paxos_tutor::quiz::grade::{Presented, Response};
use paxos_tutor::quiz::model::{Kind, Question};
use paxos_tutor::quiz::render;
use paxos_tutor::quiz::session::{Asked, Outcome, Quit, SessionLog};
use paxos_tutor::rng::Rng;

fn fixture() -> Vec<Question> {
    colored::control::set_override(false);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/banks/good/demo.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    parse(&BankFile::new("demo.yaml", text)).unwrap().questions
}

/// The fixture question of `kind`, shuffled with seed 1.
fn shown(kind: Kind) -> Presented {
    let q = fixture().into_iter().find(|q| q.kind == kind).unwrap();
    Presented::new(q, &mut Rng::new(1)).unwrap()
}

/// The question as printed, with its answer hint.
fn asked(p: &Presented) -> String {
    format!(
        "{}\n{}\n",
        render::question(2, 6, p),
        render::answer_hint(p)
    )
}

fn right(p: &Presented) -> String {
    let r = p.right_response();
    render::feedback(
        p,
        &Outcome {
            correct: true,
            response: Some(r),
        },
    )
}

fn wrong(p: &Presented, r: Response) -> String {
    colored::control::set_override(false);
    assert!(!p.grade(&r), "the response must be wrong");
    render::feedback(
        p,
        &Outcome {
            correct: false,
            response: Some(r),
        },
    )
}

#[test]
fn single() {
    let p = shown(Kind::Single);
    insta::assert_snapshot!("quiz_kind_single", asked(&p));
    insta::assert_snapshot!("quiz_feedback_single_right", right(&p));
    let Response::One(d) = p.right_response() else {
        panic!()
    };
    insta::assert_snapshot!(
        "quiz_feedback_single_wrong",
        wrong(&p, Response::One((d + 1) % 4))
    );
}

#[test]
fn multi() {
    let p = shown(Kind::Multi);
    insta::assert_snapshot!("quiz_kind_multi", asked(&p));
    insta::assert_snapshot!("quiz_feedback_multi_right", right(&p));
    let Response::Set(ds) = p.right_response() else {
        panic!()
    };
    insta::assert_snapshot!(
        "quiz_feedback_multi_wrong",
        wrong(&p, Response::Set(vec![ds[0]]))
    );
}

#[test]
fn truefalse() {
    let p = shown(Kind::Truefalse);
    insta::assert_snapshot!("quiz_kind_truefalse", asked(&p));
    insta::assert_snapshot!("quiz_feedback_truefalse_right", right(&p));
    insta::assert_snapshot!(
        "quiz_feedback_truefalse_wrong",
        wrong(&p, Response::Bool(true))
    );
}

#[test]
fn order() {
    let p = shown(Kind::Order);
    insta::assert_snapshot!("quiz_kind_order", asked(&p));
    insta::assert_snapshot!("quiz_feedback_order_right", right(&p));
    insta::assert_snapshot!(
        "quiz_feedback_order_wrong",
        wrong(&p, Response::Order(vec![0, 1, 2, 3]))
    );
}

#[test]
fn numeric() {
    let p = shown(Kind::Numeric);
    insta::assert_snapshot!("quiz_kind_numeric", asked(&p));
    insta::assert_snapshot!("quiz_feedback_numeric_right", right(&p));
    insta::assert_snapshot!(
        "quiz_feedback_numeric_wrong",
        wrong(&p, Response::Number(4.0))
    );
}

#[test]
fn text() {
    let p = shown(Kind::Text);
    let shown = format!(
        "{}\n{}{}\n",
        asked(&p),
        render::model_answer(&p),
        render::SELF_GRADE
    );
    insta::assert_snapshot!("quiz_kind_text", shown);
    insta::assert_snapshot!("quiz_feedback_text_right", right(&p));
    let r = Response::Text {
        answer: "No idea.".into(),
        right: false,
    };
    insta::assert_snapshot!("quiz_feedback_text_wrong", wrong(&p, r));
}

#[test]
fn unreadable_answer_asked_again_then_skipped() {
    colored::control::set_override(false);
    let shown = format!(
        "{}\n{}",
        render::unreadable_again("zzz", "expected one letter, A-D"),
        render::skipped("Z", "expected one letter, A-D")
    );
    insta::assert_snapshot!("quiz_feedback_unreadable", shown);
}

#[test]
fn a_prompt_that_gives_its_instruction_is_not_told_it_again() {
    let mut tf = fixture()
        .into_iter()
        .find(|q| q.kind == Kind::Truefalse)
        .unwrap();
    tf.prompt = "True or false: FLP shows that consensus can lose safety.".into();
    let mut multi = fixture()
        .into_iter()
        .find(|q| q.kind == Kind::Multi)
        .unwrap();
    multi.prompt = "Which are safety properties? Select all that apply.".into();
    let a = asked(&Presented::new(tf, &mut Rng::new(1)).unwrap());
    let b = asked(&Presented::new(multi, &mut Rng::new(1)).unwrap());
    assert_eq!(
        a.matches("rue or false").count(),
        2,
        "the prompt's and the hint's: {a}"
    );
    assert!(!b.contains("Choose every right answer"), "{b}");
    insta::assert_snapshot!("quiz_prompt_instruction_once", format!("{a}\n{b}"));
}

#[test]
fn multi_half_right_and_order_half_placed_are_marked_item_by_item() {
    let p = shown(Kind::Multi);
    let Response::Set(ds) = p.right_response() else {
        panic!()
    };
    // One right answer chosen, one missed, one wrong one chosen.
    let wrong_one = (0..p.options()).find(|d| !ds.contains(d)).unwrap();
    let mut given = vec![ds[0], wrong_one];
    given.sort();
    insta::assert_snapshot!(
        "quiz_feedback_multi_item_by_item",
        wrong(&p, Response::Set(given))
    );
    let o = shown(Kind::Order);
    let Response::Order(mut right) = o.right_response() else {
        panic!()
    };
    // The last two steps swapped: two of four in their place.
    right.swap(2, 3);
    insta::assert_snapshot!(
        "quiz_feedback_order_item_by_item",
        wrong(&o, Response::Order(right))
    );
}

fn log(quit: Option<Quit>) -> SessionLog {
    let a = |id: &str, topic: &str, kind: &'static str, correct: bool| Asked {
        id: id.into(),
        topic: topic.into(),
        kind,
        difficulty: 2,
        correct,
        skipped: false,
        grade: Some(if correct { Grade::Good } else { Grade::Again }),
        given: "A".into(),
        expected: "B".into(),
    };
    let mut skipped = a("paxos-five", "paxos", "single", false);
    skipped.skipped = true;
    skipped.grade = None;
    skipped.given = "zzz".into();
    SessionLog {
        seed: 4242,
        repeat: "paxos-tutor quiz --topic paxos --difficulty 1-2 --count 5 --seed 4242".into(),
        due_command: "paxos-tutor quiz --due".into(),
        planned: 6,
        due: 1,
        asked: vec![
            a("paxos-one", "paxos", "single", true),
            a("flp-two", "flp", "truefalse", false),
            a("paxos-three", "paxos", "order", true),
            a("scenario-4242-0", "scenario", "scenario", false),
            skipped,
        ],
        quit,
    }
}

#[test]
fn summaries() {
    colored::control::set_override(false);
    insta::assert_snapshot!("quiz_summary_complete", render::summary(&log(None)));
    insta::assert_snapshot!(
        "quiz_summary_ended_early",
        render::summary(&log(Some(Quit::Eof)))
    );
    let empty = SessionLog {
        asked: vec![],
        ..log(Some(Quit::Interrupt))
    };
    insta::assert_snapshot!("quiz_summary_nothing_answered", render::summary(&empty));
}

#[test]
fn stats_with_forecast_and_weakest_topics() {
    use paxos_tutor::quiz::memory::{Answered, History};
    colored::control::set_override(false);
    const T0: i64 = 1_700_000_000; // 2023-11-14 22:13 UTC
    let day = T0 / 86_400;
    let mut h = History::default();
    let answers: &[(&str, &str, Kind, Grade)] = &[
        ("flp-a", "flp", Kind::Single, Grade::Again),
        ("flp-b", "flp", Kind::Truefalse, Grade::Good),
        ("flp-c", "flp", Kind::Single, Grade::Again),
        ("paxos-a", "paxos", Kind::Multi, Grade::Easy),
        ("paxos-b", "paxos", Kind::Order, Grade::Hard),
        ("paxos-c", "paxos", Kind::Single, Grade::Again),
        ("paxos-d", "paxos", Kind::Numeric, Grade::Good),
        ("scenario-7-1", "scenario", Kind::Scenario, Grade::Good),
    ];
    for (id, topic, kind, grade) in answers {
        h.record(
            &Answered {
                id,
                topic,
                kind: *kind,
                grade: *grade,
            },
            T0,
            day,
        );
    }
    // Read a day and a half later; the local day ends at midnight UTC.
    let now = T0 + 36 * 3600;
    let end = (now / 86_400 + 1) * 86_400;
    let st = h.stats(now, now / 86_400, end);
    insta::assert_snapshot!(
        "quiz_stats_forecast",
        render::stats(&st, "/home/learner/history.json")
    );
}
