#!/usr/bin/env python3
"""Run a command, print one JSON line: wall seconds and peak resident memory (MB) of the command
and its children.

    python3 bench/measure.py --name NAME [--env K=V ...] -- COMMAND ARGS...

The peak memory is the largest ru_maxrss among the processes waited for (the command itself and,
through RUSAGE_CHILDREN, its descendants), as reported by the kernel; no sampling.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--stdout")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    env = dict(os.environ)
    for kv in args.env:
        k, v = kv.split("=", 1)
        env[k] = v
    out = open(args.stdout, "wb") if args.stdout else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"measure.py: {args.name}: {' '.join(cmd)} exited with {code}", file=sys.stderr)
        sys.exit(1)
    # Linux reports ru_maxrss in KiB.
    peak = max(usage.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({"name": args.name, "seconds": round(wall, 3), "peak_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
