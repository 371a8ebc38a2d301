package io.mysqlproxy.deploy;

import io.mysqlproxy.testbed.ServerBinaries;
import io.mysqlproxy.testbed.ServerFlavour;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two database flavours of deploy/ as the bootstrap-script tests run them, and what differs between them. */
enum ScriptFlavour {
    /** deploy/components/mariadb: Debian's MariaDB, mariadb-backup streamed over TCP by socat. */
    MARIADB("mariadb", "components/mariadb/config", "mariadb", "SHOW SLAVE STATUS", "Slave_", "Master_Port"),
    /** deploy/base: Oracle MySQL 9.7 (scripts/mysql-server.sh), the clone plugin over the SQL port. */
    MYSQL("mysql", "base/mysql/config", "mysql", "SHOW REPLICA STATUS", "Replica_", "Source_Port");

    /** MYSQL_FLAVOR. */
    final String name;

    private final String configMap;

    /** The command-line client, found on the pods' PATH. */
    final String client;

    final String replicaStatus;

    /** Of SHOW ... STATUS's thread columns: {@code <prefix>IO_Running}, {@code <prefix>SQL_Running}. */
    final String threadPrefix;

    final String sourcePortColumn;

    ScriptFlavour(
            String name,
            String configMap,
            String client,
            String replicaStatus,
            String threadPrefix,
            String sourcePortColumn) {
        this.name = name;
        this.configMap = configMap;
        this.client = client;
        this.replicaStatus = replicaStatus;
        this.threadPrefix = threadPrefix;
        this.sourcePortColumn = sourcePortColumn;
    }

    /** The ConfigMap files (common.cnf, primary.cnf, replica.cnf) the flavour ships. */
    Path configMap() {
        return Repo.deploy().resolve(configMap);
    }

    /**
     * The PATH the scripts run with: they call mysqld, mysql... by name, as in the image. Fails, naming the install
     * command, if this machine lacks the flavour's commands: a missing server must not pass as a skipped test.
     */
    String path() {
        String inherited = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        // mariadbd and mariadb-install-db live in /usr/sbin on Debian, which a non-login PATH may lack.
        String sbin = ":/usr/local/sbin:/usr/sbin:/sbin";
        assertTrue(Commands.available("bash"), "bash is missing");
        if (this == MARIADB) {
            assertTrue(Commands.available("socat"), "socat is missing: apt-get install -y socat");
            for (String tool : List.of("mariadb", "mbstream")) {
                assertTrue(
                        Commands.available(tool),
                        tool + " is missing: apt-get install -y mariadb-server mariadb-client mariadb-backup");
            }
            assertTrue(
                    Files.isExecutable(Path.of("/usr/sbin/mariadbd")) || Commands.available("mariadbd"),
                    "mariadbd is missing: apt-get install -y mariadb-server");
            assertTrue(
                    Commands.available("mariadb-backup") || Commands.available("mariabackup"),
                    "mariadb-backup is missing: apt-get install -y mariadb-backup");
            return inherited + sbin;
        }
        // MYSQL_BIN_DIR or scripts/mysql-server.sh's directory; throws naming both when neither holds MySQL.
        Path bin = ServerBinaries.locate(ServerFlavour.MYSQL).server().getParent();
        for (String tool : List.of("mysql", "mysqladmin")) {
            assertTrue(
                    Files.isExecutable(bin.resolve(tool)),
                    bin.resolve(tool) + " is missing: run scripts/mysql-server.sh (as root) or set MYSQL_BIN_DIR");
        }
        // First: Debian's MariaDB packages install a mysql, mysqladmin and mysqld of their own in /usr/bin.
        return bin + ":" + inherited + sbin;
    }
}
