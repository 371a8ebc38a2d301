package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the test bed's accounts and application database on the primary. Nothing is created on replicas
 * directly: they receive all of it through replication, exactly like a production topology, and their binlogs
 * stay free of local GTIDs that the primary's GTID history would later trip over.
 */
final class PrimaryProvisioner {

    private PrimaryProvisioner() {}

    static void provision(TestBedServer primary, String database) throws SQLException {
        try (Connection connection = primary.connectAsRoot();
                Statement statement = connection.createStatement()) {
            for (String sql : Accounts.provision(primary.flavour().recipe(), database)) {
                statement.execute(sql);
            }
        }
    }
}
