//! Generated `scenario` questions: situations from runs of a protocol, each keyed by a small
//! reference model of that protocol instead of by hand.
//!
//! Why generated: a bank holds a few dozen hand-written questions; a learner preparing for an
//! interview needs many fresh situations to practise the rules on. Why a model: the learner trusts
//! every key, so no key is written into a template. Every family builds its questions the same
//! way:
//!
//! 1. a *situation* is made (states that the protocol really reaches, from a small simulation where
//!    more than one node is involved);
//! 2. the family's model (pure functions, each rule documented with its paper and section)
//!    computes what the protocol does: the *outcome*;
//! 3. the options are worded from real mistakes, each carrying the outcome it stands for (most are
//!    computed by a deliberately wrong variant of the model). The option whose outcome equals the
//!    model's is the key; any other option the model says is also right is dropped, so exactly one
//!    option is right. Every option carries a why.
//!
//! The families, by protocol (module: families; topic):
//!
//! - [`paxos`] (model [`paxos_model`]; topic `paxos`): `paxos-acceptor`, `paxos-phase2`,
//!   `paxos-chosen`, `paxos-quorum`;
//! - [`raft`] (model [`raft_model`]; `raft-vs-paxos`): `raft-vote`, `raft-append`,
//!   `raft-commit`, `raft-election`;
//! - [`multipaxos`] (model [`multipaxos_model`]; `multi-paxos`): `multipaxos-phase1`,
//!   `multipaxos-chosen`;
//! - [`epaxos`] (model [`epaxos_model`]; `epaxos`): `epaxos-preaccept`, `epaxos-fastpath`,
//!   `epaxos-slowpath`, `epaxos-execution`;
//! - [`flexible`] (model [`flexible_model`]; `flexible-paxos`): `fpaxos-safety`,
//!   `fpaxos-failures`, `fpaxos-quorum-size`.
//!
//! **Ids.** A generated question's id is `gen-<family>-<seed>`, e.g. `gen-raft-vote-1234567`: the
//! family's name and the 64-bit seed (decimal) of the question's own random stream. The question
//! is a function of those two alone, so [`regenerate`] rebuilds any generated question from its id.
//! A session's `--seed` derives one question seed per position (see [`question_seed`]).

pub mod epaxos;
pub mod epaxos_model;
pub mod flexible;
pub mod flexible_model;
pub mod multipaxos;
pub mod multipaxos_model;
pub mod paxos;
pub mod paxos_model;
pub mod raft;
pub mod raft_model;

use super::model::{Answer, Choice, Kind, Question, Source};
use crate::rng::Rng;

/// The topic that names every generated question on the command line (`--topic scenario`).
pub const ALL_TOPICS: &str = "scenario";

/// One family of generated questions.
pub struct Family {
    /// Its name, as in ids and in `bank export --generated`'s `family` field.
    pub name: &'static str,
    /// The bank topic of its protocol.
    pub topic: &'static str,
    /// The question of this family for a question seed. Never fails: a family retries its own
    /// random stream until a situation gives enough options.
    pub build: fn(u64) -> Question,
}

/// Every family, grouped by protocol.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "paxos-acceptor",
        topic: "paxos",
        build: paxos::build_acceptor,
    },
    Family {
        name: "paxos-phase2",
        topic: "paxos",
        build: paxos::build_phase2,
    },
    Family {
        name: "paxos-chosen",
        topic: "paxos",
        build: paxos::build_chosen,
    },
    Family {
        name: "paxos-quorum",
        topic: "paxos",
        build: paxos::build_quorum,
    },
    Family {
        name: "raft-vote",
        topic: "raft-vs-paxos",
        build: raft::build_vote,
    },
    Family {
        name: "raft-append",
        topic: "raft-vs-paxos",
        build: raft::build_append,
    },
    Family {
        name: "raft-commit",
        topic: "raft-vs-paxos",
        build: raft::build_commit,
    },
    Family {
        name: "raft-election",
        topic: "raft-vs-paxos",
        build: raft::build_election,
    },
    Family {
        name: "multipaxos-phase1",
        topic: "multi-paxos",
        build: multipaxos::build_phase1,
    },
    Family {
        name: "multipaxos-chosen",
        topic: "multi-paxos",
        build: multipaxos::build_chosen,
    },
    Family {
        name: "epaxos-preaccept",
        topic: "epaxos",
        build: epaxos::build_preaccept,
    },
    Family {
        name: "epaxos-fastpath",
        topic: "epaxos",
        build: epaxos::build_fastpath,
    },
    Family {
        name: "epaxos-slowpath",
        topic: "epaxos",
        build: epaxos::build_slowpath,
    },
    Family {
        name: "epaxos-execution",
        topic: "epaxos",
        build: epaxos::build_execution,
    },
    Family {
        name: "fpaxos-safety",
        topic: "flexible-paxos",
        build: flexible::build_safety,
    },
    Family {
        name: "fpaxos-failures",
        topic: "flexible-paxos",
        build: flexible::build_failures,
    },
    Family {
        name: "fpaxos-quorum-size",
        topic: "flexible-paxos",
        build: flexible::build_quorum_size,
    },
];

/// The family named `name`.
pub fn family(name: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.name == name)
}

/// The family of a generated question's id (`gen-<family>-<seed>`), if it names one.
pub fn family_of(id: &str) -> Option<&'static Family> {
    parse_id(id).map(|(f, _)| f)
}

fn parse_id(id: &str) -> Option<(&'static Family, u64)> {
    let rest = id.strip_prefix("gen-")?;
    let (name, seed) = rest.rsplit_once('-')?;
    if seed.is_empty() || !seed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((family(name)?, seed.parse().ok()?))
}

/// The id of the question of `family` built from `seed`.
pub fn id_for(family: &str, seed: u64) -> String {
    format!("gen-{family}-{seed}")
}

/// Rebuild a generated question from its id (`gen-<family>-<seed>`), of any family. `None` when
/// the id does not name a family and a seed.
pub fn regenerate(id: &str) -> Option<Question> {
    let (f, seed) = parse_id(id)?;
    Some((f.build)(seed))
}

/// The seed of question `i` of a session seeded `seed`: independent of every other index.
pub fn question_seed(seed: u64, i: u64) -> u64 {
    Rng::new(seed ^ Rng::new(i).next_u64()).next_u64()
}

/// The families of `topics`: all of them when `topics` is empty or holds `scenario`.
pub fn families_for(topics: &[String]) -> Vec<&'static Family> {
    if topics.is_empty() || topics.iter().any(|t| t == ALL_TOPICS) {
        return FAMILIES.iter().collect();
    }
    FAMILIES
        .iter()
        .filter(|f| topics.iter().any(|t| t == f.topic))
        .collect()
}

/// `count` generated questions for `seed`, of every family, all of `difficulty` when given (1 to
/// 3; any other difficulty gives none). The same arguments always give the same questions.
pub fn generate(seed: u64, count: usize, difficulty: Option<u8>) -> Vec<Question> {
    generate_for(&[], seed, count, difficulty)
}

/// Like [`generate`], from the families of `topics` only (see [`families_for`]). Question `i`'s
/// family and content depend only on `seed` and `i`; a difficulty filter skips the positions whose
/// question has another difficulty.
pub fn generate_for(
    topics: &[String],
    seed: u64,
    count: usize,
    difficulty: Option<u8>,
) -> Vec<Question> {
    let families = families_for(topics);
    if families.is_empty() || difficulty.is_some_and(|d| !(1..=3).contains(&d)) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(count);
    let limit = (count as u64).saturating_mul(64).saturating_add(64);
    let mut i = 0u64;
    while out.len() < count && i < limit {
        let qs = question_seed(seed, i);
        let f = families[Rng::new(qs).below(families.len())];
        let q = (f.build)(qs);
        if difficulty.is_none_or(|d| q.difficulty == d) {
            out.push(q);
        }
        i += 1;
    }
    out
}

/// `count` questions of the family `name` for `seed` (for review: `bank export --generated`).
pub fn generate_family(name: &str, seed: u64, count: usize) -> Vec<Question> {
    let Some(f) = family(name) else {
        return Vec::new();
    };
    (0..count as u64)
        .map(|i| (f.build)(question_seed(seed, i)))
        .collect()
}

// ------------------------------------------------------------------ shared building blocks

/// One option: the outcome it claims, its text, and why it is right or wrong.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Opt<O> {
    pub outcome: O,
    pub text: String,
    pub why: String,
}

impl<O> Opt<O> {
    pub fn new(outcome: O, text: impl Into<String>, why: impl Into<String>) -> Opt<O> {
        Opt {
            outcome,
            text: text.into(),
            why: why.into(),
        }
    }
}

/// What a family's builder produces before the options are shuffled.
pub(crate) struct Draft<S, O> {
    pub situation: S,
    pub difficulty: u8,
    pub prompt: String,
    pub right: Opt<O>,
    pub wrong: Vec<Opt<O>>,
    pub explanation: String,
    /// (source key of `model::SOURCES`, section).
    pub sources: Vec<(&'static str, String)>,
}

/// A generated question with what it was generated from (the tests check these).
#[derive(Clone, Debug)]
pub(crate) struct Built<S, O> {
    pub situation: S,
    /// The options in the order of `question.choices`.
    pub options: Vec<Opt<O>>,
    /// Index of the right option.
    pub key: usize,
    pub question: Question,
}

/// Drop wrong options whose outcome is the right one's (the model says they are right too) or
/// that repeat another option, keep at most four, shuffle, and fill in the question. `None` when
/// fewer than two wrong options remain.
pub(crate) fn assemble<S, O: PartialEq>(
    family: &str,
    topic: &str,
    seed: u64,
    d: Draft<S, O>,
    rng: &mut Rng,
) -> Option<Built<S, O>> {
    let mut wrong: Vec<Opt<O>> = Vec::new();
    for o in d.wrong {
        let clash = |x: &Opt<O>| x.outcome == o.outcome || x.text == o.text;
        if !clash(&d.right) && !wrong.iter().any(clash) {
            wrong.push(o);
        }
    }
    if wrong.len() < 2 {
        return None;
    }
    rng.shuffle(&mut wrong);
    wrong.truncate(4);
    let right_text = d.right.text.clone();
    let mut options = wrong;
    options.push(d.right);
    rng.shuffle(&mut options);
    let key = options.iter().position(|o| o.text == right_text)?;
    let question = Question {
        id: id_for(family, seed),
        topic: topic.to_string(),
        difficulty: d.difficulty,
        kind: Kind::Scenario,
        prompt: d.prompt,
        choices: options
            .iter()
            .map(|o| Choice {
                text: o.text.clone(),
                why: o.why.clone(),
            })
            .collect(),
        steps: Vec::new(),
        // One letter, as the grader reads a `single` key (see `grade::key`).
        answer: Some(Answer::Text(letter(key))),
        tolerance: None,
        key_points: Vec::new(),
        explanation: d.explanation,
        sources: d
            .sources
            .into_iter()
            .map(|(reference, section)| Source {
                reference: reference.to_string(),
                section,
            })
            .collect(),
        tags: vec!["generated".to_string(), family.to_string()],
    };
    Some(Built {
        situation: d.situation,
        options,
        key,
        question,
    })
}

/// Build with `draft` from the random stream of `seed` until a situation gives enough options.
pub(crate) fn build_with<S, O: PartialEq>(
    family: &str,
    topic: &str,
    seed: u64,
    mut draft: impl FnMut(&mut Rng) -> Option<Draft<S, O>>,
) -> Built<S, O> {
    let mut rng = Rng::new(seed);
    loop {
        if let Some(b) = draft(&mut rng).and_then(|d| assemble(family, topic, seed, d, &mut rng)) {
            return b;
        }
    }
}

pub(crate) fn letter(i: usize) -> String {
    ((b'A' + i as u8) as char).to_string()
}

/// `s` with its first letter in lower case (for an option's text inside a sentence).
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "A, B and C".
pub(crate) fn and_list<T: std::fmt::Display>(items: &[T]) -> String {
    let s: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    match s.len() {
        0 => String::new(),
        1 => s[0].clone(),
        n => format!("{} and {}", s[..n - 1].join(", "), s[n - 1]),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Checks every family's tests share: the key is the model's outcome and the oracle's, no
    //! other option is right, options are distinct and explained.

    use std::collections::BTreeSet;
    use std::fmt::Debug;

    use super::*;

    /// Seeds each family is checked over against its independent implementation.
    pub const SEEDS: u64 = 2000;

    pub fn key_index(q: &Question) -> usize {
        match &q.answer {
            Some(Answer::Text(s)) if s.len() == 1 => (s.as_bytes()[0] - b'A') as usize,
            other => panic!("{}: answer {other:?} is not one letter", q.id),
        }
    }

    /// `model` is the family's model outcome for the situation, `oracle` the independent one's.
    pub fn check<S: Debug, O: PartialEq + Debug>(b: &Built<S, O>, model: &O, oracle: &O) {
        let q = &b.question;
        assert_eq!(
            model, oracle,
            "{}: model and oracle disagree on {:?}",
            q.id, b.situation
        );
        assert_eq!(q.kind, Kind::Scenario);
        let f = family_of(&q.id).unwrap_or_else(|| panic!("{}: not a generated id", q.id));
        assert_eq!(q.topic, f.topic);
        assert!((1..=3).contains(&q.difficulty));
        assert!(
            (3..=5).contains(&q.choices.len()),
            "{}: {} choices",
            q.id,
            q.choices.len()
        );
        assert_eq!(b.options.len(), q.choices.len());
        let k = key_index(q);
        assert_eq!(k, b.key);
        assert_eq!(
            &b.options[k].outcome, oracle,
            "{}: the key is not the answer",
            q.id
        );
        for (i, (o, c)) in b.options.iter().zip(&q.choices).enumerate() {
            assert_eq!(o.text, c.text);
            assert_eq!(o.why, c.why);
            assert!(
                !c.text.trim().is_empty() && !c.why.trim().is_empty(),
                "{}",
                q.id
            );
            if i != k {
                assert_ne!(&o.outcome, oracle, "{}: choice {i} is also right", q.id);
                assert!(
                    !c.why.starts_with("Right"),
                    "{}: wrong choice says Right",
                    q.id
                );
            } else {
                assert!(c.why.starts_with("Right"), "{}: {}", q.id, c.why);
            }
            for (j, p) in b.options.iter().enumerate().skip(i + 1) {
                assert_ne!(
                    o.outcome, p.outcome,
                    "{}: options {i} and {j} mean the same",
                    q.id
                );
            }
        }
        let texts: BTreeSet<&str> = q.choices.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), q.choices.len(), "{}: repeated text", q.id);
        assert!(!q.explanation.trim().is_empty() && !q.prompt.trim().is_empty());
        assert!(!q.sources.is_empty());
        for s in &q.sources {
            assert!(
                crate::quiz::model::SOURCES
                    .iter()
                    .any(|(k, _)| *k == s.reference),
                "{}: unknown source {}",
                q.id,
                s.reference
            );
        }
        assert_eq!(
            crate::quiz::grade::key(q),
            Ok(crate::quiz::grade::Key::One(k)),
            "{}",
            q.id
        );
        // The id rebuilds the very same question.
        assert_eq!(regenerate(&q.id).as_ref(), Some(q), "{}", q.id);
    }

    /// The right answer is not always in one place.
    pub fn keys_spread(keys: &[usize]) {
        let mut slots = [0usize; 5];
        for &k in keys {
            slots[k] += 1;
        }
        assert!(slots[..3].iter().all(|&n| n * 8 >= keys.len()), "{slots:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn every_family_is_registered_once_with_a_known_topic() {
        let names: BTreeSet<&str> = FAMILIES.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FAMILIES.len());
        assert!(FAMILIES.len() >= 16);
        for f in FAMILIES {
            assert!(
                crate::quiz::bank::embedded_files()
                    .iter()
                    .any(|b| b.text.contains(&format!("topic: {}", f.topic))),
                "{}: topic {} has no bank",
                f.name,
                f.topic
            );
        }
    }

    #[test]
    fn ids_round_trip_for_every_family() {
        for f in FAMILIES {
            for seed in [0, 7, u64::MAX] {
                let q = (f.build)(seed);
                assert_eq!(q.id, id_for(f.name, seed));
                assert_eq!(family_of(&q.id).map(|x| x.name), Some(f.name));
                assert_eq!(regenerate(&q.id), Some(q));
            }
        }
        for bad in [
            "gen-raft-vote-",
            "gen-raft-vote-x1",
            "gen-nope-1",
            "raft-vote-1",
            "scenario-1-2",
            "gen-raft-vote-99999999999999999999",
        ] {
            assert_eq!(regenerate(bad), None, "{bad}");
        }
    }

    #[test]
    fn generation_is_seeded_mixed_and_filtered_by_topic() {
        assert_eq!(generate(5, 30, None), generate(5, 30, None));
        assert_ne!(generate(5, 10, None), generate(6, 10, None));
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for q in generate(1, 400, None) {
            *by.entry(family_of(&q.id).unwrap().name).or_default() += 1;
        }
        assert_eq!(by.len(), FAMILIES.len(), "{by:?}");
        let raft = generate_for(&["raft-vs-paxos".into()], 3, 40, None);
        assert_eq!(raft.len(), 40);
        assert!(raft.iter().all(|q| q.topic == "raft-vs-paxos"));
        let two = generate_for(&["epaxos".into(), "paxos".into()], 3, 40, None);
        assert!(two
            .iter()
            .all(|q| q.topic == "epaxos" || q.topic == "paxos"));
        assert!(generate_for(&["flp".into()], 3, 5, None).is_empty());
        assert_eq!(
            generate_for(&["scenario".into()], 3, 9, None),
            generate(3, 9, None)
        );
        for d in 1..=3u8 {
            let qs = generate(9, 12, Some(d));
            assert_eq!(qs.len(), 12, "difficulty {d}");
            assert!(qs.iter().all(|q| q.difficulty == d));
        }
        assert!(generate(9, 5, Some(4)).is_empty());
    }

    #[test]
    fn generate_family_gives_that_family() {
        for f in FAMILIES {
            let qs = generate_family(f.name, 11, 3);
            assert_eq!(qs.len(), 3);
            assert!(qs
                .iter()
                .all(|q| q.id.starts_with(&format!("gen-{}-", f.name))));
            assert!(qs.iter().all(|q| q.topic == f.topic));
        }
        assert!(generate_family("nope", 1, 3).is_empty());
    }
}
