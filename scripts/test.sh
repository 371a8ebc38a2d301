#!/usr/bin/env bash
# Runs the whole test suite: unit tests (Surefire) and integration tests against real MariaDB
# servers (Failsafe), with Netty's leak detector at PARANOID. Fails on any test failure or leak.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/debian-packages.sh
log="$(mktemp -t mysql-proxy-test.XXXXXX.log)"
status=0
mvn -B -ntp verify "$@" 2>&1 | tee "$log" || status=$?
# LeakFailingExtension fails the test class that leaked; this also catches a report that came
# after the last test of a JVM had finished.
if grep -q "LEAK: " "$log"; then
  echo "Netty reported a buffer leak (see LEAK: lines above)" >&2
  status=1
fi
rm -f "$log"
exit "$status"
