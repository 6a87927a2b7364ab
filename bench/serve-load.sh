#!/usr/bin/env bash
# Load test of `moderate serve`: wrk posts one realistic French comment to the Perspective
# endpoint on 127.0.0.1 for a bounded time, then prints requests/s and p50/p99 latency.
#
#   bash bench/serve-load.sh            # 10 s, 2 threads, 32 connections
#   DURATION=20s CONNECTIONS=64 bash bench/serve-load.sh
#
# Loopback only; the server is started and stopped by this script. wrk runs on the same machine
# and takes its share of the cores.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18080}"
ADDR="127.0.0.1:${PORT}"

if ! command -v wrk >/dev/null 2>&1; then
    echo "serve-load: installing wrk" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        sudo apt-get install -y wrk >/dev/null
    fi
fi

cargo build --release --quiet
BIN=target/release/moderate

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# A comment of the kind these sections get: heated, long-ish, with an insult in it. Written for
# this benchmark.
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"comment":{"text":"Franchement, cet article oublie l'essentiel : les habitants du sud du pays attendent depuis des mois une aide qui n'arrive jamais. Les ministres se succèdent, promettent tout et ne font rien. Et ceux qui viennent commenter ici pour défendre ce gouvernement d'incapables devraient aller voir sur place avant de donner des leçons."},"requestedAttributes":{"TOXICITY":{},"INSULT":{}},"languages":["fr"],"doNotStore":true}]]

done = function(summary, latency, requests)
    io.write(string.format("requests: %d, errors: connect %d, read %d, write %d, status %d, timeout %d\n",
        summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout))
    io.write(string.format("req/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
    io.write(string.format("p50: %.2f ms\n", latency:percentile(50) / 1000))
    io.write(string.format("p99: %.2f ms\n", latency:percentile(99) / 1000))
    io.write(string.format("max: %.2f ms\n", latency.max / 1000))
end
LUA

# SERVE_ARGS: more `moderate serve` options, e.g. SERVE_ARGS="--scoring-threads 2".
# shellcheck disable=SC2086
"$BIN" serve --addr "$ADDR" --log-level warn ${SERVE_ARGS:-} >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$WORK/stdout" || { cat "$WORK/stderr" >&2; echo "serve-load: server did not start" >&2; exit 1; }

URL="http://${ADDR}/v1alpha1/comments:analyze"
# One request first, so that a broken server fails here and not as a wall of wrk errors.
curl -sf -X POST -H 'Content-Type: application/json' --data "$(sed -n 's/^wrk.body = \[\[\(.*\)\]\]$/\1/p' "$WORK/post.lua")" "$URL" >/dev/null \
    || { echo "serve-load: the server did not answer 200" >&2; exit 1; }

echo "moderate serve load: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, serve ${SERVE_ARGS:-(defaults)}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "$URL" | tail -5
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Server-side time (request head to response, without wrk's own queueing), from /metrics.
curl -sf "http://${ADDR}/metrics" | awk '
    /^moderate_http_request_duration_seconds_bucket\{route="analyze",le="0.001"\}/ { ms1 = $2 }
    /^moderate_http_request_duration_seconds_bucket\{route="analyze",le="0.01"\}/ { ms10 = $2 }
    /^moderate_http_request_duration_seconds_count\{route="analyze"\}/ { n = $2 }
    END { if (n > 0) printf "server side: %d requests, %.1f%% under 1 ms, %.2f%% under 10 ms\n", n, 100 * ms1 / n, 100 * ms10 / n }'
