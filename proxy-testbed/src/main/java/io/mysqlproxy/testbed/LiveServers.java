package io.mysqlproxy.testbed;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Servers of this JVM that are not closed yet. One shutdown hook kills them all, so a failing test, an aborted
 * run or Ctrl-C never leaves server processes behind.
 */
final class LiveServers {

    private static final Set<TestBedServer> SERVERS = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private LiveServers() {}

    static void register(TestBedServer server) {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(LiveServers::killAll, "testbed-shutdown"));
        }
        SERVERS.add(server);
    }

    static void unregister(TestBedServer server) {
        SERVERS.remove(server);
    }

    private static void killAll() {
        SERVERS.forEach(TestBedServer::destroyOnShutdown);
    }
}
