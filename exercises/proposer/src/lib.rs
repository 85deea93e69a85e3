//! Exercise `proposer`: the proposer (and learner) of single-decree Paxos.
//!
//! Check your work with `paxos-tutor check proposer`; ask for a hint with `paxos-tutor hint proposer`.
//!
//! The grader runs several instances of your proposer against each other and against reference
//! acceptors, over a network that loses, duplicates, delays and reorders messages. Acceptors crash
//! and restart; proposers may stop for good. When nothing happens for a while, `on_timeout` is called.
//!
//! The rules (Lamport, *Paxos Made Simple*, section 2.2):
//! - Phase 1: pick a proposal number n that no other proposer uses and that is higher than any you
//!   used before, and send Prepare(n) to acceptors.
//! - Phase 2: once a majority of acceptors promised n, send Accept(n, v), where v is the value of
//!   the highest-numbered proposal reported in those promises, or your own value if none was.
//! - A value is chosen when a majority of acceptors accepted the same proposal. Only then may
//!   `decided` return it. Replies can be duplicated: count acceptors, not messages.
//!
//! Prefer `BTreeMap`, `BTreeSet` or `Vec` to `HashMap` and `HashSet`: their iteration order changes
//! from run to run, and the grader's counterexamples repeat exactly only if your code does.

use paxos_api::{Message, NodeId, Outbox, Proposer, Value};

/// Your proposer. Keep the derives: the grader clones and prints proposers while it explores.
#[derive(Clone, Debug)]
pub struct MyProposer {
    /// This proposer's id: ballots you own are `Ballot::new(round, id)`.
    pub id: NodeId,
    /// Every acceptor; any majority of them is a quorum.
    pub acceptors: Vec<NodeId>,
    // TODO: the current ballot, the promises and acceptances gathered, the value, the decision...
}

impl Proposer for MyProposer {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        let _ = acceptors;
        todo!("build MyProposer for {id:?}")
    }

    /// A client asks for `value`. Start phase 1 with a fresh ballot.
    fn propose(&mut self, value: Value, out: &mut Outbox) {
        let _ = (value, out);
        todo!("start phase 1")
    }

    /// A `Promise`, `Accepted` or `Nack` from acceptor `from`. Ignore replies to old ballots.
    /// When does a quorum of promises let you send Accept, and with which value?
    /// When does a quorum of Accepted let you decide?
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        let _ = (from, message, out);
        todo!("handle a reply")
    }

    /// No progress for a while: start again with a higher ballot than any you have used or seen.
    fn on_timeout(&mut self, out: &mut Outbox) {
        let _ = out;
        todo!("retry with a higher ballot")
    }

    /// The value you know to be chosen. Once `Some`, it must never change.
    fn decided(&self) -> Option<Value> {
        todo!("report the decision")
    }
}
