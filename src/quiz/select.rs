//! Which questions a session asks, in which order, with their choices shuffled. Pure and seeded:
//! the same seed, banks and history give the same session.
//!
//! - Without `--review`: a uniform random sample of the matching bank questions.
//! - With `--review`: questions due by the FSRS schedule first (most overdue first), then
//!   questions never seen (in random order), then the ones seen that are due soonest.
//! - With `--due`: only the questions due, most overdue first.
//! - Generated questions seen before are in the pool of `--review` and `--due` (regenerated from
//!   their ids by the caller), so a wrong one comes back exactly as it was.
//! - Generated scenario questions are mixed in at random places (never before the due ones):
//!   with no `--kind`, about one in five questions (of the topics asked for); with `scenario`
//!   among the topics (or kinds), its share of them; with only `scenario`, all of them.

use super::grade::Presented;
use super::memory::History;
use super::model::{Kind, Question};
use crate::rng::Rng;

/// The topic name of generated questions on the command line.
pub const SCENARIO: &str = "scenario";

/// What the learner asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Empty: every topic.
    pub topics: Vec<String>,
    /// Empty: every kind.
    pub kinds: Vec<Kind>,
    /// An inclusive range of difficulties.
    pub difficulty: Option<(u8, u8)>,
    /// Empty: any tags; else a question needs at least one of them.
    pub tags: Vec<String>,
}

/// `2` -> (2, 2), `1-2` -> (1, 2); each 1 to 3, low to high.
pub fn parse_difficulty(s: &str) -> Result<(u8, u8), String> {
    let one = |t: &str| -> Result<u8, String> {
        match t.trim().parse::<u8>() {
            Ok(d) if (1..=3).contains(&d) => Ok(d),
            _ => Err(format!("`{}` is not a difficulty: 1, 2 or 3", t.trim())),
        }
    };
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (one(a)?, one(b)?),
        None => {
            let d = one(s)?;
            (d, d)
        }
    };
    if lo > hi {
        return Err(format!("{lo}-{hi} is backwards: write {hi}-{lo}"));
    }
    Ok((lo, hi))
}

/// How the questions are chosen.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    /// A uniform random sample.
    Sample,
    /// Due first, then new, then the rest, soonest due first.
    Review(&'a History, i64),
    /// Only the questions due.
    Due(&'a History, i64),
}

impl Filter {
    /// Does a bank question match?
    pub fn matches(&self, q: &Question) -> bool {
        (self.topics.is_empty() || self.topics.contains(&q.topic))
            && (self.kinds.is_empty() || self.kinds.contains(&q.kind))
            && self
                .difficulty
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&q.difficulty))
            && (self.tags.is_empty() || q.tags.iter().any(|t| self.tags.contains(t)))
    }

    /// How many of `count` questions should be generated scenarios.
    pub fn scenario_count(&self, count: usize) -> usize {
        let in_topics = self.topics.iter().any(|t| t == SCENARIO);
        let in_kinds = self.kinds.contains(&Kind::Scenario);
        match (self.topics.is_empty(), self.kinds.is_empty()) {
            (true, true) => count / 5,
            _ if in_topics || in_kinds => {
                // Scenario's share among the topics (or kinds) asked for.
                let shares = if in_topics {
                    self.topics.len()
                } else {
                    self.kinds.len()
                };
                count.div_ceil(shares.max(1))
            }
            // Topics only: generated questions of those topics mixed in, as without a filter.
            (false, true) => count / 5,
            _ => 0,
        }
    }
}

/// The session plan: the questions in order, and how many at the front are due reviews.
#[derive(Debug, Clone)]
pub struct Plan {
    pub questions: Vec<Presented>,
    pub due: usize,
}

/// Choose and order up to `count` questions: bank questions from `pool` that match `filter`, and
/// the `scenarios` already generated. Choices and steps are shuffled with `rng`.
pub fn plan(
    pool: &[&Question],
    scenarios: Vec<Question>,
    filter: &Filter,
    count: usize,
    mode: Mode<'_>,
    rng: &mut Rng,
) -> Plan {
    let mut scenarios = scenarios;
    scenarios.truncate(count);
    let wanted = count - scenarios.len();
    let mut candidates: Vec<&Question> =
        pool.iter().copied().filter(|q| filter.matches(q)).collect();
    let (mut chosen, due) = match mode {
        Mode::Sample => {
            rng.shuffle(&mut candidates);
            candidates.truncate(wanted);
            (candidates, 0)
        }
        Mode::Due(history, now) => {
            let mut due: Vec<(i64, &Question)> = candidates
                .into_iter()
                .filter_map(|q| history.due(&q.id, now).map(|d| (d, q)))
                .collect();
            due.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
            let all: Vec<&Question> = due.into_iter().map(|x| x.1).take(wanted).collect();
            let n = all.len();
            (all, n)
        }
        Mode::Review(history, now) => {
            let mut due: Vec<(i64, &Question)> = Vec::new();
            let mut new: Vec<&Question> = Vec::new();
            let mut later: Vec<(i64, &Question)> = Vec::new();
            for q in candidates {
                match history.questions.get(&q.id) {
                    Some(r) if r.memory.is_due(now) => due.push((r.memory.due, q)),
                    Some(r) => later.push((r.memory.due, q)),
                    None => new.push(q),
                }
            }
            due.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
            later.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
            rng.shuffle(&mut new);
            let n_due = due.len().min(wanted);
            let all: Vec<&Question> = due
                .into_iter()
                .map(|x| x.1)
                .chain(new)
                .chain(later.into_iter().map(|x| x.1))
                .take(wanted)
                .collect();
            (all, n_due)
        }
    };
    let mut questions: Vec<Question> = chosen.drain(..).cloned().collect();
    for s in scenarios {
        let at = due + rng.below(questions.len() - due + 1);
        questions.insert(at, s);
    }
    let questions = questions
        .into_iter()
        .filter_map(|q| Presented::new(q, rng).ok())
        .collect();
    Plan { questions, due }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::fsrs::Grade;
    use crate::quiz::memory::Answered;
    use crate::quiz::model::Answer;

    fn q(id: &str, topic: &str, kind: Kind, difficulty: u8) -> Question {
        Question {
            difficulty,
            answer: Some(Answer::Bool(true)),
            ..Question::stub(id, topic, kind)
        }
    }

    fn pool() -> Vec<Question> {
        (0..20)
            .map(|i| {
                q(
                    &format!("t{}-q{i}", i % 2),
                    &format!("t{}", i % 2),
                    Kind::Truefalse,
                    1 + (i % 3) as u8,
                )
            })
            .collect()
    }

    fn ids(p: &Plan) -> Vec<String> {
        p.questions.iter().map(|x| x.question.id.clone()).collect()
    }

    #[test]
    fn filter_by_topic_kind_difficulty() {
        let f = Filter {
            topics: vec!["t1".into()],
            kinds: vec![],
            difficulty: Some((2, 2)),
            tags: vec![],
        };
        let pool = pool();
        let matching: Vec<&str> = pool
            .iter()
            .filter(|x| f.matches(x))
            .map(|x| x.id.as_str())
            .collect();
        assert_eq!(matching, vec!["t1-q1", "t1-q7", "t1-q13", "t1-q19"]);
        let by_kind = Filter {
            kinds: vec![Kind::Single],
            ..Filter::default()
        };
        assert_eq!(pool.iter().filter(|x| by_kind.matches(x)).count(), 0);
        let range = Filter {
            difficulty: Some((1, 2)),
            ..Filter::default()
        };
        assert_eq!(pool.iter().filter(|x| range.matches(x)).count(), 14);
        let mut tagged = pool.clone();
        tagged[3].tags = vec!["liveness".into()];
        let by_tag = Filter {
            tags: vec!["liveness".into(), "other".into()],
            ..Filter::default()
        };
        let hits: Vec<&str> = tagged
            .iter()
            .filter(|x| by_tag.matches(x))
            .map(|x| x.id.as_str())
            .collect();
        assert_eq!(hits, vec!["t1-q3"]);
    }

    #[test]
    fn difficulty_ranges_parse() {
        assert_eq!(parse_difficulty("2"), Ok((2, 2)));
        assert_eq!(parse_difficulty("1-2"), Ok((1, 2)));
        assert_eq!(parse_difficulty(" 1 - 3 "), Ok((1, 3)));
        assert!(parse_difficulty("3-1").unwrap_err().contains("backwards"));
        assert!(parse_difficulty("4").is_err());
        assert!(parse_difficulty("1-").is_err());
        assert!(parse_difficulty("easy").is_err());
    }

    #[test]
    fn scenario_share() {
        let none = Filter::default();
        assert_eq!(none.scenario_count(10), 2);
        let only = Filter {
            topics: vec![SCENARIO.into()],
            ..Filter::default()
        };
        assert_eq!(only.scenario_count(7), 7);
        let half = Filter {
            topics: vec!["paxos".into(), SCENARIO.into()],
            ..Filter::default()
        };
        assert_eq!(half.scenario_count(7), 4);
        let paxos = Filter {
            topics: vec!["paxos".into()],
            ..Filter::default()
        };
        assert_eq!(paxos.scenario_count(10), 2);
        let kinds = Filter {
            kinds: vec![Kind::Scenario],
            ..Filter::default()
        };
        assert_eq!(kinds.scenario_count(5), 5);
        let single = Filter {
            kinds: vec![Kind::Single],
            ..Filter::default()
        };
        assert_eq!(single.scenario_count(5), 0);
    }

    #[test]
    fn sampling_is_seeded_and_bounded() {
        let pool = pool();
        let refs: Vec<&Question> = pool.iter().collect();
        let f = Filter::default();
        let a = plan(&refs, vec![], &f, 5, Mode::Sample, &mut Rng::new(1));
        let b = plan(&refs, vec![], &f, 5, Mode::Sample, &mut Rng::new(1));
        let c = plan(&refs, vec![], &f, 5, Mode::Sample, &mut Rng::new(2));
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        assert_eq!(a.questions.len(), 5);
        let mut uniq = ids(&a);
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 5, "no question twice");
        assert_eq!(
            plan(&refs, vec![], &f, 50, Mode::Sample, &mut Rng::new(1))
                .questions
                .len(),
            20
        );
    }

    #[test]
    fn review_serves_due_first_then_new_then_later() {
        let pool = pool();
        let refs: Vec<&Question> = pool.iter().collect();
        let now = 1_000_000;
        let mut h = History::default();
        let ans = |id: &'static str, c| Answered {
            id,
            topic: "t0",
            kind: Kind::Truefalse,
            grade: Grade::of(c),
        };
        // t0-q2 wrong at now-50 (due now-50); t0-q4 wrong at now-10; t1-q1 right (due tomorrow).
        h.record(&ans("t0-q4", false), now - 10, 0);
        h.record(&ans("t0-q2", false), now - 50, 0);
        for id in [
            "t0-q0", "t0-q6", "t0-q8", "t0-q10", "t0-q12", "t0-q14", "t0-q16", "t0-q18",
        ] {
            h.record(
                &Answered {
                    id,
                    topic: "t0",
                    kind: Kind::Truefalse,
                    grade: Grade::Good,
                },
                now,
                0,
            );
        }
        let f = Filter {
            topics: vec!["t0".into()],
            ..Filter::default()
        };
        let p = plan(
            &refs,
            vec![],
            &f,
            10,
            Mode::Review(&h, now),
            &mut Rng::new(3),
        );
        assert_eq!(p.due, 2);
        let got = ids(&p);
        assert_eq!(&got[..2], &["t0-q2", "t0-q4"], "most overdue first");
        // Nothing new in t0 (all seen): the rest are the ones due soonest, by id on ties.
        assert_eq!(&got[2..4], &["t0-q0", "t0-q10"]);
        // With a new topic, new questions come before not-yet-due ones.
        let all = Filter::default();
        let p = plan(
            &refs,
            vec![],
            &all,
            4,
            Mode::Review(&h, now),
            &mut Rng::new(3),
        );
        let got = ids(&p);
        assert_eq!(&got[..2], &["t0-q2", "t0-q4"]);
        assert!(got[2..].iter().all(|id| id.starts_with("t1-")), "{got:?}");
        // Due only: the two due, nothing else, however many are asked for.
        let p = plan(
            &refs,
            vec![],
            &all,
            10,
            Mode::Due(&h, now),
            &mut Rng::new(3),
        );
        assert_eq!(ids(&p), vec!["t0-q2", "t0-q4"]);
        assert_eq!(p.due, 2);
    }

    #[test]
    fn scenarios_are_mixed_in_after_due_ones() {
        let pool = pool();
        let refs: Vec<&Question> = pool.iter().collect();
        let mut s = q("scenario-1-1", SCENARIO, Kind::Scenario, 1);
        s.answer = Some(Answer::Text("A".into()));
        s.choices = vec![
            crate::quiz::model::Choice {
                text: "x".into(),
                why: "w".into(),
            },
            crate::quiz::model::Choice {
                text: "y".into(),
                why: "w".into(),
            },
        ];
        let p = plan(
            &refs,
            vec![s.clone(), s.clone()],
            &Filter::default(),
            6,
            Mode::Sample,
            &mut Rng::new(5),
        );
        assert_eq!(p.questions.len(), 6);
        assert_eq!(
            p.questions
                .iter()
                .filter(|x| x.question.kind == Kind::Scenario)
                .count(),
            2
        );
        // More scenarios than asked for are cut.
        let p = plan(
            &refs,
            vec![s.clone(); 9],
            &Filter::default(),
            3,
            Mode::Sample,
            &mut Rng::new(5),
        );
        assert_eq!(p.questions.len(), 3);
    }
}
