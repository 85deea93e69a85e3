//! The exercises and the grader. (Being built.)

use crate::cli::{CheckArgs, HintArgs, InitArgs, ListArgs};
use crate::error::{Error, Result};
use crate::ui::Ui;

pub fn cmd_init(_args: &InitArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("init: not built yet"))
}

pub fn cmd_check(_args: &CheckArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("check: not built yet"))
}

pub fn cmd_hint(_args: &HintArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("hint: not built yet"))
}

pub fn cmd_list(_args: &ListArgs, _ui: Ui) -> Result<u8> {
    Err(Error::cannot_run("list: not built yet"))
}
