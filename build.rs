//! Build script: embeds every question bank (`questions/*.yaml`) in the binary.
//!
//! It writes `$OUT_DIR/banks.rs`, a table of `(file name, YAML text)` that `src/quiz/bank.rs`
//! includes, so an installed binary needs no files and a new bank file needs no code change.
//! Cargo reruns it whenever anything in `questions/` changes. It does not parse the YAML: the
//! test `quiz_banks` lints every embedded bank, and `paxos-tutor bank lint` reports the problems
//! with file:line:column.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    banks();
    embedded_files();
}

/// Embeds the grader's harness (`harness/`: build script, sources, traces) and the exercise
/// workspace templates (`exercises/`), as `(relative path, text)` tables in
/// `$OUT_DIR/embedded_files.rs`. `check` writes the harness to its cache; `init` writes the
/// workspace. Build output, tests and examples are left out.
fn embedded_files() {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).to_path_buf();
    fn walk(
        dir: &Path,
        base: &Path,
        keep: &dyn Fn(&Path) -> bool,
        out: &mut Vec<(String, String)>,
    ) {
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if !matches!(
                    path.file_name().and_then(|n| n.to_str()),
                    Some("target" | "tests" | "examples" | "benches")
                ) {
                    walk(&path, base, keep, out);
                }
            } else if keep(&path) {
                out.push((rel, path.display().to_string()));
            }
        }
    }
    let source = |p: &Path| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("rs" | "yaml" | "toml")
        )
    };
    let mut harness = Vec::new();
    walk(
        &root.join("harness"),
        &root.join("harness"),
        &|p: &Path| source(p) && !p.ends_with("Cargo.toml"),
        &mut harness,
    );
    let mut exercises = Vec::new();
    walk(
        &root.join("exercises"),
        &root.join("exercises"),
        &|p: &Path| source(p) && !p.ends_with("Cargo.lock"),
        &mut exercises,
    );
    let mut out = String::new();
    for (name, files) in [("HARNESS_FILES", &harness), ("EXERCISE_FILES", &exercises)] {
        writeln!(out, "/// (path relative to its folder, text)").unwrap();
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for (rel, path) in files {
            writeln!(out, "    ({rel:?}, include_str!({path:?})),").unwrap();
        }
        out.push_str("];\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_files.rs");
    std::fs::write(dest, out).unwrap();
}

fn banks() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("questions");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// Every `questions/*.yaml` at build time: (file name, text).\n");
    out.push_str("pub static EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        // Debug-quoting gives a valid Rust string literal for any path.
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("banks.rs");
    std::fs::write(dest, out).unwrap();
}
