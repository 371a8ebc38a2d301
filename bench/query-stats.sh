#!/usr/bin/env bash
# Query statistics under sysbench (issue 20): two `bin/mysql-proxy run` processes in front of the demo's
# servers, one with stats.queries = on and one with it off, and
#   1. counts: one oltp_read_only run through the "on" proxy; the calls its digests gained in /queries
#      (prepared statements are counted per COM_STMT_EXECUTE) against sysbench's own statement counts;
#   2. cost: oltp_point_select through each proxy in turn, in both orders (on, off, off, on, ...), and the
#      QPS ratio on / off, so the per-statement cost of recording shows in the same run.
#
#   bench/query-stats.sh [--time SECONDS] [--threads N] [--rounds N]
#
# Needs a build (mvn -DskipTests package), sysbench and python3; writes bench/results/query-stats-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=20
threads=8
rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v python3 > /dev/null || { echo "python3 is missing" >&2; exit 1; }

proxy_config=()
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

on_port=6051 on_admin=9151 off_port=6052 off_admin=9152
on_pid="" off_pid=""
stop_all() {
  sysbench_stop
  for pid in "$on_pid" "$off_pid"; do
    [ -z "$pid" ] || { kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; }
  done
  stop_demo
}
trap stop_all EXIT

java_opts="-Xms256m -Xmx256m"
proxy_process_start "$on_port" "$on_admin" "$java_opts" "stats { queries = on }"
on_pid="$proxy_pid" on_url="$proxy_admin"
proxy_process_start "$off_port" "$off_admin" "$java_opts" "stats { queries = off }"
off_pid="$proxy_pid"

sysbench_prepare
for port in "$on_port" "$off_port"; do
  sysbench oltp_read_only "${sysbench_common[@]}" --mysql-port="$port" --threads="$threads" --time=10 run > /dev/null
done

# calls per digest text in /queries (every row, all roles summed), as "calls<TAB>text" lines
digest_calls() {
  curl -fs "$on_url/queries?order=calls&limit=100000" | python3 -c '
import json, sys
totals = {}
for q in json.load(sys.stdin)["queries"]:
    totals[q["digest_text"]] = totals.get(q["digest_text"], 0) + q["calls"]
for text, calls in sorted(totals.items()):
    print(f"{calls}\t{text}")'
}

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/query-stats-$stamp.md"
{
  echo "# Query statistics under sysbench ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), ${threads} threads, ${time_s} s per run, $sysbench_rows rows,"
  echo "prepared statements on (--db-ps-mode=auto); two proxy processes (stats.queries on / off, $java_opts)"
  echo "in front of the demo's servers; servers, proxies and sysbench on this one machine."
  echo
} > "$report"

# 1. counts
settle
before="$(mktemp)" after="$(mktemp)"
digest_calls > "$before"
output="$(mktemp)"
sysbench_in_background "$output" "$time_s" oltp_read_only "${sysbench_common[@]}" --mysql-port="$on_port" \
  --threads="$threads" --time="$time_s" --report-interval=0 run
digest_calls > "$after"
declare -A sb
sysbench_figures sb "$(cat "$output")"
python3 - "$before" "$after" "${sb[events]}" "${sb[queries]}" >> "$report" <<'PY'
import sys
def load(path):
    calls = {}
    for line in open(path):
        n, text = line.rstrip("\n").split("\t", 1)
        calls[text] = int(n)
    return calls
before, after = load(sys.argv[1]), load(sys.argv[2])
events, queries = int(sys.argv[3]), int(sys.argv[4])
delta = {t: after[t] - before.get(t, 0) for t in after if after[t] - before.get(t, 0) > 0}
# oltp_read_only's event: BEGIN, 10 point selects, 4 range selects (simple, SUM, ORDER BY, DISTINCT), COMMIT.
kinds = [
    ("point selects", lambda t: t.startswith("SELECT `c` FROM `sbtest") and t.endswith("WHERE `id` = ?"), 10),
    ("simple ranges", lambda t: t.startswith("SELECT `c` FROM") and t.endswith("BETWEEN ? AND ?"), 1),
    ("sum ranges", lambda t: t.startswith("SELECT SUM ( `k` )"), 1),
    ("order ranges", lambda t: t.startswith("SELECT `c` FROM") and t.endswith("ORDER BY `c`") and "DISTINCT" not in t, 1),
    ("distinct ranges", lambda t: t.startswith("SELECT DISTINCT"), 1),
    ("BEGIN", lambda t: t == "BEGIN", 1),
    ("COMMIT", lambda t: t == "COMMIT", 1),
]
print("## 1. Digest call counts against sysbench's (oltp_read_only through the stats-on proxy)")
print()
print(f"sysbench: {events} transactions, {queries} queries.")
print()
print("| statement | sysbench count | calls in /queries (digests) | difference |")
print("|---|---|---|---|")
counted = 0
for name, match, per_event in kinds:
    texts = [t for t in delta if match(t)]
    calls = sum(delta[t] for t in texts)
    counted += calls
    expected = events * per_event
    print(f"| {name} | {expected} | {calls} ({len(texts)}) | {calls - expected:+d} |")
total = sum(delta.values())
print(f"| all digests | {queries} (queries) | {total} ({len(delta)}) | {total - queries:+d} |")
print()
other = sorted(((n, t) for t, n in delta.items() if not any(m(t) for _, m, _ in kinds)), reverse=True)
if other:
    print("Other digests in the window: " + "; ".join(f"`{t}` × {n}" for n, t in other[:5]))
    print()
PY
rm -f "$before" "$after" "$output"

# 2. cost: point selects, alternating which proxy goes first
declare -A qps_sum=([on]=0 [off]=0)
{
  echo "## 2. Cost: oltp_point_select, stats on vs off, alternating order"
  echo
  echo "| round | order | on QPS | off QPS | on / off |"
  echo "|---|---|---|---|---|"
} >> "$report"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
  declare -A q=()
  for which in $order; do
    port="$on_port"; [ "$which" = off ] && port="$off_port"
    settle
    output="$(mktemp)"
    sysbench_in_background "$output" "$time_s" oltp_point_select "${sysbench_common[@]}" --mysql-port="$port" \
      --threads="$threads" --time="$time_s" --report-interval=0 run
    declare -A f
    sysbench_figures f "$(cat "$output")"
    rm -f "$output"
    q[$which]="${f[qps]}"
  done
  qps_sum[on]="$(awk -v a="${qps_sum[on]}" -v b="${q[on]}" 'BEGIN { print a + b }')"
  qps_sum[off]="$(awk -v a="${qps_sum[off]}" -v b="${q[off]}" 'BEGIN { print a + b }')"
  ratio="$(awk -v a="${q[on]}" -v b="${q[off]}" 'BEGIN { printf "%.3f", a / b }')"
  echo "| $round | ${order/ / then } | ${q[on]} | ${q[off]} | $ratio |" >> "$report"
done
{
  mean="$(awk -v a="${qps_sum[on]}" -v b="${qps_sum[off]}" 'BEGIN { printf "%.3f", a / b }')"
  cost="$(awk -v a="${qps_sum[on]}" -v b="${qps_sum[off]}" -v r="$rounds" \
    'BEGIN { on = a / r; off = b / r; printf "%.2f", (1e6 / on - 1e6 / off) * 1 }')"
  echo
  echo "Mean on / off: **$mean**; time per statement on minus off (1/QPS, all threads together): $cost µs."
} >> "$report"

cat "$report"
echo
echo "written to $report"
