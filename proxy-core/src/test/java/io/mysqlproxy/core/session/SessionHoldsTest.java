package io.mysqlproxy.core.session;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.core.metrics.SessionMeters;
import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SHOW PROXY SESSIONS shows each session's backend connections and what keeps it on them, with the
 * statement kind that caused it; the pin metrics count each reason a session gains, and the gauge of
 * pinned sessions follows the holds as they come and go and as the session ends.
 */
class SessionHoldsTest {

    private static final int AUTOCOMMIT = ServerStatus.AUTOCOMMIT.mask();

    private SessionRig rig;
    private SessionMeters meters;

    @AfterEach
    void finish() {
        if (rig != null) {
            rig.finish();
        }
    }

    @Test
    void aLockShowsWithItsCauseUntilReleasedAndIsCountedOnce() {
        rig = new SessionRig(0, true);
        meters = rig.services.metrics().sessions();
        String connection =
                "primary (primary, connection " + rig.loginConnection.greeting().connectionId() + ")";
        assertEquals(List.of(row(connection, null)), show(), "nothing held at first");

        run("LOCK TABLES t WRITE", AUTOCOMMIT);
        assertEquals(List.of(row(connection, "lock_tables (lock_tables)")), show());
        assertEquals(1, meters.pins("lock_tables"));
        assertEquals(1, meters.pinned("lock_tables"));

        run("SELECT 1 FROM t", AUTOCOMMIT);
        assertEquals(1, meters.pins("lock_tables"), "a reason still held is not counted again");

        run("UNLOCK TABLES", AUTOCOMMIT);
        assertEquals(List.of(row(connection, null)), show());
        assertEquals(1, meters.pins("lock_tables"));
        assertEquals(0, meters.pinned("lock_tables"), "released: the session leaves the gauge");

        run("LOCK TABLES t READ", AUTOCOMMIT);
        assertEquals(2, meters.pins("lock_tables"), "gained again: counted again");
        assertEquals(0, serverReceived(rig.loginConnection).length, "SHOW PROXY SESSIONS never reaches a server");
    }

    @Test
    void aTransactionAndAutocommitOffShowTheirStatementsAndLeaveTheGaugeWhenTheSessionEnds() {
        rig = new SessionRig(0, true);
        meters = rig.services.metrics().sessions();
        run("SET autocommit = 0", 0);
        run("INSERT INTO t VALUES (1)", ServerStatus.IN_TRANS.mask());
        assertEquals(
                "transaction (write), autocommit_off (set_autocommit)",
                show().get(0).get(7));
        SessionStatus between = status(rig.services.sessions().get(SessionRig.CONNECTION_ID), SessionRig.USER, false);
        assertEquals(SessionStatus.IN_TRANSACTION, between.state(), "between commands, inside its transaction");
        assertEquals(
                List.of(
                        new SessionStatus.Held("transaction", "write"),
                        new SessionStatus.Held("autocommit_off", "set_autocommit")),
                between.holds());
        assertEquals(1, meters.pinned("transaction"));
        assertEquals(1, meters.pinned("autocommit_off"));

        rig.finish();
        rig = null;
        assertEquals(0, meters.pinned("transaction"), "the session ended: no longer pinned");
        assertEquals(0, meters.pinned("autocommit_off"));
        assertEquals(1, meters.pins("transaction"));
    }

    @Test
    void aUserSeesItsOwnSessionsAndAdminsSeeAll() {
        rig = new SessionRig(0, true);
        LiveSession session = rig.services.sessions().get(SessionRig.CONNECTION_ID);
        assertNull(status(session, "other", false), "another user's session is not shown");
        SessionStatus own = status(session, SessionRig.USER, false);
        assertNotNull(own);
        assertEquals(SessionStatus.IDLE, own.state());
        assertEquals(SessionRig.USER, own.user());
        assertEquals(SessionRig.CONNECTION_ID, own.id());
        assertNotNull(status(session, "other", true), "an admin sees every session");
    }

    @Test
    void aResetReleasesEveryHold() {
        rig = new SessionRig(0, true);
        meters = rig.services.metrics().sessions();
        run("CREATE TEMPORARY TABLE t (id INT)", AUTOCOMMIT);
        run("SELECT GET_LOCK('x', 0)", AUTOCOMMIT);
        assertEquals(1, meters.pinned("temporary_table"));
        assertEquals(1, meters.pinned("named_lock"));
        assertEquals(
                "named_lock (read), temporary_table (create_temporary_table)",
                show().get(0).get(7));

        rig.clientSends(Wire.command(0x1f, new byte[0]));
        serverReceived(rig.loginConnection);
        serverSends(rig.loginConnection, GoldenResponses.ok(1, AUTOCOMMIT));
        rig.clientReceived();
        assertNull(show().get(0).get(7), "COM_RESET_CONNECTION dropped the table and the lock on the server");
        assertEquals(0, meters.pinned("temporary_table"));
        assertEquals(0, meters.pinned("named_lock"));
        assertEquals(1, meters.pins("named_lock"));
    }

    @Test
    void eachReasonIsLoggedOncePerSessionAtDebugWithItsCause() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(HoldWatch.class);
        Level previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
        try {
            rig = new SessionRig(0, true);
            run("LOCK TABLES t WRITE", AUTOCOMMIT);
            run("UNLOCK TABLES", AUTOCOMMIT);
            run("LOCK TABLES t READ", AUTOCOMMIT);
            run("SET autocommit = 0", 0);
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(previous);
        }
        List<String> lines =
                appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(
                lines.get(0).endsWith("held on its backend connections: lock_tables (caused by lock_tables)"),
                lines.get(0));
        assertTrue(lines.get(0).startsWith("[conn " + SessionRig.CONNECTION_ID + "]"), lines.get(0));
        assertTrue(lines.get(1).endsWith("autocommit_off (caused by set_autocommit)"), lines.get(1));
        appender.list.forEach(e -> assertEquals(Level.DEBUG, e.getLevel()));
    }

    private SessionStatus status(LiveSession session, String user, boolean everyone) {
        Promise<SessionStatus> status = rig.client.eventLoop().newPromise();
        session.statusFor(user, everyone, status);
        rig.client.runPendingTasks();
        assertTrue(status.isSuccess());
        return status.getNow();
    }

    private void run(String sql, int status) {
        rig.clientSends(query(sql));
        serverReceived(rig.loginConnection);
        serverSends(rig.loginConnection, GoldenResponses.ok(1, status));
        rig.clientReceived();
    }

    private List<List<String>> show() {
        rig.clientSends(query("SHOW PROXY SESSIONS"));
        rig.client.runPendingTasks();
        return SessionProcessListTest.rows(rig.clientReceived(), 8);
    }

    /** The asking session's own row: it is running SHOW PROXY SESSIONS. */
    private static List<String> row(String connections, String holds) {
        return java.util.Arrays.asList(
                String.valueOf(SessionRig.CONNECTION_ID),
                SessionRig.USER,
                "10.0.0.7:50000",
                "0",
                "0",
                "in command",
                connections,
                holds);
    }
}
