package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.packet.ErrPacket;

/** The end of an asynchronous step a session runs on one of its legs before a client command. */
interface LegSteps {

    /** The step is done; the command may go on. */
    void done();

    /** The server refused the step with {@code error}. */
    void refused(ErrPacket error);
}
