#!/usr/bin/env bash
# High concurrency, direct against proxy with transaction multiplexing (issue 20): sysbench
# oltp_point_select and oltp_read_only --skip_trx=on at --threads clients (1,000 by default),
#   direct  straight to the servers the proxy reads from (the demo's two replicas; --direct), one
#           server connection and one server thread per client (MariaDB's thread-per-connection);
#   proxy   through a `bin/mysql-proxy run` process (127.0.0.1:6047, admin 9107) with
#           backends.pool.multiplexing = transaction and at most --pool-max connections per server,
#           so the same clients share a few dozen server connections,
# back to back in each round, the order alternating from one round to the next (the order alone
# moves a path by several per cent on this machine). It prints QPS, p95 and p99 of each, the ratio
# proxy / direct, the most connections of the app user each server had, and where the CPU went:
# two snapshots inside each measured run give, per statement, the user and system CPU and the
# context switches of the servers, the proxy (by thread group: event loops and the rest) and
# sysbench, and the machine's user, system and softirq time (the kernel's loopback TCP work).
#
#   bench/high-concurrency.sh [--threads 1000] [--time 30] [--warmup 10] [--rounds 2] [--pool-max 16]
#                             [--tests "oltp_point_select oltp_read_only"] [--direct replicas|primary|all]
#                             [--ps-mode auto|disable] [--jit-warmup 30] [--proxy-extra HOCON]
#                              [--proxy-nice N]
#
# --warmup   seconds of each run not measured (sysbench's --report-checkpoints): the clients' logins
#            and, through the proxy, the pool filling up
# --jit-warmup  before the rounds, each test runs this long through the proxy at --threads (the JIT
#            compiles the proxy's hot path for this very load; default 30 s), and 10 s directly at 64
#            threads (the servers' buffer pools)
# --direct   which servers the direct runs connect to, the clients spread over them in turn:
#            replicas (default; where the proxy sends these reads), primary, or all three
# --ps-mode  sysbench's --db-ps-mode, the same on both paths: auto (server-side prepared
#            statements, sysbench's default) or disable (text statements)
# --proxy-extra  more keys under mysql-proxy for the proxy, e.g. "event-loop-threads = 1"
# --proxy-nice   the proxy's niceness (-20..19, default 0). On this one machine the proxy's event loops
#                compete for the 2 cores with every sysbench and server thread; a negative value stands in
#                for the cores a proxy has to itself in a deployment (the figures say which was used)
#
# Needs a build (mvn -DskipTests package) and sysbench; uses the demo's ports 6033/9090 and
# 6047/9107 on 127.0.0.1. Run it with nothing else on the machine:
# flock /tmp/mvn.lock bench/high-concurrency.sh. Writes bench/results/high-concurrency-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

threads=1000
time_s=30
warmup=10
rounds=2
pool_max=16
jit_warmup=30
tests="oltp_point_select oltp_read_only"
direct=replicas
ps_mode=auto
proxy_extra=""
proxy_nice=0
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --pool-max) pool_max="$2"; shift 2 ;;
    --jit-warmup) jit_warmup="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --direct) direct="$2"; shift 2 ;;
    --ps-mode) ps_mode="$2"; shift 2 ;;
    --proxy-extra) proxy_extra="$2"; shift 2 ;;
    --proxy-nice) proxy_nice="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$threads" "$time_s" "$warmup" "$rounds" "$pool_max" "$jit_warmup"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "not a number: $number" >&2; exit 2; }
done
[[ "$proxy_nice" =~ ^-?[0-9]+$ ]] || { echo "--proxy-nice is a number from -20 to 19" >&2; exit 2; }
if [ "$warmup" -lt 1 ] || [ "$time_s" -lt 6 ]; then
  echo "--warmup must be at least 1 and --time at least 6" >&2
  exit 2
fi
case "$direct" in replicas | primary | all) ;; *) echo "--direct is replicas, primary or all" >&2; exit 2 ;; esac
case "$ps_mode" in disable | auto) ;; *) echo "--ps-mode is disable or auto" >&2; exit 2 ;; esac
for test in $tests; do
  case "$test" in oltp_point_select | oltp_read_only) ;; *) echo "unknown test $test" >&2; exit 2 ;; esac
done

scripts/debian-packages.sh iproute2
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((2 * threads + 1000)) ]; then
  echo "the file descriptor limit ($(ulimit -n)) is too low for $threads clients: raise ulimit -Hn" >&2
  exit 1
fi
# bin/mysql-proxy runs the build in MYSQL_PROXY_HOME (a folder holding lib/*.jar), else this checkout's.
proxy_home="${MYSQL_PROXY_HOME:-proxy-app/target/mysql-proxy}"
# A build that does not know the key would ignore it and run the proxy unmultiplexed.
if ! unzip -p "$proxy_home"/lib/proxy-core-*.jar reference.conf 2> /dev/null | grep -q '^ *multiplexing *='; then
  echo "this build has no backends.pool.multiplexing (proxy-core's reference.conf): the proxy would not multiplex" >&2
  exit 1
fi

proxy_config=()  # the demo runs its defaults; its proxy stays unused
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh
# shellcheck source=bench/lib/connection-sampler.sh
source bench/lib/connection-sampler.sh
# shellcheck source=bench/lib/cpu-accounting.sh
source bench/lib/cpu-accounting.sh

work="$(mktemp -d -t high-concurrency.XXXXXX)"
cleanup() {
  sysbench_stop
  proxy_process_stop
  server_samplers_stop
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT

server_ports="$primary_port $replica_ports"
case "$direct" in
  replicas) direct_ports="$(echo "$replica_ports" | xargs | tr ' ' ',')" ;;
  primary) direct_ports="$primary_port" ;;
  all) direct_ports="$(echo "$server_ports" | xargs | tr ' ' ',')" ;;
esac
sysbench_prepare
settle
# Thread-per-connection needs room for every client on the servers the direct runs reach.
for port in $server_ports; do
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -ptestbed-root -e "SET GLOBAL max_connections = $((threads + 200))"
done
# The servers' processes: whoever listens on their ports.
server_pids=""
for port in $server_ports; do
  server_pids+=" $(ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
done

proxy_process_start 6047 9107 "" "client { max-connections = $((threads + 100)), max-handshakes = $((threads + 100)),
    max-handshakes-per-address = $((threads + 100)) }
  backends.pool { max-connections = $pool_max, multiplexing = transaction }
  $proxy_extra"
# Generous: rounds x tests x 2 paths x (time + warm-up + a minute) plus the warm-ups.
# shellcheck disable=SC2086 # one port per word
server_sampler_start "$work" $((rounds * 4 * (time_s + warmup + 60) + 300)) $server_ports

sysbench_args=("${sysbench_common[@]}" --db-ps-mode="$ps_mode" --skip_trx=on --histogram=on
               --mysql-ignore-errors=none)
for test in $tests; do
  echo "warming up: $test, 10 s directly at 64 threads, $jit_warmup s through the proxy at $threads"
  for ports in "$direct_ports" 6047; do
    seconds=10
    [ "$ports" = "$direct_ports" ] || seconds="$jit_warmup"
    sysbench "$test" "${sysbench_args[@]}" --mysql-port="$ports" --threads=$((ports == 6047 ? threads : 64)) \
      --time="$seconds" run > "$work/warmup" 2>&1 || { grep -m 5 -E '^FATAL' "$work/warmup" >&2; exit 1; }
  done
done

rows=()
cpu_notes=()
declare -A qps_sum
# one_run TEST PATH PORTS: a measured run; a row in rows, its CPU breakdown in cpu_notes.
one_run() {
  local test="$1" path="$2" ports="$3" out="$work/$1-$2.out" from to port connections="" app_max
  local -A figures
  settle
  from="$EPOCHREALTIME"
  sysbench "$test" "${sysbench_args[@]}" --mysql-port="$ports" --threads="$threads" \
    --time=$((warmup + time_s)) --report-checkpoints="$warmup" run > "$out" 2>&1 &
  sysbench_pid=$!
  local specs=("sysbench:$sysbench_pid" "proxy:$proxy_pid") pid
  for pid in $server_pids; do specs+=("server-$pid:$pid"); done
  cpu_snapshots_during "$work/before" "$work/after" $((warmup + 1)) $((time_s - 3)) "${specs[@]}"
  wait "$sysbench_pid" || { sysbench_pid=""; grep -E '^FATAL' "$out" | head -5 >&2; exit 1; }
  sysbench_pid=""
  to="$EPOCHREALTIME"
  sysbench_figures figures "$(cat "$out")"
  qps_sum[$test,$path]="$(awk -v a="${qps_sum[$test,$path]:-0}" -v b="${figures[qps]}" 'BEGIN { print a + b }')"
  for port in $server_ports; do
    read -r _ app_max <<< "$(server_max "$work/server-$port" "$from" "$to")"
    connections+="${connections:+ / }$app_max"
  done
  rows+=("| $test | $round | $path | ${figures[qps]} | ${figures[p95_ms]} | ${figures[p99_ms]} | ${figures[max_ms]} | $connections |")
  echo "  ${rows[-1]}"
  cpu_notes+=("$test, round $round, $path: ${figures[qps]} QPS" "$(cpu_per_statement "$work/before" "$work/after" "${figures[qps]}" proxy)")
}

for test in $tests; do
  for round in $(seq 1 "$rounds"); do
    echo "$test, round $round of $rounds"
    if [ $((round % 2)) -eq 1 ]; then
      one_run "$test" direct "$direct_ports"
      one_run "$test" proxy 6047
    else
      one_run "$test" proxy 6047
      one_run "$test" direct "$direct_ports"
    fi
  done
done
proxy_scrape "$work/metrics"
server_samplers_stop

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/high-concurrency-$stamp.md"
mkdir -p bench/results
{
  echo "# High concurrency: direct against the proxy with transaction multiplexing ($stamp)"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(sysbench --version);"
  echo "  servers, proxy and sysbench on it; MariaDB primary 127.0.0.1:$primary_port, replicas $replica_ports"
  echo "- commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2> /dev/null || echo ' (with local changes)'),"
  echo "  build of $(date -u -r "$proxy_home/lib" -Iminutes) in $proxy_home"
  echo "- $threads sysbench threads, $time_s s measured after $warmup s, \`--db-ps-mode=$ps_mode --skip_trx=on\`, $sysbench_rows rows;"
  echo "  direct: to $direct ($direct_ports), one server connection per client; proxy: \`backends.pool { max-connections ="
  echo "  $pool_max, multiplexing = transaction }\`${proxy_extra:+, \`$proxy_extra\`}, proxy niceness $proxy_nice"
  echo
  echo "| test | round | path | QPS | p95 ms | p99 ms | max ms | most app connections per server: primary / replicas |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  for test in $tests; do
    awk -v t="$test" -v p="${qps_sum[$test,proxy]}" -v d="${qps_sum[$test,direct]}" \
      'BEGIN { printf "%s: proxy / direct QPS over the rounds **%.3f**\n\n", t, p / d }'
  done
  echo "Where the CPU went, per statement, between two snapshots inside each measured run:"
  echo
  echo '```'
  printf '%s\n' "${cpu_notes[@]}"
  echo '```'
  echo
  echo "The proxy's pool at the end (\`mysqlproxy_backend_pool_waits_total\`, \`..._wait_timeouts_total\`):" \
    "$(scrape_sum "$work/metrics" mysqlproxy_backend_pool_waits_total) waits," \
    "$(scrape_sum "$work/metrics" mysqlproxy_backend_pool_wait_timeouts_total) timeouts."
} > "$report"
cat "$report"
echo "written to $report"
