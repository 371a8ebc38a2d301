package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The certificates the bed makes with openssl, read back with the JDK: what a verifying client will check. */
class TestBedCertificatesTest {

    /** GeneralName tags of a subjectAltName entry (RFC 5280). */
    private static final int DNS_NAME = 2;

    private static final int IP_ADDRESS = 7;

    @Test
    void serverCertificateIsSignedByTheCaAndNamesLoopback(@TempDir Path dir) throws Exception {
        TestBedTls tls = TestBedTls.generate(dir);
        X509Certificate ca = TestBedCertificates.readCertificate(tls.caCertificate());
        X509Certificate server = TestBedCertificates.readCertificate(tls.serverCertificate());

        server.verify(ca.getPublicKey());
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA is a CA");
        assertEquals(-1, server.getBasicConstraints(), "the server certificate is not a CA");
        assertEquals(ca.getSubjectX500Principal(), server.getIssuerX500Principal());
        Collection<List<?>> names = server.getSubjectAlternativeNames();
        assertTrue(names.contains(List.of(IP_ADDRESS, "127.0.0.1")), names::toString);
        assertTrue(names.contains(List.of(DNS_NAME, "localhost")), names::toString);
        assertTrue(server.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
        server.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(365 * 9))));
        assertEquals("RSA", server.getPublicKey().getAlgorithm());
        assertTrue(Files.readString(tls.serverKey()).startsWith("-----BEGIN PRIVATE KEY-----"));
    }

    @Test
    void trustStoreTrustsItsOwnServerAndNotAnotherCasServer(@TempDir Path dir) throws Exception {
        TestBedTls tls = TestBedTls.generate(dir.resolve("bed"));
        TestBedTls other = TestBedTls.generate(dir.resolve("other"));
        X509TrustManager trust = trustManager(tls);

        assertEquals(TestBedTls.TRUST_STORE_PASSWORD, tls.trustStorePassword());
        trust.checkServerTrusted(chain(tls), "ECDHE_RSA");
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chain(other), "ECDHE_RSA"));
        assertNotEquals(
                TestBedCertificates.readCertificate(tls.caCertificate()).getSubjectX500Principal(),
                TestBedCertificates.readCertificate(other.caCertificate()).getSubjectX500Principal());
    }

    @Test
    void sharedSetIsReusedAndRemadeWhenIncomplete(@TempDir Path tmp) throws Exception {
        TestBedTls first = TestBedCertificates.sharedIn(tmp);
        TestBedTls again = TestBedCertificates.sharedIn(tmp);
        assertEquals(tmp.resolve(TestBedCertificates.SHARED_DIR).resolve("ca.pem"), first.caCertificate());
        assertEquals(first, again);
        byte[] ca = Files.readAllBytes(first.caCertificate());
        assertArrayEquals(ca, Files.readAllBytes(again.caCertificate()), "reused, not made again");

        Files.delete(first.trustStore());
        TestBedTls remade = TestBedCertificates.sharedIn(tmp);
        assertTrue(Files.isRegularFile(remade.trustStore()));
        assertFalse(java.util.Arrays.equals(ca, Files.readAllBytes(remade.caCertificate())), "a new CA");
        trustManager(remade).checkServerTrusted(chain(remade), "ECDHE_RSA");
        try (var leftovers = Files.list(tmp)) {
            assertEquals(
                    List.of(tmp.resolve(TestBedCertificates.SHARED_DIR)), leftovers.toList(), "no build dirs left");
        }
    }

    @Test
    void modeIsParsedFromItsConfigName() {
        assertEquals(TestBedTlsMode.VERIFY_CA, TestBedTlsMode.parse("verify-ca"));
        assertEquals(TestBedTlsMode.OFF, TestBedTlsMode.parse(" OFF "));
        IllegalArgumentException wrong =
                assertThrows(IllegalArgumentException.class, () -> TestBedTlsMode.parse("required"));
        assertTrue(wrong.getMessage().contains("verify-ca or off"), wrong::getMessage);
    }

    private static X509Certificate[] chain(TestBedTls tls) {
        return new X509Certificate[] {TestBedCertificates.readCertificate(tls.serverCertificate())};
    }

    private static X509TrustManager trustManager(TestBedTls tls) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.trustStore())) {
            store.load(in, tls.trustStorePassword().toCharArray());
        }
        assertEquals(1, store.size());
        assertTrue(store.isCertificateEntry(store.aliases().nextElement()), "a trusted certificate entry");
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return (X509TrustManager) factory.getTrustManagers()[0];
    }
}
