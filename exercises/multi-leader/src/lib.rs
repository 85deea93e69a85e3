//! Exercise `multipaxos`, part 2: the leader of Multi-Paxos, which proposes and learns a log.
//!
//! The grader runs two or more instances of your leader against each other and against
//! reference acceptors, over a network that loses, duplicates, delays and reorders messages.
//! Acceptors crash and restart; leaders may stop for good. Clients hand commands to a leader with
//! `submit`; when nothing happens for a while, `on_timeout` is called.
//!
//! The rules (Lamport, *Paxos Made Simple*, section 3):
//! - Phase 1 once for every slot you do not know: send `Prepare { ballot, first }`, where `first`
//!   is the lowest slot you do not know to be chosen, with a ballot that is yours
//!   (`Ballot::new(round, self.id)`) and higher than every ballot you used or saw in a Nack.
//! - With promises from a majority: in every slot a promise reported, propose the command of the
//!   highest-ballot proposal reported for that slot (section 2.2, P2c, slot by slot); fill every
//!   other slot below the highest one reported with `Command::Noop`; then give each command you
//!   were handed and that is not in the log yet a slot of its own.
//! - The steady state: while you lead (phase 1 done, no Nack and no timeout since), `submit`
//!   sends the command's Accept at once, in the next free slot, with no Prepare. That is what
//!   makes Multi-Paxos one round trip per command (section 3; *Paxos Made Live*, section 4.2).
//! - A slot is chosen when a majority of acceptors sent `Accepted` for the same ballot in it.
//!   Only then may `chosen()` show it, and it never changes afterwards. Replies can be
//!   duplicated: count acceptors, not messages.
//! - One ballot proposes one command per slot.
//!
//! Prefer `BTreeMap`, `BTreeSet` or `Vec` to `HashMap` and `HashSet`: their iteration order changes
//! from run to run, and the grader's counterexamples repeat exactly only if your code does.

use std::collections::BTreeMap;

use multipaxos_api::{Command, Leader, Message, NodeId, Outbox, Slot};

/// Your leader. Keep the derives: the grader clones and prints leaders while it explores.
#[derive(Clone, Debug)]
pub struct MyLeader {
    /// This leader's id: ballots you own are `Ballot::new(round, id)`.
    pub id: NodeId,
    /// Every acceptor; any majority of them is a quorum.
    pub acceptors: Vec<NodeId>,
    // TODO: the current ballot and whether you lead with it, the promises gathered, the proposals
    // in flight and who accepted them, the commands you were handed, the log you know...
}

impl Leader for MyLeader {
    fn start(id: NodeId, acceptors: &[NodeId]) -> Self {
        MyLeader {
            id,
            acceptors: acceptors.to_vec(),
        }
    }

    /// A client's command. Leading: send its Accept now. Not leading: keep it, and start phase 1
    /// if you have not.
    fn submit(&mut self, op: String, out: &mut Outbox) {
        let _ = (op, out);
        todo!("take a command")
    }

    /// A Promise, Accepted or Nack from acceptor `from`. Which ballot is it for?
    fn on_message(&mut self, from: NodeId, message: Message, out: &mut Outbox) {
        let _ = (from, message, out);
        todo!("handle a reply")
    }

    /// No progress for a while: phase 1 again, with a higher ballot.
    fn on_timeout(&mut self, out: &mut Outbox) {
        let _ = out;
        todo!("try again")
    }

    /// The slots you know to be chosen.
    fn chosen(&self) -> BTreeMap<Slot, Command> {
        todo!("the log you know")
    }
}
