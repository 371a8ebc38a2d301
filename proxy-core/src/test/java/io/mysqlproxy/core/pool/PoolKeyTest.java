package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A pooled connection serves only a session that proved the same secret for the same user. */
class PoolKeyTest {

    private static BackendLogin login(String user, BackendSecret secret) {
        return new BackendLogin(user, secret, AuthPlugin.CACHING_SHA2_PASSWORD, 0, 0, 45, null, Map.of());
    }

    @Test
    void sessionsOfOneNameWithDifferentPasswordsNeverShareConnections() {
        BackendSecret p1 = BackendSecret.learnedPassword("p1".getBytes(StandardCharsets.UTF_8));
        BackendSecret p1Again = BackendSecret.learnedPassword("p1".getBytes(StandardCharsets.UTF_8));
        BackendSecret p2 = BackendSecret.learnedPassword("p2".getBytes(StandardCharsets.UTF_8));

        assertEquals(PoolKey.of(login("bob", p1)), PoolKey.of(login("bob", p1Again)));
        assertNotEquals(PoolKey.of(login("bob", p1)), PoolKey.of(login("bob", p2)));
        assertNotEquals(PoolKey.of(login("bob", p1)), PoolKey.of(login("alice", p1)));
        assertNotEquals(PoolKey.of(login("bob", BackendSecret.configured("p1"))), PoolKey.of(login("bob", p1)));
        assertFalse(PoolKey.of(login("bob", p1)).toString().contains("p1"));
    }
}
