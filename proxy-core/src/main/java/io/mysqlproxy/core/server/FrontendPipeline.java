package io.mysqlproxy.core.server;

/** Names of the client channel's pipeline stages, in order. */
public final class FrontendPipeline {

    public static final String TLS = "tls";
    public static final String FRAMES = "frames";
    public static final String HANDSHAKE = "handshake";
    public static final String SESSION = "session";

    private FrontendPipeline() {
    }
}
