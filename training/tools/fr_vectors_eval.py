"""Leave-one-source-out measurement for training/tools/fr_vectors.py `eval`.

Sources: the French shared sets (../shared/data/{mlma_fr,toxifrench_bench,jigsaw_subset_fr_mt,
rtplx_fr}/data.csv, column `label`) and training/comments.csv (column `toxic`). For each source:
train on all the others, score it. Variants (all on the same folded tokens):

- A: TF-IDF word 1-2-grams + char_wb 2-5-grams (sublinear tf, min_df 2, each block L2-normalized)
  + logistic regression (liblinear, fixed C), each training file's positives and negatives
  weighed equally (weight n_file / (2 n_file,class)).
- B: A + the IDF-weighted mean of the comment's word vectors, PCA 100-d, i8-quantized (the table
  the model would store), L2-normalized and multiplied by alpha.
- Bf: as B without quantization (float 100-d). C: as B with the full 300-d float vectors.
- Bmax: A + element-wise max over the comment's 100-d i8 vectors (L2-normalized, x alpha).
- Bmm: A + [mean, max] (each half L2-normalized, x alpha/sqrt(2)).
- Bsif: as B, word weights from the vector table's frequency rank (a/(a + p(w)), p ~ Zipf) instead
  of the training IDF, so that words unseen in training get a sensible weight.

The IDF of the mean comes from the training folds' document frequencies; a word with a vector but
never seen in training gets the largest IDF. Words are looked up after moderate's folding (lower
case, accents dropped).
"""
import csv
import json
import math
import re
import sys
import time

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

SHARED = ["mlma_fr", "toxifrench_bench", "jigsaw_subset_fr_mt", "rtplx_fr"]


def read_source(path, column):
    texts, ys = [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        for rec in reader:
            v = (rec.get(column) or "").strip().lower()
            if v in ("1", "true"):
                y = 1
            elif v in ("0", "false"):
                y = 0
            else:
                continue
            texts.append(rec["text"])
            ys.append(y)
    return texts, np.array(ys, dtype=np.int64)


EN = re.compile(r"\b(the|you|and|is|are|of|to)\b")
FR = re.compile(r"\b(le|la|les|et|est|des|un|une|je|tu|il|que|pas)\b")


def looks_english(text):
    """Rough: English function words and no French ones (comments.csv mixes some English in)."""
    t = text.lower()
    return bool(EN.search(t)) and not FR.search(t)


def ap_at_base_rate(y, s, rate=0.10):
    pos = int(y.sum())
    neg = len(y) - pos
    w = np.where(y == 1, 1.0, (1 - rate) / rate * pos / neg)
    return average_precision_score(y, s, sample_weight=w)


def coverage(mod, sources, words, rows):
    """Token coverage of each source's words, accents folded vs kept."""
    out = {}
    for accents in (False, True):
        fv = mod.folded_vocab(words, rows, accents=accents)
        for name, (texts, _) in sources.items():
            toks = [t for x in texts for t in mod.tokens(x, accents)]
            alpha = [t for t in toks if not t.isdigit()]
            types = set(alpha)
            out.setdefault(name, {})["accents_kept" if accents else "folded"] = {
                "tokens": len(alpha),
                "token_coverage": sum(t in fv for t in alpha) / max(1, len(alpha)),
                "type_coverage": sum(t in fv for t in types) / max(1, len(types)),
            }
        out.setdefault("_vocab", {})["accents_kept" if accents else "folded"] = len(fv)
    return out


def pooled(tok_lists, lookup, weight, table, mode):
    """One dense row per comment: weighted mean or element-wise max of its words' vectors."""
    dim = table.shape[1]
    out = np.zeros((len(tok_lists), dim), dtype=np.float32)
    for i, toks in enumerate(tok_lists):
        idx = [lookup[t] for t in toks if t in lookup]
        if not idx:
            continue
        vecs = table[idx]
        if mode == "max":
            out[i] = vecs.max(axis=0)
        else:
            w = np.array([weight(t) for t in toks if t in lookup], dtype=np.float32)
            out[i] = (w[:, None] * vecs).sum(axis=0) / w.sum()
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def fold_tfidf(sources, toks, joined, held):
    """One leave-one-out fold of variant A: the other sources' tokens, labels and sample weights
    (each file's positives and negatives weighed equally), the TF-IDF matrices of both sides, and
    the IDF of a word from the training side's document frequencies (the largest for an unseen
    word). Shared by fr_clusters_eval.py."""
    train = [n for n in sources if n != held]
    tr_text = [s for n in train for s in joined[n]]
    tr_toks = [t for n in train for t in toks[n]]
    y_tr = np.concatenate([sources[n][1] for n in train])
    sw = np.concatenate(
        [
            np.where(sources[n][1] == 1, len(sources[n][1]) / (2 * sources[n][1].sum()),
                     len(sources[n][1]) / (2 * (len(sources[n][1]) - sources[n][1].sum())))
            for n in train
        ]
    )
    y_te = sources[held][1]
    word = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2),
                           sublinear_tf=True, min_df=2)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x_tr = hstack([word.fit_transform(tr_text), char.fit_transform(tr_text)]).tocsr()
    x_te = hstack([word.transform(joined[held]), char.transform(joined[held])]).tocsr()
    df = {}
    for t in tr_toks:
        for w in set(t):
            df[w] = df.get(w, 0) + 1
    n_docs = len(tr_toks)
    max_idf = math.log((1 + n_docs) / 1) + 1

    def idf(w):
        d = df.get(w)
        return max_idf if d is None else math.log((1 + n_docs) / (1 + d)) + 1

    return tr_toks, y_tr, sw, y_te, x_tr, x_te, idf


def cmd_eval(args, mod):
    t0 = time.time()
    sources = {}
    for name in SHARED:
        sources[name] = read_source(f"{args.data}/{name}/data.csv", "label")
    sources["comments"] = read_source(args.corpus, "toxic")
    for name, (x, y) in sources.items():
        print(f"{name}: {len(x)} rows, {int(y.sum())} positive", file=sys.stderr)

    words, rows, table = mod.load_vectors()
    cov = coverage(mod, sources, words, rows)
    print(json.dumps(cov, indent=1), file=sys.stderr)

    fv = mod.folded_vocab(words, rows)
    kept = sorted(fv.items(), key=lambda kv: kv[1][0])[: args.top]
    lookup = {k: i for i, (k, _) in enumerate(kept)}
    rank = {k: r for k, (r, _) in kept}
    krows = np.array([r for _, (_, r) in kept], dtype=np.int64)
    mean, comp100, _ = mod.pca(table, 100)
    r100 = ((table - mean) @ comp100)[krows]
    q100, scale = mod.quantize(r100)
    tables = {
        "q100": q100.astype(np.float32) * scale,
        "f100": r100,
        "f300": (table - mean)[krows],
    }

    names = list(sources)
    toks = {n: [mod.tokens(x) for x in sources[n][0]] for n in names}
    joined = {n: [" ".join(t) for t in toks[n]] for n in names}
    variants = args.variants.split(",")
    results = {"coverage": cov, "settings": vars(args) | {"vector_words": len(lookup)}, "folds": {}}
    for held in names:
        tr_toks, y_tr, sw, y_te, x_tr, x_te, idf = fold_tfidf(sources, toks, joined, held)

        def sif(w, a=1e-3):
            # Zipf: p(rank) ~ 1 / ((rank + 1) * H), H ~ ln(500000) + 0.577
            p = 1.0 / ((rank[w] + 1) * (math.log(500000) + 0.5772))
            return a / (a + p)

        def dense(v, tl):
            if v in ("B", "Bq"):
                return pooled(tl, lookup, idf, tables["q100"], "mean")
            if v == "Bf":
                return pooled(tl, lookup, idf, tables["f100"], "mean")
            if v == "C":
                return pooled(tl, lookup, idf, tables["f300"], "mean")
            if v == "Bsif":
                return pooled(tl, lookup, sif, tables["q100"], "mean")
            if v == "Bmax":
                return pooled(tl, lookup, idf, tables["q100"], "max")
            if v == "Bmm":
                m = pooled(tl, lookup, idf, tables["q100"], "mean")
                x = pooled(tl, lookup, idf, tables["q100"], "max")
                return np.hstack([m, x]) / math.sqrt(2)
            raise SystemExit(f"unknown variant {v}")

        fold = {"rows": len(y_te), "positives": int(y_te.sum())}
        for v in variants:
            t1 = time.time()
            if v == "A":
                a_tr, a_te = x_tr, x_te
            else:
                d_tr = dense(v, tr_toks) * args.alpha
                d_te = dense(v, toks[held]) * args.alpha
                a_tr = hstack([x_tr, csr_matrix(d_tr)]).tocsr()
                a_te = hstack([x_te, csr_matrix(d_te)]).tocsr()
            lr = LogisticRegression(solver="liblinear", C=args.C, max_iter=1000)
            lr.fit(a_tr, y_tr, sample_weight=sw)
            s = lr.decision_function(a_te)
            fold[v] = {
                "roc_auc": roc_auc_score(y_te, s),
                "pr_auc": average_precision_score(y_te, s),
                "pr_auc_at_10pct": ap_at_base_rate(y_te, s),
                "seconds": time.time() - t1,
            }
            if held == "comments":
                fr = np.array([not looks_english(x) for x in sources[held][0]])
                fold[v]["french_only"] = {
                    "rows": int(fr.sum()),
                    "positives": int(y_te[fr].sum()),
                    "roc_auc": roc_auc_score(y_te[fr], s[fr]),
                    "pr_auc_at_10pct": ap_at_base_rate(y_te[fr], s[fr]),
                }
            print(f"{held} {v}: " + json.dumps(fold[v], default=str),
                  file=sys.stderr)
        results["folds"][held] = fold
    results["mean"] = {
        v: {
            m: float(np.mean([results["folds"][h][v][m] for h in names]))
            for m in ("roc_auc", "pr_auc", "pr_auc_at_10pct")
        }
        for v in variants
    }
    results["seconds"] = time.time() - t0
    print(markdown(results, names, variants))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


def markdown(results, names, variants):
    lines = ["| left out | rows (pos) | " + " | ".join(f"{v} ROC / PR@10%" for v in variants) + " |",
             "|---|---|" + "---|" * len(variants)]
    for h in names:
        f = results["folds"][h]
        cells = [f"{f[v]['roc_auc']:.3f} / {f[v]['pr_auc_at_10pct']:.3f}" for v in variants]
        lines.append(f"| {h} | {f['rows']} ({f['positives']}) | " + " | ".join(cells) + " |")
    m = results["mean"]
    lines.append("| **mean** | | " + " | ".join(
        f"**{m[v]['roc_auc']:.3f} / {m[v]['pr_auc_at_10pct']:.3f}**" for v in variants) + " |")
    return "\n".join(lines)
