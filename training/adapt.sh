#!/usr/bin/env bash
# Site adaptation, measured (issue 14): a "site" is a shared source the base model never saw.
# Its rows are split once (seeded, per class) into a fixed test set and a pool; the site trains on
# the first 200, 1,000 and 5,000 rows of the pool (nested; as many as the pool has), and each
# model is scored on the same test rows:
#   base     the base model as it is
#   scratch  `moderate train` on the site's rows alone (what a site could do before --from)
#   warm     `train --from BASE --adapt warm`  (the base weights are where the solver starts)
#   stack    `train --from BASE --adapt stack` (the base score is a feature beside the base's)
# Sites: toxifrench_bench (French forum comments; base: the default recipe without it, trained
# here unless --base-tf names one) and davidson (English tweets; base: the default model, whose
# recipe does not read davidson).
#   bash training/adapt.sh [--base-tf MODEL] [--out FILE.md] [--sizes "200 1000 5000"]
set -euo pipefail
cd "$(dirname "$0")/.."
source training/recipe.sh

base_tf="" out="" sizes="200 1000 5000"
while [ $# -gt 0 ]; do
  case $1 in
    --base-tf) base_tf=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    *) echo "usage: bash training/adapt.sh [--base-tf MODEL] [--out FILE.md] [--sizes LIST]" >&2; exit 2 ;;
  esac
done
if [ ! -d "$RECIPE_SHARED" ]; then
  echo "adapt.sh: $RECIPE_SHARED is absent: no site to simulate (SKIPPED)" >&2
  exit 0
fi
cargo build --release --quiet
bin=./target/release/moderate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$base_tf" ]; then
  recipe_vectors
  recipe_data_args "$RECIPE_SHARED/toxifrench_bench/data.csv"
  echo "adapt.sh: training the default recipe without toxifrench_bench..." >&2
  recipe_train_args
  "$bin" train "${RECIPE_DATA_ARGS[@]}" "${RECIPE_ARGS[@]}" --holdout 0 --quiet \
    --out "$work/base-tf.bin"
  base_tf=$work/base-tf.bin
fi

# split SOURCE TEST_ROWS DIR: DIR/test.csv and DIR/pool.csv (text,label), seeded, per class.
split() {
  python3 - "$1" "$2" "$3" <<'EOF'
import csv, random, sys
src, n_test, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [(r["text"], r["label"]) for r in csv.DictReader(open(src, newline="", encoding="utf-8"))]
rng = random.Random(7)
rng.shuffle(rows)
pos = [r for r in rows if r[1] == "1"]
neg = [r for r in rows if r[1] != "1"]
k = round(n_test * len(pos) / len(rows))
test, pool = pos[:k] + neg[: n_test - k], pos[k:] + neg[n_test - k :]
rng.shuffle(test)
rng.shuffle(pool)
for name, part in (("test", test), ("pool", pool)):
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(part)
EOF
}

# head_rows N POOL OUT: the first N data rows of POOL (a real CSV reader: texts span lines).
head_rows() {
  python3 - "$1" "$2" "$3" <<'EOF'
import csv, sys
n, src, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = csv.reader(open(src, newline="", encoding="utf-8"))
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    for i, row in enumerate(r):
        if i > n:
            break
        w.writerow(row)
EOF
}

pool_rows() { python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))))' "$1"; }

# figures MODEL TEST: "roc_auc pr_auc" of the toxic label.
figures() {
  local m=()
  [ "$1" != default ] && m=(--model "$1")
  "$bin" eval "${m[@]}" --data "$2" --labels toxic --rename label=toxic --json |
    python3 -c 'import json,sys; l=json.load(sys.stdin)["labels"][0]["metrics"]; print("%.3f %.3f" % (l["roc_auc"], l["pr_auc"]))'
}

table="| site | site rows | base | scratch | warm | stack |
|---|---:|---|---|---|---|"
for site in toxifrench_bench davidson; do
  dir=$work/$site
  mkdir -p "$dir"
  case $site in
    toxifrench_bench) base=$base_tf test_rows=388 ;;
    davidson) base=default test_rows=2000 ;;
  esac
  split "$RECIPE_SHARED/$site/data.csv" "$test_rows" "$dir"
  have=$(pool_rows "$dir/pool.csv")
  read -r b_roc b_pr < <(figures "$base" "$dir/test.csv")
  for n in $sizes; do
    [ "$n" -gt "$have" ] && { echo "adapt.sh: $site has $have pool rows, not $n: skipped" >&2; continue; }
    head_rows "$n" "$dir/pool.csv" "$dir/train-$n.csv"
    declare -A fig=()
    from=()
    [ "$base" != default ] && from=(--from "$base") || from=(--from default)
    for method in scratch warm stack; do
      args=(--data "$dir/train-$n.csv" --labels toxic --rename label=toxic --holdout 0 --quiet
        --out "$dir/$method-$n.bin")
      [ "$method" != scratch ] && args+=("${from[@]}" --adapt "$method" ${ADAPT_ARGS:-})
      echo "adapt.sh: $site, $n rows, $method..." >&2
      "$bin" train "${args[@]}"
      read -r roc pr < <(figures "$dir/$method-$n.bin" "$dir/test.csv")
      fig[$method]="$roc / $pr"
    done
    table+="
| $site | $n | $b_roc / $b_pr | ${fig[scratch]} | ${fig[warm]} | ${fig[stack]} |"
  done
done
table+="

ROC AUC / PR AUC at a 10% base rate of \`toxic\` on each site's fixed test rows
(toxifrench_bench 388, davidson 2,000), never trained on; \`bash training/adapt.sh\`."
echo "$table"
[ -n "$out" ] && echo "$table" >"$out"
exit 0
