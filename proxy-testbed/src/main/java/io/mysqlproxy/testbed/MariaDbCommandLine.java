package io.mysqlproxy.testbed;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code mariadbd} command line of one test-bed server: isolated, loopback-only, small, binlogging with GTIDs. */
final class MariaDbCommandLine {

    /** Kept small so copying the template is cheap; 8M still takes single rows far above max_allowed_packet. */
    static final String INNODB_LOG_FILE_SIZE = "8M";

    private MariaDbCommandLine() {}

    static List<String> build(
            ServerBinaries binaries,
            ServerLayout layout,
            int serverId,
            int port,
            boolean readOnly,
            Optional<TestBedTls> tls) {
        List<String> args = new ArrayList<>();
        args.add(binaries.server().toString());
        // Must come first; the machine's /etc/mysql config (Debian's socket, log and bind settings) must not leak in.
        args.add("--no-defaults");
        args.add("--datadir=" + layout.dataDir());
        args.add("--tmpdir=" + layout.tmpDir());
        args.add("--socket=" + layout.socket());
        args.add("--pid-file=" + layout.pidFile());
        ServerProcessUser.option().ifPresent(args::add);
        args.add("--bind-address=" + TestBedServer.HOST);
        args.add("--port=" + port);
        args.add("--server-id=" + serverId);
        // Fixed log names: the defaults derive from the host name, which differs between machines.
        args.add("--log-bin=mysql-bin");
        args.add("--relay-log=relay-bin");
        args.add("--log-slave-updates");
        args.add("--gtid-strict-mode=ON");
        args.add("--binlog-format=ROW");
        args.add("--innodb-buffer-pool-size=32M");
        args.add("--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE);
        args.add("--innodb-log-buffer-size=4M");
        // Durability against a killed process is kept (the OS still holds the writes); against a power cut it
        // is not needed, and fsync per commit would dominate the test suite's run time.
        args.add("--innodb-flush-log-at-trx-commit=2");
        args.add("--innodb-doublewrite=0");
        args.add("--key-buffer-size=1M");
        args.add("--aria-pagecache-buffer-size=8M");
        args.add("--performance-schema=OFF");
        args.add("--max-connections=2000");
        args.add("--max-allowed-packet=64M");
        args.add("--local-infile=1");
        args.add("--skip-name-resolve");
        args.add("--character-set-server=utf8mb4");
        args.add("--collation-server=utf8mb4_general_ci");
        if (readOnly) {
            args.add("--read-only=ON");
        }
        // Setting the files turns TLS on; plain connections stay allowed, as the bed's own ones are plain.
        tls.ifPresent(files -> args.addAll(files.serverOptions()));
        return args;
    }
}
