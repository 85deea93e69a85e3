//! Grading: the answer key of a question, a question as shown (its choices or steps shuffled),
//! the learner's response, and whether it is right. Also the parsing of one plain-mode answer
//! line. Pure: no terminal, no clock, no files.
//!
//! Positions: a bank's `answer` letters refer to the choices *as written in the file*; a
//! [`Presented`] question shows them in a shuffled order, and a [`Response`] is in *displayed*
//! positions. [`Presented::original`] maps one to the other, so the key is never compared with a
//! displayed slot directly.

use super::model::{Answer, Kind, Question};
use crate::rng::Rng;

/// The key of a question, checked against its kind and choices.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// `single` and `scenario`: the index of the right choice, in file order.
    One(usize),
    /// `multi`: the indices of the right choices, in file order, sorted, no duplicates.
    Set(Vec<usize>),
    /// `truefalse`.
    Bool(bool),
    /// `order`: the steps as written are the order; how many there are.
    Order(usize),
    /// `numeric`: right when within `tolerance` of `value`.
    Number { value: f64, tolerance: f64 },
    /// `text`: the model answer; the learner grades themselves.
    Text(String),
}

/// `A` -> 0, `b` -> 1; anything but one ASCII letter -> None.
pub fn letter_index(s: &str) -> Option<usize> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => {
            Some((c.to_ascii_uppercase() as u8 - b'A') as usize)
        }
        _ => None,
    }
}

/// 0 -> `A`.
pub fn letter(i: usize) -> char {
    (b'A' + (i % 26) as u8) as char
}

/// Letters A.. for `n` options, e.g. "A-D".
pub fn letter_range(n: usize) -> String {
    match n {
        0 => "none".to_string(),
        1 => "A".to_string(),
        _ => format!("A-{}", letter(n - 1)),
    }
}

/// The key of `q`, or why it cannot be graded (the message names the problem for `bank lint`).
pub fn key(q: &Question) -> Result<Key, String> {
    let n = q.choices.len();
    let in_range = |s: &str| -> Result<usize, String> {
        let i = letter_index(s).ok_or_else(|| format!("answer `{s}` is not a letter"))?;
        if i < n {
            Ok(i)
        } else {
            Err(format!(
                "answer {} is out of range: {n} choice{} ({})",
                s.to_ascii_uppercase(),
                if n == 1 { "" } else { "s" },
                letter_range(n)
            ))
        }
    };
    match q.kind {
        Kind::Single | Kind::Scenario => match &q.answer {
            Some(Answer::Text(s)) => in_range(s).map(Key::One),
            Some(Answer::Letters(v)) => Err(format!(
                "{} takes one letter, not a list ({})",
                kind_name(q.kind),
                v.join(", ")
            )),
            None => Err("missing answer: one letter, A = first choice".into()),
            Some(other) => Err(format!("answer {} is not a letter", show_answer(other))),
        },
        Kind::Multi => match &q.answer {
            Some(Answer::Letters(v)) => {
                if v.is_empty() {
                    return Err("multi answer is an empty list".into());
                }
                let mut set = Vec::with_capacity(v.len());
                for s in v {
                    let i = in_range(s)?;
                    if set.contains(&i) {
                        return Err(format!("answer lists {} twice", letter(i)));
                    }
                    set.push(i);
                }
                set.sort_unstable();
                Ok(Key::Set(set))
            }
            Some(Answer::Text(s)) => Err(format!(
                "multi takes a list of letters, e.g. [A, C], not `{s}`"
            )),
            None => Err("missing answer: a list of letters, e.g. [A, C]".into()),
            Some(other) => Err(format!(
                "answer {} is not a list of letters",
                show_answer(other)
            )),
        },
        Kind::Truefalse => match &q.answer {
            Some(Answer::Bool(b)) => Ok(Key::Bool(*b)),
            None => Err("missing answer: true or false".into()),
            Some(other) => Err(format!(
                "truefalse answer must be true or false, not {}",
                show_answer(other)
            )),
        },
        Kind::Order => match &q.answer {
            None if q.steps.len() >= 2 => Ok(Key::Order(q.steps.len())),
            None => Err(format!(
                "order needs at least 2 steps to be asked, found {}",
                q.steps.len()
            )),
            Some(_) => Err("order takes no answer: the steps, as written, are the key".into()),
        },
        Kind::Numeric => {
            let value = match &q.answer {
                Some(Answer::Number(x)) if x.is_finite() => *x,
                None => return Err("missing answer: a number".into()),
                Some(other) => {
                    return Err(format!(
                        "numeric answer must be a number, not {}",
                        show_answer(other)
                    ))
                }
            };
            let tolerance = q.tolerance.unwrap_or(0.0);
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                return Err(format!("tolerance {tolerance} must be a number >= 0"));
            }
            Ok(Key::Number { value, tolerance })
        }
        Kind::Text => match &q.answer {
            Some(Answer::Text(s)) if !s.trim().is_empty() => Ok(Key::Text(s.clone())),
            None | Some(Answer::Text(_)) => Err("missing answer: the model answer".into()),
            Some(other) => Err(format!(
                "text answer must be the model answer as a string, not {}",
                show_answer(other)
            )),
        },
    }
}

/// The lowercase name of a kind, as written in a bank.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "single",
        Kind::Multi => "multi",
        Kind::Truefalse => "truefalse",
        Kind::Order => "order",
        Kind::Numeric => "numeric",
        Kind::Text => "text",
        Kind::Scenario => "scenario",
    }
}

/// Every kind, in the order tables show them.
pub const KINDS: [Kind; 7] = [
    Kind::Single,
    Kind::Multi,
    Kind::Truefalse,
    Kind::Order,
    Kind::Numeric,
    Kind::Text,
    Kind::Scenario,
];

/// `single` -> Kind::Single.
pub fn parse_kind(s: &str) -> Option<Kind> {
    KINDS
        .iter()
        .copied()
        .find(|k| kind_name(*k) == s.trim().to_ascii_lowercase())
}

fn show_answer(a: &Answer) -> String {
    match a {
        Answer::Bool(b) => b.to_string(),
        Answer::Number(x) => x.to_string(),
        Answer::Letters(v) => format!("[{}]", v.join(", ")),
        Answer::Text(s) => format!("\"{s}\""),
    }
}

/// A question as shown in one session: its key, and the order its choices or steps appear in.
#[derive(Debug, Clone, PartialEq)]
pub struct Presented {
    pub question: Question,
    pub key: Key,
    /// `perm[d]` is the file index of the choice (or step) shown at position `d`; empty for kinds
    /// without choices or steps.
    pub perm: Vec<usize>,
}

impl Presented {
    /// Shuffle the choices (or steps) of `q` with `rng`. An order question is never shown in its
    /// right order. Fails when the question cannot be graded (see [`key`]).
    pub fn new(q: Question, rng: &mut Rng) -> Result<Presented, String> {
        let key = key(&q)?;
        let n = match q.kind {
            Kind::Single | Kind::Multi | Kind::Scenario => q.choices.len(),
            Kind::Order => q.steps.len(),
            _ => 0,
        };
        let mut perm: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut perm);
        if q.kind == Kind::Order && perm.iter().enumerate().all(|(d, &i)| d == i) {
            perm.rotate_left(1);
        }
        Ok(Presented {
            question: q,
            key,
            perm,
        })
    }

    /// Without shuffling (file order), for tests and exports.
    pub fn unshuffled(q: Question) -> Result<Presented, String> {
        let key = key(&q)?;
        let n = match q.kind {
            Kind::Single | Kind::Multi | Kind::Scenario => q.choices.len(),
            Kind::Order => q.steps.len(),
            _ => 0,
        };
        Ok(Presented {
            question: q,
            key,
            perm: (0..n).collect(),
        })
    }

    /// The file index of what is shown at position `d`.
    pub fn original(&self, d: usize) -> usize {
        self.perm[d]
    }

    /// The displayed position of file index `i`.
    pub fn displayed(&self, i: usize) -> usize {
        self.perm
            .iter()
            .position(|&x| x == i)
            .expect("index in perm")
    }

    /// How many options (choices or steps) are shown.
    pub fn options(&self) -> usize {
        self.perm.len()
    }

    /// The right response, in displayed positions.
    pub fn right_response(&self) -> Response {
        match &self.key {
            Key::One(i) => Response::One(self.displayed(*i)),
            Key::Set(v) => {
                let mut d: Vec<usize> = v.iter().map(|&i| self.displayed(i)).collect();
                d.sort_unstable();
                Response::Set(d)
            }
            Key::Bool(b) => Response::Bool(*b),
            Key::Order(n) => Response::Order((0..*n).map(|i| self.displayed(i)).collect()),
            Key::Number { value, .. } => Response::Number(*value),
            Key::Text(s) => Response::Text {
                answer: s.clone(),
                right: true,
            },
        }
    }

    /// Is `r` right?
    pub fn grade(&self, r: &Response) -> bool {
        match (&self.key, r) {
            (Key::One(k), Response::One(d)) => *d < self.options() && self.original(*d) == *k,
            (Key::Set(k), Response::Set(ds)) => {
                if ds.iter().any(|&d| d >= self.options()) {
                    return false;
                }
                let mut got: Vec<usize> = ds.iter().map(|&d| self.original(d)).collect();
                got.sort_unstable();
                got.dedup();
                got.len() == ds.len() && &got == k
            }
            (Key::Bool(k), Response::Bool(b)) => k == b,
            (Key::Order(n), Response::Order(ds)) => {
                ds.len() == *n
                    && ds.iter().all(|&d| d < self.options())
                    && ds
                        .iter()
                        .enumerate()
                        .all(|(pos, &d)| self.original(d) == pos)
            }
            (Key::Number { value, tolerance }, Response::Number(x)) => {
                // A little slack for decimal answers that are not exact in binary (0.1 + 0.2).
                let slack = 1e-9 * value.abs().max(1.0);
                x.is_finite() && (x - value).abs() <= tolerance + slack
            }
            (Key::Text(_), Response::Text { right, .. }) => *right,
            _ => false,
        }
    }
}

/// A multi-select answer, item by item (displayed positions, ascending).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetMarks {
    /// Right options the learner chose.
    pub found: Vec<usize>,
    /// Right options the learner left out.
    pub missed: Vec<usize>,
    /// Wrong options the learner chose.
    pub wrong: Vec<usize>,
}

impl Presented {
    /// Which of the chosen options (displayed positions) were right, which right ones were
    /// missed, and which chosen ones were wrong. Only for multi questions (empty otherwise).
    pub fn set_marks(&self, chosen: &[usize]) -> SetMarks {
        let Key::Set(key) = &self.key else {
            return SetMarks::default();
        };
        let mut m = SetMarks::default();
        for d in 0..self.options() {
            let right = key.contains(&self.original(d));
            match (right, chosen.contains(&d)) {
                (true, true) => m.found.push(d),
                (true, false) => m.missed.push(d),
                (false, true) => m.wrong.push(d),
                (false, false) => {}
            }
        }
        m
    }

    /// For an order answer (displayed steps in the learner's order): for each position, the
    /// position where the step put there belongs (0-based). Position `i` is right when the
    /// value is `i`. Only for order questions (empty otherwise).
    pub fn order_marks(&self, given: &[usize]) -> Vec<usize> {
        if !matches!(self.key, Key::Order(_)) {
            return Vec::new();
        }
        given
            .iter()
            .filter(|&&d| d < self.options())
            .map(|&d| self.original(d))
            .collect()
    }
}

/// A learner's response, in displayed positions.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// One choice (single, scenario).
    One(usize),
    /// A set of choices (multi), sorted.
    Set(Vec<usize>),
    Bool(bool),
    /// The displayed steps, in the order the learner puts them.
    Order(Vec<usize>),
    Number(f64),
    /// A free-text answer and the learner's own verdict on it.
    Text {
        answer: String,
        right: bool,
    },
}

impl Response {
    /// The response as the learner would type it in plain mode: `B`, `A,C`, `true`, `3 1 2`.
    pub fn show(&self) -> String {
        match self {
            Response::One(d) => letter(*d).to_string(),
            Response::Set(ds) => ds
                .iter()
                .map(|&d| letter(d).to_string())
                .collect::<Vec<_>>()
                .join(","),
            Response::Bool(b) => b.to_string(),
            Response::Order(ds) => ds
                .iter()
                .map(|d| (d + 1).to_string())
                .collect::<Vec<_>>()
                .join(" "),
            Response::Number(x) => x.to_string(),
            Response::Text { answer, .. } => answer.clone(),
        }
    }
}

/// What a plain-mode answer line should look like for `p`, e.g. "one letter, A-D".
pub fn expected(p: &Presented) -> String {
    let n = p.options();
    match p.question.kind {
        Kind::Single | Kind::Scenario => format!("one letter, {}", letter_range(n)),
        Kind::Multi => format!("every right letter, {}, e.g. A,C", letter_range(n)),
        Kind::Truefalse => "true or false".to_string(),
        Kind::Order => {
            let eg: Vec<String> = (1..=n).rev().map(|i| i.to_string()).collect();
            format!(
                "the step numbers in the right order, each of 1-{n} once, e.g. {}",
                eg.join(" ")
            )
        }
        Kind::Numeric => "a number".to_string(),
        Kind::Text => "one line; then you grade it yourself".to_string(),
    }
}

/// Parse one plain-mode answer line for `p`. The error says what was expected.
///
/// - single, scenario: a letter (`B`, `b`) or its number (`2`);
/// - multi: letters `A,C`, `A C` or `AC`, or numbers `1,3`;
/// - truefalse: `true`/`false`, `t`/`f`, `yes`/`no`, `y`/`n`;
/// - order: step numbers `3 1 2` (or `3,1,2`, or `312` when there are fewer than 10 steps), or
///   letters `CAB` (A = step 1);
/// - numeric: a number (`3`, `0.5`, `1e3`).
///
/// `text` answers are read by the driver (the answer line, then a y/n self-grade), not here.
pub fn parse_answer(p: &Presented, line: &str) -> Result<Response, String> {
    let s = line.trim();
    let n = p.options();
    let fail = || Err(format!("expected {}", expected(p)));
    if s.is_empty() {
        return Err(format!("no answer given; expected {}", expected(p)));
    }
    match p.question.kind {
        Kind::Single | Kind::Scenario => match one_position(s, n) {
            Some(d) => Ok(Response::One(d)),
            None => fail(),
        },
        Kind::Multi => match positions(s, n, false) {
            Some(ds) if !ds.is_empty() => {
                let mut sorted = ds.clone();
                sorted.sort_unstable();
                sorted.dedup();
                if sorted.len() != ds.len() {
                    return Err(format!("a letter is given twice; expected {}", expected(p)));
                }
                Ok(Response::Set(sorted))
            }
            _ => fail(),
        },
        Kind::Truefalse => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" => Ok(Response::Bool(true)),
            "false" | "f" | "no" | "n" => Ok(Response::Bool(false)),
            _ => fail(),
        },
        Kind::Order => match positions(s, n, true) {
            Some(ds) => {
                let mut sorted = ds.clone();
                sorted.sort_unstable();
                if sorted != (0..n).collect::<Vec<_>>() {
                    return fail();
                }
                Ok(Response::Order(ds))
            }
            None => fail(),
        },
        Kind::Numeric => match s.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Response::Number(x)),
            _ => fail(),
        },
        Kind::Text => Err("text answers are self-graded".into()),
    }
}

/// A yes/no line (the self-grade of a text answer).
pub fn parse_yes_no(line: &str) -> Result<bool, String> {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" => Ok(true),
        "n" | "no" | "false" | "f" => Ok(false),
        _ => Err("expected y or n".into()),
    }
}

/// `B` or `2` -> displayed position 1, when in range.
fn one_position(s: &str, n: usize) -> Option<usize> {
    let s = s.trim_end_matches(['.', ')']);
    let d = match letter_index(s) {
        Some(i) => i,
        None => s.parse::<usize>().ok()?.checked_sub(1)?,
    };
    (d < n).then_some(d)
}

/// A list of positions: separated tokens (`A,C`, `3 1 2`), or one run of letters (`AC`), or one
/// run of digits when `digits_run` and fewer than 10 options (`312`).
fn positions(s: &str, n: usize, digits_run: bool) -> Option<Vec<usize>> {
    let tokens: Vec<&str> = s
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let run: Vec<usize> = if tokens.len() == 1 && tokens[0].chars().count() > 1 {
        let t = tokens[0];
        if t.chars().all(|c| c.is_ascii_alphabetic()) {
            t.chars()
                .map(|c| (c.to_ascii_uppercase() as u8 - b'A') as usize)
                .collect()
        } else if digits_run && n < 10 && t.chars().all(|c| c.is_ascii_digit()) {
            t.chars()
                .map(|c| (c as u8 - b'0') as usize)
                .map(|x| x.wrapping_sub(1))
                .collect()
        } else {
            vec![one_position(t, n)?]
        }
    } else {
        tokens
            .iter()
            .map(|t| one_position(t, n))
            .collect::<Option<Vec<_>>>()?
    };
    run.iter().all(|&d| d < n).then_some(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::Choice;

    fn q(kind: Kind, choices: usize, answer: Option<Answer>) -> Question {
        Question {
            choices: (0..choices)
                .map(|i| Choice {
                    text: format!("choice {i}"),
                    why: format!("why {i}"),
                })
                .collect(),
            steps: if kind == Kind::Order {
                (0..4).map(|i| format!("step {i}")).collect()
            } else {
                vec![]
            },
            answer,
            ..Question::stub("t-q", "t", kind)
        }
    }
    fn text(s: &str) -> Option<Answer> {
        Some(Answer::Text(s.into()))
    }
    fn letters(v: &[&str]) -> Option<Answer> {
        Some(Answer::Letters(v.iter().map(|s| s.to_string()).collect()))
    }
    /// A presented question with a fixed permutation.
    fn shown(q: Question, perm: Vec<usize>) -> Presented {
        let mut p = Presented::unshuffled(q).unwrap();
        p.perm = perm;
        p
    }

    #[test]
    fn keys_of_each_kind() {
        assert_eq!(key(&q(Kind::Single, 3, text("C"))), Ok(Key::One(2)));
        assert_eq!(key(&q(Kind::Scenario, 3, text("a"))), Ok(Key::One(0)));
        assert_eq!(
            key(&q(Kind::Multi, 4, letters(&["D", "A"]))),
            Ok(Key::Set(vec![0, 3]))
        );
        assert_eq!(
            key(&q(Kind::Truefalse, 0, Some(Answer::Bool(false)))),
            Ok(Key::Bool(false))
        );
        assert_eq!(key(&q(Kind::Order, 0, None)), Ok(Key::Order(4)));
        let mut n = q(Kind::Numeric, 0, Some(Answer::Number(3.0)));
        n.tolerance = Some(0.5);
        assert_eq!(
            key(&n),
            Ok(Key::Number {
                value: 3.0,
                tolerance: 0.5
            })
        );
        assert_eq!(
            key(&q(Kind::Text, 0, text("model"))),
            Ok(Key::Text("model".into()))
        );
    }

    #[test]
    fn bad_keys_say_what_is_wrong() {
        let e = key(&q(Kind::Single, 3, text("D"))).unwrap_err();
        assert_eq!(e, "answer D is out of range: 3 choices (A-C)");
        let e = key(&q(Kind::Single, 3, letters(&["A"]))).unwrap_err();
        assert!(e.contains("takes one letter, not a list"), "{e}");
        let e = key(&q(Kind::Multi, 3, letters(&["A", "A"]))).unwrap_err();
        assert_eq!(e, "answer lists A twice");
        let e = key(&q(Kind::Multi, 3, text("A"))).unwrap_err();
        assert!(e.contains("list of letters"), "{e}");
        let e = key(&q(Kind::Numeric, 0, text("5"))).unwrap_err();
        assert_eq!(e, "numeric answer must be a number, not \"5\"");
        let e = key(&q(Kind::Truefalse, 0, text("yes"))).unwrap_err();
        assert!(e.contains("true or false"), "{e}");
        let e = key(&q(Kind::Order, 0, text("A"))).unwrap_err();
        assert!(e.contains("takes no answer"), "{e}");
        assert!(key(&q(Kind::Text, 0, None)).is_err());
        assert!(key(&q(Kind::Single, 3, None)).is_err());
        let mut neg = q(Kind::Numeric, 0, Some(Answer::Number(1.0)));
        neg.tolerance = Some(-1.0);
        assert!(key(&neg).unwrap_err().contains("tolerance"));
    }

    #[test]
    fn single_is_graded_through_the_shuffle() {
        // Answer C (file index 2) shown at position 0.
        let p = shown(q(Kind::Single, 3, text("C")), vec![2, 0, 1]);
        assert!(p.grade(&Response::One(0)));
        assert!(
            !p.grade(&Response::One(2)),
            "slot C now shows file choice B"
        );
        assert!(
            !p.grade(&Response::One(7)),
            "out of range is wrong, not a panic"
        );
        assert_eq!(p.right_response(), Response::One(0));
    }

    #[test]
    fn multi_needs_the_exact_set() {
        // Key A, C (file 0, 2); shown order: file 1, 2, 3, 0.
        let p = shown(q(Kind::Multi, 4, letters(&["A", "C"])), vec![1, 2, 3, 0]);
        assert_eq!(p.right_response(), Response::Set(vec![1, 3]));
        assert!(p.grade(&Response::Set(vec![1, 3])));
        assert!(!p.grade(&Response::Set(vec![1])), "a subset is wrong");
        assert!(
            !p.grade(&Response::Set(vec![0, 1, 3])),
            "a superset is wrong"
        );
        assert!(
            !p.grade(&Response::Set(vec![1, 1, 3])),
            "duplicates do not pad a set"
        );
    }

    #[test]
    fn multi_and_order_are_marked_item_by_item() {
        // Key A, C (file 0, 2); shown order: file 1, 2, 3, 0 -> right ones shown at 1 and 3.
        let p = shown(q(Kind::Multi, 4, letters(&["A", "C"])), vec![1, 2, 3, 0]);
        assert_eq!(
            p.set_marks(&[0, 1]),
            SetMarks {
                found: vec![1],
                missed: vec![3],
                wrong: vec![0]
            }
        );
        assert_eq!(p.set_marks(&[1, 3]).missed, Vec::<usize>::new());
        // Shown: 1: step 2, 2: step 0, 3: step 3, 4: step 1. Given 2 4 3 1: steps 0 1 3 2.
        let o = shown(q(Kind::Order, 0, None), vec![2, 0, 3, 1]);
        assert_eq!(o.order_marks(&[1, 3, 2, 0]), vec![0, 1, 3, 2]);
        assert_eq!(o.order_marks(&[1, 3, 0, 2]), vec![0, 1, 2, 3]);
    }

    #[test]
    fn truefalse_numeric_text() {
        let p = shown(q(Kind::Truefalse, 0, Some(Answer::Bool(true))), vec![]);
        assert!(p.grade(&Response::Bool(true)));
        assert!(!p.grade(&Response::Bool(false)));
        let mut n = q(Kind::Numeric, 0, Some(Answer::Number(0.3)));
        let exact = shown(n.clone(), vec![]);
        assert!(exact.grade(&Response::Number(0.1 + 0.2)), "float slack");
        assert!(!exact.grade(&Response::Number(0.31)));
        n.tolerance = Some(0.05);
        let tol = shown(n, vec![]);
        assert!(tol.grade(&Response::Number(0.34)));
        assert!(tol.grade(&Response::Number(0.25)));
        assert!(!tol.grade(&Response::Number(0.36)));
        let t = shown(q(Kind::Text, 0, text("m")), vec![]);
        assert!(t.grade(&Response::Text {
            answer: "x".into(),
            right: true
        }));
        assert!(
            !t.grade(&Response::Text {
                answer: "m".into(),
                right: false
            }),
            "self-graded"
        );
        assert!(
            !t.grade(&Response::Bool(true)),
            "a response of the wrong shape is wrong"
        );
    }

    #[test]
    fn order_is_graded_through_the_shuffle() {
        // Shown: 1: step 2, 2: step 0, 3: step 3, 4: step 1. Right order: 2 4 1 3.
        let p = shown(q(Kind::Order, 0, None), vec![2, 0, 3, 1]);
        assert_eq!(p.right_response(), Response::Order(vec![1, 3, 0, 2]));
        assert!(p.grade(&Response::Order(vec![1, 3, 0, 2])));
        assert!(!p.grade(&Response::Order(vec![0, 1, 2, 3])));
        assert!(!p.grade(&Response::Order(vec![1, 3, 0])), "too short");
    }

    #[test]
    fn shuffling_maps_the_key_and_moves_the_answer() {
        // Over many seeds the right choice lands in every slot, and grading stays right.
        let mut slots = [0usize; 4];
        for seed in 0..200 {
            let p = Presented::new(q(Kind::Single, 4, text("B")), &mut Rng::new(seed)).unwrap();
            let Response::One(d) = p.right_response() else {
                panic!()
            };
            assert_eq!(p.question.choices[p.original(d)].text, "choice 1");
            assert!(p.grade(&Response::One(d)));
            slots[d] += 1;
        }
        assert!(
            slots.iter().all(|&c| c > 20),
            "right answer spread over slots: {slots:?}"
        );
        // Same seed, same order.
        let a = Presented::new(q(Kind::Multi, 5, letters(&["A"])), &mut Rng::new(9)).unwrap();
        let b = Presented::new(q(Kind::Multi, 5, letters(&["A"])), &mut Rng::new(9)).unwrap();
        assert_eq!(a.perm, b.perm);
    }

    #[test]
    fn order_is_never_shown_solved() {
        for seed in 0..300 {
            let p = Presented::new(q(Kind::Order, 0, None), &mut Rng::new(seed)).unwrap();
            assert_ne!(p.perm, vec![0, 1, 2, 3], "seed {seed}");
        }
    }

    #[test]
    fn parse_single() {
        let p = shown(q(Kind::Single, 4, text("A")), vec![0, 1, 2, 3]);
        assert_eq!(parse_answer(&p, "b"), Ok(Response::One(1)));
        assert_eq!(parse_answer(&p, " C \n"), Ok(Response::One(2)));
        assert_eq!(parse_answer(&p, "4"), Ok(Response::One(3)));
        assert_eq!(parse_answer(&p, "D."), Ok(Response::One(3)));
        assert_eq!(
            parse_answer(&p, "E"),
            Err("expected one letter, A-D".into())
        );
        assert_eq!(
            parse_answer(&p, "0"),
            Err("expected one letter, A-D".into())
        );
        assert_eq!(
            parse_answer(&p, "AB"),
            Err("expected one letter, A-D".into())
        );
        assert!(parse_answer(&p, "")
            .unwrap_err()
            .starts_with("no answer given"));
    }

    #[test]
    fn parse_multi() {
        let p = shown(q(Kind::Multi, 4, letters(&["A"])), vec![0, 1, 2, 3]);
        assert_eq!(parse_answer(&p, "A,C"), Ok(Response::Set(vec![0, 2])));
        assert_eq!(parse_answer(&p, "ca"), Ok(Response::Set(vec![0, 2])));
        assert_eq!(parse_answer(&p, "c, a"), Ok(Response::Set(vec![0, 2])));
        assert_eq!(parse_answer(&p, "1 3"), Ok(Response::Set(vec![0, 2])));
        assert_eq!(parse_answer(&p, "B"), Ok(Response::Set(vec![1])));
        assert!(parse_answer(&p, "A,A").unwrap_err().contains("twice"));
        assert!(parse_answer(&p, "A,E").is_err());
        assert!(parse_answer(&p, "maybe").is_err());
    }

    #[test]
    fn parse_truefalse_and_numeric() {
        let p = shown(q(Kind::Truefalse, 0, Some(Answer::Bool(true))), vec![]);
        for (s, b) in [
            ("true", true),
            ("T", true),
            ("yes", true),
            ("y", true),
            ("False", false),
            ("f", false),
            ("no", false),
            ("N", false),
        ] {
            assert_eq!(parse_answer(&p, s), Ok(Response::Bool(b)), "{s}");
        }
        assert_eq!(
            parse_answer(&p, "perhaps"),
            Err("expected true or false".into())
        );
        let n = shown(q(Kind::Numeric, 0, Some(Answer::Number(1.0))), vec![]);
        assert_eq!(parse_answer(&n, "3"), Ok(Response::Number(3.0)));
        assert_eq!(parse_answer(&n, "-0.5"), Ok(Response::Number(-0.5)));
        assert_eq!(parse_answer(&n, "1e3"), Ok(Response::Number(1000.0)));
        assert_eq!(parse_answer(&n, "three"), Err("expected a number".into()));
        assert_eq!(parse_answer(&n, "inf"), Err("expected a number".into()));
    }

    #[test]
    fn parse_order() {
        let p = shown(q(Kind::Order, 0, None), vec![0, 1, 2, 3]);
        let want = Ok(Response::Order(vec![2, 0, 3, 1]));
        assert_eq!(parse_answer(&p, "3 1 4 2"), want);
        assert_eq!(parse_answer(&p, "3,1,4,2"), want);
        assert_eq!(parse_answer(&p, "3142"), want);
        assert_eq!(parse_answer(&p, "CADB"), want);
        assert_eq!(parse_answer(&p, "c a d b"), want);
        let e = parse_answer(&p, "3 1 2").unwrap_err();
        assert_eq!(
            e,
            "expected the step numbers in the right order, each of 1-4 once, e.g. 4 3 2 1"
        );
        assert!(
            parse_answer(&p, "3 1 1 2").is_err(),
            "repeats are not a permutation"
        );
        assert!(parse_answer(&p, "5 1 2 3").is_err());
    }

    #[test]
    fn parse_self_grade() {
        assert_eq!(parse_yes_no("Y"), Ok(true));
        assert_eq!(parse_yes_no("no"), Ok(false));
        assert!(parse_yes_no("dunno").is_err());
    }

    #[test]
    fn response_shows_as_typed() {
        assert_eq!(Response::One(1).show(), "B");
        assert_eq!(Response::Set(vec![0, 2]).show(), "A,C");
        assert_eq!(Response::Order(vec![2, 0, 1]).show(), "3 1 2");
        assert_eq!(Response::Number(2.5).show(), "2.5");
        assert_eq!(parse_kind("TrueFalse"), Some(Kind::Truefalse));
        assert_eq!(parse_kind("essay"), None);
    }
}
