#!/usr/bin/env bash
# Soak: a mixed load through mysql-proxy for 10 minutes on the local replicated test bed, with
# Netty's leak detector at PARANOID, reporting any error and any growth of the proxy's heap after
# GC, file descriptors, threads or backend connections.
#
#   bench/soak.sh [--time 600] [--sample 30] [--threads 4] [--leak-detection paranoid]
#
# The load, all at once for --time seconds, through a separate `bin/mysql-proxy run` process
# (127.0.0.1:6037, admin 9097) in front of the demo's servers:
#   - sysbench oltp_read_write, --threads threads: transactions on the primary;
#   - sysbench oltp_read_only --skip_trx=on, --threads threads: reads on the replicas;
#   - a churn loop of short `mariadb` CLI sessions, one after another: each logs in, sets a
#     session variable and sql_mode, inserts a row, stays idle for 1.5 s (its backend connections
#     go back to the pools), then reads back its variable, sql_mode and LAST_INSERT_ID() and
#     quits; a wrong answer counts as an error.
# sysbench ignores only the workload's own errors (1213 deadlock, 1020, 1205, 1062) and counts
# them; any other error ends the run and the soak fails.
#
# Every --sample seconds the proxy runs a full GC (jcmd GC.run) and is sampled: heap used after it,
# RSS, threads, FDs, client and backend connections. Growth is judged between the first sample
# (after 60 s of load) and the last: heap after GC at most +10% (and at least 8 MiB of leeway),
# FDs, threads and backend connections no higher. At the end the proxy's log is searched for
# "LEAK:". Writes bench/results/soak-<time>.md and .csv; exits 1 if any check fails.
#
# Needs a build (mvn -DskipTests package); installs sysbench as root when missing. Uses the demo's
# fixed ports 6033/9090 and 6037/9097, which must be free.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=600
sample_s=30
threads=4
leak_level=paranoid
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --sample) sample_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --leak-detection) leak_level="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$time_s" "$sample_s" "$threads"; do
  if ! [[ "$number" =~ ^[0-9]+$ ]] || [ "$number" -eq 0 ]; then
    echo "not a positive number: $number" >&2
    exit 2
  fi
done
[ "$time_s" -ge $((60 + 2 * sample_s)) ] || { echo "--time must leave 60 s plus two samples" >&2; exit 2; }

scripts/debian-packages.sh psmisc
command -v jcmd > /dev/null || { echo "jcmd is missing (a JDK, not a JRE: apt-get install -y openjdk-17-jdk-headless)" >&2; exit 1; }
proxy_config=()  # the demo runs its defaults; its proxy stays unused
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

work="$(mktemp -d -t soak.XXXXXX)"
load_pids=()
cleanup() {
  for pid in "${load_pids[@]}"; do
    kill "$pid" 2> /dev/null || true
  done
  pkill -P $$ sysbench 2> /dev/null || true
  proxy_process_stop
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT

proxy_process_start 6037 9097 "-Dio.netty.leakDetection.level=$leak_level"
sysbench_prepare
mariadb -h127.0.0.1 -P"$primary_port" -uapp -papp-secret app \
  -e 'CREATE TABLE IF NOT EXISTS soak_churn (id BIGINT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(32))'
settle

# churn SECONDS: short sessions one after another; prints "ok N" and "wrong N" at the end.
churn() {
  local until=$((SECONDS + $1)) ok=0 wrong=0 n=0 answer
  while [ "$SECONDS" -lt "$until" ]; do
    n=$((n + 1))
    answer="$({
      echo "SET SESSION sql_mode = 'ANSI_QUOTES'; SET @tag = 'churn $n';"
      echo "INSERT INTO soak_churn (tag) VALUES (@tag);"
      sleep 1.5
      echo "SELECT @tag, @@SESSION.sql_mode, LAST_INSERT_ID() > 0, (SELECT tag FROM soak_churn WHERE id = LAST_INSERT_ID());"
    } | mariadb -h127.0.0.1 -P6037 -uapp -papp-secret app -N 2>&1)" || true
    if [ "$answer" = "$(printf 'churn %s\tANSI_QUOTES\t1\tchurn %s' "$n" "$n")" ]; then
      ok=$((ok + 1))
    else
      wrong=$((wrong + 1))
      echo "churn session $n answered: $answer" >&2
    fi
  done
  echo "ok $ok"
  echo "wrong $wrong"
}

ignore=("--mysql-ignore-errors=1213,1020,1205,1062")
echo "soak: $time_s s of oltp_read_write and oltp_read_only (--skip_trx) at $threads threads each, plus churn"
sysbench oltp_read_write "${sysbench_common[@]}" --mysql-port=6037 --threads="$threads" --time="$time_s" \
  --report-interval=0 --histogram=on "${ignore[@]}" --verbosity=5 run > "$work/read_write" 2>&1 &
load_pids+=($!)
sysbench oltp_read_only "${sysbench_common[@]}" --mysql-port=6037 --threads="$threads" --time="$time_s" \
  --skip_trx=on "${ignore[@]}" run > "$work/read_only" 2>&1 &
load_pids+=($!)
churn "$time_s" > "$work/churn" 2> "$work/churn.err" &
load_pids+=($!)

csv="elapsed_s,heap_after_gc_mib,rss_mib,threads,fds,client_connections,backend_connections_open,backend_connections_idle"
rows=()
start=$SECONDS
next=60
while [ $((SECONDS - start)) -lt "$time_s" ]; do
  sleep 1
  [ $((SECONDS - start)) -ge "$next" ] || continue
  next=$((next + sample_s))
  [ $((SECONDS - start + 5)) -lt "$time_s" ] || break
  jcmd "$proxy_pid" GC.run > /dev/null
  proxy_scrape "$work/scrape"
  row="$((SECONDS - start)),$(( $(scrape_sum "$work/scrape" jvm_memory_used_bytes 'area="heap"') / 1048576 ))"
  row+=",$(proc_figure VmRSS),$(proc_figure Threads),$(proc_figure FDs)"
  row+=",$(scrape_sum "$work/scrape" mysqlproxy_client_connections)"
  row+=",$(scrape_sum "$work/scrape" mysqlproxy_backend_connections_open)"
  row+=",$(scrape_sum "$work/scrape" mysqlproxy_backend_connections_idle)"
  rows+=("$row")
  echo "sample: $row"
done

status=0
for pid in "${load_pids[@]}"; do
  wait "$pid" || status=$?
done
load_pids=()
leaks="$(grep -c 'LEAK:' "$proxy_log" || true)"
proxy_errors="$(grep -c ' ERROR ' "$proxy_log" || true)"

declare -A rw ro
sysbench_figures rw "$(cat "$work/read_write")"
sysbench_figures ro "$(cat "$work/read_only")"
churn_ok="$(awk '$1 == "ok" { print $2 }' "$work/churn")"
churn_wrong="$(awk '$1 == "wrong" { print $2 }' "$work/churn")"
rw_fatal="$(grep -c 'FATAL' "$work/read_write" || true)"
ro_fatal="$(grep -c 'FATAL' "$work/read_only" || true)"
rw_codes="$({ grep -o 'Ignoring error [0-9]*' "$work/read_write" || true; } | sort | uniq -c \
  | awk '{ printf "%s%s x%s", sep, $4, $1; sep = ", " }')"

# Growth: first sample against the last.
verdicts="$(printf '%s\n' "${rows[@]}" | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) first[i] = $i }
  { for (i = 1; i <= NF; i++) last[i] = $i }
  END {
    heap_limit = first[2] * 1.10; if (heap_limit < first[2] + 8) heap_limit = first[2] + 8
    printf "heap after GC %s -> %s MiB %s\n", first[2], last[2], (last[2] <= heap_limit ? "ok" : "GREW")
    printf "threads %s -> %s %s\n", first[4], last[4], (last[4] <= first[4] ? "ok" : "GREW")
    printf "FDs %s -> %s %s\n", first[5], last[5], (last[5] <= first[5] ? "ok" : "GREW")
    printf "backend connections open %s -> %s %s\n", first[7], last[7], (last[7] <= first[7] ? "ok" : "GREW")
  }')"

failures=()
if [ "$status" -ne 0 ]; then
  failures+=("a load process exited with status $status")
  tail -5 "$work/read_write" "$work/read_only" "$work/churn.err" >&2 || true
fi
[ "$rw_fatal" -eq 0 ] && [ "$ro_fatal" -eq 0 ] || failures+=("sysbench FATAL errors: read_write $rw_fatal, read_only $ro_fatal")
[ "${churn_wrong:-1}" -eq 0 ] || failures+=("$churn_wrong churn sessions answered wrongly")
[ "$leaks" -eq 0 ] || failures+=("$leaks LEAK reports in the proxy's log")
if grep -q GREW <<< "$verdicts"; then
  failures+=("growth: $(grep GREW <<< "$verdicts" | paste -sd ';' -)")
fi

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
mkdir -p bench/results
report="bench/results/soak-$stamp.md"
{
  echo "$csv"
  printf '%s\n' "${rows[@]}"
} > "bench/results/soak-$stamp.csv"
{
  echo "# Soak, $stamp"
  echo
  echo "- machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"); $(java -version 2>&1 | head -1)"
  echo "- mysql-proxy: a separate \`bin/mysql-proxy run\` process with -Dio.netty.leakDetection.level=$leak_level, build of $(date -u -r proxy-app/target/mysql-proxy/lib -Iminutes), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- load: $time_s s; oltp_read_write and oltp_read_only --skip_trx=on at $threads threads each; churn sessions one after another"
  echo
  echo "| load | figure |"
  echo "|---|---|"
  echo "| oltp_read_write | ${rw[qps]:-?} QPS, ${rw[queries]:-?} statements, p99 ${rw[p99_ms]:-?} ms per transaction, ignored errors ${rw[ignored]:-0}${rw_codes:+ ($rw_codes)}, FATAL $rw_fatal |"
  echo "| oltp_read_only --skip_trx=on | ${ro[qps]:-?} QPS, ${ro[queries]:-?} statements, ignored errors ${ro[ignored]:-0}, FATAL $ro_fatal |"
  echo "| churn sessions (log in, SET, INSERT, 1.5 s idle, read back, quit) | ${churn_ok:-0} right, ${churn_wrong:-?} wrong |"
  echo "| LEAK reports in the proxy's log | $leaks |"
  echo "| ERROR lines in the proxy's log | $proxy_errors |"
  echo
  echo "Growth, first sample (after 60 s) against the last:"
  echo
  while read -r verdict; do echo "- $verdict"; done <<< "$verdicts"
  echo
  echo "| s | heap after GC MiB | RSS MiB | threads | FDs | client connections | backend connections open | of them idle |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}" | sed 's/,/ | /g; s/^/| /; s/$/ |/'
  echo
  if [ "${#failures[@]}" -eq 0 ]; then
    echo "**Result: passed** (no error, no leak, no growth)."
  else
    echo "**Result: failed**: $(printf '%s; ' "${failures[@]}")"
  fi
} > "$report"
cat "$report"
echo "written to $report and bench/results/soak-$stamp.csv"
[ "${#failures[@]}" -eq 0 ]
