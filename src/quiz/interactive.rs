//! Interactive mode on a terminal: dialoguer prompts (Select, MultiSelect, Sort, Input, Confirm).
//! A thin driver: what to show comes from `render`, what is right from `grade`.
//!
//! Esc (or `q`) at a choice prompt ends the session; so does Ctrl-C anywhere. console reads keys
//! in raw mode and, on Ctrl-C, raises SIGINT and returns `Interrupted`: the handler installed here
//! only notes it and shows the cursor again (a prompt hides it), so the session ends like Esc,
//! with the answers so far kept and the summary printed.

use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};

use colored::Colorize;
use dialoguer::console::{measure_text_width, truncate_str, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select, Sort};

use super::grade::{parse_answer, Presented, Response};
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

    /// The width a prompt item may take on one line.
    /// The terminal's width, for reflowing text (at least 40 columns).
    fn width(&self) -> usize {
        (self.term.size().1 as usize).max(40)
    }

    fn item_width(&self) -> usize {
        (self.term.size().1 as usize).saturating_sub(6).max(20)
    }

    /// Do the options each fit on one line of the prompt? If not, they are printed in full
    /// above it, and the prompt shows them cut short (a wrapped item breaks the prompt's redraw).
    fn options_fit(&self, p: &Presented) -> bool {
        render::options(p)
            .iter()
            .all(|o| measure_text_width(o) <= self.item_width())
    }

    /// The options, cut to one terminal line each.
    fn items(&self, p: &Presented) -> Vec<String> {
        let width = self.item_width();
        render::options(p)
            .iter()
            .map(|o| truncate_str(o, width, "…").into_owned())
            .collect()
    }
}

/// A line of help above a prompt.
fn hint(text: &str) {
    println!("{}", text.dimmed());
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
        if self.options_fit(p) {
            let text = format!(
                "{}\n{}",
                render::heading(number, total, p),
                render::prompt(p)
            );
            println!("{}", render::fit(&text, width));
        } else {
            println!(
                "{}",
                render::fit(&render::question_wrapped(number, total, p, width), width)
            );
        }
        let theme = self.theme.as_ref();
        let reply = match p.question.kind {
            Kind::Single | Kind::Scenario => settle(
                Select::with_theme(theme)
                    .with_prompt("Your answer")
                    .items(self.items(p))
                    .default(0)
                    .interact_opt(),
            )?
            .map(Response::One),
            Kind::Truefalse => settle(
                Select::with_theme(theme)
                    .with_prompt("Your answer")
                    .items(["True", "False"])
                    .default(0)
                    .interact_opt(),
            )?
            .map(|d| Response::Bool(d == 0)),
            Kind::Multi => settle({
                hint("Space marks a choice, enter confirms.");
                MultiSelect::with_theme(theme)
                    .with_prompt("Your answer")
                    .items(self.items(p))
                    .interact_opt()
            })?
            .map(|mut v| {
                v.sort_unstable();
                Response::Set(v)
            }),
            Kind::Order => settle({
                hint("Space picks a step up or puts it down, arrows move it, enter confirms.");
                Sort::with_theme(theme)
                    .with_prompt("Your order")
                    .items(self.items(p))
                    .interact_opt()
            })?
            .map(Response::Order),
            Kind::Numeric => {
                let input = Input::<String>::with_theme(theme)
                    .with_prompt("Your answer (a number)")
                    .validate_with(|s: &String| parse_answer(p, s).map(|_| ()))
                    .interact_text()
                    .map(Some);
                settle(input)?.map(|s| parse_answer(p, &s).expect("validated"))
            }
            Kind::Text => {
                let input = Input::<String>::with_theme(theme)
                    .with_prompt("Your answer")
                    .allow_empty(true)
                    .interact_text()
                    .map(Some);
                match settle(input)? {
                    Err(q) => Err(q),
                    Ok(answer) => {
                        println!("\n{}", render::fit(&render::model_answer(p), self.width()));
                        settle(
                            Confirm::with_theme(theme)
                                .with_prompt("Did your answer make these points?")
                                .interact_opt(),
                        )?
                        .map(|right| Response::Text { answer, right })
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

    fn feedback(&mut self, p: &Presented, outcome: &Outcome) -> Result<()> {
        println!(
            "\n{}",
            render::fit(&render::feedback(p, outcome), self.width())
        );
        Ok(())
    }
}
