package io.mysqlproxy.app;

import io.mysqlproxy.core.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM (the kubelet's) and SIGINT drain the proxy (see {@link ProxyServer#drain}) and exit 0.
 * The JVM's default would run shutdown hooks with no time for sessions to finish and exit 143,
 * which Kubernetes reports as an error. A second signal while draining is ignored; the kubelet's
 * SIGKILL at the end of the grace period still ends everything.
 */
final class ShutdownSignals {

    private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);

    private ShutdownSignals() {}

    /** The drain deadline is the configuration's at the time of the signal (a reload may have changed it). */
    static void install(ProxyServer server) {
        AtomicBoolean started = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (!started.compareAndSet(false, true)) {
                    return;
                }
                // Signal handlers must return quickly: the drain runs on a thread of its own.
                Thread drain = new Thread(
                        () -> {
                            log.info("SIG{} received: shutting down", signal.getName());
                            int cut = server.drain(server.runtime().config().drainTimeout());
                            log.info("exiting ({} session(s) cut at the drain deadline)", cut);
                            System.exit(Main.OK);
                        },
                        "mysql-proxy-drain");
                drain.start();
            });
        }
        // Any other exit (System.exit elsewhere, a fatal error) still closes the sockets.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mysql-proxy-shutdown"));
    }
}
