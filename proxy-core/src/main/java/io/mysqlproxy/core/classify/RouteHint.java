package io.mysqlproxy.core.classify;

/**
 * A routing hint written by the client in any comment of the statement text, as {@code route=primary}
 * or {@code route=replica} (any letter case, spaces allowed around {@code =}). When both appear,
 * {@link #PRIMARY} wins.
 */
public enum RouteHint {
    NONE,
    PRIMARY,
    REPLICA
}
