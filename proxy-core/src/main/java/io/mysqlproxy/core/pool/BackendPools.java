package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.topology.Backend;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The pool of each backend, created when the backend is first used. */
public final class BackendPools {

    private final BackendConnector connector;
    private final PoolSettings settings;
    private final Map<Backend, BackendPool> pools = new ConcurrentHashMap<>();

    public BackendPools(BackendConnector connector, PoolSettings settings) {
        this.connector = connector;
        this.settings = settings;
    }

    public BackendPool of(Backend backend) {
        return pools.computeIfAbsent(backend, b -> new BackendPool(b, connector, settings));
    }

    /**
     * {@code backend}'s pool if it has one, else null; never creates one (a metrics scrape racing a
     * backend's removal must not bring its retired pool back).
     */
    public BackendPool find(Backend backend) {
        return pools.get(backend);
    }

    /** Requests in flight on {@code backend}; 0 before its pool exists. Lock-free, allocation-free. */
    public int outstanding(Backend backend) {
        BackendPool pool = pools.get(backend);
        return pool == null ? 0 : pool.load().outstanding();
    }

    /** {@code backend} left the topology: its pool is retired (see {@link BackendPool#retire}) and forgotten. */
    public void retire(Backend backend) {
        BackendPool pool = pools.remove(backend);
        if (pool != null) {
            pool.retire();
        }
    }

    /** {@code user}'s account changed on the servers: see {@link BackendPool#retireUser}, on every backend. */
    public void retireUser(String user) {
        pools.values().forEach(pool -> pool.retireUser(user));
    }

    public Collection<BackendPool> all() {
        return pools.values();
    }
}
