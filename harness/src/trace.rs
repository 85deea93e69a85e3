//! Traces: named scenarios, each teaching one lesson, written in a strict subset of YAML (so the
//! std-only harness can read them and any YAML tool can too). Steps select messages by kind,
//! sender and receiver (optionally ballot), never by exact content, so one trace replays against
//! any implementation; a step that selects nothing is skipped.
//!
//! ```yaml
//! name: lost-promise
//! title: A lost Promise
//! lesson: |
//!   A lost Promise only delays the proposer: it retries with a higher ballot.
//! acceptors: 3
//! proposers: 1
//! calm: P1          # after the steps, P1 keeps timing out on a reliable network (liveness)
//! steps:
//!   - deliver Prepare P1->A1
//!   - drop Promise A1->P1
//! ```
//!
//! Step grammar: `deliver|dup|drop KIND[(ROUND,Pn)] FROM->TO` (KIND: Prepare, Promise, Accept,
//! Accepted, Nack or any; FROM and TO: a node or `*`), `deliver-all` (every message in flight,
//! oldest first), `crash A1`, `restart A1`, `timeout P1`, `stop P1`, `propose P1`.

use std::rc::Rc;

use paxos_api::Ballot;

use crate::world::{
    message_ballot, message_kind, node_name, proposer_id, Env, Step, World, PROPOSER_BASE,
};

/// A parsed trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    pub name: String,
    pub title: String,
    pub lesson: String,
    pub acceptors: usize,
    pub proposers: usize,
    /// Proposer index that keeps timing out after the steps (liveness), if any.
    pub calm: Option<usize>,
    /// The network as the set of messages sent (exhaustive counterexamples) instead of a queue.
    pub sticky: bool,
    /// Proposers propose only in `propose` steps, instead of all at the start.
    pub manual_propose: bool,
    /// The last proposer is the harness's huge-round competitor (`competitor: jumper`).
    pub jumper: bool,
    /// The violation codes the lesson is about (`teaches: code, code`): the lesson is shown only
    /// with a failure of one of them.
    pub teaches: Vec<String>,
    /// A saved counterexample: the hash of the learner's sources it was found with.
    pub sources: Option<String>,
    pub steps: Vec<Selector>,
}

/// One step of a trace, resolved against the world when it is replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Message {
        verb: Verb,
        kind: Option<String>,
        ballot: Option<Ballot>,
        from: Option<u32>,
        to: Option<u32>,
    },
    DeliverAll,
    Crash(usize),
    Restart(usize),
    Timeout(usize),
    Stop(usize),
    Propose(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Deliver,
    Dup,
    Drop,
}

/// The trace library carried inside the harness.
pub const LIBRARY: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/traces.rs"));

/// Parse every trace of the library (panics on a bad built-in trace: the build's tests prevent it).
pub fn library() -> Vec<Trace> {
    LIBRARY
        .iter()
        .map(|(file, text)| parse(text).unwrap_or_else(|e| panic!("built-in trace {file}: {e}")))
        .collect()
}

fn parse_node(s: &str) -> Result<Option<u32>, String> {
    if s == "*" {
        return Ok(None);
    }
    // By characters, not bytes: an empty or non-ASCII name is an error, not a panic.
    let mut chars = s.chars();
    let kind = chars.next();
    let n: u32 = chars
        .as_str()
        .parse()
        .map_err(|_| format!("`{s}` is not a node (A1, P2 or *)"))?;
    match kind {
        Some('A') if (1..PROPOSER_BASE).contains(&n) => Ok(Some(n)),
        Some('P') if (1..=u32::MAX - PROPOSER_BASE).contains(&n) => Ok(Some(PROPOSER_BASE + n)),
        _ => Err(format!("`{s}` is not a node (A1, P2 or *)")),
    }
}

fn parse_index(s: &str, prefix: char) -> Result<usize, String> {
    s.strip_prefix(prefix)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .map(|n| n - 1)
        .ok_or_else(|| {
            format!(
                "`{s}` is not {}",
                if prefix == 'A' {
                    "an acceptor (A1, A2, …)"
                } else {
                    "a proposer (P1, P2, …)"
                }
            )
        })
}

/// Parse one step line.
pub fn parse_step(line: &str) -> Result<Selector, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["deliver-all"] => Ok(Selector::DeliverAll),
        ["crash", a] => Ok(Selector::Crash(parse_index(a, 'A')?)),
        ["restart", a] => Ok(Selector::Restart(parse_index(a, 'A')?)),
        ["timeout", p] => Ok(Selector::Timeout(parse_index(p, 'P')?)),
        ["stop", p] => Ok(Selector::Stop(parse_index(p, 'P')?)),
        ["propose", p] => Ok(Selector::Propose(parse_index(p, 'P')?)),
        [verb, kind, route] => {
            let verb = match *verb {
                "deliver" => Verb::Deliver,
                "dup" => Verb::Dup,
                "drop" => Verb::Drop,
                v => return Err(format!("unknown step `{v}`")),
            };
            let (kind, ballot) = match kind.split_once('(') {
                None => (*kind, None),
                Some((k, rest)) => {
                    let inner = rest
                        .strip_suffix(')')
                        .ok_or_else(|| format!("`{kind}`: missing `)`"))?;
                    let (round, owner) = inner
                        .split_once(',')
                        .ok_or_else(|| format!("`{kind}`: a ballot is (ROUND,Pn)"))?;
                    let round: u64 = round.parse().map_err(|_| format!("`{kind}`: bad round"))?;
                    let owner = parse_node(owner)?
                        .filter(|n| *n > PROPOSER_BASE)
                        .ok_or("a ballot's owner is a proposer")?;
                    (k, Some(Ballot::new(round, paxos_api::NodeId(owner))))
                }
            };
            let kind = match kind {
                "any" => None,
                "Prepare" | "Promise" | "Accept" | "Accepted" | "Nack" => Some(kind.to_string()),
                k => {
                    return Err(format!(
                    "unknown message kind `{k}` (Prepare, Promise, Accept, Accepted, Nack or any)"
                ))
                }
            };
            let (from, to) = route
                .split_once("->")
                .ok_or_else(|| format!("`{route}`: expected FROM->TO"))?;
            Ok(Selector::Message {
                verb,
                kind,
                ballot,
                from: parse_node(from)?,
                to: parse_node(to)?,
            })
        }
        _ => Err(format!("cannot read step `{line}`")),
    }
}

/// Parse a trace file. Errors name the line.
pub fn parse(text: &str) -> Result<Trace, String> {
    let mut t = Trace {
        name: String::new(),
        title: String::new(),
        lesson: String::new(),
        acceptors: 3,
        proposers: 2,
        calm: None,
        sticky: false,
        manual_propose: false,
        jumper: false,
        teaches: Vec::new(),
        sources: None,
        steps: Vec::new(),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let unquote = |s: &str| -> String {
        let s = s.trim();
        if s.len() >= 2
            && ((s.starts_with('"') && s.ends_with('"'))
                || (s.starts_with('\'') && s.ends_with('\'')))
        {
            s[1..s.len() - 1].to_string()
        } else {
            s.to_string()
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let lineno = i + 1;
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("line {lineno}: expected `key: value`"))?;
        if key.starts_with(' ') {
            return Err(format!("line {lineno}: unexpected indentation"));
        }
        let value = value.split(" #").next().unwrap_or("").trim();
        let block = |i: &mut usize| -> Vec<String> {
            let mut out = Vec::new();
            while *i < lines.len() && (lines[*i].starts_with(' ') || lines[*i].trim().is_empty()) {
                out.push(lines[*i].trim().to_string());
                *i += 1;
            }
            while out.last().is_some_and(|l| l.is_empty()) {
                out.pop();
            }
            out
        };
        let num = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("line {lineno}: `{key}` takes a number"))
        };
        match key {
            "name" => t.name = unquote(value),
            "title" => t.title = unquote(value),
            "lesson" => {
                t.lesson = if value == "|" || value == ">" {
                    let sep = if value == "|" { "\n" } else { " " };
                    block(&mut i).join(sep)
                } else {
                    unquote(value)
                }
            }
            "acceptors" => t.acceptors = num(value)?,
            "proposers" => t.proposers = num(value)?,
            "calm" => {
                t.calm = match value {
                    "none" | "" => None,
                    p => Some(parse_index(p, 'P').map_err(|e| format!("line {lineno}: {e}"))?),
                }
            }
            "network" => {
                t.sticky = match value {
                    "queue" => false,
                    "set" => true,
                    v => {
                        return Err(format!(
                            "line {lineno}: network is `queue` or `set`, not `{v}`"
                        ))
                    }
                }
            }
            "propose" => {
                t.manual_propose = match value {
                    "all" => false,
                    "manual" => true,
                    v => {
                        return Err(format!(
                            "line {lineno}: propose is `all` or `manual`, not `{v}`"
                        ))
                    }
                }
            }
            "competitor" => {
                t.jumper = match value {
                    "jumper" => true,
                    "none" => false,
                    v => {
                        return Err(format!(
                            "line {lineno}: competitor is `jumper` or `none`, not `{v}`"
                        ))
                    }
                }
            }
            "teaches" => {
                t.teaches = value
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            }
            "sources" => t.sources = Some(unquote(value)),
            "steps" => {
                let first = i;
                for (k, item) in block(&mut i).iter().enumerate() {
                    if item.is_empty() || item.starts_with('#') {
                        continue;
                    }
                    let step = item
                        .strip_prefix("- ")
                        .ok_or_else(|| format!("line {}: a step is `- STEP`", first + k + 1))?;
                    let step = unquote(step.split(" #").next().unwrap_or(""));
                    t.steps.push(
                        parse_step(&step).map_err(|e| format!("line {}: {e}", first + k + 1))?,
                    );
                }
            }
            k => return Err(format!("line {lineno}: unknown key `{k}`")),
        }
    }
    if t.name.is_empty() {
        return Err("missing `name`".into());
    }
    if !(1..=9).contains(&t.acceptors) || !(1..=9).contains(&t.proposers) {
        return Err("acceptors and proposers: 1 to 9".into());
    }
    if t.calm.is_some_and(|p| p >= t.proposers) {
        return Err("`calm` names a proposer the trace does not have".into());
    }
    Ok(t)
}

impl Selector {
    /// The concrete steps this selector stands for in `world` now (none when nothing matches).
    /// `deliver-all` resolves one delivery at a time; the caller repeats it.
    pub fn resolve(&self, world: &World) -> Option<Step> {
        <Self as crate::model::Selector<World>>::resolve(self, world)
    }
}

impl crate::model::Selector<World> for Selector {
    fn repeats(&self) -> bool {
        *self == Selector::DeliverAll
    }

    fn resolve(&self, world: &World) -> Option<Step> {
        match self {
            Selector::Message {
                verb,
                kind,
                ballot,
                from,
                to,
            } => {
                let matches = |e: &Env| {
                    kind.as_deref().is_none_or(|k| k == message_kind(&e.msg))
                        && ballot.is_none_or(|b| b == message_ballot(&e.msg))
                        && from.is_none_or(|f| f == e.from.0)
                        && to.is_none_or(|t| t == e.to.0)
                        && (*verb == Verb::Drop || world.node_up(e.to))
                };
                let e: Rc<Env> = world.net.iter().find(|e| matches(e))?.clone();
                Some(match verb {
                    Verb::Deliver => Step::Deliver(e),
                    Verb::Dup => Step::Duplicate(e),
                    Verb::Drop => Step::Drop(e),
                })
            }
            Selector::DeliverAll => {
                let e = world.net.iter().find(|e| world.node_up(e.to))?.clone();
                Some(Step::Deliver(e))
            }
            Selector::Crash(a) => Some(Step::Crash(*a)),
            Selector::Restart(a) => Some(Step::Restart(*a)),
            Selector::Timeout(p) => Some(Step::Timeout(*p)),
            Selector::Stop(p) => Some(Step::Stop(*p)),
            Selector::Propose(p) => Some(Step::Propose(*p)),
        }
        .filter(|s| world.enabled(s))
    }
}

/// A concrete step as a trace line, exact enough to replay the same schedule.
pub fn exact_line(step: &Step) -> String {
    step.describe()
}

/// Write a schedule as a replayable trace file.
#[allow(clippy::too_many_arguments)]
pub fn to_file(
    name: &str,
    lesson: &str,
    acceptors: usize,
    proposers: usize,
    sticky: bool,
    jumper: bool,
    calm: Option<usize>,
    steps: &[Step],
) -> String {
    let mut s = format!("name: {name}\nlesson: {lesson}\nacceptors: {acceptors}\nproposers: {proposers}\npropose: manual\n");
    s.push_str(if sticky {
        "network: set\n"
    } else {
        "network: queue\n"
    });
    if jumper {
        s.push_str("competitor: jumper\n");
    }
    if let Some(p) = calm {
        s.push_str(&format!("calm: {}\n", node_name(proposer_id(p))));
    }
    s.push_str("steps:\n");
    for step in steps {
        s.push_str(&format!("  - {}\n", exact_line(step)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_node_names_are_errors_not_panics() {
        for route in [
            "->A1",
            "P1->",
            "é1->A1",
            "P1->Ä2",
            "P99999999999->A1",
            "A0->P1",
            "A100->P1",
        ] {
            let err = parse_step(&format!("deliver Prepare {route}")).unwrap_err();
            assert!(err.contains("is not a node"), "{route}: {err}");
        }
        assert!(parse_step("deliver Prepare(1,é)  P1->A1").is_err());
        assert!(parse_step("deliver Prepare P1->A1").is_ok());
    }
}
