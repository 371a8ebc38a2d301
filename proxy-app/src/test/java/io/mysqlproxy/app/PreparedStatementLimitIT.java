package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that prepares statements in a loop and never closes them (Connector/J with server-side
 * prepares, no cache, no fallback to client-side emulation) gets MySQL's error 1461 at the proxy's
 * per-session limit; thousands more attempts leave the proxy's heap where it was, and another
 * session meanwhile prepares and executes as usual.
 */
@ExtendWith(TestBedExtension.class)
class PreparedStatementLimitIT {

    private static final int LIMIT = 200;
    private static final int ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;
    private static final String SERVER_PREPARES =
            "useServerPrepStmts=true&cachePrepStmts=false&emulateUnsupportedPstmts=false";
    /** Each statement's text: about 2 KiB, so that keeping thousands of them would show in the heap. */
    private static final String PADDING = "x".repeat(2048);

    @Test
    void aClientPreparingInALoopGets1461AtTheLimitAndTheHeapStaysBounded(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed,
                        ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.session.max-prepared-statements = " + LIMIT);
                Connection hoarder = proxy.connect(SERVER_PREPARES);
                Connection other = proxy.connect(SERVER_PREPARES)) {
            List<PreparedStatement> kept = new ArrayList<>();
            for (int i = 0; i < LIMIT; i++) {
                kept.add(hoarder.prepareStatement(statement(i)));
            }
            long before = usedHeapAfterGc();
            int refused = 0;
            for (int i = LIMIT; i < LIMIT + 5000; i++) {
                try {
                    kept.add(hoarder.prepareStatement(statement(i)));
                } catch (SQLException e) {
                    assertEquals(ER_MAX_PREPARED_STMT_COUNT_REACHED, e.getErrorCode(), e.getMessage());
                    assertEquals(
                            "Can't create more than max_prepared_stmt_count statements (current value: " + LIMIT + ")",
                            e.getMessage());
                    refused++;
                }
                if (i % 500 == 0) {
                    assertEquals(42, answer(other, "SELECT 41 + ?", 1), "another session, meanwhile");
                }
            }
            long grown = usedHeapAfterGc() - before;
            assertEquals(5000, refused, "every prepare beyond the limit");
            // Kept, 5,000 statements of 2 KiB would hold 10 MiB of text alone.
            assertTrue(grown < 4L << 20, "the heap grew by " + grown + " bytes");

            // The hoarding session goes on: its statements run, and closing one makes room for another.
            assertEquals(199, answer(kept.get(199)));
            kept.get(0).close();
            assertEquals(LIMIT, answer(hoarder.prepareStatement(statement(LIMIT))));
            for (PreparedStatement statement : kept) {
                statement.close();
            }
        }
    }

    private static String statement(int i) {
        return "SELECT " + i + " /* " + PADDING + " */";
    }

    private static int answer(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static int answer(Connection c, String sql, int parameter) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setInt(1, parameter);
            return answer(statement);
        }
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
