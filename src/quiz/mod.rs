//! The quiz: banks, engine, memory and bank tools. (Being built.)

pub mod model;

use crate::cli::{BankCommand, QuizArgs, StatsArgs};
use crate::error::{Error, Result};
use crate::ui::Ui;

pub fn cmd_quiz(_args: &QuizArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("quiz: not built yet"))
}

pub fn cmd_bank(_cmd: &BankCommand, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("bank: not built yet"))
}

pub fn cmd_stats(_args: &StatsArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("stats: not built yet"))
}
