//! Multi-Paxos learner code behind object-safe traits, and the harness's reference acceptor and
//! leader (what the catalogue and the one-part exercises run beside the learner's part).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::rc::Rc;

use multipaxos_api::{
    Acceptor, AcceptorRecord, Ballot, Command, Disk, Leader, Message, NodeId, Outbox, Slot,
    SlotProposal,
};

/// An acceptor the world can clone and call.
pub trait AcceptorDyn: Debug {
    fn on_prepare(&mut self, ballot: Ballot, first: Slot, disk: &mut Disk) -> Option<Message>;
    fn on_accept(
        &mut self,
        ballot: Ballot,
        slot: Slot,
        command: Command,
        disk: &mut Disk,
    ) -> Option<Message>;
    fn clone_rc(&self) -> Rc<dyn AcceptorDyn>;
}

impl<T: Acceptor + Clone + 'static> AcceptorDyn for T {
    fn on_prepare(&mut self, ballot: Ballot, first: Slot, disk: &mut Disk) -> Option<Message> {
        Acceptor::on_prepare(self, ballot, first, disk)
    }
    fn on_accept(
        &mut self,
        ballot: Ballot,
        slot: Slot,
        command: Command,
        disk: &mut Disk,
    ) -> Option<Message> {
        Acceptor::on_accept(self, ballot, slot, command, disk)
    }
    fn clone_rc(&self) -> Rc<dyn AcceptorDyn> {
        Rc::new(self.clone())
    }
}

/// A leader the world can clone and call.
pub trait LeaderDyn: Debug {
    fn submit(&mut self, op: String, out: &mut Outbox);
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox);
    fn on_timeout(&mut self, out: &mut Outbox);
    fn chosen(&self) -> BTreeMap<Slot, Command>;
    fn clone_rc(&self) -> Rc<dyn LeaderDyn>;
}

impl<T: Leader + Clone + 'static> LeaderDyn for T {
    fn submit(&mut self, op: String, out: &mut Outbox) {
        Leader::submit(self, op, out)
    }
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        Leader::on_message(self, from, message, out)
    }
    fn on_timeout(&mut self, out: &mut Outbox) {
        Leader::on_timeout(self, out)
    }
    fn chosen(&self) -> BTreeMap<Slot, Command> {
        Leader::chosen(self)
    }
    fn clone_rc(&self) -> Rc<dyn LeaderDyn> {
        Rc::new(self.clone())
    }
}

pub type AcceptorCtor = fn(NodeId, &Disk) -> Rc<dyn AcceptorDyn>;
pub type LeaderCtor = fn(NodeId, &[NodeId]) -> Rc<dyn LeaderDyn>;

/// The constructor of acceptor type `T`.
pub fn acceptor_ctor<T: Acceptor + Clone + 'static>() -> AcceptorCtor {
    |id, disk| Rc::new(T::start(id, disk))
}

/// The constructor of leader type `T`.
pub fn leader_ctor<T: Leader + Clone + 'static>() -> LeaderCtor {
    |id, acceptors| Rc::new(T::start(id, acceptors))
}

/// Which implementations a check runs, and which of them are the learner's.
#[derive(Clone, Copy)]
pub struct Impls {
    pub acceptor: AcceptorCtor,
    pub leader: LeaderCtor,
    pub learner_acceptor: bool,
    pub learner_leader: bool,
}

impl std::fmt::Debug for Impls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impls")
            .field("learner_acceptor", &self.learner_acceptor)
            .field("learner_leader", &self.learner_leader)
            .finish()
    }
}

impl Impls {
    /// The reference acceptor and leader.
    pub fn reference() -> Impls {
        Impls {
            acceptor: acceptor_ctor::<RefAcceptor>(),
            leader: leader_ctor::<RefLeader>(),
            learner_acceptor: false,
            learner_leader: false,
        }
    }
}

/// The reference acceptor: one promise for every slot, the highest-ballot proposal per slot,
/// everything saved before the reply.
#[derive(Clone, Debug)]
pub struct RefAcceptor {
    record: AcceptorRecord,
}

impl RefAcceptor {
    /// The Nack for a request at `ballot`, when the promise is higher (it binds every slot).
    fn refusal(&self, ballot: Ballot) -> Option<Message> {
        self.record
            .promised
            .filter(|p| ballot < *p)
            .map(|promised| Message::Nack { ballot, promised })
    }
}

impl Acceptor for RefAcceptor {
    fn start(_id: NodeId, disk: &Disk) -> Self {
        RefAcceptor {
            record: disk.load().unwrap_or_default(),
        }
    }

    fn on_prepare(&mut self, ballot: Ballot, first: Slot, disk: &mut Disk) -> Option<Message> {
        if let Some(nack) = self.refusal(ballot) {
            return Some(nack);
        }
        self.record.promised = Some(ballot);
        disk.save(self.record.clone());
        let accepted = self
            .record
            .accepted
            .range(first..)
            .map(|(s, (b, c))| SlotProposal {
                slot: *s,
                ballot: *b,
                command: c.clone(),
            })
            .collect();
        Some(Message::Promise {
            ballot,
            first,
            accepted,
        })
    }

    fn on_accept(
        &mut self,
        ballot: Ballot,
        slot: Slot,
        command: Command,
        disk: &mut Disk,
    ) -> Option<Message> {
        if let Some(nack) = self.refusal(ballot) {
            return Some(nack);
        }
        self.record.promised = Some(ballot);
        self.record.accepted.insert(slot, (ballot, command));
        disk.save(self.record.clone());
        Some(Message::Accepted { ballot, slot })
    }
}

/// The reference leader: phase 1 once for every slot it does not know, then re-proposals from
/// the promises, no-ops in the holes, and each new command straight to phase 2.
#[derive(Clone, Debug)]
pub struct RefLeader {
    id: NodeId,
    acceptors: Vec<NodeId>,
    /// The highest round used or seen in a Nack.
    round: u64,
    /// The current ballot, once phase 1 was started.
    ballot: Option<Ballot>,
    /// The `first` of the current Prepare.
    first: Slot,
    /// Promises for the current ballot, by acceptor.
    promises: BTreeMap<NodeId, Vec<SlotProposal>>,
    /// Phase 1 finished for the current ballot.
    phase1_done: bool,
    /// Phase 1 finished for the current ballot, and no Nack since.
    leading: bool,
    /// Proposals sent at the current ballot, by slot.
    proposals: BTreeMap<Slot, Command>,
    /// Acceptors that accepted each proposal of the current ballot.
    accepted_by: BTreeMap<Slot, BTreeSet<NodeId>>,
    /// Every command submitted here, in order (each one must end up in the log).
    submitted: Vec<String>,
    /// The slots known chosen.
    chosen: BTreeMap<Slot, Command>,
}

impl RefLeader {
    fn quorum(&self) -> usize {
        self.acceptors.len() / 2 + 1
    }

    fn broadcast(&self, m: Message, out: &mut Outbox) {
        for a in &self.acceptors {
            out.send(*a, m.clone());
        }
    }

    fn prepare(&mut self, out: &mut Outbox) {
        self.round += 1;
        let ballot = Ballot::new(self.round, self.id);
        self.ballot = Some(ballot);
        self.first = (0..).find(|s| !self.chosen.contains_key(s)).unwrap_or(0);
        self.promises.clear();
        self.phase1_done = false;
        self.leading = false;
        self.proposals.clear();
        self.accepted_by.clear();
        self.broadcast(
            Message::Prepare {
                ballot,
                first: self.first,
            },
            out,
        );
    }

    fn propose(&mut self, slot: Slot, command: Command, out: &mut Outbox) {
        let ballot = self.ballot.expect("proposing without a ballot");
        self.proposals.insert(slot, command.clone());
        self.broadcast(
            Message::Accept {
                ballot,
                slot,
                command,
            },
            out,
        );
    }

    fn next_free(&self) -> Slot {
        let a = self.chosen.keys().next_back().map_or(0, |s| s + 1);
        let b = self.proposals.keys().next_back().map_or(0, |s| s + 1);
        a.max(b)
    }

    /// Commands submitted here that are neither known chosen nor proposed now (a multiset).
    fn unplaced(&self) -> Vec<String> {
        let mut placed: Vec<&Command> = self.chosen.values().collect();
        placed.extend(
            self.proposals
                .iter()
                .filter(|(s, _)| !self.chosen.contains_key(s))
                .map(|(_, c)| c),
        );
        let mut left = Vec::new();
        for op in &self.submitted {
            let c = Command::Op(op.clone());
            match placed.iter().position(|p| **p == c) {
                Some(i) => {
                    placed.swap_remove(i);
                }
                None => left.push(op.clone()),
            }
        }
        left
    }

    fn take_over(&mut self, out: &mut Outbox) {
        self.phase1_done = true;
        self.leading = true;
        let first = self.first;
        let highest =
            super::highest_by_slot(self.promises.values().flatten().filter(|r| r.slot >= first));
        let top = highest.keys().next_back().copied();
        if let Some(top) = top {
            for s in self.first..=top {
                if self.chosen.contains_key(&s) {
                    continue;
                }
                let c = highest.get(&s).map_or(Command::Noop, |(_, c)| c.clone());
                self.propose(s, c, out);
            }
        }
        for op in self.unplaced() {
            let s = self.next_free();
            self.propose(s, Command::Op(op), out);
        }
    }
}

impl Leader for RefLeader {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        RefLeader {
            id,
            acceptors: acceptors.to_vec(),
            round: 0,
            ballot: None,
            first: 0,
            promises: BTreeMap::new(),
            phase1_done: false,
            leading: false,
            proposals: BTreeMap::new(),
            accepted_by: BTreeMap::new(),
            submitted: Vec::new(),
            chosen: BTreeMap::new(),
        }
    }

    fn submit(&mut self, op: String, out: &mut Outbox) {
        self.submitted.push(op.clone());
        if self.leading {
            let s = self.next_free();
            self.propose(s, Command::Op(op), out);
        } else if self.ballot.is_none() {
            self.prepare(out);
        }
    }

    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        match message {
            Message::Promise {
                ballot, accepted, ..
            } if Some(ballot) == self.ballot && !self.phase1_done => {
                self.promises.insert(from, accepted);
                if self.promises.len() >= self.quorum() {
                    self.take_over(out);
                }
            }
            Message::Accepted { ballot, slot } if Some(ballot) == self.ballot => {
                let Some(c) = self.proposals.get(&slot).cloned() else {
                    return;
                };
                let q = self.quorum();
                let who = self.accepted_by.entry(slot).or_default();
                who.insert(from);
                if who.len() >= q {
                    self.chosen.entry(slot).or_insert(c);
                }
            }
            Message::Nack { ballot, promised } if Some(ballot) == self.ballot => {
                self.round = self.round.max(promised.round);
                self.leading = false;
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, out: &mut Outbox) {
        self.prepare(out);
    }

    fn chosen(&self) -> BTreeMap<Slot, Command> {
        self.chosen.clone()
    }
}
