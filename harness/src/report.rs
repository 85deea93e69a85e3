//! The runner's result as JSON, written by hand (the harness uses only std). `paxos-tutor` reads it
//! with serde and renders it; the field names here are that interface.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::explore::{replay, Exhausted, Found};
use crate::nodes::Impls;
use crate::world::{message_str, node_name, Failure, Setup, Step};

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn json_list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(","))
}

/// One step of a counterexample, as the renderer needs it.
fn step_json(step: &Step, sent: &[String], calm: bool) -> String {
    let (kind, from, to, message) = match step {
        Step::Propose(p) => (
            "propose",
            node_name(crate::world::proposer_id(*p)),
            String::new(),
            String::new(),
        ),
        Step::Deliver(e) => (
            "deliver",
            node_name(e.from),
            node_name(e.to),
            message_str(&e.msg),
        ),
        Step::Duplicate(e) => (
            "duplicate",
            node_name(e.from),
            node_name(e.to),
            message_str(&e.msg),
        ),
        Step::Drop(e) => (
            "drop",
            node_name(e.from),
            node_name(e.to),
            message_str(&e.msg),
        ),
        Step::Crash(a) => (
            "crash",
            node_name(crate::world::acceptor_id(*a)),
            String::new(),
            String::new(),
        ),
        Step::Restart(a) => (
            "restart",
            node_name(crate::world::acceptor_id(*a)),
            String::new(),
            String::new(),
        ),
        Step::Timeout(p) => (
            "timeout",
            node_name(crate::world::proposer_id(*p)),
            String::new(),
            String::new(),
        ),
        Step::Stop(p) => (
            "stop",
            node_name(crate::world::proposer_id(*p)),
            String::new(),
            String::new(),
        ),
    };
    step_record(&step.describe(), kind, &from, &to, &message, sent, calm)
}

/// One step of a counterexample as the renderer reads it (any world's).
pub(crate) fn step_record(
    step: &str,
    kind: &str,
    from: &str,
    to: &str,
    message: &str,
    sent: &[String],
    calm: bool,
) -> String {
    format!(
        "{{\"step\":{},\"kind\":{},\"from\":{},\"to\":{},\"message\":{},\"sent\":{},\"calm\":{}}}",
        json_str(step),
        json_str(kind),
        json_str(from),
        json_str(to),
        json_str(message),
        json_list(sent.iter().map(|s| json_str(s))),
        calm
    )
}

/// Replay a found schedule step by step to record what each step sent, and the final states.
/// `shortest` says what was proven about its length (`None`: nothing: it is "a failing schedule").
/// The schedule must already have been checked to fail in a fresh world (see `runner`).
pub fn found_json(impls: Impls, f: &Found, shortest: Option<&str>) -> String {
    let setup: Rc<Setup> = f.setup(impls);
    // Replay once to learn the steps actually taken, then once more, step by step, to record.
    let r = replay(&setup, &f.steps, f.calm);
    let failure = r.failure.clone().unwrap_or_else(|| f.failure.clone());
    let mut steps_json = Vec::new();
    let mut nodes = Vec::new();
    if let Ok(mut w) = crate::world::World::new(setup.clone()) {
        for (i, s) in r.taken.iter().chain(&r.calm_taken).enumerate() {
            let calm = i >= r.taken.len();
            if calm && i == r.taken.len() && w.setup.sticky {
                // The calm phase starts with the messages not yet delivered lost.
                w = w.without_network();
            }
            let result = w.apply(s);
            let sent: Vec<String> = w.sent.iter().map(|e| e.describe()).collect();
            steps_json.push(step_json(s, &sent, calm));
            if result.is_err() {
                break;
            }
        }
        nodes = w.describe_nodes();
    }
    let (property, code, message, call) = match &failure {
        Failure::Violation(v) => (v.property, v.code, v.message.clone(), String::new()),
        Failure::Panic(p) => ("panic", "panic", p.message.clone(), p.call.clone()),
    };
    let replay_file = crate::trace::to_file(
        "replay",
        &json_free(&message),
        f.acceptors,
        f.proposers,
        f.sticky,
        f.jumper,
        f.calm,
        &r.taken,
    );
    format!(
        "{{\"property\":{},\"code\":{},\"message\":{},\"call\":{},\"origin\":{},\"lesson\":{},\"acceptors\":{},\"proposers\":{},\"network\":{},\"calm\":{},\"competitor\":{},\"shortest\":{},\"steps\":{},\"nodes\":{},\"replay\":{}}}",
        json_str(property),
        json_str(code),
        json_str(&message),
        json_str(&call),
        json_str(&f.origin),
        f.lesson.as_deref().map(json_str).unwrap_or_else(|| "null".into()),
        f.acceptors,
        f.proposers,
        json_str(if f.sticky { "set" } else { "queue" }),
        f.calm.map(|p| json_str(&node_name(crate::world::proposer_id(p)))).unwrap_or_else(|| "null".into()),
        if f.jumper {
            json_str(&node_name(crate::world::proposer_id(f.proposers - 1)))
        } else {
            "null".into()
        },
        shortest.map(json_str).unwrap_or_else(|| "null".into()),
        json_list(steps_json),
        json_list(nodes.iter().map(|n| json_str(n))),
        json_str(&replay_file)
    )
}

/// A one-line version of a message, safe as a trace `lesson:` value.
fn json_free(s: &str) -> String {
    s.replace(['\n', '#', ':'], " ")
}

pub fn exhausted_json(e: &Exhausted) -> String {
    format!(
        "{{\"acceptors\":{},\"proposers\":{},\"depth\":{},\"crashes\":{},\"timeouts\":{},\"depth_done\":{},\"complete\":{},\"closed\":{},\"unique\":{},\"generated\":{},\"seconds\":{:.3},\"stopped\":{},\"liveness_depth\":{},\"calm_phases\":{},\"takeover\":{}}}",
        e.bounds.acceptors,
        e.bounds.proposers,
        e.bounds.depth,
        e.bounds.crashes,
        e.bounds.timeouts,
        e.depth_done,
        e.complete,
        e.closed,
        e.unique,
        e.generated,
        e.seconds,
        e.stopped.as_deref().map(json_str).unwrap_or_else(|| "null".into()),
        e.liveness_depth,
        e.calm_phases,
        e.bounds
            .takeover
            .map_or_else(|| "null".to_string(), |t| t.early.to_string())
    )
}
