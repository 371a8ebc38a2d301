package io.mysqlproxy.testbed;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What differs between the flavours: binaries, initialisation, command line, accounts and replication SQL. */
interface ServerRecipe {

    /** Where to look for the binaries, and what to tell the user when they are missing. */
    BinaryLookup binaries();

    /** SQL run once while initialising the data-directory template: creates {@code root@127.0.0.1}. */
    List<String> rootSql();

    /** The command that initialises {@code dataDir} (which must not exist yet) and runs {@code rootSqlFile}. */
    List<String> initialise(ServerBinaries binaries, Path dataDir, Path rootSqlFile);

    /** Makes an initialised data directory safe to copy for several servers. */
    void prepareTemplate(Path dataDir);

    /** The server's command line; with {@code tls}, the server presents that certificate to TLS clients. */
    List<String> commandLine(
            ServerBinaries binaries,
            ServerLayout layout,
            int serverId,
            int port,
            boolean readOnly,
            Optional<TestBedTls> tls);

    /** The privileges of {@link DbAccount#MONITOR}: what the proxy's health checks need. */
    String monitorPrivileges();

    /**
     * The table the proxy reads the accounts from ({@code user-source = servers}), on which the monitor
     * has SELECT: mysql.user on MySQL, mysql.global_priv on MariaDB (mysql.user is a view over it there).
     */
    String accountsTable();

    /** The clause of CREATE USER that gives an application account its password, on this flavour's plugin. */
    String identifiedBy(String password);

    /** Points a replica at the primary with GTID auto-positioning and starts replication. */
    List<String> attach(TestBedServer primary);

    /** Sets the server read-only (for MySQL: super_read_only, which implies read_only) or writable. */
    String readOnlyStatement(boolean on);

    /** A query on the primary whose one column is the GTID position of everything it has binlogged. */
    String primaryPositionQuery();

    /** A query with parameters (position, timeout in seconds) that answers 0 once a replica has applied it. */
    String waitForPositionQuery();

    /** The replica status statement and the prefix of its column names ("Slave_" or "Replica_"). */
    String replicaStatusQuery();

    String replicaColumnPrefix();

    /**
     * Connector/J URL options for the test bed's own connections to one of these servers (provisioning, readiness,
     * replication checks): plain TCP whether or not the servers have the bed's certificates, since what they test
     * is the server, not TLS; {@link TestBedTls#jdbcOptions()} is the verified TLS alternative.
     */
    String jdbcOptions();

    /**
     * Where a flavour's binaries are found.
     *
     * @param envVariable  an environment variable naming a directory to search first
     * @param defaultDirs  the directories searched after it
     * @param serverNames  names of the server daemon
     * @param installNames names of a separate data-directory initialiser, empty if the server initialises itself
     * @param installHint  the command that installs the binaries
     */
    record BinaryLookup(
            String envVariable,
            List<String> defaultDirs,
            List<String> serverNames,
            List<String> installNames,
            String installHint) {}
}
