//! The Multi-Paxos world on the generic explorers: the named traces, kept hashes, the reference
//! through random schedules and the search, and the whole check in both directions.

use paxos_harness::multi::nodes::Impls;
use paxos_harness::multi::{trace, Setup, World};

#[test]
fn every_trace_passes_with_the_reference_and_every_step_matches() {
    let lib = trace::library();
    assert!(lib.len() >= 15, "{} traces", lib.len());
    for t in &lib {
        let w = World::new(Setup::new(Impls::reference(), t.acceptors, t.ops.clone())).unwrap();
        let ran = trace::run(&w, t);
        let steps: Vec<String> = ran.steps.iter().map(|s| s.describe()).collect();
        assert!(
            ran.result.is_ok(),
            "{}: {:?}\n{}",
            t.name,
            ran.result,
            steps.join("\n")
        );
        assert!(
            ran.skipped.is_empty(),
            "{}: selectors {:?} matched no step\n{}",
            t.name,
            ran.skipped.iter().map(|i| &t.steps[*i]).collect::<Vec<_>>(),
            steps.join("\n")
        );
        assert!(!t.description.is_empty() && t.calm.is_some(), "{}", t.name);
    }
}

#[test]
fn trace_errors_name_the_line() {
    let e = trace::parse("t", "ops P1 x1\nsubmit Q1\n").unwrap_err();
    assert!(e.starts_with("t:2:"), "{e}");
    let e = trace::parse("t", "ops P1 x1\ndeliver Accept s P1->A1\n").unwrap_err();
    assert!(e.contains("bad slot"), "{e}");
    let e = trace::parse("t", "ops P1 x1\ncalm P1\nsubmit P1\n").unwrap_err();
    assert!(e.contains("last step"), "{e}");
}

mod bugs {
    use multipaxos_api::{Acceptor, Ballot, Command, Disk, Leader, Message, NodeId, Outbox, Slot};
    use paxos_harness::multi::nodes::{RefAcceptor, RefLeader};
    use std::collections::BTreeMap;

    /// Runs phase 1 again before every command (the steady state is lost).
    #[derive(Clone, Debug)]
    pub struct PrepareEveryCommand(RefLeader);

    impl Leader for PrepareEveryCommand {
        fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
            PrepareEveryCommand(RefLeader::start(id, acceptors))
        }
        fn submit(&mut self, op: String, out: &mut Outbox) {
            self.0.on_timeout(out);
            self.0.submit(op, out)
        }
        fn on_message(&mut self, from: NodeId, m: Message, out: &mut Outbox) {
            self.0.on_message(from, m, out)
        }
        fn on_timeout(&mut self, out: &mut Outbox) {
            self.0.on_timeout(out)
        }
        fn chosen(&self) -> BTreeMap<Slot, Command> {
            self.0.chosen()
        }
    }

    /// Forgets everything on a restart (its disk is ignored).
    #[derive(Clone, Debug)]
    pub struct Amnesiac(RefAcceptor);

    impl Acceptor for Amnesiac {
        fn start(id: NodeId, _disk: &Disk) -> Self {
            Amnesiac(RefAcceptor::start(id, &Disk::new()))
        }
        fn on_prepare(&mut self, b: Ballot, first: Slot, disk: &mut Disk) -> Option<Message> {
            self.0.on_prepare(b, first, disk)
        }
        fn on_accept(
            &mut self,
            b: Ballot,
            s: Slot,
            c: Command,
            disk: &mut Disk,
        ) -> Option<Message> {
            self.0.on_accept(b, s, c, disk)
        }
    }
}

/// The traces catch what they are about: a leader that prepares before every command fails the
/// steady-state trace with `steady-state`; an acceptor that forgets its disk fails the restart
/// traces with `conformance` (its promise hides what it accepted, or it accepts below its promise).
#[test]
fn traces_catch_the_bugs_they_are_about() {
    use paxos_harness::model::Failure;
    use paxos_harness::multi::nodes::{acceptor_ctor, leader_ctor};
    let by_name = |n: &str| trace::library().into_iter().find(|t| t.name == n).unwrap();
    let fails = |impls: Impls, name: &str| -> (&'static str, &'static str) {
        let t = by_name(name);
        let w = World::new(Setup::new(impls, t.acceptors, t.ops.clone())).unwrap();
        match trace::run(&w, &t).result {
            Err(Failure::Violation(v)) => (v.property, v.code),
            other => panic!("{name}: {other:?}"),
        }
    };
    let mut leader = Impls::reference();
    leader.leader = leader_ctor::<bugs::PrepareEveryCommand>();
    assert_eq!(
        fails(leader, "02-steady-state-one-round-trip"),
        ("steady-state", "prepare-in-steady-state")
    );
    let mut acceptor = Impls::reference();
    acceptor.acceptor = acceptor_ctor::<bugs::Amnesiac>();
    assert_eq!(
        fails(acceptor, "06-acceptor-restart-keeps-slots"),
        ("conformance", "promise-hides-accepted")
    );
    assert_eq!(
        fails(acceptor, "11-restart-keeps-promise"),
        ("conformance", "accept-below-promise")
    );
}

#[test]
fn the_reference_passes_random_schedules_and_the_search() {
    use paxos_harness::model::{self, Bounds, Weights};
    use paxos_harness::rng::Rng;
    let w = World::new(Setup::standard(Impls::reference(), 3, 2, 2)).unwrap();
    let mut rng = Rng::new(7);
    for i in 0..2000 {
        let f = model::random_schedule(&w, &mut rng, 40, Weights::DEFAULT, format!("#{i}"));
        assert!(f.is_none(), "{f:?}");
    }
    let (s, f) = model::bfs(&w, Bounds::new(7, [1, 1, 1, 1, 1, 0], 2_000_000, true));
    assert!(f.is_none(), "{f:?}");
    assert!(
        s.complete && s.depth_done == 7 && s.calm_phases > 0,
        "{s:?}"
    );
}

#[test]
fn kept_hashes_equal_hashes_from_scratch() {
    use paxos_harness::model::Model;
    use paxos_harness::rng::Rng;
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

/// The whole check: the reference passes; each bug fails with its property, through a trace, and
/// the counterexample is proven shortest by the search after shrinking.
#[test]
fn the_whole_check_in_both_directions() {
    use paxos_harness::model::Failure;
    use paxos_harness::multi::check::{check, Options, Outcome};
    use paxos_harness::multi::nodes::{acceptor_ctor, leader_ctor};
    let o = Options {
        schedules: 300,
        ..Options::default()
    };
    let mut small = o.clone();
    small.searches[0].depth = 6;
    let c = check(Impls::reference(), &small);
    assert!(matches!(c.outcome, Outcome::Pass), "{:?}", c.outcome);
    assert_eq!((c.traces, c.random), (trace::library().len() as u64, 300));
    assert!(c.searched[0].1.complete);

    let mut leader = Impls::reference();
    leader.leader = leader_ctor::<bugs::PrepareEveryCommand>();
    let mut acceptor = Impls::reference();
    acceptor.acceptor = acceptor_ctor::<bugs::Amnesiac>();
    // The amnesiac breaks the acceptor's rules in more than one way after a restart; the
    // shortest schedule decides which comes first.
    let forgetting: &[&str] = &[
        "promise-lower",
        "promise-hides-accepted",
        "accept-below-promise",
    ];
    for (impls, property, codes) in [
        (leader, "steady-state", &["prepare-in-steady-state"][..]),
        (acceptor, "conformance", forgetting),
    ] {
        let c = check(impls, &o);
        let Outcome::Fail(f) = c.outcome else {
            panic!("{property}: {:?}", c.outcome)
        };
        let steps: Vec<String> = f.found.steps.iter().map(|s| s.describe()).collect();
        match &f.found.failure {
            Failure::Violation(v) => {
                assert_eq!(v.property, property);
                assert!(codes.contains(&v.code), "{}", v.code);
            }
            other => panic!("{other:?}"),
        }
        assert!(f.found.by.starts_with("trace "), "{}", f.found.by);
        assert!(
            f.shortest.is_some(),
            "{property}: not proven shortest\n{}",
            steps.join("\n")
        );
        eprintln!(
            "{property}: {} steps\n  {}",
            f.found.len(),
            steps.join("\n  ")
        );
    }
}

#[allow(dead_code)]
#[path = "../../exercises/multi-acceptor/src/lib.rs"]
mod template_acceptor;
#[allow(dead_code)]
#[path = "../../exercises/multi-leader/src/lib.rs"]
mod template_leader;

/// The templates compile as shipped (they are this test's modules) and their `todo!()` is a
/// panic verdict that names the call.
#[test]
fn the_templates_compile_and_their_todo_is_a_panic_naming_the_call() {
    use paxos_harness::model::Failure;
    use paxos_harness::multi::check::{check, Options, Outcome};
    use paxos_harness::multi::nodes::{acceptor_ctor, leader_ctor};
    paxos_harness::guard::install_panic_hook();
    let mut leader = Impls::reference();
    leader.leader = leader_ctor::<template_leader::MyLeader>();
    let mut acceptor = Impls::reference();
    acceptor.acceptor = acceptor_ctor::<template_acceptor::MyAcceptor>();
    for (impls, call) in [(leader, "Leader::submit"), (acceptor, "Acceptor::start")] {
        let c = check(impls, &Options::default());
        let Outcome::Fail(f) = c.outcome else {
            panic!("{call}: {:?}", c.outcome)
        };
        match &f.found.failure {
            Failure::Panic(p) => assert!(p.call.contains(call), "{p:?}"),
            other => panic!("{other:?}"),
        }
    }
}
