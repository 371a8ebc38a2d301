package io.mysqlproxy.testbed;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** MariaDB (Debian's 10.11 or a tarball): {@code mariadb-install-db}, MASTER_USE_GTID, mysql_native_password. */
final class MariaDbRecipe implements ServerRecipe {

    /**
     * SLAVE MONITOR (alias REPLICA MONITOR) is what SHOW SLAVE STATUS / SHOW ALL SLAVES STATUS need on 10.5.9+;
     * BINLOG MONITOR covers SHOW BINLOG STATUS and the binlog position variables.
     */
    private static final BinaryLookup BINARIES = new BinaryLookup(
            "MARIADB_BIN_DIR",
            List.of("/usr/sbin", "/usr/bin", "/usr/local/mysql/bin"),
            List.of("mariadbd", "mysqld"),
            List.of("mariadb-install-db", "mysql_install_db"),
            "apt-get install -y mariadb-server mariadb-client");

    @Override
    public BinaryLookup binaries() {
        return BINARIES;
    }

    /**
     * FLUSH PRIVILEGES comes first because install-db runs the server without grant tables, where CREATE USER is
     * refused.
     */
    @Override
    public List<String> rootSql() {
        List<String> sql = new ArrayList<>();
        sql.add("FLUSH PRIVILEGES;");
        sql.addAll(Accounts.root());
        return sql;
    }

    @Override
    public List<String> initialise(ServerBinaries binaries, Path dataDir, Path rootSqlFile) {
        List<String> command = new ArrayList<>();
        command.add(binaries.installDb().orElseThrow().toString());
        command.add("--no-defaults");
        command.add("--datadir=" + dataDir);
        command.add("--extra-file=" + rootSqlFile);
        command.addAll(List.of("--skip-test-db", "--skip-name-resolve", "--auth-root-authentication-method=socket"));
        ServerProcessUser.option().ifPresent(command::add);
        // Passed through to the bootstrap server; must match the servers' own setting so the log is not resized.
        command.add("--innodb-log-file-size=" + MariaDbCommandLine.INNODB_LOG_FILE_SIZE);
        return command;
    }

    @Override
    public void prepareTemplate(Path dataDir) {
        // Nothing to strip: a MariaDB server's identity is its server_id, which each command line sets.
    }

    @Override
    public List<String> commandLine(
            ServerBinaries binaries,
            ServerLayout layout,
            int serverId,
            int port,
            boolean readOnly,
            Optional<TestBedTls> tls) {
        return MariaDbCommandLine.build(binaries, layout, serverId, port, readOnly, tls);
    }

    /**
     * SLAVE MONITOR (alias REPLICA MONITOR) is what SHOW SLAVE STATUS / SHOW ALL SLAVES STATUS need on 10.5.9+;
     * BINLOG MONITOR covers SHOW BINLOG STATUS and the binlog position variables.
     */
    @Override
    public String monitorPrivileges() {
        return "SLAVE MONITOR, BINLOG MONITOR";
    }

    @Override
    public String accountsTable() {
        return "mysql.global_priv";
    }

    @Override
    public String identifiedBy(String password) {
        return "IDENTIFIED VIA mysql_native_password USING PASSWORD('" + password + "')";
    }

    /**
     * Uses slave_pos so a replica restarted after a crash resumes from the GTIDs it has applied (crash-safe,
     * stored in InnoDB) rather than from relay-log coordinates. A one-second connect retry makes replicas
     * reattach quickly after the primary is killed and restarted; the default is a minute.
     */
    @Override
    public List<String> attach(TestBedServer primary) {
        return List.of(
                "CHANGE MASTER TO MASTER_HOST='" + primary.host() + "', MASTER_PORT=" + primary.port()
                        + ", MASTER_USER='" + DbAccount.REPLICATION.user() + "', MASTER_PASSWORD='"
                        + DbAccount.REPLICATION.password() + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1",
                "START SLAVE");
    }

    @Override
    public String readOnlyStatement(boolean on) {
        return "SET GLOBAL read_only = " + (on ? "ON" : "OFF");
    }

    @Override
    public String primaryPositionQuery() {
        return "SELECT @@gtid_binlog_pos";
    }

    @Override
    public String waitForPositionQuery() {
        return "SELECT MASTER_GTID_WAIT(?, ?)";
    }

    @Override
    public String replicaStatusQuery() {
        return "SHOW SLAVE STATUS";
    }

    @Override
    public String replicaColumnPrefix() {
        return "Slave_";
    }

    @Override
    public String jdbcOptions() {
        // Saying so up front spares Connector/J a TLS negotiation on every readiness poll.
        return "sslMode=DISABLED";
    }
}
