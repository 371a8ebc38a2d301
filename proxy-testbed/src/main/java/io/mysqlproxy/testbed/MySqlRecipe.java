package io.mysqlproxy.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Oracle MySQL 9.7 LTS: {@code mysqld --initialize-insecure}, SOURCE_AUTO_POSITION, caching_sha2_password (9.x has
 * no built-in mysql_native_password), {@code super_read_only} replicas.
 */
final class MySqlRecipe implements ServerRecipe {

    /** Where {@code scripts/mysql-server.sh} puts its command wrappers by default. */
    static final String DEFAULT_BIN_DIR = "/var/cache/mysql-proxy/mysql-9.7/bin";

    private static final BinaryLookup BINARIES = new BinaryLookup(
            "MYSQL_BIN_DIR", List.of(DEFAULT_BIN_DIR), List.of("mysqld"), List.of(), "scripts/mysql-server.sh");

    @Override
    public BinaryLookup binaries() {
        return BINARIES;
    }

    @Override
    public List<String> rootSql() {
        return Accounts.root();
    }

    /**
     * Without a binlog: the template's own transactions would otherwise carry the template's server UUID into
     * every server's gtid_executed, and replicas would refuse to apply them as their own.
     */
    @Override
    public List<String> initialise(ServerBinaries binaries, Path dataDir, Path rootSqlFile) {
        List<String> command = new ArrayList<>();
        command.add(binaries.server().toString());
        command.add("--no-defaults");
        ServerProcessUser.option().ifPresent(command::add);
        command.add("--datadir=" + dataDir);
        command.add("--initialize-insecure");
        command.add("--init-file=" + rootSqlFile);
        command.add("--disable-log-bin");
        command.add("--innodb-redo-log-capacity=" + MySqlCommandLine.REDO_LOG_CAPACITY);
        return command;
    }

    /** auto.cnf holds the server UUID; copies must each make their own, or replication refuses to connect. */
    @Override
    public void prepareTemplate(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve("auto.cnf"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the server UUID from " + dataDir, e);
        }
    }

    @Override
    public List<String> commandLine(
            ServerBinaries binaries,
            ServerLayout layout,
            int serverId,
            int port,
            boolean readOnly,
            Optional<TestBedTls> tls) {
        return MySqlCommandLine.build(binaries, layout, serverId, port, readOnly, tls);
    }

    /** SHOW REPLICA STATUS and SHOW BINARY LOG STATUS need REPLICATION CLIENT. */
    @Override
    public String monitorPrivileges() {
        return "REPLICATION CLIENT";
    }

    @Override
    public String accountsTable() {
        return "mysql.user";
    }

    @Override
    public String identifiedBy(String password) {
        return "IDENTIFIED WITH caching_sha2_password BY '" + password + "'";
    }

    /**
     * GET_SOURCE_PUBLIC_KEY lets the replica's first caching_sha2 login over a plain connection complete
     * (replication between the bed's servers does not use their TLS); the one-second retry makes replicas reattach quickly after the
     * primary restarts, and the retry count (MySQL's default is 10) lets them wait as long as MariaDB's do, for
     * tests that keep the primary down for a while.
     */
    @Override
    public List<String> attach(TestBedServer primary) {
        return List.of(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + primary.host() + "', SOURCE_PORT=" + primary.port()
                        + ", SOURCE_USER='" + DbAccount.REPLICATION.user() + "', SOURCE_PASSWORD='"
                        + DbAccount.REPLICATION.password()
                        + "', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1, SOURCE_RETRY_COUNT=86400, "
                        + "GET_SOURCE_PUBLIC_KEY=1",
                "START REPLICA");
    }

    /** Turning read_only off turns super_read_only off too; turning super_read_only on sets read_only. */
    @Override
    public String readOnlyStatement(boolean on) {
        return on ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = OFF";
    }

    @Override
    public String primaryPositionQuery() {
        return "SELECT @@GLOBAL.gtid_executed";
    }

    @Override
    public String waitForPositionQuery() {
        return "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)";
    }

    @Override
    public String replicaStatusQuery() {
        return "SHOW REPLICA STATUS";
    }

    @Override
    public String replicaColumnPrefix() {
        return "Replica_";
    }

    /** Plain TCP as on MariaDB; caching_sha2's first login then needs the server's RSA key. */
    @Override
    public String jdbcOptions() {
        return "sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }
}
