package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.GoldenResponses.UPDATE;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE_OK;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.concat;
import static io.mysqlproxy.core.session.Wire.frame;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COM_CHANGE_USER: for the exchange, a {@code change-user} stage stands in front of the command
 * stages and takes every client packet (here an auth switch makes the exchange last two packets); when
 * the new user is in, the stage is gone, the old primary connection goes back to its pool and the
 * session goes on with a connection of the new user.
 */
class SessionChangeUserTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    /**
     * A session that logged in, and a COM_CHANGE_USER to "reporting" (an account with
     * mysql_native_password) whose client answers with caching_sha2_password, so an auth switch follows.
     */
    private void startChangeUserToReporting() {
        rig = new SessionRig(0, true);
        rig.services.addUser("reporting", "r-pass");
        ComChangeUser request = new ComChangeUser(
                rig.capabilities, "reporting", new byte[32], "", 45, AuthPlugin.CACHING_SHA2_PASSWORD.wireName(), null);
        rig.clientChangesUser(request);
    }

    @Test
    void theChangeUserStageIsThereForTheExchangeAndGoneAfterIt() {
        startChangeUserToReporting();

        assertEquals(
                List.of(
                        FlushGate.NAME,
                        FrontendPipeline.FRAMES,
                        FrontendPipeline.CHANGE_USER,
                        FrontendPipeline.COMMAND_FRAMES,
                        FrontendPipeline.SESSION),
                stages(),
                "the exchange has its own stage");
        // Auth switch: 0xfe, the plugin name, the greeting's nonce, NUL.
        assertEquals(
                hexOf(frame(
                        1,
                        concat(
                                new byte[] {(byte) 0xfe},
                                "mysql_native_password\0".getBytes(StandardCharsets.US_ASCII),
                                SessionRig.NONCE,
                                new byte[1]))),
                hexOf(rig.clientReceived()));

        rig.clientSends(frame(2, NativePassword.scramble("r-pass", SessionRig.NONCE)));
        assertEquals(
                List.of(
                        FlushGate.NAME,
                        FrontendPipeline.FRAMES,
                        FrontendPipeline.COMMAND_FRAMES,
                        FrontendPipeline.SESSION),
                stages(),
                "the stage removed itself");
        assertEquals(hexOf(GoldenResponses.ok(3, ServerStatus.AUTOCOMMIT.mask())), hexOf(rig.clientReceived()));
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).released(), "the old user's connection");
        assertEquals("reporting", rig.pool(rig.primary).logins().get(1).user());

        // Commands again, on the new user's connection.
        BackendConnection reporting = rig.connection(rig.primary, 1);
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(reporting)));
        assertEquals("", hexOf(serverReceived(rig.loginConnection)));
        serverSends(reporting, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
    }

    /** The client channel's stages, in order (Netty's own tail left out). */
    private List<String> stages() {
        return rig.client.pipeline().names().stream()
                .filter(name -> rig.client.pipeline().get(name) != null)
                .toList();
    }

    /**
     * A session that ends while a change of user waits for the client's next auth packet (here the
     * proxy shuts down) does not authenticate it: no login as the new user is attempted.
     */
    @Test
    void aSessionEndedDuringTheExchangeIgnoresTheClientsLaterAuthPacket() {
        startChangeUserToReporting();
        assertEquals(
                hexOf(frame(
                        1,
                        concat(
                                new byte[] {(byte) 0xfe},
                                "mysql_native_password\0".getBytes(StandardCharsets.US_ASCII),
                                SessionRig.NONCE,
                                new byte[1]))),
                hexOf(rig.clientReceived()),
                "the auth switch");

        rig.clientStalls(1, 2); // the shutdown's error stays pending: the client's channel stays open
        rig.services.sessions().get(SessionRig.CONNECTION_ID).shutDown("test: the proxy stops");
        rig.client.runPendingTasks();
        assertTrue(rig.client.isActive());
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded(), "the session's leg is closed");

        rig.clientSends(frame(2, NativePassword.scramble("r-pass", SessionRig.NONCE)));
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).borrowed(), "no login as 'reporting'");

        rig.clientCatchesUp();
        rig.client.runPendingTasks();
        byte[] received = rig.clientReceived();
        // The error follows the auth switch (sequence id 1), which was the exchange's last packet when it was sent.
        byte[] shutdown = Wire.err(
                2, ProxyErrors.ER_SERVER_SHUTDOWN, "08S01", "Server shutdown in progress (mysql-proxy drain deadline)");
        assertEquals(hexOf(shutdown), hexOf(received), "the shutdown's error, and nothing about the change of user");
        assertFalse(rig.client.isActive(), "the session ended");
    }

    /**
     * A client that never answers the auth switch is refused after the handshake timeout, as at login
     * (error 1043), and the session ends: the exchange cannot keep it from the idle timeout for ever.
     */
    @Test
    void aChangeOfUserLeftUnansweredEndsAfterTheHandshakeTimeout() {
        startChangeUserToReporting();
        rig.clientReceived(); // the auth switch
        long timeout = TestSessionServices.HANDSHAKE_TIMEOUT.toMillis();

        // The embedded loop's clock is the real one plus what the test adds: a margin for the real part.
        rig.client.advanceTimeBy(timeout - 500, TimeUnit.MILLISECONDS);
        rig.client.runScheduledPendingTasks();
        assertTrue(rig.client.isActive(), "still within the timeout");
        assertEquals("", hexOf(rig.clientReceived()));

        rig.client.advanceTimeBy(500, TimeUnit.MILLISECONDS);
        rig.client.runScheduledPendingTasks();
        rig.client.runPendingTasks();
        assertEquals(
                hexOf(Wire.err(2, ProxyErrors.ER_HANDSHAKE_ERROR, "08S01", "Bad handshake: timed out")),
                hexOf(rig.clientReceived()));
        assertFalse(rig.client.isActive(), "the session ended");
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).borrowed(), "no login as 'reporting'");
    }

    @Test
    void whileThePrimaryIsAwayTheNewUserGoesOnOnAReplica() {
        rig = new SessionRig(1, true);
        rig.services.addUser("reporting", "r-pass");
        rig.pool(rig.primary)
                .refuseBorrows(
                        1, new BackendException(ProxyErrors.cannotConnect("primary:3306", "Connection refused"), null));
        rig.clientChangesUser("reporting", "r-pass");

        assertEquals(1, rig.pool(rig.replica(1)).borrowed().size(), "the new user logged in on the replica");
        assertEquals("reporting", rig.pool(rig.replica(1)).logins().get(0).user());
        byte[] answer = rig.clientReceived();
        assertEquals(1, answer[3], "the answer to the client's packet 0");
        assertEquals(0, answer[4], "OK: the change of user succeeded");
        assertTrue(rig.client.isActive());
    }

    /**
     * A change to a user learned from the servers is checked against the stored hash, and the new backend session
     * logs in with SHA1(password) recovered from the client's answer; a wrong answer logs in nobody.
     */
    @Test
    void aChangeToALearnedUserLogsInWithWhatTheClientsAnswerGave() throws Exception {
        rig = new SessionRig(0, true);
        // MariaDB's PASSWORD('password').
        ServerAccount row = new ServerAccount(
                "learned",
                "%",
                "mysql_native_password",
                "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19".getBytes(StandardCharsets.US_ASCII),
                false,
                false);
        rig.services.addUser(UserAccount.fromServer(row, Optional.empty()));

        rig.clientChangesUser("learned", "password");
        byte[] answer = rig.clientReceived();
        assertEquals(0, answer[4], "OK: the change of user succeeded");
        assertEquals("learned", rig.pool(rig.primary).logins().get(1).user());
        assertEquals(
                BackendSecret.nativeStage1(
                        MessageDigest.getInstance("SHA-1").digest("password".getBytes(StandardCharsets.UTF_8))),
                rig.pool(rig.primary).logins().get(1).secret());
    }

    @Test
    void aWrongPasswordForALearnedUserLogsInNobody() {
        rig = new SessionRig(0, true);
        ServerAccount row = new ServerAccount(
                "learned",
                "%",
                "mysql_native_password",
                "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19".getBytes(StandardCharsets.US_ASCII),
                false,
                false);
        rig.services.addUser(UserAccount.fromServer(row, Optional.empty()));

        rig.clientChangesUser("learned", "Password");
        byte[] answer = rig.clientReceived();
        assertEquals((byte) 0xff, answer[4], "ERR");
        assertEquals(1045, (answer[5] & 0xff) | (answer[6] & 0xff) << 8);
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).borrowed(), "no login as 'learned'");
    }
}
