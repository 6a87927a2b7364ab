#!/usr/bin/env bash
# Quality gate (run by .ci/run): train exactly as the default model (training/recipe.sh; fixed
# seed, so a fixed held-out split) and fail if the held-out ROC AUC of `toxic` drops below a floor
# in training/quality-floor.txt, overall or for any listed source. A `loso:SOURCE` line is a
# leave-one-source-out floor: the recipe is retrained without SOURCE with training/loso.sh --fast
# (no scikit-learn) and SOURCE, unseen, must keep its ROC AUC.
set -euo pipefail
cd "$(dirname "$0")/.."
source training/recipe.sh
if [ ! -d "$RECIPE_SHARED" ]; then
  echo "quality gate SKIPPED: $RECIPE_SHARED is absent"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
bash training/train-default.sh --out "$work/model.json" --holdout 0.2 --quiet
echo "quality gate: default recipe trained in $((SECONDS - start)) s"
loso=()
while read -r name _; do
  case "$name" in loso:*) loso+=(--only "${name#loso:}") ;; esac
done <training/quality-floor.txt
if [ ${#loso[@]} -gt 0 ]; then
  start=$SECONDS
  bash training/loso.sh "${loso[@]}" --fast --no-sklearn --json-out "$work/loso.json"
  echo "quality gate: leave-one-source-out (--fast) in $((SECONDS - start)) s"
else
  echo '{"results": []}' >"$work/loso.json"
fi
python3 - "$work/model.json" "$work/loso.json" training/quality-floor.txt <<'PY'
import json, sys
model = json.load(open(sys.argv[1], encoding="utf-8"))["model"]
main = model["main_label"]
figures = {"all": next(l for l in model["labels"] if l["name"] == main)["metrics"]["roc_auc"]}
for src in model["card"]["sources"]:
    for lm in src["metrics"]:
        if lm["label"] == main:
            figures[src["path"]] = lm["metrics"]["roc_auc"]
for r in json.load(open(sys.argv[2], encoding="utf-8"))["results"]:
    if r["own_run"]:
        figures["loso:" + r["source"]] = r["moderate"]["roc_auc"]
failed = False
for line in open(sys.argv[3], encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    name, floor = line.rsplit(None, 1)
    auc = figures.get(name)
    ok = auc is not None and auc >= float(floor)
    failed |= not ok
    what = "ROC AUC, trained without it (--fast)" if name.startswith("loso:") else "held-out ROC AUC"
    print(f"quality gate: {main} {what} {name}: {auc if auc is None else round(auc, 4)} (floor {floor}) {'ok' if ok else 'BELOW THE FLOOR'}")
sys.exit(1 if failed else 0)
PY
