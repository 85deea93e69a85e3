//! Interactive mode on a terminal: dialoguer prompts (Select, MultiSelect, Sort, Input, Confirm).
//! A thin driver: what to show comes from `render`, what is right from `grade`.
//!
//! Esc ends the session at every prompt (choices, the answer line of numeric and text
//! questions, the y/n self-grade, the hard/good/easy key); so does Ctrl-C anywhere. The answer
//! line is this module's own (dialoguer's `Input` ignores Esc), redrawn in place whatever its
//! length. console reads keys
//! in raw mode and, on Ctrl-C, raises SIGINT and returns `Interrupted`: the handler installed here
//! only notes it and shows the cursor again (a prompt hides it), so the session ends like Esc,
//! with the answers so far kept and the summary printed.

use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};

use colored::Colorize;
use dialoguer::console::{measure_text_width, Key, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{MultiSelect, Select, Sort};

use super::fsrs::Grade;
use super::grade::{letter, parse_answer, Presented, Response};
use super::model::Kind;
use super::render;
use super::session::{Asker, Outcome, Quit, Reply};
use crate::error::{Error, Result};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Treat Ctrl-C as the end of the session. Call once, before the first prompt.
pub fn install_ctrlc_handler() {
    // Fails only if a handler is already set, which is then left in charge.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        let _ = Term::stderr().show_cursor();
    });
}

/// The terminal's width, for reflowing a summary printed after the session.
pub fn width() -> usize {
    (Term::stderr().size().1 as usize).max(40)
}

pub struct Interactive {
    theme: Box<dyn Theme>,
    term: Term,
}

impl Interactive {
    pub fn new(color: bool) -> Interactive {
        dialoguer::console::set_colors_enabled(color);
        dialoguer::console::set_colors_enabled_stderr(color);
        let theme: Box<dyn Theme> = if color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Interactive {
            theme,
            term: Term::stderr(),
        }
    }

    /// The terminal's width, for reflowing text (at least 40 columns).
    fn width(&self) -> usize {
        (self.term.size().1 as usize).max(40)
    }

    /// The width a prompt item may take on one line.
    fn item_width(&self) -> usize {
        (self.term.size().1 as usize).saturating_sub(6).max(20)
    }

    /// Do the options each fit on one line of the prompt? If not, they are printed in full
    /// (wrapped) above it, and the prompt lists only their letters or numbers: a wrapped item
    /// breaks the prompt's redraw, and cut text would hide what the option says.
    fn options_fit(&self, p: &Presented) -> bool {
        render::options(p)
            .iter()
            .all(|o| measure_text_width(o) <= self.item_width())
    }

    /// The prompt's items: the options in full when they fit, else their labels.
    fn items(&self, p: &Presented, fit: bool) -> Vec<String> {
        if fit {
            return render::options(p);
        }
        (0..p.options())
            .map(|d| match p.question.kind {
                Kind::Order => format!("step {}", d + 1),
                _ => letter(d).to_string(),
            })
            .collect()
    }

    /// Redraw `text` (no trailing newline) over the `drawn` rows written last; the rows it takes.
    fn redraw(&self, drawn: usize, text: &str) -> std::io::Result<usize> {
        let t = &self.term;
        if drawn > 0 {
            t.clear_line()?;
            for _ in 1..drawn {
                t.move_cursor_up(1)?;
                t.clear_line()?;
            }
        }
        t.write_str(text)?;
        t.flush()?;
        let cols = (t.size().1 as usize).max(1);
        Ok(text
            .split('\n')
            .map(|l| measure_text_width(l).max(1).div_ceil(cols))
            .sum())
    }

    /// A line of input with Esc and Ctrl-C: Enter submits when `check` accepts the text (else
    /// its message is shown above the line and editing goes on). The line is cleared after.
    fn read_line(
        &self,
        prompt: &str,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<std::result::Result<String, Quit>> {
        let io = |e| Error::io("reading from the terminal", e);
        let mut buf = String::new();
        let mut problem: Option<String> = None;
        let mut drawn = 0;
        loop {
            let text = match &problem {
                Some(m) => format!("{}\n{prompt} {buf}", m.red()),
                None => format!("{prompt} {buf}"),
            };
            drawn = self.redraw(drawn, &text).map_err(io)?;
            let key = match self.term.read_key() {
                Ok(k) => k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    let _ = self.redraw(drawn, "");
                    return Ok(Err(Quit::Interrupt));
                }
                Err(e) => return Err(io(e)),
            };
            match key {
                Key::Escape => {
                    self.redraw(drawn, "").map_err(io)?;
                    return Ok(Err(Quit::Esc));
                }
                Key::Enter => match check(&buf) {
                    Ok(()) => {
                        self.redraw(drawn, "").map_err(io)?;
                        return Ok(Ok(buf));
                    }
                    Err(m) => problem = Some(m),
                },
                Key::Backspace => {
                    buf.pop();
                    problem = None;
                }
                Key::Char(c) if !c.is_control() => {
                    buf.push(c);
                    problem = None;
                }
                _ => {}
            }
        }
    }

    /// One key from `keys` (lowercase letters, or '\n' for Enter); Esc and Ctrl-C end the
    /// session. With `any` set, any other key gives '\n'.
    fn read_choice(&self, keys: &[char], any: bool) -> Result<std::result::Result<char, Quit>> {
        loop {
            let key = match self.term.read_key() {
                Ok(k) => k,
                Err(e) if e.kind() == ErrorKind::Interrupted => return Ok(Err(Quit::Interrupt)),
                Err(e) => return Err(Error::io("reading from the terminal", e)),
            };
            let c = match key {
                Key::Escape => return Ok(Err(Quit::Esc)),
                Key::Enter => '\n',
                Key::Char(c) => c.to_ascii_lowercase(),
                _ => '\0',
            };
            if keys.contains(&c) {
                return Ok(Ok(c));
            }
            if any {
                return Ok(Ok('\n'));
            }
        }
    }
}

/// Map a prompt's outcome: a value, Esc (None), Ctrl-C, or a real error.
fn settle<T>(r: dialoguer::Result<Option<T>>) -> Result<std::result::Result<T, Quit>> {
    match r {
        Ok(Some(v)) => Ok(Ok(v)),
        Ok(None) => Ok(Err(Quit::Esc)),
        Err(dialoguer::Error::IO(e)) if e.kind() == ErrorKind::Interrupted => {
            Ok(Err(Quit::Interrupt))
        }
        Err(dialoguer::Error::IO(e)) => Err(Error::io("reading from the terminal", e)),
    }
}

impl Asker for Interactive {
    fn ask(&mut self, number: usize, total: usize, p: &Presented) -> Result<Reply> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Ok(Reply::Quit(Quit::Interrupt));
        }
        let width = self.width();
        let fit = self.options_fit(p);
        let text = if fit {
            format!(
                "{}\n{}",
                render::heading(number, total, p),
                render::prompt(p)
            )
        } else {
            render::question_wrapped(number, total, p, width)
        };
        // The keys of the prompt, then one blank line before it.
        let keys = match p.question.kind {
            Kind::Multi => Some("Space marks a choice, enter confirms, Esc ends the session."),
            Kind::Order => Some(
                "Space picks a step up or puts it down, arrows move it, enter confirms, Esc ends the session.",
            ),
            _ => None,
        };
        println!("{}", render::fit(text.trim_end(), width));
        if let Some(k) = keys {
            println!("{}", render::fit(&k.dimmed().to_string(), width));
        }
        println!();
        let theme = self.theme.as_ref();
        let reply = match p.question.kind {
            Kind::Single | Kind::Scenario => settle(
                Select::with_theme(theme)
                    .with_prompt("Your answer (Esc ends the session)")
                    .items(self.items(p, fit))
                    .default(0)
                    .report(false)
                    .interact_opt(),
            )?
            .map(Response::One),
            Kind::Truefalse => settle(
                Select::with_theme(theme)
                    .with_prompt("Your answer (Esc ends the session)")
                    .items(["True", "False"])
                    .default(0)
                    .report(false)
                    .interact_opt(),
            )?
            .map(|d| Response::Bool(d == 0)),
            Kind::Multi => settle({
                MultiSelect::with_theme(theme)
                    .with_prompt("Your answer")
                    .items(self.items(p, fit))
                    .report(false)
                    .interact_opt()
            })?
            .map(|mut v| {
                v.sort_unstable();
                Response::Set(v)
            }),
            Kind::Order => settle({
                Sort::with_theme(theme)
                    .with_prompt("Your order")
                    .items(self.items(p, fit))
                    .report(false)
                    .interact_opt()
            })?
            .map(Response::Order),
            Kind::Numeric => self
                .read_line("Your answer (a number; Esc ends the session):", &|s| {
                    parse_answer(p, s).map(|_| ())
                })?
                .map(|s| parse_answer(p, &s).expect("validated")),
            Kind::Text => {
                let answer = self.read_line("Your answer (Esc ends the session):", &|s| {
                    if s.trim().is_empty() {
                        Err("Write an answer first (or Esc to end the session).".to_string())
                    } else {
                        Ok(())
                    }
                })?;
                match answer {
                    Err(q) => Err(q),
                    Ok(answer) => {
                        println!(
                            "{}",
                            render::fit(&format!("Your answer: {}", answer.trim()), self.width())
                        );
                        let model = render::model_answer(p);
                        println!("\n{}\n", render::fit(model.trim_end(), self.width()));
                        let ask =
                            "Did your answer make these points? y or n (Esc ends the session)";
                        self.term
                            .write_str(ask)
                            .map_err(|e| Error::io("writing to the terminal", e))?;
                        let _ = self.term.flush();
                        let got = self.read_choice(&['y', 'n'], false)?;
                        let _ = self.term.clear_line();
                        got.map(|c| {
                            let right = c == 'y';
                            let _ = self.term.write_line(&format!(
                                "Did your answer make these points? {}",
                                if right { "yes" } else { "no" }
                            ));
                            Response::Text { answer, right }
                        })
                    }
                }
            }
        };
        Ok(match reply {
            Ok(r) => Reply::Answer(r),
            Err(q) => {
                let q = if INTERRUPTED.load(Ordering::SeqCst) {
                    Quit::Interrupt
                } else {
                    q
                };
                let _ = self.term.show_cursor();
                if q == Quit::Interrupt {
                    // The prompt was left as it was: end its line.
                    let _ = self.term.write_line("");
                }
                Reply::Quit(q)
            }
        })
    }

    fn verdict(&mut self, p: &Presented, outcome: &Outcome) -> Result<(Grade, Option<Quit>)> {
        let mark = if outcome.correct {
            "✔".green().bold()
        } else {
            "✘".red().bold()
        };
        let line = format!("{mark} {}", render::verdict(p, outcome));
        println!("{}", render::fit(line.trim_end(), self.width()));
        if !outcome.correct {
            return Ok((Grade::Again, None));
        }
        let ask = "How did it feel? h hard · Enter good · e easy";
        self.term
            .write_str(&ask.dimmed().to_string())
            .map_err(|e| Error::io("writing to the terminal", e))?;
        let _ = self.term.flush();
        let got = self.read_choice(&['h', 'g', 'e', '\n'], true)?;
        let _ = self.term.clear_line();
        let (grade, quit) = match got {
            Ok('h') => (Grade::Hard, None),
            Ok('e') => (Grade::Easy, None),
            Ok(_) => (Grade::Good, None),
            Err(q) => (Grade::Good, Some(q)),
        };
        let name = match grade {
            Grade::Hard => "hard",
            Grade::Easy => "easy",
            _ => "good",
        };
        println!("{}", format!("Recorded as {name}.").dimmed());
        Ok((grade, quit))
    }

    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()> {
        let body = render::feedback_body(p, outcome);
        println!("{}\n", render::fit(body.trim_end(), self.width()));
        Ok(())
    }

    fn skipped(&mut self, _: &Presented, given: &str, reason: &str) -> Result<()> {
        println!(
            "{}",
            render::fit(&render::skipped(given, reason), self.width())
        );
        Ok(())
    }
}
