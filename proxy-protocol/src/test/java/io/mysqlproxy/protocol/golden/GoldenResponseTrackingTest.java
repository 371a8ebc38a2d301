package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.result.ResponseRelay;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each captured server response, relayed in two reads split at every byte: the relay passes on
 * exactly the bytes it received and reports the end of the response (and a LOCAL INFILE
 * request) exactly once, after the last byte of the packet that ends it.
 */
class GoldenResponseTrackingTest {

    static Stream<Arguments> responses() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : List.of(
                "mariadb-commands-deprecate-eof-on.golden",
                "mariadb-commands-deprecate-eof-off.golden",
                GoldenCapture.EXTENDED_METADATA_FILE)) {
            GoldenExchange exchange = GoldenExchange.load(file);
            for (GoldenExchange.Section section : exchange.sections()) {
                if (!section.name().startsWith("COM_")
                        || section.server().isEmpty()
                        || section.name().equals("COM_CHANGE_USER")) {
                    continue;
                }
                cases.add(Arguments.of(file, section.name(), exchange.deprecateEof(), section));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("responses")
    void relaysEveryByteAndFindsTheEnd(String file, String name, boolean deprecateEof, GoldenExchange.Section section) {
        CommandType command = CommandType.of(section.client().get(0).first());
        byte[] stream = section.serverBytes();
        boolean infile = name.contains("local infile");
        int infileAt = infile ? section.server().get(0).payload().length + 4 : -1;
        for (int split = 0; split <= stream.length; split++) {
            Recorder recorder = new Recorder();
            ResponseTracker tracker = new ResponseTracker(deprecateEof);
            tracker.begin(command);
            ResponseRelay relay = new ResponseRelay(tracker, recorder);
            try {
                relay.receive(Unpooled.wrappedBuffer(stream, 0, split), ByteBufAllocator.DEFAULT);
                relay.receive(Unpooled.wrappedBuffer(stream, split, stream.length - split), ByteBufAllocator.DEFAULT);
            } finally {
                relay.release();
            }
            assertArrayEquals(stream, recorder.bytes.toByteArray(), name + " at split " + split);
            List<String> expected =
                    infile ? List.of("infile@" + infileAt, "done@" + stream.length) : List.of("done@" + stream.length);
            assertEquals(expected, recorder.events, name + " at split " + split);
            assertEquals(false, tracker.inProgress(), name + " still in progress at split " + split);
        }
    }

    private static final class Recorder implements ResponseRelay.Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<String> events = new ArrayList<>();

        @Override
        public void forward(ByteBuf slice, int lastSequenceId) {
            try {
                bytes.writeBytes(ByteBufUtil.getBytes(slice));
            } finally {
                slice.release();
            }
        }

        @Override
        public void responseComplete(int status) {
            events.add("done@" + bytes.size());
        }

        @Override
        public void localInfileRequested() {
            events.add("infile@" + bytes.size());
        }
    }
}
