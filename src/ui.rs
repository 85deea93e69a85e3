//! Terminal manners shared by every command: whether to use colour, whether we may prompt.
//!
//! Colour: `--color always|never` wins; with `auto`, `NO_COLOR` (non-empty) turns it off,
//! `CLICOLOR_FORCE` (non-empty, not "0") turns it on, else it follows whether stdout is a terminal.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// What the process may do with the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    /// Colour on stdout (and in rendered reports).
    pub color: bool,
    /// stdin and stdout are both terminals: interactive prompts are allowed.
    pub interactive: bool,
    /// stderr is a terminal: progress bars are allowed.
    pub progress: bool,
}

impl Ui {
    /// Decide from the flag and the environment, and apply the colour choice to `colored`.
    pub fn detect(choice: ColorChoice) -> Ui {
        let stdout_tty = std::io::stdout().is_terminal();
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if env("NO_COLOR").is_some() {
                    false
                } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    true
                } else {
                    stdout_tty
                }
            }
        };
        colored::control::set_override(color);
        Ui {
            color,
            interactive: stdout_tty && std::io::stdin().is_terminal(),
            progress: std::io::stderr().is_terminal(),
        }
    }

    /// Plain, uncoloured, non-interactive: what tests and scripts get.
    pub fn plain() -> Ui {
        colored::control::set_override(false);
        Ui {
            color: false,
            interactive: false,
            progress: false,
        }
    }
}
