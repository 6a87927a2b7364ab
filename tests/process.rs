//! Integration tests of how a `moderate` run ends and what it says, with the real binary and real
//! processes: SIGTERM, SIGHUP and SIGINT leave no temporary file (issue 15.7); exit statuses,
//! `--max-errors` and the summary (issue 14); `explain`'s intercept and calibration lines and
//! `explain -`; the progress bar's rows per second and time left (issue 14).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_moderate");
const HANG_GUARD: Duration = Duration::from_secs(60);

fn bin() -> Command {
    let mut c = Command::new(BIN);
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    // English whatever the locale of the machine running the tests (tests/lang_fr.rs: French).
    for var in moderate::i18n::LOCALE_VARS {
        c.env_remove(var);
    }
    // moderate leaves alone a signal it inherits as ignored (run under `nohup`, SIGHUP is), as it
    // should; the signal tests need the default dispositions whatever launched them.
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec, only `signal`, which is async-signal-safe, is called.
    unsafe {
        c.pre_exec(|| {
            for sig in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run moderate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write test file");
    p
}

/// The names of the `.partial` files in `dir`.
fn partials(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect()
}

fn wait_guarded(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if start.elapsed() > HANG_GUARD => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {HANG_GUARD:?}, killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("{what}: wait failed: {e}"),
        }
    }
}

fn kill(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success(), "kill -{signal}");
}

const SMALL_CSV: &[u8] = b"id,text\n1,bonjour tout le monde\n2,espece de connard\n";

// ---- Signals (issue 15.7) ------------------------------------------------------------------

/// `moderate score - -o out.csv` reading a pipe that stays open after one row: the temporary
/// output exists, the process is blocked reading.
fn score_a_stalled_pipe(dir: &Path) -> (Child, PathBuf) {
    let out = dir.join("out.csv");
    let mut child = bin()
        .args(["score", "-", "-o", s(&out)])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn moderate");
    let stdin = child.stdin.as_mut().expect("stdin");
    stdin
        .write_all(b"id,text\n1,bonjour\n")
        .expect("write a row");
    stdin.flush().expect("flush");
    let start = Instant::now();
    while partials(dir).is_empty() {
        assert!(start.elapsed() < HANG_GUARD, "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, out)
}

#[test]
fn sigterm_sighup_and_a_second_sigint_on_a_stalled_pipe_leave_no_partial_file() {
    for (signals, code) in [
        (&["TERM"][..], 143),
        (&["HUP"][..], 129),
        (&["INT"][..], 130),
        (&["INT", "INT"][..], 130),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut child, out) = score_a_stalled_pipe(dir.path());
        let start = Instant::now();
        for sig in signals {
            kill(&child, sig);
            std::thread::sleep(Duration::from_millis(30));
        }
        // The pipe stays open (stdin is still held here): the run cannot stop by itself.
        let status = wait_guarded(&mut child, "score on a stalled pipe");
        let waited = start.elapsed();
        let mut err = String::new();
        if let Some(e) = child.stderr.as_mut() {
            e.read_to_string(&mut err).expect("stderr");
        }
        assert_eq!(status.code(), Some(code), "{signals:?}: {err}");
        assert!(
            err.contains("moderate: interrupted (SIG"),
            "{signals:?}: {err}"
        );
        assert!(partials(dir.path()).is_empty(), "{signals:?}: partial left");
        assert!(!out.exists(), "{signals:?}: no output file");
        assert!(
            waited < Duration::from_secs(10),
            "{signals:?}: took {waited:?}"
        );
        drop(child.stdin.take());
    }
}

#[test]
fn sigterm_while_scoring_stops_between_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut content = String::from("id,text\n");
    for i in 0..300_000 {
        content.push_str(&format!("{i},commentaire numéro {i} sur la réforme\n"));
    }
    let input = write(dir.path(), "big.csv", content.as_bytes());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("out dir");
    let out = out_dir.join("scored.csv");
    let mut child = bin()
        .args(["score", s(&input), "-o", s(&out)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while partials(&out_dir).is_empty() {
        assert!(start.elapsed() < HANG_GUARD, "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    kill(&child, "TERM");
    let status = wait_guarded(&mut child, "score interrupted");
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(partials(&out_dir).is_empty());
    assert!(!out.exists());
}

#[test]
fn an_ignored_sighup_stays_ignored() {
    // As under `nohup`: SIGHUP ignored before moderate starts.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.csv");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("trap '' HUP && exec \"$0\" score - -o \"$1\"")
        .arg(BIN)
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"id,text\n1,bonjour\n").expect("write");
    stdin.flush().expect("flush");
    let start = Instant::now();
    while partials(dir.path()).is_empty() {
        assert!(start.elapsed() < HANG_GUARD, "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    kill(&child, "HUP");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "SIGHUP ignored: still running"
    );
    stdin.write_all(b"2,au revoir\n").expect("write");
    drop(stdin);
    let status = wait_guarded(&mut child, "score after an ignored SIGHUP");
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&out).expect("out").lines().count(),
        3
    );
}

// ---- Exit statuses, --max-errors, the summary (issue 14) -----------------------------------

#[test]
fn exit_status_says_whether_every_row_was_scored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = write(dir.path(), "all.csv", SMALL_CSV);
    let some = write(
        dir.path(),
        "some.csv",
        b"id,text\n1,bonjour\n2,\n3,merci\n4,\n5,\n6,salut\n7,super\n",
    );
    let none = write(dir.path(), "none.csv", b"id,text\n1,\n2,\n");
    let empty = write(dir.path(), "empty.csv", b"id,text\n");

    let o = run(&["score", s(&all)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 rows scored, 0 row errors"),
        "{}",
        stderr(&o)
    );

    let out = dir.path().join("some-out.csv");
    let o = run(&["score", s(&some), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("moderate: 4 rows scored, 3 row errors;"),
        "the summary counts scored rows apart from errors: {}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("out").lines().count(),
        8,
        "the output is complete"
    );

    let o = run(&["score", s(&none)]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("0 rows scored, 2 row errors"),
        "{}",
        stderr(&o)
    );

    let o = run(&["score", s(&empty)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no rows is not a failure: {}",
        stderr(&o)
    );

    // --max-errors: more errors than allowed is fatal, and no output file is written.
    let capped = dir.path().join("capped.csv");
    let o = run(&["score", s(&some), "-o", s(&capped), "--max-errors", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("some.csv:6: more than 2 rows could not be scored (--max-errors 2)"),
        "{}",
        stderr(&o)
    );
    assert!(!capped.exists());
    assert!(partials(dir.path()).is_empty());
    let o = run(&["score", s(&some), "-o", s(&capped), "--max-errors", "3"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(capped.exists());

    // The convention is in --help.
    let help = run(&["score", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Exit status:"), "{help}");
    assert!(
        help.contains("3      score: some rows could not be scored"),
        "{help}"
    );
}

// ---- explain (issue 14) --------------------------------------------------------------------

#[test]
fn explain_shows_intercept_and_calibration_and_reads_stdin() {
    let text = "Ces bactéries qui envahissent notre pays, il faut les éradiquer";
    let o = run(&["explain", text, "--top", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).expect("UTF-8");
    let model: serde_json::Value =
        serde_json::from_slice(moderate::model::DEFAULT_MODEL).expect("default model");
    let labels = model["model"]["labels"].as_array().expect("labels");
    let intercepts: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("  intercept (where every comment starts)"))
        .collect();
    let calibrations: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("  calibration (the shift to a "))
        .collect();
    assert_eq!(intercepts.len(), labels.len(), "{out}");
    assert_eq!(calibrations.len(), labels.len(), "{out}");
    for (l, label) in labels.iter().enumerate() {
        let bias = label["bias"].as_f64().expect("bias");
        let offset = label["offset"].as_f64().expect("offset");
        assert!(
            intercepts[l]
                .trim_start()
                .starts_with(&format!("{bias:+.3}")),
            "{}: {}",
            label["name"],
            intercepts[l]
        );
        assert!(
            calibrations[l]
                .trim_start()
                .starts_with(&format!("{offset:+.3}")),
            "{}: {}",
            label["name"],
            calibrations[l]
        );
    }
    assert!(
        calibrations[0].contains("a 10% base rate"),
        "{}",
        calibrations[0]
    );

    // `-` reads the comment from stdin: the same explanation.
    let mut child = bin()
        .args(["explain", "-", "--top", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{text}\n").as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).expect("UTF-8"), out);
}

// ---- Progress bar (issue 14) ---------------------------------------------------------------

#[test]
fn the_progress_bar_shows_rows_per_second_and_time_left() {
    // The bar is drawn only on a terminal: `script` gives the run one.
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !has_script {
        eprintln!("SKIPPED the_progress_bar_shows_rows_per_second: no `script` (util-linux)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut content = String::from("id,text\n");
    for i in 0..60_000 {
        content.push_str(&format!(
            "{i},commentaire numéro {i} sur la réforme des retraites\n"
        ));
    }
    let input = write(dir.path(), "big.csv", content.as_bytes());
    let out = dir.path().join("out.csv");
    let o = Command::new("script")
        .args(["-qfec"])
        .arg(format!("{BIN} score {} -o {}", s(&input), s(&out)))
        .arg("/dev/null")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    assert!(o.status.success(), "{}", stderr(&o));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(screen.contains(" rows/s"), "{screen}");
    assert!(screen.contains(" left)"), "{screen}");
    assert!(screen.contains("60000 rows scored"), "{screen}");
}
