//! The lesson behind each violation code of the Multi-Paxos world, with the quiz topic it belongs
//! to: what the report of `check multipaxos` will print after the counterexample. Every code the
//! world can raise has one (a test reads the world's source for them).

/// The lesson for `code`: one or two sentences and a quiz topic, or `None` for an unknown code.
pub fn lesson(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "two-chosen" => ("Two commands were chosen in one slot: somewhere a rule of the slot's single-decree Paxos was broken (a promise not kept in that slot, a report ignored, a proposal invented). The conformance checks name the first broken rule when one is broken before the damage.", "multi-paxos"),
        "not-submitted" => ("Only a command some client submitted, or a no-op, may be chosen: a leader proposes what promises report, what its clients gave it, or Noop for a hole (Paxos Made Simple, 2.2 and 3).", "multi-paxos"),
        "promise-wrong-ballot" | "accepted-wrong-ballot" | "wrong-reply" => ("A reply names the request it answers: Promise carries the Prepare's ballot and first slot, Accepted the Accept's ballot and slot. A leader counts replies by ballot and slot; a reply with other numbers counts for the wrong proposal.", "bugs"),
        "promise-lower" => ("One promise binds every slot and survives a crash: never promise a ballot below one you promised or accepted at, and save the promise before you reply (Paxos Made Simple, 2.2 and 2.5).", "bugs"),
        "promise-hides-accepted" => ("A promise reports, for every slot it covers, the highest-ballot proposal accepted there: that is how a new leader finds a command that may already be chosen. Keep the proposal of every slot, on disk, before the Accepted reply (Paxos Made Simple, 2.2 phase 1b, slot by slot as in section 3).", "multi-paxos"),
        "promise-reports-unaccepted" => ("A promise reports only what was accepted: an invented report makes the leader re-propose a command nobody accepted in that slot.", "multi-paxos"),
        "accept-below-promise" => ("An acceptor accepts Accept(n) in any slot unless it has promised a ballot greater than n. The promise is one for every slot: kept per slot, it lets a deposed leader's Accept for another slot through after a takeover (Paxos Made Simple, 2.2 P1a, and section 3).", "multi-paxos"),
        "send-to-non-acceptor" | "leader-sent-reply" => ("A leader sends Prepare and Accept to acceptors, and nothing else: replies come from acceptors.", "multi-paxos"),
        "ballot-not-own" => ("Ballots are unique to a leader: Ballot::new(round, self.id), so no two leaders ever share one (Paxos Made Simple, 2.5).", "bugs"),
        "ballot-not-growing" => ("A leader's ballots grow: each Prepare uses a ballot above every one it used before, and above any round it saw in a Nack (Paxos Made Simple, 2.5).", "bugs"),
        "accept-without-prepare" | "accept-without-quorum" => ("Phase 2 in a slot only after phase 1 covers it: a majority of acceptors promised this ballot with a Prepare whose first slot is at most this one. Count acceptors, not messages (Paxos Made Simple, 3: one phase 1 for every slot from some index on).", "multi-paxos"),
        "two-commands-one-ballot" => ("A ballot proposes one command per slot: give a new command a new slot, and never a second command to a slot you already proposed in at this ballot.", "multi-paxos"),
        "wrong-command" => ("After phase 1, propose in each slot the command of the highest-ballot proposal the promises report for it, slot by slot; a submitted command or a no-op only where no promise reports one (Paxos Made Simple, 2.2 P2c, and section 3).", "multi-paxos"),
        "learned-wrong" | "learned-not-chosen" => ("A slot is chosen when a majority of acceptors accepted one proposal in it; only then may chosen() show it. A promise's report is not a choice, and a duplicated Accepted is still one acceptor.", "multi-paxos"),
        "learned-forgotten" => ("What a leader knows chosen never changes and never disappears: keep the log you learned across ballots, takeovers and timeouts.", "multi-paxos"),
        "prepare-in-steady-state" | "submit-not-proposed" => ("The point of Multi-Paxos: once phase 1 has finished and nothing refused the leader, each new command goes straight to phase 2 in the next free slot, one round trip, with no Prepare (Paxos Made Simple, 3; Paxos Made Live, 4.2).", "multi-paxos"),
        "no-progress" => ("With faults stopped, a leader that keeps timing out must lead again (a higher ballot than any it saw), learn or re-propose what the promises report, fill every hole below the highest chosen slot with a no-op, and get every command it was given chosen (Paxos Made Simple, 3).", "multi-paxos"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::lesson;

    /// Every code the world raises has a lesson, and every lesson's topic is a quiz topic.
    #[test]
    fn every_code_of_the_world_has_a_lesson() {
        let src = include_str!("mod.rs");
        let mut codes = Vec::new();
        let mut rest = src;
        while let Some(i) = rest.find("violation(") {
            rest = &rest[i + "violation(".len()..];
            let lits: Vec<&str> = rest.split('"').collect();
            // violation(\n "property",\n "code", ...
            if lits.len() > 3 && lits[0].trim().is_empty() {
                codes.push(lits[3].to_string());
            }
        }
        codes.sort();
        codes.dedup();
        assert!(codes.len() >= 20, "{codes:?}");
        for c in &codes {
            let (text, topic) = lesson(c).unwrap_or_else(|| panic!("no lesson for {c}"));
            assert!(text.len() > 40 && text.ends_with('.'), "{c}");
            assert!(
                ["multi-paxos", "bugs", "paxos"].contains(&topic),
                "{c}: {topic}"
            );
        }
        assert!(lesson("no-such-code").is_none());
    }
}
