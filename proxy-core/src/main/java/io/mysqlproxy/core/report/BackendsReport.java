package io.mysqlproxy.core.report;

import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.ArrayList;
import java.util.List;

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
        StringBuilder out = new StringBuilder("{\"writes\":{\"refused\":")
                .append(writeRefusal != null)
                .append(',');
        field(out, "reason", writeRefusal).append("},\n\"backends\":[");
        boolean first = true;
        for (BackendStatus b : backends) {
            out.append(first ? "" : ",").append("\n  {");
            first = false;
            field(out, "name", b.name()).append(',');
            field(out, "address", b.address()).append(',');
            field(out, "role", b.role().label()).append(',');
            field(out, "state", b.state().label()).append(',');
            field(out, "pod", b.pod()).append(',');
            out.append("\"weight\":").append(b.weight()).append(',');
            out.append("\"lag_seconds\":").append(b.lagSeconds()).append(',');
            out.append("\"outstanding\":").append(b.outstanding()).append(',');
            out.append("\"statements\":").append(b.statements()).append(',');
            out.append("\"errors\":").append(b.errors()).append(',');
            out.append("\"connections\":{\"open\":")
                    .append(b.connectionsOpen())
                    .append(",\"idle\":")
                    .append(b.connectionsIdle())
                    .append(",\"waits\":")
                    .append(b.poolWaits())
                    .append(",\"wait_timeouts\":")
                    .append(b.poolWaitTimeouts())
                    .append("},\"tls\":{\"open\":")
                    .append(b.connectionsTls())
                    .append(',');
            field(out, "protocol", b.tlsProtocol()).append(',');
            field(out, "cipher", b.tlsCipher()).append(',');
            out.append("\"handshakes\":")
                    .append(b.tlsHandshakes())
                    .append(",\"resumed\":")
                    .append(b.tlsResumed())
                    .append("}}");
        }
        return out.append("\n]}\n").toString();
    }

    /** A JSON string member; {@code null} for a null value. */
    private static StringBuilder field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":");
        return JsonText.appendString(out, value);
    }
}
