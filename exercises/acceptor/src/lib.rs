//! Exercise `acceptor`: the acceptor of single-decree Paxos.
//!
//! Check your work with `paxos-tutor check acceptor`; ask for a hint with `paxos-tutor hint acceptor`.
//!
//! The grader runs your acceptor against two or more competing reference proposers, over a network
//! that loses, duplicates, delays and reorders messages, and crashes your acceptor between calls.
//! After a crash it calls `start` again with the same `Disk`: whatever you did not `save` is gone.
//!
//! The rules (Lamport, *Paxos Made Simple*, section 2.2):
//! - A Prepare numbered n may be answered with a promise never again to accept a proposal numbered
//!   less than n, together with the highest-numbered proposal this acceptor has accepted, if any.
//! - An Accept numbered n may be accepted unless the acceptor has promised a number greater than n.
//! - An acceptor may ignore any request (reply `None`) without harming safety; a `Nack` only helps
//!   proposers give up sooner.
//! - What you reply must already be durable: think about what a restart would forget.
//!
//! Prefer `BTreeMap`, `BTreeSet` or `Vec` to `HashMap` and `HashSet`: their iteration order changes
//! from run to run, and the grader's counterexamples repeat exactly only if your code does.

use paxos_api::{Acceptor, Ballot, Disk, Message, NodeId, Value};

/// Your acceptor. Keep the derives: the grader clones and prints acceptors while it explores.
#[derive(Clone, Debug)]
pub struct MyAcceptor {
    /// This acceptor's id (useful in your own debugging output).
    pub id: NodeId,
    // TODO: what else does an acceptor need to remember? Which of it must survive a crash?
}

impl Acceptor for MyAcceptor {
    /// Called at the first start (`disk.load()` is `None`) and after every crash.
    fn start(id: NodeId, disk: &Disk) -> Self {
        let _ = disk;
        todo!("build MyAcceptor for {id:?}, recovering what the disk holds")
    }

    /// Phase 1b. Promise, or refuse with `Nack`, or stay silent with `None`.
    /// Which ballots may you promise? What must the promise carry? What must be on disk first?
    fn on_prepare(&mut self, ballot: Ballot, disk: &mut Disk) -> Option<Message> {
        let _ = (ballot, disk);
        todo!("answer Prepare")
    }

    /// Phase 2b. Accept (reply `Accepted` with the same ballot), refuse with `Nack`, or stay silent.
    /// Compare the ballot with your promise: which comparison does Paxos Made Simple use?
    fn on_accept(&mut self, ballot: Ballot, value: Value, disk: &mut Disk) -> Option<Message> {
        let _ = (ballot, value, disk);
        todo!("answer Accept")
    }
}
