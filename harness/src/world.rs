//! The one model every explorer drives: acceptors (with their disks), proposers, the network, and
//! the ghost state that the properties are checked against after every step.
//!
//! A [`Step`] is one atomic event. [`World::apply`] runs it, calls learner code through the guard,
//! and returns the first property it breaks. The network has two modes: a *queue* (messages in
//! flight: a delivery consumes one copy, `Duplicate` keeps it, `Drop` loses it), used by traces and
//! random schedules, and a *set* of every message ever sent (a delivery never consumes, so any
//! message can arrive zero, one or many times, in any order), used by the exhaustive search.

use std::fmt::Write as _;
use std::rc::Rc;

use paxos_api::{Ballot, Disk, Message, NodeId, Outbox, Value};

use crate::guard::{self, CallKind, Panicked};
use crate::hash::{hash_debug, hash_of, Hashed, IdentityBuild, StableHasher};
use crate::model::{Fault, Model};
use crate::nodes::{AcceptorDyn, Impls, ProposerDyn};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Proposer ids start above this; acceptor ids are 1..=n.
pub const PROPOSER_BASE: u32 = 100;

pub fn acceptor_id(i: usize) -> NodeId {
    NodeId(i as u32 + 1)
}

pub fn proposer_id(i: usize) -> NodeId {
    NodeId(PROPOSER_BASE + i as u32 + 1)
}

/// `A1`, `A2`, … for acceptors, `P1`, `P2`, … for proposers.
pub fn node_name(id: NodeId) -> String {
    if id.0 > PROPOSER_BASE {
        format!("P{}", id.0 - PROPOSER_BASE)
    } else {
        format!("A{}", id.0)
    }
}

/// A node's name, formatted only when a message needs it (the checks run on every step).
#[derive(Clone, Copy)]
struct Name(NodeId);

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&node_name(self.0))
    }
}

/// A request, formatted only when a message needs it.
#[derive(Clone, Copy)]
struct Request<'a>(Ballot, Option<&'a Value>);

impl std::fmt::Display for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            None => write!(f, "Prepare {}", ballot_str(&self.0)),
            Some(v) => write!(f, "Accept {} {}", ballot_str(&self.0), v.0),
        }
    }
}

/// `(3,P1)`.
pub fn ballot_str(b: &Ballot) -> String {
    format!("({},{})", b.round, node_name(b.proposer))
}

pub fn proposal_str(p: &Option<(Ballot, Value)>) -> String {
    match p {
        None => "none".into(),
        Some((b, v)) => format!("{} {}", ballot_str(b), v.0),
    }
}

/// `Promise (3,P1) accepted=(2,P2) v2`, the way a person reads a message.
pub fn message_str(m: &Message) -> String {
    match m {
        Message::Prepare { ballot } => format!("Prepare {}", ballot_str(ballot)),
        Message::Promise { ballot, accepted } => {
            format!(
                "Promise {} accepted={}",
                ballot_str(ballot),
                proposal_str(accepted)
            )
        }
        Message::Accept { ballot, value } => format!("Accept {} {}", ballot_str(ballot), value.0),
        Message::Accepted { ballot } => format!("Accepted {}", ballot_str(ballot)),
        Message::Nack { ballot, promised } => {
            format!(
                "Nack {} promised={}",
                ballot_str(ballot),
                ballot_str(promised)
            )
        }
    }
}

/// The kind of a message, as traces name it.
pub fn message_kind(m: &Message) -> &'static str {
    match m {
        Message::Prepare { .. } => "Prepare",
        Message::Promise { .. } => "Promise",
        Message::Accept { .. } => "Accept",
        Message::Accepted { .. } => "Accepted",
        Message::Nack { .. } => "Nack",
    }
}

/// The ballot a message carries.
pub fn message_ballot(m: &Message) -> Ballot {
    match m {
        Message::Prepare { ballot }
        | Message::Promise { ballot, .. }
        | Message::Accept { ballot, .. }
        | Message::Accepted { ballot }
        | Message::Nack { ballot, .. } => *ballot,
    }
}

/// A message on the wire, with its hash computed once.
#[derive(Clone, Debug, Eq)]
pub struct Env {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub key: u64,
}

impl Env {
    pub fn new(from: NodeId, to: NodeId, msg: Message) -> Env {
        let key = hash_of(&(from, to, &msg));
        Env { from, to, msg, key }
    }

    /// Without the hash: queue mode compares content and never needs it.
    pub fn unkeyed(from: NodeId, to: NodeId, msg: Message) -> Env {
        Env {
            from,
            to,
            msg,
            key: 0,
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} {}->{}",
            message_str(&self.msg),
            node_name(self.from),
            node_name(self.to)
        )
    }
}

impl PartialEq for Env {
    fn eq(&self, o: &Env) -> bool {
        self.from == o.from && self.to == o.to && self.msg == o.msg
    }
}

/// One atomic event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The client asks proposer i to propose its value.
    Propose(usize),
    /// Deliver a message (in queue mode, consuming one copy).
    Deliver(Rc<Env>),
    /// Deliver a message and keep a copy in flight (queue mode).
    Duplicate(Rc<Env>),
    /// Lose a message (queue mode).
    Drop(Rc<Env>),
    /// Acceptor i crashes: everything but its disk is lost.
    Crash(usize),
    /// Acceptor i restarts from its disk.
    Restart(usize),
    /// Proposer i times out.
    Timeout(usize),
    /// Proposer i stops for good.
    Stop(usize),
}

impl Step {
    /// One line, in the words of the trace language (`deliver Prepare(1,P1) P1->A2`).
    pub fn describe(&self) -> String {
        let env = |verb: &str, e: &Env| {
            let b = message_ballot(&e.msg);
            format!(
                "{verb} {}({},{}) {}->{}",
                message_kind(&e.msg),
                b.round,
                node_name(b.proposer),
                node_name(e.from),
                node_name(e.to)
            )
        };
        match self {
            Step::Propose(p) => format!("propose {}", node_name(proposer_id(*p))),
            Step::Deliver(e) => env("deliver", e),
            Step::Duplicate(e) => env("dup", e),
            Step::Drop(e) => env("drop", e),
            Step::Crash(a) => format!("crash {}", node_name(acceptor_id(*a))),
            Step::Restart(a) => format!("restart {}", node_name(acceptor_id(*a))),
            Step::Timeout(p) => format!("timeout {}", node_name(proposer_id(*p))),
            Step::Stop(p) => format!("stop {}", node_name(proposer_id(*p))),
        }
    }
}

/// A proposal: a ballot and its value.
pub type Proposal = (Ballot, Value);

/// The properties of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    Agreement,
    Validity,
    LearnedMeansChosen,
    Conformance,
    Liveness,
}

impl Property {
    pub fn as_str(self) -> &'static str {
        match self {
            Property::Agreement => "agreement",
            Property::Validity => "validity",
            Property::LearnedMeansChosen => "learned-means-chosen",
            Property::Conformance => "conformance",
            Property::Liveness => "liveness",
        }
    }
}

/// A broken property and why a schedule failed: the same types for every world.
pub use crate::model::{Failure, Violation};

fn violation(property: Property, code: &'static str, message: String) -> Failure {
    crate::model::violation(property.as_str(), code, message)
}

/// What the harness knows of one acceptor, across crashes (learner state is opaque to it).
#[derive(Clone, Debug, Default)]
pub struct AccGhost {
    /// The highest ballot it ever promised (in a `Promise` reply).
    pub promised: Option<Ballot>,
    /// The highest-ballot proposal it ever accepted (replied `Accepted` to).
    pub accepted: Option<(Ballot, Value)>,
    /// Restarts so far (for messages only; not part of the state hash).
    pub restarts: u32,
    /// The restart count when `promised` / `accepted` were last raised (messages only).
    pub promised_at: u32,
    pub accepted_at: u32,
    /// What the disk held at the last restart (messages only).
    pub restart_disk: Option<paxos_api::AcceptorRecord>,
}

impl Hash for AccGhost {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.promised.hash(h);
        self.accepted.hash(h);
    }
}

/// What the harness knows of one proposer.
#[derive(Clone, Debug, Default, Hash)]
pub struct PropGhost {
    /// The client's value for this proposer.
    pub value: Option<Value>,
    /// The highest ballot it sent a `Prepare` for.
    pub max_prepare: Option<Ballot>,
    /// Promises delivered to it: (ballot, acceptor index, report), sorted, no duplicates.
    pub promises: Vec<(Ballot, usize, Option<Proposal>)>,
    /// `Accept` messages it sent: (ballot, value), sorted, no duplicates.
    pub accepts: Vec<(Ballot, Value)>,
    /// What `decided()` returned last.
    pub decided: Option<Value>,
}

/// The ghost state: who accepted what at which ballot, what was chosen, what each proposer did.
#[derive(Clone, Debug, Default, Hash)]
pub struct Ghost {
    /// Each part keeps its hash (see [`Hashed`]): a step changes one or two of them.
    pub acc: Rc<Vec<Rc<Hashed<AccGhost>>>>,
    pub prop: Rc<Vec<Rc<Hashed<PropGhost>>>>,
    /// (ballot, value, bitmask of acceptors that accepted it), sorted.
    pub votes: Rc<Hashed<Vec<(Ballot, Value, u32)>>>,
    /// The first proposal chosen (shared between cloned worlds: it never changes once set).
    pub chosen: Option<Rc<(Ballot, Value)>>,
}

/// A world's fixed parameters.
pub struct Setup {
    pub impls: Impls,
    pub acceptors: usize,
    pub proposers: usize,
    /// Network as the set of messages ever sent (exhaustive search) instead of a queue.
    pub sticky: bool,
    /// Keep per-node hashes up to date (exhaustive search only).
    pub hashing: bool,
    pub acceptor_ids: Vec<NodeId>,
    /// Transitions already computed (exhaustive search only).
    pub memo: Memo,
    /// The last proposer is the harness's [`crate::nodes::RefJumper`] (huge rounds), whatever
    /// the exercise: the competitor of the huge-round random schedules.
    pub jumper: bool,
    /// The queue-network setup every calm phase from this set-network setup runs in, made once:
    /// the calm phases of one search share its memo of transitions.
    calm: std::cell::OnceCell<Rc<Setup>>,
}

/// Memoised transitions of the exhaustive search: the result of calling learner code on a node
/// whose state (its `Debug` rendering and its disk) has hash `h` with an input of hash `i`. Sound
/// under the assumptions the visited set already makes: handlers are deterministic, and the
/// derived `Debug` shows the whole state. The shared `Rc`s are never written in place
/// (`make_mut` copies them first).
#[derive(Default)]
pub struct Memo {
    acc: RefCell<HashMap<u64, AccMemo, IdentityBuild>>,
    prop: RefCell<HashMap<u64, PropMemo, IdentityBuild>>,
    /// Calm phases known to end well (a calm setup's memo, see [`crate::explore::calm_phase`]):
    /// from the state of [`World::calm_state_key`], the chosen proposer decides after this many
    /// more deliveries and timeouts, and no step on the way breaks a property.
    pub calm: RefCell<HashMap<u64, (u32, u32), IdentityBuild>>,
}

struct AccMemo {
    node: Rc<dyn AcceptorDyn>,
    disk: Rc<Disk>,
    hash: u64,
    /// The reply as sent (its envelope keyed once, shared by every hit).
    reply: Option<Rc<Env>>,
}

struct PropMemo {
    node: Rc<dyn ProposerDyn>,
    hash: u64,
    /// The messages as sent (envelopes keyed once, shared by every hit).
    out: Rc<Vec<Rc<Env>>>,
    decided: Option<Value>,
}

/// The memo key of a call: which node (its id), the hash of its state, and the whole input (the
/// message with its sender and receiver, the proposed value, or a timeout). A key without the
/// node's identity would hand one proposer the result of another whose `Debug` prints the same.
fn memo_key(node: NodeId, state: u64, input: u64) -> u64 {
    let mut h = StableHasher::default();
    h.write_u32(node.0);
    h.write_u64(state);
    h.write_u64(input);
    h.finish()
}

/// Memo inputs that are not messages: a propose carries its value.
fn input_propose(value: &Value) -> u64 {
    hash_of(&(0x5052_4f50u64, value))
}
const INPUT_TIMEOUT: u64 = 0x5449_4d45;

impl Setup {
    /// A world that runs every call afresh: no memo, no state hashes. Every replay of a schedule
    /// (shrinking, the report, the check of a counterexample before it is shown) uses this.
    pub fn new(impls: Impls, acceptors: usize, proposers: usize, sticky: bool) -> Rc<Setup> {
        Self::build(impls, acceptors, proposers, sticky, false)
    }

    /// The exhaustive search's world: the network as a set, per-node hashes kept up to date for
    /// the visited set, and transitions memoised.
    pub fn exploring(impls: Impls, acceptors: usize, proposers: usize) -> Rc<Setup> {
        Self::build(impls, acceptors, proposers, true, true)
    }

    fn build(
        impls: Impls,
        acceptors: usize,
        proposers: usize,
        sticky: bool,
        hashing: bool,
    ) -> Rc<Setup> {
        Rc::new(Setup {
            impls,
            acceptors,
            proposers,
            sticky,
            hashing,
            acceptor_ids: (0..acceptors).map(acceptor_id).collect(),
            memo: Memo::default(),
            jumper: false,
            calm: std::cell::OnceCell::new(),
        })
    }

    /// Like [`Setup::new`] (queue network, no memo), with the last proposer a
    /// [`crate::nodes::RefJumper`].
    pub fn with_jumper(impls: Impls, acceptors: usize, proposers: usize) -> Rc<Setup> {
        let mut s = Self::build(impls, acceptors, proposers, false, false);
        Rc::get_mut(&mut s).expect("new").jumper = true;
        s
    }

    /// The same parameters, a fresh memo.
    pub fn same(&self, sticky: bool, hashing: bool) -> Rc<Setup> {
        let mut s = Self::build(self.impls, self.acceptors, self.proposers, sticky, hashing);
        Rc::get_mut(&mut s).expect("new").jumper = self.jumper;
        s
    }

    pub fn quorum(&self) -> usize {
        self.acceptors / 2 + 1
    }

    /// The setup a calm phase from this one runs in: a queue network, with hashes and a memo
    /// when this setup has them (one for all the calm phases of a search: a transition depends on
    /// the node's state and the input, not on how the network holds messages), a fresh one
    /// without them otherwise.
    pub fn calm_setup(&self) -> Rc<Setup> {
        if self.hashing {
            self.calm.get_or_init(|| self.same(false, true)).clone()
        } else {
            self.same(false, false)
        }
    }
}

#[derive(Clone)]
pub struct AccSlot {
    pub node: Option<Rc<dyn AcceptorDyn>>,
    /// Shared between cloned worlds until a call may write it.
    pub disk: Rc<Disk>,
    pub hash: u64,
}

#[derive(Clone)]
pub struct PropSlot {
    pub node: Option<Rc<dyn ProposerDyn>>,
    pub proposed: bool,
    pub hash: u64,
}

/// The whole simulated system. Cloning is cheap: nodes are shared until one of them changes.
pub struct World {
    pub setup: Rc<Setup>,
    /// The slots, shared between cloned worlds until a step changes one (a step changes at most
    /// one acceptor or one proposer, and the search clones a world for every step it tries).
    pub acc: Rc<Vec<AccSlot>>,
    pub prop: Rc<Vec<PropSlot>>,
    /// In queue mode, messages in flight in send order; in set mode, sorted by key, no duplicates.
    /// Shared between cloned worlds until a step changes it.
    pub net: Rc<Vec<Rc<Env>>>,
    /// The sum of [`net_mix`] over the network's keys, kept with every change: the network's part
    /// of [`World::state_hash`] (the set of messages in flight) without a pass over it.
    net_sum: u64,
    pub ghost: Ghost,
    pub crashes: u32,
    pub timeouts: u32,
    pub stops: u32,
    /// Messages sent by the last step (for reports; not kept in the worlds of the exhaustive
    /// search, see [`World::send`]).
    pub sent: Vec<Rc<Env>>,
    /// Steps taken so far (for the timeout message).
    pub steps: u32,
}

/// A clone starts with no messages `sent` (they belong to the step that sent them, and every
/// step clears them first): the exhaustive search clones a world for every step it tries.
impl Clone for World {
    fn clone(&self) -> World {
        World {
            setup: self.setup.clone(),
            acc: self.acc.clone(),
            prop: self.prop.clone(),
            net: self.net.clone(),
            net_sum: self.net_sum,
            ghost: self.ghost.clone(),
            crashes: self.crashes,
            timeouts: self.timeouts,
            stops: self.stops,
            sent: Vec::new(),
            steps: self.steps,
        }
    }
}

/// A message's key, mixed once more, for the network's sum in [`World::state_hash`]: a sum of
/// well-mixed words tells sets apart as a hash of the sorted sequence did (the network in set
/// mode holds each message once, sorted by key).
fn net_mix(key: u64) -> u64 {
    let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

/// The client's value for proposer i: `v1`, `v2`, …
pub fn client_value(p: usize) -> Value {
    Value(format!("v{}", p + 1))
}

fn make_mut_acc(node: &mut Rc<dyn AcceptorDyn>) -> Result<&mut dyn AcceptorDyn, Panicked> {
    if Rc::get_mut(node).is_none() {
        let copy = guard::call(CallKind::Clone, 0, || node.clone_rc())?;
        *node = copy;
    }
    Ok(Rc::get_mut(node).expect("a fresh clone is unique"))
}

fn make_mut_prop(node: &mut Rc<dyn ProposerDyn>) -> Result<&mut dyn ProposerDyn, Panicked> {
    if Rc::get_mut(node).is_none() {
        let copy = guard::call(CallKind::Clone, 0, || node.clone_rc())?;
        *node = copy;
    }
    Ok(Rc::get_mut(node).expect("a fresh clone is unique"))
}

#[cold]
fn echo_step(n: u32, step: &Step) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}step {n} {}", crate::runner::MARK, step.describe());
    let _ = out.flush();
}

/// `promised=(1,P1) accepted=none`, or `nothing`.
fn record_str(r: Option<&paxos_api::AcceptorRecord>) -> String {
    match r {
        None => "nothing".into(),
        Some(r) => format!(
            "promised={} accepted={}",
            r.promised
                .map(|b| ballot_str(&b))
                .unwrap_or_else(|| "none".into()),
            proposal_str(&r.accepted)
        ),
    }
}

/// A learner node's `Debug` output for a report, through the guard, on one line.
fn debug_line(n: &dyn std::fmt::Debug, id: NodeId) -> String {
    match guard::call(CallKind::Debug, id.0, || format!("{n:?}")) {
        Ok(text) => clip(&text),
        Err(p) => format!("(its Debug panicked: {})", p.message),
    }
}

/// A learner's `Debug` output, cut to one readable line.
fn clip(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 160 {
        format!("{}…", one.chars().take(160).collect::<String>())
    } else {
        one
    }
}

fn bits(mask: u32) -> String {
    (0..32)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| node_name(acceptor_id(i)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl World {
    /// Start every node (nobody has proposed yet).
    pub fn new(setup: Rc<Setup>) -> Result<World, Failure> {
        let mut acc = Vec::with_capacity(setup.acceptors);
        for i in 0..setup.acceptors {
            let disk = Disk::new();
            let id = acceptor_id(i);
            let node = guard::call(CallKind::AcceptorStart, id.0, || {
                (setup.impls.acceptor)(id, &disk)
            })?;
            acc.push(AccSlot {
                node: Some(node),
                disk: Rc::new(disk),
                hash: 0,
            });
        }
        let mut prop = Vec::with_capacity(setup.proposers);
        for i in 0..setup.proposers {
            let id = proposer_id(i);
            let node = guard::call(CallKind::ProposerStart, id.0, || {
                if setup.jumper && i + 1 == setup.proposers {
                    crate::nodes::proposer_ctor::<crate::nodes::RefJumper>()(
                        id,
                        &setup.acceptor_ids,
                    )
                } else {
                    (setup.impls.proposer)(id, &setup.acceptor_ids)
                }
            })?;
            prop.push(PropSlot {
                node: Some(node),
                proposed: false,
                hash: 0,
            });
        }
        let ghost = Ghost {
            acc: Rc::new(
                (0..setup.acceptors)
                    .map(|_| Rc::new(Hashed::new(AccGhost::default())))
                    .collect(),
            ),
            prop: Rc::new(
                (0..setup.proposers)
                    .map(|_| Rc::new(Hashed::new(PropGhost::default())))
                    .collect(),
            ),
            votes: Rc::new(Hashed::new(Vec::new())),
            chosen: None,
        };
        let mut w = World {
            setup,
            acc: Rc::new(acc),
            prop: Rc::new(prop),
            net: Rc::new(Vec::new()),
            net_sum: 0,
            ghost,
            crashes: 0,
            timeouts: 0,
            stops: 0,
            sent: Vec::new(),
            steps: 0,
        };
        if w.setup.hashing {
            for a in 0..w.acc.len() {
                w.rehash_acc(a)?;
            }
            for p in 0..w.prop.len() {
                w.rehash_prop(p)?;
            }
        }
        Ok(w)
    }

    /// A new world in which every proposer has proposed (the usual start).
    pub fn started(setup: Rc<Setup>) -> Result<(World, Vec<Step>), (Vec<Step>, Failure)> {
        let mut steps = Vec::new();
        let mut w = World::new(setup).map_err(|f| (Vec::new(), f))?;
        for p in 0..w.prop.len() {
            let s = Step::Propose(p);
            steps.push(s.clone());
            if let Err(f) = w.apply(&s) {
                return Err((steps, f));
            }
        }
        Ok((w, steps))
    }

    pub fn acceptor_up(&self, a: usize) -> bool {
        self.acc[a].node.is_some()
    }

    pub fn proposer_up(&self, p: usize) -> bool {
        self.prop[p].node.is_some()
    }

    /// Is node `id` up (an acceptor not crashed, a proposer not stopped)?
    pub fn node_up(&self, id: NodeId) -> bool {
        if id.0 > PROPOSER_BASE {
            let p = (id.0 - PROPOSER_BASE - 1) as usize;
            p < self.prop.len() && self.proposer_up(p)
        } else {
            let a = id.0 as usize;
            a >= 1 && a <= self.acc.len() && self.acceptor_up(a - 1)
        }
    }

    fn find(&self, env: &Env) -> Option<usize> {
        if self.setup.sticky {
            self.net
                .binary_search_by(|e| {
                    e.key
                        .cmp(&env.key)
                        .then_with(|| e.as_ref().cmp_content(env))
                })
                .ok()
        } else {
            self.net
                .iter()
                .position(|e| std::ptr::eq(&**e, env) || **e == *env)
        }
    }

    /// Can `step` be taken now?
    pub fn enabled(&self, step: &Step) -> bool {
        match step {
            Step::Propose(p) => {
                *p < self.prop.len() && !self.prop[*p].proposed && self.proposer_up(*p)
            }
            Step::Deliver(e) | Step::Duplicate(e) => self.node_up(e.to) && self.find(e).is_some(),
            Step::Drop(e) => self.find(e).is_some(),
            Step::Crash(a) => *a < self.acc.len() && self.acceptor_up(*a),
            Step::Restart(a) => *a < self.acc.len() && !self.acceptor_up(*a),
            Step::Timeout(p) | Step::Stop(p) => {
                *p < self.prop.len() && self.proposer_up(*p) && self.prop[*p].proposed
            }
        }
    }

    /// A message on this world's wire: keyed in set mode, and whenever transitions are memoised
    /// (the key is the memo's input: the calm phases of the exhaustive search run in a queue
    /// network with a memo); as content otherwise.
    fn envelope(&self, from: NodeId, to: NodeId, msg: Message) -> Rc<Env> {
        Rc::new(if self.setup.sticky || self.setup.hashing {
            Env::new(from, to, msg)
        } else {
            Env::unkeyed(from, to, msg)
        })
    }

    /// Add one message to the network with `add`. A network shared with another world is copied
    /// first, into room for the new message (one allocation, not a copy and then a larger one).
    fn net_with(&mut self, add: impl FnOnce(&mut Vec<Rc<Env>>)) {
        if Rc::get_mut(&mut self.net).is_none() {
            let mut copy = Vec::with_capacity(self.net.len() + 4);
            copy.extend(self.net.iter().cloned());
            self.net = Rc::new(copy);
        }
        add(Rc::get_mut(&mut self.net).expect("a fresh copy is unique"));
    }

    /// Take message `i` off the network.
    fn unsend(&mut self, i: usize) {
        let e = Rc::make_mut(&mut self.net).remove(i);
        self.net_sum = self.net_sum.wrapping_sub(net_mix(e.key));
    }

    /// Put `env` (made by [`World::envelope`]) on the network. The worlds of the exhaustive
    /// search (and of its calm phases) keep no `sent`: no report reads them (a report replays the
    /// schedule in a fresh world), and the search sends in every successor it tries.
    fn send(&mut self, env: Rc<Env>) {
        if !self.setup.hashing {
            self.sent.push(env.clone());
        }
        if self.setup.sticky {
            let at = self.net.binary_search_by(|e| {
                e.key
                    .cmp(&env.key)
                    .then_with(|| e.as_ref().cmp_content(&env))
            });
            if let Err(i) = at {
                self.net_sum = self.net_sum.wrapping_add(net_mix(env.key));
                self.net_with(|v| v.insert(i, env));
            }
        } else {
            self.net_sum = self.net_sum.wrapping_add(net_mix(env.key));
            self.net_with(|v| v.push(env));
        }
    }

    /// Take one step; the first property it breaks is returned.
    pub fn apply(&mut self, step: &Step) -> Result<(), Failure> {
        self.sent.clear();
        self.steps += 1;
        guard::STEP.store(self.steps as u64, std::sync::atomic::Ordering::Relaxed);
        if guard::ECHO_STEPS.load(std::sync::atomic::Ordering::Relaxed) {
            echo_step(self.steps, step);
        }
        match step {
            Step::Propose(p) => {
                let p = *p;
                let value = client_value(p);
                Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]).value =
                    Some(value.clone());
                Rc::make_mut(&mut self.prop)[p].proposed = true;
                self.proposer_call(p, CallKind::Propose, input_propose(&value), |node, out| {
                    node.propose(value, out)
                })
            }
            Step::Deliver(e) | Step::Duplicate(e) => {
                if !self.setup.sticky && matches!(step, Step::Deliver(_)) {
                    if let Some(i) = self.find(e) {
                        self.unsend(i);
                    }
                }
                self.deliver(e)
            }
            Step::Drop(e) => {
                if let Some(i) = self.find(e) {
                    self.unsend(i);
                }
                Ok(())
            }
            Step::Crash(a) => {
                if let Some(old) = Rc::make_mut(&mut self.acc)[*a].node.take() {
                    guard::call(CallKind::Drop, acceptor_id(*a).0, || drop(old))?;
                }
                self.crashes += 1;
                if self.setup.hashing {
                    self.rehash_acc(*a)?;
                }
                Ok(())
            }
            Step::Restart(a) => {
                let a = *a;
                let id = acceptor_id(a);
                let impls = self.setup.impls;
                let disk = &self.acc[a].disk;
                let node =
                    guard::call(CallKind::AcceptorStart, id.0, || (impls.acceptor)(id, disk))?;
                Rc::make_mut(&mut self.acc)[a].node = Some(node);
                let on_disk = self.acc[a].disk.load();
                let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.acc)[a]);
                g.restarts += 1;
                g.restart_disk = on_disk;
                if self.setup.hashing {
                    self.rehash_acc(a)?;
                }
                Ok(())
            }
            Step::Timeout(p) => {
                self.timeouts += 1;
                self.proposer_call(*p, CallKind::OnTimeout, INPUT_TIMEOUT, |node, out| {
                    node.on_timeout(out)
                })
            }
            Step::Stop(p) => {
                if let Some(old) = Rc::make_mut(&mut self.prop)[*p].node.take() {
                    guard::call(CallKind::Drop, proposer_id(*p).0, || drop(old))?;
                }
                self.stops += 1;
                if self.setup.hashing {
                    self.rehash_prop(*p)?;
                }
                Ok(())
            }
        }
    }

    fn deliver(&mut self, e: &Env) -> Result<(), Failure> {
        if e.to.0 > PROPOSER_BASE {
            let p = (e.to.0 - PROPOSER_BASE - 1) as usize;
            if let Message::Promise { ballot, accepted } = &e.msg {
                let a = (e.from.0 - 1) as usize;
                // The set network delivers the same Promise again and again: copy the record
                // (shared with the world this one was cloned from) only when it changes, and the
                // entry (its value a String) only then. The order is the tuple's.
                let at = self.ghost.prop[p].promises.binary_search_by(|(b, i, r)| {
                    b.cmp(ballot)
                        .then_with(|| i.cmp(&a))
                        .then_with(|| r.cmp(accepted))
                });
                if let Err(i) = at {
                    let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]);
                    g.promises.insert(i, (*ballot, a, accepted.clone()));
                }
            }
            let from = e.from;
            self.proposer_call(p, CallKind::OnMessage, e.key, move |node, out| {
                node.on_message(from, e.msg.clone(), out)
            })
        } else {
            let a = (e.to.0 - 1) as usize;
            let to = e.to.0;
            let (request_ballot, value) = match &e.msg {
                Message::Prepare { ballot } => (*ballot, None),
                Message::Accept { ballot, value } => (*ballot, Some(value)),
                other => {
                    return Err(violation(
                        Property::Conformance,
                        "bad-request",
                        format!(
                            "{} sent {} to an acceptor",
                            node_name(e.from),
                            message_str(other)
                        ),
                    ))
                }
            };
            let key = self
                .setup
                .hashing
                .then(|| memo_key(e.to, self.acc[a].hash, e.key));
            let hit = key.and_then(|k| {
                self.setup
                    .memo
                    .acc
                    .borrow()
                    .get(&k)
                    .map(|m| (m.node.clone(), m.disk.clone(), m.hash, m.reply.clone()))
            });
            let reply = match hit {
                Some((node, disk, hash, reply)) => {
                    let slot = &self.acc[a];
                    // A call that left the node as it was (a message delivered again): the slots
                    // stay shared with the world this one was cloned from.
                    let same = slot.hash == hash
                        && Rc::ptr_eq(&slot.disk, &disk)
                        && slot.node.as_ref().is_some_and(|n| Rc::ptr_eq(n, &node));
                    if !same {
                        let slot = &mut Rc::make_mut(&mut self.acc)[a];
                        slot.node = Some(node);
                        slot.disk = disk;
                        slot.hash = hash;
                    }
                    reply
                }
                None => {
                    let slot = &mut Rc::make_mut(&mut self.acc)[a];
                    let disk = Rc::make_mut(&mut slot.disk);
                    let node =
                        make_mut_acc(slot.node.as_mut().expect("delivery to a crashed acceptor"))?;
                    let reply = match value {
                        None => guard::call(CallKind::OnPrepare, to, || {
                            node.on_prepare(request_ballot, disk)
                        })?,
                        Some(v) => {
                            let v = v.clone();
                            guard::call(CallKind::OnAccept, to, || {
                                node.on_accept(request_ballot, v, disk)
                            })?
                        }
                    };
                    let reply = reply.map(|m| self.envelope(e.to, e.from, m));
                    if let Some(k) = key {
                        self.rehash_acc(a)?;
                        let slot = &self.acc[a];
                        let m = AccMemo {
                            node: slot.node.clone().expect("up"),
                            disk: slot.disk.clone(),
                            hash: slot.hash,
                            reply: reply.clone(),
                        };
                        self.setup.memo.acc.borrow_mut().insert(k, m);
                    }
                    reply
                }
            };
            match reply {
                Some(reply) => {
                    if let Err(f) = self.check_acceptor_reply(a, request_ballot, value, &reply.msg)
                    {
                        // The report shows the reply that breaks the property, at its step.
                        self.sent.push(reply);
                        return Err(f);
                    }
                    self.send(reply);
                }
                None => {
                    // Silent, but its disk may show the acceptance: that is an Accepted reply
                    // lost on the way, and counts as one.
                    if let Some(v) = value {
                        let accepted_now = self.acc[a]
                            .disk
                            .load()
                            .and_then(|r| r.accepted)
                            .is_some_and(|(db, dv)| db == request_ballot && &dv == v);
                        if accepted_now
                            && self.ghost.acc[a].accepted.as_ref()
                                != Some(&(request_ballot, v.clone()))
                        {
                            let silent = Message::Accepted {
                                ballot: request_ballot,
                            };
                            self.check_acceptor_reply(a, request_ballot, Some(v), &silent)?;
                        }
                    }
                }
            }
            Ok(())
        }
    }

    fn check_acceptor_reply(
        &mut self,
        a: usize,
        b: Ballot,
        value: Option<&Value>,
        reply: &Message,
    ) -> Result<(), Failure> {
        let name = Name(acceptor_id(a));
        let request = Request(b, value);
        let bad = |what: String| Err(violation(Property::Conformance, "bad-reply", what));
        let reply_ballot = message_ballot(reply);
        if reply_ballot != b {
            return bad(format!(
                "{name} answered {request} with {}: a reply carries the ballot of the request it answers",
                message_str(reply)
            ));
        }
        let g = &self.ghost.acc[a];
        // Why a restarted acceptor forgot: not saved before the reply, or saved but not restored.
        let since_restart = |at: u32, what: &str, saved: bool| {
            if g.restarts > at {
                let disk = record_str(g.restart_disk.as_ref());
                if saved {
                    format!(" {name} had restarted since then with {disk} on its disk: what it {what} was saved, so start() did not restore it, or the code that compares with it does not use what was restored")
                } else {
                    format!(" {name} had restarted since then with {disk} on its disk: what it {what} was not saved before it replied")
                }
            } else {
                String::new()
            }
        };
        let saved_promise = g
            .restart_disk
            .as_ref()
            .and_then(|r| r.promised)
            .zip(g.promised)
            .is_some_and(|(d, p)| d >= p);
        let saved_accept = g.accepted.is_some()
            && g.restart_disk
                .as_ref()
                .is_some_and(|r| r.accepted == g.accepted);
        match (value, reply) {
            (None, Message::Promise { accepted, .. }) => {
                if let Some(p) = g.promised {
                    if b < p {
                        let tail = since_restart(g.promised_at, "promised", saved_promise);
                        return Err(violation(
                            Property::Conformance,
                            "promise-backwards",
                            format!(
                                "{name} promised {}, then promised the lower ballot {}: a promise never goes backwards.{tail}",
                                ballot_str(&p),
                                ballot_str(&b)
                            ),
                        ));
                    }
                }
                if *accepted != g.accepted {
                    let code = if g.accepted.is_some() {
                        "promise-hides-accepted"
                    } else {
                        "promise-invents"
                    };
                    let tail = since_restart(g.accepted_at, "accepted", saved_accept);
                    return Err(violation(
                        Property::Conformance,
                        code,
                        match &g.accepted {
                            Some(_) => format!(
                                "{name} answered Prepare {} with a Promise reporting {}, but the highest-ballot proposal it has accepted is {}: a Promise reports it.{tail}",
                                ballot_str(&b),
                                proposal_str(accepted),
                                proposal_str(&g.accepted)
                            ),
                            None => format!(
                                "{name} answered Prepare {} with a Promise reporting {}, but it never answered an Accept with Accepted: an acceptor that accepts a proposal says so (Paxos Made Simple, 2.3), and a Promise reports only proposals it accepted",
                                ballot_str(&b),
                                proposal_str(accepted)
                            ),
                        },
                    ));
                }
                if g.promised.is_none_or(|p| b > p) {
                    let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.acc)[a]);
                    g.promised = Some(b);
                    g.promised_at = g.restarts;
                }
                Ok(())
            }
            (Some(v), Message::Accepted { .. }) => {
                // A re-delivered Accept(b, v) for exactly the proposal it holds as accepted may be
                // answered Accepted even after a higher promise: a true report of a past
                // acceptance, as long as its record did not change (the promise not lowered).
                let resent = g
                    .accepted
                    .as_ref()
                    .is_some_and(|(ab, av)| *ab == b && av == v)
                    && self.acc[a].disk.load().is_some_and(|r| {
                        r.accepted
                            .as_ref()
                            .is_some_and(|(db, dv)| *db == b && dv == v)
                            && r.promised >= g.promised
                    });
                if resent {
                    return Ok(());
                }
                if let Some(p) = g.promised {
                    if b < p {
                        let tail = since_restart(g.promised_at, "promised", saved_promise);
                        // The order of events, as they happened: a re-delivered Accept for a
                        // proposal it had accepted before the promise is named as such.
                        let again = g
                            .accepted
                            .as_ref()
                            .is_some_and(|(ab, av)| *ab == b && av == v);
                        let what = if again {
                            let disk = record_str(self.acc[a].disk.load().as_ref());
                            format!(
                                "{name} accepted {} {}, then promised {}, then answered a second copy of that Accept with Accepted and saved {disk}: repeating a past acceptance is allowed only when the record stays as it was, the promise of {} included",
                                ballot_str(&b),
                                v.0,
                                ballot_str(&p),
                                ballot_str(&p)
                            )
                        } else {
                            format!(
                                "{name} promised {}, then accepted {} {}: an acceptor never accepts a ballot below its promise",
                                ballot_str(&p),
                                ballot_str(&b),
                                v.0
                            )
                        };
                        return Err(violation(
                            Property::Conformance,
                            "accept-below-promise",
                            format!("{what}.{tail}"),
                        ));
                    }
                }
                if g.accepted
                    .as_ref()
                    .is_none_or(|(ab, av)| b > *ab || (b == *ab && av != v))
                {
                    let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.acc)[a]);
                    g.accepted = Some((b, v.clone()));
                    g.accepted_at = g.restarts;
                }
                self.record_vote(a, b, v)
            }
            (_, Message::Nack { promised, .. }) => {
                // A Nack names the higher ballot that binds the acceptor: above the refused one,
                // and one it promised or accepted (on the wire or on its disk).
                let seen = g.promised.max(g.accepted.as_ref().map(|(b, _)| *b));
                // The disk is read only when the wire alone does not explain the ballot.
                let known = if seen.is_some_and(|k| *promised <= k) {
                    seen
                } else {
                    let disk = self.acc[a].disk.load().unwrap_or_default();
                    seen.max(disk.promised).max(disk.accepted.map(|(b, _)| b))
                };
                // (Equal to the refused ballot is the mistake of refusing an equal ballot, which
                // the liveness check teaches better.)
                if *promised < b || known.is_none_or(|k| *promised > k) {
                    return Err(violation(
                        Property::Conformance,
                        "nack-invents",
                        format!(
                            "{name} refused {request} with a Nack naming {}, but the ballot that binds it is {}: a Nack names the higher ballot the acceptor promised, so the proposer can go above it",
                            ballot_str(promised),
                            known.map(|k| ballot_str(&k)).unwrap_or_else(|| "none (it promised nothing)".into())
                        ),
                    ));
                }
                Ok(())
            }
            (_, other) => bad(format!(
                "{name} answered {request} with {}",
                message_str(other)
            )),
        }
    }

    fn disk_str(&self, a: usize) -> String {
        record_str(self.acc[a].disk.load().as_ref())
    }

    fn record_vote(&mut self, a: usize, b: Ballot, v: &Value) -> Result<(), Failure> {
        let found = self
            .ghost
            .votes
            .binary_search_by(|(vb, vv, _)| (vb, vv).cmp(&(&b, v)));
        // Copied (from the world this one was cloned from) only when the vote is new.
        let i = match found {
            Ok(i) if self.ghost.votes[i].2 & (1 << a) != 0 => i,
            _ => {
                let votes = Rc::make_mut(&mut self.ghost.votes);
                let i = match found {
                    Ok(i) => i,
                    Err(i) => {
                        votes.insert(i, (b, v.clone(), 0));
                        i
                    }
                };
                votes[i].2 |= 1 << a;
                i
            }
        };
        let votes = &self.ghost.votes;
        let mask = votes[i].2;
        if mask.count_ones() as usize >= self.setup.quorum() {
            if !self.ghost.prop.iter().any(|g| g.value.as_ref() == Some(v)) {
                return Err(violation(
                    Property::Validity,
                    "validity",
                    format!(
                        "{} was chosen at {} (accepted by {}), but no client proposed it: proposers may only propose a client's value or one reported in a Promise",
                        v.0,
                        ballot_str(&b),
                        bits(mask)
                    ),
                ));
            }
            match self.ghost.chosen.as_deref() {
                None => self.ghost.chosen = Some(Rc::new((b, v.clone()))),
                Some((cb, cv)) if cv != v => {
                    let first_mask = votes
                        .iter()
                        .find(|(vb, vv, _)| vb == cb && vv == cv)
                        .map(|x| x.2)
                        .unwrap_or(0);
                    return Err(violation(
                        Property::Agreement,
                        "agreement",
                        format!(
                            "two values were chosen: {} at {} (accepted by {}) and {} at {} (accepted by {})",
                            cv.0,
                            ballot_str(cb),
                            bits(first_mask),
                            v.0,
                            ballot_str(&b),
                            bits(mask)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn proposer_call(
        &mut self,
        p: usize,
        kind: CallKind,
        input: u64,
        f: impl FnOnce(&mut dyn ProposerDyn, &mut Outbox),
    ) -> Result<(), Failure> {
        let id = proposer_id(p);
        let key = self
            .setup
            .hashing
            .then(|| memo_key(id, self.prop[p].hash, input));
        let hit = key.and_then(|k| {
            self.setup.memo.prop.borrow().get(&k).map(|m| {
                // `None`: what `decided()` returns did not change (no String copied).
                let decided = (m.decided != self.ghost.prop[p].decided).then(|| m.decided.clone());
                (m.node.clone(), m.hash, m.out.clone(), decided)
            })
        });
        let (out, decided) = match hit {
            Some((node, hash, out, decided)) => {
                let slot = &self.prop[p];
                let same =
                    slot.hash == hash && slot.node.as_ref().is_some_and(|n| Rc::ptr_eq(n, &node));
                if !same {
                    let slot = &mut Rc::make_mut(&mut self.prop)[p];
                    slot.node = Some(node);
                    slot.hash = hash;
                }
                (out, decided)
            }
            None => {
                let node = make_mut_prop(
                    Rc::make_mut(&mut self.prop)[p]
                        .node
                        .as_mut()
                        .expect("call to a stopped proposer"),
                )?;
                let mut outbox = Outbox::new();
                guard::call(kind, id.0, || f(node, &mut outbox))?;
                let decided = guard::call(CallKind::Decided, id.0, || node.decided())?;
                let mut out = outbox.drain();
                // The order of the messages one call sends carries no meaning (the network
                // reorders them anyway), but it may come from a HashMap's iteration, which changes
                // from run to run: sorting keeps the same seed on the same schedules.
                let order = |(ta, ma): &(NodeId, Message), (tb, mb): &(NodeId, Message)| {
                    ta.cmp(tb).then_with(|| cmp_message(ma, mb))
                };
                if !out.is_sorted_by(|x, y| order(x, y).is_le()) {
                    out.sort_by(order);
                }
                let out: Rc<Vec<Rc<Env>>> = Rc::new(
                    out.into_iter()
                        .map(|(to, msg)| self.envelope(id, to, msg))
                        .collect(),
                );
                if let Some(k) = key {
                    self.rehash_prop(p)?;
                    let m = PropMemo {
                        node: self.prop[p].node.clone().expect("up"),
                        hash: self.prop[p].hash,
                        out: out.clone(),
                        decided: decided.clone(),
                    };
                    self.setup.memo.prop.borrow_mut().insert(k, m);
                }
                (out, Some(decided))
            }
        };
        for env in out.iter() {
            if let Err(f) = self.check_proposer_send(p, env.to, &env.msg) {
                // The report shows the message that breaks the property, at its step.
                self.sent.push(env.clone());
                return Err(f);
            }
            self.send(env.clone());
        }
        match decided {
            Some(decided) => self.check_decided(p, decided),
            None => Ok(()),
        }
    }

    fn check_proposer_send(&mut self, p: usize, to: NodeId, msg: &Message) -> Result<(), Failure> {
        let id = proposer_id(p);
        let name = Name(id);
        let conf = |code, m: String| Err(violation(Property::Conformance, code, m));
        if !self.setup.acceptor_ids.contains(&to) {
            return conf(
                "bad-destination",
                format!(
                    "{name} sent {} to {}, which is not an acceptor",
                    message_str(msg),
                    node_name(to)
                ),
            );
        }
        match msg {
            Message::Prepare { ballot } | Message::Accept { ballot, .. } if ballot.proposer != id => conf(
                "ballot-not-owned",
                format!(
                    "{name} sent {} with a ballot owned by {}: a proposer uses only ballots with its own id, so no two proposers share a ballot",
                    message_str(msg),
                    node_name(ballot.proposer)
                ),
            ),
            Message::Prepare { ballot } => {
                let g = &self.ghost.prop[p];
                if let Some(m) = g.max_prepare {
                    if *ballot < m {
                        return conf(
                            "ballot-shrinks",
                            format!(
                                "{name} sent Prepare {} after Prepare {}: a proposer's ballots grow",
                                ballot_str(ballot),
                                ballot_str(&m)
                            ),
                        );
                    }
                }
                if g.max_prepare.is_none_or(|m| *ballot > m) {
                    Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]).max_prepare = Some(*ballot);
                }
                Ok(())
            }
            Message::Accept { ballot, value } => {
                let q = self.setup.quorum();
                if self.accept_passes(p, ballot, value) {
                    // Recorded without copying the value when it is there already.
                    let at = self.ghost.prop[p]
                        .accepts
                        .binary_search_by(|(b, v)| b.cmp(ballot).then_with(|| v.cmp(value)));
                    if let Err(i) = at {
                        let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]);
                        g.accepts.insert(i, (*ballot, value.clone()));
                    }
                    return Ok(());
                }
                let g = &self.ghost.prop[p];
                let reports: Vec<(usize, &Option<(Ballot, Value)>)> =
                    g.promises.iter().filter(|(b, _, _)| b == ballot).map(|(_, a, r)| (*a, r)).collect();
                let mut promisers: Vec<usize> = reports.iter().map(|(a, _)| *a).collect();
                promisers.dedup();
                if promisers.len() < q {
                    let from = if promisers.is_empty() {
                        "no acceptor".to_string()
                    } else {
                        format!("only {}", promisers.iter().map(|a| node_name(acceptor_id(*a))).collect::<Vec<_>>().join(", "))
                    };
                    return conf(
                        "accept-without-quorum",
                        format!(
                            "{name} sent {} after Promise {} from {from}: phase 2 needs promises from a quorum ({q} of {} acceptors), each acceptor counted once",
                            message_str(msg),
                            ballot_str(ballot),
                            self.setup.acceptors
                        ),
                    );
                }
                if let Some((_, w)) = g.accepts.iter().find(|(b, w)| b == ballot && w != value) {
                    return conf(
                        "two-values-one-ballot",
                        format!(
                            "{name} sent Accept {} with {} and with {}: one ballot proposes one value",
                            ballot_str(ballot),
                            w.0,
                            value.0
                        ),
                    );
                }
                let proposed: Vec<&Value> =
                    self.ghost.prop.iter().filter_map(|g| g.value.as_ref()).collect();
                if !value_allowed(&reports, value, &proposed, q) {
                    let highest = reports.iter().filter_map(|(_, r)| r.as_ref()).max_by_key(|(b, _)| *b);
                    let why = match highest {
                        Some((hb, hv)) => format!(
                            "the promises it had report {} {} as the highest-ballot proposal accepted, so it must propose {}",
                            ballot_str(hb),
                            hv.0,
                            hv.0
                        ),
                        None => format!(
                            "no promise reported an accepted proposal and no client proposed {}: it may propose any value a client proposed ({}), usually its own",
                            value.0,
                            proposed.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    return conf(
                        "wrong-value",
                        format!("{name} sent {}, but {why}", message_str(msg)),
                    );
                }
                let entry = (*ballot, value.clone());
                let g = Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]);
                if let Err(i) = g.accepts.binary_search(&entry) {
                    g.accepts.insert(i, entry);
                }
                Ok(())
            }
            other => conf(
                "bad-message",
                format!("{name} sent {}: a proposer sends only Prepare and Accept", message_str(other)),
            ),
        }
    }

    /// Does proposer `p`'s `Accept` pass every check of [`World::check_proposer_send`] (a quorum
    /// of promises, one value per ballot, [`value_allowed`])? The same judgement without building
    /// a list (acceptors as bits): the search judges every `Accept` a proposer sends, and a
    /// `false` is judged again the long way, which names what is wrong.
    fn accept_passes(&self, p: usize, ballot: &Ballot, value: &Value) -> bool {
        let q = self.setup.quorum();
        let g = &self.ghost.prop[p];
        let (mut promised, mut silent) = (0u64, 0u64);
        for (_, a, r) in g.promises.iter().filter(|(b, _, _)| b == ballot) {
            if *a >= 64 {
                return false;
            }
            promised |= 1 << a;
            if r.is_none() {
                silent |= 1 << a;
            }
        }
        if (promised.count_ones() as usize) < q {
            return false;
        }
        if g.accepts.iter().any(|(b, w)| b == ballot && w != value) {
            return false;
        }
        let proposed = self
            .ghost
            .prop
            .iter()
            .any(|g| g.value.as_ref() == Some(value));
        if proposed && silent.count_ones() as usize >= q {
            return true;
        }
        let at_ballot = || g.promises.iter().filter(|(b, _, _)| b == ballot);
        at_ballot()
            .filter_map(|(_, _, r)| r.as_ref())
            .filter(|(_, v)| v == value)
            .any(|(hb, _)| {
                let mut below = 0u64;
                for (_, a, r) in at_ballot() {
                    if r.as_ref().is_none_or(|(rb, _)| rb <= hb) {
                        below |= 1 << a;
                    }
                }
                below.count_ones() as usize >= q
            })
    }

    /// Record what `decided()` returns now, and judge the change. It is recorded on a failure too:
    /// the state shown at the end says what decided() returns, as the message does.
    fn check_decided(&mut self, p: usize, decided: Option<Value>) -> Result<(), Failure> {
        if self.ghost.prop[p].decided == decided {
            return Ok(());
        }
        let r = self.judge_decided(p, &decided);
        Rc::make_mut(&mut Rc::make_mut(&mut self.ghost.prop)[p]).decided = decided;
        r
    }

    fn judge_decided(&self, p: usize, decided: &Option<Value>) -> Result<(), Failure> {
        let name = Name(proposer_id(p));
        let old = &self.ghost.prop[p].decided;
        let lmc = |code, m: String| Err(violation(Property::LearnedMeansChosen, code, m));
        match (old, decided) {
            (Some(o), Some(n)) => {
                return lmc("decided-changed", format!("{name} decided {}, then {}: a decision never changes", o.0, n.0))
            }
            (Some(o), None) => {
                return lmc(
                    "decided-changed",
                    format!("{name} decided {}, then decided() returned None: a decision is never forgotten", o.0),
                )
            }
            (None, Some(v)) => {
                if self.ghost.chosen.as_deref().is_none_or(|(_, c)| c != v) {
                    let seen: Vec<String> = self
                        .ghost
                        .votes
                        .iter()
                        .filter(|(_, vv, _)| vv == v)
                        .map(|(b, _, m)| format!("at {} by {}", ballot_str(b), bits(*m)))
                        .collect();
                    let acc = if seen.is_empty() {
                        "no acceptor has accepted it".to_string()
                    } else {
                        format!("it was accepted only {}", seen.join("; "))
                    };
                    return lmc(
                        "decided-unchosen",
                        format!(
                            "{name} decided {}, but {acc}: a value is chosen only when a quorum ({} of {}) accepted it at one ballot",
                            v.0,
                            self.setup.quorum(),
                            self.setup.acceptors
                        ),
                    );
                }
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// The learner's `Debug` runs through the guard: a panic or a hang in it names that call.
    fn rehash_acc(&mut self, a: usize) -> Result<(), Failure> {
        let slot = &mut Rc::make_mut(&mut self.acc)[a];
        let mut h = StableHasher::default();
        match &slot.node {
            Some(n) => {
                let id = acceptor_id(a).0;
                h.write_u64(guard::call(CallKind::Debug, id, || hash_debug(&**n))?)
            }
            None => h.write_u64(0xdead),
        }
        slot.disk.load().hash(&mut h);
        slot.hash = h.finish();
        Ok(())
    }

    /// Proposer `p` stops for good (a `Stop` step), its messages in flight both ways are lost, and
    /// its ghost record is cut to its value and decision (no check reads the rest of a stopped
    /// proposer's record). For the takeover search: a replay of the same steps, where `Stop` keeps
    /// those messages but no later step delivers them, behaves the same; and states that differ
    /// only in what `p` knew now hash the same.
    pub fn retire(&mut self, p: usize) -> Result<(), Failure> {
        self.apply(&Step::Stop(p))?;
        let id = proposer_id(p);
        if self.net.iter().any(|e| e.to == id || e.from == id) {
            Rc::make_mut(&mut self.net).retain(|e| e.to != id && e.from != id);
            self.net_sum = self
                .net
                .iter()
                .fold(0, |s, e| s.wrapping_add(net_mix(e.key)));
        }
        let g = &self.ghost.prop[p];
        let kept = PropGhost {
            value: g.value.clone(),
            decided: g.decided.clone(),
            ..PropGhost::default()
        };
        Rc::make_mut(&mut self.ghost.prop)[p] = Rc::new(Hashed::new(kept));
        Ok(())
    }

    fn rehash_prop(&mut self, p: usize) -> Result<(), Failure> {
        let slot = &mut Rc::make_mut(&mut self.prop)[p];
        slot.hash = match &slot.node {
            Some(n) => {
                let id = proposer_id(p).0;
                guard::call(CallKind::Debug, id, || hash_debug(&**n))? ^ slot.proposed as u64
            }
            None => 0xdead,
        };
        Ok(())
    }

    /// Is this world, taken from `parent` by one step, still `parent`'s state: every part shared
    /// with it (a step copies a part only to change it)? Then it has [`World::state_hash`] of
    /// `parent`, without hashing it (the set network delivers every
    /// message again and again, and most of those deliveries change nothing).
    pub fn unchanged_from(&self, parent: &World) -> bool {
        Rc::ptr_eq(&self.acc, &parent.acc)
            && Rc::ptr_eq(&self.prop, &parent.prop)
            && Rc::ptr_eq(&self.net, &parent.net)
            && self.net_sum == parent.net_sum
            && Rc::ptr_eq(&self.ghost.acc, &parent.ghost.acc)
            && Rc::ptr_eq(&self.ghost.prop, &parent.ghost.prop)
            && Rc::ptr_eq(&self.ghost.votes, &parent.ghost.votes)
            && match (&self.ghost.chosen, &parent.ghost.chosen) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                _ => false,
            }
    }

    /// The hash of the whole state (exhaustive search; the search adds the faults spent).
    pub fn state_hash(&self) -> u64 {
        let mut h = StableHasher::default();
        for s in self.acc.iter() {
            h.write_u64(s.hash);
        }
        for s in self.prop.iter() {
            h.write_u64(s.hash);
        }
        h.write_usize(self.net.len());
        h.write_u64(self.net_sum);
        self.ghost.hash(&mut h);
        h.finish()
    }

    /// What the calm phase of proposer `p` starts from, as a hash (exhaustive search): the nodes,
    /// their disks and the ghost state, not the network (the calm phase starts with every message
    /// in flight lost, see [`World::without_network`]) nor the fault budgets (the calm phase
    /// spends none). Two states with the same key have the same calm phase.
    pub fn calm_key(&self, p: usize) -> u64 {
        self.calm_hasher(p).finish()
    }

    /// The nodes, their disks, the ghost state and `p`, fed to a hasher.
    fn calm_hasher(&self, p: usize) -> StableHasher {
        let mut h = StableHasher::default();
        for s in self.acc.iter() {
            h.write_u64(s.hash);
        }
        for s in self.prop.iter() {
            h.write_u64(s.hash);
        }
        self.ghost.hash(&mut h);
        h.write_usize(p);
        h
    }

    /// The state a calm phase of proposer `p` is in, as a hash (a calm setup's queue network): the
    /// nodes, their disks, the ghost state and the messages in flight in their order. The calm
    /// phase's next steps depend on nothing else, so two calm phases that reach states with the
    /// same key go on the same way from there (the assumption the visited set already makes).
    pub fn calm_state_key(&self, p: usize) -> u64 {
        debug_assert!(self.setup.hashing && !self.setup.sticky);
        let mut h = self.calm_hasher(p);
        h.write_usize(self.net.len());
        for e in self.net.iter() {
            h.write_u64(e.key);
        }
        h.finish()
    }

    /// The same nodes, disks and ghost state, with the network as a queue holding nothing: the
    /// system as it is when every message not yet delivered is lost and the faults stop (a
    /// schedule the network allows at any point). The calm phase starts from this.
    pub fn without_network(&self) -> World {
        self.without_network_in(self.setup.calm_setup())
    }

    /// [`World::without_network`] in a given queue-network setup: the exhaustive search runs
    /// all its calm phases in one, so they share its memo of transitions (a transition depends
    /// on the node's state and the input, not on how the network holds messages).
    pub fn without_network_in(&self, setup: Rc<Setup>) -> World {
        debug_assert!(!setup.sticky && setup.acceptors == self.acc.len());
        World {
            setup,
            net: Rc::new(Vec::with_capacity(8)),
            net_sum: 0,
            sent: Vec::new(),
            ..self.clone()
        }
    }

    /// A short description of every node, for reports.
    pub fn describe_nodes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (a, s) in self.acc.iter().enumerate() {
            let mut line = format!("{}: ", node_name(acceptor_id(a)));
            if s.node.is_none() {
                line.push_str("down; ");
            }
            let _ = write!(line, "disk {}", self.disk_str(a));
            if let Some(n) = &s.node {
                let _ = write!(line, "; state {}", debug_line(&**n, acceptor_id(a)));
            }
            lines.push(line);
        }
        for (p, s) in self.prop.iter().enumerate() {
            let g = &self.ghost.prop[p];
            let state = if s.node.is_none() { "stopped" } else { "up" };
            let debug = s
                .node
                .as_ref()
                .map(|n| format!("; state {}", debug_line(&**n, proposer_id(p))))
                .unwrap_or_default();
            lines.push(format!(
                "{}: {state}; decided {}{debug}",
                node_name(proposer_id(p)),
                g.decided
                    .as_ref()
                    .map(|v| v.0.as_str())
                    .unwrap_or("nothing")
            ));
        }
        lines
    }
}

impl Env {
    /// A total order on content (ties of `key` only): sender, receiver, kind, ballot, payload.
    fn cmp_content(&self, other: &Env) -> std::cmp::Ordering {
        (self.from, self.to)
            .cmp(&(other.from, other.to))
            .then_with(|| cmp_message(&self.msg, &other.msg))
    }
}

/// A total order on messages: kind, ballot, then the payload of each kind.
fn cmp_message(a: &Message, b: &Message) -> std::cmp::Ordering {
    type Rank<'a> = (
        u8,
        Ballot,
        Option<&'a Value>,
        Option<Ballot>,
        Option<Option<&'a Proposal>>,
    );
    fn rank(m: &Message) -> Rank<'_> {
        match m {
            Message::Prepare { ballot } => (0, *ballot, None, None, None),
            Message::Promise { ballot, accepted } => {
                (1, *ballot, None, None, Some(accepted.as_ref()))
            }
            Message::Accept { ballot, value } => (2, *ballot, Some(value), None, None),
            Message::Accepted { ballot } => (3, *ballot, None, None, None),
            Message::Nack { ballot, promised } => (4, *ballot, None, Some(*promised), None),
        }
    }
    rank(a).cmp(&rank(b))
}

/// May a proposer send `value` in phase 2, given the promises it received for the ballot?
/// Yes when some quorum of those promises makes `value` the highest-ballot value reported among
/// them, or reports nothing and `value` is one some client proposed (Paxos Made Simple, 2.2: "any
/// value"; validity limits it to proposed ones: usually the proposer's own, but one it adopted in
/// an earlier round is as good).
pub fn value_allowed(
    reports: &[(usize, &Option<(Ballot, Value)>)],
    value: &Value,
    proposed: &[&Value],
    quorum: usize,
) -> bool {
    let count = |pred: &dyn Fn(&Option<Proposal>) -> bool| {
        let mut who: Vec<usize> = reports
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(a, _)| *a)
            .collect();
        who.sort_unstable();
        who.dedup();
        who.len()
    };
    if proposed.contains(&value) && count(&|r| r.is_none()) >= quorum {
        return true;
    }
    reports
        .iter()
        .filter_map(|(_, r)| r.as_ref())
        .filter(|(_, v)| v == value)
        .any(|(b, _)| count(&|r| r.as_ref().is_none_or(|(rb, _)| rb <= b)) >= quorum)
}

/// The single-decree world on the generic explorers of [`crate::model`].
impl Model for World {
    type Step = Step;

    fn steps(&self) -> Vec<Step> {
        let mut v: Vec<Step> = (0..self.prop.len())
            .filter(|&p| !self.prop[p].proposed && self.proposer_up(p))
            .map(Step::Propose)
            .collect();
        for e in self.net.iter() {
            if self.node_up(e.to) {
                v.push(Step::Deliver(e.clone()));
                if !self.setup.sticky {
                    v.push(Step::Duplicate(e.clone()));
                }
            }
            if !self.setup.sticky {
                v.push(Step::Drop(e.clone()));
            }
        }
        self.search_steps_after_network(&mut v);
        v.extend((0..self.prop.len()).map(Step::Stop));
        v.retain(|s| World::enabled(self, s));
        v
    }

    fn enabled(&self, step: &Step) -> bool {
        World::enabled(self, step)
    }

    fn apply(&mut self, step: &Step) -> Result<(), Failure> {
        World::apply(self, step)
    }

    fn state_hash(&self) -> u64 {
        World::state_hash(self)
    }

    fn fault(step: &Step) -> Option<Fault> {
        match step {
            Step::Drop(_) => Some(Fault::Drop),
            Step::Duplicate(_) => Some(Fault::Duplicate),
            Step::Crash(_) => Some(Fault::Crash),
            Step::Timeout(_) => Some(Fault::Timeout),
            Step::Stop(_) => Some(Fault::Stop),
            // Restarts are not rationed: an acceptor may come back as often as it went down.
            Step::Propose(_) | Step::Deliver(_) | Step::Restart(_) => None,
        }
    }

    fn describe(step: &Step) -> String {
        step.describe()
    }

    fn calm_candidates(&self) -> Vec<usize> {
        (0..self.prop.len())
            .filter(|&p| self.proposer_up(p))
            .collect()
    }

    /// The set network's world starts its calm phase with its network lost (see
    /// [`crate::explore::calm_phase`]): made here at once, not cloned and then replaced.
    fn calm_start(&self) -> World {
        if self.setup.sticky {
            self.without_network()
        } else {
            self.clone()
        }
    }

    fn calm_candidates_into(&self, out: &mut Vec<usize>) {
        out.extend((0..self.prop.len()).filter(|&p| self.proposer_up(p)));
    }

    fn calm(&mut self, p: usize, taken: &mut Vec<Step>) -> Result<(), Failure> {
        crate::explore::calm_phase(self, p, taken)
    }

    fn calm_key(&self, p: usize) -> u64 {
        World::calm_key(self, p)
    }

    /// The exhaustive search's steps: every message delivered (the network is the set of
    /// messages ever sent), every acceptor crashed or restarted, every proposer timing out.
    fn search_steps(&self, out: &mut Vec<Step>) {
        for e in self.net.iter() {
            if self.node_up(e.to) {
                out.push(Step::Deliver(e.clone()));
            }
        }
        self.search_steps_after_network(out);
    }

    fn unchanged_from(&self, parent: &World) -> bool {
        World::unchanged_from(self, parent)
    }

    fn proposers(&self) -> usize {
        self.prop.len()
    }

    /// The sender of a message to an acceptor, the receiver of a reply, the proposer that
    /// proposes, times out or stops; crashes and restarts work for none.
    fn owner(step: &Step) -> Option<usize> {
        match step {
            Step::Deliver(e) | Step::Duplicate(e) | Step::Drop(e) => [e.to, e.from]
                .into_iter()
                .find(|id| id.0 > PROPOSER_BASE)
                .map(|id| (id.0 - PROPOSER_BASE - 1) as usize),
            Step::Propose(p) | Step::Timeout(p) | Step::Stop(p) => Some(*p),
            Step::Crash(_) | Step::Restart(_) => None,
        }
    }

    fn retire(&mut self, p: usize) -> Option<Step> {
        (self.proposer_up(p) && World::retire(self, p).is_ok()).then_some(Step::Stop(p))
    }
}

impl World {
    /// Crashes and restarts, acceptor by acceptor, then timeouts (after the network's steps).
    fn search_steps_after_network(&self, out: &mut Vec<Step>) {
        for a in 0..self.acc.len() {
            out.push(if self.acceptor_up(a) {
                Step::Crash(a)
            } else {
                Step::Restart(a)
            });
        }
        for p in 0..self.prop.len() {
            if self.proposer_up(p) {
                out.push(Step::Timeout(p));
            }
        }
    }
}
