//! A reference model of Raft's election and log rules, as in Ongaro and Ousterhout, *In Search
//! of an Understandable Consensus Algorithm* (USENIX ATC 2014): Figure 2 and §5. Pure functions
//! over small types; the question generator ([`super::raft`]) asks them for every key.
//!
//! - [`up_to_date`] (§5.4.1): the log whose last entry has the later term is more up to date; with
//!   equal last terms, the longer log is.
//! - [`on_request_vote`] (Figure 2, RequestVote RPC, receiver implementation, and Rules for All
//!   Servers): a request with a higher term first updates the voter's term (and clears its vote);
//!   a request with a lower term is refused; otherwise the vote is granted when the voter has not
//!   voted for another candidate in this term and the candidate's log is at least as up to date.
//! - [`on_append_entries`] (Figure 2, AppendEntries RPC, receiver steps 1-4; §5.3): refuse a
//!   lower term; refuse when the log has no entry at prevLogIndex with prevLogTerm; delete an
//!   existing entry and all after it only where it conflicts with a new one (same index, other
//!   term); append the new entries not already there. A stale or reordered request whose entries
//!   are all present changes nothing: it must not delete entries that follow them.
//! - [`advance_commit`] (Figure 2, Rules for Servers, Leaders, last bullet; §5.4.2 and Figure 8):
//!   the largest N > commitIndex with matchIndex ≥ N on a majority (the leader counts itself) and
//!   log[N].term == currentTerm. Entries of earlier terms are committed only indirectly.
//! - [`can_win`] (§5.2 and §5.4.1): a candidate wins with votes from a majority of the whole
//!   cluster, and a server votes for it only if the candidate's log is at least as up to date.

use std::fmt;

/// A log as the terms of its entries, index 1 first (`log[0]` is entry 1).
pub type Log = Vec<u64>;

/// A server, shown as `S1`, `S2`, ... (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerId(pub u32);

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S{}", self.0)
    }
}

/// The last entry of a log: its term and index (0 and 0 for an empty log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LastLog {
    pub term: u64,
    pub index: usize,
}

impl LastLog {
    pub fn of(log: &[u64]) -> LastLog {
        LastLog {
            term: log.last().copied().unwrap_or(0),
            index: log.len(),
        }
    }
}

/// §5.4.1: is a log ending at `a` at least as up to date as one ending at `b`? "If the logs have
/// last entries with different terms, then the log with the later term is more up-to-date. If the
/// logs end with the same term, then whichever log is longer is more up-to-date."
pub fn up_to_date(a: LastLog, b: LastLog) -> bool {
    if a.term != b.term {
        a.term > b.term
    } else {
        a.index >= b.index
    }
}

/// What a voter keeps (Figure 2, persistent state), with its log's last entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Voter {
    pub current_term: u64,
    /// The candidate it voted for in `current_term`, if any.
    pub voted_for: Option<ServerId>,
    pub last: LastLog,
}

/// A RequestVote RPC's arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestVote {
    pub term: u64,
    pub candidate: ServerId,
    pub last: LastLog,
}

/// Figure 2: the voter's reply (vote granted?) and its state afterwards.
pub fn on_request_vote(v: &Voter, r: &RequestVote) -> (bool, Voter) {
    let mut v = *v;
    // Rules for All Servers: "If RPC request or response contains term T > currentTerm: set
    // currentTerm = T, convert to follower". votedFor is "in current term", so a new term clears it.
    if r.term > v.current_term {
        v.current_term = r.term;
        v.voted_for = None;
    }
    // Receiver 1: "Reply false if term < currentTerm".
    if r.term < v.current_term {
        return (false, v);
    }
    // Receiver 2: "If votedFor is null or candidateId, and candidate's log is at least as
    // up-to-date as receiver's log, grant vote".
    let free = v.voted_for.is_none_or(|c| c == r.candidate);
    if free && up_to_date(r.last, v.last) {
        v.voted_for = Some(r.candidate);
        (true, v)
    } else {
        (false, v)
    }
}

/// An AppendEntries RPC's arguments (leaderCommit left out: the questions are about the log).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppendEntries {
    pub term: u64,
    pub prev_index: usize,
    /// The term of entry `prev_index` (0 when `prev_index` is 0).
    pub prev_term: u64,
    /// The terms of the entries for indexes `prev_index + 1`, ...
    pub entries: Vec<u64>,
}

/// Figure 2, AppendEntries receiver steps 1-4: the reply (success?) and the log afterwards.
pub fn on_append_entries(current_term: u64, log: &[u64], r: &AppendEntries) -> (bool, Log) {
    // 1. "Reply false if term < currentTerm".
    if r.term < current_term {
        return (false, log.to_vec());
    }
    // 2. "Reply false if log doesn't contain an entry at prevLogIndex whose term matches
    // prevLogTerm".
    if r.prev_index > 0 && log.get(r.prev_index - 1) != Some(&r.prev_term) {
        return (false, log.to_vec());
    }
    let mut out = log.to_vec();
    for (k, &t) in r.entries.iter().enumerate() {
        let i = r.prev_index + k; // 0-based position of entry prev_index + k + 1
        match out.get(i) {
            // Already there: keep it (and everything after it).
            Some(&have) if have == t => {}
            // 3. "If an existing entry conflicts with a new one (same index but different
            // terms), delete the existing entry and all that follow it".
            Some(_) => {
                out.truncate(i);
                out.push(t);
            }
            // 4. "Append any new entries not already in the log".
            None => out.push(t),
        }
    }
    (true, out)
}

/// Figure 2, Leaders: "If there exists an N such that N > commitIndex, a majority of
/// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N". `match_index` holds
/// the other servers' matchIndex; the leader's own log counts as matching itself. Returns the new
/// commitIndex (the largest such N, or the old one).
pub fn advance_commit(
    current_term: u64,
    log: &[u64],
    match_index: &[usize],
    commit_index: usize,
) -> usize {
    let n_servers = match_index.len() + 1;
    let mut best = commit_index;
    for n in commit_index + 1..=log.len() {
        let replicas = 1 + match_index.iter().filter(|&&m| m >= n).count();
        if 2 * replicas > n_servers && log[n - 1] == current_term {
            best = n;
        }
    }
    best
}

/// §5.2 and §5.4.1: can `candidate` win an election in a new term, when the servers marked `up`
/// take part, none has voted in that term yet, and each votes for it if its log is at least as up
/// to date? It needs votes (its own included) from a majority of all `lasts.len()` servers.
pub fn can_win(lasts: &[LastLog], up: &[bool], candidate: usize) -> bool {
    if !up[candidate] {
        return false;
    }
    let votes = (0..lasts.len())
        .filter(|&s| up[s] && up_to_date(lasts[candidate], lasts[s]))
        .count();
    2 * votes > lasts.len()
}

/// The servers (0-based) that can win, in order.
pub fn winners(lasts: &[LastLog], up: &[bool]) -> Vec<usize> {
    (0..lasts.len())
        .filter(|&c| can_win(lasts, up, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(term: u64, index: usize) -> LastLog {
        LastLog { term, index }
    }

    #[test]
    fn up_to_date_compares_last_term_before_length() {
        assert!(up_to_date(ll(3, 2), ll(2, 9)));
        assert!(!up_to_date(ll(2, 9), ll(3, 2)));
        assert!(up_to_date(ll(2, 4), ll(2, 4)));
        assert!(!up_to_date(ll(2, 3), ll(2, 4)));
    }

    #[test]
    fn figure_8_older_term_entry_on_a_majority_is_not_committed() {
        // Figure 8 (c): S1 leader of term 4, log [1, 2], entry 2 (term 2) on S1, S2, S3.
        assert_eq!(advance_commit(4, &[1, 2], &[2, 2, 0, 0], 1), 1);
        // (e): once an entry of term 4 is on a majority, it and entry 2 are committed.
        assert_eq!(advance_commit(4, &[1, 2, 4], &[3, 3, 0, 0], 1), 3);
    }

    #[test]
    fn stale_append_keeps_later_entries_and_conflict_truncates() {
        let (ok, log) = on_append_entries(
            3,
            &[1, 1, 3, 3],
            &AppendEntries {
                term: 3,
                prev_index: 1,
                prev_term: 1,
                entries: vec![1],
            },
        );
        assert!(ok);
        assert_eq!(log, vec![1, 1, 3, 3]);
        let (ok, log) = on_append_entries(
            3,
            &[1, 1, 2, 2],
            &AppendEntries {
                term: 3,
                prev_index: 2,
                prev_term: 1,
                entries: vec![3],
            },
        );
        assert!(ok);
        assert_eq!(log, vec![1, 1, 3]);
    }

    #[test]
    fn a_new_term_clears_the_vote() {
        let v = Voter {
            current_term: 2,
            voted_for: Some(ServerId(3)),
            last: ll(1, 1),
        };
        let r = RequestVote {
            term: 3,
            candidate: ServerId(1),
            last: ll(1, 1),
        };
        let (granted, after) = on_request_vote(&v, &r);
        assert!(granted);
        assert_eq!(after.current_term, 3);
        assert_eq!(after.voted_for, Some(ServerId(1)));
    }
}
