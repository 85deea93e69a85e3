//! A whole check of the Multi-Paxos world, in-process: the named traces, seeded random schedules,
//! shrinking, and the breadth-first search of each configuration, in a fixed order; the first
//! failure ends it. What it proves is said by what it returns: a counterexample is called the
//! shortest only when a breadth-first search proved it (every schedule of fewer steps within the
//! same fault budget explored); a search that hit its state bound proves only what it explored.
//!
//! This is the grading logic that `paxos-tutor check multipaxos` will run in its runner process;
//! it has no I/O.

use std::rc::Rc;

use super::nodes::Impls;
use super::{trace, Setup, Step, World};
use crate::model::{self, Bounds, Budget, Failure, Found, Searched, Weights};
use crate::rng::Rng;

/// One configuration of the breadth-first search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub acceptors: usize,
    pub leaders: usize,
    /// Commands per leader's client.
    pub ops: usize,
    pub depth: u32,
    /// Faults of each kind: drop, duplicate, crash, restart, timeout, stop.
    pub budget: Budget,
}

/// What a check runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub schedules: u64,
    /// Steps of a random schedule before its calm phase.
    pub steps: usize,
    pub searches: Vec<Config>,
    /// Each search stops (incomplete) after this many unique states.
    pub max_states: u64,
    pub shrink_replays: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            schedules: 3_000,
            steps: 40,
            searches: vec![Config {
                acceptors: 3,
                leaders: 2,
                ops: 2,
                depth: 8,
                budget: [1, 1, 1, 1, 1, 0],
            }],
            max_states: 4_000_000,
            shrink_replays: 2_000,
        }
    }
}

/// A failure, and what is known of its length.
#[derive(Clone, Debug)]
pub struct Failed {
    pub found: Found<Step>,
    pub setup: Rc<Setup>,
    /// The sentence that says why it is a shortest one, when a search proved it.
    pub shortest: Option<String>,
}

/// What a check found.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Nothing broke, and every search was explored to its bounds.
    Pass,
    /// Nothing broke, but a search stopped at its state bound: what was not proven.
    Incomplete(Vec<String>),
    Fail(Box<Failed>),
}

/// The result, and what was run.
#[derive(Clone, Debug)]
pub struct Checked {
    pub outcome: Outcome,
    pub traces: u64,
    pub random: u64,
    pub searched: Vec<(Config, Searched)>,
}

fn configured(impls: Impls, c: &Config) -> Rc<Setup> {
    Setup::standard(impls, c.acceptors, c.leaders, c.ops)
}

/// The fresh world of `setup`, or the failure of a node's start.
fn fresh(setup: &Rc<Setup>) -> Result<World, Failure> {
    World::new(setup.clone())
}

fn started_failure(setup: Rc<Setup>, failure: Failure, by: &str) -> Failed {
    Failed {
        found: Found {
            steps: Vec::new(),
            calm: None,
            calm_steps: Vec::new(),
            failure,
            by: by.into(),
        },
        setup,
        shortest: Some("it fails before any step".into()),
    }
}

/// Replay `found` on a fresh world and keep it only if it fails the same way there: a
/// counterexample is shown only as a fresh world does it.
fn confirmed(setup: &Rc<Setup>, found: Found<Step>) -> Option<Found<Step>> {
    if let Failure::Panic(p) = &found.failure {
        if crate::runner::is_derive_call(&p.call) {
            // A panic in the learner's Debug, Clone or Drop: a fresh world neither hashes nor
            // clones, so it is shown as the search met it.
            return Some(found);
        }
    }
    let w = fresh(setup).ok()?;
    let r = model::replay(&w, &found.steps, found.calm);
    match r.failure {
        Some(f) if f.class() == found.failure.class() => Some(Found {
            steps: r.taken,
            calm: found.calm,
            calm_steps: r.calm_steps,
            failure: f,
            by: found.by,
        }),
        _ => None,
    }
}

/// Who found `better`, the search's answer to `found`: `found`'s explorer, and the search when
/// it changed the schedule.
fn shortened_by(found: &Found<Step>, better: &Found<Step>) -> String {
    if better.steps == found.steps && better.calm_steps == found.calm_steps {
        found.by.clone()
    } else {
        format!("{}, shortened by a breadth-first search", found.by)
    }
}

/// What a breadth-first search to `depth` that met `found` first proves about its length, in
/// one sentence. Its levels are the steps before the calm phase; a failure after a calm phase
/// ranks by its whole length, so it is a shortest one only among the schedules whose steps before
/// the calm phase were all explored (at most `depth` of them), and the sentence says so. Without
/// `liveness`, no calm phase ran: the sentence speaks of the checks made after each step.
fn proof(found: &Found<Step>, depth: u32, states: u64, liveness: bool, faults: &str) -> String {
    if found.calm.is_some() {
        format!(
            "no failing schedule is shorter in all, among every one of at most {depth} steps before faults stop, {faults}, each followed by a calm phase for each leader (breadth-first search, {states} states)"
        )
    } else if liveness {
        format!(
            "no schedule of fewer steps {faults} breaks any property, a calm phase from each of its states included (breadth-first search, {states} states)"
        )
    } else {
        format!(
            "no schedule of fewer steps {faults} fails a check made after each step (breadth-first search, {states} states)"
        )
    }
}

/// Look for a shorter counterexample than `found` with a breadth-first search of `setup` up to
/// its length (fault budgets: as many of each kind as `found` uses).
fn shortest(
    setup: &Rc<Setup>,
    found: Found<Step>,
    max_states: u64,
) -> (Found<Step>, Option<String>) {
    let Ok(w) = fresh(setup) else {
        return (found, None);
    };
    let mut budget: Budget = [0; 6];
    for s in &found.steps {
        if let Some(f) = <World as model::Model>::fault(s) {
            budget[f as usize] = budget[f as usize].saturating_add(1);
        }
    }
    let depth = found.steps.len() as u32;
    let bounds = Bounds::new(depth, budget, max_states, found.calm.is_some());
    let (searched, better) = model::bfs(&w, bounds);
    match better {
        Some(b) if b.failure.class() == found.failure.class() && b.len() <= found.len() => {
            match confirmed(setup, b) {
                Some(b) if searched.stopped.is_none() => {
                    let proof = proof(
                        &b,
                        depth,
                        searched.states,
                        bounds.liveness.is_some(),
                        "with at most these faults",
                    );
                    let by = shortened_by(&found, &b);
                    (Found { by, ..b }, Some(proof))
                }
                Some(b) => (
                    Found {
                        by: shortened_by(&found, &b),
                        ..b
                    },
                    None,
                ),
                None => (found, None),
            }
        }
        _ => (found, None),
    }
}

/// The random schedule `index` of `seed`: its own generator, so any range of indices can run
/// in any process and give the same schedules.
pub fn schedule_rng(seed: u64, index: u64) -> Rng {
    Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// The shape the random schedules run on: the first search's.
fn random_shape(o: &Options) -> Config {
    o.searches.first().cloned().unwrap_or(Config {
        acceptors: 3,
        leaders: 2,
        ops: 2,
        depth: 0,
        budget: [0; 6],
    })
}

/// The named traces, in order: how many ran, and the outcome that ends the check, if one does.
pub fn run_traces(
    impls: Impls,
    o: &Options,
    mut each: impl FnMut(usize, &str),
) -> (u64, Option<Outcome>) {
    let mut ran = 0;
    for (i, t) in trace::library().into_iter().enumerate() {
        each(i, &t.name);
        let setup = Setup::new(impls, t.acceptors, t.ops.clone());
        ran += 1;
        let w = match fresh(&setup) {
            Ok(w) => w,
            Err(f) => {
                return (
                    ran,
                    Some(Outcome::Fail(Box::new(started_failure(setup, f, "start")))),
                )
            }
        };
        let r = trace::run(&w, &t);
        if let Err(failure) = r.result {
            let calm_at = r.steps.iter().position(|s| matches!(s, Step::Calm(_)));
            let (steps, calm_steps) = match calm_at {
                Some(i) => (r.steps[..i].to_vec(), r.steps[i..].to_vec()),
                None => (r.steps, Vec::new()),
            };
            let found = Found {
                steps,
                calm: calm_at.and(t.calm),
                calm_steps,
                failure,
                by: format!("trace {}", t.name),
            };
            return (ran, Some(fail(&setup, found, o)));
        }
    }
    (ran, None)
}

/// Random schedules `from..to` of the seed's sequence: how many ran, and the outcome that ends
/// the check, if one does.
pub fn run_random(
    impls: Impls,
    o: &Options,
    from: u64,
    to: u64,
    mut each: impl FnMut(u64),
) -> (u64, Option<Outcome>) {
    let setup = configured(impls, &random_shape(o));
    let w = match fresh(&setup) {
        Ok(w) => w,
        Err(f) => {
            return (
                0,
                Some(Outcome::Fail(Box::new(started_failure(setup, f, "start")))),
            )
        }
    };
    let mut ran = 0;
    for i in from..to {
        each(i);
        ran += 1;
        let mut rng = schedule_rng(o.seed, i);
        if let Some(found) = model::random_schedule(
            &w,
            &mut rng,
            o.steps,
            Weights::DEFAULT,
            format!("random schedule {i}"),
        ) {
            return (ran, Some(fail(&setup, found, o)));
        }
    }
    (ran, None)
}

/// The breadth-first search of `cfg`: what it searched, and the outcome that ends the check (a
/// failure), or the sentence of what it did not prove (stopped by a bound).
pub fn run_search(
    impls: Impls,
    o: &Options,
    cfg: &Config,
    control: &mut model::Control,
) -> (Searched, Result<Option<String>, Outcome>) {
    let setup = configured(impls, cfg);
    let w = match fresh(&setup) {
        Ok(w) => w,
        Err(f) => {
            return (
                Searched::default(),
                Err(Outcome::Fail(Box::new(started_failure(setup, f, "start")))),
            )
        }
    };
    let bounds = Bounds::new(cfg.depth, cfg.budget, o.max_states, true);
    let (searched, found) = model::bfs_with(&w, bounds, control);
    if let Some(found) = found {
        let outcome = match confirmed(&setup, found.clone()) {
            Some(f) => {
                let proof = searched
                    .stopped
                    .is_none()
                    .then(|| proof(&f, cfg.depth, searched.states, true, "within the bounds"));
                Outcome::Fail(Box::new(Failed {
                    found: f,
                    setup,
                    shortest: proof,
                }))
            }
            None => not_repeated(&found),
        };
        return (searched, Err(outcome));
    }
    let unproven = (!searched.complete).then(|| {
        format!(
            "the exhaustive search with {} acceptors and {} leaders stopped at depth {} of {}: {}",
            cfg.acceptors,
            cfg.leaders,
            searched.depth_done,
            cfg.depth,
            searched.stopped.as_deref().unwrap_or("a bound ran out")
        )
    });
    (searched, Ok(unproven))
}

/// Run the whole check, in this process: the traces, the random schedules, then each search.
pub fn check(impls: Impls, o: &Options) -> Checked {
    let mut c = Checked {
        outcome: Outcome::Pass,
        traces: 0,
        random: 0,
        searched: Vec::new(),
    };
    let (n, end) = run_traces(impls, o, |_, _| {});
    c.traces = n;
    if let Some(end) = end {
        c.outcome = end;
        return c;
    }
    let (n, end) = run_random(impls, o, 0, o.schedules, |_| {});
    c.random = n;
    if let Some(end) = end {
        c.outcome = end;
        return c;
    }
    let mut unproven = Vec::new();
    for cfg in &o.searches {
        let (searched, r) = run_search(
            impls,
            o,
            cfg,
            &mut model::Control {
                progress: &mut |_, _| {},
                deadline: None,
                deadline_reason: String::new(),
            },
        );
        c.searched.push((cfg.clone(), searched));
        match r {
            Err(end) => {
                c.outcome = end;
                return c;
            }
            Ok(Some(u)) => unproven.push(u),
            Ok(None) => {}
        }
    }
    if !unproven.is_empty() {
        c.outcome = Outcome::Incomplete(unproven);
    }
    c
}

/// A failure of a trace or a random schedule: confirmed on a fresh world, shrunk, then searched
/// for a shortest one. `incomplete` when a fresh world does not repeat it.
fn fail(setup: &Rc<Setup>, found: Found<Step>, o: &Options) -> Outcome {
    let Some(found) = confirmed(setup, found.clone()) else {
        return not_repeated(&found);
    };
    let shrunk = match fresh(setup) {
        Ok(w) => model::shrink(&w, &found, o.shrink_replays),
        Err(_) => found,
    };
    let Some(shrunk) = confirmed(setup, shrunk.clone()) else {
        return not_repeated(&shrunk);
    };
    let (found, proof) = shortest(setup, shrunk, o.max_states);
    Outcome::Fail(Box::new(Failed {
        found,
        setup: setup.clone(),
        shortest: proof,
    }))
}

fn not_repeated(found: &Found<Step>) -> Outcome {
    Outcome::Incomplete(vec![format!(
        "{} found a {} failure that a fresh world does not repeat (does the code depend on something outside its state, such as a HashMap's order or a global?)",
        found.by,
        found.failure.class()
    )])
}
