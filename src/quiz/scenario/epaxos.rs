//! EPaxos (Moraru, Andersen, Kaminsky 2013, §4): four families, keyed by
//! [`super::epaxos_model`]. Topic `epaxos`.
//!
//! - `epaxos-preaccept` [2]: the seq and deps a replica puts in its PreAcceptOK;
//! - `epaxos-fastpath` [2, or 3 for a recovery]: what a command leader does with its PreAcceptOK
//!   replies (commit on the fast path, run Paxos-Accept, or wait);
//! - `epaxos-slowpath` [2]: the attributes committed after the slow path;
//! - `epaxos-execution` [3]: the order in which committed instances execute.
//!
//! Situations come from [`run`], a small EPaxos run: commands on one or two keys, each led by a
//! replica that sends PreAccept to a fast quorum; every replica processes the PreAccepts it gets
//! in a random interleaving (so concurrent commands can depend on each other), following
//! [`leader_attrs`] and [`preaccept_reply`]; a command commits with its leader's attributes when
//! every reply agrees with them, and with the merged ones otherwise. Commit messages are taken to
//! arrive after all the PreAccepts, one of the orders an asynchronous network allows.
//!
//! Only the optimised protocol at N = 3, 5, 7 is asked about. For it the authors' TLA+
//! specification adds a condition to the fast path (every dependency committed); the fast-path
//! stems say that condition holds.

use std::collections::BTreeSet;

use super::epaxos_model::{
    after_preaccept, deps_text, execution_order, f_of, fast_quorum, interferes, leader_attrs,
    merge, preaccept_reply, Attrs, Cmd, Inst, Known, Next,
};
use super::{build_with, Built, Draft, Opt};
use crate::quiz::model::Question;
use crate::rng::Rng;

const TOPIC: &str = "epaxos";

const INTERFERE: &str =
    "Two commands interfere when they touch the same key and at least one of them writes.";

// ------------------------------------------------------------------ a small run of EPaxos

#[derive(Clone, Debug)]
pub(crate) struct Command {
    pub inst: Inst,
    pub cmd: Cmd,
    pub leader: usize,
    /// The other replicas of its fast quorum, in the order their replies arrived.
    pub others: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub commands: Vec<Command>,
    pub leader_attrs: Vec<Attrs>,
    /// Per command: (replica, its PreAcceptOK attributes), in `others` order.
    pub replies: Vec<Vec<(usize, Attrs)>>,
    /// Per command and replica of `others`: what that replica knew just before.
    pub known_before: Vec<Vec<Vec<Known>>>,
    pub committed: Vec<Attrs>,
}

pub(crate) fn run(rng: &mut Rng, n: usize, k: usize, two_keys: bool) -> Run {
    let fq = fast_quorum(n);
    let mut slots = vec![0u32; n];
    let commands: Vec<Command> = (0..k)
        .map(|_| {
            let leader = rng.below(n);
            slots[leader] += 1;
            let mut others: Vec<usize> = (0..n).filter(|&r| r != leader).collect();
            rng.shuffle(&mut others);
            others.truncate(fq - 1);
            Command {
                inst: Inst {
                    replica: leader as u32 + 1,
                    slot: slots[leader],
                },
                cmd: Cmd {
                    key: if two_keys && rng.below(3) == 0 {
                        'y'
                    } else {
                        'x'
                    },
                    write: rng.below(3) > 0,
                },
                leader,
                others,
            }
        })
        .collect();
    // A random interleaving: each command's leader step first, then its replicas' steps.
    let mut next = vec![0usize; k];
    let mut known: Vec<Vec<Known>> = vec![Vec::new(); n];
    let mut leader_at: Vec<Option<Attrs>> = vec![None; k];
    let mut replies: Vec<Vec<(usize, Attrs)>> = vec![Vec::new(); k];
    let mut known_before: Vec<Vec<Vec<Known>>> = vec![Vec::new(); k];
    // Commands start in order (c can start only after c-1 has), so instance numbers grow.
    let mut started = 0;
    loop {
        let ready: Vec<usize> = (0..k)
            .filter(|&c| c < started && next[c] <= commands[c].others.len())
            .chain((started < k).then_some(started))
            .collect();
        if ready.is_empty() {
            break;
        }
        let c = ready[rng.below(ready.len())];
        let cm = &commands[c];
        if next[c] == 0 {
            let a = leader_attrs(cm.cmd, &known[cm.leader]);
            known[cm.leader].push(Known {
                inst: cm.inst,
                cmd: cm.cmd,
                seq: a.seq,
            });
            leader_at[c] = Some(a);
            started += 1;
        } else {
            let r = cm.others[next[c] - 1];
            let sent = leader_at[c].clone().expect("leader first");
            known_before[c].push(known[r].clone());
            let reply = preaccept_reply(cm.cmd, &sent, &known[r]);
            known[r].push(Known {
                inst: cm.inst,
                cmd: cm.cmd,
                seq: reply.seq,
            });
            replies[c].push((r, reply));
        }
        next[c] += 1;
    }
    let leader_attrs: Vec<Attrs> = leader_at.into_iter().map(|a| a.expect("ran")).collect();
    let committed = (0..k)
        .map(|c| {
            let rs: Vec<Attrs> = replies[c].iter().map(|(_, a)| a.clone()).collect();
            match after_preaccept(n, &leader_attrs[c], &rs, true, true) {
                Next::Fast(a) | Next::Slow(a) => a,
                Next::Wait => unreachable!("every reply arrives"),
            }
        })
        .collect();
    Run {
        commands,
        leader_attrs,
        replies,
        known_before,
        committed,
    }
}

fn rid(r: usize) -> String {
    format!("R{}", r + 1)
}

fn known_lines(known: &[Known]) -> String {
    if known.is_empty() {
        return "  (nothing)".to_string();
    }
    known
        .iter()
        .map(|k| format!("  - {}: {}, seq {}", k.inst, k.cmd, k.seq))
        .collect::<Vec<_>>()
        .join("\n")
}

// ------------------------------------------------------------------ epaxos-preaccept

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PreAcceptSituation {
    pub inst: Inst,
    pub cmd: Cmd,
    pub sent: Attrs,
    pub replica: usize,
    pub known: Vec<Known>,
}

pub(crate) fn preaccept_model(s: &PreAcceptSituation) -> Attrs {
    preaccept_reply(s.cmd, &s.sent, &s.known)
}

/// `seq 3, R3.1 ∈ deps, R4.1 ∉ deps`: the seq, then each instance of `all` (every instance the
/// options of a question name) as in or out of these deps. Every option is then as long as the
/// others, whereas a set written out is longest for the option with the most deps, which is
/// often the key. `seq 3, deps {}` when no option has any.
fn attrs_over(a: &Attrs, all: &BTreeSet<Inst>) -> String {
    if all.is_empty() {
        return format!("seq {}, deps {{}}", a.seq);
    }
    let per: Vec<String> = all
        .iter()
        .map(|i| format!("{i} {} deps", if a.deps.contains(i) { '∈' } else { '∉' }))
        .collect();
    format!("seq {}, {}", a.seq, per.join(", "))
}

/// Every instance some of these attributes depend on.
fn all_deps<'a>(attrs: impl IntoIterator<Item = &'a Attrs>) -> BTreeSet<Inst> {
    attrs
        .into_iter()
        .flat_map(|a| a.deps.iter().copied())
        .collect()
}

fn reply_text(a: &Attrs, all: &BTreeSet<Inst>) -> String {
    format!("It replies {}", attrs_over(a, all))
}

fn preaccept_draft(rng: &mut Rng) -> Option<Draft<PreAcceptSituation, Attrs>> {
    let n = if rng.below(2) == 0 { 5 } else { 3 };
    let k = 3 + rng.below(3);
    let two = rng.below(2) == 0;
    let r = run(rng, n, k, two);
    // The last reply of a late command: the replica knows the most then.
    let c = k - 1 - rng.below(2);
    let j = rng.below(r.commands[c].others.len());
    let cm = &r.commands[c];
    let s = PreAcceptSituation {
        inst: cm.inst,
        cmd: cm.cmd,
        sent: r.leader_attrs[c].clone(),
        replica: cm.others[j],
        known: r.known_before[c][j].clone(),
    };
    if s.known.is_empty() {
        return None;
    }
    let model = preaccept_model(&s);
    let with = |f: &dyn Fn(&Known) -> bool, keep_seq: bool| -> Attrs {
        let mut deps = s.sent.deps.clone();
        let mut seq = s.sent.seq;
        for kn in s.known.iter().filter(|kn| f(kn)) {
            deps.insert(kn.inst);
            if !keep_seq {
                seq = seq.max(kn.seq + 1);
            }
        }
        Attrs { seq, deps }
    };
    let interf: Vec<&Known> = s
        .known
        .iter()
        .filter(|kn| interferes(kn.cmd, s.cmd))
        .collect();
    let wrong = vec![
        Opt::new(
            with(&|kn| kn.cmd.key == s.cmd.key, false),
            "",
            format!(
                "Treats every command on key {} as interfering: two reads commute, so a read \
                 does not depend on another read.",
                s.cmd.key
            ),
        ),
        Opt::new(
            with(&|_| true, false),
            "",
            "Adds every instance it knows: only interfering ones (same key, at least one write) \
             become dependencies (§4.1)."
                .to_string(),
        ),
        Opt::new(
            leader_attrs(s.cmd, &s.known),
            "",
            format!(
                "Ignores what the leader sent: the replica starts from the leader's seq {} and \
                 deps {} and only adds to them (Figure 2, lines 6-7).",
                s.sent.seq,
                deps_text(&s.sent.deps)
            ),
        ),
        Opt::new(
            with(&|kn| interferes(kn.cmd, s.cmd), true),
            "",
            "Adds the dependencies but keeps the leader's seq: seq must also rise above the seq \
             of every interfering instance the replica knows (Figure 2, line 6)."
                .to_string(),
        ),
        Opt::new(
            Attrs {
                seq: s.sent.seq + 1,
                deps: model.deps.clone(),
            },
            "",
            "Adds one to the leader's seq: the replica takes the larger of the leader's seq and 1 \
             + the highest seq of the interfering instances it knows; it never adds one to the \
             leader's seq as such."
                .to_string(),
        ),
    ];
    let all = all_deps(
        wrong
            .iter()
            .map(|o: &Opt<Attrs>| &o.outcome)
            .chain([&model]),
    );
    let wrong = wrong
        .into_iter()
        .map(|o| Opt::new(o.outcome.clone(), reply_text(&o.outcome, &all), o.why))
        .collect();
    let interf_text = if interf.is_empty() {
        "none of them interferes with it".to_string()
    } else {
        format!(
            "{} interfere{} with it",
            super::and_list(&interf.iter().map(|k| k.inst).collect::<Vec<_>>()),
            if interf.len() == 1 { "s" } else { "" }
        )
    };
    let right = Opt::new(
        model.clone(),
        reply_text(&model, &all),
        if interf.is_empty() {
            "Right: none of the instances it knows interferes with it, so it returns the \
             leader's seq and deps unchanged."
                .to_string()
        } else {
            format!(
                "Right: of the instances it knows, {interf_text}; deps is the leader's {} plus \
                 those, and seq is the larger of {} and 1 + their highest seq.",
                deps_text(&s.sent.deps),
                s.sent.seq
            )
        },
    );
    let prompt = format!(
        "EPaxos with {n} replicas. {INTERFERE}\n\nReplica {} has recorded these instances \
         (pre-accepted or committed), with the seq it holds for each:\n{}\n\nIt now receives \
         PreAccept for instance {} = {}, with seq {} and deps {}.\n\nWhat does {} put in its \
         PreAcceptOK reply?",
        rid(s.replica),
        known_lines(&s.known),
        s.inst,
        s.cmd,
        s.sent.seq,
        deps_text(&s.sent.deps),
        rid(s.replica)
    );
    let explanation = format!(
        "EPaxos, Figure 2 (lines 6-7): a replica receiving PreAccept(γ, seq, deps) sets seq to \
         the maximum of the received seq and 1 + the seq of every instance it knows that \
         interferes with γ, and adds those instances to deps. Here {interf_text}, so it replies \
         {model}."
    );
    Some(Draft {
        situation: s,
        difficulty: 2,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("epaxos", "4.1".to_string()),
            ("epaxos", "Figure 2".to_string()),
        ],
    })
}

pub(crate) fn preaccept_built(seed: u64) -> Built<PreAcceptSituation, Attrs> {
    build_with("epaxos-preaccept", TOPIC, seed, preaccept_draft)
}

/// `epaxos-preaccept`.
pub fn build_preaccept(seed: u64) -> Question {
    preaccept_built(seed).question
}

// ------------------------------------------------------------------ epaxos-fastpath

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FastSituation {
    pub n: usize,
    pub inst: Inst,
    pub cmd: Cmd,
    /// The replica that sent the PreAccepts.
    pub leader: usize,
    pub sent: Attrs,
    /// The replicas it sent PreAccept to (with itself, a fast quorum).
    pub to: Vec<usize>,
    /// The replies that arrived.
    pub replies: Vec<(usize, Attrs)>,
    /// False: `leader` took the instance over from its original leader (Explicit Prepare).
    pub initial_ballot: bool,
}

pub(crate) fn fast_model(s: &FastSituation) -> Next {
    let rs: Vec<Attrs> = s.replies.iter().map(|(_, a)| a.clone()).collect();
    after_preaccept(
        s.n,
        &s.sent,
        &rs,
        s.replies.len() == s.to.len(),
        s.initial_ballot,
    )
}

/// An option's text: `Fast path: commit …` and `Slow path: Accept …` (one length, and the
/// attributes as in `attrs_over`), or waiting.
fn next_option(o: &Next, all: &BTreeSet<Inst>) -> String {
    match o {
        Next::Fast(a) => format!("Fast path: commit {}", attrs_over(a, all)),
        Next::Slow(a) => format!("Slow path: Accept {}", attrs_over(a, all)),
        Next::Wait => "It waits: too few replies for either path".to_string(),
    }
}

fn next_text(o: &Next) -> String {
    match o {
        Next::Fast(a) => format!("It commits {a} on the fast path"),
        Next::Slow(a) => format!("It runs Paxos-Accept with {a}"),
        Next::Wait => "It waits: too few replies to take either path yet".to_string(),
    }
}

fn fast_draft(rng: &mut Rng) -> Option<Draft<FastSituation, Next>> {
    // 0 agree, 1 disagree, 2 recovery, 3 missing replies: one kind per question, in equal
    // shares (retried within the kind).
    let case = rng.below(4);
    (0..200).find_map(|_| fast_case(rng, case))
}

fn fast_case(rng: &mut Rng, case: usize) -> Option<Draft<FastSituation, Next>> {
    let n = if case == 3 {
        [5, 7, 7][rng.below(3)]
    } else {
        [3, 5, 5, 7][rng.below(4)]
    };
    let k = 2 + rng.below(3);
    let r = run(rng, n, k, false);
    let c = k - 1;
    let cm = &r.commands[c];
    let sent = r.leader_attrs[c].clone();
    let mut replies = r.replies[c].clone();
    let agree = replies.iter().all(|(_, a)| *a == sent);
    match case {
        0 | 2 if !agree => return None,
        1 if agree => return None,
        _ => {}
    }
    // Replies that agree with each other but not with the leader are left out: the paper's
    // wording ("the same in all replies") and a reading that compares with the leader's own
    // attributes would differ there.
    if !agree && replies.windows(2).all(|w| w[0].1 == w[1].1) {
        return None;
    }
    if case == 3 {
        // N = 5: one of the two replies; N = 7: two or three of the four.
        let keep = if n == 5 { 1 } else { 2 + rng.below(2) };
        replies.truncate(keep);
    }
    let (leader, initial_ballot) = if case == 2 {
        let mut others: Vec<usize> = (0..n).filter(|&x| x != cm.leader).collect();
        rng.shuffle(&mut others);
        (others[0], false)
    } else {
        (cm.leader, true)
    };
    // A recovering replica sends to its own fast quorum: the replies' senders, renamed if needed.
    let to: Vec<usize> = if case == 2 {
        // Not to the original leader, which stopped responding.
        let mut pool: Vec<usize> = (0..n).filter(|&x| x != leader && x != cm.leader).collect();
        rng.shuffle(&mut pool);
        pool.truncate(cm.others.len());
        pool.sort_unstable();
        for (i, rep) in replies.iter_mut().enumerate() {
            rep.0 = pool[i];
        }
        pool
    } else {
        let mut t = cm.others.clone();
        t.sort_unstable();
        t
    };
    let s = FastSituation {
        n,
        inst: cm.inst,
        cmd: cm.cmd,
        leader,
        sent: sent.clone(),
        to,
        replies,
        initial_ballot,
    };
    let model = fast_model(&s);
    let rs: Vec<Attrs> = s.replies.iter().map(|(_, a)| a.clone()).collect();
    let merged = merge(&sent, &rs);
    let f = f_of(n);
    let fq = fast_quorum(n);
    let ceil = (3 * n).div_ceil(4);
    let l = rid(leader);
    let mut wrong = Vec::new();
    let why_fast_wrong = match &model {
        Next::Slow(_) if !initial_ballot => {
            ("Takes the fast path in a recovery: only the original command leader at the initial \
             ballot may commit after one round; a replica that took the instance over runs Phase \
             1 \"avoiding the fast path\" (Figure 3), since an earlier fast-path commit may \
             exist that it cannot see.")
                .to_string()
        }
        Next::Slow(_) if s.replies.len() < s.to.len() => format!(
            "Commits on the fast path without a fast quorum: it needs replies from every other \
             replica of its fast quorum, {} of them ({fq} with itself, for N = {n}).",
            fq - 1
        ),
        Next::Wait => format!(
            "Commits with too few replies: the fast path needs a reply from every other replica \
             of its fast quorum ({} of them for N = {n}); it has {}.",
            fq - 1,
            s.replies.len()
        ),
        _ => ("Commits on the fast path although the replies differ: the fast path needs all \
             replies of the fast quorum to carry the same seq and deps (Figure 2, line 10).")
            .to_string(),
    };
    wrong.push(Opt::new(
        Next::Fast(sent.clone()),
        next_text(&Next::Fast(sent.clone())),
        why_fast_wrong.clone(),
    ));
    wrong.push(Opt::new(
        Next::Fast(merged.clone()),
        next_text(&Next::Fast(merged.clone())),
        format!(
            "{} Merging the replies is what the slow path does, and then only after \
             Paxos-Accept.",
            why_fast_wrong
        ),
    ));
    let slow_wrong_why = if matches!(model, Next::Fast(_)) {
        if ceil > fq {
            format!(
                "Uses a fast quorum that is too large: for N = {n} (F = {f}) optimised EPaxos \
                 needs F + ⌊(F+1)/2⌋ = {fq} replicas with the leader, not ⌈3N/4⌉ = {ceil} (the \
                 Fast Paxos size); here {fq} agree, so it commits at once."
            )
        } else {
            format!(
                "Takes the slow path though a fast quorum agrees: {fq} replicas (the leader \
                 included) is a fast quorum for N = {n}, and all replies agree."
            )
        }
    } else if matches!(model, Next::Wait) {
        format!(
            "Acts on too few replies: it needs PreAcceptOK from at least ⌊N/2⌋ = {} other \
             replicas before it can even take the slow path (Figure 2, line 10).",
            n / 2
        )
    } else {
        ("Runs Paxos-Accept with its own attributes: the slow path uses the union of all the \
             replies' deps and their highest seq (Figure 2, lines 13-14), or a dependency a \
             replica reported could be lost.")
            .to_string()
    };
    wrong.push(Opt::new(
        Next::Slow(sent.clone()),
        next_text(&Next::Slow(sent.clone())),
        slow_wrong_why.clone(),
    ));
    wrong.push(Opt::new(
        Next::Slow(merged.clone()),
        next_text(&Next::Slow(merged.clone())),
        slow_wrong_why,
    ));
    wrong.push(Opt::new(
        Next::Wait,
        next_text(&Next::Wait),
        format!(
            "Waits for more replies: with PreAcceptOK from ⌊N/2⌋ = {} others it can act; \
             waiting for all {} other replicas would stall whenever one is slow or down.",
            n / 2,
            n - 1
        ),
    ));
    let right_why = match &model {
        Next::Fast(_) => format!(
            "Right: {} with {l} is a fast quorum for N = {n} (F + ⌊(F+1)/2⌋ = {fq}), every one \
             replied, all with the same seq and deps, at the initial ballot: it commits after one \
             round trip.",
            super::and_list(&s.to.iter().map(|&x| rid(x)).collect::<Vec<_>>())
        ),
        Next::Slow(a) if !initial_ballot => format!(
            "Right: a replica recovering an instance never takes the fast path (Figure 3), so it \
             runs Paxos-Accept with the union of deps and the highest seq, {a}."
        ),
        Next::Slow(a) if s.replies.len() < s.to.len() => format!(
            "Right: without every reply of the fast quorum it cannot take the fast path; with \
             ⌊N/2⌋ = {} replies it runs Paxos-Accept with the merged attributes, {a}.",
            n / 2
        ),
        Next::Slow(a) => format!(
            "Right: the replies differ, so it runs Paxos-Accept with the union of deps and the \
             highest seq, {a} (Figure 2, lines 13-15)."
        ),
        Next::Wait => format!(
            "Right: it has {} of the ⌊N/2⌋ = {} replies it needs before it can take either \
             path.",
            s.replies.len(),
            n / 2
        ),
    };
    let mut right = Opt::new(model.clone(), next_text(&model), right_why);
    let all = all_deps([&sent, &merged]);
    for o in wrong.iter_mut().chain([&mut right]) {
        o.text = next_option(&o.outcome, &all);
    }
    let wrong: Vec<Opt<Next>> = wrong;
    let reply_lines: Vec<String> = s
        .replies
        .iter()
        .map(|(x, a)| format!("  - {}: {a}", rid(*x)))
        .collect();
    let missing: Vec<String> =
        s.to.iter()
            .filter(|x| !s.replies.iter().any(|(y, _)| y == *x))
            .map(|&x| rid(x))
            .collect();
    let story = if initial_ballot {
        format!(
            "{l} is the command leader of instance {} = {}, at its initial ballot. It computed \
             {} and sent PreAccept to {}, which with {l} form a fast quorum.",
            s.inst,
            s.cmd,
            s.sent,
            super::and_list(&s.to.iter().map(|&x| rid(x)).collect::<Vec<_>>())
        )
    } else {
        format!(
            "The leader of instance {} = {} stopped responding, and {l} took the instance \
             over: its Explicit Prepare at a higher ballot found the command only pre-accepted, \
             so it runs Phase 1 again. It sent PreAccept with {} to {}.",
            s.inst,
            s.cmd,
            s.sent,
            super::and_list(&s.to.iter().map(|&x| rid(x)).collect::<Vec<_>>())
        )
    };
    let prompt = format!(
        "EPaxos, optimised protocol, with {n} replicas. {INTERFERE}\n\n{story} The PreAcceptOK \
         replies so far:\n{}{}{}\n\nWhat does {l} do now?",
        if reply_lines.is_empty() {
            "  (none)".to_string()
        } else {
            reply_lines.join("\n")
        },
        if missing.is_empty() {
            String::new()
        } else {
            format!(
                "\n{} {} not replied, and {l}'s timer for {} has expired.",
                super::and_list(&missing),
                if missing.len() == 1 { "has" } else { "have" },
                if missing.len() == 1 { "it" } else { "them" }
            )
        },
        if s.sent.deps.is_empty() && s.replies.iter().all(|(_, a)| a.deps.is_empty()) {
            ""
        } else {
            "\nEvery instance named in these deps is already committed."
        }
    );
    let explanation = format!(
        "EPaxos, Figure 2 (lines 10-15): on PreAcceptOK from at least ⌊N/2⌋ replicas, the \
         leader commits at once if every replica of a fast quorum replied with the same seq and \
         deps; otherwise it merges them (union of deps, highest seq) and runs Paxos-Accept with \
         a majority. §4.4: the optimised fast quorum is F + ⌊(F+1)/2⌋ = {fq} for N = {n}, the \
         leader included. The fast path is only for the original leader at the initial ballot: \
         recovery runs Phase 1 avoiding it (Figure 3). The authors' TLA+ specification also \
         asks that every dependency be committed, as here. So: {}.",
        super::lower_first(&next_text(&model))
    );
    Some(Draft {
        situation: s,
        difficulty: if initial_ballot { 2 } else { 3 },
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("epaxos", "Figure 2".to_string()),
            ("epaxos", "4.4".to_string()),
            ("epaxos", "Figure 3".to_string()),
        ],
    })
}

pub(crate) fn fast_built(seed: u64) -> Built<FastSituation, Next> {
    build_with("epaxos-fastpath", TOPIC, seed, fast_draft)
}

/// `epaxos-fastpath`.
pub fn build_fastpath(seed: u64) -> Question {
    fast_built(seed).question
}

// ------------------------------------------------------------------ epaxos-slowpath

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SlowSituation {
    pub n: usize,
    pub inst: Inst,
    pub cmd: Cmd,
    pub leader: usize,
    pub sent: Attrs,
    pub replies: Vec<(usize, Attrs)>,
}

/// What is committed after the slow path: the attributes Paxos-Accept carried.
pub(crate) fn slow_model(s: &SlowSituation) -> Attrs {
    let rs: Vec<Attrs> = s.replies.iter().map(|(_, a)| a.clone()).collect();
    merge(&s.sent, &rs)
}

fn slow_draft(rng: &mut Rng) -> Option<Draft<SlowSituation, Attrs>> {
    let n = [5, 5, 7][rng.below(3)];
    let k = 3 + rng.below(3);
    let two = rng.below(3) == 0;
    let r = run(rng, n, k, two);
    let c = k - 1 - rng.below(2);
    let cm = &r.commands[c];
    let s = SlowSituation {
        n,
        inst: cm.inst,
        cmd: cm.cmd,
        leader: cm.leader,
        sent: r.leader_attrs[c].clone(),
        replies: r.replies[c].clone(),
    };
    // The replies must differ from each other: replies that all agree (even with one another
    // only) could commit on the fast path.
    if s.replies.windows(2).all(|w| w[0].1 == w[1].1) {
        return None;
    }
    let model = slow_model(&s);
    let rs: Vec<&Attrs> = s.replies.iter().map(|(_, a)| a).collect();
    let inter: BTreeSet<Inst> = rs
        .iter()
        .fold(None::<BTreeSet<Inst>>, |acc, a| {
            Some(match acc {
                None => a.deps.clone(),
                Some(x) => x.intersection(&a.deps).copied().collect(),
            })
        })
        .unwrap_or_default();
    let min_seq = rs.iter().map(|a| a.seq).min().unwrap_or(s.sent.seq);
    // The merged deps hold every instance an option names (see `attrs_over`).
    let text = |a: &Attrs| format!("It commits {}", attrs_over(a, &model.deps));
    let wrong = vec![
        Opt::new(
            s.sent.clone(),
            text(&s.sent),
            "Commits its own initial attributes: the replies carry interfering instances the \
             leader did not know, and dropping them could let two replicas execute interfering \
             commands in different orders."
                .to_string(),
        ),
        Opt::new(
            Attrs {
                seq: model.seq,
                deps: inter,
            },
            "",
            "Keeps only the deps every reply agrees on: the leader takes the union of the deps \
             (Figure 2, line 13); a dependency one replica saw must not be lost."
                .to_string(),
        ),
        Opt::new(
            Attrs {
                seq: min_seq,
                deps: model.deps.clone(),
            },
            "",
            "Takes the lowest seq: the leader takes the highest seq of the replies (Figure 2, \
             line 14), so the command orders after everything any replica saw."
                .to_string(),
        ),
        Opt::new(
            Attrs {
                seq: model.seq + 1,
                deps: model.deps.clone(),
            },
            "",
            "Adds one to the highest seq: the replies' seq already exceed those of their \
             dependencies; the leader takes their maximum as it is (Figure 2, line 14)."
                .to_string(),
        ),
        Opt::new(
            Attrs {
                seq: s.sent.seq,
                deps: model.deps.clone(),
            },
            "",
            "Merges the deps but keeps its own seq: seq is merged too, to the highest of the \
             replies (Figure 2, line 14)."
                .to_string(),
        ),
    ]
    .into_iter()
    .map(|o| Opt::new(o.outcome.clone(), text(&o.outcome), o.why))
    .collect();
    let right = Opt::new(
        model.clone(),
        text(&model),
        format!(
            "Right: the Accept carries the union of the deps of its own attributes and of every \
             reply, {}, and the highest seq, {}; once ⌊N/2⌋ = {} replicas have accepted, that \
             is what is committed.",
            deps_text(&model.deps),
            model.seq,
            n / 2
        ),
    );
    let l = rid(s.leader);
    let prompt = format!(
        "EPaxos with {n} replicas. {INTERFERE}\n\n{l} leads instance {} = {}. It sent PreAccept \
         with {} to {}, and got these PreAcceptOK replies:\n{}\n\nThe replies differ, so {l} \
         takes the slow path: it runs Paxos-Accept and receives AcceptOK from {} replicas. What \
         does it commit for {}?",
        s.inst,
        s.cmd,
        s.sent,
        super::and_list(&s.replies.iter().map(|(x, _)| rid(*x)).collect::<Vec<_>>()),
        s.replies
            .iter()
            .map(|(x, a)| format!("  - {}: {a}", rid(*x)))
            .collect::<Vec<_>>()
            .join("\n"),
        n / 2,
        s.inst
    );
    let explanation = format!(
        "EPaxos, Figure 2 (lines 13-20): when the fast path does not apply, the leader sets deps \
         to the union of the deps in all replies and seq to their highest, sends \
         Accept(γ, seq, deps) to at least ⌊N/2⌋ other replicas (a majority with itself), and \
         on ⌊N/2⌋ AcceptOKs commits those attributes: here {model}. The slow path costs a \
         second round trip."
    );
    Some(Draft {
        situation: s,
        difficulty: 2,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("epaxos", "Figure 2".to_string()),
            ("epaxos", "4.3".to_string()),
        ],
    })
}

pub(crate) fn slow_built(seed: u64) -> Built<SlowSituation, Attrs> {
    build_with("epaxos-slowpath", TOPIC, seed, slow_draft)
}

/// `epaxos-slowpath`.
pub fn build_slowpath(seed: u64) -> Question {
    slow_built(seed).question
}

// ------------------------------------------------------------------ epaxos-execution

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ExecSituation {
    /// Committed instances: (instance, command, seq, deps).
    pub instances: Vec<(Inst, Cmd, u32, BTreeSet<Inst>)>,
}

pub(crate) fn exec_model(s: &ExecSituation) -> Vec<Inst> {
    let v: Vec<(Inst, u32, BTreeSet<Inst>)> = s
        .instances
        .iter()
        .map(|(i, _, q, d)| (*i, *q, d.clone()))
        .collect();
    execution_order(&v)
}

/// Reachability over the dependency edges (i depends on j, directly or not).
fn reach(s: &ExecSituation) -> Vec<Vec<bool>> {
    let n = s.instances.len();
    let mut r = vec![vec![false; n]; n];
    for (a, (_, _, _, d)) in s.instances.iter().enumerate() {
        for (b, (j, _, _, _)) in s.instances.iter().enumerate() {
            r[a][b] = d.contains(j);
        }
    }
    for k in 0..n {
        for a in 0..n {
            for b in 0..n {
                r[a][b] = r[a][b] || (r[a][k] && r[k][b]);
            }
        }
    }
    r
}

/// The components (as index lists) in the model's execution order.
fn components(s: &ExecSituation, order: &[Inst]) -> Vec<Vec<usize>> {
    let r = reach(s);
    let pos = |i: &Inst| s.instances.iter().position(|x| x.0 == *i).unwrap();
    let mut comps: Vec<Vec<usize>> = Vec::new();
    for i in order {
        let a = pos(i);
        match comps.last_mut() {
            Some(c) if c[0] == a || (r[a][c[0]] && r[c[0]][a]) => c.push(a),
            _ => comps.push(vec![a]),
        }
    }
    comps
}

fn order_text(o: &[Inst]) -> String {
    o.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", then ")
}

fn exec_draft(rng: &mut Rng) -> Option<Draft<ExecSituation, Vec<Inst>>> {
    let n = if rng.below(2) == 0 { 5 } else { 3 };
    let k = 3 + rng.below(3);
    let r = run(rng, n, k, false);
    let s = ExecSituation {
        instances: (0..k)
            .map(|c| {
                (
                    r.commands[c].inst,
                    r.commands[c].cmd,
                    r.committed[c].seq,
                    r.committed[c].deps.clone(),
                )
            })
            .collect(),
    };
    let model = exec_model(&s);
    let comps = components(&s, &model);
    let rr = reach(&s);
    // Ask only when the order is the only one the rules allow: consecutive components linked,
    // and distinct seqs inside each component.
    for w in comps.windows(2) {
        if !rr[w[1][0]][w[0][0]] {
            return None;
        }
    }
    for c in &comps {
        let mut seqs: Vec<u32> = c.iter().map(|&a| s.instances[a].2).collect();
        seqs.sort_unstable();
        if seqs.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
    }
    let cycle = comps.iter().any(|c| c.len() > 1);
    let ids = |v: Vec<usize>| -> Vec<Inst> { v.into_iter().map(|a| s.instances[a].0).collect() };
    let by = |c: &[usize], f: &dyn Fn(usize) -> (u32, Inst)| -> Vec<usize> {
        let mut c = c.to_vec();
        c.sort_by_key(|&a| f(a));
        c
    };
    let seq_of = |a: usize| (s.instances[a].2, s.instances[a].0);
    let id_of = |a: usize| (0, s.instances[a].0);
    let rev_seq = |a: usize| (u32::MAX - s.instances[a].2, s.instances[a].0);
    let all: Vec<usize> = (0..k).collect();
    let wrong_orders: Vec<(Vec<Inst>, String)> = vec![
        (
            ids(by(&all, &seq_of)),
            "Sorts everything by seq: seq orders commands only inside a strongly connected \
             component; between components the dependencies decide (§4.2), and a committed seq \
             need not follow them."
                .to_string(),
        ),
        (
            ids(comps.iter().rev().flat_map(|c| by(c, &seq_of)).collect()),
            "Runs the components in topological order, dependents first: execution goes in \
             inverse topological order, so an instance runs after the ones it depends on."
                .to_string(),
        ),
        (
            ids(by(&all, &id_of)),
            "Orders by instance name: instance numbers are per replica and say nothing about \
             order across replicas; the dependency graph decides (§4.2)."
                .to_string(),
        ),
        (
            ids(comps.iter().flat_map(|c| by(c, &id_of)).collect()),
            "Breaks a cycle by instance name: inside a strongly connected component the \
             instances run in increasing seq order (§4.2)."
                .to_string(),
        ),
        (
            ids(comps.iter().flat_map(|c| by(c, &rev_seq)).collect()),
            "Runs a cycle by decreasing seq: inside a strongly connected component the lowest \
             seq runs first (§4.2)."
                .to_string(),
        ),
        (
            ids(all.clone()),
            "Executes the instances in the order listed, the order they were proposed: EPaxos \
             has no global order of \
             proposals; each replica derives the order from the committed dependencies and seq."
                .to_string(),
        ),
    ];
    let comp_text: Vec<String> = comps
        .iter()
        .map(|c| {
            if c.len() == 1 {
                s.instances[c[0]].0.to_string()
            } else {
                format!(
                    "the cycle {{{}}}",
                    ids(c.clone())
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })
        .collect();
    let right = Opt::new(
        model.clone(),
        order_text(&model),
        format!(
            "Right: the components, dependencies first, are {}; {}",
            comp_text.join(", then "),
            if cycle {
                "inside a cycle the instances run by increasing seq."
            } else {
                "each is a single instance, so the dependencies alone fix the order."
            }
        ),
    );
    let wrong: Vec<Opt<Vec<Inst>>> = wrong_orders
        .into_iter()
        .map(|(o, why)| Opt::new(o.clone(), order_text(&o), why))
        .collect();
    let prompt = format!(
        "EPaxos. {INTERFERE}\n\nA replica has these committed instances (and has executed \
         everything they depend on outside this list):\n{}\n\nIn what order does it execute \
         them?",
        s.instances
            .iter()
            .map(|(i, c, q, d)| format!("  - {i}: {c}, seq {q}, deps {}", deps_text(d)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let explanation = format!(
        "EPaxos §4.2, execution: build the dependency graph of the committed instances, find \
         its strongly connected components, and execute them in inverse topological order \
         (an instance after those it depends on); inside a component, by increasing seq. Here \
         the components in that order are {}.",
        comp_text.join(", then ")
    );
    Some(Draft {
        situation: s,
        difficulty: 3,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![("epaxos", "4.2".to_string())],
    })
}

pub(crate) fn exec_built(seed: u64) -> Built<ExecSituation, Vec<Inst>> {
    build_with("epaxos-execution", TOPIC, seed, exec_draft)
}

/// `epaxos-execution`.
pub fn build_execution(seed: u64) -> Question {
    exec_built(seed).question
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, keys_spread, SEEDS};
    use super::*;

    // Independent statements of the rules, without the model's code.

    fn conflicts(a: Cmd, b: Cmd) -> bool {
        a.key == b.key && !(matches!((a.write, b.write), (false, false)))
    }

    fn oracle_preaccept(s: &PreAcceptSituation) -> Attrs {
        let mut seq = s.sent.seq;
        let mut deps = s.sent.deps.clone();
        for k in &s.known {
            if conflicts(k.cmd, s.cmd) {
                deps.insert(k.inst);
                if k.seq >= seq {
                    seq = k.seq + 1;
                }
            }
        }
        Attrs { seq, deps }
    }

    fn oracle_merge(sent: &Attrs, replies: &[(usize, Attrs)]) -> Attrs {
        let seq = replies.iter().map(|(_, a)| a.seq).fold(sent.seq, u32::max);
        let deps = replies
            .iter()
            .flat_map(|(_, a)| a.deps.iter().copied())
            .chain(sent.deps.iter().copied())
            .collect();
        Attrs { seq, deps }
    }

    fn oracle_fast(s: &FastSituation) -> Next {
        let f = (s.n - 1) / 2;
        let fast_q = f + f / 2 + f % 2; // F + floor((F+1)/2), leader included
        if s.replies.len() < s.n / 2 {
            return Next::Wait;
        }
        let first = &s.replies[0].1;
        let same = s.replies.iter().all(|(_, a)| a == first);
        let complete = s.to.iter().all(|x| s.replies.iter().any(|(y, _)| y == x));
        if s.initial_ballot && complete && s.to.len() + 1 >= fast_q && same {
            Next::Fast(first.clone())
        } else {
            Next::Slow(oracle_merge(&s.sent, &s.replies))
        }
    }

    fn oracle_exec(s: &ExecSituation) -> Vec<Inst> {
        // Repeatedly run the lowest-seq instance of a component none of whose dependencies
        // outside it is left: a component is a set closed under mutual reachability.
        let r = reach(s);
        let n = s.instances.len();
        let mut done = vec![false; n];
        let mut out = Vec::new();
        while out.len() < n {
            let ready: Vec<usize> = (0..n)
                .filter(|&a| !done[a])
                .filter(|&a| (0..n).all(|b| done[b] || b == a || !r[a][b] || r[b][a]))
                .collect();
            let a = *ready
                .iter()
                .min_by_key(|&&a| (s.instances[a].2, s.instances[a].0))
                .unwrap();
            // Run a's whole component, by seq.
            let mut comp: Vec<usize> = (0..n)
                .filter(|&b| !done[b] && (b == a || (r[a][b] && r[b][a])))
                .collect();
            comp.sort_by_key(|&b| s.instances[b].2);
            for b in comp {
                done[b] = true;
                out.push(s.instances[b].0);
            }
        }
        out
    }

    #[test]
    fn preaccept_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = preaccept_built(seed);
            check(
                &b,
                &preaccept_model(&b.situation),
                &oracle_preaccept(&b.situation),
            );
            keys.push(b.key);
        }
        keys_spread(&keys);
    }

    #[test]
    fn fastpath_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut fast, mut slow, mut wait, mut recovery) = (0, 0, 0, 0);
        for seed in 0..SEEDS {
            let b = fast_built(seed);
            let m = fast_model(&b.situation);
            check(&b, &m, &oracle_fast(&b.situation));
            match m {
                Next::Fast(_) => fast += 1,
                Next::Slow(_) => slow += 1,
                Next::Wait => wait += 1,
            }
            recovery += usize::from(!b.situation.initial_ballot);
            if !b.situation.initial_ballot {
                assert!(!matches!(m, Next::Fast(_)));
            }
            keys.push(b.key);
        }
        assert!(
            fast > 300 && slow > 300 && wait > 50 && recovery > 200,
            "{fast} {slow} {wait} {recovery}"
        );
        keys_spread(&keys);
    }

    #[test]
    fn slowpath_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = slow_built(seed);
            let s = &b.situation;
            check(&b, &slow_model(s), &oracle_merge(&s.sent, &s.replies));
            keys.push(b.key);
        }
        keys_spread(&keys);
    }

    #[test]
    fn execution_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let mut cycles = 0;
        for seed in 0..SEEDS {
            let b = exec_built(seed);
            check(&b, &exec_model(&b.situation), &oracle_exec(&b.situation));
            let m = exec_model(&b.situation);
            cycles += usize::from(components(&b.situation, &m).iter().any(|c| c.len() > 1));
            keys.push(b.key);
        }
        assert!(cycles > 200, "{cycles}");
        keys_spread(&keys);
    }

    #[test]
    fn runs_keep_the_interference_invariant() {
        // Any two interfering committed commands: at least one depends on the other (§4.5,
        // Lemma 1's premise), because their quorums intersect.
        for seed in 0..500 {
            let mut rng = Rng::new(seed);
            let n = [3, 5, 7][seed as usize % 3];
            let r = run(&mut rng, n, 5, true);
            for a in 0..5 {
                for b in a + 1..5 {
                    if interferes(r.commands[a].cmd, r.commands[b].cmd) {
                        assert!(
                            r.committed[a].deps.contains(&r.commands[b].inst)
                                || r.committed[b].deps.contains(&r.commands[a].inst),
                            "{r:?}"
                        );
                    }
                }
            }
        }
    }
}
