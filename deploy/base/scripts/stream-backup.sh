#!/usr/bin/env bash
# Run by serve-backup.sh for one connection: writes an xbstream backup of the local server to stdout (the
# peer's socket). Logs go to stderr, i.e. the container log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_password MYSQL_ROOT_PASSWORD
# mariadb-backup reads credentials from its own option group, and the socket and datadir from [mysqld].
make_options_file root "$MYSQL_ROOT_PASSWORD" mariadb-backup
target="$(mktemp -d "$TMP_DIR/backup.XXXXXX")"
remove_target() { rm -rf "$target"; }
at_exit remove_target
log "streaming a backup to ${SOCAT_PEERADDR:-a peer}"
"$BACKUP" --defaults-file="$OPTIONS_FILE" --backup --stream=xbstream --target-dir="$target"
log "backup streamed to ${SOCAT_PEERADDR:-a peer}"
