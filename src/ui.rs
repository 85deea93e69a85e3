//! Terminal manners shared by every command: whether to use colour, whether we may prompt.
//!
//! Colour: `--color always|never` wins; with `auto`, `NO_COLOR` (non-empty) turns it off,
//! `CLICOLOR_FORCE` (non-empty, not "0") turns it on, else it follows whether stdout is a terminal.
//!
//! Width (for reports reflowed to fit): stdout's terminal width when stdout is a terminal; else
//! `COLUMNS` when it is a whole number; else [`DEFAULT_WIDTH`]. Never below [`MIN_WIDTH`]. The
//! progress line has its own width, stderr's terminal's (it is drawn only on a terminal).

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
    /// The width reports are reflowed to (see the module's doc).
    pub width: usize,
    /// stderr's terminal width, when stderr is a terminal (the progress line fits in it).
    pub progress_width: usize,
}

/// The report width when stdout is not a terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;
/// The narrowest width a report is reflowed to.
pub const MIN_WIDTH: usize = 40;

/// The report width from what is known: the terminal's width (if stdout is one), `COLUMNS`.
pub fn report_width(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|&w| w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|&w| w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

fn terminal_width(term: &dialoguer::console::Term) -> Option<usize> {
    term.is_term()
        .then(|| term.size_checked().map(|(_, w)| w as usize))
        .flatten()
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
        let columns = std::env::var("COLUMNS").ok();
        let stdout_width = if stdout_tty {
            terminal_width(&dialoguer::console::Term::stdout())
        } else {
            None
        };
        let stderr_tty = std::io::stderr().is_terminal();
        Ui {
            color,
            interactive: stdout_tty && std::io::stdin().is_terminal(),
            progress: stderr_tty,
            width: report_width(stdout_width, columns.as_deref()),
            progress_width: terminal_width(&dialoguer::console::Term::stderr())
                .unwrap_or(DEFAULT_WIDTH),
        }
    }

    /// Plain, uncoloured, non-interactive: what tests and scripts get.
    pub fn plain() -> Ui {
        colored::control::set_override(false);
        Ui {
            color: false,
            interactive: false,
            progress: false,
            width: DEFAULT_WIDTH,
            progress_width: DEFAULT_WIDTH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_from_terminal_then_columns_then_default() {
        assert_eq!(report_width(Some(72), Some("120")), 72);
        assert_eq!(report_width(None, Some("60")), 60);
        assert_eq!(report_width(None, Some(" 60 ")), 60);
        assert_eq!(report_width(None, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(report_width(None, Some("0")), DEFAULT_WIDTH);
        assert_eq!(report_width(None, None), DEFAULT_WIDTH);
        assert_eq!(report_width(None, Some("10")), MIN_WIDTH);
    }
}
