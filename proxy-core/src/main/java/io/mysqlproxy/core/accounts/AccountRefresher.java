package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.health.HealthSettings;
import io.mysqlproxy.core.metrics.AccountMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Keeps the primary's accounts: read every refresh interval and, when asked ({@link #refreshSoon}, a
 * login of an unknown name), at most once per minimum interval, all on a thread of its own, never an
 * event loop. A read that fails keeps the last good accounts; a failure is logged when reads start
 * failing, and a success once they work again (every failure is counted). After each good read the listener
 * hears which users' accounts were dropped, locked or given another password.
 */
public final class AccountRefresher implements KnownAccounts {

    private static final Logger log = LoggerFactory.getLogger(AccountRefresher.class);

    /** What a refresh tells the rest of the proxy. Called on the refresher's thread. */
    public interface Listener {
        /** A good read: {@code current} is every account now; {@code changedUsers} lost or changed one. */
        void refreshed(ServerAccounts current, Set<String> changedUsers);
    }

    private final AccountReader reader;
    private final AccountMeters meters;
    private final Listener listener;
    private final long minIntervalNanos;
    private final ScheduledExecutorService thread;
    private final AtomicReference<ServerAccounts> accounts = new AtomicReference<>(ServerAccounts.none());
    /** When the last read was started or asked for, to rate-limit {@link #refreshSoon}. */
    private final AtomicLong lastRequested;
    /** Whether a read asked for by {@link #refreshSoon} waits on the thread: never more than one. */
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Whether the last read failed; touched on the refresher's thread only. */
    private boolean failing;

    private AccountRefresher(AccountReader reader, AccountMeters meters, Listener listener, Duration minInterval) {
        this.reader = reader;
        this.meters = meters;
        this.listener = listener;
        this.minIntervalNanos = minInterval.toNanos();
        this.lastRequested = new AtomicLong(System.nanoTime() - minIntervalNanos);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mysql-proxy-accounts");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts reading the accounts of the primary (where {@code primary} says it is at each read) with
     * the {@code monitor} account every {@code interval}; waits up to the monitor's timeout for the first
     * read, so that the first clients find their accounts (a failed first read is retried as usual).
     */
    public static AccountRefresher start(
            HealthSettings monitor,
            Supplier<HostPort> primary,
            AccountMeters meters,
            Listener listener,
            Duration interval,
            Duration minInterval) {
        AccountRefresher refresher =
                new AccountRefresher(new AccountReader(monitor, primary), meters, listener, minInterval);
        Future<?> first = refresher.thread.submit(refresher::refresh);
        refresher.thread.scheduleWithFixedDelay(
                refresher::refresh, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        try {
            first.get(monitor.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("the primary's accounts are not read yet; logins wait for a later read");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return refresher;
    }

    @Override
    public ServerAccounts current() {
        return accounts.get();
    }

    /**
     * Asks for a read now, unless one was started within the minimum interval or one asked for is still
     * waiting: however many unknown names arrive, and however slow the primary is, at most one read waits.
     */
    @Override
    public void refreshSoon() {
        long now = System.nanoTime();
        if (now - lastRequested.get() >= minIntervalNanos && queued.compareAndSet(false, true)) {
            thread.execute(this::refresh);
        }
    }

    private void refresh() {
        queued.set(false);
        lastRequested.set(System.nanoTime());
        List<ServerAccount> read;
        try {
            read = reader.read();
        } catch (SQLException | RuntimeException e) {
            meters.refreshFailed();
            if (!failing) {
                log.warn(
                        "cannot read the primary's accounts ({}); the {} read last stay",
                        e.getMessage() == null ? e.toString() : e.getMessage(),
                        current().size());
            }
            failing = true;
            return;
        }
        if (failing) {
            log.info("the primary's accounts are read again");
            failing = false;
        }
        ServerAccounts next = ServerAccounts.of(read);
        ServerAccounts previous = accounts.getAndSet(next);
        meters.refreshed(next.size());
        Set<String> changed = next.usersChangedSince(previous);
        if (!changed.isEmpty()) {
            log.info("accounts dropped, locked or changed on the primary for user(s) {}", changed);
        }
        try {
            listener.refreshed(next, changed);
        } catch (RuntimeException e) {
            log.warn("acting on the refreshed accounts failed", e);
        }
    }

    @Override
    public void close() {
        // On the refresher's own thread, after any read under way: the reader is used there only.
        thread.execute(reader::close);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
