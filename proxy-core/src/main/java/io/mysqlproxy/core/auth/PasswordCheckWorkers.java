package io.mysqlproxy.core.auth;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the password checks that cost real CPU run: caching_sha2_password's SHA-256 crypt (5000
 * rounds on MySQL 8.x, 10000 on 9.x, up to 4095000) and RSA decryption, for known users and decoys
 * alike. Off the event loops, so that a storm of full authentications stalls no session; one daemon
 * thread per core, and at most {@value #QUEUE} checks waiting: past that a login is refused with
 * "too many connections" rather than queued without bound.
 */
public final class PasswordCheckWorkers {

    static final int QUEUE = 1024;

    private static final Executor SHARED = create(Runtime.getRuntime().availableProcessors());

    private PasswordCheckWorkers() {}

    /** The process's workers (daemon threads: nothing to close). */
    public static Executor shared() {
        return SHARED;
    }

    private static Executor create(int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), task -> {
                    Thread thread = new Thread(task, "mysql-proxy-password-check-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
