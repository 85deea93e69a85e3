//! Plain mode: questions as text, one answer line each from standard input. What scripts, pipes,
//! `--plain` and `--format json` get. Nothing can be asked twice (there may be no one to ask), so
//! a line that is not an answer counts as wrong, with the reason; end of input ends the session.
//!
//! A `text` question reads two lines: the learner's answer, then, after the model answer and key
//! points are shown, `y` or `n` for whether their answer made those points.

use std::io::{BufRead, Write};

use super::grade::{parse_answer, parse_yes_no, Presented};
use super::model::Kind;
use super::render;
use super::session::{Asker, Outcome, Quit, Reply};
use crate::error::{Error, Result};

pub struct Plain<R, W> {
    input: R,
    out: W,
}

impl<R: BufRead, W: Write> Plain<R, W> {
    /// Read answers from `input`; write questions and feedback to `out`.
    pub fn new(input: R, out: W) -> Self {
        Plain { input, out }
    }

    /// The next line without its line ending; None at end of input.
    fn read_line(&mut self) -> Result<Option<String>> {
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(line.trim_end_matches(['\n', '\r']).to_string())),
            Err(e) => Err(Error::io("reading an answer from standard input", e)),
        }
    }

    fn write(&mut self, s: &str) -> Result<()> {
        self.out
            .write_all(s.as_bytes())
            .and_then(|_| self.out.flush())
            .map_err(|e| Error::io("writing the quiz", e))
    }

    /// Give back the output (tests read it).
    pub fn into_output(self) -> W {
        self.out
    }
}

impl<R: BufRead, W: Write> Asker for Plain<R, W> {
    fn ask(&mut self, number: usize, total: usize, p: &Presented) -> Result<Reply> {
        let text = format!(
            "{}\n{}\n",
            render::question(number, total, p),
            render::answer_hint(p)
        );
        self.write(&text)?;
        let Some(line) = self.read_line()? else {
            return Ok(Reply::Quit(Quit::Eof));
        };
        if p.question.kind != Kind::Text {
            return Ok(match parse_answer(p, &line) {
                Ok(r) => Reply::Answer(r),
                Err(reason) => Reply::Invalid {
                    given: line,
                    reason,
                },
            });
        }
        let text = format!("\n{}{}\n", render::model_answer(p), render::SELF_GRADE);
        self.write(&text)?;
        let Some(grade) = self.read_line()? else {
            return Ok(Reply::Quit(Quit::Eof));
        };
        Ok(match parse_yes_no(&grade) {
            Ok(right) => Reply::Answer(super::grade::Response::Text {
                answer: line,
                right,
            }),
            Err(reason) => Reply::Invalid {
                given: grade,
                reason: format!("{reason} for the self-grade"),
            },
        })
    }

    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()> {
        let text = format!("\n{}\n", render::feedback(p, outcome));
        self.write(&text)
    }
}
