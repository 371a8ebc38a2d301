#!/usr/bin/env bash
# Runs the whole test suite: unit tests (Surefire) and integration tests (Failsafe) against real
# MariaDB servers, then the integration tests again against real Oracle MySQL 9.7 servers, with
# Netty's leak detector at PARANOID. Fails on any test failure or leak. Arguments go to both Maven
# runs (e.g. -Dit.test=ReadWriteSplitIT, or -Dtestbed.backend-tls=off to start the servers without the
# test bed's TLS certificates).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/debian-packages.sh
# Installs (or finds cached) MySQL 9.7 from Debian sid; the test bed looks for it in MYSQL_BIN_DIR.
MYSQL_BIN_DIR="$(scripts/mysql-server.sh)"
export MYSQL_BIN_DIR

log="$(mktemp -t mysql-proxy-test.XXXXXX.log)"
status=0
# The ITs that exercise session state (SETs, schema, transactions, prepared statements, LAST_INSERT_ID,
# read-your-writes), run once more on each flavour with transaction multiplexing
# (backends.pool.multiplexing = transaction, see ProxyFixture).
multiplexed_its="SessionStateIT,PooledSessionStateIT,ReadWriteSplitIT,ReadYourWritesIT,UserVariablePinIT,ConnectionIdIT,JdbcClientIT,ChangeUserIT,MultiplexingIT,SessionsIT"
multiplexed() {
  echo "=== $1: session-state integration tests with transaction multiplexing"
  shift
  mvn -B -ntp verify -pl proxy-app -am -Dtestbed.multiplexing=transaction -Dit.test="$multiplexed_its" \
    -Dfailsafe.failIfNoSpecifiedTests=false -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 \
    | tee -a "$log" || status=$?
}
echo "=== MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'): unit and integration tests"
mvn -B -ntp verify "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -eq 0 ]; then
  multiplexed MariaDB "$@"
fi
if [ "$status" -eq 0 ]; then
  echo "=== MySQL $("$MYSQL_BIN_DIR/mysqld" --version | awk '{print $3}'): integration tests"
  # The unit tests do not touch a server, so they ran once above; deploy-tests runs the bootstrap
  # scripts on both flavours by itself.
  mvn -B -ntp verify -pl '!deploy-tests' -Dtestbed.flavour=mysql -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false \
    "$@" 2>&1 \
    | tee -a "$log" || status=$?
  if [ "$status" -eq 0 ]; then
    multiplexed MySQL -Dtestbed.flavour=mysql "$@"
  fi
fi
# LeakFailingExtension fails the test class that leaked; this also catches a report that came
# after the last test of a JVM had finished.
if grep -q "LEAK: " "$log"; then
  echo "Netty reported a buffer leak (see LEAK: lines above)" >&2
  status=1
fi
rm -f "$log"
exit "$status"
