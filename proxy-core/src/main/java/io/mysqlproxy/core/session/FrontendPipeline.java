package io.mysqlproxy.core.session;

/** Names of the client channel's pipeline stages, in order. */
public final class FrontendPipeline {

    public static final String TLS = "tls";
    public static final String FRAMES = "frames";
    /** Present only while the client authenticates: first the handshake, later a COM_CHANGE_USER. */
    public static final String HANDSHAKE = "handshake";

    public static final String CHANGE_USER = "change-user";
    /** Sorts frames into commands, their 16 MiB continuations and LOCAL INFILE uploads. */
    public static final String COMMAND_FRAMES = "command-frames";

    public static final String SESSION = "session";

    private FrontendPipeline() {}
}
