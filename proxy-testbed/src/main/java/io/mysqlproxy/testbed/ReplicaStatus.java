package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The parts of {@code SHOW SLAVE STATUS} (MariaDB) or {@code SHOW REPLICA STATUS} (MySQL) the test bed waits on.
 *
 * @param ioRunning    Slave_IO_Running / Replica_IO_Running: Yes, No or Connecting
 * @param sqlRunning   Slave_SQL_Running / Replica_SQL_Running: Yes or No
 * @param lastIoError  Last_IO_Error, empty when healthy
 * @param lastSqlError Last_SQL_Error, empty when healthy
 */
record ReplicaStatus(String ioRunning, String sqlRunning, String lastIoError, String lastSqlError) {

    /** Empty if the server is not configured as a replica. */
    static Optional<ReplicaStatus> read(Connection connection, ServerFlavour flavour) throws SQLException {
        ServerRecipe recipe = flavour.recipe();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(recipe.replicaStatusQuery())) {
            if (!rs.next()) {
                return Optional.empty();
            }
            String prefix = recipe.replicaColumnPrefix();
            return Optional.of(new ReplicaStatus(
                    rs.getString(prefix + "IO_Running"),
                    rs.getString(prefix + "SQL_Running"),
                    rs.getString("Last_IO_Error"),
                    rs.getString("Last_SQL_Error")));
        }
    }

    boolean threadsRunning() {
        return "Yes".equals(ioRunning) && "Yes".equals(sqlRunning);
    }

    /** The SQL thread does not retry after an apply error, so waiting for it is pointless. */
    boolean sqlThreadFailed() {
        return "No".equals(sqlRunning) && lastSqlError != null && !lastSqlError.isEmpty();
    }

    @Override
    public String toString() {
        return "IO=" + ioRunning + ", SQL=" + sqlRunning
                + (lastIoError == null || lastIoError.isEmpty() ? "" : ", Last_IO_Error=" + lastIoError)
                + (lastSqlError == null || lastSqlError.isEmpty() ? "" : ", Last_SQL_Error=" + lastSqlError);
    }
}
