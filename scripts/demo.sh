#!/usr/bin/env bash
# Builds mysql-proxy and starts the demo: a local MariaDB primary, two GTID replicas and the
# proxy on 127.0.0.1:6033. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/debian-packages.sh
mvn -B -q -ntp -DskipTests package
exec bin/mysql-proxy demo
