package io.mysqlproxy.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * A CA and the two certificates of deploy/, made by deploy/scripts/make-tls-secrets.sh as an operator without
 * cert-manager would: {@code dir/mysql-tls} and {@code dir/mysql-proxy-tls} each hold ca.crt, tls.crt and tls.key,
 * the keys of the Secrets the script prints ({@link #secretsYaml}).
 */
record TestTls(Path dir, String namespace, String secretsYaml) {

    /** The Java truststore's password: it guards nothing (a CA certificate is public), Connector/J wants one. */
    private static final String TRUSTSTORE_PASSWORD = "truststore";

    static final Path SCRIPT = Repo.deploy().resolve("scripts/make-tls-secrets.sh");

    static TestTls make(Path dir, String namespace) {
        List<String> command = List.of("bash", SCRIPT.toString(), "--dir", dir.toString(), namespace);
        Commands.Result result = Commands.run(command, Duration.ofMinutes(1)).assertSuccess(command);
        // Commands merges stderr (one line naming the directory) into the output; the YAML starts at "---".
        String output = result.output();
        int start = output.indexOf("---\n");
        if (start < 0) {
            throw new AssertionError("make-tls-secrets.sh printed no Secret:\n" + output);
        }
        return new TestTls(dir, namespace, output.substring(start));
    }

    /** The database pods' Secret as mounted: MYSQL_TLS_DIR of the bootstrap scripts. */
    Path server() {
        return dir.resolve("mysql-tls");
    }

    /** The proxy's Secret as mounted at /etc/mysql-proxy/tls. */
    Path proxy() {
        return dir.resolve("mysql-proxy-tls");
    }

    Path ca() {
        return dir.resolve("ca.crt");
    }

    /**
     * Connector/J's URL parameters for TLS that checks the server's certificate against this CA and, with
     * {@code identity}, its name (127.0.0.1 for the tests' servers).
     */
    String jdbcParameters(boolean identity) {
        return "sslMode=" + (identity ? "VERIFY_IDENTITY" : "VERIFY_CA") + "&trustCertificateKeyStoreUrl="
                + truststore().toUri() + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword="
                + TRUSTSTORE_PASSWORD;
    }

    /** The CA as a PKCS#12 truststore (Connector/J reads no PEM), written once beside it. */
    synchronized Path truststore() {
        Path store = dir.resolve("truststore.p12");
        if (Files.exists(store)) {
            return store;
        }
        try (OutputStream out = Files.newOutputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setCertificateEntry("ca", certificate(ca()));
            keyStore.store(out, TRUSTSTORE_PASSWORD.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return store;
    }

    static X509Certificate certificate(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
