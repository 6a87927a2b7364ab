#!/usr/bin/env bash
# Leave one source out: for each French shared source, train the default recipe
# (training/recipe.sh) without it, with no held-out rows (the left-out source is the test set),
# and score it with `moderate eval`; side by side with scikit-learn (training/compare.py's
# baseline) trained on the same files and scored on the same rows, and with Perspective's own
# scores where the shared data has them (toxifrench_bench). A source that is not in the recipe
# (rtplx_fr today) is unseen by every model: it is scored by the model trained on the whole recipe
# and, in a second table, by every leave-one-out model of the run.
#   bash training/loso.sh                        # all sources: a Markdown table on stdout
#   bash training/loso.sh --only toxifrench_bench --fast --out /tmp/loso.md
# Options:
#   --only SOURCE      leave out and score this source only (it can be repeated)
#   --fast             cheaper training (--max-features 4000 --max-iterations 30 --folds 2, each
#                      unless given among the extra arguments); for CI, see training/README.md
#   --no-sklearn       skip scikit-learn (no virtual environment needed; the quality gate uses it)
#   --out FILE         also write the table to FILE
#   --json-out FILE    write every figure as JSON (training/quality-gate.sh reads it)
#   anything else      passed to `moderate train`, e.g. --max-features 6000
# Installs scikit-learn with pip into training/.venv the first time (training/venv.sh).
set -euo pipefail
TIMEFORMAT='%R %U %S'
cd "$(dirname "$0")/.."
source training/recipe.sh
source training/venv.sh

# The French shared sources, each left out in turn.
SOURCES=(mlma_fr toxifrench_bench jigsaw_subset_fr_mt rtplx_fr)
# Perspective's scores on a source's rows (columns text,perspective_toxicity, same row order).
declare -A PERSPECTIVE=([toxifrench_bench]="$RECIPE_SHARED/toxifrench_bench/perspective.csv")
FAST_ARGS=(--max-features 4000 --max-iterations 30 --folds 2)

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
only=() fast=0 sklearn=1 out="" json_out="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || usage; only+=("$2"); shift 2 ;;
    --fast) fast=1; shift ;;
    --no-sklearn) sklearn=0; shift ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --json-out) [ $# -ge 2 ] || usage; json_out=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
for s in "${only[@]}"; do
  case " ${SOURCES[*]} " in
    *" $s "*) ;;
    *) echo "loso.sh: unknown source '$s' (one of: ${SOURCES[*]})" >&2; exit 2 ;;
  esac
done
if [ ! -d "$RECIPE_SHARED" ]; then
  echo "loso.sh: $RECIPE_SHARED is absent: no source to leave out (SKIPPED)" >&2
  exit 0
fi

train_args=()
if [ "$fast" = 1 ]; then
  for ((i = 0; i < ${#FAST_ARGS[@]}; i += 2)); do
    case " ${extra[*]} " in
      *" ${FAST_ARGS[i]} "*) ;;
      *) train_args+=("${FAST_ARGS[i]}" "${FAST_ARGS[i + 1]}") ;;
    esac
  done
fi
train_args+=("${extra[@]}")
recipe_train_args "${train_args[@]}"
main_label=${RECIPE_LABELS%%,*}

in_recipe() {
  local f
  for f in "${RECIPE_DATA[@]}"; do [ "$f" = "$1" ] && return 0; done
  return 1
}

# Each selected source's run: `without-NAME` for a recipe file, `recipe` for the others; and the
# sources outside the recipe, scored by every run.
selected=("${SOURCES[@]}")
if [ ${#only[@]} -gt 0 ]; then selected=("${only[@]}"); fi
runs=() unseen=()
declare -A run_of
for s in "${SOURCES[@]}"; do
  in_recipe "$RECIPE_SHARED/$s/data.csv" || unseen+=("$s")
done
for s in "${selected[@]}"; do
  if in_recipe "$RECIPE_SHARED/$s/data.csv"; then run_of[$s]=without-$s; else run_of[$s]=recipe; fi
  case " ${runs[*]} " in *" ${run_of[$s]} "*) ;; *) runs+=("${run_of[$s]}") ;; esac
done

cargo build --release --quiet
bin=./target/release/moderate
recipe_vectors || { echo "loso.sh: the recipe's word vectors could not be made (PyPI?)" >&2; exit 1; }
if [ "$sklearn" = 1 ]; then sklearn_venv; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for s in "${selected[@]}"; do
  printf '%s\t%s\t%s\n' "$s" "$RECIPE_SHARED/$s/data.csv" "${run_of[$s]}" >>"$work/sources.tsv"
done
for s in "${unseen[@]}"; do
  if [ -z "${run_of[$s]:-}" ]; then
    printf '%s\t%s\t%s\n' "$s" "$RECIPE_SHARED/$s/data.csv" - >>"$work/sources.tsv"
  fi
done

for run in "${runs[@]}"; do
  mkdir -p "$work/$run"
  if [ "$run" = recipe ]; then
    left=() trained="whole recipe"
  else
    left=("$RECIPE_SHARED/${run#without-}/data.csv") trained="recipe − ${run#without-}"
  fi
  recipe_data_args "${left[@]}"
  echo "loso.sh: training $trained ($(date +%H:%M:%S))" >&2
  # Bash's `time` writes wall, user and system seconds to the file; the training's own stderr
  # goes to fd 3 (this script's stderr).
  { time "$bin" train "${RECIPE_DATA_ARGS[@]}" "${RECIPE_ARGS[@]}" --holdout 0 --quiet \
    --out "$work/$run/model.json" "${train_args[@]}" 2>&3; } 3>&2 2>"$work/$run/time"
  read -r wall cpu < <(awk '{ printf "%.0f %.0f\n", $1, $2 + $3 }' "$work/$run/time")
  scored=() score_args=()
  for s in "${selected[@]}"; do
    if [ "${run_of[$s]}" = "$run" ]; then scored+=("$s"); fi
  done
  for s in "${unseen[@]}"; do
    case " ${scored[*]} " in *" $s "*) ;; *) scored+=("$s") ;; esac
  done
  for s in "${scored[@]}"; do
    "$bin" eval --model "$work/$run/model.json" --data "$RECIPE_SHARED/$s/data.csv" \
      --rename "$RECIPE_RENAME" --json >"$work/$run/eval-$s.json"
    score_args+=(--score "$s=$RECIPE_SHARED/$s/data.csv")
  done
  sk_s=-
  if [ "$sklearn" = 1 ]; then
    sk_train=()
    for ((i = 1; i < ${#RECIPE_DATA_ARGS[@]}; i += 2)); do sk_train+=(--train "${RECIPE_DATA_ARGS[i]}"); done
    "$SKLEARN_PYTHON" training/loso_sklearn.py "${sk_train[@]}" "${score_args[@]}" \
      --label "$main_label" --rename "$RECIPE_RENAME" --out-dir "$work/$run/sklearn"
    sk_s=$(cat "$work/$run/sklearn/seconds")
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$run" "$trained" "$wall" "$cpu" "$sk_s" >>"$work/runs.tsv"
done

persp=()
for s in "${!PERSPECTIVE[@]}"; do
  if grep -q "^$s	" "$work/sources.tsv"; then persp+=(--perspective "$s=${PERSPECTIVE[$s]}"); fi
done
settings=" (\`moderate train\` at the recipe's settings, --holdout 0"
if [ ${#train_args[@]} -gt 0 ]; then settings+=" ${train_args[*]}"; fi
settings+=")"
python3 training/loso_table.py --work "$work" --label "$main_label" --rename "$RECIPE_RENAME" \
  "${persp[@]}" --settings "$settings" ${out:+--out "$out"} ${json_out:+--json-out "$json_out"}
