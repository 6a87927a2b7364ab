#!/usr/bin/env bash
# Run the `score_input` fuzz target for a fixed time (default 300 s): any bytes through
# read → normalize → featurize → score. Needs cargo-fuzz (`cargo install cargo-fuzz`); nightly
# features come from the stable toolchain with RUSTC_BOOTSTRAP=1. Crashes land in
# fuzz/artifacts/score_input/, the corpus in fuzz/corpus/score_input/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
mkdir -p fuzz/corpus/score_input
# Seed the corpus with the shipped examples (not committed: fuzz/corpus is ignored).
cp -n examples/* fuzz/corpus/score_input/ 2>/dev/null || true
RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz score_input \
    fuzz/corpus/score_input -- \
    -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -rss_limit_mb=4096 -timeout=30 -print_final_stats=1
