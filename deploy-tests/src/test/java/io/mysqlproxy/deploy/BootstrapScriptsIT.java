package io.mysqlproxy.deploy;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each flavour's bootstrap, run for real: the scripts from deploy/base/scripts with the flavour's ConfigMap files,
 * three "pods" on loopback. mysql-0 initialises itself, mysql-1 clones mysql-0 and mysql-2 clones mysql-1 (MariaDB:
 * mariadb-backup streamed over TCP by socat; MySQL 9.7: the clone plugin over the SQL port), and both replicate
 * from mysql-0.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ScriptFlavour.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapScriptsIT {

    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(60);

    // One instance (PER_CLASS) runs every flavour in turn: the fields are set again for each.
    @Parameter
    ScriptFlavour flavour;

    private final List<ScriptPod> pods = new ArrayList<>();
    private Path root;
    private String path;
    /** The deployment's CA and certificates, as make-tls-secrets.sh makes them (the pods' mysql-tls Secret). */
    private TestTls tls;
    /** Signs more certificates with the deployment's CA (tls's), for the seeding transport's refusals. */
    private SeedingCertificates seedingCa;

    @BeforeParameterizedClassInvocation(injectArguments = false)
    void createPods() throws IOException {
        pods.clear();
        root = null;
        path = flavour.path();
        root = Files.createTempDirectory("deploy-scripts-it-" + flavour.name + "-");
        tls = TestTls.make(root.resolve("tls"), "default");
        ScriptPod primary = new ScriptPod(0, root, flavour, path, null, null);
        pods.add(primary);
        pods.add(new ScriptPod(1, root, flavour, path, primary, primary));
        pods.add(new ScriptPod(2, root, flavour, path, primary, pods.get(1)));
        pods.forEach(this::mountSeedingTls);
        seedingCa = SeedingCertificates.withCa(tls.dir());
    }

    /** What the mysql-tls Secret is to a pod: MYSQL_TLS_DIR with the database pods' certificate. */
    private void mountSeedingTls(ScriptPod pod) {
        pod.useTls(tls);
    }

    @AfterParameterizedClassInvocation(injectArguments = false)
    void destroyPods() throws IOException {
        if (root == null) {
            return; // the flavour's commands are missing; createPods said so
        }
        for (int i = pods.size() - 1; i >= 0; i--) {
            pods.get(i).close();
        }
        List<String> leftovers = processesUnder(root);
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(root.toString()))
                .forEach(ProcessHandle::destroyForcibly);
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
            Path myCnf = pod.dir.resolve("conf/my.cnf");
            String text = Files.readString(myCnf);
            assertTrue(text.contains("server_id = " + (100 + pod.ordinal) + "\n"), text);
            String readOnly = pod.ordinal == 0 ? "OFF" : "ON";
            assertEquals(List.of("read_only = " + readOnly), settings(text, "read_only"));
            if (flavour == ScriptFlavour.MYSQL) {
                assertEquals(List.of("super_read_only = " + readOnly), settings(text, "super_read_only"));
                // Removed options (expire_logs_days, default_authentication_plugin...) are errors, deprecated
                // ones (binlog_format...) warnings: 9.7 must accept the ConfigMap as it is, silently.
                List<String> validate = List.of(
                        pod.command("mysqld").toString(),
                        "--defaults-file=" + myCnf,
                        "--validate-config",
                        "--log-error-verbosity=2");
                Commands.Result result = Commands.run(validate, pod.dir, Map.of(), Duration.ofMinutes(1));
                assertEquals(new Commands.Result(0, ""), result, "mysqld --validate-config on mysql-" + pod.ordinal);
            }
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

        List<String> systemAccounts = flavour == ScriptFlavour.MYSQL
                ? List.of("mysql.infoschema@localhost", "mysql.session@localhost", "mysql.sys@localhost")
                : List.of("mariadb.sys@localhost");
        assertEquals(
                Stream.concat(Stream.of("app@%", "monitor@%", "repl@%", "root@localhost"), systemAccounts.stream())
                        .sorted()
                        .collect(Collectors.joining("\n")),
                primary.rootSql("SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"));
        Commands.Result emptyPassword = primary.socketSql("root", "", "SELECT 1");
        assertNotEquals(0, emptyPassword.exitCode(), "the installer's empty root password was replaced");
        assertTrue(emptyPassword.output().contains("1045"), emptyPassword.output());
        if (flavour == ScriptFlavour.MYSQL) {
            // 9.x has no built-in mysql_native_password; the proxy greets its clients with the primary's plugin.
            assertEquals("caching_sha2_password", primary.rootSql("SELECT DISTINCT plugin FROM mysql.user"));
            assertEquals(
                    "GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`\nGRANT BACKUP_ADMIN ON *.* TO `repl`@`%`",
                    primary.rootSql("SHOW GRANTS FOR 'repl'@'%'"));
            assertEquals(
                    "GRANT REPLICATION CLIENT ON *.* TO `monitor`@`%`\nGRANT SELECT ON `mysql`.`user` TO `monitor`@`%`",
                    primary.rootSql("SHOW GRANTS FOR 'monitor'@'%'"));
        } else {
            // Nothing but replication: seeding (serve-backup.sh) reads the donor's own server from inside its pod.
            List<String> replGrants =
                    primary.rootSql("SHOW GRANTS FOR 'repl'@'%'").lines().toList();
            assertEquals(1, replGrants.size(), replGrants.toString());
            assertTrue(
                    replGrants.get(0).startsWith("GRANT REPLICATION SLAVE ON *.* TO `repl`@`%` IDENTIFIED BY"),
                    replGrants.get(0));
            List<String> monitorGrants =
                    primary.rootSql("SHOW GRANTS FOR 'monitor'@'%'").lines().toList();
            assertTrue(
                    monitorGrants.get(0).startsWith("GRANT BINLOG MONITOR, SLAVE MONITOR ON *.*"),
                    monitorGrants.get(0));
            assertEquals(
                    "GRANT SELECT ON `mysql`.`global_priv` TO `monitor`@`%`",
                    monitorGrants.get(1), "the proxy's accounts");
        }
        List<String> appGrants =
                primary.rootSql("SHOW GRANTS FOR 'app'@'%'").lines().toList();
        assertEquals(2, appGrants.size(), "no global privilege, one database: " + appGrants);
        assertTrue(appGrants.get(0).startsWith("GRANT USAGE ON *.* TO `app`@`%`"), appGrants.get(0));
        assertTrue(appGrants.get(1).endsWith(" ON `app`.* TO `app`@`%`"), appGrants.get(1));
        // MySQL shows the granted list as ALL PRIVILEGES: it is every database-level privilege but GRANT OPTION.
        assertEquals(
                flavour == ScriptFlavour.MYSQL,
                appGrants.get(1).startsWith("GRANT ALL PRIVILEGES "),
                appGrants.toString());
        SQLException rootOverTcp = assertThrows(
                SQLException.class,
                () -> primary.connect("root", TestSecrets.ROOT).close());
        assertEquals(1045, rootOverTcp.getErrorCode(), "root exists for localhost only");

        try (Connection app = primary.connect("app", TestSecrets.APP);
                Statement s = app.createStatement()) {
            assertEquals(100, queryInt(s, "SELECT @@server_id"));
            assertEquals(0, queryInt(s, "SELECT @@read_only"));
            if (flavour == ScriptFlavour.MYSQL) {
                assertEquals(0, queryInt(s, "SELECT @@super_read_only"));
                assertTrue(
                        queryString(s, "SELECT VERSION()").startsWith(shippedMySqlSeries() + "."),
                        "the scripts are tested with the MySQL series the StatefulSet ships");
            }
            s.execute("CREATE TABLE app.rows_seen (id INT PRIMARY KEY, note VARCHAR(40))");
            s.execute("INSERT INTO app.rows_seen VALUES (1, 'before any clone')");
        }
        // With the binary logs that hold row 1 gone, a replica can have it only from its copy, not by replication.
        primary.rootSql("FLUSH BINARY LOGS");
        List<String> binlogs = primary.rootSql("SHOW BINARY LOGS").lines().toList();
        String current = binlogs.get(binlogs.size() - 1).split("\t")[0];
        // MariaDB keeps the previous log until its binlog checkpoint is written, a moment after the flush.
        await("the primary purges its older binary logs")
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> primary.rootSql("PURGE BINARY LOGS TO '" + current + "'; SHOW BINARY LOGS")
                                .lines()
                                .toList()
                                .size()
                        == 1);
        assertEquals("", primary.rootSql(flavour.replicaStatus), "the primary replicates from nobody");
    }

    @Test
    @Order(3)
    void theFirstReplicaClonesThePrimaryAndReplicates() throws Exception {
        ScriptPod primary = pods.get(0);
        ScriptPod replica = pods.get(1);
        if (flavour == ScriptFlavour.MARIADB) {
            primary.startBackupServer();
        }
        // What a container killed half-way through an earlier clone leaves behind.
        Path staging = replica.dir.resolve("data.staging");
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("half-copied.ibd"), "junk");

        Commands.Result clone = replica.scriptOrFail("init-data.sh");
        assertTrue(clone.output().contains("is ready: cloned from 127.0.0.1:" + primary.donorPort()), clone.output());
        assertFalse(Files.exists(staging), "the staging directory became the data directory");
        assertFalse(Files.exists(replica.dir.resolve("data/half-copied.ibd")), "the stale attempt was discarded");
        if (flavour == ScriptFlavour.MARIADB) {
            String donorLog = primary.awaitBackupsServed(1);
            assertTrue(
                    donorLog.contains("streaming a backup to 127.0.0.1") && donorLog.contains("completed OK"),
                    "the clone came from mariadb-backup through the TCP listener");
        }

        replica.startServer();
        if (flavour == ScriptFlavour.MYSQL) {
            assertClonedFrom(replica, primary);
        }
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
        if (flavour == ScriptFlavour.MYSQL) {
            assertEquals("1", replica.rootSql("SELECT @@super_read_only"));
            Commands.Result rootWrite = replica.socketSql("root", TestSecrets.ROOT, "CREATE DATABASE not_here");
            assertNotEquals(0, rootWrite.exitCode(), "super_read_only binds root too");
            assertTrue(rootWrite.output().contains("ERROR 1290"), rootWrite.output());
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
        if (flavour == ScriptFlavour.MARIADB) {
            donor.startBackupServer();
        }
        insertOnPrimary(3, "before the second clone");
        awaitRow(donor, 3, "before the second clone");

        Commands.Result clone = replica.scriptOrFail("init-data.sh");
        assertTrue(clone.output().contains("cloned from 127.0.0.1:" + donor.donorPort()), clone.output());
        if (flavour == ScriptFlavour.MARIADB) {
            donor.awaitBackupsServed(1);
        }
        replica.startServer();
        if (flavour == ScriptFlavour.MYSQL) {
            assertClonedFrom(replica, donor);
        }
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
        if (flavour == ScriptFlavour.MARIADB) {
            // No peer to clone from: a second clone attempt could not succeed unnoticed.
            pods.get(0).stopBackupServer();
            replica.stopBackupServer();
        }
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

    /** A failed CLONE used to leave init-data.sh waiting 300 s for a temporary server that never stopped. */
    @Test
    @Order(6)
    void aReplicaWhosePeerCannotBeCopiedGivesUpAfterCloneTimeout() {
        ScriptPod replica = new ScriptPod(3, root, flavour, path, pods.get(0), pods.get(2));
        pods.add(replica);
        mountSeedingTls(replica);
        int nobody = ScriptPod.freePort();
        replica.setEnv("CLONE_PEER_PORT", Integer.toString(nobody));
        replica.setEnv("CLONE_TIMEOUT", "0");
        replica.scriptOrFail("init-config.sh");

        long started = System.nanoTime();
        Commands.Result result = replica.script("init-data.sh");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertNotEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("127.0.0.1:" + nobody + " within 0s"), result.output());
        if (flavour == ScriptFlavour.MYSQL) {
            // The donor's error itself, not a clone_status read after a restart.
            assertTrue(result.output().contains("ERROR 3862"), result.output());
        }
        assertTrue(took.compareTo(Duration.ofMinutes(2)) < 0, "gave up after " + took);
        assertFalse(Files.exists(replica.dir.resolve("data")), "no data directory from a failed clone");
        assertEquals(List.of(), processesUnder(replica.dir), "the temporary server was stopped");
    }

    /**
     * The backup stream is the whole data directory: only a peer with a certificate from the deploy's CA, for a
     * database pod's name, gets a byte of it. Plain TCP, another CA's certificate for the same names and this CA's
     * certificate for another name (the proxy's) get nothing, and no backup is even started for them.
     */
    @Test
    @Order(7)
    void theBackupServerStreamsOnlyToADatabasePodsCertificate() throws IOException {
        assumeTrue(flavour == ScriptFlavour.MARIADB, "MySQL seeds through the clone plugin on the SQL port");
        ScriptPod donor = pods.get(0);
        donor.startBackupServer(); // stopped by the test before
        int served = backupsServed(donor);
        Path impostorCa = root.resolve("impostor-ca");
        Path wrongCa = SeedingCertificates.newCa(impostorCa, "impostor CA").databasePods(impostorCa.resolve("tls"));
        Path wrongName =
                seedingCa.issue(root.resolve("proxy-tls"), "mysql-proxy", "DNS:mysql-proxy,DNS:localhost,IP:127.0.0.1");
        for (Path refused : List.of(wrongCa, wrongName)) {
            assertFalse(receivesBackup(donor, refused), refused + " received a backup");
        }
        int received = 0;
        try (Socket plain = new Socket("127.0.0.1", donor.clonePort)) {
            plain.setSoTimeout(30_000);
            plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[8192];
            for (int n; (n = plain.getInputStream().read(buffer)) >= 0; ) {
                received += n;
            }
        } catch (SocketException reset) {
            // socat dropped the connection with our bytes unread: a refusal as good as a close
        }
        assertTrue(received < 64, "plain TCP gets at most a TLS alert, not " + received + " bytes");
        assertEquals(served, backupsServed(donor), "no backup was started for a refused peer");

        // The same request with the database pods' certificate: the refusals above were not a broken listener.
        assertTrue(receivesBackup(donor, tls.server()), "a database pod receives the backup");
        donor.awaitBackupsServed(served + 1);
    }

    /** A replica refuses a donor whose certificate the deploy's CA did not sign, before reading any of its stream. */
    @Test
    @Order(8)
    void aReplicaRefusesADonorWithAnotherCasCertificate() throws IOException, InterruptedException {
        assumeTrue(flavour == ScriptFlavour.MARIADB, "MySQL seeds through the clone plugin on the SQL port");
        Path impostorTls = root.resolve("impostor-ca/tls");
        if (!Files.exists(impostorTls)) {
            SeedingCertificates.newCa(root.resolve("impostor-ca"), "impostor CA")
                    .databasePods(impostorTls);
        }
        int port = ScriptPod.freePort();
        List<String> impostor = List.of(
                "socat",
                "-U",
                "OPENSSL-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert="
                        + impostorTls.resolve("tls.crt") + ",key=" + impostorTls.resolve("tls.key"),
                "SYSTEM:echo impostor");
        Process listener =
                new ProcessBuilder(impostor).redirectErrorStream(true).start();
        try {
            ScriptPod replica = new ScriptPod(4, root, flavour, path, pods.get(0), pods.get(2));
            pods.add(replica);
            mountSeedingTls(replica);
            replica.setEnv("CLONE_PEER_PORT", Integer.toString(port));
            replica.setEnv("CLONE_TIMEOUT", "0");
            replica.scriptOrFail("init-config.sh");
            await("the impostor listens")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        try (Socket probe = new Socket("127.0.0.1", port)) {
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
            Commands.Result result = replica.script("init-data.sh");
            assertNotEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("certificate verify failed"), result.output());
            assertFalse(Files.exists(replica.dir.resolve("data")), "no data directory from an impostor");
        } finally {
            listener.descendants().forEach(ProcessHandle::destroyForcibly);
            listener.destroyForcibly();
            listener.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static final String XBSTREAM_MAGIC = "XBSTCK01";

    /**
     * socat as a seeding replica would run it, but with {@code tls}'s certificate and without checking the donor;
     * true if what came back is an xbstream (its first chunk's magic).
     */
    private static boolean receivesBackup(ScriptPod donor, Path tls) throws IOException {
        Path received = Files.createTempFile(donor.dir.resolve("tmp"), "received-", ".xbstream");
        List<String> command = List.of(
                "socat",
                "-u",
                "OPENSSL:127.0.0.1:" + donor.clonePort + ",verify=0,cert=" + tls.resolve("tls.crt") + ",key="
                        + tls.resolve("tls.key"),
                "CREATE:" + received);
        Commands.run(command, donor.dir, null, Duration.ofMinutes(2));
        try (var in = Files.newInputStream(received)) {
            return new String(in.readNBytes(XBSTREAM_MAGIC.length()), StandardCharsets.US_ASCII).equals(XBSTREAM_MAGIC);
        } finally {
            Files.delete(received);
        }
    }

    private static int backupsServed(ScriptPod donor) throws IOException {
        String log = Files.readString(donor.dir.resolve("backup-server.log"));
        return log.split("\\[stream-backup.sh\\] streaming a backup to ", -1).length - 1;
    }

    /**
     * Both replicas replicate over TLS, checking the primary's certificate against the CA and its name, as the
     * account the scripts made for it requires (REQUIRE SSL).
     */
    @Test
    @Order(9)
    void replicationUsesTlsVerifiedAgainstTheCa() throws SQLException {
        ScriptPod primary = pods.get(0);
        assertEquals(
                "ANY",
                primary.rootSql("SELECT ssl_type FROM mysql.user WHERE user = 'repl'"),
                "repl REQUIRE SSL: no replica or clone logs in without TLS");
        for (ScriptPod replica : pods.subList(1, 3)) {
            Map<String, String> ssl = replicaSslStatus(replica);
            assertEquals("Yes", ssl.get("Allowed"), "mysql-" + replica.ordinal + ": " + ssl);
            assertEquals("Yes", ssl.get("Verify_Server_Cert"), "mysql-" + replica.ordinal + ": " + ssl);
            assertEquals(tls.server().resolve("ca.crt").toString(), ssl.get("CA_File"), ssl.toString());
        }
        if (flavour == ScriptFlavour.MYSQL) {
            // The primary's side: each replica's connection is encrypted (MariaDB has no performance_schema here).
            await("both replicas' connections to the primary")
                    .atMost(REPLICATION_WAIT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertEquals(
                            "SSL/TLS\t2",
                            primary.rootSql("SELECT CONNECTION_TYPE, COUNT(*) FROM performance_schema.threads"
                                    + " WHERE PROCESSLIST_USER = 'repl' GROUP BY CONNECTION_TYPE")));
        }
    }

    /**
     * TCP clients must use TLS (require_secure_transport), and the servers' certificate verifies against the CA and
     * names 127.0.0.1; against another CA it does not, and the readiness probe, which verifies it, fails.
     */
    @Test
    @Order(10)
    void clientsNeedTlsAndTheServerCertificateVerifiesAgainstTheCa() throws Exception {
        TestTls otherCa = TestTls.make(root.resolve("other-ca"), "default");
        for (ScriptPod pod : pods.subList(0, 3)) {
            SQLException plain = assertThrows(
                    SQLException.class,
                    () -> pod.connect("app", TestSecrets.APP, "sslMode=DISABLED&allowPublicKeyRetrieval=true")
                            .close());
            // MySQL names the reason; MariaDB answers as to a wrong password.
            assertEquals(flavour == ScriptFlavour.MYSQL ? 3159 : 1045, plain.getErrorCode(), plain.getMessage());
            try (Connection c = pod.connect("app", TestSecrets.APP, tls.jdbcParameters(true));
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
                assertTrue(rs.next());
                assertFalse(rs.getString(2).isEmpty(), "the session is encrypted");
            }
            SQLException untrusted = assertThrows(
                    SQLException.class,
                    () -> pod.connect("app", TestSecrets.APP, otherCa.jdbcParameters(false))
                            .close());
            assertTrue(
                    causes(untrusted).anyMatch(t -> t instanceof javax.net.ssl.SSLHandshakeException),
                    "refused in the TLS handshake: " + untrusted);

            pod.setEnv("MYSQL_TLS_DIR", otherCa.server().toString());
            try {
                assertNotEquals(0, pod.script("probe.sh", "ready").exitCode(), "the probe verifies the server");
            } finally {
                pod.setEnv("MYSQL_TLS_DIR", tls.server().toString());
            }
            assertEquals(0, pod.script("probe.sh", "ready").exitCode());
        }
    }

    /**
     * A replica whose CA did not sign its peers' certificate copies nothing and replicates nothing: the clone
     * (MySQL) and the replication connection both verify the other side.
     */
    @Test
    @Order(11)
    void aReplicaRefusesPeersWhoseCertificateAnotherCaSigned() throws SQLException {
        TestTls otherCa = TestTls.make(root.resolve("other-ca-replica"), "default");
        if (flavour == ScriptFlavour.MYSQL) {
            ScriptPod stranger = new ScriptPod(5, root, flavour, path, pods.get(0), pods.get(2)).useTls(otherCa);
            pods.add(stranger);
            stranger.setEnv("CLONE_TIMEOUT", "0");
            stranger.scriptOrFail("init-config.sh");
            Commands.Result clone = stranger.script("init-data.sh");
            assertNotEquals(0, clone.exitCode(), clone.output());
            assertTrue(clone.output().contains("certificate verify failed"), clone.output());
            assertFalse(Files.exists(stranger.dir.resolve("data")), "no data directory from a refused clone");
        }
        // The same replica, its CA file (the path the scripts configured) replaced: its connection is refused.
        ScriptPod replica = pods.get(1);
        String stop = flavour == ScriptFlavour.MYSQL ? "STOP REPLICA" : "STOP SLAVE";
        String start = flavour == ScriptFlavour.MYSQL ? "START REPLICA" : "START SLAVE";
        String changeCa = (flavour == ScriptFlavour.MYSQL
                ? "CHANGE REPLICATION SOURCE TO SOURCE_SSL_CA = '%s'"
                : "CHANGE MASTER TO MASTER_SSL_CA = '%s'");
        replica.rootSql(stop + "; " + changeCa.formatted(otherCa.ca()) + "; " + start);
        try {
            await("mysql-1 refuses the primary's certificate")
                    .atMost(REPLICATION_WAIT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> replicaStatus(replica).getOrDefault("Last_IO_Error", ""), e -> e.contains("SSL"));
            assertNotEquals("Yes", replicaStatus(replica).get(flavour.threadPrefix + "IO_Running"));
        } finally {
            replica.rootSql(stop + "; " + changeCa.formatted(tls.server().resolve("ca.crt")) + "; " + start);
        }
    }

    /** The SSL columns of the replica's SHOW REPLICA/SLAVE STATUS, without their Source_SSL_/Master_SSL_ prefix. */
    private Map<String, String> replicaSslStatus(ScriptPod replica) throws SQLException {
        String prefix = flavour == ScriptFlavour.MYSQL ? "Source_SSL_" : "Master_SSL_";
        Map<String, String> ssl = new java.util.TreeMap<>();
        replicaStatus(replica).forEach((column, value) -> {
            if (column.startsWith(prefix)) {
                ssl.put(column.substring(prefix.length()), value);
            }
        });
        return ssl;
    }

    /** SHOW REPLICA/SLAVE STATUS as column to value, read as the monitor account (as the proxy does). */
    private Map<String, String> replicaStatus(ScriptPod replica) throws SQLException {
        Map<String, String> status = new java.util.LinkedHashMap<>();
        try (Connection c = replica.connect("monitor", TestSecrets.MONITOR);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(flavour.replicaStatus)) {
            assertTrue(rs.next(), "mysql-" + replica.ordinal + " has no replication configured");
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                status.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
            }
        }
        return status;
    }

    private static Stream<Throwable> causes(Throwable t) {
        return Stream.iterate(t, java.util.Objects::nonNull, Throwable::getCause);
    }

    /** The clone plugin's record on the replica: a completed clone of {@code donor}, finished by a restart. */
    private static void assertClonedFrom(ScriptPod replica, ScriptPod donor) {
        assertEquals(
                "Completed\t127.0.0.1:" + donor.port,
                replica.rootSql("SELECT STATE, SOURCE FROM performance_schema.clone_status"));
        assertEquals(
                "RESTART\tCompleted\nRECOVERY\tCompleted",
                replica.rootSql("SELECT STAGE, STATE FROM performance_schema.clone_progress"
                        + " WHERE STAGE IN ('RESTART', 'RECOVERY') ORDER BY BEGIN_TIME"));
    }

    /** The {@code mysql:} image's major.minor in deploy/base/mysql/statefulset.yaml, e.g. {@code 9.7}. */
    private static String shippedMySqlSeries() {
        try {
            Matcher m = Pattern.compile("image: mysql:(\\d+\\.\\d+)\\.")
                    .matcher(Files.readString(Repo.deploy().resolve("base/mysql/statefulset.yaml")));
            assertTrue(m.find(), "no mysql image in the StatefulSet");
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> settings(String myCnf, String name) {
        return myCnf.lines().filter(l -> l.startsWith(name + " ")).toList();
    }

    private static List<String> processesUnder(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
    }

    private void insertOnPrimary(int id, String note) throws SQLException {
        try (Connection c = pods.get(0).connect("app", TestSecrets.APP);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO app.rows_seen VALUES (" + id + ", '" + note + "')");
        }
    }

    private void awaitRow(ScriptPod pod, int id, String note) throws SQLException {
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
                            + "; replica status: " + pod.rootSql(flavour.replicaStatus),
                    e);
        }
    }

    /**
     * Both replication threads running, by GTID, from the primary; read with the monitor account, as the proxy will.
     */
    private void assertReplicating(ScriptPod replica, int primaryPort) throws SQLException {
        AtomicReference<String> lastStatus = new AtomicReference<>("not read yet");
        String io = flavour.threadPrefix + "IO_Running";
        String sql = flavour.threadPrefix + "SQL_Running";
        try (Connection c = replica.connect("monitor", TestSecrets.MONITOR);
                Statement s = c.createStatement()) {
            await("both replication threads of mysql-" + replica.ordinal + " run")
                    .atMost(REPLICATION_WAIT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try (ResultSet rs = s.executeQuery(flavour.replicaStatus)) {
                            assertTrue(rs.next(), "mysql-" + replica.ordinal + " has no replication configured");
                            if (flavour == ScriptFlavour.MYSQL) {
                                assertEquals(1, rs.getInt("Auto_Position"), "GTID auto-positioning");
                                // Not the default 10 attempts (100 s), after which a replica stops for good.
                                assertEquals(86400, rs.getInt("Source_Retry_Count"));
                            } else {
                                assertEquals("Slave_Pos", rs.getString("Using_Gtid"), "GTID auto-positioning");
                            }
                            assertEquals(
                                    primaryPort,
                                    rs.getInt(flavour.sourcePortColumn),
                                    "replicates from the primary, not its clone peer");
                            assertEquals("", rs.getString("Last_SQL_Error"));
                            lastStatus.set("IO " + rs.getString(io) + ", SQL " + rs.getString(sql) + ", last IO error "
                                    + rs.getString("Last_IO_Error"));
                            return "Yes".equals(rs.getString(io)) && "Yes".equals(rs.getString(sql));
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
