//! Integration tests of what `moderate` writes, with the real binary, real files and real
//! processes: output paths that are FIFOs, devices, symbolic links, directories, sockets, inputs or
//! each other (issue 15.1–2); files written with the user's umask (issue 14); the model version
//! inside the checksum and a duplicated `--labels` value (issue 15.11). How a run ends (signals,
//! exit statuses, summary, progress) is in `tests/process.rs`.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_moderate");

fn bin() -> Command {
    let mut c = Command::new(BIN);
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run moderate")
}

/// `moderate ARGS` run by `sh` after `umask MASK`.
fn run_with_umask(mask: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run sh")
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

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
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

const SMALL_CSV: &[u8] = b"id,text\n1,bonjour tout le monde\n2,espece de connard\n";

/// A labeled training file: the first `n` rows of the project's own corpus.
fn training_file(dir: &Path, n: usize) -> PathBuf {
    let corpus = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("training/comments.csv"),
    )
    .expect("training/comments.csv");
    let mut rdr = csv::Reader::from_reader(corpus.as_bytes());
    let path = dir.join("train.csv");
    let mut w = csv::Writer::from_path(&path).expect("train.csv");
    w.write_byte_record(rdr.byte_headers().expect("header"))
        .expect("write");
    for r in rdr.byte_records().take(n) {
        w.write_byte_record(&r.expect("row")).expect("write");
    }
    w.flush().expect("flush");
    path
}

fn small_train_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--data",
        data,
        "--labels",
        "toxic,insult",
        "--max-features",
        "400",
        "--max-evidence",
        "2000",
        "--folds",
        "2",
        "--out",
        out,
    ]
}

// ---- Output paths (issue 15.1) -------------------------------------------------------------

#[test]
fn a_fifo_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the fifo"))
    };
    let o = run(&["score", s(&input), "-o", s(&fifo)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Checked before joining the reader, which waits forever on a FIFO nobody opened.
    let t = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(
        t.is_fifo(),
        "the FIFO is still a FIFO, not a file renamed over it"
    );
    let got = String::from_utf8(reader.join().expect("reader")).expect("UTF-8");
    assert!(got.starts_with("id,text,score_toxic"), "{got}");
    assert_eq!(got.lines().count(), 3, "{got}");
    assert!(partials(dir.path()).is_empty());
}

#[test]
fn a_character_device_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    // A second /dev/null (char 1,3); only root (CAP_MKNOD) can make one.
    let node = dir.path().join("fakenull");
    let made = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !made {
        eprintln!("SKIPPED a_character_device_is_written_through: mknod needs root");
        return;
    }
    let o = run(&["score", s(&input), "-o", s(&node)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = std::fs::symlink_metadata(&node).expect("node").file_type();
    assert!(t.is_char_device(), "the device node is still a device node");
    assert!(partials(dir.path()).is_empty());
    // Two outputs on one character device are allowed (`--out /dev/null --report /dev/null`).
    let o = run(&["eval", "--data", s(&input), "--report", s(&node)]);
    assert!(
        !stderr(&o).contains("would overwrite"),
        "a device is no clash: {}",
        stderr(&o)
    );
}

#[test]
fn a_symlink_is_followed_its_target_replaced_and_the_link_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("sub");
    let target = write(&sub, "target.csv", b"old content\n");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let o = run(&["score", s(&input), "-o", s(&link)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    let got = std::fs::read_to_string(&target).expect("target");
    assert!(got.starts_with("id,text,score_toxic"), "{got}");
    assert!(partials(dir.path()).is_empty() && partials(&sub).is_empty());

    // A dangling link is refused, and nothing is created at its target.
    let dangling = dir.path().join("dangling.csv");
    let nowhere = dir.path().join("nowhere.csv");
    std::os::unix::fs::symlink(&nowhere, &dangling).expect("symlink");
    let o = run(&["score", s(&input), "-o", s(&dangling)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!nowhere.exists());
}

#[test]
fn directories_and_sockets_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    let o = run(&["score", s(&input), "-o", s(dir.path())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    let sock = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind socket");
    let o = run(&["score", s(&input), "-o", s(&sock)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a socket"), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&sock)
        .expect("sock")
        .file_type()
        .is_socket());
}

// ---- Outputs that are inputs or each other (issue 15.2) ------------------------------------

#[test]
fn an_output_that_is_an_input_or_another_output_is_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = training_file(dir.path(), 200);
    let before = std::fs::read(&data).expect("data");
    let d = s(&data);
    let m = dir.path().join("m.json");
    let m = s(&m);
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&data, &link).expect("symlink");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            small_train_args(d, d),
            "--out would overwrite an input (--data",
        ),
        (
            [small_train_args(d, m), vec!["--report", m]].concat(),
            "--report would overwrite another output (--out",
        ),
        (
            [small_train_args(d, m), vec!["--split-out", d]].concat(),
            "--split-out would overwrite an input (--data",
        ),
        (
            small_train_args(d, s(&link)),
            "--out would overwrite an input (--data",
        ),
        (
            vec!["eval", "--data", d, "--report", d],
            "--report would overwrite an input (--data",
        ),
        (
            vec!["score", d, "-o", d],
            "--output would overwrite an input (the input",
        ),
        (
            vec!["score", d, "-o", s(&link)],
            "--output would overwrite an input (the input",
        ),
    ];
    for (args, expected) in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        // Refused before any work: the error is all that was said.
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(std::fs::read(&data).expect("data"), before, "{args:?}");
        assert!(!Path::new(m).exists(), "{args:?}");
    }
    // A model given to score is an input too.
    let model = write(dir.path(), "model.json", b"{}");
    let o = run(&["score", d, "--model", s(&model), "-o", s(&model)]);
    assert!(stderr(&o).contains("--output would overwrite an input (--model"));
    assert_eq!(std::fs::read(&model).expect("model"), b"{}");

    // A missing output folder is found before training, not after.
    let nowhere = dir.path().join("no/such/folder/m.json");
    let start = Instant::now();
    let o = run(&small_train_args(d, s(&nowhere)));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert_eq!(err.lines().count(), 1, "no training started: {err}");
    assert!(start.elapsed() < Duration::from_secs(20));
    let o = run(&[
        "eval",
        "--data",
        d,
        "--report",
        s(&dir.path().join("no/r.html")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "no figures printed before the refusal");
}

// ---- Modes from the umask (issue 14) -------------------------------------------------------

#[test]
fn score_output_files_take_the_umask_and_replaced_files_keep_their_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    for (mask, expected) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let out = dir.path().join(format!("out-{mask}.csv"));
        let o = run_with_umask(mask, &["score", s(&input), "-o", s(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(mode(&out), expected, "umask {mask}");
    }
    // Replacing a file keeps its mode, as `cp` onto an existing file does.
    let kept = write(dir.path(), "kept.csv", b"old");
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let o = run_with_umask("077", &["score", s(&input), "-o", s(&kept)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&kept), 0o640);
    assert!(std::fs::read_to_string(&kept)
        .expect("kept")
        .starts_with("id,text"));
}

#[test]
fn train_and_eval_files_take_the_umask_and_the_version_is_inside_the_checksum() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = training_file(dir.path(), 400);
    let model = dir.path().join("m.json");
    let report = dir.path().join("held-out.html");
    let split = dir.path().join("split.csv");
    let mut args = small_train_args(s(&data), s(&model));
    args.extend(["--report", s(&report), "--split-out", s(&split), "--quiet"]);
    let o = run_with_umask("027", &args);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [&model, &report, &split] {
        assert_eq!(mode(f), 0o640, "{}", f.display());
    }
    let eval_report = dir.path().join("eval.html");
    let o = run_with_umask(
        "022",
        &[
            "eval",
            "--data",
            s(&data),
            "--model",
            s(&model),
            "--report",
            s(&eval_report),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&eval_report), 0o644);

    // The model file's version is covered by its checksum: 3 edited to 2 or 1 is refused.
    let text = std::fs::read_to_string(&model).expect("model");
    assert!(text.starts_with("{\"format\":\"moderate-model\",\"version\":3,"));
    let input = write(dir.path(), "a.csv", SMALL_CSV);
    for v in ["2", "1"] {
        let edited = write(
            dir.path(),
            &format!("v{v}.json"),
            text.replacen("\"version\":3", &format!("\"version\":{v}"), 1)
                .as_bytes(),
        );
        let o = run(&["score", s(&input), "--model", s(&edited)]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("checksum mismatch"), "{}", stderr(&o));
    }
    let o = run(&["score", s(&input), "--model", s(&model)]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_label_named_twice_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = training_file(dir.path(), 100);
    let out = dir.path().join("m.json");
    let o = run(&[
        "train",
        "--data",
        s(&data),
        "--labels",
        "toxic,insult,toxic",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--labels names 'toxic' twice"),
        "{}",
        stderr(&o)
    );
    let o = run(&["eval", "--data", s(&data), "--labels", "insult,insult"]);
    assert!(
        stderr(&o).contains("--labels names 'insult' twice"),
        "{}",
        stderr(&o)
    );
}
