//! The exercises: what each one asks, which crates it builds, and its progressive hints.

/// One exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exercise {
    pub name: &'static str,
    pub summary: &'static str,
    /// The learner's crates it compiles.
    pub crates: &'static [&'static str],
    pub hints: &'static [&'static str],
}

pub const EXERCISES: &[Exercise] = &[
    Exercise {
        name: "acceptor",
        summary: "the acceptor of single-decree Paxos, against competing reference proposers",
        crates: &["acceptor"],
        hints: &[
            "An acceptor remembers two things: the highest ballot it promised, and the highest-ballot proposal (ballot and value) it accepted. Everything else can be recomputed.",
            "on_prepare(b): promise when you have promised nothing, or b is at least your promise (re-promising an equal ballot is fine). The Promise carries the proposal you accepted, if any. Otherwise refuse with Nack { ballot: b, promised } or stay silent.",
            "on_accept(b, v): accept unless you promised a ballot GREATER than b. Equal is accepted: the proposer that prepared b is exactly the one that sends Accept(b, v). Reply Accepted { ballot: b }.",
            "Everything you reply must already be durable: call disk.save(...) with your new promise and acceptance before you return the reply. A crash happens between calls, and start() then sees only the disk.",
            "start(id, disk): rebuild from disk.load() (None on the very first start). If you keep state outside an AcceptorRecord, it is gone after a crash. Paxos Made Simple, section 2.2: an acceptor must remember what it promised and accepted even if it fails and then restarts; section 2.5: it records its response in stable storage before sending it.",
        ],
    },
    Exercise {
        name: "proposer",
        summary: "the proposer (and learner) of single-decree Paxos, several instances competing",
        crates: &["proposer"],
        hints: &[
            "Keep: your id, the acceptors, your client's value, your current ballot, the highest round you have seen, the promises and acceptances for the current ballot (as sets of acceptors), the value you sent in phase 2, and your decision.",
            "Ballots must be unique to you and grow: Ballot::new(round, self.id), with round above every round you have used or seen in a Nack.",
            "Count acceptors, not messages: the network duplicates replies. Store promises in a map from acceptor to what it reported, and ignore replies for any ballot other than your current one.",
            "With promises from a majority (acceptors.len() / 2 + 1), propose the value of the highest-ballot proposal they reported; your own value only if none reported one (Paxos Made Simple, P2c).",
            "Decide only when a majority of acceptors sent Accepted for your current ballot, and never change the decision afterwards. On timeout, start phase 1 again with a higher ballot unless you have decided.",
        ],
    },
    Exercise {
        name: "paxos",
        summary: "your acceptor and your proposer together, with only the network supplied",
        crates: &["acceptor", "proposer"],
        hints: &[
            "Pass `paxos-tutor check acceptor` and `paxos-tutor check proposer` first: each is graded against a reference for the other part, so the messages it prints are sharper.",
            "Together, your two parts must agree on the messages: a Promise answers Prepare with the same ballot, Accepted answers Accept with the same ballot, and Nack carries the refused ballot.",
            "If only the combination fails, look at what your proposer does with a Nack or with silence from your acceptor, and whether your acceptor answers an equal ballot.",
        ],
    },
    Exercise {
        name: "multipaxos",
        summary: "a Multi-Paxos log: your acceptor over slots and your leader, with crash-restart",
        crates: &["multi-acceptor", "multi-leader"],
        hints: &[
            "The acceptor keeps one promise for every slot and, per slot, the highest-ballot proposal it accepted: an AcceptorRecord { promised, accepted }. Save it to the Disk before every reply; start() rebuilds from disk.load() alone.",
            "on_prepare(b, first): promise unless you promised a higher ballot, and report every proposal you accepted in a slot >= first. on_accept(b, slot, c): accept unless you promised a ballot greater than b: the promise is one for every slot, never kept per slot (Paxos Made Simple, section 3).",
            "The leader runs phase 1 once for every slot it does not know: Prepare { ballot, first } to every acceptor, first being the lowest slot it does not know chosen, with Ballot::new(round, self.id) above every round it used or saw in a Nack. Count distinct acceptors' promises for the current ballot only.",
            "With promises from a majority: in every slot a promise reported, propose the command of the highest-ballot proposal reported there; fill every other slot below the highest reported one with Command::Noop; then give each command you were handed and that is not in the log a slot of its own.",
            "While you lead (phase 1 done, no Nack and no timeout since), submit(op) sends Accept for the next free slot at once, with no Prepare: one round trip per command (Paxos Made Simple, section 3; Paxos Made Live, section 4.2).",
            "A slot is chosen when a majority of acceptors sent Accepted for the same ballot in it; chosen() shows only those and never forgets one. on_timeout: phase 1 again with a higher ballot, so a leader that keeps timing out leads again and finishes every slot.",
        ],
    },
];

/// The exercise called `name`, or a message listing the valid names.
pub fn find(name: &str) -> Result<&'static Exercise, String> {
    EXERCISES.iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<&str> = EXERCISES.iter().map(|e| e.name).collect();
        format!(
            "no exercise `{name}`; the exercises are: {}",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_and_explain() {
        assert_eq!(find("acceptor").unwrap().crates, &["acceptor"]);
        let err = find("raft").unwrap_err();
        assert!(
            err.contains("acceptor, proposer, paxos, multipaxos"),
            "{err}"
        );
        assert!(EXERCISES.iter().all(|e| e.hints.len() >= 3));
    }
}
