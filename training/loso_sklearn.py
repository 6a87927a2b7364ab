#!/usr/bin/env python3
"""scikit-learn side of the leave-one-source-out table (training/loso.sh).

Fits the baseline of training/compare.py (TF-IDF word + char n-grams, logistic regression with C
chosen by grid search) for one label on every row of the --train files, the rows moderate was
trained on in the same run, and writes its score for every row of each --score file, one per line
in row order, to OUT_DIR/NAME.txt. training/loso_table.py turns the scores into figures.
"""
import argparse
import os
import sys
import time

from compare import fit_pipeline
from labeled import read_rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", action="append", required=True, help="training file (repeat)")
    ap.add_argument("--score", action="append", required=True, help="NAME=FILE to score (repeat)")
    ap.add_argument("--label", required=True, help="the label to fit and score")
    ap.add_argument("--rename", action="append", default=[], help="COLUMN=LABEL, as moderate")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    renames = dict(r.split("=", 1) for r in args.rename)
    labels = [args.label]

    texts, ys = [], {args.label: []}
    for path in args.train:
        for text, y in read_rows(path, labels, renames):
            texts.append(text)
            ys[args.label].append(y.get(args.label))
    started = time.time()
    vectorize, fitted = fit_pipeline(texts, ys, labels)
    model = fitted[args.label]

    os.makedirs(args.out_dir, exist_ok=True)
    for spec in args.score:
        name, path = spec.split("=", 1)
        rows = read_rows(path, labels, renames)
        scores = model.predict_proba(vectorize([t for t, _ in rows]))[:, 1]
        with open(os.path.join(args.out_dir, name + ".txt"), "w", encoding="utf-8") as f:
            f.writelines(f"{s:.9g}\n" for s in scores)
    seconds = time.time() - started
    with open(os.path.join(args.out_dir, "seconds"), "w", encoding="utf-8") as f:
        f.write(f"{seconds:.1f}\n")
    print(f"scikit-learn: {len(texts)} training rows, fit + scoring {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
