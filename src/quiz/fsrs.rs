//! Spaced repetition: FSRS (the Free Spaced Repetition Scheduler, Anki's scheduler today), through
//! the `rs-fsrs` crate of the Open Spaced Repetition project, with its default FSRS-5 weights.
//!
//! The choices made here:
//! - **Grades.** A wrong answer is *Again*. A right answer is *Good* unless the learner, on a
//!   terminal, presses one key for *Hard* or *Easy* (plain mode never asks: Good).
//! - **Days, not minutes.** The long-term scheduler (no same-day learning steps): a session asks a
//!   question once, so there is no later step in the same session to schedule. No fuzz, so the
//!   same answers at the same times always give the same schedule.
//! - **Again is due at once.** FSRS lowers the stability and would wait a day; here a wrong answer
//!   is due immediately, so the next `--review` or `--due` session brings it back first (what the
//!   quiz has always promised). The memory state (stability, difficulty) is FSRS's own.
//! - **From SM-2.** A history written by the SM-2 versions keeps every answer; each question's
//!   memory is started from its SM-2 schedule: stability = the SM-2 interval in days (at FSRS's
//!   90% target retention the next interval equals the stability), difficulty from the ease
//!   factor (2.5, SM-2's start, is the middle of FSRS's 1-10 scale; the floor 1.3 is 10), the due
//!   date unchanged.
//!
//! Pure: time is passed in as Unix seconds.

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, Parameters, Rating, State, FSRS};
use serde::{Deserialize, Serialize};

use super::sm2::Sm2;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// How well the learner recalled the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// Wrong.
    Again,
    /// Right, with effort.
    Hard,
    /// Right.
    Good,
    /// Right, without effort.
    Easy,
}

impl Grade {
    /// The grade of an answer that was not rated: Again when wrong, Good when right.
    pub fn of(correct: bool) -> Grade {
        if correct {
            Grade::Good
        } else {
            Grade::Again
        }
    }

    pub fn is_right(self) -> bool {
        self != Grade::Again
    }

    fn rating(self) -> Rating {
        match self {
            Grade::Again => Rating::Again,
            Grade::Hard => Rating::Hard,
            Grade::Good => Rating::Good,
            Grade::Easy => Rating::Easy,
        }
    }
}

/// FSRS's card states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    New,
    Learning,
    Review,
    Relearning,
}

/// The memory of one question: FSRS's card, with times as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// Days until recall probability falls to 90%.
    pub stability: f64,
    /// 1 (easy) to 10 (hard).
    pub difficulty: f64,
    pub phase: Phase,
    /// Reviews (answers) so far.
    pub reps: u32,
    /// Wrong answers after the first right one (FSRS's lapses).
    pub lapses: u32,
    /// The last answer, Unix seconds.
    pub last_review: i64,
    /// Days from the last answer to `due` as FSRS scheduled it.
    pub scheduled_days: i64,
    /// When the question is due again, Unix seconds.
    pub due: i64,
}

impl Default for Memory {
    fn default() -> Memory {
        Memory {
            stability: 0.0,
            difficulty: 0.0,
            phase: Phase::New,
            reps: 0,
            lapses: 0,
            last_review: 0,
            scheduled_days: 0,
            due: 0,
        }
    }
}

fn scheduler() -> FSRS {
    FSRS::new(Parameters {
        enable_short_term: false,
        enable_fuzz: false,
        ..Parameters::default()
    })
}

fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

impl Memory {
    fn card(&self) -> Card {
        Card {
            due: time(self.due),
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: 0,
            scheduled_days: self.scheduled_days,
            reps: self.reps as i32,
            lapses: self.lapses as i32,
            state: match self.phase {
                Phase::New => State::New,
                Phase::Learning => State::Learning,
                Phase::Review => State::Review,
                Phase::Relearning => State::Relearning,
            },
            last_review: time(self.last_review),
        }
    }

    /// The memory after an answer graded `grade` at `now`.
    pub fn review(&self, grade: Grade, now: i64) -> Memory {
        let next = scheduler()
            .next(self.card(), time(now), grade.rating())
            .card;
        let phase = match next.state {
            State::New => Phase::New,
            State::Learning => Phase::Learning,
            State::Review => Phase::Review,
            State::Relearning => Phase::Relearning,
        };
        let again = grade == Grade::Again;
        Memory {
            // Kept to 1e-6 so the file round-trips and reads well; far below any effect on days.
            stability: (next.stability * 1e6).round() / 1e6,
            difficulty: (next.difficulty * 1e6).round() / 1e6,
            phase: if again && self.phase != Phase::New {
                Phase::Relearning
            } else {
                phase
            },
            reps: next.reps.max(0) as u32,
            lapses: next.lapses.max(0) as u32,
            last_review: now,
            scheduled_days: if again { 0 } else { next.scheduled_days },
            due: if again { now } else { next.due.timestamp() },
        }
    }

    pub fn is_due(&self, now: i64) -> bool {
        self.due <= now
    }

    /// The probability of recalling the answer at `now` (FSRS's forgetting curve); None before
    /// the first answer.
    pub fn retrievability(&self, now: i64) -> Option<f64> {
        if self.phase == Phase::New || self.stability <= 0.0 {
            return None;
        }
        let days = ((now - self.last_review).max(0) / DAY) as f64;
        Some(Parameters::forgetting_curve(days, self.stability))
    }

    /// The memory of a question whose SM-2 schedule was `s`, answered `attempts` times, `correct`
    /// of them right, the last at `last_answered` (see the module documentation).
    pub fn from_sm2(
        s: &Sm2,
        attempts: u32,
        correct: u32,
        last_answered: i64,
        last_correct: bool,
    ) -> Memory {
        let difficulty = (5.0 + (2.5 - s.ease) * (5.0 / 1.2)).clamp(1.0, 10.0);
        // SM-2 says 0 days after a wrong answer; FSRS's stability after Again on a new card is
        // its first weight (0.4072 days with the default weights).
        let stability = (s.interval_days as f64).max(0.4072);
        Memory {
            stability,
            difficulty: (difficulty * 1e6).round() / 1e6,
            phase: if last_correct {
                Phase::Review
            } else {
                Phase::Relearning
            },
            reps: attempts,
            // FSRS counts a lapse as a wrong answer after a right one; SM-2 kept no order, so
            // every wrong answer but a first one counts.
            lapses: attempts
                .saturating_sub(correct)
                .min(attempts.saturating_sub(1)),
            last_review: last_answered,
            scheduled_days: s.interval_days as i64,
            due: s.due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    fn days(m: &Memory) -> i64 {
        (m.due - m.last_review) / DAY
    }

    #[test]
    fn first_answer_uses_the_initial_stabilities() {
        let new = Memory::default();
        // FSRS-5 default weights w0..w3: 0.4072, 1.1829, 3.1262, 15.4722 days.
        let hard = new.review(Grade::Hard, T0);
        let good = new.review(Grade::Good, T0);
        let easy = new.review(Grade::Easy, T0);
        assert_eq!(hard.stability, 1.1829);
        assert_eq!(good.stability, 3.1262);
        assert_eq!(easy.stability, 15.4722);
        // At 90% retention the interval is the stability, rounded, and each grade waits at least
        // a day longer than the one below it (Again's 1 day, so Hard's 1.18 becomes 2).
        assert_eq!((days(&hard), days(&good), days(&easy)), (2, 3, 15));
        assert_eq!(good.phase, Phase::Review);
        assert_eq!(good.reps, 1);
        // Initial difficulty: w4 - e^(w5 (G - 1)) + 1, G = 3 for Good.
        let d0 = 7.2102 - (0.5316f64 * 2.0).exp() + 1.0;
        assert!((good.difficulty - d0).abs() < 1e-6, "{}", good.difficulty);
        assert!(hard.difficulty > good.difficulty && good.difficulty > easy.difficulty);
    }

    #[test]
    fn again_is_due_at_once_and_lowers_stability() {
        let m = Memory::default()
            .review(Grade::Good, T0)
            .review(Grade::Good, T0 + 3 * DAY);
        assert!(m.stability > 3.1262, "a right review grows stability");
        assert!(days(&m) > 3, "and the interval: {}", days(&m));
        let lapse = m.review(Grade::Again, T0 + 20 * DAY);
        assert!(lapse.is_due(T0 + 20 * DAY));
        assert_eq!(lapse.due, T0 + 20 * DAY);
        assert!(lapse.stability < m.stability);
        assert!(lapse.difficulty > m.difficulty, "Again makes it harder");
        assert_eq!(lapse.phase, Phase::Relearning);
        assert_eq!(lapse.lapses, 1);
        // Then it climbs again from a short interval.
        let back = lapse.review(Grade::Good, T0 + 20 * DAY);
        assert!(!back.is_due(T0 + 20 * DAY));
        assert!(days(&back) < days(&m) + 30);
    }

    #[test]
    fn easy_spaces_out_faster_than_good_than_hard() {
        let mut by = Vec::new();
        for g in [Grade::Hard, Grade::Good, Grade::Easy] {
            let mut m = Memory::default();
            let mut t = T0;
            for _ in 0..4 {
                m = m.review(g, t);
                t = m.due;
            }
            by.push(days(&m));
        }
        assert!(by[0] < by[1] && by[1] < by[2], "{by:?}");
    }

    #[test]
    fn the_schedule_is_deterministic_and_round_trips() {
        let a = Memory::default()
            .review(Grade::Good, T0)
            .review(Grade::Hard, T0 + 5 * DAY);
        let b = Memory::default()
            .review(Grade::Good, T0)
            .review(Grade::Hard, T0 + 5 * DAY);
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Memory>(&json).unwrap(), a);
    }

    #[test]
    fn retrievability_follows_the_forgetting_curve() {
        let m = Memory::default().review(Grade::Good, T0);
        assert_eq!(Memory::default().retrievability(T0), None);
        assert_eq!(m.retrievability(T0), Some(1.0));
        // After `stability` days recall is 90% by definition of stability.
        let r = m.retrievability(T0 + 3 * DAY).unwrap();
        let at_s = Parameters::forgetting_curve(m.stability, m.stability);
        assert!((at_s - 0.9).abs() < 1e-9);
        assert!(r > 0.9 && r < 1.0, "{r}");
    }

    #[test]
    fn from_sm2_keeps_the_due_date_and_maps_ease() {
        let s = Sm2 {
            repetitions: 2,
            interval_days: 6,
            ease: 2.5,
            due: T0 + 6 * DAY,
        };
        let m = Memory::from_sm2(&s, 3, 2, T0, true);
        assert_eq!((m.stability, m.difficulty, m.due), (6.0, 5.0, T0 + 6 * DAY));
        assert_eq!((m.reps, m.lapses, m.phase), (3, 1, Phase::Review));
        let floor = Sm2 {
            ease: 1.3,
            interval_days: 0,
            ..s
        };
        let m = Memory::from_sm2(&floor, 1, 0, T0, false);
        assert_eq!((m.difficulty, m.stability), (10.0, 0.4072));
        assert_eq!((m.lapses, m.phase), (0, Phase::Relearning));
        // And it schedules on from there like any FSRS card.
        let next = m.review(Grade::Good, T0 + DAY);
        assert!(next.due > T0 + DAY);
    }
}
