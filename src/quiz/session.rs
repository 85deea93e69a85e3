//! One quiz session, independent of how questions are asked: the loop asks each planned question
//! through an [`Asker`] (plain text on stdin/stdout, or dialoguer prompts), grades the reply,
//! records it (the caller saves memory after every answer, so an interrupted session loses
//! nothing), shows feedback, and keeps a [`SessionLog`] for the summary.

use std::collections::BTreeMap;

use serde::Serialize;

use super::grade::{kind_name, Presented, Response};
use super::memory::Tally;
use crate::error::Result;

/// Why a session ended before its last question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quit {
    /// End of standard input (plain mode).
    Eof,
    /// Esc or `q` at a prompt.
    Esc,
    /// Ctrl-C.
    Interrupt,
}

/// What the asker got from the learner.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Answer(Response),
    /// A line that could not be read as an answer (plain mode): counted wrong.
    Invalid {
        given: String,
        reason: String,
    },
    Quit(Quit),
}

/// The verdict on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub correct: bool,
    /// None when the reply was invalid.
    pub response: Option<Response>,
    /// The invalid line and why.
    pub invalid: Option<(String, String)>,
}

/// How questions are put to the learner and feedback shown.
pub trait Asker {
    /// Ask question `number` (1-based) of `total`.
    fn ask(&mut self, number: usize, total: usize, p: &Presented) -> Result<Reply>;
    /// Show whether it was right, and why.
    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()>;
}

/// One question asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asked {
    pub id: String,
    pub topic: String,
    pub kind: &'static str,
    pub difficulty: u8,
    pub correct: bool,
    /// The answer as typed (plain mode) or chosen, in displayed letters/numbers.
    pub given: String,
    /// The right answer, in the same terms.
    pub expected: String,
}

/// What happened in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionLog {
    pub seed: u64,
    /// Questions planned.
    pub planned: usize,
    /// Due reviews among them.
    pub due: usize,
    pub asked: Vec<Asked>,
    /// Why it ended early, if it did.
    pub quit: Option<Quit>,
}

impl SessionLog {
    pub fn correct(&self) -> usize {
        self.asked.iter().filter(|a| a.correct).count()
    }

    /// Answers by topic (sorted).
    pub fn by_topic(&self) -> BTreeMap<String, Tally> {
        let mut m: BTreeMap<String, Tally> = BTreeMap::new();
        for a in &self.asked {
            let t = m.entry(a.topic.clone()).or_default();
            t.answered += 1;
            t.correct += a.correct as u32;
        }
        m
    }

    /// The `--format json` summary.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "seed": self.seed,
            "planned": self.planned,
            "asked": self.asked.len(),
            "correct": self.correct(),
            "ended_early": self.quit.map(|q| serde_json::to_value(q).unwrap()),
            "questions": self.asked,
            "by_topic": self.by_topic(),
        })
    }
}

/// Run a session over `plan`. `record(p, correct)` is called after each graded answer, before
/// the feedback (the caller saves memory there).
pub fn run(
    plan: &[Presented],
    seed: u64,
    due: usize,
    asker: &mut dyn Asker,
    record: &mut dyn FnMut(&Presented, bool) -> Result<()>,
) -> Result<SessionLog> {
    let mut log = SessionLog {
        seed,
        planned: plan.len(),
        due,
        asked: Vec::new(),
        quit: None,
    };
    for (i, p) in plan.iter().enumerate() {
        let outcome = match asker.ask(i + 1, plan.len(), p)? {
            Reply::Quit(q) => {
                log.quit = Some(q);
                break;
            }
            Reply::Answer(r) => Outcome {
                correct: p.grade(&r),
                response: Some(r),
                invalid: None,
            },
            Reply::Invalid { given, reason } => Outcome {
                correct: false,
                response: None,
                invalid: Some((given, reason)),
            },
        };
        record(p, outcome.correct)?;
        log.asked.push(Asked {
            id: p.question.id.clone(),
            topic: p.question.topic.clone(),
            kind: kind_name(p.question.kind),
            difficulty: p.question.difficulty,
            correct: outcome.correct,
            given: match (&outcome.response, &outcome.invalid) {
                (Some(r), _) => r.show(),
                (None, Some((line, _))) => line.clone(),
                _ => String::new(),
            },
            expected: p.right_response().show(),
        });
        asker.feedback(p, &outcome)?;
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{Answer, Kind, Question};

    fn tf(id: &str, answer: bool) -> Presented {
        Presented::unshuffled(Question {
            answer: Some(Answer::Bool(answer)),
            ..Question::stub(id, "demo", Kind::Truefalse)
        })
        .unwrap()
    }

    /// Replies from a script; records what feedback it was shown.
    struct Scripted(Vec<Reply>, Vec<bool>);
    impl Asker for Scripted {
        fn ask(&mut self, _: usize, _: usize, _: &Presented) -> Result<Reply> {
            Ok(if self.0.is_empty() {
                Reply::Quit(Quit::Eof)
            } else {
                self.0.remove(0)
            })
        }
        fn feedback(&mut self, _: &Presented, o: &Outcome) -> Result<()> {
            self.1.push(o.correct);
            Ok(())
        }
    }

    #[test]
    fn grades_records_and_stops_early() {
        let plan = vec![
            tf("demo-a", true),
            tf("demo-b", false),
            tf("demo-c", true),
            tf("demo-d", true),
        ];
        let mut asker = Scripted(
            vec![
                Reply::Answer(Response::Bool(true)),
                Reply::Answer(Response::Bool(true)),
                Reply::Invalid {
                    given: "maybe".into(),
                    reason: "expected true or false".into(),
                },
            ],
            vec![],
        );
        let mut recorded = Vec::new();
        let log = run(&plan, 7, 0, &mut asker, &mut |p, c| {
            recorded.push((p.question.id.clone(), c));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            recorded,
            vec![
                ("demo-a".into(), true),
                ("demo-b".into(), false),
                ("demo-c".into(), false)
            ]
        );
        assert_eq!(asker.1, vec![true, false, false]);
        assert_eq!(log.quit, Some(Quit::Eof));
        assert_eq!(log.asked.len(), 3);
        assert_eq!(log.correct(), 1);
        assert_eq!(log.asked[2].given, "maybe");
        assert_eq!(log.asked[1].expected, "false");
        let j = log.to_json();
        assert_eq!(j["asked"], 3);
        assert_eq!(j["planned"], 4);
        assert_eq!(j["ended_early"], "eof");
        assert_eq!(j["by_topic"]["demo"]["correct"], 1);
        assert_eq!(j["questions"][0]["kind"], "truefalse");
    }
}
