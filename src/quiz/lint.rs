//! `bank lint`: every problem in a set of bank files, one line each, `file:line:col: id: message`.
//!
//! YAML syntax and schema errors come from serde_yaml with their location. For the checks serde
//! cannot make (keys that do not match the choices, unknown sources, ids, counts), the location is
//! found in the text: the line of the question's `id:`, or of the offending field within that
//! question. A file with a schema error in one question still has its other questions checked.
//! Pure: files in, problems out.

use std::collections::BTreeMap;
use std::fmt;

use super::bank::BankFile;
use super::grade::{key, kind_name, letter};
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
    let mut banks = Vec::new();
    for f in files {
        let before = report.problems.len();
        if let Some(mut bank) = lint_file(f, &mut report, &mut ids) {
            let bad: Vec<&str> = report.problems[before..]
                .iter()
                .filter_map(|p| p.id.as_deref())
                .collect();
            bank.questions.retain(|q| !bad.contains(&q.id.as_str()));
            banks.push((f.name.clone(), bank));
        }
    }
    (report, banks)
}

fn lint_file(
    f: &BankFile,
    report: &mut Report,
    ids: &mut BTreeMap<String, String>,
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A valid single question with `id`; `patch` replaces text in it.
    fn single(id: &str) -> String {
        format!(
            "  - id: {id}
    difficulty: 1
    kind: single
    prompt: Which?
    choices:
      - text: one
        why: because
      - text: two
        why: because not
    answer: A
    explanation: E.
    sources:
      - ref: pms
        section: \"2.2\"
"
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
        let b = single("demo-b").replace("        why: because\n", "");
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
            ("explanation: E.", "explanation: \"  \"", "demo.yaml:14:5: demo-a: missing explanation: say why the answer is right"),
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
        let numeric = "  - id: demo-n\n    difficulty: 2\n    kind: numeric\n    prompt: How many?\n    answer: \"3\"\n    explanation: E.\n    sources: [{ref: flp, section: \"1\"}]\n";
        let order = "  - id: demo-o\n    difficulty: 2\n    kind: order\n    prompt: Order\n    steps: [a, b]\n    explanation: E.\n    sources: [{ref: flp, section: \"1\"}]\n";
        let text_q = "  - id: demo-t\n    difficulty: 2\n    kind: text\n    prompt: Why?\n    answer: Because.\n    explanation: E.\n    sources: [{ref: flp, section: \"1\"}]\n";
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
}
