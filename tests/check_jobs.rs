//! `check --jobs N` through the real binary: the plan's units run in N worker processes, and the
//! JSON is byte for byte the same for one worker and for two, for a pass and for a failure.

mod common;
use common::Learner;

/// The JSON of `check acceptor` on `fixture` with small bounds (four random units, every
/// exhaustive configuration), once with `--jobs 1` and once with `--jobs 2`.
fn both(fixture: &str) -> (String, String) {
    let l = Learner::new("check-jobs", fixture.trim_end_matches(".rs"));
    let ws_arg = l.ws_arg();
    l.put("acceptor", &common::fixture("check", fixture));
    let run = |jobs: &str| {
        let out = l
            .cmd(&[
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
            ])
            .output()
            .expect("run paxos-tutor");
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
