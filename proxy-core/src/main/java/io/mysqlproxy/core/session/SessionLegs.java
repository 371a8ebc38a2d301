package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.pool.IdlePreference;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.ServerStatus;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend connections a session holds: at most one leg per backend (the primary's, and one for
 * each replica it has read from), the leg its open transaction is on, and the leg that ran its
 * previous command. A leg stays with the session until the session ends, resets, has been idle for
 * a while or at a transaction boundary under multiplexing ({@link IdleLegReturn}), or the leg fails; prepared statements live on legs, so forgetting
 * a leg forgets their server ids there too.
 */
final class SessionLegs {

    private final SessionServices services;
    private final Leg.Owner owner;
    private final PreparedStatements statements;
    private Leg primary;
    private final Map<Backend, Leg> replicas = new IdentityHashMap<>();
    /** The leg whose last status said a transaction is open there, or null. */
    private Leg transactionLeg;
    /** The leg that ran the previous client command. */
    private Leg previousLeg;
    /** Under transaction multiplexing, the imprints legs given back leave on their connections; else null. */
    private LegImprints imprints;

    SessionLegs(SessionServices services, Leg.Owner owner, PreparedStatements statements) {
        this.services = services;
        this.owner = owner;
        this.statements = statements;
    }

    /** Legs given back from now on keep their state, without a reset, for the next borrower ({@link LegImprints}). */
    void multiplex(LegImprints imprints) {
        this.imprints = imprints;
    }

    /** Whether the session gives its legs back at every transaction boundary. */
    boolean multiplexing() {
        return imprints != null;
    }

    /** Which idle connection the session prefers to borrow. */
    IdlePreference preference() {
        return imprints != null ? imprints : IdlePreference.CLEAN_FIRST;
    }

    /** The primary leg, or null while the session has none. */
    Leg primary() {
        return primary;
    }

    Leg transactionLeg() {
        return transactionLeg;
    }

    Leg previousLeg() {
        return previousLeg;
    }

    /**
     * The leg a {@link RouteTarget#TRANSACTION} or {@link RouteTarget#PREVIOUS} decision follows while the
     * session still has it usable, else null: then the primary serves.
     */
    Leg following(RouteTarget target) {
        Leg leg = target == RouteTarget.TRANSACTION ? transactionLeg : previousLeg;
        return leg != null && !leg.released() ? leg : null;
    }

    /** The session's usable leg on {@code backend}, or null. */
    Leg on(Backend backend) {
        Leg leg = backend.role() == BackendRole.PRIMARY ? primary : replicas.get(backend);
        // After a promotion the primary leg may still be on the old primary.
        return leg != null && !leg.released() && leg.backend() == backend ? leg : null;
    }

    /**
     * Makes {@code connection}, borrowed from {@code backend}'s pool, the session's leg there. A
     * primary leg left on a former primary goes back to its pool.
     */
    Leg adopt(Backend backend, BackendConnection connection) {
        Leg leg = new Leg(backend, services.pool(backend), connection, owner);
        if (imprints != null) {
            imprints.arriving(leg);
        } else if (connection.imprint() != null) {
            leg.needsReset(true); // another session's state, which this one cannot tell apart from its own
            connection.imprint(null);
        }
        if (backend.role() == BackendRole.PRIMARY) {
            if (primary != null) {
                release(List.of(primary));
            }
            primary = leg;
        } else {
            replicas.put(backend, leg);
        }
        return leg;
    }

    /** {@code leg} answered a client command with {@code status}: the next PREVIOUS or TRANSACTION route follows it. */
    void ran(Leg leg, int status) {
        previousLeg = leg;
        if (ServerStatus.IN_TRANS.isSet(status)) {
            transactionLeg = leg;
        } else if (transactionLeg == leg) {
            transactionLeg = null;
        }
    }

    /** The session starts over (reset or new user): no transaction and no previous command to follow. */
    void startOver() {
        transactionLeg = null;
        previousLeg = null;
        if (imprints != null) {
            imprints.startOver();
        }
    }

    /** Forgets a leg and what lived on it (the caller releases or discards it). */
    void drop(Leg leg) {
        if (leg == primary) {
            primary = null;
        } else {
            replicas.remove(leg.backend(), leg);
        }
        if (transactionLeg == leg) {
            transactionLeg = null;
        }
        if (previousLeg == leg) {
            previousLeg = null;
        }
        statements.forget(leg);
    }

    /** Whether the session holds any backend connection. */
    boolean holdsAny() {
        return primary != null || !replicas.isEmpty();
    }

    /** The legs the session holds now, the primary's first. */
    List<Leg> held() {
        List<Leg> held = all();
        held.removeIf(Leg::released);
        return held;
    }

    /** The replica legs, as a copy the caller may release from. */
    List<Leg> replicaLegs() {
        return new ArrayList<>(replicas.values());
    }

    /**
     * Gives one leg back to its pool and forgets it: with its imprint under transaction multiplexing (the
     * caller has checked that nothing holds it), else to be reset there.
     */
    void giveBack(Leg leg) {
        BackendConnection connection = leg.connection();
        // Warnings or an error are the server's to show (SHOW WARNINGS) until a statement runs: a connection
        // with some, though the session has moved on to another leg, is reset rather than handed on.
        boolean diagnostics = connection.lastWarnings() > 0 || connection.lastResponseFailed();
        if (imprints != null && !leg.needsReset() && !diagnostics) {
            leg.connection().imprint(imprints.leaving(leg));
        }
        release(List.of(leg));
    }

    /** Gives the replica legs back to their pools (reset there); the primary leg stays. */
    void releaseReplicas() {
        release(new ArrayList<>(replicas.values()));
    }

    /** The session ends normally: legs go back to their pools (reset there). */
    void releaseAll() {
        release(all());
    }

    /** The session ends abnormally: legs are closed, not reused. */
    void discardAll() {
        for (Leg leg : all()) {
            drop(leg);
            leg.discard();
        }
    }

    /** Backpressure: legs read from their servers only while the client can take more bytes. */
    void autoRead(boolean read) {
        if (primary != null) {
            primary.connection().setAutoRead(read);
        }
        for (Leg leg : replicas.values()) {
            leg.connection().setAutoRead(read);
        }
    }

    private void release(List<Leg> legs) {
        for (Leg leg : legs) {
            drop(leg);
            leg.release();
        }
    }

    private List<Leg> all() {
        List<Leg> all = new ArrayList<>(replicas.size() + 1);
        if (primary != null) {
            all.add(primary);
        }
        all.addAll(replicas.values());
        return all;
    }
}
