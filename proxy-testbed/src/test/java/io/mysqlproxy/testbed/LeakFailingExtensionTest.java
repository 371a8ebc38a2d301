package io.mysqlproxy.testbed;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Leaks buffers on purpose and checks that the extension sees them. Every leak is consumed by the test
 * itself, so the autodetected LeakFailingExtension finds nothing left when this class ends.
 */
class LeakFailingExtensionTest {

    // GC is not obliged to collect on the first System.gc(); give detection several chances.
    private static final int ATTEMPTS = 20;

    private static ResourceLeakDetector.Level previousLevel;

    @BeforeAll
    static void trackEveryBuffer() {
        // Also when run from an IDE without the parent pom's argLine.
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restoreLevel() {
        ResourceLeakDetector.setLevel(previousLevel);
    }

    @BeforeEach
    void startClean() {
        LeakFailingExtension.install();
        LeakFailingExtension.detectLeaks();
    }

    @Test
    void detectsLeakedByteBufWithItsAllocationSite() {
        leakOneBuffer();

        List<LeakReport> leaks = new ArrayList<>();
        for (int attempt = 0; attempt < ATTEMPTS && leaks.isEmpty(); attempt++) {
            leaks.addAll(LeakFailingExtension.detectLeaks());
        }

        assertEquals(1, leaks.size(), () -> "leaks: " + leaks);
        assertEquals("ByteBuf", leaks.get(0).resourceType());
        assertTrue(
                leaks.get(0).records().contains("leakOneBuffer"),
                () -> "records: " + leaks.get(0).records());
    }

    @Test
    void releasedBufferIsNotReported() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(64);
        buffer.writeLong(42);
        buffer.release();

        assertEquals(List.of(), LeakFailingExtension.detectLeaks());
    }

    @Test
    void afterAllFailsTheClassThatLeaked() {
        leakOneBuffer();
        LeakFailingExtension extension = new LeakFailingExtension();
        ExtensionContext context = contextNamed("LeakyTest");

        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                extension.afterAll(context);
            } catch (AssertionError expected) {
                assertTrue(expected.getMessage().contains("LeakyTest"), expected::getMessage);
                assertTrue(expected.getMessage().contains("LEAK: ByteBuf"), expected::getMessage);
                return;
            }
        }
        fail("afterAll never reported the leaked buffer");
    }

    /** In its own frame so nothing on the test's stack keeps the buffer reachable. */
    private static void leakOneBuffer() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(64);
        buffer.writeLong(42);
    }

    /** afterAll only asks for the display name; a proxy spares a mocking library. */
    private static ExtensionContext contextNamed(String displayName) {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getDisplayName")) {
                        return displayName;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
