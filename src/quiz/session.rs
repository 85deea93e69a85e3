//! One quiz session, independent of how questions are asked: the loop asks each planned question
//! through an [`Asker`] (plain text on stdin/stdout, or dialoguer prompts), grades the reply,
//! records it (the caller saves memory after every answer, so an interrupted session loses
//! nothing), shows feedback, and keeps a [`SessionLog`] for the summary.

use std::collections::BTreeMap;

use serde::Serialize;

use super::fsrs::Grade;
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
    /// No answer could be read (plain mode: an unreadable line, and again after a second
    /// chance): the question is skipped, neither graded nor recorded.
    Skip {
        given: String,
        reason: String,
    },
    Quit(Quit),
}

/// The verdict on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub correct: bool,
    /// None when the question was skipped.
    pub response: Option<Response>,
}

/// How questions are put to the learner and feedback shown.
pub trait Asker {
    /// Ask question `number` (1-based) of `total`.
    fn ask(&mut self, number: usize, total: usize, p: &Presented) -> Result<Reply>;
    /// Show the verdict at once (the first line of the feedback) and, after a right answer,
    /// ask how hard it was if the asker can (a terminal); Good otherwise. Err(quit) ends the
    /// session after this answer is recorded.
    fn verdict(&mut self, p: &Presented, outcome: &Outcome) -> Result<(Grade, Option<Quit>)>;
    /// Show the rest of the feedback: why, item by item, the explanation and sources.
    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()>;
    /// Say that the question was skipped.
    fn skipped(&mut self, p: &Presented, given: &str, reason: &str) -> Result<()>;
}

/// One question asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asked {
    pub id: String,
    pub topic: String,
    pub kind: &'static str,
    pub difficulty: u8,
    pub correct: bool,
    /// The question could not be read and was neither graded nor recorded.
    pub skipped: bool,
    /// again, hard, good or easy; None when skipped.
    pub grade: Option<Grade>,
    /// The answer as typed (plain mode) or chosen, in displayed letters/numbers.
    pub given: String,
    /// The right answer, in the same terms.
    pub expected: String,
}

/// What happened in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionLog {
    pub seed: u64,
    /// The whole command that asks the same questions again.
    pub repeat: String,
    /// The command that asks what is due, with the same banks.
    #[serde(skip)]
    pub due_command: String,
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

    /// Answers graded (not skipped).
    pub fn graded(&self) -> usize {
        self.asked.iter().filter(|a| !a.skipped).count()
    }

    /// Graded answers by topic (sorted).
    pub fn by_topic(&self) -> BTreeMap<String, Tally> {
        let mut m: BTreeMap<String, Tally> = BTreeMap::new();
        for a in self.asked.iter().filter(|a| !a.skipped) {
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
            "repeat": self.repeat,
            "planned": self.planned,
            "asked": self.asked.len(),
            "graded": self.graded(),
            "correct": self.correct(),
            "ended_early": self.quit.map(|q| serde_json::to_value(q).unwrap()),
            "questions": self.asked,
            "by_topic": self.by_topic(),
        })
    }
}

/// Run a session over `plan`. `record(p, grade)` is called after each graded answer, before
/// the feedback (the caller saves memory there); a skipped question is not recorded.
pub fn run(
    plan: &[Presented],
    seed: u64,
    due: usize,
    (repeat, due_command): (String, String),
    asker: &mut dyn Asker,
    record: &mut dyn FnMut(&Presented, Grade) -> Result<()>,
) -> Result<SessionLog> {
    let mut log = SessionLog {
        seed,
        repeat,
        due_command,
        planned: plan.len(),
        due,
        asked: Vec::new(),
        quit: None,
    };
    for (i, p) in plan.iter().enumerate() {
        let asked = |correct: bool, skipped: bool, grade: Option<Grade>, given: String| Asked {
            id: p.question.id.clone(),
            topic: p.question.topic.clone(),
            kind: kind_name(p.question.kind),
            difficulty: p.question.difficulty,
            correct,
            skipped,
            grade,
            given,
            expected: p.right_response().show(),
        };
        match asker.ask(i + 1, plan.len(), p)? {
            Reply::Quit(q) => {
                log.quit = Some(q);
                break;
            }
            Reply::Skip { given, reason } => {
                asker.skipped(p, &given, &reason)?;
                log.asked.push(asked(false, true, None, given));
            }
            Reply::Answer(r) => {
                let outcome = Outcome {
                    correct: p.grade(&r),
                    response: Some(r),
                };
                let (grade, quit) = asker.verdict(p, &outcome)?;
                let grade = if outcome.correct { grade } else { Grade::Again };
                record(p, grade)?;
                let given = outcome
                    .response
                    .as_ref()
                    .map(Response::show)
                    .unwrap_or_default();
                log.asked
                    .push(asked(outcome.correct, false, Some(grade), given));
                if let Some(q) = quit {
                    // Esc after the last answer ends nothing early.
                    if i + 1 < plan.len() {
                        log.quit = Some(q);
                    }
                    break;
                }
                asker.feedback(p, &outcome)?;
            }
        }
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

    /// Replies from a script, rating right answers `rate`; records what it was shown.
    struct Scripted(Vec<Reply>, Vec<String>, Grade);
    impl Asker for Scripted {
        fn ask(&mut self, _: usize, _: usize, _: &Presented) -> Result<Reply> {
            Ok(if self.0.is_empty() {
                Reply::Quit(Quit::Eof)
            } else {
                self.0.remove(0)
            })
        }
        fn verdict(&mut self, _: &Presented, o: &Outcome) -> Result<(Grade, Option<Quit>)> {
            self.1.push(format!("verdict {}", o.correct));
            Ok((self.2, None))
        }
        fn feedback(&mut self, _: &Presented, o: &Outcome) -> Result<()> {
            self.1.push(format!("feedback {}", o.correct));
            Ok(())
        }
        fn skipped(&mut self, p: &Presented, given: &str, _: &str) -> Result<()> {
            self.1.push(format!("skipped {} {given}", p.question.id));
            Ok(())
        }
    }

    #[test]
    fn grades_records_skips_and_stops_early() {
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
                Reply::Skip {
                    given: "maybe".into(),
                    reason: "expected true or false".into(),
                },
            ],
            vec![],
            Grade::Easy,
        );
        let mut recorded = Vec::new();
        let log = run(
            &plan,
            7,
            0,
            (
                "paxos-tutor quiz --seed 7".into(),
                "paxos-tutor quiz --due".into(),
            ),
            &mut asker,
            &mut |p, g| {
                recorded.push((p.question.id.clone(), g));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            recorded,
            vec![
                ("demo-a".into(), Grade::Easy),
                ("demo-b".into(), Grade::Again)
            ],
            "a right answer takes the asker's rating, a wrong one is Again, a skip is not recorded"
        );
        assert_eq!(
            asker.1,
            vec![
                "verdict true",
                "feedback true",
                "verdict false",
                "feedback false",
                "skipped demo-c maybe"
            ]
        );
        assert_eq!(log.quit, Some(Quit::Eof));
        assert_eq!(log.asked.len(), 3);
        assert_eq!((log.correct(), log.graded()), (1, 2));
        assert!(log.asked[2].skipped);
        assert_eq!(log.asked[2].given, "maybe");
        assert_eq!(log.asked[1].expected, "false");
        let j = log.to_json();
        assert_eq!(j["asked"], 3);
        assert_eq!(j["graded"], 2);
        assert_eq!(j["planned"], 4);
        assert_eq!(j["ended_early"], "eof");
        assert_eq!(j["repeat"], "paxos-tutor quiz --seed 7");
        assert_eq!(j["by_topic"]["demo"]["correct"], 1);
        assert_eq!(j["by_topic"]["demo"]["answered"], 2);
        assert_eq!(j["questions"][0]["kind"], "truefalse");
        assert_eq!(j["questions"][0]["grade"], "easy");
    }
}
