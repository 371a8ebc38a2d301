package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.packet.EofPacket;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.packet.SslRequest;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every control packet of real captured exchanges decodes to the expected record and encodes
 * back to the identical bytes, with DEPRECATE_EOF on and off; every stream re-frames identically
 * when split at any byte.
 */
class GoldenPacketsTest {

    static List<String> files() {
        return GoldenExchange.FILES;
    }

    @ParameterizedTest
    @MethodSource("files")
    void greetingAndLoginRoundTrip(String file) {
        GoldenExchange exchange = GoldenExchange.load(file);
        byte[] greetingBytes = exchange.section("greeting").only(false).payload();
        HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(greetingBytes));
        assertTrue(greeting.serverVersion().contains("MariaDB"), greeting.serverVersion());
        assertEquals(20, greeting.scramble().length);
        assertArrayEquals(greetingBytes, encode(greeting, 0));

        byte[] responseBytes = exchange.section("handshake-response").only(true).payload();
        HandshakeResponse41 response = HandshakeResponse41.decode(Unpooled.wrappedBuffer(responseBytes));
        assertEquals("app", response.username());
        assertEquals("app", response.database());
        assertEquals("mysql_native_password", response.authPluginName());
        assertNotNull(response.attributes());
        // The real client's scramble is what our NativePassword computes from the same nonce.
        assertArrayEquals(NativePassword.scramble("app-secret", greeting.scramble()), response.authResponse());
        assertArrayEquals(responseBytes, encode(response));

        byte[] okBytes = exchange.section("auth-result").only(false).payload();
        OkPacket ok = OkPacket.decode(Unpooled.wrappedBuffer(okBytes), response.capabilities());
        assertEquals(OkPacket.HEADER, ok.header());
        assertArrayEquals(okBytes, encode(ok, response.capabilities()));
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyServerControlPacketRoundTrips(String file) {
        GoldenExchange exchange = GoldenExchange.load(file);
        int capabilities = HandshakeResponse41.decode(Unpooled.wrappedBuffer(
                        exchange.section("handshake-response").only(true).payload()))
                .capabilities();
        int checked = 0;
        for (GoldenExchange.Section section : exchange.sections()) {
            List<GoldenExchange.Packet> server = section.server();
            for (int i = 0; i < server.size(); i++) {
                byte[] payload = server.get(i).payload();
                ServerPacket packet =
                        classify(section, payload, i, server.size(), exchange.deprecateEof(), capabilities);
                if (packet != null) {
                    assertArrayEquals(
                            payload,
                            encode(packet, capabilities),
                            () -> file + " / " + section.name() + " packet re-encodes differently");
                    checked++;
                }
            }
        }
        int least = file.startsWith("connectorj") ? 1 : file.equals(GoldenCapture.EXTENDED_METADATA_FILE) ? 8 : 20;
        assertTrue(checked >= least, "only " + checked + " control packets found");
    }

    /** The control packet a server packet is, from where it stands in its response; null for data packets. */
    private static ServerPacket classify(
            GoldenExchange.Section section,
            byte[] payload,
            int index,
            int count,
            boolean deprecateEof,
            int capabilities) {
        int first = payload.length == 0 ? -1 : payload[0] & 0xff;
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        if (first == ErrPacket.HEADER) {
            return ErrPacket.decode(buf);
        }
        if (section.name().equals("greeting")) {
            return HandshakeV10.decode(buf);
        }
        if (section.name().equals("COM_CHANGE_USER") && first == AuthSwitchRequest.HEADER) {
            AuthSwitchRequest request = AuthSwitchRequest.decode(buf);
            assertEquals("mysql_native_password", request.pluginName());
            return request;
        }
        if (first == 0xfe && payload.length < 9 && !deprecateEof) {
            return EofPacket.decode(buf);
        }
        boolean lastOfResponse = index == count - 1;
        if (first == 0xfe && deprecateEof && lastOfResponse) {
            OkPacket ok = OkPacket.decode(buf, capabilities);
            assertEquals(OkPacket.EOF_HEADER, ok.header());
            return ok;
        }
        boolean okAnswer = index == 0
                && first == 0x00
                && !section.name().startsWith("COM_STMT_PREPARE")
                && !section.name().equals("COM_STMT_FETCH");
        boolean okAfterUpload = section.name().contains("local infile") && lastOfResponse;
        if (okAnswer || okAfterUpload || section.name().equals("auth-result")) {
            return OkPacket.decode(buf, capabilities);
        }
        return null;
    }

    @Test
    void changeUserRoundTrips() {
        GoldenExchange exchange = GoldenExchange.load("mariadb-commands-deprecate-eof-on.golden");
        int capabilities = HandshakeResponse41.decode(Unpooled.wrappedBuffer(
                        exchange.section("handshake-response").only(true).payload()))
                .capabilities();
        byte[] bytes = exchange.section("COM_CHANGE_USER").only(true).payload();
        ComChangeUser changeUser = ComChangeUser.decode(Unpooled.wrappedBuffer(bytes), capabilities);
        assertEquals("app", changeUser.username());
        assertEquals("app", changeUser.database());
        assertEquals(45, changeUser.characterSet());
        assertEquals("mysql_native_password", changeUser.authPluginName());
        assertArrayEquals(bytes, encode(changeUser));
    }

    @Test
    void connectorJsSslRequestRoundTrips() {
        GoldenExchange exchange = GoldenExchange.load("connectorj-ssl-request.golden");
        byte[] bytes = exchange.section("ssl-request").only(true).payload();
        assertTrue(SslRequest.matches(Unpooled.wrappedBuffer(bytes)));
        SslRequest request = SslRequest.decode(Unpooled.wrappedBuffer(bytes));
        assertTrue(Capability.SSL.isSet(request.capabilities()));
        assertTrue(Capability.PROTOCOL_41.isSet(request.capabilities()));
        assertArrayEquals(bytes, encode(request));
    }

    /** caching_sha2_password's auth-more-data (no MariaDB capture has it): the three forms the proxy sends. */
    @Test
    void authMoreDataRoundTrips() {
        for (byte[] data : List.of(
                new byte[] {AuthMoreData.FAST_AUTH_SUCCESS},
                new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION},
                "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n".getBytes(StandardCharsets.US_ASCII))) {
            AuthMoreData packet = new AuthMoreData(data);
            byte[] bytes = encode(packet, 0);
            assertEquals(AuthMoreData.HEADER, bytes[0]);
            assertEquals(packet, AuthMoreData.decode(Unpooled.wrappedBuffer(bytes)));
        }
        assertTrue(new AuthMoreData(new byte[] {3}).isSingleByte(AuthMoreData.FAST_AUTH_SUCCESS));
    }

    @Test
    void everyCommandByteIsKnown() {
        for (String file : List.of(
                "mariadb-commands-deprecate-eof-on.golden",
                "mariadb-commands-deprecate-eof-off.golden",
                GoldenCapture.EXTENDED_METADATA_FILE)) {
            for (GoldenExchange.Section section : GoldenExchange.load(file).sections()) {
                if (section.name().startsWith("COM_")) {
                    CommandType type = CommandType.of(section.client().get(0).first());
                    assertNotNull(type, section.name());
                    assertTrue(section.name().startsWith("COM_" + type.name()), section.name() + " is " + type);
                }
            }
        }
        assertNull(CommandType.of(0xee));
    }

    @ParameterizedTest
    @MethodSource("files")
    void framesAreIdenticalWhateverTheSplit(String file) {
        EmbeddedChannel channel = new EmbeddedChannel(new PacketFrameDecoder());
        for (GoldenExchange.Section section : GoldenExchange.load(file).sections()) {
            for (List<GoldenExchange.Packet> side : List.of(section.client(), section.server())) {
                List<byte[]> frames = new ArrayList<>();
                ByteBuf stream = Unpooled.buffer();
                for (GoldenExchange.Packet packet : side) {
                    ByteBuf frame = packet.frame();
                    frames.add(ByteBufUtil.getBytes(frame));
                    stream.writeBytes(frame);
                    frame.release();
                }
                byte[] all = ByteBufUtil.getBytes(stream);
                stream.release();
                for (int split = 0; split <= all.length; split++) {
                    channel.writeInbound(Unpooled.wrappedBuffer(all, 0, split));
                    channel.writeInbound(Unpooled.wrappedBuffer(all, split, all.length - split));
                    for (int i = 0; i < frames.size(); i++) {
                        ByteBuf frame = channel.readInbound();
                        assertNotNull(frame, section.name() + ": frame " + i + " missing at split " + split);
                        try {
                            assertArrayEquals(
                                    frames.get(i),
                                    ByteBufUtil.getBytes(frame),
                                    section.name() + ": frame " + i + " at split " + split);
                        } finally {
                            frame.release();
                        }
                    }
                    assertNull(channel.readInbound(), section.name() + ": extra frame at split " + split);
                }
            }
        }
        assertFalse(channel.finish(), "bytes left over");
    }

    private static byte[] encode(ServerPacket packet, int capabilities) {
        return encodeWith(buf -> {
            packet.encode(buf, capabilities);
            return buf;
        });
    }

    private static byte[] encode(io.mysqlproxy.protocol.packet.ClientPacket packet) {
        return encodeWith(buf -> {
            packet.encode(buf);
            return buf;
        });
    }

    private static byte[] encodeWith(Function<ByteBuf, ByteBuf> writer) {
        ByteBuf buf = Unpooled.buffer();
        try {
            return ByteBufUtil.getBytes(writer.apply(buf));
        } finally {
            buf.release();
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
