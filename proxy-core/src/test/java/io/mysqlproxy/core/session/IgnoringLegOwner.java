package io.mysqlproxy.core.session;

import io.netty.buffer.ByteBuf;

/** A leg's owner for tests that only look at a leg's bookkeeping: what the leg forwards is released, the rest ignored. */
final class IgnoringLegOwner implements Leg.Owner {
    @Override
    public void forward(Leg leg, ByteBuf bytes, int lastSequenceId) {
        bytes.release();
    }

    @Override
    public void responseComplete(Leg leg, int status, boolean failed) {}

    @Override
    public void localInfileRequested(Leg leg) {}

    @Override
    public void flushClient() {}

    @Override
    public void legWritabilityChanged() {}

    @Override
    public void legFailed(Leg leg, String reason) {}

    @Override
    public boolean mayResend(Leg leg) {
        return false;
    }
}
