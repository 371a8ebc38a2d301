package io.mysqlproxy.core.session;

/**
 * Where the client's current exchange stands in sequence ids, so that an error the proxy sends in
 * the middle of it (a lost backend, a kill, a protocol violation) carries the id the client expects
 * next: one past the last response packet relayed, or past the client's last packet before that.
 */
final class ClientSequence {

    private int lastClient;
    private int lastResponse;
    /** Whether the exchange's last packet was the proxy's (else the client's). */
    private boolean lastWasResponse;
    /** Whether any part of a response went to the client since the command started. */
    private boolean responded;

    /** A command starts: its first packet has sequence id 0, and nothing has been answered. */
    void commandStarted() {
        lastClient = 0;
        lastWasResponse = false;
        responded = false;
    }

    /**
     * A further packet of the client's (a continuation, an upload, an answer in an auth exchange)
     * arrived with {@code sequence}: the last packet of the exchange is the client's now.
     */
    void clientPacket(int sequence) {
        lastClient = sequence;
        lastWasResponse = false;
    }

    /** Response packets up to {@code lastSequence} went to the client. */
    void relayed(int lastSequence) {
        lastResponse = lastSequence;
        lastWasResponse = true;
        responded = true;
    }

    /** A response the proxy renumbered itself went to the client. */
    void responded() {
        lastWasResponse = true;
        responded = true;
    }

    /** Whether any part of a response went to the client (then a read can no longer be retried elsewhere). */
    boolean hasResponded() {
        return responded;
    }

    /** Nothing is in exchange (an idle session): an error the proxy sends now starts at sequence id 0. */
    void idle() {
        lastClient = -1;
        lastWasResponse = false;
        responded = false;
    }

    /** The sequence id for an error sent now. */
    int next() {
        return ((lastWasResponse ? lastResponse : lastClient) + 1) & 0xff;
    }
}
