#!/usr/bin/env python3
"""Check the hand-written comment corpus: columns, label values, label consistency,
shouting consistency, and that no two comments share an 8-word span.

Usage: python3 training/tools/check_corpus.py [FILE.csv ...]
Without arguments it checks training/comments.csv (spans are compared across all files given).
Exit code 1 when a hard rule is broken; warnings do not fail.
"""
import csv
import glob
import os
import re
import sys
from collections import defaultdict

COLUMNS = ["text", "toxic", "insult", "slur", "dehumanizing", "threat", "shouting"]
LABELS = COLUMNS[1:]
SPAN = 8
WORD = re.compile(r"\w+", re.UNICODE)


def caps_ratio(text):
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8:
        return None
    return sum(1 for c in letters if c.isupper()) / len(letters)


def main(paths):
    if not paths:
        here = os.path.dirname(os.path.abspath(__file__))
        paths = [os.path.join(here, "..", "comments.csv")]
    errors = 0
    warnings = 0
    rows = []  # (path, line, text, labels)
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            try:
                header = next(reader)
            except StopIteration:
                print(f"{path}: empty file")
                errors += 1
                continue
            if header != COLUMNS:
                print(f"{path}:1: header must be {','.join(COLUMNS)}, found {','.join(header)}")
                errors += 1
                continue
            for rec in reader:
                line = reader.line_num
                if len(rec) != len(COLUMNS):
                    print(f"{path}:{line}: {len(rec)} fields, expected {len(COLUMNS)}")
                    errors += 1
                    continue
                text = rec[0]
                if not text.strip():
                    print(f"{path}:{line}: empty text")
                    errors += 1
                    continue
                bad = [c for c, v in zip(LABELS, rec[1:]) if v not in ("0", "1")]
                if bad:
                    print(f"{path}:{line}: label values must be 0 or 1 in {bad}")
                    errors += 1
                    continue
                lab = dict(zip(LABELS, (int(v) for v in rec[1:])))
                if any(lab[k] for k in ("insult", "slur", "dehumanizing", "threat")) and not lab["toxic"]:
                    print(f"{path}:{line}: insult/slur/dehumanizing/threat set but toxic=0")
                    errors += 1
                r = caps_ratio(text)
                if lab["shouting"] and (r is None or r < 0.5):
                    print(f"{path}:{line}: shouting=1 but only {0 if r is None else r:.0%} of letters are capitals")
                    errors += 1
                if not lab["shouting"] and r is not None and r > 0.75:
                    print(f"{path}:{line}: warning: {r:.0%} capitals but shouting=0")
                    warnings += 1
                rows.append((path, line, text, lab))

    seen = {}
    dup_pairs = 0
    for i, (path, line, text, _) in enumerate(rows):
        words = [w.lower() for w in WORD.findall(text)]
        for k in range(len(words) - SPAN + 1):
            key = tuple(words[k : k + SPAN])
            j = seen.get(key)
            if j is None:
                seen[key] = i
            elif j != i:
                p2, l2, _, _ = rows[j]
                print(f"{path}:{line}: shares the 8-word span '{' '.join(key)}' with {p2}:{l2}")
                dup_pairs += 1
                errors += 1
                break

    n = len(rows)
    if n:
        by_file = defaultdict(list)
        for path, _, text, lab in rows:
            by_file[os.path.basename(path)].append(lab)
        print(f"\n{'file':<32} {'rows':>6} " + " ".join(f"{l:>12}" for l in LABELS))
        for name, labs in sorted(by_file.items()):
            print(f"{name:<32} {len(labs):>6} " + " ".join(f"{sum(x[l] for x in labs)/len(labs):>12.1%}" for l in LABELS))
        alllabs = [r[3] for r in rows]
        print(f"{'ALL':<32} {n:>6} " + " ".join(f"{sum(x[l] for x in alllabs)/n:>12.1%}" for l in LABELS))
    print(f"\n{n} rows, {errors} errors, {warnings} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
