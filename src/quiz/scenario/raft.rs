//! Raft (Ongaro and Ousterhout 2014, Figure 2 and §5): four families, keyed by
//! [`super::raft_model`]. Topic `raft-vs-paxos`.
//!
//! - `raft-vote` [2]: which of several voters grant a candidate's RequestVote (term, votedFor,
//!   the up-to-date rule);
//! - `raft-append` [2, or 3 for a stale or reordered request]: a follower's reply to an
//!   AppendEntries and its log afterwards;
//! - `raft-commit` [2, or 3 in a Figure 8 situation]: a leader's commitIndex after its
//!   matchIndex values change;
//! - `raft-election` [2]: which servers can win the next election, given every log.
//!
//! Logs come from [`simulate`], a small run of Raft in which every leader is one the model lets
//! win and every follower applies [`on_append_entries`], so the logs obey the Log Matching
//! Property as real ones do. Wrong options are the answers of deliberately wrong variants of the
//! rules (length before term, a vote that survives a new term, truncation after prevLogIndex, no
//! current-term rule, ...), each with the mistake it stands for.

use super::raft_model::{
    advance_commit, can_win, on_append_entries, on_request_vote, up_to_date, winners,
    AppendEntries, LastLog, Log, RequestVote, ServerId, Voter,
};
use super::{build_with, Built, Draft, Opt};
use crate::quiz::model::Question;
use crate::rng::Rng;

const TOPIC: &str = "raft-vs-paxos";

const LOGS: &str = "A log is shown as the terms of its entries, index 1 first.";

fn show(log: &[u64]) -> String {
    if log.is_empty() {
        "[] (empty)".to_string()
    } else {
        format!(
            "[{}]",
            log.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn sid(i: usize) -> ServerId {
    ServerId(i as u32 + 1)
}

fn sids(v: &[usize]) -> Vec<ServerId> {
    v.iter().map(|&i| sid(i)).collect()
}

// ------------------------------------------------------------------ a small run of Raft

/// The logs after a run, and what the last leader knows.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub logs: Vec<Log>,
    /// The last term in which a leader was elected.
    pub term: u64,
    pub leader: usize,
    /// The highest index committed so far (by the rule of [`advance_commit`]).
    pub committed: usize,
    /// The last leader's matchIndex for every server (its own entry unused), in its term.
    pub match_index: Vec<usize>,
}

fn common_prefix(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Replicate the leader's log up to index `j` on `follower`, as a leader does after backing up
/// nextIndex to where the logs match. Returns the follower's matchIndex.
fn replicate(run: &mut Run, follower: usize, j: usize) -> usize {
    let lead = run.logs[run.leader].clone();
    let p = common_prefix(&lead, &run.logs[follower]).min(j);
    let r = AppendEntries {
        term: run.term,
        prev_index: p,
        prev_term: if p == 0 { 0 } else { lead[p - 1] },
        entries: lead[p..j].to_vec(),
    };
    let (ok, log) = on_append_entries(run.term, &run.logs[follower], &r);
    assert!(ok, "a consistent AppendEntries succeeds");
    run.logs[follower] = log;
    j
}

/// `terms` terms of Raft among `n` servers: each term a leader that can win is elected, appends
/// up to `max_new` entries and replicates a prefix of its log to some followers.
pub(crate) fn simulate(rng: &mut Rng, n: usize, terms: u64, max_new: usize) -> Run {
    let mut run = Run {
        logs: vec![Vec::new(); n],
        term: 0,
        leader: 0,
        committed: 0,
        match_index: vec![0; n],
    };
    for t in 1..=terms {
        elect(&mut run, rng, t);
        let k = rng.below(max_new + 1);
        let l = run.leader;
        for _ in 0..k {
            run.logs[l].push(t);
        }
        spread(&mut run, rng);
    }
    run
}

/// Elect a leader for term `t` among the servers that can win.
fn elect(run: &mut Run, rng: &mut Rng, t: u64) {
    let n = run.logs.len();
    let lasts: Vec<LastLog> = run.logs.iter().map(|l| LastLog::of(l)).collect();
    let can = winners(&lasts, &vec![true; n]);
    run.leader = can[rng.below(can.len())];
    run.term = t;
    run.match_index = vec![0; n];
}

/// Replicate random prefixes of the leader's log to random followers, then advance the commit.
fn spread(run: &mut Run, rng: &mut Rng) {
    let n = run.logs.len();
    let l = run.leader;
    for f in 0..n {
        if f != l && rng.below(3) > 0 {
            let len = run.logs[l].len();
            let j = len - rng.below(len.min(3) + 1);
            let m = replicate(run, f, j);
            run.match_index[f] = m;
        }
    }
    let others: Vec<usize> = (0..n)
        .filter(|&f| f != l)
        .map(|f| run.match_index[f])
        .collect();
    run.committed = advance_commit(run.term, &run.logs[l], &others, run.committed);
}

// ------------------------------------------------------------------ raft-vote

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VoteSituation {
    pub request: RequestVote,
    /// (voter, its state), in the order shown.
    pub voters: Vec<(ServerId, Voter)>,
}

/// The voters that grant (sorted).
pub(crate) type Granted = Vec<ServerId>;

pub(crate) fn vote_model(s: &VoteSituation) -> Granted {
    s.voters
        .iter()
        .filter(|(_, v)| on_request_vote(v, &s.request).0)
        .map(|(id, _)| *id)
        .collect()
}

/// A wrong variant of the voting rule: (does this voter grant?) under one mistake.
type VoteRule = fn(&Voter, &RequestVote) -> bool;

fn vote_mistakes() -> Vec<(VoteRule, &'static str)> {
    vec![
        (
            |v, r| {
                let newer = r.last.index > v.last.index
                    || (r.last.index == v.last.index && r.last.term >= v.last.term);
                let (ok, _) = on_request_vote(
                    &Voter {
                        last: LastLog { term: 0, index: 0 },
                        ..*v
                    },
                    r,
                );
                ok && newer
            },
            "Compares log length before last term: §5.4.1 compares the terms of the last entries \
             first, and length only when they are equal.",
        ),
        (
            |v, r| {
                let ok_term = r.term >= v.current_term;
                let free = v.voted_for.is_none_or(|c| c == r.candidate);
                ok_term && free && up_to_date(r.last, v.last)
            },
            "Keeps a vote from an older term: votedFor is the vote in the current term, and a \
             RequestVote with a higher term first makes the voter adopt that term with no vote \
             cast (Figure 2, Rules for All Servers).",
        ),
        (
            |v, r| r.term >= v.current_term && up_to_date(r.last, v.last),
            "Ignores votedFor: a server votes for at most one candidate in a term, first come \
             first served (§5.2); one that has voted for another candidate in this term refuses.",
        ),
        (
            |v, r| {
                let (ok, _) = on_request_vote(v, r);
                ok && !(r.last == v.last)
            },
            "Wants the candidate's log strictly newer: \"at least as up-to-date\" includes an \
             equal log (Figure 2, RequestVote receiver step 2).",
        ),
        (
            |v, r| {
                let free = r.term > v.current_term || v.voted_for.is_none_or(|c| c == r.candidate);
                free && up_to_date(r.last, v.last)
            },
            "Ignores the term check: a voter whose currentTerm is higher than the request's term \
             replies false (Figure 2, RequestVote receiver step 1), and the candidate steps down.",
        ),
        (
            |v, r| {
                let (ok, _) = on_request_vote(
                    &Voter {
                        last: LastLog { term: 0, index: 0 },
                        ..*v
                    },
                    r,
                );
                ok && r.last.term >= v.last.term
            },
            "Compares only the last terms: with equal last terms, the longer log is more up to \
             date (§5.4.1), so a voter with a longer log refuses.",
        ),
    ]
}

/// Every voter, in the prompt's order, with its answer: "S2 grants, S3 denies, S5 grants".
/// "grants" and "denies" are equally long, so every option of a question is too: its length
/// says nothing about which voters it lets grant.
fn granted_text(g: &[ServerId], voters: &[ServerId]) -> String {
    voters
        .iter()
        .map(|v| format!("{v} {}", if g.contains(v) { "grants" } else { "denies" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn voter_line(id: ServerId, v: &Voter) -> String {
    format!(
        "  - {id}: currentTerm {}, votedFor {}, last log entry {}",
        v.current_term,
        v.voted_for.map_or("null".to_string(), |c| c.to_string()),
        last_text(v.last)
    )
}

fn last_text(l: LastLog) -> String {
    if l.index == 0 {
        "none (empty log)".to_string()
    } else {
        format!("index {} with term {}", l.index, l.term)
    }
}

/// Why voter `v` grants or refuses, by the model.
fn vote_reason(id: ServerId, v: &Voter, r: &RequestVote) -> String {
    if r.term < v.current_term {
        return format!(
            "{id} refuses: its term {} is higher than {}",
            v.current_term, r.term
        );
    }
    let voted = if r.term > v.current_term {
        None
    } else {
        v.voted_for
    };
    if let Some(c) = voted.filter(|c| *c != r.candidate) {
        if c == id {
            return format!(
                "{id} refuses: it already voted for itself in term {}",
                r.term
            );
        }
        return format!("{id} refuses: it already voted for {c} in term {}", r.term);
    }
    let end = |l: LastLog| {
        if l.index == 0 {
            "an empty log".to_string()
        } else {
            format!("last term {}", l.term)
        }
    };
    let cmp = if r.last.index == 0 && v.last.index == 0 {
        "both logs are empty".to_string()
    } else if r.last.term != v.last.term {
        format!("{} against {}", end(r.last), end(v.last))
    } else {
        format!(
            "equal last terms, length {} against {}",
            r.last.index, v.last.index
        )
    };
    if up_to_date(r.last, v.last) {
        format!("{id} grants ({cmp})")
    } else {
        format!("{id} refuses: its log is more up to date ({cmp})")
    }
}

fn vote_draft(rng: &mut Rng) -> Option<Draft<VoteSituation, Granted>> {
    let n = 5;
    let terms = 2 + rng.below(3) as u64;
    let run = simulate(rng, n, terms, 2);
    let c = rng.below(n);
    let t = run.term + 1 + rng.below(2) as u64;
    let request = RequestVote {
        term: t,
        candidate: sid(c),
        last: LastLog::of(&run.logs[c]),
    };
    let mut order: Vec<usize> = (0..n).filter(|&i| i != c).collect();
    rng.shuffle(&mut order);
    order.truncate(3 + rng.below(2));
    order.sort_unstable();
    let voters: Vec<(ServerId, Voter)> = order
        .iter()
        .map(|&i| {
            let last = LastLog::of(&run.logs[i]);
            let current_term = match rng.below(6) {
                0 => t + 1,
                1 | 2 => t,
                _ => t - 1,
            }
            .max(last.term);
            let voted_for = match rng.below(4) {
                0 => None,
                1 if current_term == t => Some(sid(c)),
                1 => Some(sid(i)),
                _ => {
                    let other = (0..n).filter(|&o| o != c).collect::<Vec<_>>();
                    Some(sid(other[rng.below(other.len())]))
                }
            };
            (
                sid(i),
                Voter {
                    current_term,
                    voted_for,
                    last,
                },
            )
        })
        .collect();
    let s = VoteSituation { request, voters };
    let model = vote_model(&s);
    // Half the time, ask only where comparing length first would go wrong (the §5.4.1 trap).
    let (len_first, _) = vote_mistakes()[0];
    let trapped = s
        .voters
        .iter()
        .any(|(_, v)| len_first(v, &s.request) != on_request_vote(v, &s.request).0);
    if !trapped && rng.below(2) == 0 {
        return None;
    }
    let voters: Vec<ServerId> = s.voters.iter().map(|(id, _)| *id).collect();
    let reasons: Vec<String> = s
        .voters
        .iter()
        .map(|(id, v)| vote_reason(*id, v, &s.request))
        .collect();
    let right = Opt::new(
        model.clone(),
        granted_text(&model, &voters),
        format!("Right: {}.", reasons.join("; ")),
    );
    let mut wrong = Vec::new();
    for (rule, why) in vote_mistakes() {
        let g: Granted = s
            .voters
            .iter()
            .filter(|(_, v)| rule(v, &s.request))
            .map(|(id, _)| *id)
            .collect();
        wrong.push(Opt::new(g.clone(), granted_text(&g, &voters), why));
    }
    let everyone: Granted = s.voters.iter().map(|(id, _)| *id).collect();
    wrong.push(Opt::new(
        everyone.clone(),
        granted_text(&everyone, &voters),
        "Thinks every voter grants its vote: the term check, votedFor and the up-to-date rule \
         can each make a voter refuse (Figure 2, RequestVote receiver).",
    ));
    let prompt = format!(
        "Raft with {n} servers. {LOGS}\n\n{} starts an election: it sends RequestVote(term {t}, \
         candidateId {}, lastLogIndex {}, lastLogTerm {}). These servers receive it, in this \
         state:\n{}\n\nWhich of them grant their vote to {}?",
        sid(c),
        sid(c),
        request.last.index,
        request.last.term,
        s.voters
            .iter()
            .map(|(id, v)| voter_line(*id, v))
            .collect::<Vec<_>>()
            .join("\n"),
        sid(c)
    );
    let explanation = format!(
        "Raft, Figure 2 (RequestVote RPC): a voter first adopts a higher term (clearing its \
         vote), replies false to a lower one, and grants only if it has not voted for another \
         candidate in this term and the candidate's log is at least as up to date as its own. \
         §5.4.1: the later last term is more up to date; with equal last terms, the longer log. \
         Here: {}.",
        reasons.join("; ")
    );
    Some(Draft {
        situation: s,
        difficulty: 2,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("raft", "Figure 2".to_string()),
            ("raft", "5.2".to_string()),
            ("raft", "5.4.1".to_string()),
        ],
    })
}

pub(crate) fn vote_built(seed: u64) -> Built<VoteSituation, Granted> {
    build_with("raft-vote", TOPIC, seed, vote_draft)
}

/// `raft-vote`.
pub fn build_vote(seed: u64) -> Question {
    vote_built(seed).question
}

// ------------------------------------------------------------------ raft-append

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AppendSituation {
    pub current_term: u64,
    pub log: Log,
    pub request: AppendEntries,
    /// The request is an old copy (delayed or duplicated) of one the follower already answered.
    pub stale: bool,
}

/// (success, the log afterwards).
pub(crate) type AppendOutcome = (bool, Log);

pub(crate) fn append_model(s: &AppendSituation) -> AppendOutcome {
    on_append_entries(s.current_term, &s.log, &s.request)
}

fn check_passes(s: &AppendSituation) -> bool {
    let r = &s.request;
    r.term >= s.current_term
        && (r.prev_index == 0 || s.log.get(r.prev_index - 1) == Some(&r.prev_term))
}

fn append_mistakes(s: &AppendSituation) -> Vec<(AppendOutcome, String)> {
    let r = &s.request;
    let p = r.prev_index;
    let mut out = Vec::new();
    // Truncate everything after prevLogIndex, then append.
    if check_passes(s) {
        let mut l = s.log[..p.min(s.log.len())].to_vec();
        l.extend(&r.entries);
        out.push((
            (true, l),
            "Deletes everything after prevLogIndex: Figure 2 deletes an entry and those after \
             it only when it conflicts with a new one; entries already present stay, or a \
             delayed request would erase entries the follower has acknowledged (the leader may \
             have counted them towards a commit)."
                .to_string(),
        ));
        // Overwrite in place, keep the suffix.
        let mut l = s.log.clone();
        for (k, &t) in r.entries.iter().enumerate() {
            if p + k < l.len() {
                l[p + k] = t;
            } else {
                l.push(t);
            }
        }
        out.push((
            (true, l),
            "Overwrites the conflicting entries but keeps the ones after them: a conflict \
             deletes the existing entry and all that follow it (Figure 2, step 3), since they \
             come from a log that diverged."
                .to_string(),
        ));
        if !r.entries.is_empty() {
            let mut l = s.log.clone();
            l.extend(&r.entries);
            out.push((
                (true, l),
                "Appends the entries at the end of its log: they belong at the indexes the \
                 leader names (prevLogIndex + 1, ...), and those already there with the same \
                 term are not added again (Figure 2, step 4)."
                    .to_string(),
            ));
        }
        out.push((
            (true, s.log.clone()),
            "Acknowledges without storing: the follower appends the new entries before it \
             replies success; the leader counts that reply as a replica of them (matchIndex)."
                .to_string(),
        ));
        if r.entries.iter().any(|&t| t < s.current_term) {
            out.push((
                (false, s.log.clone()),
                "Refuses entries from an older term: a leader also replicates entries of earlier \
                 terms; only the request's own term is compared with currentTerm (step 1)."
                    .to_string(),
            ));
        }
        if s.log.len() > p {
            out.push((
                (false, s.log.clone()),
                "Refuses because its log goes on past prevLogIndex: the check asks only that the \
                 entry at prevLogIndex has prevLogTerm; later entries are dealt with by steps 3 \
                 and 4, not by a refusal."
                    .to_string(),
            ));
        }
    } else if r.term < s.current_term {
        let mut l = s.log[..p.min(s.log.len())].to_vec();
        l.extend(&r.entries);
        out.push((
            (true, l),
            format!(
                "Accepts a request from a stale leader (its term {} is lower than the \
                 follower's currentTerm {}, Figure 2 step 1) and, on top of that, deletes \
                 everything after prevLogIndex, which even an accepted request does only where \
                 an entry conflicts.",
                r.term, s.current_term
            ),
        ));
        out.push((
            on_append_entries(0, &s.log, r),
            format!(
                "Accepts a request from a stale leader: its term {} is lower than the \
                 follower's currentTerm {}, so the follower replies false and changes nothing \
                 (Figure 2, step 1).",
                r.term, s.current_term
            ),
        ));
    } else {
        let mut l = s.log[..p.min(s.log.len())].to_vec();
        l.extend(&r.entries);
        let why = if r.term < s.current_term {
            format!(
                "Accepts a request from a stale leader: its term {} is lower than the \
                 follower's currentTerm {}, so the follower replies false (Figure 2, step 1).",
                r.term, s.current_term
            )
        } else {
            format!(
                "Skips the consistency check: the follower has no entry at index {p} with term \
                 {}, so it replies false and the leader retries with a lower nextIndex (§5.3).",
                r.prev_term
            )
        };
        out.push(((true, l), why));
        let mut l = s.log.clone();
        l.extend(&r.entries);
        out.push((
            (true, l),
            "Appends the new entries at the end of its log: entries go at the indexes the leader \
             names (prevLogIndex + 1, ...), and only after the consistency check succeeds."
                .to_string(),
        ));
    }
    if !check_passes(s) && r.term >= s.current_term && p >= 2 {
        let cut = s.log.len().min(p - 1);
        out.push((
            (false, s.log[..cut].to_vec()),
            "Deletes entries when the check fails: a follower that fails the consistency check \
             replies false and changes nothing; the leader then retries with a lower nextIndex \
             until the logs match (§5.3), and only then do conflicting entries go."
                .to_string(),
        ));
    }
    out
}

/// The reply (Figure 2's `success` true or false, as "success" or "failure": words of one
/// length) and the whole log afterwards, in the same words whether the log changed or not
/// ("stays" and "becomes" would differ in length too). The log is written `width` indexes wide,
/// a `·` for each index it does not reach, so that every option of a question is as long as the
/// others (a shorter log is otherwise a shorter option, and rarely the right one); `width` 0
/// writes it as it is.
fn append_text(o: &AppendOutcome, width: usize) -> String {
    let reply = if o.0 { "success" } else { "failure" };
    let log = if width == 0 {
        show(&o.1)
    } else {
        let cells: Vec<String> = (0..width)
            .map(|i| o.1.get(i).map_or("·".to_string(), u64::to_string))
            .collect();
        format!("[{}]", cells.join(", "))
    };
    format!("It replies {reply}; its log is then {log}")
}

fn append_draft(rng: &mut Rng) -> Option<Draft<AppendSituation, AppendOutcome>> {
    // One kind of situation per question, in equal shares: retry within the kind.
    let case = rng.below(5);
    (0..200).find_map(|_| append_case(rng, case))
}

fn append_case(rng: &mut Rng, case: usize) -> Option<Draft<AppendSituation, AppendOutcome>> {
    // A conflict needs a follower whose log diverged from the leader's: look for one.
    let mut tries = 0;
    let (run, f) = loop {
        tries += 1;
        let n = if rng.below(2) == 0 { 3 } else { 5 };
        let terms = 3 + rng.below(3) as u64;
        let run = simulate(rng, n, terms, 3);
        let l = run.leader;
        let lead = &run.logs[l];
        let followers: Vec<usize> = (0..n)
            .filter(|&f| f != l)
            .filter(|&f| case != 4 || run.logs[f].len() > common_prefix(lead, &run.logs[f]))
            .collect();
        if !lead.is_empty() && !followers.is_empty() {
            let f = followers[rng.below(followers.len())];
            break (run, f);
        }
        if tries > 40 {
            return None;
        }
    };
    let lead = run.logs[run.leader].clone();
    let mut log = run.logs[f].clone();
    let t = run.term;
    let common = common_prefix(&lead, &log);
    let (request, current_term, stale) = match case {
        // A request whose entries conflict with the follower's.
        4 => {
            if log.len() <= common || lead.len() <= common {
                return None;
            }
            let p = common - rng.below(common.min(2) + 1);
            let j = common + 1 + rng.below(lead.len() - common);
            (mk_request(t, &lead, p, j), t, false)
        }
        // A request consistent with the follower's log, which lags behind the leader's.
        0 => {
            let k = rng.below(lead.len());
            if k < common {
                log = lead[..k].to_vec();
            } else if log.len() > common {
                return None;
            }
            let k = log.len();
            let p = k - rng.below(k.min(2) + 1);
            let j = k + 1 + rng.below(lead.len() - k);
            (mk_request(t, &lead, p, j), t, false)
        }
        // A stale copy: the follower already holds the leader's log up to k > j.
        1 => {
            if lead.len() < 2 {
                return None;
            }
            let k = 2 + rng.below(lead.len() - 1);
            log = lead[..k].to_vec();
            let j = 1 + rng.below(k - 1);
            let p = rng.below(j);
            (mk_request(t, &lead, p, j), t, true)
        }
        // The consistency check fails.
        2 => {
            let top = lead.len().min(log.len());
            let p = if top > common && rng.below(2) == 0 {
                // The follower holds another term at prevLogIndex.
                common + 1 + rng.below(top - common)
            } else {
                // The follower lags: it has missed the leader's later appends.
                let k = rng.below(common.min(lead.len() - 1) + 1);
                log = lead[..k].to_vec();
                k + 1 + rng.below(lead.len() - k)
            };
            let j = (p + 1 + rng.below(2)).min(lead.len());
            (mk_request(t, &lead, p, j), t, false)
        }
        // A deposed leader's request: the follower has moved to a later term.
        _ => {
            let p = rng.below(common + 1);
            let j = (p + 1 + rng.below(2)).min(lead.len());
            if j <= p {
                return None;
            }
            (mk_request(t, &lead, p, j), t + 1, false)
        }
    };
    let s = AppendSituation {
        current_term,
        log: log.clone(),
        request: request.clone(),
        stale,
    };
    let model = append_model(&s);
    let right_why = if request.term < current_term {
        format!(
            "Right: the request's term {} is lower than its currentTerm {current_term}, so it \
             replies false and changes nothing (Figure 2, step 1).",
            request.term
        )
    } else if !model.0 {
        format!(
            "Right: its log has no entry at index {} with term {}, so the consistency check \
             fails; it replies false, and the leader will retry with a lower nextIndex (§5.3).",
            request.prev_index, request.prev_term
        )
    } else if model.1 == log {
        "Right: every entry in the request is already in its log with the same term, so \
         nothing conflicts and nothing is deleted; the entries after them stay (Figure 2, steps \
         3-4)."
            .to_string()
    } else if model.1.len() >= log.len() && model.1[..log.len()] == log[..] {
        "Right: the check passes, nothing conflicts, and the entries not already in the log \
         are appended (Figure 2, step 4)."
            .to_string()
    } else {
        let at = common_prefix(&model.1, &log) + 1;
        format!(
            "Right: the check passes; the entry at index {at} conflicts (another term), so it \
             and everything after it are deleted, and the new entries are appended (Figure 2, \
             steps 3-4)."
        )
    };
    let mistakes = append_mistakes(&s);
    let width = mistakes
        .iter()
        .map(|(o, _)| o.1.len())
        .chain([model.1.len()])
        .max()
        .unwrap_or(0);
    let right = Opt::new(model.clone(), append_text(&model, width), right_why);
    // The prompt explains `·` only when an option can show one.
    let padded = model.1.len() < width || mistakes.iter().any(|(o, _)| o.1.len() < width);
    let wrong: Vec<Opt<AppendOutcome>> = mistakes
        .into_iter()
        .map(|(o, why)| Opt::new(o.clone(), append_text(&o, width), why))
        .collect();
    // Enough distinct wrong outcomes, or another situation of the same kind.
    let mut outs: Vec<&AppendOutcome> = wrong
        .iter()
        .map(|o| &o.outcome)
        .filter(|o| **o != model)
        .collect();
    outs.sort();
    outs.dedup();
    if outs.len() < 2 {
        return None;
    }
    let entries = if request.entries.is_empty() {
        "no entries".to_string()
    } else {
        format!(
            "entries {} for indexes {}-{}",
            show(&request.entries),
            request.prev_index + 1,
            request.prev_index + request.entries.len()
        )
    };
    let history = if stale {
        " The network delays and duplicates messages: this request is an old one from the \
         current leader, overtaken by later ones the follower has already answered."
    } else if current_term > request.term {
        " The follower has since heard from a server in a later term."
    } else {
        ""
    };
    let prompt = format!(
        "Raft. {LOGS}\n\nA follower has currentTerm {current_term} and log {}. It receives \
         AppendEntries(term {}, prevLogIndex {}, prevLogTerm {}, {entries}).{history}\n\nWhat \
         does the follower reply, and what is its log afterwards?{}",
        show(&log),
        request.term,
        request.prev_index,
        request.prev_term,
        if padded {
            " (In the options, · marks an index the log does not reach.)"
        } else {
            ""
        }
    );
    let explanation = format!(
        "Raft, Figure 2 (AppendEntries RPC, receiver): 1. reply false if term < currentTerm; 2. \
         reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm; 3. \
         if an existing entry conflicts with a new one (same index, different terms), delete it \
         and all that follow; 4. append any new entries not already in the log. Only a conflict \
         deletes: a delayed or duplicated request whose entries are already present leaves the \
         log as it is. Here the result is: {}.",
        super::lower_first(&append_text(&model, 0))
    );
    Some(Draft {
        situation: s,
        difficulty: if stale { 3 } else { 2 },
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("raft", "Figure 2".to_string()),
            ("raft", "5.3".to_string()),
        ],
    })
}

fn mk_request(term: u64, lead: &[u64], p: usize, j: usize) -> AppendEntries {
    AppendEntries {
        term,
        prev_index: p,
        prev_term: if p == 0 { 0 } else { lead[p - 1] },
        entries: lead[p..j].to_vec(),
    }
}

pub(crate) fn append_built(seed: u64) -> Built<AppendSituation, AppendOutcome> {
    build_with("raft-append", TOPIC, seed, append_draft)
}

/// `raft-append`.
pub fn build_append(seed: u64) -> Question {
    append_built(seed).question
}

// ------------------------------------------------------------------ raft-commit

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CommitSituation {
    pub term: u64,
    pub leader: ServerId,
    pub log: Log,
    /// (follower, matchIndex).
    pub match_index: Vec<(ServerId, usize)>,
    pub commit_index: usize,
}

pub(crate) fn commit_model(s: &CommitSituation) -> usize {
    let m: Vec<usize> = s.match_index.iter().map(|(_, m)| *m).collect();
    advance_commit(s.term, &s.log, &m, s.commit_index)
}

fn commit_text(c: usize, old: usize) -> String {
    if c == old {
        format!("commitIndex remains {old}")
    } else {
        format!("commitIndex becomes {c}")
    }
}

fn commit_draft(rng: &mut Rng) -> Option<Draft<CommitSituation, usize>> {
    let target = rng.below(2);
    (0..200).find_map(|_| commit_case(rng, target))
}

fn commit_case(rng: &mut Rng, target: usize) -> Option<Draft<CommitSituation, usize>> {
    let n = if rng.below(2) == 0 { 3 } else { 5 };
    let terms = 2 + rng.below(3) as u64;
    let mut run = simulate(rng, n, terms, 3);
    // The next term: a new leader, up to 2 entries of its own term, some replication.
    let t = run.term + 1;
    elect(&mut run, rng, t);
    let l = run.leader;
    let committed_before = run.committed;
    for _ in 0..rng.below(3) {
        run.logs[l].push(t);
    }
    spread(&mut run, rng);
    let log = run.logs[l].clone();
    let commit_index = rng.below(committed_before + 1);
    let match_index: Vec<(ServerId, usize)> = (0..n)
        .filter(|&f| f != l)
        .map(|f| (sid(f), run.match_index[f]))
        .collect();
    let s = CommitSituation {
        term: t,
        leader: sid(l),
        log: log.clone(),
        match_index,
        commit_index,
    };
    let model = commit_model(&s);
    let ms: Vec<usize> = s.match_index.iter().map(|(_, m)| *m).collect();
    let q = n / 2 + 1;
    let on = |idx: usize| 1 + ms.iter().filter(|&&m| m >= idx).count();
    let majority_max = (commit_index..=log.len())
        .rev()
        .find(|&i| i == commit_index || 2 * on(i) > n)
        .unwrap_or(commit_index);
    let no_rule = majority_max.max(commit_index);
    let no_self = (commit_index + 1..=log.len())
        .rev()
        .find(|&i| 2 * ms.iter().filter(|&&m| m >= i).count() > n && log[i - 1] == t)
        .unwrap_or(commit_index);
    let all = (commit_index + 1..=log.len())
        .rev()
        .find(|&i| on(i) == n && log[i - 1] == t)
        .unwrap_or(commit_index);
    let any = (commit_index + 1..=log.len())
        .rev()
        .find(|&i| on(i) >= 2 && log[i - 1] == t)
        .unwrap_or(commit_index);
    let figure8 = no_rule > model;
    // Half the questions advance the commit, half are Figure 8 situations.
    if (target == 0) != (model > commit_index) || (target == 1 && !figure8) {
        return None;
    }
    let right_why = if model > commit_index {
        format!(
            "Right: entry {model} has term {t}, the current term, and is on {} of {n} servers \
             (the leader counts itself), a majority; every earlier entry is committed with it.",
            on(model)
        )
    } else if figure8 {
        format!(
            "Right: entries up to {no_rule} are on a majority, but none of entries {}-{no_rule} \
             is of the current term {t}, so counting replicas cannot commit them (Figure 8); \
             they are committed only once an entry of term {t} is on a majority.",
            commit_index + 1
        )
    } else {
        format!(
            "Right: no entry after {commit_index} is on a majority ({q} of {n}) of servers with \
             the current term {t}."
        )
    };
    let right = Opt::new(model, commit_text(model, commit_index), right_why);
    let wrong = vec![
        Opt::new(
            no_rule,
            commit_text(no_rule, commit_index),
            format!(
                "Commits an entry of an earlier term by counting replicas: a leader commits by \
                 counting only entries of its current term ({t}); Figure 8 shows an older-term \
                 entry on a majority being overwritten. Entry {no_rule} has term {}.",
                log.get(no_rule.max(1) - 1).copied().unwrap_or(0)
            ),
        ),
        Opt::new(
            no_self,
            commit_text(no_self, commit_index),
            format!(
                "Forgets that the leader counts itself: matchIndex covers the followers, and \
                 the leader's own log makes one more replica of every entry ({q} of {n} needed)."
            ),
        ),
        Opt::new(
            all,
            commit_text(all, commit_index),
            format!(
                "Waits for every server: a majority ({q} of {n}) is enough, so one slow \
                 follower does not stop commits."
            ),
        ),
        Opt::new(
            any,
            commit_text(any, commit_index),
            format!(
                "Commits an entry as soon as one follower has it: it needs a majority, {q} of \
                 {n} servers, the leader included."
            ),
        ),
    ];
    let prompt = format!(
        "Raft with {n} servers. {LOGS}\n\n{} is the leader in term {t}. Its log is {}, its \
         commitIndex is {commit_index}, and its matchIndex for the followers is: {}.\n\nBy the \
         leader's commit rule, what does its commitIndex become?",
        sid(l),
        show(&log),
        s.match_index
            .iter()
            .map(|(f, m)| format!("{f} {m}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let explanation = format!(
        "Raft, Figure 2 (Rules for Servers, Leaders): if there is an N > commitIndex such that a \
         majority of matchIndex[i] ≥ N and log[N].term == currentTerm, set commitIndex = N. \
         §5.4.2: only entries of the leader's current term are committed by counting replicas; \
         earlier entries are committed with them (Log Matching). {}",
        if model > commit_index {
            format!("Here the largest such N is {model}.")
        } else {
            format!("Here there is no such N, so commitIndex remains {commit_index}.")
        }
    );
    Some(Draft {
        situation: s,
        difficulty: if figure8 { 3 } else { 2 },
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![
            ("raft", "Figure 2".to_string()),
            ("raft", "5.4.2".to_string()),
            ("raft", "Figure 8".to_string()),
        ],
    })
}

pub(crate) fn commit_built(seed: u64) -> Built<CommitSituation, usize> {
    build_with("raft-commit", TOPIC, seed, commit_draft)
}

/// `raft-commit`.
pub fn build_commit(seed: u64) -> Question {
    commit_built(seed).question
}

// ------------------------------------------------------------------ raft-election

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ElectionSituation {
    pub logs: Vec<Log>,
    pub up: Vec<bool>,
}

pub(crate) fn election_model(s: &ElectionSituation) -> Vec<ServerId> {
    let lasts: Vec<LastLog> = s.logs.iter().map(|l| LastLog::of(l)).collect();
    sids(&winners(&lasts, &s.up))
}

/// Every server that is up, each with "could" or "can't" (two words of one length, so that every
/// option of a question is equally long and its length says nothing about who wins).
fn winners_text(w: &[ServerId], live: &[ServerId]) -> String {
    live.iter()
        .map(|s| format!("{s} {}", if w.contains(s) { "could" } else { "can't" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn election_draft(rng: &mut Rng) -> Option<Draft<ElectionSituation, Vec<ServerId>>> {
    let n = if rng.below(3) == 0 { 3 } else { 5 };
    let terms = 2 + rng.below(4) as u64;
    let run = simulate(rng, n, terms, 2);
    let logs = run.logs.clone();
    let mut up = vec![true; n];
    let downs = rng.below(n / 2 + 1);
    // The crashed servers: the old leader and others.
    let mut order: Vec<usize> = (0..n).filter(|&i| i != run.leader).collect();
    rng.shuffle(&mut order);
    order.insert(0, run.leader);
    for &d in &order[..downs] {
        up[d] = false;
    }
    let s = ElectionSituation {
        logs: logs.clone(),
        up: up.clone(),
    };
    let lasts: Vec<LastLog> = logs.iter().map(|l| LastLog::of(l)).collect();
    let live: Vec<usize> = (0..n).filter(|&i| up[i]).collect();
    let model = election_model(&s);
    let q = n / 2 + 1;
    let votes = |c: usize| {
        live.iter()
            .filter(|&&v| up_to_date(lasts[c], lasts[v]))
            .count()
    };
    let by = |f: &dyn Fn(usize) -> bool| -> Vec<ServerId> {
        sids(&live.iter().copied().filter(|&c| f(c)).collect::<Vec<_>>())
    };
    let len_first = |a: LastLog, b: LastLog| (a.index, a.term) >= (b.index, b.term);
    // Half the time, ask only where comparing length first would go wrong (the §5.4.1 trap).
    let len_first_winners = sids(
        &live
            .iter()
            .copied()
            .filter(|&c| {
                2 * live
                    .iter()
                    .filter(|&&v| len_first(lasts[c], lasts[v]))
                    .count()
                    > n
            })
            .collect::<Vec<_>>(),
    );
    if len_first_winners == model && rng.below(2) == 0 {
        return None;
    }
    let wrong =
        vec![
        (
            by(&|c| 2 * live.iter().filter(|&&v| len_first(lasts[c], lasts[v])).count() > n),
            "Compares log length before last term: §5.4.1 compares the last entries' terms \
             first; a longer log with an older last term is less up to date."
                .to_string(),
        ),
        (
            by(&|c| live.iter().all(|&v| up_to_date(lasts[c], lasts[v]))),
            "Thinks only the most up-to-date log can win: a candidate needs votes from a \
             majority, not from everyone, so a log that is at least as up to date as a majority's \
             is enough (§5.4.1)."
                .to_string(),
        ),
        (
            by(&|c| 2 * votes(c) > live.len()),
            format!(
                "Counts a majority of the servers that are up: a candidate needs votes from a \
                 majority of the whole cluster, {q} of {n}, whoever is down (§5.2)."
            ),
        ),
        (
            by(&|_| true),
            "Thinks any server that is up can win: a voter refuses a candidate whose log is less \
             up to date than its own (§5.4.1), so an out-of-date server cannot gather a majority."
                .to_string(),
        ),
        (
            by(&|c| {
                let max_t = live.iter().map(|&v| lasts[v].term).max().unwrap_or(0);
                lasts[c].term == max_t
            }),
            "Looks only at the last term: among logs ending in the same term, the longer one is \
             more up to date, and a shorter one may not gather a majority (§5.4.1)."
                .to_string(),
        ),
    ];
    let reasons: Vec<String> = live
        .iter()
        .map(|&c| {
            format!(
                "{} would get {} vote{} ({})",
                sid(c),
                votes(c),
                if votes(c) == 1 { "" } else { "s" },
                if can_win(&lasts, &up, c) {
                    "wins"
                } else {
                    "too few"
                }
            )
        })
        .collect();
    let right = Opt::new(
        model.clone(),
        winners_text(&model, &sids(&live)),
        format!(
            "Right: a server votes only for a log at least as up to date as its own, and a \
             winner needs {q} of {n} votes: {}.",
            reasons.join("; ")
        ),
    );
    let wrong: Vec<Opt<Vec<ServerId>>> = wrong
        .into_iter()
        .map(|(w, why)| Opt::new(w.clone(), winners_text(&w, &sids(&live)), why))
        .collect();
    let listed: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "  - {}: {}{}",
                sid(i),
                show(&logs[i]),
                if up[i] { "" } else { " (crashed)" }
            )
        })
        .collect();
    let prompt = format!(
        "Raft with {n} servers. {LOGS}\n\nThe leader of term {} has crashed{}. The logs \
         are:\n{}\n\nEvery server that is up can reach every other, and none has voted in the \
         next term yet. Which servers can win the next election?",
        run.term,
        if downs > 1 {
            ", and so have others".to_string()
        } else if downs == 1 && !up[run.leader] {
            String::new()
        } else if downs == 1 {
            ", and another server is down".to_string()
        } else {
            " and restarted as a follower".to_string()
        },
        listed.join("\n")
    );
    // The story must match who is down: the old leader is among the crashed unless none are.
    if downs > 0 && up[run.leader] {
        return None;
    }
    let explanation = format!(
        "Raft §5.2: a candidate wins with votes from a majority of the servers in the full \
         cluster ({q} of {n}). §5.4.1: a voter denies its vote if its own log is more up to \
         date: the later last term wins, and with equal last terms the longer log. So a \
         candidate can win if its log is at least as up to date as those of {q} servers that \
         are up, itself included. Here: {}.",
        reasons.join("; ")
    );
    Some(Draft {
        situation: s,
        difficulty: 2,
        prompt,
        right,
        wrong,
        explanation,
        sources: vec![("raft", "5.2".to_string()), ("raft", "5.4.1".to_string())],
    })
}

pub(crate) fn election_built(seed: u64) -> Built<ElectionSituation, Vec<ServerId>> {
    build_with("raft-election", TOPIC, seed, election_draft)
}

/// `raft-election`.
pub fn build_election(seed: u64) -> Question {
    election_built(seed).question
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, keys_spread, SEEDS};
    use super::*;

    // Independent statements of the rules, written from the paper without the model's code.

    fn lex(l: LastLog) -> (u64, usize) {
        (l.term, l.index)
    }

    fn oracle_vote(s: &VoteSituation) -> Granted {
        let r = &s.request;
        let mut out = Vec::new();
        for (id, v) in &s.voters {
            let vote_now = if r.term > v.current_term {
                None
            } else {
                v.voted_for
            };
            let grant = r.term >= v.current_term
                && (vote_now.is_none() || vote_now == Some(r.candidate))
                && lex(r.last) >= lex(v.last);
            if grant {
                out.push(*id);
            }
        }
        out
    }

    fn oracle_append(s: &AppendSituation) -> AppendOutcome {
        let r = &s.request;
        let log = &s.log;
        if r.term < s.current_term {
            return (false, log.clone());
        }
        if r.prev_index > log.len() || (r.prev_index > 0 && log[r.prev_index - 1] != r.prev_term) {
            return (false, log.clone());
        }
        // The first new entry that is missing or different.
        match (0..r.entries.len()).find(|&k| log.get(r.prev_index + k) != Some(&r.entries[k])) {
            None => (true, log.clone()),
            Some(k) => {
                let mut l = log[..r.prev_index + k].to_vec();
                l.extend_from_slice(&r.entries[k..]);
                (true, l)
            }
        }
    }

    fn oracle_commit(s: &CommitSituation) -> usize {
        let n = s.match_index.len() + 1;
        let mut m: Vec<usize> = s.match_index.iter().map(|(_, m)| *m).collect();
        m.push(s.log.len());
        m.sort_unstable_by(|a, b| b.cmp(a));
        // The highest index held by a majority: the (n/2+1)-th largest.
        let on_majority = m[n / 2];
        (s.commit_index + 1..=on_majority)
            .filter(|&i| s.log[i - 1] == s.term)
            .max()
            .unwrap_or(s.commit_index)
    }

    fn oracle_election(s: &ElectionSituation) -> Vec<ServerId> {
        let n = s.logs.len();
        let key = |i: usize| (s.logs[i].last().copied().unwrap_or(0), s.logs[i].len());
        (0..n)
            .filter(|&c| s.up[c] && (0..n).filter(|&v| s.up[v] && key(c) >= key(v)).count() > n / 2)
            .map(|c| ServerId(c as u32 + 1))
            .collect()
    }

    #[test]
    fn vote_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut some, mut none) = (0, 0);
        for seed in 0..SEEDS {
            let b = vote_built(seed);
            let m = vote_model(&b.situation);
            check(&b, &m, &oracle_vote(&b.situation));
            some += usize::from(!m.is_empty());
            none += usize::from(m.is_empty());
            keys.push(b.key);
        }
        assert!(some > 500 && none > 50, "{some} {none}");
        keys_spread(&keys);
    }

    #[test]
    fn append_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut stale_kept, mut truncated, mut refused) = (0, 0, 0);
        for seed in 0..SEEDS {
            let b = append_built(seed);
            let m = append_model(&b.situation);
            check(&b, &m, &oracle_append(&b.situation));
            let s = &b.situation;
            if s.stale {
                assert!(
                    m.0 && m.1 == s.log,
                    "a stale request deletes nothing: {s:?}"
                );
                stale_kept += 1;
            }
            truncated += usize::from(m.0 && m.1.len() < s.log.len());
            refused += usize::from(!m.0);
            keys.push(b.key);
        }
        assert!(
            stale_kept > 200 && truncated > 100 && refused > 400,
            "{stale_kept} {truncated} {refused}"
        );
        keys_spread(&keys);
    }

    #[test]
    fn commit_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        let (mut fig8, mut moved) = (0, 0);
        for seed in 0..SEEDS {
            let b = commit_built(seed);
            let m = commit_model(&b.situation);
            check(&b, &m, &oracle_commit(&b.situation));
            fig8 += usize::from(b.question.difficulty == 3);
            moved += usize::from(m > b.situation.commit_index);
            keys.push(b.key);
        }
        assert!(fig8 > 100 && moved > 300, "{fig8} {moved}");
        keys_spread(&keys);
    }

    #[test]
    fn election_keys_agree_with_an_independent_rule() {
        let mut keys = Vec::new();
        for seed in 0..SEEDS {
            let b = election_built(seed);
            let m = election_model(&b.situation);
            check(&b, &m, &oracle_election(&b.situation));
            assert!(!m.is_empty(), "a minority down leaves a winner");
            keys.push(b.key);
        }
        keys_spread(&keys);
    }

    #[test]
    fn simulated_logs_obey_log_matching_and_leaders_can_win() {
        for seed in 0..300 {
            let mut rng = Rng::new(seed);
            let run = simulate(&mut rng, 5, 5, 3);
            for a in &run.logs {
                assert!(
                    a.windows(2).all(|w| w[0] <= w[1]),
                    "terms never go down: {a:?}"
                );
                for b in &run.logs {
                    for i in 0..a.len().min(b.len()) {
                        if a[i] == b[i] {
                            assert_eq!(a[..i], b[..i], "log matching");
                        }
                    }
                }
            }
            // Every committed entry is in the last leader's log (Leader Completeness).
            let l = &run.logs[run.leader];
            assert!(run.committed <= l.len());
        }
    }
}
