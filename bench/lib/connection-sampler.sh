# shellcheck shell=bash
# Sourced by the bench scripts after bench/lib/demo.sh: how many connections each of the demo's
# servers holds, sampled every 200 ms, and the proxy's pool meters, sampled every 500 ms, so that a
# run's highest figures can be read back for its time window.
#
#   server_sampler_start DIR SECONDS PORT...  one sampler per server, over one root connection each
#                                             (opened before any load, so that the server's
#                                             max_connections cannot refuse it), for SECONDS at most;
#                                             DIR/server-PORT gets "EPOCH THREADS_CONNECTED APP"
#                                             lines, APP being the connections of the demo's app
#                                             user (the proxy's pooled connections, or sysbench's
#                                             own when it connects directly)
#   server_samplers_stop
#   pool_sampler_start FILE ADMIN_URL SECONDS the proxy's /metrics every 500 ms for SECONDS at most;
#                                             FILE gets "EPOCH BACKEND OPEN IDLE" lines
#   pool_sampler_stop
#   server_max FILE FROM TO                   "THREADS_CONNECTED APP": the highest of each in the
#                                             file's samples between the epochs FROM and TO
#   pool_max FILE BACKEND FROM TO             the highest OPEN of BACKEND ("127.0.0.1:PORT") then
#
# Each sampler is one shell loop, feeding queries to a single mariadb client or running curl, so that
# sampling costs the busy machine little; the figures are only read at the end. They run in the
# real-time class: among thousands of runnable client threads a sampler at normal priority would
# wait seconds for a core, and miss what it is there to see.

server_sampler_pids=()
pool_sampler_pid=""

server_sampler_start() {
  local dir="$1" seconds="$2" port
  shift 2
  local query="SELECT UNIX_TIMESTAMP(NOW(3)), VARIABLE_VALUE,"
  query+=" (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app')"
  query+=" FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED';"
  for port in "$@"; do
    # The loop ends by itself after SECONDS, or at its next write once the client is gone.
    # shellcheck disable=SC2016 # expanded by the loop's own shell
    chrt -f 40 bash -c 'for ((i = 0; i < $1 * 5; i++)); do echo "$2"; sleep 0.2; done' sampler "$seconds" "$query" \
      | chrt -f 40 mariadb --no-defaults --unbuffered -N -B -h127.0.0.1 -P"$port" -uroot -ptestbed-root \
      > "$dir/server-$port" 2> "$dir/server-$port.err" &
    server_sampler_pids+=($!)
  done
}

server_samplers_stop() {
  local pid
  for pid in "${server_sampler_pids[@]}"; do
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  server_sampler_pids=()
}

pool_sampler_start() {
  local file="$1" admin="$2" seconds="$3"
  # shellcheck disable=SC2016 # expanded by the loop's own shell
  chrt -f 40 bash -c 'for ((i = 0; i < $2 * 2; i++)); do
    curl -fs --max-time 1 "$1/metrics" | awk -v now="$EPOCHREALTIME" "$3"
    sleep 0.5
  done' pool-sampler "$admin" "$seconds" '
      /^mysqlproxy_backend_connections_(open|idle)\{/ {
        match($1, /backend="[^"]*"/)
        backend = substr($1, RSTART + 9, RLENGTH - 10)
        kind = ($1 ~ /_open\{/) ? "open" : "idle"
        value[backend, kind] = $NF
        seen[backend] = 1
      }
      END { for (b in seen) printf "%s %s %.0f %.0f\n", now, b, value[b, "open"], value[b, "idle"] }' \
    > "$file" 2> /dev/null &
  pool_sampler_pid=$!
}

pool_sampler_stop() {
  [ -n "$pool_sampler_pid" ] || return 0
  kill "$pool_sampler_pid" 2> /dev/null || true
  wait "$pool_sampler_pid" 2> /dev/null || true
  pool_sampler_pid=""
}

server_max() {
  awk -v from="$2" -v to="$3" '
    $1 >= from && $1 <= to { if ($2 > threads) threads = $2; if ($3 > app) app = $3 }
    END { printf "%d %d\n", threads, app }' "$1"
}

pool_max() {
  awk -v backend="$2" -v from="$3" -v to="$4" '
    $2 == backend && $1 >= from && $1 <= to && $3 > open { open = $3 }
    END { printf "%d\n", open }' "$1"
}
