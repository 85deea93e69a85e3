//! Where paxos-tutor keeps things: the learner's data (quiz history, exercise verdicts, hint
//! progress) and the grader's cache (the harness build). Environment variables override both, so
//! tests and CI never touch a real home directory.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Overrides the data directory.
pub const HOME_ENV: &str = "PAXOS_TUTOR_HOME";
/// Overrides the cache directory.
pub const CACHE_ENV: &str = "PAXOS_TUTOR_CACHE";

fn dirs() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "paxos-tutor").ok_or_else(|| {
        Error::cannot_run(format!(
            "cannot find a home directory: set {HOME_ENV} and {CACHE_ENV}"
        ))
    })
}

/// The learner's data directory: `$PAXOS_TUTOR_HOME`, else the platform's data directory.
pub fn data_dir() -> Result<PathBuf> {
    match std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(dirs()?.data_dir().to_path_buf()),
    }
}

/// The grader's cache: `$PAXOS_TUTOR_CACHE`, else the platform's cache directory.
pub fn cache_dir() -> Result<PathBuf> {
    match std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(dirs()?.cache_dir().to_path_buf()),
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, flushed, then
/// renamed over the target. A crash or Ctrl-C leaves either the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let what = || format!("cannot write {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(what(), e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(what(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(what(), e))?;
    tmp.persist(path).map_err(|e| Error::io(what(), e.error))?;
    Ok(())
}

/// An exclusive lock on a file (flock), held until dropped; the file is created if needed.
/// `io::Error`s come back raw, for the caller to say what could not be locked.
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
}

impl FileLock {
    /// Block until the lock on `path` is ours.
    pub fn acquire(path: &Path) -> std::io::Result<FileLock> {
        use std::os::fd::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        loop {
            // SAFETY: flock on a file descriptor we own; released when the file is closed.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(FileLock { _file: file });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/state.json");
        write_atomic(&p, b"first version, longer").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }
}
