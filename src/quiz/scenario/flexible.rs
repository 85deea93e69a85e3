use crate::quiz::model::Question;
pub fn build_safety(seed: u64) -> Question { super::paxos::build_quorum(seed) }
pub fn build_failures(seed: u64) -> Question { super::paxos::build_quorum(seed) }
pub fn build_quorum_size(seed: u64) -> Question { super::paxos::build_quorum(seed) }
