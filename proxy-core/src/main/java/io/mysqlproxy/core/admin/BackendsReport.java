package io.mysqlproxy.core.admin;

import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;

/**
 * The {@code /backends} document: one JSON object per backend with its role, state, requests in
 * flight, client statements routed to it, and its pool's connections. Built from lock-free reads,
 * so it may mix values from a few microseconds apart.
 */
public final class BackendsReport {

    private BackendsReport() {
    }

    public static String json(Topology topology, BackendPools pools) {
        StringBuilder out = new StringBuilder("{\"backends\":[");
        boolean first = true;
        for (Backend backend : topology.all()) {
            BackendPool pool = pools.of(backend);
            out.append(first ? "" : ",").append("\n  {");
            first = false;
            field(out, "name", backend.name()).append(',');
            field(out, "address", backend.address().toString()).append(',');
            field(out, "role", backend.role().label()).append(',');
            field(out, "state", backend.state().label()).append(',');
            out.append("\"weight\":").append(backend.weight()).append(',');
            out.append("\"outstanding\":").append(backend.outstanding()).append(',');
            out.append("\"statements\":").append(backend.statements()).append(',');
            out.append("\"connections\":{\"open\":").append(pool.openConnections())
                    .append(",\"idle\":").append(pool.idleConnections())
                    .append(",\"waits\":").append(pool.waits())
                    .append(",\"wait_timeouts\":").append(pool.timeouts()).append("}}");
        }
        return out.append("\n]}\n").toString();
    }

    private static StringBuilder field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}
