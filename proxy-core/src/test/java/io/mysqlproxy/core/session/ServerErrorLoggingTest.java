package io.mysqlproxy.core.session;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.packet.ErrPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT_EOF_ON;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server's error message may quote data, so the proxy's log carries it only at DEBUG: above that, a line names
 * the error by code and SQLSTATE. Each case drives a real session into a path that logs a backend's ERR; at INFO
 * no line above DEBUG may hold the text (but one names the code), and at DEBUG the text does reach the log, so
 * the case really covers a line that would leak it. The client always gets the server's whole error.
 */
class ServerErrorLoggingTest {

    /** What a server might quote: a row's value. */
    private static final String SECRET = "card 4111-1111-1111-1111";

    private SessionRig rig;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger proxyLogger = (Logger) LoggerFactory.getLogger("io.mysqlproxy");
    private Level previousLevel;

    enum Path {
        /** The primary refuses the connection a write needs (FrontendSession's failed command). */
        PRIMARY_LOGIN_REFUSED,
        /** A replica refuses the connection a read needs; the read goes to the primary (LegDispatch). */
        REPLICA_LOGIN_REFUSED,
        /** A replica refuses the session's schema; the read goes to the primary (LegPreparation). */
        REPLICA_REFUSES_SESSION_STATE,
        /** The primary is shutting down until the outage buffer runs out (PrimaryWaits). */
        PRIMARY_SHUTTING_DOWN
    }

    @AfterEach
    void finish() {
        proxyLogger.detachAppender(appender);
        proxyLogger.setLevel(previousLevel);
        rig.finish();
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aboveDebugOnlyTheCodeIsLogged(Path path) {
        capture(Level.INFO);
        drive(path);
        List<ILoggingEvent> aboveDebug = appender.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .toList();
        aboveDebug.forEach(e ->
                assertFalse(e.getFormattedMessage().contains(SECRET), e.getLevel() + " " + e.getFormattedMessage()));
        assertTrue(
                aboveDebug.stream().anyMatch(e -> e.getFormattedMessage().contains("error " + code(path))),
                "a line names the error by its code: " + messages());
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void atDebugTheTextIsLogged(Path path) {
        capture(Level.DEBUG);
        drive(path);
        assertTrue(
                appender.list.stream().anyMatch(e -> e.getFormattedMessage().contains(SECRET)),
                "this path logs the server's error: " + messages());
    }

    private void capture(Level level) {
        previousLevel = proxyLogger.getLevel();
        proxyLogger.setLevel(level);
        appender.start();
        proxyLogger.addAppender(appender);
    }

    private static int code(Path path) {
        return switch (path) {
            case PRIMARY_LOGIN_REFUSED, REPLICA_LOGIN_REFUSED -> 1045;
            case REPLICA_REFUSES_SESSION_STATE -> 1049;
            case PRIMARY_SHUTTING_DOWN -> ProxyErrors.ER_SERVER_SHUTDOWN;
        };
    }

    private static BackendException serverRefusal(int code) {
        return new BackendException(new ErrPacket(code, "28000", "Access denied near '" + SECRET + "'"), null);
    }

    private void drive(Path path) {
        switch (path) {
            case PRIMARY_LOGIN_REFUSED -> {
                rig = new SessionRig(1, true);
                rig.loginConnection.close();
                rig.pool(rig.primary).refuseBorrows(1, serverRefusal(1045));
                rig.clientSends(query(UPDATE));
                assertClientGotTheServersText();
            }
            case REPLICA_LOGIN_REFUSED -> {
                rig = new SessionRig(1, true);
                rig.pool(rig.replica(1)).refuseBorrows(1, serverRefusal(1045));
                readServedByThePrimary();
            }
            case REPLICA_REFUSES_SESSION_STATE -> {
                rig = new SessionRig(1, true);
                rig.pool(rig.replica(1)).nextOnSchema("other");
                rig.clientSends(query(EMPTY_SELECT));
                BackendConnection replica = rig.connection(rig.replica(1), 0);
                assertTrue(serverReceived(replica).length > 0, "the replica is asked for the session's schema");
                serverSends(replica, Wire.err(1, 1049, "42000", "Unknown database near '" + SECRET + "'"));
                BackendConnection primary = rig.loginConnection;
                assertEquals(
                        hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(primary)), "the read went to the primary");
                serverSends(primary, EMPTY_SELECT_EOF_ON);
                assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
            }
            case PRIMARY_SHUTTING_DOWN -> {
                rig = new SessionRig(1, true);
                rig.client.freezeTime();
                rig.loginConnection.close();
                rig.services.outageBuffer(Duration.ofMillis(500), 10);
                rig.pool(rig.primary).refuseBorrows(Integer.MAX_VALUE, serverRefusal(ProxyErrors.ER_SERVER_SHUTDOWN));
                rig.clientSends(query(UPDATE));
                for (int i = 0; i < 4; i++) {
                    rig.client.advanceTimeBy(250, TimeUnit.MILLISECONDS);
                    rig.client.runScheduledPendingTasks();
                    rig.client.runPendingTasks();
                }
                assertClientGotTheServersText();
            }
        }
    }

    private void readServedByThePrimary() {
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection primary = rig.loginConnection;
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(primary)), "the read went to the primary");
        serverSends(primary, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    private void assertClientGotTheServersText() {
        String received = new String(rig.clientReceived(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(received.contains(SECRET), "the client sees the server's own error: " + received);
    }

    private List<String> messages() {
        return appender.list.stream()
                .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .toList();
    }
}
