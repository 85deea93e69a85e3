//! Quiz start-up figures (`cargo bench --bench quiz`): a benchmark that prints, not a timed test.
//!
//! (a) parsing every embedded bank (target < 10 ms), and for reference the same from the YAML
//!     rather than the JSON that build.rs makes;
//! (b) process start to the first question on stdout, every bank loaded, plain mode with a piped
//!     stdin, in the optimised binary (target < 30 ms);
//! (c) for reference: `bank lint` over every embedded bank.
//!
//! Each figure is the median of several runs, with the fastest and slowest.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use paxos_tutor::quiz::bank::{embedded_files, load_files, BankFile};
use paxos_tutor::quiz::lint::lint;

fn figures(name: &str, target_ms: Option<f64>, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let verdict = match target_ms {
        Some(t) if median < t => format!("  (target < {t} ms: met)"),
        Some(t) => format!("  (target < {t} ms: MISSED)"),
        None => String::new(),
    };
    println!(
        "{name:<44} median {median:>7.2} ms   min {:>7.2}   max {:>7.2}   n={}{verdict}",
        ms(samples[0]),
        ms(*samples.last().unwrap()),
        samples.len()
    );
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

fn main() {
    let files = embedded_files();
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let loaded = load_files(&files, &[]);
    let questions = loaded.questions().len();
    println!(
        "{} embedded banks, {questions} questions, {} KiB of YAML",
        files.len(),
        bytes / 1024
    );

    figures(
        "(a) parse every embedded bank",
        Some(10.0),
        time(50, || load_files(&files, &[])),
    );
    // For reference: what (a) costs without build.rs's JSON, reading the YAML itself.
    let yaml_only: Vec<BankFile> = files
        .iter()
        .map(|f| BankFile::new(f.name.clone(), f.text.clone()))
        .collect();
    figures(
        "(a') the same from YAML (no build-time JSON)",
        None,
        time(20, || load_files(&yaml_only, &[])),
    );

    let exe = env!("CARGO_BIN_EXE_paxos-tutor");
    let home = tempfile::tempdir().unwrap();
    let first_question = || {
        let start = Instant::now();
        let mut child = Command::new(exe)
            .args(["quiz", "--plain", "--count", "10", "--seed", "1"])
            .env("PAXOS_TUTOR_HOME", home.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("the quiz ended before a question was printed");
            }
            if line.starts_with("Question 1 of") {
                break;
            }
        }
        let elapsed = start.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        elapsed
    };
    first_question(); // warm the page cache
    let samples: Vec<Duration> = (0..30).map(|_| first_question()).collect();
    figures("(b) process start to first question", Some(30.0), samples);

    figures(
        "(c) bank lint, every embedded bank",
        None,
        time(20, || lint(&files)),
    );
}
