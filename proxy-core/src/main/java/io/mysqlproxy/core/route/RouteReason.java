package io.mysqlproxy.core.route;

import java.util.Locale;

/**
 * Why a statement went where it did. A bounded set, so it can label metrics; EXPLAIN ROUTE and
 * the logs show {@link #describe()}.
 */
public enum RouteReason {
    READ("a plain read: any replica may serve it"),
    READ_YOUR_WRITES("a plain read after this session wrote: a replica that has applied the write serves it"),
    CONSISTENCY_GLOBAL("a plain read under global consistency: a replica that has applied everything the primary "
            + "had committed when the read arrived serves it"),
    WRITE("a write"),
    DDL("a schema or privilege change"),
    CALL("a stored procedure call, whose body is unknown"),
    UNKNOWN_STATEMENT("not recognised: the primary is the safe choice"),
    SESSION_STATE("changes session state; replayed on other backends when they next serve this session"),
    PRIMARY_REQUIRED_READ("a read that locks rows, writes variables or files, or reads connection-bound values"),
    PREVIOUS_STATEMENT("describes the previous statement, so it goes where that one ran"),
    PREPARED_STATEMENT_STATE("continues a prepared statement's open cursor or long data, where they are"),
    TRANSACTION("inside, or starting, a transaction"),
    READ_ONLY_TRANSACTION("START TRANSACTION READ ONLY, allowed on a replica by configuration"),
    READ_ONLY_TRANSACTION_CONSISTENCY("START TRANSACTION READ ONLY under global consistency, or under session "
            + "consistency after this session wrote: a replica's transaction would not wait for the position"),
    AUTOCOMMIT_OFF("autocommit is off: every statement is part of a transaction"),
    HINT_PRIMARY("route=primary hint"),
    HINT_REPLICA("route=replica hint"),
    CONSISTENCY_STRONG("consistency is strong: reads go to the primary"),
    CONSISTENCY_FALLBACK("no replica had applied this session's last write (or, under global consistency, the "
            + "primary's position) in time"),
    NO_REPLICA("no usable replica: read served by the primary"),
    PRIMARY_AWAY("the primary is away: a session SET or a prepare runs on a replica, the primary gets it later"),
    PINNED_LOCK_TABLES("session holds LOCK TABLES"),
    PINNED_GLOBAL_READ_LOCK("session holds FLUSH TABLES WITH READ LOCK"),
    PINNED_NAMED_LOCK("session used GET_LOCK or another named-lock function"),
    PINNED_TEMPORARY_TABLE("session created a temporary table"),
    PINNED_SQL_PREPARE("session used SQL-level PREPARE"),
    PINNED_USER_VARIABLE("session set a user variable from an expression, or named one in CALL or GET DIAGNOSTICS, "
            + "which only the primary holds (a procedure body setting user variables itself is not seen: "
            + "use a route=primary hint)"),
    PINNED_MULTI_STATEMENT("session changed its state inside a multi-statement text"),
    PINNED_SESSION_STATE_SIZE(
            "session SET more than the proxy replays (64 statements or session.max-replayed-set-bytes)"),
    PINNED_PREPARED_SESSION_STATE("session changed its state with a prepared statement, which is not replayed"),
    COMMAND("a command that only the primary answers (statistics, field list, options)");

    private final String description;

    RouteReason(String description) {
        this.description = description;
    }

    /** The lower-case name, e.g. {@code pinned_lock_tables}, for metrics labels. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String describe() {
        return description;
    }
}
