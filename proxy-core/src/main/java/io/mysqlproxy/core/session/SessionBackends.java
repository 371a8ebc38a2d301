package io.mysqlproxy.core.session;

import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.WriteGate;

/** The backends as a session sees them: the current topology, their pools, and whether writes may go out. */
public interface SessionBackends {

    Topology topology();

    ConnectionPool pool(Backend backend);

    /** Whether writes may go to the primary now (closed when the evidence about the primary conflicts). */
    WriteGate writeGate();

    /** Where statements that need the primary wait while it is away. */
    PrimaryOutageBuffer primaryBuffer();
}
