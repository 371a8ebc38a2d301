package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The proxy configuration for a local {@link ReplicatedTestBed}, written as an application file
 * so that the demo and the integration tests go through the same loading path as production.
 * Clients log in as the bed's {@code app} account, checked by the proxy with the primary's own
 * plugin ("auto": mysql_native_password for MariaDB, caching_sha2_password for MySQL), and the proxy
 * logs in to the servers as the same account.
 */
public final class TestBedProxyConfig {

    private TestBedProxyConfig() {}

    /** HOCON text for a proxy on 127.0.0.1:{@code port} in front of {@code bed}. */
    public static String hocon(ReplicatedTestBed bed, int port, int adminPort) {
        return hocon(bed, port, adminPort, "");
    }

    /**
     * {@link #hocon(ReplicatedTestBed, int, int)} followed by {@code overrides}, HOCON that replaces or adds keys
     * (later definitions win), e.g. {@code mysql-proxy.backends.connect-timeout = 1s} or another
     * {@code mysql-proxy.users} list.
     */
    public static String hocon(ReplicatedTestBed bed, int port, int adminPort, String overrides) {
        String replicas =
                bed.replicas().stream().map(r -> "\"" + address(r) + "\"").collect(Collectors.joining(", "));
        return """
                mysql-proxy {
                  listen { host = "127.0.0.1", port = %d }
                  admin.port = %d
                  backends {
                    primary = "%s"
                    replicas = [%s]
                    %s
                  }
                  users = [
                    { name = "%s", password = "%s" }
                  ]
                  monitor { user = "%s", password = "%s" }
                }
                %s
                """.formatted(
                        port,
                        adminPort,
                        address(bed.primary()),
                        replicas,
                        backendTls(bed),
                        DbAccount.APP.user(),
                        DbAccount.APP.password(),
                        DbAccount.MONITOR.user(),
                        DbAccount.MONITOR.password(),
                        overrides);
    }

    /** Writes {@link #hocon} to a temporary file and loads it, ignoring the process environment. */
    public static ProxyConfig load(ReplicatedTestBed bed, int port, int adminPort) {
        return load(bed, port, adminPort, "");
    }

    /** Loads {@link #hocon(ReplicatedTestBed, int, int, String)}, ignoring the process environment. */
    public static ProxyConfig load(ReplicatedTestBed bed, int port, int adminPort, String overrides) {
        try {
            Path file = Files.createTempFile("mysql-proxy-testbed", ".conf");
            try {
                Files.writeString(file, hocon(bed, port, adminPort, overrides));
                return ConfigLoader.load(Optional.of(file), Map.of());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * verify-ca against the bed's own CA when its servers present the bed's certificates (the default), as
     * deploy/ does. Without them, plain: MySQL then asks for caching_sha2_password's full authentication at a
     * user's first login, so the proxy may fetch the server's key, on loopback only.
     */
    private static String backendTls(ReplicatedTestBed bed) {
        return bed.tls()
                .map(tls -> "tls { mode = verify-ca, ca = \"" + tls.caCertificate() + "\" }")
                .orElse("tls.mode = disabled\n    allow-public-key-retrieval = "
                        + (bed.flavour() == ServerFlavour.MYSQL));
    }

    private static String address(TestBedServer server) {
        return server.host() + ":" + server.port();
    }
}
