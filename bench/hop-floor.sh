#!/usr/bin/env bash
# What one TCP hop costs on this machine, whatever does the forwarding: the sysbench matrix (point
# selects and read-only at 8 threads) directly against the primary, through mysql-proxy as the demo
# runs it (reads on the two replicas), and through three more paths started next to it:
#   proxy-primary  a second mysql-proxy process (bin/mysql-proxy run) with no replicas, so that
#                  reads go to the primary like the direct runs' do;
#   relay          io.mysqlproxy.bench.TcpRelay: a Netty relay on the proxy's transport that only
#                  forwards bytes to the primary (no parsing, routing or pooling);
#   socat          socat forwarding to the primary, a relay with no JVM at all.
# The relays bound what any proxy can reach here: the gap between them and direct is the hop, the
# gap between them and mysql-proxy is the proxy's own work.
#
#   bench/hop-floor.sh [--time SECONDS] [--tests "oltp_point_select oltp_read_only"]
#                      [--proxy-config FILE]   (HOCON over the demo proxy's configuration)
#
# Needs a build (mvn -DskipTests package) and socat (installed as root when missing). Uses the
# demo's ports 6033/9090 and 6034, 6035, 6038 and 9098 on 127.0.0.1. Writes bench/results/matrix-<time>.*
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
tests="oltp_point_select oltp_read_only"
proxy_config=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --proxy-config) proxy_config=(--proxy-config "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if ! command -v socat > /dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q socat > /dev/null
  else
    echo "socat is missing: sudo apt-get install -y socat" >&2
    exit 1
  fi
fi
if ! compgen -G "bench/target/lib/*.jar" > /dev/null || [ ! -f bench/target/classes/io/mysqlproxy/bench/TcpRelay.class ]; then
  echo "the bench module is not built: mvn -DskipTests package" >&2
  exit 1
fi

# Run by sysbench-matrix.sh once the demo is up, with PRIMARY_PORT in its environment; what it
# starts in the background is stopped with the matrix.
# shellcheck disable=SC2016 # expanded by the matrix's shell, not this one
setup='
java -Dio.netty.leakDetection.level=disabled -cp "bench/target/classes:bench/target/lib/*" \
  io.mysqlproxy.bench.TcpRelay --port 6034 --backend "127.0.0.1:$PRIMARY_PORT" > /dev/null 2>&1 &
socat "TCP-LISTEN:6035,fork,reuseaddr,bind=127.0.0.1,nodelay" "TCP:127.0.0.1:$PRIMARY_PORT,nodelay" &
config="$(mktemp -t hop-floor.XXXXXX.conf)"
cat > "$config" <<CONF
mysql-proxy {
  listen { host = "127.0.0.1", port = 6038 }
  admin.port = 9098
  backends { primary = "127.0.0.1:$PRIMARY_PORT", replicas = [] }
  users = [ { name = app, password = app-secret } ]
  monitor { user = monitor, password = monitor-secret }
}
CONF
bin/mysql-proxy run --config "$config" > /dev/null 2>&1 &
'

exec bench/sysbench-matrix.sh --time "$time_s" --threads 8 --tests "$tests" "${proxy_config[@]}" \
  --target proxy-primary=127.0.0.1:6038 --target relay=127.0.0.1:6034 --target socat=127.0.0.1:6035 \
  --target-setup "$setup"
