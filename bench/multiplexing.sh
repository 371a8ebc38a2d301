#!/usr/bin/env bash
# Scale bench of transaction multiplexing (issue 20): many concurrent clients, each sending point
# selects and autocommit updates at a steady rate, through a proxy whose pool may open at most
# --pool-max connections per server, in front of servers whose max_connections is far below the
# client count. Three runs, one proxy process each (127.0.0.1:6046, admin 9106), in this order:
#
#   reference    --reference-clients clients, no multiplexing (sessions keep their backend
#                connections while busy, return-after-idle): the latency to compare with;
#   multiplexed  --clients clients, backends.pool.multiplexing = transaction: a connection goes back
#                to the pool at every transaction boundary. Target: no client error, at most
#                --pool-max connections per server at any time, p99 at most twice the reference's;
#   idle         --clients clients, no multiplexing: how it fails.
#
#   bench/multiplexing.sh [--clients 2000] [--reference-clients 100] [--per-client-rate 10]
#                         [--reference-rate RATE]
#                         [--time 60] [--warmup 20] [--pool-max 100] [--server-max-connections 200]
#                         [--update-percent 20] [--ps-mode disable|auto] [--statement-at-login]
#                         [--consistency session|eventual|global|strong]
#                         [--runs "reference multiplexed idle"] [--proxy-extra HOCON]
#                          [--proxy-nice N]
#
# --per-client-rate  statements per second per client; sysbench runs --threads=CLIENTS
#                    --rate=CLIENTS x RATE, one statement per event (bench/lib/point-select-update.lua:
#                    a point select, or an autocommit UPDATE ... SET k = k + 1 with --update-percent).
#                    Its rate is one Poisson stream shared by the threads, each event taken by a free
#                    thread, so a client's own rate is RATE on average; its latency counts the time an
#                    event waited in that queue, so a proxy that falls behind shows in it
#                    (a decimal, e.g. 0.5)
# --reference-rate   statements per second per reference client (default: --per-client-rate). With
#                    --per-client-rate 0.5 --reference-rate 10, 2,000 and 100 clients ask the same
#                    1,000 statements/s in all: the reference then differs by the client count only,
#                    on a machine that cannot carry 2,000 clients at the reference's own rate
# --time, --warmup   seconds measured, after seconds of the same load not measured (sysbench's
#                    --report-checkpoints resets its figures then: the logins, the pool filling up and
#                    the backlog of events they queued); failed statements and connection figures count
#                    from the first login to the end. Before that, 10 s of the same statements as fast as
#                    --pool-max / 2 clients can go, so that the JIT has compiled the proxy's hot path
# --ps-mode          sysbench's --db-ps-mode. disable (the default) sends text statements, as most
#                    pooled drivers do by default; auto prepares them on the server (COM_STMT_PREPARE)
# --consistency      the proxy's routing.consistency (default: session, the proxy's own default: a
#                    read after the session's write waits for a replica to apply it, or goes to the
#                    primary)
# --statement-at-login  each client runs SELECT 1 right after its login, as drivers that read the
#                    server's settings at connect do (Connector/J); sysbench alone sends nothing until
#                    every client has logged in
#
# --proxy-extra      more keys under mysql-proxy for every run's proxy, e.g. "event-loop-threads = 1"
# --proxy-nice       the proxy's niceness (-20..19, default 0). On this one machine the proxy's event loops
#                    compete for the 2 cores with every sysbench and server thread; a negative value stands in
#                    for the cores a proxy has to itself in a deployment (the figures say which was used)
#
# Every statement error is counted, not fatal (--mysql-ignore-errors=all; a lost connection is
# reconnected, with bench/lib/sysbench-reconnect.c preloaded), and counted per error code. Each
# server's Threads_connected and connections of the app user are sampled every 200 ms over one root
# connection; the proxy's mysqlproxy_backend_connections_open every 500 ms, pool waits and timeouts
# before and after each run. Writes bench/results/multiplexing-<time>.md.
#
# Needs a build (mvn -DskipTests package), sysbench and cc; uses the demo's ports 6033/9090 and
# 6046/9106 on 127.0.0.1. Run it with nothing else on the machine: flock /tmp/mvn.lock bench/multiplexing.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clients=2000
reference_clients=100
per_client_rate=10
reference_rate=""
time_s=60
warmup=20
pool_max=100
server_max_connections=200
update_percent=20
ps_mode=disable
proxy_extra=""
proxy_nice=0
statement_at_login=off
consistency=session
runs="reference multiplexed idle"
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --reference-clients) reference_clients="$2"; shift 2 ;;
    --per-client-rate) per_client_rate="$2"; shift 2 ;;
    --reference-rate) reference_rate="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --pool-max) pool_max="$2"; shift 2 ;;
    --server-max-connections) server_max_connections="$2"; shift 2 ;;
    --update-percent) update_percent="$2"; shift 2 ;;
    --ps-mode) ps_mode="$2"; shift 2 ;;
    --proxy-extra) proxy_extra="$2"; shift 2 ;;
    --proxy-nice) proxy_nice="$2"; shift 2 ;;
    --statement-at-login) statement_at_login=on; shift ;;
    --consistency) consistency="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
reference_rate="${reference_rate:-$per_client_rate}"
for rate in "$per_client_rate" "$reference_rate"; do
  [[ "$rate" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "not a rate: $rate" >&2; exit 2; }
done
for number in "$clients" "$reference_clients" "$time_s" "$warmup" "$pool_max" \
  "$server_max_connections" "$update_percent"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "not a number: $number" >&2; exit 2; }
done
[[ "$proxy_nice" =~ ^-?[0-9]+$ ]] || { echo "--proxy-nice is a number from -20 to 19" >&2; exit 2; }
[ "$warmup" -ge 1 ] || { echo "--warmup must be at least 1 (sysbench's checkpoint)" >&2; exit 2; }
case "$ps_mode" in disable | auto) ;; *) echo "--ps-mode is disable or auto" >&2; exit 2 ;; esac
case "$consistency" in
  session | eventual | global | strong) ;;
  *) echo "--consistency is session, eventual, global or strong" >&2; exit 2 ;;
esac
for run in $runs; do
  case "$run" in reference | multiplexed | idle) ;; *) echo "unknown run $run" >&2; exit 2 ;; esac
done

scripts/debian-packages.sh psmisc
command -v cc > /dev/null || { echo "cc is missing: apt-get install -y gcc" >&2; exit 1; }
# Every client is a file descriptor in sysbench and in the proxy.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((clients + 1000)) ]; then
  echo "the file descriptor limit ($(ulimit -n)) is too low for $clients clients: raise ulimit -Hn" >&2
  exit 1
fi
# bin/mysql-proxy runs the build in MYSQL_PROXY_HOME (a folder holding lib/*.jar), else this checkout's.
proxy_home="${MYSQL_PROXY_HOME:-proxy-app/target/mysql-proxy}"
# A build that does not know the key would ignore it and run the multiplexed run unmultiplexed.
if [[ " $runs " == *" multiplexed "* ]] \
  && ! unzip -p "$proxy_home"/lib/proxy-core-*.jar reference.conf 2> /dev/null | grep -q '^ *multiplexing *='; then
  echo "this build has no backends.pool.multiplexing (proxy-core's reference.conf): the multiplexed run would not multiplex" >&2
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

work="$(mktemp -d -t multiplexing.XXXXXX)"
cleanup() {
  sysbench_stop
  pool_sampler_stop
  proxy_process_stop
  server_samplers_stop
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT
cc -O2 -shared -fPIC -o "$work/sysbench-reconnect.so" bench/lib/sysbench-reconnect.c -ldl

server_ports="$primary_port $replica_ports"
sysbench_prepare
settle
for port in $server_ports; do
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -ptestbed-root \
    -e "SET GLOBAL max_connections = $server_max_connections"
done
# shellcheck disable=SC2086 # one port per word
server_sampler_start "$work" $((3 * (warmup + time_s + 180))) $server_ports
sleep 1

rows=()
notes=()
# one_run NAME CLIENTS RATE HOCON: a proxy process with HOCON, sysbench's clients through it at RATE
# statements/s each; a table row in rows, what failed in notes. Sets run_p99 and run_errors.
one_run() {
  local name="$1" threads="$2" rate="$3" hocon="$4" out="$work/$1.out" status=0 from to port row
  local -A figures
  echo "run $name: $threads clients at $rate statements/s each, $hocon"
  settle
  # The proxy admits the clients all at once: all of them from one address, all in the handshake
  # together at sysbench's start.
  proxy_process_start 6046 9106 "" "client { max-connections = $((threads + 100)), max-handshakes = $((threads + 100)),
    max-handshakes-per-address = $((threads + 100)) }
  backends.pool { max-connections = $pool_max }
  routing.consistency = $consistency
  $proxy_extra
  $hocon"
  # The JIT compiles the proxy's hot path in the first seconds of load: not in the measured run.
  sysbench bench/lib/point-select-update.lua "${sysbench_common[@]}" --db-ps-mode="$ps_mode" --mysql-port=6046 \
    --threads=$((pool_max / 2)) --time=10 --point_selects=1 --index_updates=1 \
    --update_percent="$update_percent" run > "$work/$name.jit" 2>&1 || { cat "$work/$name.jit" >&2; exit 1; }
  proxy_scrape "$work/$name.before"
  pool_sampler_start "$work/$name.pool" "$proxy_admin" $((warmup + time_s + 180))
  from="$EPOCHREALTIME"
  LD_PRELOAD="$work/sysbench-reconnect.so" sysbench_in_background "$out" $((warmup + time_s)) \
    bench/lib/point-select-update.lua "${sysbench_common[@]}" --db-ps-mode="$ps_mode" --mysql-port=6046 \
    --threads="$threads" --rate="$(awk -v c="$threads" -v r="$rate" 'BEGIN { printf "%.0f", c * r }')" --time=$((warmup + time_s)) \
    --report-checkpoints="$warmup" --report-interval=5 --histogram=on --point_selects=1 --index_updates=1 \
    --update_percent="$update_percent" --statement_at_login="$statement_at_login" \
    --mysql-ignore-errors=all --verbosity=5 run || status=$?
  to="$EPOCHREALTIME"
  sleep 1
  pool_sampler_stop
  proxy_scrape "$work/$name.after"
  cp "$proxy_log" "$work/$name.log"
  proxy_process_stop

  sysbench_figures figures "$(cat "$out")"
  local failed fatal
  failed="$(sysbench_failures "$out")"
  run_errors="$(awk '{ s += $NF } END { print s + 0 }' <<< "$failed")"
  run_p99="${figures[p99_ms]:-}"
  fatal="$(grep '^FATAL' "$out" | sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -3 \
    | awk '{ $1 = $1 " x"; print }' | paste -sd ';' || true)"
  row="| $name | $threads | ${figures[qps]:-?} | ${figures[p50_ms]:-?} | ${figures[p95_ms]:-?}"
  # A client whose login fails ends sysbench's start (thread_init), before any statement.
  local failed_logins
  failed_logins="$(grep -c '^FATAL: unable to connect' "$out" || true)"
  row+=" | ${figures[p99_ms]:-?} | ${figures[max_ms]:-?} | **$run_errors** ($(sysbench_failures_by_code "$failed"))"
  row+=" | **$failed_logins**"
  local connections="" open="" threads_max app_max
  for port in $server_ports; do
    read -r threads_max app_max <<< "$(server_max "$work/server-$port" "$from" "$to")"
    connections+="${connections:+ / }$app_max ($threads_max)"
    open+="${open:+ / }$(pool_max "$work/$name.pool" "127.0.0.1:$port" "$from" "$to")"
  done
  local waits timeouts
  waits=$(( $(scrape_sum "$work/$name.after" mysqlproxy_backend_pool_waits_total) \
    - $(scrape_sum "$work/$name.before" mysqlproxy_backend_pool_waits_total) ))
  timeouts=$(( $(scrape_sum "$work/$name.after" mysqlproxy_backend_pool_wait_timeouts_total) \
    - $(scrape_sum "$work/$name.before" mysqlproxy_backend_pool_wait_timeouts_total) ))
  row+=" | $connections | $open | $waits | $timeouts | $status |"
  rows+=("$row")
  echo "  $row"
  run_errors=$((run_errors + failed_logins))
  if [ -n "$fatal" ] || [ "$status" -ne 0 ] || [ "$run_errors" -gt 0 ]; then
    notes+=("- $name: sysbench exit status $status; ${fatal:-no FATAL line}; the proxy's warnings and errors"
      "  (numbers as N): $(grep -E ' (WARN|ERROR) ' "$work/$name.log" | cut -d' ' -f3- | sed -E 's/[0-9]+/N/g' \
      | sort | uniq -c | sort -rn | head -4 | awk '{ $1 = $1 " x"; print }' | paste -sd ';' || true)")
  fi
}

idle_hocon="backends.pool.multiplexing = idle"
multiplexed_hocon="backends.pool.multiplexing = transaction"
reference_p99=""
multiplexed_p99=""
multiplexed_errors=""
for run in $runs; do
  case "$run" in
    reference) one_run reference "$reference_clients" "$reference_rate" "$idle_hocon"; reference_p99="$run_p99" ;;
    multiplexed) one_run multiplexed "$clients" "$per_client_rate" "$multiplexed_hocon"; multiplexed_p99="$run_p99"; multiplexed_errors="$run_errors" ;;
    idle) one_run idle "$clients" "$per_client_rate" "$idle_hocon" ;;
  esac
done
server_samplers_stop

verdict=""
if [ -n "$multiplexed_p99" ] && [ -n "$reference_p99" ]; then
  verdict="$(awk -v m="$multiplexed_p99" -v r="$reference_p99" -v e="$multiplexed_errors" 'BEGIN {
    printf "multiplexed p99 %s ms against the reference'"'"'s %s ms: **%.2f x** (target: at most 2 x); client errors (failed statements and logins): **%d** (target: 0)", m, r, m / r, e }')"
fi

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/multiplexing-$stamp.md"
mkdir -p bench/results
{
  echo "# Transaction multiplexing at scale ($stamp)"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(sysbench --version);"
  echo "  servers, proxy and sysbench on it; MariaDB primary 127.0.0.1:$primary_port, replicas $replica_ports"
  echo "- commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2> /dev/null || echo ' (with local changes)'),"
  echo "  build of $(date -u -r "$proxy_home/lib" -Iminutes) in $proxy_home; a separate \`bin/mysql-proxy run\` process per run"
  echo "- servers: \`max_connections = $server_max_connections\`; proxy: \`backends.pool.max-connections = $pool_max\`,"
  echo "  \`routing.consistency = $consistency\`${proxy_extra:+, \`$proxy_extra\`}, proxy niceness $proxy_nice"
  echo "- load: bench/lib/point-select-update.lua, $update_percent% autocommit index updates, the rest point"
  echo "  selects, $per_client_rate statements/s per client (reference: $reference_rate; \`--rate\` = clients x rate), \`--db-ps-mode=$ps_mode\`,"
  echo "  $time_s s measured after $warmup s of warm-up; $sysbench_rows rows; SELECT 1 right after each login: $statement_at_login"
  echo
  echo "| run | clients | QPS | p50 ms | p95 ms | p99 ms | max ms | failed statements (by code) | failed logins | most app connections per server: primary / replicas (Threads_connected) | most pooled connections open per server | pool waits | pool wait timeouts | sysbench exit |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  [ -z "$verdict" ] || echo "$verdict."
  if [ "${#notes[@]}" -gt 0 ]; then
    echo
    echo "What failed:"
    echo
    printf '%s\n' "${notes[@]}"
  fi
  echo
  echo "Latency and QPS are sysbench's for the measured seconds; failed statements and connections count the"
  echo "whole run from the first login. App connections are the servers' own count (PROCESSLIST, user app),"
  echo "sampled every 200 ms; Threads_connected adds replication, the health monitors' and the sampler's."
} > "$report"
cat "$report"
echo "written to $report"
