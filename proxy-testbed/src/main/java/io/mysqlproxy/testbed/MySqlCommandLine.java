package io.mysqlproxy.testbed;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code mysqld} command line of one MySQL test-bed server: isolated, loopback-only, small, GTID binlogs. */
final class MySqlCommandLine {

    /** Small so copying the template is cheap, yet holds a 64 MiB row's redo without stalling for long. */
    static final String REDO_LOG_CAPACITY = "64M";

    private MySqlCommandLine() {}

    static List<String> build(
            ServerBinaries binaries,
            ServerLayout layout,
            int serverId,
            int port,
            boolean readOnly,
            Optional<TestBedTls> tls) {
        List<String> args = new ArrayList<>();
        args.add(binaries.server().toString());
        // Must come first; no option file of this machine (MariaDB's /etc/mysql) may leak in.
        args.add("--no-defaults");
        ServerProcessUser.option().ifPresent(args::add);
        args.add("--datadir=" + layout.dataDir());
        args.add("--tmpdir=" + layout.tmpDir());
        args.add("--socket=" + layout.socket());
        args.add("--pid-file=" + layout.pidFile());
        // Debian's default (/var/lib/mysql-files) does not exist here, and mysqld refuses to start without it.
        args.add("--secure-file-priv=" + layout.tmpDir());
        args.add("--bind-address=" + TestBedServer.HOST);
        args.add("--port=" + port);
        // X Protocol would take port 33060 on every server; two beds on one machine would collide.
        args.add("--mysqlx=OFF");
        args.add("--server-id=" + serverId);
        args.add("--log-bin=mysql-bin");
        args.add("--relay-log=relay-bin");
        args.add("--gtid-mode=ON");
        args.add("--enforce-gtid-consistency=ON");
        args.add("--innodb-buffer-pool-size=32M");
        args.add("--innodb-redo-log-capacity=" + REDO_LOG_CAPACITY);
        args.add("--innodb-log-buffer-size=4M");
        // As for MariaDB: survive a killed process, not a power cut; fsync per commit would dominate the suite.
        args.add("--innodb-flush-log-at-trx-commit=2");
        args.add("--sync-binlog=0");
        args.add("--innodb-doublewrite=OFF");
        args.add("--performance-schema=OFF");
        args.add("--max-connections=2000");
        args.add("--max-allowed-packet=64M");
        args.add("--local-infile=1");
        args.add("--skip-name-resolve");
        // ServerFlavour.sequence generates rows with a recursive CTE; the default depth limit is 1000.
        args.add("--cte-max-recursion-depth=4000000");
        args.add("--character-set-server=utf8mb4");
        args.add("--collation-server=utf8mb4_general_ci");
        if (readOnly) {
            args.add("--read-only=ON");
            args.add("--super-read-only=ON");
        }
        // Instead of the self-signed set mysqld generated in the data directory, which nothing can verify.
        tls.ifPresent(files -> args.addAll(files.serverOptions()));
        return args;
    }
}
