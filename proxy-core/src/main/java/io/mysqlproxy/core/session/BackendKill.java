package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;

/**
 * Stops the statement a backend thread is running: {@code KILL QUERY <thread id>} sent to the same
 * backend on a second connection of the same user (the busy one takes no command until its
 * statement ends), borrowed from the pool and given back once the server answered. The borrow may wait;
 * under transaction multiplexing the thread may serve another session by then, so whether it is still the
 * target is asked again right before the KILL goes out (a statement that ends while the KILL travels can
 * still let it hit the thread's next statement: that window is not closed).
 */
final class BackendKill implements ResponseSink {

    private static final Logger log = LoggerFactory.getLogger(BackendKill.class);

    private final ConnectionPool pool;
    private final BackendConnection connection;
    private final long threadId;
    private final Promise<Boolean> done;
    private CompositeByteBuf response;

    private BackendKill(ConnectionPool pool, BackendConnection connection, long threadId, Promise<Boolean> done) {
        this.pool = pool;
        this.connection = connection;
        this.threadId = threadId;
        this.done = done;
    }

    /**
     * Completes with whether the server accepted the KILL (true when, once a connection is borrowed, the
     * statement is no longer running: nothing to cancel); never fails. Must be called on {@code loop}, the
     * loop {@code stillTarget} (whether the thread still runs the statement to cancel) is asked on.
     */
    static Future<Boolean> query(
            EventLoop loop, ConnectionPool pool, BackendLogin login, long threadId, BooleanSupplier stillTarget) {
        Promise<Boolean> done = loop.newPromise();
        Future<BackendConnection> borrowing = pool.borrow(loop, login, true);
        borrowing.addListener(f -> {
            if (!f.isSuccess()) {
                log.info(
                        "{}: no connection to cancel server thread {}: {}",
                        pool,
                        threadId,
                        ErrorLogText.of(f.cause(), log));
                done.setSuccess(false);
                return;
            }
            if (!stillTarget.getAsBoolean()) {
                pool.release(borrowing.getNow());
                done.setSuccess(true);
                return;
            }
            new BackendKill(pool, borrowing.getNow(), threadId, done).send();
        });
        return done;
    }

    private void send() {
        response = connection.channel().alloc().compositeBuffer();
        connection.attach(this);
        connection.beginCommand(CommandType.QUERY);
        connection.write(StmtCommands.query(connection.channel().alloc(), "KILL QUERY " + threadId));
        connection.flush();
    }

    @Override
    public void forward(ByteBuf bytes, int lastSequenceId) {
        response.addComponent(true, bytes);
    }

    @Override
    public void responseComplete(int status) {
        boolean failed = connection.lastResponseFailed();
        try {
            if (failed) {
                // Typically 1094: the thread ended meanwhile.
                log.info(
                        "{}: KILL QUERY {} refused: {}",
                        connection,
                        threadId,
                        ErrorLogText.of(BufferedResponse.error(response), log));
            }
        } finally {
            response.release();
        }
        connection.detach();
        if (failed) {
            // Its error is the server's to show (SHOW WARNINGS) there: reset, not handed on as its imprint says.
            connection.imprint(null);
        }
        pool.release(connection);
        done.trySuccess(!failed);
    }

    @Override
    public void localInfileRequested() {
        backendFailed("unexpected LOCAL INFILE request", null);
    }

    @Override
    public void backendFailed(String reason, Throwable cause) {
        if (done.trySuccess(false)) {
            log.info("{}: lost while cancelling server thread {}: {}", connection, threadId, reason);
            response.release();
            connection.detach();
            pool.discard(connection);
        }
    }
}
