package io.mysqlproxy.core.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * How busy one backend is: requests in flight (for least-outstanding replica choice) and client
 * statements sent since its pool was made. Owned by the backend's {@link BackendPool}, since that
 * is what the work goes through; a session keeps the one of the pool it borrowed from, so its
 * counts stay balanced even if the backend leaves and comes back meanwhile.
 */
public final class BackendLoad {

    private final AtomicInteger outstanding = new AtomicInteger();
    private final LongAdder statements = new LongAdder();

    /** A request is sent; pair with {@link #requestEnded()}. */
    public void requestStarted() {
        outstanding.incrementAndGet();
    }

    public void requestEnded() {
        outstanding.decrementAndGet();
    }

    public int outstanding() {
        return outstanding.get();
    }

    /** A client statement (COM_QUERY or COM_STMT_EXECUTE) was sent. */
    public void statementRouted() {
        statements.increment();
    }

    public long statements() {
        return statements.sum();
    }
}
