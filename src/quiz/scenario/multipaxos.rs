use crate::quiz::model::Question;
pub fn build_phase1(seed: u64) -> Question { super::paxos::build_quorum(seed) }
pub fn build_chosen(seed: u64) -> Question { super::paxos::build_quorum(seed) }
