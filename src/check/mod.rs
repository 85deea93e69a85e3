//! The exercises and the grader: `init` writes the workspace, `check` builds the learner's crate
//! against the harness carried in this binary and runs it as a child process, `hint` and `list`
//! help along the way. Logic lives in the submodules; this module wires them to the terminal.

pub mod cache;
pub mod compile;
pub mod embedded;
pub mod exercises;
pub mod interrupt;
pub mod procs;
pub mod progress;
pub mod render;
pub mod report;
pub mod request;
pub mod run;
pub mod sources;
pub mod state;
pub mod watch;
pub mod workspace;

use std::time::Duration;

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
    println!("\nNext (README.md in {dir} explains more):\n  cd {dir}\n  $EDITOR acceptor/src/lib.rs\n  paxos-tutor check acceptor\n  paxos-tutor watch acceptor  (checks again on every save)\n  paxos-tutor hint acceptor   (one more hint each time)");
    Ok(0)
}

/// A check's outcome, and where it came from.
#[derive(Debug, Clone)]
pub struct Checked {
    pub outcome: Outcome,
    /// The fingerprint of the learner's sources the verdict is about (see `sources`).
    pub sources: String,
    /// From the verdict cache: when the stored run ended (seconds since the Unix epoch).
    pub cached_at: Option<u64>,
    /// A stored entry that was ignored (it failed its authentication): why, for a warning.
    pub rejected: Option<String>,
}

/// Run a whole check and return its outcome (no printing, except progress on stderr); the same
/// inputs as the last completed check give its stored outcome at once unless `--fresh`.
pub fn check(args: &CheckArgs, ui: Ui) -> Result<Checked> {
    let ex = exercises::find(&args.exercise).map_err(Error::cannot_run)?;
    let ws = workspace::locate(args.dir.as_deref())?;
    workspace::check_contract(&ws, ex)?;
    compile::refuse_config_files(&ws)?;
    let replay = match &args.replay {
        Some(p) => Some(request::load_replay(p, ex)?),
        None => None,
    };
    let cache = crate::paths::cache_dir()?;
    // One check at a time per cache: the harness and the contract's copy there are shared by
    // every workspace, and a check rewrites and verifies them (released when the check ends,
    // or dies). The verdict cache is read and written under the same lock.
    std::fs::create_dir_all(&cache)
        .map_err(|e| Error::io(format!("cannot create {}", cache.display()), e))?;
    let lock_path = cache.join("check.lock");
    let _cache_lock = crate::paths::FileLock::acquire(&lock_path)
        .map_err(|e| Error::io(format!("cannot lock {}", lock_path.display()), e))?;
    let sources = sources::fingerprint(&ws, ex);
    let memory = args.memory.map_or(run::DEFAULT_MEMORY, |m| m.0);
    let verdicts = cache::VerdictCache::at(&cache);
    let key = cache::Key::new(
        &ws,
        ex,
        &sources,
        &request::options(args, ex, replay.as_deref()),
        memory,
    );
    let mut rejected = None;
    if let (Some(key), false) = (&key, args.fresh) {
        match verdicts.lookup(key) {
            cache::Lookup::Hit(hit) => {
                let hit = *hit;
                return Ok(Checked {
                    outcome: hit.outcome,
                    sources,
                    cached_at: Some(hit.at),
                    rejected: None,
                });
            }
            cache::Lookup::Miss => {}
            cache::Lookup::Rejected(why) => rejected = Some(why),
        }
    }
    let outcome = run_check(args, ui, ex, &ws, replay, &cache)?;
    if let Some(key) = &key {
        // Written here, in the parent, after every process of the run is dead; only when the
        // sources did not change while it ran and no signal is stopping the check.
        let stable = sources::fingerprint(&ws, ex) == sources;
        let written = if stable && !interrupt::interrupted() {
            verdicts.record(key, &outcome, state::now())
        } else {
            verdicts.forget(key)
        };
        if let Err(e) = written {
            eprintln!("paxos-tutor: could not store the verdict for next time: {e}");
        }
    }
    Ok(Checked {
        outcome,
        sources,
        cached_at: None,
        rejected,
    })
}

/// Build and run the check (the cache lock held by the caller).
fn run_check(
    args: &CheckArgs,
    ui: Ui,
    ex: &'static exercises::Exercise,
    ws: &std::path::Path,
    replay: Option<std::path::PathBuf>,
    cache: &std::path::Path,
) -> Result<Outcome> {
    let ws = ws.to_path_buf();
    let dirs = compile::prepare(cache, &ws, ex)?;
    let options = request::options(args, ex, replay.as_deref());
    let mode = progress::Mode::choose(args.quiet, args.format == Format::Json, ui.progress);
    let json = args.format == Format::Json;
    let mut pb = progress::Reporter::new(mode, progress::Plan::new(&options, ex.crates.len()))
        .with_interim(progress::Interim::detect(json));
    pb.building();
    let built = compile::build(&dirs, &ws, ex, ui.color, |_| {})?;
    if matches!(built, compile::Built::Ok { .. }) {
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
        warnings: Vec::new(),
    };
    match built {
        compile::Built::CompileError(text) => {
            pb.finish();
            outcome.verdict = Verdict::CompileError;
            outcome.diagnostics = Some(text);
            return Ok(outcome);
        }
        compile::Built::Ok { warnings } => outcome.warnings = warnings,
    }
    let budget = args.budget.unwrap_or(DEFAULT_BUDGET);
    let limits = run::Limits {
        wall: Duration::from_secs_f64(120.0 + budget * 2.0 + args.schedules as f64 / 1000.0),
        memory: args.memory.map_or(run::DEFAULT_MEMORY, |m| m.0),
    };
    pb.running();
    let ended = run::run_plan(
        &dirs.binary(),
        &options,
        &dirs.root.join("scratch"),
        &limits,
        run::jobs(args.jobs),
        |e| match e {
            run::Event::Progress(p) => pb.progress(p),
            run::Event::FastPhases(f) => pb.fast_phases(ex.name, f, args.seed, ui.width),
        },
    )?;
    pb.finish();
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
                    .join(format!(
                        "{}-seed{}.{}",
                        ex.name,
                        args.seed,
                        if ex.name == paxos_harness::multi::runner::EXERCISE {
                            "trace"
                        } else {
                            "yaml"
                        }
                    ));
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
    let checked = check(args, ui)?;
    interrupt::stop_here_if_interrupted();
    if let Some(why) = &checked.rejected {
        eprintln!("paxos-tutor: a stored verdict was ignored and the check ran again: {why}");
    }
    let outcome = &checked.outcome;
    let ws = workspace::locate(args.dir.as_deref())?;
    if args.replay.is_none() {
        let record = state::LastVerdict {
            verdict: outcome.verdict.as_str().to_string(),
            property: outcome.found.as_ref().map(|f| f.property.clone()),
            at: checked.cached_at.unwrap_or_else(state::now),
            sources: Some(checked.sources.clone()),
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
        Format::Json => {
            let mut v = report::contract_json(outcome);
            if let Some(at) = checked.cached_at {
                v["cached"] = serde_json::json!({ "at": rfc3339(at) });
            }
            println!("{v}");
        }
        Format::Human => {
            if let Some(at) = checked.cached_at {
                println!("{}", cached_note(at, chrono::Local::now()));
            }
            print!("{}", render::human(outcome, ui.width));
        }
    }
    Ok(if outcome.verdict == Verdict::Pass {
        0
    } else {
        EXIT_FAILED
    })
}

/// `at` (seconds since the Unix epoch) in local time, as RFC 3339.
pub fn rfc3339(at: u64) -> String {
    local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn local(at: u64) -> chrono::DateTime<chrono::Local> {
    let utc =
        chrono::DateTime::from_timestamp(i64::try_from(at).unwrap_or(0), 0).unwrap_or_default();
    utc.with_timezone(&chrono::Local)
}

/// The line above a stored report: when it was found, in local time (the date too when it was
/// not today), and how to run the check again.
pub fn cached_note(at: u64, now: chrono::DateTime<chrono::Local>) -> String {
    let t = local(at);
    let when = if t.date_naive() == now.date_naive() {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M on %Y-%m-%d").to_string()
    };
    format!("unchanged since the check at {when}; `--fresh` runs it again")
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
    let rows: Vec<ListRow> = exercises::EXERCISES
        .iter()
        .map(|e| {
            let v = mine.and_then(|m| m.verdicts.get(e.name));
            // Stale: the sources changed since the verdict (records without a fingerprint, from
            // older versions, are shown as they are).
            let stale = match (v.and_then(|v| v.sources.as_deref()), &ws) {
                (Some(recorded), Some(w)) => sources::fingerprint(w, e) != recorded,
                _ => false,
            };
            ListRow {
                name: e.name,
                summary: e.summary,
                last: last_verdict(v, stale),
                stale,
            }
        })
        .collect();
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({"exercise": r.name, "summary": r.summary, "last_verdict": r.last, "stale": r.stale})
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({"workspace": ws.map(|w| w.display().to_string()), "exercises": v})
            );
        }
        Format::Human => print!("{}", list_text(ws.as_deref(), &rows)),
    }
    Ok(0)
}

/// One exercise in `list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub name: &'static str,
    pub summary: &'static str,
    pub last: String,
    pub stale: bool,
}

/// The last verdict as `list` says it: with the property broken, or `stale` once the sources
/// changed since.
pub fn last_verdict(v: Option<&state::LastVerdict>, stale: bool) -> String {
    match v {
        Some(v) if stale => format!("{} (stale: sources changed since)", v.verdict),
        Some(v) => match &v.property {
            Some(p) => format!("{} ({p})", v.verdict),
            None => v.verdict.clone(),
        },
        None => "not checked yet".into(),
    }
}

/// The text of `list`.
pub fn list_text(ws: Option<&std::path::Path>, rows: &[ListRow]) -> String {
    let mut out = match ws {
        Some(w) => format!("Exercises in {}:\n", w.display()),
        None => "Exercises (no workspace here: `paxos-tutor init` writes one):\n".to_string(),
    };
    let width = rows.iter().map(|r| r.last.len()).max().unwrap_or(0).max(16);
    for r in rows {
        out.push_str(&format!(
            "  {:<9} {:<width$}  {}\n",
            r.name, r.last, r.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_note_says_when_in_local_time_with_the_date_when_not_today() {
        let at = 1_764_650_520; // any instant
        let t = local(at);
        let hm = t.format("%H:%M").to_string();
        assert_eq!(
            cached_note(at, t),
            format!("unchanged since the check at {hm}; `--fresh` runs it again")
        );
        let later = t + chrono::Duration::days(3);
        assert_eq!(
            cached_note(at, later),
            format!(
                "unchanged since the check at {hm} on {}; `--fresh` runs it again",
                t.format("%Y-%m-%d")
            )
        );
        assert_eq!(
            chrono::DateTime::parse_from_rfc3339(&rfc3339(at))
                .unwrap()
                .timestamp(),
            at as i64
        );
    }

    #[test]
    fn list_says_stale_instead_of_the_old_verdict() {
        let v = state::LastVerdict {
            verdict: "pass".into(),
            property: None,
            at: 0,
            sources: Some("00".into()),
        };
        assert_eq!(last_verdict(Some(&v), false), "pass");
        assert_eq!(
            last_verdict(Some(&v), true),
            "pass (stale: sources changed since)"
        );
        let f = state::LastVerdict {
            verdict: "fail".into(),
            property: Some("agreement".into()),
            ..v
        };
        assert_eq!(last_verdict(Some(&f), false), "fail (agreement)");
        assert_eq!(last_verdict(None, false), "not checked yet");
    }
}
