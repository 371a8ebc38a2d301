package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** MariaDB's extended capabilities between a client, the proxy and a backend: offered, negotiated, asked. */
class BackendCapabilitiesTest {

    /** What MariaDB 10.11 offers: PROGRESS, STMT_BULK_OPERATIONS, EXTENDED_METADATA, CACHE_METADATA. */
    private static final int MARIADB_10_11 = 0x1d;
    /** Everything a client could ask for, COM_MULTI and BULK_UNIT_RESULTS included. */
    private static final int EVERYTHING = 0x3f;
    /** MariaDB's greeting clears CLIENT_MYSQL (= LONG_PASSWORD). */
    private static final int MARIADB_SERVER = 0x81fff7fe;

    private static final int EXTENDED_METADATA = MariaDbCapability.EXTENDED_METADATA.mask();
    private static final int CLIENT_MYSQL = Capability.LONG_PASSWORD.mask();

    @Test
    void onlyExtendedMetadataIsOfferedAndOnlyByAMariaDbBackend() {
        assertEquals(EXTENDED_METADATA, BackendCapabilities.MARIADB_PASS_THROUGH);
        assertEquals(EXTENDED_METADATA, BackendCapabilities.mariaDbOfferedToClients(MARIADB_SERVER, MARIADB_10_11));
        assertEquals(EXTENDED_METADATA, BackendCapabilities.mariaDbOfferedToClients(MARIADB_SERVER, EVERYTHING));
        assertEquals(
                0, BackendCapabilities.mariaDbOfferedToClients(MARIADB_SERVER, MARIADB_10_11 & ~EXTENDED_METADATA));
        assertEquals(0, BackendCapabilities.mariaDbOfferedToClients(MARIADB_SERVER | CLIENT_MYSQL, MARIADB_10_11));
        // Not known yet: every capability bit, CLIENT_MYSQL included.
        assertEquals(0, BackendCapabilities.mariaDbOfferedToClients(-1, 0));
    }

    @Test
    void aClientsWordIsMaskedToTheOfferAndIgnoredIfItSetsClientMysql() {
        int clientCapabilities = Capability.maskOf(Capability.PROTOCOL_41, Capability.SECURE_CONNECTION);
        assertEquals(
                EXTENDED_METADATA,
                BackendCapabilities.mariaDbOfClient(clientCapabilities, EVERYTHING, EXTENDED_METADATA));
        assertEquals(0, BackendCapabilities.mariaDbOfClient(clientCapabilities, EVERYTHING, 0));
        assertEquals(
                0,
                BackendCapabilities.mariaDbOfClient(clientCapabilities | CLIENT_MYSQL, EVERYTHING, EXTENDED_METADATA));
    }

    @Test
    void aBackendIsAskedForWhatTheClientNegotiatedIfItOffersIt() {
        assertEquals(
                EXTENDED_METADATA,
                BackendCapabilities.mariaDbForBackend(EXTENDED_METADATA, MARIADB_SERVER, MARIADB_10_11));
        assertEquals(0, BackendCapabilities.mariaDbForBackend(0, MARIADB_SERVER, MARIADB_10_11));
        // Never CACHE_METADATA, PROGRESS or bulk, whatever a login carries.
        assertEquals(EXTENDED_METADATA, BackendCapabilities.mariaDbForBackend(EVERYTHING, MARIADB_SERVER, EVERYTHING));
        // A backend that does not offer it (MySQL, or MariaDB before 10.5) gets nothing.
        assertEquals(0, BackendCapabilities.mariaDbForBackend(EXTENDED_METADATA, MARIADB_SERVER | CLIENT_MYSQL, 0));
    }
}
