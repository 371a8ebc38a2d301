package io.mysqlproxy.testbed;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Fails a test class when Netty's leak detector reported a leak while (or before) it ran.
 *
 * <p>Netty only logs leaks, and only when a leaked object happens to be garbage-collected and a later
 * allocation polls the detector, so on its own a leak never fails a build. This extension installs a
 * {@link ResourceLeakDetectorFactory} whose detectors record each report (they still log it), and after every
 * test class forces a few GCs, makes every detector poll, and fails the class if anything was reported.
 * Reports are consumed, so a leak fails one class: usually the one that leaked, but a leak collected late can
 * surface in the next class.
 *
 * <p>It is registered in {@code META-INF/services/org.junit.jupiter.api.extension.Extension}; a module opts in
 * for all its tests with {@code junit.jupiter.extensions.autodetection.enabled=true} in
 * {@code src/test/resources/junit-platform.properties}. Run tests with
 * {@code -Dio.netty.leakDetection.level=paranoid} (the parent pom does) so every buffer is tracked and reports
 * say where the leaked buffer was allocated and touched.
 */
public final class LeakFailingExtension implements BeforeAllCallback, AfterAllCallback {

    private static final int GC_ROUNDS = 3;
    private static final long ENQUEUE_PAUSE_MILLIS = 50;
    private static final String BYTE_BUF_HOLDER = "io.netty.buffer.AbstractByteBuf";
    private static final String BYTE_BUF = "io.netty.buffer.ByteBuf";

    /*
     * Installed in the static initialiser, i.e. on first use of this class, which with autodetection is the
     * first test class's beforeAll: earlier than any test code can allocate a buffer. Detectors are created
     * once per resource type (ByteBuf's in AbstractByteBuf's static initialiser), so installing later would
     * miss them; beforeAll checks for that.
     */
    private static final RecordingLeakDetectorFactory FACTORY = installFactory();

    private static RecordingLeakDetectorFactory installFactory() {
        RecordingLeakDetectorFactory factory = new RecordingLeakDetectorFactory();
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(factory);
        initialiseByteBufDetector();
        return factory;
    }

    /** Creates the ByteBuf detector now, through our factory, if netty-buffer is on the class path at all. */
    private static void initialiseByteBufDetector() {
        try {
            Class.forName(BYTE_BUF_HOLDER, true, LeakFailingExtension.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            // No netty-buffer, no ByteBufs to leak; other resource types are still covered.
        }
    }

    /**
     * Installs the recording factory if that has not happened yet. Idempotent.
     *
     * @throws ExtensionConfigurationException if Netty's ByteBuf detector was created before the factory was
     *                                         installed, so ByteBuf leaks would go unnoticed
     */
    public static void install() {
        boolean byteBufsOnClassPath = isOnClassPath(BYTE_BUF);
        if (byteBufsOnClassPath && !FACTORY.createdDetectorFor(BYTE_BUF)) {
            throw new ExtensionConfigurationException("Netty's ByteBuf leak detector was created before "
                    + LeakFailingExtension.class.getSimpleName() + " was installed, so ByteBuf leaks cannot fail "
                    + "the build. Enable extension autodetection (junit-platform.properties) or call "
                    + "LeakFailingExtension.install() before any ByteBuf is allocated.");
        }
    }

    /**
     * Forces garbage collection, makes every detector process what it collected, and returns (and forgets) every
     * leak reported since the last call. Only leaks whose objects are unreachable by now can be found.
     */
    public static List<LeakReport> detectLeaks() {
        install();
        for (int round = 0; round < GC_ROUNDS; round++) {
            System.gc();
            // The JVM's reference handler enqueues collected objects asynchronously; give it a moment.
            pause();
            FACTORY.drainPendingReports();
        }
        return FACTORY.takeReports();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        List<LeakReport> leaks = detectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty resource leak(s) detected after "
                    + context.getDisplayName() + ":" + System.lineSeparator()
                    + leaks.stream().map(LeakReport::toString).collect(Collectors.joining(System.lineSeparator())));
        }
    }

    private static boolean isOnClassPath(String className) {
        try {
            Class.forName(className, false, LeakFailingExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(ENQUEUE_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
