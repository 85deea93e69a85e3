//! The Multi-Paxos world: acceptors over slots with their disks, leaders handed client commands,
//! a network that loses, duplicates, delays and reorders, and the ghost state the properties are
//! checked against after every step. It is a [`Model`]: the generic explorers of [`crate::model`]
//! run on it.
//!
//! The properties (names as the report gives them):
//! - `agreement`: at most one command is chosen in each slot;
//! - `validity`: a chosen command was submitted by a client, or is a no-op;
//! - `learned-means-chosen`: what `chosen()` reports for a slot was chosen there, and stays;
//! - `conformance`: Paxos Made Simple section 3, step by step: an Accept for slot s only after
//!   promises for its ballot that cover s from a quorum, with the highest-ballot command they
//!   report for s or, when none reports one, a submitted command or a no-op; one command per
//!   ballot and slot; ballots the leader's own and growing; the acceptor's rules per slot;
//! - `steady-state`: a leader that finished phase 1 and was not refused since (no Nack, no
//!   timeout) sends a new command's Accept in `submit` itself, and no Prepare;
//! - `liveness`: once faults stop (every message in flight lost, crashed acceptors restarted
//!   until a majority is up, every other leader stopped) and one leader keeps timing out, it leads (phase 1 finished for
//!   its latest ballot, no Nack for that ballot since), knows every slot up to the highest chosen
//!   one (holes filled), and every command submitted to it is chosen, within [`CALM_TIMEOUTS`]
//!   timeouts.

pub mod check;
pub mod lessons;
pub mod nodes;
pub mod runner;
pub mod trace;
pub mod traces;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use multipaxos_api::{
    AcceptorRecord, Ballot, Command, Disk, Message, NodeId, Outbox, Slot, SlotProposal,
};

use crate::guard::{self, CallKind};
use crate::hash::{hash_debug, hash_of, Hashed, StableHasher};
use crate::model::{violation, Failure, Fault, Model};
use crate::world::{acceptor_id, node_name, proposer_id};
use nodes::{AcceptorDyn, Impls, LeaderDyn};

/// Timeouts of the calm phase before liveness is given up on.
pub const CALM_TIMEOUTS: u32 = 6;
/// Deliveries after each timeout of the calm phase.
pub const CALM_DELIVERIES: u32 = 400;

/// A message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Env {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
}

fn ballot_str(b: &Ballot) -> String {
    format!("{},{}", b.round, node_name(b.proposer))
}

/// `x1` for `Op("x1")`, `no-op` for `Noop`.
pub fn command_str(c: &Command) -> String {
    match c {
        Command::Op(s) => s.clone(),
        Command::Noop => "no-op".into(),
    }
}

/// A message in the words of the diagrams: `Accept(2,P1 s0 x1)`.
pub fn message_str(m: &Message) -> String {
    match m {
        Message::Prepare { ballot, first } => {
            format!("Prepare({} from s{first})", ballot_str(ballot))
        }
        Message::Promise {
            ballot, accepted, ..
        } => {
            let reps: Vec<String> = accepted
                .iter()
                .map(|r| {
                    format!(
                        "s{}={}@{}",
                        r.slot,
                        command_str(&r.command),
                        ballot_str(&r.ballot)
                    )
                })
                .collect();
            if reps.is_empty() {
                format!("Promise({})", ballot_str(ballot))
            } else {
                format!("Promise({} {})", ballot_str(ballot), reps.join(" "))
            }
        }
        Message::Accept {
            ballot,
            slot,
            command,
        } => format!(
            "Accept({} s{slot} {})",
            ballot_str(ballot),
            command_str(command)
        ),
        Message::Accepted { ballot, slot } => format!("Accepted({} s{slot})", ballot_str(ballot)),
        Message::Nack { ballot, promised } => format!(
            "Nack({} promised {})",
            ballot_str(ballot),
            ballot_str(promised)
        ),
    }
}

/// The kind of a message (`Prepare`, ...), for trace selectors.
pub fn message_kind(m: &Message) -> &'static str {
    match m {
        Message::Prepare { .. } => "Prepare",
        Message::Promise { .. } => "Promise",
        Message::Accept { .. } => "Accept",
        Message::Accepted { .. } => "Accepted",
        Message::Nack { .. } => "Nack",
    }
}

/// The slot a message is about, if it is about one.
pub fn message_slot(m: &Message) -> Option<Slot> {
    match m {
        Message::Accept { slot, .. } | Message::Accepted { slot, .. } => Some(*slot),
        _ => None,
    }
}

/// One atomic event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The client of leader i submits its next command.
    Submit(usize),
    /// Deliver one copy of a message.
    Deliver(Rc<Env>),
    /// Deliver a message and keep a copy in flight.
    Duplicate(Rc<Env>),
    /// Lose one copy of a message.
    Drop(Rc<Env>),
    /// Acceptor i crashes: everything but its disk is lost.
    Crash(usize),
    /// Acceptor i restarts from its disk.
    Restart(usize),
    /// Leader i times out.
    Timeout(usize),
    /// Leader i stops for good.
    Stop(usize),
    /// Faults stop, for leader i's calm phase: every message in flight is lost, crashed acceptors
    /// restart until a majority is up, every other leader stops.
    Calm(usize),
}

impl Step {
    /// One line, in the words of the trace language.
    pub fn describe(&self) -> String {
        let env = |verb: &str, e: &Env| {
            format!(
                "{verb} {} {}->{}",
                message_str(&e.msg),
                node_name(e.from),
                node_name(e.to)
            )
        };
        match self {
            Step::Submit(p) => format!("submit {}", node_name(proposer_id(*p))),
            Step::Deliver(e) => env("deliver", e),
            Step::Duplicate(e) => env("dup", e),
            Step::Drop(e) => env("drop", e),
            Step::Crash(a) => format!("crash {}", node_name(acceptor_id(*a))),
            Step::Restart(a) => format!("restart {}", node_name(acceptor_id(*a))),
            Step::Timeout(p) => format!("timeout {}", node_name(proposer_id(*p))),
            Step::Stop(p) => format!("stop {}", node_name(proposer_id(*p))),
            Step::Calm(p) => format!("calm {}", node_name(proposer_id(*p))),
        }
    }
}

/// A world's fixed parameters.
#[derive(Debug)]
pub struct Setup {
    pub impls: Impls,
    pub acceptors: usize,
    /// The commands each leader's client submits, in order.
    pub ops: Vec<Vec<String>>,
    pub acceptor_ids: Vec<NodeId>,
}

impl Setup {
    pub fn new(impls: Impls, acceptors: usize, ops: Vec<Vec<String>>) -> Rc<Setup> {
        Rc::new(Setup {
            impls,
            acceptors,
            ops,
            acceptor_ids: (0..acceptors).map(acceptor_id).collect(),
        })
    }

    /// `leaders` leaders, leader i's client submitting `per` commands (`x1`, `x2` for P1, `y1`
    /// for P2, ...).
    pub fn standard(impls: Impls, acceptors: usize, leaders: usize, per: usize) -> Rc<Setup> {
        let ops = (0..leaders)
            .map(|p| {
                let letter = (b'x' + (p as u8 % 3)) as char;
                (1..=per).map(|k| format!("{letter}{k}")).collect()
            })
            .collect();
        Setup::new(impls, acceptors, ops)
    }

    pub fn leaders(&self) -> usize {
        self.ops.len()
    }

    pub fn quorum(&self) -> usize {
        self.acceptors / 2 + 1
    }
}

/// What the harness knows of one acceptor, across crashes.
#[derive(Clone, Debug, Default)]
pub struct AccGhost {
    /// The highest ballot it promised (in a Promise) or accepted at.
    pub promised: Option<Ballot>,
    /// Per slot, the highest-ballot proposal it replied Accepted to.
    pub accepted: BTreeMap<Slot, (Ballot, Command)>,
    /// Restarts so far (messages only).
    pub restarts: u32,
}

impl Hash for AccGhost {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.promised.hash(h);
        self.accepted.hash(h);
    }
}

/// A proposal in one slot: the ballot and the command.
pub type Proposal = (Ballot, Command);
/// What one promise reported: the `first` slot it covers, and the proposal per slot.
pub type PromiseReport = (Slot, BTreeMap<Slot, Proposal>);

/// What the harness knows of one leader.
#[derive(Clone, Debug, Default, Hash)]
pub struct LeadGhost {
    /// How many of its client's commands were submitted.
    pub submitted: usize,
    /// The highest ballot it sent a Prepare for.
    pub max_prepare: Option<Ballot>,
    /// Promises delivered to it: ballot -> acceptor index -> (first, reports by slot).
    pub promises: BTreeMap<Ballot, BTreeMap<usize, PromiseReport>>,
    /// Accepts it sent: (ballot, slot) -> command.
    pub accepts: BTreeMap<(Ballot, Slot), Command>,
    /// The ballot it leads at: phase 1 finished for it, no Nack and no timeout since.
    pub steady: Option<Ballot>,
    /// The ballot it leads at, for the liveness goal: phase 1 finished for its latest ballot and
    /// no Nack for that ballot since. Unlike `steady`, a timeout that sends no Prepare (the
    /// contract lets a leader whose commands are all chosen ignore it) and a late Nack for an
    /// older ballot leave it leading.
    pub leads: Option<Ballot>,
    /// A Nack for its latest ballot reached it.
    pub refused_latest: bool,
    /// A Nack reached it since its latest Prepare.
    pub refused: bool,
    /// What `chosen()` returned last.
    pub learned: BTreeMap<Slot, Command>,
}

/// (slot, ballot) -> (command, bitmask of acceptors that accepted it).
pub type Votes = BTreeMap<(Slot, Ballot), (Command, u32)>;

/// The ghost state. Each part is shared between the worlds of a search until a step changes it
/// (`Rc::make_mut`), and keeps its hash until then ([`Hashed`]).
#[derive(Clone, Debug, Default, Hash)]
pub struct Ghost {
    pub acc: Vec<Rc<Hashed<AccGhost>>>,
    pub lead: Vec<Rc<Hashed<LeadGhost>>>,
    /// (slot, ballot) -> (command, bitmask of acceptors that accepted it).
    pub votes: Rc<Hashed<Votes>>,
    /// The command chosen in each slot, with the ballot it was first chosen at.
    pub chosen: Rc<Hashed<BTreeMap<Slot, (Ballot, Command)>>>,
}

/// The Multi-Paxos world.
#[derive(Clone)]
pub struct World {
    pub setup: Rc<Setup>,
    pub acceptors: Vec<Option<Rc<dyn AcceptorDyn>>>,
    pub disks: Vec<Disk>,
    pub leaders: Vec<Option<Rc<dyn LeaderDyn>>>,
    /// Messages in flight, in the order they were sent.
    pub network: Vec<Rc<Env>>,
    /// The order-insensitive hash of the network (a sum of its envelopes' hashes).
    net_sum: u64,
    pub ghost: Ghost,
    /// Each acceptor's hash (its `Debug` text and its disk) and each leader's, kept up to date
    /// after every call into it: the state hash reads them instead of formatting every node.
    acc_h: Vec<u64>,
    lead_h: Vec<u64>,
    /// Keep `acc_h` and `lead_h` up to date (a search); random schedules and traces never hash.
    hashing: bool,
    /// Steps taken since the start (not part of the state: for messages and the step echo).
    steps: u32,
}

fn env_hash(e: &Env) -> u64 {
    hash_of(e)
}

fn make_mut_acc(node: &mut Rc<dyn AcceptorDyn>) -> Result<&mut dyn AcceptorDyn, Failure> {
    if Rc::get_mut(node).is_none() {
        let copy = guard::call(CallKind::Clone, 0, || node.clone_rc())?;
        *node = copy;
    }
    Ok(Rc::get_mut(node).expect("a fresh copy is unshared"))
}

fn make_mut_lead(node: &mut Rc<dyn LeaderDyn>) -> Result<&mut dyn LeaderDyn, Failure> {
    if Rc::get_mut(node).is_none() {
        let copy = guard::call(CallKind::Clone, 0, || node.clone_rc())?;
        *node = copy;
    }
    Ok(Rc::get_mut(node).expect("a fresh copy is unshared"))
}

fn quorum_ok(mask: u32, quorum: usize) -> bool {
    mask.count_ones() as usize >= quorum
}

impl World {
    /// Every node started, nothing sent.
    pub fn new(setup: Rc<Setup>) -> Result<World, Failure> {
        let n = setup.acceptors;
        let mut acceptors = Vec::with_capacity(n);
        let disks = vec![Disk::new(); n];
        for (a, disk) in disks.iter().enumerate() {
            let id = acceptor_id(a);
            let node = guard::call(CallKind::AcceptorStart, id.0, || {
                (setup.impls.acceptor)(id, disk)
            })?;
            acceptors.push(Some(node));
        }
        let mut leaders = Vec::new();
        for p in 0..setup.leaders() {
            let id = proposer_id(p);
            let ids = setup.acceptor_ids.clone();
            let node = guard::call(CallKind::LeaderStart, id.0, || {
                (setup.impls.leader)(id, &ids)
            })?;
            leaders.push(Some(node));
        }
        let ghost = Ghost {
            acc: (0..n)
                .map(|_| Rc::new(Hashed::new(AccGhost::default())))
                .collect(),
            lead: (0..setup.leaders())
                .map(|_| Rc::new(Hashed::new(LeadGhost::default())))
                .collect(),
            ..Ghost::default()
        };
        Ok(World {
            acc_h: vec![0; setup.acceptors],
            lead_h: vec![0; setup.leaders()],
            setup,
            acceptors,
            disks,
            leaders,
            network: Vec::new(),
            net_sum: 0,
            ghost,
            hashing: false,
            steps: 0,
        })
    }

    /// This world, hashing its nodes from now on (what a search needs).
    pub fn hashing(&self) -> Result<World, Failure> {
        let mut w = self.clone();
        w.hashing = true;
        for a in 0..w.setup.acceptors {
            w.rehash_acc(a)?;
        }
        for p in 0..w.setup.leaders() {
            w.rehash_lead(p)?;
        }
        Ok(w)
    }

    /// Acceptor a's hash, after a call into it, a crash or a restart.
    fn rehash_acc(&mut self, a: usize) -> Result<(), Failure> {
        if !self.hashing {
            return Ok(());
        }
        let id = acceptor_id(a);
        let node = match &self.acceptors[a] {
            Some(n) => guard::call(CallKind::Debug, id.0, || hash_debug(&**n))?,
            None => 0,
        };
        self.acc_h[a] = node.rotate_left(17) ^ hash_of(&self.disks[a].load());
        Ok(())
    }

    /// Leader p's hash, after a call into it or its stop.
    fn rehash_lead(&mut self, p: usize) -> Result<(), Failure> {
        if !self.hashing {
            return Ok(());
        }
        let id = proposer_id(p);
        self.lead_h[p] = match &self.leaders[p] {
            Some(n) => guard::call(CallKind::Debug, id.0, || hash_debug(&**n))?,
            None => 1,
        };
        Ok(())
    }

    fn leader_index(&self, id: NodeId) -> Option<usize> {
        (0..self.setup.leaders()).find(|p| proposer_id(*p) == id)
    }

    fn acceptor_index(&self, id: NodeId) -> Option<usize> {
        (0..self.setup.acceptors).find(|a| acceptor_id(*a) == id)
    }

    fn enqueue(&mut self, e: Env) {
        // A message to a leader that stopped is lost at once.
        if let Some(p) = self.leader_index(e.to) {
            if self.leaders[p].is_none() {
                return;
            }
        }
        self.net_sum = self.net_sum.wrapping_add(env_hash(&e));
        self.network.push(Rc::new(e));
    }

    fn take(&mut self, e: &Env) -> bool {
        match self.network.iter().position(|x| **x == *e) {
            Some(i) => {
                let x = self.network.remove(i);
                self.net_sum = self.net_sum.wrapping_sub(env_hash(&x));
                true
            }
            None => false,
        }
    }

    /// Has some client submitted `op` so far?
    fn was_submitted(&self, op: &str) -> bool {
        self.ghost
            .lead
            .iter()
            .enumerate()
            .any(|(p, g)| self.setup.ops[p][..g.submitted].iter().any(|o| o == op))
    }

    fn deliverable(&self, e: &Env) -> bool {
        match self.acceptor_index(e.to) {
            Some(a) => self.acceptors[a].is_some(),
            None => self
                .leader_index(e.to)
                .is_some_and(|p| self.leaders[p].is_some()),
        }
    }

    /// The leader's client has a command left to submit.
    fn has_op(&self, p: usize) -> bool {
        self.ghost.lead[p].submitted < self.setup.ops[p].len()
    }

    fn deliver(&mut self, e: &Env) -> Result<(), Failure> {
        if let Some(a) = self.acceptor_index(e.to) {
            self.deliver_to_acceptor(a, e)
        } else if let Some(p) = self.leader_index(e.to) {
            self.deliver_to_leader(p, e)
        } else {
            Ok(())
        }
    }

    fn deliver_to_acceptor(&mut self, a: usize, e: &Env) -> Result<(), Failure> {
        let id = acceptor_id(a);
        let who = node_name(id);
        let Some(node) = self.acceptors[a].as_mut() else {
            return Ok(());
        };
        let node = make_mut_acc(node)?;
        let disk = &mut self.disks[a];
        let reply = match &e.msg {
            Message::Prepare { ballot, first } => {
                let (b, f) = (*ballot, *first);
                guard::call(CallKind::OnPrepare, id.0, || node.on_prepare(b, f, disk))?
            }
            Message::Accept {
                ballot,
                slot,
                command,
            } => {
                let (b, s, c) = (*ballot, *slot, command.clone());
                guard::call(CallKind::OnAccept, id.0, || node.on_accept(b, s, c, disk))?
            }
            _ => return Ok(()),
        };
        self.rehash_acc(a)?;
        let Some(reply) = reply else { return Ok(()) };
        self.check_acceptor_reply(a, &e.msg, &reply, &who)?;
        self.enqueue(Env {
            from: id,
            to: e.from,
            msg: reply,
        });
        Ok(())
    }

    /// The acceptor's rules (PMS 2.2 per slot), and the ghost updated from its reply.
    fn check_acceptor_reply(
        &mut self,
        a: usize,
        req: &Message,
        reply: &Message,
        who: &str,
    ) -> Result<(), Failure> {
        let quorum = self.setup.quorum();
        let g = Rc::make_mut(&mut self.ghost.acc[a]);
        let restarted = if g.restarts > 0 {
            format!(" ({who} restarted {} time(s) before this)", g.restarts)
        } else {
            String::new()
        };
        match (req, reply) {
            (_, Message::Nack { .. }) => Ok(()),
            (Message::Prepare { ballot, first }, Message::Promise { ballot: pb, first: pf, accepted }) => {
                if pb != ballot || pf != first {
                    return Err(violation(
                        "conformance",
                        "promise-wrong-ballot",
                        format!("{who} answered Prepare({} from s{first}) with {}: a Promise must carry the ballot and first slot of the Prepare it answers", ballot_str(ballot), message_str(reply)),
                    ));
                }
                if let Some(p) = g.promised {
                    if *ballot < p {
                        return Err(violation(
                            "conformance",
                            "promise-lower",
                            format!("{who} promised ballot ({}) after promising or accepting at ({}){restarted}: a promise is never again to accept a lower ballot (Paxos Made Simple 2.2)", ballot_str(ballot), ballot_str(&p)),
                        ));
                    }
                }
                let reported = highest_by_slot(accepted);
                for (s, (b, c)) in g.accepted.range(*first..) {
                    match reported.get(s) {
                        Some((rb, rc)) if rb == b && rc == c => {}
                        other => {
                            let said = match other {
                                Some((rb, rc)) => format!("reported {} at ({})", command_str(rc), ballot_str(rb)),
                                None => "reported nothing".into(),
                            };
                            return Err(violation(
                                "conformance",
                                "promise-hides-accepted",
                                format!("{who} promised ({}) from slot {first} and {said} for slot {s}, but it had accepted {} at ({}) there{restarted}: a promise reports, for every slot it covers, the highest-ballot proposal accepted in it", ballot_str(ballot), command_str(c), ballot_str(b)),
                            ));
                        }
                    }
                }
                for (s, (b, c)) in &reported {
                    if *s >= *first && !g.accepted.contains_key(s) {
                        return Err(violation(
                            "conformance",
                            "promise-reports-unaccepted",
                            format!("{who} reported {} at ({}) for slot {s} in a promise, but it never accepted anything there", command_str(c), ballot_str(b)),
                        ));
                    }
                }
                g.promised = Some(g.promised.map_or(*ballot, |p| p.max(*ballot)));
                Ok(())
            }
            (Message::Accept { ballot, slot, command }, Message::Accepted { ballot: ab, slot: as_ }) => {
                if ab != ballot || as_ != slot {
                    return Err(violation(
                        "conformance",
                        "accepted-wrong-ballot",
                        format!("{who} answered {} with {}: Accepted must carry the ballot and slot of the Accept it answers", message_str(req), message_str(reply)),
                    ));
                }
                if let Some(p) = g.promised {
                    if *ballot < p {
                        return Err(violation(
                            "conformance",
                            "accept-below-promise",
                            format!("{who} accepted {} in slot {slot} at ballot ({}) after promising ({}){restarted}: an acceptor accepts only ballots at least its promise, in every slot (Paxos Made Simple 2.2, section 3)", command_str(command), ballot_str(ballot), ballot_str(&p)),
                        ));
                    }
                }
                g.promised = Some(g.promised.map_or(*ballot, |p| p.max(*ballot)));
                let e = g.accepted.entry(*slot).or_insert((*ballot, command.clone()));
                if *ballot >= e.0 {
                    *e = (*ballot, command.clone());
                }
                // The vote, and whether it chose something.
                let v = Rc::make_mut(&mut self.ghost.votes)
                    .entry((*slot, *ballot))
                    .or_insert((command.clone(), 0));
                if v.0 != *command {
                    // Two commands at one ballot in one slot: the leader's conformance check
                    // catches that when it sends them; a learner acceptor cannot cause it.
                    return Ok(());
                }
                v.1 |= 1 << a;
                if quorum_ok(v.1, quorum) {
                    self.chose(*slot, *ballot, command.clone())?;
                }
                Ok(())
            }
            (req, reply) => Err(violation(
                "conformance",
                "wrong-reply",
                format!("{who} answered {} with {}: a Prepare is answered by Promise or Nack, an Accept by Accepted or Nack", message_str(req), message_str(reply)),
            )),
        }
    }

    /// `command` was chosen in `slot` at `ballot`: agreement and validity.
    fn chose(&mut self, slot: Slot, ballot: Ballot, command: Command) -> Result<(), Failure> {
        if let Some((b0, c0)) = self.ghost.chosen.get(&slot) {
            if *c0 != command {
                return Err(violation(
                    "agreement",
                    "two-chosen",
                    format!("two commands were chosen in slot {slot}: {} at ballot ({}), then {} at ballot ({}) (each accepted by a majority of acceptors)", command_str(c0), ballot_str(b0), command_str(&command), ballot_str(&ballot)),
                ));
            }
            return Ok(());
        }
        if let Command::Op(op) = &command {
            if !self.was_submitted(op) {
                return Err(violation(
                    "validity",
                    "not-submitted",
                    format!("{op} was chosen in slot {slot}, but no client submitted it: a chosen command must be one a client submitted, or a no-op"),
                ));
            }
        }
        Rc::make_mut(&mut self.ghost.chosen).insert(slot, (ballot, command));
        Ok(())
    }

    fn deliver_to_leader(&mut self, p: usize, e: &Env) -> Result<(), Failure> {
        let Some(a) = self.acceptor_index(e.from) else {
            return Ok(());
        };
        // The ghost first: what the leader now knows.
        let g = Rc::make_mut(&mut self.ghost.lead[p]);
        let promised_before = match &e.msg {
            Message::Promise { ballot, .. } => g.promises.get(ballot).map_or(0, |m| m.len()),
            _ => 0,
        };
        match &e.msg {
            Message::Promise {
                ballot,
                first,
                accepted,
            } => {
                let reports = highest_by_slot(accepted);
                g.promises
                    .entry(*ballot)
                    .or_default()
                    .entry(a)
                    .or_insert((*first, reports));
            }
            Message::Nack { ballot, .. } => {
                g.steady = None;
                g.refused = true;
                if Some(*ballot) == g.max_prepare {
                    g.leads = None;
                    g.refused_latest = true;
                }
            }
            _ => {}
        }
        let id = proposer_id(p);
        let Some(node) = self.leaders[p].as_mut() else {
            return Ok(());
        };
        let node = make_mut_lead(node)?;
        let mut out = Outbox::new();
        let (from, msg) = (e.from, e.msg.clone());
        guard::call(CallKind::LeaderOnMessage, id.0, || {
            node.on_message(from, msg, &mut out)
        })?;
        self.rehash_lead(p)?;
        let sent = out.drain();
        self.leader_sent(p, &sent, "on_message")?;
        // Phase 1 finished for its current ballot?
        let g = Rc::make_mut(&mut self.ghost.lead[p]);
        if let (Message::Promise { ballot, .. }, Some(cur)) = (&e.msg, g.max_prepare) {
            let q = self.setup.quorum();
            if *ballot == cur
                && !g.refused
                && promised_before < q
                && g.promises.get(&cur).is_some_and(|m| m.len() >= q)
            {
                g.steady = Some(cur);
            }
            if *ballot == cur
                && !g.refused_latest
                && g.promises.get(&cur).is_some_and(|m| m.len() >= q)
            {
                g.leads = Some(cur);
            }
        }
        self.check_learned(p)
    }

    /// The conformance of what leader p sent in one call, and the ghost updated.
    fn leader_sent(
        &mut self,
        p: usize,
        sent: &[(NodeId, Message)],
        call: &str,
    ) -> Result<(), Failure> {
        let id = proposer_id(p);
        let who = node_name(id);
        let quorum = self.setup.quorum();
        for (to, m) in sent {
            if self.acceptor_index(*to).is_none() {
                return Err(violation(
                    "conformance",
                    "send-to-non-acceptor",
                    format!(
                        "{who} sent {} to {}: a leader sends Prepare and Accept to acceptors only",
                        message_str(m),
                        node_name(*to)
                    ),
                ));
            }
            // May the command of an Accept be a new one (a no-op, or one a client submitted)?
            let fresh = match m {
                Message::Accept {
                    command: Command::Op(o),
                    ..
                } => self.was_submitted(o),
                _ => true,
            };
            let g = Rc::make_mut(&mut self.ghost.lead[p]);
            match m {
                Message::Prepare { ballot, .. } => {
                    if ballot.proposer != id {
                        return Err(violation(
                            "conformance",
                            "ballot-not-own",
                            format!("{who} sent Prepare for ballot ({}), which belongs to {}: ballots are unique to their proposer (Ballot::new(round, self.id))", ballot_str(ballot), node_name(ballot.proposer)),
                        ));
                    }
                    if let Some(mp) = g.max_prepare {
                        if *ballot < mp {
                            return Err(violation(
                                "conformance",
                                "ballot-not-growing",
                                format!("{who} sent Prepare for ballot ({}) after one for ({}): each new ballot must be higher than every one used before", ballot_str(ballot), ballot_str(&mp)),
                            ));
                        }
                    }
                    if let Some(b) = g.steady {
                        if call != "on_timeout" {
                            return Err(violation(
                                "steady-state",
                                "prepare-in-steady-state",
                                format!("{who} sent {} from {call} while it led at ballot ({}), with no Nack and no timeout since: once phase 1 has finished, the leader runs only phase 2 (Paxos Made Simple section 3; one round trip per command)", message_str(m), ballot_str(&b)),
                            ));
                        }
                    }
                    if g.max_prepare.is_none_or(|mp| *ballot > mp) {
                        g.refused = false;
                        g.steady = None;
                        g.refused_latest = false;
                        g.leads = None;
                    }
                    g.max_prepare = Some(g.max_prepare.map_or(*ballot, |mp| mp.max(*ballot)));
                }
                Message::Accept {
                    ballot,
                    slot,
                    command,
                } => {
                    let s = *slot;
                    if ballot.proposer != id || g.max_prepare.is_none_or(|mp| *ballot > mp) {
                        return Err(violation(
                            "conformance",
                            "accept-without-prepare",
                            format!("{who} sent {} without having sent a Prepare for that ballot: phase 2 needs phase 1 first", message_str(m)),
                        ));
                    }
                    if let Some(c0) = g.accepts.get(&(*ballot, s)) {
                        if c0 != command {
                            return Err(violation(
                                "conformance",
                                "two-commands-one-ballot",
                                format!("{who} sent Accept for slot {s} at ballot ({}) with {} and with {}: one ballot proposes one command per slot", ballot_str(ballot), command_str(c0), command_str(command)),
                            ));
                        }
                    }
                    let empty = BTreeMap::new();
                    let promises = g.promises.get(ballot).unwrap_or(&empty);
                    let covering: Vec<(usize, Option<&(Ballot, Command)>)> = promises
                        .iter()
                        .filter(|(_, (first, _))| *first <= s)
                        .map(|(a, (_, reps))| (*a, reps.get(&s)))
                        .collect();
                    if covering.len() < quorum {
                        return Err(violation(
                            "conformance",
                            "accept-without-quorum",
                            format!("{who} sent {} with promises for that ballot covering slot {s} from {} acceptor(s) only; a quorum is {quorum} (Paxos Made Simple section 3: phase 2 for a slot only after phase 1 covers it)", message_str(m), covering.len()),
                        ));
                    }
                    if !command_allowed(&covering, command, fresh, quorum) {
                        let highest = covering
                            .iter()
                            .filter_map(|(_, r)| *r)
                            .max_by_key(|(b, _)| *b);
                        let why = match highest {
                            Some((b, c)) => format!("the promises it received report {} at ({}) for slot {s}: it must propose the highest-ballot command reported (Paxos Made Simple 2.2, P2c, slot by slot)", command_str(c), ballot_str(b)),
                            None => format!("no promise reports a command for slot {s}, so it may propose a submitted command or a no-op, nothing else"),
                        };
                        return Err(violation(
                            "conformance",
                            "wrong-command",
                            format!("{who} sent {}, but {why}", message_str(m)),
                        ));
                    }
                    g.accepts.insert((*ballot, s), command.clone());
                }
                other => {
                    return Err(violation(
                        "conformance",
                        "leader-sent-reply",
                        format!(
                            "{who} sent {} to {}: a leader sends only Prepare and Accept",
                            message_str(other),
                            node_name(*to)
                        ),
                    ))
                }
            }
        }
        for (to, m) in sent {
            self.enqueue(Env {
                from: id,
                to: *to,
                msg: m.clone(),
            });
        }
        Ok(())
    }

    /// Learned-means-chosen and stable, for leader p.
    fn check_learned(&mut self, p: usize) -> Result<(), Failure> {
        let id = proposer_id(p);
        let who = node_name(id);
        let Some(node) = self.leaders[p].as_ref() else {
            return Ok(());
        };
        let log = guard::call(CallKind::Chosen, id.0, || node.chosen())?;
        for (s, c) in &log {
            match self.ghost.chosen.get(s) {
                Some((_, c0)) if c0 == c => {}
                Some((_, c0)) => {
                    return Err(violation(
                        "learned-means-chosen",
                        "learned-wrong",
                        format!("{who}'s chosen() says slot {s} holds {}, but {} was chosen there", command_str(c), command_str(c0)),
                    ))
                }
                None => {
                    return Err(violation(
                        "learned-means-chosen",
                        "learned-not-chosen",
                        format!("{who}'s chosen() says slot {s} holds {}, but nothing is chosen in slot {s} yet: a slot is chosen only when a majority of acceptors accepted one proposal in it", command_str(c)),
                    ))
                }
            }
        }
        for (s, c) in &self.ghost.lead[p].learned {
            if log.get(s) != Some(c) {
                return Err(violation(
                    "learned-means-chosen",
                    "learned-forgotten",
                    format!("{who}'s chosen() said slot {s} holds {}, and now says {}: what a leader knows chosen never changes", command_str(c), log.get(s).map_or("nothing".to_string(), command_str)),
                ));
            }
        }
        if self.ghost.lead[p].learned != log {
            Rc::make_mut(&mut self.ghost.lead[p]).learned = log;
        }
        Ok(())
    }

    fn timeout(&mut self, p: usize) -> Result<(), Failure> {
        let id = proposer_id(p);
        Rc::make_mut(&mut self.ghost.lead[p]).steady = None;
        let Some(node) = self.leaders[p].as_mut() else {
            return Ok(());
        };
        let node = make_mut_lead(node)?;
        let mut out = Outbox::new();
        guard::call(CallKind::LeaderOnTimeout, id.0, || {
            node.on_timeout(&mut out)
        })?;
        self.rehash_lead(p)?;
        let sent = out.drain();
        self.leader_sent(p, &sent, "on_timeout")?;
        self.check_learned(p)
    }

    fn submit(&mut self, p: usize) -> Result<(), Failure> {
        let id = proposer_id(p);
        let k = self.ghost.lead[p].submitted;
        let op = self.setup.ops[p][k].clone();
        Rc::make_mut(&mut self.ghost.lead[p]).submitted += 1;
        let Some(node) = self.leaders[p].as_mut() else {
            return Ok(());
        };
        let node = make_mut_lead(node)?;
        let mut out = Outbox::new();
        let arg = op.clone();
        guard::call(CallKind::Submit, id.0, || node.submit(arg, &mut out))?;
        self.rehash_lead(p)?;
        let sent = out.drain();
        let steady = self.ghost.lead[p].steady;
        self.leader_sent(p, &sent, "submit")?;
        if let Some(b) = steady {
            let proposed = sent.iter().any(|(_, m)| {
                matches!(m, Message::Accept { ballot, command: Command::Op(o), .. } if *ballot == b && *o == op)
            });
            if !proposed {
                return Err(violation(
                    "steady-state",
                    "submit-not-proposed",
                    format!("{} led at ballot ({}) with no Nack and no timeout since, and submit({op}) sent no Accept for {op}: in the steady state a new command goes straight to phase 2, in the next free slot", node_name(id), ballot_str(&b)),
                ));
            }
        }
        self.check_learned(p)
    }

    fn restart(&mut self, a: usize) -> Result<(), Failure> {
        let id = acceptor_id(a);
        let f = self.setup.impls.acceptor;
        let disk = &self.disks[a];
        let node = guard::call(CallKind::AcceptorStart, id.0, || f(id, disk))?;
        self.acceptors[a] = Some(node);
        Rc::make_mut(&mut self.ghost.acc[a]).restarts += 1;
        self.rehash_acc(a)
    }

    /// Leader p's goal in a calm phase; `Err` says what is missing.
    fn goal(&self, p: usize) -> Result<(), String> {
        let g = &self.ghost.lead[p];
        if g.leads.is_none() {
            let q = self.setup.quorum();
            let finished = g
                .max_prepare
                .and_then(|b| g.promises.get(&b))
                .is_some_and(|m| m.len() >= q);
            return Err(match (finished, g.max_prepare) {
                (true, Some(b)) => format!(
                    "it does not lead: a Nack refused its latest ballot ({})",
                    ballot_str(&b)
                ),
                _ => {
                    "it never finished phase 1 (no quorum of promises for its latest ballot)".into()
                }
            });
        }
        if let Some((top, _)) = self.ghost.chosen.iter().next_back() {
            let missing: Vec<String> = (0..=*top)
                .filter(|s| !g.learned.contains_key(s))
                .map(|s| format!("s{s}"))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "its log misses {} below slot {top}, the highest chosen (each hole must be learned or filled with a no-op)",
                    missing.join(", ")
                ));
            }
        }
        let mut log: Vec<&Command> = g.learned.values().collect();
        for op in &self.setup.ops[p][..g.submitted] {
            let c = Command::Op(op.clone());
            match log.iter().position(|x| **x == c) {
                Some(i) => {
                    log.swap_remove(i);
                }
                None => {
                    return Err(format!("{op}, submitted to it, is not in its log"));
                }
            }
        }
        Ok(())
    }

    /// Text of every node, for the report.
    pub fn describe_nodes(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (a, n) in self.acceptors.iter().enumerate() {
            let name = node_name(acceptor_id(a));
            match n {
                Some(n) => v.push(format!("{name}: {n:?}")),
                None => v.push(format!("{name}: crashed; disk {:?}", self.disks[a].load())),
            }
        }
        for (p, n) in self.leaders.iter().enumerate() {
            let name = node_name(proposer_id(p));
            match n {
                Some(n) => v.push(format!("{name}: {n:?}")),
                None => v.push(format!("{name}: stopped")),
            }
        }
        v
    }

    /// The record on acceptor a's disk.
    pub fn disk(&self, a: usize) -> Option<AcceptorRecord> {
        self.disks[a].load()
    }

    fn nodes_hash(&self, h: &mut StableHasher) {
        self.acc_h.hash(h);
        self.lead_h.hash(h);
        self.ghost.hash(h);
    }
}

/// The highest-ballot proposal of each slot among `reports` (a promise's, or several).
pub fn highest_by_slot<'a>(
    reports: impl IntoIterator<Item = &'a SlotProposal>,
) -> BTreeMap<Slot, Proposal> {
    let mut highest: BTreeMap<Slot, Proposal> = BTreeMap::new();
    for r in reports {
        let e = highest
            .entry(r.slot)
            .or_insert((r.ballot, r.command.clone()));
        if r.ballot > e.0 {
            *e = (r.ballot, r.command.clone());
        }
    }
    highest
}

/// May a leader propose `command` for a slot, given the promises covering it? Yes when some quorum
/// of them makes it the highest-ballot command reported, or reports nothing and the command is
/// `fresh` (a no-op, or one a client submitted).
fn command_allowed(
    covering: &[(usize, Option<&(Ballot, Command)>)],
    command: &Command,
    fresh: bool,
    quorum: usize,
) -> bool {
    let count = |pred: &dyn Fn(Option<&Proposal>) -> bool| {
        covering.iter().filter(|(_, r)| pred(*r)).count()
    };
    if fresh && count(&|r| r.is_none()) >= quorum {
        return true;
    }
    covering
        .iter()
        .filter_map(|(_, r)| *r)
        .filter(|(_, c)| c == command)
        .any(|(b, _)| count(&|r| r.is_none_or(|(rb, _)| rb <= b)) >= quorum)
}

impl Model for World {
    type Step = Step;

    fn steps(&self) -> Vec<Step> {
        let mut v = Vec::new();
        for p in 0..self.setup.leaders() {
            if self.leaders[p].is_some() && self.has_op(p) {
                v.push(Step::Submit(p));
            }
        }
        let mut seen: Vec<&Env> = Vec::new();
        for e in &self.network {
            if seen.contains(&&**e) {
                continue;
            }
            seen.push(e);
            if self.deliverable(e) {
                v.push(Step::Deliver(e.clone()));
                v.push(Step::Duplicate(e.clone()));
            }
            v.push(Step::Drop(e.clone()));
        }
        for a in 0..self.setup.acceptors {
            if self.acceptors[a].is_some() {
                v.push(Step::Crash(a));
            } else {
                v.push(Step::Restart(a));
            }
        }
        for p in 0..self.setup.leaders() {
            if self.leaders[p].is_some() {
                v.push(Step::Timeout(p));
            }
        }
        for p in 0..self.setup.leaders() {
            if self.leaders[p].is_some() {
                v.push(Step::Stop(p));
            }
        }
        v
    }

    fn enabled(&self, step: &Step) -> bool {
        match step {
            Step::Submit(p) => {
                *p < self.setup.leaders() && self.leaders[*p].is_some() && self.has_op(*p)
            }
            Step::Deliver(e) | Step::Duplicate(e) => {
                self.network.iter().any(|x| x == e) && self.deliverable(e)
            }
            Step::Drop(e) => self.network.iter().any(|x| x == e),
            Step::Crash(a) => *a < self.setup.acceptors && self.acceptors[*a].is_some(),
            Step::Restart(a) => *a < self.setup.acceptors && self.acceptors[*a].is_none(),
            Step::Timeout(p) | Step::Stop(p) => {
                *p < self.setup.leaders() && self.leaders[*p].is_some()
            }
            Step::Calm(p) => *p < self.setup.leaders() && self.leaders[*p].is_some(),
        }
    }

    fn apply(&mut self, step: &Step) -> Result<(), Failure> {
        self.steps += 1;
        guard::STEP.store(u64::from(self.steps), std::sync::atomic::Ordering::Relaxed);
        if guard::ECHO_STEPS.load(std::sync::atomic::Ordering::Relaxed) {
            echo_step(self.steps, step);
        }
        match step {
            Step::Submit(p) => self.submit(*p),
            Step::Deliver(e) => {
                if self.take(e) {
                    self.deliver(e)
                } else {
                    Ok(())
                }
            }
            Step::Duplicate(e) => self.deliver(e),
            Step::Drop(e) => {
                self.take(e);
                Ok(())
            }
            Step::Crash(a) => {
                self.acceptors[*a] = None;
                self.rehash_acc(*a)
            }
            Step::Restart(a) => self.restart(*a),
            Step::Timeout(p) => self.timeout(*p),
            Step::Stop(p) => {
                self.leaders[*p] = None;
                self.rehash_lead(*p)?;
                let id = proposer_id(*p);
                let mut sum = self.net_sum;
                self.network.retain(|e| {
                    if e.to == id {
                        sum = sum.wrapping_sub(env_hash(e));
                        false
                    } else {
                        true
                    }
                });
                self.net_sum = sum;
                Ok(())
            }
            Step::Calm(p) => {
                self.network.clear();
                self.net_sum = 0;
                // Crashed acceptors restart, lowest first, only until a majority is up: a minority
                // may stay down for good, and progress must not need it.
                let quorum = self.setup.quorum();
                for a in 0..self.setup.acceptors {
                    let up = self.acceptors.iter().filter(|n| n.is_some()).count();
                    if up >= quorum {
                        break;
                    }
                    if self.acceptors[a].is_none() {
                        self.restart(a)?;
                    }
                }
                for q in 0..self.setup.leaders() {
                    if q != *p {
                        self.leaders[q] = None;
                        self.rehash_lead(q)?;
                    }
                }
                Ok(())
            }
        }
    }

    fn state_hash(&self) -> u64 {
        let mut h = StableHasher::default();
        self.nodes_hash(&mut h);
        self.net_sum.hash(&mut h);
        self.network.len().hash(&mut h);
        h.finish()
    }

    fn fault(step: &Step) -> Option<Fault> {
        match step {
            Step::Drop(_) => Some(Fault::Drop),
            Step::Duplicate(_) => Some(Fault::Duplicate),
            Step::Crash(_) => Some(Fault::Crash),
            Step::Restart(_) => Some(Fault::Restart),
            Step::Timeout(_) => Some(Fault::Timeout),
            Step::Stop(_) => Some(Fault::Stop),
            _ => None,
        }
    }

    fn describe(step: &Step) -> String {
        step.describe()
    }

    fn calm_candidates(&self) -> Vec<usize> {
        (0..self.setup.leaders())
            .filter(|p| self.leaders[*p].is_some())
            .collect()
    }

    fn calm(&mut self, p: usize, taken: &mut Vec<Step>) -> Result<(), Failure> {
        let calm = Step::Calm(p);
        taken.push(calm.clone());
        self.apply(&calm)?;
        let who = node_name(proposer_id(p));
        let mut timeouts = 0;
        let mut deliveries = 0;
        loop {
            if self.goal(p).is_ok() {
                return Ok(());
            }
            if let Some(e) = self.network.iter().find(|e| self.deliverable(e)).cloned() {
                let s = Step::Deliver(e);
                taken.push(s.clone());
                self.apply(&s)?;
                deliveries += 1;
                if deliveries > CALM_DELIVERIES {
                    return Err(violation(
                        "liveness",
                        "no-progress",
                        format!("after faults stopped, {who}'s messages kept flowing for {CALM_DELIVERIES} deliveries without reaching its goal"),
                    ));
                }
                continue;
            }
            if timeouts == CALM_TIMEOUTS {
                let missing = self.goal(p).err().unwrap_or_default();
                return Err(violation(
                    "liveness",
                    "no-progress",
                    format!("after faults stopped, {who} timed out {CALM_TIMEOUTS} times, each time with every message in flight delivered and a majority of acceptors up, and still {missing}"),
                ));
            }
            timeouts += 1;
            deliveries = 0;
            let s = Step::Timeout(p);
            taken.push(s.clone());
            self.apply(&s)?;
        }
    }

    fn searching(&self) -> Result<World, Failure> {
        self.hashing()
    }

    fn calm_key(&self, p: usize) -> u64 {
        let mut h = StableHasher::default();
        self.nodes_hash(&mut h);
        p.hash(&mut h);
        h.finish()
    }
}

/// Mark the learner's output with the step that follows (see `paxos-tutor check`'s replay).
#[cold]
fn echo_step(n: u32, step: &Step) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}step {n} {}", crate::runner::MARK, step.describe());
    let _ = out.flush();
}

/// A fresh world for `setup` (a failure when a node's `start` panics).
pub fn world(setup: Rc<Setup>) -> Result<World, Failure> {
    World::new(setup)
}
