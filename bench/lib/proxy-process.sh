# shellcheck shell=bash disable=SC2154 # primary_port and replica_ports come from bench/lib/demo.sh
# Sourced by the bench scripts after bench/lib/demo.sh: a separate `bin/mysql-proxy run` process
# in front of the demo's servers, so that /proc shows the proxy alone (the demo's JVM also runs
# the test bed), and figures read from that process.
#
#   proxy_process_start PORT ADMIN_PORT JAVA_OPTS [HOCON]   starts it (HOCON: extra keys under
#                                                          mysql-proxy), waits for /readyz; sets
#                                                          proxy_pid, proxy_log, proxy_admin; at
#                                                          the niceness in $proxy_nice (default 0:
#                                                          as the servers and sysbench)
#   proxy_process_stop                                     stops it and removes its log (the
#                                                          sourcing script's trap)
#   proxy_scrape FILE                                      /metrics into FILE
#   scrape_sum FILE NAME [FILTER]                          the sum of NAME's samples in FILE
#                                                          (FILTER: text a sample's labels contain)
#   proc_figure NAME                                       VmRSS (MiB), Threads or FDs of the process

proxy_pid=""
proxy_log=""
proxy_config_file=""
proxy_admin=""
proxy_process_start() {
  local port="$1" admin_port="$2" java_opts="$3" extra="${4:-}" replica_list="" config p
  for p in "$port" "$admin_port"; do
    if (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then
      echo "127.0.0.1:$p is in use: stop it first" >&2
      return 1
    fi
  done
  for p in $replica_ports; do replica_list+="\"127.0.0.1:$p\", "; done
  config="$(mktemp -t mysql-proxy-bench.XXXXXX.conf)"
  proxy_config_file="$config"
  proxy_log="${config%.conf}.log"
  cat > "$config" <<CONF
mysql-proxy {
  listen { host = "127.0.0.1", port = $port }
  admin.port = $admin_port
  backends {
    primary = "127.0.0.1:$primary_port"
    replicas = [${replica_list%, }]
  }
  users = [ { name = app, password = app-secret } ]
  monitor { user = monitor, password = monitor-secret }
  $extra
}
CONF
  JAVA_OPTS="$java_opts" nice -n "${proxy_nice:-0}" bin/mysql-proxy run --config "$config" > "$proxy_log" 2>&1 &
  proxy_pid=$!
  proxy_admin="http://127.0.0.1:$admin_port"
  for _ in $(seq 1 60); do
    curl -fs "$proxy_admin/readyz" > /dev/null 2>&1 && return 0
    kill -0 "$proxy_pid" 2> /dev/null || { cat "$proxy_log" >&2; return 1; }
    sleep 1
  done
  echo "the proxy on port $port did not get ready in 60 s" >&2
  return 1
}

proxy_process_stop() {
  if [ -n "$proxy_pid" ]; then
    kill "$proxy_pid" 2> /dev/null || true
    wait "$proxy_pid" 2> /dev/null || true
    proxy_pid=""
  fi
  rm -f "$proxy_config_file" "$proxy_log"
}

proxy_scrape() {
  curl -fs "$proxy_admin/metrics" > "$1"
}

scrape_sum() {
  awk -v name="$2" -v filter="${3:-}" '
    ($1 == name || index($1, name "{") == 1) && (filter == "" || index($1, filter) > 0) { sum += $NF }
    END { printf "%.0f", sum }' "$1"
}

proc_figure() {
  case "$1" in
    VmRSS) awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$proxy_pid/status" ;;
    Threads) awk '/^Threads:/ { print $2 }' "/proc/$proxy_pid/status" ;;
    FDs) find "/proc/$proxy_pid/fd" -mindepth 1 -maxdepth 1 | wc -l ;;
    *) echo "proc_figure: unknown figure $1" >&2; return 1 ;;
  esac
}
