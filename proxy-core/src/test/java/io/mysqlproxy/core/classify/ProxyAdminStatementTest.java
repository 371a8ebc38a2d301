package io.mysqlproxy.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading the proxy's admin statements: which one, where EXPLAIN ROUTE's statement starts, and clear errors. */
class ProxyAdminStatementTest {

    private static ProxyAdminStatement parse(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        assertEquals(
                StatementKind.PROXY_ADMIN,
                StatementClassifier.classify(bytes, 0, bytes.length).kind(),
                sql);
        return ProxyAdminStatement.parse(bytes);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "SHOW PROXY BACKENDS             | SHOW_BACKENDS",
                "show proxy backends;            | SHOW_BACKENDS",
                "  Show  /* c */ Proxy Stats ;;  | SHOW_STATS",
                "SHOW PROXY HOSTS                | SHOW_BLOCKED_HOSTS",
                "/* route=primary */ SHOW PROXY STATS -- end | SHOW_STATS",
                "show proxy sessions; | SHOW_SESSIONS",
            })
    void showStatements(String sql, ProxyAdminStatement.Kind kind) {
        assertEquals(kind, parse(sql).kind(), sql);
    }

    @Test
    void explainRouteKeepsTheRestOfTheTextWithItsCommentsAsTheStatement() {
        String sql = "EXPLAIN ROUTE /* route=replica */ SELECT 1; SELECT 2";
        ProxyAdminStatement statement = parse(sql);
        assertEquals(ProxyAdminStatement.Kind.EXPLAIN_ROUTE, statement.kind());
        assertEquals(" /* route=replica */ SELECT 1; SELECT 2", sql.substring(statement.statementStart()));
        assertEquals(
                " select 1",
                "explain   route select 1"
                        .substring(parse("explain   route select 1").statementStart()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"EXPLAIN ROUTE", "explain route   ", "EXPLAIN ROUTE\n\t"})
    void explainRouteWithNothingToExplainIsASyntaxError(String sql) {
        ProxyAdminStatement statement = parse(sql);
        assertEquals(ProxyAdminStatement.Kind.INVALID, statement.kind());
        assertTrue(statement.error().startsWith("EXPLAIN ROUTE needs the statement to explain"), statement.error());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "SHOW PROXY                  | SHOW PROXY needs what to show",
                "SHOW PROXY;                 | SHOW PROXY needs what to show",
                "SHOW PROXY USERS            | Unknown statement SHOW PROXY USERS",
                "SHOW PROXY 'BACKENDS'       | Unknown statement SHOW PROXY BACKENDS",
                "SHOW PROXY BACKENDS LIKE 'x' | Unexpected 'LIKE' after SHOW PROXY BACKENDS",
            })
    void unknownShowProxyStatementsSayWhatIsSupported(String sql, String start) {
        ProxyAdminStatement statement = parse(sql);
        assertEquals(ProxyAdminStatement.Kind.INVALID, statement.kind());
        assertTrue(statement.error().startsWith(start), statement.error());
        if (!start.startsWith("Unexpected")) {
            assertTrue(statement.error().endsWith(ProxyAdminStatement.SUPPORTED), statement.error());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "PROXY UNBLOCK HOST '10.0.0.7'          | UNBLOCK_HOST      | 10.0.0.7",
                "proxy unblock host \" fd00::1 \" ;     | UNBLOCK_HOST      | fd00::1",
                "/* c */ PROXY UNBLOCK ALL HOSTS;       | UNBLOCK_ALL_HOSTS | ",
            })
    void unblockStatements(String sql, ProxyAdminStatement.Kind kind, String host) {
        ProxyAdminStatement statement = parse(sql);
        assertEquals(kind, statement.kind(), sql);
        assertEquals(host, statement.host(), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "PROXY",
                "PROXY BLOCK HOST 'a'",
                "PROXY UNBLOCK HOST",
                "PROXY UNBLOCK HOST 10",
                "PROXY UNBLOCK HOST ''",
                "PROXY UNBLOCK ALL",
                "PROXY UNBLOCK HOST 'a' 'b'",
                "PROXY UNBLOCK ALL HOSTS NOW"
            })
    void malformedUnblockStatementsAreSyntaxErrors(String sql) {
        ProxyAdminStatement statement = parse(sql);
        assertEquals(ProxyAdminStatement.Kind.INVALID, statement.kind(), sql);
        assertTrue(statement.error().contains("PROXY"), statement.error());
    }
}
