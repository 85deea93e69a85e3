//! The runner of `paxos-tutor check multipaxos`: the same process, request, units, merge and
//! result as the single-decree runner ([`crate::runner`]), over the Multi-Paxos world. The
//! grading logic is [`super::check`]'s; this module maps a request onto it and writes its
//! findings in the result's shape (`violation` as a found schedule, `exhaustive` one object per
//! search), so `paxos-tutor` reads and renders both worlds with one reader.

use std::collections::HashSet;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::check::{self, Config, Failed, Outcome};
use super::nodes::Impls;
use super::{message_str, Env, Step, World};
use crate::guard;
use crate::model::{self, Failure, Model, Searched};
use crate::report::json_str;
use crate::runner::{self, progress, End, Options, Tally, Unit, UnitReport};
use crate::world::{acceptor_id, node_name, proposer_id};

/// The exercise name that selects this world.
pub const EXERCISE: &str = "multipaxos";
/// The search's default depth (steps, submits included).
pub const DEFAULT_DEPTH: u32 = 8;
/// Commands each leader's client submits in the search and the random schedules.
pub const OPS: usize = 2;

/// Does request `o` grade the Multi-Paxos world?
pub fn is_multi(o: &Options) -> bool {
    o.exercise == EXERCISE
}

/// The searches of a request: 3 acceptors and 2 leaders (or `--proposers N` leaders), each
/// leader's client submitting [`OPS`] commands, to the request's depth; at most one drop and one
/// duplication, the request's crashes (each with its restart) and timeouts, no stop (the calm
/// phase stops the other leaders itself).
pub fn searches(o: &Options) -> Vec<Config> {
    if o.depth == 0 {
        return Vec::new();
    }
    let leaders = if o.proposers == 0 {
        2
    } else {
        o.proposers as usize
    };
    let crashes = o.crashes.min(u8::MAX as u32) as u8;
    let timeouts = o.timeouts.min(u8::MAX as u32) as u8;
    vec![Config {
        acceptors: 3,
        leaders,
        ops: OPS,
        depth: o.depth,
        budget: [1, 1, crashes, crashes, timeouts, 0],
    }]
}

/// The progress phase of a search.
pub fn phase(c: &Config) -> String {
    format!("multi-{}-{}", c.acceptors, c.leaders)
}

fn check_options(o: &Options) -> check::Options {
    check::Options {
        seed: o.seed,
        schedules: o.schedules,
        searches: searches(o),
        max_states: o.max_states as u64,
        shrink_replays: o.shrink_replays,
        ..check::Options::default()
    }
}

fn set_context(c: String) {
    if let Ok(mut g) = guard::CONTEXT.lock() {
        *g = c;
    }
}

/// Run one unit of the plan ([`runner::plan`] gives this world's units).
pub fn run_unit(impls: Impls, o: &Options, unit: Unit) -> UnitReport {
    guard::install_panic_hook();
    let co = check_options(o);
    let mut r = UnitReport::default();
    match unit {
        Unit::Schedules { traces, from, to } => {
            if traces {
                let total = super::traces::LIBRARY.len() as u64;
                let (n, end) = check::run_traces(impls, &co, |i, name| {
                    set_context(format!("trace {name}"));
                    progress("traces", i as u64, total, name);
                });
                r.tally.schedules += n;
                r.tally.traces += n;
                if let Some(end) = end {
                    r.end = Some(end_of(&end));
                    return r;
                }
                progress("traces", total, total, "done");
            }
            let mut last = Instant::now();
            let (n, end) = check::run_random(impls, &co, from, to, |i| {
                if i % 64 == 0 {
                    set_context(format!("random schedule {i} (seed {})", o.seed));
                    if last.elapsed() > Duration::from_millis(100) {
                        progress("random", i, o.schedules, "");
                        last = Instant::now();
                    }
                }
            });
            r.tally.schedules += n;
            r.tally.random += n;
            if let Some(end) = end {
                r.end = Some(end_of(&end));
                return r;
            }
            if to == o.schedules && o.schedules > 0 {
                progress("random", o.schedules, o.schedules, "done");
            }
        }
        Unit::Search(k) => {
            let Some(cfg) = searches(o).get(k).cloned() else {
                r.unproven.push(format!(
                    "the request names search {k}, which its plan does not have"
                ));
                return r;
            };
            let phase = phase(&cfg);
            set_context(format!(
                "exhaustive search with {} acceptors and {} leaders",
                cfg.acceptors, cfg.leaders
            ));
            let started = Instant::now();
            let mut report = |s: &Searched, depth: u32| {
                progress(
                    &phase,
                    s.states,
                    s.states,
                    &format!(
                        "depth {depth}, {:.0} states/s",
                        s.states as f64 / started.elapsed().as_secs_f64().max(1e-3)
                    ),
                )
            };
            let mut control = model::Control {
                progress: &mut report,
                deadline: Some(started + Duration::from_secs_f64(o.budget.clamp(0.0, 1e7))),
                deadline_reason: format!("the wall-clock safety net of {:.0} s ran out", o.budget),
            };
            let (searched, res) = check::run_search(impls, &co, &cfg, &mut control);
            r.tally.schedules += searched.states;
            match res {
                Err(end) => {
                    r.end = Some(end_of(&end));
                    return r;
                }
                Ok(unproven) => {
                    r.tally.exhaustive.push(searched_json(
                        &cfg,
                        &searched,
                        started.elapsed().as_secs_f64(),
                    ));
                    r.unproven.extend(unproven);
                }
            }
        }
    }
    r
}

/// The result of a whole request: a replay, one unit, or every unit in plan order.
pub fn run(impls: Impls, o: &Options) -> String {
    guard::install_panic_hook();
    if let Some(path) = &o.replay {
        return replay(impls, path);
    }
    if let Some(unit) = o.unit {
        return run_unit(impls, o, unit).to_text();
    }
    runner::run_in_process(o, |o, unit| run_unit(impls, o, unit))
}

/// Replay a saved schedule (its file as [`super::trace::to_file`] writes it).
fn replay(impls: Impls, path: &std::path::Path) -> String {
    set_context(format!("replay of {}", path.display()));
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return runner::error_json(&format!("cannot read {}: {e}", path.display())),
    };
    let name = path.display().to_string();
    let tr = match super::trace::parse(&name, &text) {
        Ok(t) => t,
        Err(e) => return runner::error_json(&e),
    };
    let t = Tally {
        schedules: 1,
        ..Tally::default()
    };
    let setup = super::Setup::new(impls, tr.acceptors, tr.ops.clone());
    let failed = match World::new(setup.clone()) {
        Err(failure) => Some(Failed {
            found: model::Found {
                steps: Vec::new(),
                calm: None,
                calm_steps: Vec::new(),
                failure,
                by: format!("replay of {}", path.display()),
            },
            setup,
            shortest: None,
        }),
        Ok(w) => {
            let ran = super::trace::run(&w, &tr);
            ran.result.err().map(|failure| {
                let calm_at = ran.steps.iter().position(|s| matches!(s, Step::Calm(_)));
                let (steps, calm_steps) = match calm_at {
                    Some(i) => (ran.steps[..i].to_vec(), ran.steps[i..].to_vec()),
                    None => (ran.steps, Vec::new()),
                };
                Failed {
                    found: model::Found {
                        steps,
                        calm: calm_at.and(tr.calm),
                        calm_steps,
                        failure,
                        by: format!("replay of {}", path.display()),
                    },
                    setup,
                    shortest: None,
                }
            })
        }
    };
    let echo = guard::ECHO_STEPS.load(std::sync::atomic::Ordering::Relaxed);
    match failed {
        // Run only to show the learner's output step by step.
        Some(_) if echo => runner::plain_result("fail", &t),
        Some(f) => end_of(&Outcome::Fail(Box::new(f))).json(&t),
        None => runner::plain_result("pass", &t),
    }
}

/// How an outcome other than a pass ends the check.
fn end_of(o: &Outcome) -> End {
    match o {
        Outcome::Fail(f) => End {
            verdict: if matches!(f.found.failure, Failure::Panic(_)) {
                "panic".into()
            } else {
                "fail".into()
            },
            tail: format!("\"timeout\":null,\"violation\":{}", found_json(f)),
        },
        Outcome::Incomplete(why) => End {
            verdict: "incomplete".into(),
            tail: format!(
                "\"timeout\":null,\"violation\":null,\"incomplete\":{}",
                runner::json_list_of(why)
            ),
        },
        Outcome::Pass => End {
            verdict: "pass".into(),
            tail: "\"timeout\":null,\"violation\":null".into(),
        },
    }
}

/// A message in flight as a step's `sent` entry: `Accept(2,P1 s0 x1) P1->A1`.
fn sent_str(e: &Env) -> String {
    format!(
        "{} {}->{}",
        message_str(&e.msg),
        node_name(e.from),
        node_name(e.to)
    )
}

/// One step of a counterexample, as the renderer needs it.
fn step_json(step: &Step, submitted: &str, sent: &[String], calm: bool) -> String {
    let leader = |p: usize| node_name(proposer_id(p));
    let acceptor = |a: usize| node_name(acceptor_id(a));
    let env = |kind: &'static str, e: &Env| {
        (
            kind,
            node_name(e.from),
            node_name(e.to),
            message_str(&e.msg),
        )
    };
    let (kind, from, to, message) = match step {
        Step::Submit(p) => ("submit", leader(*p), String::new(), submitted.to_string()),
        Step::Deliver(e) => env("deliver", e),
        Step::Duplicate(e) => env("duplicate", e),
        Step::Drop(e) => env("drop", e),
        Step::Crash(a) => ("crash", acceptor(*a), String::new(), String::new()),
        Step::Restart(a) => ("restart", acceptor(*a), String::new(), String::new()),
        Step::Timeout(p) => ("timeout", leader(*p), String::new(), String::new()),
        Step::Stop(p) => ("stop", leader(*p), String::new(), String::new()),
        Step::Calm(p) => ("calm", leader(*p), String::new(), String::new()),
    };
    crate::report::step_record(&step.describe(), kind, &from, &to, &message, sent, calm)
}

/// A failing schedule as the result's `violation`: every step replayed on a fresh world to record
/// what it sent, the nodes' states at the end, and the schedule as a replay file.
pub fn found_json(f: &Failed) -> String {
    let found = &f.found;
    let mut steps_json = Vec::new();
    let mut nodes = Vec::new();
    if let Ok(mut w) = World::new(f.setup.clone()) {
        let mut submits = vec![0usize; f.setup.leaders()];
        for (i, s) in found.steps.iter().chain(&found.calm_steps).enumerate() {
            let calm = i >= found.steps.len();
            // The command a submit hands its leader: the client's next one.
            let submitted = match s {
                Step::Submit(p) if w.enabled(s) => {
                    submits[*p] += 1;
                    f.setup.ops[*p][submits[*p] - 1].clone()
                }
                _ => String::new(),
            };
            // The messages in flight before the step, held (not only their addresses) so that
            // none is freed during it and its memory taken by a message the step sends, which
            // would then look as if it had been in flight already.
            let held: Vec<Rc<Env>> = w.network.clone();
            let before: HashSet<*const Env> = held.iter().map(Rc::as_ptr).collect();
            let result = if w.enabled(s) { w.apply(s) } else { Ok(()) };
            let sent: Vec<String> = w
                .network
                .iter()
                .filter(|e| !before.contains(&Rc::as_ptr(e)))
                .map(|e| sent_str(e))
                .collect();
            steps_json.push(step_json(s, &submitted, &sent, calm));
            if result.is_err() {
                break;
            }
        }
        nodes = w.describe_nodes();
    }
    let (property, code, message, call) = match &found.failure {
        Failure::Violation(v) => (v.property, v.code, v.message.clone(), String::new()),
        Failure::Panic(p) => ("panic", "panic", p.message.clone(), p.call.clone()),
    };
    let replay_file = super::trace::to_file(
        &format!("replay: {}", message.replace([':', '\n'], " ")),
        f.setup.acceptors,
        &f.setup.ops,
        &found.steps,
        found.calm,
    );
    format!(
        "{{\"property\":{},\"code\":{},\"message\":{},\"call\":{},\"origin\":{},\"lesson\":null,\"acceptors\":{},\"proposers\":{},\"network\":\"multiset\",\"calm\":{},\"competitor\":null,\"shortest\":{},\"steps\":{},\"nodes\":{},\"replay\":{}}}",
        json_str(property),
        json_str(code),
        json_str(&message),
        json_str(&call),
        json_str(&found.by),
        f.setup.acceptors,
        f.setup.leaders(),
        found
            .calm
            .map(|p| json_str(&node_name(proposer_id(p))))
            .unwrap_or_else(|| "null".into()),
        f.shortest.as_deref().map(json_str).unwrap_or_else(|| "null".into()),
        crate::report::json_list(steps_json),
        crate::report::json_list(nodes.iter().map(|n| json_str(n))),
        json_str(&replay_file)
    )
}

/// What one search established, in the shape of the single-decree searches' objects, with the
/// fields of this world (`world`, `ops`, the drop and duplicate budgets).
pub fn searched_json(c: &Config, s: &Searched, seconds: f64) -> String {
    let [drops, duplicates, crashes, _restarts, timeouts, _stops] = c.budget;
    format!(
        "{{\"world\":\"multipaxos\",\"acceptors\":{},\"proposers\":{},\"ops\":{},\"depth\":{},\"drops\":{drops},\"duplicates\":{duplicates},\"crashes\":{crashes},\"timeouts\":{timeouts},\"depth_done\":{},\"complete\":{},\"closed\":{},\"unique\":{},\"generated\":{},\"seconds\":{seconds:.3},\"stopped\":{},\"liveness_depth\":{},\"calm_phases\":{},\"takeover\":null}}",
        c.acceptors,
        c.leaders,
        c.ops,
        c.depth,
        s.depth_done,
        s.complete,
        s.closed,
        s.states,
        s.states,
        s.stopped.as_deref().map(json_str).unwrap_or_else(|| "null".into()),
        runner::LIVENESS_EVERY_DEPTH,
        s.calm_phases,
    )
}

/// The runner's `main` for this world: the generated runner crate of `check multipaxos` calls
/// it with the learner's constructors.
pub fn main(impls: Impls) {
    runner::serve(move |o| run(impls, o));
}
