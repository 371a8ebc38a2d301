# shellcheck shell=bash
# Sourced by the --target-setup of bench/build-compare.sh, in the shell sysbench-matrix.sh starts
# with PRIMARY_PORT and REPLICA_PORTS in its environment:
#
#   proxy_build_start HOME PORT ADMIN_PORT   starts `bin/mysql-proxy run` from the build in HOME
#                                            (a folder holding lib/*.jar) in front of the demo's
#                                            primary and replicas, like the demo's own proxy; it
#                                            runs in the background until the matrix ends
proxy_build_start() {
  local home="$1" port="$2" admin_port="$3" replicas="" p config
  for p in $REPLICA_PORTS; do replicas+="\"127.0.0.1:$p\", "; done
  config="$(mktemp -t build-compare.XXXXXX.conf)"
  cat > "$config" <<CONF
mysql-proxy {
  listen { host = "127.0.0.1", port = $port }
  admin.port = $admin_port
  backends {
    primary = "127.0.0.1:$PRIMARY_PORT"
    replicas = [${replicas%, }]
  }
  users = [ { name = app, password = app-secret } ]
  monitor { user = monitor, password = monitor-secret }
}
CONF
  MYSQL_PROXY_HOME="$home" bin/mysql-proxy run --config "$config" > "${config%.conf}.log" 2>&1 &
}
