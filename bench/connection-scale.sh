#!/usr/bin/env bash
# Connection scale: 10,000 idle clients plus 100 busy ones through mysql-proxy, on the local
# replicated test bed. It reports the proxy's resident memory, heap, threads, file descriptors and
# backend connections at each step, and the busy clients' latency with and without the idle ones.
#
#   bench/connection-scale.sh [--idle 10000] [--busy 100] [--rate 2000] [--time 30]
#                             [--hold-extra 10] [--java-opts "..."]
#
# --idle       idle client connections (default 10,000), opened 200 at a time by
#              io.mysqlproxy.bench.IdleClients: each logs in, runs SELECT 1 once and then sends
#              nothing until, after the busy run, SELECT 1 runs on every one again
# --busy       busy clients: sysbench oltp_point_select threads (default 100), prepared statements on
# --rate       their total rate in statements per second (default 2000; 0 = as fast as they can).
#              A fixed rate keeps the machine short of saturation, so that latency measures the
#              proxy rather than the run queue of two shared cores
# --time       seconds per busy run (default 30)
# --java-opts  JVM options of the proxy process (default: none, the launcher's own)
#
# Steps: start the demo (a MariaDB primary and two GTID replicas; its own proxy stays unused),
# start a separate `bin/mysql-proxy run` process in front of the same servers (127.0.0.1:6036,
# admin 9096, client.max-connections above the idle count), warm it up, then:
#   1. busy run without idle clients;
#   2. open the idle clients and hold them;
#   3. busy run while they are held;
#   4. SELECT 1 on every idle client (each borrows a backend connection again), then close them;
#   5. busy run without idle clients again.
# The baseline is the mean of runs 1 and 5 (they bracket run 3 in time, as drift on a shared
# machine moves latency), the target is run 3's p99 within 20% of it.
# The proxy process is sampled (VmRSS, threads, FDs from /proc; heap and pools from /metrics)
# after each step. Writes bench/results/scale-<time>.md.
#
# Needs a build (mvn -DskipTests package); installs sysbench as root when missing. Uses the demo's
# fixed ports 6033/9090 and 6036/9096, which must be free.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

idle=10000
busy=100
rate=2000
time_s=30
java_opts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --idle) idle="$2"; shift 2 ;;
    --busy) busy="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --java-opts) java_opts="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$idle" "$busy" "$rate" "$time_s"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "not a number: $number" >&2; exit 2; }
done

scripts/debian-packages.sh psmisc
compgen -G "bench/target/lib/*.jar" > /dev/null || { echo "build first: mvn -DskipTests package" >&2; exit 1; }
# Every connection is a file descriptor in the proxy and in the idle-client process.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((idle + busy + 2000)) ]; then
  echo "the file descriptor limit ($(ulimit -n)) is too low for $idle idle clients: raise ulimit -Hn" >&2
  exit 1
fi
proxy_config=()  # the demo runs its defaults; its proxy stays unused
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh

# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

work="$(mktemp -d -t connection-scale.XXXXXX)"
idle_pid=""
cleanup() {
  sysbench_stop
  [ -z "$idle_pid" ] || kill "$idle_pid" 2> /dev/null || true
  proxy_process_stop
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT

proxy_process_start 6036 9096 "$java_opts" "client.max-connections = $((idle + busy + 100))"

# sample LABEL: one row of the proxy process's figures.
samples=()
sample() {
  proxy_scrape "$work/scrape"
  local row
  row="| $1 | $(scrape_sum "$work/scrape" mysqlproxy_client_connections) | $(proc_figure VmRSS)"
  row+=" | $(( $(scrape_sum "$work/scrape" jvm_memory_used_bytes 'area="heap"') / 1048576 ))"
  row+=" | $(( $(scrape_sum "$work/scrape" jvm_memory_committed_bytes 'area="heap"') / 1048576 ))"
  row+=" | $(proc_figure Threads) | $(proc_figure FDs)"
  row+=" | $(scrape_sum "$work/scrape" mysqlproxy_backend_connections_open)"
  row+=" | $(scrape_sum "$work/scrape" mysqlproxy_backend_connections_idle)"
  row+=" | $(scrape_sum "$work/scrape" mysqlproxy_backend_pool_waits_total) |"
  samples+=("$row")
  echo "sample: $row"
}

busy_args=("${sysbench_common[@]}" --mysql-port=6036 --threads="$busy" --rate="$rate" --histogram=on
           --mysql-ignore-errors=none)
sysbench_prepare
settle
echo "warming up the proxy: 10 s of oltp_point_select, $busy threads"
sysbench_in_background "$work/warmup" 10 oltp_point_select "${busy_args[@]}" --time=10 --rate=0 run \
  || { cat "$work/warmup" >&2; exit 1; }
sample "warmed up, no idle clients"

runs=()
# busy_run LABEL: the busy clients for --time seconds; appends a row to runs and sets last_p99.
busy_run() {
  local -A figures
  echo "busy run: $1"
  sysbench_in_background "$work/busy" "$time_s" oltp_point_select "${busy_args[@]}" --time="$time_s" run \
    || { cat "$work/busy" >&2; exit 1; }
  sysbench_figures figures "$(cat "$work/busy")"
  last_p99="${figures[p99_ms]}"
  runs+=("| $1 | ${figures[qps]} | ${figures[p50_ms]} | ${figures[p95_ms]} | ${figures[p99_ms]} | ${figures[max_ms]} | ${figures[ignored]:-0} |")
  echo "  ${runs[-1]}"
}

busy_run "1. without idle clients"
before_p99="$last_p99"

echo "opening $idle idle clients"
java -Dio.netty.leakDetection.level=disabled -cp "bench/target/classes:bench/target/lib/*" \
  io.mysqlproxy.bench.IdleClients --port 6036 --connections "$idle" --concurrency 200 \
  --hold "$((time_s + 40))s" > "$work/idle.out" 2> "$work/idle.err" &
idle_pid=$!
for _ in $(seq 1 600); do
  grep -q '^READY' "$work/idle.out" && break
  kill -0 "$idle_pid" 2> /dev/null || { cat "$work/idle.err" >&2; exit 1; }
  sleep 1
done
ready="$(grep '^READY' "$work/idle.out")" || { echo "the idle clients did not open in 10 minutes" >&2; exit 1; }
echo "$ready"
sample "$idle idle clients just opened"
sleep 5
sample "idle clients held 5 s"

busy_run "3. with $idle idle clients held"
with_p99="$last_p99"
sample "after the busy run, idle clients held"

wait "$idle_pid" || { cat "$work/idle.err" >&2; exit 1; }
idle_pid=""
done_line="$(grep '^DONE' "$work/idle.out")"
echo "$done_line"
sleep 2
sample "idle clients ran SELECT 1 again and closed"

busy_run "5. without idle clients, again"
after_p99="$last_p99"
sleep 2
sample "end"

baseline="$(awk -v a="$before_p99" -v b="$after_p99" 'BEGIN { printf "%.3f", (a + b) / 2 }')"
ratio="$(awk -v w="$with_p99" -v b="$baseline" 'BEGIN { printf "%+.1f%%", (w / b - 1) * 100 }')"
ratios="$(awk -v w="$with_p99" -v a="$before_p99" -v b="$after_p99" \
  'BEGIN { printf "%+.1f%% against run 1, %+.1f%% against run 5", (w / a - 1) * 100, (w / b - 1) * 100 }')"
max_rss="$(printf '%s\n' "${samples[@]}" | awk -F'|' '{ if ($4 + 0 > max) max = $4 + 0 } END { print max }')"

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/scale-$stamp.md"
mkdir -p bench/results
{
  echo "# Connection scale, $stamp"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"); $(java -version 2>&1 | head -1)"
  echo "- mysql-proxy: a separate \`bin/mysql-proxy run\` process, JAVA_OPTS=\"${java_opts}\", build of $(date -u -r proxy-app/target/mysql-proxy/lib -Iminutes), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- idle clients: $idle (io.mysqlproxy.bench.IdleClients, 200 logins at a time): $ready; after the hold: $done_line"
  echo "- busy clients: sysbench oltp_point_select, $busy threads, --rate=$rate (0: unthrottled), $time_s s per run, prepared statements"
  echo
  echo "| busy run | QPS | p50 ms | p95 ms | p99 ms | max ms | errors |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${runs[@]}"
  echo
  echo "Busy p99 with the idle clients held: $with_p99 ms against $baseline ms without (the mean of runs 1 and 5): **$ratio** (target: at most +20%; $ratios)."
  echo "Largest resident memory of the proxy: **$max_rss MiB** (target: under 512 MiB)."
  echo
  echo "| proxy sampled | client connections | RSS MiB | heap used MiB | heap committed MiB | threads | FDs | backend connections open | of them idle in the pools | pool waits |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${samples[@]}"
} > "$report"
cat "$report"
echo "written to $report"
