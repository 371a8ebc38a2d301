package io.mysqlproxy.core.server;

import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The error a client gets for a failure during its handshake. Only the proxy's own words on the
 * client's bytes reach the client; the network's, TLS's and the proxy's own failures stay in the
 * log (the last with its stack, and the connection id for the client to quote).
 */
final class HandshakeFailure {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandshakeHandler.class);

    private HandshakeFailure() {}

    static ErrPacket answer(Throwable cause, int maxPacketBeforeLogin, long connectionId, String remote) {
        if (cause instanceof TooLongFrameException) {
            log.info("[conn {}] {}: closing during handshake: {}", connectionId, remote, cause.toString());
            return ProxyErrors.packetTooLarge(maxPacketBeforeLogin);
        }
        if (cause instanceof ProtocolException) {
            log.info(
                    "[conn {}] {}: closing during handshake: {}",
                    connectionId,
                    remote,
                    LogText.escape(cause.getMessage()));
            return ProxyErrors.badHandshake(cause.getMessage());
        }
        if (cause instanceof IOException || cause instanceof DecoderException) {
            log.info("[conn {}] {}: closing during handshake: {}", connectionId, remote, cause.toString());
            return ProxyErrors.badHandshake("the connection failed");
        }
        log.warn("[conn {}] {}: unexpected failure during handshake", connectionId, remote, cause);
        return ProxyErrors.internalError(connectionId);
    }
}
