# shellcheck shell=bash disable=SC2153 # PRIMARY_PORT and REPLICA_PORTS come from sysbench-matrix.sh
# Sourced by the --target-setup of bench/build-compare.sh, in the shell sysbench-matrix.sh starts
# with PRIMARY_PORT and REPLICA_PORTS in its environment:
#
#   proxy_build_start HOME PORT ADMIN_PORT   starts `bin/mysql-proxy run` from the build in HOME
#                                            (a folder holding lib/*.jar) in front of the demo's
#                                            primary and replicas, like the demo's own proxy, and
#                                            waits for its /readyz; it runs until the matrix ends

# shellcheck source=bench/lib/proxy-process.sh
source bench/lib/proxy-process.sh

proxy_build_start() {
  local home="$1" port="$2" admin_port="$3"
  # proxy-process.sh reads the demo's ports from these.
  primary_port="$PRIMARY_PORT"
  replica_ports="$REPLICA_PORTS"
  MYSQL_PROXY_HOME="$home" proxy_process_start "$port" "$admin_port" ""
}
