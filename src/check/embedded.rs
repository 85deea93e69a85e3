//! Files carried inside the binary: the harness (written to the grader's cache, never into the
//! learner's workspace) and the exercise workspace templates (written by `init`).

include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));

/// The text of an embedded exercise file, by path relative to `exercises/`.
pub fn exercise_file(rel: &str) -> Option<&'static str> {
    EXERCISE_FILES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, t)| *t)
}

/// The FNV-1a offset basis: the state [`fnv1a`] starts from.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: `state` (from [`FNV_START`]) with `bytes` mixed in. The fingerprints of the cache,
/// the workspace path and the learner's sources all use it.
pub fn fnv1a(state: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes
        .into_iter()
        .fold(state, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// A fingerprint of the embedded harness, so a changed harness gets a fresh cache.
pub fn harness_fingerprint() -> u64 {
    let mut h = FNV_START;
    for (path, text) in HARNESS_FILES.iter().chain(
        EXERCISE_FILES
            .iter()
            .filter(|(p, _)| p.starts_with("paxos-api/") || p.starts_with("multipaxos-api/")),
    ) {
        h = fnv1a(h, path.bytes().chain([0]).chain(text.bytes()).chain([0]));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_harness_and_the_templates() {
        let harness: Vec<&str> = HARNESS_FILES.iter().map(|(p, _)| *p).collect();
        for need in [
            "build.rs",
            "src/lib.rs",
            "src/world.rs",
            "src/runner.rs",
            "traces/01-normal-case.yaml",
        ] {
            assert!(harness.contains(&need), "{need} missing from {harness:?}");
        }
        assert!(!harness
            .iter()
            .any(|p| p.starts_with("tests/") || p.starts_with("examples/")));
        for need in [
            "Cargo.toml",
            "paxos-api/Cargo.toml",
            "paxos-api/src/lib.rs",
            "acceptor/src/lib.rs",
            "proposer/src/lib.rs",
        ] {
            assert!(exercise_file(need).is_some(), "{need} missing");
        }
        assert!(exercise_file("acceptor/src/lib.rs")
            .unwrap()
            .contains("todo!("));
    }
}
