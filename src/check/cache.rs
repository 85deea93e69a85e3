//! The verdict cache: a check of the same sources, harness, paxos-tutor binary, exercise and
//! verdict-relevant flags as the last completed check of that exercise gives the stored report at
//! once (`--fresh` runs it again).
//!
//! Integrity, as for the verdict record (`state.rs`): an entry is written only by paxos-tutor, in
//! the parent, after the run, once every process of the check is dead, under the cache lock
//! (`check.lock`), atomically. Learner code runs as the user and could write the file during a
//! run, so every entry also carries an HMAC-SHA256 over its text, keyed by a random key kept in
//! the cache (`verdict.key`): an entry that was edited, copied from another workspace, exercise
//! or version of the sources, written without the key, or cut short is ignored and the check
//! runs. Like the rest of the grader this is not a sandbox: code that reads the key file and
//! computes the MAC can forge an entry, as it could read the harness's secret.
//!
//! Only completed verdicts are stored (`pass` and `fail`); any other end of a run removes the
//! entry, so the cache never says more than the last run found. One entry per workspace and
//! exercise.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hmac::{Hmac, KeyInit, Mac};
use paxos_harness::runner::Options;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::exercises::Exercise;
use super::report::{ExhaustiveRecord, FoundRecord, Outcome, Verdict};
use crate::error::{Error, Result};
use crate::paths::write_atomic;

type HmacSha256 = Hmac<Sha256>;

/// The longest entry read back (a report with a long counterexample is tens of kilobytes).
const MAX_ENTRY: u64 = 16 << 20;

/// Everything that decides a verdict, as canonical JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Key(serde_json::Value);

impl Key {
    /// The key of a check of `ex` in `ws` with the request `options` (from the command line, no
    /// replay), the sources fingerprinted as `sources` and the memory limit `memory` (bytes).
    /// `None` when paxos-tutor cannot read its own binary (then nothing is cached).
    pub fn new(
        ws: &Path,
        ex: &Exercise,
        sources: &str,
        options: &Options,
        memory: u64,
    ) -> Option<Key> {
        // Every field of the request, named: a new one is a compile error here until someone
        // decides whether it can change a verdict. A worker count (`--jobs`) never does and stays
        // out, as do the output format and colour (not in the request).
        let Options {
            exercise,
            seed,
            schedules,
            depth,
            crashes,
            timeouts,
            proposers,
            budget,
            max_states,
            call_timeout_ms,
            replay,
            shrink_replays,
            traces,
            liveness_depth,
            takeover,
            takeover_timeouts,
            echo_steps,
            announce,
            // Which unit of the plan a worker runs: set by the parent per worker, never by the
            // command line; the plan and its merge are the same for any number of workers.
            unit: _,
        } = options;
        if replay.is_some() {
            return None;
        }
        Some(Key(serde_json::json!({
            "tool": tool_digest()?,
            "harness": format!("{:016x}", super::embedded::harness_fingerprint()),
            "workspace": ws.display().to_string(),
            "exercise": ex.name,
            "sources": sources,
            "request": {
                "exercise": exercise,
                "seed": seed,
                "schedules": schedules,
                "depth": depth,
                "crashes": crashes,
                "timeouts": timeouts,
                "proposers": proposers,
                "budget": budget,
                "max_states": max_states,
                "call_timeout_ms": call_timeout_ms,
                "shrink_replays": shrink_replays,
                "traces": traces,
                "liveness_depth": liveness_depth,
                "takeover": takeover,
                "takeover_timeouts": takeover_timeouts,
                "echo_steps": echo_steps,
                "announce": announce,
            },
            "memory": memory,
        })))
    }

    fn field(&self, name: &str) -> &str {
        self.0[name].as_str().unwrap_or_default()
    }
}

/// SHA-256 of the running paxos-tutor binary: another build (other rendering, other grading)
/// never reuses a stored report.
fn tool_digest() -> Option<String> {
    static DIGEST: OnceLock<Option<String>> = OnceLock::new();
    DIGEST
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let mut f = std::fs::File::open(exe).ok()?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match f.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => h.update(&buf[..n]),
                    Err(_) => return None,
                }
            }
            Some(hex(&h.finalize()))
        })
        .clone()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored report: the same outcome the run produced, and when it ended.
#[derive(Debug, Clone)]
pub struct Hit {
    pub outcome: Outcome,
    /// Seconds since the Unix epoch.
    pub at: u64,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Hit(Box<Hit>),
    /// No entry, or one for other inputs (the sources or flags changed): run the check.
    Miss,
    /// An entry that fails its authentication or cannot be read: ignored, and the check runs.
    Rejected(String),
}

/// The verdict cache in the grader's cache directory.
pub struct VerdictCache {
    dir: PathBuf,
    key_file: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: serde_json::Value,
    at: u64,
    outcome: StoredOutcome,
}

impl VerdictCache {
    /// The cache under `cache` (the grader's cache directory, whose lock the caller holds).
    pub fn at(cache: &Path) -> VerdictCache {
        VerdictCache {
            dir: cache.join("verdicts"),
            key_file: cache.join("verdict.key"),
        }
    }

    /// One file per workspace and exercise.
    fn entry_path(&self, key: &Key) -> PathBuf {
        let mut h = Sha256::new();
        h.update(key.field("workspace").as_bytes());
        h.update([0]);
        h.update(key.field("exercise").as_bytes());
        let name = hex(&h.finalize()[..12]);
        self.dir
            .join(format!("{}-{name}.json", key.field("exercise")))
    }

    /// The MAC key; `create` makes a new random one when there is none (or it is malformed).
    fn mac_key(&self, create: bool) -> Result<Option<Vec<u8>>> {
        if let Ok(text) = std::fs::read_to_string(&self.key_file) {
            let t = text.trim();
            if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Some(t.as_bytes().to_vec()));
            }
        }
        if !create {
            return Ok(None);
        }
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| Error::io("cannot read /dev/urandom", e))?;
        let text = hex(&bytes);
        // write_atomic creates the file with mode 0600.
        write_atomic(&self.key_file, text.as_bytes())?;
        Ok(Some(text.into_bytes()))
    }

    fn mac(key: &[u8], payload: &[u8]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        m.update(payload);
        m
    }

    /// The stored report for `key`, if there is one for exactly these inputs and it is authentic.
    pub fn lookup(&self, key: &Key) -> Lookup {
        let path = self.entry_path(key);
        let text = match read_limited(&path) {
            Ok(Some(t)) => t,
            Ok(None) => return Lookup::Miss,
            Err(e) => return Lookup::Rejected(format!("cannot read {}: {e}", path.display())),
        };
        let rejected = |why: &str| Lookup::Rejected(format!("{}: {why}", path.display()));
        let Ok(Some(mac_key)) = self.mac_key(false) else {
            return rejected("the cache's key is missing, so the entry cannot be authenticated");
        };
        let Some((tag, payload)) = text.split_once('\n') else {
            return rejected("not an entry paxos-tutor wrote");
        };
        let Some(tag) = unhex(tag.trim()) else {
            return rejected("not an entry paxos-tutor wrote");
        };
        if Self::mac(&mac_key, payload.as_bytes())
            .verify_slice(&tag)
            .is_err()
        {
            return rejected("its authentication code does not match: it was not written by paxos-tutor as it is");
        }
        let entry: Entry = match serde_json::from_str(payload) {
            Ok(e) => e,
            Err(e) => return rejected(&format!("unreadable ({e})")),
        };
        if entry.key != key.0 {
            return Lookup::Miss;
        }
        let Some(outcome) = entry.outcome.restore() else {
            return rejected("unreadable verdict");
        };
        if !matches!(outcome.verdict, Verdict::Pass | Verdict::Fail) {
            return rejected("not a completed verdict");
        }
        // A failure's saved schedule must still be the one this report names (the same sources).
        if let Some(replay) = &outcome.replay_file {
            let saved = std::fs::read_to_string(replay).unwrap_or_default();
            if super::sources::recorded(&saved) != Some(key.field("sources")) {
                return Lookup::Miss;
            }
        }
        Lookup::Hit(Box::new(Hit {
            outcome,
            at: entry.at,
        }))
    }

    /// Record what a run found for `key`: a completed verdict (`pass`, `fail`) is stored, any
    /// other outcome removes the entry.
    pub fn record(&self, key: &Key, outcome: &Outcome, at: u64) -> Result<()> {
        let path = self.entry_path(key);
        if !matches!(outcome.verdict, Verdict::Pass | Verdict::Fail) {
            return self.forget(key);
        }
        let entry = Entry {
            key: key.0.clone(),
            at,
            outcome: StoredOutcome::from(outcome),
        };
        let payload = serde_json::to_string(&entry).expect("an entry serialises");
        let mac_key = self.mac_key(true)?.expect("created");
        let tag = hex(&Self::mac(&mac_key, payload.as_bytes())
            .finalize()
            .into_bytes());
        write_atomic(&path, format!("{tag}\n{payload}").as_bytes())
    }

    /// Remove the entry of `key`'s workspace and exercise, if any.
    pub fn forget(&self, key: &Key) -> Result<()> {
        let path = self.entry_path(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
        }
    }
}

fn read_limited(path: &Path) -> std::io::Result<Option<String>> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    f.take(MAX_ENTRY).read_to_string(&mut text)?;
    Ok(Some(text))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// [`Outcome`] as stored: every field, so the cached report is the same report.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredOutcome {
    exercise: String,
    verdict: String,
    schedules: u64,
    traces: u64,
    random: u64,
    seed: u64,
    found: Option<FoundRecord>,
    diagnostics: Option<String>,
    detail: Option<String>,
    exhaustive: Vec<ExhaustiveRecord>,
    incomplete: Vec<String>,
    replay_file: Option<String>,
    replayed: Option<String>,
    printed: Vec<(String, Vec<String>)>,
    #[serde(default)]
    warnings: Vec<String>,
}

impl From<&Outcome> for StoredOutcome {
    fn from(o: &Outcome) -> StoredOutcome {
        // Every field, named: a new field of `Outcome` is a compile error here until it is stored.
        let Outcome {
            exercise,
            verdict,
            schedules,
            traces,
            random,
            seed,
            found,
            diagnostics,
            detail,
            exhaustive,
            incomplete,
            replay_file,
            replayed,
            printed,
            warnings,
        } = o.clone();
        StoredOutcome {
            exercise,
            verdict: verdict.as_str().to_string(),
            schedules,
            traces,
            random,
            seed,
            found,
            diagnostics,
            detail,
            exhaustive,
            incomplete,
            replay_file,
            replayed,
            printed,
            warnings,
        }
    }
}

impl StoredOutcome {
    fn restore(self) -> Option<Outcome> {
        let verdict = [
            Verdict::Pass,
            Verdict::Fail,
            Verdict::Incomplete,
            Verdict::CompileError,
            Verdict::Timeout,
            Verdict::Panic,
        ]
        .into_iter()
        .find(|v| v.as_str() == self.verdict)?;
        Some(Outcome {
            exercise: self.exercise,
            verdict,
            schedules: self.schedules,
            traces: self.traces,
            random: self.random,
            seed: self.seed,
            found: self.found,
            diagnostics: self.diagnostics,
            detail: self.detail,
            exhaustive: self.exhaustive,
            incomplete: self.incomplete,
            replay_file: self.replay_file,
            replayed: self.replayed,
            printed: self.printed,
            warnings: self.warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(verdict: Verdict) -> Outcome {
        Outcome {
            exercise: "acceptor".into(),
            verdict,
            schedules: 12,
            traces: 2,
            random: 10,
            seed: 1,
            found: None,
            diagnostics: None,
            detail: None,
            exhaustive: Vec::new(),
            incomplete: Vec::new(),
            replay_file: None,
            replayed: None,
            printed: vec![("step 1".into(), vec!["hello".into()])],
            warnings: vec!["warning: unused variable".into()],
        }
    }

    fn key(ws: &Path, sources: &str, seed: u64) -> Key {
        let ex = super::super::exercises::find("acceptor").unwrap();
        let options = Options {
            exercise: "acceptor".into(),
            seed,
            ..Options::default()
        };
        Key::new(ws, ex, sources, &options, 1 << 32).expect("the test binary is readable")
    }

    fn hit(l: Lookup) -> Hit {
        match l {
            Lookup::Hit(h) => *h,
            other => panic!("expected a hit, got {other:?}"),
        }
    }

    #[test]
    fn stores_completed_verdicts_for_exactly_the_same_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let c = VerdictCache::at(tmp.path());
        let ws = Path::new("/ws");
        let k = key(ws, "aaaa", 1);
        assert!(matches!(c.lookup(&k), Lookup::Miss));
        c.record(&k, &outcome(Verdict::Pass), 1_700_000_000)
            .unwrap();
        let h = hit(c.lookup(&k));
        assert_eq!(h.at, 1_700_000_000);
        assert_eq!(h.outcome.verdict, Verdict::Pass);
        assert_eq!(
            super::super::report::contract_json(&h.outcome),
            super::super::report::contract_json(&outcome(Verdict::Pass))
        );
        assert_eq!(h.outcome.printed, outcome(Verdict::Pass).printed);
        // Other sources, another seed: not this entry.
        assert!(matches!(c.lookup(&key(ws, "bbbb", 1)), Lookup::Miss));
        assert!(matches!(c.lookup(&key(ws, "aaaa", 2)), Lookup::Miss));
        // The key is fixed by the request: a replay is never cached.
        let ex = super::super::exercises::find("acceptor").unwrap();
        let replay = Options {
            replay: Some("/r.yaml".into()),
            ..Options::default()
        };
        assert!(Key::new(ws, ex, "aaaa", &replay, 1).is_none());

        // A run that did not complete removes the entry.
        for v in [
            Verdict::Incomplete,
            Verdict::Timeout,
            Verdict::Panic,
            Verdict::CompileError,
        ] {
            c.record(&k, &outcome(Verdict::Fail), 1).unwrap();
            hit(c.lookup(&k));
            c.record(&k, &outcome(v), 2).unwrap();
            assert!(matches!(c.lookup(&k), Lookup::Miss), "{v:?}");
        }
    }

    #[test]
    fn edited_forged_or_corrupt_entries_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let c = VerdictCache::at(tmp.path());
        let ws = Path::new("/ws");
        let k = key(ws, "aaaa", 1);
        c.record(&k, &outcome(Verdict::Fail), 5).unwrap();
        let path = c.entry_path(&k);
        let stored = std::fs::read_to_string(&path).unwrap();
        let rejected = |text: &str| {
            std::fs::write(&path, text).unwrap();
            match c.lookup(&k) {
                Lookup::Rejected(why) => why,
                other => panic!("expected a rejection of {text:?}, got {other:?}"),
            }
        };
        // The verdict edited into a pass.
        let why = rejected(&stored.replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\""));
        assert!(why.contains("authentication code does not match"), "{why}");
        // A new entry written without the key (an empty key's MAC).
        let (_, payload) = stored.split_once('\n').unwrap();
        let payload = payload.replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\"");
        let forged = hex(&VerdictCache::mac(b"", payload.as_bytes())
            .finalize()
            .into_bytes());
        rejected(&format!("{forged}\n{payload}"));
        // Cut short, garbage, empty.
        rejected(&stored[..stored.len() / 2]);
        rejected("not an entry");
        rejected("");
        // The key replaced: every entry made with the old one is rejected.
        std::fs::write(&path, &stored).unwrap();
        hit(c.lookup(&k));
        std::fs::write(tmp.path().join("verdict.key"), "x").unwrap();
        assert!(matches!(c.lookup(&k), Lookup::Rejected(_)));
        // Writing again makes a new key and an entry that is accepted.
        c.record(&k, &outcome(Verdict::Pass), 6).unwrap();
        assert_eq!(hit(c.lookup(&k)).outcome.verdict, Verdict::Pass);
    }

    #[test]
    fn a_pass_of_other_sources_or_workspace_does_not_carry_over() {
        let tmp = tempfile::tempdir().unwrap();
        let c = VerdictCache::at(tmp.path());
        let good = key(Path::new("/ws"), "good", 1);
        c.record(&good, &outcome(Verdict::Pass), 5).unwrap();
        let pass_entry = std::fs::read(c.entry_path(&good)).unwrap();
        // The learner's broken sources: the same file (same workspace and exercise) holds the
        // pass of other sources, authentic but not for these inputs.
        let broken = key(Path::new("/ws"), "broken", 1);
        assert_eq!(c.entry_path(&broken), c.entry_path(&good));
        assert!(matches!(c.lookup(&broken), Lookup::Miss));
        // Copied to another workspace's entry.
        let other = key(Path::new("/other"), "good", 1);
        std::fs::write(c.entry_path(&other), &pass_entry).unwrap();
        assert!(matches!(c.lookup(&other), Lookup::Miss));
    }

    #[test]
    fn a_failure_whose_saved_schedule_changed_runs_again() {
        let tmp = tempfile::tempdir().unwrap();
        let c = VerdictCache::at(tmp.path());
        let k = key(Path::new("/ws"), "aaaa", 1);
        let replay = tmp.path().join("acceptor-seed1.yaml");
        std::fs::write(&replay, "sources: aaaa\nname: r\n").unwrap();
        let mut o = outcome(Verdict::Fail);
        o.replay_file = Some(replay.display().to_string());
        c.record(&k, &o, 5).unwrap();
        hit(c.lookup(&k));
        std::fs::write(&replay, "sources: bbbb\nname: r\n").unwrap();
        assert!(matches!(c.lookup(&k), Lookup::Miss));
        std::fs::remove_file(&replay).unwrap();
        assert!(matches!(c.lookup(&k), Lookup::Miss));
    }
}
