//! paxos-tutor as a library: the binary is a thin shell over [`run`].
//!
//! - [`quiz`]: question banks, the quiz engine, memory and the bank tools (logic without terminal
//!   I/O, with rendering in its own module).
//! - [`check`]: the exercise workspace (`init`, `hint`, `list`) and the grader (`check`), which
//!   builds the learner's crate against the harness carried in this binary and runs it as a child.
//! - [`cli`], [`ui`], [`error`]: the command line, terminal manners and exit codes.

pub mod check;
pub mod cli;
pub mod error;
pub mod paths;
pub mod quiz;
pub mod rng;
pub mod ui;

use clap::CommandFactory;

use cli::{Cli, Command};
use error::Result;
use ui::Ui;

/// Run one command; the result is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let ui = Ui::detect(cli.color);
    match cli.command {
        Command::Quiz(args) => quiz::cmd_quiz(&args, ui),
        Command::Bank(cmd) => quiz::cmd_bank(&cmd, ui),
        Command::Stats(args) => quiz::cmd_stats(&args, ui),
        Command::Init(args) => check::cmd_init(&args, ui),
        Command::Check(args) => check::cmd_check(&args, ui),
        Command::Watch(args) => check::watch::cmd_watch(&args, ui),
        Command::Hint(args) => check::cmd_hint(&args, ui),
        Command::List(args) => check::cmd_list(&args, ui),
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "paxos-tutor", &mut std::io::stdout());
            Ok(0)
        }
    }
}
