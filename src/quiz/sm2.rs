//! Spaced repetition: SuperMemo 2 (Wozniak, 1990), as the review schedule of `quiz --review`.
//!
//! Why SM-2 and not FSRS: the quiz grades right or wrong (no "hard/good/easy" rating for FSRS to
//! fit), SM-2 is a dozen lines anyone can check, and the `fsrs` crate pulls an ML framework.
//!
//! The rules (the published SM-2, with two choices made explicit):
//! - a right answer is quality 5, a wrong one quality 2 (the learner saw the right option among
//!   the choices, so "wrong, but it seemed easy once shown");
//! - the ease factor starts at 2.5 and after every answer becomes
//!   `ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)`, never below 1.3 (+0.1 right, -0.32 wrong);
//! - right: the interval is 1 day after the first right answer in a row, 6 days after the second,
//!   then the previous interval times the ease, rounded;
//! - wrong: the run of right answers restarts, and (unlike SM-2's one day) the question is due
//!   *at once*, so the next `--review` brings it back: wrong answers come back soon.
//!
//! Pure: time is passed in as Unix seconds.

use serde::{Deserialize, Serialize};

/// Seconds in a day: intervals are whole days from the moment of the answer.
pub const DAY: i64 = 86_400;
/// The ease factor of a question never seen.
pub const START_EASE: f64 = 2.5;
/// The floor of the ease factor.
pub const MIN_EASE: f64 = 1.3;

/// The schedule of one question.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sm2 {
    /// Right answers in a row (SM-2's n).
    pub repetitions: u32,
    /// Days from the last answer to the next review (0: due at once).
    pub interval_days: u32,
    /// SM-2's E-factor.
    pub ease: f64,
    /// When the question is due again, Unix seconds.
    pub due: i64,
}

impl Default for Sm2 {
    fn default() -> Sm2 {
        Sm2 {
            repetitions: 0,
            interval_days: 0,
            ease: START_EASE,
            due: 0,
        }
    }
}

impl Sm2 {
    /// The schedule after an answer at `now`.
    pub fn answer(self, correct: bool, now: i64) -> Sm2 {
        let q: f64 = if correct { 5.0 } else { 2.0 };
        let ease = (self.ease + 0.1 - (5.0 - q) * (0.08 + (5.0 - q) * 0.02)).max(MIN_EASE);
        // Kept to hundredths (SM-2's steps are multiples of 0.02), so the value survives a round
        // trip through the history file exactly.
        let ease = (ease * 100.0).round() / 100.0;
        let (repetitions, interval_days) = if correct {
            let interval = match self.repetitions {
                0 => 1,
                1 => 6,
                // The previous interval times the *previous* ease, as in SM-2.
                _ => ((self.interval_days.max(1) as f64) * self.ease).round() as u32,
            };
            (self.repetitions + 1, interval)
        } else {
            (0, 0)
        };
        Sm2 {
            repetitions,
            interval_days,
            ease,
            due: now + interval_days as i64 * DAY,
        }
    }

    /// Due for review at `now`?
    pub fn is_due(&self, now: i64) -> bool {
        self.due <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    #[test]
    fn right_answers_space_out_1_6_then_times_ease() {
        let s1 = Sm2::default().answer(true, T0);
        assert_eq!((s1.repetitions, s1.interval_days), (1, 1));
        assert_eq!(s1.due, T0 + DAY);
        assert_eq!(s1.ease, 2.6);
        let s2 = s1.answer(true, s1.due);
        assert_eq!(s2.interval_days, 6);
        assert_eq!(s2.ease, 2.7);
        let s3 = s2.answer(true, s2.due);
        // 6 * 2.7 = 16.2 -> 16
        assert_eq!(s3.interval_days, 16);
        assert_eq!(s3.due, s2.due + 16 * DAY);
        let s4 = s3.answer(true, s3.due);
        // 16 * 2.8 = 44.8 -> 45
        assert_eq!(s4.interval_days, 45);
    }

    #[test]
    fn a_wrong_answer_is_due_at_once_and_lowers_ease() {
        let good = Sm2::default().answer(true, T0).answer(true, T0 + DAY);
        let bad = good.answer(false, T0 + 7 * DAY);
        assert_eq!(bad.repetitions, 0);
        assert_eq!(bad.interval_days, 0);
        assert_eq!(bad.due, T0 + 7 * DAY);
        assert!(bad.is_due(T0 + 7 * DAY));
        assert_eq!(bad.ease, 2.38);
        // Then it climbs again from 1 day.
        let again = bad.answer(true, T0 + 8 * DAY);
        assert_eq!(again.interval_days, 1);
        assert!(!again.is_due(T0 + 8 * DAY));
        assert!(again.is_due(T0 + 9 * DAY));
    }

    #[test]
    fn ease_never_drops_below_the_floor() {
        let mut s = Sm2::default();
        for i in 0..10 {
            s = s.answer(false, T0 + i);
        }
        assert_eq!(s.ease, MIN_EASE);
        let s = s.answer(true, T0).answer(true, T0).answer(true, T0);
        // 6 * 1.5 (ease after two rights from 1.3) = 9
        assert_eq!(s.interval_days, 9);
    }
}
