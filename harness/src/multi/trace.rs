//! Named traces of the Multi-Paxos world: step selectors resolved against the enabled steps at
//! replay time, so a trace fits any implementation.
//!
//! One step per line; `#` starts a comment; the first comment line is the trace's description.
//! ```text
//! submit P1                      the next command of P1's client
//! timeout P1 | stop P2 | crash A1 | restart A1
//! deliver Prepare P1->A1         the first such message in flight (also: dup, drop)
//! deliver Accept s1 P1->A2       ... about slot 1
//! deliver * ->P1                 any message to P1 (the first in flight)
//! deliver Accept(2,P1 s1 x1) P1->A2   exactly this message (as a report writes it)
//! deliver-all                    deliver every deliverable message, oldest first, until none is left
//! calm P1                        (last line) faults stop; P1 alone must reach its goal
//! ```
//! A selector that matches no enabled step is skipped (the trace goes on), as in shrinking.

use super::{message_kind, message_slot, Step, World};
use crate::model::Model;
use crate::world::node_name;

/// One line of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Submit(usize),
    Timeout(usize),
    Stop(usize),
    Crash(usize),
    Restart(usize),
    /// verb (`deliver`, `dup`, `drop`), message kind (`*` any), slot, from, to (names; `*` any);
    /// or, with `exact`, the message as [`super::message_str`] writes it.
    Message {
        verb: String,
        exact: Option<String>,
        kind: String,
        slot: Option<u64>,
        from: Option<String>,
        to: Option<String>,
    },
    DeliverAll,
}

/// A named trace.
#[derive(Clone, Debug)]
pub struct Trace {
    pub name: String,
    pub description: String,
    pub acceptors: usize,
    pub ops: Vec<Vec<String>>,
    pub steps: Vec<Selector>,
    pub calm: Option<usize>,
}

fn index(s: &str, prefix: char) -> Result<usize, String> {
    s.strip_prefix(prefix)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .map(|n| n - 1)
        .ok_or_else(|| format!("`{s}` is not a {prefix}<number> node name"))
}

/// Parse a trace: a header of `# description`, `acceptors N`, `ops P1 x1 x2` lines, then steps.
pub fn parse(name: &str, text: &str) -> Result<Trace, String> {
    let mut t = Trace {
        name: name.to_string(),
        description: String::new(),
        acceptors: 3,
        ops: Vec::new(),
        steps: Vec::new(),
        calm: None,
    };
    for (n, raw) in text.lines().enumerate() {
        let at = |e: String| format!("{name}:{}: {e}", n + 1);
        let line = raw.trim();
        if let Some(c) = line.strip_prefix('#') {
            if t.description.is_empty() {
                t.description = c.trim().to_string();
            }
            continue;
        }
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if t.calm.is_some() {
            return Err(at("`calm` must be the last step".into()));
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        if let (Some(verb @ ("deliver" | "dup" | "drop")), Some(close)) =
            (w.first().copied(), line.rfind(')'))
        {
            // `deliver Accept(2,P1 s1 x1) P1->A2`: one exact message.
            let rest = line[verb.len()..].trim_start();
            let close = close - (line.len() - rest.len());
            let (msg, route) = (&rest[..=close], rest[close + 1..].trim());
            let (from, to) = route
                .split_once("->")
                .ok_or_else(|| at(format!("expected FROM->TO after `{msg}`, got `{route}`")))?;
            let kind = msg.split('(').next().unwrap_or("").to_string();
            if !["Prepare", "Promise", "Accept", "Accepted", "Nack"].contains(&kind.as_str()) {
                return Err(at(format!("`{msg}` is not a message")));
            }
            t.steps.push(Selector::Message {
                verb: verb.to_string(),
                exact: Some(msg.to_string()),
                kind,
                slot: None,
                from: Some(from.to_string()),
                to: Some(to.to_string()),
            });
            continue;
        }
        let sel = match w.as_slice() {
            // The parent's record of the sources a saved schedule was found with.
            ["sources:", _] => continue,
            ["acceptors", n] => {
                t.acceptors = n.parse().map_err(|_| at(format!("bad count `{n}`")))?;
                continue;
            }
            ["ops", p, ops @ ..] => {
                let p = index(p, 'P').map_err(at)?;
                if t.ops.len() <= p {
                    t.ops.resize(p + 1, Vec::new());
                }
                t.ops[p] = ops.iter().map(|s| s.to_string()).collect();
                continue;
            }
            ["submit", p] => Selector::Submit(index(p, 'P').map_err(at)?),
            ["timeout", p] => Selector::Timeout(index(p, 'P').map_err(at)?),
            ["stop", p] => Selector::Stop(index(p, 'P').map_err(at)?),
            ["crash", a] => Selector::Crash(index(a, 'A').map_err(at)?),
            ["restart", a] => Selector::Restart(index(a, 'A').map_err(at)?),
            ["calm", p] => {
                t.calm = Some(index(p, 'P').map_err(at)?);
                continue;
            }
            ["deliver-all"] => Selector::DeliverAll,
            [verb @ ("deliver" | "dup" | "drop"), kind, rest @ ..] => {
                let (slot, route) = match rest {
                    [s, r] => (
                        Some(
                            s.strip_prefix('s')
                                .and_then(|n| n.parse().ok())
                                .ok_or_else(|| at(format!("bad slot `{s}`")))?,
                        ),
                        *r,
                    ),
                    [r] => (None, *r),
                    _ => return Err(at(format!("expected `{verb} KIND [sN] FROM->TO`"))),
                };
                let (from, to) = route
                    .split_once("->")
                    .ok_or_else(|| at(format!("expected FROM->TO, got `{route}`")))?;
                let any = |s: &str| (!s.is_empty() && s != "*").then(|| s.to_string());
                Selector::Message {
                    verb: verb.to_string(),
                    exact: None,
                    kind: kind.to_string(),
                    slot,
                    from: any(from),
                    to: any(to),
                }
            }
            _ => return Err(at(format!("unknown step `{line}`"))),
        };
        t.steps.push(sel);
    }
    if t.ops.is_empty() {
        return Err(format!("{name}: no `ops P1 ...` line"));
    }
    Ok(t)
}

impl crate::model::Selector<World> for Selector {
    fn repeats(&self) -> bool {
        *self == Selector::DeliverAll
    }

    /// The step this selector picks in `w`, if one is enabled.
    fn resolve(&self, w: &World) -> Option<Step> {
        let step = match self {
            Selector::Submit(p) => Step::Submit(*p),
            Selector::Timeout(p) => Step::Timeout(*p),
            Selector::Stop(p) => Step::Stop(*p),
            Selector::Crash(a) => Step::Crash(*a),
            Selector::Restart(a) => Step::Restart(*a),
            Selector::DeliverAll => {
                let e = w
                    .network
                    .iter()
                    .find(|e| w.enabled(&Step::Deliver((*e).clone())))?;
                Step::Deliver(e.clone())
            }
            Selector::Message {
                verb,
                exact,
                kind,
                slot,
                from,
                to,
            } => {
                let e = w.network.iter().find(|e| {
                    exact
                        .as_ref()
                        .is_none_or(|m| *m == super::message_str(&e.msg))
                        && (kind == "*" || kind == message_kind(&e.msg))
                        && slot.is_none_or(|s| message_slot(&e.msg) == Some(s))
                        && from.as_ref().is_none_or(|f| *f == node_name(e.from))
                        && to.as_ref().is_none_or(|t| *t == node_name(e.to))
                })?;
                match verb.as_str() {
                    "deliver" => Step::Deliver(e.clone()),
                    "dup" => Step::Duplicate(e.clone()),
                    _ => Step::Drop(e.clone()),
                }
            }
        };
        w.enabled(&step).then_some(step)
    }
}

/// What a trace did: the concrete steps, the selectors that matched no enabled step (by line of
/// the trace's steps), and the failure it ended in.
pub struct Ran {
    pub steps: Vec<Step>,
    pub skipped: Vec<usize>,
    pub result: Result<(), crate::model::Failure>,
}

/// Run trace `t` from world `w` (its calm phase included, its steps after the lines'):
/// [`crate::model::run_trace`] on this world.
pub fn run(w: &World, t: &Trace) -> Ran {
    let r = crate::model::run_trace(w.clone(), &t.steps, 10_000, t.calm);
    let mut steps = r.steps;
    steps.extend(r.calm_steps);
    Ran {
        steps,
        skipped: r.skipped,
        result: r.result,
    }
}

/// A schedule as a trace file that [`parse`] reads back: the header (`# description`, the
/// acceptors, each leader's commands), every step exactly as taken, then `calm P<n>` when a calm
/// phase followed (its steps are the world's own and are not written).
pub fn to_file(
    description: &str,
    acceptors: usize,
    ops: &[Vec<String>],
    steps: &[Step],
    calm: Option<usize>,
) -> String {
    let mut out = format!(
        "# {}\nacceptors {acceptors}\n",
        description.replace(['\n', '#'], " ")
    );
    for (p, cmds) in ops.iter().enumerate() {
        out.push_str(&format!("ops P{} {}\n", p + 1, cmds.join(" ")));
    }
    for s in steps {
        if matches!(s, Step::Calm(_)) {
            break;
        }
        out.push_str(&s.describe());
        out.push('\n');
    }
    if let Some(p) = calm {
        out.push_str(&format!("calm P{}\n", p + 1));
    }
    out
}

/// The library of named traces.
pub fn library() -> Vec<Trace> {
    super::traces::LIBRARY
        .iter()
        .map(|(name, text)| parse(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}
