#!/usr/bin/env python3
"""The scikit-learn pipeline users would otherwise pick: TF-IDF word 1-2 + char_wb 2-5 n-grams
(sublinear tf, min_df 2) and a logistic regression, the same recipe as training/compare.py.

    baselines.py fit --out model.joblib --rename label=toxic DATA.csv ...
    baselines.py score --model model.joblib --input in.csv --output out.csv [--jobs N]

`fit` reads the `text` column and the `toxic` label (after renames) of each file, and runs the same
model selection moderate does: 3-fold cross-validation over the regularization strength, then a
refit on every row (GridSearchCV, liblinear, all cores). `score` streams the input CSV in chunks,
adds a `score_toxic` column and writes it out; with --jobs N the chunks are scored by N worker
processes (joblib), the way one would use all cores. `--model profanity-check` scores with the
alt-profanity-check package instead (its own vectorizer and linear SVM).
"""
import argparse
import csv
import sys
import time

import joblib
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

csv.field_size_limit(1 << 30)
CHUNK = 20_000


def read_labeled(paths, renames):
    texts, ys = [], []
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            col = next((c for c in reader.fieldnames if renames.get(c, c) == "toxic"), None)
            for row in reader:
                v = (row.get(col) or "").strip().lower()
                if v in ("1", "true", "0", "false"):
                    texts.append(row["text"])
                    ys.append(1 if v in ("1", "true") else 0)
    return texts, np.array(ys)


class Pipeline:
    def __init__(self, word, char, clf):
        self.word, self.char, self.clf = word, char, clf

    def predict(self, texts):
        x = hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        return self.clf.predict_proba(x)[:, 1]


def fit(args):
    renames = dict(r.split("=", 1) for r in args.rename)
    texts, y = read_labeled(args.data, renames)
    started = time.perf_counter()
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    grid = GridSearchCV(LogisticRegression(solver="liblinear", max_iter=1000),
                        {"C": [1, 3, 10]}, scoring="roc_auc", cv=3, n_jobs=-1)
    grid.fit(x, y)
    # Plain scikit-learn objects only: a class of this script would be pickled as `__main__.…`,
    # which joblib's worker processes cannot find.
    joblib.dump({"word": word, "char": char, "clf": grid.best_estimator_}, args.out)
    print(f"baselines.py: fitted {len(texts)} rows, {x.shape[1]} features, "
          f"C={grid.best_params_['C']} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def chunks(path):
    """(header, text column, rows) per chunk of CHUNK rows, streamed."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        text = header.index("text")
        chunk = []
        for row in reader:
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield header, text, chunk
                chunk = []
        if chunk:
            yield header, text, chunk


_MODEL = None


def load(path):
    """The model to score with: a fitted Pipeline, or alt-profanity-check for `profanity-check`."""
    global _MODEL
    if _MODEL is None:
        if path == "profanity-check":
            from profanity_check import predict_prob

            class ProfanityCheck:
                def predict(self, texts):
                    return predict_prob(texts)

            _MODEL = ProfanityCheck()
        else:
            parts = joblib.load(path)
            _MODEL = Pipeline(parts["word"], parts["char"], parts["clf"])
    return _MODEL


def render_chunk(model_path, text, rows):
    """Score one chunk and render its output rows as CSV text (in the worker, with --jobs)."""
    import io

    scores = load(model_path).predict([r[text] for r in rows])
    buf = io.StringIO()
    w = csv.writer(buf)
    for r, v in zip(rows, scores):
        w.writerow(r + [f"{v:.4f}"])
    return buf.getvalue()


def score(args):
    with open(args.output, "w", newline="", encoding="utf-8") as out:
        header = next(chunks(args.input))[0]
        csv.writer(out).writerow(header + ["score_toxic"])
        tasks = ((args.model, t, rows) for _, t, rows in chunks(args.input))
        if args.jobs == 1:
            rendered = (render_chunk(*task) for task in tasks)
        else:
            # Ordered, streamed: at most 2 × jobs chunks in flight.
            rendered = joblib.Parallel(n_jobs=args.jobs, return_as="generator")(
                joblib.delayed(render_chunk)(*task) for task in tasks)
        for text in rendered:
            out.write(text)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--out", required=True)
    f.add_argument("--rename", action="append", default=[])
    f.add_argument("data", nargs="+")
    s = sub.add_parser("score")
    s.add_argument("--model", required=True, help="a fitted pipeline, or `profanity-check`")
    s.add_argument("--input", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    fit(args) if args.cmd == "fit" else score(args)


if __name__ == "__main__":
    main()
