//! A reference model of EPaxos's commit and execution rules, as in Moraru, Andersen and
//! Kaminsky, *There Is More Consensus in Egalitarian Parliaments* (SOSP 2013), §4 (Figures 2
//! and 3). Pure functions; [`super::epaxos`] asks them for every key.
//!
//! - [`interferes`] (§4.1, and the key-value example of §4.2): two commands interfere when they
//!   do not commute; here, when they touch the same key and at least one writes.
//! - [`leader_attrs`] (Figure 2, lines 2-3): a command leader sets seq to 1 + the highest seq of
//!   the interfering instances it knows (0 if none) and deps to those instances.
//! - [`preaccept_reply`] (Figure 2, lines 6-7): a replica raises seq to 1 + the highest seq of the
//!   interfering instances it knows, if higher, and adds those instances to deps.
//! - [`fast_quorum`] (§4.4, optimised EPaxos): F + ⌊(F+1)/2⌋ replicas, command leader included,
//!   for N = 2F + 1.
//! - [`after_preaccept`] (Figure 2, lines 10-15; Figure 3): with PreAcceptOK from at least ⌊N/2⌋
//!   replicas, the leader commits at once (the fast path) if it heard from every replica of a
//!   fast quorum and all replies carry the same seq and deps, and only at the initial ballot (a
//!   replica recovering the instance runs Phase 1 "avoiding the fast path", Figure 3);
//!   otherwise it runs Paxos-Accept with the union of the deps and the highest seq ([`merge`]).
//! - [`execution_order`] (§4.2, execution algorithm): strongly connected components of the
//!   dependency graph in inverse topological order (dependencies first); inside a component, by
//!   increasing seq.

use std::collections::BTreeSet;
use std::fmt;

/// A command: a read or a write of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cmd {
    pub key: char,
    pub write: bool,
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            if self.write { "write" } else { "read" },
            self.key
        )
    }
}

/// An instance `R<replica>.<slot>`: the slot-th instance led by replica R<replica>.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Inst {
    pub replica: u32,
    pub slot: u32,
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{}.{}", self.replica, self.slot)
    }
}

/// A command's attributes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Attrs {
    pub seq: u32,
    pub deps: BTreeSet<Inst>,
}

impl fmt::Display for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seq {}, deps {}", self.seq, deps_text(&self.deps))
    }
}

/// `{R1.1, R2.1}`, or `{}`.
pub fn deps_text(d: &BTreeSet<Inst>) -> String {
    format!(
        "{{{}}}",
        d.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// An instance a replica knows about, with the seq it recorded for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Known {
    pub inst: Inst,
    pub cmd: Cmd,
    pub seq: u32,
}

/// §4.1: commands interfere when they do not commute: same key, at least one write.
pub fn interferes(a: Cmd, b: Cmd) -> bool {
    a.key == b.key && (a.write || b.write)
}

/// Figure 2, lines 2-3: the leader's initial attributes for `cmd`, from what it knows.
pub fn leader_attrs(cmd: Cmd, known: &[Known]) -> Attrs {
    let interf: Vec<&Known> = known.iter().filter(|k| interferes(k.cmd, cmd)).collect();
    Attrs {
        seq: 1 + interf.iter().map(|k| k.seq).max().unwrap_or(0),
        deps: interf.iter().map(|k| k.inst).collect(),
    }
}

/// Figure 2, lines 6-7: a replica's PreAcceptOK attributes for `cmd` sent with `sent`.
pub fn preaccept_reply(cmd: Cmd, sent: &Attrs, known: &[Known]) -> Attrs {
    let own = leader_attrs(cmd, known);
    let mut deps = sent.deps.clone();
    deps.extend(own.deps.iter().copied());
    let interf_max = known
        .iter()
        .filter(|k| interferes(k.cmd, cmd))
        .map(|k| k.seq + 1)
        .max();
    Attrs {
        seq: interf_max.map_or(sent.seq, |m| m.max(sent.seq)),
        deps,
    }
}

/// The number of failures tolerated, F, for N = 2F + 1 replicas.
pub fn f_of(n: usize) -> usize {
    (n - 1) / 2
}

/// §4.4: the optimised fast quorum, F + ⌊(F+1)/2⌋ replicas including the command leader.
pub fn fast_quorum(n: usize) -> usize {
    let f = f_of(n);
    // ⌊(F+1)/2⌋ is ⌈F/2⌉.
    f + f.div_ceil(2)
}

/// Figure 2, lines 13-14: the union of the deps and the highest seq (the leader's own
/// attributes included; replies only ever add to them).
pub fn merge(leader: &Attrs, replies: &[Attrs]) -> Attrs {
    let mut deps = leader.deps.clone();
    let mut seq = leader.seq;
    for r in replies {
        deps.extend(r.deps.iter().copied());
        seq = seq.max(r.seq);
    }
    Attrs { seq, deps }
}

/// What a command leader does once PreAcceptOK replies are in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Next {
    /// Commit these attributes now (fast path).
    Fast(Attrs),
    /// Run Paxos-Accept with these attributes, then commit them (slow path).
    Slow(Attrs),
    /// Fewer than ⌊N/2⌋ replies: nothing yet.
    Wait,
}

/// Figure 2, lines 10-15 (and Figure 3 for a recovery). `replies` are the PreAcceptOKs from the
/// replicas the leader sent PreAccept to; `quorum_complete`: every replica of the fast quorum it
/// chose has replied; `initial_ballot`: the original command leader at its first ballot (false
/// for a replica that took the instance over with Explicit Prepare).
pub fn after_preaccept(
    n: usize,
    leader: &Attrs,
    replies: &[Attrs],
    quorum_complete: bool,
    initial_ballot: bool,
) -> Next {
    if replies.len() < n / 2 {
        return Next::Wait;
    }
    let agree = replies.windows(2).all(|w| w[0] == w[1]);
    if initial_ballot && quorum_complete && replies.len() + 1 >= fast_quorum(n) && agree {
        Next::Fast(replies.first().cloned().unwrap_or_else(|| leader.clone()))
    } else {
        Next::Slow(merge(leader, replies))
    }
}

/// §4.2: the order in which a replica executes committed instances `(inst, seq, deps)`:
/// strongly connected components in inverse topological order, each by increasing seq (ties by
/// instance, which the generator never asks about). Dependencies outside the list are ignored
/// (taken as executed).
pub fn execution_order(instances: &[(Inst, u32, BTreeSet<Inst>)]) -> Vec<Inst> {
    let n = instances.len();
    let idx = |i: &Inst| instances.iter().position(|(x, _, _)| x == i);
    let edges: Vec<Vec<usize>> = instances
        .iter()
        .map(|(_, _, d)| d.iter().filter_map(idx).collect())
        .collect();
    // Tarjan's algorithm emits components in reverse topological order of the edges
    // "depends on", i.e. dependencies first: just what execution needs.
    struct T<'a> {
        edges: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for k in 0..t.edges[v].len() {
            let w = t.edges[v][k];
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            t.out.push(comp);
        }
    }
    let mut t = T {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    let mut order = Vec::new();
    for mut comp in t.out {
        comp.sort_by_key(|&v| (instances[v].1, instances[v].0));
        order.extend(comp.into_iter().map(|v| instances[v].0));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(r: u32, s: u32) -> Inst {
        Inst {
            replica: r,
            slot: s,
        }
    }

    #[test]
    fn fast_quorums_of_the_paper() {
        assert_eq!(fast_quorum(3), 2);
        assert_eq!(fast_quorum(5), 3);
        assert_eq!(fast_quorum(7), 5);
    }

    #[test]
    fn reads_commute_writes_do_not() {
        let r = Cmd {
            key: 'x',
            write: false,
        };
        let w = Cmd {
            key: 'x',
            write: true,
        };
        let wy = Cmd {
            key: 'y',
            write: true,
        };
        assert!(!interferes(r, r));
        assert!(interferes(r, w) && interferes(w, w));
        assert!(!interferes(w, wy));
    }

    #[test]
    fn a_cycle_runs_by_seq_after_its_dependencies() {
        let d = |v: &[Inst]| v.iter().copied().collect::<BTreeSet<_>>();
        // R1.1 <-> R2.1 form a cycle that depends on R3.1.
        let order = execution_order(&[
            (i(1, 1), 3, d(&[i(2, 1), i(3, 1)])),
            (i(2, 1), 2, d(&[i(1, 1)])),
            (i(3, 1), 1, d(&[])),
        ]);
        assert_eq!(order, vec![i(3, 1), i(2, 1), i(1, 1)]);
    }

    #[test]
    fn recovery_never_takes_the_fast_path() {
        let a = Attrs {
            seq: 1,
            deps: BTreeSet::new(),
        };
        assert_eq!(
            after_preaccept(5, &a, &[a.clone(), a.clone()], true, true),
            Next::Fast(a.clone())
        );
        assert_eq!(
            after_preaccept(5, &a, &[a.clone(), a.clone()], true, false),
            Next::Slow(a.clone())
        );
        assert_eq!(
            after_preaccept(5, &a, std::slice::from_ref(&a), false, true),
            Next::Wait
        );
    }
}
