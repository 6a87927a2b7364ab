#!/usr/bin/env python3
"""Print bench/run.sh's measurements (JSON lines from measure.py) as Markdown, with ratios."""
import argparse
import datetime
import json
import platform


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--cores", type=int, required=True)
    ap.add_argument("results")
    args = ap.parse_args()
    r = {}
    for line in open(args.results, encoding="utf-8"):
        d = json.loads(line)
        r[d["name"]] = d
    print(f"{datetime.date.today()}, {platform.machine()}, {args.cores} cores, "
          f"{args.rows:,} comments\n")
    print("| scoring | comments/s | × scikit-learn (same cores) | peak memory |")
    print("|---|---:|---:|---:|")
    for threads in ("1 thread", "all cores"):
        sk = r.get(f"score scikit-learn {threads}")
        for tool in ("moderate", "moderate toxic-only", "scikit-learn", "profanity-check"):
            d = r.get(f"score {tool} {threads}")
            if not d:
                continue
            rate = args.rows / d["seconds"]
            ratio = f"{sk['seconds'] / d['seconds']:.1f}×" if sk else "–"
            where = "1 core (pinned)" if threads == "1 thread" else threads
            print(f"| {tool}, {where} | {rate:,.0f} | {ratio} | {d['peak_mb']:.0f} MB |")
    d = r.get("score moderate all cores 2x rows")
    if d:
        print(f"| moderate, all cores, {2 * args.rows:,} comments | {2 * args.rows / d['seconds']:,.0f} "
              f"| – | {d['peak_mb']:.0f} MB |")
    tm, ts = r.get("train moderate"), r.get("train scikit-learn")
    if tm and ts:
        print("\n| training (same rows) | seconds | × scikit-learn | peak memory |")
        print("|---|---:|---:|---:|")
        for name, d in (("moderate", tm), ("scikit-learn", ts)):
            print(f"| {name} | {d['seconds']:.1f} | {d['seconds'] / ts['seconds']:.2f}× "
                  f"| {d['peak_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
