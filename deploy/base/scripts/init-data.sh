#!/usr/bin/env bash
# Gives this pod its data directory, once. Ordinal 0 (the primary) starts from an empty server and creates
# the accounts; every other ordinal clones the pod before it and is pointed at the primary with GTID
# auto-positioning. Everything is built in $DATA_DIR.staging and renamed to $DATA_DIR only when complete,
# so a container killed at any moment leaves either no data directory (the next start begins again from
# scratch) or a complete one (the next start does nothing).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if is_initialised; then
  log "$DATA_DIR is initialised ($(head -n 1 "$DATA_DIR/$INIT_MARKER")); nothing to do"
  exit 0
fi
if [[ -d $DATA_DIR && -n "$(ls -A "$DATA_DIR")" ]]; then
  die "$DATA_DIR holds files but no $INIT_MARKER; not touching it (create the marker to adopt it)"
fi
[[ -f $CONF_DIR/my.cnf ]] || die "$CONF_DIR/my.cnf is missing: run init-config.sh first"
require_password MYSQL_ROOT_PASSWORD
require_password MYSQL_REPLICATION_PASSWORD
require_tls_files

staging="${DATA_DIR%/}.staging"
temp_socket="$RUN_DIR/init-data.sock"
temp_pid=""
mkdir -p "$RUN_DIR"

# A temporary server on the staging directory: socket only, no binary log (nothing done here is a
# transaction for replicas to replay: they get it all by cloning), replication threads not started.
start_temp_server() {
  local extra=(--skip-networking --skip-log-bin "$SKIP_REPLICA_START" --read-only=OFF)
  [[ $MYSQL_FLAVOR != mysql ]] || extra+=(--super-read-only=OFF --mysqlx=OFF)
  log "starting a temporary server on $staging"
  "$MYSQLD" --defaults-file="$CONF_DIR/my.cnf" --datadir="$staging" --socket="$temp_socket" \
    --pid-file="$RUN_DIR/init-data.pid" "${extra[@]}" &
  temp_pid=$!
  local deadline=$((SECONDS + ${TEMP_SERVER_TIMEOUT:-600}))
  # mysqladmin ping answers 0 once the server accepts connections, whatever the credentials.
  until "$ADMIN" --no-defaults --socket="$temp_socket" --connect-timeout=2 ping >/dev/null 2>&1; do
    kill -0 "$temp_pid" 2>/dev/null || die "the temporary server exited; its log is above"
    (( SECONDS < deadline )) || die "the temporary server did not start within ${TEMP_SERVER_TIMEOUT:-600}s"
    sleep 1
  done
}

# SIGTERM is a clean shutdown for mysqld and mariadbd alike, and needs no credentials.
stop_temp_server() {
  [[ -n $temp_pid ]] || return 0
  kill -TERM "$temp_pid" 2>/dev/null || true
  wait "$temp_pid" || true
  temp_pid=""
}

# Whatever happens, no temporary server outlives this script.
kill_temp_server() {
  [[ -n $temp_pid ]] || return 0
  kill -TERM "$temp_pid" 2>/dev/null || return 0
  local waited=0
  while kill -0 "$temp_pid" 2>/dev/null && (( waited++ < 60 )); do sleep 1; done
  kill -KILL "$temp_pid" 2>/dev/null || true
}
at_exit kill_temp_server

# sql OPTIONS_FILE [client args...]: runs SQL from stdin (or -e) on the temporary server.
sql() {
  local options="$1"
  shift
  "$CLIENT" --defaults-file="$options" --socket="$temp_socket" --batch --skip-column-names "$@"
}

initialise_primary() {
  require_password MYSQL_APP_PASSWORD
  require_password MYSQL_MONITOR_PASSWORD
  log "initialising an empty $MYSQL_FLAVOR data directory"
  if [[ $MYSQL_FLAVOR == mysql ]]; then
    "$MYSQLD" --defaults-file="$CONF_DIR/my.cnf" --datadir="$staging" --initialize-insecure
  else
    # "normal": root@localhost with an empty password, replaced below; no test database.
    mariadb-install-db --defaults-file="$CONF_DIR/my.cnf" --datadir="$staging" \
      --skip-test-db --auth-root-authentication-method=normal >/dev/null
  fi
  start_temp_server
  make_options_file root ""
  local root_options="$OPTIONS_FILE" extra_accounts account
  # Only root@localhost stays of the accounts the installer made: administration happens inside the pod.
  extra_accounts="$(sql "$root_options" -e \
    "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user WHERE user = '' OR (user = 'root' AND host <> 'localhost')")"
  for account in $extra_accounts; do
    sql "$root_options" -e "DROP USER $account"
  done
  local replication_privileges monitor_privileges accounts_table identified
  if [[ $MYSQL_FLAVOR == mysql ]]; then
    # BACKUP_ADMIN lets a new replica clone this server with the same account.
    replication_privileges="REPLICATION SLAVE, BACKUP_ADMIN"
    monitor_privileges="REPLICATION CLIENT"
    # The proxy reads the accounts from here with user-source = servers | both.
    accounts_table="mysql.user"
    # Named, not left to authentication_policy: MySQL 9 has no built-in mysql_native_password, and the
    # proxy in front answers the plugin the primary greets with (deploy/base/proxy/application.conf).
    identified="IDENTIFIED WITH caching_sha2_password BY"
  else
    replication_privileges="REPLICATION SLAVE"
    monitor_privileges="SLAVE MONITOR, BINLOG MONITOR"
    # mysql.user is a view over it without account_locked; the proxy reads this table instead.
    accounts_table="mysql.global_priv"
    identified="IDENTIFIED BY"
  fi
  local repl monitor app
  repl="$(sql_string "$MYSQL_REPLICATION_USER")@'%'"
  monitor="$(sql_string "$MYSQL_MONITOR_USER")@'%'"
  app="$(sql_string "$MYSQL_APP_USER")@'%'"
  log "creating the accounts root@localhost, $MYSQL_REPLICATION_USER, $MYSQL_MONITOR_USER, $MYSQL_APP_USER and database $MYSQL_APP_DATABASE"
  sql "$root_options" <<SQL
ALTER USER 'root'@'localhost' $identified $(sql_string "$MYSQL_ROOT_PASSWORD");
CREATE USER $repl $identified $(sql_string "$MYSQL_REPLICATION_PASSWORD") REQUIRE SSL;
GRANT $replication_privileges ON *.* TO $repl;
CREATE USER $monitor $identified $(sql_string "$MYSQL_MONITOR_PASSWORD");
GRANT $monitor_privileges ON *.* TO $monitor;
GRANT SELECT ON $accounts_table TO $monitor;
CREATE DATABASE \`$MYSQL_APP_DATABASE\` CHARACTER SET utf8mb4;
CREATE USER $app $identified $(sql_string "$MYSQL_APP_PASSWORD");
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES,
  EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER, EVENT, REFERENCES
  ON \`$MYSQL_APP_DATABASE\`.* TO $app;
SQL
  stop_temp_server
}

# MariaDB: the peer's serve-backup.sh streams `mariadb-backup --backup` over mutually authenticated TLS
# (this pod's certificate for the peer; the peer's, for the name $CLONE_PEER_HOST, for us); it is unpacked,
# prepared, and its GTID position becomes this replica's starting point. A refused handshake is an empty
# stream, retried like a peer that is not up yet.
receive_mariadb_backup() {
  socat -u "OPENSSL:$CLONE_PEER_HOST:$CLONE_PEER_PORT,connect-timeout=10,$(socat_tls_options)" STDOUT |
    mbstream -x -C "$staging" &&
    # The info file is streamed last: without it the stream was cut short.
    compgen -G "$staging/*backup_info" >/dev/null
}

clone_mariadb() {
  local deadline=$((SECONDS + ${CLONE_TIMEOUT:-1800}))
  until receive_mariadb_backup; do
    (( SECONDS < deadline )) || die "no complete backup from $CLONE_PEER_HOST:$CLONE_PEER_PORT within ${CLONE_TIMEOUT:-1800}s"
    log "no complete backup from $CLONE_PEER_HOST:$CLONE_PEER_PORT yet; retrying in 5s"
    sleep 5
    rm -rf "$staging" && mkdir -p "$staging"
  done
  log "backup received; preparing it"
  "$BACKUP" --no-defaults --prepare --target-dir="$staging" >&2
  local info _file _position gtid=""
  info="$(compgen -G "$staging/*backup_binlog_info" | head -n 1)" || die "the backup has no binlog info"
  read -r _file _position gtid < "$info" || true
  # The backup's own bookkeeping must not linger: a later backup of this replica would ship it again.
  rm -f "$staging"/xtrabackup_* "$staging"/mariadb_backup_* "$staging/backup-my.cnf"
  log "the clone ends at GTID '${gtid}'; replicating from $PRIMARY_HOST:$PRIMARY_PORT from there, over TLS"
  start_temp_server
  make_options_file root "$MYSQL_ROOT_PASSWORD"
  sql "$OPTIONS_FILE" <<SQL
RESET SLAVE ALL;
SET GLOBAL gtid_slave_pos = $(sql_string "$gtid");
CHANGE MASTER TO MASTER_HOST = $(sql_string "$PRIMARY_HOST"), MASTER_PORT = $PRIMARY_PORT,
  MASTER_USER = $(sql_string "$MYSQL_REPLICATION_USER"), MASTER_PASSWORD = $(sql_string "$MYSQL_REPLICATION_PASSWORD"),
  MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 10,
  MASTER_SSL = 1, MASTER_SSL_CA = $(sql_string "$MYSQL_TLS_DIR/ca.crt"), MASTER_SSL_VERIFY_SERVER_CERT = 1;
SQL
  stop_temp_server
}

# MySQL: the clone plugin copies the peer over its SQL port into a freshly initialised server,
# GTID state included, so SOURCE_AUTO_POSITION needs nothing else. Returns 1, with the temporary
# server stopped, if the peer could not be cloned (not reachable yet, refused the account...).
attempt_mysql_clone() {
  "$MYSQLD" --defaults-file="$CONF_DIR/my.cnf" --datadir="$staging" --initialize-insecure
  start_temp_server
  make_options_file root ""
  log "cloning $CLONE_PEER_HOST:$CLONE_PEER_PORT with the clone plugin, over TLS"
  local error
  error="$(sql "$OPTIONS_FILE" 2>&1 >/dev/null <<SQL
SET GLOBAL clone_valid_donor_list = $(sql_string "$CLONE_PEER_HOST:$CLONE_PEER_PORT");
SET GLOBAL clone_ssl_ca = $(sql_string "$MYSQL_TLS_DIR/ca.crt");
CLONE INSTANCE FROM $(sql_string "$MYSQL_REPLICATION_USER")@$(sql_string "$CLONE_PEER_HOST"):$CLONE_PEER_PORT
  IDENTIFIED BY $(sql_string "$MYSQL_REPLICATION_PASSWORD") REQUIRE SSL;
SQL
  )" || true
  # After copying, CLONE restarts the server; without a supervisor (mysqld_safe, systemd) it just stops,
  # and the statement ends with error 3707 (or the connection drops first, 2013). Any other error leaves
  # the server running as it was: waiting for it to stop would only wait out the timeout below.
  if [[ $error != *"ERROR 3707 "* && $error != *"ERROR 2013 "* ]]; then
    log "the clone from $CLONE_PEER_HOST:$CLONE_PEER_PORT failed: ${error:-no error, yet the server did not stop}"
    stop_temp_server
    return 1
  fi
  local waited=0
  while kill -0 "$temp_pid" 2>/dev/null && (( waited++ < 300 )); do sleep 1; done
  stop_temp_server   # a no-op if it stopped by itself, as expected
}

clone_mysql() {
  local deadline=$((SECONDS + ${CLONE_TIMEOUT:-1800}))
  until attempt_mysql_clone; do
    (( SECONDS < deadline )) || die "no clone from $CLONE_PEER_HOST:$CLONE_PEER_PORT within ${CLONE_TIMEOUT:-1800}s"
    log "retrying the clone from $CLONE_PEER_HOST:$CLONE_PEER_PORT in 5s"
    sleep 5
    rm -rf "$staging" && mkdir -p "$staging"
  done
  # The first start after a clone finishes it (recovery); clone_status then says whether it worked.
  start_temp_server
  make_options_file root "$MYSQL_ROOT_PASSWORD"
  local state
  state="$(sql "$OPTIONS_FILE" -e "SELECT STATE FROM performance_schema.clone_status")"
  [[ $state == Completed ]] || die "the clone from $CLONE_PEER_HOST did not complete (state '$state')"
  log "clone complete; replicating from $PRIMARY_HOST:$PRIMARY_PORT"
  # SOURCE_RETRY_COUNT: MySQL's default (10 attempts, 100 s at SOURCE_CONNECT_RETRY = 10) would leave the
  # replica stopped for good after a longer absence of the primary (a rescheduled pod, crash recovery);
  # 86400 attempts keep it trying for 10 days, about what MariaDB's default master_retry_count gives.
  # TLS with the source's certificate checked against the CA and its name (mysql-0.mysql, in *.mysql): the
  # password then travels inside TLS, so no RSA key is fetched from whatever answers (GET_SOURCE_PUBLIC_KEY).
  sql "$OPTIONS_FILE" <<SQL
RESET REPLICA ALL;
CHANGE REPLICATION SOURCE TO SOURCE_HOST = $(sql_string "$PRIMARY_HOST"), SOURCE_PORT = $PRIMARY_PORT,
  SOURCE_USER = $(sql_string "$MYSQL_REPLICATION_USER"), SOURCE_PASSWORD = $(sql_string "$MYSQL_REPLICATION_PASSWORD"),
  SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 10, SOURCE_RETRY_COUNT = 86400,
  SOURCE_SSL = 1, SOURCE_SSL_CA = $(sql_string "$MYSQL_TLS_DIR/ca.crt"), SOURCE_SSL_VERIFY_SERVER_CERT = 1;
SQL
  stop_temp_server
}

# A staging directory left behind is an attempt that died: start over.
rm -rf "$staging"
mkdir -p "$staging"
if is_primary; then
  initialise_primary
  origin="initialised empty"
else
  if [[ $MYSQL_FLAVOR == mysql ]]; then clone_mysql; else clone_mariadb; fi
  origin="cloned from $CLONE_PEER_HOST:$CLONE_PEER_PORT"
fi

printf '%s %s on %s\n' "$POD_NAME" "$origin" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$staging/$INIT_MARKER"
sync "$staging/$INIT_MARKER"
# An empty directory may stand where the data goes (a mount point's parent left by an earlier attempt).
[[ ! -d $DATA_DIR ]] || rmdir "$DATA_DIR"
mv "$staging" "$DATA_DIR"
log "$DATA_DIR is ready: $origin"
