# shellcheck shell=bash disable=SC2034  # the variables set here are used by the scripts that source it
# Settings and helpers shared by the MySQL/MariaDB bootstrap scripts; sourced, never run.
#
# Every name, path and address comes from the environment. The defaults are what the StatefulSet in
# deploy/base/mysql provides (pod mysql-N behind the headless Service "mysql"), so the same scripts
# also run outside Kubernetes, e.g. in deploy-tests against servers on loopback.

MYSQL_FLAVOR="${MYSQL_FLAVOR:-mysql}"            # mysql (MySQL 9.7) or mariadb
POD_NAME="${POD_NAME:-$HOSTNAME}"                # a StatefulSet pod's hostname is its name: <set>-<ordinal>
SERVICE_NAME="${SERVICE_NAME:-mysql}"            # the headless Service that gives each pod a DNS name
DATA_DIR="${DATA_DIR:-/var/lib/mysql}"
CONF_DIR="${CONF_DIR:-/etc/mysql/conf.d}"        # where init-config.sh writes my.cnf
CONFIG_MAP_DIR="${CONFIG_MAP_DIR:-/mnt/config-map}"
RUN_DIR="${RUN_DIR:-/run/mysqld}"                # socket and pid file
TMP_DIR="${TMP_DIR:-/tmp}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
CLONE_PORT="${CLONE_PORT:-3307}"                 # MariaDB only: where serve-backup.sh streams backups
# ca.crt, tls.crt, tls.key: the Secret mysql-tls, one certificate for every database pod (DNS names *.mysql...),
# for server and client authentication alike. The seeding transport (serve-backup.sh) uses it both ways.
MYSQL_TLS_DIR="${MYSQL_TLS_DIR:-/etc/mysql/tls}"
SERVER_ID_OFFSET="${SERVER_ID_OFFSET:-100}"      # server_id 0 means "no replication", so never use it
SOCKET="${SOCKET:-$RUN_DIR/mysqld.sock}"

MYSQL_REPLICATION_USER="${MYSQL_REPLICATION_USER:-repl}"
MYSQL_MONITOR_USER="${MYSQL_MONITOR_USER:-monitor}"
MYSQL_APP_USER="${MYSQL_APP_USER:-app}"
MYSQL_APP_DATABASE="${MYSQL_APP_DATABASE:-app}"

# Written into the data directory last, after everything else in it is complete: its presence is what
# "initialised" means, so an attempt that died half-way is simply started over.
INIT_MARKER=".mysql-k8s-initialised"

log() { printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${0##*/}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $POD_NAME =~ ^(.+)-([0-9]+)$ ]] || die "POD_NAME '$POD_NAME' does not end in -<ordinal>"
STATEFULSET_NAME="${BASH_REMATCH[1]}"
ORDINAL="${BASH_REMATCH[2]}"
# Ordinal 0 is the primary; the proxy in front sends it every write. There is no automatic failover.
PRIMARY_HOST="${PRIMARY_HOST:-$STATEFULSET_NAME-0.$SERVICE_NAME}"
PRIMARY_PORT="${PRIMARY_PORT:-3306}"
if (( ORDINAL > 0 )); then
  # A new replica copies the pod before it: with OrderedReady that one is already up, and the load of
  # seeding a replica does not always land on the primary.
  CLONE_PEER_HOST="${CLONE_PEER_HOST:-$STATEFULSET_NAME-$((ORDINAL - 1)).$SERVICE_NAME}"
fi

case "$MYSQL_FLAVOR" in
  mysql)
    MYSQLD=mysqld CLIENT=mysql ADMIN=mysqladmin
    # MySQL clones through the clone plugin on the peer's SQL port.
    CLONE_PEER_PORT="${CLONE_PEER_PORT:-3306}"
    SKIP_REPLICA_START=--skip-replica-start
    ;;
  mariadb)
    MYSQLD=mariadbd CLIENT=mariadb ADMIN=mariadb-admin
    # Debian and MariaDB 11 images name it mariadb-backup; older packages only mariabackup.
    BACKUP="$(command -v mariadb-backup || command -v mariabackup || echo mariadb-backup)"
    CLONE_PEER_PORT="${CLONE_PEER_PORT:-$CLONE_PORT}"
    SKIP_REPLICA_START=--skip-slave-start
    ;;
  *) die "MYSQL_FLAVOR must be mysql or mariadb, not '$MYSQL_FLAVOR'" ;;
esac

is_primary() { (( ORDINAL == 0 )); }

# The client options that make a TCP connection use TLS and verify the server against the CA. MySQL's client
# skips the name (VERIFY_CA); MariaDB's --ssl-verify-server-cert checks it too, which holds because both
# certificate recipes (make-tls-secrets.sh, cert-manager) name 127.0.0.1, where the probes connect.
tls_client_options() {
  if [[ $MYSQL_FLAVOR == mysql ]]; then
    TLS_CLIENT_OPTIONS=(--ssl-mode=VERIFY_CA --ssl-ca="$MYSQL_TLS_DIR/ca.crt")
  else
    TLS_CLIENT_OPTIONS=(--ssl --ssl-ca="$MYSQL_TLS_DIR/ca.crt" --ssl-verify-server-cert)
  fi
}

is_initialised() { [[ -f $DATA_DIR/$INIT_MARKER ]]; }

# Passwords may hold any printable character: everything that writes one into an option file or a SQL
# statement quotes it with option_value or sql_string. Control characters (a newline...) are refused.
require_password() {
  local name="$1"
  [[ -n ${!name:-} ]] || die "$name is not set (it comes from the mysql-credentials Secret)"
  [[ ${!name} != *[[:cntrl:]]* ]] || die "$name must not contain control characters such as a newline"
}

# option_value VALUE: VALUE as an option file value. Unquoted, a # starts a comment and surrounding spaces are
# dropped; inside double quotes only \ and " need a backslash (the same rules for MySQL and MariaDB).
option_value() {
  local value="${1//"\\"/"\\\\"}"
  value="${value//"\""/"\\\""}"
  printf '"%s"' "$value"
}

# sql_string VALUE: VALUE as a SQL string literal: ' doubled, \ escaped (the scripts' sessions never run
# with sql_mode NO_BACKSLASH_ESCAPES, under which a backslash would stand for itself).
sql_string() {
  local value="${1//"\\"/"\\\\"}"
  value="${value//"'"/"''"}"
  printf "'%s'" "$value"
}

# The server's certificate and the CA every TCP peer (replica to primary, clone recipient to donor, probe to
# server, seeding) checks the other side against: without them no server is configured or seeded, and socat is
# not started (its own errors would come per connection, long after).
require_tls_files() {
  local file
  for file in ca.crt tls.crt tls.key; do
    [[ -r $MYSQL_TLS_DIR/$file ]] || die "$MYSQL_TLS_DIR/$file is missing (it comes from the mysql-tls Secret)"
  done
}

# socat's options for either end of the seeding transport: present this pod's certificate, and accept
# only a peer whose certificate the deploy's CA signed (the client also checks the server's name, which
# socat takes from the address it connects to). Paths with a comma or colon would need socat's quoting.
socat_tls_options() {
  printf 'cert=%s,key=%s,cafile=%s,verify=1' "$MYSQL_TLS_DIR/tls.crt" "$MYSQL_TLS_DIR/tls.key" "$MYSQL_TLS_DIR/ca.crt"
}

# Cleanup hooks run when the script exits, however it exits: last registered, first run.
_exit_hooks=()
at_exit() { _exit_hooks=("$1" "${_exit_hooks[@]}"); }   # at_exit FUNCTION
_run_exit_hooks() { local hook; for hook in "${_exit_hooks[@]}"; do "$hook" || true; done; }
trap _run_exit_hooks EXIT

# Credentials go to the client tools in a private option file, never on the command line where `ps`
# and /proc/<pid>/cmdline would show them. The files live in a directory removed when the script exits.
# (Not a <(...) pipe: mariadb-backup reads its option file twice.)
_private_dir=""
_remove_private_dir() { rm -rf "$_private_dir"; }

# make_options_file USER PASSWORD [GROUP]: sets OPTIONS_FILE to an option file that includes the
# server's my.cnf (so every tool sees the same socket, port and datadir) and adds the credentials
# under [GROUP] (default: client). Not for $(...): the directory must be created by the main shell.
make_options_file() {
  local user="$1" password="$2" group="${3:-client}"
  if [[ -z $_private_dir ]]; then
    _private_dir="$(umask 077 && mktemp -d "$TMP_DIR/mysql-scripts.XXXXXX")"
    at_exit _remove_private_dir
  fi
  OPTIONS_FILE="$(umask 077 && mktemp "$_private_dir/options.XXXXXX")"
  {
    [[ ! -f $CONF_DIR/my.cnf ]] || printf '!include %s\n' "$CONF_DIR/my.cnf"
    printf '[%s]\nuser=%s\npassword=%s\n' "$group" "$(option_value "$user")" "$(option_value "$password")"
  } > "$OPTIONS_FILE"
}
