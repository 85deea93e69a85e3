//! The quiz: question banks, sessions, memory between sessions, and the bank tools.
//!
//! The logic is pure and lives in its own modules: [`grade`] (keys, shuffled presentation,
//! grading, answer parsing), [`select`] (which questions, in which order), [`sm2`] (the review
//! schedule), [`memory`] (history and its file), [`lint`] (bank checks), [`session`] (the loop,
//! independent of the terminal). [`render`] turns results into text. The drivers are thin:
//! [`plain`] (stdin/stdout lines) and [`interactive`] (dialoguer prompts). This file maps the
//! three commands onto them.

pub mod bank;
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

use grade::{kind_name, parse_kind, Presented, KINDS};
use memory::{Answered, Store};
use model::Kind;
use select::{Filter, SCENARIO};
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
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let store = Store::locate()?;
    let now = unix_now();
    let history = load_history(&store, now)?;

    let n_scenarios = filter.scenario_count(args.count);
    let mut scenarios = if n_scenarios > 0 {
        // Generated questions of the topics asked for (all families for none or `scenario`).
        scenario::generate_for(&filter.topics, seed, n_scenarios, args.difficulty)
    } else {
        Vec::new()
    };
    scenarios.retain(|s| match grade::key(s) {
        Ok(_) => true,
        Err(msg) => {
            eprintln!(
                "paxos-tutor: warning: skipping generated question {}: {msg}",
                s.id
            );
            false
        }
    });
    let pool = loaded.questions();
    let review = args.review.then_some((&history, now));
    let plan = select::plan(
        &pool,
        scenarios,
        &filter,
        args.count,
        review,
        &mut Rng::new(seed),
    );
    if plan.questions.is_empty() {
        return Err(Error::cannot_run(no_questions(args)));
    }

    let json = args.format == Format::Json;
    let interactive = ui.interactive && !args.plain && !json;
    let intro = intro(
        plan.questions.len(),
        plan.due,
        args.review,
        seed,
        interactive,
    );
    let mut record = |p: &Presented, correct: bool| -> Result<()> {
        let now = unix_now();
        // Re-read before writing, so two sessions at once do not undo each other's answers.
        let mut h = load_history(&store, now)?;
        let generated = p.question.kind == Kind::Scenario;
        let id = (!generated).then_some(p.question.id.as_str());
        h.record(
            &Answered {
                id,
                topic: &p.question.topic,
                kind: p.question.kind,
                correct,
            },
            now,
            local_day(now),
        );
        store.save(&h)
    };
    let log = if interactive {
        interactive::install_ctrlc_handler();
        println!("{intro}");
        let mut asker = interactive::Interactive::new(ui.color);
        session::run(&plan.questions, seed, plan.due, &mut asker, &mut record)?
    } else if json {
        eprintln!("{intro}");
        let mut asker = plain::Plain::new(std::io::stdin().lock(), std::io::stderr());
        session::run(&plan.questions, seed, plan.due, &mut asker, &mut record)?
    } else {
        println!("{intro}");
        let mut asker = plain::Plain::new(std::io::stdin().lock(), std::io::stdout());
        session::run(&plan.questions, seed, plan.due, &mut asker, &mut record)?
    };
    if json {
        print_json(&log.to_json())?;
    } else {
        print_out(&render::summary(&log))?;
    }
    Ok(if log.quit == Some(Quit::Interrupt) {
        Error::Interrupted.exit_code()
    } else {
        0
    })
}

fn intro(n: usize, due: usize, review: bool, seed: u64, interactive: bool) -> String {
    let mut s = format!("{n} question{}", if n == 1 { "" } else { "s" });
    if review {
        s.push_str(&format!(", {due} due for review"));
    }
    s.push_str(&format!(", seed {seed}."));
    if interactive {
        s.push_str(" Esc or Ctrl-C ends the session; your answers are kept.");
    }
    s.push('\n');
    s
}

fn no_questions(args: &QuizArgs) -> String {
    let mut what = Vec::new();
    for t in &args.topics {
        what.push(format!("--topic {t}"));
    }
    for k in &args.kinds {
        what.push(format!("--kind {k}"));
    }
    if let Some(d) = args.difficulty {
        what.push(format!("--difficulty {d}"));
    }
    if what.is_empty() {
        "no questions to ask: no bank is available (see `paxos-tutor bank lint`)".to_string()
    } else {
        format!(
            "no questions match {}; `paxos-tutor bank stats` shows what there is",
            what.join(" ")
        )
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
    }
}

/// `paxos-tutor stats [--reset [--yes]]`.
pub fn cmd_stats(args: &StatsArgs, ui: Ui) -> Result<u8> {
    let store = Store::locate()?;
    let now = unix_now();
    let history = load_history(&store, now)?;
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
    let stats = history.stats(now, local_day(now));
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
        .map_err(|e| Error::io("writing to stdout", e))
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

/// The learner's calendar day (days since 1970-01-01 in local time) at `now`.
fn local_day(now: i64) -> i64 {
    use chrono::TimeZone;
    let offset = chrono::Local
        .timestamp_opt(now, 0)
        .single()
        .map_or(0, |t| t.offset().local_minus_utc() as i64);
    (now + offset).div_euclid(sm2::DAY)
}

/// A seed from the clock (and the process id), when `--seed` is not given.
fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // Keep it short enough to type: the summary prints it.
    Rng::new(nanos ^ (std::process::id() as u64) << 32).next_u64() % 1_000_000
}
