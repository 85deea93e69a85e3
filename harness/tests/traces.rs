//! The trace library: every trace parses and teaches something (title, lesson, unique name, file
//! numbered in teaching order), the reference implementations and several other CORRECT variants
//! pass every trace, every step of every trace really happens with the reference (no step is
//! silently skipped), the story each lesson tells really plays out, and named traces catch
//! specific buggy implementations with the expected property.

use paxos_api::{Acceptor, AcceptorRecord, Ballot, Disk, Message, NodeId, Outbox, Proposer, Value};
use paxos_harness::explore::{self, calm_phase};
use paxos_harness::nodes::{acceptor_ctor, proposer_ctor, AcceptorCtor, Impls, ProposerCtor};
use paxos_harness::trace::{self, Selector, Trace};
use paxos_harness::world::{Failure, Property, Setup, World};

// ---------------------------------------------------------------------------------------------
// Test acceptors: one generic implementation, `K` selects a variant (correct or buggy).
// ---------------------------------------------------------------------------------------------

/// Paxos Made Simple 2.2, saving before every reply (like the reference, written independently).
const A_OK: u8 = 0;
/// Bug: never saves, so a restart forgets every promise and every accepted proposal.
const A_NO_SAVE: u8 = 1;
/// Bug: accepts every Accept, even below its promise.
const A_ACCEPT_BELOW: u8 = 2;
/// Bug: a Promise never reports the accepted proposal.
const A_HIDE_ACCEPTED: u8 = 3;
/// Bug: accepts only ballots strictly above its promise (refuses the Accept for the ballot it promised).
const A_STRICT: u8 = 4;
/// Bug: promises every Prepare, even below its promise.
const A_ALWAYS_PROMISE: u8 = 5;
/// Bug: keeps the first proposal it accepted, not the latest (highest).
const A_KEEP_FIRST: u8 = 6;
/// Bug: saves on Prepare but not on Accept, so a restart forgets what it accepted.
const A_SAVE_PROMISE_ONLY: u8 = 7;
/// Correct variant: silent instead of Nack, and ignores a Prepare equal to its promise.
const A_SILENT: u8 = 10;
/// Correct variant: accepting does not raise the promise (Paxos Made Simple allows it); still
/// reports the highest-ballot proposal it accepted.
const A_LAZY: u8 = 11;
/// Correct variant: saves on every call, Nacks included.
const A_SAVE_ALWAYS: u8 = 12;

#[derive(Clone, Debug)]
struct Acc<const K: u8> {
    rec: AcceptorRecord,
}

impl<const K: u8> Acc<K> {
    fn save(&self, disk: &mut Disk) {
        if K != A_NO_SAVE {
            disk.save(self.rec.clone());
        }
    }

    fn refuse(&self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {
        if K == A_SAVE_ALWAYS {
            disk.save(self.rec.clone());
        }
        if K == A_SILENT {
            return None;
        }
        Some(Message::Nack {
            ballot,
            promised: self.rec.promised.expect("refused only below a promise"),
        })
    }
}

impl<const K: u8> Acceptor for Acc<K> {
    fn start(_id: NodeId, disk: &Disk) -> Self {
        Acc {
            rec: disk.load().unwrap_or_default(),
        }
    }

    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {
        let ok = match self.rec.promised {
            None => true,
            Some(_) if K == A_ALWAYS_PROMISE => true,
            Some(p) if K == A_SILENT => ballot > p,
            Some(p) => ballot >= p,
        };
        if !ok {
            return self.refuse(ballot, disk);
        }
        if self.rec.promised.is_none_or(|p| ballot > p) {
            self.rec.promised = Some(ballot);
        }
        self.save(disk);
        let accepted = if K == A_HIDE_ACCEPTED {
            None
        } else {
            self.rec.accepted.clone()
        };
        Some(Message::Promise { ballot, accepted })
    }

    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message> {
        let ok = match self.rec.promised {
            None => true,
            Some(_) if K == A_ACCEPT_BELOW => true,
            Some(p) if K == A_STRICT => ballot > p,
            Some(p) => ballot >= p,
        };
        if !ok {
            return self.refuse(ballot, disk);
        }
        if K != A_LAZY && self.rec.promised.is_none_or(|p| ballot > p) {
            self.rec.promised = Some(ballot);
        }
        let replace = match K {
            A_KEEP_FIRST => self.rec.accepted.is_none(),
            A_LAZY => self.rec.accepted.as_ref().is_none_or(|(b, _)| ballot >= *b),
            _ => true,
        };
        if replace {
            self.rec.accepted = Some((ballot, value));
        }
        if K != A_SAVE_PROMISE_ONLY {
            self.save(disk);
        }
        Some(Message::Accepted { ballot })
    }
}

// ---------------------------------------------------------------------------------------------
// Test proposers: one generic implementation, `K` selects a variant (correct or buggy).
// ---------------------------------------------------------------------------------------------

/// Sends to all, counts acceptors once, proposes the highest-ballot report (written independently).
const P_OK: u8 = 0;
/// Bug: always proposes its client's value, whatever the Promises report.
const P_OWN_VALUE: u8 = 1;
/// Bug: counts messages, not acceptors (a duplicated Promise or Accepted counts twice).
const P_COUNT_DUPLICATES: u8 = 2;
/// Bug: decides as soon as one Accepted arrives.
const P_DECIDE_FIRST_ACCEPTED: u8 = 3;
/// Bug: proposes the first value reported, not the one with the highest ballot.
const P_FIRST_REPORTED: u8 = 4;
/// Bug: counts Promises of any of its ballots toward the current one.
const P_STALE_PROMISES: u8 = 5;
/// Bug: counts Accepted replies of any of its ballots toward the current one.
const P_STALE_ACCEPTED: u8 = 6;
/// Bug: waits for every acceptor instead of a majority.
const P_WAIT_ALL: u8 = 7;
/// Bug: retries with the same ballot forever.
const P_SAME_BALLOT: u8 = 8;
/// Bug: forgets its decision when it times out.
const P_FORGET_DECISION: u8 = 9;
/// Bug: a quorum of n/2 (one of three).
const P_SMALL_QUORUM: u8 = 10;
/// Correct variant: first sends only to a majority (A1..Aq), widens to all after a timeout.
const P_MAJORITY_FIRST: u8 = 20;
/// Correct variant: ignores Nacks, waits for its timeout (next round is its own round + 1).
const P_IGNORE_NACK: u8 = 21;
/// Correct variant: restarts at once on a Nack for its current ballot, once per timeout.
const P_EAGER_RETRY: u8 = 22;
/// Correct variant: rounds start at 0 and grow by 7.
const P_ROUND_JUMP: u8 = 23;

#[derive(Clone, Debug)]
struct Prop<const K: u8> {
    id: NodeId,
    acceptors: Vec<NodeId>,
    value: Option<Value>,
    ballot: Option<Ballot>,
    highest_round: u64,
    promises: Vec<(NodeId, Option<(Ballot, Value)>)>,
    proposal: Option<Value>,
    accepted_by: Vec<NodeId>,
    decided: Option<Value>,
    wide: bool,
    eager_left: u32,
}

impl<const K: u8> Prop<K> {
    fn quorum(&self) -> usize {
        match K {
            P_WAIT_ALL => self.acceptors.len(),
            P_SMALL_QUORUM => self.acceptors.len() / 2,
            _ => self.acceptors.len() / 2 + 1,
        }
    }

    fn targets(&self) -> Vec<NodeId> {
        if K == P_MAJORITY_FIRST && !self.wide {
            self.acceptors[..self.acceptors.len() / 2 + 1].to_vec()
        } else {
            self.acceptors.clone()
        }
    }

    fn start_round(&mut self, out: &mut Outbox) {
        let round = match (K, self.ballot) {
            (P_SAME_BALLOT, Some(b)) => b.round,
            (P_ROUND_JUMP, None) => 0,
            (P_ROUND_JUMP, Some(_)) => self.highest_round + 7,
            _ => self.highest_round + 1,
        };
        self.highest_round = self.highest_round.max(round);
        let ballot = Ballot::new(round, self.id);
        self.ballot = Some(ballot);
        self.promises.clear();
        self.accepted_by.clear();
        self.proposal = None;
        for a in self.targets() {
            out.send(a, Message::Prepare { ballot });
        }
    }
}

impl<const K: u8> Proposer for Prop<K> {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        Prop {
            id,
            acceptors: acceptors.to_vec(),
            value: None,
            ballot: None,
            highest_round: 0,
            promises: Vec::new(),
            proposal: None,
            accepted_by: Vec::new(),
            decided: None,
            wide: false,
            eager_left: 1,
        }
    }

    fn propose(&mut self, value: Value, out: &mut Outbox) {
        self.value = Some(value);
        if self.decided.is_none() {
            self.start_round(out);
        }
    }

    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        let Some(current) = self.ballot else { return };
        match message {
            Message::Promise { ballot, accepted } => {
                let counts =
                    self.proposal.is_none() && (K == P_STALE_PROMISES || ballot == current);
                if !counts
                    || (K != P_COUNT_DUPLICATES && self.promises.iter().any(|(a, _)| *a == from))
                {
                    return;
                }
                self.promises.push((from, accepted));
                if self.promises.len() >= self.quorum() {
                    let own = self.value.clone().expect("propose was called");
                    let value = match K {
                        P_OWN_VALUE => own,
                        P_FIRST_REPORTED => self
                            .promises
                            .iter()
                            .find_map(|(_, r)| r.as_ref().map(|(_, v)| v.clone()))
                            .unwrap_or(own),
                        _ => self
                            .promises
                            .iter()
                            .filter_map(|(_, r)| r.as_ref())
                            .max_by_key(|(b, _)| *b)
                            .map(|(_, v)| v.clone())
                            .unwrap_or(own),
                    };
                    self.proposal = Some(value.clone());
                    for a in self.targets() {
                        out.send(
                            a,
                            Message::Accept {
                                ballot: current,
                                value: value.clone(),
                            },
                        );
                    }
                }
            }
            Message::Accepted { ballot } => {
                let counts =
                    self.proposal.is_some() && (K == P_STALE_ACCEPTED || ballot == current);
                if !counts || (K != P_COUNT_DUPLICATES && self.accepted_by.contains(&from)) {
                    return;
                }
                self.accepted_by.push(from);
                let needed = if K == P_DECIDE_FIRST_ACCEPTED {
                    1
                } else {
                    self.quorum()
                };
                if self.accepted_by.len() >= needed && self.decided.is_none() {
                    self.decided = self.proposal.clone();
                }
            }
            Message::Nack { ballot, promised } => {
                if K != P_IGNORE_NACK {
                    self.highest_round = self.highest_round.max(promised.round);
                }
                if K == P_EAGER_RETRY
                    && ballot == current
                    && self.eager_left > 0
                    && self.decided.is_none()
                {
                    self.eager_left -= 1;
                    self.start_round(out);
                }
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, out: &mut Outbox) {
        if K == P_FORGET_DECISION {
            self.decided = None;
        }
        self.wide = true;
        self.eager_left = 1;
        if self.decided.is_none() && self.value.is_some() {
            self.start_round(out);
        }
    }

    fn decided(&self) -> Option<Value> {
        self.decided.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn acc<const K: u8>() -> AcceptorCtor {
    acceptor_ctor::<Acc<K>>()
}

fn prop<const K: u8>() -> ProposerCtor {
    proposer_ctor::<Prop<K>>()
}

/// The `acceptor` exercise: this acceptor, reference proposers.
fn with_acceptor(acceptor: AcceptorCtor) -> Impls {
    Impls {
        acceptor,
        learner_acceptor: true,
        ..Impls::reference()
    }
}

/// The `proposer` exercise: this proposer, reference acceptors.
fn with_proposer(proposer: ProposerCtor) -> Impls {
    Impls {
        proposer,
        learner_proposer: true,
        ..Impls::reference()
    }
}

/// The `paxos` exercise: both.
fn with_both(acceptor: AcceptorCtor, proposer: ProposerCtor) -> Impls {
    Impls {
        acceptor,
        proposer,
        learner_acceptor: true,
        learner_proposer: true,
    }
}

fn library() -> Vec<Trace> {
    trace::library()
}

fn get(name: &str) -> Trace {
    library()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no trace named {name}"))
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Violation(v) => format!("{} [{}]: {}", v.property, v.code, v.message),
        Failure::Panic(p) => format!("panic: {p:?}"),
    }
}

/// A trace replayed step by step (the same walk as `explore::run_trace`, keeping what happened).
struct Played {
    /// Every concrete step taken before the calm phase.
    taken: Vec<String>,
    /// The trace's steps (other than `deliver-all`) that matched nothing and were skipped.
    skipped: Vec<String>,
    /// The value chosen when the steps are done (before the calm phase).
    chosen_after_steps: Option<Value>,
    /// The value chosen at the end, and what every proposer decided.
    chosen_final: Option<Value>,
    decided_final: Vec<Option<Value>>,
    failure: Option<Failure>,
}

fn play(impls: Impls, t: &Trace) -> Played {
    let setup = Setup::new(impls, t.acceptors, t.proposers, t.sticky);
    let mut w = match World::new(setup) {
        Ok(w) => w,
        Err(f) => panic!("world did not start: {}", describe(&f)),
    };
    let mut p = Played {
        taken: Vec::new(),
        skipped: Vec::new(),
        chosen_after_steps: None,
        chosen_final: None,
        decided_final: Vec::new(),
        failure: None,
    };
    let mut queue: Vec<(Selector, String)> = Vec::new();
    if !t.manual_propose {
        queue.extend(
            (0..t.proposers).map(|i| (Selector::Propose(i), format!("propose P{}", i + 1))),
        );
    }
    queue.extend(t.steps.iter().map(|s| (s.clone(), format!("{s:?}"))));
    let chosen = |w: &World| w.ghost.chosen.as_deref().map(|(_, v)| v.clone());
    let finish = |w: &World, mut p: Played| {
        p.chosen_final = chosen(w);
        p.decided_final = w.ghost.prop.iter().map(|g| g.decided.clone()).collect();
        p
    };
    for (sel, text) in &queue {
        let mut n = 0;
        while let Some(step) = sel.resolve(&w) {
            p.taken.push(step.describe());
            if let Err(f) = w.apply(&step) {
                p.failure = Some(f);
                return finish(&w, p);
            }
            n += 1;
            if *sel != Selector::DeliverAll || n >= 500 {
                break;
            }
        }
        if n == 0 && *sel != Selector::DeliverAll {
            p.skipped.push(text.clone());
        }
    }
    p.chosen_after_steps = chosen(&w);
    if let Some(c) = t.calm {
        let mut calm_taken = Vec::new();
        p.failure = calm_phase(&mut w, c, &mut calm_taken).err();
    }
    finish(&w, p)
}

fn v(s: &str) -> Option<Value> {
    Some(Value(s.to_string()))
}

// ---------------------------------------------------------------------------------------------
// The library itself
// ---------------------------------------------------------------------------------------------

#[test]
fn every_trace_parses_and_teaches() {
    let lib = library();
    assert!(lib.len() >= 25, "only {} traces", lib.len());
    assert_eq!(lib.len(), trace::LIBRARY.len());
    let mut names = std::collections::HashSet::new();
    for (i, ((file, text), t)) in trace::LIBRARY.iter().zip(&lib).enumerate() {
        assert_eq!(trace::parse(text).as_ref(), Ok(t), "{file}");
        assert!(
            names.insert(t.name.clone()),
            "{file}: the name {} is used twice",
            t.name
        );
        assert_eq!(
            *file,
            format!("{:02}-{}.yaml", i + 1, t.name),
            "files are NN-name.yaml, numbered 01, 02, … in order"
        );
        assert!(!t.title.trim().is_empty(), "{file}: no title");
        assert!(!t.lesson.trim().is_empty(), "{file}: no lesson");
        assert!(
            t.lesson.len() >= 60,
            "{file}: the lesson is too short to teach anything"
        );
        assert!(!t.steps.is_empty(), "{file}: no steps");
        assert!(
            !t.sticky && !t.manual_propose,
            "{file}: library traces use the queue network and propose at the start"
        );
        let calm = t.calm.unwrap_or_else(|| {
            panic!("{file}: every library trace checks liveness too (calm: Pn)")
        });
        assert!(
            !t.steps.contains(&Selector::Stop(calm)),
            "{file}: the calm proposer must not be stopped (liveness would not be checked)"
        );
    }
}

#[test]
fn the_reference_passes_every_trace() {
    for t in library() {
        if let Some(f) = explore::run_trace(Impls::reference(), &t) {
            panic!(
                "trace {} fails the reference: {}\nsteps: {:#?}",
                t.name,
                describe(&f.failure),
                f.steps
            );
        }
    }
}

/// A trace whose steps match nothing with the reference would not show what its lesson says.
#[test]
fn every_step_happens_with_the_reference() {
    for t in library() {
        let p = play(Impls::reference(), &t);
        assert!(
            p.failure.is_none(),
            "trace {}: {}",
            t.name,
            describe(p.failure.as_ref().unwrap())
        );
        assert!(
            p.skipped.is_empty(),
            "trace {}: steps that matched nothing: {:?}\ntaken: {:#?}",
            t.name,
            p.skipped,
            p.taken
        );
    }
}

/// What each lesson says happens does happen with the reference: the value chosen when the steps
/// are done (None: not chosen yet) and the value chosen in the end, which the calm proposer decided.
#[test]
fn the_reference_plays_out_each_story() {
    let story: &[(&str, Option<&str>, &str)] = &[
        ("normal-case", Some("v1"), "v1"),
        ("accept-equal-to-promise", Some("v1"), "v1"),
        ("lost-prepare", Some("v1"), "v1"),
        ("lost-promise", Some("v1"), "v1"),
        ("lost-accept", Some("v1"), "v1"),
        ("lost-accepted", Some("v1"), "v1"),
        ("duplicate-promise", Some("v1"), "v1"),
        ("duplicate-accepted", Some("v1"), "v1"),
        ("stale-promise", Some("v1"), "v1"),
        ("stale-accepted", Some("v1"), "v1"),
        ("nack-retry-higher", Some("v1"), "v1"),
        ("duelling-proposers", None, "v2"),
        ("higher-ballot-races-phase2", Some("v2"), "v2"),
        ("prepare-after-higher-accept", Some("v2"), "v2"),
        ("promise-reports-highest-accepted", Some("v2"), "v2"),
        ("why-phase-1", Some("v1"), "v1"),
        ("highest-ballot-wins", Some("v2"), "v2"),
        ("chosen-but-unknown", Some("v1"), "v1"),
        ("three-proposers", Some("v3"), "v3"),
        ("acceptor-crash-after-accept", Some("v1"), "v1"),
        ("majority-crash-recover", Some("v1"), "v1"),
        ("every-acceptor-restarts", Some("v1"), "v1"),
        ("proposer-stops-after-phase1", Some("v1"), "v1"),
        ("proposer-stops-after-phase2a", Some("v2"), "v2"),
        ("minority-down", Some("v1"), "v1"),
        ("overlapping-quorums", Some("v1"), "v1"),
        ("decision-is-final", Some("v1"), "v1"),
    ];
    for (name, after_steps, last) in story {
        let t = get(name);
        let p = play(Impls::reference(), &t);
        assert!(
            p.failure.is_none(),
            "trace {name}: {}",
            describe(p.failure.as_ref().unwrap())
        );
        assert_eq!(
            p.chosen_after_steps,
            after_steps.and_then(v),
            "trace {name}: chosen when the steps are done\n{:#?}",
            p.taken
        );
        assert_eq!(p.chosen_final, v(last), "trace {name}: chosen in the end");
        let calm = t.calm.expect("calm");
        assert_eq!(
            p.decided_final[calm],
            v(last),
            "trace {name}: what the calm proposer decided"
        );
    }
}

/// Key moments of some stories, checked on the steps the reference actually took.
#[test]
fn key_moments_happen() {
    let has = |name: &str, line: &str| {
        let p = play(Impls::reference(), &get(name));
        assert!(
            p.taken.iter().any(|s| s == line),
            "trace {name}: expected the step `{line}`, took {:#?}",
            p.taken
        );
    };
    // The duplicated message really is delivered twice.
    has("duplicate-promise", "dup Promise(1,P1) A1->P1");
    has("duplicate-accepted", "dup Accepted(1,P1) A1->P1");
    // Stale replies arrive while the proposer is on its next ballot.
    has("stale-promise", "deliver Promise(1,P1) A2->P1");
    has("stale-accepted", "deliver Accepted(1,P1) A1->P1");
    // The old copies arrive after the higher promise.
    has("old-prepare-redelivered", "deliver Prepare(1,P1) P1->A1");
    has("old-accept-redelivered", "deliver Accept(1,P1) P1->A1");
    // P1 has to beat P2's third ballot.
    has("nack-retry-higher", "deliver Nack(1,P1) A1->P1");
    has("nack-retry-higher", "deliver Prepare(3,P2) P2->A3");
    // The duel: each proposer's Accept is refused at least once.
    has("duelling-proposers", "deliver Nack(1,P2) A2->P2");
    has("duelling-proposers", "deliver Accept(2,P1) P1->A2");
}

// ---------------------------------------------------------------------------------------------
// Correct variants pass every trace
// ---------------------------------------------------------------------------------------------

fn assert_passes_all(label: &str, impls: Impls) {
    for t in library() {
        if let Some(f) = explore::run_trace(impls, &t) {
            panic!(
                "{label}, a CORRECT implementation, fails trace {}: {}\nsteps: {:#?}",
                t.name,
                describe(&f.failure),
                f.steps
            );
        }
    }
}

#[test]
fn correct_acceptor_variants_pass_every_trace() {
    assert_passes_all("the test acceptor", with_acceptor(acc::<A_OK>()));
    assert_passes_all("a silent acceptor", with_acceptor(acc::<A_SILENT>()));
    assert_passes_all("a lazy acceptor", with_acceptor(acc::<A_LAZY>()));
    assert_passes_all(
        "a save-always acceptor",
        with_acceptor(acc::<A_SAVE_ALWAYS>()),
    );
}

#[test]
fn correct_proposer_variants_pass_every_trace() {
    assert_passes_all("the test proposer", with_proposer(prop::<P_OK>()));
    assert_passes_all(
        "a majority-first proposer",
        with_proposer(prop::<P_MAJORITY_FIRST>()),
    );
    assert_passes_all(
        "a Nack-ignoring proposer",
        with_proposer(prop::<P_IGNORE_NACK>()),
    );
    assert_passes_all(
        "an eager-retry proposer",
        with_proposer(prop::<P_EAGER_RETRY>()),
    );
    assert_passes_all(
        "a round-jumping proposer",
        with_proposer(prop::<P_ROUND_JUMP>()),
    );
}

#[test]
fn correct_pairs_pass_every_trace() {
    let accs = [
        acc::<A_OK>(),
        acc::<A_SILENT>(),
        acc::<A_LAZY>(),
        acc::<A_SAVE_ALWAYS>(),
    ];
    let props = [
        prop::<P_OK>(),
        prop::<P_MAJORITY_FIRST>(),
        prop::<P_IGNORE_NACK>(),
        prop::<P_EAGER_RETRY>(),
        prop::<P_ROUND_JUMP>(),
    ];
    for (i, a) in accs.iter().enumerate() {
        for (j, p) in props.iter().enumerate() {
            assert_passes_all(
                &format!("acceptor variant {i} with proposer variant {j}"),
                with_both(*a, *p),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The traces bite: named traces fail named bugs with the expected property
// ---------------------------------------------------------------------------------------------

fn assert_fails(name: &str, label: &str, impls: Impls, property: Property, code: &str) {
    let t = get(name);
    let found = explore::run_trace(impls, &t)
        .unwrap_or_else(|| panic!("trace {name} does not catch {label}"));
    match &found.failure {
        Failure::Violation(v) => {
            assert_eq!(
                (v.property, v.code),
                (property.as_str(), code),
                "trace {name} on {label}: {}\nsteps: {:#?}",
                describe(&found.failure),
                found.steps
            );
        }
        Failure::Panic(p) => panic!("trace {name} on {label}: a panic {p:?}"),
    }
}

#[test]
fn buggy_acceptors_are_caught() {
    use Property::*;
    assert_fails(
        "acceptor-crash-after-promise",
        "an acceptor that never saves",
        with_acceptor(acc::<A_NO_SAVE>()),
        Conformance,
        "promise-backwards",
    );
    assert_fails(
        "acceptor-crash-after-accept",
        "an acceptor that never saves",
        with_acceptor(acc::<A_NO_SAVE>()),
        Conformance,
        "promise-hides-accepted",
    );
    assert_fails(
        "every-acceptor-restarts",
        "an acceptor that never saves",
        with_acceptor(acc::<A_NO_SAVE>()),
        Conformance,
        "accept-below-promise",
    );
    assert_fails(
        "majority-crash-recover",
        "an acceptor that never saves",
        with_acceptor(acc::<A_NO_SAVE>()),
        Conformance,
        "promise-hides-accepted",
    );
    assert_fails(
        "acceptor-crash-after-accept",
        "an acceptor that does not save what it accepts",
        with_acceptor(acc::<A_SAVE_PROMISE_ONLY>()),
        Conformance,
        "promise-hides-accepted",
    );
    assert_fails(
        "higher-ballot-races-phase2",
        "an acceptor that accepts below its promise",
        with_acceptor(acc::<A_ACCEPT_BELOW>()),
        Conformance,
        "accept-below-promise",
    );
    assert_fails(
        "old-accept-redelivered",
        "an acceptor that accepts below its promise",
        with_acceptor(acc::<A_ACCEPT_BELOW>()),
        Conformance,
        "accept-below-promise",
    );
    assert_fails(
        "why-phase-1",
        "an acceptor whose Promise omits the accepted value",
        with_acceptor(acc::<A_HIDE_ACCEPTED>()),
        Conformance,
        "promise-hides-accepted",
    );
    assert_fails(
        "accept-equal-to-promise",
        "an acceptor that refuses an Accept equal to its promise",
        with_acceptor(acc::<A_STRICT>()),
        Liveness,
        "liveness",
    );
    assert_fails(
        "old-prepare-redelivered",
        "an acceptor that promises every Prepare",
        with_acceptor(acc::<A_ALWAYS_PROMISE>()),
        Conformance,
        "promise-backwards",
    );
    assert_fails(
        "prepare-after-higher-accept",
        "an acceptor that promises every Prepare",
        with_acceptor(acc::<A_ALWAYS_PROMISE>()),
        Conformance,
        "promise-backwards",
    );
    assert_fails(
        "promise-reports-highest-accepted",
        "an acceptor that keeps the first proposal it accepted",
        with_acceptor(acc::<A_KEEP_FIRST>()),
        Conformance,
        "promise-hides-accepted",
    );
}

#[test]
fn buggy_proposers_are_caught() {
    use Property::*;
    assert_fails(
        "chosen-but-unknown",
        "a proposer that always proposes its own value",
        with_proposer(prop::<P_OWN_VALUE>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "why-phase-1",
        "a proposer that always proposes its own value",
        with_proposer(prop::<P_OWN_VALUE>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "overlapping-quorums",
        "a proposer that always proposes its own value",
        with_proposer(prop::<P_OWN_VALUE>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "proposer-stops-after-phase2a",
        "a proposer that always proposes its own value",
        with_proposer(prop::<P_OWN_VALUE>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "duplicate-promise",
        "a proposer that counts duplicate Promises",
        with_proposer(prop::<P_COUNT_DUPLICATES>()),
        Conformance,
        "accept-without-quorum",
    );
    assert_fails(
        "duplicate-accepted",
        "a proposer that counts duplicate Accepted replies",
        with_proposer(prop::<P_COUNT_DUPLICATES>()),
        LearnedMeansChosen,
        "decided-unchosen",
    );
    assert_fails(
        "lost-accept",
        "a proposer that decides on the first Accepted",
        with_proposer(prop::<P_DECIDE_FIRST_ACCEPTED>()),
        LearnedMeansChosen,
        "decided-unchosen",
    );
    assert_fails(
        "highest-ballot-wins",
        "a proposer that proposes the first value reported",
        with_proposer(prop::<P_FIRST_REPORTED>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "stale-promise",
        "a proposer that counts stale Promises",
        with_proposer(prop::<P_STALE_PROMISES>()),
        Conformance,
        "accept-without-quorum",
    );
    assert_fails(
        "stale-accepted",
        "a proposer that counts stale Accepted replies",
        with_proposer(prop::<P_STALE_ACCEPTED>()),
        LearnedMeansChosen,
        "decided-unchosen",
    );
    assert_fails(
        "minority-down",
        "a proposer that waits for every acceptor",
        with_proposer(prop::<P_WAIT_ALL>()),
        Liveness,
        "liveness",
    );
    assert_fails(
        "nack-retry-higher",
        "a proposer that retries with the same ballot",
        with_proposer(prop::<P_SAME_BALLOT>()),
        Liveness,
        "liveness",
    );
    assert_fails(
        "decision-is-final",
        "a proposer that forgets its decision",
        with_proposer(prop::<P_FORGET_DECISION>()),
        LearnedMeansChosen,
        "decided-changed",
    );
    assert_fails(
        "lost-promise",
        "a proposer whose quorum is n/2",
        with_proposer(prop::<P_SMALL_QUORUM>()),
        Conformance,
        "accept-without-quorum",
    );
}

/// In the `paxos` exercise (both parts the learner's), the same bugs are still caught.
#[test]
fn bugs_are_caught_with_both_parts_the_learners() {
    use Property::*;
    assert_fails(
        "acceptor-crash-after-promise",
        "a no-save acceptor with the test proposer",
        with_both(acc::<A_NO_SAVE>(), prop::<P_OK>()),
        Conformance,
        "promise-backwards",
    );
    assert_fails(
        "chosen-but-unknown",
        "an own-value proposer with the test acceptor",
        with_both(acc::<A_OK>(), prop::<P_OWN_VALUE>()),
        Conformance,
        "wrong-value",
    );
    assert_fails(
        "why-phase-1",
        "a hiding acceptor with the test proposer",
        with_both(acc::<A_HIDE_ACCEPTED>(), prop::<P_OK>()),
        Conformance,
        "promise-hides-accepted",
    );
    assert_fails(
        "minority-down",
        "a wait-all proposer with the test acceptor",
        with_both(acc::<A_OK>(), prop::<P_WAIT_ALL>()),
        Liveness,
        "liveness",
    );
}

/// Every buggy implementation fails the library as a whole (what `check` runs first).
#[test]
fn the_library_catches_every_bug() {
    let bugs: Vec<(&str, Impls)> = vec![
        ("no-save acceptor", with_acceptor(acc::<A_NO_SAVE>())),
        (
            "accept-below acceptor",
            with_acceptor(acc::<A_ACCEPT_BELOW>()),
        ),
        (
            "hide-accepted acceptor",
            with_acceptor(acc::<A_HIDE_ACCEPTED>()),
        ),
        ("strict acceptor", with_acceptor(acc::<A_STRICT>())),
        (
            "always-promise acceptor",
            with_acceptor(acc::<A_ALWAYS_PROMISE>()),
        ),
        ("keep-first acceptor", with_acceptor(acc::<A_KEEP_FIRST>())),
        (
            "save-promise-only acceptor",
            with_acceptor(acc::<A_SAVE_PROMISE_ONLY>()),
        ),
        ("own-value proposer", with_proposer(prop::<P_OWN_VALUE>())),
        (
            "count-duplicates proposer",
            with_proposer(prop::<P_COUNT_DUPLICATES>()),
        ),
        (
            "decide-first proposer",
            with_proposer(prop::<P_DECIDE_FIRST_ACCEPTED>()),
        ),
        (
            "first-reported proposer",
            with_proposer(prop::<P_FIRST_REPORTED>()),
        ),
        (
            "stale-promises proposer",
            with_proposer(prop::<P_STALE_PROMISES>()),
        ),
        (
            "stale-accepted proposer",
            with_proposer(prop::<P_STALE_ACCEPTED>()),
        ),
        ("wait-all proposer", with_proposer(prop::<P_WAIT_ALL>())),
        (
            "same-ballot proposer",
            with_proposer(prop::<P_SAME_BALLOT>()),
        ),
        (
            "forget-decision proposer",
            with_proposer(prop::<P_FORGET_DECISION>()),
        ),
        (
            "small-quorum proposer",
            with_proposer(prop::<P_SMALL_QUORUM>()),
        ),
    ];
    let mut report = String::new();
    for (label, impls) in bugs {
        let caught: Vec<String> = library()
            .iter()
            .filter_map(|t| {
                explore::run_trace(impls, t).map(|f| format!("{} ({})", t.name, f.failure.class()))
            })
            .collect();
        assert!(!caught.is_empty(), "no trace catches the {label}");
        report.push_str(&format!("{label}: {}\n", caught.join(", ")));
    }
    println!("{report}");
}

/// `cargo test -p paxos-harness --release --test traces -- --ignored --nocapture show_traces`
/// prints every trace as the reference plays it: the concrete steps, and what was chosen.
#[test]
#[ignore]
fn show_traces() {
    for t in library() {
        let p = play(Impls::reference(), &t);
        println!(
            "== {} ({}): chosen after the steps {:?}, in the end {:?}",
            t.name, t.title, p.chosen_after_steps, p.chosen_final
        );
        for s in &p.taken {
            println!("   {s}");
        }
    }
}
