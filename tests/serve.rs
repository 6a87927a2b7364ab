//! `moderate serve` end to end: the real binary on a free loopback port, called over real HTTP
//! (a raw HTTP/1.1 client on `TcpStream`, so that malformed and partial requests can be sent).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

mod common;
use common::server::Server;

const BIN: &str = env!("CARGO_BIN_EXE_moderate");
const KEY: &str = "test-key-7f3a";
const SECRET: &str = "ems_test_secret_91c2";
const ANALYZE: &str = "/v1alpha1/comments:analyze";

/// Comments written for these tests: French and English, heated, hateful and calm.
const TEXTS: [&str; 8] = [
    "Ces bactéries qui envahissent notre pays, il faut les éradiquer",
    "Merci pour cet article très complet sur la situation au Liban.",
    "Espèce de connard, retourne dans ton trou et ferme-la !",
    "Je ne suis pas d'accord avec l'éditorial, mais le débat est utile.",
    "You are a pathetic idiot and everyone here knows it.",
    "Thanks for the reporting, the maps of the front line were very clear.",
    "On va vous retrouver et vous faire payer, un par un.",
    "Le gouvernement a encore menti sur les chiffres du chômage. Honteux !",
];

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::spawn(extra, &[])
    }

    fn start_with_env(env: &[(&str, &str)]) -> Server {
        Server::spawn(&[], env)
    }

    fn with_secrets() -> Server {
        Server::start(&["--api-key", KEY, "--coral-secret", SECRET])
    }

    fn get(&self, path: &str) -> Resp {
        http(&self.addr, "GET", path, &[], b"")
    }

    fn analyze(&self, body: &Value) -> Resp {
        self.analyze_raw(&format!("{ANALYZE}?key={KEY}"), body.to_string().as_bytes())
    }

    fn analyze_raw(&self, path: &str, body: &[u8]) -> Resp {
        http(
            &self.addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body,
        )
    }

    fn coral(&self, body: &[u8], signature: Option<&str>) -> Resp {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(s) = signature {
            headers.push(("X-Coral-Signature", s));
        }
        http(&self.addr, "POST", "/coral/moderate", &headers, body)
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Assert a Google-style JSON error.
    fn assert_error(&self, code: u16, status: &str, message_part: &str) {
        assert_eq!(self.status, code, "{self:?}");
        let v = self.json();
        assert_eq!(v["error"]["code"], json!(code), "{v}");
        assert_eq!(v["error"]["status"], json!(status), "{v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(message_part),
            "message {message:?} lacks {message_part:?}"
        );
    }
}

fn request_head(method: &str, path: &str, headers: &[(&str, &str)], len: usize) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    s.write_all(request_head(method, path, headers, body.len()).as_bytes())
        .expect("write head");
    // A server may answer (413) and close before reading a large body: ignore write errors.
    let _ = s.write_all(body);
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
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
        headers,
        body: String::from_utf8(body).expect("UTF-8 body"),
    }
}

fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(body);
    let sig = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        sig.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A Coral external moderation request, pretty-printed as Coral sends it.
fn coral_body(comment_body: &str) -> Vec<u8> {
    let v = json!({
        "action": "NEW",
        "comment": {"body": comment_body, "parentID": null},
        "author": {"id": "baf4e943-3594-4fcc-b2ba-3e8de7a76352", "role": "COMMENTER"},
        "story": {"id": "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6", "url": "http://localhost/story/"},
        "site": {"id": "a4bede88-2d2c-4424-bc18-4322a9e285a6"},
        "tenantID": "19ba5794-7eeb-4d46-a81b-c00c61672501",
        "tenantDomain": "localhost"
    });
    serde_json::to_vec_pretty(&v).expect("json")
}

/// `moderate score` on the texts: one map of output columns per text.
fn score_with_cli(texts: &[&str]) -> Vec<HashMap<String, String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    let mut w = csv::Writer::from_path(&input).expect("csv");
    w.write_record(["id", "text"]).expect("csv");
    for (i, t) in texts.iter().enumerate() {
        w.write_record([i.to_string().as_str(), t]).expect("csv");
    }
    w.flush().expect("csv");
    let status = Command::new(BIN)
        .args(["score", "-q", "-o"])
        .arg(&output)
        .arg(&input)
        .status()
        .expect("run moderate score");
    assert!(status.success());
    let mut r = csv::Reader::from_path(&output).expect("read scores");
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn value(v: &Value, attr: &str) -> f64 {
    v["attributeScores"][attr]["summaryScore"]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("no {attr} score in {v}"))
}

#[test]
fn scores_equal_moderate_score() {
    let server = Server::with_secrets();
    let cli = score_with_cli(&TEXTS);
    for (text, row) in TEXTS.iter().zip(&cli) {
        let r = server.analyze(&json!({
            "comment": {"text": text},
            "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}, "IDENTITY_ATTACK": {}},
            "languages": ["fr"],
        }));
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        let col = |c: &str| -> f64 { row[c].parse().expect("score column") };
        for (attr, expected) in [
            ("TOXICITY", col("score_toxic")),
            ("INSULT", col("score_insult")),
            ("THREAT", col("score_threat")),
            (
                "IDENTITY_ATTACK",
                col("score_slur").max(col("score_dehumanizing")),
            ),
        ] {
            // `moderate score` prints four decimals.
            assert_eq!(
                format!("{:.4}", value(&v, attr)),
                format!("{expected:.4}"),
                "{attr} of {text:?}"
            );
            assert_eq!(
                v["attributeScores"][attr]["summaryScore"]["type"],
                "PROBABILITY"
            );
        }
    }
}

#[test]
fn perspective_single_attribute_detects_language_and_echoes_token() {
    let server = Server::with_secrets();
    let r = server.analyze(&json!({
        "comment": {"text": TEXTS[0]},
        "requestedAttributes": {"TOXICITY": {}},
        "doNotStore": false,
        "clientToken": "comment:42",
    }));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let attrs = v["attributeScores"].as_object().expect("attributeScores");
    assert_eq!(attrs.keys().collect::<Vec<_>>(), vec!["TOXICITY"]);
    let toxic = value(&v, "TOXICITY");
    assert!((0.0..=1.0).contains(&toxic));
    assert!(attrs["TOXICITY"].get("spanScores").is_none());
    assert_eq!(v["languages"], json!(["fr"]));
    assert_eq!(v["detectedLanguages"], json!(["fr"]));
    assert_eq!(v["clientToken"], json!("comment:42"));

    let calm = server.analyze(&json!({
        "comment": {"text": TEXTS[5]},
        "requestedAttributes": {"TOXICITY": {}},
    }));
    let calm = calm.json();
    assert_eq!(calm["languages"], json!(["en"]));
    assert!(value(&calm, "TOXICITY") < toxic);
    assert!(calm.get("clientToken").is_none());
}

#[test]
fn perspective_several_attributes_given_language_and_threshold() {
    let server = Server::with_secrets();
    let r = server.analyze(&json!({
        "comment": {"text": TEXTS[2]},
        "requestedAttributes": {"IDENTITY_ATTACK": {}, "TOXICITY": {"scoreType": "PROBABILITY"}, "INSULT": {}, "THREAT": {}},
        "languages": ["fr-FR"],
    }));
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    let keys: Vec<&String> = v["attributeScores"]
        .as_object()
        .expect("map")
        .keys()
        .collect();
    assert_eq!(
        keys,
        vec!["IDENTITY_ATTACK", "TOXICITY", "INSULT", "THREAT"]
    );
    assert_eq!(v["languages"], json!(["fr"]));
    assert!(v.get("detectedLanguages").is_none());
    let insult = value(&v, "INSULT");

    // scoreThreshold: an attribute under it is left out.
    let r = server.analyze(&json!({
        "comment": {"text": TEXTS[2]},
        "requestedAttributes": {"INSULT": {"scoreThreshold": insult + 0.01}, "TOXICITY": {"scoreThreshold": 0.0}},
        "languages": ["fr"],
    }));
    let v = r.json();
    assert!(v["attributeScores"].get("INSULT").is_none(), "{v}");
    assert!(v["attributeScores"].get("TOXICITY").is_some(), "{v}");
}

#[test]
fn perspective_span_scores_are_sentences_in_code_points() {
    let server = Server::with_secrets();
    let first = "Élégant 🙂 article, merci.";
    let second = "Mais ces cafards doivent dégager !";
    let text = format!("{first}  {second}");
    let r = server.analyze(&json!({
        "comment": {"text": text},
        "requestedAttributes": {"TOXICITY": {}, "IDENTITY_ATTACK": {}},
        "spanAnnotations": true,
        "languages": ["fr"],
    }));
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    let n1 = first.chars().count();
    let n2 = second.chars().count();
    for attr in ["TOXICITY", "IDENTITY_ATTACK"] {
        let spans = v["attributeScores"][attr]["spanScores"]
            .as_array()
            .expect("spanScores");
        assert_eq!(spans.len(), 2, "{v}");
        assert_eq!(
            (spans[0]["begin"].as_u64(), spans[0]["end"].as_u64()),
            (Some(0), Some(n1 as u64))
        );
        let b2 = n1 + 2;
        assert_eq!(
            (spans[1]["begin"].as_u64(), spans[1]["end"].as_u64()),
            (Some(b2 as u64), Some((b2 + n2) as u64))
        );
        // Each span's score is that sentence scored alone.
        for (span, sentence) in spans.iter().zip([first, second]) {
            let alone = server.analyze(&json!({
                "comment": {"text": sentence},
                "requestedAttributes": {attr: {}},
                "languages": ["fr"],
            }));
            assert_eq!(
                span["score"]["value"].as_f64(),
                Some(value(&alone.json(), attr))
            );
            assert_eq!(span["score"]["type"], "PROBABILITY");
        }
    }
}

#[test]
fn perspective_api_key_missing_wrong_and_header() {
    let server = Server::with_secrets();
    let body =
        json!({"comment": {"text": TEXTS[1]}, "requestedAttributes": {"TOXICITY": {}}}).to_string();
    server.analyze_raw(ANALYZE, body.as_bytes()).assert_error(
        403,
        "PERMISSION_DENIED",
        "missing a valid API key",
    );
    server
        .analyze_raw(&format!("{ANALYZE}?key=wrong"), body.as_bytes())
        .assert_error(400, "INVALID_ARGUMENT", "API key not valid");
    server
        .analyze_raw(&format!("{ANALYZE}?key=%20{KEY}"), body.as_bytes())
        .assert_error(400, "INVALID_ARGUMENT", "API key not valid");
    let ok = http(
        &server.addr,
        "POST",
        ANALYZE,
        &[("X-Goog-Api-Key", KEY)],
        body.as_bytes(),
    );
    assert_eq!(ok.status, 200, "{ok:?}");
    // Without --api-key, no key is needed.
    let open = Server::start(&[]);
    assert_eq!(open.analyze_raw(ANALYZE, body.as_bytes()).status, 200);
    // The key and the Coral secret can come from the environment instead of the command line.
    let from_env = Server::start_with_env(&[
        ("MODERATE_API_KEY", "env-key"),
        ("MODERATE_CORAL_SECRET", "env-secret"),
    ]);
    assert_eq!(from_env.analyze_raw(ANALYZE, body.as_bytes()).status, 403);
    let with_key = from_env.analyze_raw(&format!("{ANALYZE}?key=env-key"), body.as_bytes());
    assert_eq!(with_key.status, 200);
    let coral = coral_body(TEXTS[1]);
    assert_eq!(
        from_env
            .coral(&coral, Some(&sign(&coral, "env-secret")))
            .status,
        200
    );
}

#[test]
fn perspective_oversize_text_and_body_are_json_errors() {
    let server = Server::with_secrets();
    let long = "Un commentaire très long. ".repeat(800); // > 20 KB
    assert!(long.len() > 20 * 1024);
    server
        .analyze(&json!({"comment": {"text": long}, "requestedAttributes": {"TOXICITY": {}}}))
        .assert_error(400, "INVALID_ARGUMENT", "too long");
    let huge = "x".repeat(100 * 1024);
    server
        .analyze(&json!({"comment": {"text": huge}, "requestedAttributes": {"TOXICITY": {}}}))
        .assert_error(413, "INVALID_ARGUMENT", "too large");
    // The server is still up.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn perspective_malformed_json_and_missing_fields() {
    let server = Server::with_secrets();
    let path = format!("{ANALYZE}?key={KEY}");
    server
        .analyze_raw(&path, b"{\"comment\": {\"text\": ")
        .assert_error(400, "INVALID_ARGUMENT", "Invalid JSON payload");
    server.analyze_raw(&path, b"not json").assert_error(
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload",
    );
    server
        .analyze_raw(
            &path,
            "{\"comment\":{\"text\":\"\u{e9}\"},\"requestedAttributes\":[1]}".as_bytes(),
        )
        .assert_error(400, "INVALID_ARGUMENT", "Invalid JSON payload");
    server
        .analyze(&json!({"requestedAttributes": {"TOXICITY": {}}}))
        .assert_error(400, "INVALID_ARGUMENT", "comment");
    server
        .analyze(&json!({"comment": {"text": "  "}, "requestedAttributes": {"TOXICITY": {}}}))
        .assert_error(400, "INVALID_ARGUMENT", "non-empty");
    server
        .analyze(&json!({"comment": {"text": TEXTS[1]}}))
        .assert_error(400, "INVALID_ARGUMENT", "requestedAttributes");
}

#[test]
fn perspective_unknown_attribute_and_unsupported_language() {
    let server = Server::with_secrets();
    for attr in ["SEVERE_TOXICITY", "PROFANITY", "toxicity"] {
        server
            .analyze(&json!({
                "comment": {"text": TEXTS[1]},
                "requestedAttributes": {"TOXICITY": {}, attr: {}},
            }))
            .assert_error(400, "INVALID_ARGUMENT", attr);
    }
    server
        .analyze(&json!({
            "comment": {"text": TEXTS[1]},
            "requestedAttributes": {"TOXICITY": {}},
            "languages": ["de"],
        }))
        .assert_error(
            400,
            "INVALID_ARGUMENT",
            "does not support request languages: de",
        );
    server
        .analyze(&json!({
            "comment": {"text": "Die Journalisten dieser Zeitung leisten hervorragende Arbeit über den Krieg"},
            "requestedAttributes": {"TOXICITY": {}},
        }))
        .assert_error(400, "INVALID_ARGUMENT", "does not support request languages: de");
}

#[test]
fn coral_decisions_follow_the_model_threshold() {
    let server = Server::with_secrets();
    let cli = score_with_cli(&TEXTS);
    let mut seen = (false, false);
    for (text, row) in TEXTS.iter().zip(&cli) {
        let flagged = row["flagged"].split(';').any(|f| f == "toxic");
        let body = coral_body(&format!("<p>{}</p>", text.replace('&', "&amp;")));
        let r = server.coral(&body, Some(&sign(&body, SECRET)));
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        if flagged {
            seen.0 = true;
            assert_eq!(
                v,
                json!({
                    "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}],
                    "status": "SYSTEM_WITHHELD"
                }),
                "{text}"
            );
        } else {
            seen.1 = true;
            assert_eq!(v, json!({"actions": []}), "{text}");
        }
    }
    assert_eq!(
        seen,
        (true, true),
        "the texts must include toxic and acceptable ones"
    );
}

#[test]
fn coral_threshold_option_and_html_stripping() {
    // With --threshold 0, everything is flagged; with 1, nothing is.
    let always = Server::start(&["--coral-secret", SECRET, "--threshold", "0"]);
    let never = Server::start(&["--coral-secret", SECRET, "--threshold", "1"]);
    let body = coral_body(TEXTS[1]);
    let sig = sign(&body, SECRET);
    assert_eq!(
        always.coral(&body, Some(&sig)).json()["status"],
        "SYSTEM_WITHHELD"
    );
    assert_eq!(
        never.coral(&body, Some(&sig)).json(),
        json!({"actions": []})
    );

    // Tags are stripped before scoring: same decision and same score as the plain text.
    let server = Server::with_secrets();
    let html =
        "<p>Ces <b>bactéries</b> qui envahissent notre pays,<br/>il faut les <i>éradiquer</i></p>";
    let plain = "\nCes bactéries qui envahissent notre pays,\nil faut les éradiquer\n";
    let coral = server.coral(&coral_body(html), Some(&sign(&coral_body(html), SECRET)));
    let cli = score_with_cli(&[plain]);
    let flagged = cli[0]["flagged"].split(';').any(|f| f == "toxic");
    assert_eq!(coral.json()["status"] == "SYSTEM_WITHHELD", flagged);
}

#[test]
fn coral_signatures_and_empty_comments() {
    let server = Server::with_secrets();
    let body = coral_body(TEXTS[1]);
    let good = sign(&body, SECRET);
    assert_eq!(server.coral(&body, Some(&good)).status, 200);
    // Coral sends one signature per active secret while a secret is rotated.
    let rotated = format!("{},{good}", sign(&body, "old-secret"));
    assert_eq!(server.coral(&body, Some(&rotated)).status, 200);

    let wrong = server.coral(&body, Some(&sign(&body, "not-the-secret")));
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert!(wrong.json()["error"]
        .as_str()
        .is_some_and(|m| m.contains("does not match")));
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(server.coral(&tampered, Some(&good)).status, 401);
    let missing = server.coral(&body, None);
    assert_eq!(missing.status, 401);
    assert!(missing.json()["error"]
        .as_str()
        .is_some_and(|m| m.contains("missing")));

    for empty in ["", "<p></p>", "<p> <br> </p>"] {
        let b = coral_body(empty);
        let r = server.coral(&b, Some(&sign(&b, SECRET)));
        assert_eq!(r.status, 204, "{empty:?}: {r:?}");
        assert!(r.body.is_empty());
    }
    let bad = b"{not json";
    assert_eq!(server.coral(bad, Some(&sign(bad, SECRET))).status, 400);

    // Without --coral-secret the endpoint is off.
    let off = Server::start(&[]);
    assert_eq!(off.coral(&body, Some(&good)).status, 404);
}

#[test]
fn healthz_and_unknown_routes() {
    let server = Server::start(&[]);
    let r = server.get("/healthz");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert!(v["labels"]
        .as_array()
        .is_some_and(|l| l.iter().any(|x| x == "toxic")));
    server.get("/nope").assert_error(404, "NOT_FOUND", "route");
    let r = server.get(ANALYZE);
    assert_eq!(r.status, 405);
    assert!(r.json()["error"].is_object());
}

#[test]
fn metrics_count_the_requests_made() {
    let server = Server::with_secrets();
    let ok = json!({"comment": {"text": TEXTS[0]}, "requestedAttributes": {"TOXICITY": {}}});
    assert_eq!(server.analyze(&ok).status, 200);
    assert_eq!(server.analyze(&ok).status, 200);
    assert_eq!(
        server
            .analyze(&json!({"comment": {"text": "x"}, "requestedAttributes": {"PROFANITY": {}}}))
            .status,
        400
    );
    assert_eq!(server.coral(b"{}", None).status, 401);
    let body = coral_body(TEXTS[0]);
    let coral = server.coral(&body, Some(&sign(&body, SECRET)));
    let coral_flagged = coral.json()["status"] == "SYSTEM_WITHHELD";
    assert_eq!(server.get("/healthz").status, 200);

    let m = server.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(m
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain")));
    let text = m.body;
    for line in [
        "moderate_http_requests_total{route=\"analyze\",status=\"200\"} 2",
        "moderate_http_requests_total{route=\"analyze\",status=\"400\"} 1",
        "moderate_http_requests_total{route=\"coral\",status=\"401\"} 1",
        "moderate_http_requests_total{route=\"coral\",status=\"200\"} 1",
        "moderate_http_requests_total{route=\"healthz\",status=\"200\"} 1",
        "moderate_http_request_duration_seconds_count{route=\"analyze\"} 3",
        "moderate_http_request_duration_seconds_bucket{route=\"analyze\",le=\"+Inf\"} 3",
        "moderate_http_request_duration_seconds_count{route=\"coral\"} 2",
        "moderate_comments_scored_total{endpoint=\"perspective\"} 2",
        "moderate_comments_scored_total{endpoint=\"coral\"} 1",
        "moderate_http_requests_in_flight 1",
        "# TYPE moderate_http_request_duration_seconds histogram",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let flagged = format!(
        "moderate_comments_flagged_total{{endpoint=\"coral\"}} {}",
        u8::from(coral_flagged)
    );
    assert!(text.lines().any(|l| l == flagged), "missing {flagged:?}");
    // The metrics request itself is counted on the next scrape.
    let again = server.get("/metrics").body;
    assert!(again
        .lines()
        .any(|l| l == "moderate_http_requests_total{route=\"metrics\",status=\"200\"} 1"));
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let mut server = Server::with_secrets();
    let body =
        json!({"comment": {"text": TEXTS[3]}, "requestedAttributes": {"TOXICITY": {}}}).to_string();
    let (part1, part2) = body.as_bytes().split_at(body.len() / 2);
    let mut pending = TcpStream::connect(&server.addr).expect("connect");
    pending.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let head = request_head(
        "POST",
        &format!("{ANALYZE}?key={KEY}"),
        &[("Content-Type", "application/json")],
        body.len(),
    );
    pending.write_all(head.as_bytes()).expect("head");
    pending.write_all(part1).expect("first half");
    pending.flush().ok();

    // Wait until the server is handling it: in flight = it and the metrics request.
    let mut in_flight = false;
    for _ in 0..400 {
        if server
            .get("/metrics")
            .body
            .lines()
            .any(|l| l == "moderate_http_requests_in_flight 2")
        {
            in_flight = true;
            break;
        }
        sleep(Duration::from_millis(25));
    }
    assert!(in_flight, "the partial request never reached the handler");

    let pid = server.child.id().to_string();
    // Through sh's kill builtin: no procps needed.
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("kill");
    assert!(killed.success());

    // Shutdown has begun once new connections are refused.
    let mut refused = false;
    for _ in 0..400 {
        if TcpStream::connect(&server.addr).is_err() {
            refused = true;
            break;
        }
        sleep(Duration::from_millis(25));
    }
    assert!(refused, "the listener stayed open after SIGTERM");

    // The request in flight still gets its answer.
    pending.write_all(part2).expect("second half");
    let r = read_response(&mut pending);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(value(&r.json(), "TOXICITY") >= 0.0);

    let mut exit = None;
    for _ in 0..800 {
        if let Some(status) = server.child.try_wait().expect("wait") {
            exit = Some(status);
            break;
        }
        sleep(Duration::from_millis(25));
    }
    let exit = exit.expect("the server did not exit after SIGTERM");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn a_client_slow_to_send_its_headers_is_disconnected() {
    let server = Server::with_secrets();
    // Half a request head, then nothing (slow loris).
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    slow.write_all(format!("POST {ANALYZE} HTTP/1.1\r\nHost: localhost\r\n").as_bytes())
        .expect("partial head");
    slow.flush().ok();
    slow.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let started = std::time::Instant::now();
    // Meanwhile the server answers others.
    assert_eq!(server.get("/healthz").status, 200);
    // The server closes the connection (end of stream or reset) after its header timeout (5 s):
    // well before the 30 s read timeout of this test.
    let mut buf = Vec::new();
    let closed = match slow.read_to_end(&mut buf) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    let waited = started.elapsed();
    assert!(closed, "the connection was not closed");
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(25),
        "closed after {waited:?}"
    );
}
