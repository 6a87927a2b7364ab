#!/usr/bin/env bash
# Side by side on the same held-out rows: moderate (trained as the default model) against a
# scikit-learn TF-IDF (word + char n-grams) + logistic regression pipeline trained on the same rows.
#   bash training/compare.sh            # prints a Markdown table (the one in training/README.md)
# Installs scikit-learn with pip into training/.venv the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data ]; then
  echo "compare.sh: ../shared/data is absent: nothing to compare (SKIPPED)" >&2
  exit 0
fi
if [ ! -x training/.venv/bin/python ]; then
  python3 -m venv training/.venv
  training/.venv/bin/pip install --quiet scikit-learn
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
bash training/train-default.sh --out "$work/model.json" --split-out "$work/split.csv" --quiet
echo "moderate train: $(( $(date +%s) - start )) s" >&2
training/.venv/bin/python training/compare.py \
  --model "$work/model.json" --split "$work/split.csv" \
  --labels toxic,insult,slur,dehumanizing,threat --rename label=toxic "$@"
