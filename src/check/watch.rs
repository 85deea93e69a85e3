//! `paxos-tutor watch [EXERCISE]`: check again on every save.
//!
//! The learner's crate folders are watched (notify, debounced by notify-debouncer-mini); an event
//! counts only if it changed the sources' fingerprint (see `sources`), so saving the same text,
//! an editor's dotfile or a build folder starts nothing. Each check is `paxos-tutor check` run as
//! a child process with the same flags, so it is exactly what `check` would say (its verdict
//! cache, its clean-up on a signal); a save during a check stops it and starts again. On a
//! terminal the screen is redrawn for every check (the child's progress, then its report);
//! without one, reports follow each other, each after a line naming the check.
//!
//! The fast phases' verdict comes first: once every trace and random schedule ran without a
//! failure, the check prints so ("no violation in … ; proving (exhaustive search, phases k to n
//! of n)…") while the proof runs, and the whole report follows (on a terminal it replaces that
//! line). A failure in the fast phases is the final verdict as soon as the units before it in
//! plan order have finished: the check stops the proof then and reports at once. (The child is
//! asked for this with [`super::progress::INTERIM_ENV`]; `check` alone does it on a terminal.)
//!
//! Without EXERCISE, the exercises whose sources changed are checked in the catalogue's order,
//! stopping at the first that does not pass (an acceptor edit checks `acceptor`, then `paxos` once
//! the acceptor passes).
//!
//! Ctrl-C (or SIGTERM, SIGHUP) stops the running check, which kills everything it started and
//! leaves no file half-written, then ends `watch` with exit code 130. The child also gets SIGTERM
//! if `watch` itself dies (`PR_SET_PDEATHSIG`).

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use clap::Parser as _;

use super::exercises::{self, Exercise, EXERCISES};
use super::{sources, workspace};
use crate::cli::{Cli, WatchArgs};
use crate::error::{Error, Result};
use crate::ui::Ui;

/// Saves closer together than this are one change.
const DEBOUNCE: Duration = Duration::from_millis(250);
/// How often the loop looks at the running check between events (not a deadline: nothing is
/// decided by it).
const POLL: Duration = Duration::from_millis(100);

enum Msg {
    Changed,
    WatchError(String),
    Stop,
}

/// Which exercises to check, from the fingerprint each was last checked at.
#[derive(Debug, Default)]
pub struct Plan {
    last: BTreeMap<&'static str, String>,
}

impl Plan {
    /// The exercises among `watched` whose sources (as fingerprinted by `fp`) changed since they
    /// were last planned, in catalogue order; all of them count as planned from now on.
    pub fn changed(
        &mut self,
        watched: &[&'static Exercise],
        fp: impl Fn(&Exercise) -> String,
    ) -> Vec<(&'static Exercise, String)> {
        let mut out = Vec::new();
        for ex in watched {
            let now = fp(ex);
            if self.last.get(ex.name) != Some(&now) {
                self.last.insert(ex.name, now.clone());
                out.push((*ex, now));
            }
        }
        out
    }

    /// Forget that `ex` was checked (its check was stopped before it ended).
    pub fn forget(&mut self, ex: &Exercise) {
        self.last.remove(ex.name);
    }
}

/// The command line of one check: `paxos-tutor check EX --dir WS FLAGS...`, validated here as
/// `check` would parse it, so a bad flag is an error before anything is watched.
fn check_argv(ex: &Exercise, ws: &Path, flags: &[String]) -> Result<Vec<String>> {
    let mut argv = vec![
        "check".to_string(),
        ex.name.to_string(),
        "--dir".to_string(),
        ws.display().to_string(),
    ];
    argv.extend(flags.iter().cloned());
    let parsed =
        Cli::try_parse_from(std::iter::once("paxos-tutor".to_string()).chain(argv.clone()))
            .map_err(|e| {
                Error::cannot_run(format!(
                    "watch: the check flags are not valid for `paxos-tutor check`: {}",
                    e.render().to_string().trim_start_matches("error: ").trim()
                ))
            })?;
    if let crate::cli::Command::Check(a) = parsed.command {
        if a.replay.is_some() {
            return Err(Error::cannot_run(
                "watch checks your sources as they change; to replay a saved schedule, use `paxos-tutor check EXERCISE --replay FILE`",
            ));
        }
    }
    Ok(argv)
}

/// `--dir DIR` (or `--dir=DIR`) among the check flags, taken out: after the exercise it is read
/// as one of them, and it names the workspace to watch.
fn take_dir(flags: &[String]) -> (Option<PathBuf>, Vec<String>) {
    let mut dir = None;
    let mut rest = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        if f == "--dir" {
            match it.next() {
                Some(d) => dir = Some(PathBuf::from(d)),
                None => rest.push(f.clone()),
            }
        } else if let Some(d) = f.strip_prefix("--dir=") {
            dir = Some(PathBuf::from(d));
        } else {
            rest.push(f.clone());
        }
    }
    (dir, rest)
}

pub fn cmd_watch(args: &WatchArgs, ui: Ui) -> Result<u8> {
    let watched: Vec<&'static Exercise> = match &args.exercise {
        Some(name) => vec![exercises::find(name).map_err(Error::cannot_run)?],
        None => EXERCISES.iter().collect(),
    };
    let (flag_dir, flags) = take_dir(&args.check_flags);
    if args.dir.is_some() && flag_dir.is_some() {
        return Err(Error::cannot_run("watch: --dir is given twice"));
    }
    let ws = workspace::locate(args.dir.as_deref().or(flag_dir.as_deref()))?;
    let argvs: Vec<Vec<String>> = watched
        .iter()
        .map(|ex| check_argv(ex, &ws, &flags))
        .collect::<Result<_>>()?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::io("cannot find the paxos-tutor executable", e))?;
    let terminal = std::io::stdout().is_terminal();

    let (tx, rx) = mpsc::channel::<Msg>();
    let changes = tx.clone();
    let mut debouncer = notify_debouncer_mini::new_debouncer(
        DEBOUNCE,
        move |r: notify_debouncer_mini::DebounceEventResult| {
            let _ = changes.send(match r {
                Ok(_) => Msg::Changed,
                Err(e) => Msg::WatchError(e.to_string()),
            });
        },
    )
    .map_err(|e| Error::cannot_run(format!("cannot watch files: {e}")))?;
    let mut folders: Vec<PathBuf> = watched
        .iter()
        .flat_map(|ex| ex.crates.iter().map(|c| ws.join(c)))
        .collect();
    folders.sort();
    folders.dedup();
    for f in &folders {
        debouncer
            .watcher()
            .watch(f, notify_debouncer_mini::notify::RecursiveMode::Recursive)
            .map_err(|e| Error::cannot_run(format!("cannot watch {}: {e}", f.display())))?;
    }
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })
    .map_err(|e| Error::cannot_run(format!("cannot handle Ctrl-C: {e}")))?;

    let shown: Vec<String> = folders
        .iter()
        .map(|f| format!("{}/", f.strip_prefix(&ws).unwrap_or(f).display()))
        .collect();
    let waiting = format!(
        "watching {} in {} for changes (Ctrl-C stops)",
        shown.join(" and "),
        ws.display()
    );
    let mut plan = Plan::default();
    loop {
        let round = plan.changed(&watched, |ex| sources::fingerprint(&ws, ex));
        let mut restarted = false;
        // A change seen while checking: plan again at once instead of waiting for the next.
        let mut dirty = false;
        for (i, (ex, fp)) in round.iter().enumerate() {
            let argv = &argvs[watched
                .iter()
                .position(|w| w.name == ex.name)
                .expect("watched")];
            if terminal {
                // Clear the screen and the scrollback, cursor home: one report on screen.
                print!("\x1b[H\x1b[2J\x1b[3J");
                println!("paxos-tutor watch: checking {} ({})", ex.name, ws.display());
            } else {
                println!("--- paxos-tutor check {} (sources {fp}) ---", ex.name);
            }
            flush();
            let mut child = spawn(&exe, argv, ui)?;
            let ended = loop {
                match rx.recv_timeout(POLL) {
                    Ok(Msg::Stop) => {
                        finish(&mut child);
                        return Ok(stopped(terminal));
                    }
                    Ok(Msg::WatchError(e)) => eprintln!("paxos-tutor: watching files: {e}"),
                    Ok(Msg::Changed) if sources::fingerprint(&ws, ex) != *fp => {
                        dirty = true;
                        // A check that already ended keeps its report; the change is next.
                        if let Ok(Some(status)) = child.try_wait() {
                            break Some(status);
                        }
                        finish(&mut child);
                        break None;
                    }
                    Ok(Msg::Changed) => dirty = true,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        finish(&mut child);
                        return Ok(stopped(terminal));
                    }
                }
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) => {}
                    Err(e) => return Err(Error::io("cannot wait for the check", e)),
                }
            };
            match ended {
                None => {
                    println!("(your sources changed during the check: it starts again)");
                    // This and the rest of the round are planned again with the new sources.
                    for (ex, _) in &round[i..] {
                        plan.forget(ex);
                    }
                    restarted = true;
                    break;
                }
                // Stop at the first exercise that does not pass.
                Some(status) if !status.success() => break,
                Some(_) => {}
            }
        }
        if restarted {
            continue;
        }
        if !round.is_empty() {
            if terminal {
                println!("\n{waiting}");
            }
            flush();
        }
        if dirty {
            continue;
        }
        // Wait for a change that matters (or Ctrl-C).
        match rx.recv() {
            Ok(Msg::Stop) | Err(_) => return Ok(stopped(terminal)),
            Ok(Msg::WatchError(e)) => eprintln!("paxos-tutor: watching files: {e}"),
            Ok(Msg::Changed) => {}
        }
    }
}

fn flush() {
    let _ = std::io::stdout().flush();
}

/// The check as a child: its stdout and stderr are ours, no stdin (it never prompts).
fn spawn(exe: &Path, argv: &[String], ui: Ui) -> Result<Child> {
    let mut cmd = Command::new(exe);
    cmd.arg("--color")
        .arg(if ui.color { "always" } else { "never" })
        .args(argv)
        // The fast phases' verdict first, then the proof's report, with or without a terminal.
        .env(super::progress::INTERIM_ENV, "1")
        .stdin(Stdio::null());
    // SAFETY: prctl in the child before exec, async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            // If watch dies, the check gets SIGTERM and cleans up after itself.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| Error::io(format!("cannot start {}", exe.display()), e))
}

/// Stop a running check with SIGTERM (it kills every process it started and exits) and reap it.
fn finish(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill on our own child, not yet reaped, so the pid is still ours.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
    }
    let _ = child.wait();
}

fn stopped(terminal: bool) -> u8 {
    if terminal {
        // The cursor shown, in case a progress line of the stopped check had hidden it.
        print!("\x1b[?25h");
    }
    println!("\npaxos-tutor watch: stopped");
    flush();
    130
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_checks_what_changed_in_catalogue_order_once() {
        let all: Vec<&'static Exercise> = EXERCISES.iter().collect();
        let mut files = BTreeMap::from([
            ("acceptor", "a1"),
            ("proposer", "p1"),
            ("multi-acceptor", "m1"),
            ("multi-leader", "l1"),
        ]);
        let fp = |files: &BTreeMap<&str, &str>, ex: &Exercise| {
            ex.crates
                .iter()
                .map(|c| files[c])
                .collect::<Vec<_>>()
                .join("+")
        };
        let mut plan = Plan::default();
        let names = |v: Vec<(&Exercise, String)>| v.iter().map(|(e, _)| e.name).collect::<Vec<_>>();
        assert_eq!(
            names(plan.changed(&all, |e| fp(&files, e))),
            ["acceptor", "proposer", "paxos", "multipaxos"]
        );
        assert!(plan.changed(&all, |e| fp(&files, e)).is_empty());
        files.insert("acceptor", "a2");
        assert_eq!(
            names(plan.changed(&all, |e| fp(&files, e))),
            ["acceptor", "paxos"]
        );
        files.insert("proposer", "p2");
        assert_eq!(
            names(plan.changed(&all, |e| fp(&files, e))),
            ["proposer", "paxos"]
        );
        plan.forget(&EXERCISES[0]);
        assert_eq!(names(plan.changed(&all, |e| fp(&files, e))), ["acceptor"]);
        files.insert("multi-leader", "l2");
        assert_eq!(names(plan.changed(&all, |e| fp(&files, e))), ["multipaxos"]);
    }

    #[test]
    fn check_flags_are_checked_like_check_does() {
        let ex = exercises::find("acceptor").unwrap();
        let ws = Path::new("/ws");
        let argv = check_argv(ex, ws, &["--depth".into(), "3".into(), "--fresh".into()]).unwrap();
        assert_eq!(
            argv,
            ["check", "acceptor", "--dir", "/ws", "--depth", "3", "--fresh"]
        );
        let e = check_argv(ex, ws, &["--depht".into(), "3".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not valid for `paxos-tutor check`") && e.contains("--depht"),
            "{e}"
        );
        let e = check_argv(ex, ws, &["--replay".into(), "r.yaml".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--replay FILE"), "{e}");
    }

    #[test]
    fn a_dir_among_the_check_flags_is_the_workspace() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            take_dir(&v(&["--depth", "3", "--dir", "/ws", "--fresh"])),
            (Some(PathBuf::from("/ws")), v(&["--depth", "3", "--fresh"]))
        );
        assert_eq!(
            take_dir(&v(&["--dir=/w"])),
            (Some(PathBuf::from("/w")), v(&[]))
        );
        assert_eq!(take_dir(&v(&["--seed", "2"])), (None, v(&["--seed", "2"])));
    }

    #[test]
    fn watch_takes_the_check_flags_after_the_exercise_or_alone() {
        let parse =
            |args: &[&str]| match Cli::try_parse_from(["paxos-tutor", "watch"].iter().chain(args))
                .unwrap()
                .command
            {
                crate::cli::Command::Watch(w) => (w.exercise, w.dir, w.check_flags),
                other => panic!("{other:?}"),
            };
        assert_eq!(
            parse(&["acceptor", "--depth", "3"]),
            (
                Some("acceptor".into()),
                None,
                vec!["--depth".to_string(), "3".into()]
            )
        );
        assert_eq!(
            parse(&["--dir", "/ws", "acceptor", "--schedules", "5"]),
            (
                Some("acceptor".into()),
                Some(PathBuf::from("/ws")),
                vec!["--schedules".to_string(), "5".into()]
            )
        );
        assert_eq!(
            parse(&["acceptor"]),
            (Some("acceptor".into()), None, vec![])
        );
        assert_eq!(parse(&[]), (None, None, vec![]));
    }
}
