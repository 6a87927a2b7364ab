//! Tests on the real shared data sets in `../shared/data` (beside the project root). They skip
//! themselves, saying so on stderr, where that folder is absent (a user's fresh clone).

use std::path::PathBuf;
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if p.join("toxifrench_bench/data.csv").exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/data is absent; the data-dependent test does not run");
        None
    }
}

#[test]
fn trains_on_real_french_forum_data_and_measures_held_out_rows() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let file = data.join("toxifrench_bench/data.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_moderate"))
        .args(["train", "--data"])
        .arg(&file)
        .args([
            "--rename",
            "label=toxic",
            "--labels",
            "toxic",
            "--max-features",
            "3000",
        ])
        .args(["--folds", "2", "--alphas", "1,0.3", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let src = &model["model"]["card"]["sources"][0];
    assert_eq!(src["rows"], 1388);
    assert_eq!(src["holdout_rows"], 278, "20% held out");
    let m = &src["metrics"][0]["metrics"];
    let auc = m["roc_auc"].as_f64().unwrap();
    // Measured 0.69-0.72 with the default settings; far above chance on held-out rows.
    assert!(auc > 0.62, "held-out ROC AUC {auc}");
    assert_eq!(src["labels"][0][0], "label");
    assert_eq!(src["labels"][0][1], "toxic");
}
