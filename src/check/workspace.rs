//! The learner's exercise workspace: writing it (`init`), finding it (`--dir` or the current
//! directory's ancestors), and checking that its `paxos-api` is the contract this binary grades.

use std::path::{Path, PathBuf};

use super::embedded::{exercise_file, EXERCISE_FILES};
use super::exercises::Exercise;
use crate::error::{Error, Result};

/// The workspace's own README: what to do, the commands, what a verdict means.
pub const README: &str = include_str!("workspace_readme.md");
/// Build output stays out of the learner's repository.
pub const GITIGNORE: &str = "target/\n";

/// Files `init` writes besides the exercise templates.
const EXTRA_FILES: &[(&str, &str)] = &[("README.md", README), (".gitignore", GITIGNORE)];

/// Write `bytes` to `path` atomically (a temporary file renamed over it) with the mode a new
/// file gets from the user's umask (0644 under umask 022), folders likewise (0755).
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let what = || format!("cannot write {}", path.display());
    // The mode given to open(2) is masked by the umask, as for any new file.
    let mut tmp = tempfile::Builder::new()
        .prefix(".paxos-tutor-")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(|e| Error::io(what(), e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(what(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(what(), e))?;
    tmp.persist(path).map_err(|e| Error::io(what(), e.error))?;
    Ok(())
}

/// What `init` did with each file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InitReport {
    pub written: Vec<String>,
    pub kept: Vec<String>,
    pub restored: Vec<String>,
}

/// Write the workspace into `dir`. A non-empty `dir` needs `force`; even then no existing file is
/// overwritten, except `paxos-api` (the contract), which is restored when it differs.
pub fn init(dir: &Path, force: bool) -> Result<InitReport> {
    let non_empty = dir.is_dir()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?
            .next()
            .is_some();
    if dir.exists() && !dir.is_dir() {
        return Err(Error::cannot_run(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    if non_empty && !force {
        return Err(Error::cannot_run(format!(
            "{} is not empty; use --force to add the missing files (none of yours is overwritten)",
            dir.display()
        )));
    }
    let mut report = InitReport::default();
    let manifest = exercise_file("Cargo.toml").unwrap_or_default();
    for (rel, text) in EXERCISE_FILES.iter().chain(EXTRA_FILES) {
        let path = dir.join(rel);
        // The contracts are restored when they differ: they must be what paxos-tutor grades.
        let contract = rel.starts_with("paxos-api/") || rel.starts_with("multipaxos-api/");
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *text => report.kept.push(rel.to_string()),
            Ok(_) if contract => {
                write_file(&path, text.as_bytes())?;
                report.restored.push(rel.to_string());
            }
            // A workspace written before the Multi-Paxos exercise: its untouched manifest gains
            // the new crates (cargo refuses a crate inside a workspace that does not list it).
            Ok(existing) if *rel == "Cargo.toml" && existing == manifest_before_multi(manifest) => {
                write_file(&path, text.as_bytes())?;
                report.restored.push(rel.to_string());
            }
            Ok(_) => report.kept.push(rel.to_string()),
            Err(_) if path.exists() => report.kept.push(rel.to_string()),
            Err(_) => {
                write_file(&path, text.as_bytes())?;
                report.written.push(rel.to_string());
            }
        }
    }
    Ok(report)
}

/// The crates the Multi-Paxos exercise added to the workspace.
const MULTI_CRATES: &[&str] = &["multipaxos-api", "multi-acceptor", "multi-leader"];

/// The manifest `init` wrote before the Multi-Paxos exercise: today's without its crates.
fn manifest_before_multi(manifest: &str) -> String {
    let mut text = manifest.to_string();
    for d in MULTI_CRATES {
        text = text.replace(&format!(", \"{d}\""), "");
    }
    text
}

/// Is `dir` an exercise workspace (a Cargo workspace with a `paxos-api` crate)?
pub fn is_workspace(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("paxos-api/Cargo.toml").is_file()
}

/// The workspace to use: `--dir`, else the nearest ancestor of the current directory that is one.
pub fn locate(dir: Option<&Path>) -> Result<PathBuf> {
    match dir {
        Some(d) => {
            if !d.exists() {
                return Err(Error::cannot_run(format!(
                    "no such directory: {}",
                    d.display()
                )));
            }
            let d = d
                .canonicalize()
                .map_err(|e| Error::io(format!("cannot resolve {}", d.display()), e))?;
            if is_workspace(&d) {
                Ok(d)
            } else {
                Err(Error::cannot_run(format!(
                    "{} is not an exercise workspace (no paxos-api/ beside a Cargo.toml); create one with `paxos-tutor init`",
                    d.display()
                )))
            }
        }
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::io("cannot read the current directory", e))?;
            cwd.ancestors().find(|d| is_workspace(d)).map(Path::to_path_buf).ok_or_else(|| {
                Error::cannot_run(
                    "no exercise workspace here or above; create one with `paxos-tutor init`, or pass --dir DIR".to_string(),
                )
            })
        }
    }
}

/// Refuse to grade against a `paxos-api` that is not the contract this binary carries.
pub fn check_contract(ws: &Path, ex: &Exercise) -> Result<()> {
    // A workspace written before this exercise existed lacks its crates: `init --force` adds them.
    for c in ex.crates {
        if !ws.join(c).join("Cargo.toml").is_file() {
            return Err(Error::cannot_run(format!(
                "{} has no {c}/ crate, which the {} exercise grades; add it with `paxos-tutor init --force {}` (your own files are kept)",
                ws.display(),
                ex.name,
                ws.display()
            )));
        }
    }
    let mut contracts = vec!["paxos-api/src/lib.rs"];
    if ex.name == paxos_harness::multi::runner::EXERCISE {
        contracts.push("multipaxos-api/src/lib.rs");
    }
    for rel in contracts {
        let expected = exercise_file(rel).expect("embedded contract");
        let path = ws.join(rel);
        let actual = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if actual != expected {
            return Err(Error::cannot_run(format!(
                "{} differs from the contract this paxos-tutor grades; restore it with `paxos-tutor init --force {}` (your own files are kept)",
                path.display(),
                ws.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acceptor() -> &'static Exercise {
        super::super::exercises::find("acceptor").unwrap()
    }

    #[test]
    fn init_writes_then_refuses_then_force_keeps_learner_files() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        let r = init(&ws, false).unwrap();
        assert!(r.written.contains(&"acceptor/src/lib.rs".to_string()));
        assert!(is_workspace(&ws));
        check_contract(&ws, acceptor()).unwrap();

        let err = init(&ws, false).unwrap_err().to_string();
        assert!(
            err.contains("not empty") && err.contains("--force"),
            "{err}"
        );

        std::fs::write(ws.join("acceptor/src/lib.rs"), "// mine").unwrap();
        std::fs::write(ws.join("paxos-api/src/lib.rs"), "// tampered").unwrap();
        std::fs::remove_file(ws.join("proposer/src/lib.rs")).unwrap();
        assert!(check_contract(&ws, acceptor())
            .unwrap_err()
            .to_string()
            .contains("differs from the contract"));
        let r = init(&ws, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(ws.join("acceptor/src/lib.rs")).unwrap(),
            "// mine"
        );
        assert_eq!(r.restored, vec!["paxos-api/src/lib.rs".to_string()]);
        assert_eq!(r.written, vec!["proposer/src/lib.rs".to_string()]);
        check_contract(&ws, acceptor()).unwrap();
    }

    #[test]
    fn init_writes_readme_and_gitignore_and_keeps_the_learners() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        let r = init(&ws, false).unwrap();
        assert!(r.written.contains(&"README.md".to_string()), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(ws.join(".gitignore")).unwrap(),
            "target/\n"
        );
        assert_eq!(
            std::fs::read_to_string(ws.join("README.md")).unwrap(),
            README
        );
        std::fs::write(ws.join(".gitignore"), "mine\n").unwrap();
        std::fs::write(ws.join("README.md"), "my notes").unwrap();
        let r = init(&ws, true).unwrap();
        assert!(
            r.kept.contains(&".gitignore".to_string()) && r.written.is_empty(),
            "{r:?}"
        );
        assert_eq!(
            std::fs::read_to_string(ws.join(".gitignore")).unwrap(),
            "mine\n"
        );
        assert_eq!(
            std::fs::read_to_string(ws.join("README.md")).unwrap(),
            "my notes"
        );
        // No temporary file is left beside them.
        let left: Vec<_> = std::fs::read_dir(&ws)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".paxos-tutor-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn init_writes_the_multipaxos_crates_and_updates_an_older_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        let r = init(&ws, false).unwrap();
        for d in MULTI_CRATES {
            assert!(ws.join(d).join("Cargo.toml").is_file(), "{d}");
            assert!(ws.join(d).join("src/lib.rs").is_file(), "{d}");
            assert!(r.written.iter().any(|f| f.starts_with(d)), "{d}");
        }
        let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("\"multi-leader\""), "{manifest}");
        // A workspace from before: the old manifest, no Multi-Paxos crates, an edited acceptor.
        let old = manifest_before_multi(&manifest);
        assert!(
            old.contains(r#"members = ["paxos-api", "acceptor", "proposer"]"#),
            "{old}"
        );
        std::fs::write(ws.join("Cargo.toml"), &old).unwrap();
        for d in MULTI_CRATES {
            std::fs::remove_dir_all(ws.join(d)).unwrap();
        }
        std::fs::write(ws.join("acceptor/src/lib.rs"), "// mine\n").unwrap();
        let r = init(&ws, true).unwrap();
        assert!(
            r.restored.contains(&"Cargo.toml".to_string()),
            "{:?}",
            r.restored
        );
        assert_eq!(
            std::fs::read_to_string(ws.join("Cargo.toml")).unwrap(),
            manifest
        );
        assert!(ws.join("multi-leader/src/lib.rs").is_file());
        assert_eq!(
            std::fs::read_to_string(ws.join("acceptor/src/lib.rs")).unwrap(),
            "// mine\n"
        );
        // A manifest the learner edited is theirs: kept.
        std::fs::write(ws.join("Cargo.toml"), format!("{old}# mine\n")).unwrap();
        let r = init(&ws, true).unwrap();
        assert!(r.kept.contains(&"Cargo.toml".to_string()));
    }

    #[test]
    fn workspace_readme_text() {
        insta::assert_snapshot!("workspace_readme", README);
    }

    #[test]
    fn locate_finds_ancestor_and_explains_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        init(&ws, false).unwrap();
        assert_eq!(locate(Some(&ws)).unwrap(), ws.canonicalize().unwrap());
        let err = locate(Some(tmp.path())).unwrap_err().to_string();
        assert!(err.contains("not an exercise workspace"), "{err}");
        assert!(locate(Some(&tmp.path().join("nope")))
            .unwrap_err()
            .to_string()
            .contains("no such directory"));
    }
}
