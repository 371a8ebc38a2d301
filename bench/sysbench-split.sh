#!/usr/bin/env bash
# Read/write splitting under sysbench, on the local replicated test bed (demo proxy):
#  1. oltp_read_only without BEGIN/COMMIT (--skip_trx=on: sysbench otherwise wraps its reads in a
#     transaction, which the proxy rightly keeps on the primary), directly against the primary and
#     through the proxy; the proxy's per-backend statement counters (/backends) show how the reads
#     spread over the two replicas;
#  2. oltp_read_write through the proxy, then directly, counting errors (sysbench's failed and
#     ignored errors).
#
#   bench/sysbench-split.sh [--flavour mariadb|mysql] [--time SECONDS] [--rw-time SECONDS] [--threads N]
#                           [--proxy-config FILE]
#
# --flavour mysql runs the demo on Oracle MySQL 9.7 (installed by scripts/mysql-server.sh).
# Needs a build (mvn -DskipTests package) and sysbench; writes bench/results/split-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
rw_time_s=60
threads=8
proxy_config=()
flavour=mariadb
config_file=none
while [ $# -gt 0 ]; do
  case "$1" in
    --flavour) flavour="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --rw-time) rw_time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --proxy-config) proxy_config+=(--config "$2"); config_file="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v curl > /dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }
proxy_config+=(--flavour "$flavour")
if [ "$flavour" = mysql ]; then
  MYSQL_BIN_DIR="$(scripts/mysql-server.sh)"
  export MYSQL_BIN_DIR
fi
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh

sysbench_prepare
for port in "$primary_port" "$proxy_port"; do
  sysbench oltp_read_only "${sysbench_common[@]}" --skip_trx=on --mysql-port="$port" --threads="$threads" --time=10 run > /dev/null
done

# statements ROLE -> "name=count ..." for every backend of that role, from /backends
statements() {
  curl -fsS "${admin_url}backends" | tr -d ' \n' | grep -o '{"name":"[^"]*"[^}]*"role":"'"$1"'"[^}]*"statements":[0-9]*' \
    | sed 's/{"name":"\([^"]*\)".*"statements":\([0-9]*\)/\1=\2/'
}

# run TEST PORT SECONDS EXTRA... -> prints "qps p95 errors ignored"
run() {
  local test="$1" port="$2" seconds="$3"
  shift 3
  local out
  out="$(sysbench "$test" "${sysbench_common[@]}" "$@" --mysql-port="$port" --threads="$threads" --time="$seconds" \
           --percentile=95 --report-interval=0 run)"
  local -A figures
  sysbench_figures figures "$out"
  echo "${figures[qps]} ${figures[pct_ms]} $(grep -c 'FATAL' <<< "$out" || true) ${figures[ignored]:-0}"
}

read -r d_qps d_p95 _ _ <<< "$(run oltp_read_only "$primary_port" "$time_s" --skip_trx=on)"
before="$(statements replica)"
primary_before="$(statements primary | cut -d= -f2)"
read -r p_qps p_p95 p_err p_ign <<< "$(run oltp_read_only "$proxy_port" "$time_s" --skip_trx=on)"
after="$(statements replica)"
primary_after="$(statements primary | cut -d= -f2)"
read -r rw_qps rw_p95 rw_err rw_ign <<< "$(run oltp_read_write "$proxy_port" "$rw_time_s")"
# The same workload directly, for comparison: deadlocks (1213, which sysbench ignores and retries)
# come from the workload's concurrent transactions, with or without a proxy.
read -r drw_qps drw_p95 drw_err drw_ign <<< "$(run oltp_read_write "$primary_port" "$rw_time_s")"

# Per-replica statements during the read-only run, and their spread around the mean.
spread_rows="$(join -t= <(sort <<< "$before") <(sort <<< "$after") | awk -F= '{ print $1, $3 - $2 }')"
spread="$(awk '{ n[NR] = $2; s += $2 } END { m = s / NR; d = 0;
  for (i in n) { x = (n[i] - m) / m; if (x < 0) x = -x; if (x > d) d = x }
  printf "%.1f%%", 100 * d }' <<< "$spread_rows")"
ratio="$(awk -v p="$p_qps" -v d="$d_qps" 'BEGIN { printf "%.1f%%", 100 * p / d }')"

# server_version: the primary's version, as the proxy logged it at start ("primary ADDRESS is VERSION").
server_version() {
  sed -n 's/.* - primary [0-9.:]* is \(.*\)$/\1/p' "$demo_log" | head -n 1
}

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/split-$stamp.md"
{
  echo "# Read/write splitting under sysbench ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), ${threads} threads, $sysbench_rows rows, prepared statements on;"
  echo "servers ($flavour: $(server_version)), proxy and sysbench on this one machine. Proxy configuration over the"
  echo "demo's: $config_file"
  echo
  echo "## oltp_read_only --skip_trx=on, ${time_s} s"
  echo
  echo "| path | QPS | p95 ms |"
  echo "|---|---|---|"
  echo "| direct to the primary | $d_qps | $d_p95 |"
  echo "| through the proxy (reads on the replicas) | $p_qps | $p_p95 |"
  echo
  echo "QPS ratio proxy/direct: **$ratio**; sysbench errors through the proxy: $p_err fatal, $p_ign ignored."
  echo
  echo "Statements per backend during the proxy run (from /backends):"
  echo
  echo "| backend | statements |"
  echo "|---|---|"
  while read -r name count; do echo "| replica $name | $count |"; done <<< "$spread_rows"
  echo "| primary | $((primary_after - primary_before)) |"
  echo
  echo "Largest deviation of a replica from the replicas' mean: **$spread**."
  echo
  echo "## oltp_read_write, ${rw_time_s} s"
  echo
  echo "| path | QPS | p95 ms | errors (fatal / ignored) |"
  echo "|---|---|---|---|"
  echo "| through the proxy | $rw_qps | $rw_p95 | **$rw_err / $rw_ign** |"
  echo "| direct to the primary | $drw_qps | $drw_p95 | $drw_err / $drw_ign |"
  echo
  echo "QPS ratio proxy/direct: $(awk -v p="$rw_qps" -v d="$drw_qps" 'BEGIN { printf "%.1f%%", 100 * p / d }')."
} > "$report"

cat "$report"
echo
echo "written to $report"
