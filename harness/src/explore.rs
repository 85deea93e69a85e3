//! The explorers: four ways of choosing steps in the same world. Traces replay named scenarios,
//! random schedules pick steps with a seeded RNG and fault weights, shrinking removes steps from
//! a failing schedule while it still fails, and the exhaustive search visits every schedule up to a
//! bound, breadth-first. All of them end in a [`Found`]: the steps and the failure.

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::hash::HashSet64;
use crate::nodes::Impls;
use crate::trace::{Selector, Trace};
use crate::world::{
    node_name, proposer_id, Failure, Property, Setup, Step, Violation, World, PROPOSER_BASE,
};

/// After faults stop: how many timeouts the chosen proposer gets beyond the round gap it has to
/// close (see [`calm_bounds`]), and how many deliveries each of those timeouts may take.
pub const CALM_TIMEOUTS: u32 = 50;
pub const CALM_DELIVERIES_PER_TIMEOUT: u32 = 400;
/// The largest round gap the calm phase closes one round per timeout; beyond it the liveness check
/// from that state is not run (and counted: the verdict is then `incomplete`, never `pass`).
pub const CALM_MAX_GAP: u64 = 100_000;

thread_local! {
    /// Calm phases not run because the round gap exceeded [`CALM_MAX_GAP`].
    pub static LIVENESS_UNCHECKED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The calm phase's bounds for proposer `p` in `w`: a proposer that climbs one round per timeout
/// (one that ignores Nacks, or whose acceptors stay silent) needs one timeout per round between
/// its last Prepare and the highest ballot any acceptor promised or accepted, so the bound is that
/// gap plus [`CALM_TIMEOUTS`]: it depends on the state the calm phase starts from, so a valid
/// proposer passes after any history. `None` when the gap is beyond [`CALM_MAX_GAP`].
pub fn calm_bounds(w: &World, p: usize) -> Option<(u32, u32)> {
    let mut top = 0u64;
    for (a, g) in w.ghost.acc.iter().enumerate() {
        let disk = w.acc[a].disk.load().unwrap_or_default();
        for b in [
            g.promised,
            g.accepted.as_ref().map(|x| x.0),
            disk.promised,
            disk.accepted.map(|x| x.0),
        ]
        .into_iter()
        .flatten()
        {
            top = top.max(b.round);
        }
    }
    let mine = w.ghost.prop[p].max_prepare.map_or(0, |b| b.round);
    let gap = top.saturating_sub(mine);
    if gap > CALM_MAX_GAP {
        return None;
    }
    let timeouts = CALM_TIMEOUTS + gap as u32;
    Some((
        timeouts,
        timeouts.saturating_mul(CALM_DELIVERIES_PER_TIMEOUT),
    ))
}

/// A failing schedule.
#[derive(Clone, Debug)]
pub struct Found {
    pub failure: Failure,
    pub acceptors: usize,
    pub proposers: usize,
    pub sticky: bool,
    /// The last proposer is the harness's huge-round competitor.
    pub jumper: bool,
    /// The steps before the calm phase (what shrinking works on).
    pub steps: Vec<Step>,
    /// The proposer kept timing out in the calm phase, if the schedule has one.
    pub calm: Option<usize>,
    /// Where it was found: "trace lost-promise", "random schedule 17", "exhaustive search".
    pub origin: String,
    /// The trace's lesson, when found by a trace whose lesson is about the code that failed.
    pub lesson: Option<String>,
    /// The codes the trace's lesson is about (see [`Trace::teaches`]).
    pub teaches: Vec<String>,
}

impl Found {
    /// A fresh world for this schedule (no memo): what every replay of it runs in.
    pub fn setup(&self, impls: Impls) -> Rc<Setup> {
        if self.jumper {
            Setup::with_jumper(impls, self.acceptors, self.proposers)
        } else {
            Setup::new(impls, self.acceptors, self.proposers, self.sticky)
        }
    }
}

/// The outcome of replaying a schedule: the steps actually taken (fault phase, then calm phase).
pub struct Replay {
    pub world: Option<World>,
    pub taken: Vec<Step>,
    pub calm_taken: Vec<Step>,
    pub failure: Option<Failure>,
}

pub use crate::rng::Rng;

/// Faults stop: restart acceptors until a majority is up, then deliver every message in order,
/// timing out proposer `p` (and only it) whenever the network is quiet, until it decides.
pub fn calm_phase(w: &mut World, p: usize, taken: &mut Vec<Step>) -> Result<(), Failure> {
    if w.setup.sticky {
        // The exhaustive search's network is the set of messages ever sent, which never
        // quiets down: the calm phase starts with the messages not yet delivered lost.
        *w = w.without_network();
    }
    let quorum = w.setup.quorum();
    for a in 0..w.acc.len() {
        if (0..w.acc.len()).filter(|&i| w.acceptor_up(i)).count() >= quorum {
            break;
        }
        if !w.acceptor_up(a) {
            let s = Step::Restart(a);
            taken.push(s.clone());
            w.apply(&s)?;
        }
    }
    if !w.proposer_up(p) {
        return Ok(());
    }
    if !w.prop[p].proposed {
        let s = Step::Propose(p);
        taken.push(s.clone());
        w.apply(&s)?;
    }
    let Some((max_timeouts, max_deliveries)) = calm_bounds(w, p) else {
        LIVENESS_UNCHECKED.with(|c| c.set(c.get() + 1));
        return Ok(());
    };
    let (mut timeouts, mut deliveries) = (0u32, 0u32);
    loop {
        if w.ghost.prop[p].decided.is_some() {
            return Ok(());
        }
        if let Some(e) = w.net.first().cloned() {
            deliveries += 1;
            if deliveries > max_deliveries {
                return Err(liveness(w, p, format!("kept exchanging messages for {max_deliveries} deliveries without deciding: a livelock")));
            }
            let s = if w.node_up(e.to) {
                Step::Deliver(e)
            } else {
                Step::Drop(e)
            };
            taken.push(s.clone());
            w.apply(&s)?;
        } else {
            if timeouts == max_timeouts {
                return Err(liveness(
                    w,
                    p,
                    format!(
                        "timed out {max_timeouts} times on a reliable network and never decided"
                    ),
                ));
            }
            timeouts += 1;
            let s = Step::Timeout(p);
            taken.push(s.clone());
            w.apply(&s)?;
        }
    }
}

fn liveness(w: &World, p: usize, what: String) -> Failure {
    let up: Vec<String> = (0..w.acc.len())
        .filter(|&a| w.acceptor_up(a))
        .map(|a| format!("A{}", a + 1))
        .collect();
    let last = w.ghost.prop[p]
        .max_prepare
        .map(|b| crate::world::ballot_str(&b))
        .unwrap_or_else(|| "none".into());
    Failure::Violation(Violation {
        property: Property::Liveness,
        code: "liveness",
        message: format!(
            "after the faults stopped (reliable network; {} up; only {} timing out), {} {what} (its last Prepare was {last})",
            up.join(", "),
            node_name(proposer_id(p)),
            node_name(proposer_id(p)),
        ),
    })
}

/// Replay concrete steps (skipping those no longer enabled), then the calm phase.
pub fn replay(setup: &Rc<Setup>, steps: &[Step], calm: Option<usize>) -> Replay {
    let mut taken = Vec::new();
    let mut w = match World::new(setup.clone()) {
        Ok(w) => w,
        Err(f) => {
            return Replay {
                world: None,
                taken,
                calm_taken: Vec::new(),
                failure: Some(f),
            }
        }
    };
    for s in steps {
        if !w.enabled(s) {
            continue;
        }
        taken.push(s.clone());
        if let Err(f) = w.apply(s) {
            return Replay {
                world: Some(w),
                taken,
                calm_taken: Vec::new(),
                failure: Some(f),
            };
        }
    }
    let mut calm_taken = Vec::new();
    let failure = match calm {
        Some(p) => calm_phase(&mut w, p, &mut calm_taken).err(),
        None => None,
    };
    Replay {
        world: Some(w),
        taken,
        calm_taken,
        failure,
    }
}

/// Run a trace of the library.
pub fn run_trace(impls: Impls, t: &Trace) -> Option<Found> {
    let setup = if t.jumper {
        Setup::with_jumper(impls, t.acceptors, t.proposers)
    } else {
        Setup::new(impls, t.acceptors, t.proposers, t.sticky)
    };
    let mut taken = Vec::new();
    let found = |failure, taken: Vec<Step>| Found {
        failure,
        acceptors: t.acceptors,
        proposers: t.proposers,
        sticky: t.sticky,
        jumper: t.jumper,
        steps: taken,
        calm: t.calm,
        origin: format!("trace {}", t.name),
        lesson: (!t.lesson.is_empty()).then(|| t.lesson.clone()),
        teaches: t.teaches.clone(),
    };
    let mut w = match World::new(setup) {
        Ok(w) => w,
        Err(f) => return Some(found(f, taken)),
    };
    let mut queue: Vec<Selector> = Vec::new();
    if !t.manual_propose {
        queue.extend((0..t.proposers).map(Selector::Propose));
    }
    queue.extend(t.steps.iter().cloned());
    for sel in &queue {
        let mut guard = 0;
        while let Some(step) = sel.resolve(&w) {
            taken.push(step.clone());
            if let Err(f) = w.apply(&step) {
                return Some(found(f, taken));
            }
            guard += 1;
            if *sel != Selector::DeliverAll || guard >= 500 {
                break;
            }
        }
    }
    if let Some(p) = t.calm {
        let mut calm_taken = Vec::new();
        if let Err(f) = calm_phase(&mut w, p, &mut calm_taken) {
            return Some(found(f, taken));
        }
    }
    None
}

/// The shapes random schedules run over: (acceptors, proposers).
pub const RANDOM_SHAPES: &[(usize, usize)] = &[(3, 2), (3, 3), (5, 2), (5, 3)];

/// The kinds of random schedule, by index: `(index / 4) % 4` picks the family (the shape is
/// `index % 4`), so every family runs over every shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// 4 to 63 steps, up to 3 crashes and 4 timeouts: most bugs show here, and shrink well.
    Short,
    /// 150 to 499 steps: every proposer times out about 20 times or more, acceptors crash and
    /// restart several times, so a node's 16th call or write, a bounded history, a counter of a
    /// small type or a behaviour that changes after the Nth timeout is reached before faults stop.
    Long,
    /// A competitor (the harness's [`crate::nodes::RefJumper`], the last proposer) uses rounds
    /// from 2^62 on: round arithmetic near `u64::MAX` (an overflow panics), and Nacks that name
    /// huge rounds. No calm phase: a valid proposer that climbs one round per timeout could not
    /// catch up, so these schedules check safety and panics, not liveness.
    Huge,
}

impl Family {
    pub fn of(index: u64) -> Family {
        match (index / 4) % 4 {
            0 | 1 => Family::Short,
            2 => Family::Long,
            _ => Family::Huge,
        }
    }
}

/// One random schedule: a fault phase with seeded choices, then the calm phase.
pub fn random_schedule(impls: Impls, seed: u64, index: u64) -> Option<Found> {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let (acceptors, proposers) = RANDOM_SHAPES[(index % RANDOM_SHAPES.len() as u64) as usize];
    let family = Family::of(index);
    let jumper = family == Family::Huge;
    let setup = if jumper {
        Setup::with_jumper(impls, acceptors, proposers)
    } else {
        Setup::new(impls, acceptors, proposers, false)
    };
    let found = |failure, steps, calm| Found {
        failure,
        acceptors,
        proposers,
        sticky: false,
        jumper,
        steps,
        calm,
        origin: format!("random schedule {index}"),
        lesson: None,
        teaches: Vec::new(),
    };
    let (mut w, mut taken) = match World::started(setup) {
        Ok(x) => x,
        Err((steps, f)) => return Some(found(f, steps, None)),
    };
    // (length, crashes, timeouts, drop weight, duplicate weight, crash, restart, timeout weights)
    let (len, max_crashes, max_timeouts, drop_weight, dup_weight, w_crash, w_restart, w_timeout) =
        match family {
            Family::Short => (
                4 + rng.below(60),
                1 + rng.below(3) as u32,
                rng.below(5) as u32,
                [0, 4, 10, 25][rng.below(4)],
                [0, 4, 10][rng.below(3)],
                4,
                8,
                5,
            ),
            Family::Long => (
                150 + rng.below(350),
                2 + rng.below(6) as u32,
                (20 * proposers + rng.below(20)) as u32,
                [0, 4, 10][rng.below(3)],
                [0, 4, 10][rng.below(3)],
                3,
                10,
                12,
            ),
            Family::Huge => (
                40 + rng.below(200),
                rng.below(4) as u32,
                (8 * proposers + rng.below(16)) as u32,
                [0, 4, 10][rng.below(3)],
                [0, 4][rng.below(2)],
                3,
                8,
                10,
            ),
        };
    for _ in 0..len {
        let n = w.net.len();
        let down = (0..acceptors).filter(|&a| !w.acceptor_up(a)).count();
        let live = (0..proposers).filter(|&p| w.proposer_up(p)).count();
        let weights = [
            if n > 0 { 60 } else { 0 },
            if n > 0 { dup_weight } else { 0 },
            if n > 0 { drop_weight } else { 0 },
            if w.crashes < max_crashes && down < acceptors {
                w_crash
            } else {
                0
            },
            if down > 0 { w_restart } else { 0 },
            if w.timeouts < max_timeouts {
                w_timeout
            } else {
                0
            },
            if w.stops + 1 < proposers as u32 && live > 1 {
                1
            } else {
                0
            },
        ];
        let total: u32 = weights.iter().sum();
        if total == 0 {
            break;
        }
        let mut r = rng.below(total as usize) as u32;
        let mut kind = 0;
        while r >= weights[kind] {
            r -= weights[kind];
            kind += 1;
        }
        let step = match kind {
            0..=2 => {
                let e = w.net[rng.below(n)].clone();
                if kind == 2 || !w.node_up(e.to) {
                    Step::Drop(e)
                } else if kind == 1 {
                    Step::Duplicate(e)
                } else {
                    Step::Deliver(e)
                }
            }
            3 => {
                let k = rng.below(acceptors - down);
                Step::Crash(nth(acceptors, k, |a| w.acceptor_up(a)))
            }
            4 => {
                let k = rng.below(down);
                Step::Restart(nth(acceptors, k, |a| !w.acceptor_up(a)))
            }
            5 => Step::Timeout(nth(proposers, rng.below(live), |p| w.proposer_up(p))),
            _ => Step::Stop(nth(proposers, rng.below(live), |p| w.proposer_up(p))),
        };
        taken.push(step.clone());
        if let Err(f) = w.apply(&step) {
            return Some(found(f, taken, None));
        }
    }
    if jumper {
        return None;
    }
    let live: Vec<usize> = (0..proposers).filter(|&p| w.proposer_up(p)).collect();
    let p = live[rng.below(live.len())];
    let mut calm_taken = Vec::new();
    calm_phase(&mut w, p, &mut calm_taken)
        .err()
        .map(|f| found(f, taken, Some(p)))
}

/// The `k`-th index below `n` that satisfies `pred` (there are more than `k`).
fn nth(n: usize, k: usize, pred: impl Fn(usize) -> bool) -> usize {
    (0..n)
        .filter(|&i| pred(i))
        .nth(k)
        .expect("fewer indices than counted")
}

/// Remove steps from a failing schedule while it still fails the same way (delta debugging),
/// within `max_replays` replays. The result replays to the same class of failure.
pub fn shrink(impls: Impls, found: &Found, max_replays: usize) -> Found {
    let setup = found.setup(impls);
    let class = found.failure.class();
    let mut best = found.steps.clone();
    let mut best_failure = found.failure.clone();
    let mut replays = 0;
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < best.len() && replays < max_replays {
            let end = (start + chunk).min(best.len());
            let candidate: Vec<Step> = best[..start].iter().chain(&best[end..]).cloned().collect();
            replays += 1;
            let r = replay(&setup, &candidate, found.calm);
            match r.failure {
                Some(f) if f.class() == class => {
                    best = r.taken;
                    best_failure = f;
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
    Found {
        failure: best_failure,
        steps: best,
        ..found.clone()
    }
}

/// Bounds of the exhaustive search.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub acceptors: usize,
    pub proposers: usize,
    pub depth: u32,
    pub crashes: u32,
    pub timeouts: u32,
    pub budget: Duration,
    pub max_states: usize,
    /// Check liveness (the calm phase, each proposer in turn) from every state up to this depth.
    pub liveness_depth: u32,
    /// Proposers take turns (see [`Takeover`]); `None`: every step is allowed at any time.
    pub takeover: Option<Takeover>,
    /// Look only for failures of this class ([`Failure::class`]): a state that fails otherwise is
    /// a dead end, neither reported nor expanded (the search for a shortest counterexample of
    /// the property that a schedule already broke). `None`: the first failure of any kind.
    pub target: Option<&'static str>,
}

/// The takeover search: every proposer but the last runs for up to `early` steps (deliveries and
/// timeouts), then they stop with their messages in flight lost, and the last proposer takes over
/// (deliveries, timeouts, acceptor crashes): what a new leader meets after the old ones crashed.
/// Each turn has the whole timeout budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Takeover {
    pub early: u32,
}

/// The proposer a step works for: the sender of a message to an acceptor, the receiver of a reply,
/// the proposer that proposes, times out or stops. Crashes and restarts work for none.
pub fn owner(step: &Step) -> Option<usize> {
    match step {
        Step::Deliver(e) | Step::Duplicate(e) | Step::Drop(e) => [e.to, e.from]
            .into_iter()
            .find(|id| id.0 > PROPOSER_BASE)
            .map(|id| (id.0 - PROPOSER_BASE - 1) as usize),
        Step::Propose(p) | Step::Timeout(p) | Step::Stop(p) => Some(*p),
        Step::Crash(_) | Step::Restart(_) => None,
    }
}

/// Where a schedule of the takeover search is: which proposers may act, which have stopped.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Phase {
    active: u32,
    retired: u32,
}

impl Phase {
    const ANY: Phase = Phase {
        active: u32::MAX,
        retired: 0,
    };

    fn key(self, state: u64) -> u64 {
        if self == Phase::ANY {
            state
        } else {
            crate::hash::hash_of(&(state, self))
        }
    }

    /// May a schedule in this phase take `step`?
    fn allows(self, step: &Step) -> bool {
        if self == Phase::ANY {
            return true;
        }
        match owner(step) {
            Some(p) => self.active & (1 << p) != 0,
            None => self.retired != 0,
        }
    }

    /// The proposers of the next turn, if there is one.
    fn next_turn(self, mode: Option<Takeover>, proposers: usize) -> Option<u32> {
        (mode.is_some() && self.retired == 0).then_some(1 << (proposers - 1))
    }
}

type Arena = Vec<(u32, Option<Step>)>;

/// Add a new state (already in the arena as `node`) to the next level, with the states its
/// takeovers lead to (at the same depth: a takeover only stops proposers).
fn enter(
    w: World,
    node: u32,
    phase: Phase,
    mode: Option<Takeover>,
    arena: &mut Arena,
    visited: &mut HashSet64,
    out: &mut Vec<(World, u32, Phase)>,
) {
    if let Some(active) = phase.next_turn(mode, w.prop.len()) {
        let mut t = w.clone();
        let mut stops = Vec::new();
        for p in (0..w.prop.len()).filter(|&p| phase.active & (1 << p) != 0) {
            if t.proposer_up(p) && t.retire(p).is_ok() {
                stops.push(Step::Stop(p));
            }
        }
        // Each turn has the whole timeout budget.
        t.timeouts = 0;
        let next = Phase {
            active,
            retired: phase.retired | (phase.active & ((1 << w.prop.len()) - 1)),
        };
        if visited.insert(next.key(t.state_hash())) {
            let mut n = node;
            for s in stops {
                arena.push((n, Some(s)));
                n = (arena.len() - 1) as u32;
            }
            enter(t, n, next, mode, arena, visited, out);
        }
    }
    out.push((w, node, phase));
}

/// What the exhaustive search established.
#[derive(Clone, Debug)]
pub struct Exhausted {
    pub bounds: Bounds,
    /// Every schedule up to this depth was explored (equal to the bound when complete).
    pub depth_done: u32,
    /// The state space below the bound was exhausted before the depth bound (no new states).
    pub closed: bool,
    pub complete: bool,
    pub unique: u64,
    pub generated: u64,
    pub seconds: f64,
    /// Why it stopped early, when it did.
    pub stopped: Option<String>,
    /// Liveness was checked from every state up to this depth.
    pub liveness_depth: u32,
    /// Distinct calm phases run for those liveness checks (states that share nodes, disks and
    /// ghost state share one, see [`World::calm_key`]).
    pub calm_phases: u64,
}

/// Breadth-first search over every schedule within `bounds`, the network as the set of messages
/// sent. Returns the first (hence a shortest) failing schedule, or what was proven.
pub fn exhaustive(
    impls: Impls,
    bounds: Bounds,
    mut progress: impl FnMut(&Exhausted),
) -> Result<Exhausted, Box<Found>> {
    let start = Instant::now();
    let setup = Setup::exploring(impls, bounds.acceptors, bounds.proposers);
    // Every calm phase of this search runs in this one queue-network setup, sharing its memo.
    let calm_setup = setup.same(false, true);
    let found = |failure, steps| Found {
        failure,
        acceptors: bounds.acceptors,
        proposers: bounds.proposers,
        sticky: true,
        jumper: false,
        steps,
        calm: None,
        origin: match bounds.takeover {
            None => "exhaustive search".into(),
            Some(_) => "exhaustive search, takeover".into(),
        },
        lesson: None,
        teaches: Vec::new(),
    };
    let wanted = |f: &Failure| bounds.target.is_none_or(|t| f.class() == t);
    let (root, init_steps) = match World::started(setup) {
        Ok(x) => x,
        Err((s, f)) if wanted(&f) => return Err(Box::new(found(f, s))),
        Err(_) => {
            return Ok(Exhausted {
                bounds,
                depth_done: bounds.depth,
                closed: true,
                complete: true,
                unique: 0,
                generated: 0,
                seconds: 0.0,
                stopped: None,
                liveness_depth: bounds.liveness_depth,
                calm_phases: 0,
            })
        }
    };
    let mut arena: Arena = vec![(u32::MAX, None)];
    let mut visited = HashSet64::default();
    let mut frontier: Vec<(World, u32, Phase)> = Vec::new();
    let mut spare: Vec<(World, u32, Phase)> = Vec::new();
    let phase = match bounds.takeover {
        None => Phase::ANY,
        Some(_) => Phase {
            active: (1 << (bounds.proposers - 1)) - 1,
            retired: 0,
        },
    };
    visited.insert(phase.key(root.state_hash()));
    enter(
        root,
        0,
        phase,
        bounds.takeover,
        &mut arena,
        &mut visited,
        &mut frontier,
    );

    let mut stats = Exhausted {
        bounds,
        depth_done: 0,
        closed: false,
        complete: false,
        unique: 1,
        generated: 0,
        seconds: 0.0,
        stopped: None,
        liveness_depth: 0,
        calm_phases: 0,
    };
    // The steps from the start to arena node `i`; `path` adds the step that failed after it.
    let path_to = |arena: &Arena, mut i: u32| {
        let mut steps = Vec::new();
        while i != 0 && i != u32::MAX {
            let (parent, step) = &arena[i as usize];
            steps.push(step.clone().expect("non-root node has a step"));
            i = *parent;
        }
        steps.reverse();
        init_steps.iter().cloned().chain(steps).collect::<Vec<_>>()
    };
    let path = |arena: &Arena, i: u32, last: Step| {
        let mut steps = path_to(arena, i);
        steps.push(last);
        steps
    };
    // Liveness from every state of a level: faults stop there, and each proposer in turn must
    // decide alone (the calm phase of the random schedules, from every state). The calm phase
    // starts with the network lost, so it depends only on the nodes, disks and ghost state: many
    // states share one calm phase (a plain depth-9 search has about 12 states per distinct one),
    // and each is run once, from the first state that reaches it (breadth-first, so the
    // shallowest: a counterexample keeps the fewest fault steps).
    //
    // A liveness failure is reported at once (the calm phase is its witness, as in the random
    // schedules). A safety violation met inside a calm phase is a real schedule too, but longer
    // than its fault steps: it waits as a candidate, ranked by its whole length (fault and calm
    // steps), until the breadth-first levels pass that length, so a plain counterexample no
    // longer than it wins and the first counterexample reported stays a shortest one.
    let mut calm_seen = HashSet64::default();
    let mut pending: Option<(usize, Box<Found>)> = None;
    let mut live_check = |frontier: &[(World, u32, Phase)],
                          arena: &Arena,
                          stats: &mut Exhausted,
                          pending: &mut Option<(usize, Box<Found>)>|
     -> Result<(), Box<Found>> {
        for (w, node, _) in frontier {
            for p in (0..w.prop.len()).filter(|&p| w.proposer_up(p)) {
                if !calm_seen.insert(w.calm_key(p)) {
                    continue;
                }
                stats.calm_phases += 1;
                let mut calm = w.without_network_in(calm_setup.clone());
                let mut calm_taken = Vec::with_capacity(32);
                match calm_phase(&mut calm, p, &mut calm_taken) {
                    Err(f) if wanted(&f) && f.class() == "liveness" => {
                        let mut found = found(f, path_to(arena, *node));
                        found.calm = Some(p);
                        return Err(Box::new(found));
                    }
                    // A search aimed at a safety property (the search for a shorter
                    // counterexample) counts every step its own way: no calm phase there.
                    Err(f) if wanted(&f) && bounds.target.is_none() => {
                        let steps = path_to(arena, *node);
                        let length = steps.len() - init_steps.len() + calm_taken.len();
                        if pending.as_ref().is_none_or(|(l, _)| length < *l) {
                            let mut found = found(f, steps);
                            found.calm = Some(p);
                            *pending = Some((length, Box::new(found)));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    };
    let mut last_report = Instant::now();
    let mut succ: Vec<Step> = Vec::new();
    for depth in 1..=bounds.depth {
        // Liveness from every state of the level before (up to the liveness depth): faults stop
        // there, and each proposer in turn must decide alone.
        if depth - 1 <= bounds.liveness_depth {
            live_check(&frontier, &arena, &mut stats, &mut pending)?;
            stats.liveness_depth = depth - 1;
        }
        // This level's counterexamples are `depth` steps long: a shorter candidate wins now.
        if let Some((length, _)) = &pending {
            if *length < depth as usize {
                return Err(pending.take().expect("a candidate").1);
            }
        }
        // The next level goes into the vector the level before this one was in (its memory is
        // mapped already).
        let mut next = std::mem::take(&mut spare);
        next.reserve(frontier.len() * 2);
        // Each state of the level is dropped as soon as its successors are made, so the memory
        // it frees is taken again by the next level's states at once (dropping the whole level
        // at the end made the allocator coalesce and consolidate it in large pieces).
        let mut level = std::mem::take(&mut frontier);
        for (w, node, phase) in level.drain(..) {
            if let Some(Takeover { early }) = bounds.takeover {
                if phase.retired == 0 && depth > early {
                    continue;
                }
            }
            succ.clear();
            for e in w.net.iter() {
                if w.node_up(e.to) {
                    succ.push(Step::Deliver(e.clone()));
                }
            }
            for a in 0..w.acc.len() {
                if w.acceptor_up(a) {
                    if w.crashes < bounds.crashes {
                        succ.push(Step::Crash(a));
                    }
                } else {
                    succ.push(Step::Restart(a));
                }
            }
            if w.timeouts < bounds.timeouts {
                for p in 0..w.prop.len() {
                    if w.proposer_up(p) {
                        succ.push(Step::Timeout(p));
                    }
                }
            }
            for s in &succ {
                if !phase.allows(s) {
                    continue;
                }
                let mut c = w.clone();
                stats.generated += 1;
                match c.apply(s) {
                    Err(f) if wanted(&f) => {
                        return Err(Box::new(found(f, path(&arena, node, s.clone()))))
                    }
                    Err(_) => continue,
                    Ok(()) => {}
                }
                // The same state as `w` (a message delivered again): visited already.
                if c.unchanged_from(&w) {
                    continue;
                }
                if visited.insert(phase.key(c.state_hash())) {
                    arena.push((node, Some(s.clone())));
                    let n = (arena.len() - 1) as u32;
                    enter(
                        c,
                        n,
                        phase,
                        bounds.takeover,
                        &mut arena,
                        &mut visited,
                        &mut next,
                    );
                }
            }
            // The state budget is checked after every state, so where it stops never depends on
            // timing; the clock is read only every 256 states, as a safety net.
            if visited.len() > bounds.max_states {
                stats.unique = visited.len() as u64;
                stats.seconds = start.elapsed().as_secs_f64();
                stats.stopped = Some(format!(
                    "the state budget of {} states ran out",
                    bounds.max_states
                ));
                return match pending {
                    Some((_, found)) => Err(found),
                    None => Ok(stats),
                };
            }
            if stats.generated.is_multiple_of(256) {
                stats.unique = visited.len() as u64;
                stats.seconds = start.elapsed().as_secs_f64();
                if last_report.elapsed() > Duration::from_millis(200) {
                    progress(&stats);
                    last_report = Instant::now();
                }
                if start.elapsed() > bounds.budget {
                    stats.stopped = Some(format!(
                        "the wall-clock safety net of {:.0} s ran out",
                        bounds.budget.as_secs_f64()
                    ));
                    return match pending {
                        Some((_, found)) => Err(found),
                        None => Ok(stats),
                    };
                }
            }
        }
        stats.depth_done = depth;
        stats.unique = visited.len() as u64;
        spare = level;
        frontier = next;
        if frontier.is_empty() {
            stats.closed = true;
            break;
        }
    }
    if bounds.liveness_depth >= bounds.depth && !stats.closed {
        // The last level too, when liveness is asked for as deep as the search goes.
        live_check(&frontier, &arena, &mut stats, &mut pending)?;
        stats.liveness_depth = bounds.depth;
    }
    if let Some((_, found)) = pending {
        return Err(found);
    }
    stats.depth_done = bounds.depth;
    stats.complete = true;
    stats.unique = visited.len() as u64;
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}
