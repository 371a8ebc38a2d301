package io.mysqlproxy.core.session;

/**
 * Where the client's current exchange stands in sequence ids, so that an error the proxy sends in
 * the middle of it (a lost backend, a kill, a protocol violation) carries the id the client expects
 * next: one past the last response packet relayed, or past the client's last packet before that.
 */
final class ClientSequence {

    private int lastClient;
    private boolean responded;
    private int lastResponse;

    /** A command starts: its first packet has sequence id 0, and nothing has been answered. */
    void commandStarted() {
        lastClient = 0;
        responded = false;
    }

    /** A further packet of the command (continuation or upload) arrived with {@code sequence}. */
    void clientPacket(int sequence) {
        lastClient = sequence;
    }

    /** Response packets up to {@code lastSequence} went to the client. */
    void relayed(int lastSequence) {
        responded = true;
        lastResponse = lastSequence;
    }

    /** A response the proxy renumbered itself went to the client. */
    void responded() {
        responded = true;
    }

    /** Whether any part of a response went to the client (then a read can no longer be retried elsewhere). */
    boolean hasResponded() {
        return responded;
    }

    /** Nothing is in exchange (an idle session): an error the proxy sends now starts at sequence id 0. */
    void idle() {
        responded = false;
        lastClient = -1;
    }

    /** The sequence id for an error sent now. */
    int next() {
        return ((responded ? lastResponse : lastClient) + 1) & 0xff;
    }
}
