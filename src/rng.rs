//! The deterministic RNG, shared with the harness so there is one SplitMix64 in the project.

pub use paxos_harness::rng::Rng;
