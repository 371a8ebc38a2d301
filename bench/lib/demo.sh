# shellcheck shell=bash
# Sourced by the bench scripts: checks sysbench, the build and that the demo's ports are free,
# starts `bin/mysql-proxy demo` with the extra arguments in the array proxy_config, stops it on exit
# (stop_demo, trap EXIT), and sets primary_port, replica_ports (space-separated), proxy_port and
# admin_url from what the demo prints.

command -v sysbench > /dev/null || { echo "sysbench is missing: apt-get install -y sysbench" >&2; exit 1; }
compgen -G "proxy-app/target/mysql-proxy/lib/*.jar" > /dev/null \
  || { echo "build first: mvn -DskipTests package" >&2; exit 1; }

# The demo listens on the fixed ports 6033 (proxy) and 9090 (admin): refuse to start next to another
# demo or anything else there. So whatever still holds them when this demo stops is this demo's.
for port in 6033 9090; do
  if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    echo "127.0.0.1:$port is in use (another demo?): stop it first" >&2
    exit 1
  fi
done

demo_log="$(mktemp -t mysql-proxy-bench.XXXXXX.log)"
# proxy_config is the sourcing script's array of extra demo arguments (possibly empty).
# shellcheck disable=SC2154
bin/mysql-proxy demo "${proxy_config[@]}" > "$demo_log" 2>&1 &
demo_pid=$!
stop_demo() {
  kill "$demo_pid" 2> /dev/null || true
  wait "$demo_pid" 2> /dev/null || true
  # Normally nothing is left; should the JVM hang in its shutdown, free the demo's ports anyway.
  fuser -k 6033/tcp 9090/tcp > /dev/null 2>&1 || true
  rm -f "$demo_log"
}
trap stop_demo EXIT

for _ in $(seq 1 120); do
  grep -q "proxy     127.0.0.1:" "$demo_log" && break
  kill -0 "$demo_pid" 2> /dev/null || { cat "$demo_log" >&2; exit 1; }
  sleep 1
done
primary_port="$(sed -n 's/^  primary   127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo_log")"
replica_ports="$(sed -n 's/^  replica   127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo_log" | tr '\n' ' ')"
proxy_port="$(sed -n 's/^  proxy     127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo_log")"
admin_url="$(grep -o 'http://[0-9.]*:[0-9]*/' "$demo_log" | head -1)"
if [ -z "$primary_port" ] || [ -z "$proxy_port" ] || [ -z "$admin_url" ]; then
  cat "$demo_log" >&2
  exit 1
fi
# Used by the scripts that source this file.
export primary_port replica_ports proxy_port admin_url
