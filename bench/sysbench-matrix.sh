#!/usr/bin/env bash
# The sysbench matrix: on the local replicated test bed (bin/mysql-proxy demo: a MariaDB primary,
# two GTID replicas and the proxy, all on 127.0.0.1), every test at every thread count, each cell
# run directly against the primary and through mysql-proxy back to back (then through each
# --target), so that drift on this shared machine hits both sides alike. Prepared statements on
# (--db-ps-mode=auto). Prints and writes a table of QPS, p50/p95/p99 latency, errors, the ratio to
# direct and the µs each path adds per statement, the raw figures as CSV, and a chart.
#
#   bench/sysbench-matrix.sh [--time SECONDS] [--warmup SECONDS] [--threads "1 8 64"]
#                            [--tests "oltp_point_select oltp_read_only oltp_read_write"]
#                            [--target [NAME=]HOST:PORT]... [--target-setup COMMAND]
#                            [--proxy-config FILE]
#   bench/sysbench-matrix.sh --replot bench/results/matrix-<time>.csv
#
# --time       seconds per run (default 30: the default matrix, 18 runs, takes about 10 minutes)
# --warmup     seconds of oltp_read_write at 8 threads on each path before anything is measured
#              (the proxy's JIT, the servers' buffer pools); default 10
# --target     another MySQL proxy to run the same matrix through, after mysql-proxy in each
#              cell; repeatable. Loopback addresses only (127.x, localhost, ::1): the figures
#              compare paths on this one machine. It must accept the demo's account
#              (app / app-secret, database app) and should front the demo's primary; NAME (no
#              commas or spaces) labels it in the table and chart, HOST:PORT by default.
# --target-setup  a shell command run once the demo is up, with PRIMARY_PORT, REPLICA_PORTS (space-
#              separated), PROXY_PORT, MYSQL_USER, MYSQL_PASSWORD and MYSQL_DB in its environment,
#              to start or point the targets at the demo's servers (the ports are free ones, new
#              each run). It should return when it is done; anything it leaves running in its
#              process group is stopped at the end. Each target must then answer within 60 s.
# --proxy-config  HOCON applied over the demo proxy's configuration
# --replot     draws the chart again from a run's CSV, without running anything
#
# Example, with a plain TCP relay as the other "proxy" (the cost of a bare hop; without nodelay,
# Nagle's algorithm and delayed ACKs stretch each oltp_read_write transaction to over 100 ms):
#   bench/sysbench-matrix.sh --target relay=127.0.0.1:6034 --target-setup \
#     'socat TCP-LISTEN:6034,fork,reuseaddr,bind=127.0.0.1,nodelay TCP:127.0.0.1:$PRIMARY_PORT,nodelay &'
#
# Errors: every run ignores (and counts) MySQL errors 1213 (deadlock), 1020 (record changed),
# 1205 (lock wait timeout) and 1062 (duplicate key): sysbench's own defaults plus 1062, which
# oltp_read_write's delete/insert pairs can hit directly too. sysbench retries the event. The
# error codes come from sysbench's debug log (--verbosity=5), which names each ignored error.
# Any other error stops that run; the matrix goes on and the report shows it as failed, with
# sysbench's FATAL lines.
#
# Needs a build (mvn -DskipTests package); installs sysbench and gnuplot as root when missing.
# Uses the demo's fixed ports 6033 and 9090, which must be free, and frees them at the end.
# Writes bench/results/matrix-<time>.md, .csv and .png.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
warmup=10
threads_list="1 8 64"
tests="oltp_point_select oltp_read_only oltp_read_write"
targets=()
target_setup=""
proxy_config=()
replot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads_list="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --target-setup) target_setup="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--config "$2"); shift 2 ;;
    --replot) replot="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Targets as "name host port", checked before anything starts.
target_rows=()
for target in "${targets[@]}"; do
  name="${target%%=*}"
  address="${target#*=}"
  [ "$name" != "$target" ] || name="$address"
  port="${address##*:}"
  host="${address%:*}"
  host="${host#[}"
  host="${host%]}"
  case "$host" in
    127.* | localhost | ::1) ;;
    *) echo "--target $target: only loopback addresses (127.x, localhost, ::1)" >&2; exit 2 ;;
  esac
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [[ "$name" =~ [,[:space:]] ]] || [ "$name" = direct ] || [ "$name" = mysql-proxy ]; then
    echo "--target $target: expected [NAME=]HOST:PORT, NAME without commas or spaces" >&2
    exit 2
  fi
  target_rows+=("$name $host $port")
done

# ------------------------------------------------------------------------------------------ chart
# plot_matrix CSV PNG TITLE: two panels of grouped bars, a group per test, in it a cluster per thread
# count with a bar per path other than direct: QPS as % of direct, and µs added per statement.
plot_matrix() {
  local csv="$1" png="$2" title="$3" data t p start shift column
  local -a paths tests_run cells starts=()
  local colours=("#1f77b4" "#ff7f0e" "#2ca02c" "#9467bd" "#8c564b")
  data="$(mktemp -t sysbench-matrix-plot.XXXXXX)"
  awk -v mode=plot -f bench/lib/sysbench-matrix.awk "$csv" > "$data"
  mapfile -t paths < <(awk -v mode=paths -f bench/lib/sysbench-matrix.awk "$csv")
  mapfile -t tests_run < <(sed -n 's/^# \([^ ]*\) .*/\1/p' "$data")
  mapfile -t cells < <(sed -n 's/^# [^ ]* \([0-9]*\)$/\1/p' "$data")
  # Group t starts at x = the clusters and one blank slot of the groups before it.
  start=0
  for t in "${!tests_run[@]}"; do
    starts+=("$start")
    start=$((start + cells[t] + 1))
  done
  # panel FIRST_COLUMN FORMAT: one panel's plot clauses, bars and their value labels. Within a
  # cluster of n bars (gap 1) gnuplot centres bar p (from 0) at the cluster's x + (p - (n-1)/2) / (n+1).
  panel() {
    local bars="" labels=""
    for t in "${!tests_run[@]}"; do
      bars="$bars${bars:+, }newhistogram '${tests_run[$t]}' at ${starts[$t]}"
      for p in "${!paths[@]}"; do
        column=$(($1 + p))
        shift="$(awk -v p="$p" -v n="${#paths[@]}" 'BEGIN { printf "%.4f", (p - (n - 1) / 2) / (n + 1) }')"
        bars="$bars, '$data' index $t using $column:xtic(sprintf('%d thr', \$1))"
        bars="$bars lc rgb '${colours[$((p % ${#colours[@]}))]}' $([ "$t" -eq 0 ] && echo "title '${paths[$p]}'" || echo notitle)"
        labels="$labels, '$data' index $t using (\$0 + ${starts[$t]} + $shift):$column:(sprintf('$2', \$$column))"
        labels="$labels with labels offset 0,0.7 font ',9' notitle"
      done
    done
    echo "$bars$labels"
  }
  {
    echo "set terminal pngcairo size 1400,1000 font 'DejaVu Sans,11' noenhanced"
    echo "set output '$png'"
    echo "set datafile missing '?'"
    echo "set style data histograms"
    echo "set style histogram clustered gap 1 title font ',11' offset character 0,-0.8"
    echo "set bmargin 4"
    echo "set style fill solid 0.85 noborder"
    echo "set grid ytics"
    echo "set key top right opaque box"
    echo "set xtics nomirror"
    echo "set xrange [-1:$((start - 1))]"
    printf 'set multiplot layout 2,1 title "%s" font ",12"\n' "$title"
    echo "set title 'QPS as % of direct to the primary (higher is better; dashed: the 80% target)'"
    echo "set ylabel '% of direct QPS'"
    echo "set yrange [0:*]"
    echo "set offsets 0, 0, graph 0.12, 0"
    echo "plot $(panel 2 '%.0f%%'), 80 with lines dt 2 lw 1.5 lc rgb '#c0392b' notitle"
    printf 'set title "%s\\n%s"\n' "µs added per statement: mean latency per statement minus direct's (lower is better)" \
      "at 1 thread the cost of the hop; on a saturated machine mostly the QPS loss, as latency = threads / throughput"
    echo "set ylabel 'µs per statement'"
    echo "set yrange [*:*]"
    echo "plot $(panel $((2 + ${#paths[@]})) '%+.0f'), 0 with lines lc rgb '#555555' notitle"
    echo "unset multiplot"
  } | gnuplot
  rm -f "$data"
}

if [ -n "$replot" ]; then
  scripts/debian-packages.sh gnuplot-nox
  png="${replot%.csv}.png"
  # The run's Markdown keeps the chart's title in an HTML comment.
  title="$(sed -n 's/^<!-- chart title: \(.*\) -->$/\1/p' "${replot%.csv}.md" 2> /dev/null || true)"
  plot_matrix "$replot" "$png" "${title:-sysbench matrix $(basename "$replot" .csv)}"
  echo "written $png"
  exit 0
fi

scripts/debian-packages.sh gnuplot-nox psmisc
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$SECONDS"
# What runs is the build in proxy-app/target, whenever it was made: name the commit checked out now
# and the build's time.
commit="$(git rev-parse --short HEAD)"
git diff --quiet HEAD -- . ':!bench' 2> /dev/null || commit="$commit with uncommitted changes outside bench/"
built="$(TZ=UTC find proxy-app/target/mysql-proxy/lib -name '*.jar' -printf '%TY-%Tm-%Td %TH:%TM UTC\n' 2> /dev/null | sort | tail -1)"
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh
# The demo's own exit trap (stop_demo) gives way to this one, which also stops sysbench and what
# --target-setup left running (it ran as the leader of its own process group).
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
setup_pid=""
work="$(mktemp -d -t sysbench-matrix.XXXXXX)"
trap 'sysbench_stop; [ -z "$setup_pid" ] || kill -- "-$setup_pid" 2> /dev/null || true; rm -rf "$work"; stop_demo' EXIT
trap 'exit 130' INT TERM

# Paths as "name host port": direct, mysql-proxy, then the targets.
paths=("direct 127.0.0.1 $primary_port" "mysql-proxy 127.0.0.1 $proxy_port" "${target_rows[@]}")

if [ -n "$target_setup" ]; then
  echo "target setup: $target_setup"
  PRIMARY_PORT="$primary_port" REPLICA_PORTS="$replica_ports" PROXY_PORT="$proxy_port" \
    MYSQL_USER=app MYSQL_PASSWORD=app-secret MYSQL_DB=app setsid bash -c "$target_setup" &
  setup_pid=$!
  wait "$setup_pid" || { echo "--target-setup failed" >&2; exit 1; }
fi
for row in "${target_rows[@]}"; do
  read -r name host port <<< "$row"
  for attempt in $(seq 1 60); do
    mariadb -h"$host" -P"$port" -uapp -papp-secret app -Nse 'SELECT 1' > /dev/null 2>&1 && break
    [ "$attempt" -lt 60 ] || { echo "target $name ($host:$port) does not answer as app@app" >&2; exit 1; }
    sleep 1
  done
done

# sysbench_run HOST PORT TEST THREADS SECONDS OPTION...: sysbench TEST ... run against HOST:PORT, its
# report and log in $work/out; returns sysbench's exit status.
sysbench_run() {
  local host="$1" port="$2" test="$3" threads="$4" seconds="$5"
  shift 5
  sysbench_in_background "$work/out" "$seconds" "$test" "${sysbench_common[@]/#--mysql-host=*/--mysql-host=$host}" \
    --mysql-port="$port" --threads="$threads" --time="$seconds" --report-interval=0 \
    --mysql-ignore-errors=1213,1020,1205,1062 "$@" run
}

# ignored_errors OUTPUT: "code count message" for each error sysbench ignored, from its debug log:
# "DEBUG: Ignoring error 1213 Deadlock found ..., " lines, each of which sysbench's logger may follow
# with "DEBUG: (last message repeated N times)" instead of printing it again.
ignored_errors() {
  awk '/Ignoring error [0-9]+ / {
         last = $0; sub(/.*Ignoring error /, "", last); code = last; sub(/ .*/, "", code)
         sub(/^[0-9]+ /, "", last); sub(/, *$/, "", last)
         count[code]++; message[code] = last; previous = code; next }
       /\(last message repeated [0-9]+ times\)/ {
         if (previous != "") { n = $0; sub(/.*repeated /, "", n); count[previous] += n + 0 }
         next }
       { previous = "" }
       END { for (code in count) print code, count[code], message[code] }' "$1" | sort -n
}

# run_errors TITLE OUTPUT IGNORED COUNTED: a Markdown item on one run's errors: sysbench's FATAL
# lines, the ignored errors (IGNORED, from ignored_errors) and whether they add up to the
# COUNTED ignored errors in sysbench's report.
run_errors() {
  local code count message named
  echo "- $1"
  # shellcheck disable=SC2016 # Markdown's backquotes
  awk '/FATAL/' "$2" | sort | uniq -c | sort -rn | awk 'NR <= 10' | sed 's/^ *\([0-9]*\) \(.*\)/    - `\2` (×\1)/'
  while read -r code count message; do
    echo "    - \`Ignoring error $code $message\` (×$count)"
  done < "$3"
  named="$(awk '{ n += $2 } END { print n + 0 }' "$3")"
  [ "$named" = "$4" ] || echo "    - sysbench counted $4 ignored errors, its debug log names $named"
}

sysbench_prepare
if [ "$warmup" -gt 0 ]; then
  for row in "${paths[@]}"; do
    read -r name host port <<< "$row"
    echo "warming up $name: oltp_read_write, 8 threads, $warmup s"
    settle
    sysbench_run "$host" "$port" oltp_read_write 8 "$warmup" || { tail -20 "$work/out" >&2; exit 1; }
  done
fi

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
base="bench/results/matrix-$stamp"
csv="$base.csv"
columns=(qps tps queries events mean_ms p50_ms p95_ms p99_ms max_ms pct_ms ignored reconnects)
echo "test,threads,path,seconds,${columns[*]},error_codes,exit_status" | sed 's/ /,/g; s/,ignored,/,ignored_errors,/' > "$csv"
: > "$work/notes"
declare -A figures
for test in $tests; do
  for threads in $threads_list; do
    for row in "${paths[@]}"; do
      read -r name host port <<< "$row"
      settle
      status=0
      # --verbosity=5: sysbench's debug log names each error it ignores ("Ignoring error 1213 ...");
      # it logs nothing per statement unless --mysql-debug is on.
      sysbench_run "$host" "$port" "$test" "$threads" "$time_s" --histogram=on --percentile=95 --verbosity=5 \
        || status=$?
      sysbench_figures figures "$(cat "$work/out")"
      ignored_errors "$work/out" > "$work/ignored"
      codes="$(awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " }' "$work/ignored")"
      line="$test,$threads,$name,$time_s"
      for column in "${columns[@]}"; do line="$line,${figures[$column]:-}"; done
      echo "$line,$codes,$status" >> "$csv"
      if [ "$status" -ne 0 ] || [ -n "$codes" ]; then
        run_errors "$test, $threads threads, $name: exit status $status" "$work/out" "$work/ignored" \
          "${figures[ignored]:-none}" >> "$work/notes"
      fi
      printf '%-18s %3s threads  %-12s %10s QPS  p50 %8s  p95 %8s  p99 %8s ms  ignored errors %s%s\n' \
        "$test" "$threads" "$name" "${figures[qps]:-failed}" "${figures[p50_ms]:--}" "${figures[p95_ms]:--}" \
        "${figures[p99_ms]:--}" "${figures[ignored]:--}" "${codes:+ ($codes)}"
      # A check of the histogram reading: sysbench's own p95 must match ours.
      if [ -n "${figures[pct_ms]:-}" ] \
           && awk -v a="${figures[pct_ms]}" -v b="${figures[p95_ms]:-0}" 'BEGIN { exit !(a - b > 0.011 || b - a > 0.011) }'; then
        echo "  note: sysbench's p95 ${figures[pct_ms]} ms, the histogram's ${figures[p95_ms]:-none}" >&2
      fi
    done
  done
done
elapsed=$((SECONDS - started))

# ---------------------------------------------------------------------------------------- report
mariadb_version="$(mariadb -h127.0.0.1 -P"$primary_port" -uapp -papp-secret -Nse 'SELECT VERSION()')"
cpu="$(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)"
title="sysbench matrix $stamp: mysql-proxy $commit; $(nproc) cores ($cpu), MariaDB $mariadb_version; $time_s s per run"
{
  echo "# sysbench: direct vs mysql-proxy${target_rows:+ vs other proxies} ($stamp)"
  echo
  echo "<!-- chart title: $title -->"
  echo "- machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "load average before the run $load_before; servers, proxies and sysbench all on it"
  echo "- MariaDB $mariadb_version (primary and two GTID replicas), $(sysbench --version)," \
    "$(java -version 2>&1 | awk 'NR == 1')"
  echo "- mysql-proxy: the build of $built in proxy-app/target (checked out: $commit), demo configuration${proxy_config[1]:+ with $(basename "${proxy_config[1]}") over it}"
  for row in "${target_rows[@]}"; do
    read -r name host port <<< "$row"
    echo "- target $name: $host:$port"
  done
  echo "- $sysbench_rows rows, prepared statements (\`--db-ps-mode=auto\`), $time_s s per run after $warmup s of" \
    "oltp_read_write on each path; in each cell the paths ran back to back in the order of the table;" \
    "the replicas caught up before every run; the whole matrix took $((elapsed / 60)) min $((elapsed % 60)) s"
  echo "- latencies are sysbench's, per event (a statement for oltp_point_select, a transaction of 16 or 20" \
    "for read_only and read_write), p50/p95/p99 from its histogram; µs added per statement = the path's" \
    "mean latency per statement (mean per event / statements per event) minus direct's"
  echo "- ignored errors: 1213, 1020, 1205, 1062, counted (codes × count); sysbench retries the event"
  echo
  awk -v mode=markdown -f bench/lib/sysbench-matrix.awk "$csv"
  echo
  if [ -s "$work/notes" ]; then
    echo "Errors, with sysbench's lines:"
    echo
    cat "$work/notes"
  else
    echo "No errors on any path."
  fi
  echo
  echo "Raw figures: \`$(basename "$csv")\`; chart: \`$(basename "$base.png")\`."
} > "$base.md"
plot_matrix "$csv" "$base.png" "$title"

cat "$base.md"
echo
echo "written $base.md, $csv, $base.png"
