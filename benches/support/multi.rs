//! Part 4 of `cargo bench --bench check`: the Multi-Paxos world (reference acceptor and leader)
//! on the generic explorers: random schedules per second, and unique states per second of the
//! breadth-first search (3 acceptors, 2 leaders with 2 commands each; depth 8, one fault of each
//! kind but stop, liveness from every state).

use std::time::Instant;

use paxos_harness::model::{self, Bounds, Weights};
use paxos_harness::multi::{nodes::Impls, Setup, World};
use paxos_harness::rng::Rng;

pub fn figures(cpu_seconds: fn() -> f64) {
    let w = World::new(Setup::standard(Impls::reference(), 3, 2, 2)).expect("the reference starts");
    let n = 5_000u64;
    for _ in 0..3 {
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let mut rng = Rng::new(1);
        for i in 0..n {
            assert!(
                model::random_schedule(&w, &mut rng, 40, Weights::DEFAULT, String::new()).is_none(),
                "the reference failed Multi-Paxos schedule {i}"
            );
        }
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        println!(
            "multi-paxos random schedules (40 steps + calm phase): {n} in {wall:.2} s wall ({:.0}/s), {cpu:.2} s CPU ({:.0}/s per core)",
            n as f64 / wall,
            n as f64 / cpu.max(1e-9)
        );
    }
    let depth = std::env::var("PAXOS_BENCH_MULTI_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(8);
    let bounds = Bounds::new(depth, [1, 1, 1, 1, 1, 0], 50_000_000, true);
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let (s, found) = model::bfs(&w, bounds);
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    assert!(
        found.is_none(),
        "the reference failed the Multi-Paxos search"
    );
    println!(
        "multi-paxos exhaustive 3x2 depth {depth}: {} unique states, {} calm phases, complete: {}, in {wall:.2} s wall, {cpu:.2} s CPU ({:.0} states/s per core)",
        s.states,
        s.calm_phases,
        s.complete,
        s.states as f64 / cpu.max(1e-9)
    );
}
