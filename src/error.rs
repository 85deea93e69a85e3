//! One error type for the whole program. Each variant knows its exit code, so `main` only maps
//! and prints. Exit codes: 0 success or pass, 1 a failing verdict or a problem found (lint), 2 the
//! command could not run (bad arguments, missing files, no cargo).

use std::fmt;

/// The exit code of a command that could not run.
pub const EXIT_CANNOT_RUN: u8 = 2;
/// The exit code of a command that ran and found a problem (a failing verdict, a lint error).
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug)]
pub enum Error {
    /// The command could not run; the message is one line for stderr.
    CannotRun(String),
    /// An I/O error while doing `what`.
    Io {
        what: String,
        source: std::io::Error,
    },
    /// The user interrupted (Ctrl-C) at a prompt.
    Interrupted,
}

impl Error {
    pub fn cannot_run(msg: impl Into<String>) -> Error {
        Error::CannotRun(msg.into())
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::CannotRun(_) | Error::Io { .. } => EXIT_CANNOT_RUN,
            Error::Interrupted => 130,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::CannotRun(msg) => write!(f, "{msg}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
