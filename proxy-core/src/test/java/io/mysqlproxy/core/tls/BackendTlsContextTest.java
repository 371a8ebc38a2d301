package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backend TLS context is built at start, and a CA or key that does not load stops the start. */
class BackendTlsContextTest {

    @TempDir
    Path dir;

    @Test
    void aCaFileWithoutCertificatesIsAnInvalidConfiguration() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, () -> BackendTlsContext.create(tls(BackendTlsMode.VERIFY_CA, ca)));
        assertEquals("mysql-proxy.backends.tls", e.key());
    }

    @Test
    void aValidCaBuildsAContextForItsMode() throws Exception {
        Path ca = TestPki.create("ca").writeCertificate(dir.resolve("ca.pem"));
        assertEquals(
                BackendTlsMode.VERIFY_IDENTITY,
                BackendTlsContext.create(tls(BackendTlsMode.VERIFY_IDENTITY, ca))
                        .mode());
        assertEquals(
                BackendTlsMode.DISABLED,
                BackendTlsContext.create(ProxyConfig.BackendTls.disabled()).mode());
        assertTrue(BackendTlsContext.create(tls(BackendTlsMode.PREFERRED, ca))
                .toString()
                .contains("preferred"));
    }

    private static ProxyConfig.BackendTls tls(BackendTlsMode mode, Path ca) {
        return new ProxyConfig.BackendTls(
                mode, Optional.of(ca), Optional.empty(), Optional.empty(), List.of("TLSv1.2", "TLSv1.3"));
    }
}
