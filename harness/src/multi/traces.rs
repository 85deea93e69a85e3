//! The named traces of the Multi-Paxos exercise (the language: [`super::trace`]). Each one is a
//! situation interviews ask about; every one passes with the reference acceptor and leader, and
//! every selector in it matches a step (a test checks both).

pub const LIBRARY: &[(&str, &str)] = &[
    (
        "01-normal-case",
        "# One leader, two commands, no faults: phase 1 once, then phase 2 for each command.
ops P1 x1 x2
ops P2 y1
submit P1
deliver-all
submit P1
deliver-all
calm P1
",
    ),
    (
        "02-steady-state-one-round-trip",
        "# A leader that finished phase 1 sends the next command's Accept at once, with no Prepare.
ops P1 x1 x2 x3
ops P2 y1
submit P1
deliver-all
submit P1
submit P1
deliver Accept s1 P1->A1
deliver Accept s1 P1->A2
deliver Accepted s1 A1->P1
deliver Accepted s1 A2->P1
deliver-all
calm P1
",
    ),
    (
        "03-leader-change-with-hole",
        "# P1 gets slots 0 and 2 chosen but loses every Accept for slot 1, then stops; P2 takes over and must fill slot 1.
ops P1 x1 x2 x3
ops P2 y1
submit P1
deliver-all
submit P1
submit P1
drop Accept s1 P1->A1
drop Accept s1 P1->A2
drop Accept s1 P1->A3
deliver Accept s2 P1->A1
deliver Accept s2 P1->A2
stop P1
timeout P2
deliver-all
calm P2
",
    ),
    (
        "04-noop-fill-first-slot",
        "# Slot 0's Accepts are all lost and slot 1 is chosen; a new leader must fill slot 0 with a no-op.
ops P1 x1 x2
ops P2
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
drop Accept s0 P1->A1
drop Accept s0 P1->A2
drop Accept s0 P1->A3
submit P1
deliver Accept s1 P1->A1
deliver Accept s1 P1->A2
stop P1
timeout P2
deliver-all
calm P2
",
    ),
    (
        "05-deposed-leader-accept-after-takeover",
        "# P2 takes over with promises from A2 and A3; P1's late Accept for slot 1 reaches them afterwards and must be refused in every slot.
ops P1 x1 x2
ops P2 y1
submit P1
deliver-all
submit P1
timeout P2
submit P2
deliver Prepare P2->A2
deliver Prepare P2->A3
deliver Promise A2->P2
deliver Promise A3->P2
deliver Accept s1 P1->A2
deliver Accept s1 P1->A3
deliver-all
calm P2
",
    ),
    (
        "06-acceptor-restart-keeps-slots",
        "# A1 and A2 accept x1 in slot 0; A1 restarts; P2 takes over with A1 and A3 and must learn x1 from A1's disk.
ops P1 x1
ops P2 y1
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
deliver Accept s0 P1->A1
deliver Accept s0 P1->A2
crash A1
restart A1
stop P1
timeout P2
submit P2
deliver Prepare P2->A1
deliver Prepare P2->A3
deliver Promise A1->P2
deliver Promise A3->P2
deliver-all
calm P2
",
    ),
    (
        "07-same-command-twice",
        "# A client submits the same command twice: the log holds it twice, in two slots.
ops P1 x1 x1
ops P2
submit P1
deliver-all
submit P1
deliver-all
calm P1
",
    ),
    (
        "08-promises-report-different-ballots",
        "# A1 reports slot 0 at ballot (1,P1), A2 reports slot 0 at ballot (1,P2): the new leader must take the highest-ballot command, slot by slot.
ops P1 x1 x2
ops P2 y1
submit P1
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
deliver Accept s0 P1->A1
deliver Accept s1 P1->A1
timeout P2
submit P2
deliver Prepare P2->A2
deliver Prepare P2->A3
deliver Promise A2->P2
deliver Promise A3->P2
deliver Accept s0 P2->A2
timeout P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
deliver-all
calm P1
",
    ),
    (
        "09-duplicate-accepted",
        "# The network duplicates A1's Accepted: one acceptor is not a majority, however often it is heard.
ops P1 x1
ops P2
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
dup Accept s0 P1->A1
dup Accepted s0 A1->P1
dup Accepted s0 A1->P1
deliver Accepted s0 A1->P1
deliver-all
calm P1
",
    ),
    (
        "10-nack-then-higher-ballot",
        "# P2's higher promise makes every acceptor refuse P1; P1 must come back with a higher ballot.
ops P1 x1
ops P2 y1
timeout P2
deliver Prepare P2->A1
deliver Prepare P2->A2
deliver Prepare P2->A3
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Prepare P1->A3
deliver Nack A1->P1
deliver Nack A2->P1
deliver Nack A3->P1
stop P2
timeout P1
deliver-all
calm P1
",
    ),
    (
        "11-restart-keeps-promise",
        "# A1 promises (1,P2), restarts, then gets P1's Accept at the lower ballot (1,P1): it must still refuse it.
ops P1 x1
ops P2 y1
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
timeout P2
deliver Prepare P2->A1
deliver Prepare P2->A3
crash A1
restart A1
deliver Accept s0 P1->A1
deliver Accept s0 P1->A3
deliver-all
calm P2
",
    ),
    (
        "12-holes-below-the-top",
        "# Only slot 2 is chosen; the next leader learns it and fills slots 0 and 1, from what the promises report or with no-ops.
ops P1 x1 x2 x3
ops P2
submit P1
deliver-all
timeout P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
submit P1
submit P1
deliver Accept s1 P1->A3
deliver Accept s2 P1->A1
deliver Accept s2 P1->A2
stop P1
timeout P2
deliver-all
calm P2
",
    ),
    (
        "13-stale-promise-after-new-prepare",
        "# P1 times out while promises for its first ballot are still in flight: they must not count for the new ballot.
ops P1 x1
ops P2
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
timeout P1
deliver Promise A1->P1
deliver Promise A2->P1
deliver Prepare P1->A3
deliver Promise A3->P1
deliver-all
calm P1
",
    ),
    (
        "14-takeover-during-phase-2",
        "# P1's x1 is accepted by A1 only when P2 takes over with A1 and A2: P2 must re-propose x1, not its own command, in slot 0.
ops P1 x1
ops P2 y1
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Promise A1->P1
deliver Promise A2->P1
deliver Accept s0 P1->A1
stop P1
submit P2
deliver Prepare P2->A1
deliver Prepare P2->A2
deliver Promise A1->P2
deliver Promise A2->P2
deliver-all
calm P2
",
    ),
    (
        "15-submit-to-a-follower",
        "# P2's client submits while P1 leads: P2 must keep the command and get it chosen when it leads.
ops P1 x1
ops P2 y1
submit P1
deliver-all
submit P2
deliver-all
calm P2
",
    ),
    (
        "16-five-acceptors-takeover",
        "# Five acceptors: x1 is accepted by A1, A2, A3 (a majority) before P1 stops; P2 takes over with A3, A4, A5 and must keep x1.
acceptors 5
ops P1 x1
ops P2 y1
submit P1
deliver Prepare P1->A1
deliver Prepare P1->A2
deliver Prepare P1->A3
deliver Promise A1->P1
deliver Promise A2->P1
deliver Promise A3->P1
deliver Accept s0 P1->A1
deliver Accept s0 P1->A2
deliver Accept s0 P1->A3
stop P1
submit P2
deliver Prepare P2->A3
deliver Prepare P2->A4
deliver Prepare P2->A5
deliver Promise A3->P2
deliver Promise A4->P2
deliver Promise A5->P2
deliver-all
calm P2
",
    ),
];
