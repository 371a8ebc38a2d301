package io.mysqlproxy.core.server;

import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.pool.PoolKey;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23 and later) puts a parameter block before the text of every COM_QUERY and
 * changes COM_STMT_EXECUTE, which the classifier and the prepared-statement handling read as plain. The proxy
 * does not negotiate it: its greeting never offers it, whatever the backend offers, and a client that sets it
 * anyway does not have it passed to a backend (nor does it get a pool of its own).
 */
class QueryAttributesNotNegotiatedTest {

    /** A MySQL 9 greeting offers every bit up to CLIENT_QUERY_ATTRIBUTES and beyond (here: all of them). */
    private static final HandshakeV10 MYSQL_GREETING =
            new HandshakeV10("9.7.0", 12, new byte[20], 0xffffffff, 255, 2, 0, "caching_sha2_password");

    private static final int CLIENT_ASKING = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.SECURE_CONNECTION,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
            Capability.DEPRECATE_EOF,
            Capability.QUERY_ATTRIBUTES);

    @Test
    void theProxysGreetingDoesNotOfferItEvenWhenTheBackendDoes() {
        ServerIdentity identity = new ServerIdentity("");
        identity.learn(MYSQL_GREETING);
        assertFalse(Capability.QUERY_ATTRIBUTES.isSet(offered(identity, false)));
        assertFalse(Capability.QUERY_ATTRIBUTES.isSet(offered(identity, true)));
        assertTrue(Capability.DEPRECATE_EOF.isSet(offered(identity, false)), "other bits are offered");
    }

    private static int offered(ServerIdentity identity, boolean tls) {
        return identity.greeting(1, new byte[20], tls, AuthPlugin.CACHING_SHA2_PASSWORD)
                .capabilities();
    }

    @Test
    void noGreetingOffersItBeforeThePrimaryIsKnown() {
        assertFalse(Capability.QUERY_ATTRIBUTES.isSet(offered(new ServerIdentity(""), true)));
    }

    @Test
    void aClientThatAsksForItAnywayDoesNotHaveItPassedToTheBackend() {
        int toBackend = BackendCapabilities.forBackend(CLIENT_ASKING, MYSQL_GREETING.capabilities(), true);
        assertFalse(Capability.QUERY_ATTRIBUTES.isSet(toBackend));
        assertEquals(CLIENT_ASKING & ~Capability.QUERY_ATTRIBUTES.mask(), toBackend);
    }

    @Test
    void itDoesNotSplitThePool() {
        BackendLogin asking =
                new BackendLogin("app", "pw", AuthPlugin.CACHING_SHA2_PASSWORD, CLIENT_ASKING, 0, 45, null, null);
        BackendLogin plain = new BackendLogin(
                "app",
                "pw",
                AuthPlugin.CACHING_SHA2_PASSWORD,
                CLIENT_ASKING & ~Capability.QUERY_ATTRIBUTES.mask(),
                0,
                45,
                null,
                null);
        assertEquals(PoolKey.of(plain), PoolKey.of(asking));
    }
}
