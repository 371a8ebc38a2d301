package io.mysqlproxy.core.server;

import io.netty.channel.ChannelHandlerContext;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;

/** What the login stage knows of the client before it is anyone: where it is, and the nonce it is greeted with. */
final class ClientEndpoint {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ClientEndpoint() {}

    /** The client's address and port, for the log. */
    static String remote(ChannelHandlerContext ctx) {
        SocketAddress address = ctx.channel().remoteAddress();
        return address instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : String.valueOf(address);
    }

    /** The client's address, as accounts' host patterns and the failed-login counts see it. */
    static String host(ChannelHandlerContext ctx) {
        SocketAddress address = ctx.channel().remoteAddress();
        return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : "unknown";
    }

    /** 20 random printable bytes, never NUL, as MySQL's own nonce. */
    static byte[] newNonce() {
        byte[] bytes = new byte[20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (0x21 + RANDOM.nextInt(0x7e - 0x21));
        }
        return bytes;
    }
}
