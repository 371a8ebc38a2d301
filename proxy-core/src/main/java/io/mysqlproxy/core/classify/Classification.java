package io.mysqlproxy.core.classify;

import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The result of classifying one statement text: its kind, its {@link StatementFlag} bits and the
 * routing hint found in its comments.
 *
 * <p>Results without flags are shared instances (see {@link #of}), so classifying the usual
 * SELECT / INSERT / UPDATE / BEGIN / COMMIT allocates nothing.
 */
public record Classification(StatementKind kind, int flags, RouteHint hint) {

    private static final Classification[][] FLAGLESS = new Classification[StatementKind.values().length][];

    static {
        for (StatementKind kind : StatementKind.values()) {
            Classification[] byHint = new Classification[RouteHint.values().length];
            for (RouteHint hint : RouteHint.values()) {
                byHint[hint.ordinal()] = new Classification(kind, 0, hint);
            }
            FLAGLESS[kind.ordinal()] = byHint;
        }
    }

    public Classification {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(hint, "hint");
    }

    /** A classification, shared when {@code flags} is zero. */
    public static Classification of(StatementKind kind, int flags, RouteHint hint) {
        return flags == 0 ? FLAGLESS[kind.ordinal()][hint.ordinal()] : new Classification(kind, flags, hint);
    }

    public boolean has(StatementFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    /** Whether some flag says this statement must run on the primary. */
    public boolean isPrimaryRequired() {
        return (flags & StatementFlag.PRIMARY_REQUIRED_MASK) != 0;
    }

    /**
     * True only for a plain read (or a MULTI made only of plain reads) that carries no primary-required
     * flag and no {@code route=primary} hint: the one case a replica may serve.
     */
    public boolean isReplicaSafe() {
        return (kind == StatementKind.READ || kind == StatementKind.MULTI)
                && !isPrimaryRequired()
                && hint != RouteHint.PRIMARY;
    }

    /**
     * Whether running the statement may change data: writes, DDL, CALL, statements not recognised,
     * and multi-statements that are not plain reads. Session SETs, transaction control and locking
     * reads do not.
     */
    public boolean mayWrite() {
        return switch (kind) {
            case WRITE, DDL, CALL, UNKNOWN -> true;
            case MULTI -> !isReplicaSafe();
            default -> false;
        };
    }

    public Set<StatementFlag> flagSet() {
        return StatementFlag.decode(flags);
    }

    /** A short human-readable reason, e.g. {@code READ[LOCKING_READ] hint=PRIMARY}, for EXPLAIN ROUTE and logs. */
    public String reason() {
        StringBuilder text = new StringBuilder(kind.name());
        if (flags != 0) {
            text.append(flagSet().stream().map(Enum::name).collect(Collectors.joining(",", "[", "]")));
        }
        if (hint != RouteHint.NONE) {
            text.append(" hint=").append(hint);
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return "Classification{" + reason() + '}';
    }
}
