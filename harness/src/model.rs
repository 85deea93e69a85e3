//! The explorers, generic over a protocol's world (after Stateright's `Model` and checkers).
//!
//! A world ([`Model`]) says which steps are enabled, applies one (checking its properties after
//! it), hashes its state, and runs its own calm phase (faults stop, one proposer alone must make
//! progress). The explorers here know nothing of any protocol: trace replay ([`replay`]), random
//! schedules with a calm phase ([`random_schedule`]), shrinking ([`shrink`]) and breadth-first
//! search with fault budgets ([`bfs`]). Every explorer ends in the same [`Found`]: a schedule of
//! steps plus the failure it ends in, which a fresh world replays before anyone is shown it.
//!
//! The Multi-Paxos world ([`crate::multi`]) is the first protocol on these explorers; the
//! single-decree world still has its own (tuned) copies in [`crate::explore`].

use std::collections::HashSet;
use std::fmt::Debug;

use crate::guard::Panicked;
use crate::rng::Rng;

/// A broken property: its name (`agreement`, ...), a code for the lesson, one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub property: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Why a schedule failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Violation(Violation),
    Panic(Panicked),
}

impl Failure {
    /// The name used to decide whether a shrunk schedule still fails "the same way".
    pub fn class(&self) -> &'static str {
        match self {
            Failure::Violation(v) => v.property,
            Failure::Panic(_) => "panic",
        }
    }
}

impl From<Panicked> for Failure {
    fn from(p: Panicked) -> Failure {
        Failure::Panic(p)
    }
}

/// A violation of `property`.
pub fn violation(property: &'static str, code: &'static str, message: String) -> Failure {
    Failure::Violation(Violation {
        property,
        code,
        message,
    })
}

/// What kind of fault a step is (for budgets and weights); `None` for the protocol's own steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Drop = 0,
    Duplicate,
    Crash,
    Restart,
    Timeout,
    Stop,
}

/// How many faults of each kind ([`Fault`] as index).
pub type Budget = [u8; 6];

/// A protocol's world.
pub trait Model: Clone {
    type Step: Clone + Debug + PartialEq;
    /// Every step enabled now, in a fixed order.
    fn steps(&self) -> Vec<Self::Step>;
    /// Is `step` enabled now? (Replay and shrinking skip steps that are not.)
    fn enabled(&self, step: &Self::Step) -> bool {
        self.steps().contains(step)
    }
    /// Take `step`, then check every property.
    fn apply(&mut self, step: &Self::Step) -> Result<(), Failure>;
    /// The state's identity for the visited set (learner state by its `Debug` text).
    fn state_hash(&self) -> u64;
    /// The fault `step` is, if it is one.
    fn fault(step: &Self::Step) -> Option<Fault>;
    /// One line, in the words of the trace language.
    fn describe(step: &Self::Step) -> String;
    /// The proposers a calm phase may be run for (those still up).
    fn calm_candidates(&self) -> Vec<usize>;
    /// The calm phase for proposer `p`: faults stop, `p` alone keeps timing out; the steps taken
    /// are appended to `taken`; `Err` when a property breaks or `p` does not make progress.
    fn calm(&mut self, p: usize, taken: &mut Vec<Self::Step>) -> Result<(), Failure>;
    /// What the calm phase from this state does depends only on this (and `p`): states with the
    /// same key need one calm phase.
    fn calm_key(&self, p: usize) -> u64;
    /// This world, ready for a search (e.g. keeping per-node hashes up to date from now on).
    fn searching(&self) -> Result<Self, Failure> {
        Ok(self.clone())
    }
}

/// A failing schedule.
#[derive(Clone, Debug)]
pub struct Found<S> {
    /// The steps before the calm phase (with the calm phase's own steps when `calm` is `None`
    /// and the failure happened inside it, they are in `calm_steps`).
    pub steps: Vec<S>,
    /// The proposer of the calm phase that followed, if one did.
    pub calm: Option<usize>,
    /// The calm phase's steps, as taken (for the diagram).
    pub calm_steps: Vec<S>,
    pub failure: Failure,
    /// Which explorer found it (`trace <name>`, `random schedule #n`, `exhaustive search`).
    pub by: String,
}

impl<S> Found<S> {
    /// Steps in all, the calm phase's included.
    pub fn len(&self) -> usize {
        self.steps.len() + self.calm_steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What replaying a schedule on a fresh world gave.
pub struct Replayed<M: Model> {
    pub world: M,
    /// The steps that were enabled and taken.
    pub taken: Vec<M::Step>,
    pub calm_steps: Vec<M::Step>,
    pub failure: Option<Failure>,
}

/// Replay `steps` on `init` (skipping those not enabled), then the calm phase of `calm`.
pub fn replay<M: Model>(init: &M, steps: &[M::Step], calm: Option<usize>) -> Replayed<M> {
    let mut world = init.clone();
    let mut taken = Vec::new();
    for s in steps {
        if !world.enabled(s) {
            continue;
        }
        taken.push(s.clone());
        if let Err(f) = world.apply(s) {
            return Replayed {
                world,
                taken,
                calm_steps: Vec::new(),
                failure: Some(f),
            };
        }
    }
    let mut calm_steps = Vec::new();
    let failure = match calm {
        Some(p) if world.calm_candidates().contains(&p) => world.calm(p, &mut calm_steps).err(),
        _ => None,
    };
    Replayed {
        world,
        taken,
        calm_steps,
        failure,
    }
}

/// Weights of a random schedule: how likely each kind of step is, relative to a protocol step
/// (weight 100).
#[derive(Clone, Copy, Debug)]
pub struct Weights {
    /// Per [`Fault`], in parts of 100.
    pub fault: [u32; 6],
}

impl Weights {
    pub const DEFAULT: Weights = Weights {
        // drop, duplicate, crash, restart, timeout, stop
        fault: [25, 10, 4, 40, 6, 1],
    };
}

/// One random schedule: up to `max_steps` steps drawn from `init` with the seeded `rng` and
/// `weights`, then a calm phase for a proposer drawn among those up. `None` when it passes.
pub fn random_schedule<M: Model>(
    init: &M,
    rng: &mut Rng,
    max_steps: usize,
    weights: Weights,
    by: String,
) -> Option<Found<M::Step>> {
    let mut world = init.clone();
    let mut steps = Vec::new();
    for _ in 0..max_steps {
        let enabled = world.steps();
        if enabled.is_empty() {
            break;
        }
        let w: Vec<u32> = enabled
            .iter()
            .map(|s| M::fault(s).map_or(100, |f| weights.fault[f as usize]))
            .collect();
        let total: u32 = w.iter().sum();
        if total == 0 {
            break;
        }
        let mut pick = rng.below(total as usize) as u32;
        let mut i = 0;
        while pick >= w[i] {
            pick -= w[i];
            i += 1;
        }
        let step = enabled[i].clone();
        steps.push(step.clone());
        if let Err(failure) = world.apply(&step) {
            return Some(Found {
                steps,
                calm: None,
                calm_steps: Vec::new(),
                failure,
                by,
            });
        }
    }
    let candidates = world.calm_candidates();
    if candidates.is_empty() {
        return None;
    }
    let p = candidates[rng.below(candidates.len())];
    let mut calm_steps = Vec::new();
    match world.calm(p, &mut calm_steps) {
        Ok(()) => None,
        Err(failure) => Some(Found {
            steps,
            calm: Some(p),
            calm_steps,
            failure,
            by,
        }),
    }
}

/// Replay `steps` (+ calm phase) and report whether it fails with the same class as `class`.
fn still_fails<M: Model>(
    init: &M,
    steps: &[M::Step],
    calm: Option<usize>,
    class: &str,
) -> Option<Replayed<M>> {
    let r = replay(init, steps, calm);
    match &r.failure {
        Some(f) if f.class() == class => Some(r),
        _ => None,
    }
}

/// Shrink a failing schedule (delta debugging: remove chunks of steps, halving the chunk size,
/// while the rest, replayed with the disabled steps skipped, still fails the same way), with at
/// most `max_replays` replays. The result is replayed on a fresh world: what it holds is what a
/// fresh world does.
pub fn shrink<M: Model>(init: &M, found: &Found<M::Step>, max_replays: usize) -> Found<M::Step> {
    let class = found.failure.class();
    let Some(first) = still_fails(init, &found.steps, found.calm, class) else {
        return found.clone();
    };
    let mut best = first.taken;
    let mut replays = 1;
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        let mut progress = false;
        while i < best.len() && replays < max_replays {
            let end = (i + chunk).min(best.len());
            let mut candidate = best[..i].to_vec();
            candidate.extend_from_slice(&best[end..]);
            replays += 1;
            match still_fails(init, &candidate, found.calm, class) {
                Some(r) => {
                    best = r.taken;
                    progress = true;
                }
                None => i += chunk,
            }
        }
        if replays >= max_replays || (chunk == 1 && !progress) {
            break;
        }
        if !progress {
            chunk = chunk.div_ceil(2).max(1);
        }
    }
    let r = replay(init, &best, found.calm);
    Found {
        steps: r.taken,
        calm: found.calm,
        calm_steps: r.calm_steps,
        failure: r.failure.unwrap_or_else(|| found.failure.clone()),
        by: found.by.clone(),
    }
}

/// The bounds of a breadth-first search: steps in all, faults of each kind, states.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub depth: u32,
    pub budget: Budget,
    /// Stop (incomplete) after this many unique states.
    pub max_states: u64,
    /// Run a calm phase from every state reached (deduplicated by [`Model::calm_key`]).
    pub liveness: bool,
}

/// What a breadth-first search did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searched {
    /// Unique states (state and remaining budget) reached.
    pub states: u64,
    /// Distinct calm phases run.
    pub calm_phases: u64,
    /// The deepest level explored to the end.
    pub depth_done: u32,
    /// Every state within the bounds was explored.
    pub complete: bool,
    /// Every reachable state was explored: the last level found nothing new.
    pub closed: bool,
    /// Why an incomplete search stopped (its state bound, or the safety net).
    pub stopped: Option<String>,
}

/// What a search reports while it runs, and the wall-clock safety net that may stop it (a search
/// it stops is incomplete, never a pass).
pub struct Control<'a> {
    /// Called after each level and every [`PROGRESS_EVERY`] states: what was searched so far, and
    /// the depth being explored.
    pub progress: &'a mut dyn FnMut(&Searched, u32),
    pub deadline: Option<std::time::Instant>,
    /// The sentence an incomplete search gives when the deadline stopped it.
    pub deadline_reason: String,
}

/// How often (in states) a search reports progress and looks at its deadline.
pub const PROGRESS_EVERY: u64 = 16_384;

/// Breadth-first search from `init` within `bounds`: the first failure met at the shallowest
/// level, so a counterexample is a shortest one among the schedules within the bounds (counted
/// in steps before the calm phase, then in calm steps).
pub fn bfs<M: Model>(init: &M, bounds: Bounds) -> (Searched, Option<Found<M::Step>>) {
    bfs_with(
        init,
        bounds,
        &mut Control {
            progress: &mut |_, _| {},
            deadline: None,
            deadline_reason: String::new(),
        },
    )
}

/// [`bfs`], reporting progress and stopped by `control`'s deadline.
pub fn bfs_with<M: Model>(
    init: &M,
    bounds: Bounds,
    control: &mut Control,
) -> (Searched, Option<Found<M::Step>>) {
    let mut searched = Searched::default();
    let init = &match init.searching() {
        Ok(w) => w,
        Err(failure) => {
            return (
                searched,
                Some(Found {
                    steps: Vec::new(),
                    calm: None,
                    calm_steps: Vec::new(),
                    failure,
                    by: "exhaustive search".into(),
                }),
            )
        }
    };
    let key = |w: &M, b: &Budget| {
        let mut h = w.state_hash();
        for x in b {
            h = h.rotate_left(7) ^ (*x as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        h
    };
    let mut seen: HashSet<u64> = HashSet::new();
    let mut calm_seen: HashSet<u64> = HashSet::new();
    // Each entry: the world, its path (indices into its parent's steps are not stable across
    // learner code, so the steps themselves), and the budget used.
    let mut level: Vec<(M, Vec<M::Step>, Budget)> = vec![(init.clone(), Vec::new(), [0; 6])];
    seen.insert(key(init, &[0; 6]));
    searched.states = 1;
    // Liveness failures wait until no safety failure of the same level precedes them: a calm
    // phase's failure is ranked by its whole length.
    let mut pending: Option<Found<M::Step>> = None;
    for depth in 0..=bounds.depth {
        if let Some(p) = &pending {
            // Every schedule still to come has at least depth + 1 steps.
            if p.len() as u32 <= depth + 1 {
                return (searched, pending);
            }
        }
        if bounds.liveness {
            for (w, path, _) in &level {
                for p in w.calm_candidates() {
                    if !calm_seen.insert(w.calm_key(p) ^ (p as u64).wrapping_mul(0x51_7cc1)) {
                        continue;
                    }
                    searched.calm_phases += 1;
                    let mut world = w.clone();
                    let mut calm_steps = Vec::new();
                    if let Err(failure) = world.calm(p, &mut calm_steps) {
                        let found = Found {
                            steps: path.clone(),
                            calm: Some(p),
                            calm_steps,
                            failure,
                            by: "exhaustive search".into(),
                        };
                        if pending.as_ref().is_none_or(|q| found.len() < q.len()) {
                            pending = Some(found);
                        }
                    }
                }
            }
        }
        if depth == bounds.depth {
            searched.depth_done = depth;
            break;
        }
        let mut next = Vec::new();
        for (w, path, used) in &level {
            for step in w.steps() {
                let mut used = *used;
                if let Some(f) = M::fault(&step) {
                    if used[f as usize] >= bounds.budget[f as usize] {
                        continue;
                    }
                    used[f as usize] += 1;
                }
                let mut world = w.clone();
                let mut steps = path.clone();
                steps.push(step.clone());
                if let Err(failure) = world.apply(&step) {
                    return (
                        searched,
                        Some(Found {
                            steps,
                            calm: None,
                            calm_steps: Vec::new(),
                            failure,
                            by: "exhaustive search".into(),
                        }),
                    );
                }
                if !seen.insert(key(&world, &used)) {
                    continue;
                }
                searched.states += 1;
                if searched.states >= bounds.max_states {
                    searched.depth_done = depth;
                    searched.stopped = Some(format!(
                        "it reached its bound of {} unique states",
                        bounds.max_states
                    ));
                    return (searched, pending);
                }
                if searched.states % PROGRESS_EVERY == 0 {
                    (control.progress)(&searched, depth + 1);
                    if control
                        .deadline
                        .is_some_and(|d| std::time::Instant::now() >= d)
                    {
                        searched.depth_done = depth;
                        searched.stopped = Some(control.deadline_reason.clone());
                        return (searched, pending);
                    }
                }
                next.push((world, steps, used));
            }
        }
        searched.depth_done = depth + 1;
        (control.progress)(&searched, depth + 1);
        if next.is_empty() {
            // Nothing new: every reachable state was explored.
            if pending.is_none() {
                searched.complete = true;
                searched.closed = true;
                return (searched, None);
            }
            return (searched, pending);
        }
        level = next;
    }
    searched.complete = searched.states < bounds.max_states;
    (searched, pending)
}
