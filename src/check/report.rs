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
    /// The world searched: `None` for single-decree Paxos, `multipaxos` for the log.
    #[serde(default)]
    pub world: Option<String>,
    /// Multi-Paxos: the commands each leader's client submits, and the drop and duplicate budgets.
    #[serde(default)]
    pub ops: u32,
    #[serde(default)]
    pub drops: u32,
    #[serde(default)]
    pub duplicates: u32,
}

impl ExhaustiveRecord {
    fn is_multi(&self) -> bool {
        self.world.as_deref() == Some(paxos_harness::multi::runner::EXERCISE)
    }

    /// The sentence that says exactly what was proven.
    pub fn proven(&self) -> String {
        if self.is_multi() {
            return self.multi_proven();
        }
        format!(
            "{}; and {}",
            self.proven_safety(),
            self.liveness_clause(false)
        )
    }

    /// What liveness was checked from, one clause: for the JSON's `proven`, with the number of
    /// distinct calm phases; for a person (the report's line), short.
    pub fn liveness_clause(&self, person: bool) -> String {
        // An incomplete search counts states of a level it did not finish, which were not all
        // checked: then the depth is said.
        match (self.complete && self.liveness_depth >= self.depth_done, person) {
            (true, true) => {
                "from each of those states, once faults stop, each proposer alone decides".into()
            }
            (true, false) => format!(
                "from every one of those states, once faults stop, each proposer alone decides ({} distinct calm phases)",
                self.calm_phases
            ),
            (false, _) => format!(
                "from every state up to depth {}, once faults stop, each proposer alone decides",
                self.liveness_depth
            ),
        }
    }

    /// The same as [`proven`](Self::proven), short, for a person, one bound a line: the nodes,
    /// the depth, the faults and the states (the network model, common to every search, is said
    /// once by the report); then the takeover, the stop of an incomplete search, and liveness.
    pub fn proven_lines(&self) -> Vec<String> {
        if self.is_multi() {
            return self.multi_proven_lines();
        }
        let depth = if self.complete && self.closed {
            "every reachable state".to_string()
        } else if self.complete {
            format!("up to depth {}", self.depth)
        } else {
            format!("up to depth {}", self.depth_done)
        };
        let nodes = format!(
            "{}, {}, {depth}",
            count(self.acceptors as u64, "acceptor", "acceptors"),
            count(self.proposers as u64, "proposer", "proposers"),
        );
        let states = count(self.unique, "state", "states");
        let (crashes, timeouts) = (
            count(u64::from(self.crashes), "crash", "crashes"),
            count(u64::from(self.timeouts), "timeout", "timeouts"),
        );
        let mut lines = Vec::new();
        match self.takeover {
            None => lines.push(format!(
                "{nodes}, at most {crashes} and {timeouts}: {states}"
            )),
            Some(early) => {
                lines.push(format!("{nodes}: {states}"));
                lines.push(format!(
                    "takeover: {} take up to {}, then stop with their messages lost, and P{} takes over",
                    (1..self.proposers)
                        .map(|p| format!("P{p}"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    count(u64::from(early), "step", "steps"),
                    self.proposers
                ));
                lines.push(format!(
                    "faults: at most {crashes} after the takeover and {timeouts} in each turn"
                ));
            }
        }
        if !self.complete {
            lines.push(format!(
                "stopped before depth {}: {}",
                self.depth,
                grouped(self.stopped.as_deref().unwrap_or("the search stopped"))
            ));
        }
        lines.push(format!("liveness: {}", self.liveness_clause(true)));
        lines
    }

    /// The depth clause: every reachable state, up to the depth, or up to the depth finished.
    fn depth_words(&self) -> String {
        if self.complete && self.closed {
            "every reachable state".to_string()
        } else if self.complete {
            format!("up to depth {}", self.depth)
        } else {
            format!("up to depth {}", self.depth_done)
        }
    }

    /// Multi-Paxos: the liveness goal, for the JSON (with the calm phases) or a person.
    fn multi_liveness(&self, person: bool) -> String {
        let goal = "each leader alone gets every command submitted to it chosen and every slot below the highest chosen one filled";
        match (self.complete && self.liveness_depth >= self.depth_done, person) {
            (true, true) => format!("from each of those states, once faults stop, {goal}"),
            (true, false) => format!(
                "from every one of those states, once faults stop, {goal} ({} distinct calm phases)",
                self.calm_phases
            ),
            (false, _) => format!(
                "from every state up to depth {}, once faults stop, {goal}",
                self.depth_done
            ),
        }
    }

    /// Multi-Paxos: the faults of the search, one clause.
    fn multi_faults(&self) -> String {
        format!(
            "at most {}, {}, {} (each with its restart) and {}",
            count(u64::from(self.drops), "lost message", "lost messages"),
            count(
                u64::from(self.duplicates),
                "duplicated message",
                "duplicated messages"
            ),
            count(
                u64::from(self.crashes),
                "acceptor crash",
                "acceptor crashes"
            ),
            count(u64::from(self.timeouts), "timeout", "timeouts"),
        )
    }

    fn multi_proven(&self) -> String {
        let scope = format!(
            "{} acceptors and {} leaders, each leader's client submitting {}, messages delivered in any order, {}",
            self.acceptors,
            self.proposers,
            count(u64::from(self.ops), "command", "commands"),
            self.multi_faults()
        );
        let safety = match (self.complete, self.closed) {
            (true, true) => format!(
                "every schedule of {scope}: no violation (all {} reachable states)",
                self.unique
            ),
            (true, false) => format!(
                "every schedule up to depth {} with {scope}: no violation ({} unique states)",
                self.depth, self.unique
            ),
            (false, _) => format!(
                "every schedule up to depth {} with {scope}: no violation ({} unique states); {} before depth {}",
                self.depth_done,
                self.unique,
                self.stopped.as_deref().unwrap_or("the search stopped"),
                self.depth
            ),
        };
        format!("{safety}; and {}", self.multi_liveness(false))
    }

    fn multi_proven_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "{}, {} ({} each), {}: {}",
                count(self.acceptors as u64, "acceptor", "acceptors"),
                count(self.proposers as u64, "leader", "leaders"),
                count(u64::from(self.ops), "command", "commands"),
                self.depth_words(),
                count(self.unique, "state", "states")
            ),
            format!("faults: {}", self.multi_faults()),
        ];
        if !self.complete {
            lines.push(format!(
                "stopped before depth {}: {}",
                self.depth,
                grouped(self.stopped.as_deref().unwrap_or("the search stopped"))
            ));
        }
        lines.push(format!("liveness: {}", self.multi_liveness(true)));
        lines
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

/// `n` with a comma between thousands: 5873778 -> "5,873,778".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The harness's sentences for a person: every whole word of four digits or more, except a seed
/// (typed back as `--seed N`), with its thousands separated: "a budget of 5000 states" -> "a
/// budget of 5,000 states". Ballots `(1,P2)`, paths and `lib.rs:25` are not whole words.
pub fn grouped(text: &str) -> String {
    let mut prev = "";
    text.split(' ')
        .map(|w| {
            let out = match w.parse::<u64>() {
                Ok(n) if w.len() >= 4 && prev != "seed" && !w.starts_with('0') => thousands(n),
                _ => w.to_string(),
            };
            prev = w;
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` and the noun, singular for one: "1 proposer", "2 proposers", "1,200 states".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
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
    /// The compiler's warnings about the learner's crates, as it rendered them.
    pub warnings: Vec<String>,
}

/// The lesson for a kind of mistake: what the rule is, the hint to ask for, the quiz topic.
pub struct Lesson {
    pub text: &'static str,
    pub topic: &'static str,
}

/// The lesson for a failure of `code` in `exercise` (the Multi-Paxos world has its own codes,
/// some named like single-decree ones, with lessons about slots).
pub fn lesson_for(exercise: &str, code: &str) -> Lesson {
    if exercise == paxos_harness::multi::runner::EXERCISE {
        if let Some((text, topic)) = paxos_harness::multi::lessons::lesson(code) {
            return Lesson { text, topic };
        }
    }
    lesson(code)
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

/// The hint that covers a failure of `code` in `exercise`: the exercise whose hints hold it, and
/// its number (from 1). Only where a hint is really about the mistake (see the tests); a part the
/// learner did not write (the reference proposer in `acceptor`) is never pointed at.
pub fn covering_hint(exercise: &str, code: &str) -> Option<(&'static str, usize)> {
    let (part, n) = match (exercise, code) {
        ("multipaxos", c) => {
            let n = match c {
                "promise-hides-accepted" => 1,
                "promise-lower" | "promise-reports-unaccepted" | "accept-below-promise" => 2,
                "ballot-not-own"
                | "ballot-not-growing"
                | "accept-without-prepare"
                | "accept-without-quorum" => 3,
                "wrong-command" | "two-commands-one-ballot" => 4,
                "prepare-in-steady-state" | "submit-not-proposed" => 5,
                "learned-wrong" | "learned-not-chosen" | "learned-forgotten" => 6,
                _ => return None,
            };
            ("multipaxos", n)
        }
        ("paxos", "bad-reply") => ("paxos", 2),
        ("paxos", "liveness") => ("paxos", 3),
        ("acceptor", "liveness") => ("acceptor", 3),
        ("proposer", "liveness") => ("proposer", 5),
        (_, "promise-backwards") => ("acceptor", 4),
        (_, "accept-below-promise") => ("acceptor", 3),
        (_, "promise-hides-accepted" | "promise-invents" | "nack-invents") => ("acceptor", 2),
        (_, "accept-without-quorum") => ("proposer", 3),
        (_, "wrong-value") => ("proposer", 4),
        (_, "ballot-not-owned" | "ballot-shrinks") => ("proposer", 2),
        (_, "decided-unchosen" | "decided-changed") => ("proposer", 5),
        _ => return None,
    };
    let ex = super::exercises::find(exercise).ok()?;
    let source = super::exercises::find(part).ok()?;
    let written = part == exercise || ex.crates.contains(&part);
    (written && n <= source.hints.len()).then_some((source.name, n))
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

    /// Every code the harness reports (harness/src/world.rs) and panics.
    const CODES: &[&str] = &[
        "promise-backwards",
        "accept-below-promise",
        "promise-hides-accepted",
        "promise-invents",
        "nack-invents",
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
        "bad-request",
        "bad-message",
        "bad-destination",
        "panic",
    ];

    #[test]
    fn every_harness_code_has_its_own_lesson() {
        let panic_text = lesson("panic").text;
        for c in CODES.iter().filter(|&&c| c != "panic") {
            assert_ne!(
                lesson(c).text,
                panic_text,
                "{c} falls through to the panic lesson"
            );
        }
    }

    /// The words of the hint that make it the one about the mistake.
    fn about(exercise: &str, code: &str) -> Option<&'static str> {
        Some(match (exercise, code) {
            (_, "promise-backwards") => "disk.save(...) with your new promise",
            (_, "accept-below-promise") => "accept unless you promised a ballot GREATER than b",
            (_, "promise-hides-accepted" | "promise-invents") => {
                "The Promise carries the proposal you accepted"
            }
            (_, "nack-invents") => "Nack { ballot: b, promised }",
            ("acceptor", "liveness") => "Equal is accepted",
            ("proposer", "liveness") => "On timeout, start phase 1 again with a higher ballot",
            ("paxos", "liveness") => "whether your acceptor answers an equal ballot",
            ("paxos", "bad-reply") => "Accepted answers Accept with the same ballot",
            (_, "accept-without-quorum") => "Count acceptors, not messages",
            (_, "wrong-value") => "the value of the highest-ballot proposal they reported",
            (_, "ballot-not-owned") => "Ballots must be unique to you",
            (_, "ballot-shrinks") => "round above every round you have used",
            (_, "decided-unchosen") => "Decide only when a majority of acceptors sent Accepted",
            (_, "decided-changed") => "never change the decision",
            _ => return None,
        })
    }

    /// The acceptor's codes and the proposer's, by the part that makes them.
    fn part_of(code: &str) -> Option<&'static str> {
        match code {
            "promise-backwards"
            | "accept-below-promise"
            | "promise-hides-accepted"
            | "promise-invents"
            | "nack-invents" => Some("acceptor"),
            "accept-without-quorum"
            | "wrong-value"
            | "ballot-not-owned"
            | "ballot-shrinks"
            | "decided-unchosen"
            | "decided-changed" => Some("proposer"),
            _ => None,
        }
    }

    #[test]
    fn every_failure_with_a_hint_about_it_names_that_hint() {
        for ex in ["acceptor", "proposer", "paxos"] {
            for code in CODES {
                let got = covering_hint(ex, code);
                let own = part_of(code).is_none_or(|p| p == ex || ex == "paxos");
                match (about(ex, code), own) {
                    (Some(words), true) => {
                        let (part, n) = got.unwrap_or_else(|| panic!("{ex}/{code}: no hint"));
                        let hint = crate::check::exercises::find(part).unwrap().hints[n - 1];
                        assert!(
                            hint.contains(words),
                            "{ex}/{code}: hint {n} of {part} is not about it: {hint}"
                        );
                    }
                    _ => assert_eq!(got, None, "{ex}/{code}: no hint is about it"),
                }
            }
        }
        // The example: after the persistence bug, hint 4 of 5.
        assert_eq!(
            covering_hint("acceptor", "promise-backwards"),
            Some(("acceptor", 4))
        );
        // In the paxos exercise, an acceptor's mistake points at the acceptor's hints.
        assert_eq!(covering_hint("paxos", "wrong-value"), Some(("proposer", 4)));
    }

    #[test]
    fn numbers_in_the_harness_sentences_are_grouped() {
        assert_eq!(
            grouped("the state budget of 5000 states ran out"),
            "the state budget of 5,000 states ran out"
        );
        assert_eq!(
            grouped("random schedule 12345 (seed 98765): (1234,P1) at lib.rs:2500 in 600 s"),
            "random schedule 12,345 (seed 98765): (1234,P1) at lib.rs:2500 in 600 s"
        );
        assert_eq!(grouped("0123 999 1000"), "0123 999 1,000");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(5873778), "5,873,778");
        assert_eq!(thousands(4611686018427387904), "4,611,686,018,427,387,904");
        assert_eq!(count(1, "proposer", "proposers"), "1 proposer");
        assert_eq!(count(2, "proposer", "proposers"), "2 proposers");
        assert_eq!(count(0, "crash", "crashes"), "0 crashes");
        assert_eq!(count(12000, "state", "states"), "12,000 states");
    }

    /// A complete search of 3 acceptors and 2 proposers, one crash and one timeout.
    fn record(depth: u32, unique: u64) -> ExhaustiveRecord {
        ExhaustiveRecord {
            acceptors: 3,
            proposers: 2,
            depth,
            crashes: 1,
            timeouts: 1,
            depth_done: depth,
            complete: true,
            closed: false,
            unique,
            generated: unique * 4,
            seconds: 1.0,
            stopped: None,
            liveness_depth: 3,
            calm_phases: 0,
            takeover: None,
            world: None,
            ops: 0,
            drops: 0,
            duplicates: 0,
        }
    }

    #[test]
    fn multipaxos_searches_say_their_own_bounds() {
        let mut e = record(8, 868_815);
        e.world = Some("multipaxos".into());
        e.ops = 2;
        e.drops = 1;
        e.duplicates = 1;
        e.liveness_depth = u32::MAX;
        e.calm_phases = 37_548;
        assert_eq!(
            e.proven(),
            "every schedule up to depth 8 with 3 acceptors and 2 leaders, each leader's client submitting 2 commands, messages delivered in any order, at most 1 lost message, 1 duplicated message, 1 acceptor crash (each with its restart) and 1 timeout: no violation (868815 unique states); and from every one of those states, once faults stop, each leader alone gets every command submitted to it chosen and every slot below the highest chosen one filled (37548 distinct calm phases)"
        );
        assert_eq!(
            e.proven_lines(),
            [
                "3 acceptors, 2 leaders (2 commands each), up to depth 8: 868,815 states",
                "faults: at most 1 lost message, 1 duplicated message, 1 acceptor crash (each with its restart) and 1 timeout",
                "liveness: from each of those states, once faults stop, each leader alone gets every command submitted to it chosen and every slot below the highest chosen one filled",
            ]
        );
        // Stopped by a bound: only the depth finished, and why it stopped.
        e.complete = false;
        e.depth_done = 5;
        e.stopped = Some("it reached its bound of 2000 unique states".into());
        let lines = e.proven_lines();
        assert!(lines[0].contains("up to depth 5"), "{lines:?}");
        assert_eq!(
            lines[2],
            "stopped before depth 8: it reached its bound of 2,000 unique states"
        );
        assert!(
            lines[3].contains("from every state up to depth 5"),
            "{lines:?}"
        );
        assert!(e
            .proven()
            .contains("; it reached its bound of 2000 unique states before depth 8;"));
    }

    /// The takeover search's shape: P1 and P2 for 10 steps, then P3, to depth 14.
    fn as_takeover(e: &mut ExhaustiveRecord) {
        e.proposers = 3;
        e.depth = 14;
        e.crashes = 1;
        e.timeouts = 0;
        e.takeover = Some(10);
    }

    #[test]
    fn proven_lines_are_short_and_say_each_bound() {
        let mut e = record(9, 2712345);
        assert_eq!(
            e.proven_lines(),
            [
                "3 acceptors, 2 proposers, up to depth 9, at most 1 crash and 1 timeout: 2,712,345 states",
                "liveness: from every state up to depth 3, once faults stop, each proposer alone decides"
            ]
        );
        assert!(e
            .proven()
            .ends_with(&e.proven_lines()[1]["liveness: ".len()..]));
        e.complete = false;
        e.depth_done = 7;
        e.crashes = 0;
        e.timeouts = 2;
        e.stopped = Some("the state budget of 5000 states ran out".into());
        assert_eq!(
            e.proven_lines()[..2],
            [
                "3 acceptors, 2 proposers, up to depth 7, at most 0 crashes and 2 timeouts: 2,712,345 states",
                "stopped before depth 9: the state budget of 5,000 states ran out"
            ]
        );
        e.complete = true;
        e.closed = true;
        assert!(e.proven_lines()[0].contains(", every reachable state, "));
        e.closed = false;
        as_takeover(&mut e);
        assert_eq!(
            e.proven_lines(),
            [
                "3 acceptors, 3 proposers, up to depth 14: 2,712,345 states",
                "takeover: P1 and P2 take up to 10 steps, then stop with their messages lost, and P3 takes over",
                "faults: at most 1 crash after the takeover and 0 timeouts in each turn",
                "liveness: from every state up to depth 3, once faults stop, each proposer alone decides"
            ]
        );
        // Every line fits a 100-column report with its list marker.
        for l in e.proven_lines() {
            assert!(l.chars().count() + 4 <= 100, "{l}");
        }
    }

    #[test]
    fn proven_sentence_says_depth_and_budget() {
        let mut e = record(10, 1234);
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
        as_takeover(&mut e);
        assert_eq!(
            e.proven_safety(),
            "every schedule up to depth 14 with 3 acceptors and 3 proposers in which P1 and P2 take up to 10 steps, then stop with their messages lost, and P3 takes over, the network as the set of messages sent (loss, duplication, reordering), at most 1 crash after the takeover and 0 timeouts in each turn: no violation (1234 unique states)"
        );
    }
}
