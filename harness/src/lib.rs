//! The grader's harness for paxos-tutor: a deterministic, sans-IO simulation of single-decree
//! Paxos in which learner code is one part. Only std, so it builds offline in the grader's cache.
//!
//! - [`world`]: the model (nodes, disks, network, ghost state) and the property checks.
//! - [`explore`]: traces, random schedules, shrinking and the exhaustive search.
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
