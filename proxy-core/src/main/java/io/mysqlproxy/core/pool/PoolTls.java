package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendTlsSession;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * How one pool's connections are encrypted, for the operators' views: how many of those open run in
 * TLS, how many TLS handshakes were made and how many of them resumed an earlier session (a pool
 * refill should mostly resume), and the protocol and cipher of the latest one. Updated on the event
 * loops, read from anywhere.
 */
public final class PoolTls {

    private final AtomicInteger encryptedOpen = new AtomicInteger();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private volatile BackendTlsSession latest;

    void opened(BackendConnection connection) {
        connection.tls().ifPresent(session -> {
            encryptedOpen.incrementAndGet();
            handshakes.increment();
            if (session.resumed()) {
                resumed.increment();
            }
            latest = session;
        });
    }

    void closed(BackendConnection connection) {
        if (connection.encrypted()) {
            encryptedOpen.decrementAndGet();
        }
    }

    /** Open connections that run in TLS. */
    public int encryptedOpen() {
        return encryptedOpen.get();
    }

    public long handshakes() {
        return handshakes.sum();
    }

    public long resumedHandshakes() {
        return resumed.sum();
    }

    /** The TLS session of the latest connection opened over TLS, or null if none was. */
    public BackendTlsSession latest() {
        return latest;
    }
}
