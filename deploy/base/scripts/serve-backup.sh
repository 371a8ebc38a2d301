#!/usr/bin/env bash
# MariaDB only, the backup-server sidecar: streams a fresh `mariadb-backup` of this server to each peer that
# connects to $CLONE_PORT over mutually authenticated TLS (init-data.sh on the next ordinal). Runs in every pod,
# so any pod can seed the one after it. MySQL needs no such listener: its clone plugin works over the SQL port.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $MYSQL_FLAVOR == mariadb ]] || die "serve-backup.sh is for MariaDB; MySQL clones through its clone plugin"
require_password MYSQL_ROOT_PASSWORD
require_tls_files
# Only the pod after this one is ever seeded from here; with the StatefulSet's shared certificate (*.mysql)
# any database pod qualifies, a certificate of the same CA for other names (the proxy's) does not.
client_name="${CLONE_CLIENT_NAME:-$STATEFULSET_NAME-$((ORDINAL + 1)).$SERVICE_NAME}"
log "serving backups on port $CLONE_PORT over TLS to holders of a certificate for $client_name, one at a time"
# The backup is the whole data directory, password hashes included: verify=1 with cafile makes the TLS
# handshake demand a client certificate signed by the deploy's CA, commonname checks its names, and only
# then does socat start stream-backup.sh. -U: data flows one way only, from the backup to the peer.
# fork,max-children=1: one backup at a time, while the listening socket stays open (what `probe.sh backup`
# checks).
exec socat -U "OPENSSL-LISTEN:$CLONE_PORT,reuseaddr,fork,max-children=1${BIND_ADDRESS:+,bind=$BIND_ADDRESS},$(socat_tls_options),commonname=$client_name" \
  "EXEC:$(dirname "${BASH_SOURCE[0]}")/stream-backup.sh"
