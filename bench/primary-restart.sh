#!/usr/bin/env bash
# A restart of the primary under load, as Kubernetes restarts mysql-0 (issue 15), on the local
# replicated test bed (demo proxy):
#  - sysbench oltp_read_write and oltp_read_only --skip_trx=on, --threads threads each, run at the
#    same time through the proxy for --time seconds;
#  - at --stop-at seconds the primary's mysqld gets SIGTERM (SIGKILL after 30 s, Kubernetes'
#    default grace period); once it has exited and --down seconds have passed, it is started again
#    with the same command line, environment and working directory (same port, same data), and
#    waited for until it accepts logins;
#  - the proxy's /readyz is polled every 200 ms meanwhile.
# Reported per test: transactions, queries, failed statements by error code, reconnects, p99 and
# max latency, and the highest per-second p99 from the stop until 5 s after the primary is back;
# /readyz answers other than 200; the proxy's primary-buffer and lost-transaction metrics, where
# this build has them.
#
#   bench/primary-restart.sh [--flavour mariadb|mysql] [--time 40] [--stop-at 10] [--down 5]
#                            [--threads 8] [--proxy-config FILE]
#
# Failed statements: sysbench ignores (and counts) the error codes in --mysql-ignore-errors
# instead of stopping. Its totals ("ignored errors", "reconnects") do not say which code; at
# --verbosity=5 it prints one "DEBUG: Ignoring error CODE MESSAGE" line per failed statement, but
# its logger folds identical consecutive lines into "(last message repeated N times)", printed
# when the next different line comes. The script counts both, per code, and checks the sum against
# sysbench's totals. A lost connection (2013, 2006, 2055) is counted as a reconnect, not as an
# ignored error, and sysbench reconnects at once, retrying every millisecond until a login works.
# Debian's sysbench 1.0.20 (linked against libmariadb) crashes on that reconnect
# (akopytov/sysbench#527), so sysbench runs with bench/lib/sysbench-reconnect.c preloaded, built
# here with cc.
#
# --flavour mysql runs the demo on Oracle MySQL 9.7 (installed by scripts/mysql-server.sh).
# Needs a build (mvn -DskipTests package), sysbench and cc; writes
# bench/results/primary-restart-<time>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=40
stop_at=10
down_s=5
threads=8
proxy_config=()
flavour=mariadb
config_file=none
while [ $# -gt 0 ]; do
  case "$1" in
    --flavour) flavour="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --stop-at) stop_at="$2"; shift 2 ;;
    --down) down_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --proxy-config) proxy_config+=(--config "$2"); config_file="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$time_s" "$stop_at" "$down_s" "$threads"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "not a number: $number" >&2; exit 2; }
done
[ "$threads" -gt 0 ] || { echo "--threads must be positive" >&2; exit 2; }
[ $((stop_at + down_s)) -lt "$time_s" ] || { echo "--stop-at + --down must end before --time" >&2; exit 2; }
case "$flavour" in mariadb | mysql) ;; *) echo "--flavour is mariadb or mysql" >&2; exit 2 ;; esac

command -v curl > /dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }
command -v ss > /dev/null || { echo "ss is missing: apt-get install -y iproute2" >&2; exit 1; }
command -v cc > /dev/null || { echo "cc is missing: apt-get install -y gcc" >&2; exit 1; }
proxy_config+=(--flavour "$flavour")
sql_client=(mariadb --no-defaults)
if [ "$flavour" = mysql ]; then
  MYSQL_BIN_DIR="$(scripts/mysql-server.sh)"
  export MYSQL_BIN_DIR
  # MySQL's own client: the accounts use caching_sha2_password, whose full login after a restart
  # needs TLS, which MySQL's client uses by default.
  sql_client=("$MYSQL_BIN_DIR/mysql" --no-defaults)
fi

work="$(mktemp -d -t mysql-proxy-primary-restart.XXXXXX)"
cc -O2 -shared -fPIC -o "$work/sysbench-reconnect.so" bench/lib/sysbench-reconnect.c -ldl

# shellcheck source=bench/lib/demo.sh
source bench/lib/demo.sh
# shellcheck source=bench/lib/sysbench.sh
source bench/lib/sysbench.sh

restarted_pid=""
poller_pid=""
load_pids=()
# cleanup: everything this script started, then the demo (whose JVM only knows the primary's
# first process, not the restarted one).
cleanup() {
  local pid
  for pid in "${load_pids[@]}" $poller_pid; do
    kill "$pid" 2> /dev/null || true
  done
  for pid in "${load_pids[@]}" $poller_pid; do
    wait "$pid" 2> /dev/null || true
  done
  if [ -n "$restarted_pid" ] && kill -0 "$restarted_pid" 2> /dev/null; then
    kill "$restarted_pid" 2> /dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$restarted_pid" 2> /dev/null || break
      sleep 0.1
    done
    kill -9 "$restarted_pid" 2> /dev/null || true
    wait "$restarted_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
  stop_demo
}
trap cleanup EXIT

# server_version: the primary's version, as the proxy logged it at start ("primary ADDRESS is VERSION").
server_version="$(sed -n 's/.* - primary [0-9.:]* is \(.*\)$/\1/p' "$demo_log" | head -n 1)"

# elapsed: seconds since the load started, to 0.1 s (no subprocess: the machine is busy).
elapsed() {
  local us=$((${EPOCHREALTIME/./} - ${load_start/./}))
  printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

# accepts_logins PORT: a login and a statement on the server at PORT succeed.
accepts_logins() {
  "${sql_client[@]}" -h127.0.0.1 -P"$1" -uapp -papp-secret --connect-timeout=1 -Nse 'SELECT 1' > /dev/null 2>&1
}

# readyz_polls FILE: a curl config polling /readyz, one URL per poll, for longer than the run.
readyz_polls() {
  local i
  for ((i = 0; i < (time_s + 180) * 5; i++)); do
    echo "url = \"${admin_url}readyz\""
    echo 'output = "/dev/null"'
  done > "$1"
}

# restart_primary: stops the primary's process as the kubelet does and starts it again the same
# way after --down seconds. Sets stop_s, exited_s, started_s, ready_s (seconds since the load
# started), forced (whether SIGTERM was not enough) and restarted_pid.
restart_primary() {
  local pid
  pid="$(ss -ltnpH "sport = :$primary_port" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
  [ -n "$pid" ] || { echo "no process listens on the primary's port $primary_port" >&2; return 1; }
  # Its command line, environment, working directory and output, read before it is gone. On MySQL
  # the command line is the dynamic loader running sid's mysqld (scripts/mysql-server.sh's wrapper
  # execs it), which runs again as it is.
  local -a cmdline env_vars
  local dir output
  mapfile -d '' -t cmdline < "/proc/$pid/cmdline"
  mapfile -d '' -t env_vars < "/proc/$pid/environ"
  dir="$(readlink "/proc/$pid/cwd")"
  output="$(readlink "/proc/$pid/fd/1")"
  [ -f "$output" ] || output=/dev/null
  {
    echo "pid $pid, in $dir, output to $output:"
    printf '%q ' "${cmdline[@]}"
    echo
  } > "$work/primary-command"

  local log_offset=0
  [ "$output" = /dev/null ] || log_offset="$(stat -c %s "$output")"
  stop_s="$(elapsed)"
  kill -TERM "$pid"
  forced=no
  local waited=0
  # Gone, or a zombie its parent (the demo's JVM) has not reaped yet.
  while [ -e "/proc/$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2> /dev/null)" != Z ]; do
    if [ "$waited" -ge 300 ]; then
      kill -KILL "$pid" 2> /dev/null || true
      forced=yes
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  exited_s="$(elapsed)"
  sleep "$down_s"

  started_s="$(elapsed)"
  (cd "$dir" && exec env -i "${env_vars[@]}" "${cmdline[@]}" >> "$output" 2>&1 < /dev/null) &
  restarted_pid=$!
  for _ in $(seq 1 1200); do
    if accepts_logins "$primary_port"; then
      ready_s="$(elapsed)"
      # What the server logged from the stop until it was back, for the report.
      tail -c +$((log_offset + 1)) "$output" > "$work/primary.log"
      return 0
    fi
    kill -0 "$restarted_pid" 2> /dev/null || break
    sleep 0.1
  done
  echo "the restarted primary does not accept logins; the end of its log ($output):" >&2
  tail -n 30 "$output" >&2 || true
  return 1
}

# per_second FILE: "SECOND TPS QPS P99 ERR/S RECONN/S" for each of sysbench's per-second reports.
per_second() {
  sed -n 's/^\[ *\([0-9]*\)s \] thds: [0-9]* tps: \([0-9.]*\) qps: \([0-9.]*\) .* lat (ms,[0-9]*%): \([0-9.]*\) err\/s: \([0-9.]*\) reconn\/s: \([0-9.]*\)$/\1 \2 \3 \4 \5 \6/p' "$1"
}

sysbench_prepare
# The errors a client may get while the primary restarts, counted instead of ending the run: 1158
# (the proxy lost the session's transaction), 2013/2006/2055 (lost connection: sysbench
# reconnects), 1429 and 1290 (the proxy has no writable primary), 1053 (MySQL's "Server shutdown in
# progress", which MySQL sends its clients, the proxy's backend connections among them, on SIGTERM).
ignore=1158,2013,2006,2055,1429,1290,1053
tests=(oltp_read_write oltp_read_only)
declare -A extra=([oltp_read_write]="" [oltp_read_only]="--skip_trx=on")

echo "load: ${tests[*]} at $threads threads each for $time_s s; primary (127.0.0.1:$primary_port) stopped at ${stop_at} s for ${down_s} s"
load_start="$EPOCHREALTIME"
for test in "${tests[@]}"; do
  # shellcheck disable=SC2086 # extra holds zero or one option
  LD_PRELOAD="$work/sysbench-reconnect.so" timeout --kill-after=10 $((time_s + 120)) \
    sysbench "$test" "${sysbench_common[@]}" ${extra[$test]} --mysql-port="$proxy_port" --threads="$threads" \
    --time="$time_s" --report-interval=1 --percentile=99 --verbosity=5 --mysql-ignore-errors="$ignore" run \
    > "$work/$test.out" 2>&1 &
  load_pids+=($!)
done
# /readyz five times a second, each poll on a new connection as the kubelet's probe, until killed;
# one line per poll: "POLL STATUS SECONDS-IT-TOOK" (000: no answer within 1 s). One curl for all
# polls: a curl started every 200 ms does not keep up on this busy machine. curl starts a poll
# 200 ms after the previous one started, or when that one ends if it took longer.
readyz_polls "$work/readyz.curl"
poll_start="$(elapsed)"
stdbuf -oL curl -s -H 'Connection: close' --max-time 1 --rate 300/m -K "$work/readyz.curl" \
  -w '%{urlnum} %{http_code} %{time_total}\n' > "$work/readyz" &
poller_pid=$!

sleep "$stop_at"
restart_primary
echo "primary stopped at ${stop_s} s (exited at ${exited_s} s$([ "$forced" = yes ] && echo ', SIGKILL after 30 s'))," \
  "started again at ${started_s} s, accepting logins at ${ready_s} s"

declare -A status
for i in "${!tests[@]}"; do
  status[${tests[$i]}]=0
  wait "${load_pids[$i]}" || status[${tests[$i]}]=$?
done
load_pids=()
kill "$poller_pid" 2> /dev/null || true
wait "$poller_pid" 2> /dev/null || true
poller_pid=""
curl -fsS "${admin_url}metrics" > "$work/metrics" 2> /dev/null || true
buffer_metrics="$(grep -E 'mysqlproxy_primary_buffer|mysqlproxy_primary_buffered|mysqlproxy_transactions_lost' "$work/metrics" \
  | grep -v '^#' || true)"

# The outage window: from the stop until 5 s after the primary accepts logins again (statements
# held or retried during the outage finish, and are reported, just after it).
window_from="${stop_s%.*}"
window_to="$(awk -v r="$ready_s" -v t="$time_s" 'BEGIN { w = int(r) + 6; print (w > t ? t : w) }')"
# Each poll's start, from when the poller started and curl's --rate rule.
awk -v t="$poll_start" '{ printf "%.1f %s\n", t, $2; next_t = t + 0.2; end_t = t + $3; t = (end_t > next_t ? end_t : next_t) }' \
  "$work/readyz" > "$work/readyz.timed"
polls="$(wc -l < "$work/readyz.timed")"
not_ready="$(awk '$2 != 200' "$work/readyz.timed" | wc -l)"
not_ready_span="$(awk '$2 != 200 { if (first == "") first = $1; last = $1 }
  END { if (first != "") printf "from %s s to %s s", first, last }' "$work/readyz.timed")"
not_ready_codes="$(awk '$2 != 200 { n[$2]++ } END { for (c in n) printf "%s%s x %d", (s++ ? ", " : ""), c, n[c] }' "$work/readyz.timed")"
poll_span="$(awk 'NR == 1 { first = $1 } { last = $1 } END { printf "%s–%s s", first, last }' "$work/readyz.timed")"

declare -A figures_rw figures_ro
sysbench_figures figures_rw "$(cat "$work/oltp_read_write.out")"
sysbench_figures figures_ro "$(cat "$work/oltp_read_only.out")"
failed_rw="$(sysbench_failures "$work/oltp_read_write.out")"
failed_ro="$(sysbench_failures "$work/oltp_read_only.out")"
total() {
  awk '{ s += $NF } END { print s + 0 }' <<< "$1"
}
# counted FAILURES FIGURES: sysbench's own totals, and whether the lines counted per code add up to them.
counted() {
  local -n counts="$2"
  local ignored="${counts[ignored]:-?}" reconnects="${counts[reconnects]:-?}"
  if [ "$ignored" = "?" ] || [ "$reconnects" = "?" ]; then
    echo "? + ?"
  elif [ $((ignored + reconnects)) -eq "$(awk '$1 != "fatal" { s += $NF } END { print s + 0 }' <<< "$1")" ]; then
    echo "$ignored + $reconnects (the codes add up)"
  else
    echo "$ignored + $reconnects (**the codes do not add up**)"
  fi
}
# window_max FILE: the highest per-second p99 in the outage window.
window_max() {
  per_second "$1" | awk -v from="$window_from" -v to="$window_to" \
    '$1 > from && $1 <= to && $4 > m { m = $4 } END { printf "%.2f", m }'
}

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
report="bench/results/primary-restart-$stamp.md"
{
  echo "# Primary restart under load ($stamp)"
  echo
  echo "Commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2> /dev/null || echo ' (with local changes)');" \
    "$(nproc) cores, $(sysbench --version), servers ($flavour: $server_version), proxy and sysbench on this one machine."
  echo "Proxy configuration over the demo's: $config_file. Both tests at the same time through the proxy, $threads threads"
  echo "each, $time_s s, $sysbench_rows rows, prepared statements on, \`--mysql-ignore-errors=$ignore\`."
  echo
  echo "Primary (127.0.0.1:$primary_port): SIGTERM at **${stop_s} s**, exited at ${exited_s} s$([ "$forced" = yes ] && echo ' (SIGKILL after 30 s)'),"
  echo "started again at ${started_s} s, accepting logins at **${ready_s} s** (seconds since the load started)."
  echo
  echo "| | oltp_read_write | oltp_read_only --skip_trx=on |"
  echo "|---|---|---|"
  echo "| sysbench exit status | ${status[oltp_read_write]} | ${status[oltp_read_only]} |"
  echo "| transactions | ${figures_rw[events]:-?} | ${figures_ro[events]:-?} |"
  echo "| queries | ${figures_rw[queries]:-?} | ${figures_ro[queries]:-?} |"
  echo "| **failed statements** | **$(total "$failed_rw")** | **$(total "$failed_ro")** |"
  echo "| by error code | $(sysbench_failures_by_code "$failed_rw") | $(sysbench_failures_by_code "$failed_ro") |"
  echo "| sysbench's ignored errors + reconnects | $(counted "$failed_rw" figures_rw) | $(counted "$failed_ro" figures_ro) |"
  echo "| p99 latency ms | ${figures_rw[pct_ms]:-?} | ${figures_ro[pct_ms]:-?} |"
  echo "| max latency ms | ${figures_rw[max_ms]:-?} | ${figures_ro[max_ms]:-?} |"
  echo "| highest per-second p99 ms, ${window_from}–${window_to} s | $(window_max "$work/oltp_read_write.out") | $(window_max "$work/oltp_read_only.out") |"
  echo
  echo "\`/readyz\` every 200 ms: $polls polls ($poll_span), **$not_ready not 200**${not_ready_span:+ ($not_ready_span; $not_ready_codes)}."
  echo
  echo "Per second around the outage, tps / p99 ms / errors per s / reconnects per s (sysbench counts a statement in"
  echo "the second it ends):"
  echo
  echo "| s | oltp_read_write | oltp_read_only |"
  echo "|---|---|---|"
  awk -v from="$((window_from - 2))" -v to="$window_to" '
    NR == FNR { rw[$1] = $2 " / " $4 " / " $5 " / " $6; next }
    $1 > from && $1 <= to { printf "| %s | %s | %s |\n", $1, ($1 in rw ? rw[$1] : "-"), $2 " / " $4 " / " $5 " / " $6 }' \
    <(per_second "$work/oltp_read_write.out") <(per_second "$work/oltp_read_only.out")
  echo
  echo "<details><summary>The primary's command line, and its log from the SIGTERM until it accepted logins again (last 60"
  echo "lines)</summary>"
  echo
  echo '```'
  cat "$work/primary-command"
  echo
  tail -n 60 "$work/primary.log"
  echo '```'
  echo "</details>"
  echo
  echo "Proxy metrics at the end (\`mysqlproxy_primary_buffer*\`, \`mysqlproxy_transactions_lost*\`):"
  echo
  echo '```'
  echo "${buffer_metrics:-(none: this build has no such metrics)}"
  echo '```'
} > "$report"

cat "$report"
echo
echo "written to $report"
