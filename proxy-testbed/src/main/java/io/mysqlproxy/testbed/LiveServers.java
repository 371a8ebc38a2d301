package io.mysqlproxy.testbed;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Servers of this JVM that are not closed yet. One shutdown hook kills them all, so a failing test, an aborted
 * run or Ctrl-C never leaves mariadbd processes behind.
 */
final class LiveServers {

    private static final Set<MariaDbServer> SERVERS = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private LiveServers() {}

    static void register(MariaDbServer server) {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(LiveServers::killAll, "mariadb-testbed-shutdown"));
        }
        SERVERS.add(server);
    }

    static void unregister(MariaDbServer server) {
        SERVERS.remove(server);
    }

    private static void killAll() {
        SERVERS.forEach(MariaDbServer::destroyOnShutdown);
    }
}
