package io.mysqlproxy.core.report;

import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backends as operators see them, from one list of {@link BackendStatus}: the {@code /backends}
 * JSON document of the admin port, and the result set of SHOW PROXY BACKENDS on the proxy port.
 */
public final class BackendsReport {

    private static final List<ColumnDefinition41> COLUMNS = List.of(
            ColumnDefinition41.text("name"),
            ColumnDefinition41.text("address"),
            ColumnDefinition41.text("role"),
            ColumnDefinition41.text("state"),
            ColumnDefinition41.text("pod"),
            ColumnDefinition41.bigint("weight"),
            ColumnDefinition41.bigint("lag_seconds"),
            ColumnDefinition41.bigint("outstanding"),
            ColumnDefinition41.bigint("statements"),
            ColumnDefinition41.bigint("errors"),
            ColumnDefinition41.bigint("connections_open"),
            ColumnDefinition41.bigint("connections_idle"),
            ColumnDefinition41.bigint("pool_waits"),
            ColumnDefinition41.bigint("pool_wait_timeouts"),
            ColumnDefinition41.bigint("connections_tls"),
            ColumnDefinition41.text("tls_protocol"),
            ColumnDefinition41.text("tls_cipher"),
            ColumnDefinition41.bigint("tls_handshakes"),
            ColumnDefinition41.bigint("tls_resumed"));

    private BackendsReport() {}

    /**
     * SHOW PROXY BACKENDS: one row per backend, the primary first; NULL for an unknown pod or lag, and
     * for the TLS protocol and cipher of a backend never reached over TLS.
     */
    public static TextResultSet resultSet(List<BackendStatus> backends) {
        List<TextRow> rows = new ArrayList<>(backends.size());
        for (BackendStatus b : backends) {
            rows.add(TextRow.of(
                    b.name(),
                    b.address(),
                    b.role().label(),
                    b.state().label(),
                    b.pod(),
                    String.valueOf(b.weight()),
                    b.lagSeconds() == null ? null : String.valueOf(b.lagSeconds()),
                    String.valueOf(b.outstanding()),
                    String.valueOf(b.statements()),
                    String.valueOf(b.errors()),
                    String.valueOf(b.connectionsOpen()),
                    String.valueOf(b.connectionsIdle()),
                    String.valueOf(b.poolWaits()),
                    String.valueOf(b.poolWaitTimeouts()),
                    String.valueOf(b.connectionsTls()),
                    b.tlsProtocol(),
                    b.tlsCipher(),
                    String.valueOf(b.tlsHandshakes()),
                    String.valueOf(b.tlsResumed())));
        }
        return new TextResultSet(COLUMNS, rows);
    }

    /**
     * {@code /backends}: whether writes go through ({@code writeRefusal}: why they are refused, or null),
     * then one JSON object per backend, the primary first.
     */
    public static String json(List<BackendStatus> backends, String writeRefusal) {
        Map<String, Object> writes = new LinkedHashMap<>();
        writes.put("refused", writeRefusal != null);
        writes.put("reason", writeRefusal);
        List<Map<String, Object>> all = new ArrayList<>(backends.size());
        for (BackendStatus b : backends) {
            Map<String, Object> backend = new LinkedHashMap<>();
            backend.put("name", b.name());
            backend.put("address", b.address());
            backend.put("role", b.role().label());
            backend.put("state", b.state().label());
            backend.put("pod", b.pod());
            backend.put("weight", b.weight());
            backend.put("lag_seconds", b.lagSeconds());
            backend.put("outstanding", b.outstanding());
            backend.put("statements", b.statements());
            backend.put("errors", b.errors());
            Map<String, Object> connections = new LinkedHashMap<>();
            connections.put("open", b.connectionsOpen());
            connections.put("idle", b.connectionsIdle());
            connections.put("waits", b.poolWaits());
            connections.put("wait_timeouts", b.poolWaitTimeouts());
            backend.put("connections", connections);
            Map<String, Object> tls = new LinkedHashMap<>();
            tls.put("open", b.connectionsTls());
            tls.put("protocol", b.tlsProtocol());
            tls.put("cipher", b.tlsCipher());
            tls.put("handshakes", b.tlsHandshakes());
            tls.put("resumed", b.tlsResumed());
            backend.put("tls", tls);
            all.add(backend);
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("writes", writes);
        document.put("backends", all);
        return AdminJson.text(document);
    }
}
