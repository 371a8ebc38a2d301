#!/usr/bin/env bash
# Writes $CONF_DIR/my.cnf for this pod: the shared settings, then the primary's or a replica's (ordinal 0
# is the primary), then what differs per pod: server_id from the ordinal, paths and port. Runs at every
# pod start; the output depends only on the inputs, and an unchanged file is left untouched.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

role=replica
is_primary && role=primary
server_id=$((SERVER_ID_OFFSET + ORDINAL))

for file in common.cnf "$role.cnf"; do
  [[ -f $CONFIG_MAP_DIR/$file ]] || die "$CONFIG_MAP_DIR/$file is missing (it comes from the mysql-config ConfigMap)"
done
require_tls_files

mkdir -p "$CONF_DIR"
new="$(mktemp "$CONF_DIR/.my.cnf.XXXXXX")"
remove_new() { rm -f "$new"; }
at_exit remove_new
{
  printf '# Written by init-config.sh for %s (%s, %s). Rewritten at every pod start: edit the ConfigMap.\n' \
    "$POD_NAME" "$role" "$MYSQL_FLAVOR"
  cat "$CONFIG_MAP_DIR/common.cnf" "$CONFIG_MAP_DIR/$role.cnf"
  printf '\n[mysqld]\n'
  printf 'server_id = %s\n' "$server_id"
  # What SHOW REPLICAS / SHOW SLAVE HOSTS report on the primary: the pod's stable DNS name.
  printf 'report_host = %s\n' "${REPORT_HOST:-$POD_NAME.$SERVICE_NAME}"
  printf 'port = %s\n' "$MYSQL_PORT"
  printf 'datadir = %s\n' "$DATA_DIR"
  printf 'socket = %s\n' "$SOCKET"
  printf 'pid_file = %s\n' "$RUN_DIR/mysqld.pid"
  printf 'tmpdir = %s\n' "$TMP_DIR"
  [[ -z ${BIND_ADDRESS:-} ]] || printf 'bind_address = %s\n' "$BIND_ADDRESS"
  # The certificate every TCP client gets; common.cnf requires TLS of them (require_secure_transport).
  printf 'ssl_ca = %s/ca.crt\nssl_cert = %s/tls.crt\nssl_key = %s/tls.key\n' \
    "$MYSQL_TLS_DIR" "$MYSQL_TLS_DIR" "$MYSQL_TLS_DIR"
  # The buffer pool follows the server container's memory limit (the downward API passes it in bytes), so an
  # overlay that resizes the pod resizes the pool too; half leaves room for connections and the OS cache.
  if [[ -n ${MYSQL_MEMORY_LIMIT:-} ]]; then
    chunk=$((128 * 1024 * 1024))
    pool=$(( MYSQL_MEMORY_LIMIT * ${BUFFER_POOL_PERCENT:-50} / 100 / chunk * chunk ))
    printf 'innodb_buffer_pool_size = %s\n' "$(( pool > chunk ? pool : chunk ))"
  fi
  # Only for running as root outside a container (mysqld refuses root unless told so); pods run as mysql.
  [[ -z ${MYSQLD_USER:-} ]] || printf 'user = %s\n' "$MYSQLD_USER"
  printf '\n[client]\nsocket = %s\nport = %s\n' "$SOCKET" "$MYSQL_PORT"
} > "$new"

# (Compared in bash: the slim mysql image has no cmp.)
if [[ -f $CONF_DIR/my.cnf && "$(< "$new")" == "$(< "$CONF_DIR/my.cnf")" ]]; then
  log "$CONF_DIR/my.cnf is up to date ($role, server_id $server_id)"
else
  chmod 0644 "$new"
  mv "$new" "$CONF_DIR/my.cnf"
  log "wrote $CONF_DIR/my.cnf ($role, server_id $server_id)"
fi
