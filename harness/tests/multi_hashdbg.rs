//! The Multi-Paxos world keeps each node's hash up to date after every call into it: a search's
//! state hash, read from those, equals the hash of the same world hashed from scratch, after any
//! step of many random schedules.
use paxos_harness::model::Model;
use paxos_harness::multi::{nodes::Impls, Setup, World};
use paxos_harness::rng::Rng;

#[test]
fn kept_hashes_equal_hashes_from_scratch() {
    let w0 = World::new(Setup::standard(Impls::reference(), 3, 2, 2))
        .unwrap()
        .hashing()
        .unwrap();
    let mut rng = Rng::new(3);
    for _ in 0..300 {
        let mut w = w0.clone();
        let mut hist = vec![];
        for _ in 0..40 {
            let st = w.steps();
            let s = st[rng.below(st.len())].clone();
            hist.push(s.describe());
            if w.apply(&s).is_err() {
                break;
            }
            let fresh = w.hashing().unwrap();
            assert_eq!(
                w.state_hash(),
                fresh.state_hash(),
                "after\n{}",
                hist.join("\n")
            );
        }
    }
}
