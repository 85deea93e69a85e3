//! The grader's figures (issues #3 and #4), printed rather than asserted:
//!
//! 1. random schedules per second on one core, with the catalogue's correct acceptor and proposer
//!    compiled in as the learner's code (the same trait-object path a real check uses);
//! 2. unique states per second of the exhaustive search (3 acceptors, 2 proposers, depth 9, one
//!    crash, one timeout), learner code in the loop;
//! 3. through the real binary (issue #10): a cold check (empty cache), a warm failing and a warm
//!    passing check after a one-line edit, a bare `cargo build --release` of the learner's crate
//!    after the same edit, and whether `--jobs 1` and `--jobs 2` give the same JSON. With
//!    `PAXOS_BENCH_BASE=/path/to/an/older/paxos-tutor` the older binary's checks run in turn with
//!    this one's (A B A B) and the passing check's ratio is printed pair by pair;
//! 4. the Multi-Paxos world (issue #14) on the generic explorers: random schedules per second and
//!    unique states per second of its breadth-first search (`benches/support/multi.rs`; depth
//!    with `PAXOS_BENCH_MULTI_DEPTH`).
//!
//! Run: `cargo bench --bench check` (part 3 needs cargo on the PATH; skip it with
//! `PAXOS_BENCH_NO_CLI=1`; one part alone with `PAXOS_BENCH_ONLY=random|exhaustive|cli|multi`; a
//! shallower exhaustive part, for callgrind, with `PAXOS_BENCH_DEPTH=7`; more rounds of part 3 with
//! `PAXOS_BENCH_ROUNDS=5`). Wall-clock and CPU seconds are both printed: on a busy machine the
//! CPU figure is the one that measures the harness, and wall-clock figures are noisy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use paxos_harness::explore::{self, Bounds};
use paxos_harness::nodes::{acceptor_ctor, proposer_ctor, Impls};

mod acceptor {
    include!("../tests/fixtures/check/acceptor_good.rs");
}
mod proposer {
    include!("../tests/fixtures/check/proposer_good.rs");
}

fn learner() -> Impls {
    Impls {
        acceptor: acceptor_ctor::<acceptor::MyAcceptor>(),
        proposer: proposer_ctor::<proposer::MyProposer>(),
        learner_acceptor: true,
        learner_proposer: true,
    }
}

/// CPU time of this process so far (user + system), from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn random_rate() {
    let impls = learner();
    let n = 50_000u64;
    for _ in 0..3 {
        let (t0, c0) = (Instant::now(), cpu_seconds());
        for i in 0..n {
            assert!(
                explore::random_schedule(impls, 1, i).is_none(),
                "the correct solution failed schedule {i}"
            );
        }
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        println!(
            "random schedules: {n} in {wall:.2} s wall ({:.0}/s), {cpu:.2} s CPU ({:.0}/s per core)",
            n as f64 / wall,
            n as f64 / cpu.max(1e-9)
        );
    }
}

fn exhaustive_rate() {
    // `PAXOS_BENCH_DEPTH=7` for a shorter run (under callgrind, say).
    let depth = std::env::var("PAXOS_BENCH_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(9);
    let plain = Bounds {
        acceptors: 3,
        proposers: 2,
        depth,
        crashes: 1,
        timeouts: 1,
        budget: Duration::from_secs(600),
        max_states: 10_000_000,
        liveness_depth: paxos_harness::runner::LIVENESS_EVERY_DEPTH,
        takeover: None,
        target: None,
    };
    // The default takeover search: P1, P2 up to 10 steps, then P3 up to 4, one crash after.
    let takeover = Bounds {
        proposers: 3,
        depth: 14,
        timeouts: 0,
        takeover: Some(explore::Takeover { early: 10 }),
        ..plain
    };
    for (what, bounds) in [
        ("exhaustive", plain),
        ("exhaustive", plain),
        ("takeover", takeover),
    ] {
        let c0 = cpu_seconds();
        let e = explore::exhaustive(learner(), bounds, |_| {})
            .expect("the correct solution has no counterexample");
        let cpu = cpu_seconds() - c0;
        println!(
            "{what}, depth {} complete={}: {} unique states ({} generated, {} distinct calm phases for liveness from every state) in {:.2} s wall ({:.0} unique/s), {cpu:.2} s CPU ({:.0} unique/s per core)",
            e.depth_done,
            e.complete,
            e.unique,
            e.generated,
            e.calm_phases,
            e.seconds,
            e.unique as f64 / e.seconds,
            e.unique as f64 / cpu.max(1e-9)
        );
    }
}

/// Wall-clock seconds of one run, and the CPU seconds of the processes it waited for.
fn run(cmd: &mut Command) -> (f64, f64, Vec<u8>) {
    let c0 = children_cpu();
    let t = Instant::now();
    let out = cmd.output().expect("run");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (t.elapsed().as_secs_f64(), children_cpu() - c0, out.stdout)
}

/// CPU time (user + system) of every child process waited for so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// A one-line edit that changes the source (a new comment line each time).
fn edit(p: &Path, with: &str) {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::fs::write(p, format!("{with}\n// edit {n}\n")).unwrap();
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The sum of the unique states of a check's exhaustive configurations (from its JSON).
fn unique_states(json: &[u8]) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(json).expect("check JSON");
    v["exhaustive"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["unique_states"].as_u64()).sum())
        .unwrap_or(0)
}

/// One binary's workspace and cache.
struct Tutor {
    bin: PathBuf,
    root: PathBuf,
}

impl Tutor {
    fn new(bin: PathBuf, root: PathBuf, good: &str) -> Tutor {
        let t = Tutor { bin, root };
        let ws = t.ws();
        t.cmd(&["init", ws.to_str().unwrap()])
            .output()
            .expect("init");
        edit(&t.lib(), good);
        t
    }
    fn ws(&self) -> PathBuf {
        self.root.join("ws")
    }
    fn lib(&self) -> PathBuf {
        self.ws().join("acceptor/src/lib.rs")
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .env("PAXOS_TUTOR_CACHE", self.root.join("cache"))
            .env("PAXOS_TUTOR_HOME", self.root.join("home"));
        c
    }
    fn check(&self, extra: &[&str]) -> (f64, f64, Vec<u8>) {
        let ws = self.ws();
        let mut args = vec![
            "check",
            "acceptor",
            "--dir",
            ws.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        run(&mut self.cmd(&args))
    }
}

/// Through the real binary, the catalogue's correct acceptor as the learner's code: a warm
/// passing check and a warm failing check (the no-save acceptor) after a one-line edit, and a
/// bare `cargo build --release` of the learner's crate after the same edit. With
/// `PAXOS_BENCH_BASE=/path/to/an/older/paxos-tutor`, the same checks of that binary run in turn
/// with these (A B A B), so the two are measured side by side on the same machine load.
fn cli_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/release/paxos-tutor");
    if !bin.exists() {
        println!("(build the binary first: cargo build --release; skipping the check timings)");
        return;
    }
    let rounds: usize = std::env::var("PAXOS_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let tmp = std::env::temp_dir().join(format!("paxos-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let good = std::fs::read_to_string(root.join("tests/fixtures/check/acceptor_good.rs")).unwrap();
    let bad =
        std::fs::read_to_string(root.join("tests/fixtures/check/acceptor_nosave.rs")).unwrap();
    let mut tutors = vec![("this build", Tutor::new(bin, tmp.join("new"), &good))];
    if let Some(base) = std::env::var_os("PAXOS_BENCH_BASE") {
        tutors.push((
            "base",
            Tutor::new(PathBuf::from(base), tmp.join("base"), &good),
        ));
    }
    for (name, t) in &tutors {
        let (wall, cpu, out) = t.check(&[]);
        println!(
            "{name}: cold check (empty cache, default bounds): {wall:.2} s wall, {cpu:.2} s CPU; {} unique states in the exhaustive phase",
            unique_states(&out)
        );
    }
    let bare_target = tmp.join("bare-target");
    let cargo = || {
        run(Command::new("cargo")
            .args(["build", "--release", "--manifest-path"])
            .arg(tutors[0].1.ws().join("acceptor/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &bare_target))
    };
    cargo();
    let mut bare = Vec::new();
    let mut pass: Vec<Vec<(f64, f64)>> = vec![Vec::new(); tutors.len()];
    let mut fail: Vec<Vec<(f64, f64)>> = vec![Vec::new(); tutors.len()];
    for _ in 0..rounds {
        edit(&tutors[0].1.lib(), &good);
        bare.push(cargo().0);
        for (i, (_, t)) in tutors.iter().enumerate() {
            edit(&t.lib(), &bad);
            let (w, c, _) = t.check(&[]);
            fail[i].push((w, c));
            edit(&t.lib(), &good);
            let (w, c, _) = t.check(&[]);
            pass[i].push((w, c));
        }
    }
    let wall = |v: &[(f64, f64)]| median(&v.iter().map(|x| x.0).collect::<Vec<_>>());
    let cpu = |v: &[(f64, f64)]| median(&v.iter().map(|x| x.1).collect::<Vec<_>>());
    let b = median(&bare);
    println!("bare `cargo build --release` of the learner's crate after an edit: {b:.2} s (median of {rounds})");
    for (i, (name, _)) in tutors.iter().enumerate() {
        println!(
            "{name}: warm failing check after an edit: {:.2} s wall = {:.1}x the bare build ({:.2} s CPU)",
            wall(&fail[i]),
            wall(&fail[i]) / b,
            cpu(&fail[i])
        );
        println!(
            "{name}: warm passing check after an edit (default bounds): {:.2} s wall, {:.2} s CPU",
            wall(&pass[i]),
            cpu(&pass[i])
        );
    }
    if tutors.len() == 2 {
        let ratios: Vec<f64> = pass[0]
            .iter()
            .zip(&pass[1])
            .map(|(a, b)| a.0 / b.0)
            .collect();
        println!(
            "warm passing check, this build / base, pair by pair: median {:.2} (min {:.2}, max {:.2})",
            median(&ratios),
            ratios.iter().cloned().fold(f64::INFINITY, f64::min),
            ratios.iter().cloned().fold(0.0, f64::max)
        );
    }
    // The same JSON for one worker and for two: both run (`--fresh`), not the stored verdict.
    let t = &tutors[0].1;
    let one = t.check(&["--jobs", "1", "--fresh"]);
    let two = t.check(&["--jobs", "2", "--fresh"]);
    println!(
        "--jobs 1: {:.2} s wall, --jobs 2: {:.2} s wall; JSON byte-identical: {}",
        one.0,
        two.0,
        if one.2 == two.2 { "yes" } else { "NO" }
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[path = "support/multi.rs"]
mod multi;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `PAXOS_BENCH_ONLY=random|exhaustive|cli|multi` runs one part.
    let only = std::env::var("PAXOS_BENCH_ONLY").ok();
    let part = |p: &str| only.as_deref().is_none_or(|o| o == p);
    if part("random") {
        random_rate();
    }
    if part("exhaustive") {
        exhaustive_rate();
    }
    if part("cli") && std::env::var_os("PAXOS_BENCH_NO_CLI").is_none() {
        cli_figures();
    }
    if part("multi") {
        multi::figures(cpu_seconds);
    }
}
