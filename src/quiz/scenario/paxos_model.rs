//! A reference model of single-decree Paxos, as in Lamport's *Paxos Made Simple* (PMS), §2.2
//! and §2.3, for generating `scenario` questions.
//!
//! Why a model at all: a generated question whose key is wrong about Paxos teaches the wrong
//! protocol to someone who trusts it. So no answer is ever written into a question template: the
//! generator builds a situation, asks these functions what Paxos does in it, and only then words
//! the options. The rules are the paper's, as pure functions over small types of their own (this
//! crate does not depend on the exercises' `paxos-api`, though the shapes mirror it):
//!
//! - [`on_prepare`] (phase 1b): promise a ballot greater than any promised so far, reporting the
//!   highest-numbered proposal accepted; otherwise refuse.
//! - [`on_accept`] (phase 2b): accept unless a greater ballot has been promised (so a ballot
//!   *equal* to the promise is accepted).
//! - [`phase2_value`] (phase 2a): with promises from a majority, the value of the highest-numbered
//!   reported proposal; the proposer's own value only when none reports one.
//! - [`chosen`]: a value is chosen when one single proposal (one ballot) with that value has been
//!   accepted by a majority of acceptors; acceptances at different ballots never add up.
//!
//! [`Sim`] runs these rules as a correct Paxos system over a lossy network, so that the situations
//! questions describe are ones a correct run really reaches.

use std::fmt;

use crate::rng::Rng;

/// A proposal number: ordered by `round`, then by `proposer`, so two proposers never share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    /// The major part of the order.
    pub round: u64,
    /// The proposer that owns the ballot (1-based: `P1`, `P2`, ...).
    pub proposer: u32,
}

impl Ballot {
    pub fn new(round: u64, proposer: u32) -> Ballot {
        Ballot { round, proposer }
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, P{})", self.round, self.proposer)
    }
}

/// A value a client asked to have chosen; shown as `v1`, `v2`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Value(pub u32);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// An acceptor, shown as `A1`, `A2`, ... (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcceptorId(pub u32);

impl fmt::Display for AcceptorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "A{}", self.0)
    }
}

/// A proposal: a ballot and a value (PMS: "a proposal consists of a proposal number and a value").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Proposal {
    pub ballot: Ballot,
    pub value: Value,
}

impl Proposal {
    pub fn new(ballot: Ballot, value: Value) -> Proposal {
        Proposal { ballot, value }
    }
}

impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with value {}", self.ballot, self.value)
    }
}

/// What an acceptor keeps on stable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AcceptorState {
    /// The highest ballot it has promised (answered a Prepare for, or accepted), if any.
    pub promised: Option<Ballot>,
    /// The highest-numbered proposal it has accepted, if any.
    pub accepted: Option<Proposal>,
}

/// An acceptor's answer to a Prepare or an Accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reply {
    /// Phase 1b: a promise for `ballot`, with the highest-numbered proposal accepted, if any.
    Promise {
        ballot: Ballot,
        accepted: Option<Proposal>,
    },
    /// Phase 2b: the proposal numbered `ballot` is accepted.
    Accepted { ballot: Ballot },
    /// A refusal of the request numbered `ballot`, because `promised` (greater) binds the acceptor.
    /// PMS lets the acceptor simply ignore the request; telling the proposer is an optimisation.
    Nack { ballot: Ballot, promised: Ballot },
}

/// Phase 1b. PMS: an acceptor that receives a prepare request numbered `n`, greater than that of
/// any prepare request it has responded to, promises not to accept proposals numbered less than `n`
/// and reports the highest-numbered proposal it has accepted.
///
/// `n` equal to the current promise is answered with a promise too (a re-delivered Prepare;
/// repeating the promise is safe). The question generator never asks about that case, because the
/// paper's wording ("greater than") leaves it to the implementation.
pub fn on_prepare(state: &AcceptorState, n: Ballot) -> (Reply, AcceptorState) {
    match state.promised {
        Some(p) if n < p => (
            Reply::Nack {
                ballot: n,
                promised: p,
            },
            *state,
        ),
        _ => (
            Reply::Promise {
                ballot: n,
                accepted: state.accepted,
            },
            AcceptorState {
                promised: Some(n),
                accepted: state.accepted,
            },
        ),
    }
}

/// Phase 2b. PMS: an acceptor accepts a proposal numbered `n` unless it has already responded to a
/// prepare request having a number greater than `n`. Accepting also raises the promise to `n` (it
/// may then refuse anything lower), which is what implementations store.
pub fn on_accept(state: &AcceptorState, n: Ballot, v: Value) -> (Reply, AcceptorState) {
    match state.promised {
        Some(p) if n < p => (
            Reply::Nack {
                ballot: n,
                promised: p,
            },
            *state,
        ),
        promised => (
            Reply::Accepted { ballot: n },
            AcceptorState {
                promised: Some(promised.map_or(n, |p| p.max(n))),
                accepted: Some(Proposal::new(n, v)),
            },
        ),
    }
}

/// The size of a majority of `n_acceptors`: more than half.
pub fn quorum(n_acceptors: usize) -> usize {
    n_acceptors / 2 + 1
}

/// How many distinct acceptors `senders` names (a duplicated message counts once).
pub fn distinct(senders: &[AcceptorId]) -> usize {
    let mut v = senders.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// How many more acceptors must promise before the proposer may send Accept, given who has sent it
/// a promise for its current ballot (duplicates included; promises for other ballots excluded).
pub fn promises_needed(n_acceptors: usize, promisers: &[AcceptorId]) -> usize {
    quorum(n_acceptors).saturating_sub(distinct(promisers))
}

/// Phase 2a. Given the promises a proposer holds for its current ballot (sender and reported
/// proposal), the value it must put in its Accept requests: that of the highest-numbered reported
/// proposal, or `own` when none of them reports one. `None` when the senders are not yet a
/// majority: it may not send Accept at all.
pub fn phase2_value(
    n_acceptors: usize,
    promises: &[(AcceptorId, Option<Proposal>)],
    own: Value,
) -> Option<Value> {
    let senders: Vec<AcceptorId> = promises.iter().map(|(a, _)| *a).collect();
    if promises_needed(n_acceptors, &senders) > 0 {
        return None;
    }
    Some(highest_reported(promises).map_or(own, |p| p.value))
}

/// The highest-numbered proposal among the promises, if any reports one.
pub fn highest_reported(promises: &[(AcceptorId, Option<Proposal>)]) -> Option<Proposal> {
    promises
        .iter()
        .filter_map(|(_, p)| *p)
        .max_by_key(|p| p.ballot)
}

/// Which acceptors accepted `proposal`, given every proposal each acceptor has ever accepted
/// (`histories[i]` belongs to acceptor `A{i+1}`).
pub fn acceptors_of(histories: &[Vec<Proposal>], proposal: Proposal) -> Vec<AcceptorId> {
    histories
        .iter()
        .enumerate()
        .filter(|(_, h)| h.contains(&proposal))
        .map(|(i, _)| AcceptorId(i as u32 + 1))
        .collect()
}

/// Every chosen proposal: each one accepted by a majority of the acceptors, given every proposal
/// each acceptor has ever accepted. Acceptances of one value at *different* ballots do not combine.
/// Sorted by ballot. In a correct run all of them carry the same value (PMS P2).
pub fn chosen_proposals(histories: &[Vec<Proposal>]) -> Vec<Proposal> {
    let mut all: Vec<Proposal> = histories.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
        .filter(|p| acceptors_of(histories, *p).len() >= quorum(histories.len()))
        .collect()
}

/// The values chosen (sorted, no repeats). Paxos's safety says there is at most one; a longer list
/// means the run that produced `histories` was not a correct Paxos run.
pub fn chosen(histories: &[Vec<Proposal>]) -> Vec<Value> {
    let mut vs: Vec<Value> = chosen_proposals(histories)
        .iter()
        .map(|p| p.value)
        .collect();
    vs.sort_unstable();
    vs.dedup();
    vs
}

/// The moment a proposer gathered promises from a majority and started phase 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Start {
    pub proposer: u32,
    pub ballot: Ballot,
    /// The proposer's own client value.
    pub own: Value,
    /// The promises for `ballot`, one per acceptor, in the order they arrived: exactly a majority.
    pub promises: Vec<(AcceptorId, Option<Proposal>)>,
    /// The value it sent in its Accept requests ([`phase2_value`]).
    pub value: Value,
}

#[derive(Clone, Debug)]
struct SimProposer {
    id: u32,
    own: Value,
    ballot: Option<Ballot>,
    /// Promises for `ballot`, one per acceptor.
    promises: Vec<(AcceptorId, Option<Proposal>)>,
    in_phase2: bool,
    /// The highest round it has used or heard of.
    max_round: u64,
}

#[derive(Clone, Copy, Debug)]
enum Msg {
    Prepare {
        to: usize,
        ballot: Ballot,
    },
    Accept {
        to: usize,
        ballot: Ballot,
        value: Value,
    },
    Reply {
        from: usize,
        to: usize,
        reply: Reply,
    },
}

/// A correct single-decree Paxos system under a network that loses and reorders messages: each
/// step a proposer starts a new ballot, or one message in flight is delivered or lost. Acceptors
/// follow [`on_prepare`] and [`on_accept`]; proposers follow [`phase2_value`]. Proposer `Pi`'s
/// client value is `vi`.
#[derive(Clone, Debug)]
pub struct Sim {
    /// Acceptor `A{i+1}`'s state.
    pub acceptors: Vec<AcceptorState>,
    /// Every proposal acceptor `A{i+1}` has accepted, in order.
    pub histories: Vec<Vec<Proposal>>,
    /// Every phase 2 started, in order.
    pub phase2_starts: Vec<Phase2Start>,
    /// Every Accepted reply delivered to a proposer: (acceptor, ballot).
    pub accepted_replies: Vec<(AcceptorId, Ballot)>,
    proposers: Vec<SimProposer>,
    in_flight: Vec<Msg>,
    ballots_started: usize,
}

impl Sim {
    pub fn new(n_acceptors: usize, n_proposers: usize) -> Sim {
        Sim {
            acceptors: vec![AcceptorState::default(); n_acceptors],
            histories: vec![Vec::new(); n_acceptors],
            phase2_starts: Vec::new(),
            accepted_replies: Vec::new(),
            proposers: (1..=n_proposers as u32)
                .map(|id| SimProposer {
                    id,
                    own: Value(id),
                    ballot: None,
                    promises: Vec::new(),
                    in_phase2: false,
                    max_round: 0,
                })
                .collect(),
            in_flight: Vec::new(),
            ballots_started: 0,
        }
    }

    pub fn n_acceptors(&self) -> usize {
        self.acceptors.len()
    }

    pub fn n_proposers(&self) -> usize {
        self.proposers.len()
    }

    /// Run `steps` random steps: at most `max_ballots` ballots are started in all; each message
    /// is lost instead of delivered with probability `loss_percent`%; while messages are in flight,
    /// a new ballot starts (competing with the old) with probability `overlap_percent`% per step.
    pub fn run(
        &mut self,
        rng: &mut Rng,
        steps: usize,
        max_ballots: usize,
        loss_percent: usize,
        overlap_percent: usize,
    ) {
        for _ in 0..steps {
            let start = self.ballots_started < max_ballots
                && (self.in_flight.is_empty() || rng.below(100) < overlap_percent);
            if start {
                let p = rng.below(self.proposers.len());
                // Usually the proposer has heard of the highest round in use (a distinguished
                // proposer, or one told by a Nack); sometimes it has not, and is refused.
                let aware = rng.below(10) < 7;
                self.start_ballot(p, aware);
            } else if !self.in_flight.is_empty() {
                let m = self.in_flight.swap_remove(rng.below(self.in_flight.len()));
                if rng.below(100) >= loss_percent {
                    self.deliver(m);
                }
            } else {
                break;
            }
        }
    }

    /// Run `ballots` ballots one after another, each by a random proposer, under a network that
    /// partitions: each ballot's Prepare requests reach one random set of acceptors and its Accept
    /// requests another, and each reply is lost with one random probability per ballot.
    /// Correlated loss like this (a partition, a slow link) is what leaves acceptors holding
    /// different proposals, the situations worth asking about.
    pub fn run_partitioned(&mut self, rng: &mut Rng, ballots: usize) {
        let n = self.n_acceptors();
        let q = quorum(n);
        for _ in 0..ballots {
            let p = rng.below(self.proposers.len());
            let aware = rng.below(10) < 8;
            let prepare_size = if rng.below(5) == 0 {
                1 + rng.below(q - 1)
            } else {
                q + rng.below(n - q + 1)
            };
            let prepare_reach = random_subset(rng, n, prepare_size);
            let accept_size = 1 + rng.below(n);
            let accept_reach = random_subset(rng, n, accept_size);
            let reply_loss = rng.below(40);
            self.run_ballot(rng, p, aware, &prepare_reach, &accept_reach, reply_loss);
        }
    }

    /// Proposer index `p` runs one ballot to the end while no other is running: its Prepare
    /// requests reach the acceptors marked in `prepare_reach`, its Accept requests (if it gets that
    /// far) those in `accept_reach`, and every other request is lost; each reply is lost with
    /// probability `reply_loss`%. Deliveries happen in random order. `aware` as in
    /// [`Sim::start_ballot`]. Messages still in flight from earlier are delivered or lost too.
    pub fn run_ballot(
        &mut self,
        rng: &mut Rng,
        p: usize,
        aware: bool,
        prepare_reach: &[bool],
        accept_reach: &[bool],
        reply_loss: usize,
    ) -> Ballot {
        let ballot = self.start_ballot(p, aware);
        while !self.in_flight.is_empty() {
            let m = self.in_flight.swap_remove(rng.below(self.in_flight.len()));
            let deliver = match m {
                Msg::Prepare { to, ballot: b } => b != ballot || prepare_reach[to],
                Msg::Accept { to, ballot: b, .. } => b != ballot || accept_reach[to],
                Msg::Reply { .. } => rng.below(100) >= reply_loss,
            };
            if deliver {
                self.deliver(m);
            }
        }
        ballot
    }

    /// Proposer index `p` starts phase 1 with a ballot above every round it has seen (and, when
    /// `aware`, above every round any proposer has used: a proposer that has been told of them).
    /// Sends Prepare to every acceptor.
    pub fn start_ballot(&mut self, p: usize, aware: bool) -> Ballot {
        let n = self.n_acceptors();
        let highest = self
            .proposers
            .iter()
            .map(|x| x.max_round)
            .max()
            .unwrap_or(0);
        let sp = &mut self.proposers[p];
        if aware {
            sp.max_round = sp.max_round.max(highest);
        }
        sp.max_round += 1;
        let ballot = Ballot::new(sp.max_round, sp.id);
        sp.ballot = Some(ballot);
        sp.promises.clear();
        sp.in_phase2 = false;
        self.ballots_started += 1;
        self.in_flight
            .extend((0..n).map(|to| Msg::Prepare { to, ballot }));
        ballot
    }

    fn deliver(&mut self, m: Msg) {
        let n = self.n_acceptors();
        match m {
            Msg::Prepare { to, ballot } => {
                let (reply, next) = on_prepare(&self.acceptors[to], ballot);
                self.acceptors[to] = next;
                let dest = (ballot.proposer - 1) as usize;
                self.in_flight.push(Msg::Reply {
                    from: to,
                    to: dest,
                    reply,
                });
            }
            Msg::Accept { to, ballot, value } => {
                let (reply, next) = on_accept(&self.acceptors[to], ballot, value);
                if let Reply::Accepted { .. } = reply {
                    self.histories[to].push(Proposal::new(ballot, value));
                }
                self.acceptors[to] = next;
                let dest = (ballot.proposer - 1) as usize;
                self.in_flight.push(Msg::Reply {
                    from: to,
                    to: dest,
                    reply,
                });
            }
            Msg::Reply { from, to, reply } => {
                let from_id = AcceptorId(from as u32 + 1);
                let sp = &mut self.proposers[to];
                match reply {
                    Reply::Promise { ballot, accepted } => {
                        if Some(ballot) != sp.ballot
                            || sp.in_phase2
                            || sp.promises.iter().any(|(a, _)| *a == from_id)
                        {
                            return;
                        }
                        sp.promises.push((from_id, accepted));
                        if let Some(value) = phase2_value(n, &sp.promises, sp.own) {
                            sp.in_phase2 = true;
                            self.phase2_starts.push(Phase2Start {
                                proposer: sp.id,
                                ballot,
                                own: sp.own,
                                promises: sp.promises.clone(),
                                value,
                            });
                            self.in_flight.extend((0..n).map(|to| Msg::Accept {
                                to,
                                ballot,
                                value,
                            }));
                        }
                    }
                    Reply::Accepted { ballot } => self.accepted_replies.push((from_id, ballot)),
                    Reply::Nack { promised, .. } => sp.max_round = sp.max_round.max(promised.round),
                }
            }
        }
    }

    /// The ballots some proposer knows are chosen: it has Accepted replies from a majority
    /// (PMS 2.3).
    pub fn learned(&self) -> Vec<Ballot> {
        let mut ballots: Vec<Ballot> = self.accepted_replies.iter().map(|(_, b)| *b).collect();
        ballots.sort_unstable();
        ballots.dedup();
        ballots
            .into_iter()
            .filter(|b| {
                let from: Vec<AcceptorId> = self
                    .accepted_replies
                    .iter()
                    .filter(|(_, x)| x == b)
                    .map(|(a, _)| *a)
                    .collect();
                distinct(&from) >= quorum(self.n_acceptors())
            })
            .collect()
    }
}

/// `size` of `0..n`, chosen at random, as a membership table.
fn random_subset(rng: &mut Rng, n: usize, size: usize) -> Vec<bool> {
    let mut members: Vec<bool> = (0..n).map(|i| i < size).collect();
    rng.shuffle(&mut members);
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(round: u64, proposer: u32) -> Ballot {
        Ballot::new(round, proposer)
    }

    fn prop(round: u64, proposer: u32, v: u32) -> Proposal {
        Proposal::new(b(round, proposer), Value(v))
    }

    fn st(promised: Option<Ballot>, accepted: Option<Proposal>) -> AcceptorState {
        AcceptorState { promised, accepted }
    }

    #[test]
    fn ballots_order_by_round_then_proposer() {
        assert!(b(1, 3) < b(2, 1));
        assert!(b(2, 1) < b(2, 2));
        assert_eq!(b(3, 2).to_string(), "(3, P2)");
    }

    #[test]
    fn accept_with_ballot_equal_to_promise_is_accepted() {
        // PMS 2.2, P1a: accept unless it responded to a prepare *greater* than n.
        let s = st(Some(b(5, 1)), None);
        let (r, next) = on_accept(&s, b(5, 1), Value(1));
        assert_eq!(r, Reply::Accepted { ballot: b(5, 1) });
        assert_eq!(next.accepted, Some(prop(5, 1, 1)));
    }

    #[test]
    fn accept_without_a_prior_promise_for_it_is_accepted() {
        let s = st(Some(b(2, 1)), Some(prop(2, 1, 1)));
        let (r, next) = on_accept(&s, b(3, 2), Value(1));
        assert_eq!(r, Reply::Accepted { ballot: b(3, 2) });
        assert_eq!(next, st(Some(b(3, 2)), Some(prop(3, 2, 1))));
        let (r, _) = on_accept(&AcceptorState::default(), b(1, 1), Value(1));
        assert_eq!(r, Reply::Accepted { ballot: b(1, 1) });
    }

    #[test]
    fn accept_below_the_promise_is_refused_even_above_the_accepted_ballot() {
        let s = st(Some(b(4, 2)), Some(prop(1, 1, 1)));
        let (r, next) = on_accept(&s, b(3, 1), Value(2));
        assert_eq!(
            r,
            Reply::Nack {
                ballot: b(3, 1),
                promised: b(4, 2)
            }
        );
        assert_eq!(next, s);
    }

    #[test]
    fn prepare_lower_than_promise_is_refused_and_changes_nothing() {
        let s = st(Some(b(3, 2)), Some(prop(2, 1, 1)));
        let (r, next) = on_prepare(&s, b(3, 1));
        assert_eq!(
            r,
            Reply::Nack {
                ballot: b(3, 1),
                promised: b(3, 2)
            }
        );
        assert_eq!(next, s);
    }

    #[test]
    fn promise_reports_the_highest_accepted_proposal() {
        let s = st(Some(b(3, 1)), Some(prop(3, 1, 1)));
        let (r, next) = on_prepare(&s, b(4, 2));
        assert_eq!(
            r,
            Reply::Promise {
                ballot: b(4, 2),
                accepted: Some(prop(3, 1, 1))
            }
        );
        assert_eq!(next, st(Some(b(4, 2)), Some(prop(3, 1, 1))));
        let (r, _) = on_prepare(&AcceptorState::default(), b(1, 1));
        assert_eq!(
            r,
            Reply::Promise {
                ballot: b(1, 1),
                accepted: None
            }
        );
    }

    #[test]
    fn value_choice_takes_the_highest_ballot_not_the_most_common_value() {
        let promises = [
            (AcceptorId(1), Some(prop(1, 1, 1))),
            (AcceptorId(2), Some(prop(1, 1, 1))),
            (AcceptorId(3), Some(prop(2, 2, 2))),
        ];
        assert_eq!(phase2_value(5, &promises, Value(3)), Some(Value(2)));
    }

    #[test]
    fn value_choice_uses_the_own_value_only_when_none_is_reported() {
        let none = [(AcceptorId(1), None), (AcceptorId(3), None)];
        assert_eq!(phase2_value(3, &none, Value(3)), Some(Value(3)));
        let one = [(AcceptorId(1), None), (AcceptorId(3), Some(prop(1, 2, 2)))];
        assert_eq!(phase2_value(3, &one, Value(3)), Some(Value(2)));
    }

    #[test]
    fn no_phase2_before_a_majority_and_duplicates_count_once() {
        let dup = [(AcceptorId(1), None), (AcceptorId(1), None)];
        assert_eq!(phase2_value(3, &dup, Value(1)), None);
        assert_eq!(quorum(3), 2);
        assert_eq!(quorum(5), 3);
        assert_eq!(quorum(4), 3);
        assert_eq!(
            promises_needed(5, &[AcceptorId(2), AcceptorId(2), AcceptorId(4)]),
            1
        );
        assert_eq!(promises_needed(3, &[AcceptorId(2), AcceptorId(3)]), 0);
    }

    #[test]
    fn chosen_requires_one_ballot_accepted_by_a_majority() {
        // v1 on all three acceptors, but at three different ballots: nothing is chosen.
        let h = vec![
            vec![prop(1, 1, 1)],
            vec![prop(2, 2, 1)],
            vec![prop(3, 1, 1)],
        ];
        assert!(chosen(&h).is_empty());
        // Two of three at the same ballot: chosen, even if no one has heard.
        let h = vec![
            vec![prop(1, 1, 1)],
            vec![prop(1, 1, 1), prop(2, 2, 1)],
            vec![],
        ];
        assert_eq!(chosen(&h), vec![Value(1)]);
        assert_eq!(chosen_proposals(&h), vec![prop(1, 1, 1)]);
        // A minority never chooses.
        let h = vec![
            vec![prop(1, 1, 1)],
            vec![],
            vec![],
            vec![prop(1, 1, 1)],
            vec![],
        ];
        assert!(chosen(&h).is_empty());
    }

    #[test]
    fn simulated_runs_are_safe_and_follow_the_rules() {
        for seed in 0..3000u64 {
            let mut rng = Rng::new(seed);
            let n = if seed % 2 == 0 { 3 } else { 5 };
            let mut sim = Sim::new(n, 2 + (seed / 2 % 2) as usize);
            if seed % 3 == 0 {
                sim.run_partitioned(&mut rng, 1 + (seed % 6) as usize);
            } else {
                sim.run(
                    &mut rng,
                    20 + (seed % 50) as usize,
                    2 + (seed % 4) as usize,
                    30,
                    (seed % 5) as usize * 10,
                );
            }
            // Safety: at most one value chosen.
            assert!(
                chosen(&sim.histories).len() <= 1,
                "seed {seed}: {:?}",
                sim.histories
            );
            // Every phase 2 used exactly a majority of distinct promises and the model's value.
            for s in &sim.phase2_starts {
                assert_eq!(s.promises.len(), quorum(n));
                assert_eq!(phase2_value(n, &s.promises, s.own), Some(s.value));
                assert!(s
                    .promises
                    .iter()
                    .all(|(_, p)| p.is_none_or(|p| p.ballot < s.ballot)));
            }
            // Once something is chosen, every later-numbered proposal accepted carries its value.
            if let Some(first) = chosen_proposals(&sim.histories).first() {
                for p in sim.histories.iter().flatten() {
                    if p.ballot > first.ballot {
                        assert_eq!(p.value, first.value, "seed {seed}");
                    }
                }
            }
            // Acceptors' states agree with their histories.
            for (a, h) in sim.acceptors.iter().zip(&sim.histories) {
                assert_eq!(a.accepted, h.last().copied());
                assert!(h.windows(2).all(|w| w[0].ballot < w[1].ballot));
                if let (Some(p), Some(acc)) = (a.promised, a.accepted) {
                    assert!(acc.ballot <= p);
                }
            }
            // A proposer learns only chosen ballots.
            for l in sim.learned() {
                assert!(chosen_proposals(&sim.histories)
                    .iter()
                    .any(|p| p.ballot == l));
            }
        }
    }
}
