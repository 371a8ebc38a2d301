package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A statement the client prepared (binary protocol), under the id the proxy gave it. The server
 * side exists per backend connection, prepared lazily where the statement is first executed, so
 * the statement keeps its text and each leg's own id. It also keeps the parameter types of the
 * last execution that sent them: a client sends types once, but a backend preparing the statement
 * later has never seen them.
 */
final class PreparedStatement {

    private final int clientId;
    private final byte[] sql;
    private final Classification classification;
    private final int parameters;
    private final Map<Leg, Integer> backendIds = new IdentityHashMap<>();
    private final Map<Leg, Integer> typesSeenBy = new IdentityHashMap<>();
    private byte[] types;
    private int typesVersion;
    /** Where SEND_LONG_DATA went since the last execution (the next EXECUTE must go there too). */
    private Leg longDataLeg;
    /** Where the last execution ran (an open cursor lives there). */
    private Leg lastLeg;

    PreparedStatement(int clientId, byte[] sql, Classification classification, int parameters) {
        this.clientId = clientId;
        this.sql = sql;
        this.classification = classification;
        this.parameters = parameters;
    }

    int clientId() {
        return clientId;
    }

    byte[] sql() {
        return sql;
    }

    Classification classification() {
        return classification;
    }

    int parameters() {
        return parameters;
    }

    /** The statement's id on {@code leg}, or null if it is not prepared there. */
    Integer backendId(Leg leg) {
        return backendIds.get(leg);
    }

    void preparedOn(Leg leg, int backendId) {
        backendIds.put(leg, backendId);
    }

    Map<Leg, Integer> backendIds() {
        return backendIds;
    }

    /** The client bound new types in an execution on {@code leg}. */
    void typesBound(Leg leg, byte[] newTypes) {
        types = newTypes;
        typesVersion++;
        typesSeenBy.put(leg, typesVersion);
    }

    /** The types {@code leg} lacks (it never saw the latest ones), or null. */
    byte[] typesMissingOn(Leg leg) {
        if (types == null) {
            return null;
        }
        Integer seen = typesSeenBy.get(leg);
        return seen != null && seen == typesVersion ? null : types;
    }

    void typesSent(Leg leg) {
        typesSeenBy.put(leg, typesVersion);
    }

    Leg longDataLeg() {
        return longDataLeg;
    }

    void longDataLeg(Leg leg) {
        this.longDataLeg = leg;
    }

    Leg lastLeg() {
        return lastLeg;
    }

    void lastLeg(Leg leg) {
        this.lastLeg = leg;
    }

    /** The leg is gone (released or broken): forget what lived on it. */
    void forget(Leg leg) {
        backendIds.remove(leg);
        typesSeenBy.remove(leg);
        if (longDataLeg == leg) {
            longDataLeg = null;
        }
        if (lastLeg == leg) {
            lastLeg = null;
        }
    }
}
