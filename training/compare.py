#!/usr/bin/env python3
"""Held-out comparison: moderate against a scikit-learn TF-IDF (word + char n-grams) + logistic
regression pipeline trained on exactly the same rows.

Run through training/compare.sh, which trains moderate with the default model's settings and
writes the split. This script reads that split (file,row,part), trains scikit-learn on the `train`
rows of every file for every label the file has, scores the `holdout` rows, and prints one
Markdown table with both models' ROC AUC and PR AUC per source and label. moderate's figures come
from the model card (computed by `moderate train` on the same held-out rows).

PR AUC is computed at the model's base rate (negatives reweighted so that positives are, e.g.,
10% of the sample, as on a real comment section), and also on the held-out rows as they are.
"""
import argparse
import csv
import json
import sys
import time
from collections import defaultdict

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV

from labeled import negative_weight, read_rows


def fit_pipeline(train_text, train_y, labels):
    """The scikit-learn baseline: word 1-2-gram + char_wb 2-5-gram TF-IDF and, per label, a
    logistic regression with C chosen by 3-fold grid search on ROC AUC, fitted on the rows where
    that label is known (train_y[label][i] is 0, 1 or None). Returns (vectorize, {label: model})
    where vectorize(texts) gives the feature matrix. Also used by loso_sklearn.py."""
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x_train = hstack([word.fit_transform(train_text), char.fit_transform(train_text)]).tocsr()
    fitted = {}
    for l in labels:
        idx = [i for i, v in enumerate(train_y[l]) if v is not None]
        y = np.array([train_y[l][i] for i in idx])
        grid = GridSearchCV(
            LogisticRegression(solver="liblinear", max_iter=1000),
            {"C": [0.3, 1, 3, 10, 30]},
            scoring="roc_auc",
            cv=3,
        )
        grid.fit(x_train[idx], y)
        fitted[l] = grid.best_estimator_

    def vectorize(texts):
        return hstack([word.transform(texts), char.transform(texts)]).tocsr()

    return vectorize, fitted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--rename", action="append", default=[])
    ap.add_argument("--json-out")
    args = ap.parse_args()
    labels = args.labels.split(",")
    renames = dict(r.split("=", 1) for r in args.rename)

    model = json.load(open(args.model, encoding="utf-8"))["model"]
    base_rates = {l["name"]: l["base_rate"] for l in model["labels"]}
    ours = {}
    for src in model["card"]["sources"]:
        for lm in src["metrics"]:
            ours[(src["path"], lm["label"])] = lm["metrics"]

    parts = defaultdict(dict)
    with open(args.split, newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            parts[rec["file"]][int(rec["row"])] = rec["part"]

    files = list(parts)
    data = {p: read_rows(p, labels, renames) for p in files}
    train_text, train_y = [], defaultdict(list)
    for p in files:
        for i, (text, y) in enumerate(data[p], start=1):
            if parts[p][i] == "train":
                train_text.append(text)
                for l in labels:
                    train_y[l].append(y.get(l))

    started = time.time()
    vectorize, fitted = fit_pipeline(train_text, train_y, labels)
    sk_seconds = time.time() - started

    out = []
    print("| source | label | held-out rows | positives | ROC AUC moderate | ROC AUC scikit-learn | "
          "PR AUC @base rate moderate | PR AUC @base rate scikit-learn | PR AUC (sample) moderate | "
          "PR AUC (sample) scikit-learn |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in files:
        held = [(t, y) for i, (t, y) in enumerate(data[p], start=1) if parts[p][i] == "holdout"]
        if not held:
            continue
        x = vectorize([t for t, _ in held])
        for l in labels:
            idx = [i for i, (_, y) in enumerate(held) if y.get(l) is not None]
            if not idx:
                continue
            y = np.array([held[i][1][l] for i in idx])
            if y.min() == y.max():
                continue
            s = fitted[l].predict_proba(x[idx])[:, 1]
            w = negative_weight(int(y.sum()), int(len(y) - y.sum()), base_rates[l])
            sw = np.where(y == 1, 1.0, w)
            sk = {
                "roc_auc": roc_auc_score(y, s),
                "pr_auc": average_precision_score(y, s, sample_weight=sw),
                "pr_auc_sample": average_precision_score(y, s),
            }
            m = ours.get((p, l), {})
            row = {
                "source": p,
                "label": l,
                "rows": len(y),
                "positives": int(y.sum()),
                "moderate": {k: m.get(k) for k in ("roc_auc", "pr_auc", "pr_auc_sample")},
                "sklearn": sk,
            }
            out.append(row)
            cells = []
            for k in ("roc_auc", "pr_auc", "pr_auc_sample"):
                a, b = m.get(k), sk[k]
                fa = "–" if a is None else f"{a:.3f}"
                fb = f"{b:.3f}"
                if a is not None and round(a, 3) > round(b, 3):
                    fa = f"**{fa}**"
                elif a is not None and round(b, 3) > round(a, 3):
                    fb = f"**{fb}**"
                cells += [fa, fb]
            print(f"| {p.replace('../shared/data/', '')} | {l} | {len(y)} | {int(y.sum())} | "
                  + " | ".join(cells) + " |")
    print(f"\nscikit-learn vectorizing + grid search + fit: {sk_seconds:.1f} s", file=sys.stderr)
    if args.json_out:
        json.dump(out, open(args.json_out, "w"), indent=1)


if __name__ == "__main__":
    main()
