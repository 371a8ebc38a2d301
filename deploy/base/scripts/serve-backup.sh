#!/usr/bin/env bash
# MariaDB only, the backup-server sidecar: streams a fresh `mariadb-backup` of this server to each peer
# that connects to $CLONE_PORT (init-data.sh on the next ordinal). Runs in every pod, so any pod can seed
# the one after it. MySQL needs no such listener: its clone plugin works over the SQL port.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $MYSQL_FLAVOR == mariadb ]] || die "serve-backup.sh is for MariaDB; MySQL clones through its clone plugin"
require_password MYSQL_ROOT_PASSWORD
log "serving backups on port $CLONE_PORT, one at a time"
# -U: data flows one way only, from the backup to the peer. fork,max-children=1: one backup at a time,
# while the listening socket stays open (which is what `probe.sh backup` checks).
exec socat -U "TCP-LISTEN:$CLONE_PORT,reuseaddr,fork,max-children=1${BIND_ADDRESS:+,bind=$BIND_ADDRESS}" \
  "EXEC:$(dirname "${BASH_SOURCE[0]}")/stream-backup.sh"
