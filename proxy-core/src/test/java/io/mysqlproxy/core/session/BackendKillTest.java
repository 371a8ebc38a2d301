package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ConnectionImprint;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KILL QUERY of a backend thread: not sent when, once the borrow is through, the statement is no longer the
 * target's (under multiplexing the thread may serve another session), and a refused KILL's connection goes
 * back to be reset, not as its imprint says.
 */
class BackendKillTest {

    private static final Backend PRIMARY = new Backend(new HostPort("primary", 3306), BackendRole.PRIMARY, "p");
    private static final BackendLogin LOGIN = new BackendLogin(
            "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, Capability.PROTOCOL_41.mask(), 0, 45, "app", null);

    private final FakeConnectionPool pool = new FakeConnectionPool(PRIMARY, true);
    private final EmbeddedChannel session = new EmbeddedChannel();
    private final EventLoop loop = session.eventLoop();

    @AfterEach
    void close() {
        for (BackendConnection connection : pool.borrowed()) {
            serverReceived(connection);
            SessionRig.channel(connection).finishAndReleaseAll();
        }
        session.finishAndReleaseAll();
    }

    @Test
    void aStatementThatEndedDuringTheBorrowIsNotKilled() throws Exception {
        Future<Boolean> done = BackendKill.query(loop, pool, LOGIN, 42, () -> false);
        BackendConnection borrowed = pool.borrowed().get(0);

        assertEquals("", hexOf(serverReceived(borrowed)), "the thread may run another session's statement now");
        assertEquals(List.of(borrowed), pool.released());
        assertTrue(done.get());
    }

    @Test
    void aRefusedKillGivesItsConnectionBackToBeReset() throws Exception {
        pool.holdNextBorrow();
        Future<Boolean> done = BackendKill.query(loop, pool, LOGIN, 42, () -> true);
        BackendConnection borrowed = pool.borrowed().get(0);
        borrowed.imprint(new ConnectionImprint("another session", List.of(), 0, new int[0], null));
        pool.completeHeldBorrow();

        assertEquals(hexOf(Wire.query("KILL QUERY 42")), hexOf(serverReceived(borrowed)));
        serverSends(borrowed, Wire.err(1, 1094, "HY000", "Unknown thread id: 42"));

        assertFalse(done.get());
        assertEquals(List.of(borrowed), pool.released());
        assertNull(borrowed.imprint(), "its error is not for the next borrower");
    }
}
