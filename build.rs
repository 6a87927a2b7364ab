//! Says, at build time, when the shared data sets beside the project are absent: the tests that
//! need them then skip themselves, and this makes that visible in `cargo test`'s output.

fn main() {
    println!("cargo:rerun-if-changed=../shared/data");
    println!("cargo:rerun-if-changed=build.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !dir.is_dir() {
        println!(
            "cargo:warning=../shared/data is absent: the data-dependent tests (tests/shared_data.rs) will be SKIPPED"
        );
    }
}
