//! The exhaustive search's calm phases share a memo of calm phases that decided (see
//! `explore::calm_phase`): a phase that reaches a state another one decided from stops there when
//! the rest of that phase fits its own bounds. These tests hold it to the phase it shortens: from
//! every state a small search reaches, the calm phase of every proposer that is up, run in the
//! search's one calm setup (memo on, shared by all of them), gives the same verdict as the same
//! phase run in a setup without any memo; a failure has the same message and the same steps. Both
//! directions: proposers that livelock or give up fail from some states, correct ones never do,
//! and the memo was used (some phases were cut short) wherever a phase decided.

use std::collections::BTreeSet;

use paxos_harness::explore::calm_phase;
use paxos_harness::model::Model;
use paxos_harness::nodes::{proposer_ctor, Impls};
use paxos_harness::runner;
use paxos_harness::world::{Setup, World};

#[allow(dead_code, unused)]
mod proposer {
    pub mod reference {
        include!("../../tests/fixtures/solutions/proposer/reference.rs");
    }
    pub mod eager_nack_retry {
        include!("../../tests/fixtures/solutions/proposer/eager_nack_retry.rs");
    }
    pub mod give_up_after_two_nacks {
        include!("../../tests/fixtures/solutions/proposer/give_up_after_two_nacks.rs");
    }
    pub mod never_retry {
        include!("../../tests/fixtures/solutions/proposer/never_retry.rs");
    }
}

fn with_proposer(p: paxos_harness::nodes::ProposerCtor) -> Impls {
    runner::impls_for("proposer", Impls::reference().acceptor, p)
}

/// What one comparison saw.
#[derive(Default, Debug)]
struct Seen {
    phases: usize,
    failures: usize,
    shortened: usize,
}

/// Every state within `depth` steps of the start (3 acceptors, 2 proposers, the search's steps:
/// deliveries, crashes, restarts, timeouts), each calm phase from it with and without the memo.
fn compare(impls: Impls, depth: usize) -> Seen {
    let setup = Setup::exploring(impls, 3, 2);
    let (root, _) = World::started(setup).unwrap_or_else(|_| panic!("the start fails"));
    let plain = Setup::new(impls, 3, 2, false);
    let mut seen = Seen::default();
    let mut visited = BTreeSet::new();
    let mut level = vec![root];
    for d in 0..=depth {
        let mut next = Vec::new();
        for w in &level {
            for p in w.calm_candidates() {
                let mut with = w.without_network();
                let mut with_steps = Vec::new();
                let with_result = calm_phase(&mut with, p, &mut with_steps);
                let mut without = w.without_network_in(plain.clone());
                let mut without_steps = Vec::new();
                let without_result = calm_phase(&mut without, p, &mut without_steps);
                seen.phases += 1;
                match (&with_result, &without_result) {
                    (Ok(()), Ok(())) => {
                        assert!(with_steps.len() <= without_steps.len());
                        seen.shortened += (with_steps.len() < without_steps.len()) as usize;
                    }
                    (Err(a), Err(b)) => {
                        seen.failures += 1;
                        assert_eq!(
                            format!("{a:?}"),
                            format!("{b:?}"),
                            "P{} at depth {d}",
                            p + 1
                        );
                        let describe = |s: &[paxos_harness::world::Step]| -> Vec<String> {
                            s.iter().map(|s| s.describe()).collect()
                        };
                        assert_eq!(describe(&with_steps), describe(&without_steps));
                    }
                    _ => panic!(
                        "P{} at depth {d}: with the memo {:?}, without it {:?}",
                        p + 1,
                        with_result.map_err(|f| format!("{f:?}")),
                        without_result.map_err(|f| format!("{f:?}"))
                    ),
                }
            }
            if d == depth {
                continue;
            }
            let mut steps = Vec::new();
            w.search_steps(&mut steps);
            for s in &steps {
                let mut c = w.clone();
                if c.apply(s).is_err() {
                    continue;
                }
                if visited.insert(c.state_hash()) {
                    next.push(c);
                }
            }
        }
        level = next;
    }
    seen
}

#[test]
fn the_calm_memo_changes_no_calm_phase() {
    for (name, impls, fails) in [
        (
            "reference",
            with_proposer(proposer_ctor::<proposer::reference::MyProposer>()),
            false,
        ),
        (
            "eager_nack_retry",
            with_proposer(proposer_ctor::<proposer::eager_nack_retry::MyProposer>()),
            false,
        ),
        (
            "give_up_after_two_nacks",
            with_proposer(proposer_ctor::<proposer::give_up_after_two_nacks::MyProposer>()),
            true,
        ),
        (
            "never_retry",
            with_proposer(proposer_ctor::<proposer::never_retry::MyProposer>()),
            true,
        ),
    ] {
        let seen = compare(impls, 4);
        println!("{name}: {seen:?}");
        assert!(seen.phases > 100, "{name}: {seen:?}");
        // (A proposer that never decides gives the memo nothing to keep.)
        if seen.failures < seen.phases {
            assert!(
                seen.shortened > 0,
                "{name}: the memo was never used: {seen:?}"
            );
        }
        assert_eq!(seen.failures > 0, fails, "{name}: {seen:?}");
    }
}

/// The memo says how many more deliveries and timeouts a state's calm phase takes to decide; a
/// phase that has spent too many of its own to afford them does not stop there, and runs step by
/// step as it would without the memo. The other way round, a rest it can afford ends it at once.
#[test]
fn a_known_rest_is_taken_only_when_it_fits_the_bounds() {
    let impls = with_proposer(proposer_ctor::<proposer::reference::MyProposer>());
    let (root, _) =
        World::started(Setup::exploring(impls, 3, 2)).unwrap_or_else(|_| panic!("the start fails"));
    let mut plain = root.without_network_in(Setup::new(impls, 3, 2, false));
    let mut plain_steps = Vec::new();
    calm_phase(&mut plain, 0, &mut plain_steps).expect("the reference decides");
    assert!(!plain_steps.is_empty());

    // The calm phase from the start state (both proposers have proposed: no step comes before the
    // phase's loop, so its first state is this one).
    let start = root.without_network();
    let key = start.calm_state_key(0);
    let describe = |s: &[paxos_harness::world::Step]| -> Vec<String> {
        s.iter().map(|s| s.describe()).collect()
    };
    start
        .setup
        .memo
        .calm
        .borrow_mut()
        .insert(key, (u32::MAX / 2, u32::MAX / 2));
    let mut w = start.clone();
    let mut steps = Vec::new();
    calm_phase(&mut w, 0, &mut steps).expect("the reference decides");
    assert_eq!(describe(&steps), describe(&plain_steps));

    start.setup.memo.calm.borrow_mut().insert(key, (1, 0));
    let mut w = start.clone();
    let mut steps = Vec::new();
    calm_phase(&mut w, 0, &mut steps).expect("a known rest");
    assert!(steps.is_empty(), "{:?}", describe(&steps));
}
