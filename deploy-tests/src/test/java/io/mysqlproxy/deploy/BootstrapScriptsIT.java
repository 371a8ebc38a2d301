package io.mysqlproxy.deploy;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MariaDB flavour's bootstrap, run for real: the scripts from deploy/base/scripts with the ConfigMap files of
 * deploy/components/mariadb, three "pods" on loopback. mysql-0 initialises itself, mysql-1 clones mysql-0 and
 * mysql-2 clones mysql-1 with mariadb-backup streamed over TCP (socat), and both replicate from mysql-0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapScriptsIT {

    private static final List<String> TOOLS = List.of("mariadb", "mbstream", "socat", "bash");
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(60);

    private Path root;
    private final List<ScriptPod> pods = new ArrayList<>();

    @BeforeAll
    void createPods() throws IOException {
        for (String tool : TOOLS) {
            assertTrue(
                    Commands.available(tool),
                    tool + " is missing: apt-get install -y mariadb-server mariadb-client mariadb-backup socat");
        }
        assertTrue(
                Files.isExecutable(Path.of("/usr/sbin/mariadbd")) || Commands.available("mariadbd"),
                "mariadbd is missing: apt-get install -y mariadb-server");
        assertTrue(
                Commands.available("mariadb-backup") || Commands.available("mariabackup"),
                "mariadb-backup is missing: apt-get install -y mariadb-backup");
        root = Files.createTempDirectory("deploy-scripts-it-");
        Path configMap = Repo.deploy().resolve("components/mariadb/config");
        ScriptPod primary = new ScriptPod(0, root, configMap, 0, 0);
        pods.add(primary);
        pods.add(new ScriptPod(1, root, configMap, primary.port, primary.clonePort));
        pods.add(new ScriptPod(2, root, configMap, primary.port, pods.get(1).clonePort));
    }

    @AfterAll
    void destroyPods() throws IOException {
        for (int i = pods.size() - 1; i >= 0; i--) {
            pods.get(i).close();
        }
        List<String> leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(root.toString()))
                .peek(ProcessHandle::destroyForcibly)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertEquals(List.of(), leftovers, "processes left behind by the scripts");
    }

    @Test
    @Order(1)
    void eachPodIsConfiguredFromItsOrdinal() throws IOException {
        for (ScriptPod pod : pods) {
            pod.scriptOrFail("init-config.sh");
            String myCnf = Files.readString(pod.dir.resolve("conf/my.cnf"));
            assertTrue(myCnf.contains("server_id = " + (100 + pod.ordinal) + "\n"), myCnf);
            assertEquals(
                    pod.ordinal == 0 ? "read_only = OFF" : "read_only = ON",
                    myCnf.lines()
                            .filter(l -> l.startsWith("read_only"))
                            .findFirst()
                            .orElseThrow());
        }
    }

    @Test
    @Order(2)
    void thePrimaryStartsEmptyWithLeastPrivilegeAccounts() throws SQLException {
        ScriptPod primary = pods.get(0);
        assertTrue(primary.scriptOrFail("init-data.sh").output().contains("is ready: initialised empty"));
        primary.startServer();
        assertEquals(0, primary.script("probe.sh", "live").exitCode());
        for (String secret : TestSecrets.ALL) {
            assertFalse(primary.serverCommandLine().contains(secret), "no password on the server's command line");
        }

        assertEquals(
                "app@%\nmariadb.sys@localhost\nmonitor@%\nrepl@%\nroot@localhost",
                primary.rootSql("SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"));
        String appGrants = primary.rootSql("SHOW GRANTS FOR 'app'@'%'");
        assertTrue(appGrants.contains("GRANT USAGE ON *.* TO `app`@`%`"), "no global privilege: " + appGrants);
        assertTrue(appGrants.contains(" ON `app`.* TO `app`@`%`"), appGrants);
        assertFalse(appGrants.contains("ALL PRIVILEGES") || appGrants.contains("SUPER"), appGrants);
        assertTrue(primary.rootSql("SHOW GRANTS FOR 'repl'@'%'").startsWith("GRANT REPLICATION SLAVE ON *.*"));
        assertTrue(primary.rootSql("SHOW GRANTS FOR 'monitor'@'%'")
                .startsWith("GRANT BINLOG MONITOR, SLAVE MONITOR ON *.*"));
        SQLException rootOverTcp = assertThrows(
                SQLException.class,
                () -> primary.connect("root", TestSecrets.ROOT).close());
        assertEquals(1045, rootOverTcp.getErrorCode(), "root exists for localhost only");

        try (Connection app = primary.connect("app", TestSecrets.APP);
                Statement s = app.createStatement()) {
            assertEquals(100, queryInt(s, "SELECT @@server_id"));
            assertEquals(0, queryInt(s, "SELECT @@read_only"));
            s.execute("CREATE TABLE app.rows_seen (id INT PRIMARY KEY, note VARCHAR(40))");
            s.execute("INSERT INTO app.rows_seen VALUES (1, 'before any clone')");
        }
        assertEquals("", primary.rootSql("SHOW SLAVE STATUS"), "the primary replicates from nobody");
    }

    @Test
    @Order(3)
    void theFirstReplicaClonesThePrimaryOverTcpAndReplicates() throws Exception {
        ScriptPod primary = pods.get(0);
        ScriptPod replica = pods.get(1);
        primary.startBackupServer();
        // What a container killed half-way through an earlier clone leaves behind.
        Path staging = replica.dir.resolve("data.staging");
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("half-copied.ibd"), "junk");

        Commands.Result clone = replica.scriptOrFail("init-data.sh");
        assertTrue(clone.output().contains("is ready: cloned from 127.0.0.1:" + primary.clonePort), clone.output());
        assertFalse(Files.exists(staging), "the staging directory became the data directory");
        assertFalse(Files.exists(replica.dir.resolve("data/half-copied.ibd")), "the stale attempt was discarded");
        String donorLog = primary.awaitBackupsServed(1);
        assertTrue(
                donorLog.contains("streaming a backup to 127.0.0.1") && donorLog.contains("completed OK"),
                "the clone came from mariadb-backup through the TCP listener");

        replica.startServer();
        assertReplicating(replica, primary.port);
        try (Connection c = replica.connect("app", TestSecrets.APP);
                Statement s = c.createStatement()) {
            assertEquals(101, queryInt(s, "SELECT @@server_id"));
            assertEquals(1, queryInt(s, "SELECT @@read_only"));
            assertEquals("before any clone", queryString(s, "SELECT note FROM app.rows_seen WHERE id = 1"));
            SQLException refused =
                    assertThrows(SQLException.class, () -> s.execute("INSERT INTO app.rows_seen VALUES (99, 'x')"));
            assertEquals(1290, refused.getErrorCode(), "the replica refuses the application's writes (read_only)");
        }
        insertOnPrimary(2, "after the first clone");
        awaitRow(replica, 2, "after the first clone");
    }

    @Test
    @Order(4)
    void theSecondReplicaClonesTheFirstReplicaAndReplicatesFromThePrimary() throws Exception {
        ScriptPod primary = pods.get(0);
        ScriptPod donor = pods.get(1);
        ScriptPod replica = pods.get(2);
        donor.startBackupServer();
        insertOnPrimary(3, "before the second clone");
        awaitRow(donor, 3, "before the second clone");

        Commands.Result clone = replica.scriptOrFail("init-data.sh");
        assertTrue(clone.output().contains("cloned from 127.0.0.1:" + donor.clonePort), clone.output());
        donor.awaitBackupsServed(1);
        replica.startServer();
        assertReplicating(replica, primary.port);
        insertOnPrimary(4, "after the second clone");
        for (ScriptPod pod : List.of(donor, replica)) {
            awaitRow(pod, 4, "after the second clone");
        }
        try (Connection c = replica.connect("app", TestSecrets.APP);
                Statement s = c.createStatement()) {
            assertEquals(102, queryInt(s, "SELECT @@server_id"));
            assertEquals(4, queryInt(s, "SELECT COUNT(*) FROM app.rows_seen"), "nothing lost, nothing doubled");
        }
    }

    @Test
    @Order(5)
    void runningTheScriptsAgainOnAnInitialisedReplicaChangesNothing() throws Exception {
        ScriptPod replica = pods.get(1);
        // As in a pod restart: the server is down while the init containers run again.
        replica.stopServer();
        assertNotEquals(0, replica.script("probe.sh", "live").exitCode(), "liveness fails with the server down");
        // No peer to clone from: a second clone attempt could not succeed unnoticed.
        pods.get(0).stopBackupServer();
        replica.stopBackupServer();
        insertOnPrimary(5, "while the replica was down");
        Map<String, String> before = replica.snapshot();

        Commands.Result config = replica.scriptOrFail("init-config.sh");
        Commands.Result data = replica.scriptOrFail("init-data.sh");
        assertTrue(config.output().contains("is up to date"), config.output());
        assertTrue(data.output().contains("is initialised") && data.output().contains("nothing to do"), data.output());
        assertEquals(before, replica.snapshot(), "no file of the data directory or my.cnf changed");

        replica.startServer();
        assertReplicating(replica, pods.get(0).port);
        awaitRow(replica, 5, "while the replica was down");
    }

    private void insertOnPrimary(int id, String note) throws SQLException {
        try (Connection c = pods.get(0).connect("app", TestSecrets.APP);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO app.rows_seen VALUES (" + id + ", '" + note + "')");
        }
    }

    private static void awaitRow(ScriptPod pod, int id, String note) throws SQLException {
        try (Connection c = pod.connect("app", TestSecrets.APP);
                Statement s = c.createStatement()) {
            await("row " + id + " reaches mysql-" + pod.ordinal)
                    .atMost(REPLICATION_WAIT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        try (ResultSet rs = s.executeQuery("SELECT note FROM app.rows_seen WHERE id = " + id)) {
                            if (!rs.next()) {
                                return false;
                            }
                            assertEquals(note, rs.getString(1));
                            return true;
                        }
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "row " + id + " did not reach mysql-" + pod.ordinal + " within " + REPLICATION_WAIT
                            + "; replica status: " + pod.rootSql("SHOW SLAVE STATUS\\G"),
                    e);
        }
    }

    /** Both replication threads running, by GTID, from the primary; read with the monitor account, as the proxy will. */
    private static void assertReplicating(ScriptPod replica, int primaryPort) throws SQLException {
        AtomicReference<String> lastStatus = new AtomicReference<>("not read yet");
        try (Connection c = replica.connect("monitor", TestSecrets.MONITOR);
                Statement s = c.createStatement()) {
            await("both replication threads of mysql-" + replica.ordinal + " run")
                    .atMost(REPLICATION_WAIT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try (ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
                            assertTrue(rs.next(), "mysql-" + replica.ordinal + " has no replication configured");
                            assertEquals("Slave_Pos", rs.getString("Using_Gtid"), "GTID auto-positioning");
                            assertEquals(
                                    primaryPort,
                                    rs.getInt("Master_Port"),
                                    "replicates from the primary, not its clone peer");
                            assertEquals("", rs.getString("Last_SQL_Error"));
                            lastStatus.set("IO " + rs.getString("Slave_IO_Running") + ", SQL "
                                    + rs.getString("Slave_SQL_Running") + ", last IO error "
                                    + rs.getString("Last_IO_Error"));
                            return "Yes".equals(rs.getString("Slave_IO_Running"))
                                    && "Yes".equals(rs.getString("Slave_SQL_Running"));
                        }
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("replication threads on mysql-" + replica.ordinal + ": " + lastStatus.get(), e);
        }
    }

    private static int queryInt(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static String queryString(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }
}
