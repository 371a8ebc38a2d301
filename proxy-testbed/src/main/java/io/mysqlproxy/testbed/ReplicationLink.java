package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Points a replica at the primary with GTID-based replication and starts its replication threads. */
final class ReplicationLink {

    private ReplicationLink() {}

    static void attach(TestBedServer replica, TestBedServer primary) throws SQLException {
        try (Connection connection = replica.connectAsRoot();
                Statement statement = connection.createStatement()) {
            for (String sql : replica.flavour().recipe().attach(primary)) {
                statement.execute(sql);
            }
        }
    }
}
