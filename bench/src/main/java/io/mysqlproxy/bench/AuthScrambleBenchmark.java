package io.mysqlproxy.bench;

import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The password scrambles the proxy computes twice per login: checking the client, logging in to the backend. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AuthScrambleBenchmark {

    private final byte[] nonce = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @Benchmark
    public byte[] nativePassword() {
        return NativePassword.scramble("app-secret", nonce);
    }

    @Benchmark
    public byte[] cachingSha2Password() {
        return CachingSha2Password.scramble("app-secret", nonce);
    }
}
