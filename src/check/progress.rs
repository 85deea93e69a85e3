//! Progress of a check on stderr: "phase k of n: <name>", the phases planned from the request.
//!
//! - On a terminal: one spinner line, redrawn, never wider than the terminal (so it never wraps).
//! - Without a terminal: one plain line per phase, when the phase starts.
//! - `--quiet` (and `--format json`, read by programs): nothing.
//!
//! Once the traces and random schedules have all passed while the proof still runs, their verdict
//! goes to stdout ([`Interim`]): on a terminal above the spinner, erased when the run ends so the
//! report takes its place; for `watch` without a terminal, as a line before the report; never in
//! JSON or in the output of a plain `check` read by a program.
//!
//! The text is built by pure functions ([`Plan`], [`fit`], `render::fast_phases`); [`Reporter`]
//! only draws it.

use std::io::Write as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use paxos_harness::runner::Options;

use super::render::thousands;
use super::run::Progress;

/// One phase: the key the harness reports it by, and its name for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Phase {
    key: String,
    name: String,
}

/// The phases of one check, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    phases: Vec<Phase>,
}

/// The key of the build phase (not a harness phase).
const BUILD: &str = "build";
/// The key of a replay (the harness reports no progress for it).
const REPLAY: &str = "replay";

fn phase(key: &str, name: impl Into<String>) -> Phase {
    Phase {
        key: key.to_string(),
        name: name.into(),
    }
}

/// The name of a harness phase key (`exhaustive-3-2`, `takeover`, …).
fn phase_name(key: &str) -> String {
    match key {
        "traces" => "library traces".into(),
        "random" => "random schedules".into(),
        "takeover" => "takeover search (P3 after P1 and P2 stop)".into(),
        k if k.starts_with("multi-") => match k["multi-".len()..].split_once('-') {
            Some((a, l)) => format!("exhaustive search, {a} acceptors and {l} leaders"),
            None => k.to_string(),
        },
        k => match k
            .strip_prefix("exhaustive-")
            .and_then(|r| r.split_once('-'))
        {
            Some((a, p)) => format!("exhaustive search, {a} acceptors and {p} proposers"),
            None => k.to_string(),
        },
    }
}

impl Plan {
    /// The phases the runner goes through for `o` (see `harness/src/runner.rs`, `run`): build,
    /// then a replay, or the traces, the random schedules and the exhaustive configurations. A
    /// phase the harness reports that is not planned here is appended when it starts.
    pub fn new(o: &Options, crates: usize) -> Plan {
        let build = if crates == 1 {
            "building your crate…"
        } else {
            "building your crates…"
        };
        let mut phases = vec![phase(BUILD, build)];
        if o.replay.is_some() {
            phases.push(phase(REPLAY, "replaying the saved schedule"));
            return Plan { phases };
        }
        if o.traces {
            phases.push(phase("traces", phase_name("traces")));
        }
        if o.schedules > 0 {
            phases.push(phase("random", phase_name("random")));
        }
        if paxos_harness::multi::runner::is_multi(o) {
            for c in paxos_harness::multi::runner::searches(o) {
                let key = paxos_harness::multi::runner::phase(&c);
                let name = phase_name(&key);
                phases.push(phase(&key, name));
            }
            return Plan { phases };
        }
        if o.depth > 0 {
            let configs: Vec<(u32, u32)> = if o.proposers == 0 {
                vec![(3, 2), (3, 3), (5, 2)]
            } else {
                vec![(3, o.proposers)]
            };
            for (a, p) in configs {
                let key = format!("exhaustive-{a}-{p}");
                let name = phase_name(&key);
                phases.push(phase(&key, name));
            }
        }
        if o.takeover.is_some() && (o.proposers == 0 || o.proposers == 3) {
            phases.push(phase("takeover", phase_name("takeover")));
        }
        Plan { phases }
    }

    /// How many phases.
    pub fn len(&self) -> usize {
        self.phases.len()
    }

    /// Never empty: the build is always a phase.
    pub fn is_empty(&self) -> bool {
        self.phases.is_empty()
    }

    /// The index of phase `key`, appended if it was not planned.
    fn index(&mut self, key: &str) -> usize {
        match self.phases.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                self.phases.push(phase(key, phase_name(key)));
                self.phases.len() - 1
            }
        }
    }

    /// "phase k of n: name" for the phase at `i`.
    fn heading(&self, i: usize) -> String {
        format!(
            "phase {} of {}: {}",
            i + 1,
            self.phases.len(),
            self.phases[i].name
        )
    }

    /// The build phase's line.
    pub fn build(&mut self) -> (usize, String) {
        let i = self.index(BUILD);
        (i, self.heading(i))
    }

    /// The exhaustive phases (the searches, the takeover search), numbered from 1 as in the
    /// progress line; `None` without any.
    pub fn proof(&self) -> Option<super::render::ProofPhases> {
        let is_proof = |p: &Phase| {
            p.key.starts_with("exhaustive-") || p.key.starts_with("multi-") || p.key == "takeover"
        };
        let first = self.phases.iter().position(is_proof)?;
        let last = self.phases.iter().rposition(is_proof)?;
        Some(super::render::ProofPhases {
            first: first + 1,
            last: last + 1,
            of: self.phases.len(),
        })
    }

    /// The first phase after the build, announced when the harness starts (before its first
    /// progress line).
    pub fn first_run_phase(&self) -> Option<(usize, String)> {
        (self.phases.len() > 1).then(|| (1, self.heading(1)))
    }

    /// A harness progress report: (phase index, the heading, the heading with the details).
    pub fn progress(&mut self, p: &Progress) -> (usize, String, String) {
        let i = self.index(&p.phase);
        let heading = self.heading(i);
        let detail = match p.phase.as_str() {
            "traces" if p.detail == "done" => format!("{} of {}", p.done, p.total),
            "traces" => format!("{} of {}: {}", p.done, p.total, p.detail),
            "random" => format!("{} of {}", thousands(p.done), thousands(p.total)),
            ph if ph.starts_with("exhaustive") || ph == "takeover" => format!(
                "{} unique states ({} explored), {}",
                thousands(p.done),
                thousands(p.total),
                p.detail
            ),
            ph if ph.starts_with("multi-") => {
                format!("{} unique states, {}", thousands(p.done), p.detail)
            }
            _ => p.detail.clone(),
        };
        let full = if detail.is_empty() {
            heading.clone()
        } else {
            format!("{heading}: {detail}")
        };
        (i, heading, full)
    }
}

/// `text` cut to at most `width` columns, with "…" where it was cut.
pub fn fit(text: &str, width: usize) -> String {
    if dialoguer::console::measure_text_width(text) <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A spinner line on stderr's terminal.
    Bar,
    /// One plain line per phase on stderr.
    Lines,
    /// Nothing.
    Off,
}

impl Mode {
    /// The mode for a check: `quiet` or JSON output silence it; else a spinner on a terminal,
    /// plain lines without one.
    pub fn choose(quiet: bool, json: bool, stderr_terminal: bool) -> Mode {
        if quiet || json {
            Mode::Off
        } else if stderr_terminal {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Set (to anything) by `watch` for the checks it runs: show the fast phases' verdict even when
/// stdout is not a terminal ([`Interim::Stream`]).
pub const INTERIM_ENV: &str = "PAXOS_TUTOR_INTERIM";

/// How the fast phases' verdict ([`super::run::Event::FastPhases`]) is shown on stdout before
/// the proof's: the report of the whole check comes after it in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interim {
    /// Not at all: JSON, or stdout not a terminal (one result, as a program reads it).
    Off,
    /// As a line of its own, the report below it (`watch` without a terminal: reports follow
    /// each other).
    Stream,
    /// On a terminal: the line, erased when the run ends, so the report replaces it.
    Replace,
}

impl Interim {
    /// JSON: off; stdout a terminal: replaced by the report; asked by `watch`: a line of its own.
    pub fn choose(json: bool, stdout_terminal: bool, asked: bool) -> Interim {
        if json {
            Interim::Off
        } else if stdout_terminal {
            Interim::Replace
        } else if asked {
            Interim::Stream
        } else {
            Interim::Off
        }
    }

    /// For this process: [`Interim::choose`] from stdout and [`INTERIM_ENV`].
    pub fn detect(json: bool) -> Interim {
        use std::io::IsTerminal as _;
        Interim::choose(
            json,
            std::io::stdout().is_terminal(),
            std::env::var_os(INTERIM_ENV).is_some(),
        )
    }
}

/// Draws a check's progress.
pub struct Reporter {
    mode: Mode,
    plan: Plan,
    bar: Option<ProgressBar>,
    shown: Option<usize>,
    interim: Interim,
    /// The rows of stdout the interim line took (erased when the run ends, in `Replace`).
    interim_rows: usize,
}

impl Reporter {
    pub fn new(mode: Mode, plan: Plan) -> Reporter {
        let bar = (mode == Mode::Bar).then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        });
        Reporter {
            mode,
            plan,
            bar,
            shown: None,
            interim: Interim::Off,
            interim_rows: 0,
        }
    }

    /// Show the fast phases' verdict as `interim` says.
    pub fn with_interim(mut self, interim: Interim) -> Reporter {
        self.interim = interim;
        self
    }

    /// The width the spinner's message may take: the terminal's, less the spinner and a column
    /// (a line that fills the last column wraps on some terminals).
    fn room() -> usize {
        let w = dialoguer::console::Term::stderr()
            .size_checked()
            .map_or(crate::ui::DEFAULT_WIDTH, |(_, w)| w as usize);
        w.saturating_sub(3).max(10)
    }

    fn show(&mut self, index: usize, heading: &str, full: &str) {
        match self.mode {
            Mode::Off => {}
            Mode::Lines => {
                // Each phase once, in plan order: a phase too short to report progress started
                // and ended between two reports, and with several workers an earlier phase may
                // report after a later one started (it was announced then).
                if self.shown.is_some_and(|s| index <= s) {
                    return;
                }
                let from = self.shown.map_or(0, |s| s + 1);
                for i in from..index {
                    eprintln!("paxos-tutor: {}", self.plan.heading(i));
                }
                eprintln!("paxos-tutor: {heading}");
            }
            Mode::Bar => {
                if let Some(pb) = &self.bar {
                    pb.set_message(fit(full, Self::room()));
                }
            }
        }
        self.shown = Some(index);
    }

    /// The build starts.
    pub fn building(&mut self) {
        let (i, h) = self.plan.build();
        self.show(i, &h, &h);
    }

    /// The harness starts.
    pub fn running(&mut self) {
        if let Some((i, h)) = self.plan.first_run_phase() {
            self.show(i, &h, &h);
        }
    }

    /// A progress report of the harness.
    pub fn progress(&mut self, p: &Progress) {
        let (i, h, full) = self.plan.progress(p);
        self.show(i, &h, &full);
    }

    /// The fast phases passed and the proof runs: their verdict on stdout (above the spinner),
    /// `width` columns wide. Nothing without a phase of the proof (the result is then settled).
    pub fn fast_phases(
        &mut self,
        exercise: &str,
        fast: &super::run::FastPhases,
        seed: u64,
        width: usize,
    ) {
        let Some(proof) = self.plan.proof() else {
            return;
        };
        if self.interim == Interim::Off {
            return;
        }
        let text = super::render::fast_phases(exercise, fast, seed, proof, width);
        let print = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        match &self.bar {
            Some(pb) => pb.suspend(print),
            None => print(),
        }
        self.interim_rows += text.lines().count();
    }

    /// The check is over: the spinner line is cleared, and on a terminal the interim line too
    /// (the report takes its place).
    pub fn finish(&mut self) {
        if let Some(pb) = self.bar.take() {
            pb.finish_and_clear();
        }
        if self.interim == Interim::Replace && self.interim_rows > 0 {
            // Up as many rows as it took, then clear from there to the end of the screen.
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\x1b[{}A\r\x1b[J", self.interim_rows);
            let _ = out.flush();
            self.interim_rows = 0;
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(phase: &str, done: u64, total: u64, detail: &str) -> Progress {
        Progress {
            phase: phase.into(),
            done,
            total,
            detail: detail.into(),
        }
    }

    #[test]
    fn the_default_check_has_seven_phases() {
        let mut plan = Plan::new(&Options::default(), 1);
        assert_eq!(plan.len(), 7);
        assert_eq!(plan.build().1, "phase 1 of 7: building your crate…");
        assert_eq!(
            plan.first_run_phase().unwrap().1,
            "phase 2 of 7: library traces"
        );
        let (i, h, full) = plan.progress(&p("traces", 3, 30, "normal-case"));
        assert_eq!((i, h.as_str()), (1, "phase 2 of 7: library traces"));
        assert_eq!(full, "phase 2 of 7: library traces: 3 of 30: normal-case");
        let (_, _, full) = plan.progress(&p("random", 1200, 10000, ""));
        assert_eq!(full, "phase 3 of 7: random schedules: 1,200 of 10,000");
        let (_, _, full) = plan.progress(&p("exhaustive-5-2", 5873778, 12000000, "depth 5"));
        assert_eq!(
            full,
            "phase 6 of 7: exhaustive search, 5 acceptors and 2 proposers: 5,873,778 unique states (12,000,000 explored), depth 5"
        );
        let (i, _, _) = plan.progress(&p("takeover", 1, 1, ""));
        assert_eq!(i, 6);
    }

    #[test]
    fn the_plan_follows_the_request() {
        let o = Options {
            proposers: 2,
            takeover: None,
            ..Options::default()
        };
        assert_eq!(Plan::new(&o, 1).len(), 4);
        let o = Options {
            depth: 0,
            takeover: None,
            traces: false,
            ..Options::default()
        };
        assert_eq!(
            Plan::new(&o, 2).build().1,
            "phase 1 of 2: building your crates…"
        );
        let o = Options {
            replay: Some("x.yaml".into()),
            ..Options::default()
        };
        let plan = Plan::new(&o, 1);
        assert_eq!(
            plan.first_run_phase().unwrap().1,
            "phase 2 of 2: replaying the saved schedule"
        );
    }

    #[test]
    fn an_unplanned_phase_is_counted_when_it_starts() {
        let o = Options {
            depth: 0,
            takeover: None,
            ..Options::default()
        };
        let mut plan = Plan::new(&o, 1);
        assert_eq!(plan.len(), 3);
        let (_, h, _) = plan.progress(&p("exhaustive-3-2", 1, 1, ""));
        assert_eq!(
            h,
            "phase 4 of 4: exhaustive search, 3 acceptors and 2 proposers"
        );
    }

    #[test]
    fn lines_are_cut_to_the_width() {
        assert_eq!(fit("phase 1 of 7: building", 40), "phase 1 of 7: building");
        let cut = fit(
            "phase 6 of 7: exhaustive search, 5 acceptors and 2 proposers",
            30,
        );
        assert_eq!(cut, "phase 6 of 7: exhaustive sear…");
        assert_eq!(dialoguer::console::measure_text_width(&cut), 30);
    }

    #[test]
    fn the_proof_is_the_exhaustive_phases_as_numbered_in_the_progress_line() {
        use super::super::render::ProofPhases;
        let proof = |o: &Options| Plan::new(o, 1).proof();
        assert_eq!(
            proof(&Options::default()),
            Some(ProofPhases {
                first: 4,
                last: 7,
                of: 7
            })
        );
        let o = Options {
            proposers: 2,
            takeover: None,
            traces: false,
            ..Options::default()
        };
        assert_eq!(
            proof(&o),
            Some(ProofPhases {
                first: 3,
                last: 3,
                of: 3
            })
        );
        let o = Options {
            depth: 0,
            takeover: None,
            ..Options::default()
        };
        assert_eq!(proof(&o), None);
    }

    #[test]
    fn the_fast_phases_verdict_is_for_people_only() {
        // JSON never; a terminal replaces it by the report; watch asks for it as a line.
        assert_eq!(Interim::choose(true, true, true), Interim::Off);
        assert_eq!(Interim::choose(false, true, false), Interim::Replace);
        assert_eq!(Interim::choose(false, true, true), Interim::Replace);
        assert_eq!(Interim::choose(false, false, true), Interim::Stream);
        assert_eq!(Interim::choose(false, false, false), Interim::Off);
    }

    #[test]
    fn quiet_and_json_silence_progress() {
        assert_eq!(Mode::choose(true, false, true), Mode::Off);
        assert_eq!(Mode::choose(false, true, true), Mode::Off);
        assert_eq!(Mode::choose(false, false, true), Mode::Bar);
        assert_eq!(Mode::choose(false, false, false), Mode::Lines);
    }
}
