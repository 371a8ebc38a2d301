package io.mysqlproxy.testbed;

import java.nio.file.Path;
import java.util.List;

/**
 * The TLS files of the test bed: a self-signed CA made by the bed and a server certificate it signed (subject
 * alternative names {@code IP:127.0.0.1} and {@code DNS:localhost}, RSA 2048, valid for ten years), which every
 * server of a bed started in {@link TestBedTlsMode#VERIFY_CA} presents. All files are PEM except the trust store.
 *
 * @param caCertificate      the CA certificate: what a client that verifies the servers trusts (a proxy's
 *                           {@code backends.tls.ca})
 * @param serverCertificate  the servers' certificate, signed by the CA
 * @param serverKey          its private key (unencrypted PKCS#8)
 * @param trustStore         a PKCS12 key store holding the CA certificate as a trusted entry, for Connector/J's
 *                           {@code trustCertificateKeyStoreUrl} and other JSSE clients
 * @param trustStorePassword the trust store's password, always {@value #TRUST_STORE_PASSWORD}
 */
public record TestBedTls(
        Path caCertificate, Path serverCertificate, Path serverKey, Path trustStore, String trustStorePassword) {

    /** The password of every {@link #trustStore()} the test bed writes. */
    public static final String TRUST_STORE_PASSWORD = "testbed-trust";

    /**
     * Makes a new CA and server certificate in {@code directory} (created if missing) with the {@code openssl}
     * command: for tests that need a CA the bed's servers do not know. The bed's own files come from
     * {@link ReplicatedTestBed#tls()}.
     *
     * @throws IllegalStateException if {@code openssl} is missing or fails
     */
    public static TestBedTls generate(Path directory) {
        return TestBedCertificates.generate(directory);
    }

    /**
     * Connector/J URL options that require TLS and verify the server's certificate against this CA
     * ({@code sslMode=VERIFY_CA}): the query of a URL such as {@code jdbc:mysql://127.0.0.1:PORT/app?OPTIONS}. Not
     * for appending to {@link TestBedServer#jdbcUrl(String)}, whose own {@code sslMode} it would contradict.
     */
    public String jdbcOptions() {
        return "sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=" + trustStore.toUri()
                + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=" + trustStorePassword;
    }

    /** The server options (the same on MariaDB and MySQL) that make a server present this certificate. */
    List<String> serverOptions() {
        return List.of("--ssl-ca=" + caCertificate, "--ssl-cert=" + serverCertificate, "--ssl-key=" + serverKey);
    }
}
