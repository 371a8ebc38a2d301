package io.mysqlproxy.core.stats;

import io.mysqlproxy.core.classify.StatementDigest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryStatsTest {

    private static final long MS = 1_000_000L;

    @Test
    void countsCallsErrorsRowsAndLatencyPerRole() {
        QueryStats stats = new QueryStats(true, 100);
        DigestEntry entry = stats.add(7, "SELECT ?");
        entry.record(QueryRole.REPLICA, 2 * MS, 10, false);
        entry.record(QueryRole.REPLICA, 4 * MS, 5, false);
        entry.record(QueryRole.REPLICA, 100 * MS, 0, true);
        entry.record(QueryRole.PRIMARY, 1 * MS, 1, false);
        List<QueryStatsRow> rows = stats.rows(QueryOrder.CALLS, true, 10);
        assertEquals(2, rows.size());
        QueryStatsRow replica = rows.get(0);
        assertEquals(QueryRole.REPLICA, replica.role());
        assertEquals("SELECT ?", replica.text());
        assertEquals(3, replica.calls());
        assertEquals(1, replica.errors());
        assertEquals(15, replica.rows());
        assertEquals(106_000, replica.totalMicros());
        assertEquals(35_333, replica.avgMicros());
        assertEquals(2_000, replica.minMicros());
        assertEquals(100_000, replica.maxMicros());
        // Histogram buckets are powers of two in µs: 2 ms and 4 ms fall under 2,048 and 4,096.
        assertEquals(4_096, replica.p50Micros());
        assertEquals(100_000, replica.p99Micros());
        assertTrue(replica.firstSeen() <= replica.lastSeen());
        assertEquals(QueryRole.PRIMARY, rows.get(1).role());
        assertEquals(1, rows.get(1).calls());
    }

    @Test
    void ordersAndLimits() {
        QueryStats stats = new QueryStats(true, 100);
        stats.add(1, "a").record(QueryRole.PRIMARY, 10 * MS, 0, false);
        DigestEntry b = stats.add(2, "b");
        b.record(QueryRole.PRIMARY, 1 * MS, 0, false);
        b.record(QueryRole.PRIMARY, 1 * MS, 0, false);
        assertEquals("a", stats.rows(QueryOrder.TOTAL_TIME, true, 1).get(0).text());
        assertEquals("b", stats.rows(QueryOrder.CALLS, true, 1).get(0).text());
        assertEquals("a", stats.rows(QueryOrder.CALLS, false, 5).get(0).text());
        assertEquals(1, stats.rows(QueryOrder.CALLS, false, 1).size());
        assertEquals(QueryOrder.AVG_TIME, QueryOrder.parse("avg_time"));
        assertNull(QueryOrder.parse("digest_text"));
    }

    @Test
    void evictsTheLeastRecentlySeenTenthBeyondTheBound() throws InterruptedException {
        QueryStats stats = new QueryStats(true, 20);
        for (long d = 0; d < 20; d++) {
            stats.add(d, "q" + d);
        }
        Thread.sleep(5); // last-seen times are in milliseconds
        DigestEntry kept = stats.find(0);
        kept.record(QueryRole.PRIMARY, MS, 0, false);
        stats.add(20, "q20");
        assertEquals(2, stats.evictions());
        assertEquals(19, stats.size());
        assertSame(kept, stats.find(0));
        assertFalse(kept.retired());
        assertNotNull(stats.find(20));
        long evictedAndRetired = 0;
        for (long d = 1; d < 20; d++) {
            if (stats.find(d) == null) {
                evictedAndRetired++;
            }
        }
        assertEquals(2, evictedAndRetired);
        for (long d = 21; d < 1000; d++) {
            stats.add(d, "q" + d);
            assertTrue(stats.size() <= 20, "size " + stats.size());
        }
    }

    @Test
    void resetForgetsEverythingAndRetiresEntriesSessionsHold() {
        QueryStats stats = new QueryStats(true, 100);
        DigestLookup lookup = new DigestLookup(stats);
        byte[] sql = "SELECT 1".getBytes(StandardCharsets.UTF_8);
        long digest = StatementDigest.of(sql, 0, sql.length);
        DigestEntry before = lookup.entry(digest, sql, 0, sql.length);
        assertSame(before, lookup.entry(digest, sql, 0, sql.length));
        assertEquals("SELECT ?", before.text());
        stats.reset();
        assertEquals(0, stats.size());
        assertTrue(before.retired());
        DigestEntry after = lookup.entry(digest, sql, 0, sql.length);
        assertFalse(after == before);
        assertSame(after, stats.find(digest));
    }

    @Test
    void concurrentRecordingLosesNothing() throws InterruptedException {
        QueryStats stats = new QueryStats(true, 1000);
        int threads = 4;
        int perThread = 20_000;
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    DigestEntry entry = stats.find(i % 50);
                    if (entry == null) {
                        entry = stats.add(i % 50, "q");
                    }
                    entry.record(i % 2 == 0 ? QueryRole.PRIMARY : QueryRole.REPLICA, 1000, 1, false);
                }
                done.countDown();
            });
            thread.start();
            started.add(thread);
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        long calls = 0;
        long rows = 0;
        for (QueryStatsRow row : stats.rows(QueryOrder.CALLS, true, 1000)) {
            calls += row.calls();
            rows += row.rows();
        }
        assertEquals((long) threads * perThread, calls);
        assertEquals((long) threads * perThread, rows);
        assertEquals(50, stats.size());
    }

    @Test
    void histogramBucketsAreLogarithmic() {
        assertEquals(0, LatencyBuckets.index(0));
        assertEquals(1, LatencyBuckets.index(1));
        assertEquals(2, LatencyBuckets.index(2));
        assertEquals(2, LatencyBuckets.index(3));
        assertEquals(11, LatencyBuckets.index(1024));
        assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.index(Long.MAX_VALUE));
    }
}
