#!/usr/bin/env bash
# What transaction multiplexing costs per statement when nothing has to wait for a connection
# (issue 20: every feature on the statement path shows its cost as an on/off ratio): two
# `bin/mysql-proxy run` processes in front of the demo's servers, backends.pool.multiplexing =
# transaction ("on") and idle ("off"), otherwise the same, and each --tests test through each proxy
# in turn, in both orders (on, off, off, on, ...), at --threads clients (fewer than the pool's
# connections, so the figure is the give-back and borrow at every boundary, not queueing). Prints
# QPS, p95 and the ratio on / off per test.
#
#   bench/multiplexing-cost.sh [--time SECONDS] [--threads N] [--rounds N]
#                              [--tests "oltp_point_select oltp_read_only oltp_update_index"]
#                              [--ps-mode auto|disable]
#
# oltp_read_only runs with --skip_trx=on (each statement its own transaction, as the multiplexed
# path sees most traffic). Needs a build (mvn -DskipTests package) and sysbench; writes
# bench/results/multiplexing-cost-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=20
threads=8
rounds=2
tests="oltp_point_select oltp_read_only oltp_update_index"
ps_mode=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --ps-mode) ps_mode="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

proxy_config=()
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

on_port=6053 on_admin=9153 off_port=6054 off_admin=9154
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
proxy_process_start "$on_port" "$on_admin" "$java_opts" "backends.pool.multiplexing = transaction"
on_pid="$proxy_pid"
proxy_process_start "$off_port" "$off_admin" "$java_opts" "backends.pool.multiplexing = idle"
off_pid="$proxy_pid"

sysbench_prepare
# The JIT of both proxies, on every test's path.
for test in $tests; do
  for port in "$on_port" "$off_port"; do
    sysbench "$test" "${sysbench_common[@]}" --mysql-port="$port" --threads="$threads" --time=8 \
      --skip_trx=on --db-ps-mode="$ps_mode" run > /dev/null
  done
done

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/multiplexing-cost-$stamp.md"
{
  echo "# Transaction multiplexing on / off ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), ${threads} threads, ${time_s} s per run, $sysbench_rows rows,"
  echo "--db-ps-mode=$ps_mode, --skip_trx=on; two proxy processes (multiplexing = transaction / idle, $java_opts)"
  echo "in front of the demo's servers; servers, proxies and sysbench on this one machine."
  echo
  echo "| test | round | order | on QPS (p95 ms) | off QPS (p95 ms) | on / off |"
  echo "|---|---|---|---|---|---|"
} > "$report"
for test in $tests; do
  on_sum=0 off_sum=0
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
    declare -A q=() p=()
    for which in $order; do
      port="$on_port"; [ "$which" = off ] && port="$off_port"
      settle
      output="$(mktemp)"
      sysbench_in_background "$output" "$time_s" "$test" "${sysbench_common[@]}" --mysql-port="$port" \
        --threads="$threads" --time="$time_s" --skip_trx=on --db-ps-mode="$ps_mode" --report-interval=0 run
      declare -A f
      sysbench_figures f "$(cat "$output")"
      rm -f "$output"
      q[$which]="${f[qps]}" p[$which]="${f[pct_ms]:-?}"
    done
    on_sum="$(awk -v a="$on_sum" -v b="${q[on]}" 'BEGIN { print a + b }')"
    off_sum="$(awk -v a="$off_sum" -v b="${q[off]}" 'BEGIN { print a + b }')"
    ratio="$(awk -v a="${q[on]}" -v b="${q[off]}" 'BEGIN { printf "%.3f", a / b }')"
    echo "| $test | $round | ${order/ / then } | ${q[on]} (${p[on]}) | ${q[off]} (${p[off]}) | $ratio |" >> "$report"
  done
  mean="$(awk -v a="$on_sum" -v b="$off_sum" 'BEGIN { printf "%.3f", a / b }')"
  echo "| $test | all | | | | **$mean** |" >> "$report"
done

cat "$report"
echo
echo "written to $report"
