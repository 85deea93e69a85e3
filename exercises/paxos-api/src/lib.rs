//! The contract between a learner's Paxos code and the `paxos-tutor` grader.
//!
//! Do not edit this crate: the grader compiles your exercise crates against it, and a changed
//! contract makes `paxos-tutor check` refuse to run. Everything here is plain data plus two traits:
//! the harness owns the network, the disks, the clock and the crashes, and calls your code one
//! atomic step at a time (the code is "sans-IO").

/// A node. Acceptors and proposers always have distinct ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// A proposal number, ordered by `round`, then by `proposer`: two proposers never share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    /// The round: the major part of the order.
    pub round: u64,
    /// The proposer that owns this ballot: breaks ties between rounds, so ballots are unique.
    pub proposer: NodeId,
}

impl Ballot {
    /// The ballot `round` owned by `proposer`.
    pub fn new(round: u64, proposer: NodeId) -> Ballot {
        Ballot { round, proposer }
    }
}

/// A value that a client asked to have chosen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Value(pub String);

/// Every message of single-decree Paxos.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// Phase 1a, proposer to acceptor.
    Prepare {
        /// The ballot the proposer wants a promise for.
        ballot: Ballot,
    },
    /// Phase 1b: a promise for `ballot`, with the highest-ballot proposal this acceptor accepted, if any.
    Promise {
        /// The ballot promised (the one the Prepare asked for).
        ballot: Ballot,
        /// The highest-ballot proposal this acceptor has accepted, if any.
        accepted: Option<(Ballot, Value)>,
    },
    /// Phase 2a, proposer to acceptor.
    Accept {
        /// The ballot of the proposal.
        ballot: Ballot,
        /// The value of the proposal.
        value: Value,
    },
    /// Phase 2b: the acceptor accepted the proposal numbered `ballot`.
    Accepted {
        /// The ballot of the proposal accepted.
        ballot: Ballot,
    },
    /// A refusal of the Prepare or Accept numbered `ballot`; `promised` is the higher ballot that binds the acceptor.
    Nack {
        /// The ballot of the request refused.
        ballot: Ballot,
        /// The higher ballot the acceptor has promised.
        promised: Ballot,
    },
}

/// What an acceptor must remember across a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AcceptorRecord {
    /// The highest ballot promised, if any.
    pub promised: Option<Ballot>,
    /// The highest-ballot proposal accepted, if any.
    pub accepted: Option<(Ballot, Value)>,
}

/// Stable storage. A record is durable once `save` returns; everything else an acceptor holds is lost in a crash.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    record: Option<AcceptorRecord>,
    writes: u64,
}

impl Disk {
    /// An empty disk: nothing saved yet.
    pub fn new() -> Disk {
        Disk::default()
    }

    /// The last record saved, if any.
    pub fn load(&self) -> Option<AcceptorRecord> {
        self.record.clone()
    }

    /// Save `record`, replacing the previous one. Durable as soon as this returns.
    pub fn save(&mut self, record: AcceptorRecord) {
        self.record = Some(record);
        self.writes += 1;
    }

    /// How many saves so far.
    pub fn writes(&self) -> u64 {
        self.writes
    }
}

/// The messages a proposer sends while it handles one event.
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Vec<(NodeId, Message)>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// Send `message` to node `to`. The network may lose, duplicate, delay or reorder it.
    pub fn send(&mut self, to: NodeId, message: Message) {
        self.messages.push((to, message));
    }

    /// Take every message sent so far, in order (for the harness).
    pub fn drain(&mut self) -> Vec<(NodeId, Message)> {
        std::mem::take(&mut self.messages)
    }
}

/// The acceptor of single-decree Paxos. Each call is one atomic step: a crash happens only between calls.
pub trait Acceptor: std::fmt::Debug {
    /// Start for the first time (`disk` empty) or restart after a crash (`disk` holds what was saved).
    fn start(id: NodeId, disk: &Disk) -> Self
    where
        Self: Sized;
    /// Phase 1b: reply with `Promise` or `Nack`, or `None` to stay silent.
    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message>;
    /// Phase 2b: reply with `Accepted` or `Nack`, or `None` to stay silent.
    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message>;
}

/// The proposer of single-decree Paxos, which also learns the outcome. Proposers crash only by stopping.
pub trait Proposer: std::fmt::Debug {
    /// `acceptors` lists every acceptor; any majority of them is a quorum.
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self
    where
        Self: Sized;
    /// A client asks for `value` to be chosen (called at most once per proposer).
    fn propose(&mut self, value: Value, out: &mut Outbox);
    /// A reply (`Promise`, `Accepted` or `Nack`) from acceptor `from`.
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox);
    /// No progress for a while: try again, with a higher ballot.
    fn on_timeout(&mut self, out: &mut Outbox);
    /// The value this proposer knows to be chosen, once it knows it.
    fn decided(&self) -> Option<Value>;
}
