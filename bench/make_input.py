#!/usr/bin/env python3
"""Build a large comment file for the throughput benchmark by repeating real labeled comments.

    python3 bench/make_input.py --rows 1000000 --out bench/work/comments-1m.csv [SOURCE.csv ...]

Reads the `text` column of every source file (default: every ../shared/data/*/data.csv, falling
back to training/comments.csv when that folder is absent), and writes `id,text` rows cycling over
them in a fixed shuffled order until --rows rows are written. Nothing here is committed: the
output goes to bench/work/, which git ignores.
"""
import argparse
import csv
import glob
import os
import random
import sys

csv.field_size_limit(1 << 30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("sources", nargs="*")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sources = args.sources or sorted(glob.glob(os.path.join(root, "..", "shared", "data", "*", "data.csv")))
    if not sources:
        print("make_input.py: ../shared/data is ABSENT; repeating training/comments.csv instead",
              file=sys.stderr)
        sources = [os.path.join(root, "training", "comments.csv")]
    texts = []
    for path in sources:
        with open(path, newline="", encoding="utf-8-sig") as f:
            texts.extend(row["text"] for row in csv.DictReader(f))
    random.Random(42).shuffle(texts)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(args.rows):
            w.writerow([i + 1, texts[i % len(texts)]])
    print(f"make_input.py: {args.rows} rows from {len(texts)} comments of {len(sources)} file(s) "
          f"-> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
