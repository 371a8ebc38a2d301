package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLEngine;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client-side TLS context offers exactly the configured TLS versions. */
class ClientTlsContextTest {

    @Test
    void onlyTheConfiguredVersionsAreEnabled() {
        assertEquals(Set.of("TLSv1.3"), enabled(List.of("TLSv1.3")));
        assertEquals(Set.of("TLSv1.2"), enabled(List.of("TLSv1.2")));
        assertEquals(Set.of("TLSv1.2", "TLSv1.3"), enabled(List.of("TLSv1.2", "TLSv1.3")));
    }

    @Test
    void offIsNoContext() {
        assertTrue(ClientTlsContext.create(tls(false, List.of("TLSv1.2"))).isEmpty());
    }

    private static Set<String> enabled(List<String> protocols) {
        SslContext context = ClientTlsContext.create(tls(true, protocols)).orElseThrow();
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        try {
            return Set.of(engine.getEnabledProtocols());
        } finally {
            io.netty.util.ReferenceCountUtil.release(engine);
        }
    }

    private static ProxyConfig.Tls tls(boolean enabled, List<String> protocols) {
        return new ProxyConfig.Tls(enabled, Optional.empty(), Optional.empty(), false, protocols);
    }
}
