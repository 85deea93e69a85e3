//! The quiz: question banks, sessions, memory between sessions, and the bank tools.
//!
//! The logic is pure and lives in its own modules: [`grade`] (keys, shuffled presentation,
//! grading, answer parsing), [`select`] (which questions, in which order), [`fsrs`] (the review
//! schedule; [`sm2`] only to read old histories), [`memory`] (history and its file), [`lint`]
//! (bank checks, and the reader of bank files from disk), [`session`] (the loop, independent of
//! the terminal). [`render`] turns results into text. The drivers are thin: [`plain`]
//! (stdin/stdout lines) and [`interactive`] (terminal prompts). This file maps the commands
//! onto them.

pub mod bank;
pub mod fsrs;
pub mod grade;
pub mod interactive;
pub mod lint;
pub mod memory;
pub mod model;
pub mod plain;
pub mod render;
pub mod scenario;
pub mod select;
pub mod session;
pub mod sm2;

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{BankCommand, Format, QuizArgs, StatsArgs};
use crate::error::{Error, Result, EXIT_FAILED};
use crate::rng::Rng;
use crate::ui::Ui;

use fsrs::{Grade, DAY};
use grade::{kind_name, parse_kind, Presented, KINDS};
use memory::{Answered, Store};
use model::{Kind, Question};
use select::{Filter, Mode, SCENARIO};
use session::Quit;

/// `paxos-tutor quiz`.
pub fn cmd_quiz(args: &QuizArgs, ui: Ui) -> Result<u8> {
    if args.count == 0 {
        return Err(Error::cannot_run("--count must be at least 1"));
    }
    let kinds = args
        .kinds
        .iter()
        .map(|k| {
            parse_kind(k).ok_or_else(|| {
                let all: Vec<&str> = KINDS.iter().map(|k| kind_name(*k)).collect();
                Error::cannot_run(format!("unknown kind `{k}`: one of {}", all.join(", ")))
            })
        })
        .collect::<Result<Vec<Kind>>>()?;
    let loaded = bank::load(&args.bank)?;
    warn_all(&loaded.warnings);
    let topics: Vec<String> = args
        .topics
        .iter()
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    for t in &topics {
        if t != SCENARIO && !loaded.banks.contains_key(t) {
            let mut known = loaded.topics();
            known.push(SCENARIO);
            return Err(Error::cannot_run(format!(
                "unknown topic `{t}`: one of {}",
                known.join(", ")
            )));
        }
    }
    let filter = Filter {
        topics,
        kinds,
        difficulty: args.difficulty,
        tags: args.tags.iter().map(|t| t.trim().to_string()).collect(),
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let store = Store::locate()?;
    // Before the first question: an answer that cannot be saved must not be asked for.
    store.check_writable()?;
    let now = unix_now();
    let history = {
        let _lock = store.lock()?;
        load_history(&store, now)?
    };
    let pool = loaded.questions();

    let plan = if !args.ids.is_empty() {
        let mut chosen = Vec::new();
        for id in &args.ids {
            let q = find_question(&pool, id).ok_or_else(|| Error::cannot_run(unknown_id(id)))?;
            chosen.push(q);
        }
        let mut rng = Rng::new(seed);
        let questions = chosen
            .into_iter()
            .map(|q| Presented::new(q, &mut rng).map_err(Error::cannot_run))
            .collect::<Result<Vec<_>>>()?;
        select::Plan { questions, due: 0 }
    } else {
        // Generated questions seen before come back by their ids in --review and --due.
        let seen_generated: Vec<Question> = if args.review || args.due {
            history
                .questions
                .keys()
                .filter(|id| scenario::family_of(id).is_some())
                .filter_map(|id| generated(id))
                .collect()
        } else {
            Vec::new()
        };
        let mut pool = pool.clone();
        pool.extend(seen_generated.iter());
        let n_scenarios = if args.due {
            0
        } else {
            filter.scenario_count(args.count)
        };
        let mut scenarios = new_scenarios(seed, n_scenarios, &filter);
        // A generated question already in the pool (seen before) is not asked twice.
        scenarios.retain(|s| !seen_generated.iter().any(|g| g.id == s.id));
        let mode = if args.due {
            Mode::Due(&history, now)
        } else if args.review {
            Mode::Review(&history, now)
        } else {
            Mode::Sample
        };
        select::plan(
            &pool,
            scenarios,
            &filter,
            args.count,
            mode,
            &mut Rng::new(seed),
        )
    };
    // Due questions this session cannot ask: their bank is not loaded (`--bank`), or gone.
    let missing: Vec<&str> = if (args.review || args.due) && args.ids.is_empty() {
        let pool = loaded.questions();
        history
            .due_ids(now)
            .into_iter()
            .filter(|id| scenario::family_of(id).is_none() && !pool.iter().any(|q| q.id == *id))
            .filter(|id| {
                filter.topics.is_empty()
                    || history
                        .questions
                        .get(*id)
                        .is_some_and(|r| filter.topics.contains(&r.topic))
            })
            .collect()
    } else {
        Vec::new()
    };
    {
        if !missing.is_empty() {
            eprintln!(
                "paxos-tutor: note: {} more due question{} not in the banks loaded (from another --bank?): {}",
                missing.len(),
                if missing.len() == 1 { " is" } else { "s are" },
                missing.join(", ")
            );
        }
    }
    if plan.questions.is_empty() {
        if args.due && !missing.is_empty() {
            return Err(Error::cannot_run(
                "none of the questions due is in the banks loaded: add the --bank they came from",
            ));
        }
        if args.due {
            // The next due date ahead among the questions seen that match the topics asked for.
            let next = history
                .questions
                .values()
                .filter(|r| filter.topics.is_empty() || filter.topics.contains(&r.topic))
                .map(|r| r.memory.due)
                .filter(|&d| d > now)
                .min();
            let that = if filter_given(args) {
                " that matches"
            } else {
                ""
            };
            print_out(&match next {
                None if history.questions.is_empty() => {
                    "Nothing is due: no question has been answered yet. Start with `paxos-tutor quiz`.\n".to_string()
                }
                None => format!("Nothing{that} is due now, and nothing{that} falls due later.\n"),
                Some(t) => format!(
                    "Nothing{that} is due now; the next question{that} falls due in {}.\n",
                    render::duration(t - now)
                ),
            })?;
            return Ok(0);
        }
        return Err(Error::cannot_run(no_questions(args)));
    }

    let json = args.format == Format::Json;
    let interactive = ui.interactive && !args.plain && !json;
    let mut intro = intro(plan.questions.len(), plan.due, args, seed, interactive);
    if args.ids.is_empty() && plan.questions.len() < args.count && !args.due {
        let n = plan.questions.len();
        let what = what_matched(args);
        intro = format!(
            "Only {n} question{} {} (you asked for --count {}).\n{intro}",
            if n == 1 { "" } else { "s" },
            match (what.is_empty(), n == 1) {
                (true, true) => "is available".to_string(),
                (true, false) => "are available".to_string(),
                (false, true) => format!("matches {what}"),
                (false, false) => format!("match {what}"),
            },
            args.count
        );
    }
    let mut record = |p: &Presented, grade: Grade| -> Result<()> {
        let now = unix_now();
        // Under the lock, on what is on disk now: two sessions at once keep both their answers.
        let loaded = store.update(now, |h| {
            h.record(
                &Answered {
                    id: &p.question.id,
                    topic: &p.question.topic,
                    kind: p.question.kind,
                    grade,
                },
                now,
                local_day(now),
            )
        })?;
        if let Some(n) = loaded.notice {
            eprintln!("paxos-tutor: warning: {n}");
        }
        Ok(())
    };
    let repeat = repeat_command(args, seed);
    let due_command = due_command(args);
    let log = if interactive {
        interactive::install_ctrlc_handler();
        println!("{intro}");
        let mut asker = interactive::Interactive::new(ui.color);
        session::run(
            &plan.questions,
            seed,
            plan.due,
            (repeat, due_command),
            &mut asker,
            &mut record,
        )?
    } else if json {
        eprintln!("{intro}");
        let mut asker = plain::Plain::new(std::io::stdin().lock(), std::io::stderr());
        session::run(
            &plan.questions,
            seed,
            plan.due,
            (repeat, due_command),
            &mut asker,
            &mut record,
        )?
    } else {
        print_out(&format!("{intro}\n"))?;
        let mut asker = plain::Plain::new(std::io::stdin().lock(), std::io::stdout());
        session::run(
            &plan.questions,
            seed,
            plan.due,
            (repeat, due_command),
            &mut asker,
            &mut record,
        )?
    };
    if json {
        print_json(&log.to_json())?;
    } else if interactive {
        // Long lines wrapped at words; the table's lines kept as they are.
        let width = interactive::width();
        let text: String = render::summary(&log)
            .lines()
            .map(|l| {
                if dialoguer::console::measure_text_width(l) > width {
                    format!("{}\n", render::fit(l, width))
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        print_out(&text)?;
    } else {
        print_out(&render::summary(&log))?;
    }
    Ok(if log.quit == Some(Quit::Interrupt) {
        Error::Interrupted.exit_code()
    } else {
        0
    })
}

/// A generated question from its id, with its topic filled in; None (and a warning) when the
/// id no longer gives a question that can be graded.
fn generated(id: &str) -> Option<Question> {
    let mut q = scenario::regenerate(id)?;
    if q.topic.is_empty() {
        q.topic = SCENARIO.to_string();
    }
    match grade::key(&q) {
        Ok(_) => Some(q),
        Err(msg) => {
            eprintln!("paxos-tutor: warning: skipping generated question {id}: {msg}");
            None
        }
    }
}

/// `n` newly generated questions for `seed` that match the filter's difficulty and tags.
fn new_scenarios(seed: u64, n: usize, filter: &Filter) -> Vec<Question> {
    if n == 0 {
        return Vec::new();
    }
    // Generated questions of the topics asked for (all families for none or `scenario`).
    let all = match filter.difficulty {
        Some((lo, hi)) if lo == hi => scenario::generate_for(&filter.topics, seed, n, Some(lo)),
        // A range: draw more and keep those in it (each question is its own draw).
        Some(_) => scenario::generate_for(&filter.topics, seed, n * 4 + 8, None),
        None => scenario::generate_for(&filter.topics, seed, n, None),
    };
    all.into_iter()
        .map(|mut s| {
            if s.topic.is_empty() {
                s.topic = SCENARIO.to_string();
            }
            s
        })
        .filter(|s| {
            filter
                .difficulty
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&s.difficulty))
                && (filter.tags.is_empty() || s.tags.iter().any(|t| filter.tags.contains(t)))
        })
        .filter(|s| match grade::key(s) {
            Ok(_) => true,
            Err(msg) => {
                eprintln!(
                    "paxos-tutor: warning: skipping generated question {}: {msg}",
                    s.id
                );
                false
            }
        })
        .take(n)
        .collect()
}

/// A bank question by id, or a generated one rebuilt from its id.
fn find_question(pool: &[&Question], id: &str) -> Option<Question> {
    pool.iter()
        .find(|q| q.id == id)
        .map(|q| (*q).clone())
        .or_else(|| generated(id))
}

fn unknown_id(id: &str) -> String {
    format!(
        "no question has the id `{id}`: `paxos-tutor bank export --format human` lists the bank ids; a generated one looks like gen-<family>-<seed>"
    )
}

fn intro(n: usize, due: usize, args: &QuizArgs, seed: u64, interactive: bool) -> String {
    let mut s = format!("{n} question{}", if n == 1 { "" } else { "s" });
    if args.review {
        s.push_str(&format!(", {due} due for review"));
    }
    if args.due {
        s.push_str(" due for review");
    }
    s.push_str(&format!(", seed {seed}."));
    if interactive {
        s.push_str(" Esc or Ctrl-C ends the session; your answers are kept.");
    }
    s.push('\n');
    s
}

fn filter_given(args: &QuizArgs) -> bool {
    !(args.topics.is_empty()
        && args.kinds.is_empty()
        && args.difficulty.is_none()
        && args.tags.is_empty())
}

/// The filters as typed, e.g. `--topic demo --kind single`.
fn filter_args(args: &QuizArgs) -> Vec<String> {
    let mut what = Vec::new();
    for t in &args.topics {
        what.push(format!("--topic {}", shell_word(t)));
    }
    for k in &args.kinds {
        what.push(format!("--kind {}", shell_word(k)));
    }
    if let Some((lo, hi)) = args.difficulty {
        if lo == hi {
            what.push(format!("--difficulty {lo}"));
        } else {
            what.push(format!("--difficulty {lo}-{hi}"));
        }
    }
    for t in &args.tags {
        what.push(format!("--tag {}", shell_word(t)));
    }
    what
}

fn what_matched(args: &QuizArgs) -> String {
    filter_args(args).join(" ")
}

fn no_questions(args: &QuizArgs) -> String {
    let what = filter_args(args);
    if what.is_empty() {
        "no questions to ask: no bank is available (see `paxos-tutor bank lint`)".to_string()
    } else {
        format!(
            "no questions match {}; `paxos-tutor bank stats` shows what there is",
            what.join(" ")
        )
    }
}

/// The whole command that asks this session again.
fn repeat_command(args: &QuizArgs, seed: u64) -> String {
    let mut cmd = vec!["paxos-tutor quiz".to_string()];
    for b in &args.bank {
        cmd.push(format!("--bank {}", shell_word(&b.display().to_string())));
    }
    if args.ids.is_empty() {
        cmd.extend(filter_args(args));
        cmd.push(format!("--count {}", args.count));
    } else {
        for id in &args.ids {
            cmd.push(format!("--id {}", shell_word(id)));
        }
    }
    if args.review {
        cmd.push("--review".into());
    }
    if args.due {
        cmd.push("--due".into());
    }
    cmd.push(format!("--seed {seed}"));
    if args.plain {
        cmd.push("--plain".into());
    }
    if args.format == Format::Json {
        cmd.push("--format json".into());
    }
    cmd.join(" ")
}

/// The command that asks what is due, with the same banks.
fn due_command(args: &QuizArgs) -> String {
    let mut cmd = vec!["paxos-tutor quiz".to_string()];
    for b in &args.bank {
        cmd.push(format!("--bank {}", shell_word(&b.display().to_string())));
    }
    cmd.push("--due".into());
    cmd.join(" ")
}

/// `s` as one shell word: as it is when it is plain, else in single quotes.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `paxos-tutor bank lint|export|stats`.
pub fn cmd_bank(cmd: &BankCommand, _ui: Ui) -> Result<u8> {
    match cmd {
        BankCommand::Lint(args) => {
            let files = match &args.dir {
                Some(dir) => bank::dir_files(dir)?,
                None => bank::embedded_files(),
            };
            if files.is_empty() {
                return Err(Error::cannot_run("no banks are built into this binary"));
            }
            let report = lint::lint(&files);
            print_out(&render::lint(&report))?;
            Ok(if report.problems.is_empty() {
                0
            } else {
                EXIT_FAILED
            })
        }
        BankCommand::Export(args) => {
            let loaded;
            let generated: Vec<model::Question>;
            let questions: Vec<&model::Question> = match args.generated {
                Some(n) => {
                    generated = scenario::FAMILIES
                        .iter()
                        .flat_map(|f| scenario::generate_family(f.name, args.seed, n))
                        .collect();
                    generated.iter().collect()
                }
                None => {
                    loaded = bank::load(&args.bank)?;
                    warn_all(&loaded.warnings);
                    loaded.questions()
                }
            };
            match args.format {
                Format::Json => {
                    let all: Vec<serde_json::Value> = questions
                        .iter()
                        .map(|q| {
                            let mut v = serde_json::to_value(q).expect("question serializes");
                            if let Some(f) = scenario::family_of(&q.id) {
                                v.as_object_mut()
                                    .unwrap()
                                    .insert("family".into(), f.name.into());
                            }
                            // Order questions have no `answer` (the steps are the key): say so.
                            v.as_object_mut()
                                .unwrap()
                                .entry("answer")
                                .or_insert(serde_json::Value::Null);
                            v
                        })
                        .collect();
                    print_json(&serde_json::Value::Array(all))?;
                }
                Format::Human => {
                    let mut s = String::new();
                    for q in questions {
                        let p = Presented::unshuffled(q.clone()).map_err(Error::cannot_run)?;
                        s.push_str(&render::exported(&p));
                        s.push('\n');
                    }
                    print_out(&s)?;
                }
            }
            Ok(0)
        }
        BankCommand::Stats(args) => {
            let loaded = bank::load(&args.bank)?;
            warn_all(&loaded.warnings);
            let banks: Vec<&model::Bank> = loaded.banks.values().collect();
            match args.format {
                Format::Human => print_out(&render::bank_stats(&banks))?,
                Format::Json => {
                    let mut topics = serde_json::Map::new();
                    let mut kinds = serde_json::Map::new();
                    for b in &banks {
                        let mut row = serde_json::Map::new();
                        for k in KINDS {
                            let n = b.questions.iter().filter(|q| q.kind == k).count();
                            if n > 0 {
                                row.insert(kind_name(k).into(), n.into());
                                let total = kinds
                                    .get(kind_name(k))
                                    .and_then(|v| v.as_u64())
                                    .unwrap_or(0);
                                kinds.insert(kind_name(k).into(), (total + n as u64).into());
                            }
                        }
                        row.insert("total".into(), b.questions.len().into());
                        topics.insert(b.topic.clone(), row.into());
                    }
                    let total: usize = banks.iter().map(|b| b.questions.len()).sum();
                    print_json(
                        &serde_json::json!({ "topics": topics, "kinds": kinds, "total": total }),
                    )?;
                }
            }
            Ok(0)
        }
        BankCommand::Show(args) => {
            let loaded = bank::load(&args.bank)?;
            warn_all(&loaded.warnings);
            let q = find_question(&loaded.questions(), &args.id)
                .ok_or_else(|| Error::cannot_run(unknown_id(&args.id)))?;
            match args.format {
                Format::Json => {
                    let mut v = serde_json::to_value(&q).expect("question serializes");
                    v.as_object_mut()
                        .unwrap()
                        .entry("answer")
                        .or_insert(serde_json::Value::Null);
                    print_json(&v)?;
                }
                Format::Human => {
                    let p = Presented::unshuffled(q).map_err(Error::cannot_run)?;
                    print_out(&render::exported(&p))?;
                }
            }
            Ok(0)
        }
    }
}

/// `paxos-tutor stats [--reset [--yes]]`.
pub fn cmd_stats(args: &StatsArgs, ui: Ui) -> Result<u8> {
    let store = Store::locate()?;
    let now = unix_now();
    let history = if store.path.exists() {
        let _lock = store.lock()?;
        load_history(&store, now)?
    } else {
        memory::History::default()
    };
    let path = store.path.display().to_string();
    if args.reset {
        let answers = history.answers();
        if !args.yes {
            if !ui.interactive {
                return Err(Error::cannot_run(
                    "stats --reset forgets every answer and needs a terminal to confirm; add --yes to do it without asking",
                ));
            }
            let question = format!("Forget all {answers} answers in {path}?");
            let ok = dialoguer::Confirm::new()
                .with_prompt(question)
                .default(false)
                .interact_opt()
                .map_err(|e| Error::io("reading from the terminal", e.into()))?;
            if ok != Some(true) {
                print_out("Nothing forgotten.\n")?;
                return Ok(0);
            }
        }
        let removed = store.reset()?;
        match args.format {
            Format::Json => print_json(&serde_json::json!({
                "reset": removed, "answers_forgotten": answers, "history": path
            }))?,
            Format::Human if removed => {
                print_out(&format!("Forgot {answers} answers: removed {path}.\n"))?
            }
            Format::Human => print_out(&format!("Nothing to forget: there is no {path}.\n"))?,
        }
        return Ok(0);
    }
    let today = local_day(now);
    let stats = history.stats(now, today, day_end(now));
    match args.format {
        Format::Human => print_out(&render::stats(&stats, &path))?,
        Format::Json => {
            let mut v = serde_json::to_value(&stats).expect("stats serialize");
            v.as_object_mut()
                .unwrap()
                .insert("history".into(), path.into());
            print_json(&v)?;
        }
    }
    Ok(0)
}

/// Load the history, telling the learner (stderr) when a corrupt file was set aside.
fn load_history(store: &Store, now: i64) -> Result<memory::History> {
    let loaded = store.load(now)?;
    if let Some(n) = loaded.notice {
        eprintln!("paxos-tutor: warning: {n}");
    }
    Ok(loaded.history)
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("paxos-tutor: warning: {w}");
    }
}

fn print_out(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| {
            quiet_if_closed(&e);
            Error::io("writing to stdout", e)
        })
}

/// A reader that closed our output (`paxos-tutor bank export | head`) wanted no more: end
/// quietly, as a pipeline expects, with nothing lost (answers are saved as they are given).
pub(crate) fn quiet_if_closed(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}

fn print_json(v: &serde_json::Value) -> Result<()> {
    let mut s = serde_json::to_string_pretty(v).expect("JSON serializes");
    s.push('\n');
    print_out(&s)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The local time zone's offset from UTC at `now`, in seconds.
fn local_offset(now: i64) -> i64 {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_opt(now, 0)
        .single()
        .map_or(0, |t| t.offset().local_minus_utc() as i64)
}

/// The learner's calendar day (days since 1970-01-01 in local time) at `now`.
fn local_day(now: i64) -> i64 {
    (now + local_offset(now)).div_euclid(DAY)
}

/// The Unix time at which the learner's calendar day of `now` ends.
fn day_end(now: i64) -> i64 {
    (local_day(now) + 1) * DAY - local_offset(now)
}

/// A seed from the clock (and the process id), when `--seed` is not given.
fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // Keep it short enough to type: the summary prints it.
    Rng::new(nanos ^ (std::process::id() as u64) << 32).next_u64() % 1_000_000
}
