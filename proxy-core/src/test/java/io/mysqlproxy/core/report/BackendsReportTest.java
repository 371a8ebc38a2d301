package io.mysqlproxy.core.report;

import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /backends and SHOW PROXY BACKENDS render the same statuses: the same values, NULL where JSON has null. */
class BackendsReportTest {

    private static final List<BackendStatus> STATUSES = List.of(
            new BackendStatus(
                    "db:3306",
                    "db:3306",
                    BackendRole.PRIMARY,
                    BackendState.UP,
                    null,
                    1,
                    null,
                    2,
                    30,
                    1,
                    5,
                    3,
                    0,
                    0,
                    0,
                    null,
                    null,
                    0,
                    0),
            new BackendStatus(
                    "mysql-1",
                    "10.1.2.3:3306",
                    BackendRole.REPLICA,
                    BackendState.LAGGING,
                    "mysql-1",
                    2,
                    12L,
                    0,
                    40,
                    0,
                    4,
                    4,
                    7,
                    1,
                    3,
                    "TLSv1.3",
                    "TLS_AES_256_GCM_SHA384",
                    10,
                    9));

    @Test
    void jsonAndResultSetShowTheSameValues() {
        String json = BackendsReport.json(STATUSES, null);
        assertTrue(json.startsWith("{\"writes\":{\"refused\":false,\"reason\":null},"), json);
        assertTrue(
                json.contains("{\"name\":\"db:3306\",\"address\":\"db:3306\",\"role\":\"primary\",\"state\":\"up\","
                        + "\"pod\":null,\"weight\":1,\"lag_seconds\":null,\"outstanding\":2,\"statements\":30,\"errors\":1,"
                        + "\"connections\":{\"open\":5,\"idle\":3,\"waits\":0,\"wait_timeouts\":0},"
                        + "\"tls\":{\"open\":0,\"protocol\":null,\"cipher\":null,\"handshakes\":0,\"resumed\":0}}"),
                json);
        assertTrue(
                json.contains("{\"name\":\"mysql-1\",\"address\":\"10.1.2.3:3306\",\"role\":\"replica\","
                        + "\"state\":\"lagging\",\"pod\":\"mysql-1\",\"weight\":2,\"lag_seconds\":12,\"outstanding\":0,"
                        + "\"statements\":40,\"errors\":0,\"connections\":{\"open\":4,\"idle\":4,\"waits\":7,"
                        + "\"wait_timeouts\":1},\"tls\":{\"open\":3,\"protocol\":\"TLSv1.3\","
                        + "\"cipher\":\"TLS_AES_256_GCM_SHA384\",\"handshakes\":10,\"resumed\":9}}"),
                json);

        TextResultSet result = BackendsReport.resultSet(STATUSES);
        assertEquals(
                List.of(
                        "name",
                        "address",
                        "role",
                        "state",
                        "pod",
                        "weight",
                        "lag_seconds",
                        "outstanding",
                        "statements",
                        "errors",
                        "connections_open",
                        "connections_idle",
                        "pool_waits",
                        "pool_wait_timeouts",
                        "connections_tls",
                        "tls_protocol",
                        "tls_cipher",
                        "tls_handshakes",
                        "tls_resumed"),
                result.columns().stream().map(ColumnDefinition41::name).toList());
        assertEquals(
                List.of(
                        TextRow.of(
                                "db:3306", "db:3306", "primary", "up", null, "1", null, "2", "30", "1", "5", "3", "0",
                                "0", "0", null, null, "0", "0"),
                        TextRow.of(
                                "mysql-1",
                                "10.1.2.3:3306",
                                "replica",
                                "lagging",
                                "mysql-1",
                                "2",
                                "12",
                                "0",
                                "40",
                                "0",
                                "4",
                                "4",
                                "7",
                                "1",
                                "3",
                                "TLSv1.3",
                                "TLS_AES_256_GCM_SHA384",
                                "10",
                                "9")),
                result.rows());
    }

    @Test
    void jsonSaysWhyWritesAreRefused() {
        String json = BackendsReport.json(List.of(), "db:3306 reports \"read_only\" = ON");
        assertEquals(
                "{\"writes\":{\"refused\":true,\"reason\":\"db:3306 reports \\\"read_only\\\" = ON\"},\n"
                        + "\"backends\":[\n]}\n",
                json);
    }
}
