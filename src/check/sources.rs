//! The fingerprint of the learner's sources for one exercise: every file of its crates (sources
//! and manifests, `target/` left out), by relative path and content. A saved counterexample
//! records it, so `check --replay` can tell "you changed your code and it no longer fails" from
//! "the same code does not fail the same schedule twice" (state kept outside the nodes).

use std::path::Path;

use super::embedded::{fnv1a, FNV_START};
use super::exercises::Exercise;

/// [`fnv1a`] over (relative path, content) of every file, in sorted order.
pub fn fingerprint(ws: &Path, ex: &Exercise) -> String {
    let mut files = Vec::new();
    for c in ex.crates {
        collect(&ws.join(c), &ws.join(c), &mut files);
    }
    files.sort();
    let mut h = FNV_START;
    for (rel, path) in &files {
        let content = std::fs::read(path).unwrap_or_default();
        h = fnv1a(h, rel.bytes().chain([0]).chain(content).chain([0]));
    }
    format!("{h:016x}")
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(root, &p, out),
            Ok(t) if t.is_file() => {
                let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                out.push((rel, p));
            }
            _ => {}
        }
    }
}

/// The `sources:` line of a saved schedule, if it has one.
pub fn recorded(replay_text: &str) -> Option<&str> {
    replay_text
        .lines()
        .find_map(|l| l.strip_prefix("sources:"))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_with_any_source_file_and_not_with_target() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path();
        std::fs::create_dir_all(ws.join("acceptor/src")).unwrap();
        std::fs::write(ws.join("acceptor/src/lib.rs"), "// a").unwrap();
        std::fs::write(ws.join("acceptor/Cargo.toml"), "[package]").unwrap();
        let ex = super::super::exercises::find("acceptor").unwrap();
        let a = fingerprint(ws, ex);
        std::fs::create_dir_all(ws.join("acceptor/target")).unwrap();
        std::fs::write(ws.join("acceptor/target/x"), "build output").unwrap();
        assert_eq!(fingerprint(ws, ex), a, "target/ is not a source");
        std::fs::write(ws.join("acceptor/src/lib.rs"), "// b").unwrap();
        assert_ne!(fingerprint(ws, ex), a);
        assert_eq!(recorded("name: r\nsources: 00ff\nsteps:\n"), Some("00ff"));
        assert_eq!(recorded("name: r\n"), None);
    }
}
