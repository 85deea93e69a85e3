//! Runs the whole check on the reference acceptor and proposer and prints the result JSON.
//! `cargo run --release -p paxos-harness --example reference -- --result /tmp/r.json ...`
fn main() {
    paxos_harness::runner::main(paxos_harness::Impls::reference());
}
