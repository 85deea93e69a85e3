//! The command line: every subcommand, flag and default, as clap definitions and nothing else.
//!
//! Kept apart from the logic so `--help` can be snapshot-tested and `Cli::command().debug_assert()`
//! checks the definitions in a unit test.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A terminal tutor for Paxos and consensus.
///
/// Quiz yourself on Paxos, Multi-Paxos, FLP, Raft vs Paxos, EPaxos and more, or write your own Paxos
/// acceptor and proposer and let the grader try to break them.
#[derive(Debug, Parser)]
#[command(
    name = "paxos-tutor",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to use colour: auto follows NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Text for a person.
    #[default]
    Human,
    /// One JSON document on stdout, for a program.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer questions; what you get wrong comes back until you know it.
    Quiz(QuizArgs),
    /// Validate, export or count question banks.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Your accuracy by topic and kind, what falls due when, your weakest topics, your streak.
    Stats(StatsArgs),
    /// Write the exercise workspace (the crates of every exercise) to DIR.
    Init(InitArgs),
    /// Grade your implementation of an exercise against a hidden harness.
    Check(CheckArgs),
    /// Check again on every save: the verdict of each version of your sources as you edit.
    Watch(WatchArgs),
    /// One more hint for an exercise (or all of them).
    Hint(HintArgs),
    /// The exercises, with your last verdict on each.
    List(ListArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct QuizArgs {
    /// Only these topics (repeatable): paxos, multi-paxos, flp, raft-vs-paxos, epaxos, vr-zab,
    /// flexible-paxos, production, bugs, scenario.
    #[arg(long = "topic", short = 't', value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Only these kinds (repeatable): single, multi, truefalse, order, numeric, text, scenario.
    #[arg(long = "kind", short = 'k', value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Only this difficulty, 1 (basic) to 3 (hard), or a range such as 1-2.
    #[arg(long, short = 'd', value_name = "D|LO-HI", value_parser = parse_difficulty)]
    pub difficulty: Option<(u8, u8)>,
    /// Only questions with this tag (repeatable: any of them), e.g. misconception, liveness.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Ask exactly this question (repeatable, in the order given; `bank export` lists the ids,
    /// a generated question's id is in the session it was asked in). Other filters do not apply.
    #[arg(long = "id", value_name = "ID", conflicts_with_all = ["review", "due"])]
    pub ids: Vec<String>,
    /// How many questions.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub count: usize,
    /// Seed for the choice of questions, the order of choices and generated scenarios.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Serve questions due for review first (spaced repetition, FSRS), then new ones.
    #[arg(long, conflicts_with = "due")]
    pub review: bool,
    /// Only the questions due for review now (generated ones included, as they were asked).
    #[arg(long)]
    pub due: bool,
    /// Add questions from the YAML files in DIR to their topics (the same id replaces a question).
    #[arg(long, value_name = "DIR")]
    pub bank: Vec<PathBuf>,
    /// Output format of the summary (json implies plain, non-interactive questions).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Plain mode even on a terminal: questions as text, one answer line each from stdin.
    #[arg(long)]
    pub plain: bool,
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Check banks for YAML and schema errors, duplicate ids, answers that do not match the
    /// choices, and missing explanations or sources. Exits 1 on any problem.
    Lint(BankLintArgs),
    /// Print every question.
    Export(BankExportArgs),
    /// Count questions by topic and kind.
    Stats(BankStatsArgs),
    /// Print one question with its key (a bank id, or a generated question's id).
    Show(BankShowArgs),
}

#[derive(Debug, Args)]
pub struct BankShowArgs {
    /// The question's id.
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Add banks (or replace questions by id) with the YAML files in DIR.
    #[arg(long, value_name = "DIR")]
    pub bank: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BankLintArgs {
    /// A folder of bank YAML files (default: the banks built into this binary).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BankExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Instead of the banks, print N generated questions of every family (for review).
    #[arg(long, value_name = "N")]
    pub generated: Option<usize>,
    /// With --generated: the seed of the generated questions.
    #[arg(long, default_value_t = 1, requires = "generated")]
    pub seed: u64,
    /// Add questions from the YAML files in DIR to their topics (the same id replaces a question).
    #[arg(long, value_name = "DIR")]
    pub bank: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BankStatsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Add questions from the YAML files in DIR to their topics (the same id replaces a question).
    #[arg(long, value_name = "DIR")]
    pub bank: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Forget every answer you have given (asks first; `--yes` to skip the question).
    #[arg(long)]
    pub reset: bool,
    /// With --reset: do not ask.
    #[arg(long, requires = "reset")]
    pub yes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the workspace.
    #[arg(default_value = "paxos-exercises")]
    pub dir: PathBuf,
    /// Write into a non-empty DIR: missing files are added and paxos-api is restored, but no file
    /// of yours is ever deleted or overwritten.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// The exercise: acceptor, proposer, paxos or multipaxos.
    pub exercise: String,
    /// The exercise workspace (default: the one containing the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Seed of the random schedules: the same seed gives the same verdict and counterexample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replay a schedule saved by an earlier check instead of exploring.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// How many random schedules to run.
    #[arg(long, default_value_t = 10_000)]
    pub schedules: u64,
    /// Exhaustive phase: the deepest schedule explored (default 9 for 3 acceptors and 2 proposers;
    /// 3 proposers go 2 less deep, 5 acceptors 4 less; 0 skips the phase, and the takeover search
    /// too unless --takeover is given).
    #[arg(long)]
    pub depth: Option<u32>,
    /// Exhaustive phase: acceptor crashes allowed per schedule (default 1).
    #[arg(long)]
    pub crashes: Option<u32>,
    /// Exhaustive phase: proposer timeouts allowed per schedule (default 1).
    #[arg(long)]
    pub timeouts: Option<u32>,
    /// Exhaustive phase: only this many proposers (2 or 3), with 3 acceptors (default: 2, then 3,
    /// then 5 acceptors with 2 proposers).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=3))]
    pub proposers: Option<u32>,
    /// Exhaustive phase, takeover search (3 acceptors, 3 proposers): P1 and P2 take up to EARLY
    /// steps, then stop, and P3 takes over for up to LATE more; `off` skips it, and so does
    /// --proposers 2 (default 10+4).
    #[arg(long, value_name = "EARLY+LATE", value_parser = parse_takeover)]
    pub takeover: Option<Takeover>,
    /// Exhaustive phase, takeover search: proposer timeouts allowed in each turn (default 0).
    #[arg(long, value_name = "N")]
    pub takeover_timeouts: Option<u32>,
    /// Exhaustive phase: a time limit in seconds, as a safety net (default 60). The depth and
    /// --max-states bound the search, so a check explores the same schedules on any machine.
    #[arg(long, value_name = "SECONDS", value_parser = parse_budget)]
    pub budget: Option<f64>,
    /// Exhaustive phase: memory budget, as unique states kept (about 1 KB each with the frontier).
    #[arg(long, value_name = "N", default_value_t = 4_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_states: u64,
    /// Wall-clock limit for one call into your code, in milliseconds.
    #[arg(long, default_value_t = 2000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub call_timeout: u64,
    /// Memory limit of the process that runs your code (its address space), as N with a unit
    /// (512M, 4G) or a number of MiB (default 4G). An allocation beyond it ends the check, naming
    /// the call.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub memory: Option<Memory>,
    /// No progress on stderr (by default: a line redrawn on a terminal, else one line per phase;
    /// never with --format json).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run the check even if the sources, harness and flags are those of the last completed
    /// check, whose stored verdict is shown otherwise.
    #[arg(long)]
    pub fresh: bool,
    /// Worker processes that share the check's traces, random schedules and exhaustive
    /// configurations (default: one per core). The verdict, counterexample and counts are the
    /// same for any N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The exercise: acceptor, proposer, paxos or multipaxos (default: each exercise whose sources change).
    pub exercise: Option<String>,
    /// The exercise workspace (default: the one containing the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Flags of `paxos-tutor check` for every check, after EXERCISE (e.g. `watch acceptor
    /// --depth 5 --schedules 500 --fresh`).
    #[arg(
        value_name = "CHECK FLAGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub check_flags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HintArgs {
    /// The exercise: acceptor, proposer, paxos or multipaxos.
    pub exercise: String,
    /// Show every hint at once.
    #[arg(long)]
    pub all: bool,
    /// The exercise workspace (default: the one containing the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The exercise workspace (default: the one containing the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}

/// `--takeover EARLY+LATE` or `--takeover off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Takeover(pub Option<(u32, u32)>);

fn parse_difficulty(v: &str) -> Result<(u8, u8), String> {
    crate::quiz::select::parse_difficulty(v)
}

fn parse_takeover(v: &str) -> Result<Takeover, String> {
    paxos_harness::runner::parse_takeover(v).map(Takeover)
}

/// `--budget SECONDS`: a finite number above zero.
fn parse_budget(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(b) if b.is_finite() && b > 0.0 => Ok(b),
        _ => Err(format!(
            "`{v}` is not a number of seconds above zero (e.g. 60 or 2.5)"
        )),
    }
}

/// `--memory SIZE`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory(pub u64);

fn parse_memory(v: &str) -> Result<Memory, String> {
    let bad = || format!("`{v}` is not a size such as 512M, 4G or 4096 (MiB), of at least 64M");
    let t = v.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "M"),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(bad()),
    };
    let bytes = n.checked_mul(1 << shift).ok_or_else(bad)?;
    if bytes < 64 << 20 {
        return Err(bad());
    }
    Ok(Memory(bytes))
}

#[cfg(test)]
mod value_tests {
    use super::*;

    #[test]
    fn budgets_are_finite_and_positive() {
        assert_eq!(parse_budget("2.5"), Ok(2.5));
        for bad in ["nan", "NaN", "inf", "-inf", "0", "-1", "", "x"] {
            assert!(parse_budget(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("4G"), Ok(Memory(4 << 30)));
        assert_eq!(parse_memory("512M"), Ok(Memory(512 << 20)));
        assert_eq!(parse_memory("512MiB"), Ok(Memory(512 << 20)));
        assert_eq!(parse_memory("1024"), Ok(Memory(1 << 30)));
        for bad in ["1M", "4X", "G", "", "-4G", "99999999999999T"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
    }
}
