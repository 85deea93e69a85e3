//! The learner's view of a check, as text: the verdict in one line, the shortest failing schedule
//! as a message-sequence diagram (a column per node), the state that shows the mistake, the
//! lesson with the hint that covers it and its quiz topic, and the command that replays it; after
//! a pass, what was proven, the compiler's warnings in brief, and the next step. Pure: returns a
//! String for a terminal `width` columns wide.
//!
//! Width: prose is reflowed the way the quiz reflows its summary (a line wider than the terminal
//! is wrapped at words by [`crate::quiz::render::fit`], its indentation kept as a hanging
//! indent; shorter lines are left as they are). The diagram's rows are never broken: the columns
//! narrow (8 to 4 characters a node) and each row's label wraps beside the lifelines; when even
//! that does not fit, the rows are kept whole and the report says so. The compiler's diagnostics
//! are shown as the compiler wrote them (source excerpts cannot be reflowed).
//!
//! Names: the learner's `Debug` text in messages and state dumps says `NodeId(101)`; every whole
//! `NodeId(n)` of a node in the schedule is shown as its name (`P1`, `A1`), as in the diagram.
//! The JSON keeps the harness's text.

use std::fmt::Write as _;

use colored::Colorize;
use dialoguer::console::measure_text_width;

pub use super::report::{count, thousands};
use super::report::{
    covering_hint, grouped, lesson_for, FoundRecord, Outcome, StepRecord, Verdict,
};

/// A node's column in the diagram, at most and at least.
const COL_WIDE: usize = 8;
const COL_NARROW: usize = 4;
/// The label room the diagram narrows its columns for.
const LABEL_ROOM: usize = 30;
/// Below this much room for a label, the rows are kept whole.
const LABEL_MIN: usize = 12;
/// Calm-phase steps shown before and after an elision.
const CALM_HEAD: usize = 12;
const CALM_TAIL: usize = 6;

/// Replace every whole `NodeId(n)` token of a known node with its name: `1..=acceptors` are
/// `A1…`, `101..=100+proposers` are `P1…` (`harness/src/world.rs`, `node_name`). Other numbers,
/// and `NodeId(` inside a longer identifier (`MyNodeId(1)`), are left as they are.
pub fn node_names(text: &str, acceptors: usize, proposers: usize) -> String {
    const TOKEN: &str = "NodeId(";
    let base = paxos_harness::world::PROPOSER_BASE as usize;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(TOKEN) {
        let before = &rest[..at];
        let whole = !before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[at + TOKEN.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let name = if whole && digits > 0 && after[digits..].starts_with(')') {
            after[..digits].parse::<usize>().ok().and_then(|n| {
                if (1..=acceptors).contains(&n) {
                    Some(format!("A{n}"))
                } else if n > base && n - base <= proposers {
                    Some(format!("P{}", n - base))
                } else {
                    None
                }
            })
        } else {
            None
        };
        out.push_str(before);
        match name {
            Some(name) => {
                out.push_str(&name);
                rest = &after[digits + 1..];
            }
            None => {
                out.push_str(TOKEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Is this schedule of the Multi-Paxos world? (Its runner names its network `multiset`: messages
/// in flight, each delivered once unless duplicated.)
fn multi(network: &str) -> bool {
    network == "multiset"
}

fn is_multi_exercise(exercise: &str) -> bool {
    exercise == paxos_harness::multi::runner::EXERCISE
}

/// A report being written for a terminal `width` columns wide.
struct Page {
    out: String,
    width: usize,
}

impl Page {
    /// One line of prose (indentation and list markers kept as a hanging indent when wrapped).
    fn line(&mut self, text: &str) {
        if measure_text_width(text) > self.width {
            self.out
                .push_str(&crate::quiz::render::fit(text, self.width));
        } else {
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// Text shown as it is (diagram rows, the compiler's diagnostics).
    fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }
}

fn columns(f: &FoundRecord) -> Vec<String> {
    let mut cols: Vec<String> = (1..=f.proposers).map(|p| format!("P{p}")).collect();
    cols.extend((1..=f.acceptors).map(|a| format!("A{a}")));
    cols
}

/// The lifelines alone, `col` characters a node.
fn lifelines(n: usize, col: usize) -> Vec<char> {
    let mut cells: Vec<char> = vec![' '; n * col];
    for i in 0..n {
        cells[i * col + 1] = '│';
    }
    cells
}

/// One row of the diagram: lifelines, plus an arrow or a mark.
fn diagram_row(cols: &[String], s: &StepRecord, col: usize) -> String {
    let mut cells = lifelines(cols.len(), col);
    let at = |name: &str| cols.iter().position(|c| c == name).map(|i| i * col + 1);
    match s.kind.as_str() {
        "deliver" | "duplicate" | "drop" => {
            if let (Some(f), Some(t)) = (at(&s.from), at(&s.to)) {
                let (lo, hi) = (f.min(t), f.max(t));
                for c in cells.iter_mut().take(hi).skip(lo + 1) {
                    *c = '─';
                }
                cells[f] = '●';
                cells[t] = match (s.kind.as_str(), t > f) {
                    ("drop", _) => '✕',
                    (_, true) => '▶',
                    (_, false) => '◀',
                };
            }
        }
        kind => {
            if let Some(c) = at(&s.from) {
                cells[c] = match kind {
                    "propose" | "submit" => '◆',
                    "calm" => '≈',
                    "crash" => '✖',
                    "restart" => '↻',
                    "timeout" => '⏱',
                    "stop" => '■',
                    _ => '?',
                };
            }
        }
    }
    cells.into_iter().collect::<String>()
}

fn label(s: &StepRecord) -> String {
    let sent = if s.sent.is_empty() {
        String::new()
    } else {
        let replies: Vec<String> = s
            .sent
            .iter()
            .map(|m| {
                m.split(' ')
                    .take_while(|w| !w.contains("->"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut uniq: Vec<String> = Vec::new();
        for r in replies {
            if !uniq.contains(&r) {
                uniq.push(r);
            }
        }
        let n = s.sent.len();
        if n > 1 && uniq.len() == 1 {
            format!("  ⇒ {} ×{n}", uniq[0])
        } else {
            format!("  ⇒ {}", uniq.join("; "))
        }
    };
    match s.kind.as_str() {
        "deliver" => format!("{}{sent}", s.message),
        "duplicate" => format!("{} (delivered, a copy stays in flight){sent}", s.message),
        "drop" => format!("{} (lost)", s.message),
        "propose" => format!("{} proposes{sent}", s.from),
        "submit" => format!("{}'s client submits {}{sent}", s.from, s.message),
        "calm" => format!(
            "for {}: messages in flight lost, acceptors restarted to a majority, the other leaders stopped{sent}",
            s.from
        ),
        "crash" => format!("{} crashes", s.from),
        "restart" => format!("{} restarts from its disk{sent}", s.from),
        "timeout" => format!("{} times out{sent}", s.from),
        "stop" => format!("{} stops for good", s.from),
        _ => s.step.clone(),
    }
}

/// A node's column width for `n` nodes at `width`: as wide as 8, narrowed (down to 4) so that
/// a label has [`LABEL_ROOM`] columns.
fn column_width(n: usize, width: usize) -> usize {
    (width.saturating_sub(7 + LABEL_ROOM) / n.max(1)).clamp(COL_NARROW, COL_WIDE)
}

/// The diagram of a schedule, for a terminal `width` columns wide.
pub fn diagram(f: &FoundRecord, width: usize) -> String {
    let cols = columns(f);
    let col = column_width(cols.len(), width);
    // "NNN  " + the lifelines + "  " + the label.
    let prefix = 5 + cols.len() * col + 2;
    let room = width.saturating_sub(prefix);
    let wrap = room >= LABEL_MIN;
    let mut page = Page {
        out: String::new(),
        width,
    };
    if !wrap {
        page.line(&format!(
            "(The diagram needs more than {width} columns: its rows are kept whole.)"
        ));
    }
    let mut header = String::from("     ");
    for c in &cols {
        let _ = write!(header, "{c:<col$}");
    }
    let _ = writeln!(page.out, "{}", header.trim_end().bold());
    let calm: Vec<usize> = (0..f.steps.len()).filter(|&i| f.steps[i].calm).collect();
    let elide = if calm.len() > CALM_HEAD + CALM_TAIL + 2 {
        Some((calm[CALM_HEAD], calm[calm.len() - CALM_TAIL]))
    } else {
        None
    };
    let mut calm_started = false;
    let blank_row: String = lifelines(cols.len(), col).into_iter().collect();
    for (i, s) in f.steps.iter().enumerate() {
        if s.calm && !calm_started {
            calm_started = true;
            let banner = if multi(&f.network) {
                "── faults stop: the network is reliable and only one leader times out ──"
            } else {
                "── faults stop: the network is reliable and only one proposer times out ──"
            };
            page.line(&format!("     {}", banner.dimmed()));
        }
        if let Some((from, to)) = elide {
            if i == from {
                page.line(&format!(
                    "     {}",
                    format!(
                        "⋮ {} ⋮",
                        count(
                            (to - from) as u64,
                            "more step of the same kind",
                            "more steps of the same kind"
                        )
                    )
                    .dimmed()
                ));
            }
            if i >= from && i < to {
                continue;
            }
        }
        let row = diagram_row(&cols, s, col);
        let last = i + 1 == f.steps.len();
        let text = label(s);
        let text = if last {
            let end = if f.property == "panic" {
                "← the call panics here"
            } else {
                "← the property breaks here"
            };
            format!("{text}  {}", end.red().bold())
        } else {
            text
        };
        let lines: Vec<String> = if wrap && measure_text_width(&text) > room {
            crate::quiz::render::fit(&text, room)
                .lines()
                .map(str::to_string)
                .collect()
        } else {
            vec![text]
        };
        for (k, l) in lines.iter().enumerate() {
            let line = if k == 0 {
                format!("{:>3}  {row}  {l}", i + 1)
            } else {
                format!("     {blank_row}  {l}")
            };
            let _ = writeln!(page.out, "{}", line.trim_end());
        }
    }
    page.out
}

fn headline(o: &Outcome) -> String {
    let name = o.exercise.bold();
    match o.verdict {
        Verdict::Pass => format!("{} {name}: {}", "✓".green().bold(), "pass".green().bold()),
        v => {
            let what = match (&o.found, v) {
                (Some(f), Verdict::Fail) => format!("{} ({})", f.property, f.code),
                (Some(f), Verdict::Panic) if !f.call.is_empty() => format!("{} panicked", f.call),
                _ => String::new(),
            };
            let sep = if what.is_empty() {
                String::new()
            } else {
                format!(" — {what}")
            };
            format!(
                "{} {name}: {}{sep}",
                "✗".red().bold(),
                v.as_str().red().bold()
            )
        }
    }
}

/// Lines the learner's code printed, by step, at most this many.
const PRINTED_LINES: usize = 30;

fn printed(page: &mut Page, steps: &[(String, Vec<String>)]) {
    page.blank();
    page.line(
        &"What your code printed during this schedule:"
            .bold()
            .to_string(),
    );
    let mut shown = 0;
    let total: usize = steps.iter().map(|(_, l)| l.len()).sum();
    for (step, lines) in steps {
        if shown >= PRINTED_LINES {
            break;
        }
        page.line(&format!("  {}", step.dimmed()));
        for l in lines.iter().take(PRINTED_LINES - shown) {
            page.line(&format!("    {l}"));
            shown += 1;
        }
    }
    if total > shown {
        page.line(&format!(
            "  … {}",
            count((total - shown) as u64, "more line", "more lines")
        ));
    }
}

/// What every exhaustive search proved, one configuration a line and its liveness clause below.
fn proven(page: &mut Page, o: &Outcome) {
    if o.exhaustive.is_empty() {
        return;
    }
    if is_multi_exercise(&o.exercise) {
        page.line("  Every schedule (the network as the messages in flight: loss, duplication, reordering):");
    } else {
        page.line("  Every schedule (the network as the set of messages sent: loss, duplication, reordering):");
    }
    for e in &o.exhaustive {
        for (i, l) in e.proven_lines().iter().enumerate() {
            let marker = if i == 0 { "-" } else { " " };
            page.line(&format!("  {marker} {l}"));
        }
    }
}

/// The first line of a rendered warning and where it points: "unused variable: `x` (src/lib.rs:3:9)".
fn warning_brief(rendered: &str) -> String {
    let text = super::compile::strip_ansi(rendered);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let first = first.strip_prefix("warning: ").unwrap_or(first);
    match lines.find_map(|l| l.trim_start().strip_prefix("--> ")) {
        Some(at) => format!("{first} ({})", at.trim()),
        None => first.to_string(),
    }
}

/// Warnings shown on a pass: how many, the first two, and how to see them all.
const WARNINGS_SHOWN: usize = 2;

fn warnings(page: &mut Page, o: &Outcome, crates: &[&str]) {
    let n = o.warnings.len();
    if n == 0 {
        return;
    }
    let which = if n <= WARNINGS_SHOWN {
        String::new()
    } else {
        format!("; the first {WARNINGS_SHOWN}")
    };
    page.blank();
    page.line(&format!(
        "{} {} in your code{which}:",
        "Warnings:".bold(),
        count(n as u64, "compiler warning", "compiler warnings")
    ));
    for w in o.warnings.iter().take(WARNINGS_SHOWN) {
        page.line(&format!("  - {}", warning_brief(w)));
    }
    let packages: Vec<String> = crates.iter().map(|c| format!("-p {c}")).collect();
    page.line(&format!(
        "  All of them: cargo build --release {} (in the workspace)",
        packages.join(" ")
    ));
}

/// After a pass: the next exercise, or after the last one the quiz.
fn next_step(o: &Outcome) -> String {
    let all = super::exercises::EXERCISES;
    let here = all.iter().position(|e| e.name == o.exercise);
    if o.replayed.is_some() {
        return format!(
            "paxos-tutor check {} runs the whole check again (a replay tries one schedule)",
            o.exercise
        );
    }
    match here.and_then(|i| all.get(i + 1)) {
        Some(next) => {
            let new: Vec<String> = next
                .crates
                .iter()
                // Not written in this exercise or an earlier one.
                .filter(|c| {
                    !all[..=here.unwrap_or(0)]
                        .iter()
                        .any(|e| e.crates.contains(c))
                })
                .map(|c| format!("{c}/src/lib.rs"))
                .collect();
            let file = if new.is_empty() {
                String::new()
            } else {
                format!(" (write {})", new.join(" and "))
            };
            format!(
                "the {} exercise{file}, then paxos-tutor check {}",
                next.name, next.name
            )
        }
        None => {
            "that was the last exercise; the quiz on Multi-Paxos: paxos-tutor quiz --topic multi-paxos".into()
        }
    }
}

/// The proof's phases, as numbered in the progress line: the first and last (from 1) of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofPhases {
    pub first: usize,
    pub last: usize,
    pub of: usize,
}

/// The fast phases' verdict, shown while the proof runs (see `progress::Interim`): what every
/// trace and random schedule showed, and which phases are still proving, for `width` columns.
pub fn fast_phases(
    exercise: &str,
    fast: &super::run::FastPhases,
    seed: u64,
    proof: ProofPhases,
    width: usize,
) -> String {
    let mut ran = Vec::new();
    if fast.traces > 0 {
        ran.push(format!(
            "{} of the library",
            count(fast.traces, "trace", "traces")
        ));
    }
    if fast.random > 0 {
        ran.push(format!(
            "{} (seed {seed})",
            count(fast.random, "random schedule", "random schedules")
        ));
    }
    let ran = if ran.is_empty() {
        "no trace or random schedule".to_string()
    } else {
        ran.join(" and ")
    };
    let phases = if proof.first == proof.last {
        format!("phase {} of {}", proof.first, proof.of)
    } else {
        format!("phases {} to {} of {}", proof.first, proof.last, proof.of)
    };
    let mut page = Page {
        out: String::new(),
        width,
    };
    page.line(&format!(
        "{} {}: no violation in {ran}; proving (exhaustive search, {phases})…",
        "…".dimmed(),
        exercise.bold()
    ));
    page.out
}

/// The whole report for a person, for a terminal `width` columns wide.
pub fn human(o: &Outcome, width: usize) -> String {
    let mut page = Page {
        out: String::new(),
        width,
    };
    let crates: Vec<&str> = super::exercises::find(&o.exercise)
        .map(|e| e.crates.to_vec())
        .unwrap_or_default();
    let names = |t: &str| match &o.found {
        Some(f) => node_names(t, f.acceptors, f.proposers),
        None => t.to_string(),
    };
    page.line(&headline(o));
    match o.verdict {
        Verdict::Pass => {
            if let Some(r) = &o.replayed {
                page.line(&format!(
                    "  The schedule in {r} no longer breaks any property."
                ));
            } else {
                page.line(&format!(
                    "  No violation in {}:",
                    count(o.schedules, "schedule", "schedules")
                ));
                page.line(&format!(
                    "  - {} of the library, each a lesson, each followed by a liveness check",
                    count(o.traces, "trace", "traces")
                ));
                page.line(&format!(
                    "  - {} (seed {}), each followed by a liveness check:",
                    count(o.random, "random schedule", "random schedules"),
                    o.seed
                ));
                if is_multi_exercise(&o.exercise) {
                    page.line(&format!(
                        "    over 3 acceptors and 2 leaders, each leader's client submitting {} commands",
                        paxos_harness::multi::runner::OPS
                    ));
                    page.line("    with loss, duplication, reordering, acceptor crash-restarts, leader stops and timeouts");
                } else {
                    page.line("    over 3 and 5 acceptors, 2 and 3 proposers");
                    page.line("    with loss, duplication, reordering, acceptor crash-restarts, proposer stops and timeouts");
                    page.line("    a quarter of them long histories, a quarter with a competitor from round 2^62");
                }
                proven(&mut page, o);
            }
            warnings(&mut page, o, &crates);
            page.blank();
            page.line(&format!("{} {}", "Next:".bold(), next_step(o)));
        }
        Verdict::Incomplete => {
            page.line("  Nothing broke, but this check did not prove everything it set out to:");
            for r in &o.incomplete {
                page.line(&format!("  - not proven: {}", grouped(&names(r))));
            }
            if o.replayed.is_none() {
                page.line("  What was proven:");
                page.line(&format!(
                    "  - {} of the library and {} (seed {}): no violation",
                    count(o.traces, "trace", "traces"),
                    count(o.random, "random schedule", "random schedules"),
                    o.seed
                ));
                proven(&mut page, o);
            }
        }
        Verdict::CompileError => {
            let text = o.diagnostics.as_deref().unwrap_or("");
            match text.strip_prefix(super::compile::UNUSABLE) {
                Some(rest) => {
                    let (why, said) = rest.split_once("\n\n").unwrap_or((rest, ""));
                    page.line(&format!(
                        "  Your crate compiled, but the grader cannot use it{why}"
                    ));
                    if !said.trim().is_empty() {
                        page.line("  The compiler says, building the grader with it:");
                        page.blank();
                        page.raw(&format!("{}\n", said.trim_end()));
                    }
                }
                None => {
                    page.line("  Your crate does not compile. The compiler says:");
                    page.blank();
                    page.raw(&format!("{}\n", text.trim_end()));
                }
            }
        }
        Verdict::Timeout => {
            page.line(&format!(
                "  {}",
                o.detail
                    .as_deref()
                    .unwrap_or("a call did not return in time")
            ));
            page.line("  Each call handles one event and returns: look for a loop that waits for something (a reply, a quorum) — in Paxos the harness brings the next event, your code never waits for it.");
        }
        Verdict::Panic | Verdict::Fail => failure(&mut page, o, &names),
    }
    page.out
}

/// A panic's message and where it was raised, from the harness's `MESSAGE (at FILE:LINE)`.
fn located(message: &str) -> (&str, Option<&str>) {
    let Some(body) = message.strip_suffix(')') else {
        return (message, None);
    };
    match body.rsplit_once(" (at ") {
        Some((text, at))
            if at.rsplit_once(':').is_some_and(|(_, line)| {
                !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            (text, Some(at))
        }
        _ => (message, None),
    }
}

/// The report of a `fail` or a `panic`.
fn failure(page: &mut Page, o: &Outcome, names: &dyn Fn(&str) -> String) {
    if let Some(d) = &o.detail {
        page.line(&format!("  {}", names(d)));
    }
    if let Some(f) = &o.found {
        let (message, at) = located(&f.message);
        page.line(&format!("  {}", names(message)));
        if let Some(at) = at {
            // A line of its own, never wrapped: the report's form does not depend on how long
            // the path is.
            page.raw(&format!("  at {at}\n"));
        }
        let (one, many) = if multi(&f.network) {
            ("leader", "leaders")
        } else {
            ("proposer", "proposers")
        };
        let shape = format!(
            "{}; {}, {}",
            f.origin,
            count(f.acceptors as u64, "acceptor", "acceptors"),
            count(f.proposers as u64, one, many)
        );
        if f.steps.is_empty() {
            // Nothing to draw: it failed as the nodes started.
            page.blank();
            page.line(&format!(
                "It happened before the first step of the schedule ({shape}), as the nodes started: there is no schedule to draw."
            ));
        } else {
            let title = if f.shortest.is_some() {
                "A shortest failing schedule"
            } else {
                "A failing schedule"
            };
            page.blank();
            page.line(&format!(
                "{} ({shape}; {}):",
                title.bold(),
                count(f.steps.len() as u64, "step", "steps")
            ));
            if let Some(c) = &f.competitor {
                page.line(&format!("  {c} is the harness's competitor, a reference proposer whose rounds start at 2^62 = {} (not your code).", thousands(1 << 62)));
            }
            match &f.shortest {
                Some(s) => page.line(&format!("  Shortest: {s}.")),
                None if o.replayed.is_some() => {
                    page.line("  (the saved schedule, replayed as it was saved)")
                }
                None => page.line(
                    "  (shrunk; the search for a shorter one did not complete within its budget)",
                ),
            }
            page.blank();
            let d = diagram(f, page.width);
            page.raw(&d);
        }
        if !f.nodes.is_empty() {
            page.blank();
            page.line(&"State at the end:".bold().to_string());
            for n in &f.nodes {
                page.line(&format!("  {}", names(n)));
            }
        }
        if !o.printed.is_empty() {
            printed(page, &o.printed);
        }
        let todo = o.verdict == Verdict::Panic && f.message.contains("not yet implemented");
        let (text, topic) = if todo {
            (
                format!("This is a todo!() from the template: fill in the method's body. Read the doc comments above it; `paxos-tutor hint {}` gives one more hint each time.", o.exercise),
                if is_multi_exercise(&o.exercise) {
                    "multi-paxos"
                } else {
                    "paxos"
                },
            )
        } else {
            let l = lesson_for(&o.exercise, &f.code);
            (l.text.to_string(), l.topic)
        };
        page.blank();
        page.line(&format!("{} {text}", "Lesson:".bold()));
        if let Some(t) = &f.lesson {
            let name = f.origin.strip_prefix("trace ").unwrap_or(&f.origin);
            page.line(&format!(
                "  Found by the trace `{name}`, which teaches: {}",
                t.trim().replace('\n', " ")
            ));
        }
        let hint = if todo || o.verdict == Verdict::Panic {
            None
        } else {
            covering_hint(&o.exercise, &f.code)
        };
        match hint.and_then(|(part, n)| {
            super::exercises::find(part)
                .ok()
                .map(|e| (part, n, e.hints.len()))
        }) {
            Some((part, n, total)) => {
                let of = if part == o.exercise {
                    String::new()
                } else {
                    format!(" of the {part} exercise")
                };
                page.line(&format!(
                    "{} {n} of {total}{of} covers this: paxos-tutor hint {part} --all",
                    "Hint".bold()
                ));
                page.line(&format!(
                    "{} paxos-tutor quiz --topic {}",
                    "More:".bold(),
                    topic
                ));
            }
            None => page.line(&format!(
                "{} paxos-tutor hint {} · paxos-tutor quiz --topic {}",
                "More:".bold(),
                o.exercise,
                topic
            )),
        }
    }
    page.line(&format!(
        "{} paxos-tutor check {} --seed {}",
        "Replay:".bold(),
        o.exercise,
        o.seed
    ));
    if let Some(r) = &o.replay_file {
        // The command on a line of its own, never wrapped: it can be copied as it is, and the
        // report's form does not depend on how long the path is.
        page.line("  This schedule alone, from the file it was saved in:");
        page.raw(&format!(
            "    paxos-tutor check {} --replay {r}\n",
            o.exercise
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panics_location_is_split_off_only_when_it_is_one() {
        assert_eq!(
            located("no second command (at /w s/multi-leader/src/lib.rs:158)"),
            (
                "no second command",
                Some("/w s/multi-leader/src/lib.rs:158")
            )
        );
        // A message that only looks like one keeps its text.
        for m in ["stale (at noon)", "a (at b:)", "plain", "x (at f:12) y"] {
            assert_eq!(located(m), (m, None));
        }
    }

    #[test]
    fn node_ids_of_known_nodes_become_names() {
        let t = "Ballot { round: 1, proposer: NodeId(101) }, acceptors: [NodeId(1), NodeId(3)]";
        assert_eq!(
            node_names(t, 3, 2),
            "Ballot { round: 1, proposer: P1 }, acceptors: [A1, A3]"
        );
        // Unknown nodes, other identifiers and broken tokens stay.
        assert_eq!(
            node_names("NodeId(4) NodeId(103)", 3, 2),
            "NodeId(4) NodeId(103)"
        );
        assert_eq!(
            node_names("MyNodeId(1) NodeId(x) NodeId(", 3, 2),
            "MyNodeId(1) NodeId(x) NodeId("
        );
        assert_eq!(node_names("NodeId(1", 3, 2), "NodeId(1");
        assert_eq!(node_names("(NodeId(102))…", 3, 2), "(P2)…");
        assert_eq!(
            node_names("NodeId(0) NodeId(100)", 3, 2),
            "NodeId(0) NodeId(100)"
        );
    }

    #[test]
    fn the_fast_phases_verdict_says_what_ran_and_what_is_proving() {
        colored::control::set_override(false);
        let fast = |traces, random| super::super::run::FastPhases { traces, random };
        let proof = |first, last, of| ProofPhases { first, last, of };
        let lines = [
            fast_phases("acceptor", &fast(30, 10_000), 1, proof(4, 7, 7), 100),
            fast_phases("acceptor", &fast(30, 300), 7, proof(4, 6, 6), 60),
            fast_phases("paxos", &fast(0, 1), 1, proof(3, 3, 3), 100),
            fast_phases("proposer", &fast(30, 0), 1, proof(3, 4, 4), 100),
        ]
        .join("");
        insta::assert_snapshot!("fast_phases", lines);
        for l in lines.lines() {
            assert!(measure_text_width(l) <= 100, "{l}");
        }
    }

    #[test]
    fn columns_narrow_before_labels_are_squeezed() {
        assert_eq!(column_width(5, 100), 8);
        assert_eq!(column_width(5, 60), 4);
        assert_eq!(column_width(8, 60), 4);
        assert_eq!(column_width(5, 72), 7);
    }

    fn outcome(exercise: &str, verdict: Verdict, found: Option<FoundRecord>) -> Outcome {
        Outcome {
            exercise: exercise.into(),
            verdict,
            schedules: 0,
            traces: 0,
            random: 0,
            seed: 1,
            found,
            diagnostics: None,
            detail: None,
            exhaustive: Vec::new(),
            incomplete: Vec::new(),
            replay_file: None,
            replayed: None,
            printed: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn step(kind: &str, from: &str, to: &str) -> StepRecord {
        StepRecord {
            step: format!("{kind} {from}"),
            kind: kind.into(),
            from: from.into(),
            to: to.into(),
            message: "Prepare (1,P1)".into(),
            sent: Vec::new(),
            calm: false,
        }
    }

    fn found(code: &str, acceptors: usize, proposers: usize) -> FoundRecord {
        FoundRecord {
            property: "conformance".into(),
            code: code.into(),
            message: "A1 promised (1,P2), then NodeId(101)".into(),
            call: String::new(),
            origin: "random schedule 3 (seed 1)".into(),
            lesson: None,
            acceptors,
            proposers,
            network: String::new(),
            calm: None,
            shortest: None,
            competitor: None,
            steps: vec![step("propose", "P1", ""), step("deliver", "P1", "A1")],
            nodes: vec!["A1: state X { p: NodeId(102) }".into()],
            replay: String::new(),
        }
    }

    #[test]
    fn the_next_step_after_each_exercise() {
        let next = |ex: &str| next_step(&outcome(ex, Verdict::Pass, None));
        assert_eq!(
            next("acceptor"),
            "the proposer exercise (write proposer/src/lib.rs), then paxos-tutor check proposer"
        );
        assert_eq!(
            next("proposer"),
            "the paxos exercise, then paxos-tutor check paxos"
        );
        assert_eq!(
            next("paxos"),
            "the multipaxos exercise (write multi-acceptor/src/lib.rs and multi-leader/src/lib.rs), then paxos-tutor check multipaxos"
        );
        assert!(next("multipaxos").ends_with("paxos-tutor quiz --topic multi-paxos"));
    }

    #[test]
    fn a_failure_names_the_hint_of_the_part_that_made_it() {
        let o = outcome(
            "paxos",
            Verdict::Fail,
            Some(found("promise-backwards", 3, 2)),
        );
        let text = human(&o, 100);
        assert!(
            text.contains(
                "Hint 4 of 5 of the acceptor exercise covers this: paxos-tutor hint acceptor --all"
            ),
            "{text}"
        );
        assert!(
            text.contains("then P1") && text.contains("state X { p: P2 }"),
            "{text}"
        );
        // No hint is about two values in one ballot: none is named.
        let o = outcome(
            "proposer",
            Verdict::Fail,
            Some(found("two-values-one-ballot", 3, 2)),
        );
        let text = human(&o, 100);
        assert!(!text.contains("covers this"), "{text}");
        assert!(
            text.contains("More: paxos-tutor hint proposer · "),
            "{text}"
        );
    }

    #[test]
    fn a_diagram_too_wide_for_the_terminal_keeps_its_rows_whole_and_says_so() {
        let f = found("promise-backwards", 5, 3);
        let d = diagram(&f, 40);
        assert!(
            d.starts_with("(The diagram needs more than 40 columns"),
            "{d}"
        );
        let rows: Vec<&str> = d
            .lines()
            .filter(|l| l.contains('│') || l.contains('◆'))
            .collect();
        assert_eq!(rows.len(), 2, "{d}");
        assert!(
            rows[1].ends_with("Prepare (1,P1)  ← the property breaks here"),
            "{d}"
        );
        // At 60 columns the same diagram fits with narrow columns, labels wrapped beside it.
        let d = diagram(&f, 60);
        assert!(!d.contains("The diagram needs"), "{d}");
        assert!(d.lines().all(|l| measure_text_width(l) <= 60), "{d}");
    }

    #[test]
    fn the_reports_form_does_not_depend_on_how_long_its_paths_are() {
        // CI checks out the project at a path of another length than a developer's machine: the
        // report of the same panic must wrap the same way, paths aside.
        let report = |root: &str, width| {
            let mut f = found("panic", 3, 2);
            f.call = "Acceptor::on_accept of A1".into();
            f.message = format!("stale Accept, promised more (at {root}/acceptor/src/lib.rs:25)");
            let mut o = outcome("acceptor", Verdict::Panic, Some(f));
            o.replay_file = Some(format!("{root}/cache/replays/acceptor-seed1.yaml"));
            human(&o, width).replace(root, "[ROOT]")
        };
        let long = format!("/{}", "a-long-checkout-folder/".repeat(6));
        let long = long.trim_end_matches('/');
        for width in [60, 100] {
            let short = report("/w", width);
            assert_eq!(short, report(long, width), "at {width} columns");
            assert!(
                short.contains("\n  at [ROOT]/acceptor/src/lib.rs:25\n"),
                "{short}"
            );
            assert!(
                short.contains("\n    paxos-tutor check acceptor --replay [ROOT]/cache/"),
                "{short}"
            );
        }
    }

    #[test]
    fn a_warning_in_brief() {
        let w = "warning: unused variable: `x`\n --> src/lib.rs:3:9\n  |\n3 |     let x = 1;\n  |         ^ help: prefix it\n\n";
        assert_eq!(warning_brief(w), "unused variable: `x` (src/lib.rs:3:9)");
        assert_eq!(warning_brief("warning: odd"), "odd");
    }
}
