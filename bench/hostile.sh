#!/usr/bin/env bash
# Hostile clients before login (issue 19): N connections that never log in each declare a 16 MiB
# handshake response and send as much of its body as the proxy takes, over and over, while 20
# normal sysbench clients run and new clients log in. It reports how much the proxy's resident
# memory grew, whether a normal client saw an error, and how long the new logins took.
#
#   bench/hostile.sh [--hostile 50] [--normal 20] [--flood 20] [--java-opts "..."] [--proxy-conf HOCON]
#
# --hostile    hostile connections (default 50), io.mysqlproxy.bench.HostileClients
# --normal     sysbench oltp_read_only threads (default 20), --mysql-ignore-errors=none: any error
#              ends sysbench with a failure
# --flood      seconds of flood (default 20); sysbench runs 10 s before and after it
# --java-opts  JVM options of the proxy process (default: none, the launcher's own)
# --proxy-conf extra settings under mysql-proxy, e.g. "client.max-packet-before-login = 16777215"
#              to see what the flood does without the cap before login
#
# Steps: start the demo (a MariaDB primary and two GTID replicas; its own proxy stays unused),
# start a separate `bin/mysql-proxy run` process in front of the same servers (127.0.0.1:6036,
# admin 9096, default settings), prepare the tables, start sysbench, after 10 s take the proxy's
# VmRSS from /proc as the baseline, start the flood, and while it runs sample VmRSS every 0.5 s and
# log in with the mariadb client (SELECT 1) every 2 s. The target: RSS grows by less than 64 MiB,
# sysbench sees no error, every new login succeeds. Writes bench/results/hostile-<time>.md.
#
# Needs a build (mvn -DskipTests package). Uses the demo's fixed ports 6033/9090 and 6036/9096,
# which must be free.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hostile=50
normal=20
flood=20
java_opts=""
proxy_conf=""
while [ $# -gt 0 ]; do
  case "$1" in
    --hostile) hostile="$2"; shift 2 ;;
    --normal) normal="$2"; shift 2 ;;
    --flood) flood="$2"; shift 2 ;;
    --java-opts) java_opts="$2"; shift 2 ;;
    --proxy-conf) proxy_conf="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$hostile" "$normal" "$flood"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "not a number: $number" >&2; exit 2; }
done

compgen -G "bench/target/lib/*.jar" > /dev/null || { echo "build first: mvn -DskipTests package" >&2; exit 1; }
proxy_config=()  # the demo runs its defaults; its proxy stays unused
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

work="$(mktemp -d -t hostile.XXXXXX)"
normal_pid=""
hostile_pid=""
cleanup() {
  [ -z "$hostile_pid" ] || kill "$hostile_pid" 2> /dev/null || true
  [ -z "$normal_pid" ] || kill "$normal_pid" 2> /dev/null || true
  proxy_process_stop
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT

proxy_process_start 6036 9096 "$java_opts" "$proxy_conf"
sysbench_prepare
settle

normal_time=$((flood + 20))
echo "normal clients: sysbench oltp_read_only, $normal threads, $normal_time s"
timeout --kill-after=10 $((normal_time + 120)) sysbench oltp_read_only "${sysbench_common[@]}" \
  --mysql-port=6036 --threads="$normal" --time="$normal_time" --histogram=on --mysql-ignore-errors=none \
  run > "$work/normal" 2>&1 &
normal_pid=$!
sleep 10
rss_before="$(proc_figure VmRSS)"
echo "proxy VmRSS before the flood: $rss_before MiB"

echo "flood: $hostile hostile connections for $flood s"
java -cp "bench/target/classes:bench/target/lib/*" io.mysqlproxy.bench.HostileClients \
  --port 6036 --connections "$hostile" --seconds "$flood" > "$work/hostile.out" 2> "$work/hostile.err" &
hostile_pid=$!
rss_peak="$rss_before"
logins=0
logins_ok=0
login_ms_max=0
next_login=0
for tick in $(seq 0 $((flood * 2 + 240))); do
  kill -0 "$hostile_pid" 2> /dev/null || break
  rss="$(proc_figure VmRSS)"
  [ "$rss" -le "$rss_peak" ] || rss_peak="$rss"
  if [ "$tick" -ge "$next_login" ]; then
    next_login=$((tick + 4))
    start_ns="$(date +%s%N)"
    logins=$((logins + 1))
    if mariadb -h127.0.0.1 -P6036 -uapp -papp-secret --connect-timeout=10 -Nse 'SELECT 1' app > /dev/null 2>> "$work/logins.err"; then
      logins_ok=$((logins_ok + 1))
    fi
    login_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
    [ "$login_ms" -le "$login_ms_max" ] || login_ms_max="$login_ms"
  fi
  sleep 0.5
done
wait "$hostile_pid" || { cat "$work/hostile.err" >&2; exit 1; }
hostile_pid=""
done_line="$(grep '^DONE' "$work/hostile.out")"
echo "$done_line"
normal_status=0
wait "$normal_pid" || normal_status=$?
normal_pid=""
rss_after="$(proc_figure VmRSS)"
declare -A figures
sysbench_figures figures "$(cat "$work/normal")"
growth=$((rss_peak - rss_before))
errors_line="$(grep -m1 'FATAL' "$work/normal" || true)"

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/hostile-$stamp.md"
mkdir -p bench/results
{
  echo "# Hostile clients before login, $stamp"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(java -version 2>&1 | head -1)"
  echo "- mysql-proxy: a separate \`bin/mysql-proxy run\` process, settings: ${proxy_conf:-the defaults}, JAVA_OPTS=\"${java_opts}\", commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- hostile: $hostile connections for $flood s, each a 16 MiB header and as much body as taken, again and again: $done_line"
  echo "- normal: sysbench oltp_read_only, $normal threads, $normal_time s (the flood from 10 s on), --mysql-ignore-errors=none"
  echo
  echo "| figure | value | target |"
  echo "|---|---|---|"
  echo "| proxy VmRSS before the flood | $rss_before MiB | |"
  echo "| proxy VmRSS peak during the flood (every 0.5 s) | $rss_peak MiB | |"
  echo "| growth | **$growth MiB** | < 64 MiB |"
  echo "| proxy VmRSS after | $rss_after MiB | |"
  echo "| sysbench exit status, errors | $normal_status, ${figures[ignored]:-0} ${errors_line:+($errors_line)} | 0, none |"
  echo "| sysbench QPS, p95 ms, p99 ms | ${figures[qps]:-?}, ${figures[p95_ms]:-?}, ${figures[p99_ms]:-?} | |"
  echo "| new logins during the flood (mariadb client, SELECT 1) | $logins_ok of $logins, slowest $login_ms_max ms | all |"
} > "$report"
cat "$report"
echo "written to $report"
[ -s "$work/logins.err" ] && { echo "login errors:"; cat "$work/logins.err"; }
[ "$growth" -lt 64 ] && [ "$normal_status" -eq 0 ] && [ "$logins_ok" -eq "$logins" ]
