package io.mysqlproxy.core.health;

import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batching of global consistency's primary position lookups: lookups run one at a time on an
 * executor the test drives by hand, so "while a lookup is in flight" is a precise moment (inside
 * {@link Source#read}); reads' promises live on a real event loop, as sessions' do.
 */
class PrimaryPositionsTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final Queue<Runnable> lookupThread = new ArrayDeque<>();
    private final Source source = new Source();
    private final Counts counts = new Counts();
    private final PrimaryPositions positions =
            new PrimaryPositions(source, lookupThread::add, () -> Duration.ZERO, counts);

    @AfterEach
    void stop() {
        positions.close();
        runLookups();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void readsThatAskedBeforeALookupStartedShareIt() {
        source.answers.add("0-1-5");
        Future<String> first = positions.after(loop, LONG);
        Future<String> second = positions.after(loop, LONG);
        Future<String> third = positions.after(loop, LONG);
        assertEquals(1, lookupThread.size(), "one lookup for the three reads");

        runLookups();

        assertEquals("0-1-5", first.syncUninterruptibly().getNow());
        assertEquals("0-1-5", second.syncUninterruptibly().getNow());
        assertEquals("0-1-5", third.syncUninterruptibly().getNow());
        assertEquals(1, source.reads);
        assertEquals(List.of(3), counts.lookups);
    }

    @Test
    void aReadThatArrivesWhileALookupIsInFlightWaitsForTheNextOne() {
        source.answers.add("0-1-5");
        source.answers.add("0-1-6");
        Future<String> early = positions.after(loop, LONG);
        List<Future<String>> late = new ArrayList<>();
        // This read arrives after the first lookup started: a commit made just before it may be missing
        // from that lookup's answer, so only a lookup that starts later may serve it.
        source.duringRead = () -> late.add(positions.after(loop, LONG));

        runLookups();

        assertEquals("0-1-5", early.syncUninterruptibly().getNow());
        assertEquals(1, late.size());
        assertEquals("0-1-6", late.get(0).syncUninterruptibly().getNow(), "served by the second lookup");
        assertEquals(2, source.reads);
        assertEquals(List.of(1, 1), counts.lookups);
    }

    @Test
    void aNewReadAfterTheLookupsEndedStartsAnotherOne() {
        source.answers.add("a:1-5");
        source.answers.add("a:1-9");
        Future<String> first = positions.after(loop, LONG);
        runLookups();
        assertEquals("a:1-5", first.syncUninterruptibly().getNow());

        Future<String> next = positions.after(loop, LONG);
        assertEquals(1, lookupThread.size(), "the next read starts a lookup of its own");
        runLookups();
        assertEquals("a:1-9", next.syncUninterruptibly().getNow());
    }

    @Test
    void aFailedLookupFailsItsReadsAndTheNextReadTriesAgain() {
        source.failNext = true;
        source.answers.add("0-1-7");
        Future<String> first = positions.after(loop, LONG);
        Future<String> second = positions.after(loop, LONG);
        runLookups();

        assertFalse(first.awaitUninterruptibly().isSuccess());
        assertFalse(second.awaitUninterruptibly().isSuccess());
        assertEquals("primary unreachable", first.cause().getMessage());
        assertEquals(List.of(2), counts.failures);

        Future<String> retry = positions.after(loop, LONG);
        runLookups();
        assertEquals("0-1-7", retry.syncUninterruptibly().getNow());
    }

    /** An Error from the driver (a missing class, say) must not end lookups for good. */
    @Test
    void anErrorFromTheReaderFailsItsReadsAndTheNextReadTriesAgain() {
        source.failWith = new NoClassDefFoundError("com/mysql/cj/Missing");
        source.answers.add("0-1-7");
        Future<String> first = positions.after(loop, LONG);
        runLookups();
        assertInstanceOf(
                NoClassDefFoundError.class, first.awaitUninterruptibly().cause());
        assertEquals(List.of(1), counts.failures);

        Future<String> retry = positions.after(loop, LONG);
        assertEquals(1, lookupThread.size(), "the retry starts a lookup");
        runLookups();
        assertEquals("0-1-7", retry.syncUninterruptibly().getNow());
    }

    /** A VirtualMachineError goes on up the lookup thread, but reads that asked meanwhile get a new lookup. */
    @Test
    void aVirtualMachineErrorIsRethrownAndWaitingReadsGetANewLookup() {
        source.failWith = new StackOverflowError();
        source.answers.add("0-1-9");
        Future<String> first = positions.after(loop, LONG);
        List<Future<String>> late = new ArrayList<>();
        source.duringRead = () -> late.add(positions.after(loop, LONG));
        Runnable lookup = lookupThread.remove();
        assertThrows(StackOverflowError.class, lookup::run);
        assertInstanceOf(StackOverflowError.class, first.awaitUninterruptibly().cause());

        assertEquals(1, lookupThread.size(), "the read that arrived meanwhile gets a lookup");
        runLookups();
        assertEquals("0-1-9", late.get(0).syncUninterruptibly().getNow());
    }

    /** Reads that gave up leave the queue: no lookup runs for them, and a failing primary cannot grow it. */
    @Test
    void aReadThatTimedOutIsNoLongerWaiting() {
        Future<String> read = positions.after(loop, Duration.ofMillis(20));
        await().atMost(Duration.ofSeconds(10)).until(read::isDone);
        runLookups();
        assertEquals(0, source.reads, "no lookup for a read that is gone");
    }

    @Test
    void aReadNoLookupAnswersInTimeFailsOnItsOwnLoop() {
        Future<String> read = positions.after(loop, Duration.ofMillis(50));
        AtomicBoolean onItsLoop = new AtomicBoolean();
        read.addListener(done -> onItsLoop.set(loop.inEventLoop()));

        await().atMost(Duration.ofSeconds(10)).until(read::isDone);
        assertInstanceOf(TimeoutException.class, read.cause());
        await().atMost(Duration.ofSeconds(10)).untilTrue(onItsLoop);

        // The stuck lookup ends at last: its late answer changes nothing for the read that gave up.
        source.answers.add("0-1-8");
        runLookups();
        assertInstanceOf(TimeoutException.class, read.cause());
    }

    @Test
    void aPositionIsDeliveredOnTheReadsLoop() {
        source.answers.add("0-1-5");
        Future<String> read = positions.after(loop, LONG);
        AtomicBoolean onItsLoop = new AtomicBoolean();
        read.addListener(done -> onItsLoop.set(loop.inEventLoop()));
        runLookups();
        await().atMost(Duration.ofSeconds(10)).untilTrue(onItsLoop);
    }

    @Test
    void lookupsStartAnIntervalApartAndTheReadsOfThatIntervalShareTheNextOne() throws Exception {
        Duration interval = Duration.ofMillis(200);
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        PrimaryPositions.Source timed = new PrimaryPositions.Source() {
            @Override
            public String read() throws InterruptedException {
                starts.add(System.nanoTime());
                if (starts.size() == 1) {
                    firstStarted.countDown();
                    releaseFirst.await();
                }
                return "0-1-" + starts.size();
            }

            @Override
            public void close() {}
        };
        ExecutorService thread = Executors.newSingleThreadExecutor();
        PrimaryPositions spaced = new PrimaryPositions(timed, thread, () -> interval, counts);
        try {
            Future<String> first = spaced.after(loop, LONG);
            firstStarted.await();
            // Three reads while the first lookup is in flight, then it ends: the next lookup waits for the
            // interval and serves all three.
            List<Future<String>> next =
                    List.of(spaced.after(loop, LONG), spaced.after(loop, LONG), spaced.after(loop, LONG));
            releaseFirst.countDown();
            assertEquals("0-1-1", first.syncUninterruptibly().getNow());
            for (Future<String> read : next) {
                assertEquals("0-1-2", read.syncUninterruptibly().getNow());
            }
            assertEquals(2, starts.size());
            assertTrue(
                    starts.get(1) - starts.get(0) >= interval.toNanos(),
                    "the second lookup started " + (starts.get(1) - starts.get(0)) / 1_000_000 + " ms after the first");
            assertEquals(List.of(1, 3), counts.lookups);
        } finally {
            spaced.close();
            thread.shutdownNow();
        }
    }

    @Test
    void closingFailsTheWaitingReadsAndRefusesNewOnes() {
        Future<String> waiting = positions.after(loop, LONG);
        positions.close();
        assertFalse(waiting.awaitUninterruptibly().isSuccess());
        Future<String> after = positions.after(loop, LONG);
        assertFalse(after.awaitUninterruptibly().isSuccess());
        runLookups();
        assertTrue(source.closed, "the source is closed on the lookup thread");
        assertEquals(0, source.reads);
    }

    /** Runs what was handed to the lookup thread, as that thread would. */
    private void runLookups() {
        Runnable task;
        while ((task = lookupThread.poll()) != null) {
            task.run();
        }
    }

    private static final class Source implements PrimaryPositions.Source {
        final Queue<String> answers = new ArrayDeque<>();
        Runnable duringRead;
        boolean failNext;
        Throwable failWith;
        int reads;
        boolean closed;

        @Override
        public String read() throws Exception {
            reads++;
            if (duringRead != null) {
                Runnable r = duringRead;
                duringRead = null;
                r.run();
            }
            if (failWith != null) {
                Throwable failure = failWith;
                failWith = null;
                if (failure instanceof Error error) {
                    throw error;
                }
                throw (Exception) failure;
            }
            if (failNext) {
                failNext = false;
                throw new SQLException("primary unreachable");
            }
            return answers.remove();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class Counts implements PrimaryPositions.Listener {
        final List<Integer> lookups = new ArrayList<>();
        final List<Integer> failures = new ArrayList<>();

        @Override
        public void lookedUp(int reads) {
            lookups.add(reads);
        }

        @Override
        public void failed(int reads) {
            failures.add(reads);
        }
    }
}
