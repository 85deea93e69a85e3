//! The learner's view of a check, as text: the verdict in one line, the shortest failing schedule
//! as a message-sequence diagram (a column per node), the state that shows the mistake, the
//! lesson with its hint and quiz topic, and the command that replays it. Pure: returns a String.

use std::fmt::Write as _;

use colored::Colorize;

use super::report::{lesson, FoundRecord, Outcome, StepRecord, Verdict};

const COL: usize = 8;
/// Calm-phase steps shown before and after an elision.
const CALM_HEAD: usize = 12;
const CALM_TAIL: usize = 6;

fn columns(f: &FoundRecord) -> Vec<String> {
    let mut cols: Vec<String> = (1..=f.proposers).map(|p| format!("P{p}")).collect();
    cols.extend((1..=f.acceptors).map(|a| format!("A{a}")));
    cols
}

/// One row of the diagram: lifelines, plus an arrow or a mark.
fn diagram_row(cols: &[String], s: &StepRecord) -> String {
    let width = cols.len() * COL;
    let mut cells: Vec<char> = vec![' '; width];
    for i in 0..cols.len() {
        cells[i * COL + 1] = '│';
    }
    let at = |name: &str| cols.iter().position(|c| c == name).map(|i| i * COL + 1);
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
                    "propose" => '◆',
                    "crash" => '✖',
                    "restart" => '↻',
                    "timeout" => '⏱',
                    "stop" => '■',
                    _ => '?',
                };
            }
        }
    }
    cells.into_iter().collect::<String>().trim_end().to_string()
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
        "crash" => format!("{} crashes", s.from),
        "restart" => format!("{} restarts from its disk{sent}", s.from),
        "timeout" => format!("{} times out{sent}", s.from),
        "stop" => format!("{} stops for good", s.from),
        _ => s.step.clone(),
    }
}

/// The diagram of a schedule.
pub fn diagram(f: &FoundRecord) -> String {
    let cols = columns(f);
    let mut out = String::new();
    let mut header = String::from("     ");
    for c in &cols {
        let _ = write!(header, "{c:<COL$}");
    }
    let _ = writeln!(out, "{}", header.trim_end().bold());
    let calm: Vec<usize> = (0..f.steps.len()).filter(|&i| f.steps[i].calm).collect();
    let elide = if calm.len() > CALM_HEAD + CALM_TAIL + 2 {
        Some((calm[CALM_HEAD], calm[calm.len() - CALM_TAIL]))
    } else {
        None
    };
    let mut calm_started = false;
    for (i, s) in f.steps.iter().enumerate() {
        if s.calm && !calm_started {
            calm_started = true;
            let _ = writeln!(
                out,
                "     {}",
                "── faults stop: the network is reliable and only one proposer times out ──"
                    .dimmed()
            );
        }
        if let Some((from, to)) = elide {
            if i == from {
                let _ = writeln!(
                    out,
                    "     {}",
                    format!("⋮ {} more steps of the same kind ⋮", to - from).dimmed()
                );
            }
            if i >= from && i < to {
                continue;
            }
        }
        let row = diagram_row(&cols, s);
        let pad = (cols.len() * COL).saturating_sub(row.chars().count());
        let last = i + 1 == f.steps.len();
        let text = label(s);
        let text = if last {
            format!("{text}  {}", "← the property breaks here".red().bold())
        } else {
            text
        };
        let _ = writeln!(out, "{:>3}  {row}{}  {text}", i + 1, " ".repeat(pad));
    }
    out
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

fn printed(steps: &[(String, Vec<String>)]) -> String {
    let mut out = format!(
        "\n{}\n",
        "What your code printed during this schedule:".bold()
    );
    let mut shown = 0;
    let total: usize = steps.iter().map(|(_, l)| l.len()).sum();
    for (step, lines) in steps {
        if shown >= PRINTED_LINES {
            break;
        }
        let _ = writeln!(out, "  {}", step.dimmed());
        for l in lines.iter().take(PRINTED_LINES - shown) {
            let _ = writeln!(out, "    {l}");
            shown += 1;
        }
    }
    if total > shown {
        let _ = writeln!(out, "  … {} more lines", total - shown);
    }
    out
}

/// The whole report for a person.
pub fn human(o: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(o));
    match o.verdict {
        Verdict::Pass if o.replayed.is_some() => {
            let _ = writeln!(
                out,
                "  The schedule in {} no longer breaks any property.",
                o.replayed.as_deref().unwrap_or_default()
            );
        }
        Verdict::Pass => {
            let _ = writeln!(out, "  No violation in {} schedules:", o.schedules);
            let _ = writeln!(
                out,
                "  - {} traces of the library, each a lesson, with a liveness check after it",
                o.traces
            );
            let _ = writeln!(
                out,
                "  - {} random schedules (seed {}) over 3 and 5 acceptors and 2 and 3 proposers: loss, duplication, reordering, acceptor crash-restart, proposer stops, timeouts; half of them short, a quarter long histories (every proposer timing out about 20 times or more, several crashes), each followed by a liveness check; a quarter with a competitor from round 2^62 (huge ballots), for safety and overflows",
                o.random, o.seed
            );
            for e in &o.exhaustive {
                let _ = writeln!(out, "  - {}", e.proven());
            }
        }
        Verdict::Incomplete => {
            let _ = writeln!(
                out,
                "  Nothing broke, but this check did not prove everything it set out to:"
            );
            for r in &o.incomplete {
                let _ = writeln!(out, "  - not proven: {r}");
            }
            if o.replayed.is_none() {
                let _ = writeln!(out, "  What was proven:");
                let _ = writeln!(
                    out,
                    "  - {} traces of the library and {} random schedules (seed {}): no violation",
                    o.traces, o.random, o.seed
                );
                for e in &o.exhaustive {
                    let _ = writeln!(out, "  - {}", e.proven());
                }
            }
        }
        Verdict::CompileError => {
            let _ = writeln!(out, "  Your crate does not compile. The compiler says:\n");
            let _ = writeln!(out, "{}", o.diagnostics.as_deref().unwrap_or("").trim_end());
        }
        Verdict::Timeout => {
            let _ = writeln!(
                out,
                "  {}",
                o.detail
                    .as_deref()
                    .unwrap_or("a call did not return in time")
            );
            let _ = writeln!(out, "  Each call handles one event and returns: look for a loop that waits for something (a reply, a quorum) — in Paxos the harness brings the next event, your code never waits for it.");
        }
        Verdict::Panic | Verdict::Fail => {
            if let Some(d) = &o.detail {
                let _ = writeln!(out, "  {d}");
            }
            if let Some(f) = &o.found {
                let _ = writeln!(out, "  {}", f.message);
                let title = if f.shortest.is_some() {
                    "A shortest failing schedule"
                } else {
                    "A failing schedule"
                };
                let _ = writeln!(
                    out,
                    "\n{} ({}; {} acceptors, {} proposers; {} steps):",
                    title.bold(),
                    f.origin,
                    f.acceptors,
                    f.proposers,
                    f.steps.len()
                );
                if let Some(c) = &f.competitor {
                    let _ = writeln!(out, "  {c} is the harness's competitor, a reference proposer whose rounds start at 2^62 = 4611686018427387904 (not your code).");
                }
                match &f.shortest {
                    Some(s) => {
                        let _ = writeln!(out, "  Shortest: {s}.\n");
                    }
                    None => {
                        let _ = writeln!(out, "  (shrunk; the search for a shorter one did not complete within its budget)\n");
                    }
                }
                out.push_str(&diagram(f));
                if !f.nodes.is_empty() {
                    let _ = writeln!(out, "\n{}", "State at the end:".bold());
                    for n in &f.nodes {
                        let _ = writeln!(out, "  {n}");
                    }
                }
                if !o.printed.is_empty() {
                    out.push_str(&printed(&o.printed));
                }
                let l = if o.verdict == Verdict::Panic && f.message.contains("not yet implemented")
                {
                    super::report::Lesson {
                        text: "This is a todo!() from the template: fill in the method's body. Read the doc comments above it; `paxos-tutor hint` gives one more hint each time.",
                        topic: "paxos",
                    }
                } else {
                    lesson(&f.code)
                };
                let _ = writeln!(out, "\n{} {}", "Lesson:".bold(), l.text);
                if let Some(t) = &f.lesson {
                    let name = f.origin.strip_prefix("trace ").unwrap_or(&f.origin);
                    let _ = writeln!(
                        out,
                        "  Found by the trace `{name}`, which teaches: {}",
                        t.trim().replace('\n', " ")
                    );
                }
                let _ = writeln!(
                    out,
                    "{} paxos-tutor hint {} · paxos-tutor quiz --topic {}",
                    "More:".bold(),
                    o.exercise,
                    l.topic
                );
            }
            let _ = write!(
                out,
                "{} paxos-tutor check {} --seed {}",
                "Replay:".bold(),
                o.exercise,
                o.seed
            );
            if let Some(r) = &o.replay_file {
                let _ = write!(out, "   (this schedule alone: --replay {r})");
            }
            out.push('\n');
        }
    }
    out
}
