package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.HostPort;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * How the monitor account logs in over Connector/J, for the health checks and the primary position
 * lookups alike: bounded by the check timeout, over backends.tls, and never with a plugin that would
 * give the password away where the sessions' logins would not ({@code PasswordPolicy}).
 */
final class MonitorLogin {

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

    private MonitorLogin() {}

    /** Opens a connection to {@code address}; {@code program} names it in the server's connection attributes. */
    static Connection connect(HostPort address, HealthSettings settings, String program) throws SQLException {
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
        properties.setProperty("connectionAttributes", "program_name:" + program);
        return DriverManager.getConnection("jdbc:mysql://" + address.host() + ":" + address.port() + "/", properties);
    }
}
