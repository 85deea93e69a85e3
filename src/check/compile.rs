//! Building the learner's crate against the harness carried in this binary, in a place the tool
//! controls.
//!
//! Layout under the cache directory (`paxos-tutor/<version>-<harness fingerprint>/`):
//! - `target/`: one `CARGO_TARGET_DIR` for every check, so the harness compiles once and a
//!   check rebuilds only what the learner changed, then links the runner;
//! - `paxos-api/`: paxos-tutor's own copy of the contract crate, manifest included;
//! - `harness/`: the harness sources, depending on that copy;
//! - `ws-<hash of workspace path>/<exercise>/`: a tiny runner crate whose `main` hands the
//!   learner's constructors to the harness. Its manifest `[patch]`es the workspace's
//!   `paxos-api` with paxos-tutor's copy, so the learner's crates are compiled against the
//!   contract whatever the workspace's `paxos-api/` holds.
//!
//! Cargo runs with the runner's folder as its current directory (so it reads no `.cargo/config`
//! of the learner's), as the toolchain's own `cargo` binary resolved once (so no
//! `rust-toolchain` file picks another), with wrappers, flags and build settings of the
//! environment dropped. Before the build, `cargo metadata` must show no build-time code in the
//! learner's local dependency graph; after it, every generated file must still be what was
//! written. Nothing is ever written into the learner's workspace.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::embedded::{harness_fingerprint, EXERCISE_FILES, HARNESS_FILES};
use super::exercises::Exercise;
use crate::error::{Error, Result};
use crate::paths::write_atomic;

/// The release profile the runner is built with. Measured: opt-level 3 gives the schedule rate the
/// grader needs, and incremental builds keep a warm check's rebuild of the learner's crate short.
/// The same settings are also given in the environment (see [`PROFILE_ENV`]), which wins over any
/// cargo configuration file.
const PROFILE: &str = r#"
[profile.release]
opt-level = 3
debug = false
incremental = true
codegen-units = 16
panic = "unwind"
# A round that wraps at u64::MAX is a panic naming the call, not a silent wrap.
overflow-checks = true

# The harness is built once per paxos-tutor version, and every check runs it: one codegen unit and
# no incremental build make it some 4% faster per state (the learner's crates stay incremental).
[profile.release.package.paxos-harness]
codegen-units = 1
incremental = false
"#;

/// [`PROFILE`] as environment variables: they take precedence over `[profile]` in any
/// `config.toml` cargo reads (the user's own included).
const PROFILE_ENV: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "true"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_PANIC", "unwind"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true"),
];

/// Where one check builds, and what was written there.
pub struct BuildDirs {
    pub root: PathBuf,
    pub target: PathBuf,
    pub runner_dir: PathBuf,
    pub package: String,
    /// Every generated file and its text, checked after the build.
    written: Vec<(PathBuf, String)>,
    /// The folders paxos-tutor owns: nothing else may appear in them.
    owned: Vec<PathBuf>,
}

impl BuildDirs {
    pub fn binary(&self) -> PathBuf {
        self.target.join("release").join(&self.package)
    }

    fn ours(&self) -> [PathBuf; 4] {
        [
            self.root.join("paxos-api/Cargo.toml"),
            self.root.join("multipaxos-api/Cargo.toml"),
            self.root.join("harness/Cargo.toml"),
            self.runner_dir.join("Cargo.toml"),
        ]
    }
}

fn short_hash(s: &str) -> String {
    let h = super::embedded::fnv1a(super::embedded::FNV_START, s.bytes());
    format!("{:08x}", h as u32)
}

/// `s` as a TOML basic string (quotes included): `"` and `\` escaped, control characters as
/// `\uXXXX`, everything else (accents, combining marks, any Unicode) as it is, which TOML allows.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A path as text for a generated file: it must be valid UTF-8 (cargo's manifests are text).
fn utf8(p: &Path) -> Result<&str> {
    p.to_str().ok_or_else(|| {
        Error::cannot_run(format!(
            "{} is not valid UTF-8; move the workspace to a folder whose path is",
            p.display()
        ))
    })
}

/// The `file://` URL cargo gives a path source (percent-encoded as the `url` crate does), the key
/// of a `[patch]` table for it.
pub fn file_url(p: &str) -> String {
    let mut out = String::from("file://");
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Refuse a workspace holding cargo configuration or a toolchain file (cargo and rustup would
/// obey them), in its root or in any crate folder of it.
pub fn refuse_config_files(ws: &Path) -> Result<()> {
    let mut dirs = vec![ws.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(ws) {
        let mut sub: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("Cargo.toml").is_file())
            .collect();
        sub.sort();
        dirs.extend(sub);
    }
    for d in dirs {
        if let Some(f) = config_file_in(&d) {
            return Err(Error::cannot_run(format!(
                "{} would change how cargo builds your code; paxos-tutor does not grade a workspace with cargo configuration or a toolchain file: remove it",
                f.display()
            )));
        }
    }
    Ok(())
}

/// The first `.cargo/config*` or `rust-toolchain*` in `dir`, if any.
fn config_file_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join(".cargo")) {
        found.extend(
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("config"))
                .map(|e| e.path()),
        );
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        found.extend(
            rd.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("rust-toolchain")
                })
                .map(|e| e.path()),
        );
    }
    found.sort();
    found.into_iter().next()
}

/// Write `text` to `path` unless it already holds exactly that (so cargo's fingerprints stay fresh).
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read(path).ok().as_deref() != Some(text.as_bytes()) {
        write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}

/// Remove from `dir` every file or folder that is not in `keep` (paths relative to `dir`), nor
/// an ancestor folder of one: paxos-tutor owns these folders.
fn remove_strays(dir: &Path, keep: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if keep.contains(&rel) && !is_dir {
                continue;
            }
            if is_dir && keep.iter().any(|k| k.starts_with(&rel)) {
                stack.push(p);
                continue;
            }
            let r = if is_dir {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            r.map_err(|e| Error::io(format!("cannot remove {}", p.display()), e))?;
            removed.push(p);
        }
    }
    Ok(removed)
}

/// Write (only where changed) paxos-api, the harness and the runner, and remove anything else
/// found in those folders (a `build.rs` planted there would run at the next build).
pub fn prepare(cache: &Path, ws: &Path, ex: &Exercise) -> Result<BuildDirs> {
    // Cargo runs in the runner's folder: every path handed to it must be absolute.
    let cache = &std::path::absolute(cache)
        .map_err(|e| Error::io(format!("cannot resolve {}", cache.display()), e))?;
    let ws_text = utf8(ws)?;
    if cache.starts_with(ws) {
        return Err(Error::cannot_run(format!(
            "the grader's cache ({}) is inside the workspace; set PAXOS_TUTOR_CACHE to a folder outside it",
            cache.display()
        )));
    }
    let root = cache.join(format!(
        "{}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        harness_fingerprint()
    ));
    let root_text = utf8(&root)?.to_string();
    let wsdir = root.join(format!("ws-{}", short_hash(ws_text)));
    let runner_dir = wsdir.join(ex.name);
    let mut written: Vec<(PathBuf, String)> = Vec::new();
    let mut owned = Vec::new();

    // The contracts: paxos-api, and multipaxos-api (which depends on it by `../paxos-api`).
    let contract = |name: &str| -> (PathBuf, Vec<(PathBuf, String)>) {
        let files = EXERCISE_FILES
            .iter()
            .filter_map(|(rel, text)| {
                rel.strip_prefix(&format!("{name}/"))
                    .map(|r| (PathBuf::from(r), text.to_string()))
            })
            .collect();
        (root.join(name), files)
    };
    let (api, api_files) = contract("paxos-api");
    let (multi_api, multi_api_files) = contract("multipaxos-api");
    let harness = root.join("harness");
    let mut harness_files: Vec<(PathBuf, String)> = HARNESS_FILES
        .iter()
        .map(|(rel, text)| (PathBuf::from(rel), text.to_string()))
        .collect();
    harness_files.push((
        PathBuf::from("Cargo.toml"),
        format!(
            "[package]\nname = \"paxos-harness\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\npaxos-api = {{ path = {} }}\nmultipaxos-api = {{ path = {} }}\n",
            toml_str(&format!("{root_text}/paxos-api")),
            toml_str(&format!("{root_text}/multipaxos-api"))
        ),
    ));
    let package = format!("paxos-runner-{}-{}", ex.name, short_hash(ws_text));
    let mut deps = String::new();
    for c in ex.crates {
        deps.push_str(&format!(
            "{c} = {{ path = {} }}\n",
            toml_str(utf8(&ws.join(c))?)
        ));
    }
    let multi = ex.name == paxos_harness::multi::runner::EXERCISE;
    // The Multi-Paxos crates depend on multipaxos-api, which depends on paxos-api: both patched.
    let mut patches = format!(
        "[patch.{}]\npaxos-api = {{ path = {} }}\n",
        toml_str(&file_url(utf8(&ws.join("paxos-api"))?)),
        toml_str(&format!("{root_text}/paxos-api")),
    );
    if multi {
        patches.push_str(&format!(
            "\n[patch.{}]\nmultipaxos-api = {{ path = {} }}\n",
            toml_str(&file_url(utf8(&ws.join("multipaxos-api"))?)),
            toml_str(&format!("{root_text}/multipaxos-api")),
        ));
    }
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\nbuild = false\n\n[workspace]\n\n[dependencies]\npaxos-harness = {{ path = {} }}\n{deps}\n# The learner's crates use paxos-tutor's own copy of the contracts, whatever the workspace's holds.\n{patches}{PROFILE}",
        toml_str(&format!("{root_text}/harness")),
    );
    let acceptor = if ex.crates.contains(&"acceptor") {
        "acceptor::MyAcceptor"
    } else {
        "paxos_harness::RefAcceptor"
    };
    let proposer = if ex.crates.contains(&"proposer") {
        "proposer::MyProposer"
    } else {
        "paxos_harness::RefProposer"
    };
    let main = if multi {
        "//! Generated by paxos-tutor: runs the harness on the learner's code.\nfn main() {\n    let impls = paxos_harness::multi::nodes::Impls {\n        acceptor: paxos_harness::multi::nodes::acceptor_ctor::<multi_acceptor::MyAcceptor>(),\n        leader: paxos_harness::multi::nodes::leader_ctor::<multi_leader::MyLeader>(),\n        learner_acceptor: true,\n        learner_leader: true,\n    };\n    paxos_harness::multi::runner::main(impls);\n}\n".to_string()
    } else {
        format!(
            "//! Generated by paxos-tutor: runs the harness on the learner's code.\nfn main() {{\n    let impls = paxos_harness::runner::impls_for(\n        {:?},\n        paxos_harness::acceptor_ctor::<{acceptor}>(),\n        paxos_harness::proposer_ctor::<{proposer}>(),\n    );\n    paxos_harness::runner::main(impls);\n}}\n",
            ex.name
        )
    };
    let runner_files = vec![
        (PathBuf::from("Cargo.toml"), manifest),
        (PathBuf::from("src/main.rs"), main),
    ];
    for (dir, files, extra_keep) in [
        (&api, api_files, vec![]),
        (&multi_api, multi_api_files, vec![]),
        (&harness, harness_files, vec![]),
        (&runner_dir, runner_files, vec![PathBuf::from("Cargo.lock")]),
    ] {
        let mut keep: Vec<PathBuf> = files.iter().map(|(r, _)| r.clone()).collect();
        keep.extend(extra_keep);
        remove_strays(dir, &keep)?;
        for (rel, text) in files {
            let path = dir.join(&rel);
            write_if_changed(&path, &text)?;
            written.push((path, text));
        }
        owned.push(dir.to_path_buf());
    }
    // Cargo reads `.cargo/config*` in its current directory and every ancestor: inside the cache,
    // those folders are paxos-tutor's and must hold none.
    for d in runner_dir.ancestors() {
        if let Some(f) = config_file_in(d) {
            return Err(Error::cannot_run(format!(
                "{} was not written by paxos-tutor and would change how cargo builds the grader: remove it",
                f.display()
            )));
        }
        if d == cache {
            break;
        }
    }
    Ok(BuildDirs {
        target: root.join("target"),
        root,
        runner_dir,
        package,
        written,
        owned,
    })
}

/// After the build, before the run: every generated file is still what paxos-tutor wrote, and
/// nothing was added to the folders it owns.
pub fn verify(dirs: &BuildDirs) -> Result<()> {
    for (path, text) in &dirs.written {
        if std::fs::read(path).ok().as_deref() != Some(text.as_bytes()) {
            return Err(Error::cannot_run(format!(
                "{} in the grader's cache changed during the build; something rewrote the grader, so it is not run (remove {} and check again)",
                path.display(),
                dirs.root.display()
            )));
        }
    }
    for dir in &dirs.owned {
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    stack.push(p);
                } else if !dirs.written.iter().any(|(w, _)| *w == p)
                    && p != dirs.runner_dir.join("Cargo.lock")
                {
                    return Err(Error::cannot_run(format!(
                        "{} appeared in the grader's cache during the build; something changed the grader, so it is not run (remove {} and check again)",
                        p.display(),
                        dirs.root.display()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The outcome of the build.
#[derive(Debug)]
pub enum Built {
    /// It built; the learner's crate's warnings, each as the compiler rendered it.
    Ok { warnings: Vec<String> },
    /// The learner's code does not compile: the compiler's rendered diagnostics.
    CompileError(String),
}

/// How the diagnostics of a crate that compiled but that the grader cannot use begin (the report
/// says so instead of "does not compile").
pub const UNUSABLE: &str = "your crate compiled, but the grader cannot use it";

/// rustc's closing count ("warning: 2 warnings emitted"), not a warning of its own.
fn is_warning_summary(rendered: &str) -> bool {
    let text = strip_ansi(rendered);
    let Some(rest) = text.trim().strip_prefix("warning: ") else {
        return false;
    };
    let mut words = rest.split_whitespace();
    words.next().is_some_and(|n| n.parse::<u64>().is_ok())
        && matches!(words.next(), Some("warning" | "warnings"))
        && words.next() == Some("emitted")
}

/// The toolchain's own binaries, resolved once per run.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub cargo: PathBuf,
    pub rustc: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Is `p` a rustup proxy (a link to the rustup binary)?
fn rustup_proxy(p: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(p).ok()?;
    let stem = real.file_stem()?.to_str()?;
    stem.starts_with("rustup").then_some(real)
}

/// Ask rustup which binary `tool` is, from `dir` (a folder of the cache).
fn rustup_which(rustup: &Path, tool: &str, dir: &Path) -> std::result::Result<PathBuf, String> {
    let out = Command::new(rustup)
        .arg0("rustup")
        .args(["which", tool])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run rustup ({}): {e}", rustup.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`rustup which {tool}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "rustup names {} for {tool}, which is not a file",
            p.display()
        ))
    }
}

fn resolve_toolchain(dir: &Path) -> std::result::Result<Toolchain, String> {
    let candidate = std::env::var_os("CARGO")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| on_path("cargo"))
        .ok_or("cannot find cargo on the PATH; install Rust from rustup.rs")?;
    if let Some(rustup) = rustup_proxy(&candidate) {
        let cargo = rustup_which(&rustup, "cargo", dir)?;
        let beside = cargo.with_file_name("rustc");
        let rustc = if beside.is_file() {
            beside
        } else {
            rustup_which(&rustup, "rustc", dir)?
        };
        return Ok(Toolchain { cargo, rustc });
    }
    let cargo = std::fs::canonicalize(&candidate)
        .map_err(|e| format!("cannot run cargo ({}): {e}", candidate.display()))?;
    let beside = cargo.with_file_name("rustc");
    let rustc = if beside.is_file() {
        beside
    } else {
        let r = on_path("rustc").ok_or("cannot find rustc on the PATH")?;
        match rustup_proxy(&r) {
            Some(rustup) => rustup_which(&rustup, "rustc", dir)?,
            None => r,
        }
    };
    Ok(Toolchain { cargo, rustc })
}

/// The cargo and rustc to use, resolved once: `$CARGO` when set (running under cargo), else
/// `cargo` on the PATH; a rustup proxy is asked, from a folder of the cache, which toolchain
/// binary it stands for, and that binary is run directly, so no `rust-toolchain` file of the
/// learner's can pick another.
pub fn toolchain(dir: &Path) -> Result<&'static Toolchain> {
    static TOOLCHAIN: OnceLock<std::result::Result<Toolchain, String>> = OnceLock::new();
    TOOLCHAIN
        .get_or_init(|| resolve_toolchain(dir))
        .as_ref()
        .map_err(|e| Error::cannot_run(e.clone()))
}

/// Is the environment variable `key` one that changes how cargo or rustc build?
fn build_setting(key: &str) -> bool {
    let kept = [
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
    ];
    (key.starts_with("CARGO") && !kept.iter().any(|k| key.starts_with(k)))
        || key.starts_with("RUSTC")
        || key.starts_with("RUSTDOC")
        || key.starts_with("RUSTFLAGS")
        || key == "RUSTUP_TOOLCHAIN"
}

/// A cargo command that builds in `dirs.runner_dir` with the pinned toolchain and nothing of the
/// environment's build settings: wrappers and flags are set empty, which also overrides any
/// `config.toml`, and the profile is given in the environment.
fn cargo_command(tc: &Toolchain, dirs: &BuildDirs) -> Command {
    let mut cmd = Command::new(&tc.cargo);
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_none_or(build_setting) {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(&dirs.runner_dir)
        .env("CARGO_TARGET_DIR", &dirs.target)
        .env("RUSTC", &tc.rustc)
        .env("RUSTC_WRAPPER", "")
        .env("RUSTC_WORKSPACE_WRAPPER", "")
        .env("CARGO_ENCODED_RUSTFLAGS", "")
        .envs(PROFILE_ENV.iter().copied())
        .stdin(Stdio::null());
    // SAFETY: prctl is async-signal-safe; cargo dies with paxos-tutor.
    #[cfg(target_os = "linux")]
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            Ok(())
        });
    }
    cmd
}

/// Refuse build-time code in the learner's local dependency graph, as `cargo metadata` reports
/// it: a build script (a `build.rs`, or any file named by `build = "..."`) or a procedural macro
/// in a path or git package, a second `paxos-api`, or a dependency on the harness itself.
///
/// [`Graph::Unreadable`]: cargo could not read the graph (a broken manifest, a dependency it
/// cannot fetch); nothing is built, and cargo's message is reported as a compile error.
pub fn check_graph(dirs: &BuildDirs) -> Result<Graph> {
    let tc = toolchain(&dirs.root)?;
    let metadata = |offline: bool| {
        let mut cmd = cargo_command(tc, dirs);
        cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(dirs.runner_dir.join("Cargo.toml"))
            .stderr(Stdio::piped());
        if offline {
            cmd.arg("--offline");
        }
        cmd.output().map_err(|e| {
            Error::cannot_run(format!("cannot run cargo ({}): {e}", tc.cargo.display()))
        })
    };
    // Offline first: with nothing to fetch it is several times faster (measured: 0.04 s against
    // 0.19 s). Either way it writes Cargo.lock, which the build then keeps to (`--locked`).
    let (out, offline) = match metadata(true)? {
        out if out.status.success() => (out, true),
        _ => (metadata(false)?, false),
    };
    if !out.status.success() {
        return Ok(Graph::Unreadable(
            String::from_utf8_lossy(&out.stderr).trim_end().to_string(),
        ));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::cannot_run(format!("cannot read `cargo metadata`: {e}")))?;
    match graph_problem(&meta, &dirs.ours()) {
        Some(m) => Err(Error::cannot_run(m)),
        None => Ok(Graph::Clean { offline }),
    }
}

/// What `cargo metadata` said about the graph.
pub enum Graph {
    /// No build-time code of the learner's (`offline`: read without the network).
    Clean { offline: bool },
    /// Cargo could not read it: its message.
    Unreadable(String),
}

/// The first reason to refuse the dependency graph `meta`, if any (`ours`: the generated manifests).
pub fn graph_problem(meta: &serde_json::Value, ours: &[PathBuf]) -> Option<String> {
    let empty = Vec::new();
    for p in meta["packages"].as_array().unwrap_or(&empty) {
        let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap_or(""));
        if ours.contains(&manifest) {
            continue;
        }
        let name = p["name"].as_str().unwrap_or("?");
        let dir = manifest
            .parent()
            .unwrap_or(Path::new(""))
            .display()
            .to_string();
        if name == "paxos-api" {
            return Some(format!(
                "{name} ({dir}) is not the workspace's paxos-api: your crates must depend on it as `paxos-api = {{ path = \"../paxos-api\" }}`"
            ));
        }
        for d in p["dependencies"].as_array().unwrap_or(&empty) {
            if d["name"] == "paxos-harness" {
                return Some(format!(
                    "{name} ({}) depends on paxos-harness: the grader's harness is not a dependency for your crates",
                    manifest.display()
                ));
            }
        }
        let source = p["source"].as_str();
        let local = source.is_none() || source.is_some_and(|s| s.starts_with("git+"));
        if !local {
            continue;
        }
        for t in p["targets"].as_array().unwrap_or(&empty) {
            let kinds: Vec<&str> = t["kind"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|k| k.as_str())
                .collect();
            let file = t["src_path"].as_str().unwrap_or("?");
            let what = if kinds.contains(&"custom-build") {
                "has a build script"
            } else if kinds.contains(&"proc-macro") {
                "is a procedural-macro crate"
            } else {
                continue;
            };
            return Some(format!(
                "{name} {what} ({file}): paxos-tutor does not run build-time code from your workspace or its path and git dependencies; remove it (registry crates are fine)"
            ));
        }
    }
    None
}

/// Remove ANSI colour sequences.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The locations of a rendered diagnostic (its `--> FILE:LINE:COL` and `::: FILE` lines) in
/// the workspace `ws`, relative to it (`acceptor/src/lib.rs:12:5`): the compiler builds the
/// learner's crates from the cache and names their files by absolute paths. Colour codes are kept;
/// any other text, and a location outside the workspace, are left as they are.
pub fn relative_locations(rendered: &str, ws: &Path) -> String {
    let prefix = format!("{}/", ws.display());
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let plain = strip_ansi(line);
        let location = plain
            .trim_start()
            .strip_prefix("--> ")
            .or_else(|| plain.trim_start().strip_prefix("::: "));
        match (location, line.find(&prefix)) {
            (Some(at), Some(i)) if at.starts_with(&prefix) => {
                out.push_str(&line[..i]);
                out.push_str(&line[i + prefix.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Check the dependency graph ([`check_graph`]), then build the runner. `on_progress` gets a short
/// line per compiled unit.
pub fn build(
    dirs: &BuildDirs,
    ws: &Path,
    ex: &Exercise,
    color: bool,
    mut on_progress: impl FnMut(&str),
) -> Result<Built> {
    let fix = |s: String| if color { s } else { strip_ansi(&s) };
    // Nothing is built before the graph is known to hold no build-time code of the learner's.
    if let Graph::Unreadable(text) = check_graph(dirs)? {
        return Ok(Built::CompileError(fix(text)));
    }
    let tc = toolchain(&dirs.root)?;
    // `--locked`: exactly the graph `cargo metadata` resolved and wrote to Cargo.lock (crates it
    // has not downloaded yet are fetched, but nothing is resolved anew).
    let mut child = cargo_command(tc, dirs)
        .arg("build")
        .arg("--locked")
        .arg("--release")
        .arg("--message-format=json-diagnostic-rendered-ansi")
        .arg("--manifest-path")
        .arg(dirs.runner_dir.join("Cargo.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::cannot_run(format!(
                "cannot run cargo ({}): {e}; install Rust from rustup.rs",
                tc.cargo.display()
            ))
        })?;
    // cargo's own stderr is read on its own thread, or a chatty build could fill the pipe.
    let stderr = child.stderr.take().expect("piped");
    let err_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        super::run::for_each_line(stderr, |line| {
            lines.push(line);
            true
        });
        lines
    });
    let learner_dirs: Vec<PathBuf> = ex.crates.iter().map(|c| ws.join(c)).collect();
    let mut learner_msgs = Vec::new();
    let mut other_msgs = Vec::new();
    let stdout = child.stdout.take().expect("piped");
    let mut messages = Vec::new();
    super::run::for_each_line_unbounded(stdout, |line| {
        messages.push(line);
        true
    });
    for line in messages {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match v["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(name) = v["target"]["name"].as_str() {
                    on_progress(name);
                }
            }
            Some("compiler-message") => {
                let rendered = v["message"]["rendered"].as_str().unwrap_or("").to_string();
                let level = v["message"]["level"].as_str().unwrap_or("");
                let src = v["target"]["src_path"]
                    .as_str()
                    .map(PathBuf::from)
                    .unwrap_or_default();
                let is_learner = learner_dirs.iter().any(|d| src.starts_with(d));
                if is_learner && (level == "error" || level == "warning") {
                    learner_msgs.push((level.to_string(), rendered));
                } else if level == "error" {
                    other_msgs.push(rendered);
                }
            }
            _ => {}
        }
    }
    let status = child.wait().map_err(|e| Error::io("cargo build", e))?;
    super::interrupt::stop_here_if_interrupted();
    let cargo_err = err_thread.join().unwrap_or_default();
    // Nothing the build started outlives it.
    super::procs::kill_descendants(std::time::Duration::from_secs(2));
    if status.success() {
        let warnings = learner_msgs
            .iter()
            .filter(|(l, r)| l == "warning" && !is_warning_summary(r))
            .map(|(_, r)| relative_locations(&fix(r.clone()), ws))
            .collect();
        return Ok(Built::Ok { warnings });
    }
    let errors: Vec<String> = learner_msgs
        .iter()
        .filter(|(l, _)| l == "error")
        .map(|(_, r)| fix(r.clone()))
        .collect();
    if !errors.is_empty() {
        let warnings: Vec<String> = learner_msgs
            .iter()
            .filter(|(l, _)| l == "warning")
            .map(|(_, r)| fix(r.clone()))
            .collect();
        return Ok(Built::CompileError(
            errors
                .into_iter()
                .chain(warnings)
                .collect::<Vec<_>>()
                .join(""),
        ));
    }
    if !other_msgs.is_empty() {
        // The learner's crate compiled, but the runner could not use it: the struct was renamed,
        // made private, or lost a derive the grader relies on.
        let mut text = format!(
            "{UNUSABLE}: keep `pub struct {}` with #[derive(Clone, Debug)] and its `impl` of the trait.\n\n",
            ex.crates.iter().map(|c| if *c == "acceptor" { "MyAcceptor" } else { "MyProposer" }).collect::<Vec<_>>().join("` and `pub struct ")
        );
        text.push_str(&other_msgs.into_iter().map(fix).collect::<Vec<_>>().join(""));
        return Ok(Built::CompileError(text));
    }
    // No compiler message: cargo itself failed (a broken Cargo.toml, a dependency it cannot fetch).
    let tail: Vec<&String> = cargo_err
        .iter()
        .filter(|l| !l.trim_start().starts_with("Compiling"))
        .collect();
    let text = tail
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Built::CompileError(fix(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_removes_colour_only() {
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[38;5;9merror\u{1b}[0m: x"),
            "error: x"
        );
        assert_eq!(strip_ansi("plain → text"), "plain → text");
    }

    #[test]
    fn warning_locations_in_the_workspace_are_relative_to_it() {
        let ws = Path::new("/home/me/ws");
        assert_eq!(
            relative_locations(
                "warning: unused variable: `x`\n  --> /home/me/ws/acceptor/src/lib.rs:12:5\n   |\n12 |     let x = /home/me/ws/;\n",
                ws
            ),
            "warning: unused variable: `x`\n  --> acceptor/src/lib.rs:12:5\n   |\n12 |     let x = /home/me/ws/;\n"
        );
        // In colour, the path follows the arrow's colour codes.
        assert_eq!(
            relative_locations(
                "\u{1b}[1m\u{1b}[38;5;12m  --> \u{1b}[0m/home/me/ws/acceptor/src/lib.rs:3:9\n",
                ws
            ),
            "\u{1b}[1m\u{1b}[38;5;12m  --> \u{1b}[0macceptor/src/lib.rs:3:9\n"
        );
        // A note pointing into the contract's copy, outside the workspace: as it is.
        let outside = "  ::: /cache/paxos-api/src/lib.rs:40:1\n";
        assert_eq!(relative_locations(outside, ws), outside);
        // Not a prefix of another folder's name.
        let other = "  --> /home/me/ws2/acceptor/src/lib.rs:1:1\n";
        assert_eq!(relative_locations(other, ws), other);
    }

    #[test]
    fn rustcs_warning_count_is_not_a_warning() {
        assert!(is_warning_summary("warning: 2 warnings emitted\n\n"));
        assert!(is_warning_summary(
            "\u{1b}[1mwarning\u{1b}[0m: 1 warning emitted\n"
        ));
        assert!(!is_warning_summary(
            "warning: unused variable: `x`\n --> src/lib.rs:3:9\n"
        ));
        assert!(!is_warning_summary("warning: 2 unused imports\n"));
    }

    #[test]
    fn prepare_writes_runner_against_paxos_tutors_own_contract() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        super::super::workspace::init(&ws, false).unwrap();
        let ex = super::super::exercises::find("acceptor").unwrap();
        let cache = tmp.path().join("cache");
        let dirs = prepare(&cache, &ws, ex).unwrap();
        let manifest = std::fs::read_to_string(dirs.runner_dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!(
            "acceptor = {{ path = {} }}",
            toml_str(ws.join("acceptor").to_str().unwrap())
        )));
        let api = dirs.root.join("paxos-api");
        assert!(manifest.contains(&format!(
            "[patch.{}]\npaxos-api = {{ path = {} }}",
            toml_str(&file_url(ws.join("paxos-api").to_str().unwrap())),
            toml_str(api.to_str().unwrap())
        )));
        let main = std::fs::read_to_string(dirs.runner_dir.join("src/main.rs")).unwrap();
        assert!(main.contains("acceptor::MyAcceptor") && main.contains("RefProposer"));
        let harness = std::fs::read_to_string(dirs.root.join("harness/Cargo.toml")).unwrap();
        assert!(
            harness.contains(&toml_str(api.to_str().unwrap())),
            "{harness}"
        );
        assert_eq!(
            std::fs::read_to_string(api.join("src/lib.rs")).unwrap(),
            super::super::embedded::exercise_file("paxos-api/src/lib.rs").unwrap()
        );
        assert!(
            !ws.join("harness").exists() && !ws.join("target").exists(),
            "nothing is written into the workspace"
        );
        verify(&dirs).unwrap();

        // A file rewritten or planted in the cache is found after the build, and removed by the
        // next prepare.
        std::fs::write(dirs.runner_dir.join("build.rs"), "fn main() {}").unwrap();
        let err = verify(&dirs).unwrap_err().to_string();
        assert!(
            err.contains("build.rs") && err.contains("appeared"),
            "{err}"
        );
        std::fs::write(dirs.root.join("harness/src/runner.rs"), "// forged").unwrap();
        let err = verify(&dirs).unwrap_err().to_string();
        assert!(
            err.contains("runner.rs") && err.contains("changed"),
            "{err}"
        );
        let dirs = prepare(&cache, &ws, ex).unwrap();
        assert!(!dirs.runner_dir.join("build.rs").exists());
        verify(&dirs).unwrap();

        // Cargo configuration planted in the cache's folders is refused.
        std::fs::create_dir_all(dirs.root.join(".cargo")).unwrap();
        std::fs::write(dirs.root.join(".cargo/config.toml"), "").unwrap();
        let err = prepare(&cache, &ws, ex).err().unwrap().to_string();
        assert!(err.contains(".cargo/config.toml"), "{err}");
    }

    #[test]
    fn toml_strings_are_escaped_as_toml_requires() {
        assert_eq!(toml_str("/a/b"), "\"/a/b\"");
        assert_eq!(toml_str("q\"b\\s"), "\"q\\\"b\\\\s\"");
        assert_eq!(toml_str("t\u{1}\u{7f}\n"), "\"t\\u0001\\u007F\\n\"");
        // A decomposed accent (NFD, as macOS stores names) stays as it is: TOML allows it, and
        // `{:?}` would have written `\u{301}`, which TOML does not.
        let nfd = "/tmp/Re\u{301}sume\u{301}";
        assert_eq!(toml_str(nfd), format!("\"{nfd}\""));
        assert!(!toml_str(nfd).contains("\\u{"));
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(file_url("/a b/c"), "file:///a%20b/c");
        assert_eq!(file_url("/e\u{301}"), "file:///e%CC%81");
        assert_eq!(file_url("/x-y_z.~/"), "file:///x-y_z.~/");
    }

    #[test]
    fn build_time_code_in_local_packages_is_refused() {
        let ours = vec![PathBuf::from("/cache/harness/Cargo.toml")];
        let pkg = |name: &str, source: serde_json::Value, kinds: &[&str], src: &str| {
            serde_json::json!({"name": name, "source": source, "manifest_path": format!("/ws/{name}/Cargo.toml"), "dependencies": [],
                "targets": [{"kind": ["lib"], "src_path": format!("/ws/{name}/src/lib.rs")}, {"kind": kinds, "src_path": src}]})
        };
        let meta = |p: serde_json::Value| {
            serde_json::json!({"packages": [
            {"name": "paxos-harness", "source": null, "manifest_path": "/cache/harness/Cargo.toml", "dependencies": [],
             "targets": [{"kind": ["custom-build"], "src_path": "/cache/harness/build.rs"}]}, p]})
        };
        let m = graph_problem(
            &meta(pkg(
                "acceptor",
                serde_json::Value::Null,
                &["custom-build"],
                "/ws/acceptor/gen.rs",
            )),
            &ours,
        )
        .unwrap();
        assert!(
            m.contains("acceptor has a build script (/ws/acceptor/gen.rs)"),
            "{m}"
        );
        let m = graph_problem(
            &meta(pkg(
                "mac",
                "git+https://example.com/mac#abc".into(),
                &["proc-macro"],
                "/ws/mac/src/lib.rs",
            )),
            &ours,
        )
        .unwrap();
        assert!(m.contains("mac is a procedural-macro crate"), "{m}");
        // Registry crates may have both.
        let registry = "registry+https://github.com/rust-lang/crates.io-index";
        assert_eq!(
            graph_problem(
                &meta(pkg(
                    "serde_derive",
                    registry.into(),
                    &["proc-macro"],
                    "/r/lib.rs"
                )),
                &ours
            ),
            None
        );
        assert_eq!(
            graph_problem(
                &meta(pkg(
                    "acceptor",
                    serde_json::Value::Null,
                    &["test"],
                    "/ws/acceptor/tests/t.rs"
                )),
                &ours
            ),
            None
        );
        let m = graph_problem(
            &meta(pkg("paxos-api", serde_json::Value::Null, &["test"], "/x")),
            &ours,
        )
        .unwrap();
        assert!(m.contains("is not the workspace's paxos-api"), "{m}");
    }

    #[test]
    fn cargo_configuration_in_the_workspace_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        super::super::workspace::init(&ws, false).unwrap();
        refuse_config_files(&ws).unwrap();
        for f in [
            ".cargo/config.toml",
            ".cargo/config",
            "rust-toolchain.toml",
            "rust-toolchain",
            "acceptor/.cargo/config.toml",
            "acceptor/rust-toolchain",
        ] {
            let p = ws.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
            let err = refuse_config_files(&ws).unwrap_err().to_string();
            assert!(err.contains(&p.display().to_string()), "{f}: {err}");
            std::fs::remove_file(&p).unwrap();
        }
    }

    #[test]
    fn build_settings_of_the_environment_are_recognised() {
        for k in [
            "RUSTC_WRAPPER",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTC",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
            "CARGO_PROFILE_RELEASE_PANIC",
            "RUSTUP_TOOLCHAIN",
            "CARGO",
        ] {
            assert!(build_setting(k), "{k}");
        }
        for k in [
            "CARGO_HOME",
            "CARGO_NET_OFFLINE",
            "CARGO_HTTP_PROXY",
            "HOME",
            "PATH",
        ] {
            assert!(!build_setting(k), "{k}");
        }
    }
}
