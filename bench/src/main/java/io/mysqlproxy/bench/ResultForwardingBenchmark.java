package io.mysqlproxy.bench;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.result.ResponseRelay;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Relaying a 1,000-row result set (text protocol for COM_QUERY, binary for COM_STMT_EXECUTE) as
 * it arrives in 64 KiB reads: the relay walks packet headers and hands out slices, never copying
 * or decoding rows. Run with {@code -prof gc}: allocation per operation should follow the number
 * of reads, not the bytes in the rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ResultForwardingBenchmark {

    private static final int ROWS = 1000;
    private static final int READ_SIZE = 64 * 1024;

    @Param({"16", "1024"})
    public int rowBytes;

    @Param({"text", "binary"})
    public String protocol;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf response;
    private ResponseTracker tracker;
    private ResponseRelay relay;
    private long forwarded;
    private boolean complete;

    @Setup(Level.Trial)
    public void setUp() {
        boolean binary = protocol.equals("binary");
        response = alloc.directBuffer();
        int sequence = 1;
        sequence = packet(response, sequence, b -> b.writeByte(1)); // one column
        sequence = packet(
                response,
                sequence,
                b -> { // its definition
                    for (String s : new String[] {"def", "app", "t", "t", "v", "v"}) {
                        Lenenc.writeString(b, s);
                    }
                    b.writeByte(0x0c)
                            .writeShortLE(45)
                            .writeIntLE(rowBytes)
                            .writeByte(0xfd)
                            .writeShortLE(0)
                            .writeByte(0)
                            .writeShortLE(0);
                });
        byte[] value = new byte[rowBytes];
        java.util.Arrays.fill(value, (byte) 'x');
        for (int row = 0; row < ROWS; row++) {
            sequence = packet(response, sequence, b -> {
                if (binary) {
                    b.writeByte(0x00).writeByte(0); // header, null bitmap
                }
                Lenenc.writeBytes(b, value);
            });
        }
        packet(
                response,
                sequence,
                b -> b.writeByte(0xfe)
                        .writeByte(0)
                        .writeByte(0)
                        .writeShortLE(0x22)
                        .writeShortLE(0));
        tracker = new ResponseTracker(true);
        relay = new ResponseRelay(tracker, new ResponseRelay.Output() {
            @Override
            public void forward(ByteBuf bytes, int lastSequenceId) {
                forwarded += bytes.readableBytes();
                bytes.release();
            }

            @Override
            public void responseComplete(int status) {
                complete = true;
            }

            @Override
            public void localInfileRequested() {
                throw new IllegalStateException("no LOCAL INFILE in a SELECT");
            }
        });
    }

    private static int packet(ByteBuf out, int sequence, java.util.function.Consumer<ByteBuf> payload) {
        int start = out.writerIndex();
        out.writeMediumLE(0).writeByte(sequence);
        payload.accept(out);
        out.setMediumLE(start, out.writerIndex() - start - 4);
        return (sequence + 1) & 0xff;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        relay.release();
        response.release();
    }

    @Benchmark
    public long relayWholeResultSet() {
        complete = false;
        tracker.begin(protocol.equals("binary") ? CommandType.STMT_EXECUTE : CommandType.QUERY);
        int length = response.readableBytes();
        for (int offset = 0; offset < length; offset += READ_SIZE) {
            relay.receive(response.retainedSlice(offset, Math.min(READ_SIZE, length - offset)), alloc);
        }
        if (!complete) {
            throw new IllegalStateException("the relay did not see the end of the result set");
        }
        return forwarded;
    }
}
