//! `bank lint`: every problem in a set of bank files, one line each, `file:line:col: id: message`.
//!
//! YAML syntax and schema errors come from serde_yaml with their location. For the checks serde
//! cannot make (keys that do not match the choices, unknown sources, ids, counts), the location is
//! found in the text: the line of the question's `id:`, or of the offending field within that
//! question. A file with a schema error in one question still has its other questions checked.
//!
//! Beyond the schema, lint measures whether a learner could pass a bank by the shape of its
//! options rather than by knowing the answer ([`Shape`], [`rationale_is_bare`],
//! [`prompt_similarity`]): the thresholds are the constants below, and a bank above one of them
//! fails with a line naming the figure and the limit.
//! Pure: files in, problems out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::bank::BankFile;
use super::grade::{key, kind_name, letter, Key};
use super::model::{Bank, Kind, Question, SOURCES};

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// The question, when the problem is in one.
    pub id: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        if let Some(id) = &self.id {
            write!(f, "{id}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The outcome of a lint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Files read.
    pub files: usize,
    /// Questions that parsed.
    pub questions: usize,
    /// The shape of each bank that parsed, by file name.
    pub shapes: BTreeMap<String, Shape>,
}

/// Where a question's `id:` is in the text.
#[derive(Debug, Clone, PartialEq)]
struct IdLine {
    line: usize,
    /// The column of `id` (1-based): the indentation of the question's keys.
    col: usize,
    id: String,
}

/// Every `id:` key in the text, in order. Only questions have an `id` in the schema.
fn id_lines(text: &str) -> Vec<IdLine> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let rest = line.trim_start();
        let mut col = line.len() - rest.len() + 1;
        let rest = match rest.strip_prefix("- ") {
            Some(r) => {
                let r2 = r.trim_start();
                col += 2 + (r.len() - r2.len());
                r2
            }
            None => rest,
        };
        if let Some(v) = rest.strip_prefix("id:") {
            out.push(IdLine {
                line: i + 1,
                col,
                id: scalar(v),
            });
        }
    }
    out
}

/// A plain one-line YAML scalar: comment and quotes removed.
fn scalar(v: &str) -> String {
    let v = match v.find(" #") {
        Some(i) => &v[..i],
        None => v,
    };
    v.trim().trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// Match questions (by id, in file order) to their `id:` lines.
fn locate(ids: &[Option<String>], lines: &[IdLine]) -> Vec<Option<IdLine>> {
    let mut cursor = 0;
    ids.iter()
        .map(|id| {
            let id = id.as_deref()?;
            let found = lines[cursor..].iter().position(|l| l.id == id)?;
            cursor += found + 1;
            Some(lines[cursor - 1].clone())
        })
        .collect()
}

/// Turn a serde_yaml error into a problem at its location, naming the question whose lines hold
/// it when there is one.
pub fn yaml_error(file: &str, text: &str, err: &serde_yaml::Error) -> Problem {
    let mut message = err.to_string();
    let (line, col) = match err.location() {
        Some(loc) => {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            message = message.replacen(&suffix, "", 1);
            (loc.line(), loc.column())
        }
        None => (1, 1),
    };
    let id = id_lines(text)
        .into_iter()
        .rev()
        .find(|l| l.line <= line)
        .map(|l| l.id);
    Problem {
        file: file.into(),
        line,
        col,
        id,
        message,
    }
}

/// Lint bank files (together: duplicate ids are found across them).
pub fn lint(files: &[BankFile]) -> Report {
    check(files).0
}

/// The one reader of bank files from disk, for `bank lint` and `--bank` alike: every problem,
/// and each file's bank holding only the questions without a problem (a file that does not parse
/// as a bank gives none). Several files may share a topic: `--bank` adds their questions to it.
pub fn check(files: &[BankFile]) -> (Report, Vec<(String, Bank)>) {
    let mut report = Report {
        files: files.len(),
        ..Report::default()
    };
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut prompts: Vec<Prompt> = Vec::new();
    let mut banks = Vec::new();
    for f in files {
        let before = report.problems.len();
        if let Some(mut bank) = lint_file(f, &mut report, &mut ids, &mut prompts) {
            let bad: Vec<&str> = report.problems[before..]
                .iter()
                .filter_map(|p| p.id.as_deref())
                .collect();
            bank.questions.retain(|q| !bad.contains(&q.id.as_str()));
            banks.push((f.name.clone(), bank));
        }
    }
    near_duplicates(&prompts, &mut report);
    (report, banks)
}

/// A question's prompt as the near-duplicate check sees it.
struct Prompt {
    file: String,
    line: usize,
    col: usize,
    id: String,
    words: BTreeSet<String>,
}

/// Every pair of prompts at least [`MAX_PROMPT_SIMILARITY`] alike, reported at the later one.
fn near_duplicates(prompts: &[Prompt], report: &mut Report) {
    for (j, b) in prompts.iter().enumerate() {
        // The same id twice is reported as a duplicate id already.
        for a in prompts[..j].iter().filter(|a| a.id != b.id) {
            let sim = jaccard(&a.words, &b.words);
            if sim >= MAX_PROMPT_SIMILARITY {
                report.problems.push(Problem {
                    file: b.file.clone(),
                    line: b.line,
                    col: b.col,
                    id: Some(b.id.clone()),
                    message: format!(
                        "prompt is near-identical to {}'s ({}:{}): word-set similarity {sim:.2} \
                         (near-identical from {MAX_PROMPT_SIMILARITY:.2}); merge them or make them ask different things",
                        a.id, a.file, a.line
                    ),
                });
            }
        }
    }
}

fn lint_file(
    f: &BankFile,
    report: &mut Report,
    ids: &mut BTreeMap<String, String>,
    prompts: &mut Vec<Prompt>,
) -> Option<Bank> {
    if let Err(p) = super::bank::precheck(f) {
        report.problems.push(p);
        return None;
    }
    let text: &str = &f.text;
    let lines: Vec<&str> = text.lines().collect();
    let problem = |line: usize, col: usize, id: Option<&str>, message: String| Problem {
        file: f.name.clone(),
        line,
        col,
        id: id.map(str::to_string),
        message,
    };
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            report.problems.push(yaml_error(&f.name, text, &e));
            return None;
        }
    };
    // The questions that parse, with the line of the first schema error (already reported).
    let (topic, title, questions, qids) = match serde_yaml::from_str::<Bank>(text) {
        Ok(b) => {
            let qids = b.questions.iter().map(|q| Some(q.id.clone())).collect();
            (
                b.topic,
                Some(b.title),
                b.questions.into_iter().map(Some).collect::<Vec<_>>(),
                qids,
            )
        }
        Err(e) => {
            let p = yaml_error(&f.name, text, &e);
            let line = p.line;
            report.problems.push(p);
            let topic = value.get("topic").and_then(|t| t.as_str())?;
            let seq = value.get("questions").and_then(|q| q.as_sequence())?;
            let mut qs = Vec::new();
            let mut qids = Vec::new();
            for v in seq {
                qids.push(v.get("id").and_then(|i| i.as_str()).map(str::to_string));
                qs.push(serde_yaml::from_value::<Question>(v.clone()).map_err(|e| e.to_string()));
            }
            let title = value
                .get("title")
                .and_then(|t| t.as_str())
                .map(str::to_string);
            let located = locate(&qids, &id_lines(text));
            let ranges = ranges(&located, lines.len());
            let mut keep = Vec::new();
            for (i, q) in qs.into_iter().enumerate() {
                match q {
                    Ok(q) => keep.push(Some(q)),
                    Err(msg) => {
                        keep.push(None);
                        let (start, end) = ranges[i];
                        if !(start..=end).contains(&line) {
                            let (l, c) = located[i].as_ref().map_or((1, 1), |l| (l.line, l.col));
                            report.problems.push(problem(l, c, qids[i].as_deref(), msg));
                        }
                    }
                }
            }
            (topic.to_string(), title, keep, qids)
        }
    };

    // The bank.
    let topic_line = lines
        .iter()
        .position(|l| l.starts_with("topic:"))
        .map_or(1, |i| i + 1);
    if !is_slug(&topic) {
        report.problems.push(problem(
            topic_line,
            1,
            None,
            format!("topic `{topic}` must be lowercase letters, digits and dashes"),
        ));
    }
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        let l = lines
            .iter()
            .position(|l| l.starts_with("title:"))
            .map_or(1, |i| i + 1);
        report
            .problems
            .push(problem(l, 1, None, "empty title".into()));
    }
    if questions.is_empty() {
        report.problems.push(problem(
            topic_line,
            1,
            None,
            "the bank has no questions".into(),
        ));
    }

    // The bank's shape: can a learner score by the form of the options?
    let shape = Shape::of(questions.iter().flatten());
    for message in shape.problems(MIN_SAMPLE) {
        report
            .problems
            .push(problem(topic_line, 1, None, format!("{topic}: {message}")));
    }
    report.shapes.insert(f.name.clone(), shape);

    // Each question.
    let located = locate(&qids, &id_lines(text));
    let ranges = ranges(&located, lines.len());
    for (i, q) in questions.iter().enumerate() {
        let Some(q) = q else { continue };
        report.questions += 1;
        let at = located[i].clone().unwrap_or(IdLine {
            line: 1,
            col: 1,
            id: q.id.clone(),
        });
        let (start, end) = ranges[i];
        let field_at = |field: &str| -> (usize, usize) {
            if field == "id" {
                return (at.line, at.col);
            }
            let key = format!("{field}:");
            (start..=end.min(lines.len()))
                .filter(|&l| l >= 1)
                .find(|&l| {
                    let s = lines[l - 1];
                    s.len() >= at.col
                        && s[..at.col - 1].trim().is_empty()
                        && s[at.col - 1..].starts_with(&key)
                })
                .map_or((at.line, at.col), |l| (l, at.col))
        };
        for (field, message) in check_question(q, &topic) {
            let (l, c) = field.map_or((at.line, at.col), field_at);
            report.problems.push(problem(l, c, Some(&q.id), message));
        }
        prompts.push(Prompt {
            file: f.name.clone(),
            line: at.line,
            col: at.col,
            id: q.id.clone(),
            words: prompt_words(&q.prompt),
        });
        let here = format!("{}:{}", f.name, at.line);
        match ids.get(&q.id) {
            Some(first) => report.problems.push(problem(
                at.line,
                at.col,
                Some(&q.id),
                format!("duplicate id: first defined at {first}"),
            )),
            None => {
                ids.insert(q.id.clone(), here);
            }
        }
    }
    let questions: Vec<Question> = questions
        .into_iter()
        .flatten()
        .map(|mut q| {
            if q.topic.is_empty() {
                q.topic = topic.clone();
            }
            q
        })
        .collect();
    Some(Bank {
        topic,
        title: title.unwrap_or_default(),
        questions,
    })
}

/// Line ranges of the questions: from each `id:` line to the line before the next one.
fn ranges(located: &[Option<IdLine>], last: usize) -> Vec<(usize, usize)> {
    let starts: Vec<usize> = located
        .iter()
        .map(|l| l.as_ref().map_or(0, |l| l.line))
        .collect();
    (0..starts.len())
        .map(|i| {
            let next = starts[i + 1..]
                .iter()
                .copied()
                .find(|&s| s > starts[i])
                .map_or(last, |s| s - 1);
            if starts[i] == 0 {
                (0, 0)
            } else {
                (starts[i], next)
            }
        })
        .collect()
}

/// `[a-z0-9]+(-[a-z0-9]+)*`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The problems of one question that parsed: (field to point at, message).
pub fn check_question(q: &Question, topic: &str) -> Vec<(Option<&'static str>, String)> {
    let mut out: Vec<(Option<&'static str>, String)> = Vec::new();
    let mut push = |field: &'static str, msg: String| out.push((Some(field), msg));

    match q.id.strip_prefix(topic).and_then(|s| s.strip_prefix('-')) {
        Some(slug) if is_slug(slug) => {}
        _ => push(
            "id",
            format!("id must be `{topic}-<slug>`, with lowercase letters, digits and dashes"),
        ),
    }
    if !q.topic.is_empty() && q.topic != topic {
        push(
            "topic",
            format!(
                "topic `{}` differs from the bank's topic `{topic}`",
                q.topic
            ),
        );
    }
    if !(1..=3).contains(&q.difficulty) {
        push(
            "difficulty",
            format!("difficulty {} is outside 1..=3", q.difficulty),
        );
    }
    if q.prompt.trim().is_empty() {
        push("prompt", "empty prompt".into());
    }
    let kind = kind_name(q.kind);
    let has_choices = matches!(q.kind, Kind::Single | Kind::Multi);
    match q.kind {
        Kind::Scenario => push(
            "kind",
            "scenario questions are generated, not written in a bank".into(),
        ),
        Kind::Order => {
            if q.answer.is_some() {
                push(
                    "answer",
                    "order takes no answer: the steps, as written, are the key".into(),
                );
            }
        }
        _ => {
            if let Err(msg) = key(q) {
                push(if q.answer.is_some() { "answer" } else { "kind" }, msg);
            }
        }
    }
    let (lo, hi) = match q.kind {
        Kind::Single => (2, 6),
        _ => (3, 8),
    };
    if has_choices && !(lo..=hi).contains(&q.choices.len()) {
        push(
            "choices",
            format!(
                "{kind} needs {lo} to {hi} choices, found {}",
                q.choices.len()
            ),
        );
    }
    if !has_choices && !q.choices.is_empty() {
        push(
            "choices",
            "choices are only for single and multi questions".into(),
        );
    }
    for (i, c) in q.choices.iter().enumerate() {
        if c.text.trim().is_empty() {
            push("choices", format!("choice {} has no text", letter(i)));
        }
        if c.why.trim().is_empty() {
            push(
                "choices",
                format!("choice {} has no why (why it is right or wrong)", letter(i)),
            );
        }
        if let Some(j) = q.choices[..i]
            .iter()
            .position(|o| o.text.trim() == c.text.trim())
        {
            push(
                "choices",
                format!("choices {} and {} have the same text", letter(j), letter(i)),
            );
        }
    }
    if q.kind == Kind::Order && !(3..=8).contains(&q.steps.len()) {
        push(
            "steps",
            format!("order needs 3 to 8 steps, found {}", q.steps.len()),
        );
    }
    if q.kind != Kind::Order && !q.steps.is_empty() {
        push("steps", "steps are only for order questions".into());
    }
    if q.kind == Kind::Text && !(2..=6).contains(&q.key_points.len()) {
        push(
            if q.key_points.is_empty() {
                "kind"
            } else {
                "key_points"
            },
            format!(
                "text needs 2 to 6 key_points (what a good answer says), found {}",
                q.key_points.len()
            ),
        );
    }
    if q.kind != Kind::Text && !q.key_points.is_empty() {
        push(
            "key_points",
            "key_points are only for text questions".into(),
        );
    }
    if q.kind != Kind::Numeric && q.tolerance.is_some() {
        push(
            "tolerance",
            "tolerance is only for numeric questions".into(),
        );
    }
    if q.explanation.trim().is_empty() {
        push(
            "explanation",
            "missing explanation: say why the answer is right".into(),
        );
    } else if rationale_is_bare(&q.explanation) {
        push(
            "explanation",
            format!(
                "the explanation is only a verdict or a citation ({:?}): say why the answer is right",
                q.explanation.trim()
            ),
        );
    }
    if let Ok(k) = key(q) {
        let right: Vec<usize> = match k {
            Key::One(i) => vec![i],
            Key::Set(v) => v,
            _ => vec![],
        };
        for i in right {
            let Some(c) = q.choices.get(i) else { continue };
            if !c.why.trim().is_empty() && rationale_is_bare(&c.why) {
                push(
                    "choices",
                    format!(
                        "choice {} is right but its why is only a verdict or a citation ({:?}): say why it is right",
                        letter(i),
                        c.why.trim()
                    ),
                );
            }
        }
    }
    if q.sources.is_empty() {
        push(
            "sources",
            "missing source: cite at least one (ref and section)".into(),
        );
    }
    for s in &q.sources {
        if !SOURCES.iter().any(|(k, _)| *k == s.reference) {
            push(
                "sources",
                format!(
                    "unknown source ref `{}` (see the table in questions/README.md)",
                    s.reference
                ),
            );
        }
        if s.section.trim().is_empty() {
            push(
                "sources",
                format!("source `{}` has no section", s.reference),
            );
        }
    }
    out
}

// ---------------------------------------------------------------- shape: can the key be guessed?

/// At most this share (percent) of a bank's single-choice questions may have the key as the
/// strictly longest option (by chance about one in the number of options).
pub const MAX_KEY_LONGEST_PCT: usize = 30;
/// Where questions have so few options that a random key is strictly the longest (or shortest)
/// in more than this share (percent), the limit on that share is chance plus
/// [`CHANCE_MARGIN_PCT`] instead of [`MAX_KEY_LONGEST_PCT`] (see [`extreme_limit`]).
pub const CHANCE_FLOOR_PCT: usize = 25;
/// See [`CHANCE_FLOOR_PCT`].
pub const CHANCE_MARGIN_PCT: usize = 10;
/// For a generated family: what always picking a longest option scores (a uniformly random one
/// among equally long ones), and what always picking a shortest one scores, may each differ from
/// picking at random (1/k per question) by at most this many percentage points, either way. An
/// option that is almost never right by its length is a clue as much as one that almost always is.
pub const MAX_PICK_GAP_PCT: usize = 10;

/// The limit (a share, 0.3 = 30%) on how often the key may be strictly the longest option, or
/// strictly the shortest, when a uniformly random key would be so in `chance` of the questions:
/// [`MAX_KEY_LONGEST_PCT`], or chance plus [`CHANCE_MARGIN_PCT`] once chance exceeds
/// [`CHANCE_FLOOR_PCT`].
pub fn extreme_limit(chance: f64) -> f64 {
    if chance * 100.0 > CHANCE_FLOOR_PCT as f64 + 1e-9 {
        chance + CHANCE_MARGIN_PCT as f64 / 100.0
    } else {
        MAX_KEY_LONGEST_PCT as f64 / 100.0
    }
}

/// The mean lengths of right and wrong multi-select options: the longer may be at most this many
/// percent above the shorter.
pub const MAX_MULTI_GAP_PCT: usize = 20;
/// The share (percent) of true/false answers that are true must lie in this range.
pub const TRUE_PCT: (usize, usize) = (35, 65);
/// The limits apply to a bank once it has this many questions of the kind (for multi-select: this
/// many right options and this many wrong ones): with fewer, one question moves the share by more
/// than the tolerance (three true/false questions can only be 33% or 67% true). Every bank's
/// figures are still measured ([`Report::shapes`]), and `tests/quiz_banks.rs` holds the built-in
/// banks together to the same limits.
pub const MIN_SAMPLE: usize = 5;
/// Two prompts are near-identical when the Jaccard similarity of their word sets
/// ([`prompt_words`]) is at least this: half of all the words either uses, shared.
pub const MAX_PROMPT_SIMILARITY: f64 = 0.5;
/// A rationale (the `why` of a right option, or an explanation) must have at least this many
/// words beyond its verdict and its citations ([`explaining_words`]).
pub const MIN_EXPLAINING_WORDS: usize = 6;

/// What the options of a set of questions give away by their form. Lengths are in characters
/// (Unicode scalar values) of the trimmed option text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Single-choice questions.
    pub single: usize,
    /// Single-choice questions whose key is strictly longer than every other option.
    pub key_longest: usize,
    /// The expected number of single-choice questions answered right by always picking a longest
    /// option (a random one among equally long ones).
    pub longest_score: f64,
    /// Single-choice questions whose key is strictly shorter than every other option.
    pub key_shortest: usize,
    /// The expected number answered right by always picking a shortest option.
    pub shortest_score: f64,
    /// Chance for `key_longest`: the expected number of single-choice questions whose key would be
    /// strictly the longest if the key were a uniformly random option (per question, 1/k when one
    /// option of the k is strictly the longest, 0 when the longest length is tied).
    pub longest_chance: f64,
    /// Chance for `key_shortest`, likewise.
    pub shortest_chance: f64,
    /// The expected number of single-choice questions answered right by picking an option
    /// uniformly at random (the sum of 1/k over the questions).
    pub random_score: f64,
    /// Multi-select questions.
    pub multi: usize,
    /// Right multi-select options and their characters.
    pub right_options: usize,
    pub right_chars: usize,
    /// Wrong multi-select options and their characters.
    pub wrong_options: usize,
    pub wrong_chars: usize,
    /// True/false questions, and those whose answer is true.
    pub truefalse: usize,
    pub true_answers: usize,
}

impl Shape {
    /// The shape of these questions; those whose key does not grade are left out.
    pub fn of<'a>(questions: impl IntoIterator<Item = &'a Question>) -> Shape {
        let mut s = Shape::default();
        for q in questions {
            let len = |i: usize| q.choices[i].text.trim().chars().count();
            match key(q) {
                // A generated scenario question is graded as a single-choice one.
                Ok(Key::One(k)) if matches!(q.kind, Kind::Single | Kind::Scenario) => {
                    s.single += 1;
                    let n = q.choices.len();
                    s.random_score += 1.0 / n as f64;
                    let lens: Vec<usize> = (0..n).map(len).collect();
                    let extreme = |e: Option<&usize>,
                                   key_strict: &mut usize,
                                   score: &mut f64,
                                   chance: &mut f64| {
                        let e = *e.unwrap_or(&0);
                        let tied = lens.iter().filter(|&&l| l == e).count();
                        if lens[k] == e {
                            *score += 1.0 / tied as f64;
                            if tied == 1 {
                                *key_strict += 1;
                            }
                        }
                        if tied == 1 {
                            *chance += 1.0 / n as f64;
                        }
                    };
                    extreme(
                        lens.iter().max(),
                        &mut s.key_longest,
                        &mut s.longest_score,
                        &mut s.longest_chance,
                    );
                    extreme(
                        lens.iter().min(),
                        &mut s.key_shortest,
                        &mut s.shortest_score,
                        &mut s.shortest_chance,
                    );
                }
                Ok(Key::Set(right)) => {
                    s.multi += 1;
                    for i in 0..q.choices.len() {
                        if right.contains(&i) {
                            s.right_options += 1;
                            s.right_chars += len(i);
                        } else {
                            s.wrong_options += 1;
                            s.wrong_chars += len(i);
                        }
                    }
                }
                Ok(Key::Bool(b)) => {
                    s.truefalse += 1;
                    s.true_answers += usize::from(b);
                }
                _ => {}
            }
        }
        s
    }

    /// Both sets of questions together.
    pub fn add(&mut self, o: &Shape) {
        self.single += o.single;
        self.key_longest += o.key_longest;
        self.longest_score += o.longest_score;
        self.key_shortest += o.key_shortest;
        self.shortest_score += o.shortest_score;
        self.longest_chance += o.longest_chance;
        self.shortest_chance += o.shortest_chance;
        self.random_score += o.random_score;
        self.multi += o.multi;
        self.right_options += o.right_options;
        self.right_chars += o.right_chars;
        self.wrong_options += o.wrong_options;
        self.wrong_chars += o.wrong_chars;
        self.truefalse += o.truefalse;
        self.true_answers += o.true_answers;
    }

    /// The mean lengths of right and wrong multi-select options, when there are both.
    pub fn multi_means(&self) -> Option<(f64, f64)> {
        (self.right_options > 0 && self.wrong_options > 0).then(|| {
            (
                self.right_chars as f64 / self.right_options as f64,
                self.wrong_chars as f64 / self.wrong_options as f64,
            )
        })
    }

    /// How far apart the two means are: the longer over the shorter, minus one (0.2 = 20%).
    pub fn multi_gap(&self) -> Option<f64> {
        let (r, w) = self.multi_means()?;
        let (lo, hi) = if r < w { (r, w) } else { (w, r) };
        Some(if lo == 0.0 {
            f64::INFINITY
        } else {
            hi / lo - 1.0
        })
    }

    /// The share of single-choice questions "always pick the longest option" gets right.
    pub fn longest_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.longest_score / self.single as f64)
    }

    /// The share of single-choice questions "always pick the shortest option" gets right.
    pub fn shortest_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.shortest_score / self.single as f64)
    }

    /// The share of single-choice questions picking an option at random gets right (the mean of
    /// 1/k).
    pub fn random_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.random_score / self.single as f64)
    }

    /// The share of true/false questions "always answer false" gets right.
    pub fn false_share(&self) -> Option<f64> {
        (self.truefalse > 0)
            .then(|| (self.truefalse - self.true_answers) as f64 / self.truefalse as f64)
    }

    /// The share of single-choice questions whose key is strictly the longest option.
    pub fn key_longest_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.key_longest as f64 / self.single as f64)
    }

    /// The share of single-choice questions whose key is strictly the shortest option.
    pub fn key_shortest_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.key_shortest as f64 / self.single as f64)
    }

    /// What [`Shape::key_longest_share`] would be by chance (a uniformly random key).
    pub fn longest_chance_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.longest_chance / self.single as f64)
    }

    /// What [`Shape::key_shortest_share`] would be by chance.
    pub fn shortest_chance_share(&self) -> Option<f64> {
        (self.single > 0).then(|| self.shortest_chance / self.single as f64)
    }

    /// One message per limit these questions break, each naming the figure and the limit. A
    /// share is judged only with at least `min_sample` questions of its kind. The rules of a
    /// bank (questions/README.md): the key strictly the longest option in at most
    /// [`MAX_KEY_LONGEST_PCT`]; multi-select gap; true/false share.
    pub fn problems(&self, min_sample: usize) -> Vec<String> {
        let pct = |n: usize, d: usize| (n as f64 * 100.0 / d as f64).round();
        let mut out = Vec::new();
        if self.single >= min_sample && self.key_longest * 100 > MAX_KEY_LONGEST_PCT * self.single {
            out.push(format!(
                "the key is strictly the longest option in {} of {} single-choice questions ({}%); the limit is {MAX_KEY_LONGEST_PCT}%",
                self.key_longest,
                self.single,
                pct(self.key_longest, self.single)
            ));
        }
        out.extend(self.multi_and_truefalse_problems(min_sample));
        out
    }

    /// Like [`Shape::problems`], for a family of generated questions, whose number of options
    /// varies: the key may be strictly the longest option, and strictly the shortest, each in at
    /// most [`extreme_limit`] of the single-choice questions (the bank limit, or chance plus a
    /// margin where the options are so few that chance alone comes near it); multi-select and
    /// true/false as for a bank. And always picking a longest option, or a shortest one, scores
    /// within [`MAX_PICK_GAP_PCT`] points of picking at random.
    pub fn problems_against_chance(&self, min_sample: usize) -> Vec<String> {
        let mut out = Vec::new();
        if self.single >= min_sample {
            let random = self.random_score / self.single as f64;
            for (what, score) in [
                ("a longest", self.longest_score),
                ("a shortest", self.shortest_score),
            ] {
                let share = score / self.single as f64;
                let gap = (share - random) * 100.0;
                if gap.abs() > MAX_PICK_GAP_PCT as f64 + 1e-9 {
                    out.push(format!(
                        "always picking {what} option scores {:.0}% of {} single-choice questions, picking at random {:.0}%: {:.0} points {}, the limit is {MAX_PICK_GAP_PCT}",
                        share * 100.0,
                        self.single,
                        random * 100.0,
                        gap.abs(),
                        if gap > 0.0 { "more" } else { "fewer" },
                    ));
                }
            }
            for (what, n, chance) in [
                ("longest", self.key_longest, self.longest_chance),
                ("shortest", self.key_shortest, self.shortest_chance),
            ] {
                let share = n as f64 / self.single as f64;
                let chance = chance / self.single as f64;
                let limit = extreme_limit(chance);
                if share > limit + 1e-9 {
                    out.push(format!(
                        "the key is strictly the {what} option in {n} of {} single-choice questions ({:.0}%); by chance {:.0}%, the limit is {:.0}%",
                        self.single,
                        share * 100.0,
                        chance * 100.0,
                        limit * 100.0
                    ));
                }
            }
        }
        out.extend(self.multi_and_truefalse_problems(min_sample));
        out
    }

    fn multi_and_truefalse_problems(&self, min_sample: usize) -> Vec<String> {
        let pct = |n: usize, d: usize| (n as f64 * 100.0 / d as f64).round();
        let mut out = Vec::new();
        if self.right_options >= min_sample && self.wrong_options >= min_sample {
            if let (Some((r, w)), Some(gap)) = (self.multi_means(), self.multi_gap()) {
                if gap * 100.0 > MAX_MULTI_GAP_PCT as f64 + 1e-9 {
                    out.push(format!(
                        "right multi-select options average {r:.0} characters and wrong ones {w:.0}, {:.0}% apart; the limit is {MAX_MULTI_GAP_PCT}%",
                        gap * 100.0
                    ));
                }
            }
        }
        let (lo, hi) = TRUE_PCT;
        let t = self.true_answers * 100;
        if self.truefalse >= min_sample && (t < lo * self.truefalse || t > hi * self.truefalse) {
            out.push(format!(
                "{} of {} true/false answers are true ({}%); the limit is {lo}% to {hi}%",
                self.true_answers,
                self.truefalse,
                pct(self.true_answers, self.truefalse)
            ));
        }
        out
    }
}

/// Words too common to tell two prompts apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has",
    "have", "if", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "what",
    "when", "which", "with",
];

/// The words of a prompt as the near-duplicate check compares them: runs of letters and digits,
/// lowercased, without [`STOP_WORDS`], as a set.
pub fn prompt_words(prompt: &str) -> BTreeSet<String> {
    prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// |a ∩ b| / |a ∪ b|; two empty sets are identical (1).
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// How alike two prompts are: [`jaccard`] of their [`prompt_words`].
pub fn prompt_similarity(a: &str, b: &str) -> f64 {
    jaccard(&prompt_words(a), &prompt_words(b))
}

/// Leading words that only give a verdict, when followed by punctuation ("Right.", "Correct:").
const VERDICTS: &[&str] = &[
    "right", "correct", "yes", "no", "true", "false", "wrong", "safe", "unsafe", "exactly",
];

/// Words that start a citation together with the word after them ("Section 5.2", "Figure 8").
const CITING: &[&str] = &[
    "section", "sections", "figure", "figures", "fig", "table", "theorem", "lemma", "chapter",
    "page", "step", "appendix",
];

/// The words of a rationale that can explain something: every word with a letter or digit,
/// except a leading verdict ("Right.", "Correct,"), a citation ("Section 5.2", "§4.4",
/// "Figure 8", "step 3": a citing word and a number or a short label) and a bare section number
/// ("5.2"; a whole number such as the 3 of "3 + 3 > 5" counts).
pub fn explaining_words(text: &str) -> usize {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut n = 0;
    let mut i = 0;
    if let Some(first) = words.first() {
        let punct = first.ends_with(['.', ',', ';', ':', '!']) || words.len() == 1;
        if punct && VERDICTS.contains(&bare(first).as_str()) {
            i = 1;
        }
    }
    while i < words.len() {
        let w = bare(words[i]);
        if words[i].trim_start_matches(['(', '[']).starts_with('§') {
            i += 1;
        } else if CITING.contains(&w.as_str())
            && words.get(i + 1).is_some_and(|next| {
                let next = bare(next);
                next.starts_with(|c: char| c.is_ascii_digit()) || (1..=3).contains(&next.len())
            })
        {
            i += 2;
        } else if w.is_empty()
            || (w.contains('.') && w.chars().all(|c| c.is_ascii_digit() || c == '.'))
        {
            i += 1;
        } else {
            n += 1;
            i += 1;
        }
    }
    n
}

/// A rationale that explains nothing: fewer than [`MIN_EXPLAINING_WORDS`] words beyond its verdict
/// and citations ("Right.", "Right, in Lamport's words.", "Right. Section 5.2.").
pub fn rationale_is_bare(text: &str) -> bool {
    explaining_words(text) < MIN_EXPLAINING_WORDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{Answer, Choice};

    fn run(files: &[(&str, &str)]) -> Vec<String> {
        let files: Vec<BankFile> = files
            .iter()
            .map(|(n, t)| BankFile::new(*n, t.to_string()))
            .collect();
        lint(&files)
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    const HEAD: &str = "topic: demo\ntitle: Demo\nquestions:\n";
    /// The rationale of the right option and the explanation of [`single`]: they explain.
    const WHY_A: &str = "one is the option the question asks for";
    const EXPLANATION: &str = "E, because the first option is the one asked for.";

    /// A valid single question with `id`; `patch` replaces text in it.
    fn single(id: &str) -> String {
        format!(
            "  - id: {id}
    difficulty: 1
    kind: single
    prompt: Which of the {} options?
    choices:
      - text: one
        why: {WHY_A}
      - text: two
        why: because not
    answer: A
    explanation: {EXPLANATION}
    sources:
      - ref: pms
        section: \"2.2\"
",
            id.replace('-', "")
        )
    }

    #[test]
    fn a_clean_bank_has_no_problems() {
        let text = format!("{HEAD}{}{}", single("demo-a"), single("demo-b"));
        let files = [BankFile::new("demo.yaml", text)];
        let r = lint(&files);
        assert_eq!(r.problems, vec![]);
        assert_eq!((r.files, r.questions), (1, 2));
    }

    #[test]
    fn yaml_syntax_error_has_file_line_col() {
        // A tab where indentation is expected, in the second question.
        let text = format!(
            "{HEAD}{}  - id: demo-b\n\tdifficulty: 1\n",
            single("demo-a")
        );
        let p = run(&[("demo.yaml", &text)]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0], "demo.yaml:19:1: demo-b: found a tab character that violates indentation, while scanning a plain scalar at line 18 column 9");
    }

    #[test]
    fn schema_error_names_the_question_and_other_questions_are_still_checked() {
        // demo-b: a choice without why (line 20 is its first choice). demo-c: answer out of range.
        let b = single("demo-b").replace(&format!("        why: {WHY_A}\n"), "");
        let c = single("demo-c").replace("answer: A", "answer: C");
        let text = format!("{HEAD}{}{b}{c}", single("demo-a"));
        let p = run(&[("demo.yaml", &text)]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with(
                "demo.yaml:23:9: demo-b: questions[1].choices[0]: missing field `why`"
            ),
            "{}",
            p[0]
        );
        assert_eq!(
            p[1],
            "demo.yaml:40:5: demo-c: answer C is out of range: 2 choices (A-B)"
        );
    }

    #[test]
    fn each_semantic_problem_points_at_its_field() {
        let cases: &[(&str, &str, &str)] = &[
            ("answer: A", "answer: [A]", "demo.yaml:13:5: demo-a: single takes one letter, not a list (A)"),
            ("answer: A", "answer: E", "demo.yaml:13:5: demo-a: answer E is out of range: 2 choices (A-B)"),
            ("difficulty: 1", "difficulty: 4", "demo.yaml:5:5: demo-a: difficulty 4 is outside 1..=3"),
            (EXPLANATION, "\"  \"", "demo.yaml:14:5: demo-a: missing explanation: say why the answer is right"),
            ("ref: pms", "ref: lamport", "demo.yaml:15:5: demo-a: unknown source ref `lamport` (see the table in questions/README.md)"),
            ("        why: because not\n", "        why: \"\"\n", "demo.yaml:8:5: demo-a: choice B has no why (why it is right or wrong)"),
            ("    sources:\n      - ref: pms\n        section: \"2.2\"\n", "    sources: []\n", "demo.yaml:15:5: demo-a: missing source: cite at least one (ref and section)"),
        ];
        for (from, to, want) in cases {
            let text = format!("{HEAD}{}", single("demo-a").replace(from, to));
            assert_eq!(
                run(&[("demo.yaml", &text)]),
                vec![want.to_string()],
                "{from} -> {to}"
            );
        }
    }

    #[test]
    fn kinds_keys_and_counts() {
        let multi = single("demo-m")
            .replace("kind: single", "kind: multi")
            .replace(
                "    answer: A",
                "      - text: three\n        why: w\n    answer: [A, A]",
            );
        let numeric = "  - id: demo-n\n    difficulty: 2\n    kind: numeric\n    prompt: How many?\n    answer: \"3\"\n    explanation: Explained at length, as it should be.\n    sources: [{ref: flp, section: \"1\"}]\n";
        let order = "  - id: demo-o\n    difficulty: 2\n    kind: order\n    prompt: Order\n    steps: [a, b]\n    explanation: Explained at length, as it should be.\n    sources: [{ref: flp, section: \"1\"}]\n";
        let text_q = "  - id: demo-t\n    difficulty: 2\n    kind: text\n    prompt: Why?\n    answer: Because.\n    explanation: Explained at length, as it should be.\n    sources: [{ref: flp, section: \"1\"}]\n";
        let text = format!("{HEAD}{multi}{numeric}{order}{text_q}");
        let p = run(&[("demo.yaml", &text)]);
        assert_eq!(
            p,
            vec![
                "demo.yaml:15:5: demo-m: answer lists A twice",
                "demo.yaml:24:5: demo-n: numeric answer must be a number, not \"3\"",
                "demo.yaml:31:5: demo-o: order needs 3 to 8 steps, found 2",
                "demo.yaml:36:5: demo-t: text needs 2 to 6 key_points (what a good answer says), found 0",
            ]
        );
    }

    #[test]
    fn ids_topics_and_duplicates_across_files() {
        let a = format!("{HEAD}{}{}", single("demo-a"), single("Demo_B"));
        let other = format!(
            "topic: other\ntitle: Other\nquestions:\n{}",
            single("demo-a")
        );
        let p = run(&[("dir/demo.yaml", &a), ("dir/misnamed.yaml", &other)]);
        assert_eq!(
            p,
            vec![
                "dir/demo.yaml:18:5: Demo_B: id must be `demo-<slug>`, with lowercase letters, digits and dashes",
                "dir/misnamed.yaml:4:5: demo-a: id must be `other-<slug>`, with lowercase letters, digits and dashes",
                "dir/misnamed.yaml:4:5: demo-a: duplicate id: first defined at dir/demo.yaml:4",
            ]
        );
    }

    #[test]
    fn id_lines_handle_quotes_and_comments() {
        let t = "questions:\n  - id: \"demo-a\"  # first\n    kind: single\n  -   id: 'demo-b'\n";
        let ids = id_lines(t);
        assert_eq!(
            ids[0],
            IdLine {
                line: 2,
                col: 5,
                id: "demo-a".into()
            }
        );
        assert_eq!(
            ids[1],
            IdLine {
                line: 4,
                col: 7,
                id: "demo-b".into()
            }
        );
    }

    fn choice(text: &str, why: &str) -> Choice {
        Choice {
            text: text.into(),
            why: why.into(),
        }
    }

    /// A single-choice question whose options have these lengths, the key at `key`.
    fn single_q(lens: &[usize], key: usize) -> Question {
        let mut q = Question::stub("demo-s", "demo", Kind::Single);
        q.choices = lens
            .iter()
            .enumerate()
            .map(|(i, &n)| choice(&format!("{}{}", letter(i), "x".repeat(n - 1)), "w"))
            .collect();
        q.answer = Some(Answer::Text(letter(key).to_string()));
        q
    }

    #[test]
    fn key_longest_counts_only_a_strictly_longest_key_and_ties_share_the_guess() {
        let qs = [
            single_q(&[10, 20, 30], 2), // strictly longest: counted, a sure guess
            single_q(&[30, 30, 10], 0), // tied: not counted, half a guess
            single_q(&[10, 20, 30], 0), // shortest
        ];
        let s = Shape::of(&qs);
        assert_eq!((s.single, s.key_longest), (3, 1));
        assert!((s.longest_score - 1.5).abs() < 1e-9, "{}", s.longest_score);
        assert!((s.longest_share().unwrap() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn key_shortest_and_chance_count_strict_extremes_only() {
        let qs = [
            single_q(&[10, 20, 30], 0),     // strictly shortest; chance 1/3 each way
            single_q(&[10, 10, 30], 0),     // shortest tied: not counted, no shortest chance
            single_q(&[10, 20, 30, 40], 3), // strictly longest; chance 1/4 each way
        ];
        let s = Shape::of(&qs);
        assert_eq!((s.single, s.key_shortest, s.key_longest), (3, 1, 1));
        assert!(
            (s.shortest_score - 1.5).abs() < 1e-9,
            "{}",
            s.shortest_score
        );
        let third = 1.0 / 3.0;
        assert!((s.shortest_chance - (third + 0.25)).abs() < 1e-9);
        assert!((s.longest_chance - (2.0 * third + 0.25)).abs() < 1e-9);
        assert!((s.key_shortest_share().unwrap() - third).abs() < 1e-9);
        assert!((s.shortest_chance_share().unwrap() - (third + 0.25) / 3.0).abs() < 1e-9);
        // A generated question is graded, and measured, as a single-choice one.
        let mut g = single_q(&[10, 20, 30], 2);
        g.kind = Kind::Scenario;
        assert_eq!(Shape::of([&g]).key_longest, 1);
    }

    #[test]
    fn against_chance_the_limit_is_30_percent_or_chance_plus_10_points() {
        // Only the strict-extreme messages here; the pick rule has its own test.
        let strict = |qs: &[Question]| -> Vec<String> {
            Shape::of(qs)
                .problems_against_chance(MIN_SAMPLE)
                .into_iter()
                .filter(|p| p.contains("strictly"))
                .collect()
        };
        assert!((extreme_limit(0.20) - 0.30).abs() < 1e-9);
        assert!((extreme_limit(0.25) - 0.30).abs() < 1e-9);
        assert!((extreme_limit(1.0 / 3.0) - (1.0 / 3.0 + 0.10)).abs() < 1e-9);
        // Three options each (chance 33%, limit 43%): 4 of 10 strictly longest passes, 5 fails.
        let mut qs: Vec<Question> = (0..6).map(|_| single_q(&[20, 10, 30], 0)).collect();
        qs.extend((0..4).map(|_| single_q(&[10, 20, 30], 2)));
        assert_eq!(strict(&qs), Vec::<String>::new());
        // The bank rule is stricter for the same questions.
        assert_eq!(Shape::of(&qs).problems(MIN_SAMPLE).len(), 1);
        qs[0] = single_q(&[10, 20, 30], 2);
        assert_eq!(
            strict(&qs),
            vec!["the key is strictly the longest option in 5 of 10 single-choice questions (50%); by chance 33%, the limit is 43%"]
        );
        // The shortest is judged the same way; five options each: chance 20%, limit 30%.
        let mut qs: Vec<Question> = (0..6).map(|_| single_q(&[30, 10, 20, 40, 50], 0)).collect();
        qs.extend((0..4).map(|_| single_q(&[10, 20, 30, 40, 50], 0)));
        assert_eq!(
            strict(&qs),
            vec!["the key is strictly the shortest option in 4 of 10 single-choice questions (40%); by chance 20%, the limit is 30%"]
        );
    }

    #[test]
    fn always_picking_an_extreme_scores_within_10_points_of_random_either_way() {
        // Three options each: random scores 1/3. The key shortest in 4 of 10 and tied for the
        // longest with one other in 2 (half a guess each): a longest scores 10%, a shortest 40%.
        let mut qs: Vec<Question> = (0..4).map(|_| single_q(&[10, 20, 30], 0)).collect();
        qs.extend((0..2).map(|_| single_q(&[30, 30, 10], 0)));
        qs.extend((0..4).map(|_| single_q(&[10, 20, 30], 1)));
        let s = Shape::of(&qs);
        assert!((s.random_share().unwrap() - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.longest_share().unwrap() - 0.1).abs() < 1e-9);
        let picks: Vec<String> = s
            .problems_against_chance(MIN_SAMPLE)
            .into_iter()
            .filter(|p| p.starts_with("always"))
            .collect();
        assert_eq!(
            picks,
            vec!["always picking a longest option scores 10% of 10 single-choice questions, picking at random 33%: 23 points fewer, the limit is 10"]
        );
        // A shortest at 40% is 7 points over: within. One more strictly shortest key (50%) is not.
        qs[9] = single_q(&[10, 20, 30], 0);
        let picks: Vec<String> = Shape::of(&qs)
            .problems_against_chance(MIN_SAMPLE)
            .into_iter()
            .filter(|p| p.contains("a shortest"))
            .collect();
        assert_eq!(
            picks,
            vec!["always picking a shortest option scores 50% of 10 single-choice questions, picking at random 33%: 17 points more, the limit is 10"]
        );
    }

    #[test]
    fn key_longest_limit_is_30_percent_from_five_questions() {
        // 3 of 10 (30%) passes; 4 of 10 fails.
        let mut qs: Vec<Question> = (0..7).map(|_| single_q(&[10, 20, 30], 0)).collect();
        qs.extend((0..3).map(|_| single_q(&[10, 20, 30], 2)));
        assert_eq!(Shape::of(&qs).problems(MIN_SAMPLE), Vec::<String>::new());
        qs[0] = single_q(&[10, 20, 30], 2);
        assert_eq!(
            Shape::of(&qs).problems(MIN_SAMPLE),
            vec!["the key is strictly the longest option in 4 of 10 single-choice questions (40%); the limit is 30%"]
        );
        // Four questions are too few to judge: one question is 25% of them.
        let few: Vec<Question> = (0..4).map(|_| single_q(&[10, 20, 30], 2)).collect();
        assert!(Shape::of(&few).problems(MIN_SAMPLE).is_empty());
    }

    /// A multi-select question: right options of length `right`, wrong ones of length `wrong`.
    fn multi_q(right: &[usize], wrong: &[usize]) -> Question {
        let mut q = Question::stub("demo-m", "demo", Kind::Multi);
        for (i, &n) in right.iter().chain(wrong).enumerate() {
            q.choices
                .push(choice(&format!("{}{}", letter(i), "x".repeat(n - 1)), "w"));
        }
        q.answer = Some(Answer::Letters(
            (0..right.len()).map(|i| letter(i).to_string()).collect(),
        ));
        q
    }

    #[test]
    fn multi_gap_compares_mean_lengths_of_right_and_wrong_options() {
        // Right 60 on average, wrong 50: 20% apart, at the limit.
        let at_limit: Vec<Question> = (0..5).map(|_| multi_q(&[50, 70], &[40, 60])).collect();
        let s = Shape::of(&at_limit);
        assert_eq!((s.right_options, s.right_chars), (10, 600));
        assert_eq!((s.wrong_options, s.wrong_chars), (10, 500));
        assert!((s.multi_gap().unwrap() - 0.2).abs() < 1e-9);
        assert!(s.problems(MIN_SAMPLE).is_empty());
        // Right 84, wrong 65: 29% apart.
        let over: Vec<Question> = (0..5).map(|_| multi_q(&[84], &[65, 65])).collect();
        assert_eq!(
            Shape::of(&over).problems(MIN_SAMPLE),
            vec!["right multi-select options average 84 characters and wrong ones 65, 29% apart; the limit is 20%"]
        );
        // The gap is symmetric: wrong options much longer fail too.
        let wrong_long: Vec<Question> = (0..5).map(|_| multi_q(&[50], &[80, 80])).collect();
        assert_eq!(Shape::of(&wrong_long).problems(MIN_SAMPLE).len(), 1);
        // Judged by options: four right options are too few.
        let few: Vec<Question> = (0..4).map(|_| multi_q(&[84], &[65, 65])).collect();
        assert!(Shape::of(&few).problems(MIN_SAMPLE).is_empty());
    }

    fn tf(answer: bool) -> Question {
        let mut q = Question::stub("demo-t", "demo", Kind::Truefalse);
        q.answer = Some(Answer::Bool(answer));
        q
    }

    #[test]
    fn true_share_must_be_35_to_65_percent() {
        let bank = |t: usize, f: usize| -> Vec<Question> {
            (0..t)
                .map(|_| tf(true))
                .chain((0..f).map(|_| tf(false)))
                .collect()
        };
        for (t, f, ok) in [
            (7, 13, true),
            (13, 7, true),
            (3, 7, false),
            (7, 3, false),
            (0, 4, true),
        ] {
            let s = Shape::of(&bank(t, f));
            assert_eq!(s.problems(MIN_SAMPLE).is_empty(), ok, "{t} true, {f} false");
            assert!((s.false_share().unwrap() - f as f64 / (t + f) as f64).abs() < 1e-9);
        }
        assert_eq!(
            Shape::of(&bank(2, 8)).problems(MIN_SAMPLE),
            vec!["2 of 10 true/false answers are true (20%); the limit is 35% to 65%"]
        );
    }

    #[test]
    fn prompt_similarity_is_jaccard_over_words_without_stop_words() {
        assert_eq!(
            prompt_words("What is the fast quorum, for N = 5?"),
            ["5", "fast", "n", "quorum"]
                .map(String::from)
                .into_iter()
                .collect()
        );
        // The numeric variants of one formula: 8 of 10 words shared.
        let a = "With N = 5 replicas, how many replicas are in the EPaxos optimised fast quorum?";
        let b = "With N = 7 replicas, how many replicas are in the EPaxos optimised fast quorum?";
        assert!((prompt_similarity(a, b) - 0.8).abs() < 1e-9);
        assert!(prompt_similarity(a, b) >= MAX_PROMPT_SIMILARITY);
        // Same topic, different question.
        let c =
            "An EPaxos command leader gets replies with different deps. Which path does it take?";
        assert!(prompt_similarity(a, c) < MAX_PROMPT_SIMILARITY);
        assert_eq!(prompt_similarity("", ""), 1.0);
    }

    #[test]
    fn near_identical_prompts_are_reported_at_the_later_one_across_files() {
        let a = format!(
            "{HEAD}{}",
            single("demo-a").replace(
                "prompt: Which of the demoa options?",
                "prompt: How many replicas form the fast quorum for N = 5?"
            )
        );
        let b = format!(
            "topic: other\ntitle: Other\nquestions:\n{}",
            single("other-b").replace(
                "prompt: Which of the otherb options?",
                "prompt: How many replicas form the fast quorum for N = 7?"
            )
        );
        let p = run(&[("demo.yaml", &a), ("other.yaml", &b)]);
        assert_eq!(
            p,
            vec!["other.yaml:4:5: other-b: prompt is near-identical to demo-a's (demo.yaml:4): word-set similarity 0.78 (near-identical from 0.50); merge them or make them ask different things"]
        );
    }

    #[test]
    fn a_bare_rationale_is_a_verdict_or_a_citation() {
        for bare in [
            "Right.",
            "Correct.",
            "Right, in Lamport's words.",
            "Right. Section 5.2.",
            "Right; this is P1a.",
            "Right. Step 2 of the protocol.",
            "Right (§4.4, Figure 3).",
        ] {
            assert!(rationale_is_bare(bare), "{bare}");
        }
        for explains in [
            "Right. The acceptor promised 5, and 5 is not greater than 5, so it accepts.",
            "Safe: classic majorities, 3 + 3 = 6 > 5.",
            "Right: a new leader must commit an entry of its own term first (Section 6).",
            "No two majorities of five acceptors are disjoint.",
        ] {
            assert!(!rationale_is_bare(explains), "{explains}");
        }
        assert_eq!(
            explaining_words("Right. Section 5.2 says the timer resets on a vote."),
            7
        );
    }

    #[test]
    fn a_bare_rationale_is_reported_at_its_field() {
        let text = format!(
            "{HEAD}{}",
            single("demo-a")
                .replace(WHY_A, "\"Right. Section 2.2.\"")
                .replace(EXPLANATION, "Correct.")
        );
        assert_eq!(
            run(&[("demo.yaml", &text)]),
            vec![
                "demo.yaml:14:5: demo-a: the explanation is only a verdict or a citation (\"Correct.\"): say why the answer is right",
                "demo.yaml:8:5: demo-a: choice A is right but its why is only a verdict or a citation (\"Right. Section 2.2.\"): say why it is right",
            ]
        );
    }

    #[test]
    fn a_skewed_bank_fails_with_a_line_naming_figure_and_limit() {
        // Five true/false questions, all false.
        let tfq = |i: usize| {
            format!("  - id: demo-t{i}\n    difficulty: 1\n    kind: truefalse\n    prompt: Statement number {i} about topic{i}.\n    answer: false\n    explanation: It is false because the protocol says otherwise.\n    sources: [{{ref: pms, section: \"2\"}}]\n")
        };
        let text = format!("{HEAD}{}", (0..5).map(tfq).collect::<String>());
        let files = [BankFile::new("demo.yaml", text)];
        let r = lint(&files);
        let p: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(p, vec!["demo.yaml:1:1: demo: 0 of 5 true/false answers are true (0%); the limit is 35% to 65%"]);
        assert_eq!(r.shapes["demo.yaml"].truefalse, 5);
    }
}
