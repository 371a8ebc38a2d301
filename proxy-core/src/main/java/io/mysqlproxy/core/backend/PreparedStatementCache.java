package io.mysqlproxy.core.backend;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The server statements one backend connection keeps prepared for whichever session borrows it next
 * (transaction multiplexing): by {@link StatementKey}, the server's statement id, least recently used first.
 * A session that needs a statement the connection has under an equal key binds to that id instead of
 * preparing it again, and leaves it here when it gives the connection back.
 *
 * <p>Per-statement server state (parameter types bound last, an open cursor, long data) belongs to one
 * session at a time: a binding claims its entry for the borrow it was made in ({@code claimant}, compared by
 * identity), so no second binding of that borrow gets the same id and the entry is not evicted under it;
 * a claim from an earlier borrow means nothing, since a connection has one borrower at a time. Eviction
 * closes the server statement through {@code close} (COM_STMT_CLOSE, which has no answer). Holds at most
 * {@code capacity} entries; 0 turns the cache off. Used on the connection's event loop only.
 */
public final class PreparedStatementCache {

    /**
     * Statements of longer text are not kept: an entry outlives the session that prepared it, so this bounds
     * the heap a cache takes beyond every session's own bounds (capacity × this, plus each key's SET log).
     */
    public static final int MAX_SQL_BYTES = 16 * 1024;

    private static final class Entry {
        final StatementKey key;
        final int id;
        Object claimant;
        /** The parameter types every execution on it bound so far; null until the first. */
        byte[] types;

        Entry(StatementKey key, int id, Object claimant) {
            this.key = key;
            this.id = id;
            this.claimant = claimant;
        }
    }

    private final int capacity;
    private final IntConsumer close;
    /** In access order: the eldest is the least recently bound. */
    private final LinkedHashMap<StatementKey, Entry> byKey = new LinkedHashMap<>(16, 0.75f, true);

    private final Map<Integer, Entry> byId = new HashMap<>();

    public PreparedStatementCache(int capacity, IntConsumer close) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.close = close;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return byKey.size();
    }

    /**
     * The id of the statement cached under {@code key}, claimed for {@code claimant} from now on; null when
     * there is none or {@code claimant} has it bound already (a second statement with the same text).
     */
    public Integer claim(StatementKey key, Object claimant) {
        return claim(key, claimant, null);
    }

    /**
     * As {@link #claim(StatementKey, Object)}, for an execution binding {@code types} (null: none known): null
     * as well when the entry was executed with other types. MySQL's statements keep what earlier executions'
     * types made of them (a string parameter after a BIGINT one is read as a number), so a statement is shared
     * only by executions of equal types.
     */
    public Integer claim(StatementKey key, Object claimant, byte[] types) {
        Entry entry = byKey.get(key);
        if (entry == null
                || entry.claimant == claimant
                || types != null && entry.types != null && !Arrays.equals(types, entry.types)) {
            return null;
        }
        entry.claimant = claimant;
        return entry.id;
    }

    /**
     * Caches {@code id}, just prepared under {@code key}, claimed for {@code claimant}; makes room by closing
     * the least recently used entry that {@code claimant} has not bound. False when it is not cached (the
     * cache is off, the text is over {@link #MAX_SQL_BYTES}, {@code key} has an id already, or every entry is
     * bound by {@code claimant}): then whoever prepared it closes it as before.
     */
    public boolean add(StatementKey key, int id, Object claimant) {
        if (capacity == 0 || key.sqlLength() > MAX_SQL_BYTES || byKey.containsKey(key) || byId.containsKey(id)) {
            return false;
        }
        if (byKey.size() >= capacity && !evictOneNotClaimedBy(claimant)) {
            return false;
        }
        Entry entry = new Entry(key, id, claimant);
        byKey.put(key, entry);
        byId.put(id, entry);
        return true;
    }

    private boolean evictOneNotClaimedBy(Object claimant) {
        for (Iterator<Entry> eldest = byKey.values().iterator(); eldest.hasNext(); ) {
            Entry entry = eldest.next();
            if (entry.claimant != claimant) {
                eldest.remove();
                byId.remove(entry.id);
                close.accept(entry.id);
                return true;
            }
        }
        return false;
    }

    /**
     * Closes every entry {@code claimant} has not bound, as the server refused a prepare for its limit on
     * statements across all connections (max_prepared_stmt_count): how many it closed.
     */
    public int closeAllNotClaimedBy(Object claimant) {
        int closed = 0;
        while (evictOneNotClaimedBy(claimant)) {
            closed++;
        }
        return closed;
    }

    /**
     * An execution on {@code id} bound {@code types}: other types than before take it out of the cache
     * ({@link #withdraw}), the server statement being no longer what the others expect. False if it was not
     * cached or is no longer.
     */
    public boolean executed(int id, byte[] types) {
        Entry entry = byId.get(id);
        if (entry == null || types == null) {
            return entry != null;
        }
        if (entry.types == null) {
            entry.types = types;
            return true;
        }
        return Arrays.equals(types, entry.types) || !withdraw(id);
    }

    /** Whether the server statement {@code id} is the cache's (no session closes it). */
    public boolean contains(int id) {
        return byId.containsKey(id);
    }

    /** {@code claimant} binds {@code id} again (its own connection back with its statements); false if not cached. */
    public boolean reclaim(int id, Object claimant) {
        Entry entry = byId.get(id);
        if (entry == null) {
            return false;
        }
        entry.claimant = claimant;
        return true;
    }

    /** {@code claimant} no longer binds {@code id} (its client closed the statement). */
    public void release(int id, Object claimant) {
        Entry entry = byId.get(id);
        if (entry != null && entry.claimant == claimant) {
            entry.claimant = null;
        }
    }

    /**
     * Takes {@code id} out of the cache without closing it: its binding keeps it as its own from now on (it
     * holds per-session state that no other session may see); false if it was not cached.
     */
    public boolean withdraw(int id) {
        Entry entry = byId.remove(id);
        if (entry == null) {
            return false;
        }
        byKey.remove(entry.key);
        return true;
    }

    /** The server dropped every statement (COM_RESET_CONNECTION, COM_CHANGE_USER): nothing to close. */
    public void clear() {
        byKey.clear();
        byId.clear();
    }
}
