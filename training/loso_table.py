#!/usr/bin/env python3
"""Tables of the leave-one-source-out run (training/loso.sh), Python standard library only.

Reads loso.sh's work folder: sources.tsv (name, file, run that left it out), runs.tsv (run, what
it was trained on, seconds), and for each run eval-NAME.json (`moderate eval --json` of that run's
model on source NAME) and sklearn/NAME.txt (scikit-learn's scores, one per row). moderate's figures
are eval's own; scikit-learn's and Perspective's are computed here the same way
(labeled.py mirrors src/eval/metrics.rs), PR AUC with the negatives reweighted to the model's base
rate as eval does.
"""
import argparse
import csv
import json
import os
import sys

from labeled import average_precision, negative_weight, read_rows, roc_auc

MODELS = ("moderate", "sklearn", "perspective")
TITLES = {"moderate": "moderate", "sklearn": "scikit-learn", "perspective": "Perspective"}


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def figures(scores, ys, base_rate):
    pos = sum(ys)
    w = negative_weight(pos, len(ys) - pos, base_rate)
    return {
        "roc_auc": roc_auc(scores, ys),
        "pr_auc": average_precision(scores, ys, w),
        "pr_auc_sample": average_precision(scores, ys),
    }


def perspective_scores(path, rows):
    """Perspective's TOXICITY per row of the source, joined by row order once every text matches."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        recs = list(csv.DictReader(f))
    if len(recs) != len(rows):
        sys.exit(f"loso_table.py: {path} has {len(recs)} rows, the source {len(rows)}")
    for i, (rec, (text, _)) in enumerate(zip(recs, rows), start=1):
        if rec["text"] != text:
            sys.exit(f"loso_table.py: {path} row {i}: text differs from the source's; not joined")
    return [float(r["perspective_toxicity"]) for r in recs]


def cells(fig, key, present):
    values = {m: fig[m][key] for m in present if fig.get(m) and fig[m].get(key) is not None}
    best = max((round(v, 3) for v in values.values()), default=None)
    top = sum(1 for v in values.values() if round(v, 3) == best)
    out = []
    for m in present:
        if m not in values:
            out.append("–")
        elif len(values) > 1 and top == 1 and round(values[m], 3) == best:
            out.append(f"**{values[m]:.3f}**")
        else:
            out.append(f"{values[m]:.3f}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--rename", action="append", default=[])
    ap.add_argument("--perspective", action="append", default=[], help="NAME=FILE")
    ap.add_argument("--settings", default="", help="what the runs were trained with, for the caption")
    ap.add_argument("--out")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    renames = dict(r.split("=", 1) for r in args.rename)
    persp = dict(p.split("=", 1) for p in args.perspective)

    sources = read_tsv(os.path.join(args.work, "sources.tsv"))
    runs = read_tsv(os.path.join(args.work, "runs.tsv"))
    trained_on = {r[0]: r[1] for r in runs}
    have_sklearn = any(os.path.isdir(os.path.join(args.work, r[0], "sklearn")) for r in runs)

    results, base_rate = [], None
    for name, path, own_run in sources:
        rows = read_rows(path, [args.label], renames)
        ys = [y[args.label] for _, y in rows]
        if any(y is None for y in ys):
            sys.exit(f"loso_table.py: {path} has rows without `{args.label}`")
        for run, _ in ((r[0], r[1]) for r in runs):
            ev_path = os.path.join(args.work, run, f"eval-{name}.json")
            if not os.path.exists(ev_path):
                continue
            ev = json.load(open(ev_path, encoding="utf-8"))
            lm = next(l["metrics"] for l in ev["labels"] if l["label"] == args.label)
            if lm["rows"] != len(ys) or lm["positives"] != sum(ys):
                sys.exit(f"loso_table.py: eval counted {lm['rows']} rows of {path}, read {len(ys)}")
            base_rate = lm["base_rate"]
            fig = {"moderate": {k: lm[k] for k in ("roc_auc", "pr_auc", "pr_auc_sample")}}
            sk_path = os.path.join(args.work, run, "sklearn", f"{name}.txt")
            if os.path.exists(sk_path):
                sk = [float(v) for v in open(sk_path, encoding="utf-8")]
                if len(sk) != len(ys):
                    sys.exit(f"loso_table.py: {sk_path} has {len(sk)} scores for {len(ys)} rows")
                fig["sklearn"] = figures(sk, ys, base_rate)
            if name in persp:
                fig["perspective"] = figures(perspective_scores(persp[name], rows), ys, base_rate)
            results.append({
                "source": name,
                "file": path,
                "run": run,
                "trained_on": trained_on[run],
                "own_run": run == own_run,
                "rows": len(ys),
                "positives": sum(ys),
                **{m: fig.get(m) for m in MODELS},
            })

    if base_rate is None:
        sys.exit("loso_table.py: no eval output found")
    pct = f"{base_rate * 100:g}%"
    present = [m for m in MODELS if m != "sklearn" or have_sklearn]
    if not persp:
        present = [m for m in present if m != "perspective"]
    head = " | ".join(f"ROC AUC {TITLES[m]}" for m in present) + " | " + " | ".join(
        f"PR AUC @{pct} {TITLES[m]}" for m in present)
    rule = "|---|---|---:|---:|" + "---:|" * (2 * len(present))

    lines = [
        f"Leave one source out, label `{args.label}`: each source scored by a model trained "
        f"without it{args.settings}. PR AUC with negatives reweighted to the model's base rate "
        f"({pct} flagged, as `moderate eval` reports it); ROC AUC does not depend on it.",
        "",
        f"| source | trained on | rows | positives | {head} |",
        rule,
    ]
    for r in results:
        if r["own_run"]:
            lines.append(f"| {r['source']} | {r['trained_on']} | {r['rows']} | {r['positives']} | "
                         + " | ".join(cells(r, "roc_auc", present) + cells(r, "pr_auc", present))
                         + " |")
    extra = [r for r in results if not r["own_run"]]
    if extra:
        lines += [
            "",
            "Sources outside the recipe, scored by each leave-one-out model too (what leaving a "
            "source out does to a source no model saw):",
            "",
            f"| source | trained on | rows | positives | {head} |",
            rule,
        ]
        for r in extra:
            lines.append(f"| {r['source']} | {r['trained_on']} | {r['rows']} | {r['positives']} | "
                         + " | ".join(cells(r, "roc_auc", present) + cells(r, "pr_auc", present))
                         + " |")
    timing = []
    for run, trained, wall, cpu, sk_s in runs:
        t = f"{trained}: moderate train {wall} s wall ({cpu} s CPU)"
        if sk_s != "-":
            t += f", scikit-learn {sk_s} s"
        timing.append(t)
    lines += ["", "Times: " + "; ".join(timing) + "."]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"label": args.label, "base_rate": base_rate, "results": results,
                       "runs": [dict(zip(("run", "trained_on", "wall_s", "cpu_s", "sklearn_s"), r))
                                for r in runs]}, f, indent=1)


if __name__ == "__main__":
    main()
