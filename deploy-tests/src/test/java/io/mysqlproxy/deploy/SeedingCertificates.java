package io.mysqlproxy.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates for the MariaDB seeding transport (serve-backup.sh, init-data.sh), made with the openssl command
 * line: a CA, and directories laid out as the mysql-tls Secret is mounted (MYSQL_TLS_DIR: ca.crt, tls.crt,
 * tls.key). The database pods' certificate carries the names the deploy's has, so the scripts' name checks
 * behave as in the cluster.
 */
final class SeedingCertificates {

    /** The database pods' names in the deploy's certificate, plus loopback where the tests run. */
    static final String DATABASE_NAMES =
            "DNS:*.mysql,DNS:*.mysql.default.svc,DNS:*.mysql.default.svc.cluster.local," + "DNS:localhost,IP:127.0.0.1";

    private final Path ca;

    private SeedingCertificates(Path ca) {
        this.ca = ca;
    }

    /** The CA whose ca.crt and ca.key are in {@code dir} (make-tls-secrets.sh's --dir, as TestTls makes it). */
    static SeedingCertificates withCa(Path dir) {
        assertTrue(Files.isRegularFile(dir.resolve("ca.key")), dir + " holds no CA key");
        return new SeedingCertificates(dir);
    }

    /** A new CA (key and certificate) in {@code dir}, valid for two days. */
    static SeedingCertificates newCa(Path dir, String name) {
        assertTrue(Commands.available("openssl"), "openssl is missing: apt-get install -y openssl");
        mkdirs(dir);
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=" + name,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
        return new SeedingCertificates(dir);
    }

    /**
     * A certificate for {@code subjectAltName}, usable as server and as client, in {@code dir} as the Secret is
     * mounted: tls.crt, tls.key and this CA's ca.crt. Returns {@code dir}.
     */
    Path issue(Path dir, String commonName, String subjectAltName) {
        mkdirs(dir);
        try {
            Files.writeString(
                    dir.resolve("extensions.cnf"),
                    "subjectAltName=" + subjectAltName + "\nextendedKeyUsage=serverAuth,clientAuth\n"
                            + "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
            openssl(
                    dir,
                    "req",
                    "-new",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    "tls.key",
                    "-out",
                    "tls.csr",
                    "-subj",
                    "/CN=" + commonName);
            openssl(
                    dir,
                    "x509",
                    "-req",
                    "-in",
                    "tls.csr",
                    "-CA",
                    ca.resolve("ca.crt").toString(),
                    "-CAkey",
                    ca.resolve("ca.key").toString(),
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    "extensions.cnf",
                    "-out",
                    "tls.crt");
            Files.copy(ca.resolve("ca.crt"), dir.resolve("ca.crt"));
            Files.delete(dir.resolve("tls.csr"));
            Files.delete(dir.resolve("extensions.cnf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** What every database pod mounts: one certificate for all of them. */
    Path databasePods(Path dir) {
        return issue(dir, "mysql", DATABASE_NAMES);
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Commands.run(command, dir, null, Duration.ofMinutes(1)).assertSuccess(command);
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
