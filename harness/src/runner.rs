//! The child process of `paxos-tutor check`. It reads one [`Options`] request from its private
//! channel (see [`crate::channel`]), runs the phases (traces, random schedules, exhaustive search,
//! or one replay), reports progress on stderr behind a marker, and writes one JSON result back on
//! the channel. Learner output on stdout and stderr is not part of the protocol.
//!
//! Exit codes: 0 the result was written (a call that timed out is a result too, written by the
//! watchdog); 2 a bad request. Anything else (a signal, an abort, an exit of learner code) is a
//! crash the parent reports.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::channel;

use crate::explore::{self, replay, Bounds, Found, Takeover};
use crate::guard;
use crate::nodes::Impls;
use crate::probe;
use crate::report::{exhausted_json, found_json, json_str};
use crate::trace;
use crate::world::{Failure, Step};

/// Marks the runner's own lines on stderr.
pub const MARK: &str = "\u{1e}paxos-harness ";

/// What the parent asked for: the one request both sides share (sent as text, see
/// [`channel::Request`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub exercise: String,
    pub seed: u64,
    pub schedules: u64,
    pub depth: u32,
    pub crashes: u32,
    pub timeouts: u32,
    /// Exhaustive search with this many proposers; 0 runs 2, then 3 with what budget is left.
    pub proposers: u32,
    pub budget: f64,
    pub max_states: usize,
    pub call_timeout_ms: u64,
    pub replay: Option<PathBuf>,
    pub shrink_replays: usize,
    pub traces: bool,
    /// Exhaustive search: check liveness from every state up to this depth (by default
    /// [`LIVENESS_EVERY_DEPTH`]: from every state the search reaches).
    pub liveness_depth: u32,
    /// The takeover search (3 acceptors, 3 proposers): P1 and P2 run for up to `.0` steps, then
    /// stop, and P3 takes over for up to `.1` more. `None` skips it.
    pub takeover: Option<(u32, u32)>,
    /// The takeover search's timeout budget, for each turn.
    pub takeover_timeouts: u32,
    /// Print a marker on stdout before every step (to show the learner's output step by step).
    pub echo_steps: bool,
    /// Announce every call into learner code on stderr (to name the call that crashed).
    pub announce: bool,
    /// Run one unit of the plan (a worker process of `paxos-tutor check --jobs N`) and answer
    /// with its [`UnitReport`]; `None` runs the whole plan in this process.
    pub unit: Option<Unit>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            exercise: String::new(),
            seed: 1,
            schedules: 10_000,
            depth: 9,
            crashes: 1,
            timeouts: 1,
            proposers: 0,
            budget: DEFAULT_SAFETY_NET,
            max_states: 4_000_000,
            call_timeout_ms: 2_000,
            replay: None,
            shrink_replays: 4_000,
            traces: true,
            liveness_depth: LIVENESS_EVERY_DEPTH,
            takeover: Some(DEFAULT_TAKEOVER),
            takeover_timeouts: 0,
            echo_steps: false,
            announce: false,
            unit: None,
        }
    }
}

/// The wall-clock safety net of the exhaustive phase, in seconds: far above what the default
/// bounds take on a loaded machine, so it never decides a verdict; hitting it makes the verdict
/// `incomplete`, never `pass`.
pub const DEFAULT_SAFETY_NET: f64 = 600.0;

/// The takeover search's default bounds: (the others' steps, the new proposer's steps).
pub const DEFAULT_TAKEOVER: (u32, u32) = (10, 4);

/// The exhaustive search checks liveness from every state it reaches, whatever its depth: each
/// distinct calm phase once (see [`crate::world::World::calm_key`]).
pub const LIVENESS_EVERY_DEPTH: u32 = u32::MAX;

/// Parse `--takeover`: `EARLY+LATE` (`10+4`) or `off`.
pub fn parse_takeover(v: &str) -> Result<Option<(u32, u32)>, String> {
    if v == "off" {
        return Ok(None);
    }
    let bad = || format!("--takeover: `{v}` is not EARLY+LATE (e.g. 10+4) or `off`");
    let (a, b) = v.split_once('+').ok_or_else(bad)?;
    let early = a.trim().parse::<u32>().map_err(|_| bad())?;
    let late = b.trim().parse::<u32>().map_err(|_| bad())?;
    Ok(Some((early, late)))
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// The watchdog's verdict: written on the channel like any result, then the process ends.
fn on_timeout(what: String) {
    let json = format!(
        "{{\"verdict\":\"timeout\",\"schedules\":0,\"timeout\":{},\"violation\":null,\"exhaustive\":[]}}",
        json_str(&what)
    );
    channel::finish(&json);
}

/// Report progress to the parent: `phase done total detail`. Only in a runner process (started
/// by [`main`]): a test that runs the harness in-process has no parent to read it.
pub fn progress(phase: &str, done: u64, total: u64, detail: &str) {
    if STARTED.get().is_none() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{MARK}progress {phase} {done} {total} {detail}");
    let _ = err.flush();
}

fn set_context(c: String) {
    if let Ok(mut g) = guard::CONTEXT.lock() {
        *g = c;
    }
}

/// The search for a shorter counterexample, after shrinking: breadth-first over every schedule
/// shorter than the shrunk one, aimed at the property it broke, within this many states per shape
/// (a liveness search runs a calm phase from every state, so it gets fewer).
pub const SHORTEST_STATES: usize = 400_000;
pub const SHORTEST_LIVENESS_STATES: usize = 40_000;
/// The shapes it searches, smallest first: (acceptors, proposers), those no larger than the
/// counterexample's own.
const SHORTEST_SHAPES: &[(usize, usize)] = &[(3, 1), (3, 2), (3, 3), (5, 1), (5, 2), (5, 3)];

/// What the phases ran, for the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub schedules: u64,
    pub traces: u64,
    pub random: u64,
    /// One JSON object per exhaustive configuration explored (see [`exhausted_json`]).
    pub exhaustive: Vec<String>,
}

impl Tally {
    fn fields(&self) -> String {
        format!(
            "\"schedules\":{},\"traces\":{},\"random\":{},\"exhaustive\":[{}]",
            self.schedules,
            self.traces,
            self.random,
            self.exhaustive.join(",")
        )
    }

    fn add(&mut self, other: &Tally) {
        self.schedules += other.schedules;
        self.traces += other.traces;
        self.random += other.random;
        self.exhaustive.extend(other.exhaustive.iter().cloned());
    }
}

/// How a unit ended the check: its verdict and the JSON fields after the tally
/// (`"timeout":…,"violation":…`), so the merged result carries the tally of every unit before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct End {
    pub verdict: String,
    pub tail: String,
}

impl End {
    pub(crate) fn json(&self, t: &Tally) -> String {
        format!(
            "{{\"verdict\":\"{}\",{},{}}}",
            self.verdict,
            t.fields(),
            self.tail
        )
    }
}

pub(crate) fn json_list_of(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| json_str(s))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// The steps of a schedule that the exhaustive search counts: deliveries, crashes, restarts and
/// timeouts (a propose happens at the start, a drop is a message never delivered, a stop a
/// proposer never scheduled again).
fn counted(steps: &[Step]) -> usize {
    steps
        .iter()
        .filter(|s| !matches!(s, Step::Propose(_) | Step::Drop(_) | Step::Stop(_)))
        .count()
}

/// The learner's types in this check, for messages.
fn learner_types(impls: Impls) -> String {
    let mut names = Vec::new();
    if let Ok(w) = crate::world::World::new(crate::world::Setup::new(impls, 1, 1, false)) {
        if impls.learner_acceptor {
            if let Some(n) = &w.acc[0].node {
                names.push(n.type_name().to_string());
            }
        }
        if impls.learner_proposer {
            if let Some(n) = &w.prop[0].node {
                names.push(n.type_name().to_string());
            }
        }
    }
    if names.is_empty() {
        "the learner's type".into()
    } else {
        names.join(" and ")
    }
}

/// The failure's property name, for sentences.
fn property_of(f: &Failure) -> String {
    match f {
        Failure::Violation(v) => v.property.to_string(),
        Failure::Panic(_) => "panic".to_string(),
    }
}

/// A schedule that failed in the search but not when replayed from scratch: not a property
/// failure of the learner's code and not a pass either.
fn unreproducible(impls: Impls, f: &Found) -> End {
    let steps: Vec<String> = f.steps.iter().map(Step::describe).collect();
    let what = match &f.failure {
        Failure::Violation(v) => format!("broke {} ({})", v.property, v.message),
        Failure::Panic(p) => format!("panicked in {} ({})", p.call, p.message),
    };
    let reason = format!(
        "a schedule that {what} in the {} does not fail when replayed from scratch in a fresh world: {}'s Clone or Debug does not capture its whole state (state behind an Rc or RefCell, or a field Debug skips), or the code keeps state outside itself (a static, a counter). The schedule: {}",
        f.origin,
        learner_types(impls),
        steps.join("; ")
    );
    End {
        verdict: "incomplete".into(),
        tail: format!(
            "\"timeout\":null,\"violation\":null,\"incomplete\":{}",
            json_list_of(&[reason])
        ),
    }
}

/// Search for a counterexample shorter than `best`, of the same property. Returns the shortest
/// found and, when every search completed, the sentence that proves it shortest.
fn shortest(impls: Impls, best: Found, o: &Options) -> (Found, Option<String>) {
    if best.jumper {
        // The breadth-first search has no huge-round competitor: it cannot speak for schedules
        // with one, so nothing is claimed.
        return (best, None);
    }
    let class = best.failure.class();
    let mut best = best;
    let mut k = counted(&best.steps);
    let (max_a, max_p) = (best.acceptors, best.proposers);
    let crashes = best
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Crash(_)))
        .count() as u32;
    let timeouts = best
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Timeout(_)))
        .count() as u32;
    let liveness = class == "liveness";
    let mut complete = true;
    let shapes: Vec<(usize, usize)> = SHORTEST_SHAPES
        .iter()
        .copied()
        .filter(|&(a, p)| a <= max_a && p <= max_p)
        .collect();
    for &(acceptors, proposers) in &shapes {
        if k == 0 {
            break;
        }
        let depth = (k - 1) as u32;
        let bounds = Bounds {
            acceptors,
            proposers,
            depth,
            crashes,
            timeouts,
            budget: Duration::from_secs_f64(o.budget.clamp(1.0, 60.0)),
            max_states: if liveness {
                SHORTEST_LIVENESS_STATES
            } else {
                SHORTEST_STATES
            },
            liveness_depth: if liveness { depth } else { 0 },
            takeover: None,
            target: Some(class),
        };
        set_context(format!(
            "search for a shorter counterexample with {acceptors} acceptors and {proposers} proposers"
        ));
        match explore::exhaustive(impls, bounds, |_| {}) {
            Ok(e) if e.complete => {}
            Ok(_) => complete = false,
            Err(g) => {
                // Found with the memo: it must fail in a fresh world too.
                match fresh(impls, *g) {
                    Some(g) if g.failure.class() == class => {
                        const SHORTENED: &str = ", shortened by a breadth-first search";
                        let origin = if best.origin.ends_with(SHORTENED) {
                            best.origin.clone()
                        } else {
                            format!("{}{SHORTENED}", best.origin)
                        };
                        best = Found {
                            origin,
                            lesson: best.lesson.clone(),
                            teaches: best.teaches.clone(),
                            ..g
                        };
                        k = counted(&best.steps);
                    }
                    _ => complete = false,
                }
            }
        }
    }
    let sentence = complete.then(|| {
        // "3 acceptors and 1 or 2 proposers; 5 acceptors and 2 proposers"
        let mut by_acceptors: Vec<(usize, Vec<String>)> = Vec::new();
        for (a, p) in &shapes {
            match by_acceptors.iter_mut().find(|(x, _)| x == a) {
                Some((_, ps)) => ps.push(p.to_string()),
                None => by_acceptors.push((*a, vec![p.to_string()])),
            }
        }
        let within: Vec<String> = by_acceptors
            .iter()
            .map(|(a, ps)| {
                let n = ps.len();
                let list = match n {
                    1 => ps[0].clone(),
                    _ => format!("{} or {}", ps[..n - 1].join(", "), ps[n - 1]),
                };
                let plural = if n == 1 && ps[0] == "1" { "" } else { "s" };
                format!("{a} acceptors and {list} proposer{plural}")
            })
            .collect();
        let what = if liveness {
            format!("no schedule whose faults take fewer than {k} steps breaks liveness")
        } else if class == "panic" {
            format!("no schedule of fewer than {k} steps makes the code panic")
        } else {
            format!("no schedule of fewer than {k} steps breaks {}", property_of(&best.failure))
        };
        format!(
            "{what} (every shorter one was explored, breadth-first, with {}, at most {crashes} crash{} and {timeouts} timeout{}; proposes, drops and stops not counted)",
            within.join("; "),
            if crashes == 1 { "" } else { "es" },
            if timeouts == 1 { "" } else { "s" },
        )
    });
    (best, sentence)
}

/// Replay a found schedule in a fresh world (no memo, no clones): `None` when it does not fail
/// there. A safety failure comes back with its calm phase, if it had one, made part of the
/// schedule (shrinking and the search for a shorter one count those steps), and no calm phase.
fn fresh(impls: Impls, f: Found) -> Option<Found> {
    let r = replay(&f.setup(impls), &f.steps, f.calm);
    let failure = r.failure?;
    Some(if failure.class() != "liveness" {
        let mut steps = r.taken;
        steps.extend(r.calm_taken);
        Found {
            failure,
            steps,
            calm: None,
            ..f
        }
    } else {
        Found {
            failure,
            steps: r.taken,
            ..f
        }
    })
}

/// A failure found by a phase: check it in a fresh world, shrink it, look for a shorter one, and
/// write the result.
fn conclude(impls: Impls, o: &Options, f: Found) -> End {
    if let Failure::Panic(p) = &f.failure {
        if is_derive_call(&p.call) {
            // A panic in the learner's Debug, Clone or Drop: shown as the search had it.
            return failure_result(impls, &f, None);
        }
    }
    // 1. It must fail from scratch: no memo, no clone shared with another branch of a search.
    let class = f.failure.class();
    let f = match fresh(impls, f.clone()) {
        Some(g) if g.failure.class() == class => g,
        _ => return unreproducible(impls, &f),
    };
    // 2. Shrink it (every origin), 3. then look for a shorter one.
    set_context("shrinking the counterexample".into());
    let f = explore::shrink(impls, &f, o.shrink_replays);
    let (mut f, proof) = shortest(impls, f, o);
    // 4. A trace's lesson only where it is about the code that failed.
    let code = match &f.failure {
        Failure::Violation(v) => v.code,
        Failure::Panic(_) => "panic",
    };
    if !f.teaches.iter().any(|c| c == code) {
        f.lesson = None;
    }
    failure_result(impls, &f, proof.as_deref())
}

/// The result for a failing schedule: `panic` or `fail`, with the schedule for the report.
fn failure_result(impls: Impls, f: &Found, shortest: Option<&str>) -> End {
    let verdict = if matches!(f.failure, Failure::Panic(_)) {
        "panic"
    } else {
        "fail"
    };
    End {
        verdict: verdict.into(),
        tail: format!(
            "\"timeout\":null,\"violation\":{}",
            found_json(impls, f, shortest)
        ),
    }
}

/// The result with no failing schedule: `pass` (or, from a replay run only for the learner's
/// output, `fail`).
pub(crate) fn plain_result(verdict: &str, t: &Tally) -> String {
    format!(
        "{{\"verdict\":\"{verdict}\",{},\"timeout\":null,\"violation\":null}}",
        t.fields()
    )
}

/// A call into the learner's `Debug`, `Clone` or `Drop` (see [`guard::CallKind::describe`]).
/// A fresh replay makes none of them (it neither hashes nor clones states), so a panic there is
/// not checked by replaying; the parent uses this too, for its fresh-process replay.
pub fn is_derive_call(call: &str) -> bool {
    call.starts_with("the Debug formatting of ")
        || call.starts_with("the drop of ")
        || call.ends_with(".clone()")
}

/// One unit of a check's plan: what one worker process of `paxos-tutor check --jobs N` runs, in
/// a process of its own. The plan ([`plan`]) depends on the request alone, never on `--jobs`, and
/// [`merge`] reads the units' reports in plan order, so the verdict, the counterexample and the
/// counts are the same however many workers run the units and whichever finishes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Every trace of the library, in order, when `traces`; then random schedules `from..to`
    /// (indices of the seed's sequence). The traces share a unit with the first random
    /// schedules: alone they would be a worker of a fraction of a second.
    Schedules { traces: bool, from: u64, to: u64 },
    /// The exhaustive search of one configuration: its index in [`searches`].
    Search(usize),
}

impl Unit {
    /// `traces+random 0 2500`, `random 2500 5000`, `search 1` (the request's `unit` line).
    pub fn to_text(self) -> String {
        match self {
            Unit::Schedules { traces, from, to } => {
                format!("{}random {from} {to}", if traces { "traces+" } else { "" })
            }
            Unit::Search(k) => format!("search {k}"),
        }
    }

    pub fn parse(v: &str) -> Result<Unit, String> {
        let bad = || {
            format!("unit: `{v}` is not `traces+random FROM TO`, `random FROM TO` or `search K`")
        };
        let words: Vec<&str> = v.split(' ').collect();
        let num = |w: &str| w.parse::<u64>().map_err(|_| bad());
        match words.as_slice() {
            [kind @ ("traces+random" | "random"), a, b] => {
                let (from, to) = (num(a)?, num(b)?);
                if from > to {
                    return Err(bad());
                }
                Ok(Unit::Schedules {
                    traces: *kind == "traces+random",
                    from,
                    to,
                })
            }
            ["search", k] => Ok(Unit::Search(num(k)? as usize)),
            _ => Err(bad()),
        }
    }
}

/// The random schedules are split into this many units (of equal size, the last smaller): they
/// depend on the request's count alone, and a worker for a huge count lives as long as its share.
pub const RANDOM_UNITS: u64 = 4;

/// One configuration of the exhaustive search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Search {
    pub acceptors: usize,
    pub proposers: u32,
    pub depth: u32,
    pub takeover: Option<Takeover>,
}

impl Search {
    /// (the context of messages, the progress phase).
    fn names(&self) -> (String, String) {
        let (a, p) = (self.acceptors, self.proposers);
        match self.takeover {
            None => (
                format!("exhaustive search with {a} acceptors and {p} proposers"),
                format!("exhaustive-{a}-{p}"),
            ),
            Some(_) => (
                format!("takeover search with {a} acceptors and {p} proposers"),
                "takeover".to_string(),
            ),
        }
    }
}

/// The exhaustive configurations of a request, in order. With more nodes the space grows much
/// faster, so the later configurations search less deep: three proposers find races among
/// proposers, five acceptors find quorum-size mistakes that are right by chance for three. The
/// bounds are depths and a number of states, so the same check explores the same schedules on any
/// machine; the time budget is only a safety net, and a bound it stops is not proven.
///
/// Then the takeover search goes deeper where it matters most: a new proposer that takes over
/// after the others stopped must recover what they may have had chosen.
pub fn searches(o: &Options) -> Vec<Search> {
    let plain = |acceptors, proposers, depth| Search {
        acceptors,
        proposers,
        depth,
        takeover: None,
    };
    let mut plan = if o.depth == 0 {
        Vec::new()
    } else if o.proposers == 0 {
        vec![
            plain(3, 2, o.depth),
            plain(3, 3, o.depth.saturating_sub(2)),
            plain(5, 2, o.depth.saturating_sub(4)),
        ]
    } else {
        vec![plain(3, o.proposers, o.depth)]
    };
    if let Some((early, late)) = o.takeover {
        if o.proposers == 0 || o.proposers == 3 {
            plan.push(Search {
                acceptors: 3,
                proposers: 3,
                depth: early + late,
                takeover: Some(Takeover { early }),
            });
        }
    }
    plan
}

/// The units of a request, in plan order: the traces with the first random schedules, the
/// random schedules in [`RANDOM_UNITS`] units in all, then one unit per exhaustive configuration.
pub fn plan(o: &Options) -> Vec<Unit> {
    let mut units = Vec::new();
    let chunk = o.schedules.div_ceil(RANDOM_UNITS).max(1);
    let mut from = 0;
    while from < o.schedules || (from == 0 && o.traces) {
        let to = from.saturating_add(chunk).min(o.schedules);
        units.push(Unit::Schedules {
            traces: from == 0 && o.traces,
            from,
            to,
        });
        if to == from {
            break;
        }
        from = to;
    }
    units.extend((0..search_depths(o).len()).map(Unit::Search));
    units
}

/// The depth of each exhaustive configuration of `o`, in plan order, for either world.
fn search_depths(o: &Options) -> Vec<u32> {
    if crate::multi::runner::is_multi(o) {
        crate::multi::runner::searches(o)
            .iter()
            .map(|c| c.depth)
            .collect()
    } else {
        searches(o).iter().map(|s| s.depth).collect()
    }
}

/// The order in which `paxos-tutor check --jobs N` starts the units of `o`'s plan (indices into
/// `units`, which is [`plan`]`(o)`). With two workers or more: the first exhaustive configuration
/// (the 3x2 search at full depth, the longest unit) first; then the traces with the first random
/// schedules, so a bug they find still ends the check at once; then the other searches, deepest
/// first (the takeover search, then 3x3, then 5x2: a long unit started last would run alone at
/// the end); then the other random schedules, the shortest units, which fill the gaps. With one
/// worker: the plan order, so a bug the traces or random schedules find is reported before any
/// search runs. Only when units start changes: which are needed, the merge in plan order and so
/// the result are the same for any order.
pub fn start_order(o: &Options, units: &[Unit], jobs: usize) -> Vec<usize> {
    if jobs <= 1 {
        return (0..units.len()).collect();
    }
    let depths = search_depths(o);
    let first_search = units.iter().position(|u| *u == Unit::Search(0));
    let traces = units
        .iter()
        .position(|u| matches!(u, Unit::Schedules { traces: true, .. }));
    let mut searches_after: Vec<(usize, u32)> = (units.iter().enumerate())
        .filter_map(|(k, u)| match *u {
            Unit::Search(i) if i > 0 => Some((k, depths.get(i).copied().unwrap_or(0))),
            _ => None,
        })
        .collect();
    // Deepest first; equal depths in plan order (a stable sort).
    searches_after.sort_by_key(|&(_, depth)| std::cmp::Reverse(depth));
    let random =
        (0..units.len()).filter(|&k| matches!(units[k], Unit::Schedules { traces: false, .. }));
    first_search
        .into_iter()
        .chain(traces)
        .chain(searches_after.into_iter().map(|(k, _)| k))
        .chain(random)
        .collect()
}

/// What one unit found: what it ran, what it could not prove, and whether it ended the check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitReport {
    pub tally: Tally,
    /// Calm phases not run (see [`explore::LIVENESS_UNCHECKED`]).
    pub liveness_unchecked: u64,
    /// Bounds not proven, one sentence each.
    pub unproven: Vec<String>,
    /// The probe's finding: every search unit runs the probe first, and [`merge`] keeps the
    /// first sentence only.
    pub hidden: Option<String>,
    /// A failure (or an `incomplete` that ends the check): the units after it are not needed.
    pub end: Option<End>,
}

/// The first line of a unit's report.
const UNIT_HEADER: &str = "paxos-harness-unit 1";

impl UnitReport {
    /// The report as text: a header, one `key value` line per field (repeated for lists), `end`.
    pub fn to_text(&self) -> String {
        let esc = channel::escape;
        let t = &self.tally;
        let mut lines = vec![
            UNIT_HEADER.to_string(),
            format!("schedules {}", t.schedules),
            format!("traces {}", t.traces),
            format!("random {}", t.random),
            format!("liveness-unchecked {}", self.liveness_unchecked),
        ];
        lines.extend(
            t.exhaustive
                .iter()
                .map(|e| format!("exhaustive {}", esc(e))),
        );
        lines.extend(self.unproven.iter().map(|u| format!("unproven {}", esc(u))));
        if let Some(h) = &self.hidden {
            lines.push(format!("hidden {}", esc(h)));
        }
        if let Some(e) = &self.end {
            lines.push(format!("end-verdict {}", esc(&e.verdict)));
            lines.push(format!("end-tail {}", esc(&e.tail)));
        }
        lines.push("end".into());
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    /// Is `text` a unit's report (rather than a whole result, such as the watchdog's)?
    pub fn is_report(text: &str) -> bool {
        text.lines().next() == Some(UNIT_HEADER)
    }

    /// Read a report written by [`UnitReport::to_text`].
    pub fn from_text(text: &str) -> Result<UnitReport, String> {
        let mut r = UnitReport::default();
        let (mut verdict, mut tail) = (None, None);
        for (key, val) in channel::fields(text, UNIT_HEADER, "a unit's report")? {
            let num = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{key}: `{v}` is not a number"))
            };
            match key {
                "schedules" => r.tally.schedules = num(val)?,
                "traces" => r.tally.traces = num(val)?,
                "random" => r.tally.random = num(val)?,
                "liveness-unchecked" => r.liveness_unchecked = num(val)?,
                "exhaustive" => r.tally.exhaustive.push(channel::unescape(val)?),
                "unproven" => r.unproven.push(channel::unescape(val)?),
                "hidden" => r.hidden = Some(channel::unescape(val)?),
                "end-verdict" => verdict = Some(channel::unescape(val)?),
                "end-tail" => tail = Some(channel::unescape(val)?),
                _ => return Err(format!("unknown field `{key}`")),
            }
        }
        r.end = match (verdict, tail) {
            (Some(verdict), Some(tail)) => Some(End { verdict, tail }),
            (None, None) => None,
            _ => return Err("`end-verdict` and `end-tail` come together".into()),
        };
        Ok(r)
    }
}

/// The result of a check from its units' reports, in plan order: the tallies of every unit up to
/// the first that ended the check (its verdict and counterexample), or `pass` / `incomplete`
/// with what was not proven, in plan order. The reports after the first end are not read, so
/// whether they were run, or killed, changes nothing.
pub fn merge(units: &[UnitReport]) -> String {
    let mut t = Tally::default();
    let mut unproven: Vec<String> = Vec::new();
    let mut hidden = false;
    let mut unchecked = 0u64;
    for u in units {
        t.add(&u.tally);
        if let Some(end) = &u.end {
            return end.json(&t);
        }
        if let Some(h) = &u.hidden {
            if !hidden {
                unproven.push(h.clone());
                hidden = true;
            }
        }
        unproven.extend(u.unproven.iter().cloned());
        unchecked += u.liveness_unchecked;
    }
    if unchecked > 0 {
        unproven.push(format!(
            "liveness was not checked from {unchecked} state{}: a competitor was more than {} rounds ahead, beyond what the calm phase closes one round per timeout",
            if unchecked == 1 { "" } else { "s" },
            explore::CALM_MAX_GAP
        ));
    }
    if unproven.is_empty() {
        plain_result("pass", &t)
    } else {
        format!(
            "{{\"verdict\":\"incomplete\",{},\"timeout\":null,\"violation\":null,\"incomplete\":{}}}",
            t.fields(),
            json_list_of(&unproven)
        )
    }
}

/// Which units of a plan are still needed while their reports arrive in any order (from workers
/// running side by side): a unit is needed until a unit before it in plan order ends the check.
/// Sans-IO: the parent runs the processes and tells this what finished.
#[derive(Clone, Debug)]
pub struct Order {
    /// Per unit: not finished yet, or finished (and whether it ended the check).
    finished: Vec<Option<bool>>,
}

impl Order {
    pub fn new(units: usize) -> Order {
        Order {
            finished: vec![None; units],
        }
    }

    /// The first unit, in plan order, known to end the check.
    fn first_end(&self) -> Option<usize> {
        self.finished.iter().position(|f| *f == Some(true))
    }

    /// Is unit `k`'s report still needed (to be started, or to be let run)?
    pub fn needed(&self, k: usize) -> bool {
        self.first_end().is_none_or(|e| k < e)
    }

    /// Unit `k` finished; `ends`: its report ends the check.
    pub fn finished(&mut self, k: usize, ends: bool) {
        self.finished[k] = Some(ends);
    }

    /// How many units, from the first, make the result, once every one of them has finished:
    /// up to and including the first that ends the check, or all of them.
    pub fn settled(&self) -> Option<usize> {
        let upto = self.first_end().map_or(self.finished.len(), |e| e + 1);
        self.finished[..upto]
            .iter()
            .all(Option::is_some)
            .then_some(upto)
    }
}

/// The report of a search unit not run because the safety net ran out before it started.
pub fn skipped(o: &Options, unit: Unit) -> UnitReport {
    let what = match unit {
        Unit::Search(k) if crate::multi::runner::is_multi(o) => crate::multi::runner::searches(o)
            .get(k)
            .map(|c| {
                format!(
                    "exhaustive search with {} acceptors and {} leaders",
                    c.acceptors, c.leaders
                )
            })
            .unwrap_or_else(|| "exhaustive search".into()),
        Unit::Search(k) => searches(o)
            .get(k)
            .map(|s| s.names().0)
            .unwrap_or_else(|| "exhaustive search".into()),
        Unit::Schedules { .. } => "random schedules".into(),
    };
    UnitReport {
        unproven: vec![format!(
            "the {what} did not run: the wall-clock safety net of {:.0} s ran out before it",
            o.budget
        )],
        ..UnitReport::default()
    }
}

/// Run one unit of the plan of `o` (its safety net is `o.budget`).
pub fn run_unit(impls: Impls, o: &Options, unit: Unit) -> UnitReport {
    guard::install_panic_hook();
    explore::LIVENESS_UNCHECKED.with(|c| c.set(0));
    let mut r = UnitReport::default();
    let t = &mut r.tally;
    match unit {
        Unit::Schedules { traces, from, to } => {
            let lib = if traces { trace::library() } else { Vec::new() };
            for (i, tr) in lib.iter().enumerate() {
                set_context(format!("trace {}", tr.name));
                progress("traces", i as u64, lib.len() as u64, &tr.name);
                t.schedules += 1;
                t.traces += 1;
                if let Some(f) = explore::run_trace(impls, tr) {
                    r.end = Some(conclude(impls, o, f));
                    return r;
                }
            }
            if traces {
                progress("traces", lib.len() as u64, lib.len() as u64, "done");
            }
            let mut last = Instant::now();
            for i in from..to {
                if i % 64 == 0 {
                    set_context(format!("random schedule {i} (seed {})", o.seed));
                    if last.elapsed() > Duration::from_millis(100) {
                        progress("random", i, o.schedules, "");
                        last = Instant::now();
                    }
                }
                t.schedules += 1;
                t.random += 1;
                if let Some(f) = explore::random_schedule(impls, o.seed, i) {
                    set_context(format!("random schedule {i} (seed {})", o.seed));
                    r.end = Some(conclude(impls, o, f));
                    return r;
                }
            }
            if to == o.schedules {
                progress("random", o.schedules, o.schedules, "done");
            }
        }
        Unit::Search(k) => {
            let Some(search) = searches(o).get(k).copied() else {
                r.unproven.push(format!(
                    "the request names search {k}, which its plan does not have"
                ));
                return r;
            };
            // What the search cannot explore, seen before it starts (the traces and random
            // schedules run in fresh worlds, without clones or a memo, and need no such look).
            set_context("the probe of the learner's types, before the exhaustive search".into());
            if let Some(h) = probe::hidden_state(impls) {
                r.hidden = Some(format!(
                    "the exhaustive search did not run on {}: {}",
                    h.type_name, h.what
                ));
                return r;
            }
            let (context, phase) = search.names();
            let bounds = Bounds {
                acceptors: search.acceptors,
                proposers: search.proposers as usize,
                depth: search.depth,
                crashes: o.crashes,
                timeouts: if search.takeover.is_some() {
                    o.takeover_timeouts
                } else {
                    o.timeouts
                },
                budget: Duration::from_secs_f64(o.budget.max(0.0)),
                max_states: o.max_states,
                liveness_depth: o.liveness_depth,
                takeover: search.takeover,
                target: None,
            };
            set_context(context.clone());
            match explore::exhaustive(impls, bounds, |s| {
                progress(
                    &phase,
                    s.unique,
                    s.generated,
                    &format!(
                        "depth {}, {:.0} states/s",
                        s.depth_done + 1,
                        s.unique as f64 / s.seconds.max(1e-3)
                    ),
                )
            }) {
                Ok(e) => {
                    t.schedules += e.generated;
                    if !e.complete {
                        r.unproven.push(format!(
                            "the {context} stopped at depth {} of {}: {}",
                            e.depth_done,
                            search.depth,
                            e.stopped.as_deref().unwrap_or("a budget ran out")
                        ));
                    }
                    t.exhaustive.push(exhausted_json(&e));
                }
                Err(f) => {
                    r.end = Some(conclude(impls, o, *f));
                    return r;
                }
            }
        }
    }
    r.liveness_unchecked = explore::LIVENESS_UNCHECKED.with(|c| c.get());
    r
}

/// The result of a whole check, as JSON: every unit of the plan in this process, in plan order
/// (what `paxos-tutor check --jobs N` runs in N worker processes), or, when the request names a
/// unit, that unit's report (see [`UnitReport::to_text`]).
pub fn run(impls: Impls, o: &Options) -> String {
    guard::install_panic_hook();
    explore::LIVENESS_UNCHECKED.with(|c| c.set(0));

    if let Some(path) = &o.replay {
        let mut t = Tally::default();
        set_context(format!("replay of {}", path.display()));
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return error_json(&format!("cannot read {}: {e}", path.display())),
        };
        let tr = match trace::parse(&text) {
            Ok(t) => t,
            Err(e) => return error_json(&format!("{}: {e}", path.display())),
        };
        let found = explore::run_trace(impls, &tr);
        t.schedules = 1;
        if guard::ECHO_STEPS.load(std::sync::atomic::Ordering::Relaxed) {
            // Run only to show the learner's output step by step: rendering the failure would
            // replay it again and print it twice.
            return plain_result(if found.is_some() { "fail" } else { "pass" }, &t);
        }
        return match found {
            Some(mut f) => {
                // A saved schedule is already shrunk: show it as it is.
                f.origin = format!("replay of {}", path.display());
                f.lesson = None;
                failure_result(impls, &f, None).json(&t)
            }
            None => plain_result("pass", &t),
        };
    }

    if let Some(unit) = o.unit {
        return run_unit(impls, o, unit).to_text();
    }
    run_in_process(o, |o, unit| run_unit(impls, o, unit))
}

/// Every unit of `o`'s plan in this process, in plan order, each by `run_unit`, until one ends
/// the check; then the merge. The safety net of the exhaustive phase starts with its first
/// search, and a search it leaves no time for is reported as skipped (any world's runner).
pub(crate) fn run_in_process(
    o: &Options,
    run_unit: impl Fn(&Options, Unit) -> UnitReport,
) -> String {
    let mut searching: Option<Instant> = None;
    let mut reports = Vec::new();
    for unit in plan(o) {
        let r = match unit {
            Unit::Search(_) => {
                let left = o.budget
                    - searching
                        .get_or_insert_with(Instant::now)
                        .elapsed()
                        .as_secs_f64();
                if left <= 0.0 {
                    skipped(o, unit)
                } else {
                    run_unit(
                        &Options {
                            budget: left,
                            ..o.clone()
                        },
                        unit,
                    )
                }
            }
            _ => run_unit(o, unit),
        };
        let end = r.end.is_some();
        reports.push(r);
        if end {
            break;
        }
    }
    merge(&reports)
}

pub(crate) fn error_json(msg: &str) -> String {
    format!("{{\"verdict\":\"error\",\"error\":{},\"schedules\":0,\"traces\":0,\"random\":0,\"timeout\":null,\"violation\":null,\"exhaustive\":[]}}", json_str(msg))
}

/// The runner's `main`: the generated runner crate calls this with the learner's constructors.
pub fn main(impls: Impls) {
    serve(move |o| run(impls, o));
}

/// A runner process of any world: read the request, arm the guards, answer with `run`'s result
/// (a panic outside the guarded calls is a `panic` verdict, as well named as it can be).
pub fn serve(run: impl Fn(&Options) -> String) {
    STARTED.get_or_init(Instant::now);
    // Before any learner code runs: the request, and nothing left for learner code to reach.
    let o = match channel::take_request() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("paxos-harness: {e} (this program is run by `paxos-tutor check`)");
            channel::fail(2);
        }
    };
    guard::ECHO_STEPS.store(o.echo_steps, std::sync::atomic::Ordering::Relaxed);
    guard::ANNOUNCE.store(o.announce, std::sync::atomic::Ordering::Relaxed);
    guard::SILENT_OUTSIDE_CALLS.store(true, std::sync::atomic::Ordering::Relaxed);
    guard::install_panic_hook();
    guard::start_watchdog(Duration::from_millis(o.call_timeout_ms.max(10)), on_timeout);
    // A panic outside the guarded calls can only come from learner code the harness runs
    // implicitly: the drop of a node when a world of the search is dropped. It is a `panic`
    // verdict, named as well as it can be, not a crash of the harness.
    let json = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&o))) {
        Ok(json) => json,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with a non-string payload".into());
            let context = guard::CONTEXT.lock().map(|c| c.clone()).unwrap_or_default();
            format!(
                "{{\"verdict\":\"panic\",\"schedules\":0,\"timeout\":{},\"violation\":null,\"exhaustive\":[]}}",
                json_str(&format!(
                    "learner code panicked outside any call the harness makes by name, most likely in the drop of a learner node ({context}, step {}): {message}",
                    guard::STEP.load(std::sync::atomic::Ordering::Relaxed)
                ))
            )
        }
    };
    channel::finish(&json);
}

/// Which parts are the learner's, by exercise name.
pub fn impls_for(
    exercise: &str,
    acceptor: crate::nodes::AcceptorCtor,
    proposer: crate::nodes::ProposerCtor,
) -> Impls {
    let r = Impls::reference();
    match exercise {
        "acceptor" => Impls {
            acceptor,
            learner_acceptor: true,
            ..r
        },
        "proposer" => Impls {
            proposer,
            learner_proposer: true,
            ..r
        },
        _ => Impls {
            acceptor,
            proposer,
            learner_acceptor: true,
            learner_proposer: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(schedules: u64, unproven: &[&str], end: Option<&str>) -> UnitReport {
        UnitReport {
            tally: Tally {
                schedules,
                random: schedules,
                ..Tally::default()
            },
            unproven: unproven.iter().map(|s| s.to_string()).collect(),
            end: end.map(|v| End {
                verdict: v.into(),
                tail: format!("\"timeout\":null,\"violation\":{{\"origin\":\"{v}\"}}"),
            }),
            ..UnitReport::default()
        }
    }

    /// Feed the reports to [`Order`] in the order `arrival`, the way the parent does (a unit not
    /// needed any more is dropped, as if killed), and merge what it settles on.
    fn merged_in(reports: &[UnitReport], arrival: &[usize]) -> String {
        let mut order = Order::new(reports.len());
        for &k in arrival {
            if order.needed(k) {
                order.finished(k, reports[k].end.is_some());
            }
            if let Some(upto) = order.settled() {
                return merge(&reports[..upto]);
            }
        }
        panic!("never settled");
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn merging_is_in_plan_order_whatever_finishes_first() {
        // Units 2 and 4 both fail: the result is unit 2's, with the tallies of units 0 to 2,
        // for each of the 120 orders in which five workers could finish.
        let reports = [
            report(10, &[], None),
            report(20, &["unit 1 stopped"], None),
            report(30, &[], Some("fail")),
            report(40, &[], None),
            report(50, &[], Some("panic")),
        ];
        let expected = merge(&reports[..3]);
        assert!(
            expected.starts_with("{\"verdict\":\"fail\",\"schedules\":60,"),
            "{expected}"
        );
        assert!(expected.contains("\"origin\":\"fail\""), "{expected}");
        for arrival in permutations(reports.len()) {
            assert_eq!(
                merged_in(&reports, &arrival),
                expected,
                "arrival {arrival:?}"
            );
        }
        // Without a failure: every unit's tally, the unproven sentences in plan order.
        let passing = [
            report(1, &["b"], None),
            report(2, &["a"], None),
            report(3, &[], None),
        ];
        let expected = merge(&passing);
        assert!(
            expected.contains("\"incomplete\":[\"b\",\"a\"]"),
            "{expected}"
        );
        assert!(expected.contains("\"schedules\":6,"), "{expected}");
        for arrival in permutations(passing.len()) {
            assert_eq!(
                merged_in(&passing, &arrival),
                expected,
                "arrival {arrival:?}"
            );
        }
    }

    #[test]
    fn a_unit_after_a_failure_is_not_needed_and_one_before_is() {
        let mut order = Order::new(4);
        order.finished(2, true);
        assert!(order.needed(0) && order.needed(1));
        assert!(!order.needed(3));
        assert_eq!(order.settled(), None, "units 0 and 1 may still fail first");
        order.finished(1, true);
        assert!(!order.needed(2));
        order.finished(0, false);
        assert_eq!(order.settled(), Some(2));
    }

    #[test]
    fn unit_reports_round_trip_as_text() {
        let mut r = report(
            7,
            &["line one\nline two", "back\\slash"],
            Some("incomplete"),
        );
        r.tally.exhaustive = vec!["{\"unique\":3}".into()];
        r.hidden = Some("the exhaustive search did not run on T: why".into());
        r.liveness_unchecked = 2;
        assert_eq!(UnitReport::from_text(&r.to_text()).unwrap(), r);
        assert!(UnitReport::is_report(&r.to_text()));
        assert!(!UnitReport::is_report("{\"verdict\":\"timeout\"}"));
        let cut = r.to_text().replace("end\n", "");
        assert!(UnitReport::from_text(&cut).is_err());
    }

    #[test]
    fn the_first_search_starts_first_then_the_traces_then_the_deepest_searches() {
        let o = Options::default();
        let units = plan(&o);
        let starts = start_order(&o, &units, 2);
        // Four random units, then the searches: search 0 (the 3x2 configuration) is unit 4, the
        // takeover search (depth 14) unit 7, 3x3 (depth 7) unit 5, 5x2 (depth 5) unit 6.
        assert_eq!(units[4], Unit::Search(0));
        assert_eq!(starts, vec![4, 0, 7, 5, 6, 1, 2, 3]);
        // Every unit once.
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(sorted, (0..units.len()).collect::<Vec<_>>());
        // One worker: the plan order, the fast phases first.
        assert_eq!(
            start_order(&o, &units, 1),
            (0..units.len()).collect::<Vec<_>>()
        );
        // No search: the plan order as it is.
        let o_none = Options {
            depth: 0,
            takeover: None,
            ..Options::default()
        };
        let none = plan(&o_none);
        assert_eq!(
            start_order(&o_none, &none, 2),
            (0..none.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_multipaxos_plan_has_its_own_search_and_no_takeover() {
        let o = Options {
            exercise: crate::multi::runner::EXERCISE.into(),
            depth: 8,
            ..Options::default()
        };
        let units = plan(&o);
        assert_eq!(units.len(), 5, "{units:?}");
        assert_eq!(units[4], Unit::Search(0));
        let c = &crate::multi::runner::searches(&o)[0];
        assert_eq!((c.acceptors, c.leaders, c.depth), (3, 2, 8));
        assert_eq!(c.budget, [1, 1, 1, 1, 1, 0]);
        let none = Options {
            depth: 0,
            ..o.clone()
        };
        assert!(!plan(&none).contains(&Unit::Search(0)));
        let three = Options { proposers: 3, ..o };
        assert_eq!(crate::multi::runner::searches(&three)[0].leaders, 3);
        // A unit the plan does not have is said so, and a skipped search names this world's.
        let skipped = skipped(&three, Unit::Search(0));
        assert!(skipped.unproven[0].contains("exhaustive search with 3 acceptors and 3 leaders"));
    }

    #[test]
    fn the_plan_does_not_depend_on_anything_but_the_request() {
        let o = Options::default();
        let units = plan(&o);
        assert_eq!(
            units[0],
            Unit::Schedules {
                traces: true,
                from: 0,
                to: 2_500
            }
        );
        assert_eq!(
            units[3],
            Unit::Schedules {
                traces: false,
                from: 7_500,
                to: 10_000
            }
        );
        assert_eq!(
            &units[4..],
            &[
                Unit::Search(0),
                Unit::Search(1),
                Unit::Search(2),
                Unit::Search(3)
            ]
        );
        let huge = plan(&Options {
            schedules: 100_000_001,
            ..Options::default()
        });
        assert_eq!(
            huge[3],
            Unit::Schedules {
                traces: false,
                from: 75_000_003,
                to: 100_000_001
            }
        );
        let traces_only = plan(&Options {
            schedules: 0,
            depth: 0,
            takeover: None,
            ..Options::default()
        });
        assert_eq!(
            traces_only,
            [Unit::Schedules {
                traces: true,
                from: 0,
                to: 0
            }]
        );
        for u in &units {
            assert_eq!(Unit::parse(&u.to_text()), Ok(*u));
        }
    }
}
