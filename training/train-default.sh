#!/usr/bin/env bash
# Train the default model embedded in moderate: the project's corpus plus the French shared data.
#   bash training/train-default.sh                   # writes models/default.json
#   bash training/train-default.sh --out OTHER.json  # extra arguments go to `moderate train`
# Why these files: see training/README.md (davidson and jigsaw_subset_en are left out, measured).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=../shared/data
if [ ! -d "$SHARED" ]; then
  echo "train-default.sh: $SHARED is absent; the default model needs the shared data sets" >&2
  exit 2
fi
cargo build --release --quiet
out=(--out models/default.json)
for a in "$@"; do [ "$a" = "--out" ] && out=(); done
exec ./target/release/moderate train \
  --data training/comments.csv \
  --data "$SHARED/mlma_fr/data.csv" \
  --data "$SHARED/toxifrench_bench/data.csv" \
  --data "$SHARED/jigsaw_subset_fr_mt/data.csv" \
  --labels toxic,insult,slur,dehumanizing,threat \
  --rename label=toxic \
  --seed 42 \
  "${out[@]}" "$@"
