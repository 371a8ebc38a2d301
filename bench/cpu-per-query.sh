#!/usr/bin/env bash
# Where the CPU of one statement goes: sysbench oltp_point_select at 8 threads, directly against the
# primary and then through the demo's proxy, back to back, with the CPU time each process used
# (utime + stime from /proc) divided by the statements run. For the proxy's JVM it also splits
# user (JVM) and kernel time per thread, so that the cost of the hop (the kernel's loopback TCP
# work) shows apart from the cost of the proxy's own code.
#
#   bench/cpu-per-query.sh [--time SECONDS] [--rounds N] [--proxy-config FILE]
#
# --time          seconds per measured run (default 15), after 5 s of the same load unmeasured
#                 (and 15 s on each path before the first, for the JIT)
# --rounds        direct/proxy pairs (default 2)
# --proxy-config  HOCON over the demo proxy's configuration, e.g. a file with
#                 `mysql-proxy.backends.replicas = []` to read from the primary as direct does
#
# Needs a build (mvn -DskipTests package) and sysbench; uses the demo's ports 6033 and 9090.
# Prints a table; writes nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=15
rounds=2
proxy_config=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--config "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$time_s" -ge 4 ] || { echo "--time must be at least 4" >&2; exit 2; }

# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
trap 'sysbench_stop; stop_demo' EXIT
sysbench_prepare

hz="$(getconf CLK_TCK)"
jvm_pid="$(pgrep -f "io.mysqlproxy.app.Main demo" | head -1)"
server_pids="$(pgrep -f "mariadbd --no-defaults --datadir=/tmp/mysql-proxy-testbed" | tr '\n' ' ')"

# cpu_ticks STAT_FILE: "utime stime" of a /proc stat file (fields after the ")" that ends the name).
cpu_ticks() {
  sed 's/.*) //' "$1" 2> /dev/null | awk '{ print $12, $13 }'
}

# snapshot FILE: "key user system" for every server, the proxy JVM and each of its threads.
snapshot() {
  local pid task
  {
    for pid in $server_pids; do echo "server:$pid $(cpu_ticks "/proc/$pid/stat")"; done
    echo "jvm $(cpu_ticks "/proc/$jvm_pid/stat")"
    for task in /proc/"$jvm_pid"/task/*; do
      echo "thread:$(tr ' ' '_' < "$task/comm"):${task##*/} $(cpu_ticks "$task/stat")"
    done
  } > "$1"
}

# measure NAME PORT: one run; prints µs of CPU per statement for every process that used any.
measure() {
  local name="$1" port="$2" before after report statements sysbench_ticks
  sysbench oltp_point_select "${sysbench_common[@]}" --mysql-port="$port" --threads=8 --time=5 run > /dev/null
  settle
  before="$(mktemp)"
  after="$(mktemp)"
  report="$(mktemp)"
  snapshot "$before"
  sysbench oltp_point_select "${sysbench_common[@]}" --mysql-port="$port" --threads=8 --time="$time_s" \
    --report-interval=0 run > "$report" &
  sysbench_pid=$!
  # sysbench's own CPU: sampled inside the run, as the process is gone when it ends.
  sleep 1
  local s0 s1
  s0="$(cpu_ticks "/proc/$sysbench_pid/stat" | awk '{ print $1 + $2 }')"
  sleep $((time_s - 2))
  s1="$(cpu_ticks "/proc/$sysbench_pid/stat" | awk '{ print $1 + $2 }')"
  wait "$sysbench_pid"
  sysbench_pid=""
  snapshot "$after"
  statements="$(awk '/queries:/ { print $2; exit }' "$report")"
  sysbench_ticks="$(( s1 - s0 ))"
  awk -v name="$name" -v n="$statements" -v t="$time_s" -v hz="$hz" -v sb="$sysbench_ticks" '
    function us(ticks) { return ticks * 1e6 / hz / n }
    NR == FNR { u[$1] = $2; s[$1] = $3; next }
    {
      du = $2 - u[$1]; ds = $3 - s[$1]
      if ($1 ~ /^server:/ && du + ds > 0) servers += du + ds
      if ($1 == "jvm") { jvm = du + ds }
      if ($1 ~ /^thread:/ && us(du + ds) > 1) {
        split($1, parts, ":")
        threads = threads sprintf("    %-26s user %5.1f  kernel %5.1f\n", parts[2], us(du), us(ds))
      }
    }
    END {
      # sysbench was sampled over t - 2 of the t seconds, so over that share of the statements.
      sysbench_us = sb * 1e6 / hz / (n * (t - 2) / t)
      printf "%-7s %8.0f QPS   servers %5.1f   sysbench %5.1f   proxy JVM %5.1f   total %6.1f µs/statement\n",
        name, n / t, us(servers), sysbench_us, us(jvm), us(servers) + sysbench_us + us(jvm)
      if (name == "proxy") printf "%s", threads
    }' "$before" "$after"
  rm -f "$before" "$after" "$report"
}

# The JIT compiles the proxy's hot path in the first seconds of load; measure after it.
for port in "$primary_port" "$proxy_port"; do
  sysbench oltp_point_select "${sysbench_common[@]}" --mysql-port="$port" --threads=8 --time=15 run > /dev/null
done
echo "oltp_point_select, 8 threads, ${time_s} s per run; CPU µs per statement (utime + stime / statements)"
echo "proxy configuration over the demo's: ${proxy_config[1]:-none}; proxy JVM threads above 1 µs shown"
for _ in $(seq 1 "$rounds"); do
  measure direct "$primary_port"
  measure proxy "$proxy_port"
done
