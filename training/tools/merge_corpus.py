#!/usr/bin/env python3
"""Merge the corpus parts written by topic (training/parts/*.csv) into training/comments.csv.

Usage: python3 training/tools/merge_corpus.py PARTS_DIR
The parts were the working files of the people writing the corpus; comments.csv is what the
project keeps. Rows keep their part's order; parts are taken in file-name order.
"""
import csv
import glob
import os
import sys

COLUMNS = ["text", "toxic", "insult", "slur", "dehumanizing", "threat", "shouting"]

def main(parts_dir):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "comments.csv")
    rows = []
    for path in sorted(glob.glob(os.path.join(parts_dir, "*.csv"))):
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            if next(reader) != COLUMNS:
                sys.exit(f"{path}: unexpected header")
            rows.extend(reader)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    print(f"{len(rows)} rows written to {os.path.normpath(out)}")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "parts"))
