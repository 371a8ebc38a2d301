# shellcheck shell=bash disable=SC2154 # primary_port and replica_ports come from bench/lib/demo.sh
# Sourced by the bench scripts after bench/lib/demo.sh (which sets primary_port and replica_ports):
# the sysbench options all their runs share, the table preparation, the wait for the replicas,
# and the figures and failed statements read back from sysbench's report.

# 4 tables of 10,000 rows as the demo's app user, with prepared statements wherever sysbench can
# use them (--db-ps-mode=auto). The port comes per run.
sysbench_common=(--mysql-host=127.0.0.1 --mysql-user=app --mysql-password=app-secret --mysql-db=app
                 --tables=4 --table-size=10000 --db-ps-mode=auto)
sysbench_rows="4x10000"

# sysbench_prepare: creates and fills the tables on the primary (the replicas follow).
sysbench_prepare() {
  echo "preparing $sysbench_rows rows on the primary (127.0.0.1:$primary_port)"
  timeout 300 sysbench oltp_read_write "${sysbench_common[@]}" --mysql-port="$primary_port" prepare > /dev/null
}

# sysbench_in_background OUTPUT SECONDS ARG...: `sysbench ARG...`, its report and log in the file
# OUTPUT, killed if still running SECONDS + 120 s on; returns sysbench's exit status. It runs in the
# background so that a signal to the script stops it at once: the script's exit trap calls
# sysbench_stop.
sysbench_pid=""
sysbench_in_background() {
  local output="$1" seconds="$2" status=0
  shift 2
  timeout --kill-after=10 $((seconds + 120)) sysbench "$@" > "$output" 2>&1 &
  sysbench_pid=$!
  wait "$sysbench_pid" || status=$?
  sysbench_pid=""
  return "$status"
}

# sysbench_stop: stops the sysbench that sysbench_in_background runs, if any.
sysbench_stop() {
  [ -n "$sysbench_pid" ] || return 0
  kill "$sysbench_pid" 2> /dev/null || true
  wait "$sysbench_pid" 2> /dev/null || true
  sysbench_pid=""
}

# settle: waits until both replicas have applied everything the primary has, so that one run's
# replication work does not steal CPU from the next.
settle() {
  local position port
  position="$(mariadb -h127.0.0.1 -P"$primary_port" -uapp -papp-secret -Nse 'SELECT @@gtid_binlog_pos')"
  for port in $replica_ports; do
    mariadb -h127.0.0.1 -P"$port" -uapp -papp-secret -Nse "SELECT MASTER_GTID_WAIT('$position', 300)" > /dev/null
  done
}

# sysbench_figures ARRAY OUTPUT: reads a `sysbench ... run` report into the associative array
# named ARRAY; a figure the report lacks is absent (a run that failed has none).
#   qps, tps           queries and transactions (events) per second
#   queries, events    their totals; queries / events = statements per event
#   mean_ms, max_ms    latency per event; the mean from sysbench's sum over its events, as its
#                      "avg" has only 2 decimals (0.05 ms for a point select)
#   pct_ms             the one percentile sysbench computes itself (--percentile, default 95)
#   p50_ms p95_ms p99_ms  from the histogram (--histogram=on), see below
#   ignored, reconnects   errors sysbench ignored (--mysql-ignore-errors) and reconnections
#
# Percentiles from the histogram: sysbench 1.0.20 computes only one --percentile per run, from a
# histogram of 1,024 logarithmic buckets between 1 µs and 100 s (1.8% apart). With --histogram=on
# it prints that same histogram, every non-empty bucket as "value |*** count", value being the
# bucket's own. Its --percentile takes the first bucket at which the running count reaches
# floor(N * p / 100 + 0.5) and reports that bucket's value; doing the same on the printed buckets
# gives every percentile from one run, identical to --percentile up to the printed 3 decimals
# (pct_ms is there to check it). Running once per percentile instead would triple the time and
# take each percentile from a different run.
sysbench_figures() {
  local -n figures_into="$1"
  local key value
  figures_into=()
  while read -r key value; do
    # shellcheck disable=SC2004,SC2034 # an associative array (nameref), the caller's
    figures_into[$key]="$value"
  done < <(awk '
    /^ *value +-+ distribution/ { in_histogram = 1; next }
    in_histogram && /^ *[0-9.]+ \|/ { value[++buckets] = $1; count[buckets] = $NF; total += $NF; next }
    in_histogram { in_histogram = 0 }
    /^ *transactions: +[0-9]+ +\(/ { events = $2; tps = $3; sub(/^\(/, "", tps) }
    /^ *queries: +[0-9]+ +\(/ { queries = $2; qps = $3; sub(/^\(/, "", qps) }
    /^ *ignored errors: +[0-9]+/ { print "ignored", $3 }
    /^ *reconnects: +[0-9]+/ { print "reconnects", $2 }
    /^ *sum: +[0-9.]+$/ { latency_sum = $2 }
    /^ *total number of events: +[0-9]+$/ { all_events = $5 }
    /^ *max: +[0-9.]+$/ { print "max_ms", $2 }
    /^ *[0-9]+th percentile: +[0-9.]+$/ { print "pct_ms", $3 }
    END {
      if (qps != "") { print "qps", qps; print "tps", tps; print "queries", queries; print "events", events }
      if (all_events > 0) printf "mean_ms %.4f\n", latency_sum / all_events
      split("50 95 99", wanted, " ")
      for (w = 1; w <= 3 && total > 0; w++) {
        target = int(total * wanted[w] / 100 + 0.5)
        seen = 0
        for (b = 1; b <= buckets; b++) {
          seen += count[b]
          if (seen >= target) break
        }
        print "p" wanted[w] "_ms", value[b]
      }
    }' <<< "$2")
}

# sysbench_failures FILE: "CODE COUNT" per error code sysbench ignored (one "Ignoring error CODE" line per
# failed statement, "(last message repeated N times)" adding N to the line before it; the
# per-second reports are printed around that folding and do not break a run of repeats), then
# "fatal CODE COUNT" for errors that stopped a thread.
sysbench_failures() {
  awk '
    /^\[ *[0-9]+s \]/ { next }
    /^\(last message repeated [0-9]+ times\)$/ { if (last != "") count[last] += $4; next }
    { last = "" }
    /^DEBUG: Ignoring error [0-9]+ / { last = $4; count[last]++ }
    /^FATAL: .* returned error [0-9]+ / {
      match($0, /returned error [0-9]+/)
      last = "fatal " substr($0, RSTART + 15, RLENGTH - 15)
      count[last]++
    }
    END { for (code in count) print code, count[code] }' "$1" | sort -n
}

# sysbench_failures_by_code FAILURES: "CODE: COUNT, ..." or "none".
sysbench_failures_by_code() {
  if [ -z "$1" ]; then
    echo none
  else
    awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), ($1 == "fatal" ? "fatal " $2 : $1), $NF }' <<< "$1"
  fi
}
