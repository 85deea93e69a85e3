//! Memory: what the learner has answered, kept between sessions in `history.json`.
//!
//! [`History`] is plain data with pure updates ([`History::record`]) and pure read-outs
//! ([`History::stats`]); [`Store`] is the file: where it lives, an atomic write (a temporary file
//! in the same folder, then a rename), a lock so that two sessions at once both keep every
//! answer, a corrupt file set aside and reported, never dropped, and the SM-2 history of format 1
//! migrated to FSRS with every answer kept.
//!
//! What is kept: per question (by id; a generated scenario question by its id, from which it is
//! generated again exactly) the attempts, right answers, last answer and its FSRS memory; per
//! topic and kind the answers and right answers; the local calendar days with at least one
//! answer; the current and best run of right answers.
//!
//! Streaks: **days** is the number of consecutive local calendar days with at least one answer,
//! ending today, or yesterday when nothing has been answered yet today (the streak is still alive
//! until the day ends). **Run** is the number of right answers in a row, across sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fsrs::{Grade, Memory, DAY};
use super::grade::kind_name;
use super::model::Kind;
use super::sm2::Sm2;
use crate::error::{Error, Result};

/// The version of the file format this build writes and reads (1: SM-2, read and migrated).
pub const VERSION: u32 = 2;
/// The file name in the data directory.
pub const FILE_NAME: &str = "history.json";
/// Where a migrated format-1 file is kept, beside the history.
pub const V1_BACKUP: &str = "history.v1.json";
/// The lock file beside the history (the history itself is replaced by rename, so it cannot
/// carry the lock).
pub const LOCK_NAME: &str = "history.json.lock";
/// Overrides the data directory (tests, or to keep several learners apart).
pub use crate::paths::HOME_ENV;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub version: u32,
    /// Questions by id.
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

/// One question's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The question's topic (empty when unknown: a question migrated from format 1 whose id
    /// names no topic answered).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub topic: String,
    pub attempts: u32,
    pub correct: u32,
    /// Unix seconds.
    pub last_answered: i64,
    pub last_correct: bool,
    /// The grade of the last answer.
    pub last_grade: Grade,
    pub memory: Memory,
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
    /// The question id (a generated question's id regenerates it).
    pub id: &'a str,
    pub topic: &'a str,
    pub kind: Kind,
    /// Again when wrong; Hard, Good or Easy when right.
    pub grade: Grade,
}

/// How many questions fall due when (each count includes the ones before it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Forecast {
    /// Due now (overdue included).
    pub now: usize,
    /// Due by the end of today (local time), `now` included.
    pub today: usize,
    /// Due tomorrow (local day), and not before.
    pub tomorrow: usize,
    /// Due by the end of the 7th local day from today (today included).
    pub week: usize,
}

/// A topic and how well it is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weak {
    pub topic: String,
    pub answered: u32,
    pub correct: u32,
    /// Percent right, rounded.
    pub percent: u32,
    /// FSRS's mean probability of recall now over the topic's questions, percent; None when no
    /// question of the topic is kept.
    pub recall: Option<u32>,
}

/// The fewest answers a topic needs to count among the weakest.
pub const WEAK_MIN_ANSWERS: u32 = 3;

/// What `stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub answered: u32,
    pub correct: u32,
    pub by_topic: BTreeMap<String, Tally>,
    pub by_kind: BTreeMap<String, Tally>,
    /// Questions seen before whose review is due now.
    pub due_now: usize,
    /// When the questions seen fall due.
    pub forecast: Forecast,
    /// Up to three topics with at least [`WEAK_MIN_ANSWERS`] answers and the lowest share right
    /// (below 100%), weakest first.
    pub weakest: Vec<Weak>,
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
        let correct = a.grade.is_right();
        let r = self
            .questions
            .entry(a.id.to_string())
            .or_insert_with(|| Record {
                topic: a.topic.to_string(),
                attempts: 0,
                correct: 0,
                last_answered: now,
                last_correct: false,
                last_grade: a.grade,
                memory: Memory::default(),
            });
        if r.topic.is_empty() {
            r.topic = a.topic.to_string();
        }
        r.attempts += 1;
        r.correct += correct as u32;
        r.last_answered = now;
        r.last_correct = correct;
        r.last_grade = a.grade;
        r.memory = r.memory.review(a.grade, now);
        let t = self
            .tally
            .entry(a.topic.to_string())
            .or_default()
            .entry(a.kind)
            .or_default();
        t.answered += 1;
        t.correct += correct as u32;
        self.days.insert(format_day(today));
        if correct {
            self.run += 1;
            self.best_run = self.best_run.max(self.run);
        } else {
            self.run = 0;
        }
    }

    /// When question `id` is due, if it is due at `now`. (Never-seen questions are not "due":
    /// they are new.)
    pub fn due(&self, id: &str, now: i64) -> Option<i64> {
        self.questions
            .get(id)
            .map(|r| r.memory.due)
            .filter(|&d| d <= now)
    }

    /// The ids due at `now`, most overdue first (then by id).
    pub fn due_ids(&self, now: i64) -> Vec<&str> {
        let mut due: Vec<(i64, &str)> = self
            .questions
            .iter()
            .filter(|(_, r)| r.memory.is_due(now))
            .map(|(id, r)| (r.memory.due, id.as_str()))
            .collect();
        due.sort();
        due.into_iter().map(|(_, id)| id).collect()
    }

    /// The read-out at `now`; `today` is the local day number and `day_end` the Unix time at
    /// which the local day ends.
    pub fn stats(&self, now: i64, today: i64, day_end: i64) -> Stats {
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
        let dues: Vec<i64> = self.questions.values().map(|r| r.memory.due).collect();
        let count = |end: i64| dues.iter().filter(|&&d| d <= end).count();
        let forecast = Forecast {
            now: count(now),
            today: count(day_end.max(now)),
            tomorrow: dues
                .iter()
                .filter(|&&d| d > day_end.max(now) && d <= day_end + DAY)
                .count(),
            week: count(day_end + 6 * DAY),
        };
        let mut recall: BTreeMap<&str, (f64, u32)> = BTreeMap::new();
        for r in self.questions.values() {
            if let Some(p) = r.memory.retrievability(now) {
                let e = recall.entry(r.topic.as_str()).or_default();
                e.0 += p;
                e.1 += 1;
            }
        }
        let mut weakest: Vec<Weak> = by_topic
            .iter()
            .filter(|(_, t)| t.answered >= WEAK_MIN_ANSWERS && t.correct < t.answered)
            .map(|(topic, t)| Weak {
                topic: topic.clone(),
                answered: t.answered,
                correct: t.correct,
                percent: t.percent().unwrap_or(0),
                recall: recall
                    .get(topic.as_str())
                    .map(|(sum, n)| (sum * 100.0 / *n as f64).round() as u32),
            })
            .collect();
        // Lowest share right first; on a tie, the one with more answers (surer), then by name.
        weakest.sort_by(|a, b| {
            (a.correct as u64 * b.answered as u64)
                .cmp(&(b.correct as u64 * a.answered as u64))
                .then(b.answered.cmp(&a.answered))
                .then(a.topic.cmp(&b.topic))
        });
        weakest.truncate(3);
        Stats {
            answered: all.answered,
            correct: all.correct,
            by_topic,
            by_kind,
            due_now: forecast.now,
            forecast,
            weakest,
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

    /// A format-1 (SM-2) history as this format: every count kept, each question's memory
    /// started from its SM-2 schedule (see [`Memory::from_sm2`]).
    fn from_v1(v1: V1History) -> History {
        let topics: Vec<&String> = v1.tally.keys().collect();
        let questions = v1
            .questions
            .iter()
            .map(|(id, r)| {
                // Ids are `<topic>-<slug>`: the longest topic answered that prefixes the id.
                let topic = topics
                    .iter()
                    .filter(|t| id.starts_with(&format!("{t}-")))
                    .max_by_key(|t| t.len())
                    .map_or(String::new(), |t| t.to_string());
                let rec = Record {
                    topic,
                    attempts: r.attempts,
                    correct: r.correct,
                    last_answered: r.last_answered,
                    last_correct: r.last_correct,
                    last_grade: Grade::of(r.last_correct),
                    memory: Memory::from_sm2(
                        &r.schedule,
                        r.attempts,
                        r.correct,
                        r.last_answered,
                        r.last_correct,
                    ),
                };
                (id.clone(), rec)
            })
            .collect();
        History {
            version: VERSION,
            questions,
            tally: v1.tally,
            days: v1.days,
            run: v1.run,
            best_run: v1.best_run,
        }
    }
}

/// The history as the SM-2 versions wrote it (format 1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct V1History {
    #[allow(dead_code)]
    version: u32,
    #[serde(default)]
    questions: BTreeMap<String, V1Record>,
    #[serde(default)]
    tally: BTreeMap<String, BTreeMap<Kind, Tally>>,
    #[serde(default)]
    days: BTreeSet<String>,
    #[serde(default)]
    run: u32,
    #[serde(default)]
    best_run: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct V1Record {
    attempts: u32,
    correct: u32,
    last_answered: i64,
    last_correct: bool,
    schedule: Sm2,
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

/// The history's lock: released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: crate::paths::FileLock,
}

/// A loaded history, and what the learner must be told about the file (a corrupt file set
/// aside, a format-1 file migrated).
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
    /// from a newer version: an error, and the file is left alone. A format-1 (SM-2) file: copied
    /// to `history.v1.json` beside it, migrated, written in this format, with a notice.
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
        let version = serde_json::from_str::<Version>(&text)
            .ok()
            .map(|v| v.version);
        if let Some(version) = version.filter(|&v| v > VERSION) {
            return Err(Error::cannot_run(format!(
                "{} was written by a newer paxos-tutor (format {version}, this one reads {VERSION}): \
                 update paxos-tutor, or move the file away to start afresh",
                self.path.display()
            )));
        }
        let parsed = if version == Some(1) {
            serde_json::from_str::<V1History>(&text).map(|v1| (History::from_v1(v1), true))
        } else {
            serde_json::from_str::<History>(&text).map(|h| (h, false))
        };
        match parsed {
            Ok((history, false)) => Ok(Loaded {
                history,
                notice: None,
            }),
            Ok((history, true)) => {
                let backup = self.path.with_file_name(V1_BACKUP);
                if !backup.exists() {
                    crate::paths::write_atomic(&backup, text.as_bytes())?;
                }
                self.save(&history)?;
                let notice = format!(
                    "{} was an SM-2 history (format 1): its {} answers to {} questions now schedule \
                     with FSRS; the old file is kept as {}",
                    self.path.display(),
                    history.answers(),
                    history.questions.len(),
                    backup.display()
                );
                Ok(Loaded {
                    history,
                    notice: Some(notice),
                })
            }
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

    /// Take the history's lock (blocking until another session releases it), creating the
    /// folder if needed. Held while the value lives. Fails with a clear message when the folder
    /// cannot be created or written, which is how a session checks it before the first question.
    pub fn lock(&self) -> Result<Lock> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let unwritable = |e: std::io::Error| {
            Error::io(
                format!(
                    "the history folder {} cannot be written (set {HOME_ENV} to another folder)",
                    dir.display()
                ),
                e,
            )
        };
        std::fs::create_dir_all(dir).map_err(unwritable)?;
        let path = dir.join(LOCK_NAME);
        let file = crate::paths::FileLock::acquire(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::NotFound => unwritable(e),
            _ => Error::io(format!("locking {}", path.display()), e),
        })?;
        Ok(Lock { _file: file })
    }

    /// Can the history be written? Checked before the first question, so that no answer is
    /// given only to be lost: the folder is created if needed, the lock taken and released, and
    /// a temporary file made and removed beside the history, as a save does.
    pub fn check_writable(&self) -> Result<()> {
        let _lock = self.lock()?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        tempfile::NamedTempFile::new_in(dir).map(drop).map_err(|e| {
            Error::io(
                format!(
                    "the history folder {} cannot be written (set {HOME_ENV} to another folder)",
                    dir.display()
                ),
                e,
            )
        })
    }

    /// Under the lock: read what is on disk now (another session may have written since), apply
    /// `change`, write it back. So two sessions at once keep both their answers.
    pub fn update(&self, now: i64, change: impl FnOnce(&mut History)) -> Result<Loaded> {
        let _lock = self.lock()?;
        let mut loaded = self.load(now)?;
        change(&mut loaded.history);
        self.save(&loaded.history)?;
        Ok(loaded)
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

    const T0: i64 = 1_700_000_000; // 2023-11-14
    const D0: i64 = T0 / DAY;

    fn ans(id: &str, correct: bool) -> Answered<'_> {
        Answered {
            id,
            topic: "paxos",
            kind: Kind::Single,
            grade: Grade::of(correct),
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
        h.record(&ans("paxos-a", false), T0, D0);
        h.record(&ans("paxos-a", true), T0 + 60, D0);
        h.record(
            &Answered {
                id: "scenario-7-3",
                topic: "scenario",
                kind: Kind::Scenario,
                grade: Grade::Good,
            },
            T0 + 90,
            D0,
        );
        let r = &h.questions["paxos-a"];
        assert_eq!(
            (r.attempts, r.correct, r.last_correct, r.last_answered),
            (2, 1, true, T0 + 60)
        );
        assert_eq!(
            r.memory,
            Memory::default()
                .review(Grade::Again, T0)
                .review(Grade::Good, T0 + 60)
        );
        assert_eq!(r.last_grade, Grade::Good);
        assert_eq!(r.topic, "paxos");
        assert_eq!(
            h.questions.len(),
            2,
            "generated questions are kept by id too"
        );
        let s = h.stats(T0 + 100, D0, T0 + 100);
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
        assert_eq!(s.seen, 2);
        let due = h.questions["paxos-a"].memory.due;
        assert_eq!(h.stats(due, D0 + 1, due).due_now, 1);
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
        h.record(&ans("paxos-b", false), T0, D0);
        assert_eq!(h.due("paxos-b", T0), Some(T0));
        assert_eq!(h.due("paxos-never-seen", T0), None);
    }

    #[test]
    fn run_resets_on_a_wrong_answer_and_best_is_kept() {
        let mut h = History::default();
        for c in [true, true, true, false, true] {
            h.record(&ans("paxos-c", c), T0, D0);
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
        h.record(&ans("paxos-d", true), T0, D0 - 1);
        h.record(&ans("paxos-d", true), T0, D0);
        let s = h.stats(T0, D0, T0);
        assert_eq!(s.streak_days, 2);
        assert_eq!(s.last_day.as_deref(), Some("2023-11-14"));
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(&dir.path().join("nested"));
        let mut h = History::default();
        h.record(&ans("paxos-a", true), T0, D0);
        store.save(&h).unwrap();
        h.record(&ans("paxos-a", false), T0 + 5, D0);
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

    #[test]
    fn forecast_counts_today_tomorrow_and_the_week() {
        let mut h = History::default();
        // Wrong: due now. Good on a new card: 3 days. Easy: 15 days. Hard: 2 days.
        h.record(&ans("paxos-w", false), T0, D0);
        h.record(
            &Answered {
                grade: Grade::Good,
                ..ans("paxos-g", true)
            },
            T0,
            D0,
        );
        h.record(
            &Answered {
                grade: Grade::Easy,
                ..ans("paxos-e", true)
            },
            T0,
            D0,
        );
        h.record(
            &Answered {
                grade: Grade::Hard,
                ..ans("paxos-h", true)
            },
            T0,
            D0,
        );
        // The local day ends 10 hours from now.
        let end = T0 + 10 * 3600;
        let s = h.stats(T0, D0, end);
        assert_eq!(
            s.forecast,
            Forecast {
                now: 1,
                today: 1,
                tomorrow: 0,
                week: 3
            }
        );
        // Two days later the hard one (2 days) is due now; the good one (3 days) is tomorrow's.
        let s = h.stats(T0 + 2 * DAY + 60, D0 + 2, end + 2 * DAY);
        assert_eq!(
            s.forecast,
            Forecast {
                now: 2,
                today: 2,
                tomorrow: 1,
                week: 3
            }
        );
    }

    #[test]
    fn weakest_topics_lowest_share_right_first() {
        let mut h = History::default();
        let mut answer = |topic: &'static str, id: &'static str, correct: bool| {
            h.record(
                &Answered {
                    id,
                    topic,
                    kind: Kind::Single,
                    grade: Grade::of(correct),
                },
                T0,
                D0,
            )
        };
        for c in [true, false, false] {
            answer("flp", "flp-a", c);
        }
        for c in [true, true, false, true] {
            answer("raft", "raft-a", c);
        }
        for c in [true, true, true] {
            answer("paxos", "paxos-a", c);
        }
        answer("epaxos", "epaxos-a", false);
        let s = h.stats(T0, D0, T0);
        let names: Vec<&str> = s.weakest.iter().map(|w| w.topic.as_str()).collect();
        // paxos is all right; epaxos has too few answers to judge.
        assert_eq!(names, vec!["flp", "raft"]);
        assert_eq!((s.weakest[0].percent, s.weakest[0].recall), (33, Some(100)));
    }

    #[test]
    fn a_format_1_history_migrates_with_every_answer_kept() {
        // Written by the SM-2 version (seed 11 on the demo bank, then seed 5 twice).
        let text = include_str!("../../tests/fixtures/quiz_history/sm2-v1.json");
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        std::fs::write(&store.path, text).unwrap();
        let loaded = store.load(T0).unwrap();
        let h = loaded.history;
        let old: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(h.answers(), 26);
        assert_eq!(h.questions.len(), 14);
        for (id, r) in old["questions"].as_object().unwrap() {
            let new = &h.questions[id];
            assert_eq!(new.attempts, r["attempts"].as_u64().unwrap() as u32, "{id}");
            assert_eq!(new.correct, r["correct"].as_u64().unwrap() as u32, "{id}");
            assert_eq!(new.last_correct, r["last_correct"].as_bool().unwrap());
            assert_eq!(
                new.memory.due,
                r["schedule"]["due"].as_i64().unwrap(),
                "due kept"
            );
            assert!(!new.topic.is_empty(), "{id}: topic from the id");
        }
        assert_eq!(
            h.questions["raft-vs-paxos-vote-later-term-wins"].topic,
            "raft-vs-paxos"
        );
        assert_eq!(
            serde_json::to_value(&h.tally).unwrap(),
            old["tally"],
            "tallies kept as they were"
        );
        assert_eq!(h.best_run, 2);
        let notice = loaded.notice.unwrap();
        assert!(
            notice.contains("its 26 answers to 14 questions now schedule with FSRS"),
            "{notice}"
        );
        // The old file is kept, the new one is format 2 and loads without a notice.
        assert_eq!(
            std::fs::read_to_string(dir.path().join(V1_BACKUP)).unwrap(),
            text
        );
        let again = store.load(T0).unwrap();
        assert!(again.notice.is_none());
        assert_eq!(again.history, h);
        assert_eq!(again.history.version, 2);
    }

    #[test]
    fn update_under_the_lock_keeps_what_another_writer_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        let other = Store::in_dir(dir.path());
        store
            .update(T0, |h| h.record(&ans("paxos-a", true), T0, D0))
            .unwrap();
        other
            .update(T0, |h| h.record(&ans("paxos-b", false), T0, D0))
            .unwrap();
        let h = store.load(T0).unwrap().history;
        assert_eq!(h.answers(), 2);
        assert_eq!(h.questions.len(), 2);
    }

    #[test]
    fn an_unwritable_folder_is_reported_by_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = Store::in_dir(&file.join("sub")).lock().unwrap_err();
        assert!(err.to_string().contains("cannot be written"), "{err}");
    }
}
