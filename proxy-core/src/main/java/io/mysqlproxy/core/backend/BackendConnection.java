package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/**
 * An authenticated connection to one backend, in the command phase. It carries commands out as
 * frames and response bytes back to the {@link ResponseSink} attached to it, and knows nothing
 * else of the session using it. Used on its channel's event loop only.
 */
public final class BackendConnection {

    static final String FRAMES = "frames";
    static final String HANDSHAKE = "handshake";
    static final String RELAY = "relay";

    private final Channel channel;
    private final String address;
    private final HandshakeV10 greeting;
    private final int capabilities;
    private final OkPacket loginOk;
    private final ResponseTracker tracker;

    BackendConnection(Channel channel, String address, HandshakeV10 greeting, int capabilities, OkPacket loginOk) {
        this.channel = channel;
        this.address = address;
        this.greeting = greeting;
        this.capabilities = capabilities;
        this.loginOk = loginOk;
        this.tracker = new ResponseTracker(Capability.DEPRECATE_EOF.isSet(capabilities));
    }

    /** Routes this connection's responses to {@code sink}: from here on, bytes are relayed, not framed. */
    public void attach(ResponseSink sink) {
        channel.pipeline().replace(FRAMES, RELAY, new BackendRelayHandler(tracker, sink));
    }

    /** Stops relaying to the attached sink (before a deliberate close it should not hear about). */
    public void detach() {
        if (channel.pipeline().get(RELAY) != null) {
            channel.pipeline().remove(RELAY);
        }
    }

    /** Starts tracking the response to a command about to be sent; false when it has no response. */
    public boolean beginCommand(CommandType command) {
        return tracker.begin(command);
    }

    /** Queues a frame (the connection takes ownership); call {@link #flush()} to send. */
    public void write(ByteBuf frame) {
        channel.write(frame, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    public ChannelFuture close() {
        return channel.close();
    }

    public Channel channel() {
        return channel;
    }

    public String address() {
        return address;
    }

    public HandshakeV10 greeting() {
        return greeting;
    }

    public int capabilities() {
        return capabilities;
    }

    /** The OK that ended the login: its status flags (autocommit) are the session's starting state. */
    public OkPacket loginOk() {
        return loginOk;
    }

    @Override
    public String toString() {
        return "backend " + address + " (server connection " + greeting.connectionId() + ")";
    }
}
