#!/usr/bin/env bash
# What an operator sees, from a real run: starts the demo (a MariaDB primary, two GTID replicas
# and the proxy, all on 127.0.0.1), runs three sysbench workloads through the proxy while scraping
# the proxy's /metrics once a second, and draws with gnuplot the panels of
# deploy/grafana/mysql-proxy-dashboard.json from those scrapes: statements/s per backend, routing
# decisions/s by reason, p50/p99 latency per backend (from the histogram buckets, as
# histogram_quantile computes it), replication lag, client and pooled connections, backend state
# and errors. Rates and quantiles are over the last --window scrapes, as rate() over a range.
#
# Before the scrapes start, --warmup seconds of oltp_read_only and of oltp_read_write through the
# proxy warm the JIT and the servers' caches, so that the picture shows the steady state. Then
# the workloads, one after the other (a time of 0 skips one):
#   read-only   oltp_read_only --skip_trx=on: reads without BEGIN/COMMIT, which go to the replicas
#   read-write  oltp_read_write: transactions, which stay on the primary
#   autocommit  oltp_read_write --skip_trx=on: the same statements without BEGIN/COMMIT, so writes
#               go to the primary and reads to the replicas
#
#   bench/dashboard-plot.sh [--ro-time SECONDS] [--rw-time SECONDS] [--autocommit-time SECONDS]
#                           [--warmup SECONDS] [--threads N] [--window SCRAPES] [--out PNG]
#                           [--proxy-config FILE]
#   bench/dashboard-plot.sh --replot bench/results/dashboard-<time>.csv [--threads N] [--window SCRAPES]
#                           [--out PNG]
#
# --replot draws the picture again from a run's CSV, without a run (--threads and --window, as in
# the run, only for the titles).
#
# Needs a build (mvn -DskipTests package); installs sysbench, gnuplot, curl and jq when run as
# root and they are missing. Uses the demo's fixed ports 6033 and 9090, which must be free.
# Writes the picture (default deploy/grafana/dashboard.png) and, in bench/results/, the series it
# was drawn from (dashboard-<time>.csv), the figures per phase (dashboard-<time>.md) and the
# last scrape (dashboard-<time>.prom), against which it then checks the dashboard's metric names
# (deploy/grafana/check-dashboard.sh). Stops everything it started, also when interrupted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ro_time=20
rw_time=20
autocommit_time=20
warmup=5
threads=4
window=3
idle_time=5
out=deploy/grafana/dashboard.png
proxy_config=()
replot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ro-time) ro_time="$2"; shift 2 ;;
    --rw-time) rw_time="$2"; shift 2 ;;
    --autocommit-time) autocommit_time="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--config "$2"); shift 2 ;;
    --replot) replot="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done


# ------------------------------------------------------------------------------------------ plot
# Colour number 0 is for series of no backend; backends are numbered in the CSV's order (primary
# first).
backend_colours="#444444 #c0392b #1f77b4 #2ca02c #9467bd #8c564b #17becf"
series_colours="#444444 #1f77b4 #d62728 #ff7f0e #2ca02c #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf"
state_colours="#444444 #2ca02c #e6a100 #1f77b4 #d62728"

# plot_dashboard CSV PNG: the six panels, from the series in CSV (bench/lib/dashboard-series.awk),
# whose columns are picked by their headers.
plot_dashboard() {
  local csv="$1" png="$2" i c h key n kind
  local -a header backends=()
  local -A group=() colour=() title=() counts=()
  IFS=, read -r -a header < "$csv"
  for i in "${!header[@]}"; do
    h="${header[$i]}"
    c=$((i + 1))
    case "$h" in
      "statements/s "*) kind=statements; key="${h#statements/s }"; backends+=("$key") ;;
      "decisions/s "*) kind=decisions; key="${h#decisions/s }" ;;
      "p50 ms "* | "p99 ms "*) kind="${h%% *}"; key="${h#* ms }" ;;
      "lag s "*) kind=lag; key="${h#lag s }" ;;
      "client connections") kind=clients; key="$h" ;;
      "pool open "* | "pool idle "*) kind="${h:5:4}"; key="${h#pool ???? }" ;;
      "backends "*) kind=state; key="$h" ;;
      "statement errors/s" | "pool waits/s" | "pool wait timeouts/s") kind=errors; key="$h" ;;
      *) continue ;;
    esac
    group[$c]="$kind"
    counts[$kind]=$((${counts[$kind]:-0} + 1))
    colour[$c]="${counts[$kind]}"
    for n in "${!backends[@]}"; do
      [ "${backends[$n]}" = "$key" ] && colour[$c]=$((n + 1))
    done
    # The usual reasons keep their colours from run to run: reads blue like the replicas' default.
    if [ "$kind" = decisions ]; then
      case "$key" in
        read) colour[$c]=1 ;;
        write) colour[$c]=2 ;;
        transaction) colour[$c]=3 ;;
        consistency_fallback) colour[$c]=5 ;;
        *) colour[$c]=$((${counts[$kind]} + 5)) ;;
      esac
    fi
    case "$kind" in
      statements | decisions | lag | clients | state | errors) title[$c]="$key" ;;
      p50 | p99) title[$c]="$kind $key" ;;
      *) title[$c]="pool $kind $key" ;;
    esac
  done

  # clauses GROUP PALETTE STYLE [AXES] -> the plot clauses of GROUP's columns, coloured from
  # PALETTE (space-separated colours) by each column's colour number.
  clauses() {
    local list="" col colours
    read -r -a colours <<< "$2"
    for ((col = 1; col <= ${#header[@]}; col++)); do
      [ "${group[$col]:-}" = "$1" ] || continue
      list="$list${list:+, }'$csv' skip 1 using 1:$col axes ${4:-x1y1} with lines $3"
      list="$list lc rgb '${colours[${colour[$col]} % ${#colours[@]}]}' title '${title[$col]}'"
    done
    echo "${list:-NaN notitle}"
  }

  local phases refused changes x_max
  # Each phase from one scrape before its first row to its last: within a second of the real span.
  phases="$(awk -F, 'NR > 1 && $2 != "idle" { if (!($2 in first)) { first[$2] = $1; order[++n] = $2 }; last[$2] = $1 }
                     END { for (i = 1; i <= n; i++) print order[i], first[order[i]] - 1, last[order[i]] }' "$csv")"
  refused="$(awk -F, 'NR > 1 && $(NF - 1) > 0 { n++ } END { print n + 0 }' "$csv")"
  changes="$(awk -F, 'END { print $NF }' "$csv")"
  x_max="$(awk -F, 'END { print $1 }' "$csv")"
  {
    echo "set terminal pngcairo size 1600,1600 font 'DejaVu Sans,11' noenhanced"
    echo "set output '$png'"
    echo "set datafile separator ','"
    local name start end label shade workloads=""
    i=0
    while read -r name start end; do
      i=$((i + 1))
      case "$name" in
        read-only) shade='#e8f0fe'; label='oltp_read_only' ;;
        read-write) shade='#fdecea'; label='oltp_read_write' ;;
        autocommit) shade='#e9f6e9'; label='oltp_read_write, no BEGIN' ;;
        *) shade='#f0f0f0'; label="$name" ;;
      esac
      workloads="$workloads${workloads:+, then }$label $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", e - s }') s"
      echo "set object $i rect from $start, graph 0 to $end, graph 1 back fc rgb '$shade' fs solid 1.0 noborder"
      echo "set label $i '$label' at $start + 0.5, graph 0.96 left tc rgb '#555555' font ',9'"
    done <<< "$phases"
    printf 'set multiplot layout 3,2 title "%s\\n%s" font ",14"\n' \
      "mysql-proxy demo under sysbench ($threads threads): $workloads" \
      "primary and two replicas on one 2-core machine; /metrics scraped once a second; rates and quantiles over $window s, as rate() over a range"
    echo "set grid"
    echo "set offsets 0, 0, graph 0.12, 0"
    echo "set key below horizontal maxrows 3 font ',9' samplen 2"
    echo "set xlabel 'seconds since the first scrape'"
    echo "set xrange [0:$x_max]"
    # The same margins everywhere, so that the panels' time axes line up.
    echo "set lmargin 11"
    echo "set rmargin 9"

    echo "set title 'Statements/s per backend and role'"
    echo "set ylabel 'statements/s'"
    echo "set yrange [0:*]"
    echo "plot $(clauses statements "$backend_colours" 'lw 2')"

    echo "set title 'Routing decisions/s by reason'"
    echo "set ylabel 'decisions/s'"
    echo "plot $(clauses decisions "$series_colours" 'lw 2')"

    echo "set title 'Statement latency per backend: p99 (solid) and p50 (dashed), from histogram bucket increases'"
    echo "set ylabel 'ms (log scale)'"
    echo "set logscale y"
    echo "set offsets 0, 0, 0, 0"
    echo "set yrange [*:*]"
    echo "plot $(clauses p99 "$backend_colours" 'lw 2'), $(clauses p50 "$backend_colours" 'lw 1.5 dt 2')"
    echo "unset logscale y"
    echo "set offsets 0, 0, graph 0.12, 0"

    echo "set title 'Replication lag per replica, from the health checks (unknown is not drawn)'"
    echo "set ylabel 'seconds behind the primary'"
    echo "set yrange [-0.05:1<*]"
    echo "plot $(clauses lag "$backend_colours" 'lw 2')"

    echo "set title 'Client connections; pooled backend connections open (solid) and idle (dashed)'"
    echo "set ylabel 'connections'"
    echo "set yrange [0:*]"
    echo "plot $(clauses clients '#444444' 'lw 2.5'), $(clauses open "$backend_colours" 'lw 2'), $(clauses idle "$backend_colours" 'lw 1.5 dt 2')"

    echo "set title 'Backends by state (left); errors and pool waits/s (right). Writes refused: $refused s; primary changes: $changes'"
    echo "set ylabel 'backends'"
    echo "set y2label 'per second'"
    echo "set ytics nomirror"
    echo "set y2tics"
    echo "set yrange [0:*]"
    echo "set y2range [0:1<*]"
    echo "plot $(clauses state "$state_colours" 'lw 2.5'), $(clauses errors "$series_colours" 'lw 1.5 dt 3' x1y2)"
    echo "unset multiplot"
  } | gnuplot
}

if [ -n "$replot" ]; then
  scripts/debian-packages.sh gnuplot-nox
  plot_dashboard "$replot" "$out"
  echo "written $out"
  exit 0
fi

scripts/debian-packages.sh gnuplot-nox curl jq

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Starts the demo and stops it on exit (trap stop_demo EXIT, replaced below by one that calls it).
# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh

work="$(mktemp -d -t mysql-proxy-dashboard.XXXXXX)"
scraper_pid=""
cleanup() {
  sysbench_stop
  if [ -n "$scraper_pid" ]; then
    kill "$scraper_pid" 2> /dev/null || true
    wait "$scraper_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sysbench_prepare
if [ "$warmup" -gt 0 ]; then
  echo "warming up: $warmup s of oltp_read_only and of oltp_read_write through the proxy"
  for extra in "oltp_read_only --skip_trx=on" oltp_read_write; do
    # shellcheck disable=SC2086 # the test and its option, split on purpose
    timeout $((warmup + 60)) sysbench $extra "${sysbench_common[@]}" --mysql-port="$proxy_port" --threads="$threads" \
      --time="$warmup" run > /dev/null
  done
fi

# One scrape a second, each as "@ EPOCH" and the mysqlproxy_* samples, on the second.
scrape_loop() {
  local body
  while :; do
    if body="$(curl -fsS --max-time 2 "${admin_url}metrics")"; then
      printf '@ %s\n' "$EPOCHREALTIME"
      grep '^mysqlproxy_' <<< "$body" || true
    fi
    sleep "$(awk -v now="$EPOCHREALTIME" 'BEGIN { printf "%.3f", 1 - (now - int(now)) }')"
  done
}
scrape_loop > "$work/scrapes" &
scraper_pid=$!

# run PHASE SECONDS TEST EXTRA... -> sysbench TEST through the proxy; appends "PHASE:START:END" to
# phases and "PHASE|TEST EXTRA|qps|p95|ignored errors" to results.
phases=""
run() {
  local name="$1" seconds="$2" test="$3" start output
  shift 3
  [ "$seconds" -gt 0 ] || return 0
  echo "$name: $test${*:+ $*} through the proxy, $threads threads, $seconds s"
  start="$EPOCHREALTIME"
  if ! sysbench_in_background "$work/sysbench.out" "$seconds" "$test" "${sysbench_common[@]}" "$@" \
         --mysql-port="$proxy_port" --threads="$threads" --time="$seconds" --percentile=95 --report-interval=0 run; then
    tail -20 "$work/sysbench.out" >&2
    echo "sysbench $test failed" >&2
    exit 1
  fi
  output="$(cat "$work/sysbench.out")"
  phases="$phases $name:$start:$EPOCHREALTIME"
  printf '%s|%s|%s|%s|%s\n' "$name" "$test${*:+ $*}" \
    "$(sed -n 's/^ *queries: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' <<< "$output")" \
    "$(sed -n 's/^ *95th percentile: *\([0-9.]*\)/\1/p' <<< "$output")" \
    "$(sed -n 's/^ *ignored errors: *\([0-9]*\).*/\1/p' <<< "$output")" >> "$work/results"
}

sleep "$idle_time"
# --skip_trx=on: without it sysbench wraps its statements in BEGIN/COMMIT, which keeps them on
# the primary. Without a transaction two threads can delete and re-insert the same row, so the
# autocommit phase also ignores (and counts) duplicate keys, 1062, besides sysbench's defaults.
run read-only "$ro_time" oltp_read_only --skip_trx=on
run read-write "$rw_time" oltp_read_write
run autocommit "$autocommit_time" oltp_read_write --skip_trx=on --mysql-ignore-errors=1062,1213,1205,1020
sleep "$idle_time"
kill "$scraper_pid"
wait "$scraper_pid" 2> /dev/null || true
scraper_pid=""

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
csv="bench/results/dashboard-$stamp.csv"
prom="bench/results/dashboard-$stamp.prom"
report="bench/results/dashboard-$stamp.md"
curl -fsS "${admin_url}metrics" > "$prom"

awk -v window="$window" -v phases="${phases# }" -v csv="$csv" -v summary="$work/summary" \
    -f bench/lib/dashboard-series.awk "$work/scrapes"

plot_dashboard "$csv" "$out"

# ---------------------------------------------------------------------------------------- report
{
  echo "# Dashboard run ($stamp)"
  echo
  echo "$(nproc) cores, $(sysbench --version), $threads threads, $sysbench_rows rows, prepared statements on; servers,"
  echo "proxy and sysbench on this one machine; load average before the demo started: $load_before."
  echo "Picture: \`$out\`; series: \`$csv\`."
  echo
  echo "| workload | sysbench test | QPS | p95 ms | ignored errors |"
  echo "|---|---|---|---|---|"
  while IFS='|' read -r name test qps p95 ignored; do
    echo "| $name | \`$test\` | $qps | $p95 | ${ignored:-0} |"
  done < "$work/results"
  echo
  echo "From the proxy's metrics, between the first and last scrape of each phase:"
  echo
  echo "| workload | backend | statements/s | p50 ms | p99 ms | mean ms | pooled connections (max) |"
  echo "|---|---|---|---|---|---|---|"
  grep -v '^reasons ' "$work/summary"
  echo
  echo "Routing decisions/s by reason, and the rest:"
  echo
  sed -n 's/^reasons \([^ ]*\) | /- \1: /p' "$work/summary"
} > "$report"
cat "$report"
echo
echo "written $out, $csv, $report, $prom"

deploy/grafana/check-dashboard.sh "$prom" deploy/grafana/mysql-proxy-dashboard.json
