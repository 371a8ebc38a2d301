package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cleans a connection given back to the pool with COM_RESET_CONNECTION (transactions rolled back,
 * variables, temporary tables, locks and prepared statements dropped), bounded by the reset
 * timeout. A clean connection goes to {@code whenClean}, detached and back on the server's default
 * collation; one whose reset fails, times out or breaks is closed instead, never reused.
 * Runs on the connection's event loop.
 */
final class ConnectionReset implements ResponseSink {

    private static final Logger log = LoggerFactory.getLogger(ConnectionReset.class);

    private final BackendConnection connection;
    private final Duration resetTimeout;
    private final Consumer<BackendConnection> whenClean;
    private ScheduledFuture<?> timeout;
    private boolean done;

    ConnectionReset(BackendConnection connection, Duration resetTimeout, Consumer<BackendConnection> whenClean) {
        this.connection = connection;
        this.resetTimeout = resetTimeout;
        this.whenClean = whenClean;
    }

    void start() {
        connection.attach(this);
        connection.beginCommand(CommandType.RESET_CONNECTION);
        connection.write(StmtCommands.command(connection.channel().alloc(), CommandType.RESET_CONNECTION, new byte[0]));
        connection.flush();
        timeout = connection
                .channel()
                .eventLoop()
                .schedule(
                        () -> fail("no answer to COM_RESET_CONNECTION"), resetTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void forward(ByteBuf bytes, int lastSequenceId) {
        bytes.release();
    }

    @Override
    public void responseComplete(int status) {
        if (done) {
            return;
        }
        done = true;
        timeout.cancel(false);
        if (connection.lastResponseFailed()) {
            log.debug("{}: COM_RESET_CONNECTION failed; closing it", connection);
            connection.close();
            return;
        }
        connection.detach();
        connection.resetDone();
        whenClean.accept(connection);
    }

    @Override
    public void localInfileRequested() {
        fail("unexpected LOCAL INFILE request");
    }

    @Override
    public void backendFailed(String reason, Throwable cause) {
        fail(reason);
    }

    private void fail(String reason) {
        if (!done) {
            done = true;
            log.debug("{}: {}; closing it", connection, reason);
            connection.close();
        }
    }
}
