package io.mysqlproxy.core.route;

import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.protocol.flag.CommandType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router's session-dependent policies: open transaction, autocommit off, START TRANSACTION READ
 * ONLY, pins, hints and consistency. What each statement needs in a fresh session is covered row by
 * row by the route column of {@code classify/statements.csv}.
 */
class RouterTest {

    private static final Router ROUTER = new Router(false);
    private static final Router READ_ONLY_ON_REPLICA = new Router(true);

    /** Statements of every sort, for the policies that must not look at the statement at all. */
    private static final String[] ALL_SORTS = {
        "SELECT 1",
        "SELECT * FROM t WHERE id = 1 FOR UPDATE",
        "SELECT LAST_INSERT_ID()",
        "SELECT FOUND_ROWS()",
        "SHOW WARNINGS",
        "/* route=replica */ SELECT 1",
        "/* route=primary */ SELECT 1",
        "/* route=replica */ SELECT * FROM t FOR UPDATE",
        "UPDATE t SET a = 1",
        "CREATE TABLE t (a INT)",
        "CALL p()",
        "BEGIN",
        "START TRANSACTION READ ONLY",
        "COMMIT",
        "SAVEPOINT s1",
        "XA START 'x'",
        "SET autocommit = 1",
        "SET NAMES utf8mb4",
        "USE app",
        "LOCK TABLES t READ",
        "UNLOCK TABLES",
        "CREATE TEMPORARY TABLE tmp (a INT)",
        "PREPARE s FROM 'SELECT 1'",
        "SELECT 1; SELECT 2",
        "SELECT 1; UPDATE t SET a = 1",
        "FOO BAR",
        "",
    };

    private static RouteDecision route(Router router, String sql, RouteContext session) {
        return router.route(StatementClassifier.classify(sql), session);
    }

    private static void assertRoute(RouteTarget target, RouteReason reason, RouteDecision actual, String sql) {
        assertEquals(RouteDecision.of(target, reason), actual, sql);
    }

    // ---- the primary is away

    @Test
    void whileThePrimaryIsAwayOnlySetsTheProxyReplaysRunOnAReplica() {
        FakeSession fresh = FakeSession.fresh();
        for (String sql : List.of(
                "SET NAMES utf8mb4",
                "SET character_set_results = NULL",
                "SET autocommit = 1",
                "SET SESSION sql_mode = 'ANSI'")) {
            assertRoute(
                    RouteTarget.REPLICA,
                    RouteReason.PRIMARY_AWAY,
                    ROUTER.primaryAway(CommandType.QUERY, StatementClassifier.classify(sql), fresh),
                    sql);
        }
        for (String sql : List.of(
                "SET @a = NOW()",
                "SET GLOBAL max_connections = 10",
                "SET autocommit = 0",
                "INSERT INTO t VALUES (1)",
                "BEGIN",
                "SELECT 1")) {
            assertEquals(null, ROUTER.primaryAway(CommandType.QUERY, StatementClassifier.classify(sql), fresh), sql);
        }
        assertEquals(
                null,
                ROUTER.primaryAway(
                        CommandType.QUERY,
                        StatementClassifier.classify("SET NAMES utf8mb4"),
                        fresh.inTransaction(true)),
                "inside a transaction nothing moves");
        assertEquals(
                null,
                ROUTER.primaryAway(
                        CommandType.QUERY,
                        StatementClassifier.classify("SET NAMES utf8mb4"),
                        fresh.pinned(Pin.TEMPORARY_TABLE)),
                "a pinned session's state is on the primary");
        assertRoute(
                RouteTarget.REPLICA,
                RouteReason.PRIMARY_AWAY,
                ROUTER.primaryAway(
                        CommandType.STMT_PREPARE,
                        StatementClassifier.classify("UPDATE t SET a = ? WHERE id = ?"),
                        fresh),
                "a prepare runs nothing");
        assertEquals(
                null,
                ROUTER.primaryAway(
                        CommandType.STMT_EXECUTE,
                        StatementClassifier.classify("UPDATE t SET a = ? WHERE id = ?"),
                        fresh));
    }

    // ---- an open transaction beats everything

    static Stream<Arguments> sessionsInTransaction() {
        FakeSession inTransaction = FakeSession.fresh().inTransaction(true);
        return Stream.of(
                Arguments.of(ROUTER, inTransaction),
                Arguments.of(READ_ONLY_ON_REPLICA, inTransaction),
                Arguments.of(ROUTER, inTransaction.autocommit(false)),
                Arguments.of(ROUTER, inTransaction.pinned(Pin.LOCK_TABLES, Pin.USER_VARIABLE)),
                Arguments.of(ROUTER, inTransaction.consistency(Consistency.STRONG)),
                Arguments.of(READ_ONLY_ON_REPLICA, inTransaction.consistency(Consistency.EVENTUAL)));
    }

    @ParameterizedTest
    @MethodSource("sessionsInTransaction")
    void insideATransactionEverythingGoesToTheTransaction(Router router, FakeSession session) {
        for (String sql : ALL_SORTS) {
            assertRoute(RouteTarget.TRANSACTION, RouteReason.TRANSACTION, route(router, sql, session), sql);
        }
    }

    // ---- autocommit off

    @ParameterizedTest
    @MethodSource("sessionsWithAutocommitOff")
    void autocommitOffSendsEverythingToThePrimary(Router router, FakeSession session) {
        for (String sql : ALL_SORTS) {
            assertRoute(RouteTarget.PRIMARY, RouteReason.AUTOCOMMIT_OFF, route(router, sql, session), sql);
        }
    }

    static Stream<Arguments> sessionsWithAutocommitOff() {
        FakeSession off = FakeSession.fresh().autocommit(false);
        return Stream.of(
                Arguments.of(ROUTER, off),
                // Not even START TRANSACTION READ ONLY may leave for a replica.
                Arguments.of(READ_ONLY_ON_REPLICA, off),
                Arguments.of(READ_ONLY_ON_REPLICA, off.consistency(Consistency.EVENTUAL)),
                Arguments.of(ROUTER, off.pinned(Pin.TEMPORARY_TABLE)));
    }

    // ---- START TRANSACTION READ ONLY

    @ParameterizedTest
    @ValueSource(
            strings = {
                "START TRANSACTION READ ONLY",
                "start transaction read only",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
                "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT",
                "/* route=replica */ START TRANSACTION READ ONLY",
            })
    void readOnlyTransactionGoesToAReplicaOnlyWhenConfigured(String sql) {
        for (Consistency consistency : new Consistency[] {Consistency.EVENTUAL, Consistency.SESSION}) {
            FakeSession session = FakeSession.fresh().consistency(consistency);
            assertRoute(
                    RouteTarget.REPLICA,
                    RouteReason.READ_ONLY_TRANSACTION,
                    route(READ_ONLY_ON_REPLICA, sql, session),
                    sql + " / " + consistency);
            assertRoute(
                    RouteTarget.PRIMARY,
                    RouteReason.TRANSACTION,
                    route(ROUTER, sql, session),
                    sql + " / " + consistency);
        }
    }

    @ParameterizedTest
    @EnumSource(Pin.class)
    void readOnlyTransactionStaysOnThePrimaryWhenPinned(Pin pin) {
        String sql = "START TRANSACTION READ ONLY";
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.TRANSACTION,
                route(READ_ONLY_ON_REPLICA, sql, FakeSession.fresh().pinned(pin)),
                pin.name());
    }

    @Test
    void readOnlyTransactionStaysOnThePrimaryUnderStrongConsistency() {
        String sql = "START TRANSACTION READ ONLY";
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.TRANSACTION,
                route(READ_ONLY_ON_REPLICA, sql, FakeSession.fresh().consistency(Consistency.STRONG)),
                sql);
    }

    @Test
    void readOnlyTransactionWithAPrimaryHintStaysOnThePrimary() {
        String sql = "/* route=primary */ START TRANSACTION READ ONLY";
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.TRANSACTION,
                route(READ_ONLY_ON_REPLICA, sql, FakeSession.fresh()),
                sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "BEGIN",
                "START TRANSACTION",
                "START TRANSACTION READ WRITE",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT",
                "COMMIT",
                "ROLLBACK",
                "SAVEPOINT s1",
                "RELEASE SAVEPOINT s1",
                "ROLLBACK TO s1",
                "XA START 'x'",
                "/* route=replica */ BEGIN",
            })
    void otherTransactionStatementsGoToThePrimaryEvenWhenReadOnlyMayLeave(String sql) {
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.TRANSACTION,
                route(READ_ONLY_ON_REPLICA, sql, FakeSession.fresh()),
                sql);
        // A pin does not change the reason: transaction control is decided first.
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.TRANSACTION,
                route(READ_ONLY_ON_REPLICA, sql, FakeSession.fresh().pinned(Pin.NAMED_LOCK)),
                sql);
    }

    // ---- pins

    @ParameterizedTest
    @EnumSource(Pin.class)
    void eachPinSendsReadsToThePrimaryWithItsReason(Pin pin) {
        FakeSession session = FakeSession.fresh().pinned(pin);
        for (String sql : new String[] {
            "SELECT 1",
            "SELECT * FROM t WHERE id = 1",
            "SHOW TABLES",
            "SELECT 1; SELECT 2",
            "/* route=replica */ SELECT 1",
            "/* route=primary */ SELECT 1",
            "SELECT * FROM t FOR UPDATE",
            "SELECT FOUND_ROWS()",
            "SHOW WARNINGS",
            "UPDATE t SET a = 1",
        }) {
            assertRoute(RouteTarget.PRIMARY, pin.reason(), route(ROUTER, sql, session), pin + ": " + sql);
        }
    }

    @Test
    void everyPinHasItsOwnReason() {
        for (Pin pin : Pin.values()) {
            assertEquals(
                    "pinned_" + pin.name().toLowerCase(java.util.Locale.ROOT),
                    pin.reason().label());
        }
    }

    @Test
    void theFirstPinGivesTheReason() {
        FakeSession session = FakeSession.fresh().pinned(Pin.USER_VARIABLE, Pin.TEMPORARY_TABLE);
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.PINNED_TEMPORARY_TABLE,
                route(ROUTER, "SELECT 1", session),
                "SELECT 1");
    }

    @ParameterizedTest
    @EnumSource(value = Consistency.class)
    void pinsBeatConsistency(Consistency consistency) {
        FakeSession session = FakeSession.fresh().consistency(consistency).pinned(Pin.SQL_PREPARE);
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.PINNED_SQL_PREPARE,
                route(ROUTER, "SELECT 1", session),
                consistency.name());
    }

    // ---- hints

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/* route=replica */ SELECT 1",
                "SELECT * FROM t WHERE id = 1 /* route=replica */",
                "/* route=replica */ SHOW TABLES",
                "/* route=replica */ SELECT * FROM t WHERE id = 1 FOR UPDATE",
                "/* route=replica */ SELECT * FROM t WHERE id = 1 FOR SHARE",
                "/* route=replica */ SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE",
            })
    void replicaHintIsHonouredForPlainAndLockingReads(String sql) {
        for (Consistency consistency : Consistency.values()) {
            assertRoute(
                    RouteTarget.REPLICA,
                    RouteReason.HINT_REPLICA,
                    route(ROUTER, sql, FakeSession.fresh().consistency(consistency)),
                    sql + " / " + consistency);
        }
    }

    static Stream<Arguments> replicaHintIgnored() {
        return Stream.of(
                Arguments.of("/* route=replica */ UPDATE t SET a = 1", RouteTarget.PRIMARY, RouteReason.WRITE),
                Arguments.of("/* route=replica */ INSERT INTO t VALUES (1)", RouteTarget.PRIMARY, RouteReason.WRITE),
                Arguments.of("/* route=replica */ DELETE FROM t", RouteTarget.PRIMARY, RouteReason.WRITE),
                Arguments.of("/* route=replica */ CREATE TABLE t (a INT)", RouteTarget.PRIMARY, RouteReason.DDL),
                Arguments.of("/* route=replica */ CALL p()", RouteTarget.PRIMARY, RouteReason.CALL),
                Arguments.of("/* route=replica */ SET NAMES utf8mb4", RouteTarget.PRIMARY, RouteReason.SESSION_STATE),
                Arguments.of(
                        "/* route=replica */ SELECT LAST_INSERT_ID()",
                        RouteTarget.PRIMARY,
                        RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT GET_LOCK('a', 1)",
                        RouteTarget.PRIMARY,
                        RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT NEXTVAL(s)",
                        RouteTarget.PRIMARY,
                        RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT a INTO @a FROM t",
                        RouteTarget.PRIMARY,
                        RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT @a := 1", RouteTarget.PRIMARY, RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT a, LAST_INSERT_ID() FROM t FOR UPDATE",
                        RouteTarget.PRIMARY,
                        RouteReason.PRIMARY_REQUIRED_READ),
                Arguments.of(
                        "/* route=replica */ SELECT FOUND_ROWS()",
                        RouteTarget.PREVIOUS,
                        RouteReason.PREVIOUS_STATEMENT),
                Arguments.of("/* route=replica */ SHOW WARNINGS", RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT),
                Arguments.of(
                        "/* route=replica */ SELECT 1; UPDATE t SET a = 1", RouteTarget.PRIMARY, RouteReason.WRITE));
    }

    @ParameterizedTest
    @MethodSource("replicaHintIgnored")
    void replicaHintIsIgnoredWhereAReplicaWouldGiveAWrongAnswer(String sql, RouteTarget target, RouteReason reason) {
        assertRoute(target, reason, route(ROUTER, sql, FakeSession.fresh()), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/* route=primary */ SELECT 1",
                "SELECT 1 /* route=primary */",
                "/* route=replica */ /* route=primary */ SELECT 1",
                "/* route=primary */ SHOW WARNINGS",
                "/* route=primary */ SELECT FOUND_ROWS()",
                "/* route=primary */ SELECT * FROM t FOR UPDATE",
                "/* route=primary */ UPDATE t SET a = 1",
                "/* route=primary */ USE app",
            })
    void primaryHintSendsAnyStatementToThePrimary(String sql) {
        for (Consistency consistency : Consistency.values()) {
            assertRoute(
                    RouteTarget.PRIMARY,
                    RouteReason.HINT_PRIMARY,
                    route(ROUTER, sql, FakeSession.fresh().consistency(consistency)),
                    sql + " / " + consistency);
        }
    }

    // ---- consistency

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT 1",
                "SELECT * FROM t WHERE id = 1",
                "SHOW TABLES",
                "SELECT 1; SELECT 2",
                "WITH x AS (SELECT 1) SELECT * FROM x"
            })
    void strongConsistencySendsPlainReadsToThePrimary(String sql) {
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.CONSISTENCY_STRONG,
                route(ROUTER, sql, FakeSession.fresh().consistency(Consistency.STRONG)),
                sql);
        assertRoute(
                RouteTarget.REPLICA,
                RouteReason.READ,
                route(ROUTER, sql, FakeSession.fresh().consistency(Consistency.SESSION)),
                sql);
        assertRoute(
                RouteTarget.REPLICA,
                RouteReason.READ,
                route(ROUTER, sql, FakeSession.fresh().consistency(Consistency.EVENTUAL)),
                sql);
    }

    @Test
    void strongConsistencyKeepsTheStatementsOwnReason() {
        FakeSession strong = FakeSession.fresh().consistency(Consistency.STRONG);
        assertRoute(RouteTarget.PRIMARY, RouteReason.WRITE, route(ROUTER, "UPDATE t SET a = 1", strong), "UPDATE");
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.PRIMARY_REQUIRED_READ,
                route(ROUTER, "SELECT * FROM t FOR UPDATE", strong),
                "FOR UPDATE");
        assertRoute(
                RouteTarget.PREVIOUS,
                RouteReason.PREVIOUS_STATEMENT,
                route(ROUTER, "SHOW WARNINGS", strong),
                "SHOW WARNINGS");
    }

    // ---- commands other than queries

    private static RouteDecision command(Router router, CommandType command, RouteContext session) {
        return router.route(command, null, false, session);
    }

    @ParameterizedTest
    @EnumSource(
            value = CommandType.class,
            names = {"STATISTICS", "FIELD_LIST", "SET_OPTION", "PROCESS_INFO", "DEBUG"})
    void commandsGoToThePrimaryOutsideATransaction(CommandType type) {
        RouteDecision command = RouteDecision.primary(RouteReason.COMMAND);
        assertEquals(command, command(ROUTER, type, FakeSession.fresh()));
        assertEquals(command, command(ROUTER, type, FakeSession.fresh().autocommit(false)));
        assertEquals(command, command(ROUTER, type, FakeSession.fresh().pinned(Pin.LOCK_TABLES)));
        assertEquals(command, command(ROUTER, type, FakeSession.fresh().consistency(Consistency.EVENTUAL)));
        assertEquals(command, command(READ_ONLY_ON_REPLICA, type, FakeSession.fresh()));
    }

    @ParameterizedTest
    @EnumSource(
            value = CommandType.class,
            names = {"STATISTICS", "FIELD_LIST", "INIT_DB"})
    void commandsGoToTheTransactionInsideOne(CommandType type) {
        RouteDecision transaction = RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION);
        assertEquals(transaction, command(ROUTER, type, FakeSession.fresh().inTransaction(true)));
        assertEquals(
                transaction,
                command(ROUTER, type, FakeSession.fresh().inTransaction(true).autocommit(false)));
    }

    @Test
    void initDbAndResetChangeTheSessionOnThePrimary() {
        RouteDecision sessionState = RouteDecision.primary(RouteReason.SESSION_STATE);
        assertEquals(sessionState, command(ROUTER, CommandType.INIT_DB, FakeSession.fresh()));
        assertEquals(
                sessionState,
                command(ROUTER, CommandType.INIT_DB, FakeSession.fresh().autocommit(false)));
        assertEquals(
                sessionState,
                command(
                        ROUTER,
                        CommandType.RESET_CONNECTION,
                        FakeSession.fresh().inTransaction(true)));
    }

    // ---- prepared statements

    private static RouteDecision statement(CommandType command, String sql, boolean state, RouteContext session) {
        return ROUTER.route(command, StatementClassifier.classify(sql), state, session);
    }

    @Test
    void aPreparedStatementIsNeverPreparedWhereThePreviousOneRan() {
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.PREVIOUS_STATEMENT,
                statement(CommandType.STMT_PREPARE, "SHOW WARNINGS", false, FakeSession.fresh()),
                "SHOW WARNINGS");
        assertRoute(
                RouteTarget.PREVIOUS,
                RouteReason.PREVIOUS_STATEMENT,
                statement(CommandType.STMT_EXECUTE, "SHOW WARNINGS", false, FakeSession.fresh()),
                "SHOW WARNINGS");
        assertRoute(
                RouteTarget.PRIMARY,
                RouteReason.WRITE,
                statement(CommandType.STMT_PREPARE, "UPDATE t SET a = ?", false, FakeSession.fresh()),
                "UPDATE");
    }

    @ParameterizedTest
    @EnumSource(
            value = CommandType.class,
            names = {"STMT_EXECUTE", "STMT_FETCH", "STMT_RESET", "STMT_SEND_LONG_DATA"})
    void aCommandFollowsItsStatementsCursorOrLongData(CommandType type) {
        for (FakeSession session : List.of(
                FakeSession.fresh(),
                FakeSession.fresh().inTransaction(true),
                FakeSession.fresh().consistency(Consistency.STRONG).wrote())) {
            assertRoute(
                    RouteTarget.STATEMENT,
                    RouteReason.PREPARED_STATEMENT_STATE,
                    statement(type, "SELECT * FROM t WHERE id = ?", true, session),
                    type + " " + session);
        }
    }

    // ---- read your writes

    @Test
    void aReadAfterAWriteWaitsForItUnderSessionConsistency() {
        FakeSession wrote = FakeSession.fresh().wrote();
        RouteDecision readYourWrites = RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_YOUR_WRITES);
        assertEquals(readYourWrites, route(ROUTER, "SELECT 1", wrote));
        assertEquals(readYourWrites, statement(CommandType.STMT_EXECUTE, "SELECT ?", false, wrote));
        // Preparing and long data read nothing; hints opt out of the wait.
        RouteDecision read = RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ);
        assertEquals(read, statement(CommandType.STMT_PREPARE, "SELECT ?", false, wrote));
        assertEquals(read, statement(CommandType.STMT_SEND_LONG_DATA, "SELECT ?", false, wrote));
        assertEquals(
                RouteDecision.of(RouteTarget.REPLICA, RouteReason.HINT_REPLICA),
                route(ROUTER, "/* route=replica */ SELECT 1", wrote));
        // A read-only transaction's reads on a replica would not wait for the write: it stays on the primary.
        assertEquals(
                RouteDecision.primary(RouteReason.READ_ONLY_TRANSACTION_CONSISTENCY),
                route(READ_ONLY_ON_REPLICA, "START TRANSACTION READ ONLY", wrote));
        assertEquals(read, route(ROUTER, "SELECT 1", wrote.consistency(Consistency.EVENTUAL)));
        assertEquals(read, route(ROUTER, "SELECT 1", FakeSession.fresh()));
        assertEquals(
                RouteDecision.primary(RouteReason.CONSISTENCY_STRONG),
                route(ROUTER, "SELECT 1", wrote.consistency(Consistency.STRONG)));
    }

    @Test
    void everyPlainReadWaitsForThePrimarysPositionUnderGlobalConsistency() {
        FakeSession global = FakeSession.fresh().consistency(Consistency.GLOBAL);
        RouteDecision waits = RouteDecision.of(RouteTarget.REPLICA, RouteReason.CONSISTENCY_GLOBAL);
        // Whether or not this session wrote: other sessions' commits count as much.
        assertEquals(waits, route(ROUTER, "SELECT 1", global));
        assertEquals(waits, route(ROUTER, "SELECT 1", global.wrote()));
        assertEquals(waits, statement(CommandType.STMT_EXECUTE, "SELECT ?", false, global));
        assertTrue(Router.waitsForPosition(waits));
        RouteDecision read = RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ);
        assertEquals(read, statement(CommandType.STMT_PREPARE, "SELECT ?", false, global));
        assertEquals(
                RouteDecision.of(RouteTarget.REPLICA, RouteReason.HINT_REPLICA),
                route(ROUTER, "/* route=replica */ SELECT 1", global));
        // Transactions, pins and the statement's own needs come first, as under session consistency.
        assertEquals(RouteDecision.primary(RouteReason.WRITE), route(ROUTER, "UPDATE t SET a = 1", global));
        assertEquals(
                RouteDecision.primary(RouteReason.PRIMARY_REQUIRED_READ),
                route(ROUTER, "SELECT * FROM t FOR UPDATE", global));
        assertEquals(
                RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION),
                route(ROUTER, "SELECT 1", global.inTransaction(true)));
        assertEquals(
                RouteDecision.primary(RouteReason.PINNED_LOCK_TABLES),
                route(ROUTER, "SELECT 1", global.pinned(Pin.LOCK_TABLES)));
        // A read-only transaction on a replica would read without waiting for the position: the primary holds it.
        for (FakeSession session : new FakeSession[] {global, global.wrote()}) {
            assertEquals(
                    RouteDecision.primary(RouteReason.READ_ONLY_TRANSACTION_CONSISTENCY),
                    route(READ_ONLY_ON_REPLICA, "START TRANSACTION READ ONLY", session));
        }
        assertEquals(
                RouteDecision.primary(RouteReason.TRANSACTION), route(ROUTER, "START TRANSACTION READ ONLY", global));
        // Every usable replica cooling down after missing the position: the primary, as consistency_fallback.
        assertEquals(RouteDecision.primary(RouteReason.CONSISTENCY_FALLBACK), ROUTER.noReplica(waits, true, false));
        assertEquals(RouteDecision.primary(RouteReason.NO_REPLICA), ROUTER.noReplica(waits, false, true));
    }

    // ---- when a replica cannot serve

    @Test
    void aReadWithoutAReplicaFallsBackAsConfigured() {
        RouteDecision read = RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ);
        RouteDecision readYourWrites = RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_YOUR_WRITES);
        RouteDecision noReplica = RouteDecision.primary(RouteReason.NO_REPLICA);
        RouteDecision consistency = RouteDecision.primary(RouteReason.CONSISTENCY_FALLBACK);
        assertEquals(noReplica, ROUTER.noReplica(read, true, true));
        assertNull(ROUTER.noReplica(read, true, false));
        // Every usable replica is cooling down after missing a session's writes: not an outage.
        assertEquals(consistency, ROUTER.noReplica(readYourWrites, true, false));
        assertEquals(noReplica, ROUTER.noReplica(readYourWrites, false, true));
        assertNull(ROUTER.noReplica(readYourWrites, false, false));
        assertEquals(noReplica, ROUTER.replicaUnavailable());
        assertEquals(consistency, ROUTER.consistencyNotReached());
    }

    // ---- decisions are shared

    @Test
    void decisionsAreSharedInstances() {
        FakeSession session = FakeSession.fresh();
        assertSame(route(ROUTER, "SELECT 1", session), route(ROUTER, "SELECT 2", session));
        assertSame(RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ), route(ROUTER, "SELECT 1", session));
        assertSame(command(ROUTER, CommandType.STATISTICS, session), command(ROUTER, CommandType.STATISTICS, session));
        assertSame(route(ROUTER, "SELECT 1", session.wrote()), route(ROUTER, "SELECT 2", session.wrote()));
    }
}
