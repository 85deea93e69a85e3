//! The contract between a learner's Multi-Paxos code and the `paxos-tutor` grader.
//!
//! Do not edit this crate: the grader compiles your exercise crates against it. Like `paxos-api`
//! it is plain data plus two traits: the harness owns the network, the disks, the clock, the
//! clients and the crashes, and calls your code one atomic step at a time (the code is "sans-IO").
//!
//! # The protocol (Lamport, *Paxos Made Simple*, section 3)
//! The log is a sequence of slots (instances of single-decree Paxos), numbered from 0. A leader
//! runs phase 1 **once for every slot from some index on**: one `Prepare { ballot, first }` asks
//! each acceptor to promise, for every slot `s >= first`, never again to accept a proposal numbered
//! below `ballot`; its `Promise` reports, for each such slot in which it accepted something, the
//! highest-ballot proposal it accepted there. With promises from a majority, the leader
//! - re-proposes, in every slot a promise reported, the command of the highest-ballot proposal
//!   reported for that slot (section 2.2, P2c, slot by slot);
//! - fills every other slot below the highest one reported with `Command::Noop` (section 3: a new
//!   leader fills each gap with a special no-op command that leaves the state unchanged);
//! - then sends each new client command straight to phase 2 in the next free slot, with no
//!   Prepare: this is what makes the steady state one round trip (section 3, and Chandra et al.,
//!   *Paxos Made Live*, section 4.2, "Multi-Paxos").
//!
//! A slot is chosen when a majority of acceptors accepted the same proposal (ballot, command) in
//! it. The leader learns this from `Accepted` replies, which the network delivers to the leader
//! that sent the Accept.

pub use paxos_api::{Ballot, NodeId};
use std::collections::BTreeMap;

/// A position in the log; the first is slot 0.
pub type Slot = u64;

/// What a slot of the log holds: a client's command, or a no-op that fills a hole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    /// A command a client submitted (its text means nothing to Paxos).
    Op(String),
    /// Fills a slot in which no command is to be chosen, so that the log has no holes.
    Noop,
}

/// An accepted proposal in one slot, as a `Promise` reports it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotProposal {
    /// The slot.
    pub slot: Slot,
    /// The ballot of the proposal accepted in that slot.
    pub ballot: Ballot,
    /// The command of the proposal accepted in that slot.
    pub command: Command,
}

/// Every message of Multi-Paxos.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// Phase 1a, leader to acceptor, for every slot from `first` on.
    Prepare {
        /// The ballot the leader wants a promise for.
        ballot: Ballot,
        /// The lowest slot the promise must report on (the leader knows the slots below it).
        first: Slot,
    },
    /// Phase 1b: a promise for `ballot`, with, for every slot `>= first` in which this acceptor
    /// accepted a proposal, the highest-ballot proposal it accepted there (in any order).
    Promise {
        /// The ballot promised (the one the Prepare asked for).
        ballot: Ballot,
        /// The `first` of the Prepare this answers.
        first: Slot,
        /// The accepted proposals in slots `>= first`, one per slot.
        accepted: Vec<SlotProposal>,
    },
    /// Phase 2a, leader to acceptor, for one slot.
    Accept {
        /// The ballot of the proposal.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The command proposed for the slot.
        command: Command,
    },
    /// Phase 2b: the acceptor accepted the proposal numbered `ballot` in `slot`.
    Accepted {
        /// The ballot of the proposal accepted.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
    },
    /// A refusal of the Prepare or Accept numbered `ballot`; `promised` is the higher ballot that
    /// binds the acceptor.
    Nack {
        /// The ballot of the request refused.
        ballot: Ballot,
        /// The higher ballot the acceptor has promised.
        promised: Ballot,
    },
}

/// What a Multi-Paxos acceptor must remember across a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AcceptorRecord {
    /// The highest ballot promised, if any: it binds every slot.
    pub promised: Option<Ballot>,
    /// For each slot in which a proposal was accepted, the highest-ballot one: (ballot, command).
    pub accepted: BTreeMap<Slot, (Ballot, Command)>,
}

/// Stable storage. A record is durable once `save` returns; everything else an acceptor holds is
/// lost in a crash.
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

/// The messages a leader sends while it handles one event.
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

/// The acceptor of Multi-Paxos. Each call is one atomic step: a crash happens only between calls.
pub trait Acceptor: std::fmt::Debug {
    /// Start for the first time (`disk` empty) or restart after a crash (`disk` holds what was saved).
    fn start(id: NodeId, disk: &Disk) -> Self
    where
        Self: Sized;
    /// Phase 1b for every slot from `first` on: reply with `Promise` or `Nack`, or `None` to stay silent.
    fn on_prepare(&mut self, ballot: Ballot, first: Slot, disk: &mut Disk) -> Option<Message>;
    /// Phase 2b in `slot`: reply with `Accepted` or `Nack`, or `None` to stay silent.
    fn on_accept(
        &mut self,
        ballot: Ballot,
        slot: Slot,
        command: Command,
        disk: &mut Disk,
    ) -> Option<Message>;
}

/// The leader (a proposer, which also learns) of Multi-Paxos. Leaders crash only by stopping.
pub trait Leader: std::fmt::Debug {
    /// `acceptors` lists every acceptor; any majority of them is a quorum.
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self
    where
        Self: Sized;
    /// A client asks for `Command::Op(op)` to be appended to the log. Called any number of times,
    /// whether or not this node leads. A leader that has finished phase 1 for its ballot and has
    /// not been refused since sends the command's Accept in this call, with no Prepare.
    fn submit(&mut self, op: String, out: &mut Outbox);
    /// A reply (`Promise`, `Accepted` or `Nack`) from acceptor `from`.
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox);
    /// No progress for a while: run phase 1 again, with a higher ballot. (Even a leader with
    /// nothing outstanding: another may have taken over and chosen slots meanwhile, and only a new
    /// phase 1 tells it so.)
    fn on_timeout(&mut self, out: &mut Outbox);
    /// The log this leader knows: every slot it knows to be chosen, with its command.
    fn chosen(&self) -> BTreeMap<Slot, Command>;
}
