package io.mysqlproxy.core.route;

import java.util.Objects;

/** The router's answer: a target and the reason. Instances are shared, so routing allocates nothing. */
public record RouteDecision(RouteTarget target, RouteReason reason) {

    private static final RouteDecision[][] SHARED = new RouteDecision[RouteTarget.values().length][];

    static {
        for (RouteTarget target : RouteTarget.values()) {
            SHARED[target.ordinal()] = new RouteDecision[RouteReason.values().length];
            for (RouteReason reason : RouteReason.values()) {
                SHARED[target.ordinal()][reason.ordinal()] = new RouteDecision(target, reason);
            }
        }
    }

    public RouteDecision {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(reason, "reason");
    }

    public static RouteDecision of(RouteTarget target, RouteReason reason) {
        return SHARED[target.ordinal()][reason.ordinal()];
    }

    public static RouteDecision primary(RouteReason reason) {
        return of(RouteTarget.PRIMARY, reason);
    }

    @Override
    public String toString() {
        return target.label() + " (" + reason.label() + ")";
    }
}
