//! The single-decree world's side of the explorers: its trace library run by
//! [`model::run_trace`], its families of random schedules (their distribution of steps, run by
//! [`model::random_walk`]), shrinking on a world made afresh for every replay
//! ([`model::shrink_steps`]), its calm phase (the world's [`crate::model::Model::calm`]) and the
//! exhaustive search ([`model::bfs_with`] on the set-network world). All of them end in a
//! [`Found`]: the steps and the failure, with what a fresh world needs to replay them.

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::model::{self, Searched};
use crate::nodes::Impls;
use crate::trace::{Selector, Trace};
use crate::world::{node_name, proposer_id, Failure, Setup, Step, World};

pub use crate::model::Takeover;

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
        // quiets down: the calm phase starts with the messages not yet delivered lost (in the
        // search's one calm setup, see [`Setup::calm_setup`]).
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
    // In a search's calm setup, the states this phase passes through, and where it was then: when
    // it decides, each of them is known to decide after the rest of its steps. A later calm phase
    // that reaches one of them decides after the same steps, and ends there when they fit its
    // bounds (as its counters would be if it took them). Otherwise it goes on step by step.
    let memo = (w.setup.hashing && !w.setup.sticky).then(|| w.setup.clone());
    let mut path: Vec<(u64, u32, u32)> = Vec::new();
    let remember = |path: &[(u64, u32, u32)], d: u32, t: u32| {
        if let Some(setup) = &memo {
            let mut known = setup.memo.calm.borrow_mut();
            for &(k, d0, t0) in path {
                known.insert(k, (d - d0, t - t0));
            }
        }
    };
    loop {
        if w.ghost.prop[p].decided.is_some() {
            remember(&path, deliveries, timeouts);
            return Ok(());
        }
        if let Some(setup) = &memo {
            let k = w.calm_state_key(p);
            let known = setup.memo.calm.borrow().get(&k).copied();
            match known {
                Some((d, t)) => {
                    if deliveries as u64 + d as u64 <= max_deliveries as u64
                        && timeouts as u64 + t as u64 <= max_timeouts as u64
                    {
                        remember(&path, deliveries + d, timeouts + t);
                        return Ok(());
                    }
                }
                None => path.push((k, deliveries, timeouts)),
            }
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
    model::violation(
        "liveness",
        "liveness",
        format!(
            "after the faults stopped (reliable network; {} up; only {} timing out), {} {what} (its last Prepare was {last})",
            up.join(", "),
            node_name(proposer_id(p)),
            node_name(proposer_id(p)),
        ),
    )
}

/// Replay concrete steps (skipping those no longer enabled), then the calm phase, on a world
/// made afresh from `setup` ([`model::replay_from`]).
pub fn replay(setup: &Rc<Setup>, steps: &[Step], calm: Option<usize>) -> Replay {
    match World::new(setup.clone()) {
        Ok(w) => {
            let r = model::replay_from(w, steps, calm);
            Replay {
                taken: r.taken,
                calm_taken: r.calm_steps,
                failure: r.failure,
            }
        }
        Err(f) => Replay {
            taken: Vec::new(),
            calm_taken: Vec::new(),
            failure: Some(f),
        },
    }
}

/// Run a trace of the library.
pub fn run_trace(impls: Impls, t: &Trace) -> Option<Found> {
    let setup = if t.jumper {
        Setup::with_jumper(impls, t.acceptors, t.proposers)
    } else {
        Setup::new(impls, t.acceptors, t.proposers, t.sticky)
    };
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
    let w = match World::new(setup) {
        Ok(w) => w,
        Err(f) => return Some(found(f, Vec::new())),
    };
    let mut lines: Vec<Selector> = Vec::new();
    if !t.manual_propose {
        lines.extend((0..t.proposers).map(Selector::Propose));
    }
    lines.extend(t.steps.iter().cloned());
    let r = model::run_trace(w, &lines, 500, t.calm);
    r.result.err().map(|f| found(f, r.steps))
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
    let (w, taken) = match World::started(setup) {
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
    // The family's distribution: a kind of step by weight, then one step of that kind.
    let pick = |w: &World, rng: &mut Rng| {
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
        let kind = rng.weighted(&weights)?;
        Some(match kind {
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
        })
    };
    // The calm phase for a proposer still up; none after a huge-round competitor.
    let calm = |w: &World, rng: &mut Rng| {
        let live: Vec<usize> = (0..proposers).filter(|&p| w.proposer_up(p)).collect();
        (!jumper).then(|| live[rng.below(live.len())])
    };
    model::random_walk(w, taken, &mut rng, len, pick, calm, String::new())
        .map(|f| found(f.failure, f.steps, f.calm))
}

/// The `k`-th index below `n` that satisfies `pred` (there are more than `k`).
fn nth(n: usize, k: usize, pred: impl Fn(usize) -> bool) -> usize {
    (0..n)
        .filter(|&i| pred(i))
        .nth(k)
        .expect("fewer indices than counted")
}

/// Remove steps from a failing schedule while it still fails the same way (delta debugging,
/// [`model::shrink_steps`]), within `max_replays` replays, each on a world made afresh. The
/// result replays to the same class of failure.
pub fn shrink(impls: Impls, found: &Found, max_replays: usize) -> Found {
    let setup = found.setup(impls);
    let (steps, failure) = model::shrink_steps(
        found.steps.clone(),
        found.failure.class(),
        max_replays,
        |candidate: &[Step]| {
            let r = replay(&setup, candidate, found.calm);
            (r.taken, r.failure)
        },
    );
    Found {
        failure: failure.unwrap_or_else(|| found.failure.clone()),
        steps,
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
/// sent: the generic search ([`model::bfs_with`]) on this world. Returns the first (hence a
/// shortest) failing schedule, or what was proven.
///
/// Liveness from every state up to the liveness depth: faults stop there, and each proposer in
/// turn must decide alone (the calm phase of the random schedules, from every state). The calm
/// phase starts with the network lost, so it depends only on the nodes, disks and ghost state:
/// many states share one (a plain depth-9 search has about 12 states per distinct one), each run
/// once, from the shallowest state that reaches it, so a counterexample keeps the fewest fault
/// steps. A liveness failure is reported at once (the calm phase is its witness, as in the random
/// schedules); a safety violation met inside a calm phase waits, ranked by its whole length.
pub fn exhaustive(
    impls: Impls,
    bounds: Bounds,
    mut progress: impl FnMut(&Exhausted),
) -> Result<Exhausted, Box<Found>> {
    let start = Instant::now();
    let setup = Setup::exploring(impls, bounds.acceptors, bounds.proposers);
    let found = |failure, steps, calm| Found {
        failure,
        acceptors: bounds.acceptors,
        proposers: bounds.proposers,
        sticky: true,
        jumper: false,
        steps,
        calm,
        origin: match bounds.takeover {
            None => "exhaustive search".into(),
            Some(_) => "exhaustive search, takeover".into(),
        },
        lesson: None,
        teaches: Vec::new(),
    };
    let wanted = |f: &Failure| bounds.target.is_none_or(|t| f.class() == t);
    let stats = |s: &Searched| Exhausted {
        bounds,
        depth_done: s.depth_done,
        closed: s.closed,
        complete: s.complete,
        unique: s.states,
        generated: s.generated,
        seconds: start.elapsed().as_secs_f64(),
        stopped: s.stopped.clone(),
        liveness_depth: s.liveness_depth,
        calm_phases: s.calm_phases,
    };
    let (root, init_steps) = match World::started(setup) {
        Ok(x) => x,
        Err((s, f)) if wanted(&f) => return Err(Box::new(found(f, s, None))),
        Err(_) => {
            return Ok(Exhausted {
                depth_done: bounds.depth,
                closed: true,
                complete: true,
                liveness_depth: bounds.liveness_depth,
                ..stats(&Searched::default())
            })
        }
    };
    let rationed = |n: u32| n.min(u8::MAX as u32) as u8;
    let mut budget: model::Budget = [0; 6];
    budget[model::Fault::Crash as usize] = rationed(bounds.crashes);
    budget[model::Fault::Timeout as usize] = rationed(bounds.timeouts);
    let search = model::Bounds {
        depth: bounds.depth,
        budget,
        max_states: bounds.max_states as u64,
        liveness: Some(bounds.liveness_depth),
        liveness_first: true,
        takeover: bounds.takeover,
        target: bounds.target,
    };
    // Progress at most every 200 ms (what is shown; nothing is decided by it).
    let mut last_report = Instant::now();
    let mut report = |s: &Searched, _depth: u32| {
        if last_report.elapsed() > Duration::from_millis(200) {
            progress(&stats(s));
            last_report = Instant::now();
        }
    };
    let mut control = model::Control {
        progress: &mut report,
        deadline: Some(start + bounds.budget),
        deadline_reason: format!(
            "the wall-clock safety net of {:.0} s ran out",
            bounds.budget.as_secs_f64()
        ),
    };
    match model::bfs_with(&root, search, &mut control) {
        (_, Some(f)) => {
            let steps = init_steps.iter().cloned().chain(f.steps).collect();
            Err(Box::new(found(f.failure, steps, f.calm)))
        }
        (searched, None) => Ok(stats(&searched)),
    }
}
