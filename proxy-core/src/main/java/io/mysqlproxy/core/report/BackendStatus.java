package io.mysqlproxy.core.report;

import io.mysqlproxy.core.backend.BackendTlsSession;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendLoad;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.pool.PoolTls;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;

import java.util.ArrayList;
import java.util.List;

/**
 * What the operators' views show of one backend: {@code /backends} and SHOW PROXY BACKENDS render
 * the same values, read once here. Built from lock-free reads, so one status may mix values from a
 * few microseconds apart.
 *
 * @param pod        the pod behind the backend, or null when only its address is known
 * @param lagSeconds replication lag at the last health check, or null when unknown (and for the primary)
 * @param errors     client statements answered with an ERR packet
 * @param connectionsTls open connections that run in TLS
 * @param tlsProtocol  the TLS version of the latest connection opened in TLS, or null if none was
 * @param tlsCipher    its cipher suite, or null
 * @param tlsHandshakes TLS handshakes made, and {@code tlsResumed} of them that resumed an earlier session
 */
public record BackendStatus(
        String name,
        String address,
        BackendRole role,
        BackendState state,
        String pod,
        int weight,
        Long lagSeconds,
        int outstanding,
        long statements,
        long errors,
        int connectionsOpen,
        int connectionsIdle,
        long poolWaits,
        long poolWaitTimeouts,
        int connectionsTls,
        String tlsProtocol,
        String tlsCipher,
        long tlsHandshakes,
        long tlsResumed) {

    /** Every backend of {@code topology}, the primary first. */
    public static List<BackendStatus> of(Topology topology, BackendPools pools, ProxyMetrics metrics) {
        List<BackendStatus> all = new ArrayList<>();
        for (Backend backend : topology.all()) {
            BackendPool pool = pools.of(backend);
            BackendLoad load = pool.load();
            BackendCondition condition = topology.condition(backend);
            long lag = condition.lagSeconds();
            PoolTls tls = pool.tls();
            BackendTlsSession latest = tls.latest();
            all.add(new BackendStatus(
                    backend.name(),
                    backend.address().toString(),
                    backend.role(),
                    condition.state(),
                    backend.pod(),
                    condition.weight(),
                    lag < 0 ? null : lag,
                    load.outstanding(),
                    load.statements(),
                    metrics.statementErrors(backend),
                    pool.openConnections(),
                    pool.idleConnections(),
                    pool.waits(),
                    pool.timeouts(),
                    tls.encryptedOpen(),
                    latest == null ? null : latest.protocol(),
                    latest == null ? null : latest.cipherSuite(),
                    tls.handshakes(),
                    tls.resumedHandshakes()));
        }
        return all;
    }
}
