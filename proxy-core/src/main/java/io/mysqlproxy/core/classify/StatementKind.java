package io.mysqlproxy.core.classify;

/** What a statement does, as far as routing and session tracking are concerned. */
public enum StatementKind {
    /** SELECT, SHOW, DESCRIBE, EXPLAIN, WITH ... SELECT, TABLE, VALUES, DO, HELP. */
    READ(false),
    /** INSERT, UPDATE, DELETE, REPLACE, LOAD, administrative statements, SET GLOBAL. */
    WRITE(false),
    /** CREATE, ALTER, DROP, RENAME, TRUNCATE, GRANT, REVOKE: change the schema or privileges. */
    DDL(false),
    /** CALL of a stored procedure, whose body is unknown here. */
    CALL(false),
    /**
     * KILL [HARD | SOFT] [CONNECTION | QUERY] id. Clients know the proxy's connection ids, not the servers',
     * so the proxy answers a plain numeric id itself; other forms (KILL USER, KILL QUERY ID) go to the primary.
     */
    KILL(false),
    /** BEGIN, BEGIN WORK, START TRANSACTION [READ WRITE]. */
    TRANSACTION_BEGIN(true),
    /** START TRANSACTION READ ONLY. */
    TRANSACTION_BEGIN_READ_ONLY(true),
    /** COMMIT or ROLLBACK (not ROLLBACK TO SAVEPOINT). */
    TRANSACTION_END(true),
    /** SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT. */
    SAVEPOINT(true),
    /** XA START / END / PREPARE / COMMIT / ROLLBACK / RECOVER. */
    XA(true),
    /** SET autocommit alone; the value is in the AUTOCOMMIT_ON / AUTOCOMMIT_OFF flags. */
    SET_AUTOCOMMIT(true),
    /** Any other session SET: variables, NAMES, CHARACTER SET, user variables, ROLE. */
    SESSION_SET(true),
    /** USE db. */
    USE(true),
    /** SET [SESSION] TRANSACTION ... */
    SET_TRANSACTION(true),
    /** LOCK TABLES, and FLUSH TABLES ... FOR EXPORT (which holds table locks the same way). */
    LOCK_TABLES(true),
    /** UNLOCK TABLES. */
    UNLOCK_TABLES(true),
    /** FLUSH TABLES [t, ...] WITH READ LOCK. */
    FLUSH_TABLES_WITH_READ_LOCK(true),
    /** CREATE TEMPORARY TABLE. */
    CREATE_TEMPORARY_TABLE(true),
    /** DROP TEMPORARY TABLE. */
    DROP_TEMPORARY_TABLE(true),
    /** SQL-level PREPARE stmt FROM ... */
    PREPARE_SQL(true),
    /** SQL-level EXECUTE stmt [USING ...], and MariaDB's EXECUTE IMMEDIATE. */
    EXECUTE_SQL(true),
    /** DEALLOCATE PREPARE / DROP PREPARE. */
    DEALLOCATE_SQL(true),
    /**
     * SHOW PROXY ... and EXPLAIN ROUTE ...: the proxy's own admin statements, which it answers itself and
     * never sends to a server. EXPLAIN ROUTE takes the rest of the text, ';' included, as its operand.
     */
    PROXY_ADMIN(false),
    /**
     * SHOW [FULL] PROCESSLIST: the proxy answers it from its own sessions, whose ids are the ones clients
     * know and KILL by (a server would list its threads, other clients' among them).
     */
    SHOW_PROCESSLIST(false),
    /** Several statements separated by ';'; flags are the union of the parts'. */
    MULTI(false),
    /** Not recognised: route it to the primary. */
    UNKNOWN(false),
    /** Nothing but whitespace, comments and semicolons. */
    EMPTY(false);

    private final boolean sessionState;

    StatementKind(boolean sessionState) {
        this.sessionState = sessionState;
    }

    /** Whether the statement changes transaction or session state that the router must track or pin. */
    public boolean changesSessionState() {
        return sessionState;
    }
}
