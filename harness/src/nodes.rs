//! Learner code behind object-safe traits, so one world holds any implementation, and the
//! reference acceptor and proposer that the harness supplies where the learner writes only one part.

use std::fmt::Debug;
use std::rc::Rc;

use paxos_api::{Acceptor, AcceptorRecord, Ballot, Disk, Message, NodeId, Outbox, Proposer, Value};

/// An acceptor the world can clone (for exploration) and call.
pub trait AcceptorDyn: Debug {
    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message>;
    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message>;
    fn clone_rc(&self) -> Rc<dyn AcceptorDyn>;
    /// The learner's type, for messages (`acceptor::MyAcceptor`).
    fn type_name(&self) -> &'static str;
}

impl<T: Acceptor + Clone + 'static> AcceptorDyn for T {
    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {
        Acceptor::on_prepare(self, ballot, disk)
    }
    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message> {
        Acceptor::on_accept(self, ballot, value, disk)
    }
    fn clone_rc(&self) -> Rc<dyn AcceptorDyn> {
        Rc::new(self.clone())
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
}

/// A proposer the world can clone (for exploration) and call.
pub trait ProposerDyn: Debug {
    fn propose(&mut self, value: Value, out: &mut Outbox);
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox);
    fn on_timeout(&mut self, out: &mut Outbox);
    fn decided(&self) -> Option<Value>;
    fn clone_rc(&self) -> Rc<dyn ProposerDyn>;
    /// The learner's type, for messages (`proposer::MyProposer`).
    fn type_name(&self) -> &'static str;
}

impl<T: Proposer + Clone + 'static> ProposerDyn for T {
    fn propose(&mut self, value: Value, out: &mut Outbox) {
        Proposer::propose(self, value, out)
    }
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        Proposer::on_message(self, from, message, out)
    }
    fn on_timeout(&mut self, out: &mut Outbox) {
        Proposer::on_timeout(self, out)
    }
    fn decided(&self) -> Option<Value> {
        Proposer::decided(self)
    }
    fn clone_rc(&self) -> Rc<dyn ProposerDyn> {
        Rc::new(self.clone())
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
}

/// Builds an acceptor (first start or restart).
pub type AcceptorCtor = fn(NodeId, &Disk) -> Rc<dyn AcceptorDyn>;
/// Builds a proposer.
pub type ProposerCtor = fn(NodeId, &[NodeId]) -> Rc<dyn ProposerDyn>;

/// The constructor of acceptor type `T`.
pub fn acceptor_ctor<T: Acceptor + Clone + 'static>() -> AcceptorCtor {
    |id, disk| Rc::new(T::start(id, disk))
}

/// The constructor of proposer type `T`.
pub fn proposer_ctor<T: Proposer + Clone + 'static>() -> ProposerCtor {
    |id, acceptors| Rc::new(T::start(id, acceptors))
}

/// Which implementations a check runs, and which of them are the learner's.
#[derive(Clone, Copy)]
pub struct Impls {
    pub acceptor: AcceptorCtor,
    pub proposer: ProposerCtor,
    pub learner_acceptor: bool,
    pub learner_proposer: bool,
}

impl Impls {
    /// The reference acceptor and proposer: what the harness tests itself with.
    pub fn reference() -> Impls {
        Impls {
            acceptor: acceptor_ctor::<RefAcceptor>(),
            proposer: proposer_ctor::<RefProposer>(),
            learner_acceptor: false,
            learner_proposer: false,
        }
    }
}

/// The reference acceptor: Paxos Made Simple, section 2.2, saving before every reply.
#[derive(Clone, Debug)]
pub struct RefAcceptor {
    record: AcceptorRecord,
}

impl Acceptor for RefAcceptor {
    fn start(_id: NodeId, disk: &Disk) -> Self {
        RefAcceptor {
            record: disk.load().unwrap_or_default(),
        }
    }

    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {
        match self.record.promised {
            Some(p) if ballot < p => Some(Message::Nack {
                ballot,
                promised: p,
            }),
            _ => {
                self.record.promised = Some(ballot);
                disk.save(self.record.clone());
                Some(Message::Promise {
                    ballot,
                    accepted: self.record.accepted.clone(),
                })
            }
        }
    }

    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message> {
        match self.record.promised {
            Some(p) if ballot < p => Some(Message::Nack {
                ballot,
                promised: p,
            }),
            _ => {
                self.record.promised = Some(ballot);
                self.record.accepted = Some((ballot, value));
                disk.save(self.record.clone());
                Some(Message::Accepted { ballot })
            }
        }
    }
}

/// A reference proposer whose rounds start near the top of the range (at [`JUMP_ROUND`]): the
/// competitor of the huge-round schedules, so a learner's round arithmetic meets ballots near
/// `u64::MAX` (an overflow is a panic: the learner's crates are built with overflow checks).
#[derive(Clone, Debug)]
pub struct RefJumper(RefProposer);

/// Where [`RefJumper`] starts: 2^62, a quarter of the way below `u64::MAX`, so a proposer that
/// goes one round above a Nack has room, and one that doubles its round overflows in two retries.
pub const JUMP_ROUND: u64 = 1 << 62;

impl Proposer for RefJumper {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        let mut p = RefProposer::start(id, acceptors);
        p.highest_round = JUMP_ROUND;
        RefJumper(p)
    }
    fn propose(&mut self, value: Value, out: &mut Outbox) {
        Proposer::propose(&mut self.0, value, out)
    }
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        Proposer::on_message(&mut self.0, from, message, out)
    }
    fn on_timeout(&mut self, out: &mut Outbox) {
        Proposer::on_timeout(&mut self.0, out)
    }
    fn decided(&self) -> Option<Value> {
        Proposer::decided(&self.0)
    }
}

/// The reference proposer: sends to every acceptor, retries above the highest ballot it has seen,
/// and learns from a majority of `Accepted` for its own ballot.
#[derive(Clone, Debug)]
pub struct RefProposer {
    id: NodeId,
    acceptors: Vec<NodeId>,
    value: Option<Value>,
    ballot: Option<Ballot>,
    highest_round: u64,
    /// Promises for `ballot`: acceptor and what it reported.
    promises: Vec<(NodeId, Option<(Ballot, Value)>)>,
    /// The value sent in phase 2 of `ballot`, once sent.
    proposal: Option<Value>,
    accepted_by: Vec<NodeId>,
    decided: Option<Value>,
}

impl RefProposer {
    fn quorum(&self) -> usize {
        self.acceptors.len() / 2 + 1
    }

    fn start_round(&mut self, out: &mut Outbox) {
        self.highest_round = self.highest_round.saturating_add(1);
        let ballot = Ballot::new(self.highest_round, self.id);
        self.ballot = Some(ballot);
        self.promises.clear();
        self.accepted_by.clear();
        self.proposal = None;
        for &a in &self.acceptors {
            out.send(a, Message::Prepare { ballot });
        }
    }
}

impl Proposer for RefProposer {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        RefProposer {
            id,
            acceptors: acceptors.to_vec(),
            value: None,
            ballot: None,
            highest_round: 0,
            promises: Vec::new(),
            proposal: None,
            accepted_by: Vec::new(),
            decided: None,
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
            Message::Promise { ballot, accepted }
                if ballot == current && self.proposal.is_none() =>
            {
                if self.promises.iter().any(|(a, _)| *a == from) {
                    return;
                }
                self.promises.push((from, accepted));
                if self.promises.len() >= self.quorum() {
                    let reported = self
                        .promises
                        .iter()
                        .filter_map(|(_, acc)| acc.as_ref())
                        .max_by_key(|(b, _)| *b);
                    let value = match reported {
                        Some((_, v)) => v.clone(),
                        None => self.value.clone().expect("propose was called"),
                    };
                    self.proposal = Some(value.clone());
                    for &a in &self.acceptors {
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
            Message::Accepted { ballot } if ballot == current => {
                if !self.accepted_by.contains(&from) {
                    self.accepted_by.push(from);
                }
                if self.accepted_by.len() >= self.quorum() && self.decided.is_none() {
                    self.decided = self.proposal.clone();
                }
            }
            Message::Nack { promised, .. } => {
                self.highest_round = self.highest_round.max(promised.round);
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, out: &mut Outbox) {
        if self.decided.is_none() && self.value.is_some() {
            self.start_round(out);
        }
    }

    fn decided(&self) -> Option<Value> {
        self.decided.clone()
    }
}
