//! A check's outcome as data: what the harness reported (read from its JSON), the verdict, the
//! lesson that goes with each kind of mistake, and the JSON of the exercise contract.

use serde::{Deserialize, Serialize};

/// One step of a counterexample, as the harness recorded it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct StepRecord {
    pub step: String,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub message: String,
    pub sent: Vec<String>,
    pub calm: bool,
}

/// A failing schedule and what it broke.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FoundRecord {
    pub property: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub call: String,
    pub origin: String,
    pub lesson: Option<String>,
    pub acceptors: usize,
    pub proposers: usize,
    pub network: String,
    pub calm: Option<String>,
    /// What a breadth-first search proved about its length: the sentence, or `None` when no
    /// search completed (then it is "a failing schedule", not "the shortest").
    #[serde(default)]
    pub shortest: Option<String>,
    /// The harness's huge-round competitor (a reference proposer from round 2^62), if any.
    #[serde(default)]
    pub competitor: Option<String>,
    pub steps: Vec<StepRecord>,
    pub nodes: Vec<String>,
    pub replay: String,
}

/// What the exhaustive search established for one configuration.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ExhaustiveRecord {
    pub acceptors: usize,
    pub proposers: usize,
    pub depth: u32,
    pub crashes: u32,
    pub timeouts: u32,
    pub depth_done: u32,
    pub complete: bool,
    pub closed: bool,
    pub unique: u64,
    pub generated: u64,
    pub seconds: f64,
    pub stopped: Option<String>,
    /// Liveness was checked from every state up to this depth.
    #[serde(default)]
    pub liveness_depth: u32,
    /// Distinct calm phases those liveness checks ran.
    #[serde(default)]
    pub calm_phases: u64,
    /// The takeover search: the proposers before the last ran for up to this many steps.
    #[serde(default)]
    pub takeover: Option<u32>,
}

impl ExhaustiveRecord {
    /// The sentence that says exactly what was proven.
    pub fn proven(&self) -> String {
        if self.liveness_depth >= self.depth_done {
            format!(
                "{}; and from every one of those states, once faults stop, each proposer alone decides ({} distinct calm phases)",
                self.proven_safety(),
                self.calm_phases
            )
        } else {
            format!(
                "{}; and from every state up to depth {}, once faults stop, each proposer alone decides",
                self.proven_safety(),
                self.liveness_depth
            )
        }
    }

    fn proven_safety(&self) -> String {
        let (takeover, crashes_when, timeouts_when) = match self.takeover {
            Some(early) => (
                format!(
                    " in which {} take up to {early} steps, then stop with their messages lost, and P{} takes over",
                    (1..self.proposers)
                        .map(|p| format!("P{p}"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    self.proposers
                ),
                " after the takeover",
                " in each turn",
            ),
            None => (String::new(), "", ""),
        };
        let scope = format!(
            "{} acceptors and {} proposers{takeover}, the network as the set of messages sent (loss, duplication, reordering), at most {} crash{}{crashes_when} and {} timeout{}{timeouts_when}",
            self.acceptors,
            self.proposers,
            self.crashes,
            if self.crashes == 1 { "" } else { "es" },
            self.timeouts,
            if self.timeouts == 1 { "" } else { "s" }
        );
        if self.complete {
            if self.closed {
                format!(
                    "every schedule of {scope}: no violation (all {} reachable states)",
                    self.unique
                )
            } else {
                format!(
                    "every schedule up to depth {} with {scope}: no violation ({} unique states)",
                    self.depth, self.unique
                )
            }
        } else {
            format!(
                "every schedule up to depth {} with {scope}: no violation ({} unique states); {} before depth {}",
                self.depth_done,
                self.unique,
                self.stopped.as_deref().unwrap_or("the search stopped"),
                self.depth
            )
        }
    }
}

/// The harness's result file.
#[derive(Debug, Clone, Deserialize)]
pub struct RunnerResult {
    pub verdict: String,
    pub schedules: u64,
    #[serde(default)]
    pub traces: u64,
    #[serde(default)]
    pub random: u64,
    pub timeout: Option<String>,
    pub violation: Option<FoundRecord>,
    #[serde(default)]
    pub exhaustive: Vec<ExhaustiveRecord>,
    #[serde(default)]
    pub error: Option<String>,
    /// `incomplete`: what was not proven, one sentence each.
    #[serde(default)]
    pub incomplete: Vec<String>,
}

/// The verdicts of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Nothing broke, but not every bound was explored to the end (a budget stopped it), or
    /// what the search found does not replay from scratch: what was proven, and what not.
    Incomplete,
    CompileError,
    Timeout,
    Panic,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
            Verdict::CompileError => "compile-error",
            Verdict::Timeout => "timeout",
            Verdict::Panic => "panic",
        }
    }
}

/// Everything a check found, ready to render as text or JSON.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exercise: String,
    pub verdict: Verdict,
    pub schedules: u64,
    /// Of which: library traces, and random schedules.
    pub traces: u64,
    pub random: u64,
    pub seed: u64,
    /// `fail` and `panic`: the shortest failing schedule found.
    pub found: Option<FoundRecord>,
    /// `compile-error`: the compiler's diagnostics.
    pub diagnostics: Option<String>,
    /// `timeout` and crashes: which call, and where.
    pub detail: Option<String>,
    pub exhaustive: Vec<ExhaustiveRecord>,
    /// `incomplete`: what was not proven.
    pub incomplete: Vec<String>,
    /// Where the failing schedule was saved for `--replay`.
    pub replay_file: Option<String>,
    /// `--replay`: the file replayed (instead of exploring).
    pub replayed: Option<String>,
    /// What the learner's code printed while the counterexample ran: (step, lines).
    pub printed: Vec<(String, Vec<String>)>,
}

/// The lesson for a kind of mistake: what the rule is, the hint to ask for, the quiz topic.
pub struct Lesson {
    pub text: &'static str,
    pub topic: &'static str,
}

pub fn lesson(code: &str) -> Lesson {
    let (text, topic) = match code {
        "promise-backwards" => ("A promise must survive a crash: save it to the Disk before you reply. After a restart, start() sees only what was saved (Paxos Made Simple, 2.2 and 2.5: the response is recorded in stable storage before it is sent).", "bugs"),
        "accept-below-promise" => ("An acceptor accepts Accept(n) unless it has promised a ballot greater than n. Once it promised n, nothing below n may be accepted, even after a restart (Paxos Made Simple, 2.2, P1a).", "paxos"),
        "promise-hides-accepted" | "promise-invents" => ("A Promise carries the highest-ballot proposal the acceptor has accepted: that is how a new proposer finds a value that may already be chosen. It must be saved before the Accepted reply, and reported exactly (Paxos Made Simple, 2.2, phase 1b).", "paxos"),
        "accept-without-quorum" => ("Phase 2 may start only once a majority of acceptors promised this ballot. Count distinct acceptors: the network duplicates messages (Paxos Made Simple, 2.2, phase 2a).", "bugs"),
        "wrong-value" => ("A proposer must propose the value of the highest-ballot proposal reported by the promises of a majority, and its own value only when none was reported (Paxos Made Simple, 2.2, P2c).", "paxos"),
        "two-values-one-ballot" => ("A ballot names one proposal: a proposer sends one value per ballot.", "paxos"),
        "ballot-not-owned" => ("Ballots must be unique to a proposer: use Ballot::new(round, your own id), so no two proposers ever share one (Paxos Made Simple, 2.5: different proposers choose their numbers from disjoint sets).", "bugs"),
        "ballot-shrinks" => ("A proposer's ballots grow: remember the highest round you have used and go above it (Paxos Made Simple, 2.5: each proposer remembers the highest-numbered proposal it has tried to issue).", "bugs"),
        "decided-unchosen" => ("A value is chosen only when a majority of acceptors accepted it at the same ballot. Learn only from a majority of Accepted replies for one ballot, counting each acceptor once (Paxos Made Simple, 2.3).", "bugs"),
        "decided-changed" => ("Once a value is chosen it stays chosen: a decision never changes and is never forgotten.", "paxos"),
        "agreement" => ("Two different values were chosen: the safety of consensus is broken (Paxos Made Simple, 2.1).", "paxos"),
        "validity" => ("Only a value some client proposed may be chosen (Paxos Made Simple, 2.1).", "paxos"),
        "liveness" => ("With a reliable network, a majority of acceptors up and one proposer retrying, Paxos must decide: retry with a ballot above any seen, and make sure an acceptor accepts a ballot equal to its promise (Paxos Made Simple, 2.4).", "flp"),
        "nack-invents" => ("A Nack tells the proposer which ballot to beat: it names the ballot the acceptor actually promised (or accepted), which is above the refused one. A made-up ballot sends proposers astray.", "paxos"),
        "bad-reply" | "bad-request" | "bad-message" | "bad-destination" => ("Messages follow the protocol: a reply carries the ballot of the request it answers, acceptors reply with Promise, Accepted or Nack, proposers send Prepare and Accept to acceptors.", "paxos"),
        _ => ("Your code panicked. A panic in a handler is a crash of that node at the worst moment; handle every message, including duplicates and stale ballots.", "bugs"),
    };
    Lesson { text, topic }
}

/// The JSON object of the exercise contract (and a few extra fields).
pub fn contract_json(o: &Outcome) -> serde_json::Value {
    let violations: Vec<serde_json::Value> = match (&o.found, o.verdict) {
        (Some(f), Verdict::Fail) => vec![serde_json::json!({
            "property": f.property,
            "message": f.message,
            "trace": f.steps.iter().map(|s| s.step.clone()).collect::<Vec<_>>(),
            "code": f.code,
            "origin": f.origin,
        })],
        _ => Vec::new(),
    };
    let mut v = serde_json::json!({
        "exercise": o.exercise,
        "verdict": o.verdict.as_str(),
        "violations": violations,
        "schedules": o.schedules,
        "seed": o.seed,
    });
    if let Some(d) = &o.diagnostics {
        v["diagnostics"] = serde_json::Value::String(d.clone());
    }
    if let (Some(f), Verdict::Panic) = (&o.found, o.verdict) {
        v["panic"] = serde_json::json!({
            "call": f.call,
            "message": f.message,
            "trace": f.steps.iter().map(|s| s.step.clone()).collect::<Vec<_>>(),
        });
    }
    if let Some(d) = &o.detail {
        v["detail"] = serde_json::Value::String(d.clone());
    }
    if !o.incomplete.is_empty() {
        v["incomplete"] = serde_json::json!(o.incomplete);
    }
    if let (Some(f), Verdict::Fail) = (&o.found, o.verdict) {
        v["shortest"] = serde_json::json!(f.shortest);
    }
    if !o.exhaustive.is_empty() {
        v["exhaustive"] = serde_json::json!(o
            .exhaustive
            .iter()
            .map(|e| serde_json::json!({"proven": e.proven(), "complete": e.complete, "depth": e.depth_done, "unique_states": e.unique, "acceptors": e.acceptors, "proposers": e.proposers, "takeover": e.takeover}))
            .collect::<Vec<_>>());
    }
    if let Some(r) = &o.replay_file {
        v["replay_file"] = serde_json::Value::String(r.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_harness_code_has_its_own_lesson() {
        let codes = [
            "promise-backwards",
            "accept-below-promise",
            "promise-hides-accepted",
            "promise-invents",
            "accept-without-quorum",
            "wrong-value",
            "two-values-one-ballot",
            "ballot-not-owned",
            "ballot-shrinks",
            "decided-unchosen",
            "decided-changed",
            "agreement",
            "validity",
            "liveness",
            "bad-reply",
            "nack-invents",
        ];
        let panic_text = lesson("panic").text;
        for c in codes {
            assert_ne!(
                lesson(c).text,
                panic_text,
                "{c} falls through to the panic lesson"
            );
        }
    }

    #[test]
    fn proven_sentence_says_depth_and_budget() {
        let mut e = ExhaustiveRecord {
            acceptors: 3,
            proposers: 2,
            depth: 10,
            crashes: 1,
            timeouts: 1,
            depth_done: 10,
            complete: true,
            closed: false,
            unique: 1234,
            generated: 5000,
            seconds: 1.0,
            stopped: None,
            liveness_depth: 3,
            calm_phases: 0,
            takeover: None,
        };
        assert!(e
            .proven()
            .starts_with("every schedule up to depth 10 with 3 acceptors and 2 proposers"));
        assert!(e.proven().ends_with(
            "; and from every state up to depth 3, once faults stop, each proposer alone decides"
        ));
        e.liveness_depth = 10;
        e.calm_phases = 321;
        assert!(e.proven().ends_with(
            "; and from every one of those states, once faults stop, each proposer alone decides (321 distinct calm phases)"
        ));
        e.liveness_depth = 3;
        e.complete = false;
        e.depth_done = 8;
        e.stopped = Some("the time budget of 8 s ran out".into());
        assert!(
            e.proven().contains("up to depth 8") && e.proven().contains("ran out before depth 10")
        );
        e.complete = true;
        e.proposers = 3;
        e.depth = 14;
        e.crashes = 1;
        e.timeouts = 0;
        e.takeover = Some(10);
        assert_eq!(
            e.proven_safety(),
            "every schedule up to depth 14 with 3 acceptors and 3 proposers in which P1 and P2 take up to 10 steps, then stop with their messages lost, and P3 takes over, the network as the set of messages sent (loss, duplication, reordering), at most 1 crash after the takeover and 0 timeouts in each turn: no violation (1234 unique states)"
        );
    }
}
