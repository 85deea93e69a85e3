use paxos_harness::model::{self, Bounds, Model, Weights};
use paxos_harness::multi::{nodes::Impls, Setup, World};
use paxos_harness::rng::Rng;

#[test]
fn reference_smoke() {
    let w = World::new(Setup::standard(Impls::reference(), 3, 2, 2)).unwrap();
    let mut rng = Rng::new(7);
    let mut fails = 0;
    for i in 0..2000 {
        if let Some(f) = model::random_schedule(&w, &mut rng, 40, Weights::DEFAULT, format!("#{i}"))
        {
            fails += 1;
            if fails < 3 {
                let steps: Vec<String> = f
                    .steps
                    .iter()
                    .chain(&f.calm_steps)
                    .map(|s| s.describe())
                    .collect();
                eprintln!("{:?}\n{}", f.failure, steps.join("\n"));
            }
        }
    }
    assert_eq!(fails, 0);
    let (s, f) = model::bfs(
        &w,
        Bounds {
            depth: 8,
            budget: [1, 1, 1, 1, 1, 0],
            max_states: 2_000_000,
            liveness: true,
        },
    );
    eprintln!("{s:?}");
    if let Some(f) = &f {
        let steps: Vec<String> = f
            .steps
            .iter()
            .chain(&f.calm_steps)
            .map(|s| s.describe())
            .collect();
        eprintln!("{:?}\n{}", f.failure, steps.join("\n"));
    }
    assert!(f.is_none());
    let _ = w.calm_candidates();
}
