package io.mysqlproxy.core.classify;

/**
 * The classification of one statement of a text, packed into a {@code long} (kind ordinal in the high
 * half, flag bits in the low half) so the per-statement steps return it without allocating.
 */
final class PartResult {

    private static final StatementKind[] KINDS = StatementKind.values();

    private PartResult() {}

    static long of(StatementKind kind, int flags) {
        return ((long) kind.ordinal() << 32) | (flags & 0xFFFF_FFFFL);
    }

    static long of(StatementKind kind) {
        return of(kind, 0);
    }

    static StatementKind kind(long part) {
        return KINDS[(int) (part >>> 32)];
    }

    static int flags(long part) {
        return (int) part;
    }
}
