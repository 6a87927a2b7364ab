#!/usr/bin/env bash
# Side by side on the same held-out rows: moderate (trained as the default model) against a
# scikit-learn TF-IDF (word + char n-grams) + logistic regression pipeline trained on the same rows.
#   bash training/compare.sh            # prints a Markdown table (the one in training/README.md)
# Installs scikit-learn with pip into training/.venv the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
source training/recipe.sh
if [ ! -d "$RECIPE_SHARED" ]; then
  echo "compare.sh: $RECIPE_SHARED is absent: nothing to compare (SKIPPED)" >&2
  exit 0
fi
source training/venv.sh
sklearn_venv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
bash training/train-default.sh --out "$work/model.json" --holdout 0.2 --split-out "$work/split.csv" --quiet
echo "moderate train: $(( $(date +%s) - start )) s" >&2
"$SKLEARN_PYTHON" training/compare.py \
  --model "$work/model.json" --split "$work/split.csv" \
  --labels "$RECIPE_LABELS" --rename "$RECIPE_RENAME" "$@"
