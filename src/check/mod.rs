//! The exercises and the grader: `init` writes the workspace, `check` builds the learner's crate
//! against the harness carried in this binary and runs it as a child process, `hint` and `list`
//! help along the way. Logic lives in the submodules; this module wires them to the terminal.

pub mod compile;
pub mod embedded;
pub mod exercises;
pub mod interrupt;
pub mod procs;
pub mod render;
pub mod report;
pub mod request;
pub mod run;
pub mod sources;
pub mod state;
pub mod workspace;

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{CheckArgs, Format, HintArgs, InitArgs, ListArgs};
use crate::error::{Error, Result, EXIT_FAILED};
use crate::ui::Ui;
use report::{Outcome, RunnerResult, Verdict};

/// Exhaustive-phase defaults: 3 acceptors, 2 proposers to this depth (3 proposers two levels
/// less), one acceptor crash, one proposer timeout, within this many seconds.
pub const DEFAULT_DEPTH: u32 = 9;
pub const DEFAULT_CRASHES: u32 = 1;
pub const DEFAULT_TIMEOUTS: u32 = 1;
/// The wall-clock safety net (seconds): far above what the default bounds need on a loaded
/// machine; hitting it makes the verdict `incomplete`, never `pass`.
pub const DEFAULT_BUDGET: f64 = paxos_harness::runner::DEFAULT_SAFETY_NET;

pub fn cmd_init(args: &InitArgs, _ui: Ui) -> Result<u8> {
    let r = workspace::init(&args.dir, args.force)?;
    let dir = args.dir.display();
    println!(
        "Wrote the exercise workspace in {dir} ({} files written, {} kept).",
        r.written.len(),
        r.kept.len()
    );
    for f in &r.restored {
        println!("  restored {f} (the contract must match what paxos-tutor grades)");
    }
    println!("\nNext:\n  cd {dir}\n  $EDITOR acceptor/src/lib.rs\n  paxos-tutor check acceptor\n  paxos-tutor hint acceptor   (one more hint each time)");
    Ok(0)
}

fn progress_bar(ui: Ui, format: Format) -> Option<ProgressBar> {
    if !ui.progress || format == Format::Json {
        return None;
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    pb.enable_steady_tick(Duration::from_millis(100));
    Some(pb)
}

/// Run a whole check and return its outcome (no printing, except progress on stderr).
pub fn check(args: &CheckArgs, ui: Ui) -> Result<Outcome> {
    let ex = exercises::find(&args.exercise).map_err(Error::cannot_run)?;
    let ws = workspace::locate(args.dir.as_deref())?;
    workspace::check_contract(&ws)?;
    compile::refuse_config_files(&ws)?;
    let replay = match &args.replay {
        Some(p) => Some(request::load_replay(p)?),
        None => None,
    };
    let cache = crate::paths::cache_dir()?;
    // One check at a time per cache: the harness and the contract's copy there are shared by
    // every workspace, and a check rewrites and verifies them (released when the check ends,
    // or dies).
    std::fs::create_dir_all(&cache)
        .map_err(|e| Error::io(format!("cannot create {}", cache.display()), e))?;
    let lock_path = cache.join("check.lock");
    let _cache_lock = crate::paths::FileLock::acquire(&lock_path)
        .map_err(|e| Error::io(format!("cannot lock {}", lock_path.display()), e))?;
    let dirs = compile::prepare(&cache, &ws, ex)?;
    let pb = progress_bar(ui, args.format);
    if let Some(pb) = &pb {
        pb.set_message(format!(
            "building {} against the harness",
            ex.crates.join(" and ")
        ));
    }
    let built = compile::build(&dirs, &ws, ex, ui.color, |unit| {
        if let Some(pb) = &pb {
            pb.set_message(format!("building: compiled {unit}"));
        }
    })?;
    if matches!(built, compile::Built::Ok) {
        compile::verify(&dirs)?;
    }
    let mut outcome = Outcome {
        exercise: ex.name.to_string(),
        verdict: Verdict::Pass,
        schedules: 0,
        traces: 0,
        random: 0,
        seed: args.seed,
        found: None,
        diagnostics: None,
        detail: None,
        exhaustive: Vec::new(),
        replay_file: None,
        replayed: replay.as_ref().map(|r| r.display().to_string()),
        printed: Vec::new(),
        incomplete: Vec::new(),
    };
    if let compile::Built::CompileError(text) = built {
        if let Some(pb) = &pb {
            pb.finish_and_clear();
        }
        outcome.verdict = Verdict::CompileError;
        outcome.diagnostics = Some(text);
        return Ok(outcome);
    }
    let budget = args.budget.unwrap_or(DEFAULT_BUDGET);
    let options = request::options(args, ex, replay.as_deref());
    let limits = run::Limits {
        wall: Duration::from_secs_f64(120.0 + budget * 2.0 + args.schedules as f64 / 1000.0),
        memory: args.memory.map_or(run::DEFAULT_MEMORY, |m| m.0),
    };
    let ended = run::run_plan(
        &dirs.binary(),
        &options,
        &dirs.root.join("scratch"),
        &limits,
        run::jobs(args.jobs),
        |p| {
            if let Some(pb) = &pb {
                let msg = match p.phase.as_str() {
                    "traces" => format!("traces: {}/{} {}", p.done, p.total, p.detail),
                    "random" => format!("random schedules: {}/{}", p.done, p.total),
                    ph if ph.starts_with("exhaustive") => format!(
                        "exhaustive search, {}: {} unique states ({} explored), {}",
                        match ph.trim_start_matches("exhaustive-").split_once('-') {
                            Some((a, p)) => format!("{a} acceptors and {p} proposers"),
                            None => ph.to_string(),
                        },
                        p.done,
                        p.total,
                        p.detail
                    ),
                    "takeover" => format!(
                        "exhaustive search, takeover (P3 after P1 and P2 stop): {} unique states ({} explored), {}",
                        p.done, p.total, p.detail
                    ),
                    ph => ph.to_string(),
                };
                pb.set_message(msg);
            }
        },
    )?;
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    match ended {
        run::Ended::WallClock(d) => {
            outcome.verdict = Verdict::Timeout;
            outcome.detail = Some(format!(
                "the check as a whole did not finish within {} s and was stopped",
                d.as_secs()
            ));
        }
        run::Ended::Crashed { how, last_call } => {
            outcome.verdict = Verdict::Panic;
            outcome.detail = Some(match last_call {
                Some(call) => format!("the harness process died while calling {call}: {how}"),
                None => format!("the harness process died: {how}"),
            });
        }
        run::Ended::OutOfMemory {
            allocation,
            limit,
            last_call,
            between_calls,
        } => {
            outcome.verdict = Verdict::Panic;
            let limit = format!("{} MiB (--memory {}M)", limit >> 20, limit >> 20);
            outcome.detail = Some(match last_call {
                Some(call) => format!(
                    "out of memory: {allocation} while calling {call}, with the harness process limited to {limit}; look for state that grows on every call"
                ),
                None if between_calls => format!(
                    "out of memory: {allocation} in the harness itself, between calls into your code, with the process limited to {limit}; the search keeps every state it has seen (lower --max-states, or a `Debug` that prints less, uses less)"
                ),
                None => format!(
                    "out of memory: {allocation}, with the harness process limited to {limit}"
                ),
            });
        }
        run::Ended::Result(text) => {
            let r: RunnerResult = serde_json::from_str(&text).map_err(|e| {
                Error::cannot_run(format!(
                    "the harness wrote a result paxos-tutor cannot read: {e}"
                ))
            })?;
            outcome.schedules = r.schedules;
            outcome.traces = r.traces;
            outcome.random = r.random;
            outcome.exhaustive = r.exhaustive;
            outcome.verdict = match r.verdict.as_str() {
                "pass" => Verdict::Pass,
                "fail" => Verdict::Fail,
                "incomplete" => Verdict::Incomplete,
                "panic" => Verdict::Panic,
                "timeout" => Verdict::Timeout,
                _ => {
                    return Err(Error::cannot_run(
                        r.error
                            .unwrap_or_else(|| format!("the harness said `{}`", r.verdict)),
                    ))
                }
            };
            outcome.detail = r.timeout;
            outcome.incomplete = r.incomplete;
            if let Some(f) = r.violation {
                let path = dirs
                    .runner_dir
                    .parent()
                    .unwrap_or(&dirs.root)
                    // Per workspace (`ws-<hash>/`): two workspaces sharing the cache keep their own.
                    .join("replays")
                    .join(format!("{}-seed{}.yaml", ex.name, args.seed));
                // The saved schedule records the sources it was found with (see `sources`).
                let text = format!("sources: {}\n{}", sources::fingerprint(&ws, ex), f.replay);
                crate::paths::write_atomic(&path, text.as_bytes())?;
                // Replay the counterexample alone, in a fresh process, to show what the learner's
                // code printed in it; it must fail there too.
                let (printed, failed) = run::learner_output(
                    &dirs.binary(),
                    &request::replay_options(ex, &path),
                    &dirs.root.join("scratch"),
                    &run::Limits {
                        wall: Duration::from_secs(60),
                        memory: limits.memory,
                    },
                )
                .unwrap_or_default();
                outcome.printed = printed;
                // A failure before the first step (in `start`) has no schedule to replay:
                // `--replay` refuses an empty one, so none is offered.
                if !f.steps.is_empty() {
                    outcome.replay_file = Some(path.display().to_string());
                }
                // (A panic in the learner's Debug, Clone or Drop is not replayed there: a fresh
                // replay neither hashes nor clones states.)
                let derive_call =
                    f.code == "panic" && paxos_harness::runner::is_derive_call(&f.call);
                if !f.steps.is_empty() && failed == Some(false) && replay.is_none() && !derive_call
                {
                    // It failed in the check's process but not in a fresh one: state that lives
                    // outside the nodes (a static, a counter) carried over from earlier schedules.
                    outcome.verdict = Verdict::Incomplete;
                    outcome.incomplete.push(format!(
                        "a schedule that broke {} ({}) in the {} does not fail when replayed alone in a fresh process: the code keeps state outside its nodes (a static, a counter, a clock or randomness), so one schedule changes the next. The schedule: {}",
                        f.property,
                        f.message,
                        f.origin,
                        f.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>().join("; ")
                    ));
                    outcome.printed.clear();
                } else {
                    outcome.found = Some(f);
                }
            } else if let (Some(r), Verdict::Pass) = (&replay, outcome.verdict) {
                // A saved counterexample that no longer fails: after an edit, good news; with the
                // very sources it was found with, state the replay does not capture.
                let text = std::fs::read_to_string(r).unwrap_or_default();
                if sources::recorded(&text) == Some(sources::fingerprint(&ws, ex).as_str()) {
                    outcome.verdict = Verdict::Incomplete;
                    outcome.incomplete.push(format!(
                        "{} no longer fails, yet your sources are the ones it was found with: the code keeps state outside its nodes (a static, a counter, a clock or randomness), or its Clone or Debug does not capture its whole state, so the same schedule does not behave the same way twice",
                        r.display()
                    ));
                }
            }
        }
    }
    Ok(outcome)
}

pub fn cmd_check(args: &CheckArgs, ui: Ui) -> Result<u8> {
    // Before any child starts: non-dumpable, a subreaper, no leaked descriptors; then SIGINT,
    // SIGTERM and SIGHUP kill every descendant.
    procs::protect_self();
    interrupt::install();
    let outcome = check(args, ui)?;
    interrupt::stop_here_if_interrupted();
    let ws = workspace::locate(args.dir.as_deref())?;
    if args.replay.is_none() {
        let record = state::LastVerdict {
            verdict: outcome.verdict.as_str().to_string(),
            property: outcome.found.as_ref().map(|f| f.property.clone()),
            at: state::now(),
        };
        match state::StateFile::locate()
            .and_then(|s| s.update(&ws, |w| w.verdicts.insert(outcome.exercise.clone(), record)))
        {
            Ok((_, Some(warning))) => eprintln!("paxos-tutor: {warning}"),
            Ok(_) => {}
            Err(e) => eprintln!("paxos-tutor: could not record the verdict: {e}"),
        }
    }
    match args.format {
        Format::Json => println!("{}", report::contract_json(&outcome)),
        Format::Human => print!("{}", render::human(&outcome)),
    }
    Ok(if outcome.verdict == Verdict::Pass {
        0
    } else {
        EXIT_FAILED
    })
}

pub fn cmd_hint(args: &HintArgs, _ui: Ui) -> Result<u8> {
    let ex = exercises::find(&args.exercise).map_err(Error::cannot_run)?;
    let key = match workspace::locate(args.dir.as_deref()) {
        Ok(ws) => ws,
        Err(_) => std::path::PathBuf::from("(no workspace)"),
    };
    let file = state::StateFile::locate()?;
    let total = ex.hints.len();
    let (shown, warning) = file.update(&key, |w| {
        let n = w.hints.entry(ex.name.to_string()).or_default();
        if args.all {
            *n = total;
        } else if *n < total {
            *n += 1;
        }
        *n
    })?;
    if let Some(w) = warning {
        eprintln!("paxos-tutor: {w}");
    }
    for (i, h) in ex.hints.iter().enumerate().take(shown) {
        println!("Hint {}/{total} for {}: {h}\n", i + 1, ex.name);
    }
    if shown < total {
        println!(
            "(`paxos-tutor hint {}` again for the next one, `--all` for all)",
            ex.name
        );
    } else if !args.all {
        println!("(that was the last hint)");
    }
    Ok(0)
}

pub fn cmd_list(args: &ListArgs, _ui: Ui) -> Result<u8> {
    let ws = workspace::locate(args.dir.as_deref()).ok();
    let (st, warning) = state::StateFile::locate()?.load()?;
    if let Some(w) = warning {
        eprintln!("paxos-tutor: {w}");
    }
    let mine = ws
        .as_ref()
        .and_then(|w| st.workspaces.get(&w.display().to_string()));
    let rows: Vec<(&str, &str, String)> = exercises::EXERCISES
        .iter()
        .map(|e| {
            let v = mine.and_then(|m| m.verdicts.get(e.name));
            let last = match v {
                Some(v) => match &v.property {
                    Some(p) => format!("{} ({p})", v.verdict),
                    None => v.verdict.clone(),
                },
                None => "not checked yet".into(),
            };
            (e.name, e.summary, last)
        })
        .collect();
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(
                    |(n, s, l)| serde_json::json!({"exercise": n, "summary": s, "last_verdict": l}),
                )
                .collect();
            println!(
                "{}",
                serde_json::json!({"workspace": ws.map(|w| w.display().to_string()), "exercises": v})
            );
        }
        Format::Human => {
            match &ws {
                Some(w) => println!("Exercises in {}:", w.display()),
                None => println!("Exercises (no workspace here: `paxos-tutor init` writes one):"),
            }
            for (n, s, l) in rows {
                println!("  {n:<9} {l:<28} {s}");
            }
        }
    }
    Ok(0)
}
