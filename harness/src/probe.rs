//! A cheap look, before any search, at whether the learner's types behave as the exhaustive
//! search assumes. The search clones nodes to explore schedules side by side and tells states
//! apart by their `Debug` text, so it relies on three things:
//!
//! - a clone owns its state: calling a clone leaves the original as it was (state behind an `Rc`,
//!   `RefCell`, `Arc` or a `static` is shared between clones, and breaks this);
//! - the same call on a node and on its clone gives the same result: the code keeps no state
//!   outside the node (a static counter, a clock, randomness);
//! - a proposer's `Debug` shows its state: `propose()` changes what it prints.
//!
//! The probe drives one node of each learner type through a short scripted exchange (against the
//! reference nodes) and checks the three at every call. It finds only what that exchange shows;
//! whatever it misses, a counterexample is still replayed from scratch before it is shown.

use std::collections::VecDeque;
use std::rc::Rc;

use paxos_api::{Ballot, Disk, Message, NodeId, Outbox, Value};

use crate::guard::{self, CallKind};
use crate::nodes::{AcceptorDyn, Impls, ProposerDyn, RefAcceptor};
use crate::world::{acceptor_id, message_str, proposer_id};

/// What the probe found: the learner type and what it does that the search cannot explore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden {
    pub type_name: String,
    pub what: String,
}

fn debug_of(n: &dyn std::fmt::Debug, node: u32) -> Option<String> {
    guard::call(CallKind::Debug, node, || format!("{n:?}")).ok()
}

/// The probe's verdict: `None` when nothing was seen (or the learner's code panicked, which the
/// phases report properly).
pub fn hidden_state(impls: Impls) -> Option<Hidden> {
    if impls.learner_acceptor {
        if let Some(h) = probe_acceptor(impls) {
            return Some(h);
        }
    }
    if impls.learner_proposer {
        if let Some(h) = probe_proposer(impls) {
            return Some(h);
        }
    }
    None
}

fn shared(ty: &str, call: &str, before: &str, after: &str) -> Hidden {
    Hidden {
        type_name: ty.to_string(),
        what: format!(
            "calling {call} on a clone changed the original (it printed {before} and then {after}): the clones share their state (an Rc, RefCell, Arc or static). The grader clones nodes to explore schedules side by side, so each clone must own its state"
        ),
    }
}

fn outside(ty: &str, call: &str, what: String) -> Hidden {
    Hidden {
        type_name: ty.to_string(),
        what: format!(
            "the same {call} on a node and on its clone gave different results ({what}): the code keeps state outside the node (a static, a counter, a clock or randomness), so a schedule does not replay the same way twice"
        ),
    }
}

enum AccInput {
    Prepare(Ballot),
    Accept(Ballot, Value),
}

fn acc_call(n: &mut dyn AcceptorDyn, input: &AccInput, disk: &mut Disk) -> Option<Option<Message>> {
    let id = acceptor_id(0).0;
    match input {
        AccInput::Prepare(b) => guard::call(CallKind::OnPrepare, id, || n.on_prepare(*b, disk)),
        AccInput::Accept(b, v) => {
            let v = v.clone();
            guard::call(CallKind::OnAccept, id, || n.on_accept(*b, v, disk))
        }
    }
    .ok()
}

fn probe_acceptor(impls: Impls) -> Option<Hidden> {
    let id = acceptor_id(0);
    let mut disk = Disk::new();
    let mut node: Rc<dyn AcceptorDyn> = guard::call(CallKind::AcceptorStart, id.0, || {
        (impls.acceptor)(id, &disk)
    })
    .ok()?;
    let ty = node.type_name();
    let (p1, p2) = (proposer_id(0), proposer_id(1));
    let v = |s: &str| Value(s.to_string());
    let inputs = [
        AccInput::Prepare(Ballot::new(1, p1)),
        AccInput::Accept(Ballot::new(1, p1), v("v1")),
        AccInput::Prepare(Ballot::new(2, p2)),
        AccInput::Accept(Ballot::new(1, p1), v("v1")),
        AccInput::Prepare(Ballot::new(1, p1)),
        AccInput::Accept(Ballot::new(2, p2), v("v1")),
        AccInput::Prepare(Ballot::new(3, p1)),
        AccInput::Accept(Ballot::new(3, p1), v("v1")),
    ];
    for input in &inputs {
        let call = match input {
            AccInput::Prepare(_) => "on_prepare",
            AccInput::Accept(..) => "on_accept",
        };
        let before = debug_of(&*node, id.0)?;
        let mut clone = guard::call(CallKind::Clone, id.0, || node.clone_rc()).ok()?;
        let mut clone_disk = disk.clone();
        let c = Rc::get_mut(&mut clone)?;
        let from_clone = acc_call(c, input, &mut clone_disk)?;
        let after = debug_of(&*node, id.0)?;
        if after != before {
            return Some(shared(ty, call, &before, &after));
        }
        let o = Rc::get_mut(&mut node)?;
        let from_node = acc_call(o, input, &mut disk)?;
        let reply = |r: &Option<Message>| r.as_ref().map_or("nothing".into(), message_str);
        if from_node != from_clone {
            let what = format!(
                "{} from the node, {} from the clone",
                reply(&from_node),
                reply(&from_clone)
            );
            return Some(outside(ty, call, what));
        }
        if disk.load() != clone_disk.load() || disk.writes() != clone_disk.writes() {
            return Some(outside(ty, call, "they saved different records".into()));
        }
        let (dn, dc) = (debug_of(&*node, id.0)?, debug_of(&*clone, id.0)?);
        if dn != dc {
            return Some(outside(
                ty,
                call,
                format!("the node prints {dn}, the clone {dc}"),
            ));
        }
    }
    None
}

enum PropInput {
    Propose(Value),
    Reply(NodeId, Message),
    Timeout,
}

fn prop_call(n: &mut dyn ProposerDyn, input: &PropInput) -> Option<Vec<(NodeId, Message)>> {
    let id = proposer_id(0).0;
    let mut out = Outbox::new();
    match input {
        PropInput::Propose(v) => {
            let v = v.clone();
            guard::call(CallKind::Propose, id, || n.propose(v, &mut out))
        }
        PropInput::Reply(from, m) => {
            let (from, m) = (*from, m.clone());
            guard::call(CallKind::OnMessage, id, || n.on_message(from, m, &mut out))
        }
        PropInput::Timeout => guard::call(CallKind::OnTimeout, id, || n.on_timeout(&mut out)),
    }
    .ok()?;
    let mut sent = out.drain();
    sent.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| format!("{:?}", a.1).cmp(&format!("{:?}", b.1)))
    });
    Some(sent)
}

fn probe_proposer(impls: Impls) -> Option<Hidden> {
    let id = proposer_id(0);
    let acceptors: Vec<NodeId> = (0..3).map(acceptor_id).collect();
    let mut node: Rc<dyn ProposerDyn> = guard::call(CallKind::ProposerStart, id.0, || {
        (impls.proposer)(id, &acceptors)
    })
    .ok()?;
    let ty = node.type_name();
    // The reference acceptors answer what it sends; a timeout comes after the first exchange.
    let mut refs: Vec<(RefAcceptor, Disk)> = acceptors
        .iter()
        .map(|a| {
            let d = Disk::new();
            (<RefAcceptor as paxos_api::Acceptor>::start(*a, &d), d)
        })
        .collect();
    let mut inputs: VecDeque<PropInput> = VecDeque::from([PropInput::Propose(Value("v1".into()))]);
    let mut timeouts = 0;
    for _ in 0..24 {
        let input = match inputs.pop_front() {
            Some(i) => i,
            None if timeouts < 2 => {
                timeouts += 1;
                PropInput::Timeout
            }
            None => break,
        };
        let call = match input {
            PropInput::Propose(_) => "propose",
            PropInput::Reply(..) => "on_message",
            PropInput::Timeout => "on_timeout",
        };
        let before = debug_of(&*node, id.0)?;
        let mut clone = guard::call(CallKind::Clone, id.0, || node.clone_rc()).ok()?;
        let c = Rc::get_mut(&mut clone)?;
        let from_clone = prop_call(c, &input)?;
        let after = debug_of(&*node, id.0)?;
        if after != before {
            return Some(shared(ty, call, &before, &after));
        }
        let o = Rc::get_mut(&mut node)?;
        let from_node = prop_call(o, &input)?;
        let decided =
            |n: &dyn ProposerDyn| guard::call(CallKind::Decided, id.0, || n.decided()).ok();
        if from_node != from_clone || decided(&*node)? != decided(&*clone)? {
            let what = format!(
                "{} messages sent by the node, {} by the clone",
                from_node.len(),
                from_clone.len()
            );
            return Some(outside(ty, call, what));
        }
        let (dn, dc) = (debug_of(&*node, id.0)?, debug_of(&*clone, id.0)?);
        if dn != dc {
            return Some(outside(
                ty,
                call,
                format!("the node prints {dn}, the clone {dc}"),
            ));
        }
        if matches!(input, PropInput::Propose(_)) && dn == before {
            return Some(Hidden {
                type_name: ty.to_string(),
                what: format!(
                    "it printed {before} both before and after propose(): its Debug does not show its state. The exhaustive search tells states apart by their Debug text, so it cannot explore this proposer; derive Debug (or print every field)"
                ),
            });
        }
        for (to, m) in from_node {
            let a = acceptors.iter().position(|x| *x == to);
            let Some(a) = a else { continue };
            let (acc, disk) = &mut refs[a];
            let reply = match m {
                Message::Prepare { ballot } => paxos_api::Acceptor::on_prepare(acc, ballot, disk),
                Message::Accept { ballot, value } => {
                    paxos_api::Acceptor::on_accept(acc, ballot, value, disk)
                }
                _ => None,
            };
            if let Some(r) = reply {
                inputs.push_back(PropInput::Reply(to, r));
            }
        }
    }
    None
}
