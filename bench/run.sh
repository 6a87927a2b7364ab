#!/usr/bin/env bash
# Throughput, memory and training time of moderate against what users would otherwise pick:
# a scikit-learn TF-IDF (word + char n-grams) + logistic regression pipeline, and alt-profanity-check.
# Every figure comes from this one run on this machine; compare the ratios (machines are shared).
#
#   bash bench/run.sh                 # 1,000,000 comments (about 10 minutes here)
#   bash bench/run.sh --rows 200000   # quicker
#
# Needs Python 3 (a virtual environment with pinned scikit-learn and alt-profanity-check is made
# in bench/work/venv from PyPI) and ../shared/data (without it the input is the project's corpus
# repeated and the training comparison is skipped, loudly). Prints a Markdown table; the latest one
# is kept in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
WORK=bench/work
SHARED=../shared/data
mkdir -p "$WORK"

echo "== build" >&2
cargo build --release --quiet
BIN=./target/release/moderate

VENV=$WORK/venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import sklearn, profanity_check" 2>/dev/null; then
  echo "== virtual environment $VENV (scikit-learn, alt-profanity-check)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet scikit-learn==1.9.1 joblib==1.6.0 alt-profanity-check==1.9.1
fi
PY=$VENV/bin/python
# Cores first: nproc honours OMP_NUM_THREADS, set just below.
CORES=$(nproc)
# One BLAS thread per process: the single-thread figures must be single-threaded.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# "1 thread" runs are also pinned to one core, so that no helper thread of any of the tools
# (Python's, rayon's) borrows the second core.
ONE_CORE="taskset -c 0"
command -v taskset > /dev/null || { echo "== taskset absent: 1-thread runs are not pinned" >&2; ONE_CORE=""; }

INPUT=$WORK/comments-$ROWS.csv
[ -f "$INPUT" ] || python3 bench/make_input.py --rows "$ROWS" --out "$INPUT"
DOUBLE=$WORK/comments-$((2 * ROWS)).csv
[ -f "$DOUBLE" ] || python3 bench/make_input.py --rows $((2 * ROWS)) --out "$DOUBLE"

RESULTS=$WORK/results.jsonl
: > "$RESULTS"
m() { python3 bench/measure.py "$@" | tee -a "$RESULTS" >&2; }

if [ -d "$SHARED" ]; then
  TRAIN_FILES=("$SHARED"/*/data.csv)
else
  echo "== ../shared/data ABSENT: baselines train on training/comments.csv; no training comparison" >&2
  TRAIN_FILES=(training/comments.csv)
fi

echo "== training on ${#TRAIN_FILES[@]} file(s): moderate, then scikit-learn" >&2
# Same rows for both: no held-out split for moderate (scikit-learn fits every row too).
m --name "train moderate" -- "$BIN" train --quiet --holdout 0 --labels toxic --rename label=toxic \
  $(printf -- '--data %s ' "${TRAIN_FILES[@]}") --out "$WORK/moderate-toxic.json"
m --name "train scikit-learn" -- "$PY" bench/baselines.py fit --rename label=toxic \
  --out "$WORK/sklearn.joblib" "${TRAIN_FILES[@]}"

echo "== scoring $ROWS comments" >&2
m --name "score moderate 1 thread" --env RAYON_NUM_THREADS=1 -- $ONE_CORE \
  "$BIN" score "$INPUT" -o "$WORK/out-moderate.csv"
m --name "score moderate all cores" -- "$BIN" score "$INPUT" -o "$WORK/out-moderate.csv"
# The same work as the baselines: one label (toxic), the model trained above on the same rows.
m --name "score moderate toxic-only 1 thread" --env RAYON_NUM_THREADS=1 -- $ONE_CORE \
  "$BIN" score --model "$WORK/moderate-toxic.json" "$INPUT" -o "$WORK/out-moderate-toxic.csv"
m --name "score moderate toxic-only all cores" -- \
  "$BIN" score --model "$WORK/moderate-toxic.json" "$INPUT" -o "$WORK/out-moderate-toxic.csv"
m --name "score moderate all cores 2x rows" -- "$BIN" score "$DOUBLE" -o "$WORK/out-moderate-2x.csv"
m --name "score scikit-learn 1 thread" -- $ONE_CORE "$PY" bench/baselines.py score --jobs 1 \
  --model "$WORK/sklearn.joblib" --input "$INPUT" --output "$WORK/out-sklearn.csv"
m --name "score scikit-learn all cores" -- "$PY" bench/baselines.py score --jobs "$CORES" \
  --model "$WORK/sklearn.joblib" --input "$INPUT" --output "$WORK/out-sklearn.csv"
m --name "score profanity-check 1 thread" -- $ONE_CORE "$PY" bench/baselines.py score --jobs 1 \
  --model profanity-check --input "$INPUT" --output "$WORK/out-profanity.csv"
m --name "score profanity-check all cores" -- "$PY" bench/baselines.py score --jobs "$CORES" \
  --model profanity-check --input "$INPUT" --output "$WORK/out-profanity.csv"

python3 bench/table.py --rows "$ROWS" --cores "$CORES" "$RESULTS"
