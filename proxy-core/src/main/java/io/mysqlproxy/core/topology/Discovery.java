package io.mysqlproxy.core.topology;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where the backends come from: the configuration ({@link StaticDiscovery}), or a source that
 * changes at run time, such as the Kubernetes API (module proxy-k8s). A discovery reports whole
 * sets, never differences: each call of the listener carries every backend it knows of now.
 */
public interface Discovery extends AutoCloseable {

    /**
     * Starts reporting to {@code listener}. The first set is reported before this returns, so the
     * proxy starts with the backends it will serve from; later sets come on a thread of the
     * discovery's own, one call at a time. Throws if the source cannot be read at all.
     */
    void start(Consumer<DiscoveredBackends> listener);

    /**
     * Where to count the endpoints the discovery refuses to take (such as a Kubernetes endpoint that
     * is no pod of the database's StatefulSet): {@code counterFor} gives the counter of a reason, a
     * short lower-case metrics label, and is asked for every reason at once, so that each one's
     * series exists from 0. Called before {@link #start}; a discovery that refuses nothing needs none.
     */
    default void countIgnored(Function<String, Runnable> counterFor) {}

    /** Stops reporting; the listener is not called after this returns. */
    @Override
    void close();
}
