//! The catalogue of solutions: every learner `lib.rs` under `tests/fixtures/solutions/{acceptor,proposer}`
//! is compiled into this test and graded in-process by `paxos_harness::runner::run`, and the
//! verdict must match the expectation in its first line:
//!
//! ```text
//! // expect: pass
//! // expect: fail <property>[ code=<code>]
//! ```
//!
//! The groups: (a) the full default check (traces, 10 000 random schedules; no exhaustive search,
//! to stay fast); (b) the exhaustive search ALONE, with the smallest bounds that find each bug (the
//! depth the shortest counterexample needs is pinned in [`EXHAUSTIVE`] and printed): the plain
//! search for 28 bugs, the takeover search for the 4 value-choice bugs that need a quorum of
//! promises reporting two proposals (14 and 16 steps); (c) determinism: the same failing fixture
//! and seed give byte-identical JSON, and a takeover counterexample replays; and the `paxos`
//! exercise (both parts the learner's) with the two reference fixtures. The exhaustive search at
//! the default bounds on every fixture is `#[ignore]`d (about 3 min): the correct ones must pass,
//! and what it finds in the buggy ones is printed.
//!
//! `cargo test -p paxos-harness --release --test catalogue -- --nocapture` prints a table per group.

use std::collections::BTreeMap;
use std::time::Instant;

use paxos_harness::nodes::{acceptor_ctor, proposer_ctor, Impls};
use paxos_harness::runner::{self, Options};

// -------------------------------------------------------------------------------------------------
// The fixtures, compiled in.
// -------------------------------------------------------------------------------------------------

/// One solution of the catalogue.
struct Fixture {
    /// `acceptor` or `proposer`: the exercise it solves.
    role: &'static str,
    name: &'static str,
    source: &'static str,
    /// The learner's part is the fixture; the other part is the harness's reference.
    impls: Impls,
}

impl Fixture {
    fn id(&self) -> String {
        format!("{}/{}", self.role, self.name)
    }

    fn expect(&self) -> Expect {
        parse_header(self.source).unwrap_or_else(|e| panic!("{}: {e}", self.id()))
    }
}

macro_rules! catalogue {
    (acceptor: [$($a:ident),* $(,)?], proposer: [$($p:ident),* $(,)?] $(,)?) => {
        #[allow(dead_code, unused)]
        mod acceptor {
            $(pub mod $a {
                include!(concat!("../../tests/fixtures/solutions/acceptor/", stringify!($a), ".rs"));
            })*
        }
        #[allow(dead_code, unused)]
        mod proposer {
            $(pub mod $p {
                include!(concat!("../../tests/fixtures/solutions/proposer/", stringify!($p), ".rs"));
            })*
        }
        fn fixtures() -> Vec<Fixture> {
            let reference = Impls::reference();
            vec![
                $(Fixture {
                    role: "acceptor",
                    name: stringify!($a),
                    source: include_str!(concat!("../../tests/fixtures/solutions/acceptor/", stringify!($a), ".rs")),
                    impls: runner::impls_for("acceptor", acceptor_ctor::<acceptor::$a::MyAcceptor>(), reference.proposer),
                },)*
                $(Fixture {
                    role: "proposer",
                    name: stringify!($p),
                    source: include_str!(concat!("../../tests/fixtures/solutions/proposer/", stringify!($p), ".rs")),
                    impls: runner::impls_for("proposer", reference.acceptor, proposer_ctor::<proposer::$p::MyProposer>()),
                },)*
            ]
        }
    };
}

catalogue! {
    acceptor: [
        reference,
        // valid variants
        repromise_equal, strict_prepare, save_every_call, silent_no_nack, lazy_promise,
        resend_accepted,
        // correct, but state the search cannot explore (shared between clones)
        rc_state,
        // bugs
        drop_every_8th_write, forget_after_16_writes, round_as_u16,
        no_save_promise, no_save_accepted, save_before_update, start_ignores_disk,
        accept_below_promise, promise_lower, promise_not_recorded, reject_equal_accept,
        promise_hides_accepted, promise_reports_first, nack_wrong_ballot, nack_promised_max,
    ],
    proposer: [
        reference,
        // valid variants
        majority_first, ignore_nack, eager_nack_retry, resend_then_raise, round_jump, accept_to_promisers,
        hash_collections, adopted_value,
        // correct, but a Debug that does not show the state
        const_debug,
        // bugs
        retry_cap, doubling_rounds, reset_after_12_timeouts, give_up_after_two_nacks,
        own_value, lowest_reported, first_reported, most_common_value, hashmap_lowest_reported,
        count_duplicate_promises, count_duplicate_accepted, stale_promises,
        quorum_half, quorum_two, wait_for_all,
        ballot_owner_zero, ballot_owner_hardcoded, same_ballot_forever, nack_overwrites_round,
        skip_phase1, decide_first_accepted, decide_across_ballots, decided_changes, never_retry,
    ],
}

fn fixture(id: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.id() == id)
        .unwrap_or_else(|| panic!("no fixture {id}"))
}

// -------------------------------------------------------------------------------------------------
// The header.
// -------------------------------------------------------------------------------------------------

const PROPERTIES: &[&str] = &[
    "agreement",
    "validity",
    "learned-means-chosen",
    "conformance",
    "liveness",
];

impl Expect {
    /// A buggy fixture: it must fail (with its property) or panic.
    fn is_bug(&self) -> bool {
        matches!(self, Expect::Fail { .. } | Expect::Panic)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    Pass,
    /// Not failed with a property, and not a pass: what the search cannot explore.
    Incomplete,
    /// The learner's code panics (an overflow, with overflow checks on).
    Panic,
    Fail {
        property: String,
        code: Option<String>,
    },
}

/// `// expect: pass` or `// expect: fail PROPERTY[ code=CODE]` on line 1, a description on line 2.
fn parse_header(source: &str) -> Result<Expect, String> {
    let mut lines = source.lines();
    let first = lines.next().unwrap_or("");
    let second = lines.next().unwrap_or("");
    if !second.starts_with("// ") || second.trim().len() < 10 {
        return Err("line 2 must be a one-sentence `// description`".into());
    }
    let spec = first
        .strip_prefix("// expect: ")
        .ok_or("line 1 must be `// expect: ...`")?;
    let words: Vec<&str> = spec.split_whitespace().collect();
    match words.as_slice() {
        ["pass"] => Ok(Expect::Pass),
        ["incomplete"] => Ok(Expect::Incomplete),
        ["panic"] => Ok(Expect::Panic),
        ["fail", property, rest @ ..] if PROPERTIES.contains(property) => {
            let code = match rest {
                [] => None,
                [c] => Some(
                    c.strip_prefix("code=")
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| format!("`{c}`: expected code=CODE"))?
                        .to_string(),
                ),
                _ => return Err(format!("cannot read `{spec}`")),
            };
            Ok(Expect::Fail {
                property: property.to_string(),
                code,
            })
        }
        _ => Err(format!("cannot read `{spec}`")),
    }
}

// -------------------------------------------------------------------------------------------------
// A tiny JSON reader (the harness is std-only; so is this test).
// -------------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    fn parse(text: &str) -> Result<Json, String> {
        let mut p = JsonParser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing characters at {}", p.i));
        }
        Ok(v)
    }

    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(m) => m.get(key).unwrap_or(&Json::Null),
            _ => &Json::Null,
        }
    }

    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => "",
        }
    }

    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }

    fn num(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            _ => f64::NAN,
        }
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at {}", c as char, self.i))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    let v = self.value()?;
                    if m.insert(k.clone(), v).is_some() {
                        return Err(format!("duplicate key {k}"));
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("expected `,` or `}}` at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(a));
                        }
                        _ => return Err(format!("expected `,` or `]` at {}", self.i)),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                t.parse()
                    .map(Json::Num)
                    .map_err(|_| format!("bad number `{t}`"))
            }
            _ => Err(format!("unexpected character at {}", self.i)),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = std::str::from_utf8(
                                self.s.get(self.i..self.i + 4).ok_or("short \\u")?,
                            )
                            .unwrap();
                            self.i += 4;
                            char::from_u32(u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?)
                                .unwrap_or('?')
                        }
                        _ => return Err(format!("bad escape at {}", self.i)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c => out.push(c),
            }
        }
    }
}

// -------------------------------------------------------------------------------------------------
// Running and judging.
// -------------------------------------------------------------------------------------------------

/// What one run established, read back from the result JSON.
struct Outcome {
    json: String,
    verdict: String,
    property: String,
    code: String,
    message: String,
    origin: String,
    /// Steps of the counterexample (one line each), fault phase then calm phase.
    steps: Vec<String>,
    /// Steps before the calm phase.
    fault_steps: usize,
    seconds: f64,
    /// The counterexample's world: acceptors and proposers.
    acceptors: usize,
    proposers: usize,
}

fn run(impls: Impls, o: &Options) -> Outcome {
    let t = Instant::now();
    let json = runner::run(impls, o);
    let seconds = t.elapsed().as_secs_f64();
    let v = Json::parse(&json).unwrap_or_else(|e| panic!("the result is not JSON ({e}): {json}"));
    let viol = v.get("violation");
    let steps = viol.get("steps").arr();
    Outcome {
        verdict: v.get("verdict").str().to_string(),
        property: viol.get("property").str().to_string(),
        code: viol.get("code").str().to_string(),
        message: viol.get("message").str().to_string(),
        origin: viol.get("origin").str().to_string(),
        fault_steps: steps
            .iter()
            .filter(|s| s.get("calm") == &Json::Bool(false))
            .count(),
        steps: steps
            .iter()
            .map(|s| s.get("step").str().to_string())
            .collect(),
        seconds,
        acceptors: viol.get("acceptors").num() as usize,
        proposers: viol.get("proposers").num() as usize,
        json,
    }
}

impl Outcome {
    /// Does this outcome meet the expectation? `Err` says how it does not.
    fn judge(&self, expect: &Expect) -> Result<(), String> {
        match expect {
            Expect::Pass if self.verdict == "pass" => Ok(()),
            Expect::Pass => Err(format!("expected pass, got {}", self.describe())),
            Expect::Incomplete if self.verdict == "incomplete" => Ok(()),
            Expect::Incomplete => Err(format!("expected incomplete, got {}", self.describe())),
            Expect::Panic if self.verdict == "panic" => Ok(()),
            Expect::Panic => Err(format!("expected panic, got {}", self.describe())),
            Expect::Fail { property, code } => {
                if self.verdict != "fail" || self.property != *property {
                    return Err(format!("expected fail {property}, got {}", self.describe()));
                }
                match code {
                    Some(c) if *c != self.code => {
                        Err(format!("expected code {c}, got {}", self.describe()))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    fn describe(&self) -> String {
        if self.verdict == "fail" || self.verdict == "panic" {
            format!(
                "{} {} code={} ({}): {}\n      steps: {}{}",
                self.verdict,
                self.property,
                self.code,
                self.origin,
                self.message,
                self.steps[..self.fault_steps].join(" | "),
                if self.steps.len() > self.fault_steps {
                    format!(
                        " || calm phase ({} steps): {}",
                        self.steps.len() - self.fault_steps,
                        summarize_calm(&self.steps[self.fault_steps..])
                    )
                } else {
                    String::new()
                }
            )
        } else {
            self.verdict.clone()
        }
    }
}

/// The calm phase is long and regular: its first steps, then its last ones.
fn summarize_calm(steps: &[String]) -> String {
    if steps.len() <= 12 {
        steps.join(" | ")
    } else {
        format!(
            "{} | ... | {}",
            steps[..6].join(" | "),
            steps[steps.len() - 4..].join(" | ")
        )
    }
}

/// The full default check but for the exhaustive phase (traces + 10 000 random schedules, seed 1).
fn default_check() -> Options {
    Options {
        depth: 0,
        ..Options::default()
    }
}

/// The wall-clock safety net for every search in these tests: far above what any takes on a
/// loaded machine. Bounds are depths and states; no outcome here may depend on the clock.
const NET: f64 = 3600.0;

/// The exhaustive phase alone, with these bounds (3 acceptors, as `run` always uses).
fn exhaustive_only(
    proposers: u32,
    depth: u32,
    crashes: u32,
    timeouts: u32,
    budget: f64,
) -> Options {
    Options {
        traces: false,
        schedules: 0,
        proposers,
        depth,
        crashes,
        timeouts,
        budget,
        takeover: None,
        ..Options::default()
    }
}

// -------------------------------------------------------------------------------------------------
// The fixtures themselves.
// -------------------------------------------------------------------------------------------------

#[test]
fn every_fixture_file_is_in_the_catalogue_and_has_a_header() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/solutions");
    let mut on_disk = Vec::new();
    for role in ["acceptor", "proposer"] {
        for entry in std::fs::read_dir(root.join(role)).expect("fixture directory") {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                on_disk.push(format!(
                    "{role}/{}",
                    p.file_stem().unwrap().to_string_lossy()
                ));
            }
        }
    }
    on_disk.sort();
    let mut compiled: Vec<String> = fixtures().iter().map(Fixture::id).collect();
    compiled.sort();
    assert_eq!(
        on_disk, compiled,
        "every fixture file must be listed in `catalogue!`"
    );
    let all = fixtures();
    for f in &all {
        f.expect();
    }
    let bugs = all.iter().filter(|f| f.expect().is_bug()).count();
    assert!(
        bugs >= 18,
        "the catalogue needs at least 18 buggy solutions, has {bugs}"
    );
    for id in ["acceptor/reference", "proposer/reference"] {
        assert_eq!(fixture(id).expect(), Expect::Pass);
    }
}

#[test]
fn header_parser() {
    assert_eq!(
        parse_header("// expect: pass\n// A fine solution.\n"),
        Ok(Expect::Pass)
    );
    assert_eq!(
        parse_header("// expect: fail conformance code=bad-reply\n// A bad one, here.\n"),
        Ok(Expect::Fail {
            property: "conformance".into(),
            code: Some("bad-reply".into())
        })
    );
    assert_eq!(
        parse_header("// expect: fail liveness\n// A slow one, here.\n"),
        Ok(Expect::Fail {
            property: "liveness".into(),
            code: None
        })
    );
    assert!(parse_header("// expect: fail safety\n// Not a property.\n").is_err());
    assert!(parse_header("// expect: fail agreement code=\n// Empty code.\n").is_err());
    assert!(parse_header("// expect: pass\nuse x;\n").is_err());
}

/// `writeln!` into a report string.
macro_rules! outln {
    ($report:ident, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($report, $($arg)*);
    }};
}

// -------------------------------------------------------------------------------------------------
// (a) The full default check.
// -------------------------------------------------------------------------------------------------

#[test]
fn a_default_check_grades_every_fixture() {
    // One print at the end: tests run in parallel, and their tables must not interleave.
    let mut report = String::new();
    let mut wrong = Vec::new();
    let total = Instant::now();
    outln!(
        report,
        "\n(a) default check (traces + 10 000 random schedules, seed 1, no exhaustive search)"
    );
    for f in fixtures() {
        let expect = f.expect();
        let o = run(f.impls, &default_check());
        let ok = o.judge(&expect);
        outln!(
            report,
            "  {:<34} {:>6.2}s  {:<4} {}",
            f.id(),
            o.seconds,
            if ok.is_ok() { "ok" } else { "WRONG" },
            o.describe()
        );
        if let Err(e) = ok {
            wrong.push(format!("{}: {e}", f.id()));
        }
    }
    outln!(report, "  total {:.1}s", total.elapsed().as_secs_f64());
    print!("{report}");
    assert!(
        wrong.is_empty(),
        "verdicts that do not match the fixtures' headers:\n{}",
        wrong.join("\n")
    );
}

// -------------------------------------------------------------------------------------------------
// (b) The exhaustive search alone.
// -------------------------------------------------------------------------------------------------

/// Bounds of the exhaustive phase. `runner::run` searches 3 acceptors with `proposers` proposers,
/// or, with `proposers: 0`, its default plan: 3 acceptors with 2 proposers to `depth`, 3 with 3 to
/// `depth - 2`, then 5 acceptors with 2 proposers to `depth - 4`.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    proposers: u32,
    depth: u32,
    crashes: u32,
    timeouts: u32,
}

const fn b(proposers: u32, depth: u32, crashes: u32, timeouts: u32) -> Bounds {
    Bounds {
        proposers,
        depth,
        crashes,
        timeouts,
    }
}

/// How the exhaustive search alone fares on a buggy fixture.
enum Exh {
    /// Found with these bounds (the smallest that find it), with the property (and code) the
    /// header names, in a counterexample of this many fault steps after the proposes; breadth-first,
    /// so no shorter one exists. A counterexample found while checking liveness (a calm phase from
    /// every state the search reaches, the last level included) continues with a calm phase. Fewer steps than the table says is reported (the search got
    /// stronger: update the table) but is not an error.
    Finds(Bounds, usize),
    /// Found by the takeover search alone (the main configurations off): P1 and P2 take up to
    /// `early` steps, stop, and P3 takes over for up to `late`, with `crashes`; breadth-first by
    /// the total, so a shortest counterexample of that shape, this many steps long (the `Stop`
    /// steps not counted).
    Takeover {
        early: u32,
        late: u32,
        crashes: u32,
        timeouts: u32,
        steps: usize,
    },
    /// Beyond the exhaustive search's bounds: the bug needs a long history (many writes,
    /// timeouts or crashes) or rounds near 2^62; the long and huge-round random schedules of the
    /// default check find it (group a). Why, in a sentence.
    LongHistory(&'static str),
}

/// A quorum of promises reporting two proposals of different ballots: P1 and P2 each accept at one
/// acceptor (10 steps), then P3's phase 1 hears from both (4 more). The plain search would need
/// depth 14 with 3 proposers, tens of millions of states; the takeover search needs 180,000.
const TWO_REPORTS: Exh = Exh::Takeover {
    early: 10,
    late: 4,
    crashes: 0,
    timeouts: 0,
    steps: 14,
};

/// What the exhaustive search alone needs for each buggy fixture (measured with
/// `measure_exhaustive_bounds`; breadth-first, so `depth` is the length of a shortest counterexample).
const EXHAUSTIVE: &[(&str, Exh)] = &[
    (
        "acceptor/drop_every_8th_write",
        Exh::LongHistory("8 saves by one acceptor, then a crash, a restart and a Prepare"),
    ),
    (
        "acceptor/forget_after_16_writes",
        Exh::LongHistory("16 saves by one acceptor, then a crash, a restart and a Prepare"),
    ),
    (
        "acceptor/round_as_u16",
        Exh::LongHistory("a ballot of round 2^62 or more (the huge-round competitor)"),
    ),
    (
        "proposer/retry_cap",
        Exh::LongHistory("7 rounds of one proposer before faults stop"),
    ),
    (
        "proposer/doubling_rounds",
        Exh::LongHistory("a Nack naming round 2^62, then two timeouts"),
    ),
    (
        "proposer/reset_after_12_timeouts",
        Exh::LongHistory("12 timeouts of one proposer"),
    ),
    ("acceptor/no_save_promise", Exh::Finds(b(2, 4, 1, 0), 4)),
    ("acceptor/no_save_accepted", Exh::Finds(b(2, 8, 1, 0), 8)),
    ("acceptor/save_before_update", Exh::Finds(b(2, 4, 1, 0), 4)),
    ("acceptor/start_ignores_disk", Exh::Finds(b(2, 4, 1, 0), 4)),
    (
        "acceptor/accept_below_promise",
        Exh::Finds(b(2, 6, 0, 0), 6),
    ),
    ("acceptor/promise_lower", Exh::Finds(b(2, 2, 0, 0), 2)),
    (
        "acceptor/promise_not_recorded",
        Exh::Finds(b(2, 2, 0, 0), 2),
    ),
    ("acceptor/reject_equal_accept", Exh::Finds(b(2, 1, 0, 0), 0)),
    (
        "acceptor/promise_hides_accepted",
        Exh::Finds(b(2, 6, 0, 0), 6),
    ),
    (
        "acceptor/promise_reports_first",
        Exh::Finds(b(2, 11, 0, 0), 11),
    ),
    ("acceptor/nack_wrong_ballot", Exh::Finds(b(2, 2, 0, 0), 2)),
    ("acceptor/nack_promised_max", Exh::Finds(b(2, 4, 0, 0), 2)),
    ("proposer/own_value", Exh::Finds(b(2, 9, 0, 0), 9)),
    ("proposer/lowest_reported", TWO_REPORTS),
    ("proposer/first_reported", TWO_REPORTS),
    (
        "proposer/most_common_value",
        Exh::Takeover {
            early: 11,
            late: 5,
            crashes: 0,
            timeouts: 1,
            steps: 16,
        },
    ),
    ("proposer/hashmap_lowest_reported", TWO_REPORTS),
    (
        "proposer/count_duplicate_promises",
        Exh::Finds(b(2, 3, 0, 0), 3),
    ),
    (
        "proposer/count_duplicate_accepted",
        Exh::Finds(b(2, 7, 0, 0), 7),
    ),
    // Found as a safety failure in the calm phase from a shallow state: the calm steps count.
    ("proposer/stale_promises", Exh::Finds(b(2, 3, 0, 0), 5)),
    // Found by the calm phase from the first state; the search for a shorter schedule of the
    // same property then gives the 2 steps it needs (a Prepare and one Promise).
    ("proposer/quorum_half", Exh::Finds(b(2, 1, 0, 0), 2)),
    // A quorum of 2 is a majority of 3: only the default plan's last configuration (5 acceptors,
    // 2 proposers, at depth - 4) can find it; `proposers: 0` asks for that plan.
    ("proposer/quorum_two", Exh::Finds(b(0, 5, 0, 0), 4)),
    ("proposer/wait_for_all", Exh::Finds(b(2, 2, 1, 0), 1)),
    ("proposer/ballot_owner_zero", Exh::Finds(b(2, 1, 0, 0), 0)),
    (
        "proposer/ballot_owner_hardcoded",
        Exh::Finds(b(2, 1, 0, 0), 0),
    ),
    ("proposer/same_ballot_forever", Exh::Finds(b(2, 3, 0, 0), 2)),
    (
        "proposer/nack_overwrites_round",
        Exh::Finds(b(2, 6, 0, 3), 6),
    ),
    ("proposer/skip_phase1", Exh::Finds(b(2, 1, 0, 0), 0)),
    (
        "proposer/decide_first_accepted",
        Exh::Finds(b(2, 6, 0, 0), 6),
    ),
    (
        "proposer/decide_across_ballots",
        Exh::Finds(b(1, 13, 0, 1), 13),
    ),
    ("proposer/decided_changes", Exh::Finds(b(2, 9, 0, 1), 9)),
    ("proposer/never_retry", Exh::Finds(b(2, 1, 0, 0), 0)),
    // Two Nacks (one refusal delivered twice counts twice), then a calm phase: beyond the
    // depth-3 states liveness was once checked from (`b_liveness_from_every_state`).
    (
        "proposer/give_up_after_two_nacks",
        Exh::Finds(b(2, 4, 0, 0), 4),
    ),
];

/// The exhaustive phase with these bounds. Depth 0 turns the phase off in `Options`, so a bug
/// that fails on the proposes themselves (depth 0) is searched with depth 1.
fn exhaustive_run(f: &Fixture, bounds: Bounds, budget: f64) -> Outcome {
    run(
        f.impls,
        &exhaustive_only(
            bounds.proposers,
            bounds.depth.max(1),
            bounds.crashes,
            bounds.timeouts,
            budget,
        ),
    )
}

#[test]
fn b_exhaustive_search_alone_finds_every_bug() {
    // One print at the end: tests run in parallel, and their tables must not interleave.
    let mut report = String::new();
    let mut wrong = Vec::new();
    let total = Instant::now();
    outln!(
        report,
        "\n(b) exhaustive search alone (no traces, no random schedules; state budgets, no time budget)"
    );
    for f in fixtures() {
        let expect = f.expect();
        if !expect.is_bug() {
            continue;
        }
        let Some((_, exh)) = EXHAUSTIVE.iter().find(|(id, _)| *id == f.id()) else {
            wrong.push(format!("{}: no entry in EXHAUSTIVE", f.id()));
            continue;
        };
        let t = Instant::now();
        let (line, verdict) = match exh {
            Exh::Finds(bounds, steps) => {
                let o = exhaustive_run(&f, *bounds, NET);
                // Fault steps only (a liveness counterexample ends with a calm phase), proposes
                // not counted: shrinking may leave out a proposer that plays no part.
                let needed = o.steps[..o.fault_steps]
                    .iter()
                    .filter(|s| !s.starts_with("propose"))
                    .count();
                let mut verdict = o.judge(&expect);
                if verdict.is_ok() && !o.origin.starts_with("exhaustive search") {
                    verdict = Err(format!("found by {}", o.origin));
                }
                if verdict.is_ok() && needed > *steps {
                    verdict = Err(format!(
                        "the counterexample has {needed} fault steps, the table says {steps}"
                    ));
                }
                let stale = if needed < *steps {
                    format!(" [found in {needed} steps: update EXHAUSTIVE]")
                } else {
                    String::new()
                };
                (
                    format!(
                        "{steps:>2} steps ({} acceptors, {} proposers; depth={} crashes={} timeouts={}){stale}  {}",
                        o.acceptors,
                        o.proposers,
                        bounds.depth,
                        bounds.crashes,
                        bounds.timeouts,
                        o.describe()
                    ),
                    verdict,
                )
            }
            Exh::LongHistory(why) => (
                format!("beyond the exhaustive bounds: needs {why} (group a finds it)"),
                Ok(()),
            ),
            Exh::Takeover {
                early,
                late,
                crashes,
                timeouts,
                steps,
            } => {
                let o = run(
                    f.impls,
                    &Options {
                        depth: 0,
                        budget: NET,
                        max_states: 12_000_000,
                        takeover: Some((*early, *late)),
                        crashes: *crashes,
                        takeover_timeouts: *timeouts,
                        ..exhaustive_only(3, 0, 0, 0, NET)
                    },
                );
                let needed = o.steps[..o.fault_steps]
                    .iter()
                    .filter(|s| !s.starts_with("propose") && !s.starts_with("stop"))
                    .count();
                let mut verdict = o.judge(&expect);
                if verdict.is_ok() && !o.origin.starts_with("exhaustive search, takeover") {
                    verdict = Err(format!("found by {}", o.origin));
                }
                if verdict.is_ok() && needed != *steps {
                    verdict = Err(format!(
                        "the counterexample has {needed} steps, the table says {steps}"
                    ));
                }
                (
                    format!(
                        "{steps:>2} steps (takeover: P1, P2 up to {early} steps, then P3 up to {late}; crashes={crashes} timeouts={timeouts})  {}",
                        o.describe()
                    ),
                    verdict,
                )
            }
        };
        outln!(
            report,
            "  {:<34} {:>6.2}s  {:<5} {line}",
            f.id(),
            t.elapsed().as_secs_f64(),
            if verdict.is_ok() { "ok" } else { "WRONG" },
        );
        if let Err(e) = verdict {
            wrong.push(format!("{}: {e}", f.id()));
        }
    }
    outln!(report, "  total {:.1}s", total.elapsed().as_secs_f64());
    print!("{report}");
    assert!(wrong.is_empty(), "exhaustive search:\n{}", wrong.join("\n"));
}

/// The exhaustive search checks liveness from every state it reaches, not only from the first
/// few levels: a proposer that gives up after its second Nack fails liveness only from a state
/// four fault steps deep (one Nack delivered twice), which the search reaches and the old
/// depth-3 check did not. Both
/// directions: with liveness checked only up to depth 3 the same search proves nothing wrong,
/// and a correct proposer that keeps retrying passes the search with every state checked.
#[test]
fn b_liveness_from_every_state() {
    let bug = fixture("proposer/give_up_after_two_nacks");
    let every = run(bug.impls, &exhaustive_only(2, 7, 0, 0, NET));
    assert_eq!(
        (every.verdict.as_str(), every.property.as_str()),
        ("fail", "liveness"),
        "{}",
        every.json
    );
    assert!(
        every.origin.starts_with("exhaustive search"),
        "{}",
        every.origin
    );
    // Deeper than depth 3: more than three fault steps besides the proposes.
    let deep = every.steps[..every.fault_steps]
        .iter()
        .filter(|s| !s.starts_with("propose"))
        .count();
    assert!(deep > 3, "{:?}", every.steps);
    let shallow = run(
        bug.impls,
        &Options {
            liveness_depth: 3,
            ..exhaustive_only(2, 7, 0, 0, NET)
        },
    );
    assert_eq!(shallow.verdict, "pass", "{}", shallow.json);
    let correct = run(
        fixture("proposer/reference").impls,
        &exhaustive_only(2, 7, 0, 0, NET),
    );
    assert_eq!(correct.verdict, "pass", "{}", correct.json);
    assert!(
        correct.json.contains("\"calm_phases\":"),
        "{}",
        correct.json
    );
}

#[test]
fn b_every_buggy_fixture_has_an_exhaustive_entry() {
    let ids: Vec<String> = fixtures()
        .iter()
        .filter(|f| f.expect().is_bug())
        .map(Fixture::id)
        .collect();
    for (id, _) in EXHAUSTIVE {
        assert!(
            ids.iter().any(|i| i == id),
            "EXHAUSTIVE names {id}, which is not a buggy fixture"
        );
    }
    for id in &ids {
        assert!(
            EXHAUSTIVE.iter().any(|(e, _)| e == id),
            "{id} has no entry in EXHAUSTIVE"
        );
    }
}

// -------------------------------------------------------------------------------------------------
// (c) Determinism.
// -------------------------------------------------------------------------------------------------

#[test]
fn c_same_fixture_and_seed_give_identical_json() {
    let exhaustive = |p, d, c, t| exhaustive_only(p, d, c, t, NET);
    let cases: Vec<(&str, Options, &str)> = vec![
        // Found by random schedules, then shrunk.
        (
            "proposer/nack_overwrites_round",
            default_check(),
            "random schedule",
        ),
        (
            "proposer/most_common_value",
            default_check(),
            "random schedule",
        ),
        (
            "proposer/nack_overwrites_round",
            Options {
                seed: 7,
                ..default_check()
            },
            "random schedule",
        ),
        // Found by a trace, then shrunk.
        ("acceptor/no_save_accepted", default_check(), "trace"),
        ("proposer/wait_for_all", default_check(), "trace"),
        // Found by the exhaustive search (its first configuration: no earlier phase in the JSON).
        (
            "proposer/decide_across_ballots",
            exhaustive(1, 13, 0, 1),
            "exhaustive search",
        ),
        (
            "acceptor/no_save_accepted",
            exhaustive(2, 8, 1, 0),
            "exhaustive search",
        ),
        (
            "proposer/never_retry",
            exhaustive(2, 1, 0, 0),
            "exhaustive search",
        ),
        (
            "proposer/lowest_reported",
            takeover(),
            "exhaustive search, takeover",
        ),
    ];
    println!("\n(c) determinism");
    for (id, o, origin) in &cases {
        let f = fixture(id);
        let first = run(f.impls, o);
        let second = run(f.impls, o);
        println!(
            "  {id:<34} seed {:<3} {:<32} byte-identical: {}",
            o.seed,
            first.origin,
            first.json == second.json
        );
        assert_eq!(
            first.verdict, "fail",
            "{id}: expected a failure, got {}",
            first.json
        );
        assert!(
            first.origin.starts_with(origin),
            "{id}: found by {}, expected {origin}",
            first.origin
        );
        assert_eq!(
            first.json, second.json,
            "{id}: two runs with seed {} differ",
            o.seed
        );
    }
}

/// The takeover search alone, at its default bounds.
fn takeover() -> Options {
    Options {
        depth: 0,
        takeover: Some(runner::DEFAULT_TAKEOVER),
        ..exhaustive_only(3, 0, 0, 0, NET)
    }
}

/// A takeover counterexample is an ordinary schedule (its `stop` steps included): the replay file
/// in the result, replayed as `paxos-tutor check --replay` does, fails the same way.
#[test]
fn c_takeover_counterexample_replays() {
    let f = fixture("proposer/hashmap_lowest_reported");
    let found = run(f.impls, &takeover());
    assert_eq!(
        found.origin, "exhaustive search, takeover",
        "{}",
        found.json
    );
    let v = Json::parse(&found.json).unwrap();
    let yaml = v.get("violation").get("replay").str().to_string();
    let path = std::env::temp_dir().join(format!("paxos-takeover-{}.yaml", std::process::id()));
    std::fs::write(&path, &yaml).unwrap();
    let replayed = run(
        f.impls,
        &Options {
            replay: Some(path.clone()),
            ..Options::default()
        },
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        (replayed.verdict.as_str(), replayed.code.as_str()),
        ("fail", found.code.as_str()),
        "the replay of\n{yaml}\ngave {}",
        replayed.json
    );
    assert_eq!(replayed.message, found.message);
}

/// The result without its `"nodes"` (the final state of every node, learner state by `Debug`).
fn mask_nodes(json: &str) -> String {
    match (json.find("\"nodes\":"), json.find(",\"replay\":")) {
        (Some(i), Some(j)) if i < j => format!("{}{}", &json[..i], &json[j..]),
        _ => json.to_string(),
    }
}

/// A learner that keeps its acceptors in a `HashSet` iterates them in an order that changes in
/// every run (std seeds its hashers randomly). The harness sorts the messages of each call, so the
/// same seed still explores the same schedules and finds the same counterexample: asserted. But
/// the result's `nodes` prints each learner's state with `Debug`, where the set's order still
/// changes: the JSON is byte-identical only once `nodes` is masked (asserted; how many different
/// raw results six runs gave is printed).
#[test]
fn c_known_issue_hash_order_in_the_state_dump() {
    let f = fixture("proposer/hashmap_lowest_reported");
    let runs: Vec<Outcome> = (0..6).map(|_| run(f.impls, &default_check())).collect();
    let mut raw: Vec<&str> = runs.iter().map(|o| o.json.as_str()).collect();
    raw.sort_unstable();
    raw.dedup();
    println!(
        "\n(c) proposer/hashmap_lowest_reported, seed 1, 6 runs: found by {}; {} different results, 1 once `nodes` is masked",
        runs[0].origin,
        raw.len()
    );
    for o in &runs {
        assert_eq!(
            (o.verdict.as_str(), o.property.as_str(), o.code.as_str()),
            ("fail", "conformance", "wrong-value")
        );
        assert_eq!(
            mask_nodes(&o.json),
            mask_nodes(&runs[0].json),
            "the counterexample changed"
        );
    }
    let g = fixture("proposer/hash_collections");
    for _ in 0..3 {
        assert_eq!(run(g.impls, &default_check()).verdict, "pass");
    }
}

/// Every `"seconds":N` value replaced by 0.
fn mask_seconds(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(i) = rest.find("\"seconds\":") {
        let (head, tail) = rest.split_at(i + "\"seconds\":".len());
        out.push_str(head);
        out.push('0');
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    }
    out.push_str(rest);
    out
}

/// A failure found by a later configuration of the default exhaustive plan carries the statistics
/// of the configurations before it, timings included (`"seconds"`, to the millisecond): the same
/// seed gives the same verdict and counterexample, but byte-identical JSON only when the timings
/// happen to agree. Asserted: identical once the timings are masked; printed: whether the bytes are.
#[test]
fn c_known_issue_timings_in_a_failing_json() {
    let f = fixture("proposer/quorum_two");
    // 3 acceptors to depth 8 and 6 (a second or so), then 5 acceptors, where it is found.
    let o = exhaustive_only(0, 8, 0, 0, NET);
    let first = run(f.impls, &o);
    let second = run(f.impls, &o);
    assert_eq!(first.verdict, "fail");
    assert_eq!(first.acceptors, 5, "found in the 5-acceptor configuration");
    assert_eq!(
        mask_seconds(&first.json),
        mask_seconds(&second.json),
        "differ beyond timings"
    );
    println!(
        "\n(c) proposer/quorum_two, default exhaustive plan, seed 1: byte-identical: {} (identical once `seconds` is masked)",
        first.json == second.json
    );
}

// -------------------------------------------------------------------------------------------------
// Both parts the learner's, and more seeds.
// -------------------------------------------------------------------------------------------------

fn paxos_with_references() -> Impls {
    runner::impls_for(
        "paxos",
        acceptor_ctor::<acceptor::reference::MyAcceptor>(),
        proposer_ctor::<proposer::reference::MyProposer>(),
    )
}

#[test]
fn paxos_exercise_with_both_references_passes() {
    let o = run(paxos_with_references(), &default_check());
    println!(
        "\npaxos exercise, both reference fixtures: {:.2}s {}",
        o.seconds,
        o.describe()
    );
    assert_eq!(o.verdict, "pass", "{}", o.describe());
    // And a short exhaustive search with both parts the learner's.
    let o = run(paxos_with_references(), &exhaustive_only(2, 9, 1, 1, NET));
    assert_eq!(o.verdict, "pass", "{}", o.describe());
}

/// Every correct acceptor with every correct proposer, both the learner's (`paxos` exercise).
#[test]
fn paxos_exercise_correct_pairs_pass() {
    macro_rules! pairs {
        ([$($a:ident),*], $ps:tt) => {{
            let mut v: Vec<(String, Impls)> = Vec::new();
            $(pairs!(@row $a, $ps, v);)*
            v
        }};
        (@row $a:ident, [$($p:ident),*], $v:ident) => {
            $($v.push((
                format!("{} + {}", stringify!($a), stringify!($p)),
                runner::impls_for(
                    "paxos",
                    acceptor_ctor::<acceptor::$a::MyAcceptor>(),
                    proposer_ctor::<proposer::$p::MyProposer>(),
                ),
            ));)*
        };
    }
    let pairs = pairs!(
        [
            reference,
            repromise_equal,
            strict_prepare,
            save_every_call,
            silent_no_nack,
            lazy_promise,
            resend_accepted
        ],
        [
            reference,
            majority_first,
            ignore_nack,
            eager_nack_retry,
            resend_then_raise,
            round_jump,
            accept_to_promisers,
            hash_collections,
            adopted_value
        ]
    );
    // The correct fixtures must be exactly those of the matrix.
    let listed: Vec<String> = pairs.iter().map(|(n, _)| n.clone()).collect();
    for f in fixtures().iter().filter(|f| f.expect() == Expect::Pass) {
        assert!(
            listed
                .iter()
                .any(|n| n.split(" + ").any(|part| part == f.name)),
            "{} is missing from the matrix",
            f.id()
        );
    }
    let t = Instant::now();
    let mut wrong = Vec::new();
    for (name, impls) in &pairs {
        // 3 000 schedules: 48 pairs at the full 10 000 take about 10 s.
        let o = run(
            *impls,
            &Options {
                schedules: 3_000,
                ..default_check()
            },
        );
        if o.verdict != "pass" {
            wrong.push(format!("{name}: {}", o.describe()));
        }
    }
    println!(
        "\npaxos exercise: {} pairs of correct fixtures, traces + 3 000 random schedules each: {} failed ({:.1}s)",
        pairs.len(),
        wrong.len(),
        t.elapsed().as_secs_f64()
    );
    assert!(
        wrong.is_empty(),
        "correct pairs failed:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn correct_fixtures_pass_with_other_seeds() {
    let mut wrong = Vec::new();
    for f in fixtures()
        .into_iter()
        .filter(|f| f.expect() == Expect::Pass)
    {
        for seed in [2, 3, 12345] {
            let o = run(
                f.impls,
                &Options {
                    seed,
                    traces: false,
                    ..default_check()
                },
            );
            if o.verdict != "pass" {
                wrong.push(format!("{} seed {seed}: {}", f.id(), o.describe()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "correct fixtures failed:\n{}",
        wrong.join("\n")
    );
}

// -------------------------------------------------------------------------------------------------
// The exhaustive search alone at the default bounds (`Options::default()`), on every fixture: up to
// the budget per run, hence ignored. The correct solutions must pass; for the buggy ones, what the
// default search finds (or not) is printed, not asserted: (b) pins the bounds each bug needs.
// `cargo test -p paxos-harness --release --test catalogue -- --ignored --nocapture default_bounds`
// -------------------------------------------------------------------------------------------------

#[test]
#[ignore]
fn default_bounds_exhaustive_search_on_every_fixture() {
    // One print at the end: tests run in parallel, and their tables must not interleave.
    let mut report = String::new();
    let mut cases: Vec<(String, Impls, Expect)> = fixtures()
        .into_iter()
        .map(|f| (f.id(), f.impls, f.expect()))
        .collect();
    cases.push((
        "paxos: both references".into(),
        paxos_with_references(),
        Expect::Pass,
    ));
    let (mut found, mut bugs) = (0, 0);
    let only = std::env::var("CATALOGUE_ONLY").unwrap_or_default();
    let mut wrong = Vec::new();
    let total = Instant::now();
    let d = Options::default();
    outln!(report,
        "\nexhaustive search at Options::default() bounds (depth {}, crashes {}, timeouts {}, liveness {}, budget {} s)",
        d.depth, d.crashes, d.timeouts,
        if d.liveness_depth == paxos_harness::runner::LIVENESS_EVERY_DEPTH {
            "from every state".to_string()
        } else {
            format!("from every state up to depth {}", d.liveness_depth)
        },
        d.budget
    );
    for (id, impls, expect) in cases {
        if !only.is_empty() && !only.split(',').any(|o| o == id) {
            continue;
        }
        let o = run(
            impls,
            &Options {
                traces: false,
                schedules: 0,
                ..Options::default()
            },
        );
        let v = Json::parse(&o.json).unwrap();
        let phases: Vec<String> = v
            .get("exhaustive")
            .arr()
            .iter()
            .map(|e| {
                format!(
                    "{}a{}p{} depth {}/{} {} states {:.1}s{}",
                    e.get("acceptors").num(),
                    e.get("proposers").num(),
                    if e.get("takeover") == &Json::Null {
                        ""
                    } else {
                        " takeover"
                    },
                    e.get("depth_done").num(),
                    e.get("depth").num(),
                    e.get("unique").num(),
                    e.get("seconds").num(),
                    match e.get("stopped") {
                        Json::Str(s) => format!(" ({s})"),
                        _ => String::new(),
                    }
                )
            })
            .collect();
        let mark = match &expect {
            Expect::Pass if o.verdict == "pass" => "ok",
            Expect::Incomplete if o.verdict == "incomplete" => "ok",
            Expect::Pass | Expect::Incomplete => {
                wrong.push(format!("{id}: {}", o.describe()));
                "WRONG"
            }
            Expect::Fail { .. } | Expect::Panic => {
                bugs += 1;
                match o.judge(&expect) {
                    Ok(()) => {
                        found += 1;
                        "found"
                    }
                    Err(_) if o.verdict == "pass" => "missed",
                    Err(_) => "other",
                }
            }
        };
        outln!(
            report,
            "  {id:<34} {:>6.2}s  {mark:<6} {}  [{}]",
            o.seconds,
            o.describe(),
            phases.join("; ")
        );
    }
    outln!(
        report,
        "  total {:.1}s; the default search alone finds {found} of {bugs} buggy fixtures",
        total.elapsed().as_secs_f64()
    );
    print!("{report}");
    assert!(
        wrong.is_empty(),
        "correct solutions failed:\n{}",
        wrong.join("\n")
    );
}

/// Not a check: explores which exhaustive bounds find each buggy fixture (to fill [`EXHAUSTIVE`]).
/// `CATALOGUE_ONLY=proposer/quorum_half,...` limits it to some fixtures; `CATALOGUE_CONFIGS="1,0,1;2,0,3"`
/// sets the (proposers, crashes, timeouts) to try in order; `CATALOGUE_BUDGET`, `CATALOGUE_DEPTH`.
#[test]
#[ignore]
fn measure_exhaustive_bounds() {
    let only = std::env::var("CATALOGUE_ONLY").unwrap_or_default();
    let configs: Vec<(u32, u32, u32)> = match std::env::var("CATALOGUE_CONFIGS") {
        Ok(s) => s
            .split(';')
            .map(|c| {
                let n: Vec<u32> = c
                    .split(',')
                    .map(|x| x.trim().parse().expect("a number"))
                    .collect();
                (n[0], n[1], n[2])
            })
            .collect(),
        Err(_) => vec![
            (2, 0, 0),
            (2, 1, 0),
            (2, 0, 1),
            (2, 1, 1),
            (2, 0, 2),
            (2, 1, 2),
            (3, 0, 0),
            (3, 1, 1),
        ],
    };
    let budget: f64 = std::env::var("CATALOGUE_BUDGET")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(20.0);
    let depth: u32 = std::env::var("CATALOGUE_DEPTH")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(16);
    for f in fixtures() {
        if f.expect() == Expect::Pass || (!only.is_empty() && !only.split(',').any(|o| o == f.id()))
        {
            continue;
        }
        for &(proposers, crashes, timeouts) in &configs {
            let o = run(
                f.impls,
                &exhaustive_only(proposers, depth, crashes, timeouts, budget),
            );
            let needed = o.fault_steps.saturating_sub(proposers as usize);
            let v = Json::parse(&o.json).unwrap();
            let stats: Vec<String> = v
                .get("exhaustive")
                .arr()
                .iter()
                .map(|e| {
                    format!(
                        "depth_done={} unique={} stopped={:?}",
                        e.get("depth_done").num(),
                        e.get("unique").num(),
                        e.get("stopped")
                    )
                })
                .collect();
            println!(
                "{:<34} p={proposers} c={crashes} t={timeouts} {:>6.2}s depth={needed} {} {}",
                f.id(),
                o.seconds,
                o.describe(),
                stats.join(" ")
            );
            if o.verdict == "fail" {
                break;
            }
        }
    }
}
