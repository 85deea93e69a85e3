//! The explorers, generic over a protocol's world (after Stateright's `Model` and checkers).
//!
//! A world ([`Model`]) says which steps are enabled, applies one (checking its properties after
//! it), hashes its state, and runs its own calm phase (faults stop, one proposer alone must make
//! progress). The explorers here know nothing of any protocol: named traces in the world's own
//! trace language ([`run_trace`] over its [`Selector`]s), replay ([`replay_from`]), random
//! schedules with a calm phase ([`random_walk`], over the world's own distribution of steps;
//! [`random_schedule`] with fault weights), shrinking ([`shrink_steps`]) and breadth-first search
//! with fault budgets, calm phases from every state and takeover turns ([`bfs_with`]). Every
//! explorer ends in the same [`Found`] and the same [`Failure`]: a schedule of steps plus the
//! failure it ends in, which a fresh world replays before anyone is shown it.
//!
//! Two worlds run on them: single-decree Paxos ([`crate::world`], driven by [`crate::explore`],
//! which adds its trace library, its families of random schedules and its reports) and
//! Multi-Paxos ([`crate::multi`]). What made the single-decree search fast lives in its world,
//! behind the trait: the set network and the memo of transitions (in its setup), the cheap
//! "nothing changed" test ([`Model::unchanged_from`]), and one queue-network setup for all the
//! calm phases of a search.

use std::fmt::Debug;

use crate::guard::Panicked;
use crate::hash::HashSet64;
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
    /// A copy of this world for a calm phase to run in (a world whose calm phase starts from
    /// another form of itself, such as one with its network lost, may make that form at once).
    fn calm_start(&self) -> Self {
        self.clone()
    }
    /// [`Model::calm_candidates`], appended to `out` (the search asks it of every state).
    fn calm_candidates_into(&self, out: &mut Vec<usize>) {
        out.extend(self.calm_candidates());
    }
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
    /// The steps a search tries from here, in a fixed order, appended to `out` (fault budgets
    /// are the search's to apply, by [`Model::fault`]). A world whose search network is the set
    /// of messages ever sent offers no drops or duplicates here.
    fn search_steps(&self, out: &mut Vec<Self::Step>) {
        out.extend(self.steps());
    }
    /// Is this world, made from `parent` by one step, still `parent`'s state (then the search has
    /// visited it and need not hash it)? `false` when unsure.
    fn unchanged_from(&self, _parent: &Self) -> bool {
        false
    }
    /// How many proposers (leaders) the world has (for the takeover search).
    fn proposers(&self) -> usize {
        0
    }
    /// The proposer a step works for (the takeover search): the sender of a message to an
    /// acceptor, the receiver of a reply, the proposer that acts; `None` for steps of none
    /// (crashes, restarts).
    fn owner(_step: &Self::Step) -> Option<usize> {
        None
    }
    /// Stop proposer `p` for good, its messages in flight lost (the takeover search): the step
    /// that did, or `None` when it was not up or could not be stopped.
    fn retire(&mut self, _p: usize) -> Option<Self::Step> {
        None
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
    replay_from(init.clone(), steps, calm)
}

/// The replay explorer for any world: take `steps` on `world` (skipping those not enabled), then
/// the calm phase of `calm`.
pub fn replay_from<M: Model>(mut world: M, steps: &[M::Step], calm: Option<usize>) -> Replayed<M> {
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

/// A line of a trace, in a world's trace language: it names one step, looked up in the world as
/// it is when the line's turn comes.
pub trait Selector<M: Model> {
    /// The step this line names now, if it names one that is enabled.
    fn resolve(&self, world: &M) -> Option<M::Step>;
    /// Is the line taken again and again while it names a step (`deliver-all`)?
    fn repeats(&self) -> bool {
        false
    }
}

/// What a trace did.
pub struct Traced<M: Model> {
    pub world: M,
    /// The steps taken for its lines, then (apart) the calm phase's.
    pub steps: Vec<M::Step>,
    pub calm_steps: Vec<M::Step>,
    /// The lines (by index) that named no enabled step (repeating lines are never counted).
    pub skipped: Vec<usize>,
    /// The failure it ended in.
    pub result: Result<(), Failure>,
}

/// The trace explorer for any world: each line of `lines` in turn on `world` (a repeating line
/// up to `max_repeats` steps), then the calm phase of `calm` when that proposer is still up.
/// The first failure ends the trace.
pub fn run_trace<M: Model, L: Selector<M>>(
    mut world: M,
    lines: &[L],
    max_repeats: usize,
    calm: Option<usize>,
) -> Traced<M> {
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut n = 0;
        while let Some(step) = line.resolve(&world) {
            steps.push(step.clone());
            if let Err(f) = world.apply(&step) {
                return Traced {
                    world,
                    steps,
                    calm_steps: Vec::new(),
                    skipped,
                    result: Err(f),
                };
            }
            n += 1;
            if !line.repeats() || n >= max_repeats {
                break;
            }
        }
        if n == 0 && !line.repeats() {
            skipped.push(i);
        }
    }
    let mut calm_steps = Vec::new();
    let result = match calm {
        Some(p) if world.calm_candidates().contains(&p) => world.calm(p, &mut calm_steps),
        _ => Ok(()),
    };
    Traced {
        world,
        steps,
        calm_steps,
        skipped,
        result,
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
    random_walk(
        init.clone(),
        Vec::new(),
        rng,
        max_steps,
        |world: &M, rng: &mut Rng| {
            let enabled = world.steps();
            let w: Vec<u32> = enabled
                .iter()
                .map(|s| M::fault(s).map_or(100, |f| weights.fault[f as usize]))
                .collect();
            rng.weighted(&w).map(|i| enabled[i].clone())
        },
        |world: &M, rng: &mut Rng| {
            let candidates = world.calm_candidates();
            (!candidates.is_empty()).then(|| candidates[rng.below(candidates.len())])
        },
        by,
    )
}

/// The random-schedule explorer for any world: from `world`, where `steps` were taken already,
/// up to `len` steps more, each drawn by `pick` (the world's own distribution over its steps;
/// `None` ends the fault phase), then the calm phase of the proposer `calm` draws, if it draws
/// one. The first failure ends the schedule. `None` when it passes.
pub fn random_walk<M: Model>(
    mut world: M,
    mut steps: Vec<M::Step>,
    rng: &mut Rng,
    len: usize,
    mut pick: impl FnMut(&M, &mut Rng) -> Option<M::Step>,
    calm: impl FnOnce(&M, &mut Rng) -> Option<usize>,
    by: String,
) -> Option<Found<M::Step>> {
    for _ in 0..len {
        let Some(step) = pick(&world, rng) else {
            break;
        };
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
    let p = calm(&world, rng)?;
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

/// Shrink a failing schedule: replayed on `init` first (the steps it takes, disabled ones
/// skipped), then [`shrink_steps`] with the replays left, then replayed once more on a fresh
/// copy of `init`: what the result holds is what a fresh world does.
pub fn shrink<M: Model>(init: &M, found: &Found<M::Step>, max_replays: usize) -> Found<M::Step> {
    let class = found.failure.class();
    let r = replay(init, &found.steps, found.calm);
    if r.failure.as_ref().is_none_or(|f| f.class() != class) {
        return found.clone();
    }
    let (best, _) = shrink_steps(
        r.taken,
        class,
        max_replays.saturating_sub(1),
        |candidate: &[M::Step]| {
            let r = replay(init, candidate, found.calm);
            (r.taken, r.failure)
        },
    );
    let r = replay(init, &best, found.calm);
    Found {
        steps: r.taken,
        calm: found.calm,
        calm_steps: r.calm_steps,
        failure: r.failure.unwrap_or_else(|| found.failure.clone()),
        by: found.by.clone(),
    }
}

/// The shrinking explorer for any world (delta debugging): remove chunks of `steps`, halving
/// the chunk size, while the rest, replayed by `replay` (which gives the steps it took and the
/// failure it ended in), still fails with a failure of `class`; at most `max_replays` replays.
/// The shortest schedule kept, and its failure (`None` when no replay was made or none failed).
pub fn shrink_steps<S: Clone>(
    steps: Vec<S>,
    class: &str,
    max_replays: usize,
    mut replay: impl FnMut(&[S]) -> (Vec<S>, Option<Failure>),
) -> (Vec<S>, Option<Failure>) {
    let mut best = steps;
    let mut best_failure = None;
    let mut replays = 0;
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < best.len() && replays < max_replays {
            let end = (start + chunk).min(best.len());
            let candidate: Vec<S> = best[..start].iter().chain(&best[end..]).cloned().collect();
            replays += 1;
            match replay(&candidate) {
                (taken, Some(f)) if f.class() == class => {
                    best = taken;
                    best_failure = Some(f);
                    removed_any = true;
                }
                _ => start = end,
            }
        }
        if replays >= max_replays || (chunk == 1 && !removed_any) {
            break;
        }
        if !removed_any {
            chunk = (chunk / 2).max(1);
        }
    }
    (best, best_failure)
}

/// The bounds of a breadth-first search: steps in all, faults of each kind, states, and what is
/// checked beyond the properties of each step.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub depth: u32,
    pub budget: Budget,
    /// Stop (incomplete) once more than this many unique states were reached.
    pub max_states: u64,
    /// Run a calm phase from every state up to this depth (deduplicated by
    /// [`Model::calm_key`]); `None`: no calm phase.
    pub liveness: Option<u32>,
    /// How a calm phase's failure ranks. `true`: a liveness failure ends the search at once (its
    /// schedule before the calm phase is a shortest one; the calm phase is its witness) and a
    /// safety failure met inside a calm phase waits, ranked by its whole length. `false`: every
    /// calm phase's failure waits, ranked by its whole length (fault steps and calm steps).
    pub liveness_first: bool,
    /// Proposers take turns (see [`Takeover`]); `None`: every step is allowed at any time.
    pub takeover: Option<Takeover>,
    /// Look only for failures of this class ([`Failure::class`]): a state that fails otherwise
    /// is a dead end, neither reported nor expanded, and no calm phase runs unless the class is
    /// `liveness` (the search for a shortest counterexample of the property a schedule already
    /// broke). `None`: the first failure of any kind.
    pub target: Option<&'static str>,
}

impl Bounds {
    /// `depth` steps with `budget` faults and at most `max_states` states; a calm phase from
    /// every state when `liveness`, every calm phase's failure ranked by its whole length.
    pub const fn new(depth: u32, budget: Budget, max_states: u64, liveness: bool) -> Bounds {
        Bounds {
            depth,
            budget,
            max_states,
            liveness: if liveness { Some(depth) } else { None },
            liveness_first: false,
            takeover: None,
            target: None,
        }
    }
}

/// The takeover search: every proposer but the last runs for up to `early` steps, then they stop
/// for good ([`Model::retire`]), and the last proposer takes over, with the whole timeout budget
/// again: what a new leader meets after the old ones crashed. Steps of no proposer
/// ([`Model::owner`] `None`: crashes, restarts) are taken only in the last turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Takeover {
    pub early: u32,
}

/// What a breadth-first search did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searched {
    /// Unique states (state, fault budget spent and turn) reached.
    pub states: u64,
    /// Successors made (steps tried), visited or not.
    pub generated: u64,
    /// Distinct calm phases run.
    pub calm_phases: u64,
    /// The deepest level explored to the end.
    pub depth_done: u32,
    /// A calm phase ran from every state up to this depth.
    pub liveness_depth: u32,
    /// Every state within the bounds was explored.
    pub complete: bool,
    /// Every reachable state was explored: a level found nothing new.
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

/// How often (in states) a search reports progress.
pub const PROGRESS_EVERY: u64 = 16_384;
/// How often (in states expanded) a search looks at its deadline.
const DEADLINE_EVERY: u32 = 64;

/// Where a schedule of the takeover search is: which proposers may act, which have stopped.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Turn {
    active: u32,
    retired: u32,
}

impl Turn {
    const ANY: Turn = Turn {
        active: u32::MAX,
        retired: 0,
    };

    fn key(self, state: u64) -> u64 {
        if self == Turn::ANY {
            state
        } else {
            crate::hash::hash_of(&(state, self))
        }
    }

    /// May a schedule in this turn take `step`?
    fn allows<M: Model>(self, step: &M::Step) -> bool {
        if self == Turn::ANY {
            return true;
        }
        match M::owner(step) {
            Some(p) => self.active & (1 << p) != 0,
            None => self.retired != 0,
        }
    }
}

/// The visited set's key of a state with `used` faults spent.
fn key<M: Model>(w: &M, used: &Budget, turn: Turn) -> u64 {
    let mut h = w.state_hash();
    for x in used {
        h = h.rotate_left(7) ^ (*x as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    turn.key(h)
}

/// The search tree: each node's parent and the step that led to it (node 0 is the start).
type Arena<S> = Vec<(u32, Option<S>)>;

/// A state of a level: the world, its node in the arena, its turn and the faults it spent.
type Entry<M> = (M, u32, Turn, Budget);

/// The last level of a search as it is made (see [`bfs_with`]): the states one successor entered
/// (a takeover adds the next turn's), how many there were in all, and the calm phases run from
/// them so far, kept apart until the level is through.
struct Tail<M: Model> {
    fresh: Vec<Entry<M>>,
    entries: usize,
    searched: Searched,
    live: Option<Found<M::Step>>,
    pending: Option<(usize, Found<M::Step>)>,
}

impl<M: Model> Default for Tail<M> {
    fn default() -> Self {
        Tail {
            fresh: Vec::new(),
            entries: 0,
            searched: Searched::default(),
            live: None,
            pending: None,
        }
    }
}

/// The steps from the start to arena node `i`.
fn path_to<S: Clone>(arena: &Arena<S>, mut i: u32) -> Vec<S> {
    let mut steps = Vec::new();
    while i != 0 {
        let (parent, step) = &arena[i as usize];
        steps.push(step.clone().expect("a node below the start has a step"));
        i = *parent;
    }
    steps.reverse();
    steps
}

/// Add a new state (already in the arena as `node`) to the next level, with the states its
/// takeover leads to (at the same depth: a takeover only stops proposers).
fn enter<M: Model>(
    entry: Entry<M>,
    mode: Option<Takeover>,
    arena: &mut Arena<M::Step>,
    visited: &mut HashSet64,
    out: &mut Vec<Entry<M>>,
) {
    let (w, node, turn, used) = entry;
    if mode.is_some() && turn.retired == 0 {
        let proposers = w.proposers();
        let mut t = w.clone();
        let mut stops = Vec::new();
        for p in (0..proposers).filter(|&p| turn.active & (1 << p) != 0) {
            if let Some(s) = t.retire(p) {
                stops.push(s);
            }
        }
        let next = Turn {
            active: 1 << (proposers - 1),
            retired: turn.retired | (turn.active & ((1 << proposers) - 1)),
        };
        // Each turn has the whole timeout budget.
        let mut spent = used;
        spent[Fault::Timeout as usize] = 0;
        if visited.insert(key(&t, &spent, next)) {
            let mut n = node;
            for s in stops {
                arena.push((n, Some(s)));
                n = (arena.len() - 1) as u32;
            }
            enter((t, n, next, spent), mode, arena, visited, out);
        }
    }
    out.push((w, node, turn, used));
}

/// Breadth-first search from `init` within `bounds`: the first failure met at the shallowest
/// level, so a counterexample is a shortest one among the schedules within the bounds (see
/// [`Bounds::liveness_first`] for how a calm phase's failure ranks).
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
///
/// The search is the same for every world: the visited set holds 64-bit hashes of (state, faults
/// spent, turn) in a flat table; each state of a level keeps only its node in a tree of parent
/// links (a schedule is rebuilt from it when one is reported); a successor that is its parent's
/// state again ([`Model::unchanged_from`]) is not hashed. Every bound is a count, checked after
/// every state, so where a search stops never depends on timing; the clock is the safety net.
pub fn bfs_with<M: Model>(
    init: &M,
    bounds: Bounds,
    control: &mut Control,
) -> (Searched, Option<Found<M::Step>>) {
    let mut searched = Searched::default();
    let by = match bounds.takeover {
        None => "exhaustive search",
        Some(_) => "exhaustive search, takeover",
    };
    let found = |steps, calm: Option<usize>, calm_steps, failure| Found {
        steps,
        calm,
        calm_steps,
        failure,
        by: by.to_string(),
    };
    let wanted = |f: &Failure| bounds.target.is_none_or(|t| f.class() == t);
    let root = match init.searching() {
        Ok(w) => w,
        Err(failure) => return (searched, Some(found(Vec::new(), None, Vec::new(), failure))),
    };
    let mut arena: Arena<M::Step> = vec![(u32::MAX, None)];
    let mut visited = HashSet64::default();
    let mut frontier: Vec<Entry<M>> = Vec::new();
    let mut spare: Vec<Entry<M>> = Vec::new();
    let turn = match bounds.takeover {
        None => Turn::ANY,
        Some(_) => Turn {
            active: (1 << (root.proposers() - 1)) - 1,
            retired: 0,
        },
    };
    visited.insert(key(&root, &[0; 6], turn));
    enter(
        (root, 0, turn, [0; 6]),
        bounds.takeover,
        &mut arena,
        &mut visited,
        &mut frontier,
    );
    searched.states = visited.len() as u64;

    // Calm phases from every state of a level. Many states share one (their calm keys agree),
    // and each runs once, from the first state that reaches it (breadth-first, so the
    // shallowest). A failure waits as a candidate ranked by its whole length until the levels
    // pass that length, so a plain counterexample no longer than it wins, unless
    // `liveness_first` reports a liveness failure at once.
    let mut calm_seen = HashSet64::default();
    let mut candidates: Vec<usize> = Vec::new();
    let mut pending: Option<(usize, Found<M::Step>)> = None;
    let mut live_check = |frontier: &[Entry<M>],
                          arena: &Arena<M::Step>,
                          searched: &mut Searched,
                          pending: &mut Option<(usize, Found<M::Step>)>|
     -> Option<Found<M::Step>> {
        for (w, node, _, _) in frontier {
            candidates.clear();
            w.calm_candidates_into(&mut candidates);
            for &p in &candidates {
                if !calm_seen.insert(w.calm_key(p) ^ (p as u64).wrapping_mul(0x51_7cc1)) {
                    continue;
                }
                searched.calm_phases += 1;
                let mut world = w.calm_start();
                let mut calm_steps = Vec::with_capacity(32);
                let Err(f) = world.calm(p, &mut calm_steps) else {
                    continue;
                };
                if !wanted(&f) {
                    continue;
                }
                if bounds.liveness_first && f.class() == "liveness" {
                    return Some(found(path_to(arena, *node), Some(p), calm_steps, f));
                }
                // A search aimed at one property counts every step its own way: no calm phase
                // there but the liveness one.
                if bounds.liveness_first && bounds.target.is_some() {
                    continue;
                }
                let steps = path_to(arena, *node);
                let length = steps.len() + calm_steps.len();
                if pending.as_ref().is_none_or(|(l, _)| length < *l) {
                    *pending = Some((length, found(steps, Some(p), calm_steps, f)));
                }
            }
        }
        None
    };
    let live_at = |depth: u32| bounds.liveness.is_some_and(|l| depth <= l);
    let mut succ: Vec<M::Step> = Vec::new();
    let mut since_clock = 0u32;
    for depth in 1..=bounds.depth {
        if live_at(depth - 1) {
            if let Some(f) = live_check(&frontier, &arena, &mut searched, &mut pending) {
                return (searched, Some(f));
            }
            searched.liveness_depth = depth - 1;
        }
        // This level's counterexamples are `depth` steps long: a shorter candidate wins now.
        if let Some((length, _)) = &pending {
            if *length < depth as usize {
                return (searched, pending.map(|(_, f)| f));
            }
        }
        // The next level goes into the vector the level before this one was in (its memory is
        // mapped already), and each state of this level is dropped as soon as its successors
        // are made, so the memory it frees is taken again by the next level's states at once.
        let mut next = std::mem::take(&mut spare);
        // The last level's states are not kept: nothing expands them. Each one's calm phases
        // (when asked for this deep) run as soon as it is made, while it is still in the cache,
        // into a tail of their own that counts only once the level is through, as if they had
        // run after it: a plain counterexample of this level, or a budget that runs out in it,
        // leaves them out, as before.
        let last = depth == bounds.depth;
        let mut tail = Tail::default();
        if !last {
            next.reserve(frontier.len() * 2);
        }
        let mut level = std::mem::take(&mut frontier);
        for (w, node, turn, used) in level.drain(..) {
            if let Some(Takeover { early }) = bounds.takeover {
                if turn.retired == 0 && depth > early {
                    continue;
                }
            }
            succ.clear();
            w.search_steps(&mut succ);
            for s in &succ {
                if !turn.allows::<M>(s) {
                    continue;
                }
                let mut spent = used;
                if let Some(f) = M::fault(s) {
                    if spent[f as usize] >= bounds.budget[f as usize] {
                        continue;
                    }
                    spent[f as usize] += 1;
                }
                let mut c = w.clone();
                searched.generated += 1;
                match c.apply(s) {
                    Err(f) if wanted(&f) => {
                        searched.states = visited.len() as u64;
                        let mut steps = path_to(&arena, node);
                        steps.push(s.clone());
                        return (searched, Some(found(steps, None, Vec::new(), f)));
                    }
                    Err(_) => continue,
                    Ok(()) => {}
                }
                // The same state as `w` (a message delivered again): visited already.
                if spent == used && c.unchanged_from(&w) {
                    continue;
                }
                if visited.insert(key(&c, &spent, turn)) {
                    arena.push((node, Some(s.clone())));
                    let n = (arena.len() - 1) as u32;
                    let out = if last { &mut tail.fresh } else { &mut next };
                    enter(
                        (c, n, turn, spent),
                        bounds.takeover,
                        &mut arena,
                        &mut visited,
                        out,
                    );
                    if last {
                        tail.entries += tail.fresh.len();
                        if live_at(depth) && tail.live.is_none() {
                            tail.live = live_check(
                                &tail.fresh,
                                &arena,
                                &mut tail.searched,
                                &mut tail.pending,
                            );
                        }
                        tail.fresh.clear();
                    }
                }
            }
            let states = visited.len() as u64;
            if states / PROGRESS_EVERY != searched.states / PROGRESS_EVERY {
                searched.states = states;
                (control.progress)(&searched, depth);
            }
            searched.states = states;
            if states > bounds.max_states {
                searched.stopped = Some(format!(
                    "the state budget of {} states ran out",
                    bounds.max_states
                ));
                return (searched, pending.map(|(_, f)| f));
            }
            since_clock += 1;
            if since_clock == DEADLINE_EVERY {
                since_clock = 0;
            }
            if since_clock == 0
                && control
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() >= d)
            {
                searched.stopped = Some(control.deadline_reason.clone());
                return (searched, pending.map(|(_, f)| f));
            }
        }
        searched.depth_done = depth;
        searched.states = visited.len() as u64;
        (control.progress)(&searched, depth);
        spare = level;
        frontier = next;
        if frontier.is_empty() && !(last && tail.entries > 0) {
            searched.closed = true;
            break;
        }
        if last && live_at(depth) {
            // The last level's calm phases, now that the level is through: ranked as they would
            // have been had they run after it, in the order its states were made.
            searched.calm_phases += tail.searched.calm_phases;
            if let Some(f) = tail.live {
                return (searched, Some(f));
            }
            if let Some((length, f)) = tail.pending {
                if pending.as_ref().is_none_or(|(l, _)| length < *l) {
                    pending = Some((length, f));
                }
            }
            searched.liveness_depth = depth;
        }
    }
    if bounds.depth == 0 && live_at(0) && !searched.closed {
        // No level was made: the calm phases from the start state alone.
        if let Some(f) = live_check(&frontier, &arena, &mut searched, &mut pending) {
            return (searched, Some(f));
        }
        searched.liveness_depth = 0;
    }
    if let Some((_, f)) = pending {
        return (searched, Some(f));
    }
    searched.depth_done = bounds.depth;
    searched.complete = true;
    (searched, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy world: a counter that `Inc` raises by one and `Jump` (a rationed fault) by three,
    /// up to `cap`; reaching `bad` breaks "agreement"; the calm phase from `stuck` takes five
    /// steps and then fails liveness.
    #[derive(Clone)]
    struct Counter {
        n: u32,
        cap: u32,
        bad: u32,
        stuck: u32,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum T {
        Inc,
        Jump,
    }

    struct Line(T, bool);

    impl Selector<Counter> for Line {
        fn resolve(&self, w: &Counter) -> Option<T> {
            (w.n < w.cap).then(|| self.0.clone())
        }
        fn repeats(&self) -> bool {
            self.1
        }
    }

    impl Model for Counter {
        type Step = T;
        fn steps(&self) -> Vec<T> {
            vec![T::Inc, T::Jump]
        }
        fn apply(&mut self, step: &T) -> Result<(), Failure> {
            let by = if *step == T::Inc { 1 } else { 3 };
            self.n = (self.n + by).min(self.cap);
            if self.n == self.bad {
                return Err(violation("agreement", "bad", format!("reached {}", self.n)));
            }
            Ok(())
        }
        fn state_hash(&self) -> u64 {
            u64::from(self.n).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
        }
        fn fault(step: &T) -> Option<Fault> {
            (*step == T::Jump).then_some(Fault::Crash)
        }
        fn describe(step: &T) -> String {
            format!("{step:?}")
        }
        fn calm_candidates(&self) -> Vec<usize> {
            vec![0]
        }
        fn calm(&mut self, _p: usize, taken: &mut Vec<T>) -> Result<(), Failure> {
            if self.n != self.stuck {
                return Ok(());
            }
            taken.extend(std::iter::repeat_n(T::Inc, 5));
            Err(violation("liveness", "stuck", "no progress".into()))
        }
        fn calm_key(&self, _p: usize) -> u64 {
            u64::from(self.n)
        }
    }

    fn counter(cap: u32, bad: u32, stuck: u32) -> Counter {
        Counter {
            n: 0,
            cap,
            bad,
            stuck,
        }
    }

    fn budget(jumps: u8) -> Budget {
        let mut b = [0; 6];
        b[Fault::Crash as usize] = jumps;
        b
    }

    #[test]
    fn the_search_finds_a_shortest_schedule_within_its_fault_budget() {
        let w = counter(100, 7, 1000);
        let (_, f) = bfs(&w, Bounds::new(10, budget(2), 1000, false));
        let f = f.expect("7 is reachable");
        assert_eq!(f.steps.len(), 3, "{:?}", f.steps);
        assert_eq!(f.steps.iter().filter(|s| **s == T::Jump).count(), 2);
        assert_eq!(f.failure.class(), "agreement");
        // Without jumps it takes seven steps, and a search of six finds nothing and says so.
        let (_, f) = bfs(&w, Bounds::new(10, budget(0), 1000, false));
        assert_eq!(f.expect("reachable").steps, vec![T::Inc; 7]);
        let (s, f) = bfs(&w, Bounds::new(6, budget(0), 1000, false));
        assert!(
            f.is_none() && s.complete && !s.closed && s.depth_done == 6,
            "{s:?}"
        );
    }

    #[test]
    fn a_calm_phases_failure_ranks_as_its_bounds_say() {
        // From n = 2 the calm phase fails after five steps (length 7); n = 3 breaks agreement
        // at depth 3.
        let w = counter(100, 3, 2);
        let mut b = Bounds::new(10, budget(0), 1000, true);
        let (_, f) = bfs(&w, b);
        let f = f.expect("a failure");
        assert_eq!((f.failure.class(), f.len()), ("agreement", 3));
        b.liveness_first = true;
        let (_, f) = bfs(&w, b);
        let f = f.expect("a failure");
        assert_eq!(
            (f.failure.class(), f.steps.len(), f.calm),
            ("liveness", 2, Some(0))
        );
        // Aimed at agreement, the calm phase's failure is not one.
        b.target = Some("agreement");
        let (_, f) = bfs(&w, b);
        assert_eq!(f.expect("a failure").failure.class(), "agreement");
    }

    /// The last level's states are not kept, and their calm phases run as each is made; they
    /// count as if they had run after the level. With one jump, depth 2 makes 2 and then 4.
    #[test]
    fn the_last_levels_calm_phases_count_only_once_the_level_is_through() {
        let mut b = Bounds::new(2, budget(1), 1000, true);
        b.liveness_first = true;
        // From 2 the calm phase fails; 4, made after it in the same level, breaks agreement:
        // the plain counterexample wins, as when the level's calm phases ran after it.
        let (_, f) = bfs(&counter(100, 4, 2), b);
        let f = f.expect("a failure");
        assert_eq!(f.failure.class(), "agreement");
        assert_eq!(f.steps, vec![T::Inc, T::Jump]);
        // Without the agreement bug, the calm phase from 2 is the failure, with its steps.
        let (s, f) = bfs(&counter(100, 1000, 2), b);
        let f = f.expect("a failure");
        assert_eq!(
            (f.failure.class(), f.steps.clone(), f.calm),
            ("liveness", vec![T::Inc, T::Inc], Some(0))
        );
        // 0, then 1 and 3, then 2: four calm phases, the failing one the last.
        assert_eq!(s.calm_phases, 4, "{s:?}");
        // A state budget that runs out in the last level leaves its calm phases out.
        b.max_states = 4;
        let (s, f) = bfs(&counter(100, 1000, 2), b);
        assert!(f.is_none() && !s.complete, "{s:?}");
        assert_eq!(s.calm_phases, 3, "{s:?}");
        // And a correct world checks liveness from every state of the last level.
        b.max_states = 1000;
        let (s, f) = bfs(&counter(100, 1000, 1000), b);
        assert!(f.is_none() && s.complete, "{s:?}");
        assert_eq!(
            (s.liveness_depth, s.calm_phases, s.states),
            (2, 5, 5),
            "{s:?}"
        );
    }

    #[test]
    fn a_search_says_whether_it_closed_or_ran_out_of_states() {
        let w = counter(4, 1000, 1000);
        let (s, f) = bfs(&w, Bounds::new(10, budget(1), 1000, true));
        assert!(f.is_none());
        assert!(s.closed && s.complete && s.stopped.is_none(), "{s:?}");
        // States: n in 0..=4 with no jump spent, n in 3..=4 with one: 7.
        assert_eq!(s.states, 7);
        let (s, f) = bfs(&w, Bounds::new(10, budget(1), 3, true));
        assert!(f.is_none() && !s.complete, "{s:?}");
        assert_eq!(
            s.stopped.as_deref(),
            Some("the state budget of 3 states ran out")
        );
    }

    #[test]
    fn a_trace_takes_its_lines_in_turn_and_names_those_that_matched_nothing() {
        let w = counter(5, 1000, 1000);
        let lines = [
            Line(T::Jump, false),
            Line(T::Inc, true),
            Line(T::Jump, false),
        ];
        let r = run_trace(w.clone(), &lines, 100, None);
        assert_eq!(r.steps, vec![T::Jump, T::Inc, T::Inc]);
        assert_eq!(r.skipped, vec![2]);
        assert!(r.result.is_ok());
        // A repeating line stops at its cap; the calm phase runs after the lines.
        let r = run_trace(counter(50, 1000, 9), &lines, 3, Some(0));
        assert_eq!(r.steps, vec![T::Jump, T::Inc, T::Inc, T::Inc, T::Jump]);
        assert_eq!(r.calm_steps.len(), 5);
        assert_eq!(r.result.map_err(|f| f.class()), Err("liveness"));
    }
}
