//! Plain mode: questions as text, one answer line each from standard input. What scripts, pipes,
//! `--plain` and `--format json` get. A line that cannot be read as an answer is asked again
//! once, with the reason; a second unreadable line skips the question (neither graded nor
//! recorded: a typo is not a wrong answer). End of input ends the session. Plain mode never asks
//! how hard a right answer was: it counts as Good.
//!
//! A `text` question reads two lines: the learner's answer, then, after the model answer and key
//! points are shown, `y` or `n` for whether their answer made those points.

use std::io::{BufRead, Write};

use super::fsrs::Grade;
use super::grade::{parse_answer, parse_yes_no, Presented, Response};
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
            .map_err(|e| {
                super::quiet_if_closed(&e);
                Error::io("writing the quiz", e)
            })
    }

    /// Give back the output (tests read it).
    pub fn into_output(self) -> W {
        self.out
    }
}

impl<R: BufRead, W: Write> Plain<R, W> {
    /// Read a line and parse it; on failure say why and read one more. `Ok(Err(quit))` at end of
    /// input; `Ok(Ok(Err((line, reason))))` when both lines were unreadable.
    #[allow(clippy::type_complexity)]
    fn read_twice<T>(
        &mut self,
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<std::result::Result<std::result::Result<T, (String, String)>, Quit>> {
        let Some(line) = self.read_line()? else {
            return Ok(Err(Quit::Eof));
        };
        let reason = match parse(&line) {
            Ok(v) => return Ok(Ok(Ok(v))),
            Err(reason) => reason,
        };
        self.write(&format!("{}\n", render::unreadable_again(&line, &reason)))?;
        let Some(line) = self.read_line()? else {
            return Ok(Err(Quit::Eof));
        };
        Ok(Ok(parse(&line).map_err(|reason| (line, reason))))
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
        let parse_text = |l: &str| {
            if l.trim().is_empty() {
                Err("no answer given; write one line".to_string())
            } else {
                Ok(l.to_string())
            }
        };
        let answer = if p.question.kind == Kind::Text {
            self.read_twice(parse_text)?
        } else {
            match self.read_twice(|l| parse_answer(p, l))? {
                Err(q) => return Ok(Reply::Quit(q)),
                Ok(Ok(r)) => return Ok(Reply::Answer(r)),
                Ok(Err((given, reason))) => return Ok(Reply::Skip { given, reason }),
            }
        };
        let line = match answer {
            Err(q) => return Ok(Reply::Quit(q)),
            Ok(Err((given, reason))) => return Ok(Reply::Skip { given, reason }),
            Ok(Ok(line)) => line,
        };
        let text = format!("\n{}{}\n", render::model_answer(p), render::SELF_GRADE);
        self.write(&text)?;
        Ok(
            match self
                .read_twice(|l| parse_yes_no(l).map_err(|r| format!("{r} for the self-grade")))?
            {
                Err(q) => Reply::Quit(q),
                Ok(Ok(right)) => Reply::Answer(Response::Text {
                    answer: line,
                    right,
                }),
                Ok(Err((given, reason))) => Reply::Skip { given, reason },
            },
        )
    }

    fn verdict(&mut self, p: &Presented, outcome: &Outcome) -> Result<(Grade, Option<Quit>)> {
        self.write(&format!("\n{}", render::verdict(p, outcome)))?;
        Ok((Grade::Good, None))
    }

    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()> {
        let text = format!("{}\n", render::feedback_body(p, outcome));
        self.write(&text)
    }

    fn skipped(&mut self, _: &Presented, given: &str, reason: &str) -> Result<()> {
        self.write(&format!("\n{}\n", render::skipped(given, reason)))
    }
}
