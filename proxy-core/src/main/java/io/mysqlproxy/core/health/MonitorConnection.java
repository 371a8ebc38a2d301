package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.HostPort;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/**
 * A Connector/J connection with the monitor account, made as the proxy's own connections are: the
 * same TLS ({@link ConnectorJTls}), the password only as the sessions' would go (PasswordPolicy), and
 * never to a plugin that would carry it in clear. Each connect and query is bounded by the timeout.
 */
public final class MonitorConnection {

    /** Connector/J's plugins that send the password itself, or hand it to another mechanism. */
    private static final String CLEAR_TEXT_PLUGINS = String.join(
            ",",
            "mysql_clear_password",
            "sha256_password",
            "authentication_ldap_sasl_client",
            "authentication_kerberos_client",
            "authentication_openid_connect_client",
            "authentication_webauthn_client",
            "authentication_oci_client");

    private MonitorConnection() {}

    /** Opens one to {@code address}; {@code programName} tells the server's processlist who it is. */
    public static Connection open(HealthSettings settings, HostPort address, String programName) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user());
        properties.setProperty("password", settings.password());
        int timeoutMillis = (int) settings.timeout().toMillis();
        properties.setProperty("connectTimeout", String.valueOf(timeoutMillis));
        properties.setProperty("socketTimeout", String.valueOf(timeoutMillis));
        settings.tls().forEach(properties::setProperty);
        // Where TLS is absent, the monitor's password goes only as the sessions' would (PasswordPolicy).
        properties.setProperty("allowPublicKeyRetrieval", String.valueOf(settings.allowPublicKeyRetrieval()));
        settings.serverPublicKey().ifPresent(file -> properties.setProperty("serverRSAPublicKeyFile", file.toString()));
        // Nor to a switch that would carry it in clear (or to an external mechanism): the monitor answers
        // only with the scrambles of mysql_native_password and caching_sha2_password, as sessions do.
        properties.setProperty("disabledAuthenticationPlugins", CLEAR_TEXT_PLUGINS);
        properties.setProperty("connectionAttributes", "program_name:" + programName);
        return DriverManager.getConnection("jdbc:mysql://" + address.host() + ":" + address.port() + "/", properties);
    }

    /** Whether the server {@code connection} is on is MariaDB (else MySQL). */
    public static boolean mariaDb(Connection connection) throws SQLException {
        return connection
                .getMetaData()
                .getDatabaseProductVersion()
                .toLowerCase(Locale.ROOT)
                .contains("mariadb");
    }

    /** Closes {@code connection} if there is one; a broken connection failing to close is nothing to act on. */
    public static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a broken connection: nothing to do.
            }
        }
    }
}
