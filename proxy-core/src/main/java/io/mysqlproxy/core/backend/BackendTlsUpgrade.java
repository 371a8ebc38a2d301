package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.SslRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

import javax.net.ssl.SSLSession;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

/**
 * Turns one backend login into a TLS one after the greeting, as a MySQL client does: the SSLRequest
 * (the fixed part of the handshake response, with CLIENT_SSL) in clear text, then the TLS handshake;
 * the login proper follows only once the server's certificate has passed the mode's checks, so a
 * server refused here receives no user name and nothing derived from the password.
 */
final class BackendTlsUpgrade {

    /** What to do with a greeting. */
    enum Decision {
        PLAIN,
        TLS,
        REFUSE
    }

    private final BackendTlsContext context;
    private final HostPort target;
    private long startedMillis;

    BackendTlsUpgrade(BackendTlsContext context, HostPort target) {
        this.context = context;
        this.target = target;
    }

    BackendTlsMode mode() {
        return context.mode();
    }

    /** TLS if the mode wants it and the server offers it; refused if the mode requires it and it does not. */
    Decision decide(int serverCapabilities) {
        if (context.mode() == BackendTlsMode.DISABLED) {
            return Decision.PLAIN;
        }
        if (Capability.SSL.isSet(serverCapabilities)) {
            return Decision.TLS;
        }
        return context.mode().required() ? Decision.REFUSE : Decision.PLAIN;
    }

    /**
     * Sends {@code request} (sequence id {@code sequenceId}) and starts TLS; the returned future
     * completes when the handshake has, or fails with why it did not.
     */
    Future<Channel> start(ChannelHandlerContext ctx, SslRequest request, int sequenceId) {
        // Written before the TLS handler exists, so it leaves in clear text, as the server expects it.
        ctx.writeAndFlush(request.toFrame(ctx.alloc(), sequenceId));
        SslHandler tls = context.newHandler(ctx.alloc(), target.host(), target.port());
        // The connector's own deadline bounds greeting, TLS and login together, with one message.
        tls.setHandshakeTimeoutMillis(0);
        startedMillis = System.currentTimeMillis();
        ctx.pipeline().addFirst(BackendConnection.TLS, tls);
        return tls.handshakeFuture();
    }

    /** The session the handshake of {@link #start} made. */
    BackendTlsSession session(ChannelHandlerContext ctx) {
        SSLSession session = ((SslHandler) ctx.pipeline().get(BackendConnection.TLS))
                .engine()
                .getSession();
        // A resumed session is the one cached from an earlier handshake, created before this one began.
        return new BackendTlsSession(
                session.getProtocol(), session.getCipherSuite(), session.getCreationTime() < startedMillis);
    }

    /** Why a TLS handshake failed, in an operator's words (the log adds the exception's own). */
    String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return "certificate not signed by the configured CA (backends.tls.ca)";
            }
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return "certificate outside its validity period";
            }
            if (t instanceof NotSslRecordException) {
                return "the server offered TLS but did not answer the TLS handshake";
            }
            String message = String.valueOf(t.getMessage());
            if (message.contains("subject alternative") || message.contains("No name matching")) {
                return "certificate does not name the host connected to, " + target.host();
            }
        }
        return "handshake failed";
    }
}
