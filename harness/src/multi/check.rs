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
    let bounds = Bounds {
        depth,
        budget,
        max_states,
        liveness: found.calm.is_some(),
    };
    let (searched, better) = model::bfs(&w, bounds);
    match better {
        Some(b) if b.failure.class() == found.failure.class() && b.len() <= found.len() => {
            match confirmed(setup, b) {
                Some(b) if searched.states < max_states => {
                    let proof = format!(
                        "no schedule of fewer steps with at most these faults breaks any property (breadth-first search, {} states)",
                        searched.states
                    );
                    let by = found.by.clone();
                    (Found { by, ..b }, Some(proof))
                }
                Some(b) => (
                    Found {
                        by: found.by.clone(),
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

/// Run the whole check.
pub fn check(impls: Impls, o: &Options) -> Checked {
    let mut c = Checked {
        outcome: Outcome::Pass,
        traces: 0,
        random: 0,
        searched: Vec::new(),
    };
    // 1. The named traces.
    for t in trace::library() {
        let setup = Setup::new(impls, t.acceptors, t.ops.clone());
        c.traces += 1;
        let w = match fresh(&setup) {
            Ok(w) => w,
            Err(f) => {
                c.outcome = Outcome::Fail(Box::new(started_failure(setup, f, "start")));
                return c;
            }
        };
        let ran = trace::run(&w, &t);
        if let Err(failure) = ran.result {
            let calm_at = ran.steps.iter().position(|s| matches!(s, Step::Calm(_)));
            let (steps, calm_steps) = match calm_at {
                Some(i) => (ran.steps[..i].to_vec(), ran.steps[i..].to_vec()),
                None => (ran.steps, Vec::new()),
            };
            let found = Found {
                steps,
                calm: calm_at.and(t.calm),
                calm_steps,
                failure,
                by: format!("trace {}", t.name),
            };
            c.outcome = fail(&setup, found, o);
            return c;
        }
    }
    // 2. Random schedules, on the first configuration's shape.
    let shape = o.searches.first().cloned().unwrap_or(Config {
        acceptors: 3,
        leaders: 2,
        ops: 2,
        depth: 0,
        budget: [0; 6],
    });
    let setup = configured(impls, &shape);
    let w = match fresh(&setup) {
        Ok(w) => w,
        Err(f) => {
            c.outcome = Outcome::Fail(Box::new(started_failure(setup, f, "start")));
            return c;
        }
    };
    let mut rng = Rng::new(o.seed);
    for i in 0..o.schedules {
        c.random += 1;
        if let Some(found) = model::random_schedule(
            &w,
            &mut rng,
            o.steps,
            Weights::DEFAULT,
            format!("random schedule #{i} (seed {})", o.seed),
        ) {
            c.outcome = fail(&setup, found, o);
            return c;
        }
    }
    // 3. The breadth-first search of each configuration.
    let mut unproven = Vec::new();
    for cfg in &o.searches {
        let setup = configured(impls, cfg);
        let w = match fresh(&setup) {
            Ok(w) => w,
            Err(f) => {
                c.outcome = Outcome::Fail(Box::new(started_failure(setup, f, "start")));
                return c;
            }
        };
        let bounds = Bounds {
            depth: cfg.depth,
            budget: cfg.budget,
            max_states: o.max_states,
            liveness: true,
        };
        let (searched, found) = model::bfs(&w, bounds);
        c.searched.push((cfg.clone(), searched.clone()));
        if let Some(found) = found {
            match confirmed(&setup, found.clone()) {
                Some(f) => {
                    let proof = (searched.states < o.max_states).then(|| {
                        format!(
                            "no schedule of fewer steps within the bounds breaks any property (breadth-first search, {} states)",
                            searched.states
                        )
                    });
                    c.outcome = Outcome::Fail(Box::new(Failed {
                        found: f,
                        setup,
                        shortest: proof,
                    }));
                }
                None => c.outcome = not_repeated(&found),
            }
            return c;
        }
        if !searched.complete {
            unproven.push(format!(
                "the search of {} acceptors and {} leaders stopped at its bound of {} states, at depth {} of {}",
                cfg.acceptors, cfg.leaders, o.max_states, searched.depth_done, cfg.depth
            ));
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
