package io.mysqlproxy.bench;

import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.classify.StatementDigest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The statement classifier over a realistic mix: sysbench's statements (what oltp_read_write
 * sends), ORM-generated SQL, and a long statement whose FOR UPDATE comes at the very end.
 * Reported per statement; {@code -prof gc} shows the allocation per statement.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClassifierBenchmark {

    static final String[] SYSBENCH = {
        "SELECT c FROM sbtest1 WHERE id=?",
        "SELECT c FROM sbtest3 WHERE id BETWEEN ? AND ?",
        "SELECT SUM(k) FROM sbtest2 WHERE id BETWEEN ? AND ?",
        "SELECT c FROM sbtest4 WHERE id BETWEEN ? AND ? ORDER BY c",
        "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
        "UPDATE sbtest2 SET k=k+1 WHERE id=?",
        "UPDATE sbtest3 SET c=? WHERE id=?",
        "DELETE FROM sbtest4 WHERE id=?",
        "INSERT INTO sbtest4 (id, k, c, pad) VALUES (?, ?, ?, ?)",
        "BEGIN",
        "COMMIT",
    };

    static final String[] ORM = {
        "/* load com.example.User */ select u1_0.id,u1_0.email,u1_0.name,u1_0.created_at from users u1_0 where u1_0.id=?",
        "select o1_0.id,o1_0.total,o1_0.status from orders o1_0 where o1_0.customer_id=? and o1_0.status in (?,?,?) "
                + "order by o1_0.created_at desc limit ?",
        "insert into audit_log (actor,action,payload,created_at) values (?,?,?,?)",
        "SET autocommit=0",
        "SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS "
                + "character_set_client, @@character_set_connection AS character_set_connection",
    };

    private final StatementDigest digest = new StatementDigest();
    private byte[][] mix;
    private byte[] longForUpdate;

    @Setup
    public void setUp() {
        mix = new byte[SYSBENCH.length + ORM.length][];
        int i = 0;
        for (String sql : SYSBENCH) {
            mix[i++] = sql.getBytes(StandardCharsets.UTF_8);
        }
        for (String sql : ORM) {
            mix[i++] = sql.getBytes(StandardCharsets.UTF_8);
        }
        StringBuilder sql = new StringBuilder(
                "SELECT a.id, a.balance FROM accounts a JOIN branches b ON b.id = a.branch_id WHERE a.id IN (");
        for (int n = 0; n < 200; n++) {
            sql.append(n == 0 ? "" : ", ").append(1000 + n);
        }
        longForUpdate = sql.append(") AND b.region = 'north' /* batch */ FOR UPDATE")
                .toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public void sysbenchAndOrmMix(Blackhole hole) {
        for (byte[] sql : mix) {
            hole.consume(StatementClassifier.classify(sql, 0, sql.length));
        }
    }

    /** The same mix classified and digested in one pass, as the statement path does with query statistics on. */
    @Benchmark
    @OperationsPerInvocation(16)
    public void sysbenchAndOrmMixWithDigest(Blackhole hole) {
        for (byte[] sql : mix) {
            hole.consume(StatementClassifier.classify(sql, 0, sql.length, digest));
            hole.consume(digest.value());
        }
    }

    @Benchmark
    public Object longStatementWithDigest() {
        StatementClassifier.classify(longForUpdate, 0, longForUpdate.length, digest);
        return digest.value();
    }

    @Benchmark
    public Object longStatementWithForUpdateAtTheEnd() {
        return StatementClassifier.classify(longForUpdate, 0, longForUpdate.length);
    }
}
