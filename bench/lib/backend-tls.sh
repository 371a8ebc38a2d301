# shellcheck shell=bash disable=SC2153 # PRIMARY_PORT and REPLICA_PORTS come from sysbench-matrix.sh
# Sourced by the --target-setup of bench/backend-tls.sh, in the shell sysbench-matrix.sh starts with
# PRIMARY_PORT and REPLICA_PORTS in its environment:
#
#   backend_tls_start OFF_PORT OFF_ADMIN ON_PORT ON_ADMIN   starts two `bin/mysql-proxy run` processes of
#                                                          this build in front of the demo's servers, the
#                                                          same configuration but for the backend TLS:
#                                                          `disabled` on OFF_PORT, `verify-ca` against the
#                                                          servers' own CA on ON_PORT; they run until the
#                                                          matrix ends

# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

backend_tls_start() {
  local off_port="$1" off_admin="$2" on_port="$3" on_admin="$4" ca
  # proxy-process.sh reads the demo's ports from these.
  primary_port="$PRIMARY_PORT"
  replica_ports="$REPLICA_PORTS"
  # The CA file the servers were started with (the test bed's own, see ReplicatedTestBed.tls()): what
  # the proxy verifies them against.
  ca="$(mariadb -h127.0.0.1 -P"$primary_port" -uapp -papp-secret -Nse 'SELECT @@ssl_ca')"
  if [ -z "$ca" ] || [ "$ca" = NULL ] || [ ! -r "$ca" ]; then
    echo "the demo's servers have no CA file (ssl_ca '$ca'): was the test bed started with" \
      "testbed.backend-tls=off (MYSQL_PROXY_TESTBED_BACKEND_TLS)?" >&2
    return 1
  fi
  echo "backend TLS: off on 127.0.0.1:$off_port, verify-ca against $ca on 127.0.0.1:$on_port"
  proxy_process_start "$off_port" "$off_admin" "" "backends.tls.mode = disabled"
  proxy_process_start "$on_port" "$on_admin" "" "backends.tls { mode = verify-ca, ca = \"$ca\" }"
  # A build without backends.tls ignores the key and would compare plain with plain: the cipher of the
  # backend session, which the proxy passes through, tells them apart.
  backend_cipher "$on_port" | grep -q . \
    || { echo "the proxy on $on_port does not encrypt to the backends: a build without backends.tls?" >&2; return 1; }
  [ -z "$(backend_cipher "$off_port")" ] \
    || { echo "the proxy on $off_port encrypts to the backends with backends.tls.mode = disabled" >&2; return 1; }
}

# backend_cipher PORT: Ssl_cipher as a client of the proxy on PORT sees it, empty when not encrypted.
backend_cipher() {
  mariadb -h127.0.0.1 -P"$1" -uapp -papp-secret app --skip-ssl -Nse "SHOW SESSION STATUS LIKE 'Ssl_cipher'" | cut -f2
}
