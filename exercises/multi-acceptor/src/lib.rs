//! Exercise `multipaxos`, part 1: the acceptor of Multi-Paxos, over the slots of a log.
//!
//! The grader runs your acceptor with reference leaders (and with your leader, in the exercise
//! that takes both), over a network that loses, duplicates, delays and reorders messages, and
//! crashes your acceptor between calls. After a crash it calls `start` again with the same `Disk`:
//! whatever you did not `save` is gone.
//!
//! The rules (Lamport, *Paxos Made Simple*, section 2.2, applied to every slot as section 3 does):
//! - One promise covers every slot: `Prepare { ballot, first }` may be answered with a promise
//!   never again to accept, **in any slot**, a proposal numbered below `ballot`. The Promise
//!   reports, for every slot `>= first` in which you accepted something, the highest-ballot
//!   proposal you accepted there. (A promise kept per slot lets a deposed leader's late Accept
//!   for another slot through.)
//! - `Accept { ballot, slot, command }` may be accepted unless you promised a ballot greater than
//!   `ballot`; accepting it replaces what you accepted in that slot, and only that slot.
//! - What you reply must already be durable (section 2.5: an acceptor records its response in
//!   stable storage before sending it). Think about what a restart would forget: the promise,
//!   and the proposal of every slot.
//! - You may ignore any request (reply `None`) without harming safety; a `Nack` only helps a
//!   leader give up sooner.
//!
//! Prefer `BTreeMap`, `BTreeSet` or `Vec` to `HashMap` and `HashSet`: their iteration order changes
//! from run to run, and the grader's counterexamples repeat exactly only if your code does.

use multipaxos_api::{Acceptor, Ballot, Command, Disk, Message, NodeId, Slot};

/// Your acceptor. Keep the derives: the grader clones and prints acceptors while it explores.
#[derive(Clone, Debug)]
pub struct MyAcceptor {
    /// This acceptor's id (useful in your own debugging output).
    pub id: NodeId,
    // TODO: one promised ballot, and per slot the highest-ballot proposal accepted. Which of it
    // must survive a crash? (`multipaxos_api::AcceptorRecord` holds exactly that.)
}

impl Acceptor for MyAcceptor {
    /// Called at the first start (`disk.load()` is `None`) and after every crash.
    fn start(id: NodeId, disk: &Disk) -> Self {
        let _ = disk;
        todo!("build MyAcceptor for {id:?}, recovering what the disk holds")
    }

    /// Phase 1b for every slot from `first` on. Promise (with the accepted proposals of those
    /// slots), refuse with `Nack`, or stay silent with `None`. What must be on disk first?
    fn on_prepare(&mut self, ballot: Ballot, first: Slot, disk: &mut Disk) -> Option<Message> {
        let _ = (ballot, first, disk);
        todo!("answer Prepare")
    }

    /// Phase 2b in one slot. Accept (reply `Accepted` with the same ballot and slot), refuse with
    /// `Nack`, or stay silent. Which promise binds this slot?
    fn on_accept(
        &mut self,
        ballot: Ballot,
        slot: Slot,
        command: Command,
        disk: &mut Disk,
    ) -> Option<Message> {
        let _ = (ballot, slot, command, disk);
        todo!("answer Accept")
    }
}
