package io.mysqlproxy.testbed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * Makes {@link TestBedTls} files with the {@code openssl} command (no certificate code of our own), and keeps one
 * set per machine under {@code java.io.tmpdir}, beside the data-directory templates, for every bed to share: the
 * servers only read the files at start, and a CA per JVM would buy nothing but a second of key generation. The
 * trust store is written with the JDK's KeyStore, because OpenSSL 3.0 cannot mark a PKCS12 certificate as trusted
 * in the way Java reads it (it would load as an empty trust store).
 */
final class TestBedCertificates {

    /** Bump when the files or their extensions change, so machines stop reusing the old set. */
    static final String SHARED_DIR = "mysql-proxy-testbed-tls-v1";

    private static final Logger LOG = LoggerFactory.getLogger(TestBedCertificates.class);
    private static final Duration OPENSSL_TIMEOUT = Duration.ofMinutes(1);
    private static final String VALID_DAYS = "3650";
    /** A shared set this close to expiry is made again, so no run meets an expired certificate. */
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private static final List<String> CONFIG = List.of(
            "[req]",
            "distinguished_name = dn",
            "prompt = no",
            "[dn]",
            "[ca_ext]",
            "basicConstraints = critical, CA:TRUE",
            "keyUsage = critical, keyCertSign, cRLSign",
            "subjectKeyIdentifier = hash",
            "[server_ext]",
            "basicConstraints = critical, CA:FALSE",
            "keyUsage = critical, digitalSignature, keyEncipherment",
            "extendedKeyUsage = serverAuth",
            // Both names a client may dial; verify-identity checks the one it used.
            "subjectAltName = IP:127.0.0.1, DNS:localhost",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid");

    private static TestBedTls shared;

    private TestBedCertificates() {}

    /** The machine's shared set, made on first use. */
    static synchronized TestBedTls shared() {
        if (shared == null || !Files.isRegularFile(shared.serverCertificate())) {
            shared = sharedIn(Path.of(System.getProperty("java.io.tmpdir")));
        }
        return shared;
    }

    /** The set in {@code tmp}'s {@value #SHARED_DIR}, reused while it is complete and valid, made otherwise. */
    static TestBedTls sharedIn(Path tmp) {
        Path target = tmp.resolve(SHARED_DIR);
        if (Files.isDirectory(target)) {
            if (usable(files(target))) {
                return files(target);
            }
            LOG.info("Replacing the test bed's TLS files in {}: missing or about to expire", target);
            FileTrees.delete(target);
        }
        Path build;
        try {
            build = Files.createTempDirectory(tmp, SHARED_DIR + "-build-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a directory in " + tmp, e);
        }
        try {
            generate(build);
            // Another JVM may publish concurrently: a rename is atomic, and the loser takes the winner's files.
            Files.move(build, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("Made the test bed's CA and server certificate in {}", target);
        } catch (FileAlreadyExistsException e) {
            LOG.debug("TLS files {} were published concurrently; using them", target);
        } catch (IOException e) {
            if (!Files.isDirectory(target)) {
                throw new UncheckedIOException("Cannot publish the test bed's TLS files to " + target, e);
            }
        } finally {
            FileTrees.delete(build);
        }
        return files(target);
    }

    /** Makes a new CA, a server certificate it signs and the CA's trust store in {@code dir}. */
    static TestBedTls generate(Path dir) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("openssl.cnf");
            Files.write(config, CONFIG, StandardCharsets.UTF_8);
            TestBedTls tls = files(dir);
            Path caKey = dir.resolve("ca-key.pem");
            Path request = dir.resolve("server.csr");
            // A distinct name per CA, so that a foreign CA's certificate is told apart in logs and errors.
            String tag = HexFormat.of().formatHex(randomBytes(4));
            openssl(
                    "req",
                    "-x509",
                    "-new",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-sha256",
                    "-days",
                    VALID_DAYS,
                    "-config",
                    config.toString(),
                    "-extensions",
                    "ca_ext",
                    "-subj",
                    "/CN=mysql-proxy test bed CA " + tag,
                    "-keyout",
                    caKey.toString(),
                    "-out",
                    tls.caCertificate().toString());
            openssl(
                    "req",
                    "-new",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-sha256",
                    "-config",
                    config.toString(),
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                    tls.serverKey().toString(),
                    "-out",
                    request.toString());
            openssl(
                    "x509",
                    "-req",
                    "-sha256",
                    "-days",
                    VALID_DAYS,
                    "-in",
                    request.toString(),
                    "-CA",
                    tls.caCertificate().toString(),
                    "-CAkey",
                    caKey.toString(),
                    "-set_serial",
                    "0x" + HexFormat.of().formatHex(randomBytes(8)),
                    "-extfile",
                    config.toString(),
                    "-extensions",
                    "server_ext",
                    "-out",
                    tls.serverCertificate().toString());
            Files.delete(request);
            writeTrustStore(tls);
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write TLS files in " + dir, e);
        }
    }

    static X509Certificate readCertificate(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read the certificate " + pem, e);
        }
    }

    private static TestBedTls files(Path dir) {
        return new TestBedTls(
                dir.resolve("ca.pem"),
                dir.resolve("server-cert.pem"),
                dir.resolve("server-key.pem"),
                dir.resolve("truststore.p12"),
                TestBedTls.TRUST_STORE_PASSWORD);
    }

    private static boolean usable(TestBedTls tls) {
        if (!Files.isRegularFile(tls.serverKey()) || !Files.isRegularFile(tls.trustStore())) {
            return false;
        }
        Date renewal = Date.from(Instant.now().plus(RENEW_BEFORE));
        try {
            readCertificate(tls.caCertificate()).checkValidity(renewal);
            readCertificate(tls.serverCertificate()).checkValidity(renewal);
            return true;
        } catch (IllegalStateException | GeneralSecurityException e) {
            return false;
        }
    }

    private static void writeTrustStore(TestBedTls tls) throws IOException {
        try (OutputStream out = Files.newOutputStream(tls.trustStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("test-bed-ca", readCertificate(tls.caCertificate()));
            store.store(out, tls.trustStorePassword().toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot write the trust store " + tls.trustStore(), e);
        }
    }

    private static void openssl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        try {
            CommandRunner.run(command, OPENSSL_TIMEOUT);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(
                    "Cannot run openssl, which makes the test bed's certificates (apt-get install -y openssl, or "
                            + TestBedTlsMode.PROPERTY + "=off to run the servers without them)",
                    e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        // A positive serial: the top bit clear.
        bytes[0] &= 0x7f;
        return bytes;
    }
}
