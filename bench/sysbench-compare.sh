#!/usr/bin/env bash
# Runs sysbench against the local replicated test bed twice per workload, in the same run:
# directly against the primary and through mysql-proxy, and prints QPS, the ratio to direct,
# and the p95 latency the proxy adds. Servers, proxy and sysbench share this machine.
#
#   bench/sysbench-compare.sh [--time SECONDS] [--threads N] [--tests "oltp_point_select oltp_read_only"]
#                             [--proxy-config FILE]   (HOCON over the demo proxy's configuration)
#
# Needs a build (mvn -DskipTests package) and sysbench; writes bench/results/sysbench-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
threads=8
tests="oltp_point_select oltp_read_only"
proxy_config=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--config "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh

sysbench_prepare
# Warm both paths up (the proxy's JIT, the servers' buffer pool) before anything is measured.
for port in "$primary_port" "$proxy_port"; do
  sysbench oltp_read_only "${sysbench_common[@]}" --mysql-port="$port" --threads="$threads" --time=10 run > /dev/null
done

# run TEST PORT -> prints "qps p95 errors"
run() {
  settle
  local -A figures
  sysbench_figures figures "$(sysbench "$1" "${sysbench_common[@]}" --mysql-port="$2" --threads="$threads" \
                                --time="$time_s" --percentile=95 --report-interval=0 run)"
  echo "${figures[qps]} ${figures[pct_ms]} ${figures[ignored]:-0}"
}

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/sysbench-$stamp.md"
{
  echo "# sysbench through mysql-proxy vs direct ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), ${threads} threads, ${time_s} s per run, $sysbench_rows rows,"
  echo "prepared statements on; servers, proxy and sysbench on this one machine."
  echo "proxy configuration over the demo's: ${proxy_config[1]:-none}"
  [ "${#proxy_config[@]}" -gt 0 ] && sed 's/^/    /' "${proxy_config[1]}"
  echo
  echo "| test | direct QPS | proxy QPS | ratio | direct p95 ms | proxy p95 ms | p95 added ms | errors (direct/proxy) |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$report"

for test in $tests; do
  read -r d_qps d_p95 d_err <<< "$(run "$test" "$primary_port")"
  read -r p_qps p_p95 p_err <<< "$(run "$test" "$proxy_port")"
  ratio="$(awk -v p="$p_qps" -v d="$d_qps" 'BEGIN { printf "%.1f%%", 100 * p / d }')"
  added="$(awk -v p="$p_p95" -v d="$d_p95" 'BEGIN { printf "%.2f", p - d }')"
  echo "| $test | $d_qps | $p_qps | $ratio | $d_p95 | $p_p95 | $added | $d_err/$p_err |" >> "$report"
done

cat "$report"
echo
echo "written to $report"
