#!/usr/bin/env bash
# Builds mysql-proxy and starts the demo: a local MariaDB primary, two GTID replicas and the
# proxy on 127.0.0.1:6033; `scripts/demo.sh --flavour mysql` runs Oracle MySQL 9.7 instead.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/debian-packages.sh
if [ "${1:-}" = --flavour ] && [ "${2:-}" = mysql ]; then
  MYSQL_BIN_DIR="$(scripts/mysql-server.sh)"
  export MYSQL_BIN_DIR
fi
mvn -B -q -ntp -DskipTests package
exec bin/mysql-proxy demo "$@"
