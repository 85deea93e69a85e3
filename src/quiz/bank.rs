//! Question banks: the files built into the binary (every `questions/*.yaml`, embedded by
//! `build.rs`) and those of `--bank DIR`, parsed into the model. A bank file from a folder
//! replaces the built-in bank of the same topic. Each question's `topic` is filled from its bank.

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
}

impl BankFile {
    /// A bank file read from disk (or made in a test).
    pub fn new(name: impl Into<String>, text: impl Into<Cow<'static, str>>) -> BankFile {
        BankFile {
            name: name.into(),
            text: text.into(),
            json: None,
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

/// The built-in banks, then each `dirs` folder in turn; a later file with the same topic replaces
/// an earlier bank. A file that does not parse is skipped with a warning, as is a question whose
/// key cannot be graded or whose id was already seen (`bank lint` says more).
pub fn load(dirs: &[PathBuf]) -> Result<Loaded> {
    let mut files = embedded_files();
    for dir in dirs {
        files.extend(dir_files(dir)?);
    }
    Ok(load_files(&files))
}

/// [`load`] over given files.
pub fn load_files(files: &[BankFile]) -> Loaded {
    let mut loaded = Loaded::default();
    for f in files {
        match parse(f) {
            Ok(bank) => {
                loaded.banks.insert(bank.topic.clone(), bank);
            }
            Err(p) => loaded.warnings.push(format!("skipping bank {p}")),
        }
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for bank in loaded.banks.values_mut() {
        let topic = bank.topic.clone();
        bank.questions.retain(|q| {
            if let Err(msg) = key(q) {
                loaded
                    .warnings
                    .push(format!("skipping question {} in bank {topic}: {msg}", q.id));
                return false;
            }
            if let Some(other) = seen.get(&q.id) {
                loaded.warnings.push(format!(
                    "skipping question {} in bank {topic}: the id is also in bank {other}",
                    q.id
                ));
                return false;
            }
            seen.insert(q.id.clone(), topic.clone());
            true
        });
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> BankFile {
        BankFile::new(name, text.to_string())
    }

    const A: &str = "topic: demo\ntitle: Demo\nquestions:\n  - id: demo-one\n    difficulty: 1\n    kind: truefalse\n    prompt: P\n    answer: true\n    explanation: E\n    sources: [{ref: pms, section: \"1\"}]\n";

    #[test]
    fn parse_fills_topic() {
        let b = parse(&file("demo.yaml", A)).unwrap();
        assert_eq!(b.questions[0].topic, "demo");
    }

    #[test]
    fn later_bank_of_same_topic_replaces_earlier() {
        let b = A.replace("demo-one", "demo-two");
        let l = load_files(&[file("a/demo.yaml", A), file("b/demo.yaml", &b)]);
        let ids: Vec<&str> = l.questions().iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, vec!["demo-two"]);
        assert!(l.warnings.is_empty());
    }

    #[test]
    fn broken_files_and_ungradable_questions_are_skipped_with_a_warning() {
        // other.yaml: demo-one again (a duplicate id) and other-two with an ungradable key.
        let other = A.replace("topic: demo", "topic: other")
            + &A[A.find("  - id:").unwrap()..]
                .replace("demo-one", "other-two")
                .replace("answer: true", "answer: maybe");
        let l = load_files(&[
            file("x.yaml", "topic: [oops"),
            file("demo.yaml", A),
            file("other.yaml", &other),
        ]);
        let ids: Vec<&str> = l.questions().iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, vec!["demo-one"]);
        assert_eq!(l.warnings.len(), 3, "{:?}", l.warnings);
        assert!(
            l.warnings[0].starts_with("skipping bank x.yaml:1:"),
            "{}",
            l.warnings[0]
        );
        assert_eq!(
            l.warnings[1],
            "skipping question demo-one in bank other: the id is also in bank demo"
        );
        assert_eq!(
            l.warnings[2],
            "skipping question other-two in bank other: truefalse answer must be true or false, not \"maybe\""
        );
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
