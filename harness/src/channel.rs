//! The runner's private channel with `paxos-tutor check`: one typed [`Request`] in, one result
//! out, both on the child's standard input, which the parent makes a Unix socket.
//!
//! Nothing about a check is in argv or the environment. At start, before any learner code runs,
//! the runner reads the request (with a secret chosen by the parent for this run) to the end,
//! moves the socket to a private descriptor (close-on-exec) and puts `/dev/null` on stdin, and
//! closes every other descriptor above 2 it may have inherited. At the end it writes the result
//! once, preceded by the secret, closes the socket, and leaves with `_exit(0)`: no atexit handler
//! or thread-local destructor of learner code runs after the result, and the parent accepts a
//! result only with the secret and only from a runner that exited 0.
//!
//! Learner code runs in this process, so it could find the socket, but without the secret what it
//! writes there is ignored. Reading the secret from this process's memory is out of scope: see the
//! README ("What the grader guarantees").

use std::io::{Read as _, Write as _};
use std::os::unix::io::{AsRawFd as _, FromRawFd as _, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use crate::runner::Options;

extern "C" {
    fn _exit(code: i32) -> !;
    fn dup(fd: i32) -> i32;
    fn dup2(old: i32, new: i32) -> i32;
    fn close(fd: i32) -> i32;
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
}

const F_SETFD: i32 = 2;
const FD_CLOEXEC: i32 = 1;

/// The first line of a request.
const HEADER: &str = "paxos-harness-request 1";
/// The longest request the runner reads (the real ones are a few hundred bytes).
const MAX_REQUEST: u64 = 1 << 20;

/// What the parent asks for, and the secret that marks the answer as the harness's.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub secret: String,
    pub options: Options,
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            other => return Err(format!("bad escape `\\{}`", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}

impl Request {
    /// The request as text: a header, then one `key value` line per field, then `end`.
    pub fn to_text(&self) -> String {
        let o = &self.options;
        let takeover = match o.takeover {
            Some((e, l)) => format!("{e}+{l}"),
            None => "off".into(),
        };
        let mut lines = vec![
            HEADER.to_string(),
            format!("secret {}", escape(&self.secret)),
            format!("exercise {}", escape(&o.exercise)),
            format!("seed {}", o.seed),
            format!("schedules {}", o.schedules),
            format!("depth {}", o.depth),
            format!("crashes {}", o.crashes),
            format!("timeouts {}", o.timeouts),
            format!("proposers {}", o.proposers),
            // Display of an f64 is the shortest text that reads back as the same number.
            format!("budget {}", o.budget),
            format!("max-states {}", o.max_states),
            format!("call-timeout-ms {}", o.call_timeout_ms),
            format!("shrink-replays {}", o.shrink_replays),
            format!("traces {}", o.traces),
            format!("liveness-depth {}", o.liveness_depth),
            format!("takeover {takeover}"),
            format!("takeover-timeouts {}", o.takeover_timeouts),
            format!("echo-steps {}", o.echo_steps),
            format!("announce {}", o.announce),
            format!(
                "unit {}",
                o.unit.map_or_else(|| "all".to_string(), |u| u.to_text())
            ),
        ];
        if let Some(r) = &o.replay {
            lines.push(format!("replay {}", escape(&r.to_string_lossy())));
        }
        lines.push("end".into());
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    /// Read a request written by [`Request::to_text`]. Every field must be there exactly once
    /// (`replay` is optional), and nothing may follow `end`.
    pub fn from_text(text: &str) -> Result<Request, String> {
        let mut secret = None;
        let mut o = Options::default();
        let mut seen = std::collections::BTreeSet::new();
        for (key, val) in fields(text, HEADER, "a request")? {
            if !seen.insert(key.to_string()) {
                return Err(format!("`{key}` given twice"));
            }
            let num = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{key}: `{v}` is not a number"))
            };
            let small = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| format!("{key}: `{v}` is not a number"))
            };
            let flag = |v: &str| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!("{key}: `{v}` is not true or false")),
            };
            match key {
                "secret" => secret = Some(unescape(val)?),
                "exercise" => o.exercise = unescape(val)?,
                "seed" => o.seed = num(val)?,
                "schedules" => o.schedules = num(val)?,
                "depth" => o.depth = small(val)?,
                "crashes" => o.crashes = small(val)?,
                "timeouts" => o.timeouts = small(val)?,
                "proposers" => o.proposers = small(val)?,
                "budget" => {
                    o.budget = val
                        .parse::<f64>()
                        .ok()
                        .filter(|b| b.is_finite() && *b > 0.0)
                        .ok_or_else(|| format!("budget: `{val}` is not a positive number"))?
                }
                "max-states" => {
                    o.max_states = usize::try_from(num(val)?)
                        .map_err(|_| format!("max-states: `{val}` is too large"))?
                }
                "call-timeout-ms" => o.call_timeout_ms = num(val)?,
                "shrink-replays" => {
                    o.shrink_replays = usize::try_from(num(val)?)
                        .map_err(|_| format!("shrink-replays: `{val}` is too large"))?
                }
                "traces" => o.traces = flag(val)?,
                "liveness-depth" => o.liveness_depth = small(val)?,
                "takeover" => o.takeover = crate::runner::parse_takeover(val)?,
                "takeover-timeouts" => o.takeover_timeouts = small(val)?,
                "echo-steps" => o.echo_steps = flag(val)?,
                "announce" => o.announce = flag(val)?,
                "unit" => {
                    o.unit = match val {
                        "all" => None,
                        u => Some(crate::runner::Unit::parse(u)?),
                    }
                }
                "replay" => o.replay = Some(unescape(val)?.into()),
                _ => return Err(format!("unknown field `{key}`")),
            }
        }
        for key in [
            "exercise",
            "seed",
            "schedules",
            "depth",
            "crashes",
            "timeouts",
            "proposers",
            "budget",
            "max-states",
            "call-timeout-ms",
            "shrink-replays",
            "traces",
            "liveness-depth",
            "takeover",
            "takeover-timeouts",
            "echo-steps",
            "announce",
            "unit",
        ] {
            if !seen.contains(key) {
                return Err(format!("`{key}` is missing"));
            }
        }
        let secret = secret.ok_or("`secret` is missing")?;
        if secret.len() < 16 {
            return Err("the secret is too short".into());
        }
        Ok(Request { secret, options: o })
    }
}

/// The `key value` lines of `text`, written as `header`, one `key value` line per field, then
/// `end` with nothing after it (a request, and a unit's report: see `runner::UnitReport`).
/// `what` names the text in errors.
pub(crate) fn fields<'a>(
    text: &'a str,
    header: &str,
    what: &str,
) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(format!("{what} starts with `{header}`"));
    }
    let mut out = Vec::new();
    for line in lines.by_ref() {
        if line == "end" {
            if lines.next().is_some() {
                return Err("text after `end`".into());
            }
            return Ok(out);
        }
        let kv = line
            .split_once(' ')
            .ok_or_else(|| format!("`{line}` is not `key value`"))?;
        out.push(kv);
    }
    Err(format!("{what} does not end with `end`"))
}

/// The result frame: `SECRET LEN\n` then `LEN` bytes of JSON.
pub fn frame(secret: &str, json: &str) -> Vec<u8> {
    let mut out = format!("{secret} {}\n", json.len()).into_bytes();
    out.extend_from_slice(json.as_bytes());
    out
}

/// Find the harness's result in what arrived on the channel: the frame that starts with `secret`
/// (learner code may have written something else before it; it cannot know the secret).
pub fn unframe(bytes: &[u8], secret: &str) -> Option<String> {
    let key = format!("{secret} ");
    let at = bytes.windows(key.len()).position(|w| w == key.as_bytes())?;
    let rest = &bytes[at + key.len()..];
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let len: usize = std::str::from_utf8(&rest[..nl]).ok()?.parse().ok()?;
    let body = rest.get(nl + 1..nl + 1 + len)?;
    String::from_utf8(body.to_vec()).ok()
}

/// The channel back to the parent, once the request has been read.
static RESULT: Mutex<Option<(UnixStream, String)>> = Mutex::new(None);

/// Read the request from stdin, keep the channel for the result, and leave learner code nothing
/// to reach: `/dev/null` on stdin, every other inherited descriptor above 2 closed.
pub fn take_request() -> Result<Options, String> {
    // SAFETY: fd 0 is the socket the parent gave as stdin; we take ownership of a duplicate.
    let fd = unsafe { dup(0) };
    if fd < 0 {
        return Err("no request on stdin".into());
    }
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    let mut sock = unsafe { UnixStream::from_raw_fd(fd) };
    // SAFETY: plain fcntl on our own descriptor.
    unsafe { fcntl(fd, F_SETFD, FD_CLOEXEC) };
    let null = std::fs::File::open("/dev/null").map_err(|e| format!("/dev/null: {e}"))?;
    // SAFETY: replaces fd 0 (the socket's other copy) with /dev/null.
    if unsafe { dup2(null.as_raw_fd(), 0) } < 0 {
        return Err("cannot put /dev/null on stdin".into());
    }
    drop(null);
    close_stray_fds(&[fd]);
    let mut text = String::new();
    (&mut sock)
        .take(MAX_REQUEST)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the request: {e}"))?;
    let req = Request::from_text(&text)?;
    *RESULT.lock().unwrap_or_else(|p| p.into_inner()) = Some((sock, req.secret));
    Ok(req.options)
}

/// Close every descriptor above 2 except `keep` (whatever the caller of paxos-tutor leaked).
fn close_stray_fds(keep: &[RawFd]) {
    let Ok(rd) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<RawFd> = rd
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // The directory's own descriptor is among them, but it is closed once `rd` is consumed.
    for fd in fds {
        if fd > 2 && !keep.contains(&fd) {
            // SAFETY: closing a descriptor nobody in this process uses (learner code has not
            // started; the std library keeps none open at this point). EBADF is harmless.
            unsafe { close(fd) };
        }
    }
}

/// Write the result (once: a second caller waits for the first to end the process), close the
/// channel and end the process at once, exit status 0.
pub fn finish(json: &str) -> ! {
    let taken = RESULT.lock().unwrap_or_else(|p| p.into_inner()).take();
    match taken {
        Some((mut sock, secret)) => {
            let _ = std::io::stdout().flush();
            let _ = sock.write_all(&frame(&secret, json));
            let _ = sock.shutdown(std::net::Shutdown::Both);
            drop(sock);
            // SAFETY: ends the process without running atexit handlers or destructors.
            unsafe { _exit(0) }
        }
        None => loop {
            std::thread::park();
        },
    }
}

/// Leave at once with `code`, without a result (bad request).
pub fn fail(code: i32) -> ! {
    // SAFETY: as in `finish`.
    unsafe { _exit(code) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips() {
        let mut o = Options {
            exercise: "acceptor".into(),
            seed: 7,
            budget: 12.5,
            replay: Some("/tmp/a b\\c\nd/é.yaml".into()),
            takeover: None,
            echo_steps: true,
            ..Options::default()
        };
        let r = Request {
            secret: "0123456789abcdef0123".into(),
            options: o.clone(),
        };
        assert_eq!(Request::from_text(&r.to_text()).unwrap(), r);
        o.replay = None;
        o.takeover = Some((3, 4));
        o.unit = Some(crate::runner::Unit::Schedules {
            traces: true,
            from: 5,
            to: 10,
        });
        let r = Request {
            secret: "0123456789abcdef0123".into(),
            options: o,
        };
        assert_eq!(Request::from_text(&r.to_text()).unwrap(), r);
    }

    #[test]
    fn bad_requests_are_refused() {
        let r = Request {
            secret: "0123456789abcdef0123".into(),
            options: Options::default(),
        };
        let good = r.to_text();
        assert!(Request::from_text(&good.replace("budget 60", "budget NaN")).is_err());
        assert!(Request::from_text(&good.replace("seed 1\n", "")).is_err());
        assert!(Request::from_text(&good.replace("end\n", "")).is_err());
        assert!(Request::from_text(&format!("{good}more\n")).is_err());
        assert!(Request::from_text(&good.replace("seed 1", "seed 1\nseed 2")).is_err());
    }

    #[test]
    fn frames_need_the_secret() {
        let secret = "s3cr3t-s3cr3t-s3cr3t";
        let mut bytes = b"{\"verdict\":\"pass\"} forged\n".to_vec();
        bytes.extend(frame(secret, "{\"verdict\":\"fail\"}"));
        bytes.extend(b"trailing junk");
        assert_eq!(
            unframe(&bytes, secret).as_deref(),
            Some("{\"verdict\":\"fail\"}")
        );
        assert_eq!(unframe(b"{\"verdict\":\"pass\"}", secret), None);
        assert_eq!(unframe(&frame("other-secret-000000", "{}"), secret), None);
        // A frame cut short is not a result.
        let cut = frame(secret, "{\"verdict\":\"fail\"}");
        assert_eq!(unframe(&cut[..cut.len() - 1], secret), None);
    }
}
