//! A reference model of a new Multi-Paxos leader's phase 1 over many instances, as in Lamport,
//! *Paxos Made Simple* §3. Pure functions; [`super::multipaxos`] asks them for every key.
//!
//! - [`plan`] (PMS §3, with the phase 2(a) rule of §2.2 applied per instance): one phase 1 covers
//!   every instance. For each instance it has not learned, the new leader must propose the value
//!   of the highest-numbered proposal reported for that instance by the majority that answered;
//!   an instance below the highest one it knows about with no report at all is a gap it fills with
//!   a no-op ("it fills the gaps ... by proposing ... a special no-op command"); instances it has
//!   learned are chosen already and need nothing.
//! - [`chosen_slots`] (PMS §2.2 per instance): an instance's value is chosen when one proposal
//!   (one ballot) with that value has been accepted by a majority of the acceptors.

use std::collections::BTreeMap;

use super::paxos_model::{chosen, AcceptorId, Ballot, Proposal, Value};

/// An instance (a slot of the log), 1-based.
pub type Slot = u32;

/// What one acceptor reported in its promise: its highest-numbered accepted proposal per slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotPromise {
    pub from: AcceptorId,
    pub accepted: BTreeMap<Slot, Proposal>,
}

/// What the new leader sends in phase 2 for one slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Plan {
    /// It must propose this command.
    Propose(Value),
    /// Unconstrained: it fills the gap with a no-op.
    NoOp,
}

/// PMS §3: the new leader's phase 2 for every slot up to the highest slot it knows of (reported
/// or learned), except the slots it has learned. `promises` come from a majority.
pub fn plan(promises: &[SlotPromise], learned: &BTreeMap<Slot, Value>) -> BTreeMap<Slot, Plan> {
    let top = promises
        .iter()
        .flat_map(|p| p.accepted.keys().copied())
        .chain(learned.keys().copied())
        .max()
        .unwrap_or(0);
    (1..=top)
        .filter(|s| !learned.contains_key(s))
        .map(|s| {
            let highest = promises
                .iter()
                .filter_map(|p| p.accepted.get(&s))
                .max_by_key(|p| p.ballot);
            (s, highest.map_or(Plan::NoOp, |p| Plan::Propose(p.value)))
        })
        .collect()
}

/// PMS §2.2 per slot: the chosen value of each slot, given every proposal each acceptor has
/// accepted in it (`histories[slot][acceptor]`). Slots with nothing chosen are left out.
pub fn chosen_slots(histories: &BTreeMap<Slot, Vec<Vec<Proposal>>>) -> BTreeMap<Slot, Value> {
    histories
        .iter()
        .filter_map(|(s, h)| chosen(h).first().map(|v| (*s, *v)))
        .collect()
}

/// The ballot shown for leader `i` (1-based), round `i`: (i, Pi).
pub fn leader_ballot(i: u32) -> Ballot {
    Ballot::new(i as u64, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pms_section_3_example() {
        // Learned 1-2 and 5; slot 3 reported at two ballots, slot 4 a gap, slot 6 reported.
        let p = |b: u32, v: u32| Proposal::new(leader_ballot(b), Value(v));
        let promises = vec![
            SlotPromise {
                from: AcceptorId(1),
                accepted: [(3, p(1, 7)), (6, p(2, 9))].into_iter().collect(),
            },
            SlotPromise {
                from: AcceptorId(2),
                accepted: [(3, p(2, 8))].into_iter().collect(),
            },
        ];
        let learned: BTreeMap<Slot, Value> = [(1, Value(1)), (2, Value(2)), (5, Value(5))]
            .into_iter()
            .collect();
        let got = plan(&promises, &learned);
        let want: BTreeMap<Slot, Plan> = [
            (3, Plan::Propose(Value(8))),
            (4, Plan::NoOp),
            (6, Plan::Propose(Value(9))),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want);
    }
}
