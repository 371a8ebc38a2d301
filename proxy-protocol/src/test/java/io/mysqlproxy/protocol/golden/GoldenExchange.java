package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A golden exchange file (see {@link GoldenCapture}): sections of client and server packets. */
record GoldenExchange(String file, List<Section> sections) {

    record Packet(boolean fromClient, int sequenceId, byte[] payload) {

        /** The packet as a frame, header included, in a new unpooled buffer. */
        ByteBuf frame() {
            ByteBuf buf = Unpooled.buffer(payload.length + 4);
            return buf.writeMediumLE(payload.length).writeByte(sequenceId).writeBytes(payload);
        }

        int first() {
            return payload.length == 0 ? -1 : payload[0] & 0xff;
        }
    }

    record Section(String name, List<Packet> packets) {

        List<Packet> server() {
            return packets.stream().filter(p -> !p.fromClient()).toList();
        }

        List<Packet> client() {
            return packets.stream().filter(Packet::fromClient).toList();
        }

        Packet only(boolean fromClient) {
            List<Packet> matching = fromClient ? client() : server();
            if (matching.size() != 1) {
                throw new IllegalStateException(name + " has " + matching.size() + " packets from that side");
            }
            return matching.get(0);
        }

        /** All server packets as one byte stream, as they came off the socket. */
        byte[] serverBytes() {
            ByteBuf out = Unpooled.buffer();
            for (Packet packet : server()) {
                ByteBuf frame = packet.frame();
                out.writeBytes(frame);
                frame.release();
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            out.release();
            return bytes;
        }
    }

    static final List<String> FILES = List.of(
            "mariadb-commands-deprecate-eof-on.golden",
            "mariadb-commands-deprecate-eof-off.golden",
            GoldenCapture.EXTENDED_METADATA_FILE,
            "connectorj-login.golden");

    static GoldenExchange load(String file) {
        try (InputStream in = GoldenExchange.class.getResourceAsStream("/golden/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no golden file " + file);
            }
            List<Section> sections = new ArrayList<>();
            String name = null;
            List<Packet> packets = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("= ")) {
                    if (name != null) {
                        sections.add(new Section(name, List.copyOf(packets)));
                    }
                    name = line.substring(2).trim();
                    packets = new ArrayList<>();
                    continue;
                }
                String[] parts = line.split(" ", 3);
                byte[] payload = parts.length > 2 ? HexFormat.of().parseHex(parts[2].trim()) : new byte[0];
                packets.add(new Packet(parts[0].equals("C"), Integer.parseInt(parts[1], 16), payload));
            }
            sections.add(new Section(name, List.copyOf(packets)));
            return new GoldenExchange(file, List.copyOf(sections));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Section section(String name) {
        return sections.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(file + " has no section " + name));
    }

    /** The client's login of the exchange. */
    HandshakeResponse41 login() {
        return HandshakeResponse41.decode(
                Unpooled.wrappedBuffer(section("handshake-response").only(true).payload()));
    }

    /** The capabilities the exchange negotiated: the client's, less any the server did not offer. */
    int capabilities() {
        return login().capabilities() & greeting().capabilities();
    }

    /** MariaDB's extended capabilities the exchange negotiated: 0 unless both sides cleared CLIENT_MYSQL. */
    int mariaDbCapabilities() {
        HandshakeV10 greeting = greeting();
        HandshakeResponse41 login = login();
        boolean mariaDb = !Capability.LONG_PASSWORD.isSet(greeting.capabilities())
                && !Capability.LONG_PASSWORD.isSet(login.capabilities());
        return mariaDb ? login.mariaDbCapabilities() & greeting.mariaDbCapabilities() : 0;
    }

    boolean deprecateEof() {
        return Capability.DEPRECATE_EOF.isSet(capabilities());
    }

    /** The server's greeting of the exchange. */
    HandshakeV10 greeting() {
        return HandshakeV10.decode(
                Unpooled.wrappedBuffer(section("greeting").only(false).payload()));
    }
}
