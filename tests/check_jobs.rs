//! `check --jobs N` through the real binary: the plan's units run in N worker processes, and the
//! JSON is byte for byte the same for one worker and for two, for a pass and for a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("check-jobs")
        .join(name)
}

fn tutor(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_paxos-tutor"))
        .args(args)
        .env("PAXOS_TUTOR_HOME", root.join("home"))
        .env(
            "PAXOS_TUTOR_CACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-cache"),
        )
        .env("NO_COLOR", "1")
        .output()
        .expect("run paxos-tutor")
}

/// The JSON of `check acceptor` on `fixture` with small bounds (four random units, every
/// exhaustive configuration), once with `--jobs 1` and once with `--jobs 2`.
fn both(fixture: &str) -> (String, String) {
    let root = tmp(fixture.trim_end_matches(".rs"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let ws = root.join("ws");
    let ws_arg = ws.to_str().unwrap();
    let out = tutor(&root, &["init", ws_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(fixture);
    std::fs::copy(src, ws.join("acceptor/src/lib.rs")).unwrap();
    let run = |jobs: &str| {
        let out = tutor(
            &root,
            &[
                "check",
                "acceptor",
                "--dir",
                ws_arg,
                "--format",
                "json",
                "--schedules",
                "8000",
                "--depth",
                "5",
                "--takeover",
                "6+3",
                "--jobs",
                jobs,
                // Both runs really run: not the stored verdict of the first (or of a run before).
                "--fresh",
            ],
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.starts_with('{'),
            "--jobs {jobs}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(
            v.get("cached").is_none(),
            "--jobs {jobs} came from the cache: {stdout}"
        );
        stdout
    };
    (run("1"), run("2"))
}

#[test]
fn a_pass_is_the_same_json_for_one_worker_and_two() {
    let (one, two) = both("acceptor_good.rs");
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["verdict"], "pass", "{one}");
    // Every unit was reached: the traces, 8 000 random schedules, four exhaustive configurations.
    assert!(v["schedules"].as_u64().unwrap() > 8_000, "{one}");
    assert_eq!(v["exhaustive"].as_array().unwrap().len(), 4, "{one}");
    assert_eq!(one, two);
}

#[test]
fn a_failure_is_the_same_json_for_one_worker_and_two() {
    let (one, two) = both("acceptor_nosave.rs");
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["verdict"], "fail", "{one}");
    assert_eq!(v["violations"][0]["code"], "promise-backwards", "{one}");
    assert_eq!(one, two);
}
