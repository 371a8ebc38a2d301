package io.mysqlproxy.core.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What every live session says of itself, each on its own event loop, gathered on the asking session's
 * loop (the listeners and the deadline run there: no locking). The answer goes out once all spoke, or at
 * the deadline without those still missing: a session whose loop is stuck must not leave the asking one
 * waiting. Null answers (a session the asker may not see, or one ending) are left out.
 *
 * @param <T> what a session says: a SHOW PROCESSLIST row, a SHOW PROXY SESSIONS status
 */
final class SessionGathering<T> {

    /** How to ask one session: it completes the promise on its own loop. */
    interface Ask<T> {
        void ask(LiveSession target, Promise<T> answer);
    }

    private final List<T> answers;
    private final Consumer<List<T>> done;
    private final BiConsumer<Integer, Integer> late;
    private final int asked;
    private int pending;
    private boolean answered;
    private ScheduledFuture<?> deadline;

    private SessionGathering(int asked, Consumer<List<T>> done, BiConsumer<Integer, Integer> late) {
        this.asked = asked;
        this.pending = asked;
        this.answers = new ArrayList<>(asked);
        this.done = done;
        this.late = late;
    }

    /**
     * Asks each of {@code sessions} with {@code ask} and hands their answers to {@code done} on {@code loop};
     * {@code late} hears (missing, asked) when the deadline {@code wait} passes first.
     */
    static <T> void gather(
            EventLoop loop,
            List<LiveSession> sessions,
            Ask<T> ask,
            Duration wait,
            Consumer<List<T>> done,
            BiConsumer<Integer, Integer> late) {
        SessionGathering<T> gathering = new SessionGathering<>(sessions.size(), done, late);
        if (sessions.isEmpty()) {
            gathering.reply();
            return;
        }
        gathering.deadline = loop.schedule(gathering::expire, wait.toMillis(), TimeUnit.MILLISECONDS);
        for (LiveSession target : sessions) {
            Promise<T> answer = loop.newPromise();
            answer.addListener(f -> gathering.answered(f.isSuccess() ? answer.getNow() : null));
            ask.ask(target, answer);
        }
    }

    private void answered(T answer) {
        if (answered) {
            return;
        }
        if (answer != null) {
            answers.add(answer);
        }
        if (--pending == 0) {
            reply();
        }
    }

    private void expire() {
        if (!answered) {
            late.accept(pending, asked);
            reply();
        }
    }

    private void reply() {
        answered = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        done.accept(answers);
    }
}
