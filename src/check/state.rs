//! What paxos-tutor remembers about the learner's exercises: the last verdict of each, and how
//! many hints were shown. One JSON file in the data directory, keyed by workspace path, written
//! atomically; a corrupt file is set aside and reported, never silently replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paths::{data_dir, write_atomic};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LastVerdict {
    pub verdict: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Seconds since the Unix epoch.
    pub at: u64,
    /// The fingerprint of the sources it is about (see `sources`): `list` calls the verdict
    /// stale once they change. Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WorkspaceState {
    #[serde(default)]
    pub verdicts: BTreeMap<String, LastVerdict>,
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExerciseState {
    #[serde(default)]
    pub workspaces: BTreeMap<String, WorkspaceState>,
}

pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn locate() -> Result<StateFile> {
        Ok(StateFile {
            path: data_dir()?.join("exercises.json"),
        })
    }

    pub fn at(path: &Path) -> StateFile {
        StateFile {
            path: path.to_path_buf(),
        }
    }

    /// Load; a corrupt file is renamed aside (the warning is returned for the caller to print).
    pub fn load(&self) -> Result<(ExerciseState, Option<String>)> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((ExerciseState::default(), None))
            }
            Err(e) => return Err(Error::io(format!("cannot read {}", self.path.display()), e)),
        };
        match serde_json::from_str(&text) {
            Ok(s) => Ok((s, None)),
            Err(e) => {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let aside = self.path.with_extension(format!("json.corrupt-{stamp}"));
                std::fs::rename(&self.path, &aside).map_err(|e| {
                    Error::io(
                        format!("cannot set aside corrupt {}", self.path.display()),
                        e,
                    )
                })?;
                Ok((
                    ExerciseState::default(),
                    Some(format!(
                        "{} was corrupt ({e}); it was moved to {} and a new one started",
                        self.path.display(),
                        aside.display()
                    )),
                ))
            }
        }
    }

    pub fn save(&self, s: &ExerciseState) -> Result<()> {
        let json = serde_json::to_string_pretty(s).expect("state serialises");
        write_atomic(&self.path, json.as_bytes())
    }

    /// Load, change, save.
    pub fn update<T>(
        &self,
        ws: &Path,
        f: impl FnOnce(&mut WorkspaceState) -> T,
    ) -> Result<(T, Option<String>)> {
        let (mut s, warning) = self.load()?;
        let out = f(s.workspaces.entry(ws.display().to_string()).or_default());
        self.save(&s)?;
        Ok((out, warning))
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corrupt_file_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::at(&dir.path().join("exercises.json"));
        let ws = Path::new("/tmp/ws");
        f.update(ws, |w| *w.hints.entry("acceptor".into()).or_default() += 1)
            .unwrap();
        let (s, warn) = f.load().unwrap();
        assert!(warn.is_none());
        assert_eq!(s.workspaces["/tmp/ws"].hints["acceptor"], 1);

        std::fs::write(dir.path().join("exercises.json"), "{not json").unwrap();
        let (s, warn) = f.load().unwrap();
        assert_eq!(s, ExerciseState::default());
        assert!(warn.unwrap().contains("was corrupt"));
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read_to_string(aside[0].path()).unwrap(),
            "{not json"
        );
    }
}
