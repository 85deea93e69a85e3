//! Text for people: questions, answer hints, feedback, session summaries, stats and bank tables,
//! lint reports. Every function returns a `String` (tested by snapshots); the drivers print them.
//! Colour goes through `colored`, which `Ui::detect` switches on or off for the whole process.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use colored::Colorize;

use super::grade::{expected, kind_name, letter, Key, Presented, Response, KINDS};
use super::lint::Report;
use super::memory::{Stats, Tally, WEAK_MIN_ANSWERS};
use super::model::{Bank, Kind, Source, SOURCES};
use super::session::{Asked, Outcome, Quit, SessionLog};

/// The heading of question `number` of `total`.
pub fn heading(number: usize, total: usize, p: &Presented) -> String {
    let q = &p.question;
    let head = format!("Question {number} of {total}");
    format!(
        "{} · {} · {} · difficulty {} · {}",
        head.bold(),
        q.topic,
        kind_name(q.kind),
        q.difficulty,
        q.id.dimmed()
    )
}

/// The prompt, and the instruction for its kind, without the options. The instruction is left
/// out when the prompt already gives it ("True or false: …", "Select all that apply.").
pub fn prompt(p: &Presented) -> String {
    let mut s = p.question.prompt.trim_end().to_string();
    s.push('\n');
    let said = |phrases: &[&str]| {
        let lower = p.question.prompt.to_lowercase();
        phrases.iter().any(|ph| lower.contains(ph))
    };
    match p.question.kind {
        Kind::Multi if !said(&["select all", "choose every", "choose all", "all that apply"]) => {
            s.push_str(&"Choose every right answer.\n".italic().to_string())
        }
        Kind::Truefalse if !said(&["true or false"]) => {
            s.push_str(&"True or false?\n".italic().to_string())
        }
        _ => {}
    }
    s
}

/// The options as shown: lettered choices, or numbered steps.
pub fn options(p: &Presented) -> Vec<String> {
    let q = &p.question;
    (0..p.options())
        .map(|d| match q.kind {
            Kind::Order => format!("{}. {}", d + 1, q.steps[p.original(d)].trim()),
            _ => format!("{}. {}", letter(d), q.choices[p.original(d)].text.trim()),
        })
        .collect()
}

/// A whole question in plain mode: heading, prompt, options (one line each, for scripts).
pub fn question(number: usize, total: usize, p: &Presented) -> String {
    question_wrapped(number, total, p, usize::MAX)
}

/// A whole question, each option wrapped to `width` columns with a hanging indent.
pub fn question_wrapped(number: usize, total: usize, p: &Presented, width: usize) -> String {
    let mut s = format!("{}\n{}", heading(number, total, p), prompt(p));
    let opts = options(p);
    if !opts.is_empty() {
        s.push('\n');
        for o in opts {
            s.push_str(&hang(&o, 2, 5, width));
        }
    }
    s
}

/// Reflow text for a terminal `width` columns wide. Within a paragraph (lines separated by a blank
/// line) plain lines are joined and re-wrapped, so text written wrapped at another width reads
/// well; lines that start with spaces or a list marker keep their own line, wrapped with their
/// indentation as a hanging indent. Colour codes do not count toward the width.
pub fn fit(text: &str, width: usize) -> String {
    /// Where the text of an indented or list line starts (after its indentation and markers).
    fn hang_at(line: &str) -> Option<usize> {
        let indent = line.len() - line.trim_start().len();
        let mut at = indent;
        // `at` counts columns: colour codes inside markers take none.
        let mut marked = false;
        for token in line.trim_start().split(' ') {
            let token = &*dialoguer::console::strip_ansi_codes(token);
            let is_marker = matches!(token, "-" | "*" | "✘" | "✔" | "•")
                || (token.len() <= 3
                    && token.ends_with('.')
                    && token[..token.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric()));
            if !is_marker || token.is_empty() {
                break;
            }
            at += token.chars().count() + 1;
            marked = true;
        }
        (indent > 0 || marked).then_some(at)
    }
    // A line stands alone if it is a heading or a citation; it continues the paragraph only when
    // the line before it was long, i.e. wrapped by its author.
    fn hard(line: &str) -> bool {
        let line = dialoguer::console::strip_ansi_codes(line);
        line.contains(" · ") || line.starts_with("Source:") || line.starts_with("Sources:")
    }
    const WRAPPED: usize = 60;
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            out.push_str(&wrap_measured(&para.join(" "), 0, 0, width));
            para.clear();
        }
    };
    for line in text.split('\n') {
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            out.push('\n');
        } else if let Some(at) = hang_at(line) {
            flush(&mut para, &mut out);
            let indent = line.len() - line.trim_start().len();
            out.push_str(&wrap_measured(line.trim_start(), indent, at, width));
        } else if hard(line) {
            flush(&mut para, &mut out);
            out.push_str(&wrap_measured(line, 0, 0, width));
        } else {
            let continues = para
                .last()
                .is_some_and(|prev| dialoguer::console::measure_text_width(prev) >= WRAPPED);
            if !continues {
                flush(&mut para, &mut out);
            }
            para.push(line);
        }
    }
    flush(&mut para, &mut out);
    // `split` yields a final empty piece for a trailing newline: keep the text's own ending.
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

/// `hang`, measuring words without their colour codes.
fn wrap_measured(text: &str, first: usize, rest: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(first);
    let mut len = first;
    let mut fresh = true;
    for word in text.split_whitespace() {
        let w = dialoguer::console::measure_text_width(word);
        if !fresh && len + 1 + w > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(rest);
            len = rest;
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Word-wrap `text` to `width` columns: the first line indented by `first`, the rest by `rest`.
/// Words longer than a line are kept whole. Ends with a newline.
pub fn hang(text: &str, first: usize, rest: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(first);
    let mut fresh = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !fresh && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(rest);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The line that asks for the answer in plain mode.
pub fn answer_hint(p: &Presented) -> String {
    format!("Your answer ({}):", expected(p))
}

/// The model answer and key points of a text question, then the self-grading question.
pub fn model_answer(p: &Presented) -> String {
    let q = &p.question;
    let mut s = format!("{}\n", "Model answer:".bold());
    if let Key::Text(model) = &p.key {
        for line in model.trim_end().lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    let _ = writeln!(s, "{}", "A good answer makes these points:".bold());
    for k in &q.key_points {
        let _ = writeln!(s, "  - {}", k.trim());
    }
    s
}

/// The self-grading question of a text answer.
pub const SELF_GRADE: &str = "Did your answer make these points? (y/n):";

/// Right or wrong, what the right answer is, why each option is right or wrong, the explanation
/// and the sources: [`verdict`], then [`feedback_body`].
pub fn feedback(p: &Presented, o: &Outcome) -> String {
    format!("{}{}", verdict(p, o), feedback_body(p, o))
}

/// The first line of the feedback: right or wrong, what was answered (letters or numbers, as
/// typed in plain mode), and the key when wrong; for multi and order, how many items were right.
pub fn verdict(p: &Presented, o: &Outcome) -> String {
    let right = p.right_response();
    let mut s = String::new();
    let verdict = if o.correct {
        "Right.".green().bold()
    } else {
        "Wrong.".red().bold()
    };
    match &o.response {
        Some(Response::Text { right: r, .. }) => {
            let _ = writeln!(
                s,
                "{verdict} You marked your answer {}.",
                if *r {
                    "as making the points"
                } else {
                    "as missing some points"
                }
            );
        }
        Some(r) if o.correct => {
            let _ = writeln!(s, "{verdict} You answered {}.", r.show());
        }
        Some(r) => {
            let detail = match r {
                Response::Set(ds) => {
                    let m = p.set_marks(ds);
                    let n = m.found.len() + m.missed.len();
                    let wrong = match m.wrong.len() {
                        0 => "no wrong one".to_string(),
                        1 => "1 wrong one".to_string(),
                        k => format!("{k} wrong ones"),
                    };
                    format!(
                        " {} of the {n} right answers chosen, {wrong} chosen.",
                        m.found.len()
                    )
                }
                Response::Order(ds) => {
                    let marks = p.order_marks(ds);
                    let placed = marks.iter().enumerate().filter(|(i, b)| i == *b).count();
                    format!(" {placed} of {} steps in their place.", marks.len())
                }
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "{verdict}{detail} You answered {}; {}",
                r.show(),
                the_answer(p, &right)
            );
        }
        None => {
            let _ = writeln!(s, "{verdict}");
        }
    }
    s
}

/// A bank's note on an option without a leading "Right." or "Wrong." (the label says which it
/// is, and "Right." under the learner's wrong choice would read as praise).
fn why_note(why: &str) -> String {
    let rest = strip_verdict(why);
    // "Right: it has promised…" reads "It has promised…" once the verdict is gone.
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if rest.len() < why.trim().len() => c.to_uppercase().chain(chars).collect(),
        _ => rest.to_string(),
    }
}

fn strip_verdict(why: &str) -> &str {
    let w = why.trim();
    for lead in [
        "Right.",
        "Correct.",
        "Wrong.",
        "Incorrect.",
        "Right:",
        "Wrong:",
    ] {
        if let Some(rest) = w.strip_prefix(lead) {
            let rest = rest.trim_start();
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    w
}

/// Everything after the verdict: the options item by item, the explanation, the sources.
pub fn feedback_body(p: &Presented, o: &Outcome) -> String {
    let q = &p.question;
    let mut s = String::new();
    match (&p.key, q.kind) {
        (Key::One(_) | Key::Set(_), _) => {
            let chosen: Vec<usize> = match &o.response {
                Some(Response::One(d)) => vec![*d],
                Some(Response::Set(ds)) => ds.clone(),
                _ => vec![],
            };
            let is_right = |d: usize| match &p.key {
                Key::One(k) => p.original(d) == *k,
                Key::Set(ks) => ks.contains(&p.original(d)),
                _ => false,
            };
            let multi = matches!(p.key, Key::Set(_));
            s.push('\n');
            for d in 0..p.options() {
                let c = &q.choices[p.original(d)];
                let mark = if is_right(d) {
                    "✔".green().to_string()
                } else {
                    "✘".red().to_string()
                };
                let label = match (is_right(d), chosen.contains(&d), multi) {
                    (true, true, false) => "← the answer, your answer".green().bold().to_string(),
                    (true, false, false) => "← the answer".green().bold().to_string(),
                    (false, true, false) => "← your answer".red().bold().to_string(),
                    (true, true, true) => "← right, you chose it".green().bold().to_string(),
                    (true, false, true) => "← right, you missed it".red().bold().to_string(),
                    (false, true, true) => "← wrong, you chose it".red().bold().to_string(),
                    (false, false, _) => String::new(),
                };
                let label = if label.is_empty() {
                    label
                } else {
                    format!("  {label}")
                };
                let _ = writeln!(s, "  {mark} {}. {}{label}", letter(d), c.text.trim());
                for line in why_note(&c.why).lines() {
                    let _ = writeln!(s, "       {}", line.dimmed());
                }
            }
        }
        (Key::Order(_), _) => {
            if let (Some(Response::Order(ds)), false) = (&o.response, o.correct) {
                let marks = p.order_marks(ds);
                let _ = writeln!(s, "\nYour order, step by step:");
                for (pos, (&d, &belongs)) in ds.iter().zip(&marks).enumerate() {
                    let note = if belongs == pos {
                        format!("{} in its place", "✔".green())
                    } else {
                        format!("{} belongs at {}", "✘".red(), belongs + 1)
                    };
                    let _ = writeln!(
                        s,
                        "  {}. {}  {note}",
                        pos + 1,
                        q.steps[p.original(d)].trim()
                    );
                }
            }
            let _ = writeln!(s, "\nThe right order:");
            for (i, step) in q.steps.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "  {}. {}  (shown as {})",
                    i + 1,
                    step.trim(),
                    p.displayed(i) + 1
                );
            }
        }
        _ => {}
    }
    let _ = writeln!(s, "\n{}", q.explanation.trim_end());
    s.push_str(&sources(&q.sources));
    s
}

/// What plain mode says after a line it cannot read: the first time it asks again.
pub fn unreadable_again(given: &str, reason: &str) -> String {
    format!(
        "Could not read {:?} as an answer: {reason}. Once more:",
        given.trim()
    )
}

/// What is said when an answer could not be read twice: the question is skipped, not graded.
pub fn skipped(given: &str, reason: &str) -> String {
    format!(
        "{} Could not read {:?} as an answer either ({reason}): not graded, not recorded.\n",
        "Skipped.".yellow().bold(),
        given.trim()
    )
}

/// "the answer is B" in the terms of the kind.
fn the_answer(p: &Presented, right: &Response) -> String {
    match &p.key {
        Key::One(_) => format!("the answer is {}.", right.show()),
        Key::Set(v) if v.len() == 1 => format!("the answer is {} alone.", right.show()),
        Key::Set(_) => format!("the answer is {}.", right.show()),
        Key::Bool(b) => format!("the statement is {b}."),
        Key::Order(_) => format!("the right order is {}.", right.show()),
        Key::Number { value, tolerance } if *tolerance > 0.0 => {
            format!("the answer is {value} (give or take {tolerance}).")
        }
        Key::Number { value, .. } => format!("the answer is {value}."),
        Key::Text(_) => "see the model answer.".to_string(),
    }
}

/// "Source: <citation>, section 2.2", one line per source.
pub fn sources(list: &[Source]) -> String {
    let mut s = String::new();
    for src in list {
        let cite = SOURCES
            .iter()
            .find(|(k, _)| *k == src.reference)
            .map_or(src.reference.as_str(), |(_, c)| c);
        let section = src.section.trim();
        let place = if section.starts_with(|c: char| c.is_ascii_digit()) {
            format!("section {section}")
        } else {
            section.to_string()
        };
        let _ = writeln!(s, "{} {cite}, {place}", "Source:".dimmed());
    }
    s
}

/// The end of a session: score, a table by topic, what to review, and how to repeat it.
pub fn summary(log: &SessionLog) -> String {
    let mut s = String::new();
    let n = log.asked.len();
    match log.quit {
        Some(q) => {
            let why = match q {
                Quit::Eof => "end of input",
                Quit::Esc => "stopped",
                Quit::Interrupt => "interrupted",
            };
            let _ = writeln!(
                s,
                "{} ({why}) after {n} of {} questions.",
                "Session ended early".bold(),
                log.planned
            );
        }
        None => {
            let _ = writeln!(s, "{}", "Session complete.".bold());
        }
    }
    let graded: Vec<&Asked> = log.asked.iter().filter(|a| !a.skipped).collect();
    if graded.is_empty() {
        let _ = writeln!(s, "No questions answered.");
    } else {
        let total = Tally {
            answered: graded.len() as u32,
            correct: log.correct() as u32,
        };
        let _ = writeln!(
            s,
            "Score: {} of {} right ({}%).",
            total.correct,
            total.answered,
            total.percent().unwrap_or(0)
        );
        let rows: Vec<Vec<String>> = log
            .by_topic()
            .iter()
            .map(|(t, x)| {
                vec![
                    t.clone(),
                    format!("{} of {}", x.correct, x.answered),
                    pct(x),
                ]
            })
            .collect();
        s.push_str(&table(
            &["topic", "right", "%"],
            &[false, true, true],
            &rows,
        ));
        let wrong: Vec<&str> = graded
            .iter()
            .filter(|a| !a.correct)
            .map(|a| a.id.as_str())
            .collect();
        if !wrong.is_empty() {
            let _ = writeln!(s, "To review: {}", wrong.join(", "));
            let _ = writeln!(
                s,
                "They are due again now: `{}` asks what is due, these among it.",
                log.due_command
            );
        }
    }
    let skipped: Vec<&str> = log
        .asked
        .iter()
        .filter(|a| a.skipped)
        .map(|a| a.id.as_str())
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            s,
            "Skipped (answer not read, not graded): {}",
            skipped.join(", ")
        );
    }
    if log.repeat.contains(" --review") || log.repeat.contains(" --due") {
        let _ = writeln!(
            s,
            "Seed {}: `{}` chooses the same way again, from what is due then.",
            log.seed, log.repeat
        );
    } else {
        let _ = writeln!(
            s,
            "Seed {}: `{}` repeats this session.",
            log.seed, log.repeat
        );
    }
    s
}

/// A time span for people: "40 minutes", "5 hours", "3 days" (rounded up).
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0) as u64;
    let (n, unit) = if secs < 3600 {
        (secs.div_ceil(60).max(1), "minute")
    } else if secs < 86_400 {
        (secs.div_ceil(3600), "hour")
    } else {
        (secs.div_ceil(86_400), "day")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `paxos-tutor stats`.
pub fn stats(st: &Stats, history: &str) -> String {
    let mut s = String::new();
    if st.answered == 0 {
        let _ = writeln!(s, "No answers yet: start with `paxos-tutor quiz`.");
        let _ = writeln!(s, "History: {history}");
        return s;
    }
    let all = Tally {
        answered: st.answered,
        correct: st.correct,
    };
    let _ = writeln!(
        s,
        "{} answers, {} right ({}%).",
        st.answered,
        st.correct,
        all.percent().unwrap_or(0)
    );
    let rows = |m: &BTreeMap<String, Tally>| -> Vec<Vec<String>> {
        m.iter()
            .map(|(k, t)| {
                vec![
                    k.clone(),
                    t.answered.to_string(),
                    t.correct.to_string(),
                    pct(t),
                ]
            })
            .collect()
    };
    let _ = writeln!(s, "\n{}", "By topic".bold());
    s.push_str(&table(
        &["topic", "answered", "right", "%"],
        &[false, true, true, true],
        &rows(&st.by_topic),
    ));
    let _ = writeln!(s, "\n{}", "By kind".bold());
    // Kinds in their usual order rather than alphabetical.
    let by_kind: Vec<Vec<String>> = KINDS
        .iter()
        .filter_map(|k| st.by_kind.get(kind_name(*k)).map(|t| (kind_name(*k), t)))
        .map(|(k, t)| {
            vec![
                k.to_string(),
                t.answered.to_string(),
                t.correct.to_string(),
                pct(t),
            ]
        })
        .collect();
    s.push_str(&table(
        &["kind", "answered", "right", "%"],
        &[false, true, true, true],
        &by_kind,
    ));
    let _ = writeln!(s);
    let f = &st.forecast;
    let _ = writeln!(
        s,
        "Due for review: {} now, {} by the end of today, {} more tomorrow, {} within 7 days (today included), of the {} questions seen.",
        f.now, f.today, f.tomorrow, f.week, st.seen
    );
    if f.now > 0 {
        let _ = writeln!(s, "`paxos-tutor quiz --due` asks the ones due now.");
    }
    if !st.weakest.is_empty() {
        let _ = writeln!(
            s,
            "\n{} (at least {WEAK_MIN_ANSWERS} answers, lowest share right first)",
            "Weakest topics".bold()
        );
        let rows: Vec<Vec<String>> = st
            .weakest
            .iter()
            .map(|w| {
                vec![
                    w.topic.clone(),
                    format!("{} of {}", w.correct, w.answered),
                    format!("{}%", w.percent),
                    w.recall.map(|r| format!("{r}%")).unwrap_or_default(),
                ]
            })
            .collect();
        s.push_str(&table(
            &["topic", "right", "%", "recall now"],
            &[false, true, true, true],
            &rows,
        ));
        let _ = writeln!(
            s,
            "Recall now: FSRS's estimate of the chance you remember a question of the topic today."
        );
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "Streak: {} day{} in a row with an answer{}; {} right answer{} in a row (best {}).",
        st.streak_days,
        if st.streak_days == 1 { "" } else { "s" },
        st.last_day
            .as_ref()
            .map(|d| format!(" (last: {d})"))
            .unwrap_or_default(),
        st.run,
        if st.run == 1 { "" } else { "s" },
        st.best_run
    );
    let _ = writeln!(s, "History: {history}");
    s
}

/// `paxos-tutor bank stats`: questions by topic and kind.
pub fn bank_stats(banks: &[&Bank]) -> String {
    let kinds: Vec<Kind> = KINDS
        .iter()
        .copied()
        .filter(|k| *k != Kind::Scenario)
        .collect();
    let mut header: Vec<&str> = vec!["topic"];
    header.extend(kinds.iter().map(|k| kind_name(*k)));
    header.push("total");
    let mut rows = Vec::new();
    let mut totals = vec![0usize; kinds.len() + 1];
    for b in banks {
        let mut row = vec![b.topic.clone()];
        for (i, k) in kinds.iter().enumerate() {
            let n = b.questions.iter().filter(|q| q.kind == *k).count();
            totals[i] += n;
            row.push(n.to_string());
        }
        totals[kinds.len()] += b.questions.len();
        row.push(b.questions.len().to_string());
        rows.push(row);
    }
    let mut total_row = vec!["total".to_string()];
    total_row.extend(totals.iter().map(|n| n.to_string()));
    rows.push(total_row);
    let mut right = vec![true; header.len()];
    right[0] = false;
    table(&header, &right, &rows)
}

/// `paxos-tutor bank lint`: the problems, then one count line.
pub fn lint(r: &Report) -> String {
    let mut s = String::new();
    for p in &r.problems {
        let _ = writeln!(s, "{p}");
    }
    let files: std::collections::BTreeSet<&str> =
        r.problems.iter().map(|p| p.file.as_str()).collect();
    if r.problems.is_empty() {
        let _ = writeln!(
            s,
            "{} {} questions in {} bank file{}, no problems.",
            "ok:".green().bold(),
            r.questions,
            r.files,
            if r.files == 1 { "" } else { "s" }
        );
    } else {
        let _ = writeln!(
            s,
            "{} {} problem{} in {} of {} bank file{}.",
            "error:".red().bold(),
            r.problems.len(),
            if r.problems.len() == 1 { "" } else { "s" },
            files.len(),
            r.files,
            if r.files == 1 { "" } else { "s" }
        );
    }
    s
}

/// One question with its key, for `bank export --format human`.
pub fn exported(p: &Presented) -> String {
    let q = &p.question;
    let mut s = format!(
        "{} · {} · {} · difficulty {}\n{}",
        q.id.bold(),
        q.topic,
        kind_name(q.kind),
        q.difficulty,
        prompt(p)
    );
    for o in options(p) {
        let _ = writeln!(s, "  {o}");
    }
    let key = match &p.key {
        Key::Text(m) => m.trim().to_string(),
        Key::Number { value, tolerance } if *tolerance > 0.0 => format!("{value} ± {tolerance}"),
        _ => p.right_response().show(),
    };
    let _ = writeln!(s, "Answer: {key}");
    for k in &q.key_points {
        let _ = writeln!(s, "  - {}", k.trim());
    }
    let _ = writeln!(s, "{}", q.explanation.trim_end());
    s.push_str(&sources(&q.sources));
    s
}

fn pct(t: &Tally) -> String {
    t.percent().map(|p| format!("{p}%")).unwrap_or_default()
}

/// A table with a header, columns padded; `right[i]` aligns column i right.
pub fn table(header: &[&str], right: &[bool], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            s.push(' ');
            if right[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            }
            s.push(' ');
        }
        format!("{}\n", s.trim_end())
    };
    let head = line(header.iter().map(|h| h.to_string()).collect());
    let mut s = format!("{}\n", head.trim_end_matches('\n').dimmed());
    for r in rows {
        s.push_str(&line(r.clone()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::hang;

    #[test]
    fn hang_wraps_words_with_a_hanging_indent() {
        let text = "B. They run a sequence of separate Paxos instances; the i-th command";
        assert_eq!(
            hang(text, 2, 5, 30),
            "  B. They run a sequence of\n     separate Paxos instances;\n     the i-th command\n"
        );
        assert_eq!(hang("short", 2, 5, usize::MAX), "  short\n");
    }

    #[test]
    fn fit_reflows_paragraphs_and_keeps_list_lines() {
        let long = "PMS section 3: we implement a sequence of separate instances of the";
        let text = format!("Question 1 of 3 · paxos · single\n{long}\nconsensus algorithm.\nSource: PMS\n\n  ✘ A. one two three four five six\n       why it is wrong\nshort line\nnext");
        assert_eq!(
            super::fit(&text, 40),
            "Question 1 of 3 · paxos · single\nPMS section 3: we implement a sequence\nof separate instances of the consensus\nalgorithm.\nSource: PMS\n\n  ✘ A. one two three four five six\n       why it is wrong\nshort line\nnext"
        );
        assert_eq!(
            super::fit("  ✘ A. one two three four five", 20),
            "  ✘ A. one two three\n       four five"
        );
        let coloured = "  \u{1b}[31m✘\u{1b}[0m A. one two three four five";
        assert_eq!(
            super::fit(coloured, 20),
            format!("{}\n       four five", &coloured[..coloured.len() - 10])
        );
        assert_eq!(
            super::fit(
                &format!("{}\n\u{1b}[2mSource: PMS\u{1b}[0m", "x ".repeat(35).trim()),
                80
            )
            .lines()
            .count(),
            2
        );
        // Colour codes take no width.
        let red = "\u{1b}[31mred\u{1b}[0m";
        assert_eq!(
            super::fit(&format!("{red} {red} {red}"), 7),
            format!("{red} {red}\n{red}")
        );
        assert_eq!(
            hang("averyveryverylongword x", 2, 5, 10),
            "  averyveryverylongword\n     x\n"
        );
    }
}
