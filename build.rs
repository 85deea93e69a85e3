//! Build script: embeds in the binary what an installed `paxos-tutor` needs without its source
//! tree: the question banks (below) and the grader's harness and exercise templates
//! ([`harness_and_exercises`]).
//!
//! Question banks: every `questions/*.yaml`.
//!
//! It writes `$OUT_DIR/banks.rs`, a table of `(file name, YAML text, JSON text)` that
//! `src/quiz/bank.rs` includes, so an installed binary needs no files and a new bank file needs no
//! code change. The JSON is the same document, converted here once: serde_json reads it several
//! times faster than serde_yaml reads the YAML, which keeps `quiz` start-up short (see
//! `benches/quiz.rs`). The YAML is kept for `bank lint`, whose messages give its lines and
//! columns. A file that is not valid YAML gets no JSON and does not fail the build: at run time
//! it is parsed as YAML and the error reported with its location, and the test `quiz_banks`
//! fails. Cargo reruns this whenever anything in `questions/` changes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    banks();
    embedded_files();
}

fn banks() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("questions");
    let out = std::env::var("OUT_DIR").unwrap();
    let out_dir = Path::new(&out).join("banks");
    std::fs::create_dir_all(&out_dir).unwrap();
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut table = String::from("/// Every `questions/*.yaml` at build time: (file name, YAML, the same as JSON if it parsed).\n");
    table.push_str("pub static EMBEDDED: &[(&str, &str, Option<&str>)] = &[\n");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let json = serde_yaml::from_str::<serde_json::Value>(&text)
            .ok()
            .map(|v| serde_json::to_string(&v).expect("a YAML document converts to JSON"));
        let json = match json {
            Some(j) => {
                let dest = out_dir.join(format!("{name}.json"));
                std::fs::write(&dest, j).unwrap();
                format!("Some(include_str!({:?}))", dest.display().to_string())
            }
            None => "None".to_string(),
        };
        // Debug-quoting gives a valid Rust string literal for any path.
        writeln!(
            table,
            "    ({name:?}, include_str!({:?}), {json}),",
            path.display().to_string()
        )
        .unwrap();
    }
    table.push_str("];\n");
    std::fs::write(Path::new(&out).join("banks.rs"), table).unwrap();
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
