package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.netty.buffer.ByteBuf;

/** The answers the proxy sends the client itself, for a command it answers or a response it rebuilt. */
interface ClientReplies {

    /** An OK carrying the session's status flags. */
    void replyOk(int sequence);

    /** An OK saying more results follow: the proxy answered the first statement of a multi-statement. */
    void replyOkMoreResults(int sequence);

    void reply(ErrPacket error, int sequence);

    /** How many errors {@link #reply(ErrPacket, int)} sent so far: whether a command the proxy answered failed. */
    long errorsReplied();

    /** A result set the proxy computed (its admin statements). */
    void reply(TextResultSet result);

    /** A whole response the proxy collected and renumbered (a COM_STMT_PREPARE's); this takes it. */
    void respond(ByteBuf response);
}
