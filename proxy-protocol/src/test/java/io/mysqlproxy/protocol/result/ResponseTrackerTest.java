package io.mysqlproxy.protocol.result;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static io.mysqlproxy.protocol.result.ResponseTracker.Progress.DONE;
import static io.mysqlproxy.protocol.result.ResponseTracker.Progress.LOCAL_INFILE;
import static io.mysqlproxy.protocol.result.ResponseTracker.Progress.MORE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Response shapes the captures do not cover: 16 MiB rows, ambiguous first bytes, protocol errors. */
class ResponseTrackerTest {

    private static ResponseTracker.Progress feed(ResponseTracker tracker, int length, int... firstBytes) {
        ByteBuf peek = Unpooled.buffer(ResponseTracker.PEEK_BYTES);
        for (int b : firstBytes) {
            peek.writeByte(b);
        }
        peek.writeZero(Math.max(0, Math.min(length, ResponseTracker.PEEK_BYTES) - firstBytes.length));
        try {
            return tracker.onPacket(peek, 0, length);
        } finally {
            peek.release();
        }
    }

    @Test
    void rowOf16MiBOrMoreStartingWith0xFEIsARowNotAnEnd() {
        ResponseTracker tracker = new ResponseTracker(true);
        assertTrue(tracker.begin(CommandType.QUERY));
        assertEquals(MORE, feed(tracker, 1, 1)); // one column
        assertEquals(MORE, feed(tracker, 30, 3)); // its definition
        // A text row whose only value is 17 MiB: lenenc 0xFE prefix, split over two physical packets.
        assertEquals(MORE, feed(tracker, Packets.MAX_PAYLOAD, 0xfe));
        assertEquals(MORE, feed(tracker, 1024 * 1024 + 9, 0xfe)); // continuation: never interpreted
        assertEquals(DONE, feed(tracker, 7, 0xfe, 0, 0, 0x02, 0, 0, 0));
        assertFalse(tracker.inProgress());
    }

    @Test
    void logicalPacketOfExactly16MiBEndsWithAnEmptyPacket() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        feed(tracker, 1, 1);
        feed(tracker, 30, 3);
        assertEquals(MORE, feed(tracker, Packets.MAX_PAYLOAD, 0xfd));
        assertEquals(MORE, feed(tracker, 0)); // the empty tail of that row
        assertEquals(DONE, feed(tracker, 7, 0xfe, 0, 0, 0x02, 0, 0, 0));
    }

    @Test
    void moreResultsKeepTheResponseOpen() {
        ResponseTracker tracker = new ResponseTracker(false);
        tracker.begin(CommandType.QUERY);
        int more = ServerStatus.MORE_RESULTS_EXISTS.mask() | ServerStatus.AUTOCOMMIT.mask();
        assertEquals(MORE, feed(tracker, 7, 0x00, 0, 0, more, 0, 0, 0));
        assertEquals(DONE, feed(tracker, 7, 0x00, 1, 0, 0x02, 0, 0, 0));
        assertEquals(ServerStatus.AUTOCOMMIT.mask(), tracker.lastStatus());
    }

    @Test
    void inTransactionStatusIsReported() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        assertEquals(DONE, feed(tracker, 7, 0x00, 0, 0, 0x03, 0, 0, 0));
        assertTrue(ServerStatus.IN_TRANS.isSet(tracker.lastStatus()));
    }

    @Test
    void localInfileThenOk() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        assertEquals(LOCAL_INFILE, feed(tracker, 9, 0xfb, 'f'));
        assertEquals(DONE, feed(tracker, 7, 0x00, 2, 0, 0x02, 0, 0, 0));
    }

    @Test
    void errorInTheMiddleOfRowsEndsTheResponse() {
        ResponseTracker tracker = new ResponseTracker(false);
        tracker.begin(CommandType.QUERY);
        feed(tracker, 1, 1);
        feed(tracker, 30, 3);
        feed(tracker, 5, 0xfe, 0, 0, 0x22, 0); // column EOF
        assertEquals(MORE, feed(tracker, 3, 2, 'a', 'b'));
        assertEquals(DONE, feed(tracker, 20, 0xff, 0x15, 0x04, '#'));
    }

    @Test
    void rowsAreCountedOverEveryResultSetAndAFreshCommandStartsAtZero() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        int more = ServerStatus.MORE_RESULTS_EXISTS.mask();
        feed(tracker, 1, 1);
        feed(tracker, 30, 3);
        feed(tracker, 3, 2, 'a', 'b');
        feed(tracker, Packets.MAX_PAYLOAD, 0xfc); // a row over 16 MiB: one row, two packets
        feed(tracker, 10, 0xfe); // its continuation, even starting with 0xFE
        assertEquals(MORE, feed(tracker, 7, 0xfe, 0, 0, more, 0, 0, 0));
        feed(tracker, 1, 1);
        feed(tracker, 30, 3);
        feed(tracker, 2, 1, 'c');
        assertEquals(DONE, feed(tracker, 7, 0xfe, 0, 0, 0x02, 0, 0, 0));
        assertEquals(3, tracker.lastResponseRows());
        tracker.begin(CommandType.QUERY);
        assertEquals(DONE, feed(tracker, 7, 0x00, 1, 0, 0x02, 0, 0, 0));
        assertEquals(0, tracker.lastResponseRows());
    }

    @Test
    void statementCloseHasNoResponse() {
        assertFalse(new ResponseTracker(true).begin(CommandType.STMT_CLOSE));
        assertFalse(new ResponseTracker(true).begin(CommandType.STMT_SEND_LONG_DATA));
        assertFalse(new ResponseTracker(true).begin(CommandType.QUIT));
    }

    @Test
    void packetWithNoCommandInProgressIsAProtocolError() {
        ResponseTracker tracker = new ResponseTracker(true);
        assertThrows(ProtocolException.class, () -> feed(tracker, 7, 0x00, 0, 0, 2, 0, 0, 0));
    }

    @Test
    void zeroColumnCountIsAProtocolError() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        assertThrows(ProtocolException.class, () -> feed(tracker, 2, 0xfc, 0));
    }

    @Test
    void okReportsAffectedRowsInsertIdAndWarnings() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        // OK: 3 affected rows, last_insert_id 0x1234 (lenenc 0xfc), autocommit, 2 warnings
        assertEquals(DONE, feed(tracker, 9, 0x00, 3, 0xfc, 0x34, 0x12, 0x02, 0, 2, 0));
        assertEquals(3, tracker.lastAffectedRows());
        assertEquals(0x1234, tracker.lastInsertId());
        assertEquals(2, tracker.lastWarnings());
        assertFalse(tracker.lastResultSet());
    }

    @Test
    void aResultSetCountsItsRowsAndItsEndsWarningsWithAndWithoutDeprecateEof() {
        for (boolean deprecateEof : new boolean[] {true, false}) {
            ResponseTracker tracker = new ResponseTracker(deprecateEof);
            tracker.begin(CommandType.QUERY);
            feed(tracker, 1, 1);
            feed(tracker, 30, 3);
            if (!deprecateEof) {
                feed(tracker, 5, 0xfe, 0, 0, 0x02, 0);
            }
            for (int row = 0; row < 4; row++) {
                assertEquals(MORE, feed(tracker, 2, 1, '7'));
            }
            ResponseTracker.Progress end = deprecateEof
                    ? feed(tracker, 7, 0xfe, 0, 0, 0x02, 0, 1, 0) // OK ending the rows: 1 warning
                    : feed(tracker, 5, 0xfe, 1, 0, 0x02, 0); // EOF: 1 warning, then status
            assertEquals(DONE, end);
            assertTrue(tracker.lastResultSet());
            assertEquals(4, tracker.lastRows());
            assertEquals(1, tracker.lastWarnings(), "deprecateEof " + deprecateEof);
            assertEquals(0x02, tracker.lastStatus());
            assertEquals(0, tracker.lastAffectedRows());
        }
    }

    @Test
    void theNextCommandStartsFromNothing() {
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.QUERY);
        feed(tracker, 9, 0x00, 3, 0xfc, 0x34, 0x12, 0x02, 0, 2, 0);
        tracker.begin(CommandType.QUERY);
        assertEquals(DONE, feed(tracker, 7, 0x00, 0, 0, 0x02, 0, 0, 0));
        assertEquals(0, tracker.lastInsertId());
        assertEquals(0, tracker.lastWarnings());
        assertEquals(0, tracker.lastAffectedRows());
    }
}
