//! The `paxos-tutor` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = paxos_tutor::cli::Cli::parse();
    match paxos_tutor::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("paxos-tutor: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
