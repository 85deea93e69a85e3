//! Multi-Paxos (Lamport, *Paxos Made Simple* §3): two families, keyed by
//! [`super::multipaxos_model`]. Topic `multi-paxos`.
//!
//! - `multipaxos-phase1` [2, or 3 when a slot's reports disagree]: what a new leader proposes in
//!   each slot after its phase 1 (the highest-numbered report per slot, no-ops in the gaps,
//!   nothing for the slots it has learned);
//! - `multipaxos-chosen` [3]: which slots are already chosen, given every acceptor's history.
//!
//! Situations come from [`run`]: leaders one after another, each with ballot (i, Pi), each
//! running phase 1 with a majority and proposing, per slot, what [`plan`] says (or a new client
//! command where it is free), with its Accepts reaching random acceptors.

use std::collections::BTreeMap;

use super::multipaxos_model::{chosen_slots, leader_ballot, plan, Plan, Slot, SlotPromise};
use super::paxos_model::{quorum, AcceptorId, Proposal, Value};
use super::{and_list, build_with, Built, Draft, Opt};
use crate::quiz::model::Question;
use crate::rng::Rng;

const TOPIC: &str = "multi-paxos";

/// `cmd 7`: as long as `no-op` (and `empty`, a gap left without a proposal) while commands are
/// one digit, so that a plan's length does not tell how many no-ops it proposes.
fn cmd(v: Value) -> String {
    format!("cmd {}", v.0)
}

fn prop(p: &Proposal) -> String {
    format!("{} {}", p.ballot, cmd(p.value))
}

/// Every proposal each acceptor accepted, per slot: `histories[slot][acceptor]`.
pub(crate) type Histories = BTreeMap<Slot, Vec<Vec<Proposal>>>;

#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub n: usize,
    pub histories: Histories,
    pub leaders: u32,
}

/// `leaders` leaders in turn over `slots` slots and `n` acceptors.
pub(crate) fn run(rng: &mut Rng, n: usize, slots: Slot, leaders: u32) -> Run {
    let mut h: Histories = (1..=slots).map(|s| (s, vec![Vec::new(); n])).collect();
    let mut next_cmd = 1;
    for r in 1..=leaders {
        let b = leader_ballot(r);
        let mut acc: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut acc);
        let majority = &acc[..quorum(n)];
        let promises: Vec<SlotPromise> = majority.iter().map(|&a| promise(&h, a)).collect();
        let p = plan(&promises, &BTreeMap::new());
        for s in 1..=slots {
            let v = match p.get(&s) {
                Some(Plan::Propose(v)) => *v,
                _ if rng.below(4) == 0 => continue,
                _ => {
                    next_cmd += 1;
                    Value(next_cmd - 1)
                }
            };
            for a in 0..n {
                if rng.below(2) == 0 {
                    h.get_mut(&s).unwrap()[a].push(Proposal::new(b, v));
                }
            }
        }
    }
    Run {
        n,
        histories: h,
        leaders,
    }
}

/// Acceptor `a`'s promise: its latest accepted proposal per slot (ballots only grow in a run).
fn promise(h: &Histories, a: usize) -> SlotPromise {
    SlotPromise {
        from: AcceptorId(a as u32 + 1),
        accepted: h
            .iter()
            .filter_map(|(s, per)| per[a].last().map(|p| (*s, *p)))
            .collect(),
    }
}

// ------------------------------------------------------------------ multipaxos-phase1

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Phase1Situation {
    pub n: usize,
    pub leader: u32,
    pub promises: Vec<SlotPromise>,
    pub learned: BTreeMap<Slot, Value>,
}

pub(crate) type PlanMap = BTreeMap<Slot, Plan>;

pub(crate) fn phase1_model(s: &Phase1Situation) -> PlanMap {
    plan(&s.promises, &s.learned)
}

fn plan_text(p: &PlanMap) -> String {
    p.iter()
        .map(|(s, x)| match x {
            Plan::Propose(v) => format!("slot {s}: {}", cmd(*v)),
            Plan::NoOp => format!("slot {s}: no-op"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A wrong rule: the plan for one slot from its reports (in arrival order).
type SlotRule = fn(&[Proposal], usize) -> Plan;

fn phase1_mistakes() -> Vec<(SlotRule, &'static str)> {
    vec![
        (
            |r, _| {
                r.iter()
                    .min_by_key(|p| p.ballot)
                    .map_or(Plan::NoOp, |p| Plan::Propose(p.value))
            },
            "Takes the lowest-numbered (oldest) report in a slot: only the highest-numbered one \
             can carry a value already chosen there (phase 2(a), applied per instance).",
        ),
        (
            |r, _| {
                let mut best: Option<(usize, Value)> = None;
                for p in r {
                    let c = r.iter().filter(|q| q.value == p.value).count();
                    if best.is_none_or(|(bc, _)| c > bc) {
                        best = Some((c, p.value));
                    }
                }
                best.map_or(Plan::NoOp, |(_, v)| Plan::Propose(v))
            },
            "Takes the command reported most often in a slot: it is not a vote; the \
             highest-numbered report decides.",
        ),
        (
            |r, _| r.first().map_or(Plan::NoOp, |p| Plan::Propose(p.value)),
            "Takes the first report to arrive in a slot: arrival order means nothing; the \
             highest-numbered report decides.",
        ),
        (
            |r, q| {
                if r.len() < q {
                    Plan::NoOp
                } else {
                    r.iter()
                        .max_by_key(|p| p.ballot)
                        .map_or(Plan::NoOp, |p| Plan::Propose(p.value))
                }
            },
            "Ignores a command that only some of the promises report: one report is enough to \
             bind the slot, since that command may have been accepted by a majority that \
             includes acceptors the leader did not hear from.",
        ),
        (
            |_, _| Plan::NoOp,
            "Fills every slot it has not learned with a no-op: a slot with a reported proposal \
             may already have that command chosen, so the leader must re-propose it.",
        ),
    ]
}

fn phase1_draft(rng: &mut Rng) -> Option<Draft<Phase1Situation, PlanMap>> {
    // Half the questions have a slot whose reports disagree (retried within the kind).
    let hard = rng.below(2) == 0;
    (0..200).find_map(|_| phase1_case(rng).filter(|d| (d.difficulty == 3) == hard))
}

fn phase1_case(rng: &mut Rng) -> Option<Draft<Phase1Situation, PlanMap>> {
    let n = if rng.below(2) == 0 { 3 } else { 5 };
    let slots = 3 + rng.below(3) as Slot;
    let leaders = 2 + rng.below(3) as u32;
    let r = run(rng, n, slots, leaders);
    let mut acc: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut acc);
    let promises: Vec<SlotPromise> = acc[..quorum(n)]
        .iter()
        .map(|&a| promise(&r.histories, a))
        .collect();
    let learned: BTreeMap<Slot, Value> = chosen_slots(&r.histories)
        .into_iter()
        .filter(|_| rng.below(2) == 0)
        .collect();
    let s = Phase1Situation {
        n,
        leader: leaders + 1,
        promises,
        learned,
    };
    let model = phase1_model(&s);
    if model.len() < 2 || !model.values().any(|p| matches!(p, Plan::Propose(_))) {
        return None;
    }
    let reports = |slot: Slot| -> Vec<Proposal> {
        s.promises
            .iter()
            .filter_map(|p| p.accepted.get(&slot).copied())
            .collect()
    };
    let q = quorum(n);
    let disagree = model.keys().any(|&sl| {
        let r = reports(sl);
        r.iter().any(|p| p.value != r[0].value)
    });
    let mut wrong: Vec<Opt<PlanMap>> = phase1_mistakes()
        .into_iter()
        .map(|(rule, why)| {
            let p: PlanMap = model
                .keys()
                .map(|&sl| (sl, rule(&reports(sl), q)))
                .collect();
            Opt::new(p.clone(), plan_text(&p), why)
        })
        .collect();
    // Leaving the gaps empty, a real mistake: every other one proposes at least as many no-ops as
    // the key, so the key would be the option with the fewest no-ops (and, were a no-op written
    // longer than a command, the shortest).
    let gaps: Vec<Slot> = model
        .iter()
        .filter(|(_, x)| **x == Plan::NoOp)
        .map(|(sl, _)| *sl)
        .collect();
    if !gaps.is_empty() {
        let p: PlanMap = model
            .iter()
            .filter(|(_, x)| **x != Plan::NoOp)
            .map(|(sl, x)| (*sl, *x))
            .collect();
        let text = model
            .keys()
            .map(|sl| match p.get(sl) {
                Some(Plan::Propose(v)) => format!("slot {sl}: {}", cmd(*v)),
                _ => format!("slot {sl}: empty"),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let (s_, them, noops) = if gaps.len() == 1 {
            ("", "it", "a no-op")
        } else {
            ("s", "them", "no-ops")
        };
        wrong.push(Opt::new(
            p,
            text,
            format!(
                "Leaves the gap{s_} (slot{s_} {}) without a proposal, waiting for new client \
                 commands: no command after a gap can be executed until something is chosen in \
                 it, so the leader fills {them} with {noops} at once (PMS §3), as this one does \
                 with every slot it is free to choose.",
                and_list(&gaps)
            ),
        ));
    }
    let per_slot: Vec<String> = model
        .iter()
        .map(|(sl, x)| match x {
            Plan::Propose(v) => {
                let hi = reports(*sl).into_iter().max_by_key(|p| p.ballot).unwrap();
                format!(
                    "slot {sl}: {} is the highest report, so {}",
                    prop(&hi),
                    cmd(*v)
                )
            }
            Plan::NoOp => format!("slot {sl}: no report, a gap, so a no-op"),
        })
        .collect();
    let right = Opt::new(
        model.clone(),
        plan_text(&model),
        format!("Right: {}.", per_slot.join("; ")),
    );
    let lines: Vec<String> = s
        .promises
        .iter()
        .map(|p| {
            let acc: Vec<String> = p
                .accepted
                .iter()
                .map(|(sl, x)| format!("slot {sl}: {}", prop(x)))
                .collect();
            format!(
                "  - {}: {}",
                p.from,
                if acc.is_empty() {
                    "nothing accepted".to_string()
                } else {
                    acc.join("; ")
                }
            )
        })
        .collect();
    let learned_text = if s.learned.is_empty() {
        "It has not learned any chosen command yet.".to_string()
    } else {
        format!(
            "It has already learned the commands chosen in slot{} {}.",
            if s.learned.len() == 1 { "" } else { "s" },
            and_list(&s.learned.keys().collect::<Vec<_>>())
        )
    };
    let leader = s.leader;
    let prompt = format!(
        "Multi-Paxos with {n} acceptors (a majority is {q}); ballots are (round, proposer) \
         pairs. P{leader} becomes leader and runs phase 1 once for every slot with ballot {}. \
         {learned_text} A majority answered; each promise reports, per slot, the \
         highest-numbered proposal that acceptor has accepted:\n{}\n\nP{leader} fills any slot \
         it is free to choose with a no-op, and puts new client commands only after the last \
         slot below. What does it propose in each slot it has not learned?",
        leader_ballot(leader),
        lines.join("\n")
    );
    let explanation = format!(
        "Paxos Made Simple §3: a new leader runs phase 1 for all instances at once. For each \
         instance it has not learned, phase 2(a) applies on its own: the command of the \
         highest-numbered proposal reported for that instance, if any; an instance with no \
         report below the highest one it knows of is a gap, which it fills with a no-op so \
         that later commands can be executed. Here: {}.",
        per_slot.join("; ")
    );
    Some(Draft {
        situation: s,
        difficulty: if disagree { 3 } else { 2 },
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![("pms", "3".to_string()), ("pms", "2.2".to_string())],
    })
}

pub(crate) fn phase1_built(seed: u64) -> Built<Phase1Situation, PlanMap> {
    build_with("multipaxos-phase1", TOPIC, seed, phase1_draft)
}

/// `multipaxos-phase1`.
pub fn build_phase1(seed: u64) -> Question {
    phase1_built(seed).question
}

// ------------------------------------------------------------------ multipaxos-chosen

pub(crate) type ChosenMap = BTreeMap<Slot, Value>;

pub(crate) fn chosen_model(h: &Histories) -> ChosenMap {
    chosen_slots(h)
}

/// Every slot of the log, each as `cmd 2 is chosen` or `not decided yet` (one length while
/// commands are one digit), so that how many slots an option calls chosen does not show in its
/// length.
fn chosen_text(c: &ChosenMap, slots: Slot) -> String {
    (1..=slots)
        .map(|s| match c.get(&s) {
            Some(v) => format!("slot {s}: {} is chosen", cmd(*v)),
            None => format!("slot {s}: not decided yet"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn chosen_draft(rng: &mut Rng) -> Option<Draft<Histories, ChosenMap>> {
    let n = 3;
    let slots = 3;
    let leaders = 2 + rng.below(2) as u32;
    let r = run(rng, n, slots, leaders);
    let h = r.histories.clone();
    let total: usize = h.values().flatten().map(Vec::len).sum();
    if total > 14 || total == 0 {
        return None;
    }
    let model = chosen_model(&h);
    let q = quorum(r.n);
    let per_slot = |f: &dyn Fn(&[Vec<Proposal>]) -> Option<Value>| -> ChosenMap {
        h.iter()
            .filter_map(|(s, x)| f(x).map(|v| (*s, v)))
            .collect()
    };
    let across = per_slot(&|x| {
        let mut vs: Vec<Value> = x.iter().flatten().map(|p| p.value).collect();
        vs.sort_unstable();
        vs.dedup();
        vs.into_iter()
            .find(|v| x.iter().filter(|a| a.iter().any(|p| p.value == *v)).count() >= q)
    });
    let latest = per_slot(&|x| {
        let last: Vec<Proposal> = x.iter().filter_map(|a| a.last().copied()).collect();
        last.iter()
            .find(|p| last.iter().filter(|o| o == p).count() >= q)
            .map(|p| p.value)
    });
    let all = per_slot(&|x| {
        let mut ps: Vec<Proposal> = x.iter().flatten().copied().collect();
        ps.sort_unstable();
        ps.dedup();
        ps.into_iter()
            .find(|p| x.iter().all(|a| a.contains(p)))
            .map(|p| p.value)
    });
    let newest = per_slot(&|x| x.iter().flatten().max_by_key(|p| p.ballot).map(|p| p.value));
    let wrong = vec![
        Opt::new(
            across.clone(),
            chosen_text(&across, slots),
            "Adds up acceptances of one command at different ballots: a command is chosen in a \
             slot only when one single proposal, one ballot, is accepted by a majority.",
        ),
        Opt::new(
            latest.clone(),
            chosen_text(&latest, slots),
            "Looks only at each acceptor's latest proposal: a proposal accepted by a majority is \
             chosen even if some of those acceptors later accepted a higher-numbered proposal \
             (which then carries the same command).",
        ),
        Opt::new(
            all.clone(),
            chosen_text(&all, slots),
            format!(
                "Waits for every acceptor: a majority ({q} of {n}) accepting one proposal is \
                 enough."
            ),
        ),
        Opt::new(
            newest.clone(),
            chosen_text(&newest, slots),
            "Takes the most recent proposal in each slot as chosen: being the latest does not \
             make a proposal chosen; a majority must have accepted it.",
        ),
    ];
    let why_slots: Vec<String> = h
        .iter()
        .map(
            |(s, x)| match super::paxos_model::chosen_proposals(x).first() {
                Some(p) => format!("slot {s}: {} accepted by a majority", prop(p)),
                None => format!("slot {s}: no proposal accepted by {q}"),
            },
        )
        .collect();
    let right = Opt::new(
        model.clone(),
        chosen_text(&model, slots),
        format!("Right: {}.", why_slots.join("; ")),
    );
    let lines: Vec<String> = h
        .iter()
        .map(|(s, x)| {
            let per: Vec<String> = x
                .iter()
                .enumerate()
                .map(|(a, ps)| {
                    format!(
                        "A{}: {}",
                        a + 1,
                        if ps.is_empty() {
                            "nothing".to_string()
                        } else {
                            ps.iter().map(prop).collect::<Vec<_>>().join(", then ")
                        }
                    )
                })
                .collect();
            format!("  - slot {s}: {}", per.join("; "))
        })
        .collect();
    let prompt = format!(
        "Multi-Paxos with {n} acceptors (a majority is {q}); ballots are (round, proposer) \
         pairs. Leaders P1 to P{} took turns, each after a phase 1 of its own; messages were \
         lost along the way. Every proposal each acceptor has accepted, per slot, oldest \
         first:\n{}\n\nWhich slots have a chosen command?",
        r.leaders,
        lines.join("\n")
    );
    let explanation = format!(
        "Paxos Made Simple §3 runs one instance of Paxos per slot, and §2.2 says when a value is \
         chosen: a single proposal with that value accepted by a majority of the acceptors. \
         Acceptances at different ballots do not add up, and a later acceptance does not undo \
         an earlier one. Here: {}.",
        why_slots.join("; ")
    );
    Some(Draft {
        situation: h,
        difficulty: 3,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![("pms", "3".to_string()), ("pms", "2.2".to_string())],
    })
}

pub(crate) fn chosen_built(seed: u64) -> Built<Histories, ChosenMap> {
    build_with("multipaxos-chosen", TOPIC, seed, chosen_draft)
}

/// `multipaxos-chosen`.
pub fn build_chosen(seed: u64) -> Question {
    chosen_built(seed).question
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, keys_spread, SEEDS};
    use super::*;

    // Independent statements, without the model's code.

    fn oracle_phase1(s: &Phase1Situation) -> PlanMap {
        let mut top = 0;
        let mut best: BTreeMap<Slot, Proposal> = BTreeMap::new();
        for p in &s.promises {
            for (sl, x) in &p.accepted {
                top = top.max(*sl);
                let e = best.entry(*sl).or_insert(*x);
                if x.ballot > e.ballot {
                    *e = *x;
                }
            }
        }
        if let Some(l) = s.learned.keys().max() {
            top = top.max(*l);
        }
        let mut out = BTreeMap::new();
        for sl in 1..=top {
            if s.learned.contains_key(&sl) {
                continue;
            }
            out.insert(
                sl,
                match best.get(&sl) {
                    Some(p) => Plan::Propose(p.value),
                    None => Plan::NoOp,
                },
            );
        }
        out
    }

    fn oracle_chosen(h: &Histories) -> ChosenMap {
        let mut out = BTreeMap::new();
        for (sl, per) in h {
            let n = per.len();
            let mut count: BTreeMap<Proposal, usize> = BTreeMap::new();
            for a in per {
                let mut mine = a.clone();
                mine.sort_unstable();
                mine.dedup();
                for p in mine {
                    *count.entry(p).or_default() += 1;
                }
            }
            if let Some((p, _)) = count.iter().find(|(_, c)| 2 * **c > n) {
                out.insert(*sl, p.value);
            }
        }
        out
    }

    #[test]
    fn phase1_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut noop, mut hard) = (0, 0);
        for seed in 0..SEEDS {
            let b = phase1_built(seed);
            let m = phase1_model(&b.situation);
            check(&b, &m, &oracle_phase1(&b.situation));
            noop += usize::from(m.values().any(|p| *p == Plan::NoOp));
            hard += usize::from(b.question.difficulty == 3);
            keys.push(b.key);
        }
        assert!(noop > 300 && hard > 100, "{noop} {hard}");
        keys_spread(&keys);
    }

    #[test]
    fn chosen_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut some, mut none) = (0, 0);
        for seed in 0..SEEDS {
            let b = chosen_built(seed);
            let m = chosen_model(&b.situation);
            check(&b, &m, &oracle_chosen(&b.situation));
            some += usize::from(!m.is_empty());
            none += usize::from(m.is_empty());
            keys.push(b.key);
        }
        assert!(some > 1000 && none > 20, "{some} {none}");
        keys_spread(&keys);
    }

    #[test]
    fn runs_choose_at_most_one_command_per_slot() {
        for seed in 0..500 {
            let mut rng = Rng::new(seed);
            let r = run(&mut rng, 5, 4, 3);
            for per in r.histories.values() {
                assert!(super::super::paxos_model::chosen(per).len() <= 1, "{per:?}");
            }
        }
    }
}
