//! What `check` asks of the harness: one typed request ([`Options`], shared with the runner, which
//! reads it from its private channel), built from the command line; and the replay file, read and
//! parsed here in the parent, so a bad file is the learner's input error (exit 2 with file:line),
//! never a verdict on their code.

use std::path::{Path, PathBuf};

use paxos_harness::runner::{Options, DEFAULT_TAKEOVER};

use super::exercises::Exercise;
use super::{DEFAULT_BUDGET, DEFAULT_CRASHES, DEFAULT_DEPTH, DEFAULT_TIMEOUTS};
use crate::cli::{CheckArgs, Takeover};
use crate::error::{Error, Result};

/// The Multi-Paxos exercise: its own default depth and its own replay files.
const MULTI: &str = paxos_harness::multi::runner::EXERCISE;

/// The longest replay file read (a saved schedule is a few kilobytes).
const MAX_REPLAY: u64 = 1 << 20;

/// The request for the check `args` of exercise `ex`.
pub fn options(args: &CheckArgs, ex: &Exercise, replay: Option<&Path>) -> Options {
    Options {
        exercise: ex.name.to_string(),
        seed: args.seed,
        schedules: args.schedules,
        depth: args.depth.unwrap_or(if ex.name == MULTI {
            paxos_harness::multi::runner::DEFAULT_DEPTH
        } else {
            DEFAULT_DEPTH
        }),
        crashes: args.crashes.unwrap_or(DEFAULT_CRASHES),
        timeouts: args.timeouts.unwrap_or(DEFAULT_TIMEOUTS),
        proposers: args.proposers.unwrap_or(0),
        budget: args.budget.unwrap_or(DEFAULT_BUDGET),
        call_timeout_ms: args.call_timeout,
        max_states: usize::try_from(args.max_states).unwrap_or(usize::MAX),
        takeover: match args.takeover {
            Some(Takeover(t)) => t,
            // `--depth 0` skips the exhaustive phase, the takeover search included.
            None if args.depth == Some(0) => None,
            None => Some(DEFAULT_TAKEOVER),
        },
        takeover_timeouts: args.takeover_timeouts.unwrap_or(0),
        replay: replay.map(Path::to_path_buf),
        ..Options::default()
    }
}

/// The request that replays the saved schedule `path` alone (to show what the learner printed).
pub fn replay_options(ex: &Exercise, path: &Path) -> Options {
    Options {
        exercise: ex.name.to_string(),
        replay: Some(path.to_path_buf()),
        ..Options::default()
    }
}

/// Check a `--replay` file before anything is built: a regular file (no FIFO, device or folder),
/// not too long, UTF-8, a valid trace with at least one step, and a UTF-8 path. Errors name the
/// file and, where the trace is wrong, its line. Returns the canonical path.
pub fn load_replay(p: &Path, ex: &Exercise) -> Result<PathBuf> {
    let path = p
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?;
    let shown = p.display();
    let meta =
        std::fs::metadata(&path).map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
    if !meta.is_file() {
        return Err(Error::cannot_run(format!(
            "{shown} is not a regular file (a replay file is one that `paxos-tutor check` saved)"
        )));
    }
    if meta.len() > MAX_REPLAY {
        return Err(Error::cannot_run(format!(
            "{shown} is {} bytes; a replay file is at most {MAX_REPLAY}",
            meta.len()
        )));
    }
    if path.to_str().is_none() {
        return Err(Error::cannot_run(format!(
            "{shown}: the path is not valid UTF-8"
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::cannot_run(format!("{shown}:{line}: not valid UTF-8"))
    })?;
    if ex.name == MULTI {
        // This world's traces name their file and line themselves.
        let trace = paxos_harness::multi::trace::parse(&shown.to_string(), &text)
            .map_err(Error::cannot_run)?;
        if trace.steps.is_empty() && trace.calm.is_none() {
            return Err(Error::cannot_run(format!(
                "{shown}: the schedule has no step; replay a file that `paxos-tutor check multipaxos` saved"
            )));
        }
        return Ok(path);
    }
    let trace = paxos_harness::trace::parse(&text).map_err(|e| {
        Error::cannot_run(
            match e.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
                Some((n, msg)) if n.parse::<usize>().is_ok() => format!("{shown}:{n}: {msg}"),
                _ => format!("{shown}: {e}"),
            },
        )
    })?;
    if trace.steps.is_empty() {
        return Err(Error::cannot_run(format!(
            "{shown}: the schedule is empty (no `steps:`); replay a file that `paxos-tutor check` saved"
        )));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acceptor() -> &'static Exercise {
        crate::check::exercises::find("acceptor").unwrap()
    }

    #[test]
    fn multipaxos_replay_files_are_checked_with_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let multi = crate::check::exercises::find("multipaxos").unwrap();
        let good = write(
            tmp.path(),
            "good.trace",
            "sources: 0123\n# replay: something\nacceptors 3\nops P1 x1\nsubmit P1\ndeliver Prepare(1,P1 from s0) P1->A1\ncalm P1\n",
        );
        assert_eq!(
            load_replay(&good, multi).unwrap(),
            good.canonicalize().unwrap()
        );
        let bad = write(tmp.path(), "bad.trace", "ops P1 x1\nsubmit P1\nfly P1\n");
        let e = load_replay(&bad, multi).unwrap_err().to_string();
        assert!(e.contains("bad.trace:3: unknown step `fly P1`"), "{e}");
        let empty = write(tmp.path(), "empty.trace", "ops P1 x1\n");
        let e = load_replay(&empty, multi).unwrap_err().to_string();
        assert!(e.contains("empty.trace: the schedule has no step"), "{e}");
        // A single-decree file is not this world's.
        let other = write(
            tmp.path(),
            "other.yaml",
            "name: rep\nsteps:\n  - deliver Prepare P1->A1\n",
        );
        assert!(load_replay(&other, multi).is_err());
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn replay_files_are_checked_in_the_parent() {
        let tmp = tempfile::tempdir().unwrap();
        let good = write(
            tmp.path(),
            "good.yaml",
            "name: rep\nacceptors: 3\nproposers: 2\nsteps:\n  - deliver Prepare P1->A1\n",
        );
        assert_eq!(
            load_replay(&good, acceptor()).unwrap(),
            good.canonicalize().unwrap()
        );

        let err = |name: &str, text: &str| {
            let p = write(tmp.path(), name, text);
            load_replay(&p, acceptor()).unwrap_err().to_string()
        };
        let e = err("only-name.yaml", "name: rep\n");
        assert!(e.ends_with("only-name.yaml: the schedule is empty (no `steps:`); replay a file that `paxos-tutor check` saved"), "{e}");
        let e = err(
            "empty-node.yaml",
            "name: rep\nsteps:\n  - deliver Prepare P1->A1\n  - deliver Prepare ->A1\n",
        );
        assert!(e.contains("empty-node.yaml:4: `` is not a node"), "{e}");
        let e = err(
            "accent.yaml",
            "name: rep\nsteps:\n  - deliver Prepare É1->A1\n",
        );
        assert!(e.contains("accent.yaml:3: `É1` is not a node"), "{e}");
        let e = err("key.yaml", "name: rep\nbogus: 1\n");
        assert!(e.contains("key.yaml:2: unknown key `bogus`"), "{e}");
        let p = tmp.path().join("bad-utf8.yaml");
        std::fs::write(&p, b"name: rep\nsteps:\n  - \xff\n").unwrap();
        let e = load_replay(&p, acceptor()).unwrap_err().to_string();
        assert!(e.contains("bad-utf8.yaml:3: not valid UTF-8"), "{e}");

        let e = load_replay(tmp.path(), acceptor()).unwrap_err().to_string();
        assert!(e.contains("is not a regular file"), "{e}");
        let e = load_replay(Path::new("/dev/null"), acceptor())
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a regular file"), "{e}");
        let fifo = tmp.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo on a fresh path in a temporary folder.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = load_replay(&fifo, acceptor()).unwrap_err().to_string();
        assert!(e.contains("is not a regular file"), "{e}");
    }
}
