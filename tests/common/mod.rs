//! What the tests of `paxos-tutor check` through the real binary share: a workspace of their own
//! at a fixed path under cargo's target tmpdir (`init` into it), and the binary run with a data
//! directory (`PAXOS_TUTOR_HOME`) next to it, a harness cache (`PAXOS_TUTOR_CACHE`) and no
//! colour.
//!
//! The fixed paths keep the runner each workspace builds in the cache from one run to the next,
//! so only the learner's crate is rebuilt; the check tests share one cache ([`shared_cache`]; the
//! cache lock keeps their checks apart), so the harness is built once.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dialoguer::console::measure_text_width;
use std::process::{Command, Output};

/// Cargo's tmpdir for integration tests.
pub fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// The harness cache the check tests share.
pub fn shared_cache() -> PathBuf {
    tmp().join("check-cache")
}

/// `tests/fixtures/<dir>/<name>`, as text.
pub fn fixture(dir: &str, name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `paxos-tutor` with its data directory in `home` and its cache in `cache`, without colour
/// (`NO_COLOR`, and no `CLICOLOR_FORCE` from the caller's environment).
pub fn tutor(home: &Path, cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paxos-tutor"));
    c.env("PAXOS_TUTOR_HOME", home)
        .env("PAXOS_TUTOR_CACHE", cache)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// A learner's workspace: `ws` in `root` (which holds the data directory, `home`, too).
pub struct Learner {
    pub root: PathBuf,
    pub ws: PathBuf,
    pub cache: PathBuf,
}

impl Learner {
    /// `<tmpdir>/<group>/<name>/ws`, written anew by `init`, with the shared cache.
    pub fn new(group: &str, name: &str) -> Learner {
        Learner::at(tmp().join(group).join(name), "ws", shared_cache())
    }

    /// `root/ws_name` written anew by `init` (`root` is emptied first), with `cache`.
    pub fn at(root: PathBuf, ws_name: &str, cache: PathBuf) -> Learner {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let l = Learner {
            ws: root.join(ws_name),
            root,
            cache,
        };
        let out = l.cmd(&["init", l.ws_arg()]).output().unwrap();
        assert!(
            out.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        l
    }

    /// The workspace as an argument.
    pub fn ws_arg(&self) -> &str {
        self.ws.to_str().expect("a UTF-8 path")
    }

    /// `paxos-tutor ARGS` with this learner's data directory and cache.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = tutor(&self.root.join("home"), &self.cache);
        c.args(args);
        c
    }

    /// `out` as text with the workspace as `[WS]` and the cache's folders redacted (see
    /// [`redact_cache_dirs`]).
    pub fn redacted(&self, out: &[u8]) -> String {
        let text = String::from_utf8_lossy(out)
            .replace(self.ws.to_str().unwrap(), "[WS]")
            .replace(self.cache.to_str().unwrap(), "[CACHE]");
        redact_cache_dirs(&text)
    }

    /// Write `text` as `<krate>/src/lib.rs` of the workspace.
    pub fn put(&self, krate: &str, text: &str) {
        std::fs::write(self.ws.join(krate).join("src/lib.rs"), text).unwrap();
    }
}

/// stdout as JSON, or a panic that shows stdout and stderr.
pub fn json_of(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `[CACHE]/0.1.0-0123…/ws-89ab…/` → `[CACHE]/[VERSION]/ws-[HASH]/`.
pub fn redact_cache_dirs(s: &str) -> String {
    s.split("[CACHE]/")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                return part.to_string();
            }
            let rest = part.split_once('/').map_or("", |(_, r)| r);
            let rest = match rest.strip_prefix("ws-") {
                Some(r) => format!("ws-[HASH]/{}", r.split_once('/').map_or("", |(_, r)| r)),
                None => rest.to_string(),
            };
            format!("[CACHE]/[VERSION]/{rest}")
        })
        .collect()
}

/// Every line fits in `width`, or is one word too long to break (a path) after its indent, or
/// belongs to what is shown as it is (`kept`: the compiler's diagnostics).
pub fn assert_fits(text: &str, width: usize, kept_from: Option<&str>) {
    let shown = match kept_from.and_then(|k| text.find(k)) {
        Some(at) => &text[..at],
        None => text,
    };
    for line in shown.lines() {
        let w = measure_text_width(line);
        let one_word = line.split_whitespace().any(|word| {
            measure_text_width(word) + (line.len() - line.trim_start().len()) + 4 > width
        });
        assert!(
            w <= width || one_word,
            "a line of {w} columns at {width}:\n{line}\n\nin:\n{text}"
        );
    }
}
