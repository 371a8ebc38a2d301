/**
 * What operators see, built once for both of their views: the admin port's {@code /backends}
 * and {@code /sessions} documents (JSON written by jackson-jr, {@link io.mysqlproxy.core.report.AdminJson})
 * and the SQL admin statements (SHOW PROXY BACKENDS, SHOW PROXY STATS, SHOW PROXY SESSIONS) on the
 * proxy port. It reads the topology, the pools and the metrics and renders values; it decides nothing.
 *
 * <p>It sits above {@code pool} and {@code metrics} and below {@code session} and {@code admin},
 * so the session can answer the admin statements without importing the admin HTTP server.
 */
package io.mysqlproxy.core.report;
