package io.mysqlproxy.core.session;

/**
 * One thing that keeps a session on its backend connection: the reason, and what caused it (the
 * statement kind, e.g. {@code lock_tables}, or the command, e.g. {@code stmt_execute}).
 */
public record Hold(HoldReason reason, String cause) {}
