//! The question model: what a bank file holds, as Rust types. The YAML schema is documented in
//! `questions/README.md`; these types are its single definition (serde reads banks into them).

use serde::{Deserialize, Serialize};

/// One bank file: one topic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// Topic id, e.g. `paxos`; every question in the file belongs to it.
    pub topic: String,
    /// A title for people, e.g. "Single-decree Paxos".
    pub title: String,
    pub questions: Vec<Question>,
}

/// One question. `kind` decides which of the optional fields are required (see `questions/README.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, unique across all banks: `<topic>-<slug>`, lowercase, digits and dashes.
    pub id: String,
    /// Filled from the bank's `topic` when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub topic: String,
    /// 1 basic, 2 intermediate, 3 hard.
    pub difficulty: u8,
    pub kind: Kind,
    pub prompt: String,
    /// `single` and `multi`: the options, shown shuffled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// `order`: the steps in their correct order, shown shuffled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// The key. `single`: a letter (A = first choice); `multi`: a list of letters; `truefalse`:
    /// true or false; `numeric`: a number; `text`: the model answer; `order`: absent (the steps
    /// are the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// `numeric`: how far from `answer` still counts as right (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// `text`: the points a good answer makes; the learner grades themselves against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_points: Vec<String>,
    /// Why the answer is right (and, for `truefalse`, what the misconception gets wrong).
    pub explanation: String,
    /// At least one: the paper and section the facts come from.
    pub sources: Vec<Source>,
    /// Free-form tags (e.g. `misconception`, `liveness`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[cfg(test)]
impl Question {
    /// A minimal question for unit tests: difficulty 1, no choices, steps or key, one source.
    pub(crate) fn stub(id: &str, topic: &str, kind: Kind) -> Question {
        Question {
            id: id.into(),
            topic: topic.into(),
            difficulty: 1,
            kind,
            prompt: "?".into(),
            choices: vec![],
            steps: vec![],
            answer: None,
            tolerance: None,
            key_points: vec![],
            explanation: "e".into(),
            sources: vec![Source {
                reference: "pms".into(),
                section: "1".into(),
            }],
            tags: vec![],
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multi,
    Truefalse,
    Order,
    Numeric,
    Text,
    /// Generated from the reference model (never written in a bank file).
    Scenario,
}

/// A choice of a `single` or `multi` question.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    /// Why this option is right or wrong: shown after the answer.
    pub why: String,
}

/// The key of a question, in whichever shape its kind takes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Answer {
    Bool(bool),
    Number(f64),
    Letters(Vec<String>),
    Text(String),
}

/// Where a fact comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A key of the source table in `questions/README.md`, e.g. `pms`, `flp`, `raft`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Section, figure or page, e.g. "2.2", "Figure 8", "Theorem 1".
    pub section: String,
}

/// The primary sources a question may cite: key, full citation.
pub const SOURCES: &[(&str, &str)] = &[
    ("pms", "Lamport, Paxos Made Simple (ACM SIGACT News, 2001)"),
    ("ptp", "Lamport, The Part-Time Parliament (ACM TOCS, 1998)"),
    ("fast-paxos", "Lamport, Fast Paxos (Distributed Computing, 2006)"),
    ("flp", "Fischer, Lynch, Paterson, Impossibility of Distributed Consensus with One Faulty Process (JACM, 1985)"),
    ("dls", "Dwork, Lynch, Stockmeyer, Consensus in the Presence of Partial Synchrony (JACM, 1988)"),
    ("ben-or", "Ben-Or, Another Advantage of Free Choice: Completely Asynchronous Agreement Protocols (PODC, 1983)"),
    ("chandra-toueg", "Chandra, Toueg, Unreliable Failure Detectors for Reliable Distributed Systems (JACM, 1996)"),
    ("raft", "Ongaro, Ousterhout, In Search of an Understandable Consensus Algorithm (USENIX ATC, 2014)"),
    ("raft-thesis", "Ongaro, Consensus: Bridging Theory and Practice (PhD thesis, Stanford, 2014)"),
    ("paxos-vs-raft", "Howard, Mortier, Paxos vs Raft: Have We Reached Consensus on Distributed Consensus? (PaPoC, 2020)"),
    ("epaxos", "Moraru, Andersen, Kaminsky, There Is More Consensus in Egalitarian Parliaments (SOSP, 2013)"),
    ("epaxos-revisited", "Tollman, Park, Ousterhout, EPaxos Revisited (NSDI, 2021)"),
    ("sutra", "Sutra, On the Correctness of Egalitarian Paxos (Information Processing Letters, 2020)"),
    ("fpaxos", "Howard, Malkhi, Spiegelman, Flexible Paxos: Quorum Intersection Revisited (OPODIS, 2016)"),
    ("pml", "Chandra, Griesemer, Redstone, Paxos Made Live: An Engineering Perspective (PODC, 2007)"),
    ("pmmc", "van Renesse, Altinbuken, Paxos Made Moderately Complex (ACM Computing Surveys, 2015)"),
    ("vr", "Oki, Liskov, Viewstamped Replication (PODC, 1988)"),
    ("vrr", "Liskov, Cowling, Viewstamped Replication Revisited (MIT-CSAIL-TR-2012-021, 2012)"),
    ("zab", "Junqueira, Reed, Serafini, Zab: High-performance Broadcast for Primary-Backup Systems (DSN, 2011)"),
    ("chubby", "Burrows, The Chubby Lock Service for Loosely-Coupled Distributed Systems (OSDI, 2006)"),
    ("raft-dev-2015", "Ongaro, \"bug in single-server membership changes\" (raft-dev mailing list, July 2015)"),
    ("par", "Alagappan et al., Protocol-Aware Recovery for Consensus-Based Storage (FAST, 2018)"),
    ("generalized-paxos", "Lamport, Generalized Consensus and Paxos (MSR-TR-2005-33, 2005)"),
    ("mencius", "Mao, Junqueira, Marzullo, Mencius: Building Efficient Replicated State Machines for WANs (OSDI, 2008)"),
    ("pbft", "Castro, Liskov, Practical Byzantine Fault Tolerance (OSDI, 1999)"),
    ("linearizability", "Herlihy, Wing, Linearizability: A Correctness Condition for Concurrent Objects (ACM TOPLAS, 1990)"),
    ("cap", "Gilbert, Lynch, Brewer's Conjecture and the Feasibility of Consistent, Available, Partition-Tolerant Web Services (SIGACT News, 2002)"),
    ("chain-replication", "van Renesse, Schneider, Chain Replication for Supporting High Throughput and Availability (OSDI, 2004)"),
    ("paxos-commit", "Gray, Lamport, Consensus on Transaction Commit (ACM TODS, 2006)"),
    ("spanner", "Corbett et al., Spanner: Google's Globally-Distributed Database (OSDI, 2012)"),
    ("kleppmann-locks", "Kleppmann, How to do distributed locking (blog post, February 2016)"),
];
