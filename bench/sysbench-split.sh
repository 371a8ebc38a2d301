#!/usr/bin/env bash
# Read/write splitting under sysbench, on the local replicated test bed (demo proxy):
#  1. oltp_read_only without BEGIN/COMMIT (--skip_trx=on: sysbench otherwise wraps its reads in a
#     transaction, which the proxy rightly keeps on the primary), directly against the primary and
#     through the proxy; the proxy's per-backend statement counters (/backends) show how the reads
#     spread over the two replicas;
#  2. oltp_read_write through the proxy, counting errors (sysbench's failed and ignored errors).
#
#   bench/sysbench-split.sh [--time SECONDS] [--rw-time SECONDS] [--threads N] [--proxy-config FILE]
#
# Needs a build (mvn -DskipTests package) and sysbench; writes bench/results/split-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
rw_time_s=60
threads=8
table_size=10000
tables=4
proxy_config=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --rw-time) rw_time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--config "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v sysbench > /dev/null || { echo "sysbench is missing: apt-get install -y sysbench" >&2; exit 1; }
command -v curl > /dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }
compgen -G "proxy-app/target/mysql-proxy/lib/*.jar" > /dev/null \
  || { echo "build first: mvn -DskipTests package" >&2; exit 1; }

log="$(mktemp -t mysql-proxy-split.XXXXXX.log)"
bin/mysql-proxy demo "${proxy_config[@]}" > "$log" 2>&1 &
demo_pid=$!
cleanup() {
  kill "$demo_pid" 2> /dev/null || true
  wait "$demo_pid" 2> /dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  grep -q "proxy     127.0.0.1:" "$log" && break
  kill -0 "$demo_pid" 2> /dev/null || { cat "$log" >&2; exit 1; }
  sleep 1
done
primary_port="$(sed -n 's/^  primary   127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")"
proxy_port="$(sed -n 's/^  proxy     127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")"
admin_url="$(grep -o 'http://[0-9.]*:[0-9]*/' "$log" | head -1)"
if [ -z "$primary_port" ] || [ -z "$proxy_port" ] || [ -z "$admin_url" ]; then
  cat "$log" >&2
  exit 1
fi

common=(--mysql-host=127.0.0.1 --mysql-user=app --mysql-password=app-secret --mysql-db=app
        --tables="$tables" --table-size="$table_size" --db-ps-mode=auto)
sysbench oltp_read_write "${common[@]}" --mysql-port="$primary_port" prepare > /dev/null
for port in "$primary_port" "$proxy_port"; do
  sysbench oltp_read_only "${common[@]}" --skip_trx=on --mysql-port="$port" --threads="$threads" --time=10 run > /dev/null
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
  out="$(sysbench "$test" "${common[@]}" "$@" --mysql-port="$port" --threads="$threads" --time="$seconds" \
           --percentile=95 --report-interval=0 run)"
  local qps p95 errors ignored
  qps="$(sed -n 's/^ *queries: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' <<< "$out")"
  p95="$(sed -n 's/^ *95th percentile: *\([0-9.]*\)/\1/p' <<< "$out")"
  errors="$(grep -c 'FATAL' <<< "$out" || true)"
  ignored="$(sed -n 's/^ *ignored errors: *\([0-9]*\).*/\1/p' <<< "$out")"
  echo "$qps $p95 $errors ${ignored:-0}"
}

read -r d_qps d_p95 _ _ <<< "$(run oltp_read_only "$primary_port" "$time_s" --skip_trx=on)"
before="$(statements replica)"
primary_before="$(statements primary | cut -d= -f2)"
read -r p_qps p_p95 p_err p_ign <<< "$(run oltp_read_only "$proxy_port" "$time_s" --skip_trx=on)"
after="$(statements replica)"
primary_after="$(statements primary | cut -d= -f2)"
read -r rw_qps rw_p95 rw_err rw_ign <<< "$(run oltp_read_write "$proxy_port" "$rw_time_s")"

# Per-replica statements during the read-only run, and their spread around the mean.
spread_rows="$(join -t= <(sort <<< "$before") <(sort <<< "$after") | awk -F= '{ print $1, $3 - $2 }')"
spread="$(awk '{ n[NR] = $2; s += $2 } END { m = s / NR; d = 0;
  for (i in n) { x = (n[i] - m) / m; if (x < 0) x = -x; if (x > d) d = x }
  printf "%.1f%%", 100 * d }' <<< "$spread_rows")"
ratio="$(awk -v p="$p_qps" -v d="$d_qps" 'BEGIN { printf "%.1f%%", 100 * p / d }')"

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/split-$stamp.md"
{
  echo "# Read/write splitting under sysbench ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), ${threads} threads, ${tables}x${table_size} rows, prepared statements on;"
  echo "servers, proxy and sysbench on this one machine. Proxy configuration over the demo's: ${proxy_config[1]:-none}"
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
  echo "## oltp_read_write through the proxy, ${rw_time_s} s"
  echo
  echo "QPS $rw_qps, p95 $rw_p95 ms; errors: **$rw_err fatal, $rw_ign ignored**."
} > "$report"

cat "$report"
echo
echo "written to $report"
