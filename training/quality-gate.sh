#!/usr/bin/env bash
# Quality gate (run by .ci/run): train exactly as the default model (fixed seed, so a fixed
# held-out split) and fail if the held-out ROC AUC of `toxic` drops below a floor in
# training/quality-floor.txt, overall or for any listed source.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data ]; then
  echo "quality gate SKIPPED: ../shared/data is absent"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash training/train-default.sh --out "$work/model.json" --quiet
python3 - "$work/model.json" training/quality-floor.txt <<'PY'
import json, sys
model = json.load(open(sys.argv[1], encoding="utf-8"))["model"]
main = model["main_label"]
figures = {"all": next(l for l in model["labels"] if l["name"] == main)["metrics"]["roc_auc"]}
for src in model["card"]["sources"]:
    for lm in src["metrics"]:
        if lm["label"] == main:
            figures[src["path"]] = lm["metrics"]["roc_auc"]
failed = False
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    name, floor = line.rsplit(None, 1)
    auc = figures.get(name)
    ok = auc is not None and auc >= float(floor)
    failed |= not ok
    print(f"quality gate: {main} held-out ROC AUC {name}: {auc if auc is None else round(auc, 4)} (floor {floor}) {'ok' if ok else 'BELOW THE FLOOR'}")
sys.exit(1 if failed else 0)
PY
