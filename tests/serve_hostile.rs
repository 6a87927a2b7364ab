//! `moderate serve` against hostile clients (issue 15), end to end: the real binary on a free
//! loopback port, called over real TCP with a raw HTTP/1.1 client, so that half-closed, aborted
//! and padded requests can be sent as an attacker would.
//!
//! - padding before a comment does not hide it from Perspective or Coral;
//! - a client that shuts down its writing side after its request still gets the answer, and
//!   aborted requests leave nothing in flight;
//! - span annotations are bounded, and requests answered 504 stop occupying the scoring threads.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread::sleep;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

mod common;
use common::server::Server;

const SECRET: &str = "ems_hostile_secret_5d1e";
const ANALYZE: &str = "/v1alpha1/comments:analyze";
/// The comment of issue 15's padding case.
const COMMENT: &str = "Ces bougnoules sont des cafards, il faut les exterminer.";
/// Waits for the server to settle are bounded by this (a hang guard, not a speed assertion).
const PATIENCE: Duration = Duration::from_secs(60);

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::spawn(&[&["--coral-secret", SECRET], extra].concat(), &[])
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(PATIENCE)).ok();
        s
    }

    /// One request on its own connection; the answer read to the end of the stream.
    fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut s = self.connect();
        s.write_all(&request(method, path, headers, body, true))
            .expect("write request");
        read_response(&mut s)
    }

    fn analyze(&self, body: &Value) -> Resp {
        self.call(
            "POST",
            ANALYZE,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    fn coral(&self, comment_body: &str) -> Resp {
        let body = coral_body(comment_body);
        let signature = sign(&body);
        self.call(
            "POST",
            "/coral/moderate",
            &[
                ("Content-Type", "application/json"),
                ("X-Coral-Signature", &signature),
            ],
            &body,
        )
    }

    fn metrics(&self) -> String {
        self.call("GET", "/metrics", &[], b"").body
    }

    /// Poll `/metrics` until `done` holds for its text (or [`PATIENCE`] passes); the last text.
    fn metrics_until(&self, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.metrics();
            if done(&text) || start.elapsed() > PATIENCE {
                return text;
            }
            sleep(Duration::from_millis(50));
        }
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// The bytes of an HTTP/1.1 request.
fn request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
    if close {
        head.push_str("Connection: close\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Read an answer to the end of the stream (the requests here ask `Connection: close` or
/// half-close): its status and its body (chunked transfer decoded).
fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status: u16 = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16)
                .expect("chunk size");
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        body: String::from_utf8(body).expect("UTF-8 body"),
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("hmac key");
    mac.update(body);
    let sig = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        sig.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn coral_body(comment_body: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "action": "NEW",
        "comment": {"body": comment_body, "parentID": null},
        "author": {"id": "a1"}, "story": {"id": "s1"}, "site": {"id": "w1"},
        "tenantID": "t1", "tenantDomain": "localhost"
    }))
    .expect("json")
}

fn toxicity(r: &Resp) -> f64 {
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("no TOXICITY score: {}", r.body))
}

/// The value of a metric line without labels (`name value`).
fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// The sum of a labelled counter over the lines whose labels contain `labels`.
fn metric_sum(text: &str, name: &str, labels: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// A text of `n` sentences, one per line.
fn sentences(n: usize) -> String {
    (0..n)
        .map(|i| format!("Le conseil municipal a voté le budget numéro {i}."))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn padding_does_not_hide_a_comment_from_perspective_or_coral() {
    let server = Server::start(&[]);
    let analyze = |text: &str| {
        server.analyze(&json!({
            "comment": {"text": text}, "languages": ["fr"],
            "requestedAttributes": {"TOXICITY": {}}
        }))
    };
    let bare = toxicity(&analyze(COMMENT));
    assert!(bare > 0.5, "the bare comment scores {bare}");
    // More than 20,000 characters before the comment, within Perspective's 20 KB: ASCII padding,
    // or U+200B among spaces (a U+200B is 3 bytes, so 20,000 of them alone exceed 20 KB).
    let pads = [
        ("spaces", " ".repeat(20_000)),
        ("newlines", "\n".repeat(20_000)),
        (
            "zwsp among spaces",
            format!("\u{200B}{}", " ".repeat(99)).repeat(200),
        ),
    ];
    for (name, pad) in &pads {
        let text = format!("{pad}{COMMENT}");
        assert!(text.chars().count() > 20_000 && text.len() <= 20 * 1024);
        let padded = toxicity(&analyze(&text));
        assert_eq!(padded, bare, "{name}: {padded} against {bare}");
    }
    // 20,000 U+200B (60,000 bytes) are refused as too long: an error, not a pass.
    let r = analyze(&format!("{}{COMMENT}", "\u{200B}".repeat(20_000)));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.body.contains("too long"), "{}", r.body);

    // Coral takes 64 KB bodies: all three paddings, U+200B alone included, are withheld.
    let r = server.coral(COMMENT);
    assert_eq!(r.json()["status"], "SYSTEM_WITHHELD", "{r:?}");
    for (name, pad) in [
        ("spaces", " ".repeat(20_000)),
        ("newlines", "\n".repeat(20_000)),
        ("zwsp", "\u{200B}".repeat(20_000)),
    ] {
        let r = server.coral(&format!("{pad}{COMMENT}"));
        assert_eq!(r.status, 200, "{name}: {r:?}");
        let answer = r.json();
        assert_eq!(answer["status"], "SYSTEM_WITHHELD", "{name}: {answer}");
        assert_eq!(
            answer["actions"][0]["actionType"], "FLAG",
            "{name}: {answer}"
        );
    }
}

#[test]
fn half_closed_clients_get_their_answer() {
    let server = Server::start(&[]);
    let short = json!({"comment": {"text": COMMENT}, "requestedAttributes": {"TOXICITY": {}}});
    let spans = json!({
        "comment": {"text": sentences(40)}, "spanAnnotations": true, "languages": ["fr"],
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}, "IDENTITY_ATTACK": {}}
    });
    for i in 0..10 {
        for (body, spans_expected) in [(&short, 0), (&spans, 40)] {
            // As `nc -N` does: the request, then shutdown(SHUT_WR), then read. Keep-alive asked
            // every other time: the answer must come either way.
            let mut s = server.connect();
            s.write_all(&request(
                "POST",
                ANALYZE,
                &[("Content-Type", "application/json")],
                body.to_string().as_bytes(),
                i % 2 == 0,
            ))
            .expect("write request");
            s.shutdown(Shutdown::Write).expect("shutdown write");
            let r = read_response(&mut s);
            assert_eq!(r.status, 200, "request {i}: {r:?}");
            let v = r.json();
            assert!(v["attributeScores"]["TOXICITY"]["summaryScore"]["value"].is_f64());
            let got = v["attributeScores"]["TOXICITY"]["spanScores"]
                .as_array()
                .map_or(0, Vec::len);
            assert_eq!(got, spans_expected, "request {i}");
        }
    }
    // Coral and a GET too.
    let body = coral_body(COMMENT);
    let signature = sign(&body);
    let mut s = server.connect();
    s.write_all(&request(
        "POST",
        "/coral/moderate",
        &[("X-Coral-Signature", &signature)],
        &body,
        false,
    ))
    .expect("write request");
    s.shutdown(Shutdown::Write).expect("shutdown write");
    assert_eq!(read_response(&mut s).json()["status"], "SYSTEM_WITHHELD");
    let mut s = server.connect();
    s.write_all(&request("GET", "/healthz", &[], b"", false))
        .expect("write request");
    s.shutdown(Shutdown::Write).expect("shutdown write");
    assert_eq!(read_response(&mut s).status, 200);
}

#[test]
fn aborted_requests_leave_nothing_in_flight() {
    let server = Server::start(&[]);
    let body = json!({
        "comment": {"text": sentences(200)}, "spanAnnotations": true, "languages": ["fr"],
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}, "IDENTITY_ATTACK": {}}
    })
    .to_string();
    let full = request(
        "POST",
        ANALYZE,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
        false,
    );
    let head_len = full.len() - body.len();
    for i in 0..20 {
        let mut s = server.connect();
        match i % 4 {
            // The whole request, then the connection closed without reading the answer.
            0 => s.write_all(&full).expect("write"),
            // The whole request, then shutdown(SHUT_WR), then closed without reading.
            1 => {
                s.write_all(&full).expect("write");
                s.shutdown(Shutdown::Write).expect("shutdown write");
            }
            // The head and half the body, then closed.
            2 => s
                .write_all(&full[..head_len + body.len() / 2])
                .expect("write"),
            // The head and half the body, then shutdown(SHUT_WR): the body never completes.
            _ => {
                s.write_all(&full[..head_len + body.len() / 2])
                    .expect("write");
                s.shutdown(Shutdown::Write).expect("shutdown write");
            }
        }
        drop(s);
    }
    // Every one of them ends, answered or not, and is counted: nothing stays in flight (the
    // scrape itself is the one request in flight).
    let text = server.metrics_until(|t| {
        metric(t, "moderate_http_requests_in_flight") == Some(1)
            && metric_sum(t, "moderate_http_requests_total", "route=\"analyze\"") == 20
    });
    assert_eq!(
        metric(&text, "moderate_http_requests_in_flight"),
        Some(1),
        "{text}"
    );
    assert_eq!(
        metric_sum(&text, "moderate_http_requests_total", "route=\"analyze\""),
        20,
        "{text}"
    );
    assert_eq!(
        metric(&text, "moderate_scoring_jobs_in_flight"),
        Some(0),
        "{text}"
    );
    // And the server still answers.
    let r = server
        .analyze(&json!({"comment": {"text": COMMENT}, "requestedAttributes": {"TOXICITY": {}}}));
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn span_annotations_are_bounded() {
    let server = Server::start(&[]);
    let ask = |text: &str, spans: bool| {
        server.analyze(&json!({
            "comment": {"text": text}, "spanAnnotations": spans, "languages": ["fr"],
            "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}, "IDENTITY_ATTACK": {}}
        }))
    };
    // The request: 10,240 one-letter lines (20 KB), four attributes, spans.
    let many = "a\n".repeat(10_240);
    let r = ask(&many, true);
    assert_eq!(r.status, 400, "{}", &r.body[..r.body.len().min(300)]);
    let message = r.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        message.contains("10240") && message.contains("256"),
        "{message}"
    );
    // The same text without spans is scored.
    assert_eq!(ask(&many, false).status, 200);
    // 256 sentences are answered, span by span.
    let r = ask(&sentences(256), true);
    assert_eq!(r.status, 200);
    let v = r.json();
    for attr in ["TOXICITY", "INSULT", "THREAT", "IDENTITY_ATTACK"] {
        assert_eq!(
            v["attributeScores"][attr]["spanScores"]
                .as_array()
                .map(Vec::len),
            Some(256),
            "{attr}"
        );
    }
    // U+2028 and U+2029 end a span, as line breaks do.
    let r = ask(
        "Bonjour à tous\u{2028}sales cafards\u{2029}Bonne soirée",
        true,
    );
    let spans = r.json()["attributeScores"]["TOXICITY"]["spanScores"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| (s["begin"].as_u64(), s["end"].as_u64()))
                .collect::<Vec<_>>()
        });
    assert_eq!(
        spans,
        Some(vec![
            (Some(0), Some(14)),
            (Some(15), Some(28)),
            (Some(29), Some(41))
        ])
    );
}

#[test]
fn requests_answered_504_free_the_scoring_threads() {
    // One scoring thread and a 50 ms request timeout: a burst of heavy requests (256 spans, four
    // attributes) queues far past the timeout, so most are answered 504.
    let server = Server::start(&["--scoring-threads", "1", "--request-timeout", "0.05"]);
    let body = json!({
        "comment": {"text": sentences(256)}, "spanAnnotations": true, "languages": ["fr"],
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}, "IDENTITY_ATTACK": {}}
    });
    let burst: Vec<_> = (0..40)
        .map(|_| {
            let addr = server.addr.clone();
            let body = body.to_string();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).expect("connect");
                s.set_read_timeout(Some(PATIENCE)).ok();
                s.write_all(&request(
                    "POST",
                    ANALYZE,
                    &[("Content-Type", "application/json")],
                    body.as_bytes(),
                    true,
                ))
                .expect("write request");
                read_response(&mut s).status
            })
        })
        .collect();
    let statuses: Vec<u16> = burst
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .collect();
    let timed_out = statuses.iter().filter(|&&s| s == 504).count();
    assert!(timed_out > 0, "no 504 in {statuses:?}");
    assert!(
        statuses.iter().all(|&s| s == 200 || s == 504),
        "{statuses:?}"
    );

    // The work of the requests answered 504 is dropped: the scoring thread empties, nothing is
    // left in flight, and the abandoned jobs are counted.
    let text = server.metrics_until(|t| {
        metric(t, "moderate_scoring_jobs_in_flight") == Some(0)
            && metric(t, "moderate_http_requests_in_flight") == Some(1)
    });
    assert_eq!(
        metric(&text, "moderate_scoring_jobs_in_flight"),
        Some(0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "moderate_http_requests_in_flight"),
        Some(1),
        "{text}"
    );
    let abandoned = metric(&text, "moderate_scoring_jobs_abandoned_total").unwrap_or(0);
    assert!(abandoned > 0, "no scoring job abandoned:\n{text}");
    assert!(abandoned as usize <= timed_out, "{abandoned} > {timed_out}");
    // Only the jobs that were answered were scored to the end.
    let scored = metric_sum(&text, "moderate_comments_scored_total", "perspective");
    assert_eq!(scored as usize, statuses.len() - timed_out, "{text}");

    // A normal request is answered (the timeout is tight, so it may take a few tries on a busy
    // machine; what matters is that the thread is free).
    let normal = json!({"comment": {"text": COMMENT}, "requestedAttributes": {"TOXICITY": {}}});
    let start = Instant::now();
    loop {
        let r = server.analyze(&normal);
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 504, "{r:?}");
        assert!(start.elapsed() < PATIENCE, "no answer but 504s");
        sleep(Duration::from_millis(100));
    }
}
