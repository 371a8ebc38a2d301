#!/usr/bin/env bash
# Kubernetes probes, credentials read from the environment into a private option file (never on a command
# line). probe.sh live | ready | backup
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  live)
    # The server answers on its socket. mysqladmin ping succeeds even when the login is refused, on
    # purpose: a rotated password must make pods unready, not restart them in a loop.
    make_options_file "$MYSQL_MONITOR_USER" "${MYSQL_MONITOR_PASSWORD:-}"
    "$ADMIN" --defaults-file="$OPTIONS_FILE" --connect-timeout=5 ping >/dev/null
    ;;
  ready)
    # The monitor account can run a query over TCP, the way the proxy and the replicas reach the server: with
    # TLS, and a certificate from the deployment's CA.
    require_password MYSQL_MONITOR_PASSWORD
    make_options_file "$MYSQL_MONITOR_USER" "$MYSQL_MONITOR_PASSWORD"
    tls_client_options
    "$CLIENT" --defaults-file="$OPTIONS_FILE" --protocol=tcp --host="${PROBE_HOST:-127.0.0.1}" \
      --port="$MYSQL_PORT" "${TLS_CLIENT_OPTIONS[@]}" --connect-timeout=5 --batch --skip-column-names \
      -e 'SELECT 1' >/dev/null
    ;;
  backup)
    # serve-backup.sh is listening. Connecting would start a backup, so read the kernel's socket table.
    port="$(printf ':%04X' "$CLONE_PORT")"
    tables=(/proc/net/tcp)
    [[ ! -r /proc/net/tcp6 ]] || tables+=(/proc/net/tcp6)
    awk -v port="$port" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1 }
      END { exit !found }' "${tables[@]}"
    ;;
  *)
    die "usage: probe.sh live | ready | backup"
    ;;
esac
