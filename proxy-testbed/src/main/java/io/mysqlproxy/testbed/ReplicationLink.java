package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Points a replica at the primary with GTID-based replication and starts its replication threads. */
final class ReplicationLink {

    private ReplicationLink() {}

    /**
     * Uses slave_pos so a replica restarted after a crash resumes from the GTIDs it has applied (crash-safe,
     * stored in InnoDB) rather than from relay-log coordinates. A one-second connect retry makes replicas
     * reattach quickly after the primary is killed and restarted; the default is a minute.
     */
    static void attach(MariaDbServer replica, MariaDbServer primary) throws SQLException {
        try (Connection connection = replica.connectAsRoot();
                Statement statement = connection.createStatement()) {
            statement.execute("CHANGE MASTER TO MASTER_HOST='" + primary.host() + "', MASTER_PORT=" + primary.port()
                    + ", MASTER_USER='" + DbAccount.REPLICATION.user() + "', MASTER_PASSWORD='"
                    + DbAccount.REPLICATION.password() + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1");
            statement.execute("START SLAVE");
        }
    }
}
