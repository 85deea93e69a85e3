//! The grader's harness for paxos-tutor: a deterministic, sans-IO simulation of single-decree
//! and Multi-Paxos in which learner code is one part. Only std, so it builds offline in the grader's cache.
//!
//! - [`model`]: the explorers, generic over a protocol's world: traces, replay, random schedules,
//!   shrinking, breadth-first search.
//! - [`world`]: the single-decree world (nodes, disks, network, ghost state, property checks).
//! - [`explore`]: the single-decree world's traces, random schedules and search on [`model`].
//! - [`multi`]: the Multi-Paxos world on [`model`].
//! - [`trace`]: the trace language and the library of named scenarios.
//! - [`guard`]: panics and runaway calls in learner code.
//! - [`runner`]: the child process `paxos-tutor check` runs: phases, progress, the result.
//! - [`channel`]: its private channel with the parent: the request in, the result out.

pub mod channel;
pub mod explore;
pub mod guard;
pub mod hash;
pub mod model;
pub mod multi;
pub mod nodes;
pub mod probe;
pub mod report;
pub mod rng;
pub mod runner;
pub mod trace;
pub mod world;

pub use nodes::{acceptor_ctor, proposer_ctor, Impls, RefAcceptor, RefProposer};
