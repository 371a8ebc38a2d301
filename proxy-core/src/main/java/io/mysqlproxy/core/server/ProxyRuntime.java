package io.mysqlproxy.core.server;

import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.handler.ssl.SslContext;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection shares: configuration, keys, the backend connector and counters. */
public record ProxyRuntime(
        ProxyConfig config,
        ServerIdentity identity,
        BackendConnector connector,
        Optional<SslContext> tls,
        RsaKeys rsaKeys,
        Sha2AuthCache sha2Cache,
        AtomicInteger openConnections,
        AtomicLong connectionIds) {

    public long nextConnectionId() {
        return connectionIds.incrementAndGet() & 0xffffffffL;
    }
}
