#!/usr/bin/env bash
# The database container's command: mysqld or mariadbd with the my.cnf that init-config.sh wrote, and
# nothing else (the image's own option files are deliberately not read).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f $CONF_DIR/my.cnf ]] || die "$CONF_DIR/my.cnf is missing: run init-config.sh first"
is_initialised || die "$DATA_DIR is not initialised: run init-data.sh first"
mkdir -p "$RUN_DIR"
log "starting $MYSQLD for $POD_NAME"
exec "$MYSQLD" --defaults-file="$CONF_DIR/my.cnf"
