package io.mysqlproxy.protocol.result;

import io.mysqlproxy.protocol.flag.CommandType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The relay hands out slices that its output may hold long after (in a channel's outbound buffer, until the
 * client's socket takes them), so the bytes a slice shows must not change whatever arrives next.
 */
class ResponseRelayTest {

    @Test
    void slicesKeepTheirBytesWhileLaterReadsArrive() {
        byte[] stream = resultSet();
        for (int first = 1; first < stream.length; first++) {
            for (int second = first + 1; second < stream.length; second++) {
                HoldingOutput output = new HoldingOutput();
                ResponseTracker tracker = new ResponseTracker(true);
                tracker.begin(CommandType.QUERY);
                ResponseRelay relay = new ResponseRelay(tracker, output);
                try {
                    relay.receive(Unpooled.copiedBuffer(stream, 0, first), ByteBufAllocator.DEFAULT);
                    relay.receive(Unpooled.copiedBuffer(stream, first, second - first), ByteBufAllocator.DEFAULT);
                    relay.receive(
                            Unpooled.copiedBuffer(stream, second, stream.length - second), ByteBufAllocator.DEFAULT);
                } finally {
                    relay.release();
                }
                String split = "reads split at " + first + " and " + second;
                assertArrayEquals(stream, output.drain(), split);
                assertEquals(1, output.completed, split);
            }
        }
    }

    /**
     * A shifted response is renumbered in every packet whatever the reads' boundaries, a header split
     * across two reads included, and the shift ends with the response: the next one passes as it is.
     */
    @Test
    void aShiftedResponseIsRenumberedUpToItsEndOnly() {
        byte[] stream = resultSet();
        byte[] shifted = stream.clone();
        for (int p = 0; p < shifted.length; ) {
            int length = (shifted[p] & 0xff) | (shifted[p + 1] & 0xff) << 8 | (shifted[p + 2] & 0xff) << 16;
            shifted[p + 3]++;
            p += 4 + length;
        }
        for (int split = 1; split < stream.length; split++) {
            HoldingOutput output = new HoldingOutput();
            ResponseTracker tracker = new ResponseTracker(true);
            ResponseRelay relay = new ResponseRelay(tracker, output);
            try {
                tracker.begin(CommandType.QUERY);
                relay.shiftSequence(1);
                relay.receive(Unpooled.copiedBuffer(stream, 0, split), ByteBufAllocator.DEFAULT);
                relay.receive(Unpooled.copiedBuffer(stream, split, stream.length - split), ByteBufAllocator.DEFAULT);
                assertArrayEquals(shifted, output.drain(), "read split at " + split);
                assertEquals(
                        stream[stream.length - 8] + 1, output.lastSequenceId, "the sequence id the client saw last");

                tracker.begin(CommandType.QUERY);
                relay.receive(Unpooled.copiedBuffer(stream), ByteBufAllocator.DEFAULT);
                assertArrayEquals(stream, output.drain(), "the next response, after split " + split);
            } finally {
                relay.release();
            }
        }
    }

    /** One column, four rows and the closing OK (0xFE) of a text result set under DEPRECATE_EOF. */
    private static byte[] resultSet() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int sequence = 1;
        packet(out, sequence++, 0x01);
        packet(
                out,
                sequence++,
                0x03,
                'd',
                'e',
                'f',
                0,
                0,
                0,
                1,
                'c',
                0,
                0x0c,
                0x21,
                0,
                8,
                0,
                0,
                0,
                0xfd,
                0,
                0,
                0,
                0,
                0);
        for (String row : List.of("alpha", "b", "", "a somewhat longer value than the others")) {
            byte[] value = row.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int[] payload = new int[value.length + 1];
            payload[0] = value.length;
            for (int i = 0; i < value.length; i++) {
                payload[i + 1] = value[i];
            }
            packet(out, sequence++, payload);
        }
        packet(out, sequence, 0xfe, 0, 0, 0x02, 0, 0, 0);
        return out.toByteArray();
    }

    private static void packet(ByteArrayOutputStream out, int sequence, int... payload) {
        out.write(payload.length & 0xff);
        out.write((payload.length >> 8) & 0xff);
        out.write((payload.length >> 16) & 0xff);
        out.write(sequence);
        for (int b : payload) {
            out.write(b);
        }
    }

    /** Keeps every slice until the end, as a channel with a slow reader would. */
    private static final class HoldingOutput implements ResponseRelay.Output {
        private final List<ByteBuf> held = new ArrayList<>();
        int completed;
        int lastSequenceId;

        @Override
        public void forward(ByteBuf bytes, int lastSequenceId) {
            held.add(bytes);
            this.lastSequenceId = lastSequenceId;
        }

        @Override
        public void responseComplete(int status) {
            completed++;
        }

        @Override
        public void localInfileRequested() {
            throw new AssertionError("no LOCAL INFILE in a result set");
        }

        byte[] drain() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                for (ByteBuf slice : held) {
                    all.writeBytes(ByteBufUtil.getBytes(slice));
                }
            } finally {
                held.forEach(ByteBuf::release);
                held.clear();
            }
            return all.toByteArray();
        }
    }
}
