#!/usr/bin/env bash
# What global consistency costs reads (issue 17): the same build of mysql-proxy twice, as two
# `bin/mysql-proxy run` processes in front of the demo's servers, identical but for
# `routing.consistency`: `eventual` (port 6044) and `global` (port 6045: every read learns the
# primary's GTID position from a lookup shared by all reads, then waits for it on its replica).
# sysbench oltp_read_only --skip_trx=on (without it sysbench wraps the reads in transactions, which
# stay on the primary under any consistency) runs through each, back to back, in both orders, so
# that the drift of this shared machine and the order itself show. Prints each side's QPS and p95,
# the ratio global / eventual, and from the global proxy's /metrics the position lookups, the reads
# each served, the reads that waited on a replica and those that fell back to the primary.
#
#   bench/global-consistency.sh [--time SECONDS] [--warmup SECONDS] [--threads N] [--lookup-interval DURATION]
#
# --time (default 20) bounds each measured run, --warmup (default 5) a run through each proxy
# before anything is measured; --lookup-interval sets the global proxy's
# routing.consistency-lookup-interval (default: reference.conf's). The whole takes about 4 × --time + 2 × --warmup plus the demo's
# start (some 30 s). Needs a build (mvn -DskipTests package) and sysbench; MariaDB (the demo's
# default). Uses the demo's ports 6033/9090 and 6044, 6045, 9104 and 9105 on 127.0.0.1. Writes
# bench/results/global-consistency-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=20
warmup=5
threads=8
lookup_interval=""
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --lookup-interval) lookup_interval="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$time_s" "$warmup" "$threads"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "--time, --warmup and --threads take whole numbers, not '$number'" >&2; exit 2; }
done
command -v curl > /dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }

proxy_config=()
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

# The two proxies: proxy-process.sh keeps one process's pid, log and admin URL; this keeps both.
declare -A port=([eventual]=6044 [global]=6045)
declare -A pids=() logs=() admins=()
stop_proxies() {
  local side
  for side in "${!pids[@]}"; do
    kill "${pids[$side]}" 2> /dev/null || true
    wait "${pids[$side]}" 2> /dev/null || true
    rm -f "${logs[$side]}" "${logs[$side]%.log}.conf"
  done
}
trap 'sysbench_stop; stop_proxies; stop_demo' EXIT

admin_port=9104
for side in eventual global; do
  extra="routing.consistency = $side"
  [ "$side" = eventual ] || [ -z "$lookup_interval" ] || extra+=$'\n'"routing.consistency-lookup-interval = $lookup_interval"
  proxy_process_start "${port[$side]}" "$admin_port" "" "$extra"
  pids[$side]="$proxy_pid"
  logs[$side]="$proxy_log"
  admins[$side]="$proxy_admin"
  admin_port=$((admin_port + 1))
done
# A build without global consistency would refuse the key's value at start; this one must accept it
# from a session too (the proxy answers SET proxy_consistency itself).
mariadb -h127.0.0.1 -P"${port[global]}" -uapp -papp-secret app --skip-ssl -Nse "SET proxy_consistency = 'global'" \
  || { echo "the proxy on ${port[global]} does not know global consistency" >&2; exit 1; }

sysbench_prepare
settle
for side in eventual global; do
  sysbench oltp_read_only "${sysbench_common[@]}" --skip_trx=on --mysql-port="${port[$side]}" \
    --threads="$threads" --time="$warmup" run > /dev/null
done

# figure SIDE NAME: the sum of the samples of metric NAME on that proxy's /metrics.
figure() {
  local scrape
  scrape="$(mktemp -t global-consistency.XXXXXX.prom)"
  curl -fs "${admins[$1]}/metrics" > "$scrape"
  scrape_sum "$scrape" "$2"
  rm -f "$scrape"
}

# run SIDE -> "qps p95 outcome", one measured oltp_read_only run through that proxy (outcome: ok, or
# failed with sysbench's exit status)
run() {
  local output status=0 outcome=ok
  output="$(mktemp -t global-consistency.XXXXXX.log)"
  sysbench_in_background "$output" "$time_s" oltp_read_only "${sysbench_common[@]}" --skip_trx=on \
    --mysql-port="${port[$1]}" --threads="$threads" --time="$time_s" --percentile=95 --report-interval=0 run \
    || status=$?
  [ "$status" -eq 0 ] || outcome="failed($status)"
  local -A figures=()
  sysbench_figures figures "$(cat "$output")"
  echo "${figures[qps]:-0} ${figures[pct_ms]:--} $outcome"
  rm -f "$output"
}

rows=""
lookups_before="$(figure global mysqlproxy_global_position_lookups_total)"
reads_before="$(figure global mysqlproxy_global_position_reads_per_lookup_sum)"
waits_before="$(figure global mysqlproxy_global_consistency_waits_total)"
fallbacks_before="$(figure global mysqlproxy_global_consistency_fallbacks_total)"
for order in "eventual global" "global eventual"; do
  declare -A qps=() p95=() outcome=()
  for side in $order; do
    settle
    read -r "qps[$side]" "p95[$side]" "outcome[$side]" <<< "$(run "$side")"
  done
  ratio="$(awk -v g="${qps[global]}" -v e="${qps[eventual]}" 'BEGIN { printf (e > 0 ? "%.3f" : "-"), g / e }')"
  rows+="| ${order%% *} first | $(printf '%.0f' "${qps[eventual]}") (${p95[eventual]}) | $(printf '%.0f' "${qps[global]}") (${p95[global]}) | **$ratio** | ${outcome[eventual]} / ${outcome[global]} |"$'\n'
done
lookups=$(($(figure global mysqlproxy_global_position_lookups_total) - lookups_before))
reads=$(($(figure global mysqlproxy_global_position_reads_per_lookup_sum) - reads_before))
waits=$(($(figure global mysqlproxy_global_consistency_waits_total) - waits_before))
fallbacks=$(($(figure global mysqlproxy_global_consistency_fallbacks_total) - fallbacks_before))
per_lookup="$(awk -v r="$reads" -v l="$lookups" 'BEGIN { printf (l > 0 ? "%.1f" : "-"), r / l }')"

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/global-consistency-$stamp.md"
{
  echo "# Global consistency: oltp_read_only through routing.consistency = global / eventual ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), $threads threads, $sysbench_rows rows, prepared statements on,"
  echo "--skip_trx=on, $time_s s per run after $warmup s of warm-up through each proxy; MariaDB demo servers, the two"
  echo "proxies and sysbench on this one machine; routing.consistency-lookup-interval ${lookup_interval:-as in reference.conf}."
  echo
  echo "| order | eventual QPS (p95 ms) | global QPS (p95 ms) | global / eventual | sysbench (eventual / global) |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  echo "Global proxy over both measured runs: $lookups position lookups for $reads reads ($per_lookup reads per"
  echo "lookup), $waits replica waits, $fallbacks fallbacks to the primary."
} > "$report"
cat "$report"
echo
echo "written to $report"
