//! Snapshots of what a learner reads in plain mode: each kind of question, feedback when right
//! and when wrong, the model answer of a text question, and session summaries. Rendered from the
//! fixture bank with a fixed seed, without colour.

use paxos_tutor::quiz::bank::{parse, BankFile};
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
            invalid: None,
        },
    )
}

fn wrong(p: &Presented, r: Response) -> String {
    assert!(!p.grade(&r), "the response must be wrong");
    render::feedback(
        p,
        &Outcome {
            correct: false,
            response: Some(r),
            invalid: None,
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
fn unreadable_answer() {
    let p = shown(Kind::Single);
    let o = Outcome {
        correct: false,
        response: None,
        invalid: Some(("Z".into(), "expected one letter, A-D".into())),
    };
    insta::assert_snapshot!("quiz_feedback_unreadable", render::feedback(&p, &o));
}

fn log(quit: Option<Quit>) -> SessionLog {
    let a = |id: &str, topic: &str, kind: &'static str, correct: bool| Asked {
        id: id.into(),
        topic: topic.into(),
        kind,
        difficulty: 2,
        correct,
        given: "A".into(),
        expected: "B".into(),
    };
    SessionLog {
        seed: 4242,
        planned: 5,
        due: 1,
        asked: vec![
            a("paxos-one", "paxos", "single", true),
            a("flp-two", "flp", "truefalse", false),
            a("paxos-three", "paxos", "order", true),
            a("scenario-4242-0", "scenario", "scenario", true),
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
