//! The processes a check starts, and what is left of them: paxos-tutor's own protections
//! (non-dumpable, a child subreaper, no leaked descriptors) and killing every descendant before a
//! verdict is recorded. Linux only (prctl and /proc); elsewhere the calls do nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Protect this process before any child starts:
/// - non-dumpable: no child can open `/proc/<paxos-tutor>/fd/1` (its stdout) or ptrace it;
/// - a child subreaper: a grandchild that leaves its parent is re-parented to paxos-tutor, so it
///   stays in the tree that [`kill_descendants`] kills;
/// - every descriptor above 2 inherited from the caller is marked close-on-exec, so no child
///   (cargo, the runner, learner code) inherits it.
pub fn protect_self() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with these options only changes flags of this process.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    let fds: Vec<i32> = match std::fs::read_dir("/proc/self/fd") {
        Ok(rd) => rd
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => (3..1024).collect(),
    };
    for fd in fds.into_iter().filter(|fd| *fd > 2) {
        // SAFETY: F_GETFD/F_SETFD only change the close-on-exec flag; a closed fd gives EBADF.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}

/// Every live process as `pid -> (parent pid, state letter)`, from /proc.
fn processes() -> BTreeMap<i32, (i32, char)> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last `)`.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        out.insert(pid, (ppid, state));
    }
    out
}

/// The descendants of `root` (not `root` itself), with their state letters.
pub fn descendants(root: i32) -> Vec<(i32, char)> {
    let all = processes();
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for (&pid, &(ppid, _)) in &all {
        children.entry(ppid).or_default().push(pid);
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(p) = stack.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(c) {
                out.push((c, all[&c].1));
                stack.push(c);
            }
        }
    }
    out
}

/// Kill every descendant of this process with SIGKILL and reap the ones that are its children,
/// until none is left alive (forks racing the kill are caught in the next round) or `within`
/// has passed. Returns whether the tree is gone.
///
/// Call it only when no `std::process::Child` is still waited for: it reaps any child.
pub fn kill_descendants(within: Duration) -> bool {
    kill_descendants_except(&BTreeSet::new(), within)
}

/// [`kill_descendants`], sparing the workers in `keep` and their descendants. With workers left
/// it reaps only the processes it killed, so no worker's exit status is taken from the thread
/// that waits for it.
fn kill_descendants_except(keep: &BTreeSet<i32>, within: Duration) -> bool {
    let me = std::process::id() as i32;
    let deadline = Instant::now() + within;
    loop {
        let spared: BTreeSet<i32> = keep
            .iter()
            .flat_map(|&w| std::iter::once(w).chain(descendants(w).into_iter().map(|(p, _)| p)))
            .collect();
        let tree = descendants(me);
        let alive: Vec<i32> = tree
            .iter()
            .filter(|(p, s)| *s != 'Z' && *s != 'X' && !spared.contains(p))
            .map(|(p, _)| *p)
            .collect();
        for &pid in &alive {
            // SAFETY: sends SIGKILL to a descendant of this process.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if keep.is_empty() {
            reap();
        } else {
            for (pid, _) in tree.iter().filter(|(p, _)| !spared.contains(p)) {
                reap_one(*pid);
            }
        }
        if alive.is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The worker processes of a check that are running (see [`spawn_worker`]).
static WORKERS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Start a worker with `spawn` and count it as running, under the same lock as
/// [`worker_ended`]'s kill, so a worker just started is never taken for a leftover of another.
pub fn spawn_worker(
    spawn: impl FnOnce() -> std::io::Result<std::process::Child>,
) -> std::io::Result<std::process::Child> {
    let mut workers = WORKERS.lock().unwrap_or_else(|p| p.into_inner());
    let child = spawn()?;
    workers.insert(child.id() as i32);
    Ok(child)
}

/// Worker `pid` ended (and was waited for): kill its group, then every descendant of this
/// process that is neither a running worker nor below one (what it started, and whatever was
/// re-parented here), within `within`.
pub fn worker_ended(pid: u32, within: Duration) -> bool {
    let mut workers = WORKERS.lock().unwrap_or_else(|p| p.into_inner());
    workers.remove(&(pid as i32));
    kill_group(pid);
    kill_descendants_except(&workers, within)
}

/// Reap every exited child (re-parented grandchildren included), without blocking.
fn reap() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid with WNOHANG on any child of this process.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}

/// Reap `pid` if it is an exited child of this process, without blocking.
fn reap_one(pid: i32) {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG on one process; ECHILD when it is not our child.
    unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
}

/// Kill the process group `pgid` (the runner's) at once.
pub fn kill_group(pgid: u32) {
    if pgid != 0 {
        // SAFETY: signals the process group created for a child of this process.
        unsafe {
            libc::killpg(pgid as i32, libc::SIGKILL);
        }
    }
}

/// A fresh secret for one run of the runner: 32 hex digits from the kernel's random source.
pub fn secret() -> std::io::Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_and_long() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn descendants_are_found_through_the_tree() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        let found = loop {
            let d = descendants(me);
            if d.len() >= 2 || Instant::now() > deadline {
                break d;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            found.iter().any(|(p, _)| *p == child.id() as i32),
            "{found:?}"
        );
        assert!(found.len() >= 2, "the shell and its sleep: {found:?}");
        for (pid, _) in found {
            // SAFETY: the shell and the sleep this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = child.wait();
    }
}
