//! Memory: what the learner has answered, kept between sessions in `history.json`.
//!
//! [`History`] is plain data with pure updates ([`History::record`]) and pure read-outs
//! ([`History::stats`]); [`Store`] is the file: where it lives, an atomic write (a temporary file
//! in the same folder, then a rename), and a corrupt file set aside and reported, never dropped.
//!
//! What is kept: per bank question (by id) the attempts, right answers, last answer and its SM-2
//! schedule; per topic and kind the answers and right answers (generated scenario questions count
//! here, but are not kept by id: their ids depend on the seed); the local calendar days with at
//! least one answer; the current and best run of right answers.
//!
//! Streaks: **days** is the number of consecutive local calendar days with at least one answer,
//! ending today, or yesterday when nothing has been answered yet today (the streak is still alive
//! until the day ends). **Run** is the number of right answers in a row, across sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::grade::kind_name;
use super::model::Kind;
use super::sm2::Sm2;
use crate::error::{Error, Result};

/// The version of the file format this build writes and reads.
pub const VERSION: u32 = 1;
/// The file name in the data directory.
pub const FILE_NAME: &str = "history.json";
/// Overrides the data directory (tests, or to keep several learners apart).
pub use crate::paths::HOME_ENV;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub version: u32,
    /// Bank questions by id.
    #[serde(default)]
    pub questions: BTreeMap<String, Record>,
    /// Answers by topic, then kind.
    #[serde(default)]
    pub tally: BTreeMap<String, BTreeMap<Kind, Tally>>,
    /// Local calendar days (`YYYY-MM-DD`) with at least one answer.
    #[serde(default)]
    pub days: BTreeSet<String>,
    /// Right answers in a row, now.
    #[serde(default)]
    pub run: u32,
    /// The longest run of right answers ever.
    #[serde(default)]
    pub best_run: u32,
}

impl Default for History {
    fn default() -> History {
        History {
            version: VERSION,
            questions: BTreeMap::new(),
            tally: BTreeMap::new(),
            days: BTreeSet::new(),
            run: 0,
            best_run: 0,
        }
    }
}

/// One bank question's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub attempts: u32,
    pub correct: u32,
    /// Unix seconds.
    pub last_answered: i64,
    pub last_correct: bool,
    pub schedule: Sm2,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub answered: u32,
    pub correct: u32,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.answered += other.answered;
        self.correct += other.correct;
    }

    /// Percent right, rounded; None when nothing was answered.
    pub fn percent(&self) -> Option<u32> {
        (self.answered > 0)
            .then(|| ((self.correct as f64 * 100.0) / self.answered as f64).round() as u32)
    }
}

/// One answer to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered<'a> {
    /// The question id; None for a generated question (not kept by id).
    pub id: Option<&'a str>,
    pub topic: &'a str,
    pub kind: Kind,
    pub correct: bool,
}

/// What `stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub answered: u32,
    pub correct: u32,
    pub by_topic: BTreeMap<String, Tally>,
    pub by_kind: BTreeMap<String, Tally>,
    /// Questions seen before whose review is due now.
    pub due_now: usize,
    /// Questions seen at least once.
    pub seen: usize,
    pub streak_days: u32,
    pub run: u32,
    pub best_run: u32,
    /// The last day with an answer, `YYYY-MM-DD`.
    pub last_day: Option<String>,
}

impl History {
    /// Record one answer given at `now` (Unix seconds) on local day `today` (days since
    /// 1970-01-01 in the learner's calendar).
    pub fn record(&mut self, a: &Answered<'_>, now: i64, today: i64) {
        if let Some(id) = a.id {
            let r = self
                .questions
                .entry(id.to_string())
                .or_insert_with(|| Record {
                    attempts: 0,
                    correct: 0,
                    last_answered: now,
                    last_correct: false,
                    schedule: Sm2::default(),
                });
            r.attempts += 1;
            r.correct += a.correct as u32;
            r.last_answered = now;
            r.last_correct = a.correct;
            r.schedule = r.schedule.answer(a.correct, now);
        }
        let t = self
            .tally
            .entry(a.topic.to_string())
            .or_default()
            .entry(a.kind)
            .or_default();
        t.answered += 1;
        t.correct += a.correct as u32;
        self.days.insert(format_day(today));
        if a.correct {
            self.run += 1;
            self.best_run = self.best_run.max(self.run);
        } else {
            self.run = 0;
        }
    }

    /// Is question `id` due for review at `now`? (Never-seen questions are not "due": they are new.)
    pub fn due(&self, id: &str, now: i64) -> Option<i64> {
        self.questions
            .get(id)
            .map(|r| r.schedule.due)
            .filter(|&d| d <= now)
    }

    pub fn stats(&self, now: i64, today: i64) -> Stats {
        let mut by_topic: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, Tally> = BTreeMap::new();
        let mut all = Tally::default();
        for (topic, kinds) in &self.tally {
            for (kind, t) in kinds {
                by_topic.entry(topic.clone()).or_default().add(*t);
                by_kind
                    .entry(kind_name(*kind).to_string())
                    .or_default()
                    .add(*t);
                all.add(*t);
            }
        }
        let days: BTreeSet<i64> = self.days.iter().filter_map(|d| parse_day(d)).collect();
        Stats {
            answered: all.answered,
            correct: all.correct,
            by_topic,
            by_kind,
            due_now: self
                .questions
                .values()
                .filter(|r| r.schedule.is_due(now))
                .count(),
            seen: self.questions.len(),
            streak_days: streak(&days, today),
            run: self.run,
            best_run: self.best_run,
            last_day: days.last().map(|&d| format_day(d)),
        }
    }

    /// How many answers are recorded.
    pub fn answers(&self) -> u32 {
        self.tally
            .values()
            .flat_map(|k| k.values())
            .map(|t| t.answered)
            .sum()
    }
}

/// Consecutive days in `days` ending at `today`, or at yesterday when today has none yet.
pub fn streak(days: &BTreeSet<i64>, today: i64) -> u32 {
    let mut d = if days.contains(&today) {
        today
    } else {
        today - 1
    };
    let mut n = 0;
    while days.contains(&d) {
        n += 1;
        d -= 1;
    }
    n
}

/// Days since 1970-01-01 -> `YYYY-MM-DD` (proleptic Gregorian; H. Hinnant's `civil_from_days`).
pub fn format_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` -> days since 1970-01-01 (`days_from_civil`), or None if malformed.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The history file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub path: PathBuf,
}

/// A loaded history, and what the learner must be told about the file (a corrupt file set aside).
#[derive(Debug)]
pub struct Loaded {
    pub history: History,
    pub notice: Option<String>,
}

impl Store {
    /// `$PAXOS_TUTOR_HOME/history.json`, else the user's data directory
    /// (e.g. `~/.local/share/paxos-tutor/history.json` on Linux).
    pub fn locate() -> Result<Store> {
        Ok(Store::in_dir(&crate::paths::data_dir()?))
    }

    pub fn in_dir(dir: &Path) -> Store {
        Store {
            path: dir.join(FILE_NAME),
        }
    }

    /// Read the history. No file: an empty history. A file that is not a history: renamed to
    /// `history.json.corrupt-<unix seconds>` beside it, and an empty history with a notice. A file
    /// from a newer version: an error, and the file is left alone.
    pub fn load(&self, now: i64) -> Result<Loaded> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Loaded {
                    history: History::default(),
                    notice: None,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => String::new(),
            Err(e) => return Err(Error::io(format!("reading {}", self.path.display()), e)),
        };
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        if let Ok(Version { version }) = serde_json::from_str::<Version>(&text) {
            if version > VERSION {
                return Err(Error::cannot_run(format!(
                    "{} was written by a newer paxos-tutor (format {version}, this one reads {VERSION}): \
                     update paxos-tutor, or move the file away to start afresh",
                    self.path.display()
                )));
            }
        }
        match serde_json::from_str::<History>(&text) {
            Ok(history) => Ok(Loaded {
                history,
                notice: None,
            }),
            Err(err) => {
                let aside = self.set_aside(now)?;
                let notice = format!(
                    "{} is not a readable history ({err}); moved it to {} and started a new one",
                    self.path.display(),
                    aside.display()
                );
                Ok(Loaded {
                    history: History::default(),
                    notice: Some(notice),
                })
            }
        }
    }

    /// Rename the file to a free `history.json.corrupt-<now>[-N]` beside it.
    fn set_aside(&self, now: i64) -> Result<PathBuf> {
        let base = format!("{}.corrupt-{now}", self.path.display());
        let mut aside = PathBuf::from(&base);
        let mut n = 1;
        while aside.exists() {
            aside = PathBuf::from(format!("{base}-{n}"));
            n += 1;
        }
        std::fs::rename(&self.path, &aside)
            .map_err(|e| Error::io(format!("moving {} aside", self.path.display()), e))?;
        Ok(aside)
    }

    /// Write atomically: a temporary file in the same folder, flushed to disk, then renamed over
    /// the old file. A crash or Ctrl-C leaves the old file or the new one, never half of one.
    pub fn save(&self, h: &History) -> Result<()> {
        let mut json = serde_json::to_string_pretty(h).expect("history serializes");
        json.push('\n');
        crate::paths::write_atomic(&self.path, json.as_bytes())
    }

    /// Forget everything: remove the file. True if there was one.
    pub fn reset(&self) -> Result<bool> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(format!("removing {}", self.path.display()), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::sm2::DAY;

    const T0: i64 = 1_700_000_000; // 2023-11-14
    const D0: i64 = T0 / DAY;

    fn ans(id: Option<&str>, correct: bool) -> Answered<'_> {
        Answered {
            id,
            topic: "paxos",
            kind: Kind::Single,
            correct,
        }
    }

    #[test]
    fn days_round_trip_and_known_dates() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(D0), "2023-11-14");
        assert_eq!(format_day(11_016), "2000-02-29");
        assert_eq!(format_day(-1), "1969-12-31");
        for d in [-1, 0, 59, 60, 11_016, D0, 2_932_896] {
            assert_eq!(parse_day(&format_day(d)), Some(d));
        }
        assert_eq!(parse_day("2023-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
    }

    #[test]
    fn record_counts_schedules_and_tallies() {
        let mut h = History::default();
        h.record(&ans(Some("paxos-a"), false), T0, D0);
        h.record(&ans(Some("paxos-a"), true), T0 + 60, D0);
        h.record(
            &Answered {
                id: None,
                topic: "scenario",
                kind: Kind::Scenario,
                correct: true,
            },
            T0 + 90,
            D0,
        );
        let r = &h.questions["paxos-a"];
        assert_eq!(
            (r.attempts, r.correct, r.last_correct, r.last_answered),
            (2, 1, true, T0 + 60)
        );
        assert_eq!(r.schedule.due, T0 + 60 + DAY);
        assert_eq!(
            h.questions.len(),
            1,
            "generated questions are not kept by id"
        );
        let s = h.stats(T0 + 100, D0);
        assert_eq!((s.answered, s.correct), (3, 2));
        assert_eq!(
            s.by_topic["paxos"],
            Tally {
                answered: 2,
                correct: 1
            }
        );
        assert_eq!(
            s.by_topic["scenario"],
            Tally {
                answered: 1,
                correct: 1
            }
        );
        assert_eq!(
            s.by_kind["single"],
            Tally {
                answered: 2,
                correct: 1
            }
        );
        assert_eq!(
            s.by_kind["scenario"],
            Tally {
                answered: 1,
                correct: 1
            }
        );
        assert_eq!(s.due_now, 0);
        assert_eq!(s.seen, 1);
        assert_eq!(h.stats(T0 + 60 + DAY, D0 + 1).due_now, 1);
        assert_eq!((s.run, s.best_run), (2, 2));
        assert_eq!(
            Tally {
                answered: 3,
                correct: 2
            }
            .percent(),
            Some(67)
        );
    }

    #[test]
    fn a_wrong_answer_is_due_at_once() {
        let mut h = History::default();
        h.record(&ans(Some("paxos-b"), false), T0, D0);
        assert_eq!(h.due("paxos-b", T0), Some(T0));
        assert_eq!(h.due("paxos-never-seen", T0), None);
    }

    #[test]
    fn run_resets_on_a_wrong_answer_and_best_is_kept() {
        let mut h = History::default();
        for c in [true, true, true, false, true] {
            h.record(&ans(None, c), T0, D0);
        }
        assert_eq!((h.run, h.best_run), (1, 3));
    }

    #[test]
    fn streak_counts_consecutive_days_ending_today_or_yesterday() {
        let days: BTreeSet<i64> = [D0 - 5, D0 - 3, D0 - 2, D0 - 1].into_iter().collect();
        assert_eq!(streak(&days, D0), 3, "alive until today ends");
        assert_eq!(streak(&days, D0 - 1), 3);
        assert_eq!(streak(&days, D0 + 1), 0, "a day missed breaks it");
        let mut with_today = days.clone();
        with_today.insert(D0);
        assert_eq!(streak(&with_today, D0), 4);
        assert_eq!(streak(&BTreeSet::new(), D0), 0);
        let mut h = History::default();
        h.record(&ans(None, true), T0, D0 - 1);
        h.record(&ans(None, true), T0, D0);
        let s = h.stats(T0, D0);
        assert_eq!(s.streak_days, 2);
        assert_eq!(s.last_day.as_deref(), Some("2023-11-14"));
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(&dir.path().join("nested"));
        let mut h = History::default();
        h.record(&ans(Some("paxos-a"), true), T0, D0);
        store.save(&h).unwrap();
        h.record(&ans(Some("paxos-a"), false), T0 + 5, D0);
        store.save(&h).unwrap();
        let loaded = store.load(T0).unwrap();
        assert_eq!(loaded.history, h);
        assert!(loaded.notice.is_none());
        let names: Vec<String> = std::fs::read_dir(dir.path().join("nested"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec![FILE_NAME.to_string()],
            "only the history, no temp file left"
        );
        // Kinds are written by name.
        let text = std::fs::read_to_string(&store.path).unwrap();
        assert!(text.contains("\"single\""), "{text}");
    }

    #[test]
    fn a_corrupt_file_is_set_aside_and_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        std::fs::write(&store.path, "{ not json").unwrap();
        let loaded = store.load(T0).unwrap();
        assert_eq!(loaded.history, History::default());
        let notice = loaded.notice.unwrap();
        let aside = dir.path().join(format!("history.json.corrupt-{T0}"));
        assert!(notice.contains("is not a readable history"), "{notice}");
        assert!(notice.contains(&aside.display().to_string()), "{notice}");
        assert_eq!(std::fs::read_to_string(&aside).unwrap(), "{ not json");
        assert!(!store.path.exists());
        // A second corrupt file in the same second gets its own name.
        std::fs::write(&store.path, "[]").unwrap();
        let again = store.load(T0).unwrap();
        assert!(again.notice.unwrap().contains(&format!("corrupt-{T0}-1")));
        assert_eq!(
            std::fs::read_to_string(&aside).unwrap(),
            "{ not json",
            "first one kept"
        );
    }

    #[test]
    fn a_newer_format_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        std::fs::write(&store.path, r#"{"version": 99, "future": true}"#).unwrap();
        let err = store.load(T0).unwrap_err();
        assert!(err.to_string().contains("newer paxos-tutor"), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert!(store.path.exists());
    }

    #[test]
    fn reset_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        assert!(!store.reset().unwrap());
        store.save(&History::default()).unwrap();
        assert!(store.reset().unwrap());
        assert!(!store.path.exists());
    }
}
