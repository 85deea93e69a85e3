//! Flexible Paxos (Howard, Malkhi, Spiegelman 2016): three families, keyed by
//! [`super::flexible_model`]. Topic `flexible-paxos`.
//!
//! - `fpaxos-safety` [2 for counting quorums, 3 with a grid]: which of several pairs of phase-1
//!   and phase-2 quorum systems is safe (or, the other way round, which one is not);
//! - `fpaxos-failures` [2, or 3 with a grid]: how many failures each phase survives;
//! - `fpaxos-quorum-size` [1, or 2 for an even N with majority phase-1 quorums]: the smallest
//!   safe quorum of one phase given the other, for any N (these replace hand-written numeric
//!   variants of one formula).
//!
//! Grids are the question's own (R rows of C acceptors, 2 to 5 each), not the paper's figure.

use super::flexible_model::{safe, smallest_partner, tolerated, Quorums};
use super::{build_with, Built, Draft, Opt};
use crate::quiz::model::Question;
use crate::rng::Rng;

const TOPIC: &str = "flexible-paxos";

/// A pair: (phase-1 quorums, phase-2 quorums).
pub(crate) type Pair = (Quorums, Quorums);

fn pair_text(p: &Pair) -> String {
    format!("Phase 1: {}; phase 2: {}", p.0, p.1)
}

/// Why `p` is safe, or a pair of disjoint quorums when it is not.
fn reason(p: &Pair) -> String {
    let (a, b) = *p;
    let n = a.n();
    if safe(a, b) {
        match (a, b) {
            (Quorums::Counting { .. }, Quorums::Counting { .. }) => format!(
                "{} + {} = {} > {n}, so any phase-1 quorum and any phase-2 quorum share an \
                 acceptor",
                a.size(),
                b.size(),
                a.size() + b.size()
            ),
            (Quorums::Rows { .. }, Quorums::Columns { .. })
            | (Quorums::Columns { .. }, Quorums::Rows { .. }) => {
                "every row shares exactly one acceptor with every column".to_string()
            }
            _ => format!(
                "{} + {} = {} > {n}, so a grid quorum and any {} acceptors overlap",
                a.size(),
                b.size(),
                a.size() + b.size(),
                if matches!(b, Quorums::Counting { .. }) {
                    b.size()
                } else {
                    a.size()
                }
            ),
        }
    } else {
        match (a, b) {
            (Quorums::Rows { .. }, Quorums::Rows { .. }) => {
                "row 1 and row 2 share no acceptor, so two leaders' quorums can miss each other"
                    .to_string()
            }
            (Quorums::Columns { .. }, Quorums::Columns { .. }) => {
                "column 1 and column 2 share no acceptor, so two leaders' quorums can miss each \
                 other"
                    .to_string()
            }
            _ => format!(
                "{} + {} = {} is not more than {n}: a phase-1 quorum and a phase-2 quorum can be \
                 disjoint, so a new leader can miss a value already chosen",
                a.size(),
                b.size(),
                a.size() + b.size()
            ),
        }
    }
}

// ------------------------------------------------------------------ fpaxos-safety

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SafetySituation {
    /// true: "which is safe?"; false: "which is not safe?".
    pub ask_safe: bool,
    pub candidates: Vec<Pair>,
    /// Grid shape, when the acceptors form one (rows, cols).
    pub grid: Option<(usize, usize)>,
    pub n: usize,
}

/// The one candidate with the property asked about (the generator keeps it unique).
pub(crate) fn safety_model(s: &SafetySituation) -> Pair {
    let hits: Vec<&Pair> = s
        .candidates
        .iter()
        .filter(|p| safe(p.0, p.1) == s.ask_safe)
        .collect();
    assert_eq!(hits.len(), 1, "{s:?}");
    *hits[0]
}

fn safety_draft(rng: &mut Rng) -> Option<Draft<SafetySituation, Pair>> {
    let grid = rng.below(3) == 0;
    let ask_safe = rng.below(2) == 0;
    let (n, shape) = if grid {
        let (r, c) = (2 + rng.below(4), 2 + rng.below(4));
        (r * c, Some((r, c)))
    } else {
        (3 + rng.below(9), None)
    };
    let maj = n / 2 + 1;
    let cnt = |size: usize| Quorums::Counting { n, size };
    // (pair, the mistake that makes someone pick it, or trust it), by shape.
    let mut pool: Vec<(Pair, String)> = Vec::new();
    if let Some((rows, cols)) = shape {
        let r = Quorums::Rows { rows, cols };
        let c = Quorums::Columns { rows, cols };
        let weak = "Safe, although quorums far smaller than majorities look weak";
        pool.push(((r, c), weak.into()));
        pool.push(((c, r), weak.into()));
        let same = "Not safe, although using one kind of grid quorum in both phases looks natural";
        pool.push(((r, r), same.into()));
        pool.push(((c, c), same.into()));
        let b = n - cols;
        pool.push((
            (r, cnt(b)),
            format!("Not safe, although {b} of {n} acceptors look like plenty"),
        ));
        pool.push((
            (r, cnt(b + 1)),
            "Safe, although it mixes a grid with counting quorums".into(),
        ));
        pool.push((
            (c, cnt(n - rows)),
            format!(
                "Not safe, although {} of {n} acceptors look like plenty",
                n - rows
            ),
        ));
    } else {
        for a in 1..=n {
            for b in 1..=n {
                let label = if a + b == n {
                    format!("Not safe, although {a} + {b} = N looks like enough overlap")
                } else if a >= maj && b < maj && a + b < n {
                    "Not safe, although phase 1 uses a majority".to_string()
                } else if a == b && a < maj {
                    "Not safe, although both phases use the same size".to_string()
                } else if a + b > n && b < maj {
                    "Safe, although phase-2 quorums this small do not meet each other".to_string()
                } else if a + b > n && a < maj {
                    "Safe, although phase-1 quorums this small do not meet each other".to_string()
                } else if a >= maj && b >= maj {
                    "Safe: majorities in both phases are classic Paxos".to_string()
                } else {
                    continue;
                };
                pool.push(((cnt(a), cnt(b)), label));
            }
        }
    }
    rng.shuffle(&mut pool);
    let right_pos = pool.iter().position(|(p, _)| safe(p.0, p.1) == ask_safe)?;
    let right = pool.remove(right_pos);
    let mut wrongs: Vec<(Pair, String)> = pool
        .into_iter()
        .filter(|(p, _)| safe(p.0, p.1) != ask_safe)
        .collect();
    wrongs.truncate(4);
    let mut candidates: Vec<Pair> = wrongs.iter().map(|(p, _)| *p).collect();
    candidates.push(right.0);
    candidates.sort();
    let s = SafetySituation {
        ask_safe,
        candidates,
        grid: shape,
        n,
    };
    let model = safety_model(&s);
    let right_opt = Opt::new(
        model,
        pair_text(&model),
        format!(
            "Right: {} — {}.",
            if ask_safe { "safe" } else { "not safe" },
            reason(&model)
        ),
    );
    let wrong: Vec<Opt<Pair>> = wrongs
        .iter()
        .map(|(p, label)| Opt::new(*p, pair_text(p), format!("{label}: {}.", reason(p))))
        .collect();
    let layout = match shape {
        Some((r, c)) => {
            format!("{n} acceptors arranged in a grid of {r} rows with {c} acceptors in each row")
        }
        None => format!("{n} acceptors"),
    };
    let prompt = format!(
        "Flexible Paxos with {layout}. Each option gives the phase-1 (leader election) quorums \
         and the phase-2 (replication) quorums.\n\nWhich of these quorum systems {}?",
        if ask_safe {
            "keeps Paxos safe"
        } else {
            "does NOT keep Paxos safe"
        }
    );
    let explanation = format!(
        "Flexible Paxos §3: Paxos stays safe as long as every phase-1 quorum intersects every \
         phase-2 quorum; quorums of the same phase need not intersect. With counting quorums \
         (§4.2) that is |Q1| + |Q2| > N; in a grid (§4.3), full rows against full columns. \
         Here: {}: {}.",
        pair_text(&model),
        reason(&model)
    );
    Some(Draft {
        situation: s,
        difficulty: if grid { 3 } else { 2 },
        prompt,
        right: right_opt,
        wrong,
        explanation,
        sources: if grid {
            vec![("fpaxos", "3".to_string()), ("fpaxos", "4.3".to_string())]
        } else {
            vec![("fpaxos", "3".to_string()), ("fpaxos", "4.2".to_string())]
        },
    })
}

pub(crate) fn safety_built(seed: u64) -> Built<SafetySituation, Pair> {
    build_with("fpaxos-safety", TOPIC, seed, safety_draft)
}

/// `fpaxos-safety`.
pub fn build_safety(seed: u64) -> Question {
    safety_built(seed).question
}

// ------------------------------------------------------------------ fpaxos-failures

/// (failures phase 1 survives, failures phase 2 survives).
pub(crate) type Survives = (usize, usize);

pub(crate) fn failures_model(p: &Pair) -> Survives {
    (tolerated(p.0), tolerated(p.1))
}

fn survives_text(s: &Survives) -> String {
    // One form for every count (no "failure" against "failures"), so that a count of one does
    // not make an option shorter.
    format!("Failures survived: {} in phase 1, {} in phase 2", s.0, s.1)
}

fn failures_draft(rng: &mut Rng) -> Option<Draft<Pair, Survives>> {
    let grid = rng.below(3) == 0;
    let p: Pair = if grid {
        let (rows, cols) = (2 + rng.below(4), 2 + rng.below(4));
        if rows == cols {
            return None;
        }
        let r = Quorums::Rows { rows, cols };
        let c = Quorums::Columns { rows, cols };
        if rng.below(2) == 0 {
            (r, c)
        } else {
            (c, r)
        }
    } else {
        let n = 4 + rng.below(8);
        let b = 1 + rng.below(n / 2);
        let a = smallest_partner(n, b) + rng.below(2).min(b - 1);
        (
            Quorums::Counting { n, size: a },
            Quorums::Counting { n, size: b },
        )
    };
    if !safe(p.0, p.1) {
        return None;
    }
    let n = p.0.n();
    let model = failures_model(&p);
    let minority = (n - 1) / 2;
    let mut wrong = vec![
        (
            (model.1, model.0),
            "Swaps the phases: the phase with the larger quorums is the one that survives fewer \
             failures."
                .to_string(),
        ),
        (
            (p.0.size() - 1, p.1.size() - 1),
            "Takes a quorum's size minus one: what matters is whether a whole quorum is still \
             alive after the failures."
                .to_string(),
        ),
        (
            (minority, minority),
            format!(
                "Assumes majority quorums: those survive {minority} failure{} out of {n} in \
                 both phases, but these quorums are not majorities.",
                if minority == 1 { "" } else { "s" }
            ),
        ),
        (
            (model.0 + 1, model.1 + 1),
            "Counts one failure too many: after that many failures some choice of failed \
             acceptors leaves no live quorum."
                .to_string(),
        ),
    ];
    if grid {
        wrong.push((
            (n - p.0.size(), n - p.1.size()),
            "Applies the counting formula N − |Q| to a grid: only full rows (or columns) are \
             quorums, so one failure in each of them stops the phase, far fewer failures."
                .to_string(),
        ));
    }
    let detail = |q: Quorums| match q {
        Quorums::Counting { size, .. } if size == n => {
            "a quorum is every acceptor, so it survives no failure".to_string()
        }
        Quorums::Counting { size, .. } => format!(
            "after any {} failure{}, {size} acceptors are still up, a whole quorum",
            n - size,
            if n - size == 1 { "" } else { "s" }
        ),
        Quorums::Rows { rows, .. } => format!(
            "one failure in each of the {rows} rows stops it, so it survives {}",
            rows - 1
        ),
        Quorums::Columns { cols, .. } => format!(
            "one failure in each of the {cols} columns stops it, so it survives {}",
            cols - 1
        ),
    };
    let right = Opt::new(
        model,
        survives_text(&model),
        format!("Right: phase 1: {}; phase 2: {}.", detail(p.0), detail(p.1)),
    );
    let wrong: Vec<Opt<Survives>> = wrong
        .into_iter()
        .map(|(o, why)| Opt::new(o, survives_text(&o), why))
        .collect();
    let layout = match p.0 {
        Quorums::Counting { .. } => format!("{n} acceptors"),
        Quorums::Rows { rows, cols } | Quorums::Columns { rows, cols } => format!(
            "{n} acceptors arranged in a grid of {rows} rows with {cols} acceptors in each row"
        ),
    };
    let prompt = format!(
        "Flexible Paxos with {layout}. Phase-1 (leader election) quorums: {}. Phase-2 \
         (replication) quorums: {}.\n\nHow many acceptors can fail, whichever they are, while \
         each phase can still gather a quorum of live acceptors?",
        p.0, p.1
    );
    let here = format!(
        "phase 1 survives {} failure{} and phase 2 survives {}",
        model.0,
        if model.0 == 1 { "" } else { "s" },
        model.1
    );
    let explanation = format!(
        "Flexible Paxos §4.2-4.3: a phase can proceed while some quorum of it is entirely alive. \
         With counting quorums of size q out of N it survives N − q failures; a grid quorum \
         of full rows is lost once every row has a failed acceptor, so R rows survive R − 1 \
         (columns alike). Here: {here}. Replication can go on while phase 2 has a quorum, but \
         electing a new leader needs a phase-1 quorum."
    );
    Some(Draft {
        situation: p,
        difficulty: if grid { 3 } else { 2 },
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![("fpaxos", if grid { "4.3" } else { "4.2" }.to_string())],
    })
}

pub(crate) fn failures_built(seed: u64) -> Built<Pair, Survives> {
    build_with("fpaxos-failures", TOPIC, seed, failures_draft)
}

/// `fpaxos-failures`.
pub fn build_failures(seed: u64) -> Question {
    failures_built(seed).question
}

// ------------------------------------------------------------------ fpaxos-quorum-size

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SizeSituation {
    pub n: usize,
    /// The phase whose size is given (1 or 2); the question asks for the other one.
    pub given_phase: u8,
    pub given: usize,
}

pub(crate) fn size_model(s: &SizeSituation) -> usize {
    smallest_partner(s.n, s.given)
}

fn size_draft(rng: &mut Rng) -> Option<Draft<SizeSituation, usize>> {
    let n = 3 + rng.below(14);
    let given_phase = 1 + rng.below(2) as u8;
    let maj = n / 2 + 1;
    let given = if rng.below(3) == 0 {
        maj
    } else {
        2 + rng.below(n - 2)
    };
    let s = SizeSituation {
        n,
        given_phase,
        given,
    };
    let model = size_model(&s);
    let other = 3 - given_phase;
    let text = |k: usize| format!("{k} acceptor{}", if k == 1 { "" } else { "s" });
    let labelled: Vec<(usize, String)> = vec![
        (maj, format!("Keeps a majority ({maj} of {n})")),
        (n - given, "Off by one".to_string()),
        (given, "Uses the same size in both phases".to_string()),
        (n - given + 2, "Not the smallest".to_string()),
        (n.div_ceil(2), "Takes half of N rounded up".to_string()),
    ];
    let mut wrong: Vec<(usize, String)> = labelled
        .into_iter()
        .map(|(k, label)| {
            let why = if k < model {
                format!(
                    "{label}: {given} + {k} = {} does not exceed N = {n}, so a phase-1 and a \
                     phase-2 quorum could be disjoint.",
                    given + k
                )
            } else {
                format!(
                    "{label}: safe, but larger than needed; {given} + {model} = {} already \
                     exceeds N = {n}, and Flexible Paxos asks for nothing more.",
                    given + model
                )
            };
            (k, why)
        })
        .collect();
    wrong.retain(|(k, _)| (1..=n).contains(k));
    let right = Opt::new(
        model,
        text(model),
        format!(
            "Right: |Q1| + |Q2| > N means phase {other} needs at least {n} − {given} + 1 = \
             {model} acceptors, and {model} is enough: any {given} and any {model} of {n} \
             overlap."
        ),
    );
    let wrong: Vec<Opt<usize>> = wrong
        .into_iter()
        .map(|(k, why)| Opt::new(k, text(k), why))
        .collect();
    let even_majority = n % 2 == 0 && given == maj && given_phase == 1;
    let prompt = format!(
        "Flexible Paxos with {n} acceptors and counting quorums: phase {given_phase} uses any \
         {given} acceptors{}.\n\nWhat is the smallest size of a phase-{other} quorum that keeps \
         Paxos safe?",
        if given == maj { " (a majority)" } else { "" }
    );
    let mut explanation = format!(
        "Flexible Paxos §3 and §4.2: with counting quorums, safety needs |Q1| + |Q2| > N, so \
         the smallest phase-{other} quorum is N − {given} + 1 = {model}."
    );
    if even_majority {
        explanation.push_str(&format!(
            " §4.1 makes this point for even N: keeping majorities in phase 1, phase 2 can use \
             one acceptor fewer than a majority, {model} of {n}."
        ));
    }
    Some(Draft {
        situation: s,
        difficulty: if even_majority { 2 } else { 1 },
        prompt,
        right,
        wrong,
        explanation,
        sources: if even_majority {
            vec![("fpaxos", "4.1".to_string()), ("fpaxos", "4.2".to_string())]
        } else {
            vec![("fpaxos", "4.2".to_string())]
        },
    })
}

pub(crate) fn size_built(seed: u64) -> Built<SizeSituation, usize> {
    build_with("fpaxos-quorum-size", TOPIC, seed, size_draft)
}

/// `fpaxos-quorum-size`.
pub fn build_quorum_size(seed: u64) -> Question {
    size_built(seed).question
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, keys_spread, SEEDS};
    use super::*;

    // An independent statement: quorums as explicit sets of acceptors (bit masks), safety and
    // survival by search rather than by formula.

    /// The explicit quorums of a grid system; `None` for counting quorums.
    fn sets(q: Quorums) -> Option<Vec<u64>> {
        match q {
            Quorums::Counting { .. } => None,
            Quorums::Rows { rows, cols } => Some(
                (0..rows)
                    .map(|r| (0..cols).fold(0u64, |m, c| m | 1 << (r * cols + c)))
                    .collect(),
            ),
            Quorums::Columns { rows, cols } => Some(
                (0..cols)
                    .map(|c| (0..rows).fold(0u64, |m, r| m | 1 << (r * cols + c)))
                    .collect(),
            ),
        }
    }

    /// Can a quorum of `q` be found that avoids every acceptor in `mask`?
    fn avoids(q: Quorums, mask: u64) -> bool {
        let n = q.n();
        match sets(q) {
            Some(v) => v.iter().any(|s| s & mask == 0),
            None => (n as u32 - mask.count_ones()) as usize >= q.size(),
        }
    }

    fn oracle_safe(a: Quorums, b: Quorums) -> bool {
        match (sets(a), sets(b)) {
            (Some(x), _) => x.iter().all(|&s| !avoids(b, s)),
            (None, Some(y)) => y.iter().all(|&s| !avoids(a, s)),
            // Two counting systems: try to build disjoint quorums, first a, then b more.
            (None, None) => {
                let n = a.n();
                let first: u64 = (0..a.size()).fold(0, |m, i| m | 1 << i);
                let _ = n;
                !avoids(b, first)
            }
        }
    }

    /// The largest f such that every set of f failed acceptors leaves a live quorum.
    fn oracle_tolerated(q: Quorums) -> usize {
        let n = q.n();
        for f in 0..=n {
            // Any f-subset that kills every quorum?
            let mut killed = false;
            let mut m: u64 = (1u64 << f) - 1;
            let limit = 1u64 << n;
            while m < limit {
                if !avoids(q, m) {
                    killed = true;
                    break;
                }
                // Next subset with the same number of bits (Gosper's hack).
                if m == 0 {
                    break;
                }
                let c = m & m.wrapping_neg();
                let r = m + c;
                m = (((r ^ m) >> 2) / c) | r;
            }
            if killed {
                return f - 1;
            }
        }
        n
    }

    #[test]
    fn safety_keys_agree_with_an_independent_search() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = safety_built(seed);
            let s = &b.situation;
            let oracle = *s
                .candidates
                .iter()
                .find(|p| oracle_safe(p.0, p.1) == s.ask_safe)
                .unwrap();
            check(&b, &safety_model(s), &oracle);
            for o in &b.options {
                assert_eq!(
                    oracle_safe(o.outcome.0, o.outcome.1) == s.ask_safe,
                    o.outcome == oracle,
                    "{}: exactly one option has the property",
                    b.question.id
                );
            }
            keys.push(b.key);
        }
        keys_spread(&keys);
    }

    #[test]
    fn failures_keys_agree_with_an_independent_search() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = failures_built(seed);
            let p = b.situation;
            let oracle = (oracle_tolerated(p.0), oracle_tolerated(p.1));
            check(&b, &failures_model(&p), &oracle);
            keys.push(b.key);
        }
        keys_spread(&keys);
    }

    #[test]
    fn quorum_size_keys_agree_with_an_independent_search() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = size_built(seed);
            let s = &b.situation;
            let given = Quorums::Counting {
                n: s.n,
                size: s.given,
            };
            let oracle = (1..=s.n)
                .find(|&k| oracle_safe(given, Quorums::Counting { n: s.n, size: k }))
                .unwrap();
            check(&b, &size_model(s), &oracle);
            keys.push(b.key);
        }
        keys_spread(&keys);
    }
}
