//! Question banks: the files built into the binary (every `questions/*.yaml`, embedded by
//! `build.rs`) and those of `--bank DIR`, parsed into the model. A bank file from a folder adds
//! its questions to the bank of its topic (a new topic is a new bank); a question with the id of
//! one already there replaces that one question. Each question's `topic` is filled from its bank.
//!
//! Files from a folder are read by [`lint::check`](super::lint::check), the same reader as `bank
//! lint`, so both report the same problems in the same words; a question with a problem is
//! skipped. Before any parsing, a file over [`MAX_BYTES`] or nested deeper than [`MAX_DEPTH`] is
//! refused (a YAML parser can take quadratic time on deep nesting).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::grade::key;
use super::lint::{yaml_error, Problem};
use super::model::{Bank, Question};
use crate::error::{Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/banks.rs"));
}

/// A bank file's name (as shown in messages) and text.
#[derive(Debug, Clone)]
pub struct BankFile {
    /// `questions/paxos.yaml` for a built-in bank, the path for a file on disk.
    pub name: String,
    /// The YAML.
    pub text: Cow<'static, str>,
    /// The same document as JSON, converted at build time (built-in banks only): the fast path.
    pub json: Option<&'static str>,
    /// The size of a file on disk that was too big to read (its `text` is then empty).
    pub too_big: Option<u64>,
}

/// The largest bank file read (the biggest built-in bank is about 70 KB).
pub const MAX_BYTES: u64 = 1 << 20;
/// The deepest nesting of YAML collections allowed (a bank needs 5: bank, questions, question,
/// choices or sources, choice).
pub const MAX_DEPTH: usize = 20;

/// Refuse, before parsing, a file too big or nested too deep: a problem at the place where the
/// limit is passed. Linear in the size of the text.
pub fn precheck(f: &BankFile) -> std::result::Result<(), Problem> {
    let problem = |line: usize, col: usize, message: String| Problem {
        file: f.name.clone(),
        line,
        col,
        id: None,
        message,
    };
    if let Some(size) = f.too_big.or_else(|| {
        let n = f.text.len() as u64;
        (n > MAX_BYTES).then_some(n)
    }) {
        return Err(problem(
            1,
            1,
            format!("the file is {size} bytes; a bank file may have at most {MAX_BYTES}"),
        ));
    }
    // Flow collections (`[`, `{`) counted outside quotes and comments, plus block nesting by
    // indentation: the indentations of the open block levels are kept on a stack.
    let mut blocks: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (i, line) in f.text.lines().enumerate() {
        let trimmed = line.trim_start();
        if flow == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
            let mut indent = line.len() - trimmed.len();
            // `- ` items open a level each, as in `- - - x`.
            let mut rest = trimmed;
            loop {
                while blocks.last().is_some_and(|&b| b > indent) {
                    blocks.pop();
                }
                if blocks.last() != Some(&indent) {
                    blocks.push(indent);
                }
                match rest.strip_prefix("- ") {
                    Some(r) => {
                        let r2 = r.trim_start();
                        indent += 2 + (r.len() - r2.len());
                        rest = r2;
                    }
                    None => break,
                }
            }
            if blocks.len() > MAX_DEPTH {
                return Err(problem(
                    i + 1,
                    indent + 1,
                    format!("nested more than {MAX_DEPTH} levels deep; a bank needs about 5"),
                ));
            }
        }
        let mut quote: Option<char> = None;
        for (col, c) in line.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'')
                    if flow > 0 || col == 0 || line[..col].ends_with([' ', ':', '[', '{', ',']) =>
                {
                    quote = Some(c)
                }
                (None, '#') if col == 0 || line[..col].ends_with([' ', '\t']) => break,
                (None, '[' | '{') => {
                    flow += 1;
                    if blocks.len() + flow > MAX_DEPTH {
                        return Err(problem(
                            i + 1,
                            col + 1,
                            format!(
                                "nested more than {MAX_DEPTH} levels deep; a bank needs about 5"
                            ),
                        ));
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

impl BankFile {
    /// A bank file read from disk (or made in a test).
    pub fn new(name: impl Into<String>, text: impl Into<Cow<'static, str>>) -> BankFile {
        BankFile {
            name: name.into(),
            text: text.into(),
            json: None,
            too_big: None,
        }
    }
}

/// The banks built into this binary.
pub fn embedded_files() -> Vec<BankFile> {
    embedded::EMBEDDED
        .iter()
        .map(|(name, text, json)| BankFile {
            name: format!("questions/{name}"),
            text: Cow::Borrowed(text),
            json: *json,
            too_big: None,
        })
        .collect()
}

/// Every `*.yaml` (and `*.yml`) file in `dir`, sorted by name.
pub fn dir_files(dir: &Path) -> Result<Vec<BankFile>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("reading the bank folder {}", dir.display()), e))?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Error::cannot_run(format!(
            "no bank files (*.yaml) in {}",
            dir.display()
        )));
    }
    paths
        .into_iter()
        .map(|p| {
            let size = std::fs::metadata(&p)
                .map_err(|e| Error::io(format!("reading {}", p.display()), e))?
                .len();
            if size > MAX_BYTES {
                return Ok(BankFile {
                    too_big: Some(size),
                    ..BankFile::new(p.display().to_string(), "")
                });
            }
            let text = std::fs::read_to_string(&p)
                .map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
            Ok(BankFile::new(p.display().to_string(), text))
        })
        .collect()
}

/// Parse one bank file and fill its questions' topics. The error is the first YAML or schema
/// problem, with its line and column.
pub fn parse(file: &BankFile) -> std::result::Result<Bank, Problem> {
    // The JSON, when there is one, is the same document; if it does not fit the schema, the YAML
    // is parsed to report the error with its line and column.
    let from_json = file.json.and_then(|j| serde_json::from_str::<Bank>(j).ok());
    if from_json.is_none() {
        precheck(file)?;
    }
    let mut bank: Bank = match from_json {
        Some(b) => b,
        None => {
            serde_yaml::from_str(&file.text).map_err(|e| yaml_error(&file.name, &file.text, &e))?
        }
    };
    for q in &mut bank.questions {
        if q.topic.is_empty() {
            q.topic = bank.topic.clone();
        }
    }
    Ok(bank)
}

/// The banks a session draws from, and what was skipped on the way (one line each, for stderr).
#[derive(Debug, Default)]
pub struct Loaded {
    /// By topic.
    pub banks: BTreeMap<String, Bank>,
    pub warnings: Vec<String>,
}

impl Loaded {
    /// Every question that can be asked (its key is valid), once per id, in topic then file order.
    pub fn questions(&self) -> Vec<&Question> {
        self.banks
            .values()
            .flat_map(|b| b.questions.iter())
            .collect()
    }

    /// The topics, sorted.
    pub fn topics(&self) -> Vec<&str> {
        self.banks.keys().map(String::as_str).collect()
    }
}

/// The built-in banks, then the files of each `dirs` folder in turn, added to them (see the
/// module documentation). What was skipped is in `warnings`, in the words of `bank lint`.
pub fn load(dirs: &[PathBuf]) -> Result<Loaded> {
    let layers = dirs
        .iter()
        .map(|d| dir_files(d))
        .collect::<Result<Vec<_>>>()?;
    Ok(load_layers(&embedded_files(), &layers))
}

/// [`load`] over given files: `builtin` (trusted, parsed on the fast path) and one folder's
/// files, `disk` (checked as `bank lint` checks them).
pub fn load_files(builtin: &[BankFile], disk: &[BankFile]) -> Loaded {
    load_layers(builtin, &[disk.to_vec()])
}

/// [`load`] over given files: the built-in ones, then each folder's in turn. Within a folder an
/// id twice is a problem (as `bank lint` says); a later folder replaces an earlier one's question.
pub fn load_layers(builtin: &[BankFile], layers: &[Vec<BankFile>]) -> Loaded {
    let mut loaded = Loaded::default();
    for f in builtin {
        match parse(f) {
            Ok(bank) => {
                loaded.banks.insert(bank.topic.clone(), bank);
            }
            Err(p) => loaded.warnings.push(format!("{p} (bank skipped)")),
        }
    }
    // Where each id is, to replace one question or refuse an id another topic has.
    let mut topic_of: BTreeMap<String, String> = BTreeMap::new();
    for bank in loaded.banks.values_mut() {
        let topic = bank.topic.clone();
        bank.questions.retain(|q| {
            if let Err(msg) = key(q) {
                loaded
                    .warnings
                    .push(format!("{}: {}: {msg} (question skipped)", topic, q.id));
                return false;
            }
            topic_of.insert(q.id.clone(), topic.clone()).is_none()
        });
    }
    for disk in layers {
        add_layer(&mut loaded, &mut topic_of, disk);
    }
    loaded
}

fn add_layer(loaded: &mut Loaded, topic_of: &mut BTreeMap<String, String>, disk: &[BankFile]) {
    let (report, banks) = super::lint::check(disk);
    for p in &report.problems {
        let kept = |id: &str| {
            banks
                .iter()
                .any(|(file, b)| *file == p.file && b.questions.iter().any(|q| q.id == id))
        };
        let skipped = if p.id.as_deref().is_some_and(|id| !kept(id)) {
            " (question skipped)"
        } else if p.id.is_some() {
            ""
        } else if banks.iter().all(|(file, _)| *file != p.file) {
            " (file skipped)"
        } else {
            ""
        };
        loaded.warnings.push(format!("{p}{skipped}"));
    }
    for (_, bank) in banks {
        let topic = bank.topic.clone();
        let entry = loaded.banks.entry(topic.clone()).or_insert_with(|| Bank {
            topic: topic.clone(),
            title: bank.title.clone(),
            questions: Vec::new(),
        });
        for q in bank.questions {
            match topic_of.get(&q.id) {
                Some(t) if *t != topic => loaded.warnings.push(format!(
                    "{}: the id is also in bank {t}; a question can replace one of its own topic only (question skipped)",
                    q.id
                )),
                Some(_) => {
                    if let Some(old) = entry.questions.iter_mut().find(|o| o.id == q.id) {
                        *old = q;
                    }
                }
                None => {
                    topic_of.insert(q.id.clone(), topic.clone());
                    entry.questions.push(q);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> BankFile {
        BankFile::new(name, text.to_string())
    }

    const A: &str = "topic: demo\ntitle: Demo\nquestions:\n  - id: demo-one\n    difficulty: 1\n    kind: truefalse\n    prompt: P\n    answer: true\n    explanation: E because the paper says so in its first section\n    sources: [{ref: pms, section: \"1\"}]\n";

    #[test]
    fn parse_fills_topic() {
        let b = parse(&file("demo.yaml", A)).unwrap();
        assert_eq!(b.questions[0].topic, "demo");
    }

    #[test]
    fn a_disk_bank_adds_to_its_topic_and_the_same_id_replaces_one_question() {
        let extra = A.replace("demo-one", "demo-two")
            + &A[A.find("  - id:").unwrap()..]
                .replace("prompt: P", "prompt: A different question altogether");
        let l = load_files(
            &[file("questions/demo.yaml", A)],
            &[file("x/extra.yaml", &extra)],
        );
        let got: Vec<(&str, &str)> = l
            .questions()
            .iter()
            .map(|q| (q.id.as_str(), q.prompt.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("demo-one", "A different question altogether"),
                ("demo-two", "P")
            ]
        );
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn broken_disk_files_are_reported_in_the_words_of_lint() {
        // other.yaml: demo-one again (an id of topic demo) and other-two with an ungradable key.
        let other = A
            .replace("topic: demo", "topic: other")
            .replace("demo-one", "other-one")
            + &A[A.find("  - id:").unwrap()..]
                .replace("demo-one", "other-two")
                .replace("prompt: P", "prompt: Quite another matter")
                .replace("answer: true", "answer: maybe");
        let disk = [file("x.yaml", "topic: [oops"), file("other.yaml", &other)];
        let l = load_files(&[file("questions/demo.yaml", A)], &disk);
        let ids: Vec<&str> = l.questions().iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, vec!["demo-one", "other-one"]);
        let lint: Vec<String> = super::super::lint::lint(&disk)
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(lint.len(), 2, "{lint:?}");
        assert_eq!(
            l.warnings,
            vec![
                format!("{} (file skipped)", lint[0]),
                format!("{} (question skipped)", lint[1])
            ]
        );
        assert!(
            lint[0].starts_with("x.yaml:2:1: did not find expected"),
            "{}",
            lint[0]
        );
        assert_eq!(
            lint[1],
            "other.yaml:15:5: other-two: truefalse answer must be true or false, not \"maybe\""
        );
        // An id of another topic cannot be replaced from this one.
        let clash = A
            .replace("topic: demo", "topic: other")
            .replace("demo-one", "other-one")
            + &A[A.find("  - id:").unwrap()..]
                .replace("demo-one", "other-x")
                .replace("prompt: P", "prompt: Quite another matter");
        let builtin_other = A
            .replace("topic: demo", "topic: other")
            .replace("demo-one", "other-x");
        let l = load_files(
            &[
                file("questions/demo.yaml", A),
                file("questions/other.yaml", &builtin_other),
            ],
            &[file("d/other.yaml", &clash)],
        );
        assert!(
            l.warnings.is_empty(),
            "same topic: a replacement, {:?}",
            l.warnings
        );
        // An id of another topic is refused, with a warning (lint's id rule says it first).
        let l = load_files(
            &[file("questions/demo.yaml", A)],
            &[file(
                "d/other.yaml",
                &A.replace("topic: demo", "topic: other"),
            )],
        );
        assert_eq!(l.questions().len(), 1);
        assert!(
            l.warnings
                .iter()
                .any(|w| w.contains("demo-one: id must be `other-<slug>`")),
            "{:?}",
            l.warnings
        );
    }

    #[test]
    fn too_big_or_too_deep_is_refused_before_parsing() {
        // Refused at the MAX_DEPTH-th bracket: the position shows the scan stopped there.
        let deep = file("deep.yaml", &"[".repeat(100_000));
        let p = precheck(&deep).unwrap_err();
        assert_eq!(p.to_string(), format!("deep.yaml:1:{MAX_DEPTH}: nested more than {MAX_DEPTH} levels deep; a bank needs about 5"));
        assert!(parse(&deep).is_err());
        let (report, banks) = super::super::lint::check(&[deep]);
        assert_eq!(report.problems.len(), 1);
        assert!(banks.is_empty());
        // Block nesting counts too; quoted brackets and comments do not.
        let mut nested = String::new();
        for i in 0..30 {
            nested.push_str(&format!("{}k{i}:\n", " ".repeat(i * 2)));
        }
        let p = precheck(&file("block.yaml", &nested)).unwrap_err();
        assert_eq!((p.line, p.col), (MAX_DEPTH + 1, MAX_DEPTH * 2 + 1));
        let fine =
            format!("{A}    tags: [\"[[[[[[[[[[[[[[[[[[[[[[[[\"]  # [[[[[[[[[[[[[[[[[[[[[[[[[[\n");
        assert_eq!(precheck(&file("ok.yaml", &fine)), Ok(()));
        let big = BankFile {
            too_big: Some(MAX_BYTES + 1),
            ..file("big.yaml", "")
        };
        assert_eq!(
            parse(&big).unwrap_err().to_string(),
            format!(
                "big.yaml:1:1: the file is {} bytes; a bank file may have at most {MAX_BYTES}",
                MAX_BYTES + 1
            )
        );
        for f in embedded_files() {
            assert_eq!(precheck(&f), Ok(()), "{}", f.name);
        }
    }

    #[test]
    fn the_build_time_json_reads_as_the_yaml_does() {
        for f in embedded_files() {
            let Some(json) = f.json else { continue };
            let from_json = serde_json::from_str::<Bank>(json).ok();
            let from_yaml = serde_yaml::from_str::<Bank>(&f.text).ok();
            assert_eq!(from_json, from_yaml, "{}", f.name);
        }
    }

    #[test]
    fn embedded_names_are_under_questions() {
        for f in embedded_files() {
            assert!(
                f.name.starts_with("questions/") && f.name.ends_with(".yaml"),
                "{}",
                f.name
            );
        }
    }
}
