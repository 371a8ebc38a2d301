package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.SslRequest;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The proxy as a client: reads the backend's greeting and logs in with the client's account and its
 * {@link io.mysqlproxy.core.auth.BackendSecret} (a secret that cannot answer what the server asks, such as a
 * learned mysql_native_password hash asked for the password in full, sends nothing), in TLS first
 * when {@link BackendTlsUpgrade} says so, answering only with the account's configured plugin (an auth
 * switch to another is refused), and through caching_sha2_password's fast and full paths, where
 * {@link PasswordPolicy} decides whether the password itself may go. Completes the promise with a ready
 * {@link BackendConnection}, or fails it with the ERR the client should see.
 */
final class BackendHandshakeHandler extends ChannelInboundHandlerAdapter {

    private enum State {
        GREETING,
        TLS,
        AUTH_RESULT,
        PUBLIC_KEY,
        /** Answered MySQL's sha256_password decoy with an empty password: only its ERR is expected. */
        DECOY,
        DONE
    }

    private static final Logger log = LoggerFactory.getLogger(BackendHandshakeHandler.class);
    private static final String SHA256_PASSWORD = "sha256_password";
    private static final int MAX_PACKET_SIZE = 1 << 30;

    private final String address;
    private final BackendLogin login;
    private final PasswordPolicy policy;
    private final Promise<BackendConnection> promise;
    private final BackendTlsUpgrade tls;
    private State state = State.GREETING;
    private HandshakeV10 greeting;
    private int capabilities;
    private int mariaDbCapabilities;
    private byte[] nonce;
    private BackendTlsSession tlsSession;

    /** A login in clear text whatever the server offers. */
    BackendHandshakeHandler(
            String address, BackendLogin login, PasswordPolicy policy, Promise<BackendConnection> promise) {
        this(address, login, policy, promise, new BackendTlsUpgrade(BackendTlsContext.disabled(), null));
    }

    BackendHandshakeHandler(
            String address,
            BackendLogin login,
            PasswordPolicy policy,
            Promise<BackendConnection> promise,
            BackendTlsUpgrade tls) {
        this.address = address;
        this.login = login;
        this.policy = policy;
        this.promise = promise;
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            handle(ctx, Packets.sequenceId(frame), Packets.payload(frame));
        } catch (ProtocolException | IndexOutOfBoundsException e) {
            fail(ctx, ProxyErrors.backendProtocolError(address, "during authentication: " + e.getMessage()), e);
        } finally {
            frame.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, int sequenceId, ByteBuf payload) {
        int first = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        if (first == ErrPacket.HEADER) {
            fail(ctx, ErrPacket.decode(payload), null);
            return;
        }
        switch (state) {
            case GREETING -> sendLogin(ctx, sequenceId, HandshakeV10.decode(payload));
            case AUTH_RESULT -> authResult(ctx, sequenceId, first, payload);
            case PUBLIC_KEY -> {
                byte[] pem = AuthMoreData.decode(payload).data();
                // Only asked for after fullAuthentication found the password in the secret.
                byte[] encrypted = RsaPasswordCipher.encrypt(
                        login.secret().password().orElseThrow(),
                        nonce,
                        RsaPasswordCipher.fromPem(new String(pem, StandardCharsets.US_ASCII)));
                state = State.AUTH_RESULT;
                write(ctx, sequenceId + 1, encrypted);
            }
            case DECOY -> fail(ctx, policy.pluginRefused(address, login, SHA256_PASSWORD), null);
            case TLS -> throw new ProtocolException("unexpected packet during the TLS handshake");
            case DONE -> throw new ProtocolException("unexpected packet after authentication");
        }
    }

    private void sendLogin(ChannelHandlerContext ctx, int sequenceId, HandshakeV10 hello) {
        greeting = hello;
        nonce = hello.scramble();
        boolean withDatabase = login.database() != null && !login.database().isEmpty();
        capabilities = BackendCapabilities.forBackend(login.clientCapabilities(), hello.capabilities(), withDatabase);
        mariaDbCapabilities = BackendCapabilities.mariaDbForBackend(
                login.clientMariaDbCapabilities(), hello.capabilities(), hello.mariaDbCapabilities());
        if ((capabilities & BackendCapabilities.FORMAT) != (login.clientCapabilities() & BackendCapabilities.FORMAT)
                || mariaDbCapabilities
                        != (login.clientMariaDbCapabilities() & BackendCapabilities.MARIADB_PASS_THROUGH)) {
            fail(
                    ctx,
                    ProxyErrors.cannotConnect(
                            address,
                            "backend capabilities 0x" + Integer.toHexString(hello.capabilities())
                                    + " (MariaDB 0x" + Integer.toHexString(hello.mariaDbCapabilities())
                                    + ") cannot carry the client's protocol options"),
                    null);
            return;
        }
        switch (tls.decide(hello.capabilities())) {
            case PLAIN -> sendResponse(ctx, sequenceId + 1);
            case REFUSE -> {
                String reason = "the server does not offer TLS and backends.tls.mode = "
                        + tls.mode().label();
                log.warn("backend {} refused: {}; nothing of the login was sent", address, reason);
                fail(ctx, ProxyErrors.cannotConnect(address, reason), null);
            }
            case TLS -> startTls(ctx, sequenceId + 1);
        }
    }

    /** SSLRequest, TLS handshake, then the handshake response inside TLS with the next sequence id. */
    private void startTls(ChannelHandlerContext ctx, int sequenceId) {
        // Bytes after the greeting were sent before TLS, by the server or by someone on the path; kept, they
        // would be read as the start of what the verified server says next (STARTTLS injection).
        ByteBuf early = ((PacketFrameDecoder) ctx.pipeline().get(BackendConnection.FRAMES)).takeBuffered();
        boolean injected = early.isReadable();
        early.release();
        if (injected) {
            fail(ctx, ProxyErrors.backendProtocolError(address, "data after the greeting, before TLS"), null);
            return;
        }
        state = State.TLS;
        capabilities |= Capability.SSL.mask();
        SslRequest request = new SslRequest(capabilities, MAX_PACKET_SIZE, login.characterSet(), mariaDbCapabilities);
        tls.start(ctx, request, sequenceId).addListener(f -> {
            if (state != State.TLS || promise.isDone()) {
                return; // failed already (the connector's deadline closed the channel): nothing was refused
            }
            if (f.isSuccess()) {
                tlsSession = tls.session(ctx);
                sendResponse(ctx, sequenceId + 1);
            } else {
                tlsFailed(ctx, f.cause());
            }
        });
    }

    private void tlsFailed(ChannelHandlerContext ctx, Throwable cause) {
        String reason = "TLS: " + tls.reason(cause);
        log.warn(
                "backend {} refused under backends.tls.mode = {}, {}; nothing of the login was sent ({})",
                address,
                tls.mode().label(),
                reason,
                String.valueOf(cause));
        fail(ctx, ProxyErrors.cannotConnect(address, reason), cause);
    }

    private void sendResponse(ChannelHandlerContext ctx, int sequenceId) {
        // The account's plugin, whatever the greeting names: a server whose account uses it takes it as is.
        AuthPlugin plugin = login.authPlugin();
        Optional<byte[]> scramble = login.secret().scramble(plugin, nonce);
        if (scramble.isEmpty()) {
            fail(ctx, policy.secretCannotAnswer(address, login, plugin.wireName()), null);
            return;
        }
        boolean withDatabase = login.database() != null && !login.database().isEmpty();
        HandshakeResponse41 response = new HandshakeResponse41(
                capabilities,
                MAX_PACKET_SIZE,
                login.characterSet(),
                mariaDbCapabilities,
                login.user(),
                scramble.get(),
                withDatabase ? login.database() : null,
                plugin.wireName(),
                login.attributes());
        state = State.AUTH_RESULT;
        ctx.writeAndFlush(response.toFrame(ctx.alloc(), sequenceId));
    }

    private void authResult(ChannelHandlerContext ctx, int sequenceId, int first, ByteBuf payload) {
        switch (first) {
            case OkPacket.HEADER -> {
                state = State.DONE;
                OkPacket ok = OkPacket.decode(payload, capabilities);
                ctx.pipeline().remove(this);
                promise.trySuccess(
                        new BackendConnection(ctx.channel(), address, greeting, capabilities, ok, login, tlsSession));
            }
            case AuthSwitchRequest.HEADER -> {
                AuthSwitchRequest request = AuthSwitchRequest.decode(payload);
                if (SHA256_PASSWORD.equals(request.pluginName())) {
                    // MySQL's decoy for a user it does not know; no account here uses sha256_password. An
                    // empty password (one NUL) carries nothing of the real one and gets the server's own
                    // 1045, which is what the client should see; any other answer is refused.
                    state = State.DECOY;
                    write(ctx, sequenceId + 1, new byte[] {0});
                    return;
                }
                if (AuthPlugin.byWireName(request.pluginName()) == null) {
                    fail(
                            ctx,
                            ProxyErrors.cannotConnect(
                                    address,
                                    "backend requires auth plugin '" + request.pluginName()
                                            + "', which mysql-proxy does not speak"),
                            null);
                    return;
                }
                if (!request.pluginName().equals(login.authPlugin().wireName())) {
                    fail(ctx, policy.pluginRefused(address, login, request.pluginName()), null);
                    return;
                }
                nonce = request.scramble();
                Optional<byte[]> scramble = login.secret().scramble(login.authPlugin(), nonce);
                if (scramble.isEmpty()) {
                    fail(ctx, policy.secretCannotAnswer(address, login, request.pluginName()), null);
                    return;
                }
                write(ctx, sequenceId + 1, scramble.get());
            }
            case AuthMoreData.HEADER -> {
                AuthMoreData more = AuthMoreData.decode(payload);
                if (more.isSingleByte(AuthMoreData.PERFORM_FULL_AUTHENTICATION)
                        && login.authPlugin() == AuthPlugin.CACHING_SHA2_PASSWORD) {
                    fullAuthentication(ctx, sequenceId);
                } else if (!more.isSingleByte(AuthMoreData.FAST_AUTH_SUCCESS)) {
                    throw new ProtocolException("unexpected auth-more-data of " + more.data().length + " bytes");
                }
            }
            default ->
                throw new ProtocolException(
                        "unexpected packet 0x" + Integer.toHexString(first) + " during authentication");
        }
    }

    private void fullAuthentication(ChannelHandlerContext ctx, int sequenceId) {
        PasswordPolicy.Transport transport = ctx.pipeline().get(SslHandler.class) == null
                ? PasswordPolicy.Transport.CLEAR
                : tls.mode().verifiesCertificate()
                        ? PasswordPolicy.Transport.TLS_VERIFIED
                        : PasswordPolicy.Transport.TLS_UNVERIFIED;
        Optional<byte[]> password = login.secret().password();
        if (password.isEmpty()) {
            fail(ctx, policy.secretCannotAnswer(address, login, "the password in full"), null);
            return;
        }
        PasswordPolicy.FullAuth answer = policy.fullAuthentication(address, transport, password.get(), nonce);
        switch (answer.action()) {
            case SEND -> write(ctx, sequenceId + 1, answer.payload());
            case ASK_FOR_KEY -> {
                state = State.PUBLIC_KEY;
                write(ctx, sequenceId + 1, new byte[] {2});
            }
            case REFUSE -> fail(ctx, answer.refusal(), null);
        }
    }

    private void write(ChannelHandlerContext ctx, int sequenceId, byte[] payload) {
        ByteBuf frame = Packets.start(ctx.alloc());
        frame.writeBytes(payload);
        ctx.writeAndFlush(Packets.finish(frame, sequenceId));
    }

    private void fail(ChannelHandlerContext ctx, ErrPacket error, Throwable cause) {
        state = State.DONE;
        promise.tryFailure(new BackendException(error, cause));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            fail(ctx, ProxyErrors.cannotConnect(address, "connection closed during authentication"), null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.TLS) {
            tlsFailed(ctx, cause);
            return;
        }
        fail(ctx, ProxyErrors.cannotConnect(address, String.valueOf(cause.getMessage())), cause);
    }
}
