package io.mysqlproxy.core.stats;

/**
 * Fixed logarithmic latency buckets: bucket 0 holds latencies under 1 µs, bucket {@code i} those in
 * {@code [2^(i-1), 2^i)} µs, the last one everything from about 34 s up. Recording is an index computation,
 * so a histogram is a plain {@code long[]} that never grows.
 */
final class LatencyBuckets {

    static final int COUNT = 27;

    private LatencyBuckets() {}

    static int index(long micros) {
        if (micros <= 0) {
            return 0;
        }
        return Math.min(COUNT - 1, 64 - Long.numberOfLeadingZeros(micros));
    }

    /** The upper bound of bucket {@code i} in µs (its latencies are below it). */
    static long upperBound(int i) {
        return 1L << i;
    }

    /**
     * The latency under which a fraction {@code q} of the {@code calls} recorded in {@code buckets} fall: the
     * upper bound of the bucket that reaches it, no more than {@code max} (the largest latency recorded).
     */
    static long percentile(long[] buckets, long calls, double q, long max) {
        if (calls == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * calls);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }
}
